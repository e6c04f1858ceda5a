package lsm_test

import (
	"context"
	"testing"

	"github.com/memlsm/memlsm/lsm"
)

// reference runs Lin et al. 2025, the authors' LIF code literally, the way the paper's torch code
// does: dense float32 matrix–vector products over every input and every
// neuron at every step, v = decay·v·(1−s) + I, s = v > Vth. It returns the
// spike raster s[t][j]. The weights are scaled as the encoder documents
// (float32(gain)·w), and every product is rounded to float32 before it is
// added, so the dense sums equal the event-driven ones bit for bit: the
// skipped terms are exact zeros.
func reference(cfg lsm.Config, d *lsm.Dense, in lsm.Input) [][]bool {
	win, wrec := d.Weights()
	nin, n := cfg.Inputs, cfg.Neurons
	gin, grec := float32(cfg.InputGain()), float32(cfg.RecurrentGain())
	decay, bias, th := float32(cfg.Decay), float32(cfg.Bias), float32(cfg.Threshold)
	x := make([]float32, nin)
	s := make([]float32, n)
	v := make([]float32, n)
	cur := make([]float32, n)
	raster := make([][]bool, cfg.Steps)
	valuer, _ := in.(interface{ Values(int) []float32 })
	for t := range cfg.Steps {
		clear(x)
		if t < in.Steps() {
			var vals []float32
			if valuer != nil {
				vals = valuer.Values(t)
			}
			for k, i := range in.Active(t) {
				x[i] = 1
				if vals != nil {
					x[i] = vals[k]
				}
			}
		}
		for j := range n {
			var a float32
			for i := range nin {
				a += float32(x[i] * float32(gin*win[i*n+j]))
			}
			for k := range n {
				if wrec != nil {
					a += float32(s[k] * float32(grec*wrec[k*n+j]))
				}
			}
			cur[j] = a + bias
		}
		raster[t] = make([]bool, n)
		for j := range n {
			v[j] = float32(float32(decay*v[j])*(1-s[j])) + cur[j]
			s[j] = 0
			if v[j] > th {
				s[j] = 1
				raster[t][j] = true
			}
		}
	}
	return raster
}

// TestDenseReference checks that the event-driven kernels (read-once fast
// path and the generic in-memory path) reproduce the literal dense reference
// spike for spike: every spike of every neuron at every step, on synthetic
// inputs, valued inputs and (when present) real N-MNIST recordings.
func TestDenseReference(t *testing.T) {
	ctx := context.Background()
	nm, err := lsm.Preset("nmnist")
	if err != nil {
		t.Fatal(err)
	}
	type testCase struct {
		name   string
		cfg    lsm.Config
		d      *lsm.Dense
		inputs []lsm.Input
	}
	// 29 neurons: three blocks of 8 and a tail of 5 in the kernels.
	small := lsm.Config{Inputs: 37, Neurons: 29, Steps: 40, Decay: 0.8, Threshold: 1.5, Gain: 0.3, Bias: 0.05}
	dSmall := lsm.Gaussian(37, 29, 0, 1, false, 3) // signed N(0,1): a mix of excitation and inhibition
	withVals := make([]lsm.Input, 0, 20)
	for k, in := range randomInputs(20, 40, 37, 0.2, 11) {
		withVals = append(withVals, withValues(in.(lsm.Raster), uint64(k)))
	}
	gauss := lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, true, 10)
	cases := []testCase{
		{"small-dense-input", small, dSmall, randomInputs(20, 40, 37, 0.3, 7)},
		{"small-sparse-input-short", small, dSmall, randomInputs(20, 25, 37, 0.05, 8)}, // padded to 40 steps
		{"small-long-input", small, dSmall, randomInputs(5, 60, 37, 0.1, 9)},           // cut to 40 steps
		{"small-valued", small, dSmall, withVals},
		{"small-split-gain", func() lsm.Config { c := small; c.RecGain = 0.7; return c }(), dSmall, randomInputs(20, 40, 37, 0.2, 10)},
		{"small-integrator-negative-bias", func() lsm.Config { c := small; c.Decay, c.Bias = 1, -0.1; return c }(), dSmall, randomInputs(10, 40, 37, 0.2, 12)},
		{"nmnist-synthetic-gain0.3", func() lsm.Config { c := nm; c.Gain = 0.3; return c }(), gauss, randomInputs(20, 50, 256, 0.087, 13)},
		{"nmnist-no-recurrence", nm, lsm.NewDense(256, 200, first(gauss.Weights()), nil), randomInputs(10, 50, 256, 0.087, 14)},
	}
	nReal := 100
	if raceEnabled {
		nReal = 5
	}
	if inputs, _ := nmnistInputsIfPresent(t, nReal); inputs != nil {
		cases = append(cases,
			testCase{"nmnist-real-paper-gain", nm, gauss, inputs},
			testCase{"nmnist-real-gain0.3", func() lsm.Config { c := nm; c.Gain = 0.3; return c }(), gauss, inputs})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Windows = cfg.Steps // one window per step: the features are the spike raster
			enc, err := lsm.New(cfg, tc.d, nil)
			if err != nil {
				t.Fatal(err)
			}
			feats := make([]float32, len(tc.inputs)*enc.Features())
			stats := make([]lsm.Stats, len(tc.inputs))
			total, err := enc.Encode(ctx, tc.inputs, feats, stats)
			if err != nil {
				t.Fatal(err)
			}
			if total.Spikes == 0 {
				t.Fatal("no spikes at all: the comparison would be vacuous")
			}
			n := cfg.Neurons
			var refSpikes int64
			for k, in := range tc.inputs {
				want := reference(cfg, tc.d, in)
				got := feats[k*enc.Features() : (k+1)*enc.Features()]
				var spikes int64
				for s := range cfg.Steps {
					for j := range n {
						g := got[s*n+j]
						if (g == 1) != want[s][j] || (g != 0 && g != 1) {
							t.Fatalf("sample %d step %d neuron %d: encoder %v, reference spike %v", k, s, j, g, want[s][j])
						}
						if want[s][j] {
							spikes++
						}
					}
				}
				if stats[k].Spikes != spikes {
					t.Fatalf("sample %d: Stats.Spikes %d, reference %d", k, stats[k].Spikes, spikes)
				}
				refSpikes += spikes
			}
			if total.Spikes != refSpikes {
				t.Fatalf("total spikes %d, reference %d", total.Spikes, refSpikes)
			}
			t.Logf("%d samples, %d spikes, mean rate %.4f, input density %.4f", len(tc.inputs), total.Spikes, total.MeanRate(), total.InputDensity())
		})
	}
}

