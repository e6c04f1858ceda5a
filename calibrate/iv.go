package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// IVConfig configures the I–V sweep of selected cells. crossbar.Array has
// no "apply V to one cell" call: the read path applies fractions x ∈
// [0, 1] of the read voltage through MVM. So the sweep drives one row at a
// time with x = each of Fractions and records every column's current,
// which, with a single row driven, is the current of that row's cell:
// I(x·V_read). V_read comes from the array when it is a
// crossbar.ReadVoltager, else crossbar.DefaultReadVoltage. A fraction
// that is not 0 or 1 is applied bit-serially at the array's input
// resolution (crossbar.Array.MVM), so the sweep also shows what that
// quantisation does to small inputs. Voltages above V_read are out of
// reach by design: the read path never disturbs a cell.
//
// Row 0 of the block is formed (LRS); the other rows are formed and then
// reset (HRS), so both states are swept.
type IVConfig struct {
	// Rows and Cols default to 2 (one LRS row, one HRS row) and 8, and
	// Repeats to 8 (assumption: a handful of curves per state is what a
	// curve tracer shows; 8 repeats cut the scatter of one conversion by
	// √8 ≈ 2.8).
	Rows      int           `json:"rows"`
	Cols      int           `json:"cols"`
	Fractions []float64     `json:"fractions"` // of V_read; default every level of the base's InputBits-bit input (k/15 for 4 bits), or 16 evenly spaced above 4 bits
	Repeats   int           `json:"repeats"`   // MVMs averaged per point
	FormV     units.Volts   `json:"form_v"`    // default DefaultForming of the base
	ResetV    units.Volts   `json:"reset_v"`   // default as ConductanceConfig
	Width     units.Seconds `json:"width_s"`   // default RefWidth
	Gate      units.Volts   `json:"gate_v"`    // default GateRef
}

// Name implements Experiment.
func (IVConfig) Name() string { return "iv" }

// Shape implements Experiment.
func (c IVConfig) Shape() (int, int) { return c.Rows, c.Cols }

func (c IVConfig) resolve(base crossbar.Params) IVConfig {
	c.Rows = or(c.Rows, 2)
	c.Cols = or(c.Cols, 8)
	if len(c.Fractions) == 0 {
		levels := 1<<min(base.InputBits, 16) - 1
		n := min(levels, 16)
		for k := 1; k <= n; k++ {
			c.Fractions = append(c.Fractions, math.Round(float64(k)/float64(n)*float64(levels))/float64(levels))
		}
	}
	c.Repeats = or(c.Repeats, 8)
	c.FormV = or(c.FormV, crossbar.DefaultForming(base).Amplitude)
	c.ResetV = or(c.ResetV, min(base.MaxResetV, base.VResetMean+4*units.Volts(math.Hypot(float64(base.VResetStd), float64(base.VResetC2C)))))
	c.Width = or(c.Width, base.RefWidth)
	c.Gate = or(c.Gate, base.GateRef)
	return c
}

func (c IVConfig) validate() error {
	if len(c.Fractions) < 2 || c.Repeats < 1 {
		return fmt.Errorf("calibrate: iv: want two or more fractions and one or more repeats")
	}
	for _, f := range c.Fractions {
		if !(f > 0 && f <= 1) {
			return fmt.Errorf("calibrate: iv: fraction %g outside (0, 1]", f)
		}
	}
	return nil
}

func (c IVConfig) progressTotal() int { return len(c.Fractions) }

// Plan implements Experiment.
func (c IVConfig) Plan(r crossbar.Region) []Step {
	steps := []Step{{Op: OpProgram, Region: r, Pulse: pulseOf(crossbar.Form, c.FormV, c.Width, c.Gate), Repeat: 1, Note: "form"}}
	if r.Rows > 1 {
		steps = append(steps, Step{Op: OpProgram, Region: crossbar.Region{Row: r.Row + 1, Col: r.Col, Rows: r.Rows - 1, Cols: r.Cols},
			Pulse: pulseOf(crossbar.Reset, c.ResetV, c.Width, c.Gate), Repeat: 1, Note: "reset rows 1…"})
	}
	return append(steps,
		Step{Op: OpRead, Region: r, Repeat: 1, Note: "conductance for comparison"},
		Step{Op: OpMVM, Region: crossbar.Region{Row: r.Row, Col: r.Col, Rows: 1, Cols: r.Cols}, Repeat: r.Rows * len(c.Fractions) * c.Repeats,
			Note: "one row driven at a time, at each fraction of V_read"})
}

var ivPoints = schema{
	{"row", series.Int}, {"col", series.Int}, {"state", series.String}, {"fraction", series.Float}, {"v_v", series.Float},
	{"i_ua", series.Float}, {"i_std_ua", series.Float}, {"g_read_us", series.Float},
}

