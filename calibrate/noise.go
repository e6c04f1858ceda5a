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

// NoiseConfig configures the read-noise experiment: a block of Rows×Cols
// cells per gate voltage is formed at that gate (so the formed
// conductances span a range, the compliance setting the filament) and
// the whole region is read Reads times with nothing in between. Each
// cell's spread over its reads is its read noise.
type NoiseConfig struct {
	// Rows (per gate) and Cols default to 8 and 16, Reads to 64
	// (assumption: 128 cells per gate × 64 reads give the pooled σ to
	// ≈ 1 % of itself).
	Rows int `json:"rows"`
	Cols int `json:"cols"`
	// Gates default to GateRef − 0.3 V, GateRef, GateRef + 0.3 V, kept
	// above TransistorVth + 0.1 V and within MaxGate (assumption: at
	// lin2025's compliance law this spans 7–23 µS, a factor 3).
	Gates []units.Volts `json:"gates"`
	Reads int           `json:"reads"`
	// FormV and FormWidth form the cells; defaults DefaultForming of the
	// base and RefWidth.
	FormV     units.Volts   `json:"form_v"`
	FormWidth units.Seconds `json:"form_width_s"`
	FormedG   units.Siemens `json:"formed_g_s"` // cells reading below it on average are left out; default FormedThreshold
}

// Name implements Experiment.
func (NoiseConfig) Name() string { return "noise" }

// Shape implements Experiment.
func (c NoiseConfig) Shape() (int, int) { return c.Rows * len(c.Gates), c.Cols }

func (c NoiseConfig) resolve(base crossbar.Params) NoiseConfig {
	c.Rows = or(c.Rows, 8)
	c.Cols = or(c.Cols, 16)
	c.Reads = or(c.Reads, 64)
	if len(c.Gates) == 0 {
		for _, d := range []units.Volts{-0.3, 0, 0.3} {
			g := base.GateRef + d
			if g > base.TransistorVth+0.1 && g <= base.MaxGate {
				c.Gates = append(c.Gates, g)
			}
		}
	}
	c.FormV = or(c.FormV, crossbar.DefaultForming(base).Amplitude)
	c.FormWidth = or(c.FormWidth, base.RefWidth)
	c.FormedG = or(c.FormedG, base.FormedThreshold)
	return c
}

func (c NoiseConfig) validate() error {
	if c.Reads < 3 || len(c.Gates) == 0 {
		return fmt.Errorf("calibrate: noise: want 3 or more reads and at least one gate, have %d and %d", c.Reads, len(c.Gates))
	}
	return nil
}

func (c NoiseConfig) progressTotal() int { return len(c.Gates) + c.Reads }

// Plan implements Experiment.
func (c NoiseConfig) Plan(r crossbar.Region) []Step {
	var steps []Step
	for k, g := range c.Gates {
		blk := crossbar.Region{Row: r.Row + k*c.Rows, Col: r.Col, Rows: c.Rows, Cols: r.Cols}
		steps = append(steps, Step{Op: OpProgram, Region: blk, Pulse: pulseOf(crossbar.Form, c.FormV, c.FormWidth, g), Repeat: 1,
			Note: fmt.Sprintf("form at gate %v", g)})
	}
	return append(steps, Step{Op: OpRead, Region: r, Repeat: c.Reads, Note: "repeated reads"})
}

var noiseReads = schema{
	{"row", series.Int}, {"col", series.Int}, {"gate_v", series.Float}, {"rep", series.Int}, {"g_us", series.Float},
}

func (NoiseConfig) tables() map[string]schema { return map[string]schema{"reads": noiseReads} }

