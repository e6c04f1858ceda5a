package main

// memlsm macro info|sample: inspect the simulated RRAM macro.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/cli"
	"github.com/memlsm/memlsm/units"
)

// runMacroParams prints a complete parameter file: the preset (or the
// file's preset) with the file's fields and --set applied.
func runMacroParams(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("macro params", "macro params [--preset NAME] [--params FILE] [--set KEY=VALUE ...] [--json]")
	var pf macroParamFlags
	pf.register(fs)
	fs.Bool("json", false, "accepted for the JSON contract: the parameter file is one JSON object already")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	p, _, err := pf.load(fs)
	if err != nil {
		return err
	}
	base := pf.preset
	if pf.file != "" {
		f, err := os.Open(pf.file)
		if err != nil {
			return err
		}
		_, base, err = crossbar.ReadParams(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", pf.file, err)
		}
	}
	if base == "" {
		return p.WriteJSON(stdout)
	}
	return p.WriteJSONPreset(stdout, base)
}

var macroGroup = cli.NewGroup("memlsm macro", "",
	"info    geometry, periphery and every model parameter with its source\n"+
		"sample  form the whole array with one pulse, read it once, report the formed\n"+
		"        fraction and conductance statistics (and a histogram with --plot)\n"+
		"params  print the full, valid parameter file of a preset (or file) with the\n"+
		"        --set overrides applied; a file may also be partial:\n"+
		"        {\"preset\": \"lin2025\", \"adc_bits\": 6}")

func init() {
	macroGroup.Register(cli.Command{Name: "info", Summary: "geometry, periphery and every model parameter with its source", Run: runMacroInfo})
	macroGroup.Register(cli.Command{Name: "sample", Summary: "form the whole array with one pulse and report the conductances", Run: runMacroSample})
	macroGroup.Register(cli.Command{Name: "params", Summary: "print a full, valid parameter file (a preset with --set applied)", Run: runMacroParams})
	register(macroGroup.AsCommand("inspect the simulated RRAM macro: info | sample | params"))
}

func runMacroInfo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("macro info", "macro info [--preset NAME] [--params FILE] [--set KEY=VALUE ...] [--json]")
	var pf macroParamFlags
	pf.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	p, src, err := pf.load(fs)
	if err != nil {
		return err
	}
	return cli.Emit(stdout, *asJSON, experiment.DescribeMacro(p, src))
}

func runMacroSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("macro sample", "macro sample [--preset NAME] [--params FILE] [--set KEY=VALUE ...] [--seed N] [--vform V] [--width W] [--gate V] [--age D] [--json] [--plot FILE.png|.svg|.pdf]")
	var pf macroParamFlags
	pf.register(fs)
	var cfg experiment.MacroSampleConfig
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the simulated array (recorded in the output)")
	fs.Var(&cfg.Amplitude, "vform", "forming amplitude, e.g. 4.2V (default: form_amplitude; the same as --set form_amplitude=…)")
	fs.Var(&cfg.Width, "width", "forming pulse width, e.g. 10us (default: form_width)")
	fs.Var(&cfg.Gate, "gate", "word-line voltage, sets the compliance, e.g. 1.5V (default: form_gate)")
	var age units.Age
	fs.Var(&age, "age", "read the array this long after forming, e.g. 1h, 1d, 1y (relaxation; default 0)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	plotFile := fs.String("plot", "", "write a histogram of the formed conductances to FILE (.png, .svg or .pdf)")
	pos, err := fs.ParseArgs(args, stdout)
	if err != nil {
		return err
	}
	if err := cli.FirstErr(cli.NoArgs(pos), cli.CheckFigure("plot", *plotFile)); err != nil {
		return err
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"vform", float64(cfg.Amplitude)}, {"width", float64(cfg.Width)}, {"gate", float64(cfg.Gate)}} {
		if fs.Given(v.name) && !(v.x > 0) {
			return usagef("--%s %v must be positive", v.name, v.x)
		}
	}
	if cfg.Params, cfg.Source, err = pf.load(fs); err != nil {
		return err
	}
	cfg.Age = units.Seconds(age)
	res, err := experiment.SampleMacro(ctx, cfg)
	if errors.Is(err, crossbar.ErrLimit) {
		return cli.UsageError{Err: err} // checked before any cell is touched
	}
	if err != nil {
		return err
	}
	if *plotFile != "" {
		if err := res.PlotFile(*plotFile); err != nil {
			return err
		}
	}
	if *asJSON {
		return cli.WriteJSON(stdout, struct {
			*experiment.MacroSample
			Plot string `json:"plot,omitempty"`
		}{res, *plotFile})
	}
	if err := res.WriteText(stdout); err != nil {
		return err
	}
	if *plotFile != "" {
		fmt.Fprintf(stdout, "histogram written to %s\n", *plotFile)
	}
	return nil
}
