package experiment

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/units"
)

// year is a Julian year in seconds.
const year = units.Seconds(365.25 * 86400)

// The relaxation an aged experiment reports follows the drift model in
// closed form: G(t) = G0·(1 + t/t0)^(−ν·f) with f log-normal of mean 1 and
// σ_ln = drift_nu_spread, so the mean ratio is E[(1 + t/t0)^(−ν f)],
// evaluated here by quadrature over f; drift compensation scales the
// currents by the inverse of the mean |G⁺ − G⁻| ratio.
func TestAgingRatioMatchesDriftModel(t *testing.T) {
	ctx := context.Background()
	d, test := syntheticImages(3, 8, 5), syntheticImages(3, 4, 6)
	p, _ := crossbar.Preset("lin2025")
	for _, tc := range []struct {
		age  units.Seconds
		comp bool
	}{{1, false}, {3600, true}, {year, false}, {year, true}} {
		r, err := Classify(ctx, ClassifyConfig{Data: d, Test: test, Seed: 2, Head: fastHead,
			Macro:   Macro{Age: tc.age, DriftComp: tc.comp},
			Encoder: EncoderConfig{Reservoir: lsm.Config{Windows: 1}, CalibrationSamples: 10}})
		if err != nil {
			t.Fatal(err)
		}
		ag := r.Macro.Aging
		if ag == nil || len(ag.Arrays) != 1 || ag.AgeS != float64(tc.age) || ag.DriftComp != tc.comp {
			t.Fatalf("age %v: aging info %+v", tc.age, ag)
		}
		// ln(1 + t/t0)·ν, then E over f = exp(s·z − s²/2).
		x := p.DriftNuLRS * math.Log1p(float64(tc.age/p.DriftT0))
		s := p.DriftNuSpread
		var want float64
		const n = 2000
		for i := range n + 1 {
			z := -8 + 16*float64(i)/n
			wt := 16.0 / n / math.Sqrt(2*math.Pi) * math.Exp(-z*z/2)
			if i == 0 || i == n {
				wt /= 2
			}
			want += wt * math.Exp(-x*math.Exp(s*z-s*s/2))
		}
		a := ag.Arrays[0]
		// Tolerance: 0.1 % (the read noise of two reads of ~90 000 cells
		// averages to < 0.01 %; ADC quantisation of 0.2 µS codes is unbiased).
		if math.Abs(a.GMeanRatio-want) > 1e-3 {
			t.Errorf("age %v: mean conductance ratio %.5f, drift model %.5f", tc.age, a.GMeanRatio, want)
		}
		// The weights G⁺ − G⁻ shrink less than the conductances: each cell
		// relaxes by its own factor r, and (r⁺ − r⁻)(G⁺ + G⁻)/2 adds a
		// random term that inflates mean|G⁺ − G⁻|. So the compensation
		// (aihwkit's mean |output| readout) under-corrects the mean decay.
		if !(a.WeightRatio >= want-1e-3 && a.WeightRatio <= 1+1e-3) {
			t.Errorf("age %v: weight ratio %.5f outside [drift model %.5f, 1]", tc.age, a.WeightRatio, want)
		}
		wantScale := 1.0
		if tc.comp {
			wantScale = 1 / a.WeightRatio
		}
		if a.Scale != wantScale {
			t.Errorf("age %v: compensation scale %v, want %v", tc.age, a.Scale, wantScale)
		}
		t.Logf("age %v comp %v: G ratio %.4f (model %.4f), scale %.4f, accuracy %.3f", tc.age, tc.comp, a.GMeanRatio, want, a.Scale, r.Accuracy)
	}
}

