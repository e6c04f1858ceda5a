package main

// memlsm calibrate: device characterisation, the measure → fit → simulate
// loop (package calibrate).
//
//	memlsm calibrate form|switch|conductance|noise|drift|iv|all ... --out DIR
//	        [--board sim|emu|PORT] [--preset NAME | --params FILE] [--base NAME|FILE]
//	        [--config FILE] [--seed N] [--dry-run] [--json]
//	memlsm calibrate fit DIR [--out params.json] [--json]
//	memlsm calibrate report DIR
//	memlsm calibrate compare DIR --out DIR2 [--params FILE] [--seed N] [--data SRC [--per-class N] [--device P]] [--json]

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/progress"
)

func init() {
	register(command{name: "calibrate", summary: "characterise a board or the simulator and fit the device model", run: runCalibrate})
}

const calibrateUsage = `calibrate EXPERIMENT... --out DIR [--board sim|emu|PORT] [--preset NAME | --params FILE] [--set KEY=VALUE ...]
                         [--base NAME|FILE] [--config FILE] [--seed N] [--dry-run] [--json]
       memlsm calibrate fit DIR [--out params.json] [--json]
       memlsm calibrate report DIR
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
	if len(args) == 0 {
		fmt.Fprintf(stderr, "Usage: memlsm %s\n", calibrateUsage)
		return usagef("calibrate: want an experiment, all, fit or report")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, "Usage: memlsm %s\n", calibrateUsage)
		return nil
	case "fit":
		return runCalibrateFit(args[1:], stdout, stderr)
	case "report":
		return runCalibrateReport(args[1:], stdout, stderr)
	case "compare":
		return runCalibrateCompare(ctx, args[1:], stdout, stderr)
	}
	return runCalibrateMeasure(ctx, args, stdout, stderr)
}

// calibrateLoadParams reads a parameter file with crossbar.LoadParams, naming
// the file in the error.
func calibrateLoadParams(path string) (crossbar.Params, error) {
	f, err := os.Open(path)
	if err != nil {
		return crossbar.Params{}, fmt.Errorf("calibrate: %w", err)
	}
	defer f.Close()
	p, err := crossbar.LoadParams(f)
	if err != nil {
		return crossbar.Params{}, fmt.Errorf("calibrate: %s: %w", path, err)
	}
	return p, nil
}

// calibratePresetOrFile resolves a preset name or a parameter file.
func calibratePresetOrFile(s string) (crossbar.Params, error) {
	if slices.Contains(crossbar.Presets(), s) {
		return crossbar.Preset(s)
	}
	if _, err := os.Stat(s); err != nil {
		return crossbar.Params{}, usagef("calibrate: --base %q is neither a preset (%s) nor a readable file", s, strings.Join(crossbar.Presets(), ", "))
	}
	return calibrateLoadParams(s)
}

// calibrateRun is the --json output of a measuring run.
type calibrateRun struct {
	Dir         string                    `json:"dir"`
	Board       string                    `json:"board"`
	Device      string                    `json:"device"` // preset or parameter file of the simulated device ("" for a real board)
	Base        string                    `json:"base"`
	Seed        uint64                    `json:"seed"`
	Experiments map[string]calibrateEntry `json:"experiments"`
	Report      string                    `json:"report"`
	Fitted      map[string]float64        `json:"fitted"` // fields calibrate.Fit measured so far
	FitError    string                    `json:"fit_error,omitempty"`
}

type calibrateEntry struct {
	Status  string          `json:"status"`
	Region  crossbar.Region `json:"region"`
	Summary map[string]any  `json:"summary,omitempty"`
	Error   string          `json:"error,omitempty"`
	Ops     calibrate.Ops   `json:"ops"`
}

func runCalibrateMeasure(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate", calibrateUsage, stderr)
	board := fs.String("board", "sim", "array: sim (simulator), emu (emulated board in-process) or a serial device path")
	preset := fs.String("preset", "lin2025", "preset of the simulated device: "+strings.Join(crossbar.Presets(), ", "))
	paramsFile := fs.String("params", "", "parameter file of the simulated device (JSON, may be partial over \"preset\"); overrides --preset")
	var set crossbar.Settings
	fs.Var(&set, "set", "override one parameter of the simulated device (sim, emu), key=value with units; repeatable")
	baseFlag := fs.String("base", "", "base parameters (preset name or file) for defaults and the fit; default: the device's")
	configFile := fs.String("config", "", "experiment settings (JSON, see calibrate.Config)")
	out := fs.String("out", "", "results folder (created; an existing one is resumed)")
	seed := fs.Uint64("seed", 1, "seed of the simulated array and of the switch experiment's row shuffle (recorded)")
	dry := fs.Bool("dry-run", false, "print the planned pulses, checked against the limits, and touch nothing")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var names []string
	for _, p := range pos {
		for _, n := range strings.Split(p, ",") {
			if n = strings.TrimSpace(n); n == "faults" {
				// DESIGN.md's CLI contract names a "faults" experiment: the
				// stuck-cell (set/reset) test lives in "conductance".
				names = append(names, "conductance")
			} else if n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return usagef("calibrate: name an experiment (%s) or all", strings.Join(calibrate.Names, ", "))
	}
	for _, n := range names {
		if n != "all" && !slices.Contains(calibrate.Names, n) {
			return usagef("calibrate: unknown experiment %q (want %s, all, fit or report)", n, strings.Join(calibrate.Names, ", "))
		}
	}
	if *out == "" && !*dry {
		return usagef("calibrate: --out DIR is required")
	}
	presetSet := false
	fs.Visit(func(f *flag.Flag) { presetSet = presetSet || f.Name == "preset" })
	if presetSet && *paramsFile != "" {
		return usagef("calibrate: give --preset or --params, not both")
	}
	dev, devName := crossbar.Params{}, *preset
	if *paramsFile != "" {
		if dev, err = calibrateLoadParams(*paramsFile); err != nil {
			return err
		}
		devName = *paramsFile
	} else if dev, err = crossbar.Preset(*preset); err != nil {
		return usageError{err}
	}
	if len(set) > 0 {
		if *board != "sim" && *board != "emu" {
			return usagef("calibrate: --set changes the simulated device; a board at %s is what it is", *board)
		}
		if err := dev.Apply(set...); err != nil {
			return usageError{fmt.Errorf("--set: %w", err)}
		}
		devName += " --set " + set.String()
	}
	base, baseName := dev, devName
	if *baseFlag != "" {
		if base, err = calibratePresetOrFile(*baseFlag); err != nil {
			return err
		}
		baseName = *baseFlag
	}
	var cfg calibrate.Config
	if *configFile != "" {
		f, err := os.Open(*configFile)
		if err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
		cfg, err = calibrate.ReadConfig(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *configFile, err)
		}
	}
	real := *board != "sim" && *board != "" && *board != "emu"
	if real {
		devName = ""
	}
	opt := calibrate.Options{Base: base, BaseName: baseName, Board: *board, Device: devName, Seed: *seed, Persistent: real, Log: stderr,
		Progress: func(desc string, total int) calibrate.Progress { return progress.New(stderr, total, desc) }}

	a, err := openArray(ctx, *board, dev, *seed)
	if err != nil {
		return err
	}
	defer a.Close()

	if *dry {
		lim := base.Limits()
		if l, ok := a.(crossbar.Limiter); ok {
			lim = l.Limits()
		}
		plans, perr := calibrate.DryRun(a.Geometry(), lim, *out, cfg, names, opt)
		if *asJSON {
			res := map[string]any{"dry_run": true, "board": *board, "seed": *seed, "base": baseName,
				"geometry": a.Geometry(), "plans": calibrate.JSONSafe(plans), "ok": perr == nil}
			if perr != nil {
				res["error"] = perr.Error()
			}
			if err := calibrateJSON(stdout, res); err != nil {
				return err
			}
		} else {
			printCalibratePlans(stdout, plans, a.Geometry())
		}
		if perr != nil {
			return perr
		}
		return nil
	}

	m, runErr := calibrate.Run(ctx, a, *out, cfg, names, opt)
	if m == nil {
		return runErr
	}
	if runErr != nil && ctx.Err() != nil {
		fmt.Fprintf(stderr, "calibrate: interrupted; finished experiments are kept in %s; run the same command again to resume\n", *out)
	}
	res := calibrateRun{Dir: *out, Board: *board, Device: devName, Base: baseName, Seed: *seed,
		Experiments: map[string]calibrateEntry{}, Report: filepath.Join(*out, calibrate.ReportHTML), Fitted: map[string]float64{}}
	loaded, lerr := calibrate.Load(*out)
	for name, en := range m.Experiments {
		ce := calibrateEntry{Status: string(en.Status), Region: en.Region, Error: en.Error, Ops: en.Ops}
		if loaded != nil {
			if r := loaded.Get(name); r != nil && r.Analysis != nil {
				ce.Summary = map[string]any{}
				for _, q := range r.Analysis.Summary() {
					ce.Summary[q.Name] = calibrate.JSONSafe(q.Value)
				}
			}
		}
		res.Experiments[name] = ce
	}
	var fr calibrate.FitReport
	if lerr == nil {
		var ferr error
		_, fr, ferr = calibrate.Fit(loaded)
		if ferr != nil {
			res.FitError = ferr.Error()
		}
		for _, f := range fr.Fitted() {
			res.Fitted[f.Name] = f.Value
		}
	}
	if *asJSON {
		if err := calibrateJSON(stdout, res); err != nil {
			return err
		}
	} else {
		printCalibrateRun(stdout, m, fr, res.Report)
	}
	if runErr != nil {
		return runErr
	}
	return lerr
}

// writeJSON writes v as one JSON object (NaN-safe) on w.
func calibrateJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(calibrate.JSONSafe(v))
}

func printCalibratePlans(w io.Writer, plans []calibrate.Plan, g crossbar.Geometry) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "dry run on a %d×%d array: nothing is sent\n\n", g.Rows, g.Cols)
	var total calibrate.PlanTotals
	for _, p := range plans {
		t := p.Totals
		skip := ""
		if p.Skip {
			skip = " (already done: skipped)"
		}
		fmt.Fprintf(tw, "%s on %v%s: %d programming steps, ≤ %d cell pulses, %d cells read, %d MVMs, %v idle\n",
			p.Experiment, p.Region, skip, t.Pulses, t.PulseCells, t.ReadCells, t.MVMs, t.Wait)
		for _, s := range p.Steps {
			if s.Op != calibrate.OpProgram {
				continue
			}
			up := ""
			if s.Adaptive {
				up = " (at most)"
			}
			fmt.Fprintf(tw, "  %s\t%v\t%v\t×%d%s\t%s\n", s.Op, s.Pulse, s.Region, s.Repeat, up, s.Note)
		}
		if !p.Skip {
			total.Pulses += t.Pulses
			total.PulseCells += t.PulseCells
			total.ReadCells += t.ReadCells
			total.MVMs += t.MVMs
			total.Wait += t.Wait
		}
	}
	fmt.Fprintf(tw, "\ntotal: %d programming steps, ≤ %d cell pulses, %d cells read, %d MVMs, %v idle\n",
		total.Pulses, total.PulseCells, total.ReadCells, total.MVMs, total.Wait)
	tw.Flush()
}

func printCalibrateRun(w io.Writer, m *calibrate.Manifest, fr calibrate.FitReport, report string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "board %s, seed %d, base %s, %d×%d array\n\n", m.Board, m.Seed, m.Base, m.Geometry.Rows, m.Geometry.Cols)
	fmt.Fprintln(tw, "experiment\tstatus\tcells\tpulses\tcells read")
	for _, n := range calibrate.Names {
		if en := m.Experiments[n]; en != nil {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%d\t%d\n", n, en.Status, en.Region, en.Ops.Pulses, en.Ops.ReadCells)
		}
	}
	if f := fr.Fitted(); len(f) > 0 {
		fmt.Fprintln(tw, "\nfitted parameter\tvalue\tbase\tsource")
		for _, x := range f {
			if strings.HasPrefix(x.Source, "limits") || strings.HasPrefix(x.Source, "array") || strings.HasPrefix(x.Source, "read voltage") {
				continue
			}
			fmt.Fprintf(tw, "%s\t%.5g %s\t%.5g\t%s\n", x.Name, x.Value, x.Unit, x.Base, x.Source)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nreport: %s\n", report)
}

func runCalibrateFit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate fit", "calibrate fit DIR [--out params.json] [--json]", stderr)
	out := fs.String("out", "", "parameter file to write (default: print it on stdout)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout: the fit report (and the parameters)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("calibrate fit: want one results folder, got %d arguments", len(pos))
	}
	p, rep, err := calibrate.FitDir(pos[0])
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		return err
	}
	if *out != "" {
		if err := calibrateWriteFile(*out, buf.Bytes()); err != nil {
			return err
		}
	}
	if *asJSON {
		res := map[string]any{"dir": pos[0], "base": rep.Base, "fields": rep.Fields, "checks": rep.Checks, "notes": rep.Notes,
			"fitted": len(rep.Fitted())}
		if *out != "" {
			res["params_file"] = *out
		} else {
			res["params"] = json.RawMessage(buf.Bytes())
		}
		return calibrateJSON(stdout, res)
	}
	if *out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: %d fields fitted, %d inherited from %s\n\n", *out, len(rep.Fitted()), len(rep.Fields)-len(rep.Fitted()), rep.Base)
	fmt.Fprintln(tw, "parameter\tvalue\tbase\tsource")
	for _, f := range rep.Fitted() {
		fmt.Fprintf(tw, "%s\t%.5g %s\t%.5g\t%s\n", f.Name, f.Value, f.Unit, f.Base, f.Source)
	}
	tw.Flush()
	for _, n := range rep.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	return nil
}

func runCalibrateReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate report", "calibrate report DIR", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("calibrate report: want one results folder, got %d arguments", len(pos))
	}
	if err := calibrate.Replot(pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n%s\n", filepath.Join(pos[0], calibrate.ReportMarkdown), filepath.Join(pos[0], calibrate.ReportHTML))
	return nil
}

// calibrateWriteFile writes data to path atomically: a reader never sees
// half a file.
func calibrateWriteFile(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("calibrate: writing %s: %w", path, err)
	}
	return nil
}

// calibrateSide is one side of the classification comparison.
type calibrateSide struct {
	Array       string                      `json:"array"`
	Params      string                      `json:"params"`
	Accuracy    float64                     `json:"accuracy"`
	AccuracyStd float64                     `json:"accuracy_std"`
	MeanRate    float64                     `json:"mean_rate"`
	Regions     []crossbar.ConductanceStats `json:"regions"`
}

func runCalibrateCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate compare", "calibrate compare DIR --out DIR2 [--params fitted.json] [--seed N] [--data SRC [--per-class N] [--device NAME|FILE]] [--json]", stderr)
	out := fs.String("out", "", "folder for the simulated results (required)")
	paramsFile := fs.String("params", "", "fitted parameters (default: calibrate.Fit of DIR)")
	seed := fs.Uint64("seed", 0, "seed of the simulated array and of the classification (default: DIR's)")
	data := fs.String("data", "", "also classify SRC on the measured device and on the fitted simulator, with the same seed")
	limit := fs.Int("per-class", 0, "with --data: use only the first N samples of every class")
	device := fs.String("device", "", "with --data: the measured sim/emu device's parameters, a preset or file (default: DIR's)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("calibrate compare: want one results folder, got %d arguments", len(pos))
	}
	if *out == "" {
		return usagef("calibrate compare: --out DIR2 is required")
	}
	measured, err := calibrate.Load(pos[0])
	if err != nil {
		return err
	}
	man := measured.Manifest
	var p crossbar.Params
	source := *paramsFile
	if *paramsFile != "" {
		if p, err = calibrateLoadParams(*paramsFile); err != nil {
			return err
		}
	} else {
		if p, _, err = calibrate.Fit(measured); err != nil {
			return err
		}
		source = "fit of " + pos[0]
	}
	s := man.Seed
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			s = *seed
		}
	})
	// The classification's "hardware" side must be the measured device
	// on fresh cells: a sim or emu board rebuilt from its parameters. A
	// real board's cells were used by the calibration.
	var dev crossbar.Params
	devName := *device
	if *data != "" {
		if man.Board != "sim" && man.Board != "emu" {
			return fmt.Errorf("calibrate compare: %s was measured on the board %s, whose calibrated cells cannot host a reservoir; "+
				"run `memlsm classify --data %s --board PORT --seed %d` on fresh cells and `memlsm classify --data %s --params %s --seed %d`, and compare",
				pos[0], man.Board, *data, s, *data, calibrateOr(*paramsFile, "fitted.json"), s)
		}
		devName = calibrateOr(devName, man.Device)
		if devName == "" {
			return usagef("calibrate compare: %s does not record its device; give --device", pos[0])
		}
		if dev, err = calibratePresetOrFile(devName); err != nil {
			return err
		}
	}

	sim, err := openArray(ctx, "sim", p, s)
	if err != nil {
		return err
	}
	defer sim.Close()
	rows, err := calibrate.Compare(ctx, measured, sim, *out, calibrate.Options{Board: "sim", Device: source, Seed: s, Log: stderr,
		Progress: func(desc string, total int) calibrate.Progress { return progress.New(stderr, total, desc) }})
	if err != nil {
		return err
	}

	var sides map[string]calibrateSide
	if *data != "" {
		d, err := openSource(ctx, "data", *data)
		if err != nil {
			return err
		}
		d = perClass(d, *limit)
		board, err := openArray(ctx, man.Board, dev, s)
		if err != nil {
			return err
		}
		defer board.Close()
		sides = map[string]calibrateSide{}
		for _, side := range []struct {
			name, label, params string
			macro               experiment.Macro
		}{
			{"board", "--board " + man.Board, devName, experiment.Macro{Array: board, Label: fmt.Sprintf("--board %s, %s, seed %d", man.Board, devName, s)}},
			{"simulator", "--board sim", source, experiment.Macro{Params: p, Label: fmt.Sprintf("--board sim, %s, seed %d", source, s)}},
		} {
			fmt.Fprintf(stderr, "calibrate compare: classifying %s on %s\n", d.Name, side.macro.Label)
			res, err := experiment.Classify(ctx, experiment.ClassifyConfig{Data: d, Macro: side.macro, Seed: s, Progress: progressFunc(stderr)})
			if err != nil {
				return fmt.Errorf("calibrate compare: %s: %w", side.name, err)
			}
			sides[side.name] = calibrateSide{Array: side.label, Params: side.params, Accuracy: res.Accuracy, AccuracyStd: res.AccuracyStd,
				MeanRate: res.MeanRate, Regions: res.Macro.Regions}
		}
	}

	if *asJSON {
		res := map[string]any{"measured": pos[0], "simulated": *out, "params": source, "seed": s, "rows": rows}
		if sides != nil {
			res["data"] = *data
			res["classify"] = sides
		}
		return calibrateJSON(stdout, res)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "measured %s (board %s) against the simulator with %s (seed %d), results in %s\n\n",
		pos[0], man.Board, source, s, *out)
	fmt.Fprintln(tw, "experiment\tquantity\tmeasured\tsimulated\tunit\tdifference")
	for _, r := range rows {
		d := ""
		if !math.IsNaN(r.RelDiff) {
			d = fmt.Sprintf("%+.1f %%", 100*r.RelDiff)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.5g\t%.5g\t%s\t%s\n", r.Experiment, r.Quantity, r.Measured, r.Simulated, r.Unit, d)
	}
	if sides != nil {
		b, m := sides["board"], sides["simulator"]
		fmt.Fprintf(tw, "\nclassification of %s, seed %d\tboard (%s)\tsimulator (%s)\n", *data, s, b.Params, m.Params)
		fmt.Fprintf(tw, "accuracy\t%.4f ± %.4f\t%.4f ± %.4f\n", b.Accuracy, b.AccuracyStd, m.Accuracy, m.AccuracyStd)
		fmt.Fprintf(tw, "mean spike rate\t%.4g\t%.4g\n", b.MeanRate, m.MeanRate)
		for i := range min(len(b.Regions), len(m.Regions)) {
			fmt.Fprintf(tw, "reservoir %d: formed fraction\t%.4f\t%.4f\n", i+1, b.Regions[i].FormedFraction, m.Regions[i].FormedFraction)
			fmt.Fprintf(tw, "reservoir %d: G mean ± std (µS)\t%.3f ± %.3f\t%.3f ± %.3f\n", i+1, b.Regions[i].MeanUS, b.Regions[i].StdUS, m.Regions[i].MeanUS, m.Regions[i].StdUS)
		}
	}
	return tw.Flush()
}

// calibrateOr returns s, or def when s is empty.
func calibrateOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
