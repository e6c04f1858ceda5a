package projection

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Synthetic data for tests and benchmarks. Features imitate spike rates:
// non-negative, with per-feature gains and offsets spanning two decades, so
// that standardisation matters.

// blobs draws n rows of d features in `classes` Gaussian clusters: class
// means ~ N(0, sep²·I), within-class noise N(0, I), then per-feature gain
// g_j ∈ [0.01, 1] (log-uniform) and offset, clipped at 0.
func blobs(n, d, classes int, sep float64, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 11))
	means := make([]float64, classes*d)
	for i := range means {
		means[i] = sep * rng.NormFloat64()
	}
	gain, off := make([]float64, d), make([]float64, d)
	for j := range gain {
		gain[j] = math.Pow(10, -2*rng.Float64())
		off[j] = 3 * gain[j]
	}
	x := mat.NewDense(n, d, nil)
	y := make([]int, n)
	for i := range n {
		c := i % classes
		y[i] = c
		for j := range d {
			v := off[j] + gain[j]*(means[c*d+j]+rng.NormFloat64())
			x.Set(i, j, max(v, 0))
		}
	}
	return x, y
}

// modalities is the zero-shot benchmark: classes share latent vectors
// z_c ~ N(0, I_k); an item of class c has latent z_c + 0.5·N(0, I_k) and is
// seen by modality A through a random map M_A (dA×k) and by modality B
// through M_B (dB×k), each followed by a soft rectifier log(1+e^x) (a
// rate-like non-linearity), per-feature gains and noise. A and B items are
// drawn independently, so pairs share only the class (class-wise pairing,
// PAPER §5.2).
type modalities struct {
	k, dA, dB  int
	z          []float64 // classes×k
	mA, mB     []float64
	gainA      []float64
	gainB      []float64
	noise      float64
	rng        *rand.Rand
	latentWide float64
}

func newModalities(classes, k, dA, dB int, seed uint64) *modalities {
	rng := rand.New(rand.NewPCG(seed, 13))
	m := &modalities{k: k, dA: dA, dB: dB, noise: 0.3, rng: rng, latentWide: 0.5}
	m.z = make([]float64, classes*k)
	for i := range m.z {
		m.z[i] = rng.NormFloat64()
	}
	m.mA, m.mB = make([]float64, dA*k), make([]float64, dB*k)
	for i := range m.mA {
		m.mA[i] = rng.NormFloat64() / math.Sqrt(float64(k))
	}
	for i := range m.mB {
		m.mB[i] = rng.NormFloat64() / math.Sqrt(float64(k))
	}
	m.gainA, m.gainB = make([]float64, dA), make([]float64, dB)
	for i := range m.gainA {
		m.gainA[i] = math.Pow(10, -rng.Float64())
	}
	for i := range m.gainB {
		m.gainB[i] = math.Pow(10, -rng.Float64())
	}
	return m
}

func (m *modalities) item(c int, mp, gain []float64, dst []float64) {
	u := make([]float64, m.k)
	for i := range u {
		u[i] = m.z[c*m.k+i] + m.latentWide*m.rng.NormFloat64()
	}
	for j := range dst {
		s := 0.0
		for i, v := range u {
			s += mp[j*m.k+i] * v
		}
		dst[j] = gain[j] * (math.Log1p(math.Exp(s)) + m.noise*m.rng.NormFloat64())
	}
}

// pairs draws perClass class-wise pairs for each class in classes.
func (m *modalities) pairs(classes []int, perClass int) (a, b *mat.Dense, y []int) {
	n := len(classes) * perClass
	a, b = mat.NewDense(n, m.dA, nil), mat.NewDense(n, m.dB, nil)
	y = make([]int, n)
	for i := range n {
		c := classes[i%len(classes)]
		y[i] = c
		m.item(c, m.mA, m.gainA, a.RawRowView(i))
		m.item(c, m.mB, m.gainB, b.RawRowView(i))
	}
	return a, b, y
}
