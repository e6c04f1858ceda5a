package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// The macro command inspects the simulated RRAM macro:
//
//	memlsm macro info   [--preset lin2025] [--params FILE] [--json]
//	memlsm macro sample [--preset lin2025] [--params FILE] [--seed N] [--vform V] [--width W] [--gate V] [--json] [--plot FILE.png]
//
// info prints the geometry, the periphery and the full parameter table
// with the source of every default; sample forms the whole array with one
// pulse, reads it once and reports the formed fraction and the statistics
// of the formed conductances.
func init() {
	register(command{name: "macro", summary: "inspect the simulated RRAM macro: info | sample | params", run: runMacro})
}

const macroUsage = `macro info   [--preset NAME] [--params FILE] [--set KEY=VALUE ...] [--json]
       memlsm macro sample [--preset NAME] [--params FILE] [--set KEY=VALUE ...] [--seed N] [--vform V] [--width W] [--gate V] [--age D] [--json] [--plot FILE.png]
       memlsm macro params [--preset NAME] [--params FILE] [--set KEY=VALUE ...]

info    geometry, periphery and every model parameter with its source
sample  form the whole array with one pulse, read it once, report the formed
        fraction and conductance statistics (and a histogram with --plot)
params  print the full, valid parameter file of a preset (or file) with the
        --set overrides applied; a file may also be partial:
        {"preset": "lin2025", "adc_bits": 6}`

func runMacro(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "Usage: memlsm %s\n", macroUsage)
		return usagef("macro: want a subcommand: info, sample or params")
	}
	switch args[0] {
	case "info":
		return runMacroInfo(args[1:], stdout, stderr)
	case "sample":
		return runMacroSample(ctx, args[1:], stdout, stderr)
	case "params":
		return runMacroParams(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, "Usage: memlsm %s\n", macroUsage)
		return nil
	}
	fmt.Fprintf(stderr, "Usage: memlsm %s\n", macroUsage)
	return usagef("macro: unknown subcommand %q (want info, sample or params)", args[0])
}

// macroParamFlags are the flags that choose the model parameters.
type macroParamFlags struct {
	preset string
	file   string
	set    crossbar.Settings
}

func (pf *macroParamFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&pf.preset, "preset", "lin2025", "model preset: "+strings.Join(crossbar.Presets(), ", "))
	fs.StringVar(&pf.file, "params", "", "model parameter file (JSON; may be partial, naming its base with \"preset\"); overrides --preset")
	fs.Var(&pf.set, "set", "override one parameter, key=value with units (e.g. adc_bits=8, wire_resistance=2ohm, form_amplitude=3.8V); repeatable; keys: memlsm macro info")
}

// load returns the chosen parameters and a label naming where they came
// from.
func (pf *macroParamFlags) load(fs *flag.FlagSet) (crossbar.Params, string, error) {
	presetSet := false
	fs.Visit(func(f *flag.Flag) { presetSet = presetSet || f.Name == "preset" })
	if pf.file != "" {
		if presetSet {
			return crossbar.Params{}, "", usagef("macro: give --preset or --params, not both")
		}
		f, err := os.Open(pf.file)
		if err != nil {
			return crossbar.Params{}, "", err
		}
		defer f.Close()
		p, err := crossbar.LoadParams(f)
		if err != nil {
			return crossbar.Params{}, "", fmt.Errorf("%s: %w", pf.file, err)
		}
		return pf.apply(p, pf.file)
	}
	p, err := crossbar.Preset(pf.preset)
	if err != nil {
		return crossbar.Params{}, "", usageError{err}
	}
	return pf.apply(p, pf.preset)
}

// apply applies the --set overrides to p; the label names them.
func (pf *macroParamFlags) apply(p crossbar.Params, src string) (crossbar.Params, string, error) {
	if len(pf.set) == 0 {
		return p, src, nil
	}
	if err := p.Apply(pf.set...); err != nil {
		return crossbar.Params{}, "", usageError{fmt.Errorf("--set: %w", err)}
	}
	return p, src + " --set " + pf.set.String(), nil
}

// runMacroParams prints a complete parameter file.
func runMacroParams(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("macro params", "macro params [--preset NAME] [--params FILE] [--set KEY=VALUE ...]", stderr)
	var pf macroParamFlags
	pf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("macro params: unexpected argument %q", pos[0])
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
			return err
		}
	}
	if base == "" {
		return p.WriteJSON(stdout)
	}
	return p.WriteJSONPreset(stdout, base)
}

