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
	o.t++
	if o.wd > 0 {
		for _, r := range o.decay {
			switch o.method {
			case AdamW:
				f := 1 - o.lr*o.wd
				for i := r[0]; i < r[1]; i++ {
					p[i] *= f
				}
			case Adam:
				for i := r[0]; i < r[1]; i++ {
					g[i] += o.wd * p[i]
				}
			}
		}
	}
	b1, b2 := o.b1, o.b2
	c1 := 1 - math.Pow(b1, float64(o.t))
	c2 := 1 - math.Pow(b2, float64(o.t))
	// θ ← θ − lr·m̂/(√v̂ + ε) with m̂ = m/c1, v̂ = v/c2 (Kingma & Ba 2015, Alg. 1).
	stepSize := o.lr / c1
	invSqrtC2 := 1 / math.Sqrt(c2)
	m, v := o.m[:len(p)], o.v[:len(p)]
	g = g[:len(p)]
	for i, gi := range g {
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= stepSize * mi / (math.Sqrt(vi)*invSqrtC2 + o.eps)
	}
}
