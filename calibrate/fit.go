package calibrate

import (
	"fmt"
	"math"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// FieldFit is one parameter of a fitted crossbar.Params.
type FieldFit struct {
	Name   string  `json:"name"` // JSON name in crossbar.Params
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	Base   float64 `json:"base"`   // the base's value
	Fitted bool    `json:"fitted"` // measured (or reported by the array), not inherited
	SE     float64 `json:"se,omitempty"`
	Source string  `json:"source"`
}

// Check compares two estimates of one quantity, from different
// experiments or from a fit and a direct measurement.
type Check struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Reference float64 `json:"reference"`
	Unit      string  `json:"unit,omitempty"`
	Note      string  `json:"note"`
}

// FitReport explains a fitted crossbar.Params: where every field came
// from, cross-checks between experiments, and notes.
type FitReport struct {
	Dir    string     `json:"dir"`
	Base   string     `json:"base"`
	Fields []FieldFit `json:"fields"`
	Checks []Check    `json:"checks"`
	Notes  []string   `json:"notes"`
}

// Fitted returns the fields that were measured.
func (r FitReport) Fitted() []FieldFit {
	var out []FieldFit
	for _, f := range r.Fields {
		if f.Fitted {
			out = append(out, f)
		}
	}
	return out
}

// Field returns the field of that JSON name.
func (r FitReport) Field(name string) (FieldFit, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldFit{}, false
}

// FitDir loads a results folder and fits it (see Fit).
func FitDir(dir string) (crossbar.Params, FitReport, error) {
	res, err := Load(dir)
	if err != nil {
		return crossbar.Params{}, FitReport{}, err
	}
	return Fit(res)
}

