package projection

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// tableDescriber is a Describer over a fixed table.
type tableDescriber map[string][]float64

func (t tableDescriber) ClassNames() []string {
	var out []string
	for c := range t {
		out = append(out, c)
	}
	return out
}

func (t tableDescriber) Describe(c string) ([]float64, bool) { v, ok := t[c]; return v, ok }

// attributeData makes items whose features are a fixed random linear image
// of their class's descriptor (dim components) plus noise: the setting in
// which attribute regression transfers to unseen classes.
func attributeData(classes []string, perClass, dim, features int, noise float64, seed uint64) (tableDescriber, *mat.Dense, []string) {
	r := rand.New(rand.NewPCG(seed, 1))
	desc := tableDescriber{}
	for _, c := range classes {
		v := make([]float64, dim)
		for j := range v {
			v[j] = r.NormFloat64()
		}
		desc[c] = v
	}
	mix := mat.NewDense(dim, features, nil)
	for i := range dim {
		for j := range features {
			mix.Set(i, j, r.NormFloat64())
		}
	}
	var rows []float64
	var labels []string
	for _, c := range classes {
		for range perClass {
			x := mat.NewVecDense(features, nil)
			x.MulVec(mix.T(), mat.NewVecDense(dim, desc[c]))
			for j := range features {
				rows = append(rows, x.AtVec(j)+noise*r.NormFloat64())
			}
			labels = append(labels, c)
		}
	}
	return desc, mat.NewDense(len(labels), features, rows), labels
}

// TestDescriptorZeroShot: trained on classes 0–6, a descriptor head
// classifies items of the unseen 7–9 among themselves far above chance
// (1/3) when features are a linear image of the descriptors.
func TestDescriptorZeroShot(t *testing.T) {
	all := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	desc, x, labels := attributeData(all, 30, 6, 40, 0.5, 3)
	var tr, te []int
	for i, c := range labels {
		if c < "7" {
			tr = append(tr, i)
		} else {
			te = append(te, i)
		}
	}
	rows := func(idx []int) (*mat.Dense, []string) {
		m := mat.NewDense(len(idx), 40, nil)
		ls := make([]string, len(idx))
		for k, i := range idx {
			m.SetRow(k, x.RawRowView(i))
			ls[k] = labels[i]
		}
		return m, ls
	}
	xtr, ltr := rows(tr)
	xte, lte := rows(te)
	h, err := TrainDescriptor(context.Background(), xtr, ltr, desc, DescriptorConfig{Ridge: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	unseen := []string{"7", "8", "9"}
	pred, err := h.Classify(xte, unseen)
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i, p := range pred {
		if unseen[p] == lte[i] {
			ok++
		}
	}
	acc := float64(ok) / float64(len(pred))
	t.Logf("unseen accuracy %.3f (chance 1/3)", acc)
	// Six descriptor components seen through seven classes: the map is
	// identifiable, so unseen classes are recognised (threshold an
	// assumption well below the measured value).
	if acc < 0.8 {
		t.Errorf("unseen accuracy %.3f", acc)
	}
	if _, err := h.Scores(xte, []string{"x"}); err == nil {
		t.Error("unknown class scored")
	}
}

// TestDescriptorRidgeSolve: the eigendecomposition solve (dual with fewer
// rows than features, primal with more) equals the normal equations
// (XᵀX + λn I)W = XᵀY on centred data, and several penalties at once
// equal one at a time.
func TestDescriptorRidgeSolve(t *testing.T) {
	for _, shape := range []struct{ perClass, features int }{{3, 40}, {30, 10}} {
		t.Run(fmt.Sprintf("%d rows, %d features", 4*shape.perClass, shape.features), func(t *testing.T) {
			cls := []string{"a", "b", "c", "d"}
			desc, x, labels := attributeData(cls, shape.perClass, 3, shape.features, 1, 5)
			hs, err := TrainDescriptors(context.Background(), x, labels, desc, []float64{0.1, 2}, false)
			if err != nil {
				t.Fatal(err)
			}
			for k, lam := range []float64{0.1, 2} {
				one, err := TrainDescriptor(context.Background(), x, labels, desc, DescriptorConfig{Ridge: lam})
				if err != nil {
					t.Fatal(err)
				}
				if !mat.EqualApprox(one.w, hs[k].w, 1e-9) {
					t.Errorf("λ %v: one at a time differs", lam)
				}
				// Normal equations on the standardised, centred data.
				n, p := x.Dims()
				xs := mat.NewDense(n, p, nil)
				xs.Copy(x)
				standardize(xs, one.mean, one.sd)
				subRow(xs, colMeans(xs))
				y := mat.NewDense(n, one.Components(), nil)
				for i, c := range labels {
					v, _ := desc.Describe(c)
					y.SetRow(i, one.target(v))
				}
				subRow(y, colMeans(y))
				var a mat.Dense
				a.Mul(xs.T(), xs)
				for i := range p {
					a.Set(i, i, a.At(i, i)+lam*float64(n))
				}
				var b, w mat.Dense
				b.Mul(xs.T(), y)
				if err := w.Solve(&a, &b); err != nil {
					t.Fatal(err)
				}
				if !mat.EqualApprox(&w, one.w, 1e-7) {
					t.Errorf("λ %v: weights differ from the normal equations by %v", lam, maxAbsDiff(&w, one.w))
				}
			}
		})
	}
}

func maxAbsDiff(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	m := 0.0
	r, c := d.Dims()
	for i := range r {
		for j := range c {
			m = math.Max(m, math.Abs(d.At(i, j)))
		}
	}
	return m
}

func TestDescriptorErrors(t *testing.T) {
	desc := tableDescriber{"a": {1, 2}, "b": {1, 2}, "c": {3, 1}}
	x := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	ctx := context.Background()
	for _, tc := range []struct {
		labels []string
		d      Describer
		ridge  float64
		want   string
	}{
		{[]string{"a", "a"}, desc, 0, "at least 2"},
		{[]string{"a", "z"}, desc, 0, "no descriptor"},
		{[]string{"a", "b"}, desc, 0, "do not differ"},
		{[]string{"a", "c"}, desc, -1, "ridge"},
		{[]string{"a"}, desc, 0, "2 rows"},
	} {
		_, err := TrainDescriptor(ctx, x, tc.labels, tc.d, DescriptorConfig{Ridge: tc.ridge})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.labels, err, tc.want)
		}
	}
}
