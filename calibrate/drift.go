package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// DriftConfig configures the retention / relaxation experiment: a block
// is formed, its right half reset (so both states relax side by side),
// and the block is read ReadsPerPoint times right away and at each of
// Times after programming, the array idling in between (Clock.Wait).
//
// The default schedule, 10 ms to 10⁴ s, costs nothing on the simulator
// and the emulated board, whose clocks are virtual; on a real board the
// waits are real, so set Times to what the session can afford (an array
// without a Clock is waited on with the host's wall clock).
type DriftConfig struct {
	// Rows and Cols default to 32 (left half LRS, right half HRS) and
	// ReadsPerPoint to 8 (assumption: 512 cells per state × 8 reads bring
	// the read noise of a mean-curve point to ≈ 0.03 % of G, a tenth of
	// lin2025's relaxation at t = T0).
	Rows int `json:"rows"`
	Cols int `json:"cols"`
	// Times after programming default to 10 ms·√10^k, k = 0…12 (to
	// 10⁴ s): assumption, four decades either side of lin2025's T0 = 1 s,
	// which the fit of T0 needs.
	Times         []units.Seconds `json:"times_s"`
	ReadsPerPoint int             `json:"reads_per_point"`
	FormV         units.Volts     `json:"form_v"`     // default DefaultForming of the base
	ResetV        units.Volts     `json:"reset_v"`    // default as ConductanceConfig
	Width         units.Seconds   `json:"width_s"`    // default RefWidth
	Gate          units.Volts     `json:"gate_v"`     // default GateRef
	Ratio         float64         `json:"ratio"`      // reset criterion; default 2
	FormedG       units.Siemens   `json:"formed_g_s"` // default FormedThreshold
}

// Name implements Experiment.
func (DriftConfig) Name() string { return "drift" }

// Shape implements Experiment.
func (c DriftConfig) Shape() (int, int) { return c.Rows, c.Cols }

func (c DriftConfig) resolve(base crossbar.Params) DriftConfig {
	c.Rows = or(c.Rows, 32)
	c.Cols = or(c.Cols, 32)
	if len(c.Times) == 0 {
		for k := range 13 {
			c.Times = append(c.Times, units.Seconds(math.Round(1e-2*math.Pow(10, float64(k)/2)*1e6)/1e6))
		}
	}
	c.ReadsPerPoint = or(c.ReadsPerPoint, 8)
	c.FormV = or(c.FormV, crossbar.DefaultForming(base).Amplitude)
	c.ResetV = or(c.ResetV, min(base.MaxResetV, base.VResetMean+4*units.Volts(math.Hypot(float64(base.VResetStd), float64(base.VResetC2C)))))
	c.Width = or(c.Width, base.RefWidth)
	c.Gate = or(c.Gate, base.GateRef)
	c.Ratio = or(c.Ratio, 2)
	c.FormedG = or(c.FormedG, base.FormedThreshold)
	return c
}

func (c DriftConfig) validate() error {
	if c.Cols < 2 || len(c.Times) < 2 || c.ReadsPerPoint < 1 {
		return fmt.Errorf("calibrate: drift: want at least 2 columns, 2 times and 1 read per point")
	}
	if !slices.IsSorted(c.Times) || c.Times[0] <= 0 {
		return fmt.Errorf("calibrate: drift: times must be positive and ascending")
	}
	return nil
}

func (c DriftConfig) progressTotal() int { return len(c.Times) + 1 }

func (c DriftConfig) halves(r crossbar.Region) (lrs, hrs crossbar.Region) {
	h := c.Cols / 2
	return crossbar.Region{Row: r.Row, Col: r.Col, Rows: r.Rows, Cols: h},
		crossbar.Region{Row: r.Row, Col: r.Col + h, Rows: r.Rows, Cols: r.Cols - h}
}