func (c NoiseConfig) run(ctx context.Context, s *session, r crossbar.Region, _ uint64) (map[string]dataframe.DataFrame, error) {
	for k, g := range c.Gates {
		blk := crossbar.Region{Row: r.Row + k*c.Rows, Col: r.Col, Rows: c.Rows, Cols: r.Cols}
		if err := s.program(ctx, blk, pulseOf(crossbar.Form, c.FormV, c.FormWidth, g)); err != nil {
			return nil, err
		}
		s.bar.Add(1)
	}
	n := r.Cells()
	buf := make([]units.Siemens, n)
	total := n * c.Reads
	rows, cols, reps := make([]int, 0, total), make([]int, 0, total), make([]int, 0, total)
	gates, vals := make([]float64, 0, total), make([]float64, 0, total)
	for rep := range c.Reads {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("calibrate: noise: %w", err)
		}
		g, err := s.readMicro(ctx, r, buf)
		if err != nil {
			return nil, err
		}
		for i, v := range g {
			rows = append(rows, r.Row+i/r.Cols)
			cols = append(cols, r.Col+i%r.Cols)
			gates = append(gates, float64(c.Gates[(i/r.Cols)/c.Rows]))
			reps = append(reps, rep)
			vals = append(vals, v)
		}
		s.bar.Add(1)
	}
	return map[string]dataframe.DataFrame{"reads": frame(noiseReads, rows, cols, gates, reps, vals)}, nil
}

// NoiseCell is one cell's read statistics.
type NoiseCell struct {
	Row, Col int
	Gate     float64
	Mean     float64 // µS
	Std      float64 // µS, sample standard deviation of the reads
	Rel      float64 // √(Std² − q²/12)/Mean: relative read noise without quantisation
}

// NoiseAnalysis is the read-noise experiment's result.
//
// A read of a cell with conductance G returns G·(1 + σ·z) quantised by
// the ADC to steps of q (crossbar package documentation: multiplicative
// read noise, random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023 [ESGNN]). The variance of a cell's reads is
// then σ²G² + q²/12 (the quantisation term of Sheppard's correction, valid
// once the noise spans an ADC step or more), so the analysis subtracts
// q²/12, with q estimated from the data (see quantum), and pools
// σ² = mean over cells of (s² − q²/12)/µ². The conductance dependence is
// tested by fitting s² − q²/12 = σ_rel²·µ² + σ_0² (a multiplicative part
// and an additive floor, least squares over the cells): a device like the
// model has σ_0 ≈ 0 and σ_rel ≈ the pooled σ. Cells whose reads spread
// less than half an ADC step are left out (their noise is not resolved).
type NoiseAnalysis struct {
	Cells     int     `json:"cells"` // formed cells used
	Reads     int     `json:"reads"`
	Quantum   float64 `json:"quantum_us"`
	Sigma     float64 `json:"sigma"`    // pooled relative read noise
	SigmaSE   float64 `json:"sigma_se"` //
	SigmaRel  float64 `json:"sigma_rel"`
	Floor     float64 `json:"floor_us"` // additive floor σ_0, µS (0 when the fit gives a negative σ_0²)
	FloorSq   float64 `json:"floor_sq_us2"`
	FloorSqSE float64 `json:"floor_sq_se_us2"`
	// Slope is d(σ/µ)/dµ in 1/µS from a straight-line fit of the cells'
	// relative noise against their conductance (0 for purely
	// multiplicative noise), with its standard error.
	Slope   float64 `json:"slope_per_us"`
	SlopeSE float64 `json:"slope_se_per_us"`
	// ByGate lists the mean conductance and pooled σ of each gate's cells.
	ByGate []NoiseGate `json:"by_gate"`
	Cell   []NoiseCell `json:"-"`
}

// NoiseGate is the read noise of the cells formed at one gate voltage.
type NoiseGate struct {
	Gate  float64 `json:"gate_v"`
	Cells int     `json:"cells"`
	Mean  float64 `json:"g_mean_us"`
	Sigma float64 `json:"sigma"`
}

