package lsm_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/memlsm/memlsm/lsm"
)

// spikeTimes encodes one sample with Windows = Steps (one window per step,
// so each feature is s[t]) and returns the spike steps of every neuron.
func spikeTimes(t *testing.T, cfg lsm.Config, d *lsm.Dense, in lsm.Input) [][]int {
	t.Helper()
	cfg.Windows = cfg.Steps
	enc, err := lsm.New(cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	feat := make([]float32, enc.Features())
	if _, err := enc.EncodeSample(context.Background(), in, feat); err != nil {
		t.Fatal(err)
	}
	times := make([][]int, cfg.Neurons)
	for s := range cfg.Steps {
		for j := range cfg.Neurons {
			switch feat[s*cfg.Neurons+j] {
			case 1:
				times[j] = append(times[j], s)
			case 0:
			default:
				t.Fatalf("feature %v at step %d neuron %d is not a 0/1 spike", feat[s*cfg.Neurons+j], s, j)
			}
		}
	}
	return times
}

// constant returns an input with input 0 active at every one of T steps.
func constant(T int) lsm.Raster {
	r := make(lsm.Raster, T)
	for t := range r {
		r[t] = []int32{0}
	}
	return r
}

// TestSingleNeuronClosedForm drives one neuron with a constant current c
// (one input always active, weight c, gain 1, no recurrence). Closed form
// from Lin et al. 2025, the authors' LIF code: starting from v = 0 and after every spike, the
// membrane follows v_k = c·(1 − d^(k+1))/(1 − d), k = 0, 1, …, because the
// hard reset zeroes the decayed term and the input of the next step still
// adds; the neuron spikes at the first k with v_k > Vth and then repeats with
// period k+1. Every value below is exact in float32 (powers of two), so the
// spike steps are exact.
func TestSingleNeuronClosedForm(t *testing.T) {
	tests := []struct {
		name     string
		decay    float64
		th       float64
		c        float32
		want     []int // spike steps in T = 12
		wantNote string
	}{
		// v = 3, 4.5, 5.25 > 5 → spike at k = 2, period 3.
		{"integrate-then-fire", 0.5, 5, 3, []int{2, 5, 8, 11}, "v = 3, 4.5, 5.25"},
		// v = c = 6 > 5 at once, and again right after every reset: the
		// input of the step after a spike is not lost (no refractory step).
		{"fires-every-step", 0.5, 5, 6, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "v = 6 each step"},
		// v = 5 is not > 5: strict threshold, never a spike (decay 0: no memory).
		{"threshold-strict", 0, 5, 5, nil, "v = 5 = Vth"},
		// The same with Vth just below: a spike every step.
		{"threshold-just-below", 0, 4.75, 5, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "v = 5 > 4.75"},
		// Without leak (decay 1) v_k = 2(k+1): spikes when 2(k+1) > 7, k = 3.
		{"perfect-integrator", 1, 7, 2, []int{3, 7, 11}, "v = 2, 4, 6, 8"},
		// The limit c/(1−d) = 4 never exceeds Vth = 5: silent forever.
		{"subthreshold-limit", 0.5, 5, 2, nil, "v → 4 < 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := lsm.Config{Inputs: 1, Neurons: 1, Steps: 12, Decay: tc.decay, Threshold: tc.th, Gain: 1}
			d := lsm.NewDense(1, 1, []float32{tc.c}, nil)
			got := spikeTimes(t, cfg, d, constant(12))[0]
			if !slices.Equal(got, tc.want) {
				t.Errorf("spikes at %v, want %v (%s)", got, tc.want, tc.wantNote)
			}
		})
	}
}

