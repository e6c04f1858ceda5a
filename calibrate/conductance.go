package calibrate

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"gonum.org/v1/gonum/stat"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// ConductanceConfig configures the conductance map of a formed region and
// the set/reset test that finds stuck cells. A Rows×Cols block of
// pristine cells is read, formed with one Form pulse (the paper's way of
// making random weights, random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023), read (the conductance map), then
// the cells that did not form get one stronger Reform pulse, then the
// whole block is reset, read, set and read again. A cell is
//
//   - stuck_hrs when it reads below FormedG even after the Reform pulse
//     (it never forms);
//   - stuck_lrs when it is formed but the Reset pulse does not lower its
//     conductance Ratio-fold (it does not switch off; this includes cells
//     born conducting);
//   - set_fail when it resets but the Set pulse does not raise its
//     conductance Ratio-fold (stuck at HRS after cycling);
//   - ok otherwise.
//
// Reset and Set default to 4 σ beyond the base's mean thresholds, so a
// healthy cell of a device like the base switches with probability
// Φ(4)² ≈ 0.99994.
type ConductanceConfig struct {
	// Rows and Cols default to 64 (assumption: 4096 cells resolve a
	// stuck rate of 10⁻³, lin2025's, to ±0.5·10⁻³ and the formed mean to
	// σ/64).
	Rows      int           `json:"rows"`
	Cols      int           `json:"cols"`
	FormV     units.Volts   `json:"form_v"`       // default DefaultForming of the base: VbdMean + 4·VbdStd
	FormWidth units.Seconds `json:"form_width_s"` // default RefWidth
	Gate      units.Volts   `json:"gate_v"`       // default GateRef (the gate the formed statistics are quoted at)
	// ReformV and ReformW default to min(MaxFormV, VbdMean + 8·VbdStd)
	// and 10·RefWidth (within MaxWidth): the strongest pulse the limits
	// allow, so a cell that still does not form is stuck (closed form: a
	// normal cell escapes it with probability < 10⁻¹⁵).
	ReformV    units.Volts   `json:"reform_v"`
	ReformW    units.Seconds `json:"reform_width_s"`
	ResetV     units.Volts   `json:"reset_v"` // default VResetMean + 4σ, within MaxResetV
	SetV       units.Volts   `json:"set_v"`   // default VSetMean + 4σ, within MaxSetV
	PulseWidth units.Seconds `json:"switch_width_s"`
	// Ratio is the on/off ratio a switching event must show; default 2
	// (assumption: far inside lin2025's ≈ 14, so that a cell whose LRS is
	// 3 σ low and whose HRS is 3 σ high still counts as switching, while a
	// cell that does not switch changes by read noise only).
	Ratio   float64       `json:"ratio"`
	FormedG units.Siemens `json:"formed_g_s"` // default the base's FormedThreshold
}

// Name implements Experiment.
func (ConductanceConfig) Name() string { return "conductance" }

// Shape implements Experiment.
func (c ConductanceConfig) Shape() (int, int) { return c.Rows, c.Cols }

func (c ConductanceConfig) resolve(base crossbar.Params) ConductanceConfig {
	c.Rows = or(c.Rows, 64)
	c.Cols = or(c.Cols, 64)
	c.FormV = or(c.FormV, crossbar.DefaultForming(base).Amplitude)
	c.FormWidth = or(c.FormWidth, base.RefWidth)
	c.Gate = or(c.Gate, base.GateRef)
	c.ReformV = or(c.ReformV, min(base.MaxFormV, base.VbdMean+8*base.VbdStd))
	c.ReformW = or(c.ReformW, min(base.MaxWidth, 10*base.RefWidth))
	c.ResetV = or(c.ResetV, min(base.MaxResetV, base.VResetMean+4*units.Volts(math.Hypot(float64(base.VResetStd), float64(base.VResetC2C)))))
	c.SetV = or(c.SetV, min(base.MaxSetV, base.VSetMean+4*units.Volts(math.Hypot(float64(base.VSetStd), float64(base.VSetC2C)))))
	c.PulseWidth = or(c.PulseWidth, base.RefWidth)
	c.Ratio = or(c.Ratio, 2)
	c.FormedG = or(c.FormedG, base.FormedThreshold)
	return c
}

func (c ConductanceConfig) validate() error {
	if c.Ratio <= 1 {
		return fmt.Errorf("calibrate: conductance: ratio %g must exceed 1", c.Ratio)
	}
	return nil
}

