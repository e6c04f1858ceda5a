package calibrate

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/go-gota/gota/series"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

func TestWilsonClosedForm(t *testing.T) {
	// Closed form: the 95 % Wilson score interval of 5/10 is 0.5 ± 0.2634
	// (Wilson 1927; Newcombe 1998, Table II, method 3 rounds it to
	// 0.2366–0.7634).
	const tol = 1e-4
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{
		{5, 10, 0.2366, 0.7634},
		{0, 10, 0, 0.2775}, // Newcombe 1998 Table II, example (e): 0/10
		{10, 10, 0.7225, 1},
	} {
		lo, hi := wilson(c.k, c.n)
		if math.Abs(lo-c.lo) > tol || math.Abs(hi-c.hi) > tol {
			t.Errorf("wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

func TestProbitRecoversThreshold(t *testing.T) {
	// Synthetic binomial data from a known normal CDF; with 400 cells per
	// point the standard error of V50 is about σ/√(Σn·φ²) ≈ 4 mV, so a
	// 4-SE tolerance is 20 mV.
	const v50, sigma, tolV50, tolSigma = 3.55, 0.21, 0.02, 0.02
	rng := rand.New(rand.NewPCG(1, 2))
	var v []float64
	var n, k []int
	for i := range 21 {
		a := v50 - 0.6 + 0.06*float64(i)
		p := normCDF((a - v50) / sigma)
		kk := 0
		for range 400 {
			if rng.Float64() < p {
				kk++
			}
		}
		v, n, k = append(v, a), append(n, 400), append(k, kk)
	}
	f, err := fitProbit(v, n, k)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.V50-v50) > tolV50 || math.Abs(f.Sigma-sigma) > tolSigma {
		t.Errorf("fit V50 %.4f σ %.4f, want %.4f %.4f", f.V50, f.Sigma, v50, sigma)
	}
	if !(f.V50Lo < f.V50 && f.V50 < f.V50Hi) || !(f.V50SE > 0 && f.V50SE < 0.01) {
		t.Errorf("V50 interval [%.4f, %.4f], SE %.4g", f.V50Lo, f.V50Hi, f.V50SE)
	}
	// A curve that never reaches 50 % has no V50.
	if _, err := fitProbit([]float64{1, 2}, []int{10, 10}, []int{0, 1}); err == nil {
		t.Error("fit of a curve below 50 %: no error")
	}
}

// rampSteps applies the crossbar model's forming law (package crossbar
// documentation: damage (w/RefWidth)·exp((V − Vbd)/A) per pulse, forming
// at damage ≥ 1) to a cell of breakdown voltage vbd under the staircase of
// c, and returns the step that forms it (−1: never).
func rampSteps(c FormConfig, accel, vbd float64) int {
	var d float64
	for k, v := range c.ramp() {
		d += float64(c.Width/c.RefWidth) * math.Exp((float64(v)-vbd)/accel)
		if d >= 1 {
			return k
		}
	}
	return -1
}

func TestAnalyzeFormInvertsCumulativeStress(t *testing.T) {
	// Cells with known breakdown voltages go through the model's damage
	// law (rampSteps); the analysis must recover the distribution, not the
	// ramp's apparent one. 4000 cells: SE of the mean ≈ 0.22/√4000 ≈ 3.5 mV.
	const mu, sd, accel, tolMu, tolSd = 3.7, 0.22, 0.15, 0.015, 0.015
	c := FormConfig{Rows: 40, Cols: 100, Start: 2.4, Step: 0.05, Stop: 5, Width: 2e-6, RefWidth: 1e-6, Gate: 1.2, FormedG: 1e-6, FormAccel: accel}
	rng := rand.New(rand.NewPCG(3, 4))
	n := c.Rows * c.Cols
	rows, cols, step := make([]int, n), make([]int, n), make([]int, n)
	status := make([]string, n)
	vapp, g0, gf := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		rows[i], cols[i] = i/c.Cols, i%c.Cols
		k := rampSteps(c, accel, mu+sd*rng.NormFloat64())
		step[i], g0[i] = k, 0.1
		if k < 0 {
			status[i], vapp[i], gf[i] = statusUnformed, math.NaN(), math.NaN()
			continue
		}
		status[i], vapp[i], gf[i] = statusFormed, float64(c.ramp()[k]), 14
	}
	a, err := AnalyzeForm(c, frame(formCells, rows, cols, status, step, vapp, g0, gf), 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.VbdMean-mu) > tolMu || math.Abs(a.VbdStd-sd) > tolSd {
		t.Errorf("recovered Vbd %.4f ± %.4f, want %.4f ± %.4f", a.VbdMean, a.VbdStd, mu, sd)
	}
	// Closed form: the apparent mean sits A·ln((w/Wr)·S∞) − Step/2 below
	// the true one, S∞ = 1/(1 − exp(−Step/A)).
	shift := accel*math.Log(2/(1-math.Exp(-0.05/accel))) - 0.025
	if got := mu - a.Apparent.Mean; math.Abs(got-shift) > 0.02 {
		t.Errorf("apparent mean lowered by %.4f V, closed form %.4f V", got, shift)
	}
	if a.KS > 0.05 {
		t.Errorf("grouped KS distance %.3f of a correct model", a.KS)
	}
}

func TestFormEdgesClosedForm(t *testing.T) {
	// g(n) − V_n → A·ln((w/Wr)/(1 − e^(−Step/A))) for a long ramp (geometric
	// series), and g(0) − V_0 = A·ln(w/Wr).
	c := FormConfig{Start: 1, Step: 0.05, Stop: 5, Width: 3e-6, RefWidth: 1e-6, FormAccel: 0.17}
	e := formEdges(c)
	r := c.ramp()
	const tol = 1e-9
	if got, want := e[0]-float64(r[0]), 0.17*math.Log(3); math.Abs(got-want) > tol {
		t.Errorf("g(0) − V0 = %.12g, want %.12g", got, want)
	}
	n := len(e) - 1
	if got, want := e[n]-float64(r[n]), 0.17*math.Log(3/(1-math.Exp(-0.05/0.17))); math.Abs(got-want) > 1e-6 {
		t.Errorf("g(∞) − V = %.9g, want %.9g", got, want)
	}
}

func TestDistFitPicksTheFamily(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	norm, logn := make([]float64, 3000), make([]float64, 3000)
	for i := range norm {
		norm[i] = 14.25 + 2.46*rng.NormFloat64() // the ESGNN statistics (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023)
		logn[i] = math.Exp(2.6 + 0.5*rng.NormFloat64())
	}
	if f := fitNormalOrLogNormal(norm); f.Best != "normal" {
		t.Errorf("normal sample: best %s (AIC %g vs %g)", f.Best, f.AICNormal, f.AICLogNormal)
	}
	if f := fitNormalOrLogNormal(logn); f.Best != "lognormal" || math.Abs(f.LogStd-0.5) > 0.03 {
		t.Errorf("log-normal sample: best %s, σ %.3f", f.Best, f.LogStd)
	}
}

func TestQuantum(t *testing.T) {
	// Values on a grid of 0.19619 (the lin2025 LSB in µS at the read
	// voltage: 1.8 V/2¹³/5600 Ω/0.2 V) are recognised as quantised.
	const q = 0.19619
	var x []float64
	for i := range 200 {
		x = append(x, float64(40+i%37)*q)
	}
	if got := quantum(x); math.Abs(got-q) > 1e-9 {
		t.Errorf("quantum = %g, want %g", got, q)
	}
	if got := quantum([]float64{1, 2}); got != 0 {
		t.Errorf("two values: quantum %g, want 0", got)
	}
}

func TestChunks(t *testing.T) {
	for _, c := range []struct {
		r    crossbar.Region
		max  int
		want int
	}{
		{crossbar.Region{Rows: 64, Cols: 64}, 0, 1},
		{crossbar.Region{Rows: 64, Cols: 64}, 4096, 1},
		{crossbar.Region{Rows: 64, Cols: 64}, 1000, 5}, // 15 rows per chunk
		{crossbar.Region{Row: 3, Col: 5, Rows: 2, Cols: 10}, 4, 6},
	} {
		ch := chunks(c.r, c.max)
		if len(ch) != c.want {
			t.Errorf("chunks(%v, %d): %d chunks, want %d", c.r, c.max, len(ch), c.want)
		}
		cells := 0
		for _, x := range ch {
			cells += x.Cells()
			if c.max > 0 && x.Cells() > c.max {
				t.Errorf("chunk %v over %d cells", x, c.max)
			}
			if !overlaps(x, c.r) || x.Row < c.r.Row || x.Col < c.r.Col || x.Row+x.Rows > c.r.Row+c.r.Rows || x.Col+x.Cols > c.r.Col+c.r.Cols {
				t.Errorf("chunk %v outside %v", x, c.r)
			}
		}
		if cells != c.r.Cells() {
			t.Errorf("chunks(%v, %d) cover %d cells", c.r, c.max, cells)
		}
	}
}

func TestCSVRoundTripIsExact(t *testing.T) {
	s := schema{{"n", series.Int}, {"w", series.Float}, {"s", series.String}}
	w := []float64{1e-7, 14.2473, math.NaN(), 1.0 / 3}
	df := frame(s, []int{1, 2, 3, 4}, w, []string{"a", "b,c", "d", ""})
	var b bytes.Buffer
	if err := writeCSV(&b, df); err != nil {
		t.Fatal(err)
	}
	back, err := readCSV(&b, "t.csv", s)
	if err != nil {
		t.Fatal(err)
	}
	got := floats(back, "w")
	for i := range w {
		if !(got[i] == w[i] || math.IsNaN(got[i]) && math.IsNaN(w[i])) {
			t.Errorf("w[%d] = %v after the round trip, want %v", i, got[i], w[i])
		}
	}
	if strs(back, "s")[1] != "b,c" || ints(back, "n")[3] != 4 {
		t.Errorf("round trip: %v", back.Records())
	}
}

func TestReadCSVErrorsNameLineAndColumn(t *testing.T) {
	s := schema{{"n", series.Int}, {"w", series.Float}}
	for _, c := range []struct{ in, want string }{
		{"", "empty file"},
		{"n\n1\n", "line 1: missing column(s) w"},
		{"n,w\n1,2\n2,x\n", "line 3 column w: \"x\" is not a number"},
		{"n,w\n1.5,2\n", "line 2 column n: \"1.5\" is not an integer"},
		{"n,w\n1,2,3\n", "wrong number of fields"},
	} {
		_, err := readCSV(strings.NewReader(c.in), "x.csv", s)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "calibrate: x.csv") {
			t.Errorf("readCSV(%q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("row,col,status,step,v_app_v,g_pristine_us,g_formed_us\n0,0,formed,3,3.5,0.1,14\n"))
	f.Add([]byte("row,col\n\"a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		df, err := readCSV(bytes.NewReader(b), "fuzz.csv", formCells)
		if err != nil {
			return
		}
		// Whatever parses must analyse without panicking.
		c, _ := Config{}.Resolve(mustPreset(t), mustPreset(t).Limits())
		_, _ = AnalyzeForm(c.Form, df, 0)
	})
}

func mustPreset(t testing.TB) crossbar.Params {
	p, err := crossbar.Preset("lin2025")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestJSONSafe(t *testing.T) {
	v := struct {
		A float64 `json:"a"`
		B []float64
		C units.Volts `json:"c,omitempty"`
		D string      `json:"-"`
	}{A: math.NaN(), B: []float64{1, math.Inf(1)}}
	m := JSONSafe(v).(map[string]any)
	if m["a"] != nil || m["B"].([]any)[1] != nil || m["B"].([]any)[0] != 1.0 {
		t.Errorf("JSONSafe = %v", m)
	}
	if _, ok := m["c"]; ok {
		t.Error("omitempty zero field kept")
	}
	if _, ok := m["D"]; ok {
		t.Error(`json:"-" field kept`)
	}
}