// TestHardResetSemantics separates the paper's reset (Lin et al. 2025, the authors' LIF code: the
// decayed term is zeroed after a spike, the input of the next step still
// adds) from the two usual alternatives, a free-running membrane (no reset)
// and a refractory step (input ignored after a spike). Input 3, decay 0.5,
// Vth 5: with the paper's reset the neuron spikes at steps 2, 5, 8 (count
// 3 in 10 steps); without reset v → 6 and it would spike at 2…9 (count 8);
// with a refractory step it would spike at 2, 6 (count 2).
func TestHardResetSemantics(t *testing.T) {
	cfg := lsm.Config{Inputs: 1, Neurons: 1, Steps: 10, Decay: 0.5, Threshold: 5, Gain: 1}
	d := lsm.NewDense(1, 1, []float32{3}, nil)
	enc, err := lsm.New(cfg, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	feat := make([]float32, 1)
	if _, err := enc.EncodeSample(context.Background(), constant(10), feat); err != nil {
		t.Fatal(err)
	}
	if want := float32(3) / 10; feat[0] != want { // 3 spikes / Tw (Lin et al. 2025, the authors' LIF code readout)
		t.Errorf("rate %v, want %v (paper reset); no reset gives 0.8, a refractory step 0.2", feat[0], want)
	}
}

// TestRecurrenceDelay checks that the recurrent input is the previous step's
// spikes (W_rec·s[t−1], zero at t = 0): neuron 0 is driven to spike at every
// step from t = 0, and neuron 1, fed only by neuron 0 with weight 8 > Vth,
// must spike one step later, from t = 1. A self-weight of −8 on neuron 1
// then silences it on the step after each of its own spikes.
func TestRecurrenceDelay(t *testing.T) {
	cfg := lsm.Config{Inputs: 1, Neurons: 2, Steps: 6, Decay: 0.5, Threshold: 5, Gain: 1}
	win := []float32{6, 0} // input 0 → neuron 0 only
	t.Run("feed-forward", func(t *testing.T) {
		wrec := []float32{0, 8, 0, 0} // neuron 0 → neuron 1
		got := spikeTimes(t, cfg, lsm.NewDense(1, 2, win, wrec), constant(6))
		if want := []int{1, 2, 3, 4, 5}; !slices.Equal(got[1], want) {
			t.Errorf("neuron 1 spikes at %v, want %v", got[1], want)
		}
	})
	t.Run("self-inhibition", func(t *testing.T) {
		// Step t: I₁ = 8·s₀[t−1] − 8·s₁[t−1]. s₀ = 1 for all t, so neuron 1
		// alternates: spike at 1 (I = 8), silent at 2 (I = 0, v = 0),
		// spike at 3 (I = 8, v = 8), …
		wrec := []float32{0, 8, 0, -8}
		got := spikeTimes(t, cfg, lsm.NewDense(1, 2, win, wrec), constant(6))
		if want := []int{1, 3, 5}; !slices.Equal(got[1], want) {
			t.Errorf("neuron 1 spikes at %v, want %v", got[1], want)
		}
	})
}

// TestGainScaling checks where the gain acts: I = Gain·(W_in·x + W_rec·s)
// by default, InGain or RecGain replacing it for one matrix.
func TestGainScaling(t *testing.T) {
	// One input (weight 3) drives neuron 0 at every step; neuron 0 feeds
	// neuron 1 through W_rec (weight 3). Decay 0, Vth 5.
	win := []float32{3, 0}
	wrec := []float32{0, 3, 0, 0}
	d := lsm.NewDense(1, 2, win, wrec)
	base := lsm.Config{Inputs: 1, Neurons: 2, Steps: 4, Decay: 0, Threshold: 5, Gain: 1}
	tests := []struct {
		name           string
		gain, in, rec  float64
		want0, want1   int // spike counts of neuron 0 and 1 in 4 steps
		closedFormNote string
	}{
		{"gain-1", 1, 0, 0, 0, 0, "I₀ = 3 < 5"},
		{"gain-2-both", 2, 0, 0, 4, 3, "I₀ = 6 > 5 from t=0; I₁ = 6 from t=1"},
		{"in-gain-only", 1, 2, 0, 4, 0, "I₀ = 6, I₁ = 3"},
		{"rec-gain-only", 2, 1, 0, 0, 0, "I₀ = 3: no spike to carry"},
		{"rec-override", 2, 0, 1, 4, 0, "I₀ = 6, I₁ = 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.Gain, cfg.InGain, cfg.RecGain = tc.gain, tc.in, tc.rec
			got := spikeTimes(t, cfg, d, constant(4))
			if len(got[0]) != tc.want0 || len(got[1]) != tc.want1 {
				t.Errorf("spike counts %d, %d; want %d, %d (%s)", len(got[0]), len(got[1]), tc.want0, tc.want1, tc.closedFormNote)
			}
		})
	}
}

