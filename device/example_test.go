package device_test

import (
	"context"
	"fmt"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware/emu"
)

// Open a board on a serial port — here the emulated board on a
// pseudo-terminal, which is what `memlsm board emulate` prints — and run a
// reservoir sample on it.
func ExampleOpen() {
	ctx := context.Background()
	p, _ := crossbar.Preset("lin2025")
	m, _ := crossbar.NewModel(p, 1)
	eb, _ := emu.New(m, nil)
	pt, err := emu.ServePTY(ctx, eb)
	if err != nil {
		panic(err)
	}
	defer pt.Close()

	b, err := device.Open(pt.Path(), nil)
	if err != nil {
		panic(err)
	}
	defer b.Close()
	fmt.Println(b.Name(), b.Geometry(), "max set amplitude", b.Limits().MaxAmplitude[crossbar.Set])

	l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: 6, Cols: 4}, In: 4, N: 2}
	if err := b.Program(ctx, l.Region, crossbar.DefaultForming(p)); err != nil {
		panic(err)
	}
	input := [][]uint16{{0, 1, 2, 3}, {0, 1, 2, 3}, {}, {0, 1, 2, 3}}
	counts := make([]uint16, 2)
	run := crossbar.ReservoirRun{Layout: l, Steps: 4, Decay: 0.9, Threshold: 0.5, Gain: 1}
	if err := b.RunReservoir(ctx, run, input, counts); err != nil {
		panic(err)
	}
	sim, _ := crossbar.NewModel(p, 1)
	simCounts := make([]uint16, 2)
	sim.Program(ctx, l.Region, crossbar.DefaultForming(p))
	sim.RunReservoir(ctx, run, input, simCounts)
	fmt.Println("board and simulator agree:", counts[0] == simCounts[0] && counts[1] == simCounts[1])
	// Output:
	// memlsm-emu {512 512} max set amplitude 3.00003V
	// board and simulator agree: true
}