// Plan implements Experiment.
func (c DriftConfig) Plan(r crossbar.Region) []Step {
	_, hrs := c.halves(r)
	steps := []Step{
		{Op: OpProgram, Region: r, Pulse: pulseOf(crossbar.Form, c.FormV, c.Width, c.Gate), Repeat: 1, Note: "form"},
		{Op: OpRead, Region: r, Repeat: 1, Note: "formed"},
		{Op: OpProgram, Region: hrs, Pulse: pulseOf(crossbar.Reset, c.ResetV, c.Width, c.Gate), Repeat: 1, Note: "reset the right half"},
		{Op: OpRead, Region: r, Repeat: c.ReadsPerPoint, Note: "t ≈ 0"},
	}
	prev := units.Seconds(0)
	for _, t := range c.Times {
		steps = append(steps,
			Step{Op: OpWait, Region: r, Wait: t - prev, Repeat: 1, Adaptive: true, Note: fmt.Sprintf("until %v after programming", t)},
			Step{Op: OpRead, Region: r, Repeat: c.ReadsPerPoint})
		prev = t
	}
	return steps
}

var driftReads = schema{
	{"row", series.Int}, {"col", series.Int}, {"state", series.String}, {"ok", series.Int},
	{"t_s", series.Float}, {"g_us", series.Float}, {"reads", series.Int},
}

func (DriftConfig) tables() map[string]schema { return map[string]schema{"reads": driftReads} }

func (c DriftConfig) run(ctx context.Context, s *session, r crossbar.Region, _ uint64) (map[string]dataframe.DataFrame, error) {
	n := r.Cells()
	buf := make([]units.Siemens, n)
	lrsR, hrsR := c.halves(r)
	if err := s.program(ctx, r, pulseOf(crossbar.Form, c.FormV, c.Width, c.Gate)); err != nil {
		return nil, err
	}
	tForm := s.now() // the model stamps a cell's programming time after the pulse
	formed, err := s.readMicro(ctx, r, buf)
	if err != nil {
		return nil, err
	}
	if err := s.program(ctx, hrsR, pulseOf(crossbar.Reset, c.ResetV, c.Width, c.Gate)); err != nil {
		return nil, err
	}
	tReset := s.now()
	state, ok := make([]string, n), make([]int, n)
	var rows, cols, okc, cnt []int
	var sts []string
	var ts, gs []float64
	readPoint := func() error {
		t := s.now()
		sum := make([]float64, n)
		for range c.ReadsPerPoint {
			g, err := s.readMicro(ctx, r, buf)
			if err != nil {
				return err
			}
			for i, v := range g {
				sum[i] += v
			}
		}
		for i := range n {
			t0 := tForm
			if state[i] == "hrs" {
				t0 = tReset
			}
			rows = append(rows, r.Row+i/r.Cols)
			cols = append(cols, r.Col+i%r.Cols)
			sts = append(sts, state[i])
			okc = append(okc, ok[i])
			// Whole nanoseconds: a board's clock resolution, and free of
			// the rounding of the absolute clock (so the table does not
			// depend on what ran before).
			ts = append(ts, math.Round(float64(t-t0)*1e9)/1e9)
			gs = append(gs, sum[i]/float64(c.ReadsPerPoint))
			cnt = append(cnt, c.ReadsPerPoint)
		}
		s.bar.Add(1)
		return nil
	}
	for i := range n {
		state[i] = "lrs"
		if i%r.Cols >= lrsR.Cols {
			state[i] = "hrs"
		}
		ok[i] = b2i(formed[i] > c.FormedG.Micro())
	}
	if err := readPoint(); err != nil {
		return nil, err
	}
	// A reset cell must have fallen Ratio-fold.
	first := gs[:n]
	for i := range n {
		if state[i] == "hrs" && !(first[i]*c.Ratio <= formed[i]) {
			ok[i] = 0
		}
	}
	copy(okc, ok)
	for _, t := range c.Times {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("calibrate: drift: %w", err)
		}
		if err := s.wait(ctx, tForm+t-s.now()); err != nil {
			return nil, err
		}
		if err := readPoint(); err != nil {
			return nil, err
		}
	}
	return map[string]dataframe.DataFrame{"reads": frame(driftReads, rows, cols, sts, okc, ts, gs, cnt)}, nil
}