func (c ConductanceConfig) progressTotal() int { return 5 }

func (c ConductanceConfig) pulses() (form, reform, reset, set crossbar.Pulse) {
	return pulseOf(crossbar.Form, c.FormV, c.FormWidth, c.Gate),
		pulseOf(crossbar.Form, c.ReformV, c.ReformW, c.Gate),
		pulseOf(crossbar.Reset, c.ResetV, c.PulseWidth, c.Gate),
		pulseOf(crossbar.Set, c.SetV, c.PulseWidth, c.Gate)
}

// Plan implements Experiment.
func (c ConductanceConfig) Plan(r crossbar.Region) []Step {
	form, reform, reset, set := c.pulses()
	return []Step{
		{Op: OpRead, Region: r, Repeat: 1, Note: "pristine"},
		{Op: OpProgram, Region: r, Pulse: form, Repeat: 1, Note: "form the region"},
		{Op: OpRead, Region: r, Repeat: 1, Note: "conductance map"},
		{Op: OpProgram, Region: r, Pulse: reform, Repeat: 1, Adaptive: true, Note: "cells that did not form"},
		{Op: OpRead, Region: r, Repeat: 1},
		{Op: OpProgram, Region: r, Pulse: reset, Repeat: 1, Note: "set/reset test: reset"},
		{Op: OpRead, Region: r, Repeat: 1},
		{Op: OpProgram, Region: r, Pulse: set, Repeat: 1, Note: "set/reset test: set"},
		{Op: OpRead, Region: r, Repeat: 1},
	}
}

var condCells = schema{
	{"row", series.Int}, {"col", series.Int},
	{"g_pristine_us", series.Float}, {"g_formed_us", series.Float}, {"g_reformed_us", series.Float},
	{"g_reset_us", series.Float}, {"g_set_us", series.Float}, {"class", series.String},
}

func (ConductanceConfig) tables() map[string]schema { return map[string]schema{"cells": condCells} }

// Cell classes of the set/reset test.
const (
	classOK       = "ok"
	classStuckLRS = "stuck_lrs"
	classStuckHRS = "stuck_hrs"
	classSetFail  = "set_fail"
)

var classNames = []string{classOK, classStuckLRS, classStuckHRS, classSetFail}

func (c ConductanceConfig) run(ctx context.Context, s *session, r crossbar.Region, _ uint64) (map[string]dataframe.DataFrame, error) {
	n := r.Cells()
	buf := make([]units.Siemens, n)
	form, reform, reset, set := c.pulses()
	formedUS := c.FormedG.Micro()
	g0, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	if err := s.program(ctx, r, form); err != nil {
		return nil, err
	}
	g1, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	s.bar.Add(1)
	mask := make([]bool, n)
	for i, g := range g1 {
		mask[i] = g <= formedUS
	}
	if err := s.programMask(ctx, r, mask, reform); err != nil {
		return nil, err
	}
	g2, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	s.bar.Add(1)
	if err := s.program(ctx, r, reset); err != nil {
		return nil, err
	}
	g3, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	s.bar.Add(1)
	if err := s.program(ctx, r, set); err != nil {
		return nil, err
	}
	g4, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	s.bar.Add(2)
	rows, cols, class := make([]int, n), make([]int, n), make([]string, n)
	for i := range n {
		rows[i], cols[i] = r.Row+i/r.Cols, r.Col+i%r.Cols
		switch {
		case !(g2[i] > formedUS):
			class[i] = classStuckHRS
		case !(g3[i]*c.Ratio <= g2[i]):
			class[i] = classStuckLRS
		case !(g4[i] >= c.Ratio*g3[i] && g4[i] > formedUS):
			class[i] = classSetFail
		default:
			class[i] = classOK
		}
	}
	return map[string]dataframe.DataFrame{"cells": frame(condCells, rows, cols, g0, g1, g2, g3, g4, class)}, nil
}

