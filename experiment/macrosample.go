package experiment

// The simulated macro as an object of study: its description (geometry,
// periphery, limits, every parameter with its source) and one forming
// experiment on the whole array ("memlsm macro info|sample").

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/internal/figure"
	"github.com/memlsm/memlsm/units"
)

// PulseInfo is a pulse in JSON outputs.
type PulseInfo struct {
	Mode      string  `json:"mode"`
	Amplitude float64 `json:"amplitude_v"`
	Width     float64 `json:"width_s"`
	Gate      float64 `json:"gate_v"`
}

// NewPulseInfo is p in JSON form.
func NewPulseInfo(p crossbar.Pulse) PulseInfo {
	return PulseInfo{Mode: p.Mode.String(), Amplitude: float64(p.Amplitude), Width: float64(p.Width), Gate: float64(p.Gate)}
}

// MacroDescription describes a simulated macro: what "memlsm macro info"
// prints.
type MacroDescription struct {
	Source         string               `json:"source"` // preset name or parameter file
	Description    string               `json:"description,omitempty"`
	Rows           int                  `json:"rows"`
	Cols           int                  `json:"cols"`
	Periphery      PeripheryInfo        `json:"periphery"`
	Limits         LimitsInfo           `json:"limits"`
	DefaultForming PulseInfo            `json:"default_forming"`
	Params         []crossbar.ParamInfo `json:"params"`
}

// PeripheryInfo is the read path of a macro in JSON form.
type PeripheryInfo struct {
	ReadVoltage  float64 `json:"read_voltage_v"`
	ReadCode     uint32  `json:"read_dac_code"`
	DACBits      int     `json:"dac_bits"`
	DACFullScale float64 `json:"dac_full_scale_v"`
	DACStep      float64 `json:"dac_step_v"`
	TIAGain      float64 `json:"tia_gain_ohm"`
	// ReadTIAGain is the gain of a conductance read (crossbar.ReadGain:
	// read_tia_gain, or auto-ranged when the MVM gain cannot resolve one
	// cell); LSBMicro is one code at that gain.
	ReadTIAGain  float64 `json:"read_tia_gain_ohm"`
	ADCBits      int     `json:"adc_bits"`
	ADCFullScale float64 `json:"adc_full_scale_v"`
	LSB          float64 `json:"lsb_a"`
	LSBMicro     float64 `json:"lsb_us"` // µS: conductance of one code in a one-hot read
	FullScale    float64 `json:"full_scale_a"`
	InputBits    int     `json:"input_bits"`
}

// LimitsInfo is the safety limits of a macro in JSON form.
type LimitsInfo struct {
	MaxForm  float64 `json:"max_form_v"`
	MaxSet   float64 `json:"max_set_v"`
	MaxReset float64 `json:"max_reset_v"`
	MinWidth float64 `json:"min_width_s"`
	MaxWidth float64 `json:"max_width_s"`
	MaxGate  float64 `json:"max_gate_v"`
	MaxCells int     `json:"max_cells"`
}

// DescribeMacro describes the macro of parameters p; source names them.
func DescribeMacro(p crossbar.Params, source string) MacroDescription {
	per := crossbar.NewPeriphery(p)
	lim := p.Limits()
	return MacroDescription{
		Source: source, Description: crossbar.PresetDescription(source), Rows: p.Rows, Cols: p.Cols,
		Periphery: PeripheryInfo{
			ReadVoltage: float64(per.ReadVoltage), ReadCode: per.ReadCode,
			DACBits: per.DACBits, DACFullScale: float64(per.DACFullScale), DACStep: float64(per.DACVolts(1)),
			TIAGain: float64(per.TIAGain), ReadTIAGain: float64(per.ReadTIAGain), ADCBits: per.ADCBits, ADCFullScale: float64(per.ADCFullScale),
			LSB: float64(per.LSB), LSBMicro: per.Siemens(1).Micro(), FullScale: float64(per.Amps(per.CodeMax)),
			InputBits: per.InputBits,
		},
		Limits: LimitsInfo{
			MaxForm: float64(lim.MaxAmplitude[crossbar.Form]), MaxSet: float64(lim.MaxAmplitude[crossbar.Set]),
			MaxReset: float64(lim.MaxAmplitude[crossbar.Reset]), MinWidth: float64(lim.MinWidth),
			MaxWidth: float64(lim.MaxWidth), MaxGate: float64(lim.MaxGate), MaxCells: lim.MaxCells,
		},
		DefaultForming: NewPulseInfo(crossbar.DefaultForming(p)),
		Params:         p.Table(),
	}
}

