package crossbar

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/memlsm/memlsm/internal/shareddata"
	"github.com/memlsm/memlsm/units"
)

// The forming model's closed-form predictions (PredictForming) against the
// simulated array, at three amplitudes and three widths on the full
// 512×512 lin2025 macro: the formed fraction and the mean and σ of the
// formed conductances, as one Read reports them, move as the model says.
// Tolerances: formed fraction 5σ binomial; mean 5 standard errors + 0.2 %;
// σ 2 % (sampling error of σ over ≥ 40 000 cells is < 0.5 %, the rest
// covers the neglected clips and the DAC's quantisation of the pulse).
func TestFormingPulseShapesConductance(t *testing.T) {
	p := mustPreset(t, "lin2025")
	def := DefaultForming(p)
	type point struct {
		name  string
		pulse Pulse
	}
	var pts []point
	for _, v := range []units.Volts{3.55, 3.75, 4.12} {
		q := def
		q.Amplitude = v
		pts = append(pts, point{"amplitude " + v.String(), q})
	}
	for _, w := range []units.Seconds{100e-9, 1e-6, 10e-6} {
		q := def
		q.Width = w
		pts = append(pts, point{"width " + w.String(), q})
	}
	var got []ConductanceStats
	for _, pt := range pts {
		m := newTestModel(t, "lin2025", 512, 512, 1, nil)
		mustProgram(t, m, m.Geometry().All(), pt.pulse)
		st := Summarize(mustRead(t, m, m.Geometry().All()), p.FormedThreshold)
		pr := PredictForming(p, pt.pulse)
		t.Logf("%-18s formed %.4f (pred %.4f)  G %.3f ± %.3f µS (pred %.3f ± %.3f)", pt.name,
			st.FormedFraction, pr.FormedFraction, st.MeanUS, st.StdUS, pr.ReadMeanUS, pr.ReadStdUS)
		if d := math.Abs(st.FormedFraction - pr.FormedFraction); d > binomTol(pr.FormedFraction, st.Cells) {
			t.Errorf("%s: formed %.5f, predicted %.5f", pt.name, st.FormedFraction, pr.FormedFraction)
		}
		if tol := 5*pr.ReadStdUS/math.Sqrt(float64(st.Formed)) + 0.002*pr.ReadMeanUS; math.Abs(st.MeanUS-pr.ReadMeanUS) > tol {
			t.Errorf("%s: mean %.4f µS, predicted %.4f ± %.4f", pt.name, st.MeanUS, pr.ReadMeanUS, tol)
		}
		if math.Abs(st.StdUS-pr.ReadStdUS) > 0.02*pr.ReadStdUS {
			t.Errorf("%s: σ %.4f µS, predicted %.4f ± 2 %%", pt.name, st.StdUS, pr.ReadStdUS)
		}
		got = append(got, st)
	}
	// The direction of each effect: amplitude and width raise both the
	// formed fraction and the mean conductance.
	for _, k := range []int{1, 2, 4, 5} {
		if !(got[k].FormedFraction >= got[k-1].FormedFraction && got[k].MeanUS > got[k-1].MeanUS) {
			t.Errorf("%s → %s: formed %.4f → %.4f, mean %.3f → %.3f µS: want both to rise",
				pts[k-1].name, pts[k].name, got[k-1].FormedFraction, got[k].FormedFraction, got[k-1].MeanUS, got[k].MeanUS)
		}
	}
}

