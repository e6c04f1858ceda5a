package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// FormConfig configures the form-finder: every cell of a Rows×Cols block
// of pristine cells gets a staircase of forming pulses Start, Start+Step,
// … up to Stop (each Width long, word lines at Gate), the block is read
// after every step, and a cell stops receiving pulses as soon as it reads
// above FormedG. The voltage of the step that formed a cell is its
// apparent breakdown voltage.
type FormConfig struct {
	// Rows and Cols default to 32 (assumption: 1024 cells put the standard
	// error of VbdMean near σ/30, 7 mV at lin2025's σ, in 50 ramp steps).
	Rows int `json:"rows"`
	Cols int `json:"cols"`
	// Start and Stop default to VbdMean ∓ 6·VbdStd of the base (Start
	// rounded down to a Step, Stop within MaxFormV): closed form, a normal
	// leaves 2·10⁻⁹ of the cells beyond 6 σ, and Start sits a further
	// A·ln(S∞) ≈ 1 σ above where the ramp's stress would form a cell.
	Start units.Volts   `json:"start_v"`
	Step  units.Volts   `json:"step_v"` // default 0.05 V (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023 [ESGNN-fig]: sweeps in 0.05 V steps)
	Stop  units.Volts   `json:"stop_v"`
	Width units.Seconds `json:"width_s"` // default RefWidth of the base
	Gate  units.Volts   `json:"gate_v"`  // default GateRef of the base
	// FormedG is the criterion "formed": a read above it. Default: the
	// base's FormedThreshold (1 µS for lin2025). ESGNN used R < 20 kΩ
	// (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023) at a compliance that leaves ≈ 50 µS filaments; the
	// lin2025 compliance leaves 14 µS ones, which that criterion would
	// never see, so the default follows the model's own criterion.
	FormedG units.Siemens `json:"formed_g_s"`
	// RefWidth and FormAccel are the analysis' inputs for turning the
	// apparent breakdown voltages into the model's VbdMean and VbdStd
	// (see AnalyzeForm). Defaults: the base's RefWidth and FormAccel;
	// calibrate.Fit uses FormAccel measured by the switch experiment when
	// there is one.
	RefWidth  units.Seconds `json:"ref_width_s"`
	FormAccel units.Volts   `json:"form_accel_v"`
}

// Name implements Experiment.
func (FormConfig) Name() string { return "form" }

// Shape implements Experiment.
func (c FormConfig) Shape() (int, int) { return c.Rows, c.Cols }

func (c FormConfig) resolve(base crossbar.Params) FormConfig {
	c.Rows = or(c.Rows, 32)
	c.Cols = or(c.Cols, 32)
	c.Step = or(c.Step, 0.05)
	if c.Start == 0 {
		c.Start = units.Volts(math.Max(0, math.Floor(float64(base.VbdMean-6*base.VbdStd)/float64(c.Step)+1e-9)*float64(c.Step)))
	}
	c.Stop = or(c.Stop, min(base.MaxFormV, base.VbdMean+6*base.VbdStd))
	c.Width = or(c.Width, base.RefWidth)
	c.Gate = or(c.Gate, base.GateRef)
	c.FormedG = or(c.FormedG, base.FormedThreshold)
	c.RefWidth = or(c.RefWidth, base.RefWidth)
	c.FormAccel = or(c.FormAccel, base.FormAccel)
	return c
}

func (c FormConfig) validate() error {
	switch {
	case !(c.Step > 0):
		return fmt.Errorf("calibrate: form: step %v must be positive", c.Step)
	case !(c.Stop >= c.Start):
		return fmt.Errorf("calibrate: form: stop %v below start %v", c.Stop, c.Start)
	case len(c.ramp()) > 10000:
		return fmt.Errorf("calibrate: form: %d ramp steps (over 10000)", len(c.ramp()))
	case !(c.Width > 0), !(c.RefWidth > 0), !(c.FormAccel > 0), !(c.FormedG > 0):
		return fmt.Errorf("calibrate: form: width, ref_width_s, form_accel_v and formed_g_s must be positive")
	}
	return nil
}

