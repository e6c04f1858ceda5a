package projection

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// exactTol is for values computed from a handful of exact operations.
const exactTol = 1e-12

func TestRetrieval(t *testing.T) {
	// Queries and gallery in 2-D; expected values worked out by hand from
	// the scores listed in each case.
	q := mat.NewDense(3, 2, []float64{
		1, 0,
		0, 1,
		1, 1,
	})
	g := mat.NewDense(4, 2, []float64{
		2, 0, // label 0
		0, 0.5, // label 1
		0.9, 0.9, // label 2
		-1, 3, // label 1
	})
	gl := []int{0, 1, 2, 1}
	for _, tc := range []struct {
		name   string
		ql     []int
		k      int
		metric Metric
		want   float64
	}{
		// Dot scores: q0 → [2, 0, 0.9, −1] top 0; q1 → [0, 0.5, 0.9, 3] top 3;
		// q2 → [2, 0.5, 1.8, 2] tie 0/3 → 0 (lower index).
		{"dot top1", []int{0, 1, 2}, 1, Dot, 2.0 / 3},
		// q2's label-2 item is third (behind 0 and 3) → needs k = 3.
		{"dot top2", []int{0, 1, 2}, 2, Dot, 2.0 / 3},
		{"dot top3", []int{0, 1, 2}, 3, Dot, 1},
		// Cosine: q2 → [0.707, 0.707, 1, 0.447] top 2; q1 → [0, 1, 0.707, 0.949] top 1.
		{"cosine top1", []int{0, 1, 2}, 1, Cosine, 1},
		// Euclidean: q0 → [1, 1.118, 0.906, 3.606] top 2 (label 2) → miss;
		// q1 → [2.236, 0.5, 0.906, 2.236] top 1; q2 → [1.414, 1.118, 0.141, 2.828] top 2.
		{"euclidean top1", []int{0, 1, 2}, 1, Euclidean, 2.0 / 3},
		// A label absent from the gallery never matches.
		{"absent label", []int{7, 7, 7}, 4, Dot, 0},
	} {
		got := Retrieval(q, g, tc.ql, gl, tc.k, tc.metric)
		if !scalar.EqualWithinAbs(got, tc.want, exactTol) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSimilarity(t *testing.T) {
	q := mat.NewDense(1, 2, []float64{3, 4})
	g := mat.NewDense(2, 2, []float64{1, 0, 0, 2})
	for _, tc := range []struct {
		m    Metric
		want []float64 // closed form
	}{
		{Dot, []float64{3, 8}},
		{Cosine, []float64{0.6, 0.8}},
		{Euclidean, []float64{-math.Sqrt(4 + 16), -math.Sqrt(9 + 4)}},
	} {
		s := Similarity(q, g, tc.m)
		for j, w := range tc.want {
			if got := s.At(0, j); !scalar.EqualWithinAbs(got, w, exactTol) {
				t.Errorf("%v[%d] = %v, want %v", tc.m, j, got, w)
			}
		}
	}
}

func TestChance(t *testing.T) {
	balanced := func(classes []int, per int) []int {
		var y []int
		for _, c := range classes {
			for range per {
				y = append(y, c)
			}
		}
		return y
	}
	seen := balanced([]int{1, 2, 3, 4, 5, 6, 7}, 100)
	unseen := balanced([]int{8, 9}, 100)
	for _, tc := range []struct {
		name   string
		q, g   []int
		k      int
		want   float64
		source string
	}{
		{"seen top1", seen, seen, 1, 1.0 / 7, "PAPER §5.2: chance 1/7 in-class"},
		{"unseen top1", unseen, unseen, 1, 0.5, "PAPER §5.2: chance 1/2 out-class"},
		// 1 − C(2,2)/C(4,2) = 1 − 1/6 for a gallery {a,a,b,b}, k = 2.
		{"small top2", []int{0}, []int{0, 0, 1, 1}, 2, 5.0 / 6, "closed form"},
		{"k ≥ gallery", []int{0}, []int{0, 1, 1}, 5, 1, "closed form"},
		{"absent", []int{3}, []int{0, 1}, 1, 0, "closed form"},
	} {
		if got := Chance(tc.q, tc.g, tc.k); !scalar.EqualWithinAbs(got, tc.want, exactTol) {
			t.Errorf("%s: got %v, want %v (%s)", tc.name, got, tc.want, tc.source)
		}
	}
}

func TestAccuracyConfusion(t *testing.T) {
	truth := []int{0, 0, 1, 1, 2, 2}
	pred := []int{0, 1, 1, 1, 0, 2}
	if got := Accuracy(truth, pred); !scalar.EqualWithinAbs(got, 4.0/6, exactTol) {
		t.Errorf("accuracy %v, want 4/6", got)
	}
	want := [][]int{{1, 1, 0}, {0, 2, 0}, {1, 0, 1}}
	got := Confusion(truth, pred, 3)
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("confusion %v, want %v", got, want)
			}
		}
	}
}

func TestMeanStd(t *testing.T) {
	for _, tc := range []struct {
		xs        []float64
		mean, std float64 // closed form, n−1 denominator
	}{
		{[]float64{0.8, 0.9}, 0.85, math.Sqrt(0.005)},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0 / 7)},
		{[]float64{0.7}, 0.7, 0},
	} {
		m, s := MeanStd(tc.xs)
		if !scalar.EqualWithinAbs(m, tc.mean, exactTol) || !scalar.EqualWithinAbs(s, tc.std, exactTol) {
			t.Errorf("MeanStd(%v) = %v ± %v, want %v ± %v", tc.xs, m, s, tc.mean, tc.std)
		}
	}
}