// DriftState is the fitted relaxation of one state.
type DriftState struct {
	State string    `json:"state"`
	Cells int       `json:"cells"`
	Nu    float64   `json:"nu"`
	NuSE  float64   `json:"nu_se"`
	T     []float64 `json:"t_s"`   // time since programming of each point (the cells' mean)
	Ratio []float64 `json:"ratio"` // exp(mean ln(G(t)/G(t_first)))
	// Spread is the device-to-device σ of ln ν (LRS only): from the
	// per-cell exponents' variance less their mean squared standard error,
	// through the log-normal moment relation σ² = ln(1 + var/mean²).
	Spread float64 `json:"nu_spread"`
	RMS    float64 `json:"rms"` // residual of the mean curve, in ln G
	// Offset is the fitted intercept of the mean curve in ln G (the
	// error of the reference read, ≈ 0).
	Offset float64 `json:"offset"`
}

// DriftAnalysis is the retention experiment's result. The model's law
// (crossbar package documentation) is
//
//	G(t) = G0·(1 + t/T0)^(−ν)
//
// t after programming, ν = DriftNuLRS or DriftNuHRS times a per-cell
// log-normal factor of mean 1 (σ of its log DriftNuSpread), T0 = DriftT0.
// Averaging ln(G(t)/G(t₁)) over cells gives exactly −ν̄·[ln(1 + t/T0) −
// ln(1 + t₁/T0)], t₁ the first read; ν̄ and T0 are fitted to the LRS mean
// curve by least squares (closed-form ν for each T0, T0 minimised over
// ln T0), then ν_HRS with that T0, then each LRS cell's own ν for the
// spread.
type DriftAnalysis struct {
	T0   float64    `json:"t0_s"`
	LRS  DriftState `json:"lrs"`
	HRS  DriftState `json:"hrs"`
	Note string     `json:"note,omitempty"`
}

// Summary implements Analysis.
func (a *DriftAnalysis) Summary() []Quantity {
	q := []Quantity{
		{Name: "onset time T0", Value: a.T0, Unit: "s"},
		{Name: "LRS exponent ν", Value: a.LRS.Nu, Note: fmt.Sprintf("± %.2g (SE), %d cells, rms %.2g", a.LRS.NuSE, a.LRS.Cells, a.LRS.RMS)},
		{Name: "LRS exponent spread (σ of ln ν)", Value: a.LRS.Spread},
		{Name: "HRS exponent ν", Value: a.HRS.Nu, Note: fmt.Sprintf("± %.2g (SE), %d cells, rms %.2g", a.HRS.NuSE, a.HRS.Cells, a.HRS.RMS)},
	}
	if n := len(a.LRS.T); n > 0 {
		q = append(q, Quantity{Name: fmt.Sprintf("LRS G(%.3g s)/G(0)", a.LRS.T[n-1]), Value: a.LRS.Ratio[n-1]})
	}
	if n := len(a.HRS.T); n > 0 {
		q = append(q, Quantity{Name: fmt.Sprintf("HRS G(%.3g s)/G(0)", a.HRS.T[n-1]), Value: a.HRS.Ratio[n-1]})
	}
	return q
}

// driftCells groups the drift table by cell: times and ln G, per state,
// for cells flagged ok whose every reading is positive.
func driftCells(reads dataframe.DataFrame, state string) (t [][]float64, lg [][]float64) {
	rows, cols, st, ok := ints(reads, "row"), ints(reads, "col"), strs(reads, "state"), ints(reads, "ok")
	ts, gs := floats(reads, "t_s"), floats(reads, "g_us")
	type key struct{ r, c int }
	idx := map[key]int{}
	bad := map[int]bool{}
	for i := range rows {
		if st[i] != state || ok[i] == 0 {
			continue
		}
		k := key{rows[i], cols[i]}
		j, seen := idx[k]
		if !seen {
			j = len(t)
			idx[k] = j
			t = append(t, nil)
			lg = append(lg, nil)
		}
		if !(gs[i] > 0) {
			bad[j] = true
			continue
		}
		t[j] = append(t[j], ts[i])
		lg[j] = append(lg[j], math.Log(gs[i]))
	}
	var tt, ll [][]float64
	for j := range t {
		if !bad[j] && len(t[j]) >= 3 {
			tt, ll = append(tt, t[j]), append(ll, lg[j])
		}
	}
	return tt, ll
}