// Summary implements Analysis.
func (a *NoiseAnalysis) Summary() []Quantity {
	q := []Quantity{
		{Name: "formed cells", Value: float64(a.Cells)},
		{Name: "reads per cell", Value: float64(a.Reads)},
		{Name: "relative read noise σ (pooled)", Value: a.Sigma, Note: fmt.Sprintf("± %.2g (SE), quantisation removed", a.SigmaSE)},
		{Name: "fit s² = σ_rel²µ² + σ₀²: σ_rel", Value: a.SigmaRel},
		{Name: "fit s² = σ_rel²µ² + σ₀²: σ₀", Value: a.Floor, Unit: "µS", Note: fmt.Sprintf("σ₀² = %.3g ± %.2g µS²", a.FloorSq, a.FloorSqSE)},
		{Name: "d(σ/µ)/dµ", Value: a.Slope, Unit: "1/µS", Note: fmt.Sprintf("± %.2g (SE)", a.SlopeSE)},
		{Name: "read quantum (ADC LSB)", Value: a.Quantum, Unit: "µS"},
	}
	for _, g := range a.ByGate {
		q = append(q, Quantity{Name: fmt.Sprintf("gate %.3g V: mean G / σ", g.Gate), Value: g.Mean, Unit: "µS", Note: fmt.Sprintf("σ = %.4f over %d cells", g.Sigma, g.Cells)})
	}
	return q
}

// AnalyzeNoise analyses a read-noise experiment's reads table.
func AnalyzeNoise(c NoiseConfig, reads dataframe.DataFrame) (*NoiseAnalysis, error) {
	rows, cols, gate, vals := ints(reads, "row"), ints(reads, "col"), floats(reads, "gate_v"), floats(reads, "g_us")
	type key struct{ r, c int }
	idx := map[key]int{}
	var cells []NoiseCell
	var samples [][]float64
	for i := range vals {
		k := key{rows[i], cols[i]}
		j, ok := idx[k]
		if !ok {
			j = len(cells)
			idx[k] = j
			cells = append(cells, NoiseCell{Row: rows[i], Col: cols[i], Gate: gate[i]})
			samples = append(samples, nil)
		}
		samples[j] = append(samples[j], vals[i])
	}
	a := &NoiseAnalysis{Quantum: quantum(vals)}
	q2 := a.Quantum * a.Quantum / 12
	var rel2, mu2, vv, mus, rels []float64
	for j := range cells {
		x := samples[j]
		if len(x) < 3 {
			continue
		}
		a.Reads = max(a.Reads, len(x))
		m, s := stat.MeanStdDev(x, nil)
		// Leave out cells that are not formed, and cells whose reads
		// barely leave one ADC code (s < q/2): there the noise is not
		// resolved and the quantisation correction fails.
		if !(m > c.FormedG.Micro()) || s < a.Quantum/2 {
			continue
		}
		v := s*s - q2
		cells[j].Mean, cells[j].Std = m, s
		cells[j].Rel = math.Sqrt(max(v, 0)) / m
		a.Cell = append(a.Cell, cells[j])
		rel2 = append(rel2, v/(m*m))
		mu2 = append(mu2, m*m)
		vv = append(vv, v)
		mus = append(mus, m)
		rels = append(rels, cells[j].Rel)
	}
	a.Cells = len(a.Cell)
	if a.Cells < 3 {
		return a, fmt.Errorf("calibrate: noise: only %d formed cells", a.Cells)
	}
	m2, s2 := stat.MeanStdDev(rel2, nil)
	a.Sigma = math.Sqrt(max(m2, 0))
	// SE of √m from that of m: δ√m = δm/(2√m).
	if a.Sigma > 0 {
		a.SigmaSE = s2 / math.Sqrt(float64(len(rel2))) / (2 * a.Sigma)
	}
	ones := make([]float64, len(mu2))
	for i := range ones {
		ones[i] = 1
	}
	b0, b1, se0, _ := weightedLine(mu2, vv, ones)
	// Unit weights: rescale the standard errors by the residual variance.
	res := residualVar(mu2, vv, b0, b1)
	a.SigmaRel = math.Sqrt(max(b1, 0))
	a.FloorSq, a.FloorSqSE = b0, se0*math.Sqrt(res)
	a.Floor = math.Sqrt(max(b0, 0))
	s0, s1, _, sse1 := weightedLine(mus, rels, ones)
	a.Slope, a.SlopeSE = s1, sse1*math.Sqrt(residualVar(mus, rels, s0, s1))
	for _, g := range c.Gates {
		ng := NoiseGate{Gate: float64(g)}
		var gm, gr []float64
		for _, cl := range a.Cell {
			if cl.Gate == float64(g) {
				gm = append(gm, cl.Mean)
				gr = append(gr, (cl.Std*cl.Std-q2)/(cl.Mean*cl.Mean))
			}
		}
		ng.Cells = len(gm)
		if ng.Cells > 0 {
			ng.Mean = stat.Mean(gm, nil)
			ng.Sigma = math.Sqrt(max(stat.Mean(gr, nil), 0))
		}
		a.ByGate = append(a.ByGate, ng)
	}
	return a, nil
}