// The growth law in closed form: a filament that carried the compliance
// current for t has G/G_ref = V_C/(V_C − GrowthAccel·ln(t/RefWidth)); one
// RefWidth gives exactly lrs_mean (the calibration point), each e-fold of
// time lowers the holding voltage by GrowthAccel.
func TestGrowthFactor(t *testing.T) {
	p := mustPreset(t, "lin2025")
	p.ParasiticCap = 0 // isolate the time term
	g := newGrowth(p)
	vc := float64(p.ComplianceRef) / float64(p.LRSMean) // 0.4 V by construction
	if math.Abs(vc-0.4) > 1e-12 {
		t.Fatalf("holding voltage %g V, want 0.4 V (compliance_ref = lrs_mean × 0.4 V)", vc)
	}
	icc := float64(p.ComplianceRef)
	for _, tc := range []struct{ t, want float64 }{
		{1e-6, 1},
		{10e-6, 0.4 / (0.4 - 0.03*math.Log(10))},
		{100e-9, 0.4 / (0.4 + 0.03*math.Log(10))},
		{1e-3, 0.4 / (0.4 - 0.03*math.Log(1000))},
	} {
		if got := g.factor(4, tc.t, icc); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("factor after %v at compliance = %.12f, want %.12f", units.Seconds(tc.t), got, tc.want)
		}
	}
	// Overshoot: a breakdown at the very end of the pulse still has the
	// capacitor's charge C·(V − V_C), worth C·(V − V_C)/I_cc at compliance.
	p.ParasiticCap = 20e-15
	g = newGrowth(p)
	teq := 20e-15 * (4 - vc) / icc
	if got, want := g.factor(4, 0, icc), vc/(vc-0.03*math.Log(teq/1e-6)); math.Abs(got-want) > 1e-12 {
		t.Errorf("overshoot-only factor %.12f, want %.12f", got, want)
	}
	// No time and no overshoot: the cell holds at most the applied voltage.
	p.ParasiticCap = 0
	if got := newGrowth(p).factor(4, 0, icc); math.Abs(got-vc/4) > 1e-12 {
		t.Errorf("factor with no charge = %g, want V_C/V = %g", got, vc/4)
	}
}

// Sparsity set by pulse: the amplitude AmplitudeForFraction returns forms
// that fraction of the array.
func TestAmplitudeForFraction(t *testing.T) {
	p := mustPreset(t, "lin2025")
	for _, f := range []float64{0.1, 0.5, 0.9} {
		for _, w := range []units.Seconds{1e-6, 10e-6} {
			v, err := AmplitudeForFraction(p, f, w)
			if err != nil {
				t.Fatal(err)
			}
			pulse := Pulse{Mode: Form, Amplitude: v, Width: w, Gate: p.FormGate}
			if got := PredictForming(p, pulse).FormedFraction; math.Abs(got-f) > 1e-9 {
				t.Errorf("fraction %g width %v: amplitude %v predicts %g", f, w, v, got)
			}
			m := newTestModel(t, "lin2025", 128, 128, 4, nil)
			mustProgram(t, m, m.Geometry().All(), pulse)
			st := Summarize(mustRead(t, m, m.Geometry().All()), p.FormedThreshold)
			if d := math.Abs(st.FormedFraction - f); d > binomTol(f, st.Cells) {
				t.Errorf("fraction %g width %v: amplitude %v formed %.4f", f, w, v, st.FormedFraction)
			}
		}
	}
	for _, f := range []float64{0, 1, 1e-4, -1} {
		if _, err := AmplitudeForFraction(p, f, 1e-6); err == nil {
			t.Errorf("fraction %g: no error (stuck cells make it unreachable)", f)
		}
	}
}

// DeconvolveReadNoise undoes what the read path adds: reading conductances
// of σ_G through read noise r gives back the measured σ.
func TestDeconvolveReadNoise(t *testing.T) {
	const mean, meas, r = 14.2473e-6, 2.4624e-6, 0.02
	sg := float64(DeconvolveReadNoise(meas, mean, r))
	back := math.Sqrt(sg*sg*(1+r*r) + r*r*mean*mean)
	if math.Abs(back-meas) > 1e-18 {
		t.Errorf("re-convolved σ %g, want %g", back, meas)
	}
	if DeconvolveReadNoise(1e-9, 1e-5, 0.5) != 0 {
		t.Error("read noise larger than the measured σ must give 0")
	}
	// The simulated lin2025 array reads back the measured ESGNN σ at the
	// measurement's conditions (one ref_width at compliance: growth
	// factor 1, no overshoot, no clipping): predicted through the model.
	p := mustPreset(t, "lin2025")
	p.ParasiticCap, p.StuckHRSRate, p.StuckLRSRate = 0, 0, 0
	p.GrowthAccel = 0
	pr := PredictForming(p, DefaultForming(p))
	lsb := float64(NewPeriphery(p).Siemens(1)) * 1e6
	if want := math.Sqrt(2.4624*2.4624 + lsb*lsb/12); math.Abs(pr.ReadStdUS-want) > 1e-3 {
		t.Errorf("read σ %.4f µS, want the measured 2.4624 (+ quantisation) = %.4f", pr.ReadStdUS, want)
	}
}