// macroPulse is a pulse in the JSON outputs.
type macroPulse struct {
	Mode      string  `json:"mode"`
	Amplitude float64 `json:"amplitude_v"`
	Width     float64 `json:"width_s"`
	Gate      float64 `json:"gate_v"`
}

func toMacroPulse(p crossbar.Pulse) macroPulse {
	return macroPulse{Mode: p.Mode.String(), Amplitude: float64(p.Amplitude), Width: float64(p.Width), Gate: float64(p.Gate)}
}

type macroInfo struct {
	Source         string               `json:"source"` // preset name or parameter file
	Description    string               `json:"description,omitempty"`
	Rows           int                  `json:"rows"`
	Cols           int                  `json:"cols"`
	Periphery      macroPeriphery       `json:"periphery"`
	Limits         macroLimits          `json:"limits"`
	DefaultForming macroPulse           `json:"default_forming"`
	Params         []crossbar.ParamInfo `json:"params"`
}

type macroPeriphery struct {
	ReadVoltage  float64 `json:"read_voltage_v"`
	ReadCode     uint32  `json:"read_dac_code"`
	DACBits      int     `json:"dac_bits"`
	DACFullScale float64 `json:"dac_full_scale_v"`
	DACStep      float64 `json:"dac_step_v"`
	TIAGain      float64 `json:"tia_gain_ohm"`
	ADCBits      int     `json:"adc_bits"`
	ADCFullScale float64 `json:"adc_full_scale_v"`
	LSB          float64 `json:"lsb_a"`
	LSBSiemens   float64 `json:"lsb_s"` // conductance of one code in a one-hot read
	FullScale    float64 `json:"full_scale_a"`
	InputBits    int     `json:"input_bits"`
}

type macroLimits struct {
	MaxForm  float64 `json:"max_form_v"`
	MaxSet   float64 `json:"max_set_v"`
	MaxReset float64 `json:"max_reset_v"`
	MinWidth float64 `json:"min_width_s"`
	MaxWidth float64 `json:"max_width_s"`
	MaxGate  float64 `json:"max_gate_v"`
	MaxCells int     `json:"max_cells"`
}

func runMacroInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("macro info", "macro info [--preset NAME] [--params FILE] [--json]", stderr)
	var pf macroParamFlags
	pf.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("macro info: unexpected argument %q", pos[0])
	}
	p, src, err := pf.load(fs)
	if err != nil {
		return err
	}
	per := crossbar.NewPeriphery(p)
	lim := p.Limits()
	info := macroInfo{
		Source: src, Description: crossbar.PresetDescription(src), Rows: p.Rows, Cols: p.Cols,
		Periphery: macroPeriphery{
			ReadVoltage: float64(per.ReadVoltage), ReadCode: per.ReadCode,
			DACBits: per.DACBits, DACFullScale: float64(per.DACFullScale), DACStep: float64(per.DACVolts(1)),
			TIAGain: float64(per.TIAGain), ADCBits: per.ADCBits, ADCFullScale: float64(per.ADCFullScale),
			LSB: float64(per.LSB), LSBSiemens: float64(per.Siemens(1)), FullScale: float64(per.Amps(per.CodeMax)),
			InputBits: per.InputBits,
		},
		Limits: macroLimits{
			MaxForm: float64(lim.MaxAmplitude[crossbar.Form]), MaxSet: float64(lim.MaxAmplitude[crossbar.Set]),
			MaxReset: float64(lim.MaxAmplitude[crossbar.Reset]), MinWidth: float64(lim.MinWidth),
			MaxWidth: float64(lim.MaxWidth), MaxGate: float64(lim.MaxGate), MaxCells: lim.MaxCells,
		},
		DefaultForming: toMacroPulse(crossbar.DefaultForming(p)),
		Params:         p.Table(),
	}
	if *asJSON {
		return writeMacroJSON(stdout, info)
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "macro\t%s", src)
	if info.Description != "" {
		fmt.Fprintf(w, ": %s", info.Description)
	}
	fmt.Fprintf(w, "\ngeometry\t%d × %d = %d cells (1T1R)\n", p.Rows, p.Cols, p.Rows*p.Cols)
	fmt.Fprintf(w, "read\t%v on the rows (DAC code %d), LSB %v = %v per cell, full scale %v\n",
		per.ReadVoltage, per.ReadCode, per.LSB, per.Siemens(1), per.Amps(per.CodeMax))
	fmt.Fprintf(w, "DAC\t%d bit over %v (step %v)\n", per.DACBits, per.DACFullScale, per.DACVolts(1))
	fmt.Fprintf(w, "TIA / ADC\t%v, %d bit over ±%v; inputs bit-serial, %d planes\n", per.TIAGain, per.ADCBits, per.ADCFullScale, per.InputBits)
	fmt.Fprintf(w, "limits\tform ≤ %v, set ≤ %v, reset ≤ %v, width %v..%v, gate ≤ %v\n",
		lim.MaxAmplitude[crossbar.Form], lim.MaxAmplitude[crossbar.Set], lim.MaxAmplitude[crossbar.Reset], lim.MinWidth, lim.MaxWidth, lim.MaxGate)
	fmt.Fprintf(w, "default forming\t%v\n\n", crossbar.DefaultForming(p))
	fmt.Fprintln(w, "parameter\tvalue\tunit\tsource")
	for _, r := range info.Params {
		mark := ""
		if r.Changed {
			mark = fmt.Sprintf(" (lin2025: %g)", r.Default)
		}
		fmt.Fprintf(w, "%s\t%g%s\t%s\t%s\n", r.Name, r.Value, mark, r.Unit, r.Source)
	}
	return w.Flush()
}

