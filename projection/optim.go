package projection

import (
	"fmt"
	"math"
)

// Method is the optimiser. Both are Adam (Kingma & Ba 2015) with bias
// correction; they differ in how weight decay enters.
type Method int

const (
	// AdamW decays weights directly, θ ← θ − lr·λ·θ, outside the adaptive
	// step (decoupled weight decay, Loshchilov & Hutter 2019; PyTorch AdamW).
	// It is the zero value and the default of every head.
	AdamW Method = iota
	// Adam adds λ·θ to the gradient before the moment estimates (L2
	// regularisation as in PyTorch Adam's weight_decay). The paper's N-MNIST
	// probe and contrastive heads use it without decay.
	Adam
)

var methodNames = [...]string{"adamw", "adam"}

// String returns "adamw" or "adam".
func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// MarshalText implements encoding.TextMarshaler.
func (m Method) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(methodNames) {
		return nil, fmt.Errorf("projection: unknown method %d", int(m))
	}
	return []byte(methodNames[m]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Method) UnmarshalText(b []byte) error {
	for i, n := range methodNames {
		if string(b) == n {
			*m = Method(i)
			return nil
		}
	}
	return fmt.Errorf("projection: unknown method %q", b)
}

// adam is the optimiser state for one flat parameter vector.
type adam struct {
	method          Method
	lr, b1, b2, eps float64
	wd              float64
	decay           [][2]int // parameter ranges weight decay applies to
	m, v            []float64
	t               int

	stepSize, invSqrtC2 float64 // of the current step (begin)
}

func newAdam(n int, c Training, decay [][2]int) *adam {
	return &adam{
		method: c.Method, lr: c.LR, b1: c.Beta1, b2: c.Beta2, eps: c.Eps, wd: max(c.WeightDecay, 0),
		decay: decay, m: make([]float64, n), v: make([]float64, n),
	}
}

// step applies one update to p given the gradient g. With method Adam and
// weight decay, g is modified in place.
func (o *adam) step(p, g []float64) {
	o.begin()
	o.update(p, g, 0, len(p))
}

// begin starts a step: it advances the step count and the bias
// corrections. update then applies the step to every parameter, in one
// call or in disjoint ranges (from several goroutines at once).
func (o *adam) begin() {
	o.t++
	c1 := 1 - math.Pow(o.b1, float64(o.t))
	c2 := 1 - math.Pow(o.b2, float64(o.t))
	// θ ← θ − lr·m̂/(√v̂ + ε) with m̂ = m/c1, v̂ = v/c2 (Kingma & Ba 2015, Alg. 1).
	o.stepSize = o.lr / c1
	o.invSqrtC2 = 1 / math.Sqrt(c2)
}

// update applies the step begun by begin to the parameters lo…hi−1.
func (o *adam) update(p, g []float64, lo, hi int) {
	if o.wd > 0 {
		for _, r := range o.decay {
			a, b := max(r[0], lo), min(r[1], hi)
			switch o.method {
			case AdamW:
				f := 1 - o.lr*o.wd
				for i := a; i < b; i++ {
					p[i] *= f
				}
			case Adam:
				for i := a; i < b; i++ {
					g[i] += o.wd * p[i]
				}
			}
		}
	}
	b1, b2 := o.b1, o.b2
	stepSize, invSqrtC2 := o.stepSize, o.invSqrtC2
	m, v := o.m[lo:hi], o.v[lo:hi]
	p = p[lo:hi]
	for i, gi := range g[lo:hi] {
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= stepSize * mi / (math.Sqrt(vi)*invSqrtC2 + o.eps)
	}
}