func (IVConfig) tables() map[string]schema { return map[string]schema{"iv": ivPoints} }

func (c IVConfig) run(ctx context.Context, s *session, r crossbar.Region, _ uint64) (map[string]dataframe.DataFrame, error) {
	if d, ok := s.a.(crossbar.AnalogDiffer); ok && d.AnalogDiff() {
		return nil, fmt.Errorf("calibrate: iv measures every column's current through an MVM; this array subtracts column pairs before the ADC (analog_diff)")
	}
	if err := s.program(ctx, r, pulseOf(crossbar.Form, c.FormV, c.Width, c.Gate)); err != nil {
		return nil, err
	}
	if r.Rows > 1 {
		if err := s.program(ctx, crossbar.Region{Row: r.Row + 1, Col: r.Col, Rows: r.Rows - 1, Cols: r.Cols},
			pulseOf(crossbar.Reset, c.ResetV, c.Width, c.Gate)); err != nil {
			return nil, err
		}
	}
	buf := make([]units.Siemens, r.Cells())
	gread, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	vread := float64(s.vread)
	var rows, cols []int
	var sts []string
	var fr, vv, im, is, gr []float64
	x := []float64{0}
	y := make([]units.Amps, r.Cols)
	acc := make([][]float64, r.Cols)
	for _, f := range c.Fractions {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("calibrate: iv: %w", err)
		}
		for i := range r.Rows {
			row := crossbar.Region{Row: r.Row + i, Col: r.Col, Rows: 1, Cols: r.Cols}
			for j := range acc {
				acc[j] = acc[j][:0]
			}
			x[0] = f
			for range c.Repeats {
				if _, err := s.mvm(ctx, row, x, y); err != nil {
					return nil, err
				}
				for j, v := range y {
					acc[j] = append(acc[j], float64(v)*1e6)
				}
			}
			for j := range r.Cols {
				m, sd := stat.MeanStdDev(acc[j], nil)
				if len(acc[j]) < 2 {
					sd = 0
				}
				st := "lrs"
				if i > 0 {
					st = "hrs"
				}
				rows, cols, sts = append(rows, r.Row+i), append(cols, r.Col+j), append(sts, st)
				fr, vv, im, is = append(fr, f), append(vv, f*vread), append(im, m), append(is, sd)
				gr = append(gr, gread[i*r.Cols+j])
			}
		}
		s.bar.Add(1)
	}
	return map[string]dataframe.DataFrame{"iv": frame(ivPoints, rows, cols, sts, fr, vv, im, is, gr)}, nil
}

// IVCell is one cell's sweep and its straight-line fit.
type IVCell struct {
	Row, Col  int
	State     string
	V, I      []float64 // V, µA
	G         float64   // µS: least-squares slope through the origin
	Intercept float64   // µA: intercept of a free straight-line fit
	// Nonlinearity is the largest deviation from the line through the
	// origin, relative to the current at the highest voltage.
	Nonlinearity float64
	GRead        float64 // µS: the cell's Read
}

// IVAnalysis is the I–V sweep's result: per state, the mean ratio of the
// sweep's slope to the read conductance (1 for a consistent read path)
// and the mean nonlinearity (0 for an ohmic cell).
type IVAnalysis struct {
	Cells     []IVCell `json:"-"`
	VRead     float64  `json:"v_read_v"` // highest voltage / highest fraction
	LRSRatio  float64  `json:"lrs_slope_over_read"`
	HRSRatio  float64  `json:"hrs_slope_over_read"`
	LRSNonlin float64  `json:"lrs_nonlinearity"`
	HRSNonlin float64  `json:"hrs_nonlinearity"`
	LRSG      float64  `json:"lrs_g_us"`
	HRSG      float64  `json:"hrs_g_us"`
}

// Summary implements Analysis.
func (a *IVAnalysis) Summary() []Quantity {
	return []Quantity{
		{Name: "read voltage", Value: a.VRead, Unit: "V"},
		{Name: "LRS: mean I–V slope", Value: a.LRSG, Unit: "µS"},
		{Name: "LRS: slope / read conductance", Value: a.LRSRatio},
		{Name: "LRS: nonlinearity", Value: a.LRSNonlin, Note: "max deviation from ohmic / I(V_max)"},
		{Name: "HRS: mean I–V slope", Value: a.HRSG, Unit: "µS"},
		{Name: "HRS: slope / read conductance", Value: a.HRSRatio},
		{Name: "HRS: nonlinearity", Value: a.HRSNonlin},
	}
}

