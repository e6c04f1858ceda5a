package emu_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware/emu"
	"github.com/memlsm/memlsm/units"
)

// The emulated board over a pipe, driven by the host driver: form a 2×2
// region with the paper's one-pulse recipe and read it back, on the board
// and on a simulator with the same seed.
func Example() {
	ctx := context.Background()
	p, _ := crossbar.Preset("lin2025")
	m, _ := crossbar.NewModel(p, 42)
	board, _ := emu.New(m, nil)
	host, done := emu.Pipe(ctx, board)
	b, err := device.New(host, nil)
	if err != nil {
		panic(err)
	}
	sim, _ := crossbar.NewModel(p, 42)

	r := crossbar.Region{Rows: 2, Cols: 2}
	var g [2][]units.Siemens
	for k, a := range []crossbar.Array{b, sim} {
		if err := a.Program(ctx, r, crossbar.DefaultForming(p)); err != nil {
			panic(err)
		}
		g[k] = make([]units.Siemens, 4)
		if err := a.Read(ctx, r, g[k]); err != nil {
			panic(err)
		}
	}
	formed := 0
	for _, v := range g[0] {
		if v > p.FormedThreshold {
			formed++
		}
	}
	fmt.Println(b.Name(), "formed", formed, "of 4 cells")
	fmt.Println("same conductances as the simulator:", slices.Equal(g[0], g[1]))
	b.Close()
	host.Close()
	<-done
	// Output:
	// memlsm-emu formed 4 of 4 cells
	// same conductances as the simulator: true
}