// ramp returns the staircase's voltages, computed by multiplication so
// that steps do not accumulate rounding.
func (c FormConfig) ramp() []units.Volts {
	n := int(math.Floor(float64(c.Stop-c.Start)/float64(c.Step)+1e-9)) + 1
	v := make([]units.Volts, n)
	for k := range v {
		v[k] = c.Start + units.Volts(k)*c.Step
	}
	return v
}

func (c FormConfig) progressTotal() int { return len(c.ramp()) }

// Plan implements Experiment.
func (c FormConfig) Plan(r crossbar.Region) []Step {
	steps := []Step{{Op: OpRead, Region: r, Repeat: 1, Note: "pristine read: cells already conducting are left out"}}
	for k, v := range c.ramp() {
		steps = append(steps,
			Step{Op: OpProgram, Region: r, Pulse: pulseOf(crossbar.Form, v, c.Width, c.Gate), Repeat: 1, Adaptive: true,
				Note: fmt.Sprintf("ramp step %d: only cells not yet formed", k+1)},
			Step{Op: OpRead, Region: r, Repeat: 1, Adaptive: true, Note: "rows with cells not yet formed"})
	}
	return steps
}

var formCells = schema{
	{"row", series.Int}, {"col", series.Int}, {"status", series.String}, {"step", series.Int},
	{"v_app_v", series.Float}, {"g_pristine_us", series.Float}, {"g_formed_us", series.Float},
}

func (FormConfig) tables() map[string]schema { return map[string]schema{"cells": formCells} }

// Cell statuses of the form-finder.
const (
	statusFormed    = "formed"    // formed during the ramp
	statusUnformed  = "unformed"  // still pristine at Stop (stuck-HRS candidate)
	statusPreformed = "preformed" // conducting before any pulse (stuck-LRS candidate)
)

func (c FormConfig) run(ctx context.Context, s *session, r crossbar.Region, _ uint64) (map[string]dataframe.DataFrame, error) {
	n := r.Cells()
	buf := make([]units.Siemens, n)
	g0, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	formedUS := c.FormedG.Micro()
	active := make([]bool, n)
	step := make([]int, n)
	gform := make([]float64, n)
	vapp := make([]float64, n)
	status := make([]string, n)
	left := 0
	for i, g := range g0 {
		step[i], gform[i], vapp[i] = -1, math.NaN(), math.NaN()
		if g > formedUS {
			status[i] = statusPreformed
			continue
		}
		status[i] = statusUnformed
		active[i] = true
		left++
	}
	ramp := c.ramp()
	for k, v := range ramp {
		if left == 0 {
			s.bar.Add(len(ramp) - k)
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("calibrate: form: %w", err)
		}
		if err := s.programMask(ctx, r, active, pulseOf(crossbar.Form, v, c.Width, c.Gate)); err != nil {
			return nil, err
		}
		// Read the rows that still have cells to watch.
		lo, hi := -1, -1
		for i := range r.Rows {
			for j := range r.Cols {
				if active[i*r.Cols+j] {
					if lo < 0 {
						lo = i
					}
					hi = i
					break
				}
			}
		}
		sub := crossbar.Region{Row: r.Row + lo, Col: r.Col, Rows: hi - lo + 1, Cols: r.Cols}
		g, err := s.readMicro(ctx, sub, buf[:sub.Cells()])
		if err != nil {
			return nil, err
		}
		for q, gv := range g {
			idx := lo*r.Cols + q
			if active[idx] && gv > formedUS {
				active[idx] = false
				left--
				status[idx], step[idx], vapp[idx], gform[idx] = statusFormed, k, float64(v), gv
			}
		}
		s.bar.Add(1)
	}
	rows, cols := make([]int, n), make([]int, n)
	for i := range n {
		rows[i], cols[i] = r.Row+i/r.Cols, r.Col+i%r.Cols
	}
	return map[string]dataframe.DataFrame{"cells": frame(formCells, rows, cols, status, step, vapp, g0, gform)}, nil
}

