package projection

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Metric is how a query embedding is compared with gallery embeddings; a
// higher score is a better match.
type Metric int

const (
	// Dot is the raw dot product q·g, the paper's audio↔image retrieval score
	// on un-normalised projections (PAPER §4.2). It is the zero value.
	Dot Metric = iota
	// Cosine is q·g/(‖q‖‖g‖) (PAPER §4.3). Ranking by Cosine equals ranking
	// by Euclidean distance between L2-normalised embeddings (PAPER §4.4).
	Cosine
	// Euclidean is −‖q − g‖.
	Euclidean
)

var metricNames = [...]string{"dot", "cosine", "euclidean"}

// String returns "dot", "cosine" or "euclidean".
func (m Metric) String() string {
	if m < 0 || int(m) >= len(metricNames) {
		return fmt.Sprintf("Metric(%d)", int(m))
	}
	return metricNames[m]
}

// MarshalText implements encoding.TextMarshaler.
func (m Metric) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(metricNames) {
		return nil, fmt.Errorf("projection: unknown metric %d", int(m))
	}
	return []byte(metricNames[m]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Metric) UnmarshalText(b []byte) error {
	for i, n := range metricNames {
		if string(b) == n {
			*m = Metric(i)
			return nil
		}
	}
	return fmt.Errorf("projection: unknown metric %q", b)
}

// Similarity returns the nq×ng matrix of scores between every query row
// and every gallery row (the cross-modal similarity matrix). It panics if
// the two have different widths or m is unknown.
func Similarity(queries, gallery *mat.Dense, m Metric) *mat.Dense {
	q, g := queries.RawMatrix(), gallery.RawMatrix()
	if q.Cols != g.Cols {
		panic(fmt.Sprintf("projection: queries have %d columns, gallery %d", q.Cols, g.Cols))
	}
	s := mat.NewDense(q.Rows, g.Rows, nil)
	sr := s.RawMatrix()
	switch m {
	case Dot:
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, q, g, 0, sr)
	case Cosine:
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, q, g, 0, sr)
		qn, gn := rowNorms(q), rowNorms(g)
		for i := range sr.Rows {
			for j := range sr.Cols {
				sr.Data[i*sr.Stride+j] /= max(qn[i]*gn[j], normEps)
			}
		}
	case Euclidean:
		for i := range q.Rows {
			qr := q.Data[i*q.Stride : i*q.Stride+q.Cols]
			for j := range g.Rows {
				gr := g.Data[j*g.Stride : j*g.Stride+g.Cols]
				d := 0.0
				for k, v := range qr {
					e := v - gr[k]
					d += e * e
				}
				sr.Data[i*sr.Stride+j] = -math.Sqrt(d)
			}
		}
	default:
		panic(fmt.Sprintf("projection: unknown metric %d", int(m)))
	}
	return s
}

func rowNorms(g blas64.General) []float64 {
	n := make([]float64, g.Rows)
	for i := range n {
		n[i] = blas64.Nrm2(blas64.Vector{N: g.Cols, Inc: 1, Data: g.Data[i*g.Stride : i*g.Stride+g.Cols]})
	}
	return n
}

// Retrieval returns the top-k retrieval accuracy of queries against
// gallery: the fraction of queries for which at least one of the k
// best-scoring gallery rows has the query's label (PAPER §5.2 with k = 1:
// correct if the top gallery item's label equals the query's). Ties rank
// the lower gallery index first. Query and gallery come from the two
// modalities; swap them for the other direction. It panics on mismatched
// shapes or k < 1.
func Retrieval(queries, gallery *mat.Dense, qLabels, gLabels []int, k int, m Metric) float64 {
	nq, _ := queries.Dims()
	ng, _ := gallery.Dims()
	if len(qLabels) != nq || len(gLabels) != ng {
		panic(fmt.Sprintf("projection: %d/%d labels for %d queries and %d gallery rows", len(qLabels), len(gLabels), nq, ng))
	}
	if k < 1 {
		panic(fmt.Sprintf("projection: retrieval k = %d; want ≥ 1", k))
	}
	s := Similarity(queries, gallery, m).RawMatrix()
	hits := 0
	for i := range nq {
		row := s.Data[i*s.Stride : i*s.Stride+ng]
		// The best-ranked gallery row carrying the query's label…
		best := -1
		for j, v := range row {
			if gLabels[j] == qLabels[i] && (best < 0 || v > row[best]) {
				best = j
			}
		}
		if best < 0 {
			continue
		}
		// …is within the top k if fewer than k rows outrank it.
		ahead := 0
		for j, v := range row {
			if v > row[best] || (v == row[best] && j < best) {
				ahead++
			}
		}
		if ahead < k {
			hits++
		}
	}
	return float64(hits) / float64(nq)
}