// Ageing reaches every mode: the aged test features differ from the
// fresh ones, drift compensation brings the test activity back towards the
// activity the gain was calibrated for, and an experiment without age is
// untouched.
func TestAgingModes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the reservoir through the simulated array (skipped with -short)")
	}
	ctx := context.Background()
	d, test := syntheticImages(3, 8, 5), syntheticImages(3, 4, 6)
	enc := EncoderConfig{Reservoir: lsm.Config{Windows: 1}, CalibrationSamples: 10}
	for _, m := range []Mode{ReadOnce, InMemory, OnBoard} {
		rate := func(age units.Seconds, comp bool) float64 {
			r, err := Classify(ctx, ClassifyConfig{Data: d, Test: test, Seed: 2, Head: fastHead, Encoder: enc,
				Macro: Macro{Mode: m, Age: age, DriftComp: comp}})
			if err != nil {
				t.Fatalf("%v age %v: %v", m, age, err)
			}
			if age == 0 && r.Macro.Aging != nil {
				t.Errorf("%v: aging info without age", m)
			}
			return r.FoldResults[0].MeanRate
		}
		fresh, old, comp := rate(0, false), rate(100*year, false), rate(100*year, true)
		t.Logf("%v: mean rate fresh %.4f, 100 y %.4f, 100 y compensated %.4f", m, fresh, old, comp)
		if !(old < fresh) {
			t.Errorf("%v: relaxation should lower the activity: fresh %.4f, aged %.4f", m, fresh, old)
		}
		if !(math.Abs(comp-fresh) < math.Abs(old-fresh)) {
			t.Errorf("%v: compensation should restore the activity: fresh %.4f, aged %.4f, compensated %.4f", m, fresh, old, comp)
		}
	}
}

func TestAgingErrors(t *testing.T) {
	ctx := context.Background()
	d := syntheticImages(3, 4, 5)
	for _, tc := range []struct {
		m    Macro
		want string
	}{
		{Macro{DriftComp: true}, "needs an age"},
		{Macro{Software: true, Age: 10}, "do not age"},
		{Macro{Age: -1}, "age"},
		{Macro{Age: units.Seconds(math.Inf(1))}, "finite"},
	} {
		_, err := Classify(ctx, ClassifyConfig{Data: d, Seed: 1, Head: fastHead, Macro: tc.m})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.m, err, tc.want)
		}
	}
}

// In-memory and on-board results report the clipped share of the
// encoding's ADC conversions, and warn above 1 %.
func TestSaturationReported(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the reservoir through the simulated array (skipped with -short)")
	}
	ctx := context.Background()
	d, test := syntheticImages(3, 6, 5), syntheticImages(3, 3, 6)
	enc := EncoderConfig{Reservoir: lsm.Config{Windows: 1}, CalibrationSamples: 10}
	p, _ := crossbar.Preset("lin2025")
	hot := p
	hot.ADCFullScale = 0.05 // ≈ 3 formed cells at the read voltage: every busy column clips
	for _, tc := range []struct {
		params crossbar.Params
		mode   Mode
		warn   bool
	}{{p, InMemory, false}, {hot, InMemory, true}, {hot, OnBoard, true}, {p, ReadOnce, false}} {
		r, err := Classify(ctx, ClassifyConfig{Data: d, Test: test, Seed: 2, Head: fastHead, Encoder: enc,
			Macro: Macro{Mode: tc.mode, Params: tc.params}})
		if err != nil {
			t.Fatal(err)
		}
		s := r.Macro.Saturation
		if tc.mode == ReadOnce {
			if s != nil {
				t.Errorf("read-once: saturation %+v, want none (no multiplies on the array)", s)
			}
			continue
		}
		if s == nil || s.Conversions == 0 {
			t.Fatalf("%v: no saturation report", tc.mode)
		}
		if (s.Warning != "") != tc.warn || (s.Fraction > SaturationWarnFraction) != tc.warn || len(r.Macro.Warnings()) != btoi(tc.warn) {
			t.Errorf("%v full scale %v: fraction %.4f, warning %q", tc.mode, tc.params.ADCFullScale, s.Fraction, s.Warning)
		}
		// The encoding's conversions: one per column per time step (binary
		// frames: one plane).
		steps := r.Encode.Steps
		if want := steps * int64(2*r.Encoder.Reservoir.Neurons); s.Conversions != want {
			t.Errorf("%v: %d conversions, want steps × columns = %d", tc.mode, s.Conversions, want)
		}
		t.Logf("%v full scale %v: %d of %d clipped (%.4f) %q", tc.mode, tc.params.ADCFullScale, s.Clipped, s.Conversions, s.Fraction, s.Warning)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