// FormAnalysis is the form-finder's result: the ramp's apparent breakdown
// voltages and the model's breakdown-voltage distribution they imply.
//
// The simulator's forming law is voltage-accelerated damage (crossbar
// package documentation): a pulse of amplitude V and width w adds
// (w/RefWidth)·exp((V − Vbd)/A) to a cell's damage and the cell forms when
// the damage reaches 1, A = FormAccel. Under the staircase V_k = Start +
// k·Step the damage after step n is
//
//	D_n = (w/RefWidth)·exp((V_n − Vbd)/A)·S_n,   S_n = Σ_{j=0..n} exp(−j·Step/A),
//
// so a cell forms at step n exactly when g(n−1) < Vbd ≤ g(n) with
//
//	g(n) = V_n + A·ln((w/RefWidth)·S_n).
//
// Earlier steps stress the cell, so the ramp breaks it down below its
// one-pulse breakdown voltage: by A·ln(S_∞) = A·ln(1/(1 − e^(−Step/A)))
// for a long ramp (0.23 V for lin2025's A = 0.17 V and 0.05 V steps, more
// than one σ), offset by the half step a staircase adds on average. The
// analysis therefore fits the normal N(VbdMean, VbdStd) by maximum
// likelihood to the interval-censored data (each formed cell's Vbd lies in
// (g(n−1), g(n)]), which removes both the cumulative-stress shift and the
// step quantisation exactly. Cells that never formed are left out of the
// fit and counted as Unformed (stuck-HRS candidates; the default Stop is
// 6 σ above the base's mean), cells conducting before the first pulse as
// Preformed (stuck-LRS candidates).
type FormAnalysis struct {
	Cells     int `json:"cells"`
	Formed    int `json:"formed"`
	Unformed  int `json:"unformed"`
	Preformed int `json:"preformed"`
	// FirstStep counts cells that formed at the first step (their Vbd is
	// only bounded above; a high count means Start was too high).
	FirstStep int `json:"first_step"`

	Apparent NormalFit `json:"apparent"` // of the apparent breakdown voltages, V

	VbdMean   float64 `json:"vbd_mean_v"` // model breakdown voltage at RefWidth
	VbdStd    float64 `json:"vbd_std_v"`
	VbdMeanSE float64 `json:"vbd_mean_se_v"`
	VbdStdSE  float64 `json:"vbd_std_se_v"`
	// KS is the Kolmogorov–Smirnov distance between the cells' formed
	// fraction at each step edge g(n) and the fitted normal there (the
	// KS statistic of grouped data).
	KS float64 `json:"ks"`
	// Shift is the mean correction VbdMean − Apparent.Mean.
	Shift     float64 `json:"shift_v"`
	FormAccel float64 `json:"form_accel_v"` // A used for the correction
	RefWidth  float64 `json:"ref_width_s"`

	GFormed NormalFit `json:"g_formed_us"` // conductance just after forming, µS

	StuckHRSRate float64 `json:"stuck_hrs_rate"` // Unformed/Cells
	StuckLRSRate float64 `json:"stuck_lrs_rate"` // Preformed/Cells
}