// meanCurve returns, per time point, the cells' mean time and mean
// ln(G(t)/G(t₁)), and the mean first time t₁.
func meanCurve(t, lg [][]float64) (tm, y []float64, t1 float64) {
	np := len(t[0])
	tm, y = make([]float64, np), make([]float64, np)
	n := 0
	for j := range t {
		if len(t[j]) != np {
			continue
		}
		n++
		for k := range np {
			tm[k] += t[j][k]
			y[k] += lg[j][k] - lg[j][0]
		}
	}
	for k := range np {
		tm[k] /= float64(n)
		y[k] /= float64(n)
	}
	return tm, y, tm[0]
}

// driftX is ln(1 + t/T0) − ln(1 + t1/T0), the regressor of the drift law.
func driftX(t, t1, T0 float64) float64 { return math.Log1p(t/T0) - math.Log1p(t1/T0) }

// nuFor fits y = a − ν·driftX(t) by least squares (closed form) and
// returns ν, its standard error and the residual sum of squares. The free
// intercept a absorbs the error of the reference read, which every point
// of a curve shares (a fit through the origin would turn that shared
// error into a spread of the exponents).
func nuFor(tm, y []float64, t1, T0 float64) (nu, se, rss float64) {
	nu, se, rss, _ = nuFit(tm, y, t1, T0)
	return nu, se, rss
}

// nuFit is nuFor that also returns the intercept a.
func nuFit(tm, y []float64, t1, T0 float64) (nu, se, rss, a float64) {
	x := make([]float64, len(tm))
	ones := make([]float64, len(tm))
	for k := range tm {
		x[k], ones[k] = driftX(tm[k], t1, T0), 1
	}
	b0, b1, _, se1 := weightedLine(x, y, ones)
	if !finite(b0, b1) {
		return 0, math.NaN(), math.NaN(), 0
	}
	for k := range tm {
		d := y[k] - b0 - b1*x[k]
		rss += d * d
	}
	se = math.NaN()
	if len(tm) > 2 {
		se = se1 * math.Sqrt(rss/float64(len(tm)-2))
	}
	return -b1, se, rss, b0
}

// AnalyzeDrift analyses a retention experiment's reads table.
func AnalyzeDrift(c DriftConfig, reads dataframe.DataFrame) (*DriftAnalysis, error) {
	a := &DriftAnalysis{LRS: DriftState{State: "lrs"}, HRS: DriftState{State: "hrs"}}
	lt, llg := driftCells(reads, "lrs")
	if len(lt) < 3 {
		return a, fmt.Errorf("calibrate: drift: only %d usable LRS cells", len(lt))
	}
	tm, y, t1 := meanCurve(lt, llg)
	tmax := slices.Max(tm)
	tmin := math.Inf(1)
	for _, v := range tm {
		if v > 0 {
			tmin = min(tmin, v)
		}
	}
	if math.IsInf(tmin, 1) {
		return a, errors.New("calibrate: drift: no read after programming")
	}
	// T0 by a coarse grid over ln T0, then Nelder–Mead from the best.
	loT, hiT := math.Log(tmin/100), math.Log(tmax*100)
	obj := func(x []float64) float64 {
		lt0 := min(max(x[0], loT), hiT)
		_, _, rss := nuFor(tm, y, t1, math.Exp(lt0))
		return rss
	}
	best, bestV := loT, math.Inf(1)
	for k := range 81 {
		v := loT + (hiT-loT)*float64(k)/80
		if r := obj([]float64{v}); r < bestV {
			best, bestV = v, r
		}
	}
	res, err := optimize.Minimize(optimize.Problem{Func: obj}, []float64{best}, nil, &optimize.NelderMead{})
	if err == nil && res != nil && res.F < bestV {
		best = min(max(res.X[0], loT), hiT)
	}
	a.T0 = math.Exp(best)
	a.LRS = fitState("lrs", lt, llg, a.T0, true)
	if best <= loT+1e-9 || best >= hiT-1e-9 {
		a.Note = "T0 is at the edge of what the schedule resolves; extend Times around the onset"
	}
	if ht, hlg := driftCells(reads, "hrs"); len(ht) >= 3 {
		a.HRS = fitState("hrs", ht, hlg, a.T0, false)
	}
	return a, nil
}