// macroSampleResult is the output of macro sample.
type macroSampleResult struct {
	Source          string     `json:"source"`
	Seed            uint64     `json:"seed"`
	Rows            int        `json:"rows"`
	Cols            int        `json:"cols"`
	Pulse           macroPulse `json:"pulse"`
	FormedThreshold float64    `json:"formed_threshold_us"`
	crossbar.ConductanceStats
	VirtualTime float64 `json:"virtual_time_s"`
	AgeS        float64 `json:"age_s"`
	// Predicted is the forming model's closed-form prediction for this
	// pulse on a fresh array (crossbar.PredictForming), as read.
	Predicted *crossbar.FormingPrediction `json:"predicted,omitempty"`
	Counters  macroCounters               `json:"counters"`
	Plot      string                      `json:"plot,omitempty"`
}

// ageFlag is a duration flag that reads long durations ("1h", "1d", "1y";
// units.ParseDuration).
type ageFlag units.Seconds

func (a *ageFlag) String() string { return units.Seconds(*a).String() }

func (a *ageFlag) Set(s string) error {
	d, err := units.ParseDuration(s)
	if err != nil {
		return err
	}
	*a = ageFlag(d)
	return nil
}

type macroCounters struct {
	Pulses         int64   `json:"pulses"`
	CellReads      int64   `json:"cell_reads"`
	MVMs           int64   `json:"mvms"`
	ADCConversions int64   `json:"adc_conversions"`
	DACUpdates     int64   `json:"dac_updates"`
	Saturations    int64   `json:"saturations"`
	Energy         float64 `json:"energy_j"`
}

func runMacroSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("macro sample", "macro sample [--preset NAME] [--params FILE] [--set KEY=VALUE ...] [--seed N] [--vform V] [--width W] [--gate V] [--age D] [--json] [--plot FILE.png]", stderr)
	var pf macroParamFlags
	pf.register(fs)
	seed := fs.Uint64("seed", 1, "seed of the simulated array (recorded in the output)")
	var vform units.Volts
	var width units.Seconds
	var gate units.Volts
	fs.Var(&vform, "vform", "forming amplitude, e.g. 4.2V (default: form_amplitude; same as --set form_amplitude=…)")
	fs.Var(&width, "width", "forming pulse width, e.g. 10us (default: form_width)")
	fs.Var(&gate, "gate", "word-line voltage, sets the compliance, e.g. 1.5V (default: form_gate)")
	var age ageFlag
	fs.Var(&age, "age", "read the array this long after forming, e.g. 1h, 1d, 1y (relaxation; default 0)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	plotFile := fs.String("plot", "", "write a histogram of the formed conductances to this PNG file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("macro sample: unexpected argument %q", pos[0])
	}
	p, src, err := pf.load(fs)
	if err != nil {
		return err
	}
	pulse := crossbar.DefaultForming(p)
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "vform":
			pulse.Amplitude = vform
		case "width":
			pulse.Width = width
		case "gate":
			pulse.Gate = gate
		}
	})
	m, err := crossbar.NewModel(p, *seed)
	if err != nil {
		return err
	}
	defer m.Close()
	all := m.Geometry().All()
	if err := m.Program(ctx, all, pulse); err != nil {
		if errors.Is(err, crossbar.ErrLimit) {
			return usageError{fmt.Errorf("macro sample: %w", err)}
		}
		return err
	}
	if age > 0 {
		if err := m.Wait(ctx, units.Seconds(age)); err != nil {
			return err
		}
	}
	g := make([]units.Siemens, all.Cells())
	if err := m.Read(ctx, all, g); err != nil {
		return err
	}
	c := m.Counters()
	res := macroSampleResult{
		Source: src, Seed: *seed, Rows: p.Rows, Cols: p.Cols, Pulse: toMacroPulse(pulse),
		FormedThreshold:  p.FormedThreshold.Micro(),
		ConductanceStats: crossbar.Summarize(g, p.FormedThreshold),
		VirtualTime:      float64(m.Now()),
		Counters: macroCounters{Pulses: c.Pulses, CellReads: c.CellReads, MVMs: c.MVMs, ADCConversions: c.ADCConversions,
			DACUpdates: c.DACUpdates, Saturations: c.Saturations, Energy: float64(c.Energy)},
		Plot: *plotFile, AgeS: float64(age),
	}
	if age == 0 && pulse.Mode == crossbar.Form {
		// The prediction's read statistics hold while an ADC step is fine
		// against the spread (Sheppard's correction, step²/12).
		if pr := crossbar.PredictForming(p, pulse); m.Periphery().Siemens(1).Micro() <= pr.StdUS/4 {
			res.Predicted = &pr
		}
	}
	if *plotFile != "" {
		step := m.Periphery().Siemens(1).Micro()
		if err := plotMacroConductances(*plotFile, g, p.FormedThreshold, step, res); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeMacroJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "macro %s, seed %d: %d×%d cells, one %v pulse\n", src, res.Seed, res.Rows, res.Cols, pulse)
	fmt.Fprintf(stdout, "formed %d of %d cells (%.4f) reading above %v\n", res.Formed, res.Cells, res.FormedFraction, p.FormedThreshold)
	fmt.Fprintf(stdout, "formed conductance: mean %.3f µS, std %.3f µS, min %.3f µS, max %.3f µS\n", res.MeanUS, res.StdUS, res.MinUS, res.MaxUS)
	if res.Predicted != nil {
		fmt.Fprintf(stdout, "forming model predicts: formed %.4f, mean %.3f µS, std %.3f µS (as read)\n", res.Predicted.FormedFraction, res.Predicted.ReadMeanUS, res.Predicted.ReadStdUS)
	}
	fmt.Fprintf(stdout, "operations: %d pulses, %d cell reads, %d ADC conversions, %d DAC updates; energy %v\n",
		c.Pulses, c.CellReads, c.ADCConversions, c.DACUpdates, c.Energy)
	if *plotFile != "" {
		fmt.Fprintf(stdout, "histogram written to %s\n", *plotFile)
	}
	return nil
}

// plotMacroConductances writes a histogram of the formed cells'
// conductances. The values are multiples of one ADC code (step µS), so the
// bins are whole numbers of codes wide: equal-width bins that ignore the
// codes would alias into a comb.
func plotMacroConductances(file string, g []units.Siemens, threshold units.Siemens, step float64, res macroSampleResult) error {
	const maxBins = 80
	var codes []int
	for _, v := range g {
		if v > threshold {
			codes = append(codes, int(math.Round(v.Micro()/step)))
		}
	}
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s seed %d: %d of %d cells formed by %v × %v (gate %v)",
		res.Source, res.Seed, res.Formed, res.Cells, units.Volts(res.Pulse.Amplitude), units.Seconds(res.Pulse.Width), units.Volts(res.Pulse.Gate))
	pl.X.Label.Text = fmt.Sprintf("conductance (µS): mean %.2f, std %.2f", res.MeanUS, res.StdUS)
	pl.Y.Label.Text = "cells"
	if len(codes) > 0 {
		lo, hi := slices.Min(codes), slices.Max(codes)
		k := (hi - lo + maxBins) / maxBins // codes per bin
		bins := make([]plotter.HistogramBin, (hi-lo)/k+1)
		for b := range bins {
			bins[b].Min = (float64(lo+b*k) - 0.5) * step
			bins[b].Max = bins[b].Min + float64(k)*step
		}
		for _, c := range codes {
			bins[(c-lo)/k].Weight++
		}
		h, err := plotter.NewHist(plotter.Values{0}, 1) // for the default style
		if err != nil {
			return fmt.Errorf("macro sample: histogram: %w", err)
		}
		h.Bins, h.Width = bins, float64(k)*step
		pl.Add(h)
	}
	if err := pl.Save(8*vg.Inch, 5*vg.Inch, file); err != nil {
		return fmt.Errorf("macro sample: writing %s: %w", file, err)
	}
	return nil
}

// writeMacroJSON writes v as one JSON object and a newline.
func writeMacroJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