// Summary implements Analysis.
func (a *FormAnalysis) Summary() []Quantity {
	return []Quantity{
		{Name: "cells", Value: float64(a.Cells)},
		{Name: "formed during the ramp", Value: float64(a.Formed)},
		{Name: "never formed (stuck-HRS candidates)", Value: float64(a.Unformed)},
		{Name: "conducting before any pulse (stuck-LRS candidates)", Value: float64(a.Preformed)},
		{Name: "apparent breakdown voltage, mean", Value: a.Apparent.Mean, Unit: "V", Note: "the ramp's, lowered by cumulative stress"},
		{Name: "apparent breakdown voltage, std", Value: a.Apparent.Std, Unit: "V"},
		{Name: "apparent breakdown voltage, KS distance to normal", Value: a.Apparent.KS},
		{Name: "model Vbd mean at the reference width", Value: a.VbdMean, Unit: "V", Note: fmt.Sprintf("± %.3g (SE); interval-censored ML, A = %.3g V", a.VbdMeanSE, a.FormAccel)},
		{Name: "model Vbd std", Value: a.VbdStd, Unit: "V", Note: fmt.Sprintf("± %.3g (SE)", a.VbdStdSE)},
		{Name: "KS distance (grouped) of the model fit", Value: a.KS},
		{Name: "cumulative-stress correction of the mean", Value: a.Shift, Unit: "V"},
		{Name: "conductance after forming, mean", Value: a.GFormed.Mean, Unit: "µS"},
		{Name: "conductance after forming, std", Value: a.GFormed.Std, Unit: "µS"},
	}
}

// AnalyzeForm analyses a form-finder's cells table (see FormAnalysis) with
// the configuration it was measured with; accel overrides c.FormAccel when
// positive (calibrate.Fit passes the one the switch experiment measured).
func AnalyzeForm(c FormConfig, cells dataframe.DataFrame, accel units.Volts) (*FormAnalysis, error) {
	if accel > 0 {
		c.FormAccel = accel
	}
	a := &FormAnalysis{FormAccel: float64(c.FormAccel), RefWidth: float64(c.RefWidth)}
	status, step := strs(cells, "status"), ints(cells, "step")
	vapp, gf := floats(cells, "v_app_v"), floats(cells, "g_formed_us")
	ramp := c.ramp()
	a.Cells = len(status)
	count := make([]int, len(ramp))
	var app, gs []float64
	for i, st := range status {
		switch st {
		case statusFormed:
			if step[i] < 0 || step[i] >= len(ramp) {
				return nil, fmt.Errorf("calibrate: form: cell %d has step %d outside the ramp's %d steps", i, step[i], len(ramp))
			}
			a.Formed++
			count[step[i]]++
			app = append(app, vapp[i])
			if finite(gf[i]) {
				gs = append(gs, gf[i])
			}
		case statusUnformed:
			a.Unformed++
		case statusPreformed:
			a.Preformed++
		default:
			return nil, fmt.Errorf("calibrate: form: cell %d has unknown status %q", i, st)
		}
	}
	if a.Cells > 0 {
		a.StuckHRSRate = float64(a.Unformed) / float64(a.Cells)
		a.StuckLRSRate = float64(a.Preformed) / float64(a.Cells)
	}
	a.FirstStep = count[0]
	a.Apparent = fitNormal(app)
	a.GFormed = fitNormal(gs)
	if a.Formed < 10 {
		return a, fmt.Errorf("calibrate: form: only %d cells formed during the ramp; raise stop_v or the region", a.Formed)
	}
	edges := formEdges(c)
	lo, hi := make([]float64, len(ramp)), make([]float64, len(ramp))
	var mids []float64
	for k := range ramp {
		lo[k], hi[k] = math.Inf(-1), edges[k]
		if k > 0 {
			lo[k] = edges[k-1]
		}
		m := hi[k] - float64(c.Step)/2
		if k > 0 {
			m = (lo[k] + hi[k]) / 2
		}
		for range count[k] {
			mids = append(mids, m)
		}
	}
	start := fitNormal(mids)
	mu, sd, seMu, seSd, err := intervalNormal(lo, hi, count, start.Mean, max(start.Std, float64(c.Step)))
	if err != nil {
		return a, fmt.Errorf("calibrate: form: fitting the breakdown voltages: %w", err)
	}
	a.VbdMean, a.VbdStd, a.VbdMeanSE, a.VbdStdSE = mu, sd, seMu, seSd
	a.Shift = mu - a.Apparent.Mean
	cum := 0
	for k := range ramp {
		cum += count[k]
		a.KS = max(a.KS, math.Abs(float64(cum)/float64(a.Formed)-normCDF((edges[k]-mu)/sd)))
	}
	return a, nil
}