// CrossRetrieval embeds a and b with h and returns the top-k retrieval
// accuracy in both directions using h's metric: a→b (a rows query the b
// gallery) and b→a.
func CrossRetrieval(h CrossModal, a, b *mat.Dense, aLabels, bLabels []int, k int) (aToB, bToA float64) {
	ea, eb := h.EmbedA(a), h.EmbedB(b)
	return Retrieval(ea, eb, aLabels, bLabels, k, h.Metric()), Retrieval(eb, ea, bLabels, aLabels, k, h.Metric())
}

// Chance is the expected top-k retrieval accuracy of a random ranking: the
// mean over queries of 1 − C(G−m, k)/C(G, k), where G is the gallery size
// and m the number of gallery rows with the query's label (closed form of
// drawing k of G without replacement). For PAPER §5.2's balanced test sets
// and k = 1 it is 1/7 for classes 1–7 and 1/2 for classes 8–9.
func Chance(qLabels, gLabels []int, k int) float64 {
	count := map[int]int{}
	for _, y := range gLabels {
		count[y]++
	}
	g := len(gLabels)
	sum := 0.0
	for _, y := range qLabels {
		miss := 1.0 // probability that none of the k draws matches
		for i := range min(k, g) {
			miss *= float64(g-count[y]-i) / float64(g-i)
			if miss <= 0 {
				miss = 0
				break
			}
		}
		sum += 1 - miss
	}
	return sum / float64(len(qLabels))
}

// Accuracy is the fraction of pred equal to truth. It panics if the
// lengths differ.
func Accuracy(truth, pred []int) float64 {
	if len(truth) != len(pred) {
		panic(fmt.Sprintf("projection: %d truths but %d predictions", len(truth), len(pred)))
	}
	ok := 0
	for i, t := range truth {
		if pred[i] == t {
			ok++
		}
	}
	return float64(ok) / float64(len(truth))
}

// Confusion returns the classes×classes confusion matrix: entry [t][p]
// counts rows of true class t predicted as p. It panics if the lengths
// differ or a label is outside [0, classes).
func Confusion(truth, pred []int, classes int) [][]int {
	if len(truth) != len(pred) {
		panic(fmt.Sprintf("projection: %d truths but %d predictions", len(truth), len(pred)))
	}
	m := make([][]int, classes)
	cells := make([]int, classes*classes)
	for i := range m {
		m[i] = cells[i*classes : (i+1)*classes]
	}
	for i, t := range truth {
		p := pred[i]
		if t < 0 || t >= classes || p < 0 || p >= classes {
			panic(fmt.Sprintf("projection: row %d: label %d or prediction %d outside [0, %d)", i, t, p, classes))
		}
		m[t][p]++
	}
	return m
}

// MeanStd returns the mean and the sample standard deviation (n−1
// denominator, as gonum's stat.MeanStdDev) of xs, e.g. accuracies over
// cross-validation folds. The deviation of fewer than two values is 0.
func MeanStd(xs []float64) (mean, std float64) {
	switch len(xs) {
	case 0:
		return math.NaN(), 0
	case 1:
		return xs[0], 0
	}
	return stat.MeanStdDev(xs, nil)
}
