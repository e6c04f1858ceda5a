package projection

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Describer is class side information: a descriptor vector for every class
// it knows, seen and unseen alike (for example package descriptor's
// phonetic and shape sets). Vectors have one length.
type Describer interface {
	// ClassNames returns the classes described.
	ClassNames() []string
	// Describe returns the vector of a class and whether there is one.
	Describe(class string) ([]float64, bool)
}

// DescriptorDefaultRidge is the ridge penalty λ of TrainDescriptor
// (assumption: in units of the number of training rows, so that it
// regularises alike for any data size — with standardised features λ = 1
// weighs the penalty like one unit of mean squared error per row;
// DescriptorConfig.Ridge chooses another, and experiment's selection picks
// one on validation classes).
const DescriptorDefaultRidge = 1.0

// DescriptorConfig configures TrainDescriptor. The zero value is usable.
type DescriptorConfig struct {
	// Ridge is the penalty λ (times the number of training rows) on the
	// squared weights; 0 → DescriptorDefaultRidge.
	Ridge float64 `json:"ridge"`
	// NoStandardize feeds the features as they are instead of standardised
	// with the training rows' mean and deviation.
	NoStandardize bool `json:"no_standardize"`
}

// Descriptor maps one modality's features into a class-descriptor space:
// a ridge regression from the (standardised) features of every training
// row to the (standardised) descriptor of its class, fitted on the seen
// classes only — the attribute-regression family of zero-shot learning
// (Lampert et al., CVPR 2009; Romera-Paredes & Torr, ICML 2015), its
// simplest, closed-form member. Any class the Describer knows, an unseen
// one included, is then scored by the cosine between an item's predicted
// descriptor and the class's.
//
// Descriptors are standardised with the mean and deviation over the
// training classes (each class once); components that do not vary across
// them carry nothing the regression could learn and are dropped. It is
// safe for concurrent use.
type Descriptor struct {
	in       int
	mean, sd []float64  // input standardiser (nil: none)
	w        *mat.Dense // in × d
	bias     []float64  // d
	keep     []int      // descriptor components used
	dMean    []float64  // over the training classes, per kept component
	dSD      []float64
	desc     Describer
	ridge    float64
}

// TrainDescriptor fits a Descriptor on x (one row per item) whose rows
// have the classes classes[i], described by d. It needs at least two
// training classes with different descriptors. ctx is checked before the
// solve.
func TrainDescriptor(ctx context.Context, x *mat.Dense, classes []string, d Describer, cfg DescriptorConfig) (*Descriptor, error) {
	hs, err := TrainDescriptors(ctx, x, classes, d, []float64{cfg.Ridge}, cfg.NoStandardize)
	if err != nil {
		return nil, err
	}
	return hs[0], nil
}

// TrainDescriptors fits one Descriptor per ridge penalty (0 → the
// default), sharing the Gram matrix of the data (one Cholesky
// factorisation per penalty).
func TrainDescriptors(ctx context.Context, x *mat.Dense, classes []string, d Describer, ridges []float64, noStandardize bool) ([]*Descriptor, error) {
	g, err := checkMatrix("features", x)
	if err != nil {
		return nil, err
	}
	if len(classes) != g.Rows {
		return nil, fmt.Errorf("projection: %d classes for %d rows", len(classes), g.Rows)
	}
	if len(ridges) == 0 {
		return nil, fmt.Errorf("projection: no ridge penalty")
	}
	for i, r := range ridges {
		if r == 0 {
			ridges[i] = DescriptorDefaultRidge
		}
		if !(ridges[i] > 0) || math.IsInf(ridges[i], 0) {
			return nil, fmt.Errorf("projection: ridge penalty %v must be positive and finite", r)
		}
	}
	// Training classes and their descriptors.
	names := slices.Compact(slices.Sorted(slices.Values(classes)))
	if len(names) < 2 {
		return nil, fmt.Errorf("projection: a descriptor head needs at least 2 training classes, have %d", len(names))
	}
	vecs := make([][]float64, len(names))
	for k, c := range names {
		v, ok := d.Describe(c)
		if !ok {
			return nil, fmt.Errorf("projection: no descriptor for class %q", c)
		}
		if k > 0 && len(v) != len(vecs[0]) {
			return nil, fmt.Errorf("projection: descriptor of %q has %d components, of %q %d", c, len(v), names[0], len(vecs[0]))
		}
		vecs[k] = v
	}
	dim := len(vecs[0])
	h := &Descriptor{in: g.Cols, desc: d}
	for j := range dim {
		col := make([]float64, len(names))
		for k := range names {
			col[k] = vecs[k][j]
		}
		m, s := MeanStd(col)
		if s > 1e-9 {
			h.keep = append(h.keep, j)
			h.dMean = append(h.dMean, m)
			h.dSD = append(h.dSD, s)
		}
	}
	if len(h.keep) == 0 {
		return nil, fmt.Errorf("projection: the training classes' descriptors do not differ")
	}
	// Standardised inputs X and targets Y.
	n, p, q := g.Rows, g.Cols, len(h.keep)
	xs := mat.NewDense(n, p, nil)
	xs.Copy(x)
	if !noStandardize {
		h.mean, h.sd = make([]float64, p), make([]float64, p)
		for j := range p {
			col := mat.Col(nil, j, x)
			m, s := MeanStd(col)
			if !(s > 1e-12) {
				s = 1
			}
			h.mean[j], h.sd[j] = m, s
		}
		standardize(xs, h.mean, h.sd)
	}
	row := map[string][]float64{}
	for k, c := range names {
		row[c] = h.target(vecs[k])
	}
	y := mat.NewDense(n, q, nil)
	for i, c := range classes {
		y.SetRow(i, row[c])
	}
	// Centre both (the intercept), then solve the ridge problem with the
	// smaller Gram matrix, by one Cholesky factorisation per penalty: with
	// K = XXᵀ (n×n, n ≤ p) W = Xᵀ (K + λn I)⁻¹ Y; with C = XᵀX (p×p)
	// W = (C + λn I)⁻¹ XᵀY.
	xm, ym := colMeans(xs), colMeans(y)
	subRow(xs, xm)
	subRow(y, ym)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("projection: %w", err)
	}
	dual := n <= p
	var gram mat.SymDense
	var rhs mat.Dense
	if dual {
		gram.SymOuterK(1, xs)
		rhs.CloneFrom(y)
	} else {
		gram.SymOuterK(1, xs.T())
		rhs.Mul(xs.T(), y)
	}
	m := gram.SymmetricDim()
	out := make([]*Descriptor, len(ridges))
	for r, lam := range ridges {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("projection: %w", err)
		}
		reg := mat.NewSymDense(m, nil)
		reg.CopySym(&gram)
		for i := range m {
			reg.SetSym(i, i, reg.At(i, i)+lam*float64(n))
		}
		var ch mat.Cholesky
		if !ch.Factorize(reg) {
			return nil, fmt.Errorf("projection: the descriptor head's ridge system (λ %g) is not positive definite", lam)
		}
		var sol mat.Dense
		if err := ch.SolveTo(&sol, &rhs); err != nil {
			return nil, fmt.Errorf("projection: solving the descriptor head's ridge system: %w", err)
		}
		w := mat.NewDense(p, q, nil)
		if dual {
			w.Mul(xs.T(), &sol)
		} else {
			w.Copy(&sol)
		}
		// bias = ȳ − x̄·W.
		bias := slices.Clone(ym)
		for j := range q {
			for k := range p {
				bias[j] -= xm[k] * w.At(k, j)
			}
		}
		hh := *h
		hh.w, hh.bias, hh.ridge = w, bias, lam
		out[r] = &hh
	}
	return out, nil
}