// ConductanceAnalysis is the conductance experiment's result.
type ConductanceAnalysis struct {
	Cells          int     `json:"cells"`
	Formed         int     `json:"formed"` // read above FormedG after the one Form pulse
	FormedFraction float64 `json:"formed_fraction"`
	// Dist fits the formed conductances of the ok cells (µS): normal
	// versus log-normal by AIC.
	Dist DistFit `json:"dist_us"`
	// Quantum is the step of the read values (the ADC LSB in µS), 0 when
	// the reads are not visibly quantised.
	Quantum float64 `json:"quantum_us"`

	Counts       map[string]int `json:"counts"` // by class
	StuckLRSRate float64        `json:"stuck_lrs_rate"`
	StuckHRSRate float64        `json:"stuck_hrs_rate"` // stuck_hrs and set_fail cells

	// HRS after the reset (ok cells): the median and the log-normal spread
	// from the interquartile range, σ = ln(Q75/Q25)/1.349 (robust to reads
	// that quantise to zero at the low end).
	HRSMedian float64 `json:"hrs_median_us"`
	HRSSpread float64 `json:"hrs_spread"`
	// SetMean is the mean conductance after the set (ok cells, µS).
	SetMean float64 `json:"set_mean_us"`
	// FormSetCorr is the correlation of a cell's conductance after forming
	// and after the set (ok cells). In the model the two share the
	// device-to-device part of the variance, so it estimates D2DFraction
	// (attenuated by read noise; Fit corrects that).
	FormSetCorr float64 `json:"form_set_corr"`
}

// Summary implements Analysis.
func (a *ConductanceAnalysis) Summary() []Quantity {
	return []Quantity{
		{Name: "cells", Value: float64(a.Cells)},
		{Name: "formed fraction after one pulse", Value: a.FormedFraction},
		{Name: "formed conductance, mean", Value: a.Dist.Normal.Mean, Unit: "µS", Note: "ok cells"},
		{Name: "formed conductance, std", Value: a.Dist.Normal.Std, Unit: "µS", Note: "as read (includes read noise)"},
		{Name: "KS distance to normal", Value: a.Dist.Normal.KS},
		{Name: "KS distance to log-normal", Value: a.Dist.LogNormalKS},
		{Name: "AIC normal − AIC log-normal", Value: a.Dist.AICNormal - a.Dist.AICLogNormal, Note: "best: " + a.Dist.Best},
		{Name: "stuck at LRS (does not reset)", Value: float64(a.Counts[classStuckLRS]), Note: fmt.Sprintf("rate %.4g", a.StuckLRSRate)},
		{Name: "stuck at HRS (never forms)", Value: float64(a.Counts[classStuckHRS])},
		{Name: "set failures (reset but will not set)", Value: float64(a.Counts[classSetFail])},
		{Name: "stuck-HRS rate (never forms or sets)", Value: a.StuckHRSRate},
		{Name: "HRS median after reset", Value: a.HRSMedian, Unit: "µS"},
		{Name: "HRS log-normal spread", Value: a.HRSSpread},
		{Name: "correlation of G after forming and after set", Value: a.FormSetCorr},
		{Name: "read quantum (ADC LSB)", Value: a.Quantum, Unit: "µS"},
	}
}

// AnalyzeConductance analyses a conductance experiment's cells table.
func AnalyzeConductance(c ConductanceConfig, cells dataframe.DataFrame) (*ConductanceAnalysis, error) {
	g1, g3, g4 := floats(cells, "g_formed_us"), floats(cells, "g_reset_us"), floats(cells, "g_set_us")
	class := strs(cells, "class")
	formedUS := c.FormedG.Micro()
	a := &ConductanceAnalysis{Cells: len(g1), Counts: map[string]int{}}
	var okG, hrs, set1, set4 []float64
	for i := range g1 {
		a.Counts[class[i]]++
		if g1[i] > formedUS {
			a.Formed++
		}
		switch class[i] {
		case classOK:
			if g1[i] > formedUS {
				okG = append(okG, g1[i])
				set1 = append(set1, g1[i])
				set4 = append(set4, g4[i])
			}
			hrs = append(hrs, g3[i])
		case classStuckLRS, classStuckHRS, classSetFail:
		default:
			return nil, fmt.Errorf("calibrate: conductance: cell %d has unknown class %q", i, class[i])
		}
	}
	if a.Cells == 0 {
		return nil, errors.New("calibrate: conductance: no cells")
	}
	a.FormedFraction = float64(a.Formed) / float64(a.Cells)
	a.StuckLRSRate = float64(a.Counts[classStuckLRS]) / float64(a.Cells)
	a.StuckHRSRate = float64(a.Counts[classStuckHRS]+a.Counts[classSetFail]) / float64(a.Cells)
	all := append(append(append([]float64{}, g1...), g3...), g4...)
	a.Quantum = quantum(all)
	if len(okG) < 10 {
		return a, fmt.Errorf("calibrate: conductance: only %d healthy formed cells", len(okG))
	}
	a.Dist = fitNormalOrLogNormal(okG)
	if len(hrs) >= 4 {
		a.HRSMedian = median(hrs)
		q25, q75 := quantile(hrs, 0.25), quantile(hrs, 0.75)
		if q25 > 0 {
			a.HRSSpread = math.Log(q75/q25) / (2 * normQuantile(0.75))
		}
	}
	a.SetMean = stat.Mean(set4, nil)
	a.FormSetCorr = stat.Correlation(set1, set4, nil)
	return a, nil
}

