package projection

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

func TestAdamSteps(t *testing.T) {
	const lr, wd = 0.1, 0.5
	// Closed forms from Kingma & Ba 2015 Alg. 1 with bias correction: after
	// one step m̂ = g and v̂ = g², so θ moves by lr·g/(|g|+ε); after two steps
	// with gradients g1, g2: m̂ = (0.1·0.9·g1 + 0.1·g2)/(1−0.81),
	// v̂ = (0.001·0.999·g1² + 0.001·g2²)/(1−0.999²).
	g1, g2 := 0.5, -2.0
	m2 := (0.9*0.1*g1 + 0.1*g2) / (1 - 0.9*0.9)
	v2 := (0.999*0.001*g1*g1 + 0.001*g2*g2) / (1 - 0.999*0.999)
	for _, tc := range []struct {
		name   string
		method Method
		wd     float64
		want1  float64
	}{
		{"adam", Adam, 0, 1 - lr*g1/(math.Abs(g1)+1e-8)},
		// AdamW: θ ← θ(1 − lr·λ) before the Adam step (Loshchilov & Hutter 2019).
		{"adamw", AdamW, wd, 1*(1-lr*wd) - lr*g1/(math.Abs(g1)+1e-8)},
	} {
		c := Training{Method: tc.method, LR: lr, WeightDecay: tc.wd, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
		o := newAdam(2, c, [][2]int{{0, 1}}) // decay on p[0] only
		p := []float64{1, 1}
		o.step(p, []float64{g1, g1})
		if !scalar.EqualWithinAbs(p[0], tc.want1, exactTol) {
			t.Errorf("%s step 1: θ = %.15g, want %.15g", tc.name, p[0], tc.want1)
		}
		if want := 1 - lr*g1/(math.Abs(g1)+1e-8); !scalar.EqualWithinAbs(p[1], want, exactTol) {
			t.Errorf("%s step 1: undecayed θ = %.15g, want %.15g", tc.name, p[1], want)
		}
		before := p[1]
		o.step(p, []float64{g2, g2})
		if want := before - lr*m2/(math.Sqrt(v2)+1e-8); !scalar.EqualWithinAbs(p[1], want, exactTol) {
			t.Errorf("%s step 2: θ = %.15g, want %.15g", tc.name, p[1], want)
		}
	}

	// Adam's coupled decay adds λθ to the gradient: with θ = 1, g = 0 and
	// λ = 0.5 the first step moves by lr·λθ/(|λθ|+ε) ≈ lr.
	o := newAdam(1, Training{Method: Adam, LR: lr, WeightDecay: wd, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, [][2]int{{0, 1}})
	p := []float64{1}
	o.step(p, []float64{0})
	if want := 1 - lr*0.5/(0.5+1e-8); !scalar.EqualWithinAbs(p[0], want, exactTol) {
		t.Errorf("adam coupled decay: θ = %.15g, want %.15g", p[0], want)
	}
}

func TestAdamMinimisesQuadratic(t *testing.T) {
	// f(θ) = Σ (θ_i − c_i)²/2 has its minimum at c; Adam with lr 0.01 must
	// get within 1e-3 of it in 2000 steps (step size ≈ lr near the optimum).
	c := []float64{3, -1, 0.5}
	p := make([]float64, 3)
	g := make([]float64, 3)
	o := newAdam(3, Training{Method: Adam, LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, nil)
	for range 2000 {
		for i := range p {
			g[i] = p[i] - c[i]
		}
		o.step(p, g)
	}
	for i := range p {
		if math.Abs(p[i]-c[i]) > 1e-3 {
			t.Errorf("θ[%d] = %v, want %v ± 1e-3", i, p[i], c[i])
		}
	}
}