// residualVar is the residual variance (n−2 degrees of freedom) of y
// about b0 + b1·x.
func residualVar(x, y []float64, b0, b1 float64) float64 {
	if len(x) < 3 {
		return math.NaN()
	}
	var ss float64
	for i := range x {
		d := y[i] - b0 - b1*x[i]
		ss += d * d
	}
	return ss / float64(len(x)-2)
}

func (c NoiseConfig) analyze(res *Result) (Analysis, error) {
	return AnalyzeNoise(c, res.Tables["reads"])
}

func (c NoiseConfig) figures(res *Result) ([]Figure, error) {
	a, ok := res.Analysis.(*NoiseAnalysis)
	if !ok {
		return nil, errors.New("calibrate: noise: no analysis to plot")
	}
	p := newPlot(fmt.Sprintf("Read noise of %d cells × %d reads (ADC step %.3g µS removed)", a.Cells, a.Reads, a.Quantum),
		"mean conductance µ (µS)", "relative read noise σ/µ (%)")
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for k, g := range c.Gates {
		var x, y []float64
		for _, cl := range a.Cell {
			if cl.Gate == float64(g) {
				x = append(x, cl.Mean)
				y = append(y, 100*cl.Rel)
				xmin, xmax = min(xmin, cl.Mean), max(xmax, cl.Mean)
			}
		}
		if len(x) == 0 {
			continue
		}
		if err := scatter(p, fmt.Sprintf("cells formed at gate %v", g), x, y, palette6[k%len(palette6)], draw.CircleGlyph{}, vg.Points(2.5)); err != nil {
			return nil, err
		}
	}
	pad := 0.05 * (xmax - xmin)
	xmin, xmax = max(xmin-pad, 1e-3), xmax+pad
	sr, f2 := a.SigmaRel, max(a.FloorSq, 0)
	addCurve(p, curve{label: fmt.Sprintf("fit √(σ_rel² + σ₀²/µ²): σ_rel = %.4f, σ₀ = %.3g µS", sr, a.Floor),
		f: func(m float64) float64 { return 100 * math.Sqrt(sr*sr+f2/(m*m)) }, colour: colRed}, xmin, xmax)
	sg := a.Sigma
	addCurve(p, curve{label: fmt.Sprintf("pooled σ = %.4f ± %.2g", a.Sigma, a.SigmaSE),
		f: func(float64) float64 { return 100 * sg }, colour: colGrey, dashed: true}, xmin, xmax)
	p.Y.Min = 0
	p.Y.Max = 100 * 3 * a.Sigma
	png, err := render(p)
	if err != nil {
		return nil, err
	}
	return []Figure{{Name: "noise_scatter.png", PNG: png,
		Caption: "Relative read noise of every formed cell against its mean conductance, with the pooled σ and the fit of a multiplicative part plus an additive floor."}}, nil
}
