package main

// memlsm calibrate: device characterisation, the measure → fit → simulate
// loop (package calibrate).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/memlsm/memlsm/board"
	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/cli"
	"github.com/memlsm/memlsm/internal/progress"
)

func init() {
	register(cli.Command{Name: "calibrate", Summary: "characterise a board or the simulator and fit the device model", Run: runCalibrate})
}

const calibrateUsage = `calibrate EXPERIMENT... --out DIR [--board sim|emu|PORT] [--preset NAME | --params FILE] [--set KEY=VALUE ...]
                         [--base NAME|FILE] [--config FILE] [--seed N] [--dry-run] [--json]
       memlsm calibrate fit DIR [--out params.json] [--json]
       memlsm calibrate report DIR [--json]
       memlsm calibrate compare DIR --out DIR2 [--params fitted.json] [--seed N]
                                [--data SRC [--per-class N] [--device NAME|FILE]] [--json]

Experiments (each on its own fresh cells; "all" runs every one):
  form         per-cell forming ramp until breakdown; breakdown-voltage distribution
  switch       one pulse per fresh cell: P_switch(V) for forming and SET, V50, acceleration
  conductance  one forming pulse: conductance map and distribution, stuck cells
  faults       the same as conductance (its set/reset test maps the stuck cells)
  noise        repeated reads: read noise per cell against conductance
  drift        conductance against time after programming (LRS and HRS)
  iv           I–V of selected cells through the read path

Results go to DIR: CSVs, PNG figures, report.md and a self-contained report.html.
Ctrl-C keeps every finished experiment; the same command again resumes.
--preset/--params choose the simulated device (sim, emu) and, unless --base
says otherwise, the base parameters the defaults and the fit start from.
--config FILE is JSON with any of the experiments' settings, e.g.
{"form": {"rows": 16, "cols": 16}, "drift": {"times_s": [1, 10, 100]}}.
--dry-run prints the planned pulses, checked against the limits, and touches nothing.

fit     turns DIR into a complete parameter file (fitted fields plus the base's)
report  redraws DIR's figures from its CSVs (edited or from another instrument)
        and rewrites report.md and report.html
compare repeats DIR's experiments (same settings, cells and seed) on the simulator
        with the fitted parameters (--params, default: fit DIR now) into DIR2 and
        prints every measured quantity beside its simulated twin; with --data it
        also classifies SRC on the measured device (DIR's sim or emu board, rebuilt
        from its parameters) and on the fitted simulator, same seed, side by side`

func runCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "fit":
			return cli.WithCmd("memlsm calibrate fit", runCalibrateFit(args[1:], stdout, stderr))
		case "report":
			return cli.WithCmd("memlsm calibrate report", runCalibrateReport(args[1:], stdout))
		case "compare":
			return cli.WithCmd("memlsm calibrate compare", runCalibrateCompare(ctx, args[1:], stdout, stderr))
		}
	}
	return runCalibrateMeasure(ctx, args, stdout, stderr)
}

func calibrateProgress(stderr io.Writer) func(desc string, total int) calibrate.Progress {
	return func(desc string, total int) calibrate.Progress { return progress.New(stderr, total, desc) }
}

func runCalibrateMeasure(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate", calibrateUsage)
	boardName := fs.String("board", "sim", "array: sim (simulator), emu (emulated board in-process) or a serial device path")
	var pf macroParamFlags
	pf.register(fs)
	baseFlag := fs.String("base", "", "base parameters (preset name or file) for defaults and the fit; default: the device's")
	configFile := fs.String("config", "", "experiment settings (JSON, see calibrate.Config)")
	out := fs.String("out", "", "results folder (created; an existing one is resumed)")
	seed := fs.Uint64("seed", 1, "seed of the simulated array and of the switch experiment's row shuffle (recorded)")
	force := fs.Bool("force", false, "write into a non-empty --out folder memlsm did not make, beside what is there (nothing of it is replaced)")
	allowUsed := fs.Bool("allow-used", false, "measure a board that reports it was programmed outside this results folder (default: refuse, the experiments assume pristine cells)")
	dry := fs.Bool("dry-run", false, "print the planned pulses, checked against the limits, and touch nothing")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	var rf runFlags
	fs.Var(&rf.progress, "progress", "progress on stderr: auto (a bar on a terminal, plain lines otherwise), tty, plain or none")
	pos, err := fs.ParseArgs(args, stdout)
	if err != nil {
		return err
	}
	stderr = rf.stderr(stderr)
	names, err := calibrate.ParseNames(pos)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	if *out == "" && !*dry {
		return usagef("--out DIR is required")
	}
	dev, devName, err := pf.load(fs)
	if err != nil {
		return err
	}
	base, baseName := dev, devName
	if *baseFlag != "" {
		if base, err = crossbar.PresetOrFile(*baseFlag); err != nil {
			return err
		}
		baseName = *baseFlag
	}
	cfg, err := calibrate.ReadConfigFile(*configFile)
	if err != nil {
		return err
	}
	real := !board.Simulated(*boardName)
	if real {
		devName = ""
	}
	opt := calibrate.Options{Base: base, BaseName: baseName, Board: *boardName, Device: devName, Seed: *seed, Persistent: real, AllowUsed: *allowUsed, Force: *force,
		Log: stderr, Progress: calibrateProgress(stderr)}
	a, err := board.Open(ctx, *boardName, dev, *seed)
	if err != nil {
		return err
	}
	defer a.Close()
	if *dry {
		sum, perr := calibrate.DryRunOn(a, *out, cfg, names, opt)
		return cli.FirstErr(cli.Emit(stdout, *asJSON, sum), perr)
	}
	m, runErr := calibrate.Run(ctx, a, *out, cfg, names, opt)
	if m == nil {
		return runErr
	}
	if runErr != nil && ctx.Err() != nil {
		fmt.Fprintf(stderr, "calibrate: interrupted; finished experiments are kept in %s; run the same command again to resume\n", *out)
	}
	sum, lerr := calibrate.Summarize(*out, m)
	return cli.FirstErr(cli.Emit(stdout, *asJSON, sum), runErr, lerr)
}

