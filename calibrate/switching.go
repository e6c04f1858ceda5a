package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// SwitchConfig configures the switching-probability experiment: for every
// (mode, width, amplitude) point a row of CellsPerPoint fresh cells gets
// exactly one pulse, and the fraction that switched estimates P_switch at
// that amplitude and width.
//
// Mode "form" pulses pristine cells (switched: formed, reading above
// FormedG); it measures the one-pulse breakdown-voltage distribution with
// no cumulative stress, and with two or more widths its acceleration
// (FormAccel). Mode "set" first forms and resets its cells (PrepForm and
// PrepReset pulses on the whole block), then gives each cell one SET
// pulse (switched: its conductance rose at least Ratio-fold).
type SwitchConfig struct {
	Modes  []string        `json:"modes"`    // default form, set
	Widths []units.Seconds `json:"widths_s"` // default RefWidth and 10·RefWidth of the base (assumption: one decade moves V50 by A·ln 10 ≈ 2 σ for lin2025)
	// Points amplitudes per (mode, width) over ±Span σ of the base's
	// threshold, CellsPerPoint cells each; defaults 25, 3 and 64
	// (assumption: 1600 cells per curve give V50 to ≈ σ/50 and reach
	// P ≈ 0.001 and 0.999 at the ends).
	Points        int         `json:"points"`
	Span          float64     `json:"span_sigma"`
	CellsPerPoint int         `json:"cells_per_point"`
	Gate          units.Volts `json:"gate_v"` // default GateRef
	// Grids are the amplitude grids, one per (mode, width). Default: Points
	// amplitudes spanning ±Span σ around the base's expected 50 % point at
	// that width (VbdMean − FormAccel·ln(w/RefWidth), or VSetMean −
	// SwitchAccel·ln(w/RefWidth) with σ² = VSetStd² + VSetC2C²), in mV.
	Grids     []SwitchGrid  `json:"grids"`
	PrepForm  units.Volts   `json:"prep_form_v"`  // set mode: forming amplitude; default DefaultForming of the base
	PrepReset units.Volts   `json:"prep_reset_v"` // set mode: reset amplitude; default VResetMean + 4σ of the base, within MaxResetV
	PrepWidth units.Seconds `json:"prep_width_s"` // default RefWidth
	Ratio     float64       `json:"ratio"`        // set mode: switched when G rose ≥ Ratio-fold (and reads above FormedG), reset when it fell ≥ Ratio-fold; default 2 (see ConductanceConfig.Ratio)
	FormedG   units.Siemens `json:"formed_g_s"`   // form mode: switched when G > FormedG; default the base's FormedThreshold
	RefWidth  units.Seconds `json:"ref_width_s"`  // the width at which V50 is quoted; default the base's RefWidth
}

// SwitchGrid is the amplitude grid of one (mode, width).
type SwitchGrid struct {
	Mode       string        `json:"mode"`
	Width      units.Seconds `json:"width_s"`
	Amplitudes []units.Volts `json:"amplitudes_v"`
}

// Name implements Experiment.
func (SwitchConfig) Name() string { return "switch" }

// Shape implements Experiment: one row per point.
func (c SwitchConfig) Shape() (int, int) {
	n := 0
	for _, g := range c.Grids {
		n += len(g.Amplitudes)
	}
	return n, c.CellsPerPoint
}