// target standardises a descriptor to the kept components.
func (h *Descriptor) target(v []float64) []float64 {
	out := make([]float64, len(h.keep))
	for k, j := range h.keep {
		out[k] = (v[j] - h.dMean[k]) / h.dSD[k]
	}
	return out
}

// Ridge is the penalty the head was fitted with.
func (h *Descriptor) Ridge() float64 { return h.ridge }

// Dim is the number of input features.
func (h *Descriptor) Dim() int { return h.in }

// Components is the number of descriptor components the head predicts.
func (h *Descriptor) Components() int { return len(h.keep) }

// Predict returns the predicted (standardised) descriptor of every row of
// x. It panics if x does not have Dim columns.
func (h *Descriptor) Predict(x *mat.Dense) *mat.Dense {
	r, c := x.Dims()
	if c != h.in {
		panic(fmt.Sprintf("projection: input has %d columns, descriptor head expects %d", c, h.in))
	}
	xs := mat.NewDense(r, c, nil)
	xs.Copy(x)
	if h.mean != nil {
		standardize(xs, h.mean, h.sd)
	}
	out := mat.NewDense(r, len(h.keep), nil)
	out.Mul(xs, h.w)
	for i := range r {
		row := out.RawRowView(i)
		for j := range row {
			row[j] += h.bias[j]
		}
	}
	return out
}

// Scores returns, for every row of x and every class of classes, the
// cosine between the row's predicted descriptor and the class's. It fails
// if the Describer has no descriptor for a class.
func (h *Descriptor) Scores(x *mat.Dense, classes []string) (*mat.Dense, error) {
	proto := mat.NewDense(len(classes), len(h.keep), nil)
	for k, c := range classes {
		v, ok := h.desc.Describe(c)
		if !ok {
			return nil, fmt.Errorf("projection: no descriptor for class %q", c)
		}
		proto.SetRow(k, h.target(v))
	}
	return Similarity(h.Predict(x), proto, Cosine), nil
}

// Classify returns, for every row of x, the index into classes of the
// class with the highest score (ties: the first).
func (h *Descriptor) Classify(x *mat.Dense, classes []string) ([]int, error) {
	s, err := h.Scores(x, classes)
	if err != nil {
		return nil, err
	}
	r, _ := s.Dims()
	out := make([]int, r)
	for i := range r {
		row := s.RawRowView(i)
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		out[i] = best
	}
	return out, nil
}

func standardize(x *mat.Dense, mean, sd []float64) {
	r, _ := x.Dims()
	for i := range r {
		row := x.RawRowView(i)
		for j := range row {
			row[j] = (row[j] - mean[j]) / sd[j]
		}
	}
}

func colMeans(x *mat.Dense) []float64 {
	r, c := x.Dims()
	m := make([]float64, c)
	for i := range r {
		blas64.Axpy(1/float64(r), blas64.Vector{N: c, Inc: 1, Data: x.RawRowView(i)}, blas64.Vector{N: c, Inc: 1, Data: m})
	}
	return m
}

func subRow(x *mat.Dense, m []float64) {
	r, _ := x.Dims()
	for i := range r {
		row := x.RawRowView(i)
		for j := range row {
			row[j] -= m[j]
		}
	}
}