func runCalibrateFit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate fit", "calibrate fit DIR [--out params.json] [--json]")
	out := fs.String("out", "", "parameter file to write (default: print it on stdout)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout: the fit report (and the parameters)")
	arg, err := fs.ParseOne(args, stdout, "results folder")
	if err != nil {
		return err
	}
	if err := cli.CheckOutputs([]string{arg}, cli.Out{Flag: "out", Path: *out}); err != nil {
		return err
	}
	p, rep, err := calibrate.FitDir(arg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		return err
	}
	if *out != "" {
		if err := atomicfile.WriteFile(*out, buf.Bytes()); err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
	}
	if *asJSON {
		return cli.WriteJSON(stdout, calibrate.NewFitSummary(arg, rep, buf.Bytes(), *out))
	}
	if *out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	return rep.WriteText(stdout, *out)
}

func runCalibrateReport(args []string, stdout io.Writer) error {
	fs := newFlagSet("calibrate report", "calibrate report DIR [--json]\n\nRedraws DIR's figures from its CSVs and rewrites report.md and report.html.")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout: the folder and the files written")
	arg, err := fs.ParseOne(args, stdout, "results folder")
	if err != nil {
		return err
	}
	if err := calibrate.Replot(arg); err != nil {
		return err
	}
	md, html := filepath.Join(arg, calibrate.ReportMarkdown), filepath.Join(arg, calibrate.ReportHTML)
	if *asJSON {
		return cli.WriteJSON(stdout, map[string]string{"dir": arg, "report_md": md, "report_html": html})
	}
	_, err = fmt.Fprintf(stdout, "%s\n%s\n", md, html)
	return err
}

func runCalibrateCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate compare", "calibrate compare DIR --out DIR2 [--params fitted.json] [--seed N] [--data SRC [--per-class N] [--device NAME|FILE]] [--json]")
	out := fs.String("out", "", "folder for the simulated results (required)")
	paramsFile := fs.String("params", "", "fitted parameters (default: calibrate.Fit of DIR)")
	seed := fs.Uint64("seed", 0, "seed of the simulated array and of the classification (default: DIR's)")
	data := fs.String("data", "", "also classify SRC on the measured device and on the fitted simulator, with the same seed")
	limit := fs.Int("per-class", 0, "with --data: use only the first N samples of every class")
	device := fs.String("device", "", "with --data: the measured sim/emu device's parameters, a preset or file (default: DIR's)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	var rf runFlags
	rf.register(fs)
	arg, err := fs.ParseOne(args, stdout, "results folder")
	if err != nil {
		return err
	}
	stderr = rf.stderr(stderr)
	switch {
	case *out == "":
		return usagef("--out DIR2 is required")
	case *limit < 0:
		return usagef("--per-class %d must not be negative", *limit)
	}
	if err := optionalSource("data", *data); err != nil {
		return err
	}
	measured, err := calibrate.Load(arg)
	if err != nil {
		return err
	}
	cfg := experiment.CalibrationCompareConfig{Measured: measured, Dir: arg, Out: *out, ParamsName: *paramsFile, Seed: measured.Manifest.Seed,
		Open: board.Open, Log: stderr, Progress: progressFunc(stderr)}
	if *paramsFile != "" {
		p, err := crossbar.LoadParamsFile(*paramsFile)
		if err != nil {
			return err
		}
		cfg.Params = &p
	}
	if fs.Given("seed") {
		cfg.Seed = *seed
	}
	if *data != "" {
		// The classification's "hardware" side is the measured device on
		// fresh cells: a sim or emu board rebuilt from its parameters.
		if cfg.DeviceName = or(*device, measured.Manifest.Device); cfg.DeviceName == "" && board.Simulated(measured.Manifest.Board) {
			return usagef("%s does not record its device; give --device", arg)
		}
		if board.Simulated(measured.Manifest.Board) {
			if cfg.Device, err = crossbar.PresetOrFile(cfg.DeviceName); err != nil {
				return err
			}
		}
		if cfg.Data, err = openSource(ctx, rf, "data", *data, stderr); err != nil {
			return err
		}
		cfg.Data = cfg.Data.PerClass(*limit)
	}
	res, err := experiment.CompareCalibration(ctx, cfg)
	if err != nil {
		return err
	}
	return cli.Emit(stdout, *asJSON, res)
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
