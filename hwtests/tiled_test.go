package hwtests_test

import (
	"context"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/crossbar/crossbartest"
	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware/emu"
	"github.com/memlsm/memlsm/units"
)

// tileParams is a lin2025 macro cut to rows×cols, so that the paper's
// reservoirs need several of them.
func tileParams(t testing.TB, rows, cols int) crossbar.Params {
	p := params(t)
	p.Rows, p.Cols = rows, cols
	return p
}

// tiledBoards is a gr×gc grid of emulated boards, each carrying a model of
// p seeded crossbar.TileSeed(seed, k), over a pipe or a pty.
func tiledBoards(t testing.TB, p crossbar.Params, gr, gc int, seed uint64, pty bool) *crossbar.Tiled {
	t.Helper()
	tiles := make([]crossbar.Array, gr*gc)
	for k := range tiles {
		m, err := crossbar.NewModel(p, crossbar.TileSeed(seed, k))
		if err != nil {
			t.Fatal(err)
		}
		eb, err := emu.New(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if pty {
			pt, err := emu.ServePTY(context.Background(), eb)
			if err != nil {
				t.Skipf("no pseudo-terminal on this system: %v", err)
			}
			b, err := device.Open(pt.Path(), nil)
			if err != nil {
				pt.Close()
				t.Fatal(err)
			}
			t.Cleanup(func() { pt.Close() })
			tiles[k] = b
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		host, done := emu.Pipe(ctx, eb)
		b, err := device.New(host, nil)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cancel()
			host.Close()
			<-done
		})
		tiles[k] = b
	}
	a, err := crossbar.NewTiled(gr, gc, tiles, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// A grid of emulated boards passes the conformance suite.
func TestConformanceTiledBoards(t *testing.T) {
	crossbartest.TestArray(t, tiledBoards(t, tileParams(t, 12, 10), 2, 2, 1, false))
}

// The N-MNIST reservoir (456 × 400 cells) over a 2×2 grid of 256×256
// macros: simulated tiles, emulated boards over pipes and over ptys give
// the same weights, MVMs and reservoir spike counts, bit for bit, for the
// same seed.
func TestParityTiled(t *testing.T) {
	p := tileParams(t, 256, 256)
	const seed = 21
	sim, err := crossbar.NewTiledModels(p, 2, 2, seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	type result struct {
		g      []units.Siemens
		y      []units.Amps
		counts []uint16
	}
	do := func(t *testing.T, a crossbar.Array) result {
		ctx := context.Background()
		win, wrec, err := crossbar.RandomWeights(ctx, a, nmnist, crossbar.DefaultForming(p))
		if err != nil {
			t.Fatal(err)
		}
		var r result
		for _, w := range [][]float32{win, wrec} {
			for _, v := range w {
				r.g = append(r.g, units.Siemens(v))
			}
		}
		x := make([]float64, nmnist.Region.Rows)
		for i := range x {
			if i%7 == 0 {
				x[i] = 1
			}
		}
		r.y = make([]units.Amps, nmnist.Region.Cols)
		if _, err := a.MVM(ctx, nmnist.Region, x, r.y); err != nil {
			t.Fatal(err)
		}
		cs := make([]uint16, nmnist.N)
		for _, in := range synthInputs(3, nmnist.In, nmnistRun.Steps, 0.04, seed) {
			if err := a.(crossbar.ReservoirRunner).RunReservoir(ctx, nmnistRun, in, cs); err != nil {
				t.Fatal(err)
			}
			r.counts = append(r.counts, cs...)
		}
		return r
	}
	want := do(t, sim)
	spikes := 0
	for _, c := range want.counts {
		spikes += int(c)
	}
	if spikes == 0 {
		t.Fatal("no spikes: the parity check would be vacuous")
	}
	for _, pty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "pty"}[pty], func(t *testing.T) {
			got := do(t, tiledBoards(t, p, 2, 2, seed, pty))
			if !slices.Equal(got.g, want.g) {
				t.Error("weights differ from the simulated tiles'")
			}
			if !slices.Equal(got.y, want.y) {
				t.Error("MVM differs from the simulated tiles'")
			}
			if !slices.Equal(got.counts, want.counts) {
				t.Error("reservoir spike counts differ from the simulated tiles'")
			}
		})
	}
}
