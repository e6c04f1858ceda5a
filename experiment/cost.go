package experiment

import (
	"fmt"
	"slices"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/projection"
)

// costEncoding is one encoder's part of an inference: its reservoir and
// the operation counts of every encoding it ran.
type costEncoding struct {
	name  string
	res   *reservoir
	stats lsm.Stats
	// counted, when it has samples, is everything the run encoded on the
	// array with this reservoir (several gains, validation splits), which
	// the arrays' counters are compared with; stats alone prices one
	// inference.
	counted lsm.Stats
}

// headWork is the digital work of a trained head per inference.
type headWork struct{ macs, params float64 }

// denseHead is a chain of fully connected layers from in through sizes.
func denseHead(in int, sizes ...int) headWork {
	var h headWork
	for _, out := range sizes {
		h.macs += float64(in * out)
		h.params += float64((in + 1) * out)
		in = out
	}
	return h
}

// classifierHead is the work of a classification head on f features.
func classifierHead(h HeadConfig, f, classes int) headWork {
	if h.Kind == "mlp" {
		hidden := h.MLP.Hidden
		if hidden == nil {
			hidden = projection.MLPDefaultHidden
		}
		return denseHead(f, append(append([]int(nil), hidden...), classes)...)
	}
	return denseHead(f, classes)
}

// towerHead is the work of one contrastive projection tower (OneFC or
// TwoFC of width pd) on f features.
func towerHead(c projection.CLIPConfig, f int) headWork {
	dim, layers := c.Dim, c.Layers
	if dim == 0 {
		dim = 64 // projection's default pd
	}
	if layers == 0 {
		layers = 1
	}
	sizes := make([]int, layers)
	for i := range sizes {
		sizes[i] = dim
	}
	return denseHead(f, sizes...)
}

// costReport prices one inference — the reservoirs of encs and head h —
// with the macro's technology description. In in-memory and on-board
// modes the arrays' counters over the encodings are compared with the
// model. Call it after close.
func (m *macroRun) costReport(encs []costEncoding, h headWork) (*cost.Report, error) {
	tech := cost.Default()
	if m.cfg.Cost != nil {
		tech = *m.cfg.Cost
	}
	p := m.params
	if p == (crossbar.Params{}) {
		p, _ = crossbar.Preset("lin2025") // software weights: price them on the lin2025 macro
	}
	sched := cost.EventDriven
	if m.cfg.Mode == OnBoard {
		sched = cost.EveryStep
	}
	w := cost.Workload{Schedule: sched, HeadMACs: h.macs, HeadParams: h.params, Macro: cost.MacroOf(p)}
	for _, e := range encs {
		r := cost.NewReservoir(e.name, e.stats, sched, p.InputBits, e.res.meanG)
		r.TileRows, r.TileCols = tilesOf(e.res)
		w.Reservoirs = append(w.Reservoirs, r)
	}
	r, err := cost.Evaluate(w, tech)
	if err != nil {
		return nil, fmt.Errorf("experiment: cost: %w", err)
	}
	if m.cfg.Mode != ReadOnce && m.counter {
		cw := w
		cw.Reservoirs = slices.Clone(w.Reservoirs)
		for k, e := range encs {
			if e.counted.Samples > 0 {
				cw.Reservoirs[k] = cost.NewReservoir(e.name, e.counted, sched, p.InputBits, e.res.meanG)
				cw.Reservoirs[k].TileRows, cw.Reservoirs[k].TileCols = tilesOf(e.res)
			}
		}
		r.Counted = cost.Count(m.enc, cw, p)
	}
	return r, nil
}

// tilesOf returns how many tile rows and columns of a grid of macros
// (crossbar.Tiled) the reservoir's layout covers; 1, 1 on one macro.
func tilesOf(r *reservoir) (rows, cols int) {
	t, ok := r.array.(*crossbar.Tiled)
	if !ok {
		return 1, 1
	}
	gr, gc := t.Grid()
	l := r.layout.Region
	for i := range gr {
		if tr := t.TileRegion(i * gc); tr.Row < l.Row+l.Rows && l.Row < tr.Row+tr.Rows {
			rows++
		}
	}
	for j := range gc {
		if tr := t.TileRegion(j); tr.Col < l.Col+l.Cols && l.Col < tr.Col+tr.Cols {
			cols++
		}
	}
	return rows, cols
}

// rowBands returns where the reservoir's rows cross from one tile row of a
// grid of macros to the next (lsm.Options.RowBands, in the layout's row
// space), so that the encoding counts the tile rows each read converts;
// nil on one macro.
func rowBands(r *reservoir) []int {
	t, ok := r.array.(*crossbar.Tiled)
	if !ok {
		return nil
	}
	gr, gc := t.Grid()
	l := r.layout.Region
	var b []int
	for i := 1; i < gr; i++ {
		if row := t.TileRegion(i * gc).Row; row > l.Row && row < l.Row+l.Rows {
			b = append(b, row-l.Row)
		}
	}
	return b
}
