package crossbar

import (
	"fmt"
	"slices"
)

// Placement reports where reservoir layouts sit on an array: for a Tiled
// array, which weights are on which tile and how full each tile is; for
// any other array, the one tile it is. It is what a user mapping a large
// reservoir onto several macros asks first (how many arrays, how well
// used), and what a cost model needs to price each of them.
type Placement struct {
	GridRows    int     `json:"grid_rows"`
	GridCols    int     `json:"grid_cols"`
	Arrays      int     `json:"arrays"`      // tiles in the grid
	UsedArrays  int     `json:"used_arrays"` // tiles holding at least one weight
	Cells       int     `json:"cells"`       // cells of all tiles
	UsedCells   int     `json:"used_cells"`  // cells holding a weight of some layout (overlapping layouts count once)
	Utilization float64 `json:"utilization"` // UsedCells / Cells
	// UsedUtilization is UsedCells over the cells of the used tiles only.
	UsedUtilization float64         `json:"used_utilization"`
	Tiles           []TilePlacement `json:"tiles"`
}

// TilePlacement is one tile of a Placement.
type TilePlacement struct {
	Tile        int     `json:"tile"` // index, row-major
	GridRow     int     `json:"grid_row"`
	GridCol     int     `json:"grid_col"`
	Array       string  `json:"array"` // what the tile is
	Row         int     `json:"row"`   // first logical row of the tile
	Col         int     `json:"col"`   // first logical column
	Rows        int     `json:"rows"`
	Cols        int     `json:"cols"`
	UsedCells   int     `json:"used_cells"`
	Utilization float64 `json:"utilization"`
	// Holds lists, per layout with cells on this tile, which weights they
	// are.
	Holds []TileHold `json:"holds,omitempty"`
	// Counters are the tile's own operation counts when it is a Counter,
	// at the time the placement was made: what prices each macro or board.
	Counters *Counters `json:"counters,omitempty"`
}

// TileHold is the part of one reservoir layout on one tile: the weights
// from inputs Inputs and from the recurrent spikes of neurons Recurrent
// onto neurons Neurons (their differential column pairs). Spans are
// half-open index ranges [lo, hi); a nil span means none.
type TileHold struct {
	Layout    int   `json:"layout"` // index in the layouts placed
	Inputs    *Span `json:"inputs,omitempty"`
	Recurrent *Span `json:"recurrent,omitempty"`
	Neurons   *Span `json:"neurons"`
	Cells     int   `json:"cells"`
}

// Span is a half-open index range [Span[0], Span[1]).
type Span [2]int

// Len returns the number of indices in s.
func (s Span) Len() int { return s[1] - s[0] }

func (s Span) String() string { return fmt.Sprintf("%d..%d", s[0], s[1]-1) }

// span returns the intersection of [a0, a1) and [b0, b1), shifted by −b0,
// or nil if it is empty.
func span(a0, a1, b0, b1 int) *Span {
	lo, hi := max(a0, b0), min(a1, b1)
	if lo >= hi {
		return nil
	}
	return &Span{lo - b0, hi - b0}
}

// namer is an array that reports a name (device.Board: the board's name).
type namer interface{ Name() string }

// describe returns a short description of an array for reports.
func describe(a Array) string {
	switch v := a.(type) {
	case *Model:
		return fmt.Sprintf("simulated macro (seed %d)", v.Seed())
	case namer:
		return fmt.Sprintf("board %q", v.Name())
	}
	return fmt.Sprintf("%T", a)
}