// TestWindows checks the windowed rates: K windows starting at ⌈w·T/K⌉.
// The closed-form neuron of TestSingleNeuronClosedForm spikes at 2, 5, 8, 11
// of T = 12. K = 3 gives windows [0,4) [4,8) [8,12) holding 1, 1, 2 spikes;
// K = 4 gives four windows of 3 steps with one spike each; K = 5 starts at
// 0, 3, 5, 8, 10 ([0,3) [3,5) [5,8) [8,10) [10,12)) with spikes
// {2} {} {5} {8} {11}.
func TestWindows(t *testing.T) {
	cfg := lsm.Config{Inputs: 1, Neurons: 1, Steps: 12, Decay: 0.5, Threshold: 5, Gain: 1}
	d := lsm.NewDense(1, 1, []float32{3}, nil)
	for _, tc := range []struct {
		k    int
		want []float32
	}{
		{1, []float32{float32(4) / 12}},
		{3, []float32{0.25, 0.25, 0.5}},
		{4, []float32{float32(1) / 3, float32(1) / 3, float32(1) / 3, float32(1) / 3}},
		{5, []float32{float32(1) / 3, 0, float32(1) / 3, 0.5, 0.5}},
	} {
		cfg.Windows = tc.k
		enc, err := lsm.New(cfg, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		feat := make([]float32, enc.Features())
		if _, err := enc.EncodeSample(context.Background(), constant(12), feat); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(feat, tc.want) {
			t.Errorf("K=%d: rates %v, want %v", tc.k, feat, tc.want)
		}
		total := 0
		for w := range tc.k {
			total += cfg.WindowSteps(w)
			for s := range cfg.Steps {
				if cfg.Window(s) == w && (s < total-cfg.WindowSteps(w) || s >= total) {
					t.Errorf("K=%d: Window(%d) = %d but window %d spans [%d, %d)", tc.k, s, w, w, total-cfg.WindowSteps(w), total)
				}
			}
		}
		if total != cfg.Steps {
			t.Errorf("K=%d: window lengths sum to %d, want %d", tc.k, total, cfg.Steps)
		}
	}
}

// TestStats checks the NeuroBench counts against hand-counted values for
// the closed-form neuron (spikes at 2, 5, 8, 11 of T = 12, one binary input
// event per step). W_rec is zero here, but a spike still costs its recurrent
// row: the count is of the work the event-driven reservoir does.
func TestStats(t *testing.T) {
	cfg := lsm.Config{Inputs: 1, Neurons: 1, Steps: 12, Decay: 0.5, Threshold: 5, Gain: 1}
	enc, err := lsm.New(cfg, lsm.NewDense(1, 1, []float32{3}, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	inputs := []lsm.Input{constant(12), constant(12), withValues(constant(6), 1)}
	feats := make([]float32, 3)
	per := make([]lsm.Stats, 3)
	total, err := enc.Encode(context.Background(), inputs, feats, per)
	if err != nil {
		t.Fatal(err)
	}
	// Sample 0: 12 input events (ACs, N = 1 each), 4 spikes of which the 3
	// at steps 2, 5, 8 are delivered at the next step (the one at step 11
	// ends the sample): 12 + 3 = 15 ACs. Dense: T·(In+N)·N = 12·2·1 = 24.
	want0 := lsm.Stats{Samples: 1, Steps: 12, InputEvents: 12, Spikes: 4, EffectiveACs: 15, DenseMACs: 24, ActiveSteps: 12, Inputs: 1, Neurons: 1}
	if per[0] != want0 || per[1] != want0 {
		t.Errorf("per-sample stats %+v, %+v; want %+v", per[0], per[1], want0)
	}
	if per[2].InputEvents != 6 || per[2].EffectiveMACs != 6 {
		t.Errorf("valued sample: %+v, want 6 input events and 6 MACs", per[2])
	}
	var sum lsm.Stats
	for _, s := range per {
		sum.Add(s)
	}
	if total != sum {
		t.Errorf("total %+v != sum of samples %+v", total, sum)
	}
	const tol = 1e-12 // exact ratios of small integers
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"MeanRate", want0.MeanRate(), 4.0 / 12},
		{"ActivationSparsity", want0.ActivationSparsity(), 1 - 4.0/12},
		{"InputDensity", want0.InputDensity(), 1},
		{"SynOpsPerSample", total.SynOpsPerSample(), float64(total.SynOps()) / 3},
	} {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if (lsm.Stats{}).MeanRate() != 0 || (lsm.Stats{}).ActivationSparsity() != 0 {
		t.Error("empty Stats must report zeros, not NaN")
	}
}

// TestStatsActiveSteps counts, by hand, the steps an event-driven array
// would read: one input (weight 6 > Vth 5, so every input event fires the
// neuron) at steps 0, 1 and 4 of 6, no recurrent weight. Spikes at 0, 1
// and 4 are delivered as recurrent rows at 1, 2 and 5, so steps 0, 1, 2, 4
// and 5 are active and step 3 is not; with counts on the inputs steps 0, 1
// and 4 are valued and only step 1 also has a recurrent row.
func TestStatsActiveSteps(t *testing.T) {
	cfg := lsm.Config{Inputs: 1, Neurons: 1, Steps: 6, Decay: 0.5, Threshold: 5, Gain: 1}
	enc, err := lsm.New(cfg, lsm.NewDense(1, 1, []float32{6}, []float32{0}), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := lsm.Raster{{0}, {0}, nil, nil, {0}, nil}
	v := valued{Raster: r, vals: [][]float32{{1}, {1}, nil, nil, {1}, nil}}
	per := make([]lsm.Stats, 2)
	if _, err := enc.Encode(context.Background(), []lsm.Input{r, v}, make([]float32, 2), per); err != nil {
		t.Fatal(err)
	}
	for i, want := range [][3]int64{{5, 0, 0}, {5, 3, 1}} {
		got := [3]int64{per[i].ActiveSteps, per[i].ValuedSteps, per[i].ValuedRecSteps}
		if got != want || per[i].Spikes != 3 {
			t.Errorf("sample %d: active, valued, valued+recurrent steps %v and %d spikes; want %v and 3", i, got, per[i].Spikes, want)
		}
	}
}

// TestStatsBandReads counts by hand the row bands the reads of
// TestStatsActiveSteps drive when the input row (row 0) and the neuron's
// recurrent row (row 1) lie in two bands, as on two tile rows of a grid of
// macros. Binary sample: steps 0 and 4 drive the input band, step 1 both
// bands, steps 2 and 5 the recurrent band: 6 band reads. With counts:
// steps 0, 1 and 4 drive the input band in their valued reads (3), and
// steps 1, 2 and 5 the recurrent band in binary reads (3).
func TestStatsBandReads(t *testing.T) {
	cfg := lsm.Config{Inputs: 1, Neurons: 1, Steps: 6, Decay: 0.5, Threshold: 5, Gain: 1}
	r := lsm.Raster{{0}, {0}, nil, nil, {0}, nil}
	v := valued{Raster: r, vals: [][]float32{{1}, {1}, nil, nil, {1}, nil}}
	for _, bands := range [][]int{nil, {1}} {
		enc, err := lsm.New(cfg, lsm.NewDense(1, 1, []float32{6}, []float32{0}), &lsm.Options{RowBands: bands})
		if err != nil {
			t.Fatal(err)
		}
		per := make([]lsm.Stats, 2)
		if _, err := enc.Encode(context.Background(), []lsm.Input{r, v}, make([]float32, 2), per); err != nil {
			t.Fatal(err)
		}
		want := [][2]int64{{6, 0}, {3, 3}}
		if bands == nil {
			want = [][2]int64{{0, 0}, {0, 0}}
		}
		for i := range per {
			if got := [2]int64{per[i].BandReads, per[i].ValuedBandReads}; got != want[i] {
				t.Errorf("bands %v, sample %d: band reads, valued band reads %v, want %v", bands, i, got, want[i])
			}
		}
	}
	for _, bad := range [][]int{{0}, {2}, {1, 1}} {
		if _, err := lsm.New(cfg, lsm.NewDense(1, 1, []float32{6}, []float32{0}), &lsm.Options{RowBands: bad}); err == nil {
			t.Errorf("row bands %v accepted for 2 rows", bad)
		}
	}
}

// TestDeterministicAcrossWorkers: the same inputs and weights give
// bit-identical features and stats for 1, 2, 3 and 8 workers.
func TestDeterministicAcrossWorkers(t *testing.T) {
	cfg, _ := lsm.Preset("nmnist")
	cfg.Gain, cfg.Windows = 0.2, 4
	d := lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, true, 10)
	inputs := randomInputs(64, 50, 256, 0.087, 5)
	var ref []float32
	var refTotal lsm.Stats
	for _, w := range []int{1, 2, 3, 8} {
		enc, err := lsm.New(cfg, d, &lsm.Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		feats := make([]float32, len(inputs)*enc.Features())
		total, err := enc.Encode(context.Background(), inputs, feats, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref, refTotal = feats, total
			if total.Spikes == 0 {
				t.Fatal("no spikes")
			}
			continue
		}
		if !slices.Equal(feats, ref) || total != refTotal {
			t.Errorf("%d workers: results differ from 1 worker", w)
		}
	}
	// A seed fixes the Gaussian reservoir; another seed changes it.
	if w1, _ := lsm.Gaussian(8, 4, 0, 1, true, 1).Weights(); !slices.Equal(w1, first(lsm.Gaussian(8, 4, 0, 1, true, 1).Weights())) {
		t.Error("Gaussian is not a function of its seed")
	} else if slices.Equal(w1, first(lsm.Gaussian(8, 4, 0, 1, true, 2).Weights())) {
		t.Error("Gaussian ignores its seed")
	}
}

// TestGaussianStatistics: the differential weights of N(14.2473, 2.4624)
// cells have mean 0 and std √2·2.4624 ≈ 3.482 (Lin et al. 2025, the authors' Gaussian weight simulation, closed form
// of a difference of independent normals); single-ended ones keep the
// cells' mean and std. n = 91,200 draws: the standard error of the mean is
// 3.48/√91200 ≈ 0.012 and of the std ≈ 0.008, so the tolerances below are
// about 5 standard errors.
func TestGaussianStatistics(t *testing.T) {
	for _, tc := range []struct {
		differential         bool
		wantMean, wantStd    float64
		tolMean, tolStdRatio float64
	}{
		{true, 0, math.Sqrt2 * lsm.GaussianStd, 0.06, 0.012},
		{false, lsm.GaussianMean, lsm.GaussianStd, 0.04, 0.012},
	} {
		win, wrec := lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, tc.differential, 10).Weights()
		w := append(slices.Clone(win), wrec...)
		var s, s2 float64
		for _, x := range w {
			s += float64(x)
			s2 += float64(x) * float64(x)
		}
		mean := s / float64(len(w))
		std := math.Sqrt(s2/float64(len(w)) - mean*mean)
		if math.Abs(mean-tc.wantMean) > tc.tolMean || math.Abs(std/tc.wantStd-1) > tc.tolStdRatio {
			t.Errorf("differential=%v: mean %.4f std %.4f, want %.4f ± %v, %.4f ± %v%%",
				tc.differential, mean, std, tc.wantMean, tc.tolMean, tc.wantStd, 100*tc.tolStdRatio)
		}
	}
}

func TestPresets(t *testing.T) {
	// Lin et al. 2025, the authors' run scripts table: (in, N, Tw, decay, Vth, const).
	want := map[string][6]float64{
		"nmnist":         {256, 200, 50, 0.9, 5.0, 0.07},
		"ntidigits":      {64, 200, 129, 0.97, 5.3, 0.08},
		"zeroshot-image": {256, 200, 50, 0.9, 5.0, 0.3},
		"zeroshot-audio": {64, 200, 129, 0.97, 5.3, 0.1},
		"btv-neural":     {192, 2048, 201, 0.95, 0.1, 0.0005},
		"btv-emnist":     {784, 2048, 49, 0.95, 0.1, 0.0005},
	}
	names := lsm.Presets()
	if len(names) != len(want) || !slices.IsSorted(names) {
		t.Fatalf("Presets() = %v", names)
	}
	for _, name := range names {
		c, err := lsm.Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		got := [6]float64{float64(c.Inputs), float64(c.Neurons), float64(c.Steps), c.Decay, c.Threshold, c.Gain}
		if got != want[name] || c.Name != name {
			t.Errorf("%s: %v (name %q), want %v", name, got, c.Name, want[name])
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if c.InputGain() != c.Gain || c.RecurrentGain() != c.Gain || c.Bias != 0 || c.Features() != c.Neurons {
			t.Errorf("%s: default gains/bias/features wrong: %+v", name, c)
		}
	}
	if _, err := lsm.Preset("nope"); err == nil || !strings.HasPrefix(err.Error(), "lsm: ") {
		t.Errorf("unknown preset: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	good, _ := lsm.Preset("nmnist")
	for _, tc := range []struct {
		field string
		mod   func(*lsm.Config)
	}{
		{"inputs", func(c *lsm.Config) { c.Inputs = 0 }},
		{"neurons", func(c *lsm.Config) { c.Neurons = -1 }},
		{"steps", func(c *lsm.Config) { c.Steps = 0 }},
		{"decay", func(c *lsm.Config) { c.Decay = 1.01 }},
		{"decay", func(c *lsm.Config) { c.Decay = math.NaN() }},
		{"threshold", func(c *lsm.Config) { c.Threshold = 0 }},
		{"threshold", func(c *lsm.Config) { c.Threshold = math.Inf(1) }},
		{"gain", func(c *lsm.Config) { c.Gain = 0 }},
		{"in_gain", func(c *lsm.Config) { c.InGain = -1 }},
		{"rec_gain", func(c *lsm.Config) { c.RecGain = math.NaN() }},
		{"bias", func(c *lsm.Config) { c.Bias = math.Inf(-1) }},
		{"windows", func(c *lsm.Config) { c.Windows = 51 }},
	} {
		c := good
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) || !strings.HasPrefix(err.Error(), "lsm: ") {
			t.Errorf("%s: err = %v", tc.field, err)
		}
		if _, err := lsm.New(c, lsm.Gaussian(max(c.Inputs, 1), max(c.Neurons, 1), 0, 1, false, 1), nil); err == nil {
			t.Errorf("%s: New accepted an invalid config", tc.field)
		}
	}
	if _, err := lsm.New(good, lsm.Gaussian(64, 200, 0, 1, false, 1), nil); err == nil {
		t.Error("New accepted synapses of the wrong size")
	}
}

// TestBadInput: malformed inputs return errors naming the sample and step;
// they never panic and never corrupt later samples.
func TestBadInput(t *testing.T) {
	cfg := lsm.Config{Inputs: 4, Neurons: 3, Steps: 3, Decay: 0.5, Threshold: 1, Gain: 1}
	d := lsm.Gaussian(4, 3, 1, 0.5, false, 1)
	for _, tc := range []struct {
		name string
		in   lsm.Input
		want string
	}{
		{"out-of-range", lsm.Raster{{0}, {1, 4}}, "sample 1: step 1: input index 4 outside [0, 4)"},
		{"negative", lsm.Raster{{-1}}, "sample 1: step 0: input index -1 outside"},
		{"unsorted", lsm.Raster{{2, 1}}, "sample 1: step 0: active inputs not strictly increasing"},
		{"duplicate", lsm.Raster{{}, {}, {3, 3}}, "sample 1: step 2: active inputs not strictly increasing"},
		{"values-length", valued{Raster: lsm.Raster{{1, 2}}, vals: [][]float32{{1}}}, "sample 1: step 0: 1 values for 2 active inputs"},
	} {
		for _, syn := range []lsm.Synapses{d, &opaque{d: d}} {
			enc, err := lsm.New(cfg, syn, &lsm.Options{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			inputs := []lsm.Input{lsm.Raster{{0}}, tc.in, lsm.Raster{{1}}}
			_, err = enc.Encode(context.Background(), inputs, make([]float32, 9), nil)
			if err == nil || !strings.HasPrefix(err.Error(), "lsm: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s (%T): err = %v, want …%s…", tc.name, syn, err, tc.want)
			}
		}
	}
}

// failing is a Synapses whose array fails at its n-th call.
type failing struct {
	*opaque
	n int
}

var errArray = errors.New("array: stuck ADC")

func (f *failing) Current(ctx context.Context, in []int32, inVal []float32, rec []int32, cur []float32) error {
	if f.n--; f.n == 0 {
		return errArray
	}
	return f.opaque.Current(ctx, in, inVal, rec, cur)
}

func TestSynapsesErrorAndCancel(t *testing.T) {
	cfg := lsm.Config{Inputs: 4, Neurons: 3, Steps: 3, Decay: 0.5, Threshold: 1, Gain: 1}
	d := lsm.Gaussian(4, 3, 1, 0.5, false, 1)
	full := lsm.Raster{{0, 1}, {2}, {3}}
	enc, err := lsm.New(cfg, &failing{opaque: &opaque{d: d}, n: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = enc.Encode(context.Background(), []lsm.Input{full, full}, make([]float32, 6), nil)
	if !errors.Is(err, errArray) || !strings.Contains(err.Error(), "lsm: sample 1: step 1: array: stuck ADC") {
		t.Errorf("err = %v, want the array's error wrapped with sample and step", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	enc, _ = lsm.New(cfg, d, nil)
	total, err := enc.Encode(ctx, []lsm.Input{full, full, full}, make([]float32, 9), nil)
	if !errors.Is(err, context.Canceled) || total.Samples != 0 {
		t.Errorf("cancelled: err = %v, %d samples done", err, total.Samples)
	}
	if _, err := enc.EncodeSample(ctx, full, make([]float32, 3)); !errors.Is(err, context.Canceled) {
		t.Errorf("EncodeSample cancelled: err = %v", err)
	}
}

// countingProgress records Add calls; it must be safe for concurrent use.
type countingProgress struct{ n atomic.Int64 }

func (p *countingProgress) Add(n int) { p.n.Add(int64(n)) }

func TestProgress(t *testing.T) {
	cfg, _ := lsm.Preset("nmnist")
	p := &countingProgress{}
	enc, err := lsm.New(cfg, lsm.Gaussian(256, 200, 0, 1, true, 1), &lsm.Options{Workers: 3, Progress: p})
	if err != nil {
		t.Fatal(err)
	}
	inputs := randomInputs(17, 50, 256, 0.05, 1)
	if _, err := enc.Encode(context.Background(), inputs, make([]float32, 17*200), nil); err != nil {
		t.Fatal(err)
	}
	if got := p.n.Load(); got != 17 {
		t.Errorf("progress saw %d samples, want 17", got)
	}
}

// TestEncodeSampleAllocs: the warm single-sample path allocates nothing.
func TestEncodeSampleAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	cfg, _ := lsm.Preset("nmnist")
	cfg.Gain = 0.2
	in := randomInputs(1, 50, 256, 0.087, 3)[0]
	feat := make([]float32, 200)
	for _, syn := range []lsm.Synapses{lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, true, 10), &opaque{d: lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, true, 10)}} {
		enc, err := lsm.New(cfg, syn, nil)
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := enc.EncodeSample(context.Background(), in, feat); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%T: %v allocations per sample, want 0", syn, allocs)
		}
	}
}

// TestSerialSynapses: a Synapses that is not Concurrent is reached by one
// goroutine at a time even when EncodeSample is called concurrently (run
// with -race: opaque counts its calls without synchronisation).
func TestSerialSynapses(t *testing.T) {
	cfg, _ := lsm.Preset("nmnist")
	syn := &opaque{d: lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, true, 10)}
	enc, err := lsm.New(cfg, syn, nil)
	if err != nil {
		t.Fatal(err)
	}
	inputs := randomInputs(8, 50, 256, 0.087, 4)
	var wg sync.WaitGroup
	for _, in := range inputs {
		wg.Go(func() {
			if _, err := enc.EncodeSample(context.Background(), in, make([]float32, 200)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Every step of these samples has input events: one call per step.
	if want := 8 * 50; syn.calls != want {
		t.Errorf("%d calls to Current, want %d", syn.calls, want)
	}
}