// Fit turns characterisation results into a complete crossbar.Params:
// the fields the experiments measured are fitted, every other field is
// inherited from the base parameters the results were measured against,
// and the report says which is which. The result passes
// crossbar.Params.Validate, so crossbar.LoadParams accepts what WriteJSON
// writes of it. Fields and their sources:
//
//   - rows, cols: the array's geometry.
//   - max_form_v, max_set_v, max_reset_v, min_width, max_width, max_gate,
//     max_cells: the array's limits, when it reports them (crossbar.Limiter).
//   - read_voltage: the array's, when it reports it (crossbar.ReadVoltager).
//   - form_accel (switch, form mode, two or more widths): the slope of V50
//     against ln(width).
//   - vbd_mean, vbd_std (form): the interval-censored fit of the ramp
//     (FormAnalysis) with the fitted form_accel, else the base's; without a
//     form-finder, the switch experiment's V50 at the reference width and σ.
//   - vset_mean, switch_accel, and vset_std with vset_c2c (switch, set
//     mode): V50 at the reference width, its width slope, and σ split into
//     device-to-device and cycle-to-cycle parts in the base's proportion
//     (one pulse per cell cannot tell them apart).
//   - read_noise (noise): the pooled relative σ.
//   - lrs_mean, lrs_std (conductance): the healthy formed cells' mean and
//     standard deviation, with the read noise's share σ²·E[G²] and the ADC
//     quantisation's q²/12 removed from the variance, and scaled to
//     gate_ref by the base's compliance law when measured at another gate.
//   - d2d_fraction (conductance): the correlation of each cell's
//     conductance after forming and after the set, divided by the
//     reliability of one read (true over observed variance).
//   - stuck_lrs_rate, stuck_hrs_rate (conductance): the set/reset test.
//   - hrs_median, hrs_spread (conductance): the cells after the reset.
//   - drift_nu_lrs, drift_nu_hrs, drift_nu_spread, drift_t0 (drift).
func Fit(res *Results) (crossbar.Params, FitReport, error) {
	base := res.Base
	p := base
	rep := FitReport{Dir: res.Dir, Base: res.Manifest.Base}
	type info struct {
		se     float64
		source string
	}
	fitted := map[string]info{}
	set := func(name string, se float64, format string, args ...any) {
		fitted[name] = info{se, fmt.Sprintf(format, args...)}
	}
	note := func(format string, args ...any) { rep.Notes = append(rep.Notes, fmt.Sprintf(format, args...)) }
	m := res.Manifest

	// The array itself.
	p.Rows, p.Cols = m.Geometry.Rows, m.Geometry.Cols
	set("rows", 0, "array geometry")
	set("cols", 0, "array geometry")
	if m.LimitsFrom == "array" {
		l := m.Limits
		p.MaxFormV, p.MaxSetV, p.MaxResetV = l.MaxAmplitude[crossbar.Form], l.MaxAmplitude[crossbar.Set], l.MaxAmplitude[crossbar.Reset]
		p.MinWidth, p.MaxWidth, p.MaxGate, p.MaxCells = l.MinWidth, l.MaxWidth, l.MaxGate, l.MaxCells
		for _, n := range []string{"max_form_v", "max_set_v", "max_reset_v", "min_width", "max_width", "max_gate", "max_cells"} {
			set(n, 0, "limits the array reports")
		}
	}
	if m.ReadVFrom == "array" && m.ReadVoltage > 0 {
		p.ReadVoltage = m.ReadVoltage
		set("read_voltage", 0, "read voltage the array reports")
	}

	// Switching probability: acceleration of forming, SET statistics.
	var formAccel units.Volts
	var sw *SwitchAnalysis
	if r := res.Get("switch"); r != nil {
		if a, ok := r.Analysis.(*SwitchAnalysis); ok {
			sw = a
		} else if r.AnalysisErr != "" {
			note("switch: %s", r.AnalysisErr)
		}
	}
	if sw != nil {
		for _, cv := range sw.Curves {
			if cv.FitErr != "" {
				note("switch: %s", cv.FitErr)
			}
		}
		if fm, ok := sw.Mode("form"); ok && fm.Widths >= 2 {
			if fm.Accel > 0 {
				p.FormAccel = units.Volts(fm.Accel)
				formAccel = p.FormAccel
				set("form_accel", fm.AccelSE, "switch (form): slope of V50 against ln(width) over %d widths", fm.Widths)
			} else {
				note("switch (form): V50 does not fall with width (slope %.3g V); form_accel inherited", -fm.Accel)
			}
		}
		if sm, ok := sw.Mode("set"); ok {
			if finite(sm.V50Ref) && sm.V50Ref > 0 {
				p.VSetMean = units.Volts(sm.V50Ref)
				set("vset_mean", sm.V50RefSE, "switch (set): V50 at the reference width")
			}
			if finite(sm.Sigma) && sm.Sigma > 0 {
				d, c := float64(base.VSetStd), float64(base.VSetC2C)
				tot := math.Hypot(d, c)
				if tot > 0 {
					p.VSetStd, p.VSetC2C = units.Volts(sm.Sigma*d/tot), units.Volts(sm.Sigma*c/tot)
					set("vset_std", sm.SigmaSE*d/tot, "switch (set): σ of P_switch, device-to-device share as in the base")
					set("vset_c2c", sm.SigmaSE*c/tot, "switch (set): σ of P_switch, cycle-to-cycle share as in the base")
				}
			}
			if sm.Widths >= 2 {
				if sm.Accel > 0 {
					p.SwitchAccel = units.Volts(sm.Accel)
					set("switch_accel", sm.AccelSE, "switch (set): slope of V50 against ln(width) over %d widths", sm.Widths)
				} else {
					note("switch (set): V50 does not fall with width; switch_accel inherited")
				}
			}
		}
	}

	// Breakdown voltages.
	var fa *FormAnalysis
	if r := res.Get("form"); r != nil {
		c := r.Experiment.(FormConfig)
		a, err := AnalyzeForm(c, r.Tables["cells"], formAccel)
		if err != nil {
			note("form: %v", err)
		} else {
			fa = a
			p.VbdMean, p.VbdStd = units.Volts(a.VbdMean), units.Volts(a.VbdStd)
			src := "form: interval-censored ML of the ramp, cumulative stress removed with form_accel "
			if formAccel > 0 {
				src += "fitted by switch"
			} else {
				src += "of the base"
			}
			set("vbd_mean", a.VbdMeanSE, "%s", src)
			set("vbd_std", a.VbdStdSE, "%s", src)
			if c.RefWidth != base.RefWidth {
				note("form: breakdown voltages are quoted at %v but the base's ref_width is %v", c.RefWidth, base.RefWidth)
			}
		}
	}
	if sw != nil {
		if fm, ok := sw.Mode("form"); ok && finite(fm.V50Ref) {
			if fa == nil {
				p.VbdMean, p.VbdStd = units.Volts(fm.V50Ref), units.Volts(fm.Sigma)
				set("vbd_mean", fm.V50RefSE, "switch (form): V50 at the reference width")
				set("vbd_std", fm.SigmaSE, "switch (form): σ of P_switch")
			} else {
				rep.Checks = append(rep.Checks,
					Check{Name: "vbd_mean: form-finder vs switching probability", Value: fa.VbdMean, Reference: fm.V50Ref, Unit: "V",
						Note: fmt.Sprintf("difference %.3g V, combined SE %.2g V", fa.VbdMean-fm.V50Ref, math.Hypot(fa.VbdMeanSE, fm.V50RefSE))},
					Check{Name: "vbd_std: form-finder vs switching probability", Value: fa.VbdStd, Reference: fm.Sigma, Unit: "V",
						Note: fmt.Sprintf("difference %.3g V, combined SE %.2g V", fa.VbdStd-fm.Sigma, math.Hypot(fa.VbdStdSE, fm.SigmaSE))})
			}
		}
	}

	// The default forming pulse follows the fitted breakdown voltages:
	// closed form vbd_mean + 4·vbd_std, as lin2025's.
	if _, ok := fitted["vbd_mean"]; ok {
		p.FormAmplitude = min(p.VbdMean+4*p.VbdStd, p.MaxFormV)
		set("form_amplitude", 0, "closed form: fitted vbd_mean + 4·vbd_std (at most max_form_v)")
	}

	// Read noise.
	sigma := base.ReadNoise
	if r := res.Get("noise"); r != nil {
		if a, ok := r.Analysis.(*NoiseAnalysis); ok {
			p.ReadNoise, sigma = a.Sigma, a.Sigma
			set("read_noise", a.SigmaSE, "noise: pooled relative σ of %d cells × %d reads, quantisation removed", a.Cells, a.Reads)
			if a.FloorSqSE > 0 && a.FloorSq > 3*a.FloorSqSE {
				note("noise: an additive read-noise floor σ₀ = %.3g µS is significant; crossbar.Model's read noise is purely multiplicative", a.Floor)
			}
		} else if r.AnalysisErr != "" {
			note("noise: %s", r.AnalysisErr)
		}
	}

	// Conductance of the formed state, stuck cells, HRS.
	if r := res.Get("conductance"); r != nil {
		c := r.Experiment.(ConductanceConfig)
		if a, ok := r.Analysis.(*ConductanceAnalysis); ok {
			n := float64(a.Dist.Normal.N)
			mu, sd := a.Dist.Normal.Mean, a.Dist.Normal.Std
			v := sd*sd - sigma*sigma*(mu*mu+sd*sd) - a.Quantum*a.Quantum/12
			if v <= 0 {
				note("conductance: read noise and quantisation explain all of the spread; lrs_std kept at the observed %.3g µS", sd)
				v = sd * sd
			}
			k := 1.0
			if c.Gate != base.GateRef {
				k = math.Pow(float64(c.Gate-base.TransistorVth)/float64(base.GateRef-base.TransistorVth), base.TransistorAlpha)
				note("conductance: measured at gate %v, scaled to gate_ref %v by the base's compliance law (factor %.3g)", c.Gate, base.GateRef, k)
			}
			// The forming model's growth with the charge after breakdown:
			// lrs_mean holds for one ref_width at compliance, the measured
			// cells were formed by the experiment's pulse.
			q := p
			q.StuckHRSRate, q.StuckLRSRate = 0, 0
			pulse := crossbar.Pulse{Mode: crossbar.Form, Amplitude: c.FormV, Width: c.FormWidth, Gate: c.Gate}
			if pr := crossbar.PredictForming(q, pulse); pr.FormedFraction > 0 && k > 0 {
				if h := pr.MeanUS / (q.LRSMean.Micro() * k); math.Abs(h-1) > 1e-3 {
					k *= h
					note("conductance: the %v × %v forming pulse leaves filaments %.3g× those of one ref_width at compliance (forming model); lrs_mean and lrs_std divided by it", c.FormV, c.FormWidth, h)
				}
			}
			p.LRSMean, p.LRSStd = units.Siemens(mu/k*1e-6), units.Siemens(math.Sqrt(v)/k*1e-6)
			set("lrs_mean", sd/math.Sqrt(n)/k*1e-6, "conductance: mean of %d healthy formed cells", a.Dist.Normal.N)
			set("lrs_std", math.Sqrt(v/(2*n))/k*1e-6, "conductance: std less read noise (σ = %.3g) and quantisation (q = %.3g µS)", sigma, a.Quantum)
			if a.Dist.Best != "normal" {
				note("conductance: a log-normal fits the formed conductances better (AIC %.1f vs %.1f); crossbar.Model draws them normal, so the moments are used",
					a.Dist.AICLogNormal, a.Dist.AICNormal)
			}
			if rel := v / (sd * sd); a.FormSetCorr != 0 && rel > 0 {
				d := min(max(a.FormSetCorr/rel, 0), 1)
				p.D2DFraction = d
				set("d2d_fraction", 0, "conductance: correlation %.3f of G after forming and after set, over read reliability %.3f", a.FormSetCorr, rel)
			}
			cells := float64(a.Cells)
			p.StuckLRSRate, p.StuckHRSRate = a.StuckLRSRate, a.StuckHRSRate
			set("stuck_lrs_rate", math.Sqrt(a.StuckLRSRate*(1-a.StuckLRSRate)/cells), "conductance: set/reset test, %d of %d cells do not reset", a.Counts[classStuckLRS], a.Cells)
			set("stuck_hrs_rate", math.Sqrt(a.StuckHRSRate*(1-a.StuckHRSRate)/cells), "conductance: set/reset test, %d of %d cells never form or set", a.Counts[classStuckHRS]+a.Counts[classSetFail], a.Cells)
			if a.HRSMedian > 0 && a.HRSSpread > 0 {
				p.HRSMedian, p.HRSSpread = units.Siemens(a.HRSMedian*1e-6), a.HRSSpread
				set("hrs_median", 0, "conductance: median after the reset")
				set("hrs_spread", 0, "conductance: ln(Q75/Q25)/1.349 after the reset")
				if q := a.Quantum; q > 0 && a.HRSMedian < 10*q {
					note("conductance: the HRS median %.3g µS is only %.1f ADC steps; hrs_median and hrs_spread are coarse", a.HRSMedian, a.HRSMedian/q)
				}
			}
			// Stuck-LRS cells read as formed, stuck-HRS cells never do.
			pred := p.StuckLRSRate + (1-p.StuckLRSRate-p.StuckHRSRate)*
				normCDF(float64(c.FormV-p.VbdMean+p.FormAccel*units.Volts(math.Log(float64(c.FormWidth/p.RefWidth))))/float64(p.VbdStd))
			rep.Checks = append(rep.Checks, Check{Name: "formed fraction after one pulse: measured vs predicted by the fitted model",
				Value: a.FormedFraction, Reference: pred, Note: fmt.Sprintf("%v × %v; stuck rates included", c.FormV, c.FormWidth)})
			if fa != nil {
				rep.Checks = append(rep.Checks,
					Check{Name: "stuck_hrs_rate: conductance vs form-finder (never formed)", Value: a.StuckHRSRate, Reference: fa.StuckHRSRate},
					Check{Name: "stuck_lrs_rate: conductance vs form-finder (conducting before any pulse)", Value: a.StuckLRSRate, Reference: fa.StuckLRSRate})
			}
		} else if r.AnalysisErr != "" {
			note("conductance: %s", r.AnalysisErr)
		}
	}

	// Relaxation.
	if r := res.Get("drift"); r != nil {
		if a, ok := r.Analysis.(*DriftAnalysis); ok {
			p.DriftT0, p.DriftNuLRS = units.Seconds(a.T0), a.LRS.Nu
			set("drift_t0", 0, "drift: least squares over ln T0 of the LRS mean curve")
			set("drift_nu_lrs", a.LRS.NuSE, "drift: %d LRS cells", a.LRS.Cells)
			p.DriftNuSpread = a.LRS.Spread
			set("drift_nu_spread", 0, "drift: per-cell LRS exponents, estimation noise removed")
			if a.HRS.Cells > 0 {
				p.DriftNuHRS = a.HRS.Nu
				set("drift_nu_hrs", a.HRS.NuSE, "drift: %d HRS cells, T0 shared", a.HRS.Cells)
			}
			if a.Note != "" {
				note("drift: %s", a.Note)
			}
		} else if r.AnalysisErr != "" {
			note("drift: %s", r.AnalysisErr)
		}
	}

	// I–V: a consistency check of the read path only.
	if r := res.Get("iv"); r != nil {
		if a, ok := r.Analysis.(*IVAnalysis); ok {
			rep.Checks = append(rep.Checks,
				Check{Name: "I–V slope over read conductance (LRS)", Value: a.LRSRatio, Reference: 1, Note: "1 for an ohmic cell and a consistent read path"},
				Check{Name: "I–V slope over read conductance (HRS)", Value: a.HRSRatio, Reference: 1, Note: "low-G cells read at few ADC steps"})
		}
	}

	for _, n := range []string{"form", "switch", "conductance", "noise", "drift", "iv"} {
		if res.Get(n) == nil {
			note("%s: not measured", n)
		}
	}

	// The report, field by field.
	bt := base.Table()
	for i, f := range p.Table() {
		ff := FieldFit{Name: f.Name, Value: f.Value, Unit: f.Unit, Base: bt[i].Value,
			Source: "inherited from " + rep.Base}
		if in, ok := fitted[f.Name]; ok {
			ff.Fitted, ff.SE, ff.Source = true, in.se, in.source
		}
		rep.Fields = append(rep.Fields, ff)
	}
	if err := p.Validate(); err != nil {
		return p, rep, fmt.Errorf("calibrate: the fitted parameters are not a valid model: %w", err)
	}
	return p, rep, nil
}
