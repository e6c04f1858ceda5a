package hwtests_test

import (
	"context"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/experiment"
)

// TestBoardStateExperiments: a board keeps its formed cells between runs.
// A second experiment on the same board refuses the cells the first one
// formed (forming them again would move the weights), reuses them when
// asked, and both record the board's state before and after.
func TestBoardStateExperiments(t *testing.T) {
	b, _ := pipeBoard(t, 31, nil, nil)
	ctx := context.Background()
	d, err := source.Open(ctx, "embedded:images?per_class=2&split=train")
	if err != nil {
		t.Fatal(err)
	}
	cfg := experiment.EncodeConfig{Data: d, Seed: 31, Macro: experiment.Macro{Array: b, Params: params(t)}}
	first, err := experiment.Encode(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := first.Macro.State
	if len(st) != 1 || st[0].Before.Pulses != 0 || st[0].After.Pulses != 1 || st[0].Reused || st[0].After.History == st[0].Before.History {
		t.Fatalf("first run's state record %+v", st)
	}
	if len(first.Macro.Link) != 1 || first.Macro.Link[0].Requests == 0 {
		t.Errorf("first run's link record %+v", first.Macro.Link)
	}
	_, err = experiment.Encode(ctx, cfg)
	if err == nil || !strings.Contains(err.Error(), "already read as formed") || !strings.Contains(err.Error(), "--reuse-formed") {
		t.Fatalf("second run on the formed cells: %v", err)
	}
	cfg.Macro.ReuseFormed = true
	again, err := experiment.Encode(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st = again.Macro.State
	if len(st) != 1 || !st[0].Reused || st[0].Before != st[0].After || st[0].Before.Pulses != 1 {
		t.Fatalf("reuse run's state record %+v", st)
	}
}

// TestBoardStateCalibrate: calibration refuses a board programmed outside
// its results folder, and a resume on a board programmed elsewhere since.
func TestBoardStateCalibrate(t *testing.T) {
	ctx := context.Background()
	b, _ := pipeBoard(t, 32, nil, nil)
	p := params(t)
	// Someone formed a few cells before calibration starts.
	if err := b.Program(ctx, crossbar.Region{Rows: 2, Cols: 2}, crossbar.DefaultForming(p)); err != nil {
		t.Fatal(err)
	}
	cfg := calibrate.Config{}
	_, err := calibrate.Run(ctx, b, t.TempDir(), cfg, []string{"conductance"}, calibrate.Options{Base: p, Board: "pipe"})
	if err == nil || !strings.Contains(err.Error(), "programmed since it started") {
		t.Fatalf("calibrating a used board: %v", err)
	}
	dir := t.TempDir()
	m, err := calibrate.Run(ctx, b, dir, cfg, []string{"conductance"}, calibrate.Options{Base: p, Board: "pipe", AllowUsed: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.StateAtStart == nil || m.StateAtStart.Pulses != 1 || m.State == nil || m.State.Pulses <= 1 {
		t.Fatalf("manifest states %+v, %+v", m.StateAtStart, m.State)
	}
	// Programmed elsewhere since: a resume in dir is refused.
	if err := b.Program(ctx, crossbar.Region{Row: 100, Rows: 1, Cols: 1}, crossbar.DefaultForming(p)); err != nil {
		t.Fatal(err)
	}
	_, err = calibrate.Run(ctx, b, dir, cfg, []string{"conductance"}, calibrate.Options{Base: p, Board: "pipe"})
	if err == nil || !strings.Contains(err.Error(), "programmed elsewhere since") {
		t.Fatalf("resuming after outside programming: %v", err)
	}
}
