package board_test

import (
	"context"
	"errors"
	"fmt"
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
