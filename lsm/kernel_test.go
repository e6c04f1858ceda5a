package lsm

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// BenchmarkStep200 is one reservoir step of the N-MNIST encoder (256 → 200)
// on the fused kernel: 22 active inputs (density 0.087 of 256, the measured
// N-MNIST density) and 5 spikes of the previous step (rate 0.025, the torch
// peer's mean rate on N-MNIST), i.e. 27 weight rows of 200.
func BenchmarkStep200(b *testing.B) {
	const in, n = 256, 200
	d := Gaussian(in, n, GaussianMean, GaussianStd, true, 10)
	w := make([]float32, len(d.w))
	for i, x := range d.w {
		w[i] = 0.07 * x
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var offs []int32
	for _, i := range rng.Perm(in)[:22] {
		offs = append(offs, int32(i*n))
	}
	for _, k := range rng.Perm(n)[:5] {
		offs = append(offs, int32((in+k)*n))
	}
	u := make([]float32, n)
	spk := make([]int32, n)
	counts := make([]int32, n)
	p := lifParams{decay: 0.9, th: 5}
	for b.Loop() {
		stepDense(w, offs, nil, u, p, spk, counts)
	}
	b.ReportMetric(float64(len(offs)*n)/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "synops/ns")
}

// TestKernelsAgree compares the build's fused kernel with the portable one
// step by step on random weights, inputs, values and spike lists, sizes with
// and without a tail of fewer than 8 (or 64) neurons. Where the portable
// kernel is the only one, the test skips.
func TestKernelsAgree(t *testing.T) {
	if Kernel() == "go" {
		t.Skip("only the portable kernel here (no AVX2, or built with -tags purego)")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 7, 8, 9, 63, 64, 65, 200, 333} {
		const in = 50
		w := make([]float32, (in+n)*n)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		p := lifParams{decay: 0.9, bias: 0.01, th: 1.5}
		u1, u2 := make([]float32, n), make([]float32, n)
		s1, s2 := make([]int32, n), make([]int32, n)
		c1, c2 := make([]int32, n), make([]int32, n)
		var prev []int32
		for step := range 40 {
			var offs []int32
			var vals []float32
			for i := range in {
				if rng.Float64() < 0.2 {
					offs = append(offs, int32(i*n))
					if step%2 == 0 {
						vals = append(vals, float32(1+rng.IntN(3)))
					}
				}
			}
			for _, k := range prev {
				offs = append(offs, int32((in+int(k))*n))
			}
			n1 := stepDense(w, offs, vals, u1, p, s1, c1)
			n2 := stepDenseGo(w, offs, vals, u2, p, s2, c2)
			if n1 != n2 || !slices.Equal(s1[:n1], s2[:n2]) || !slices.Equal(u1, u2) || !slices.Equal(c1, c2) {
				t.Fatalf("n=%d step %d: %s kernel and portable kernel differ", n, step, Kernel())
			}
			prev = slices.Clone(s1[:n1])
		}
		if slices.Max(c1) == 0 {
			t.Fatalf("n=%d: no spikes, the comparison is vacuous", n)
		}
	}
}

// TestLifParamsLayout guards the byte offsets kernel_amd64.s reads.
func TestLifParamsLayout(t *testing.T) {
	var p lifParams
	if unsafe.Offsetof(p.decay) != 0 || unsafe.Offsetof(p.bias) != 4 || unsafe.Offsetof(p.th) != 8 {
		t.Fatalf("lifParams layout changed: offsets %d %d %d, assembly expects 0 4 8",
			unsafe.Offsetof(p.decay), unsafe.Offsetof(p.bias), unsafe.Offsetof(p.th))
	}
}
