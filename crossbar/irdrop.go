package crossbar

// IR drop: the row and column wires solved as a resistive network for the
// rows a read actually drives.
//
// Geometry (the macro's): row i is a source line driven at the read
// voltage from its column-0 end, one wire segment of WireResistance per
// cell pitch; column j is a bit line read by its TIA (a virtual ground)
// below row Rows−1, one segment per pitch. A driven row's cell (i, j) is
// the cell's conductance in series with its access transistor's
// on-resistance, g = G/(1 + G·TransistorRon), between the row node and the
// column node at (i, j). Rows that are not driven have their word lines
// off: their cells are disconnected, and their stretch of each column
// wire is a plain series resistance. Columns outside the read region float
// and carry no current (assumption: the few nanoamperes a floating column
// could pass between driven rows at almost equal potential are neglected).
//
// For A driven rows and n read columns the unknowns are the A·n row-node
// and A·n column-node voltages. Along one row, with the column voltages
// fixed, Kirchhoff's current law is a tridiagonal system in that row's
// nodes; along one column, with the row voltages fixed, likewise. The
// solver alternates exact (Thomas) solves of every row line and every
// column line — block Gauss–Seidel on the nodal conductance matrix, which is
// symmetric positive definite, so the iteration converges for any wire
// resistance — until no column current changes by more than solveTol of
// the largest. This is the structure of CrossSim's parasitic-resistance
// solver (Sandia: iterate between the row and column wire voltages) with
// line solves in place of its relaxed point updates. TestWireSolverMatchesNodal
// checks it against a direct sparse (banded Cholesky) solve of the full
// nodal network.

import "math"

const (
	solveTol     = 1e-9 // relative change of the column currents that ends the iteration (an ADC step is > 6e-5 of full scale)
	solveMaxIter = 2000 // a safety bound (block Gauss–Seidel on an SPD matrix converges; it takes < 30 sweeps at 1 Ω)
)

// wires is the IR-drop solver's state: parameters and scratch, sized for
// the whole array once, so solving allocates nothing. Every A×n slice is
// row-major over (driven row m, read column j).
type wires struct {
	rw, ron    float64 // Ω per pitch; Ω of the access transistor
	rows, cols int

	g, vr, vc, d []float64 // cell conductance, row-node and column-node voltages, right-hand sides
	// LDLᵀ factors of the tridiagonal line systems, computed once per read:
	// 1/pivot and the elimination multiplier of every node, along its row
	// (R) and along its column (C).
	invR, fR, invC, fC []float64
	offC               []float64 // A: column off-diagonal below driven row m (−segment conductance)
	colI               []float64 // n: column currents of the previous sweep
	lastIters          int
	lastErr            float64
}

func newWires(p Params) *wires {
	return &wires{rw: float64(p.WireResistance), ron: float64(p.TransistorRon), rows: p.Rows, cols: p.Cols}
}

func (w *wires) grow(a, n int) {
	if cap(w.g) < a*n {
		c := w.rows * w.cols
		w.g, w.vr, w.vc, w.d = make([]float64, 0, c), make([]float64, 0, c), make([]float64, 0, c), make([]float64, 0, c)
		w.invR, w.fR, w.invC, w.fC = make([]float64, 0, c), make([]float64, 0, c), make([]float64, 0, c), make([]float64, 0, c)
		w.offC, w.colI = make([]float64, w.rows), make([]float64, w.cols)
	}
	k := a * n
	w.g, w.vr, w.vc, w.d = w.g[:k], w.vr[:k], w.vc[:k], w.d[:k]
	w.invR, w.fR, w.invC, w.fC = w.invR[:k], w.fR[:k], w.invC[:k], w.fC[:k]
}