// lin2025's breakdown parameters are the conversion of the published ramp
// statistics (Wang et al., Nat. Mach. Intell. 5, 104 (2023), Ext. Data
// Fig. 1: mean 3.4332 V, σ 0.1144 V over 400 cells, ramp from 3 V in 0.05 V
// steps, dwell taken as one ref_width) to one ref_width pulse.
func TestLin2025BreakdownFit(t *testing.T) {
	p := mustPreset(t, "lin2025")
	ramp := Ramp{Start: 3, Step: 0.05, Dwell: p.RefWidth}
	mu, sd, err := FitRampBreakdown(3.4332, 0.11437860886290559, ramp, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("single-pulse Vbd at %v: %.4f ± %.4f V", p.RefWidth, float64(mu), float64(sd))
	// The preset stores them to 0.1 mV.
	if math.Abs(float64(mu-p.VbdMean)) > 1e-4 || math.Abs(float64(sd-p.VbdStd)) > 1e-4 {
		t.Errorf("fit %.5f ± %.5f V, preset %v ± %v", float64(mu), float64(sd), p.VbdMean, p.VbdStd)
	}
	// The fit reproduces the measured moments through the ramp.
	m, s := RampMoments(ramp, mu, sd, p.FormAccel, p.RefWidth)
	if math.Abs(float64(m)-3.4332) > 1e-9 || math.Abs(float64(s)-0.11437860886290559) > 1e-9 {
		t.Errorf("ramp moments of the fit %v ± %v", m, s)
	}
	// The default forming amplitude is vbd_mean + 4·vbd_std (to 10 mV).
	if d := float64(p.FormAmplitude - (p.VbdMean + 4*p.VbdStd)); math.Abs(d) > 0.01 {
		t.Errorf("form_amplitude %v is not vbd_mean + 4·vbd_std = %v", p.FormAmplitude, p.VbdMean+4*p.VbdStd)
	}
	// Closed-form limit: a slow ramp (step ≪ form_accel) from far below
	// behaves like a linear ramp of rate R = Step/Dwell, which breaks a cell
	// down when (a/(R·RefWidth))·exp((V − Vbd)/a) = 1, i.e. at
	// V = Vbd + a·ln(Step·RefWidth/(a·Dwell)).
	slow := Ramp{Start: 0.5, Step: 1e-3, Dwell: p.RefWidth}
	m, _ = RampMoments(slow, 3.6, 0.1, p.FormAccel, p.RefWidth)
	a := float64(p.FormAccel)
	if want := 3.6 + a*math.Log(1e-3/a); math.Abs(float64(m)-want) > 1e-3 {
		t.Errorf("slow ramp mean %.4f V, want the linear-ramp limit %.4f V", float64(m), want)
	}
	if _, _, err := FitRampBreakdown(2.9, 0.1, ramp, p); err == nil {
		t.Error("a mean below the ramp's start must be refused")
	}
}

// The same conversion from the measured cells themselves, when the data
// are present (they are never committed).
func TestLin2025BreakdownFitFromData(t *testing.T) {
	dir := shareddata.Dir(t, "esgnn")
	f, err := os.Open(filepath.Join(dir, "extended_data_fig1_breakdown_voltage.csv"))
	if err != nil {
		t.Skipf("breakdown voltages absent: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var v []float64
	for _, r := range rows[1:] {
		x, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		v = append(v, x)
	}
	var s, s2 float64
	for _, x := range v {
		s += x
	}
	mean := s / float64(len(v))
	for _, x := range v {
		s2 += (x - mean) * (x - mean)
	}
	std := math.Sqrt(s2 / float64(len(v)-1))
	if len(v) != 400 || math.Abs(mean-3.4332) > 1e-4 || math.Abs(std-0.1144) > 1e-4 {
		t.Fatalf("%d cells, mean %.4f V, σ %.4f V: not the published 400, 3.4332, 0.1144", len(v), mean, std)
	}
	p := mustPreset(t, "lin2025")
	mu, sd, err := FitRampBreakdown(units.Volts(mean), units.Volts(std), Ramp{Start: 3, Step: 0.05, Dwell: p.RefWidth}, p)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(mu-p.VbdMean)) > 1e-4 || math.Abs(float64(sd-p.VbdStd)) > 1e-4 {
		t.Errorf("fit from the data %.5f ± %.5f V, preset %v ± %v", float64(mu), float64(sd), p.VbdMean, p.VbdStd)
	}
}