// TestGenericPathMatchesDense runs the in-memory path (Current on a
// Synapses that is not a *Dense) against the fused read-once kernel. With
// power-of-two gains float32(g·Σw) equals Σ float32(g·w) exactly, so the two
// must agree bit for bit, for equal and for split gains, serial and
// concurrent.
func TestGenericPathMatchesDense(t *testing.T) {
	ctx := context.Background()
	d := lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, true, 10)
	inputs := randomInputs(24, 50, 256, 0.087, 21)
	for k := range 6 {
		inputs[k] = withValues(inputs[k].(lsm.Raster), uint64(k))
	}
	base, _ := lsm.Preset("nmnist")
	base.Windows = 5
	for _, gains := range [][2]float64{{0.25, 0}, {0.125, 0.25}, {0.5, 0.0625}} {
		cfg := base
		cfg.Gain, cfg.RecGain = gains[0], gains[1]
		fast, err := lsm.New(cfg, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(inputs)*fast.Features())
		wantTotal, err := fast.Encode(ctx, inputs, want, nil)
		if err != nil {
			t.Fatal(err)
		}
		if wantTotal.Spikes == 0 {
			t.Fatalf("gains %v: no spikes", gains)
		}
		for _, concurrent := range []bool{false, true} {
			syn := &opaque{d: d, concurrent: concurrent}
			gen, err := lsm.New(cfg, syn, &lsm.Options{Workers: 4})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 1, true: 4}[concurrent]; gen.Workers() != want {
				t.Errorf("concurrent=%v: %d workers, want %d", concurrent, gen.Workers(), want)
			}
			got := make([]float32, len(want))
			gotTotal, err := gen.Encode(ctx, inputs, got, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("gains %v concurrent=%v: feature %d = %v, fused kernel %v", gains, concurrent, i, got[i], want[i])
				}
			}
			if gotTotal != wantTotal {
				t.Errorf("gains %v: stats %+v, fused kernel %+v", gains, gotTotal, wantTotal)
			}
		}
	}
}

func first[A, B any](a A, _ B) A { return a }

// nmnistInputsIfPresent is nmnistInputs without the skip: nil when the real
// data is absent, so a table can include it optionally.
func nmnistInputsIfPresent(t *testing.T, n int) ([]lsm.Input, []int) {
	var inputs []lsm.Input
	var labels []int
	t.Run("load-nmnist", func(t *testing.T) { inputs, labels = nmnistInputs(t, n) })
	return inputs, labels
}