// fitState fits ν of one state with T0 fixed and, when spread is true,
// the cells' own exponents for the device-to-device spread.
func fitState(state string, t, lg [][]float64, T0 float64, spread bool) DriftState {
	tm, y, t1 := meanCurve(t, lg)
	ds := DriftState{State: state, Cells: len(t), T: tm}
	nu, se, rss, off := nuFit(tm, y, t1, T0)
	ds.Nu, ds.NuSE, ds.RMS, ds.Offset = nu, se, math.Sqrt(rss/float64(len(tm))), off
	ds.Ratio = make([]float64, len(y))
	for k, v := range y {
		ds.Ratio[k] = math.Exp(v)
	}
	if !spread {
		return ds
	}
	var nus, se2 []float64
	for j := range t {
		yy := make([]float64, len(t[j]))
		for k := range yy {
			yy[k] = lg[j][k] - lg[j][0]
		}
		n, s, _ := nuFor(t[j], yy, t[j][0], T0)
		if finite(n, s) {
			nus = append(nus, n)
			se2 = append(se2, s*s)
		}
	}
	if len(nus) > 2 && ds.Nu != 0 {
		m, v := stat.MeanVariance(nus, nil)
		vt := v - stat.Mean(se2, nil)
		if vt > 0 {
			ds.Spread = math.Sqrt(math.Log1p(vt / (m * m)))
		}
	}
	return ds
}

func (c DriftConfig) analyze(res *Result) (Analysis, error) {
	return AnalyzeDrift(c, res.Tables["reads"])
}

func (c DriftConfig) figures(res *Result) ([]Figure, error) {
	a, ok := res.Analysis.(*DriftAnalysis)
	if !ok {
		return nil, errors.New("calibrate: drift: no analysis to plot")
	}
	p := newPlot(fmt.Sprintf("Relaxation after programming: mean of %d LRS and %d HRS cells", a.LRS.Cells, a.HRS.Cells),
		"time since programming (s)", "G(t) / G(first read)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Left = true // the upper left stays clear: both states start at 1
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, s := range []struct {
		d      DriftState
		colour int
	}{{a.LRS, 0}, {a.HRS, 3}} {
		var x, y []float64
		for k, t := range s.d.T {
			// The first read is the reference (ratio 1 by definition)
			// and sits microseconds after programming: not on this axis.
			if k > 0 && t > 0 {
				x = append(x, t)
				y = append(y, s.d.Ratio[k])
				xmin, xmax = min(xmin, t), max(xmax, t)
			}
		}
		if len(x) == 0 {
			continue
		}
		col := palette6[s.colour]
		if err := scatter(p, fmt.Sprintf("%s, measured", strings.ToUpper(s.d.State)), x, y, col, draw.CircleGlyph{}, vg.Points(3.5)); err != nil {
			return nil, err
		}
		// The fitted law on log-spaced times (a plotter.Function samples
		// linearly, which a log axis would show as a few straight pieces).
		d, t1, T0 := s.d, s.d.T[0], a.T0
		lo, hi := math.Log(x[0]/1.5), math.Log(x[len(x)-1]*1.5)
		fx, fy := make([]float64, 200), make([]float64, 200)
		for k := range fx {
			fx[k] = math.Exp(lo + (hi-lo)*float64(k)/float64(len(fx)-1))
			fy[k] = math.Exp(d.Offset - d.Nu*driftX(fx[k], t1, T0))
		}
		if err := line(p, fmt.Sprintf("%s fit: ν = %.4g ± %.2g, T0 = %.3g s", strings.ToUpper(d.State), d.Nu, d.NuSE, T0), fx, fy, col, vg.Points(2), false); err != nil {
			return nil, err
		}
	}
	if math.IsInf(xmin, 1) {
		return nil, errors.New("calibrate: drift: nothing to plot")
	}
	p.X.Min, p.X.Max = xmin/1.5, xmax*1.5
	png, err := render(p)
	if err != nil {
		return nil, err
	}
	return []Figure{{Name: "drift.png", PNG: png,
		Caption: "Mean conductance relative to the first read versus time since programming (log scale), with the fitted power law G0·(1 + t/T0)^(−ν) of each state."}}, nil
}
