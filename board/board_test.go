package board_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/board"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/device"
)

// TestOpenArray: sim and emu give the same array for the same params and
// seed; a bad path fails with ErrNoBoard.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	p, err := crossbar.Preset("lin2025")
	if err != nil {
		t.Fatal(err)
	}
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Row: 100, Col: 200, Rows: 12, Cols: 8}, In: 8, N: 4}
	var w [2][]float32
	for k, spec := range []string{"sim", "emu"} {
		a, err := board.Open(ctx, spec, p, 42)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if _, ok := a.(crossbar.ReservoirRunner); !ok {
			t.Errorf("%s: not a ReservoirRunner", spec)
		}
		w[k], _, err = crossbar.RandomWeights(ctx, a, l, crossbar.DefaultForming(p))
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if err := a.Close(); err != nil {
			t.Fatalf("%s: Close: %v", spec, err)
		}
		if err := a.Close(); err != nil {
			t.Fatalf("%s: second Close: %v", spec, err)
		}
		if err := a.Program(ctx, l.Region, crossbar.DefaultForming(p)); !errors.Is(err, crossbar.ErrClosed) {
			t.Errorf("%s: Program after Close: %v", spec, err)
		}
	}
	for i := range w[0] {
		if w[0][i] != w[1][i] {
			t.Fatalf("weight %d: sim %v, emu %v", i, w[0][i], w[1][i])
		}
	}
	if _, err := board.Open(ctx, "/dev/memlsm-no-such-port", p, 1); !errors.Is(err, device.ErrNoBoard) {
		t.Errorf("missing port: %v", err)
	}
	if _, err := board.Open(ctx, "-x", p, 1); !errors.Is(err, board.ErrSpec) {
		t.Error("flag-like board spec accepted")
	}
}

// Open the emulated board (the real firmware behind the real driver, in
// process) and ask it for its geometry.
func ExampleOpen() {
	p, _ := crossbar.Preset("lin2025")
	a, err := board.Open(context.Background(), "emu", p, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	g := a.Geometry()
	fmt.Println(g.Rows, "×", g.Cols, "cells;", board.Label("emu", "lin2025", 1))
	// Output:
	// 512 × 512 cells; emulated board through the wire protocol (lin2025, seed 1)
}

// A --board list opens exactly its arrays, tile k being item k; "emu"
// alone opens as many emulated boards as asked, each the simulated macro of
// its seed; bad lists fail before any port is opened.
func TestTiles(t *testing.T) {
	ctx := context.Background()
	p, err := crossbar.Preset("lin2025")
	if err != nil {
		t.Fatal(err)
	}
	p.Rows, p.Cols = 16, 16
	if open, err := board.Tiles("sim", p); err != nil || open != nil {
		t.Errorf("sim: opener %v, %v; want nil (the experiment's own simulated macros)", open != nil, err)
	}
	list, err := board.Tiles("emu, sim", p)
	if err != nil {
		t.Fatal(err)
	}
	var ws [][]float32
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: 12, Cols: 8}, In: 8, N: 4}
	for k := range 2 {
		a, err := list(ctx, k, crossbar.TileSeed(5, k))
		if err != nil {
			t.Fatalf("tile %d: %v", k, err)
		}
		if _, emu := a.(*crossbar.Model); emu == (k == 0) {
			t.Errorf("tile %d is a %T", k, a)
		}
		w, _, err := crossbar.RandomWeights(ctx, a, l, crossbar.DefaultForming(p))
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
		a.Close()
	}
	if _, err := list(ctx, 2, 1); err == nil || !strings.Contains(err.Error(), "names 2 array(s)") {
		t.Errorf("third tile of a two-item list: %v", err)
	}
	// "emu" alone: any number of boards, board k the simulated tile k.
	emus, err := board.Tiles("emu", p)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		a, err := emus(ctx, k, crossbar.TileSeed(5, k))
		if err != nil {
			t.Fatalf("emulated board %d: %v", k, err)
		}
		m, _ := crossbar.NewModel(p, crossbar.TileSeed(5, k))
		we, _, err := crossbar.RandomWeights(ctx, a, l, crossbar.DefaultForming(p))
		if err != nil {
			t.Fatal(err)
		}
		ws2, _, _ := crossbar.RandomWeights(ctx, m, l, crossbar.DefaultForming(p))
		if !slices.Equal(we, ws2) {
			t.Errorf("emulated board %d differs from the simulated macro of its seed", k)
		}
		if k < 2 && !slices.Equal(we, ws[k]) {
			t.Errorf("tile %d: \"emu\" and the list \"emu, sim\" differ", k)
		}
		a.Close()
	}
	for _, bad := range []string{"emu,,emu", "emu,-x", "-x", ","} {
		if _, err := board.Tiles(bad, p); !errors.Is(err, board.ErrSpec) {
			t.Errorf("%q: %v, want ErrSpec", bad, err)
		}
	}
}