// AnalyzeIV analyses an I–V sweep's table.
func AnalyzeIV(iv dataframe.DataFrame) (*IVAnalysis, error) {
	rows, cols, st := ints(iv, "row"), ints(iv, "col"), strs(iv, "state")
	fr, v, cur, gr := floats(iv, "fraction"), floats(iv, "v_v"), floats(iv, "i_ua"), floats(iv, "g_read_us")
	type key struct{ r, c int }
	idx := map[key]int{}
	a := &IVAnalysis{}
	for i := range rows {
		k := key{rows[i], cols[i]}
		j, ok := idx[k]
		if !ok {
			j = len(a.Cells)
			idx[k] = j
			a.Cells = append(a.Cells, IVCell{Row: rows[i], Col: cols[i], State: st[i], GRead: gr[i]})
		}
		a.Cells[j].V = append(a.Cells[j].V, v[i])
		a.Cells[j].I = append(a.Cells[j].I, cur[i])
		if fr[i] > 0 {
			a.VRead = max(a.VRead, v[i]/fr[i])
		}
	}
	if len(a.Cells) == 0 {
		return a, errors.New("calibrate: iv: no points")
	}
	var lr, hr, ln, hn, lg, hg []float64
	for j := range a.Cells {
		c := &a.Cells[j]
		var sxx, sxy, vmax, imax float64
		for k := range c.V {
			sxx += c.V[k] * c.V[k]
			sxy += c.V[k] * c.I[k]
			if c.V[k] > vmax {
				vmax, imax = c.V[k], c.I[k]
			}
		}
		if sxx > 0 {
			c.G = sxy / sxx
		}
		ones := make([]float64, len(c.V))
		for k := range ones {
			ones[k] = 1
		}
		c.Intercept, _, _, _ = weightedLine(c.V, c.I, ones)
		for k := range c.V {
			if imax != 0 {
				c.Nonlinearity = max(c.Nonlinearity, math.Abs(c.I[k]-c.G*c.V[k])/math.Abs(imax))
			}
		}
		ratio := math.NaN()
		if c.GRead > 0 {
			ratio = c.G / c.GRead
		}
		if c.State == "lrs" {
			lr, ln, lg = append(lr, ratio), append(ln, c.Nonlinearity), append(lg, c.G)
		} else {
			hr, hn, hg = append(hr, ratio), append(hn, c.Nonlinearity), append(hg, c.G)
		}
	}
	mean := func(x []float64) float64 {
		var s float64
		n := 0
		for _, v := range x {
			if finite(v) {
				s += v
				n++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		return s / float64(n)
	}
	a.LRSRatio, a.HRSRatio = mean(lr), mean(hr)
	a.LRSNonlin, a.HRSNonlin = mean(ln), mean(hn)
	a.LRSG, a.HRSG = mean(lg), mean(hg)
	return a, nil
}

func (c IVConfig) analyze(res *Result) (Analysis, error) { return AnalyzeIV(res.Tables["iv"]) }

func (c IVConfig) figures(res *Result) ([]Figure, error) {
	a, ok := res.Analysis.(*IVAnalysis)
	if !ok {
		return nil, errors.New("calibrate: iv: no analysis to plot")
	}
	p := newPlot(fmt.Sprintf("I–V of %d cells through the read path", len(a.Cells)),
		fmt.Sprintf("voltage x·V_read (mV), V_read = %.4g mV", 1000*a.VRead), "current (µA)")
	p.Legend.Left = true
	seen := map[string]bool{}
	for _, cl := range a.Cells {
		colour, glyph := colBlue, draw.GlyphDrawer(draw.CircleGlyph{})
		if cl.State != "lrs" {
			colour, glyph = colRed, draw.TriangleGlyph{}
		}
		mv := make([]float64, len(cl.V))
		for k, v := range cl.V {
			mv[k] = 1000 * v
		}
		label := ""
		if !seen[cl.State] {
			label = fmt.Sprintf("%s cells (measured)", map[string]string{"lrs": "LRS", "hrs": "HRS"}[cl.State])
		}
		if err := scatter(p, label, mv, cl.I, colour, glyph, vg.Points(2.5)); err != nil {
			return nil, err
		}
		fx := []float64{0, 1000 * a.VRead}
		fy := []float64{0, cl.G * a.VRead}
		flabel := ""
		if !seen[cl.State] {
			flabel = "ohmic fit I = G·V"
			if cl.State != "lrs" {
				flabel = ""
			}
		}
		if err := line(p, flabel, fx, fy, colour, vg.Points(0.8), true); err != nil {
			return nil, err
		}
		seen[cl.State] = true
	}
	p.X.Min, p.Y.Min = 0, 0
	png, err := render(p)
	if err != nil {
		return nil, err
	}
	return []Figure{{Name: "iv.png", PNG: png,
		Caption: "Current of each selected cell against the voltage applied through the read path, with its ohmic fit; low fractions are applied bit-serially at the array's input resolution."}}, nil
}