func (c SwitchConfig) resolve(base crossbar.Params) SwitchConfig {
	if len(c.Modes) == 0 {
		c.Modes = []string{"form", "set"}
	}
	if len(c.Widths) == 0 {
		c.Widths = []units.Seconds{base.RefWidth, 10 * base.RefWidth}
	}
	c.Points = or(c.Points, 25)
	c.Span = or(c.Span, 3)
	c.CellsPerPoint = or(c.CellsPerPoint, 64)
	c.Gate = or(c.Gate, base.GateRef)
	c.RefWidth = or(c.RefWidth, base.RefWidth)
	c.PrepForm = or(c.PrepForm, crossbar.DefaultForming(base).Amplitude)
	c.PrepReset = or(c.PrepReset, min(base.MaxResetV, base.VResetMean+4*units.Volts(math.Hypot(float64(base.VResetStd), float64(base.VResetC2C)))))
	c.PrepWidth = or(c.PrepWidth, base.RefWidth)
	c.Ratio = or(c.Ratio, 2)
	c.FormedG = or(c.FormedG, base.FormedThreshold)
	if len(c.Grids) == 0 {
		for _, m := range c.Modes {
			for _, w := range c.Widths {
				lw := math.Log(float64(w / c.RefWidth))
				var mid, sd float64
				switch m {
				case "form":
					mid, sd = float64(base.VbdMean)-float64(base.FormAccel)*lw, float64(base.VbdStd)
				default:
					mid, sd = float64(base.VSetMean)-float64(base.SwitchAccel)*lw, math.Hypot(float64(base.VSetStd), float64(base.VSetC2C))
				}
				g := SwitchGrid{Mode: m, Width: w}
				for i := range c.Points {
					f := 0.0
					if c.Points > 1 {
						f = 2*float64(i)/float64(c.Points-1) - 1
					}
					g.Amplitudes = append(g.Amplitudes, units.Volts(math.Round((mid+f*c.Span*sd)*1000)/1000))
				}
				c.Grids = append(c.Grids, g)
			}
		}
	}
	return c
}

func (c SwitchConfig) validate() error {
	if c.Ratio <= 1 {
		return fmt.Errorf("calibrate: switch: ratio %g must exceed 1", c.Ratio)
	}
	for _, g := range c.Grids {
		if g.Mode != "form" && g.Mode != "set" {
			return fmt.Errorf("calibrate: switch: mode %q (want form or set)", g.Mode)
		}
		if !(g.Width > 0) || len(g.Amplitudes) < 2 {
			return fmt.Errorf("calibrate: switch: %s grid at %v needs a positive width and two or more amplitudes", g.Mode, g.Width)
		}
	}
	return nil
}

func (c SwitchConfig) progressTotal() int { r, _ := c.Shape(); return r }

// point is one (mode, width, amplitude) of the experiment and its row.
type switchPoint struct {
	mode  string
	width units.Seconds
	amp   units.Volts
	row   int // row offset inside the band
}

// layout assigns each point a row: the points of a mode take a contiguous
// block of rows (so a set block is prepared with one pulse), shuffled
// inside the block with a PCG seeded by seed, so that amplitude is not
// confounded with position on the array.
func (c SwitchConfig) layout(seed uint64) []switchPoint {
	var out []switchPoint
	row := 0
	for _, m := range []string{"form", "set"} {
		var pts []switchPoint
		for _, g := range c.Grids {
			if g.Mode != m {
				continue
			}
			for _, a := range g.Amplitudes {
				pts = append(pts, switchPoint{mode: m, width: g.Width, amp: a})
			}
		}
		perm := rand.New(rand.NewPCG(seed, 0x5357_4954_4348)).Perm(len(pts)) // "SWITCH"
		for i, p := range perm {
			pts[p].row = row + i
		}
		row += len(pts)
		out = append(out, pts...)
	}
	return out
}

// modeBlock returns the rows [lo, hi) of mode m inside the band.
func modeBlock(pts []switchPoint, m string) (lo, hi int) {
	lo, hi = math.MaxInt, -1
	for _, p := range pts {
		if p.mode == m {
			lo, hi = min(lo, p.row), max(hi, p.row+1)
		}
	}
	if hi < 0 {
		return 0, 0
	}
	return lo, hi
}