// solve sets, for a binary read with the rows listed (absolute, ascending)
// at vread and the n columns from c0 at virtual ground, cur[j] to the
// current of column c0+j and sq[j] to the sum of its cells' squared
// currents (for the read noise), from the conductances gnow (row-major,
// whole array). It returns the sweeps used.
func (w *wires) solve(gnow []float64, rows []int32, c0, n int, vread float64, cur, sq []float64) int {
	a := len(rows)
	cur, sq = cur[:n], sq[:n]
	clear(cur)
	clear(sq)
	if a == 0 {
		return 0
	}
	w.grow(a, n)
	gw := 1 / w.rw           // one segment
	g0 := gw / float64(c0+1) // driver to the region's first column
	for m, i := range rows {
		src := gnow[int(i)*w.cols+c0 : int(i)*w.cols+c0+n]
		dst := w.g[m*n : (m+1)*n]
		for j, g := range src {
			dst[j] = g / (1 + g*w.ron)
		}
	}
	// Row systems: node j couples to j±1 by gw (−gw off the diagonal); the
	// first node to the driver by g0, the last has nothing beyond it.
	for m := range a {
		g := w.g[m*n : (m+1)*n]
		inv, f := w.invR[m*n:(m+1)*n], w.fR[m*n:(m+1)*n]
		var piv float64
		for j := range n {
			diag := g[j] + gw
			if j == 0 {
				diag = g[j] + g0
			}
			if j < n-1 {
				diag += gw
			}
			if j > 0 {
				f[j] = -gw * inv[j-1]
				diag -= gw * gw * inv[j-1]
			}
			piv = diag
			inv[j] = 1 / piv
		}
	}
	// Column systems: driven row m couples to the next driven row below by
	// the conductance of the gap's segments, the last one to the TIA.
	for m := range a {
		var dn float64
		if m < a-1 {
			dn = gw / float64(rows[m+1]-rows[m])
		} else {
			dn = gw / float64(w.rows-int(rows[m]))
		}
		w.offC[m] = -dn
	}
	for m := range a {
		g := w.g[m*n : (m+1)*n]
		inv, f := w.invC[m*n:(m+1)*n], w.fC[m*n:(m+1)*n]
		down := -w.offC[m]
		var up float64
		if m > 0 {
			up = -w.offC[m-1]
			pinv := w.invC[(m-1)*n : m*n]
			for j := range n {
				f[j] = -up * pinv[j]
				inv[j] = 1 / (g[j] + up + down - up*up*pinv[j])
			}
		} else {
			for j := range n {
				f[j] = 0
				inv[j] = 1 / (g[j] + down)
			}
		}
	}
	clear(w.vc)
	colI := w.colI[:n]
	clear(colI)
	glast := -w.offC[a-1]
	iters := 0
	w.lastErr = 0
	for iters < solveMaxIter {
		iters++
		// Every driven row, with the column voltages fixed.
		for m := range a {
			g := w.g[m*n : (m+1)*n]
			vc, x, d := w.vc[m*n:(m+1)*n], w.vr[m*n:(m+1)*n], w.d[m*n:(m+1)*n]
			inv, f := w.invR[m*n:(m+1)*n], w.fR[m*n:(m+1)*n]
			prev := g[0]*vc[0] + g0*vread
			d[0] = prev
			for j := 1; j < n; j++ {
				prev = g[j]*vc[j] - f[j]*prev
				d[j] = prev
			}
			xn := d[n-1] * inv[n-1]
			x[n-1] = xn
			for j := n - 2; j >= 0; j-- {
				xn = (d[j] + gw*xn) * inv[j]
				x[j] = xn
			}
		}
		// Every read column at once, with the row voltages fixed: forward
		// elimination down the driven rows, back substitution up.
		for m := range a {
			g, vr, d := w.g[m*n:(m+1)*n], w.vr[m*n:(m+1)*n], w.d[m*n:(m+1)*n]
			if m == 0 {
				for j := range d {
					d[j] = g[j] * vr[j]
				}
				continue
			}
			f, dp := w.fC[m*n:(m+1)*n], w.d[(m-1)*n:m*n]
			for j := range d {
				d[j] = g[j]*vr[j] - f[j]*dp[j]
			}
		}
		{
			m := a - 1
			vc, d, inv := w.vc[m*n:(m+1)*n], w.d[m*n:(m+1)*n], w.invC[m*n:(m+1)*n]
			for j := range vc {
				vc[j] = d[j] * inv[j]
			}
		}
		for m := a - 2; m >= 0; m-- {
			off := w.offC[m]
			vc, below, d, inv := w.vc[m*n:(m+1)*n], w.vc[(m+1)*n:(m+2)*n], w.d[m*n:(m+1)*n], w.invC[m*n:(m+1)*n]
			for j := range vc {
				vc[j] = (d[j] - off*below[j]) * inv[j]
			}
		}
		// The column's current is what its last segment carries.
		var dmax, imax float64
		last := w.vc[(a-1)*n : a*n]
		for j := range colI {
			i := last[j] * glast
			dmax = max(dmax, math.Abs(i-colI[j]))
			imax = max(imax, math.Abs(i))
			colI[j] = i
		}
		w.lastErr = dmax / max(imax, 1e-300)
		if dmax <= solveTol*imax {
			break
		}
	}
	w.lastIters = iters
	for m := range a {
		g := w.g[m*n : (m+1)*n]
		vr, vc := w.vr[m*n:(m+1)*n], w.vc[m*n:(m+1)*n]
		for j := range n {
			i := g[j] * (vr[j] - vc[j])
			cur[j] += i
			sq[j] += i * i
		}
	}
	return iters
}