func (c ConductanceConfig) analyze(res *Result) (Analysis, error) {
	return AnalyzeConductance(c, res.Tables["cells"])
}

func (c ConductanceConfig) figures(res *Result) ([]Figure, error) {
	a, ok := res.Analysis.(*ConductanceAnalysis)
	if !ok {
		return nil, errors.New("calibrate: conductance: no analysis to plot")
	}
	cells := res.Tables["cells"]
	g1, class := floats(cells, "g_formed_us"), strs(cells, "class")
	formedUS := c.FormedG.Micro()
	var okG []float64
	for i := range g1 {
		if class[i] == classOK && g1[i] > formedUS {
			okG = append(okG, g1[i])
		}
	}
	d := a.Dist
	lo := math.Max(0, d.Normal.Mean-5*d.Normal.Std)
	bw := math.Max(d.Normal.Std/4, a.Quantum)
	if !(bw > 0) {
		bw = 0.5
	}
	if a.Quantum > 0 {
		bw = math.Max(1, math.Round(bw/a.Quantum)) * a.Quantum // whole ADC steps: no empty bins
		lo = math.Floor(lo/a.Quantum)*a.Quantum - a.Quantum/2
	}
	hist, err := histFigure(fmt.Sprintf("Formed conductances of %d healthy cells (formed fraction %.4f)", len(okG), a.FormedFraction),
		"conductance (µS)", okG, lo, d.Normal.Mean+5*d.Normal.Std, bw, fmt.Sprintf("measured after one %v × %v pulse, gate %v", c.FormV, c.FormWidth, c.Gate),
		curve{label: fmt.Sprintf("normal N(%.3f, %.3f), AIC %.1f", d.Normal.Mean, d.Normal.Std, d.AICNormal),
			f: normalPDF(d.Normal.Mean, d.Normal.Std), colour: colBlue},
		curve{label: fmt.Sprintf("log-normal (ln µ %.3f, σ %.3f), AIC %.1f", d.LogMean, d.LogStd, d.AICLogNormal),
			f: func(x float64) float64 {
				if x <= 0 {
					return 0
				}
				return normPDF((math.Log(x)-d.LogMean)/d.LogStd) / (d.LogStd * x)
			}, colour: colRed, dashed: true})
	if err != nil {
		return nil, err
	}
	r := res.Region
	gm := grid{rows: r.Rows, cols: r.Cols, r0: r.Row, c0: r.Col, v: make([]float64, r.Cells())}
	cm := grid{rows: r.Rows, cols: r.Cols, r0: r.Row, c0: r.Col, v: make([]float64, r.Cells())}
	counts := make([]int, len(classNames))
	for i := range gm.v {
		gm.v[i] = math.NaN()
		if g1[i] > formedUS {
			gm.v[i] = g1[i]
		}
		for k, n := range classNames {
			if class[i] == n {
				cm.v[i] = float64(k)
				counts[k]++
			}
		}
	}
	hm, err := heatFigure("Conductance after one forming pulse (grey: not formed)", "µS", gm)
	if err != nil {
		return nil, err
	}
	cols := []color.Color{color.RGBA{225, 235, 245, 255}, colRed, color.RGBA{40, 40, 120, 255}, colPurple}
	sm, err := categoryFigure(fmt.Sprintf("Stuck-cell map (set/reset test, ratio %g)", c.Ratio), cm, classNames, cols, counts)
	if err != nil {
		return nil, err
	}
	return []Figure{
		{Name: "g_hist.png", PNG: hist, Caption: "Histogram of the formed conductances with the maximum-likelihood normal and log-normal fits; the lower AIC is preferred."},
		{Name: "g_map.png", PNG: hm, Caption: "Conductance of every cell right after the forming pulse."},
		{Name: "stuck_map.png", PNG: sm, Caption: "Cells classified by the set/reset test: ok, stuck at LRS (will not reset), stuck at HRS (never forms), set failure."},
	}, nil
}