// Plan implements Experiment.
func (c SwitchConfig) Plan(r crossbar.Region) []Step {
	pts := c.layout(0)
	steps := []Step{{Op: OpRead, Region: r, Repeat: 1, Note: "before: pristine state"}}
	if lo, hi := modeBlock(pts, "set"); hi > lo {
		blk := crossbar.Region{Row: r.Row + lo, Col: r.Col, Rows: hi - lo, Cols: r.Cols}
		steps = append(steps,
			Step{Op: OpProgram, Region: blk, Pulse: pulseOf(crossbar.Form, c.PrepForm, c.PrepWidth, c.Gate), Repeat: 1, Note: "set block: form"},
			Step{Op: OpRead, Region: blk, Repeat: 1},
			Step{Op: OpProgram, Region: blk, Pulse: pulseOf(crossbar.Reset, c.PrepReset, c.PrepWidth, c.Gate), Repeat: 1, Note: "set block: reset"},
			Step{Op: OpRead, Region: blk, Repeat: 1})
	}
	for _, p := range pts {
		m := crossbar.Form
		if p.mode == "set" {
			m = crossbar.Set
		}
		steps = append(steps, Step{Op: OpProgram, Region: crossbar.Region{Row: r.Row + p.row, Col: r.Col, Rows: 1, Cols: r.Cols},
			Pulse: pulseOf(m, p.amp, p.width, c.Gate), Repeat: 1, Note: "one pulse per fresh cell; row from a seeded shuffle"})
	}
	return append(steps, Step{Op: OpRead, Region: r, Repeat: 1, Note: "after"})
}

var switchCells = schema{
	{"row", series.Int}, {"col", series.Int}, {"mode", series.String}, {"width_s", series.Float}, {"amplitude_v", series.Float},
	{"g_before_us", series.Float}, {"g_after_us", series.Float}, {"excluded", series.Int}, {"switched", series.Int},
}

func (SwitchConfig) tables() map[string]schema { return map[string]schema{"cells": switchCells} }

func (c SwitchConfig) run(ctx context.Context, s *session, r crossbar.Region, seed uint64) (map[string]dataframe.DataFrame, error) {
	pts := c.layout(seed)
	n := r.Cells()
	buf := make([]units.Siemens, n)
	before, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	excluded := make([]int, n)
	formedUS := c.FormedG.Micro()
	// Form block: a cell already conducting is not a fresh cell.
	if lo, hi := modeBlock(pts, "form"); hi > lo {
		for i := lo * r.Cols; i < hi*r.Cols; i++ {
			if before[i] > formedUS {
				excluded[i] = 1
			}
		}
	}
	// Set block: form, reset, and keep the cells that did both.
	if lo, hi := modeBlock(pts, "set"); hi > lo {
		blk := crossbar.Region{Row: r.Row + lo, Col: r.Col, Rows: hi - lo, Cols: r.Cols}
		if err := s.program(ctx, blk, pulseOf(crossbar.Form, c.PrepForm, c.PrepWidth, c.Gate)); err != nil {
			return nil, err
		}
		formed, err := s.readMicro(ctx, blk, buf[:blk.Cells()])
		if err != nil {
			return nil, err
		}
		if err := s.program(ctx, blk, pulseOf(crossbar.Reset, c.PrepReset, c.PrepWidth, c.Gate)); err != nil {
			return nil, err
		}
		reset, err := s.readMicro(ctx, blk, buf[:blk.Cells()])
		if err != nil {
			return nil, err
		}
		for q := range reset {
			i := lo*r.Cols + q
			before[i] = reset[q]
			if !(formed[q] > formedUS && reset[q]*c.Ratio <= formed[q]) {
				excluded[i] = 1
			}
		}
	}
	for _, p := range pts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("calibrate: switch: %w", err)
		}
		m := crossbar.Form
		if p.mode == "set" {
			m = crossbar.Set
		}
		row := crossbar.Region{Row: r.Row + p.row, Col: r.Col, Rows: 1, Cols: r.Cols}
		if err := s.program(ctx, row, pulseOf(m, p.amp, p.width, c.Gate)); err != nil {
			return nil, err
		}
		s.bar.Add(1)
	}
	after, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	rows, cols, switched := make([]int, n), make([]int, n), make([]int, n)
	modes, widths, amps := make([]string, n), make([]float64, n), make([]float64, n)
	for _, p := range pts {
		for j := range r.Cols {
			i := p.row*r.Cols + j
			rows[i], cols[i] = r.Row+p.row, r.Col+j
			modes[i], widths[i], amps[i] = p.mode, float64(p.width), float64(p.amp)
			if p.mode == "form" {
				switched[i] = b2i(after[i] > formedUS)
			} else {
				switched[i] = b2i(after[i] >= c.Ratio*before[i] && after[i] > formedUS)
			}
		}
	}
	return map[string]dataframe.DataFrame{"cells": frame(switchCells, rows, cols, modes, widths, amps, before, after, excluded, switched)}, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SwitchPoint is the switched fraction at one amplitude.