// WriteText writes the description as aligned text: geometry, read path,
// limits, then every parameter with its unit and source.
func (d MacroDescription) WriteText(out io.Writer) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	per, lim := d.Periphery, d.Limits
	fmt.Fprintf(w, "macro\t%s", d.Source)
	if d.Description != "" {
		fmt.Fprintf(w, ": %s", d.Description)
	}
	fmt.Fprintf(w, "\ngeometry\t%d × %d = %d cells (1T1R)\n", d.Rows, d.Cols, d.Rows*d.Cols)
	fmt.Fprintf(w, "read\t%v on the rows (DAC code %d), LSB %v, full scale %v; a one-cell read at %v: %v per code\n",
		units.Volts(per.ReadVoltage), per.ReadCode, units.Amps(per.LSB), units.Amps(per.FullScale), units.Ohms(per.ReadTIAGain), units.Siemens(per.LSBMicro*1e-6))
	fmt.Fprintf(w, "DAC\t%d bit over %v (step %v)\n", per.DACBits, units.Volts(per.DACFullScale), units.Volts(per.DACStep))
	fmt.Fprintf(w, "TIA / ADC\t%v, %d bit over ±%v; inputs bit-serial, %d planes\n", units.Ohms(per.TIAGain), per.ADCBits, units.Volts(per.ADCFullScale), per.InputBits)
	fmt.Fprintf(w, "limits\tform ≤ %v, set ≤ %v, reset ≤ %v, width %v..%v, gate ≤ %v\n",
		units.Volts(lim.MaxForm), units.Volts(lim.MaxSet), units.Volts(lim.MaxReset), units.Seconds(lim.MinWidth), units.Seconds(lim.MaxWidth), units.Volts(lim.MaxGate))
	f := d.DefaultForming
	fmt.Fprintf(w, "default forming\t%s %v × %v (gate %v)\n\n", f.Mode, units.Volts(f.Amplitude), units.Seconds(f.Width), units.Volts(f.Gate))
	fmt.Fprintln(w, "parameter\tvalue\tunit\tsource")
	for _, r := range d.Params {
		mark := ""
		if r.Changed {
			mark = fmt.Sprintf(" (lin2025: %g)", r.Default)
		}
		fmt.Fprintf(w, "%s\t%g%s\t%s\t%s\n", r.Name, r.Value, mark, r.Unit, r.Source)
	}
	return w.Flush()
}

// MacroSampleConfig configures SampleMacro.
type MacroSampleConfig struct {
	Params crossbar.Params
	Source string // names Params in the result
	Seed   uint64
	// Amplitude, Width and Gate replace those of the default forming
	// pulse (crossbar.DefaultForming) when non-zero.
	Amplitude units.Volts
	Width     units.Seconds
	Gate      units.Volts
	// Age reads the array this long after forming (relaxation; 0: at once).
	Age units.Seconds
}

// MacroSample is the result of SampleMacro: what "memlsm macro sample"
// prints.
type MacroSample struct {
	Source          string    `json:"source"`
	Seed            uint64    `json:"seed"`
	Rows            int       `json:"rows"`
	Cols            int       `json:"cols"`
	Pulse           PulseInfo `json:"pulse"`
	FormedThreshold float64   `json:"formed_threshold_us"`
	crossbar.ConductanceStats
	VirtualTime float64 `json:"virtual_time_s"`
	AgeS        float64 `json:"age_s"`
	// Predicted is the forming model's closed-form prediction for the
	// pulse on a fresh array, as read (crossbar.PredictForming); absent
	// after ageing or when an ADC step is coarse against the spread.
	Predicted *crossbar.FormingPrediction `json:"predicted,omitempty"`
	Counters  CountersInfo                `json:"counters"`

	g         []units.Siemens // every cell's conductance, for the plot
	threshold units.Siemens
	step      float64 // µS of one ADC code
	pulse     crossbar.Pulse
}

// CountersInfo is crossbar.Counters in JSON form.
type CountersInfo struct {
	Pulses         int64   `json:"pulses"`
	CellReads      int64   `json:"cell_reads"`
	MVMs           int64   `json:"mvms"`
	ADCConversions int64   `json:"adc_conversions"`
	DACUpdates     int64   `json:"dac_updates"`
	Saturations    int64   `json:"saturations"`
	Energy         float64 `json:"energy_j"`
}

