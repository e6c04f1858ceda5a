package crossbar

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/memlsm/memlsm/units"
)

// nodalSolve is the reference: the full nodal network of a read, every
// wire segment, cell and transistor a resistor of its own, solved directly
// (banded Cholesky of the nodal conductance matrix, gonum). Rows listed
// are driven at v from their column-0 end; all cols columns are read at
// virtual ground below row rows−1; other rows' transistors are off. It
// returns the column currents.
func nodalSolve(g [][]float64, rows, cols int, active []int, rw, ron, v float64) []float64 {
	a := len(active)
	mid := ron > 0
	blk := a + rows // per column: row nodes, [mid nodes], column nodes
	if mid {
		blk += a
	}
	n := blk * cols
	rowNode := func(m, j int) int { return j*blk + m }
	midNode := func(m, j int) int { return j*blk + a + m }
	colNode := func(i, j int) int {
		if mid {
			return j*blk + 2*a + i
		}
		return j*blk + a + i
	}
	A := mat.NewSymBandDense(n, min(blk, n-1), nil)
	rhs := mat.NewVecDense(n, nil)
	add := func(p, q int, c float64) { // conductance c between nodes p and q (q < 0: a fixed node)
		A.SetSymBand(p, p, A.At(p, p)+c)
		if q >= 0 {
			A.SetSymBand(q, q, A.At(q, q)+c)
			A.SetSymBand(p, q, A.At(p, q)-c)
		}
	}
	gw := 1 / rw
	for m, i := range active {
		add(rowNode(m, 0), -1, gw) // driver at v
		rhs.SetVec(rowNode(m, 0), gw*v)
		for j := range cols {
			if j+1 < cols {
				add(rowNode(m, j), rowNode(m, j+1), gw)
			}
			if mid {
				add(rowNode(m, j), midNode(m, j), g[i][j])
				add(midNode(m, j), colNode(i, j), 1/ron)
			} else {
				add(rowNode(m, j), colNode(i, j), g[i][j])
			}
		}
	}
	for j := range cols {
		for i := range rows - 1 {
			add(colNode(i, j), colNode(i+1, j), gw)
		}
		add(colNode(rows-1, j), -1, gw) // TIA: virtual ground
	}
	var ch mat.BandCholesky
	if !ch.Factorize(A) {
		panic("nodal matrix not positive definite")
	}
	x := mat.NewVecDense(n, nil)
	if err := ch.SolveVecTo(x, rhs); err != nil {
		panic(err)
	}
	out := make([]float64, cols)
	for j := range out {
		out[j] = x.AtVec(colNode(rows-1, j)) * gw
	}
	return out
}

// irCase is one validation case: a formed lin2025 array, some driven rows.
type irCase struct {
	rows, cols, active int
	rw, ron            float64
	top                bool // drive rows 0…active−1 (farthest from the TIAs), not a random set
}

// irCompare solves one case both ways and returns the column currents of
// the solver, the direct solve, the ideal wires and the first-order
// per-cell model (G/(1 + G·R_path), the model before this solver).
func irCompare(t testing.TB, c irCase) (solver, direct, ideal, first []float64, iters int) {
	m := newTestModel(t, "lin2025", c.rows, c.cols, 11, nil)
	all := m.Geometry().All()
	mustProgram(t, m, all, DefaultForming(m.Params()))
	gt := trueG(m, all)
	g := make([][]float64, c.rows)
	for i := range g {
		g[i] = gt[i*c.cols : (i+1)*c.cols]
	}
	rng := rand.New(rand.NewPCG(uint64(c.active), 7))
	act := rng.Perm(c.rows)[:c.active]
	if c.top {
		act = act[:0]
		for i := range c.active {
			act = append(act, i)
		}
	}
	idx := make([]int32, 0, c.active)
	for i := range c.rows {
		for _, k := range act {
			if k == i {
				idx = append(idx, int32(i))
			}
		}
	}
	sorted := make([]int, len(idx))
	for k, i := range idx {
		sorted[k] = int(i)
	}
	v := float64(m.per.ReadVoltage)
	p := m.Params()
	p.WireResistance, p.TransistorRon = 1, 0 // placeholders for newWires
	w := newWires(p)
	w.rw, w.ron = c.rw, c.ron
	solver = make([]float64, c.cols)
	sq := make([]float64, c.cols)
	iters = w.solve(gt, idx, 0, c.cols, v, solver, sq)
	direct = nodalSolve(g, c.rows, c.cols, sorted, c.rw, c.ron, v)
	ideal, first = make([]float64, c.cols), make([]float64, c.cols)
	for _, i := range sorted {
		for j := range c.cols {
			ge := g[i][j] / (1 + g[i][j]*c.ron)
			ideal[j] += ge * v
			rp := c.rw * float64(j+1+c.rows-i)
			first[j] += ge / (1 + ge*rp) * v
		}
	}
	return solver, direct, ideal, first, iters
}