// PlacementOf reports where layouts sit on a: per tile of a *Tiled, or a
// as one tile otherwise, with each tile's counters when it counts. Layouts may overlap (reservoirs time-sharing
// cells); the used cells count each cell once.
func PlacementOf(a Array, layouts ...ReservoirLayout) Placement {
	var tiles []Array
	gr, gc := 1, 1
	region := func(int) Region { return a.Geometry().All() }
	if t, ok := a.(*Tiled); ok {
		tiles = t.tiles
		gr, gc = t.gr, t.gc
		region = t.TileRegion
	} else {
		tiles = []Array{a}
	}
	p := Placement{GridRows: gr, GridCols: gc, Arrays: len(tiles)}
	usedTileCells := 0
	for k, ta := range tiles {
		r := region(k)
		tp := TilePlacement{Tile: k, GridRow: k / gc, GridCol: k % gc, Array: describe(ta),
			Row: r.Row, Col: r.Col, Rows: r.Rows, Cols: r.Cols}
		if c, ok := ta.(Counter); ok {
			cs := c.Counters()
			tp.Counters = &cs
		}
		var parts []Region
		for n, l := range layouts {
			lr := l.Region
			cut, ok := intersect(r, lr)
			if !ok {
				continue
			}
			parts = append(parts, cut)
			h := TileHold{Layout: n, Cells: cut.Cells()}
			h.Inputs = span(cut.Row, cut.Row+cut.Rows, lr.Row, lr.Row+l.In)
			h.Recurrent = span(cut.Row, cut.Row+cut.Rows, lr.Row+l.In, lr.Row+l.In+l.N)
			c0, c1 := cut.Col-lr.Col, cut.Col+cut.Cols-lr.Col
			h.Neurons = &Span{c0 / 2, (c1 + 1) / 2}
			tp.Holds = append(tp.Holds, h)
		}
		tp.UsedCells = unionArea(parts)
		tp.Utilization = float64(tp.UsedCells) / float64(r.Cells())
		p.Cells += r.Cells()
		p.UsedCells += tp.UsedCells
		if tp.UsedCells > 0 {
			p.UsedArrays++
			usedTileCells += r.Cells()
		}
		p.Tiles = append(p.Tiles, tp)
	}
	if p.Cells > 0 {
		p.Utilization = float64(p.UsedCells) / float64(p.Cells)
	}
	if usedTileCells > 0 {
		p.UsedUtilization = float64(p.UsedCells) / float64(usedTileCells)
	}
	return p
}

// intersect returns the cells a and b share.
func intersect(a, b Region) (Region, bool) {
	r0, r1 := max(a.Row, b.Row), min(a.Row+a.Rows, b.Row+b.Rows)
	c0, c1 := max(a.Col, b.Col), min(a.Col+a.Cols, b.Col+b.Cols)
	if r0 >= r1 || c0 >= c1 {
		return Region{}, false
	}
	return Region{Row: r0, Col: c0, Rows: r1 - r0, Cols: c1 - c0}, true
}

// unionArea returns the number of cells in the union of rs (a handful of
// rectangles: coordinate compression).
func unionArea(rs []Region) int {
	if len(rs) == 0 {
		return 0
	}
	var ys, xs []int
	for _, r := range rs {
		ys = append(ys, r.Row, r.Row+r.Rows)
		xs = append(xs, r.Col, r.Col+r.Cols)
	}
	slices.Sort(ys)
	slices.Sort(xs)
	ys, xs = slices.Compact(ys), slices.Compact(xs)
	area := 0
	for i := 0; i+1 < len(ys); i++ {
		for j := 0; j+1 < len(xs); j++ {
			for _, r := range rs {
				if ys[i] >= r.Row && ys[i] < r.Row+r.Rows && xs[j] >= r.Col && xs[j] < r.Col+r.Cols {
					area += (ys[i+1] - ys[i]) * (xs[j+1] - xs[j])
					break
				}
			}
		}
	}
	return area
}

// String summarises the placement in one line.
func (p Placement) String() string {
	return fmt.Sprintf("%d×%d grid, %d arrays (%d used), %d of %d cells used (%.1f %%)",
		p.GridRows, p.GridCols, p.Arrays, p.UsedArrays, p.UsedCells, p.Cells, 100*p.Utilization)
}