// formEdges returns g(n) = V_n + A·ln((w/RefWidth)·S_n) for every step of
// the ramp (see FormAnalysis).
func formEdges(c FormConfig) []float64 {
	ramp := c.ramp()
	A := float64(c.FormAccel)
	r := math.Exp(-float64(c.Step) / A)
	lw := math.Log(float64(c.Width / c.RefWidth))
	out := make([]float64, len(ramp))
	s, term := 0.0, 1.0
	for k, v := range ramp {
		s += term
		term *= r
		out[k] = float64(v) + A*(lw+math.Log(s))
	}
	return out
}

func (c FormConfig) analyze(res *Result) (Analysis, error) {
	return AnalyzeForm(c, res.Tables["cells"], 0)
}

func (c FormConfig) figures(res *Result) ([]Figure, error) {
	a, ok := res.Analysis.(*FormAnalysis)
	if !ok {
		return nil, errors.New("calibrate: form: no analysis to plot")
	}
	cells := res.Tables["cells"]
	status, vapp := strs(cells, "status"), floats(cells, "v_app_v")
	var app []float64
	for i, st := range status {
		if st == statusFormed {
			app = append(app, vapp[i])
		}
	}
	step := float64(c.Step)
	lo := math.Min(float64(c.Start), a.VbdMean-4*a.VbdStd) - step/2
	curves := []curve{
		{label: fmt.Sprintf("normal fit of the ramp: %.3f ± %.3f V", a.Apparent.Mean, a.Apparent.Std),
			f: normalPDF(a.Apparent.Mean, a.Apparent.Std), colour: colOrange, dashed: true},
	}
	if a.VbdStd > 0 {
		curves = append(curves, curve{label: fmt.Sprintf("model Vbd at %v: %.3f ± %.3f V", units.Seconds(a.RefWidth), a.VbdMean, a.VbdStd),
			f: normalPDF(a.VbdMean, a.VbdStd), colour: colBlue})
	}
	hist, err := histFigure(fmt.Sprintf("Form-finder: %d cells, ramp %v…%v in %v steps of %v", a.Formed, c.Start, c.Stop, c.Step, c.Width),
		"voltage (V)", app, lo, math.Max(a.VbdMean+4*a.VbdStd, a.Apparent.Mean+4*a.Apparent.Std), step, "apparent (ramp step that formed the cell)", curves...)
	if err != nil {
		return nil, err
	}
	r := res.Region
	g := grid{rows: r.Rows, cols: r.Cols, r0: r.Row, c0: r.Col, v: make([]float64, r.Cells())}
	for i := range g.v {
		g.v[i] = math.NaN()
		if status[i] == statusFormed {
			g.v[i] = vapp[i]
		}
	}
	hm, err := heatFigure(fmt.Sprintf("Apparent breakdown voltage (grey: %d unformed, %d preformed)", a.Unformed, a.Preformed), "V", g)
	if err != nil {
		return nil, err
	}
	return []Figure{
		{Name: "vbd_hist.png", Caption: "Histogram of the ramp's apparent breakdown voltages with their normal fit (dashed) and the model's one-pulse breakdown-voltage distribution recovered by the interval-censored fit (solid).", PNG: hist},
		{Name: "vbd_map.png", Caption: "Apparent breakdown voltage of every cell of the region.", PNG: hm},
	}, nil
}

// normalPDF returns the density of N(mu, sd).
func normalPDF(mu, sd float64) func(float64) float64 {
	return func(x float64) float64 { return normPDF((x-mu)/sd) / sd }
}