func maxRelErr(a, ref []float64) float64 {
	var e, m float64
	for j := range a {
		e = max(e, math.Abs(a[j]-ref[j]))
		m = max(m, math.Abs(ref[j]))
	}
	return e / m
}

func meanRel(a, ref []float64) float64 {
	var s float64
	for j := range a {
		s += a[j]/ref[j] - 1
	}
	return s / float64(len(a))
}

// The IR-drop solver against a direct solve of the full nodal network
// (every segment, cell and transistor a resistor, banded Cholesky): the
// column currents agree to 1e-6 (the requirement is 1 %), with and
// without the transistor's on-resistance, for 1 to 113 driven rows.
// MEMLSM_SLOW=1 adds the 128×64 cases of the validation table and prints
// it (go test -run WireSolver -v).
func TestWireSolverMatchesNodal(t *testing.T) {
	cases := []irCase{
		{128, 16, 1, 1, 0, false}, {128, 16, 50, 1, 0, false}, {128, 16, 113, 1, 0, false},
		{128, 16, 113, 1, 5e3, false}, {64, 16, 20, 10, 2e3, false}, {32, 8, 32, 100, 0, false},
	}
	if os.Getenv("MEMLSM_SLOW") != "" {
		cases = append(cases, irCase{128, 64, 1, 1, 0, false}, irCase{128, 64, 50, 1, 0, false}, irCase{128, 64, 113, 1, 0, false},
			irCase{512, 1, 113, 1, 0, true}, irCase{512, 16, 1, 1, 0, false}, irCase{512, 16, 50, 1, 0, false},
			irCase{512, 16, 113, 1, 0, false}, irCase{512, 16, 113, 1, 0, true})
	}
	var tab strings.Builder
	fmt.Fprintf(&tab, "| array | driven rows | R_wire | R_on | sweeps | max rel. error vs direct | mean IR drop (solver) | mean IR drop (direct) | first-order model |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cases {
		s, d, id, fo, it := irCompare(t, c)
		e := maxRelErr(s, d)
		which := "random"
		if c.top {
			which = "top"
		}
		fmt.Fprintf(&tab, "| %d×%d | %d (%s) | %g Ω | %g Ω | %d | %.2e | %+.2f %% | %+.2f %% | %+.2f %% |\n", c.rows, c.cols, c.active, which, c.rw, c.ron, it,
			e, 100*meanRel(s, id), 100*meanRel(d, id), 100*meanRel(fo, id))
		if e > 1e-6 {
			t.Errorf("%+v: solver differs from the direct solve by %.3g (relative)", c, e)
		}
	}
	t.Logf("IR drop: solver vs direct nodal solve\n%s", tab.String())
}

// A single cell read alone has a closed form: V/(R_row + 1/g + R_col),
// g = G/(1 + G·R_on), with (c0+1) row and (Rows−i) column pitches.
func TestWireSolverSingleCell(t *testing.T) {
	m := newTestModel(t, "ideal", 32, 32, 29, func(p *Params) { p.WireResistance = 2; p.TransistorRon = 3e3 })
	all := m.Geometry().All()
	mustProgram(t, m, all, DefaultForming(m.Params()))
	gt := trueG(m, all)
	v := float64(m.per.ReadVoltage)
	cur, sq := make([]float64, 1), make([]float64, 1)
	for _, c := range []struct{ i, j int }{{0, 0}, {31, 0}, {0, 31}, {31, 31}, {10, 20}} {
		m.wires.solve(gt, []int32{int32(c.i)}, c.j, 1, v, cur, sq)
		g := gt[c.i*32+c.j]
		want := v / (2*float64(c.j+1) + (1/g + 3e3) + 2*float64(32-c.i))
		if math.Abs(cur[0]/want-1) > 1e-12 || math.Abs(sq[0]-want*want) > 1e-12*want*want {
			t.Errorf("cell %v: %.9g A, want %.9g", c, cur[0], want)
		}
	}
	// And through Read: the one-hot read of that cell, to one ADC step.
	r := Region{Row: 10, Col: 20, Rows: 1, Cols: 1}
	got := mustRead(t, m, r)
	g := gt[10*32+20]
	want := 1 / (2*21 + 1/g + 3e3 + 2*22)
	if math.Abs(float64(got[0])-want) > float64(m.per.Siemens(1))/2+1e-15 {
		t.Errorf("Read of cell (10, 20): %v, want %.6g S within half a step", got[0], want)
	}
}

