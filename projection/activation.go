package projection

import (
	"fmt"
	"math"
)

// Activation is the element-wise non-linearity of a head's hidden layers
// (and, for the projection towers of CLIP, of its output). The zero value
// ActDefault means the head's documented default.
type Activation int

const (
	ActDefault  Activation = iota // the head's default (GELU for MLP and CLIP, identity for Proto)
	ActIdentity                   // no non-linearity
	ActGELU                       // exact GELU x·Φ(x) with the erf form of Φ (Hendrycks & Gimpel 2016)
	ActReLU                       // max(0, x)
	ActTanh                       // tanh(x)
	ActSigmoid                    // 1/(1+e^−x)
)

var actNames = [...]string{"default", "identity", "gelu", "relu", "tanh", "sigmoid"}

// String returns the lower-case name used in saved heads ("gelu", …).
func (a Activation) String() string {
	if a < 0 || int(a) >= len(actNames) {
		return fmt.Sprintf("Activation(%d)", int(a))
	}
	return actNames[a]
}

// MarshalText implements encoding.TextMarshaler.
func (a Activation) MarshalText() ([]byte, error) {
	if a < 0 || int(a) >= len(actNames) {
		return nil, fmt.Errorf("projection: unknown activation %d", int(a))
	}
	return []byte(actNames[a]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it is strict.
func (a *Activation) UnmarshalText(b []byte) error {
	for i, n := range actNames {
		if string(b) == n {
			*a = Activation(i)
			return nil
		}
	}
	return fmt.Errorf("projection: unknown activation %q", b)
}

func (a Activation) or(def Activation) Activation {
	if a == ActDefault {
		return def
	}
	return a
}

func (a Activation) valid() bool { return a > ActDefault && int(a) < len(actNames) }

const (
	invSqrt2   = 1 / math.Sqrt2
	invSqrt2Pi = 0.3989422804014327 // 1/√(2π), closed form
)

// activate writes f(z) into h (h may alias z only for ActIdentity).
func activate(a Activation, z, h []float64) {
	h = h[:len(z)]
	switch a {
	case ActIdentity:
		copy(h, z)
	case ActGELU:
		for i, v := range z {
			h[i] = 0.5 * v * (1 + math.Erf(v*invSqrt2))
		}
	case ActReLU:
		for i, v := range z {
			h[i] = max(v, 0)
		}
	case ActTanh:
		for i, v := range z {
			h[i] = math.Tanh(v)
		}
	case ActSigmoid:
		for i, v := range z {
			h[i] = sigmoid(v)
		}
	default:
		panic("projection: unresolved activation " + a.String())
	}
}

// activateGrad multiplies dh by f'(z) and stores it in dz (dz may alias dh).
func activateGrad(a Activation, z, dh, dz []float64) {
	dz = dz[:len(z)]
	dh = dh[:len(z)]
	switch a {
	case ActIdentity:
		copy(dz, dh)
	case ActGELU:
		// d/dx x·Φ(x) = Φ(x) + x·φ(x).
		for i, v := range z {
			cdf := 0.5 * (1 + math.Erf(v*invSqrt2))
			dz[i] = dh[i] * (cdf + v*invSqrt2Pi*math.Exp(-0.5*v*v))
		}
	case ActReLU:
		for i, v := range z {
			if v > 0 {
				dz[i] = dh[i]
			} else {
				dz[i] = 0
			}
		}
	case ActTanh:
		for i, v := range z {
			y := math.Tanh(v)
			dz[i] = dh[i] * (1 - y*y)
		}
	case ActSigmoid:
		for i, v := range z {
			y := sigmoid(v)
			dz[i] = dh[i] * y * (1 - y)
		}
	default:
		panic("projection: unresolved activation " + a.String())
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