type SwitchPoint struct {
	Amplitude float64 `json:"amplitude_v"`
	N         int     `json:"n"`        // fresh cells pulsed (excluded cells left out)
	K         int     `json:"switched"` //
	P         float64 `json:"p"`
	Lo        float64 `json:"p_lo"` // 95 % Wilson interval
	Hi        float64 `json:"p_hi"`
}

// SwitchCurve is P_switch(V) at one (mode, width) with its probit fit.
type SwitchCurve struct {
	Mode   string        `json:"mode"`
	Width  float64       `json:"width_s"`
	Points []SwitchPoint `json:"points"`
	Fit    ProbitFit     `json:"fit"`
	FitErr string        `json:"fit_error,omitempty"`
}

// SwitchMode is the width dependence of one mode: V50(w) = V50Ref −
// Accel·ln(w/RefWidth), the model's law for both forming (Accel =
// FormAccel) and SET (Accel = SwitchAccel), fitted by weighted least
// squares to the curves' V50 (weights 1/SE²).
type SwitchMode struct {
	Mode     string  `json:"mode"`
	Widths   int     `json:"widths"`     // curves with a fit
	V50Ref   float64 `json:"v50_ref_v"`  // at RefWidth
	V50RefSE float64 `json:"v50_ref_se"` //
	Accel    float64 `json:"accel_v"`    // NaN with one width
	AccelSE  float64 `json:"accel_se_v"` //
	Sigma    float64 `json:"sigma_v"`    // inverse-variance weighted mean of the curves' σ
	SigmaSE  float64 `json:"sigma_se_v"`
}

// SwitchAnalysis is the switching experiment's result.
type SwitchAnalysis struct {
	RefWidth float64       `json:"ref_width_s"`
	Curves   []SwitchCurve `json:"curves"`
	Modes    []SwitchMode  `json:"modes"`
	Excluded int           `json:"excluded"`
}

// Summary implements Analysis.
func (a *SwitchAnalysis) Summary() []Quantity {
	var q []Quantity
	for _, c := range a.Curves {
		if c.FitErr != "" {
			q = append(q, Quantity{Name: fmt.Sprintf("%s at %v", c.Mode, units.Seconds(c.Width)), Value: math.NaN(), Note: c.FitErr})
			continue
		}
		q = append(q,
			Quantity{Name: fmt.Sprintf("%s at %v: V50", c.Mode, units.Seconds(c.Width)), Value: c.Fit.V50, Unit: "V",
				Note: fmt.Sprintf("95 %% CI [%.4f, %.4f] V", c.Fit.V50Lo, c.Fit.V50Hi)},
			Quantity{Name: fmt.Sprintf("%s at %v: σ", c.Mode, units.Seconds(c.Width)), Value: c.Fit.Sigma, Unit: "V",
				Note: fmt.Sprintf("± %.3g (SE)", c.Fit.SigmaSE)})
	}
	for _, m := range a.Modes {
		q = append(q,
			Quantity{Name: m.Mode + ": V50 at the reference width", Value: m.V50Ref, Unit: "V", Note: fmt.Sprintf("± %.3g (SE)", m.V50RefSE)},
			Quantity{Name: m.Mode + ": threshold lowering per e-fold of width", Value: m.Accel, Unit: "V", Note: fmt.Sprintf("± %.3g (SE)", m.AccelSE)},
			Quantity{Name: m.Mode + ": σ (pooled)", Value: m.Sigma, Unit: "V"})
	}
	return append(q, Quantity{Name: "cells excluded (not fresh / prep failed)", Value: float64(a.Excluded)})
}