// SampleMacro forms a whole simulated array with one pulse, reads it once
// and reports the formed fraction and the statistics of the formed cells'
// conductances (Lin et al. 2025 measured 14.25 ± 2.46 µS on the chip). A
// pulse beyond the safety limits fails with crossbar.ErrLimit before any
// cell is touched.
func SampleMacro(ctx context.Context, cfg MacroSampleConfig) (*MacroSample, error) {
	p := cfg.Params
	pulse := crossbar.DefaultForming(p)
	if cfg.Amplitude != 0 {
		pulse.Amplitude = cfg.Amplitude
	}
	if cfg.Width != 0 {
		pulse.Width = cfg.Width
	}
	if cfg.Gate != 0 {
		pulse.Gate = cfg.Gate
	}
	m, err := crossbar.NewModel(p, cfg.Seed)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	all := m.Geometry().All()
	if err := m.Program(ctx, all, pulse); err != nil {
		return nil, fmt.Errorf("experiment: macro sample: %w", err)
	}
	if !(cfg.Age >= 0) {
		return nil, fmt.Errorf("experiment: macro sample: age %v must be ≥ 0", cfg.Age)
	}
	if cfg.Age > 0 {
		if err := m.Wait(ctx, cfg.Age); err != nil {
			return nil, err
		}
	}
	g := make([]units.Siemens, all.Cells())
	if err := m.Read(ctx, all, g); err != nil {
		return nil, err
	}
	var pred *crossbar.FormingPrediction
	if cfg.Age == 0 && pulse.Mode == crossbar.Form {
		// The prediction's read statistics hold while an ADC step is fine
		// against the spread (Sheppard's correction, step²/12).
		if pr := crossbar.PredictForming(p, pulse); m.Periphery().Siemens(1).Micro() <= pr.StdUS/4 {
			pred = &pr
		}
	}
	c := m.Counters()
	return &MacroSample{AgeS: float64(cfg.Age), Predicted: pred,
		Source: cfg.Source, Seed: cfg.Seed, Rows: p.Rows, Cols: p.Cols, Pulse: NewPulseInfo(pulse),
		FormedThreshold:  p.FormedThreshold.Micro(),
		ConductanceStats: crossbar.Summarize(g, p.FormedThreshold),
		VirtualTime:      float64(m.Now()),
		Counters: CountersInfo{Pulses: c.Pulses, CellReads: c.CellReads, MVMs: c.MVMs, ADCConversions: c.ADCConversions,
			DACUpdates: c.DACUpdates, Saturations: c.Saturations, Energy: float64(c.Energy)},
		g: g, threshold: p.FormedThreshold, step: m.Periphery().Siemens(1).Micro(), pulse: pulse,
	}, nil
}

// WriteText writes the result as a few lines.
func (r *MacroSample) WriteText(w io.Writer) error {
	c := r.Counters
	fmt.Fprintf(w, "macro %s, seed %d: %d×%d cells, one %v pulse\n", r.Source, r.Seed, r.Rows, r.Cols, r.pulse)
	fmt.Fprintf(w, "formed %d of %d cells (%.4f) reading above %v\n", r.Formed, r.Cells, r.FormedFraction, r.threshold)
	fmt.Fprintf(w, "formed conductance: mean %.3f µS, std %.3f µS, min %.3f µS, max %.3f µS\n", r.MeanUS, r.StdUS, r.MinUS, r.MaxUS)
	if r.AgeS > 0 {
		fmt.Fprintf(w, "read %v after forming\n", units.Seconds(r.AgeS))
	}
	if r.Predicted != nil {
		fmt.Fprintf(w, "forming model predicts: formed %.4f, mean %.3f µS, std %.3f µS (as read)\n", r.Predicted.FormedFraction, r.Predicted.ReadMeanUS, r.Predicted.ReadStdUS)
	}
	_, err := fmt.Fprintf(w, "operations: %d pulses, %d cell reads, %d ADC conversions, %d DAC updates; energy %v\n",
		c.Pulses, c.CellReads, c.ADCConversions, c.DACUpdates, units.Joules(c.Energy))
	return err
}

// PlotFile writes a histogram of the formed cells' conductances to path
// (.png, .svg or .pdf). The values are multiples of one ADC code, so the
// bins are whole numbers of codes wide: equal-width bins that ignore the
// codes would alias into a comb.
func (r *MacroSample) PlotFile(path string) error {
	const maxBins = 80
	var codes []int
	for _, v := range r.g {
		if v > r.threshold {
			codes = append(codes, int(math.Round(v.Micro()/r.step)))
		}
	}
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s seed %d: %d of %d cells formed by %v × %v (gate %v)",
		r.Source, r.Seed, r.Formed, r.Cells, units.Volts(r.Pulse.Amplitude), units.Seconds(r.Pulse.Width), units.Volts(r.Pulse.Gate))
	pl.X.Label.Text = fmt.Sprintf("conductance (µS): mean %.2f, std %.2f", r.MeanUS, r.StdUS)
	pl.Y.Label.Text = "cells"
	if len(codes) > 0 {
		lo, hi := slices.Min(codes), slices.Max(codes)
		k := (hi - lo + maxBins) / maxBins // codes per bin
		bins := make([]plotter.HistogramBin, (hi-lo)/k+1)
		for b := range bins {
			bins[b].Min = (float64(lo+b*k) - 0.5) * r.step
			bins[b].Max = bins[b].Min + float64(k)*r.step
		}
		for _, c := range codes {
			bins[(c-lo)/k].Weight++
		}
		h, err := plotter.NewHist(plotter.Values{0}, 1) // for the default style
		if err != nil {
			return fmt.Errorf("experiment: histogram: %w", err)
		}
		h.Bins, h.Width = bins, float64(k)*r.step
		pl.Add(h)
	}
	f := figure.Figure{Width: 8 * vg.Inch, Height: 5 * vg.Inch, Draw: func(c draw.Canvas) error { pl.Draw(c); return nil }}
	if err := f.Save(path); err != nil {
		return fmt.Errorf("experiment: macro sample: %w", err)
	}
	return nil
}
