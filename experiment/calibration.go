package experiment

import (
	"context"
	"fmt"
	"io"

	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
)

// CalibrationCompareConfig configures CompareCalibration: the loop from a
// measured device to the simulator fitted to it and back.
type CalibrationCompareConfig struct {
	// Measured is the calibration results folder; Out the folder the
	// simulated twin experiments are written to.
	Measured *calibrate.Results
	Dir, Out string
	// Params are the simulator's parameters; nil fits them to Measured
	// (calibrate.Fit). ParamsName names them in the report.
	Params     *crossbar.Params
	ParamsName string
	// Seed of the simulated array and of the classification.
	Seed uint64
	// Data, if set, is also classified on the measured device (a sim or
	// emu board rebuilt from Device, on fresh cells) and on the fitted
	// simulator, with the same seed.
	Data       *events.Dataset
	Device     crossbar.Params
	DeviceName string
	// Open opens an array by board name (sim, emu, a port) with
	// parameters and seed; board.Open is the usual one.
	Open     func(ctx context.Context, spec string, p crossbar.Params, seed uint64) (crossbar.Array, error)
	Log      io.Writer
	Progress ProgressFunc
}

// CalibrationComparison is every measured quantity beside its simulated
// twin, and the two classifications when asked for.
type CalibrationComparison struct {
	Measured  string                 `json:"measured"`
	Simulated string                 `json:"simulated"`
	Params    string                 `json:"params"`
	Seed      uint64                 `json:"seed"`
	Rows      []calibrate.CompareRow `json:"rows"`
	Data      string                 `json:"data,omitempty"`
	// Classify holds "board" (the measured device) and "simulator".
	Classify map[string]DeviceScore `json:"classify,omitempty"`
	board    string
}

// CompareCalibration repeats the measured experiments on the simulator
// with the fitted parameters (calibrate.Compare) and, with Data, classifies
// it on both devices.
func CompareCalibration(ctx context.Context, cfg CalibrationCompareConfig) (*CalibrationComparison, error) {
	man := cfg.Measured.Manifest
	p, name := cfg.Params, cfg.ParamsName
	if p == nil {
		fit, _, err := calibrate.Fit(cfg.Measured)
		if err != nil {
			return nil, err
		}
		p, name = &fit, "fit of "+cfg.Dir
	}
	if cfg.Data != nil && man.Board != "sim" && man.Board != "emu" {
		return nil, fmt.Errorf("experiment: %s was measured on the board %s, whose calibrated cells cannot host a reservoir; "+
			"classify on fresh cells of the board (--board PORT) and on the simulator with the fitted parameters, same seed, and compare", cfg.Dir, man.Board)
	}
	sim, err := cfg.Open(ctx, "sim", *p, cfg.Seed)
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	prog := func(desc string, total int) calibrate.Progress { return cfg.Progress.start(desc, total) }
	rows, err := calibrate.Compare(ctx, cfg.Measured, sim, cfg.Out, calibrate.Options{Board: "sim", Device: name, Seed: cfg.Seed, Log: cfg.Log, Progress: prog})
	if err != nil {
		return nil, err
	}
	res := &CalibrationComparison{Measured: cfg.Dir, Simulated: cfg.Out, Params: name, Seed: cfg.Seed, Rows: rows, board: man.Board}
	if cfg.Data == nil {
		return res, nil
	}
	a, err := cfg.Open(ctx, man.Board, cfg.Device, cfg.Seed)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	res.Data, res.Classify = cfg.Data.Name, map[string]DeviceScore{}
	for _, side := range []struct {
		name, array, params string
		macro               Macro
	}{
		{"board", "--board " + man.Board, cfg.DeviceName, Macro{Array: a, Label: fmt.Sprintf("--board %s, %s, seed %d", man.Board, cfg.DeviceName, cfg.Seed)}},
		{"simulator", "--board sim", name, Macro{Params: *p, Label: fmt.Sprintf("--board sim, %s, seed %d", name, cfg.Seed)}},
	} {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "calibrate compare: classifying %s on %s\n", cfg.Data.Name, side.macro.Label)
		}
		if res.Classify[side.name], err = ScoreDevice(ctx, cfg.Data, side.macro, cfg.Seed, side.array, side.params, cfg.Progress); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// WriteText writes the comparison as aligned tables.
func (r *CalibrationComparison) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "measured %s (board %s) against the simulator with %s (seed %d), results in %s\n\n", r.Measured, r.board, r.Params, r.Seed, r.Simulated)
	calibrate.WriteComparison(w, r.Rows)
	if r.Classify == nil {
		return nil
	}
	return WriteDeviceComparison(w, r.Data, r.Seed, r.Classify["board"], r.Classify["simulator"])
}
