package sweep

import (
	"math"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Stat is a mean over replicates with its spread: the sample standard
// deviation and the two-sided 95 % confidence interval of the mean from
// Student's t with n−1 degrees of freedom (mean ± t₀.₉₇₅,ₙ₋₁·s/√n). With
// one replicate Std and the interval are NaN; NaN inputs (a result that
// lacks the field) are left out.
type Stat struct {
	N         int
	Mean, Std float64
	Lo, Hi    float64
	HalfWidth float64
}

// MeanCI computes a Stat of xs.
func MeanCI(xs []float64) Stat {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	s := Stat{N: len(v), Mean: math.NaN(), Std: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), HalfWidth: math.NaN()}
	if s.N == 0 {
		return s
	}
	s.Mean = stat.Mean(v, nil)
	if s.N < 2 {
		return s
	}
	s.Std = stat.StdDev(v, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s.N - 1)}.Quantile(0.975)
	s.HalfWidth = t * s.Std / math.Sqrt(float64(s.N))
	s.Lo, s.Hi = s.Mean-s.HalfWidth, s.Mean+s.HalfWidth
	return s
}

// Summary aggregates the table per point over its seeds, in long (tidy)
// form: one row per (point, metric) with the point's axis values, the
// metric's name, n, mean, std and the 95 % t-interval ci95_lo, ci95_hi.
// pandas' pivot (or polars' pivot) turns it wide.
func (t *Table) Summary() dataframe.DataFrame {
	df := t.Frame
	points := intCol(df, "point")
	// Rows of each point, in order of first appearance (task order).
	var order []int
	rowsOf := map[int][]int{}
	for r, p := range points {
		if _, ok := rowsOf[p]; !ok {
			order = append(order, p)
		}
		rowsOf[p] = append(rowsOf[p], r)
	}
	var outPoint, outN []int
	var metric []string
	var mean, std, lo, hi []float64
	axisVals := make([][]string, len(t.Axes))
	axisNums := make([][]float64, len(t.Axes))
	for _, p := range order {
		rows := rowsOf[p]
		for _, m := range t.Metrics {
			col := df.Col(m).Float()
			xs := make([]float64, len(rows))
			for k, r := range rows {
				xs[k] = col[r]
			}
			s := MeanCI(xs)
			outPoint = append(outPoint, p)
			metric = append(metric, m)
			outN = append(outN, s.N)
			mean, std, lo, hi = append(mean, s.Mean), append(std, s.Std), append(lo, s.Lo), append(hi, s.Hi)
			for i, a := range t.Axes {
				c := df.Col(a)
				if c.Type() == series.Float {
					axisNums[i] = append(axisNums[i], c.Elem(rows[0]).Float())
				} else {
					axisVals[i] = append(axisVals[i], c.Elem(rows[0]).String())
				}
			}
		}
	}
	cols := []series.Series{series.New(orEmpty(outPoint), series.Int, "point")}
	for i, a := range t.Axes {
		if df.Col(a).Type() == series.Float {
			cols = append(cols, series.New(orEmpty(axisNums[i]), series.Float, a))
		} else {
			cols = append(cols, series.New(orEmpty(axisVals[i]), series.String, a))
		}
	}
	cols = append(cols,
		series.New(orEmpty(metric), series.String, "metric"),
		series.New(orEmpty(outN), series.Int, "n"),
		series.New(orEmpty(mean), series.Float, "mean"),
		series.New(orEmpty(std), series.Float, "std"),
		series.New(orEmpty(lo), series.Float, "ci95_lo"),
		series.New(orEmpty(hi), series.Float, "ci95_hi"),
	)
	return dataframe.New(cols...)
}

func orEmpty[T any](x []T) []T {
	if x == nil {
		return []T{}
	}
	return x
}

func intCol(df dataframe.DataFrame, name string) []int {
	v, err := df.Col(name).Int()
	if err != nil {
		panic("sweep: column " + name + " is not integer: " + err.Error())
	}
	return v
}

// PointStats returns, for every point in order, its axis values' row and
// the Stat of one metric over its seeds (for plots).
func (t *Table) PointStats(metric string) (rows []int, stats []Stat) {
	df := t.Frame
	points := intCol(df, "point")
	col := df.Col(metric).Float()
	var order []int
	by := map[int][]int{}
	for r, p := range points {
		if _, ok := by[p]; !ok {
			order = append(order, p)
		}
		by[p] = append(by[p], r)
	}
	for _, p := range order {
		xs := make([]float64, len(by[p]))
		for k, r := range by[p] {
			xs[k] = col[r]
		}
		rows = append(rows, by[p][0])
		stats = append(stats, MeanCI(xs))
	}
	return rows, stats
}