// Mode returns the width dependence of mode m, if it was measured.
func (a *SwitchAnalysis) Mode(m string) (SwitchMode, bool) {
	for _, x := range a.Modes {
		if x.Mode == m {
			return x, true
		}
	}
	return SwitchMode{}, false
}

// AnalyzeSwitch analyses a switching experiment's cells table.
func AnalyzeSwitch(c SwitchConfig, cells dataframe.DataFrame) (*SwitchAnalysis, error) {
	a := &SwitchAnalysis{RefWidth: float64(c.RefWidth)}
	modes, widths, amps := strs(cells, "mode"), floats(cells, "width_s"), floats(cells, "amplitude_v")
	excl, sw := ints(cells, "excluded"), ints(cells, "switched")
	type key struct {
		mode string
		w    float64
	}
	type ptKey struct {
		key
		v float64
	}
	var order []key
	pts := map[ptKey]*SwitchPoint{}
	for i := range modes {
		if excl[i] != 0 {
			a.Excluded++
			continue
		}
		k := key{modes[i], widths[i]}
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
		pk := ptKey{k, amps[i]}
		p := pts[pk]
		if p == nil {
			p = &SwitchPoint{Amplitude: amps[i]}
			pts[pk] = p
		}
		p.N++
		p.K += sw[i]
	}
	slices.SortFunc(order, func(x, y key) int {
		if x.mode != y.mode {
			return cmpString(x.mode, y.mode)
		}
		return cmpFloat(x.w, y.w)
	})
	for _, k := range order {
		cv := SwitchCurve{Mode: k.mode, Width: k.w}
		for pk, p := range pts {
			if pk.key == k {
				p.P = float64(p.K) / float64(p.N)
				p.Lo, p.Hi = wilson(p.K, p.N)
				cv.Points = append(cv.Points, *p)
			}
		}
		slices.SortFunc(cv.Points, func(x, y SwitchPoint) int { return cmpFloat(x.Amplitude, y.Amplitude) })
		v, n, kk := make([]float64, len(cv.Points)), make([]int, len(cv.Points)), make([]int, len(cv.Points))
		for i, p := range cv.Points {
			v[i], n[i], kk[i] = p.Amplitude, p.N, p.K
		}
		f, err := fitProbit(v, n, kk)
		cv.Fit = f
		if err != nil {
			cv.FitErr = fmt.Sprintf("%s at %v: %v", k.mode, units.Seconds(k.w), err)
		}
		a.Curves = append(a.Curves, cv)
	}
	for _, m := range []string{"form", "set"} {
		var x, y, wt, sig, sigW []float64
		for _, cv := range a.Curves {
			if cv.Mode != m || cv.FitErr != "" || !(cv.Fit.V50SE > 0) {
				continue
			}
			x = append(x, math.Log(cv.Width/float64(c.RefWidth)))
			y = append(y, cv.Fit.V50)
			wt = append(wt, 1/(cv.Fit.V50SE*cv.Fit.V50SE))
			if cv.Fit.SigmaSE > 0 {
				sig = append(sig, cv.Fit.Sigma)
				sigW = append(sigW, 1/(cv.Fit.SigmaSE*cv.Fit.SigmaSE))
			}
		}
		if len(x) == 0 {
			continue
		}
		sm := SwitchMode{Mode: m, Widths: len(x), Accel: math.NaN(), AccelSE: math.NaN()}
		sm.Sigma, sm.SigmaSE = weightedMean(sig, sigW)
		if len(x) == 1 {
			if x[0] == 0 {
				sm.V50Ref, sm.V50RefSE = y[0], 1/math.Sqrt(wt[0])
			} else {
				sm.V50Ref, sm.V50RefSE = math.NaN(), math.NaN()
			}
		} else {
			b0, b1, se0, se1 := weightedLine(x, y, wt)
			sm.V50Ref, sm.V50RefSE, sm.Accel, sm.AccelSE = b0, se0, -b1, se1
		}
		a.Modes = append(a.Modes, sm)
	}
	return a, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// weightedMean returns Σwx/Σw and its standard error 1/√Σw.
func weightedMean(x, w []float64) (float64, float64) {
	var sw, swx float64
	for i := range x {
		sw += w[i]
		swx += w[i] * x[i]
	}
	if sw == 0 {
		return math.NaN(), math.NaN()
	}
	return swx / sw, 1 / math.Sqrt(sw)
}

// weightedLine fits y = b0 + b1·x by weighted least squares with known
// variances 1/w (closed form) and returns the coefficients and their
// standard errors.
func weightedLine(x, y, w []float64) (b0, b1, se0, se1 float64) {
	var sw, sx, sy, sxx, sxy float64
	for i := range x {
		sw += w[i]
		sx += w[i] * x[i]
		sy += w[i] * y[i]
		sxx += w[i] * x[i] * x[i]
		sxy += w[i] * x[i] * y[i]
	}
	d := sw*sxx - sx*sx
	if d == 0 {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	b1 = (sw*sxy - sx*sy) / d
	b0 = (sy - b1*sx) / sw
	return b0, b1, math.Sqrt(sxx / d), math.Sqrt(sw / d)
}

func (c SwitchConfig) analyze(res *Result) (Analysis, error) {
	return AnalyzeSwitch(c, res.Tables["cells"])
}

func (c SwitchConfig) figures(res *Result) ([]Figure, error) {
	a, ok := res.Analysis.(*SwitchAnalysis)
	if !ok {
		return nil, errors.New("calibrate: switch: no analysis to plot")
	}
	var figs []Figure
	for _, m := range []string{"form", "set"} {
		what := map[string]string{"form": "forming of pristine cells", "set": "SET of reset cells"}[m]
		p := newPlot(fmt.Sprintf("Probability of %s: one pulse per cell, %d cells per point", what, c.CellsPerPoint),
			"pulse amplitude (V)", "P(switch)")
		p.Legend.Top, p.Legend.Left = false, false // bottom right: below the curves' upper plateau
		n := 0
		xmin, xmax := math.Inf(1), math.Inf(-1)
		for _, cv := range a.Curves {
			if cv.Mode != m {
				continue
			}
			colour := palette6[n%len(palette6)]
			n++
			d := xyErr{xy: xy{make([]float64, len(cv.Points)), make([]float64, len(cv.Points))},
				lo: make([]float64, len(cv.Points)), hi: make([]float64, len(cv.Points))}
			for i, pt := range cv.Points {
				d.x[i], d.y[i], d.lo[i], d.hi[i] = pt.Amplitude, pt.P, pt.P-pt.Lo, pt.Hi-pt.P
				xmin, xmax = min(xmin, pt.Amplitude), max(xmax, pt.Amplitude)
			}
			label := fmt.Sprintf("%v: measured (95 %% Wilson)", units.Seconds(cv.Width))
			if err := scatter(p, label, d.x, d.y, colour, draw.CircleGlyph{}, vg.Points(3)); err != nil {
				return nil, err
			}
			eb, err := plotter.NewYErrorBars(d)
			if err != nil {
				return nil, fmt.Errorf("calibrate: switch: %w", err)
			}
			eb.Color = colour
			p.Add(eb)
			if cv.FitErr == "" {
				f := cv.Fit
				addCurve(p, curve{label: fmt.Sprintf("%v: Φ fit, V50 = %.3f V [%.3f, %.3f], σ = %.3f V", units.Seconds(cv.Width), f.V50, f.V50Lo, f.V50Hi, f.Sigma),
					f: func(v float64) float64 { return normCDF((v - f.V50) / f.Sigma) }, colour: colour}, xmin, xmax)
			}
		}
		if n == 0 {
			continue
		}
		p.Y.Min, p.Y.Max = -0.02, 1.05
		png, err := render(p)
		if err != nil {
			return nil, err
		}
		figs = append(figs, Figure{Name: "pswitch_" + m + ".png", PNG: png,
			Caption: fmt.Sprintf("Switching probability of %s versus pulse amplitude at each width, with the maximum-likelihood normal-CDF fit and V50 with its 95 %% confidence interval.", what)})
	}
	return figs, nil
}
