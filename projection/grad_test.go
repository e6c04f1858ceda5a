package projection

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
)

// Finite-difference gradient checks for every head and loss. The analytic
// gradient g is compared with the central difference
// (L(θ+h) − L(θ−h))/(2h), h = 1e-6, whose truncation error is O(h²·L”') and
// rounding error O(ε·L/h) ≈ 1e-10 for losses of order 1; the tolerance on
// |g − fd| / max(1, |g| + |fd|) is therefore 1e-6.
const (
	fdStep = 1e-6
	fdTol  = 1e-6
)

func randGeneral(rng *rand.Rand, r, c int) blas64.General {
	g := blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
	for i := range g.Data {
		g.Data[i] = rng.NormFloat64()
	}
	return g
}

// gradCheck compares the analytic gradient of loss at params with central
// differences on the first check parameters (the rest are held fixed).
func gradCheck(t *testing.T, loss func(grad []float64) float64, params []float64, check int) {
	t.Helper()
	grad := make([]float64, len(params))
	loss(grad)
	worst := 0.0
	for i := range check {
		old := params[i]
		params[i] = old + fdStep
		lp := loss(nil)
		params[i] = old - fdStep
		lm := loss(nil)
		params[i] = old
		fd := (lp - lm) / (2 * fdStep)
		rel := math.Abs(grad[i]-fd) / max(1, math.Abs(grad[i])+math.Abs(fd))
		worst = max(worst, rel)
		if rel > fdTol {
			t.Errorf("param %d: analytic %.10g, finite difference %.10g (rel %.3g)", i, grad[i], fd, rel)
			return
		}
	}
	t.Logf("%d parameters, worst relative error %.2g", check, worst)
}

func TestGradientClassifier(t *testing.T) {
	for _, tc := range []struct {
		hidden  []int
		act     Activation
		dropout float64
		std     bool
	}{
		{nil, ActIdentity, 0, false},
		{nil, ActIdentity, 0, true},
		{[]int{6}, ActGELU, 0, true},
		{[]int{6, 4}, ActGELU, 0, false},
		{[]int{6, 4}, ActGELU, 0.3, true},
		{[]int{5}, ActTanh, 0, false},
		{[]int{5}, ActSigmoid, 0.2, false},
		{[]int{5}, ActReLU, 0, false},
	} {
		t.Run(fmt.Sprintf("%v/%v/drop%.1f/std%v", tc.hidden, tc.act, tc.dropout, tc.std), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			const n, d, classes = 7, 5, 3
			x := randGeneral(rng, n, d)
			y := make([]int, n)
			for i := range y {
				y[i] = i % classes
			}
			nt := newNet(d, append(append([]int(nil), tc.hidden...), classes), tc.act, false)
			nt.dropout = tc.dropout
			params := make([]float64, nt.numParams())
			nt.bind(params)
			nt.initParams(rng)
			if tc.std {
				nt.fitStandardizer(generalRows{x}, []int{0, 1, 2, 3, 4, 5, 6})
			}
			idx := []int{6, 0, 3, 2, 5}
			obj := newClsObjective(nt, generalRows{x}, y, len(idx), nil)
			gradCheck(t, func(grad []float64) float64 {
				obj.rng = newRand(9, 9) // the same dropout mask on every evaluation
				return obj.loss(idx, grad, true)
			}, params, len(params))
		})
	}
}

func TestGradientCLIP(t *testing.T) {
	for _, loss := range []Loss{SoftCLIP, InfoNCE, SupCon} {
		for _, layers := range []int{1, 2} {
			for _, normalize := range []bool{false, true} {
				for _, learn := range []bool{false, true} {
					name := fmt.Sprintf("%v/layers%d/norm%v/learn%v", loss, layers, normalize, learn)
					t.Run(name, func(t *testing.T) {
						rng := rand.New(rand.NewPCG(3, 4))
						const n, da, db, pd = 6, 5, 4, 3
						xa, xb := randGeneral(rng, n, da), randGeneral(rng, n, db)
						y := []int{0, 1, 0, 2, 1, 0}
						all := []int{0, 1, 2, 3, 4, 5}
						p, params := newPair(xa, xb, all, pd, layers, ActGELU, true, true, 1, 5)
						theta := len(params) - 1
						params[theta] = math.Log(2.5)
						obj := &clipObjective{
							pairObjective: newPairObjective(p, xa, xb, y, n, 5),
							kind:          loss, normalize: normalize, learn: learn, theta: theta, params: params,
						}
						obj.alloc(n)
						idx := []int{5, 1, 0, 3, 4}
						check := len(params)
						if !learn {
							check-- // θ is a constant
						}
						gradCheck(t, func(grad []float64) float64 { return obj.loss(idx, grad, true) }, params, check)
					})
				}
			}
		}
	}
}

func TestGradientProto(t *testing.T) {
	for _, layers := range []int{1, 2} {
		for _, act := range []Activation{ActIdentity, ActGELU} {
			t.Run(fmt.Sprintf("layers%d/%v", layers, act), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 6))
				const n, da, db, pd = 8, 5, 4, 3
				xa, xb := randGeneral(rng, n, da), randGeneral(rng, n, db)
				y := []int{0, 1, 0, 2, 1, 0, 3, 2}
				all := []int{0, 1, 2, 3, 4, 5, 6, 7}
				p, params := newPair(xa, xb, all, pd, layers, act, true, false, 0, 7)
				obj := newProtoObjective(newPairObjective(p, xa, xb, y, n, 7), 4, 0.5, n)
				idx := []int{7, 1, 0, 3, 4, 2}
				gradCheck(t, func(grad []float64) float64 { return obj.loss(idx, grad, true) }, params, len(params))
			})
		}
	}
}
