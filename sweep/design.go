package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Point is one combination of axis values: Values[i] is the value of
// Axes[i], a float64 (in base SI units), a string or a bool.
type Point struct {
	Index  int   `json:"point"`
	Values []any `json:"values"`
}

// levels returns an axis's discrete values: its list, or its range's
// grid.
func (a Axis) levels() ([]any, error) {
	if a.Range == nil {
		out := make([]any, len(a.Values))
		for i, v := range a.Values {
			out[i] = a.round(v)
		}
		return out, nil
	}
	r := a.Range
	lo, hi, _, err := r.bounds()
	if err != nil {
		return nil, err
	}
	var xs []float64
	switch {
	case lo == hi:
		xs = []float64{lo}
	case r.Step > 0:
		// From, From+Step, … while within To (a half-step of slack for
		// rounding, so 0.1…0.3 step 0.1 has three values).
		dir := math.Copysign(1, hi-lo)
		n := int(math.Floor(math.Abs(hi-lo)/r.Step + 1e-9))
		for k := 0; k <= n; k++ {
			xs = append(xs, lo+dir*float64(k)*r.Step)
		}
	case r.N >= 2:
		xs = make([]float64, r.N)
		for k := range xs {
			t := float64(k) / float64(r.N-1)
			if r.Log {
				xs[k] = math.Exp(math.Log(lo) + t*(math.Log(hi)-math.Log(lo)))
			} else {
				xs[k] = lo + t*(hi-lo)
			}
		}
		xs[0], xs[len(xs)-1] = lo, hi // exact ends
	default:
		return nil, fmt.Errorf("range %v…%v on a grid needs n (≥ 2) or step", r.From, r.To)
	}
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		v := a.round(x)
		if len(out) > 0 && out[len(out)-1] == v {
			continue // int rounding merged two levels
		}
		out = append(out, v)
	}
	return out, nil
}

// round applies Int to a numeric value.
func (a Axis) round(v any) any {
	if f, ok := v.(float64); ok && a.Int {
		return math.Round(f)
	}
	return v
}

// draw maps u ∈ [0, 1) to a value of the axis: a list's element
// ⌊u·len⌋, or a range's point (log-uniform with Log).
func (a Axis) draw(u float64) (any, error) {
	if a.Range == nil {
		return a.round(a.Values[min(int(u*float64(len(a.Values))), len(a.Values)-1)]), nil
	}
	lo, hi, _, err := a.Range.bounds()
	if err != nil {
		return nil, err
	}
	var x float64
	if a.Range.Log {
		x = math.Exp(math.Log(lo) + u*(math.Log(hi)-math.Log(lo)))
	} else {
		x = lo + u*(hi-lo)
	}
	return a.round(x), nil
}

// points draws the design's points from the axes.
func (s *Spec) points() ([]Point, error) {
	switch s.Design.Kind {
	case "", Grid:
		return s.grid()
	case Random, LHS:
		return s.sampled()
	}
	return nil, fmt.Errorf("design %q: want grid, random or lhs", s.Design.Kind)
}

// grid is the full factorial: the first axis varies slowest.
func (s *Spec) grid() ([]Point, error) {
	levels := make([][]any, len(s.Axes))
	total := 1
	for i, a := range s.Axes {
		l, err := a.levels()
		if err != nil {
			return nil, fmt.Errorf("axis %q: %w", a.Name, err)
		}
		levels[i] = l
		if total > maxPoints/len(l) {
			return nil, fmt.Errorf("the grid has more than %d points", maxPoints)
		}
		total *= len(l)
	}
	out := make([]Point, total)
	for p := range out {
		vals := make([]any, len(s.Axes))
		rest := p
		for i := len(s.Axes) - 1; i >= 0; i-- {
			vals[i] = levels[i][rest%len(levels[i])]
			rest /= len(levels[i])
		}
		out[p] = Point{Index: p, Values: vals}
	}
	return out, nil
}

// sampled draws Points random or Latin-hypercube points. The stream is
// seeded by Design.Seed alone and consumed in a fixed order, so a design
// is the same on every machine.
func (s *Spec) sampled() ([]Point, error) {
	n := s.Design.Points
	rng := rand.New(rand.NewPCG(s.Design.Seed, 0x6c6873)) // "lhs"
	u := make([][]float64, len(s.Axes))                   // u[axis][point]
	for i := range s.Axes {
		u[i] = make([]float64, n)
		if s.Design.Kind == LHS {
			// One draw in each of n equal strata, strata shuffled per axis.
			perm := rng.Perm(n)
			for p := range n {
				u[i][p] = (float64(perm[p]) + rng.Float64()) / float64(n)
			}
		} else {
			for p := range n {
				u[i][p] = rng.Float64()
			}
		}
	}
	out := make([]Point, n)
	for p := range out {
		vals := make([]any, len(s.Axes))
		for i, a := range s.Axes {
			v, err := a.draw(u[i][p])
			if err != nil {
				return nil, fmt.Errorf("axis %q: %w", a.Name, err)
			}
			vals[i] = v
		}
		out[p] = Point{Index: p, Values: vals}
	}
	return out, nil
}

// formatValue prints an axis value for a knob and for progress lines:
// numbers in their shortest exact form.
func formatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
