package projection

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Rows is a feature matrix that a head reads one row at a time: Dims rows
// of features, each written into a caller's buffer on demand. A *mat.Dense
// becomes one through DenseRows; a caller that holds many samples'
// features in a compact form (experiment.Classify keeps LSM spike rates as
// float32) implements Rows over that form, so that training and prediction
// never hold a float64 copy of the whole data set. The *Rows functions of
// this package (TrainLinearRows, TrainMLPRows, PredictRows) give exactly
// the results of their *mat.Dense forms on the same values.
type Rows interface {
	// Dims returns the number of rows and of features per row.
	Dims() (rows, cols int)
	// Row writes row i into dst (len cols). It may be called from several
	// goroutines at once, for different dst.
	Row(dst []float64, i int)
}

// ScaledRows is Rows that can also write a row standardised, each feature
// x as (x − shift[j])·scale[j] computed in float64 exactly so: a form that
// takes few distinct values per feature answers from a table, in one
// look-up per feature. Heads use it, when a Rows offers it, to load
// standardised rows.
type ScaledRows interface {
	Rows
	// ScaledRow writes row i, standardised with shift and scale (len
	// cols each, not modified while in use), into dst.
	ScaledRow(dst []float64, i int, shift, scale []float64)
}

// DenseRows returns the rows of m as Rows.
func DenseRows(m *mat.Dense) Rows {
	if m == nil || m.IsEmpty() {
		return generalRows{}
	}
	return generalRows{m.RawMatrix()}
}

// generalRows is a row-major matrix as Rows; it also hands out its rows
// without a copy (rawRow).
type generalRows struct{ g blas64.General }

func (r generalRows) Dims() (int, int) { return r.g.Rows, r.g.Cols }

func (r generalRows) Row(dst []float64, i int) { copy(dst, r.rawRow(i)) }

func (r generalRows) rawRow(i int) []float64 {
	return r.g.Data[i*r.g.Stride : i*r.g.Stride+r.g.Cols]
}

// rawRower is Rows that can hand out a row without copying it.
type rawRower interface{ rawRow(i int) []float64 }

// checkRows rejects empty or non-finite inputs: bad data is an error, not
// a panic. It reads every row once.
func checkRows(name string, x Rows) error {
	if x == nil {
		return fmt.Errorf("projection: %s is empty", name)
	}
	r, c := x.Dims()
	if r == 0 || c == 0 {
		return fmt.Errorf("projection: %s is empty", name)
	}
	var buf []float64
	raw, isRaw := x.(rawRower)
	if !isRaw {
		buf = make([]float64, c)
	}
	for i := range r {
		row := buf
		if isRaw {
			row = raw.rawRow(i)
		} else {
			x.Row(buf, i)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("projection: %s has non-finite value %v at row %d, column %d", name, v, i, j)
			}
		}
	}
	return nil
}

// PredictRows returns the arg-max class of every row of x: c.Predict of
// the matrix of x's rows, computed in chunks of the rows apply runs at once,
// so it gives the same classes without holding the matrix.
func PredictRows(c Classifier, x Rows) []int {
	r, cols := x.Dims()
	pred := make([]int, 0, r)
	chunk := mat.NewDense(min(max(r, 1), applyChunk), cols, nil)
	for lo := 0; lo < r; lo += applyChunk {
		hi := min(lo+applyChunk, r)
		m := chunk
		if hi-lo < applyChunk {
			m = chunk.Slice(0, hi-lo, 0, cols).(*mat.Dense)
		}
		raw := m.RawMatrix()
		for i := lo; i < hi; i++ {
			x.Row(raw.Data[(i-lo)*raw.Stride:(i-lo)*raw.Stride+cols], i)
		}
		pred = append(pred, c.Predict(m)...)
	}
	return pred
}