// The IR drop depends on the input: the same column loses more of its
// current the more rows are driven.
func TestIRDropDependsOnInput(t *testing.T) {
	var prev float64
	for _, a := range []int{1, 10, 50, 113} {
		s, _, id, _, _ := irCompare(t, irCase{128, 16, a, 1, 0, false})
		drop := -meanRel(s, id)
		if !(drop > prev) {
			t.Errorf("%d driven rows: mean drop %.4f, not above %.4f with fewer", a, drop, prev)
		}
		prev = drop
	}
}

// Analogue differential subtraction: each pair's current difference is
// converted once, on the even column; the odd column reads 0 and costs no
// conversion; the difference equals the digital subtraction of the two
// single-ended conversions to within their noise and quantisation; a
// region that splits a pair is refused; Read stays single-ended.
func TestAnalogDiff(t *testing.T) {
	const rows, cols = 64, 32
	dig := formedModel(t, "ideal", rows, cols, 5, nil)
	ana := formedModel(t, "ideal", rows, cols, 5, func(p *Params) { p.AnalogDiff = 1 })
	r := dig.Geometry().All()
	x := randomBinary(rand.New(rand.NewPCG(3, 3)), rows, 0.5)
	yd, ya := make([]units.Amps, cols), make([]units.Amps, cols)
	c0d, c0a := dig.Counters(), ana.Counters()
	if _, err := dig.MVM(bg, r, x, yd); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.MVM(bg, r, x, ya); err != nil {
		t.Fatal(err)
	}
	lsb := float64(dig.per.LSB)
	for k := 0; k < cols; k += 2 {
		want := float64(yd[k] - yd[k+1])
		if math.Abs(float64(ya[k])-want) > 1.5*lsb || ya[k+1] != 0 {
			t.Errorf("pair %d: analogue %v / %v, digital difference %v", k/2, ya[k], ya[k+1], units.Amps(want))
		}
	}
	if d, a := dig.Counters().ADCConversions-c0d.ADCConversions, ana.Counters().ADCConversions-c0a.ADCConversions; a*2 != d {
		t.Errorf("conversions: analogue %d, digital %d: want half", a, d)
	}
	if _, err := ana.MVM(bg, Region{Row: 0, Col: 1, Rows: rows, Cols: 4}, x, make([]units.Amps, 4)); err == nil || !strings.Contains(err.Error(), "analog_diff") {
		t.Errorf("a region starting on an odd column: %v", err)
	}
	ga, gd := mustRead(t, ana, r), mustRead(t, dig, r)
	for k := range ga {
		if ga[k] != gd[k] {
			t.Fatalf("Read with analog_diff differs from the single-ended one at cell %d", k)
		}
	}
	// Fewer clips: 40 rows of a column pair exceed a 20-cell full scale
	// single-ended, not in difference.
	hot := func(p *Params) { p.AnalogDiff = 0; p.ADCFullScale = 20 * 14.25e-6 * 0.2 * 5600 }
	sd := formedModel(t, "ideal", rows, cols, 5, hot)
	sa := formedModel(t, "ideal", rows, cols, 5, func(p *Params) { hot(p); p.AnalogDiff = 1 })
	xx := make([]float64, rows)
	for i := range 40 {
		xx[i] = 1
	}
	satD, _ := sd.MVM(bg, r, xx, yd)
	satA, _ := sa.MVM(bg, r, xx, ya)
	if satD != cols || satA != 0 {
		t.Errorf("40 rows at a 20-cell full scale: %d digital and %d analogue clips, want %d and 0", satD, satA, cols)
	}
}
