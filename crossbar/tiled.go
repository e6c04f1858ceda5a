package crossbar

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"

	"github.com/memlsm/memlsm/units"
)

// Tiled is a grid of Arrays that is itself an Array: a larger logical
// array whose cells are the cells of its tiles, the way a design too large
// for one macro is spread over several macros or boards. Tile (k, l) of an
// R×C grid holds the logical rows of tile row k and the logical columns of
// tile column l; the tiles of one tile row share a row count and those of
// one tile column a column count, so the grid need not be uniform.
//
// What crosses tile boundaries is digital, as it must be on hardware:
//
//   - MVM drives, on every tile a region covers, the rows of that tile and
//     converts its columns with that tile's own ADC (its own quantisation,
//     noise and saturation); the host then sums the row tiles' digitised
//     partial column currents, in ascending tile-row order. A row tile none
//     of whose rows is driven is not asked at all (event-driven: its partial
//     sum is zero by construction; assumption: a real macro converting no
//     driven rows would read only its ADC offset, which the model does not
//     have). The saturations of every tile conversion add up.
//   - Program applies one pulse per covered tile to the part of the region
//     on it, after checking the pulse against the limits of every covered
//     tile that reports them, so a refused pulse touches no tile.
//   - Read reads the part of the region on each tile and stitches the parts.
//
// Optional capabilities are forwarded: Limiter (the tightest limits of the
// tiles), Clock (Wait lets time pass on every tile; Now is the latest tile
// clock), Counter (sums over tiles except MVMs, which counts logical MVMs;
// TileCounters gives each tile's own counts), ReadVoltager (all tiles must
// share one read voltage), AnalogDiffer (all tiles or none) and
// ReservoirRunner (see RunReservoir).
//
// Tiles are separate devices, so Tiled can ask them in parallel
// (TiledOptions.Workers: boards are, simulated macros by default not);
// every tile still sees its own operations in a fixed order, and partial
// sums are added in a fixed order, so results do not depend on the number
// of workers. A Tiled owns its tiles: Close closes
// them.
type Tiled struct {
	mu      sync.Mutex
	tiles   []Array
	gr, gc  int   // grid rows, columns
	rowOff  []int // gr+1: logical first row of each tile row, then the total
	colOff  []int // gc+1
	vread   units.Volts
	adiff   bool // every tile subtracts column pairs before its ADC
	workers int
	closed  bool
	mvms    int64 // logical MVM calls

	// The pool of goroutines that ask tiles in parallel (started on first
	// use, stopped by Close), and the operation it runs.
	work chan int
	wg   sync.WaitGroup
	fn   func(n int, jb tileJob) error
	cur  []tileJob

	// The operands of the MVM in progress, and its job function.
	mctx  context.Context
	mx    []float64
	mvmFn func(n int, jb tileJob) error

	// Scratch of MVM and RunReservoir, guarded by mu.
	ys   [][]units.Amps // per tile: its partial column currents
	jobs []tileJob
	errs []error   // per job
	sats []int     // per job
	rx   []float64 // RunReservoir: input vector
	ry   []units.Amps
	rv   []float64
	rs   []bool
	rp   []bool
}

// TiledOptions configures a Tiled. The zero value is usable.
type TiledOptions struct {
	// Workers is how many tiles are asked at once; 1 asks them one after
	// the other. 0 chooses by what the tiles are: simulated macros
	// (*Model) are asked one after the other on the calling goroutine —
	// one tile's MVM takes microseconds, less than handing it to another
	// goroutine costs on a busy machine (BenchmarkTiledMVMNeural2048,
	// 40 macros, load ≈ 30 on 2 cores: 9.4 ms per step sequential, 15.5 ms
	// on 2 workers, 26 ms on one per tile; on a less loaded machine 2
	// workers gained ≈ 1.3×) — and any other grid (boards, whose round
	// trips dominate) gets one goroutine per tile.
	Workers int
}

// Interfaces Tiled implements.
var (
	_ Array           = (*Tiled)(nil)
	_ Limiter         = (*Tiled)(nil)
	_ Clock           = (*Tiled)(nil)
	_ Counter         = (*Tiled)(nil)
	_ ReservoirRunner = (*Tiled)(nil)
	_ ReadVoltager    = (*Tiled)(nil)
	_ AnalogDiffer    = (*Tiled)(nil)
)

// tileJob is one tile's part of an operation: the tile, the part of the
// logical region on it (in tile coordinates) and where that part starts in
// the logical region.
type tileJob struct {
	k      int    // tile index
	r      Region // in the tile's coordinates
	di, dj int    // offset of the part within the logical region
}

// NewTiled returns the rows×cols grid of tiles (row-major: tile k is at
// grid row k/cols, column k%cols) as one array. It checks that the grid is
// consistent: every tile present and distinct, the tiles of a grid row
// equally tall, those of a grid column equally wide, one read voltage for
// all (a logical MVM sums currents of several tiles, which is a weighted
// sum of conductances only if every tile reads at the same voltage).
func NewTiled(rows, cols int, tiles []Array, opts *TiledOptions) (*Tiled, error) {
	if rows < 1 || cols < 1 || len(tiles) != rows*cols {
		return nil, fmt.Errorf("crossbar: a %d×%d grid of tiles needs %d arrays, got %d", rows, cols, max(rows*cols, 0), len(tiles))
	}
	var o TiledOptions
	if opts != nil {
		o = *opts
	}
	if o.Workers < 0 {
		return nil, fmt.Errorf("crossbar: tiled array: %d workers", o.Workers)
	}
	t := &Tiled{tiles: append([]Array(nil), tiles...), gr: rows, gc: cols, workers: o.Workers,
		rowOff: make([]int, rows+1), colOff: make([]int, cols+1)}
	if t.workers == 0 {
		t.workers = 1
		for _, a := range tiles {
			if _, sim := a.(*Model); !sim {
				t.workers = len(tiles)
				break
			}
		}
	}
	seen := map[any]int{}
	for k, a := range tiles {
		if a == nil {
			return nil, fmt.Errorf("crossbar: tile %d of the %d×%d grid is nil", k, rows, cols)
		}
		if reflect.TypeOf(a).Comparable() {
			if k0, dup := seen[a]; dup {
				return nil, fmt.Errorf("crossbar: tiles %d and %d of the grid are the same array", k0, k)
			}
			seen[a] = k
		}
		g := a.Geometry()
		if g.Rows < 1 || g.Cols < 1 {
			return nil, fmt.Errorf("crossbar: tile %d is %d×%d", k, g.Rows, g.Cols)
		}
		i, j := k/cols, k%cols
		if j == 0 {
			t.rowOff[i+1] = t.rowOff[i] + g.Rows
		} else if h := t.rowOff[i+1] - t.rowOff[i]; g.Rows != h {
			return nil, fmt.Errorf("crossbar: tile %d (grid %d,%d) has %d rows, the others of its grid row %d", k, i, j, g.Rows, h)
		}
		if i == 0 {
			t.colOff[j+1] = t.colOff[j] + g.Cols
		} else if w := t.colOff[j+1] - t.colOff[j]; g.Cols != w {
			return nil, fmt.Errorf("crossbar: tile %d (grid %d,%d) has %d columns, the others of its grid column %d", k, i, j, g.Cols, w)
		}
		v := readVoltage(a)
		ad := false
		if d, ok := a.(AnalogDiffer); ok {
			ad = d.AnalogDiff()
		}
		if k == 0 {
			t.vread, t.adiff = v, ad
		} else if v != t.vread {
			return nil, fmt.Errorf("crossbar: tile %d reads at %v, tile 0 at %v: a tiled MVM needs one read voltage", k, v, t.vread)
		} else if ad != t.adiff {
			return nil, fmt.Errorf("crossbar: tile %d subtracts column pairs before its ADC (analog_diff) and tile 0 does not, or the reverse: a tiled MVM needs one convention", k)
		}
		if ad && g.Cols%2 != 0 {
			return nil, fmt.Errorf("crossbar: tile %d has %d columns: with analog differencing every tile must hold whole column pairs", k, g.Cols)
		}
	}
	t.ys = make([][]units.Amps, len(tiles))
	for k, a := range tiles {
		t.ys[k] = make([]units.Amps, a.Geometry().Cols)
	}
	t.errs = make([]error, len(tiles))
	t.sats = make([]int, len(tiles))
	t.mvmFn = t.mvmJob
	return t, nil
}

// TileSeed returns the seed of tile k of a tiled macro whose experiment
// seed is seed: seed itself for tile 0 (so a reservoir that fits one macro
// is unchanged by tiling), and for k ≥ 1 a SplitMix64 hash of (seed, k),
// so every tile has its own, deterministic, independent random stream. A
// simulated tile and an emulated board seeded with TileSeed(seed, k) are
// the same macro.
func TileSeed(seed uint64, k int) uint64 {
	if k == 0 {
		return seed
	}
	return mix64(mix64(seed^0x74696c6573) + uint64(k)*golden) // "tiles"
}

// GridFor returns the smallest grid of tile×… arrays that holds a region
// of need cells from the logical origin: ⌈need.Rows/tile.Rows⌉ ×
// ⌈need.Cols/tile.Cols⌉.
func GridFor(tile, need Geometry) (rows, cols int) {
	if tile.Rows < 1 || tile.Cols < 1 || need.Rows < 1 || need.Cols < 1 {
		return 0, 0
	}
	return (need.Rows + tile.Rows - 1) / tile.Rows, (need.Cols + tile.Cols - 1) / tile.Cols
}

// NewTiledModels returns a rows×cols grid of simulated macros with
// parameters p, tile k seeded with TileSeed(seed, k). A 1×1 grid is
// NewModel(p, seed) behind the Tiled interface.
func NewTiledModels(p Params, rows, cols int, seed uint64, opts *TiledOptions) (*Tiled, error) {
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("crossbar: a %d×%d grid of macros", rows, cols)
	}
	tiles := make([]Array, rows*cols)
	for k := range tiles {
		m, err := NewModel(p, TileSeed(seed, k))
		if err != nil {
			for _, a := range tiles[:k] {
				a.Close()
			}
			return nil, err
		}
		tiles[k] = m
	}
	return NewTiled(rows, cols, tiles, opts)
}

// Grid returns the number of tile rows and tile columns.
func (t *Tiled) Grid() (rows, cols int) { return t.gr, t.gc }

// Tiles returns the tiles, row-major. The caller must not close them.
func (t *Tiled) Tiles() []Array { return t.tiles }

// TileRegion returns the logical cells of tile k.
func (t *Tiled) TileRegion(k int) Region {
	i, j := k/t.gc, k%t.gc
	return Region{Row: t.rowOff[i], Col: t.colOff[j], Rows: t.rowOff[i+1] - t.rowOff[i], Cols: t.colOff[j+1] - t.colOff[j]}
}

// Geometry implements Array: the sum of the tile rows' heights by the sum
// of the tile columns' widths.
func (t *Tiled) Geometry() Geometry { return Geometry{Rows: t.rowOff[t.gr], Cols: t.colOff[t.gc]} }

// ReadVoltage implements ReadVoltager: the tiles' common read voltage.
func (t *Tiled) ReadVoltage() units.Volts { return t.vread }

// AnalogDiff implements AnalogDiffer: the tiles subtract each column pair
// before their ADCs (all of them or none, checked by NewTiled), so a tiled
// MVM reports each pair's summed difference on its even column.
func (t *Tiled) AnalogDiff() bool { return t.adiff }

// usable checks, with t.mu held, that t is open and ctx alive, and that r
// lies inside t.
func (t *Tiled) usable(ctx context.Context, r Region) error {
	if t.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("crossbar: %w", err)
	}
	if g := t.Geometry(); !g.Contains(r) {
		return fmt.Errorf("crossbar: region %v (origin %d,%d size %d×%d) is empty or outside the %d×%d tiled array",
			r, r.Row, r.Col, r.Rows, r.Cols, g.Rows, g.Cols)
	}
	return nil
}

// split appends to jobs the parts of r on each tile, tile rows outer,
// ascending.
func (t *Tiled) split(r Region, jobs []tileJob) []tileJob {
	for i := range t.gr {
		r0, r1 := max(r.Row, t.rowOff[i]), min(r.Row+r.Rows, t.rowOff[i+1])
		if r0 >= r1 {
			continue
		}
		for j := range t.gc {
			c0, c1 := max(r.Col, t.colOff[j]), min(r.Col+r.Cols, t.colOff[j+1])
			if c0 >= c1 {
				continue
			}
			jobs = append(jobs, tileJob{
				k:  i*t.gc + j,
				r:  Region{Row: r0 - t.rowOff[i], Col: c0 - t.colOff[j], Rows: r1 - r0, Cols: c1 - c0},
				di: r0 - r.Row, dj: c0 - r.Col,
			})
		}
	}
	return jobs
}

// run calls f(n, jobs[n]) for every job, on up to t.workers goroutines of
// the tiled array's pool, and returns the error of the first job (in job
// order) that failed, naming its tile. It is called with t.mu held.
func (t *Tiled) run(jobs []tileJob, f func(n int, jb tileJob) error) error {
	errs := t.errs[:len(jobs)]
	clear(errs)
	if t.workers == 1 || len(jobs) <= 1 {
		for n, jb := range jobs {
			if errs[n] = f(n, jb); errs[n] != nil {
				break
			}
		}
	} else {
		if t.work == nil {
			t.startPool()
		}
		t.fn, t.cur = f, jobs
		t.wg.Add(len(jobs))
		for n := range jobs {
			t.work <- n
		}
		t.wg.Wait()
		t.fn, t.cur = nil, nil
	}
	for n, err := range errs {
		if err != nil {
			jb := jobs[n]
			return fmt.Errorf("crossbar: tile %d (grid %d,%d): %w", jb.k, jb.k/t.gc, jb.k%t.gc, err)
		}
	}
	return nil
}

// startPool starts the t.workers goroutines that ask tiles in parallel.
// Close stops them.
func (t *Tiled) startPool() {
	t.work = make(chan int)
	for range t.workers {
		go func() {
			for n := range t.work {
				t.errs[n] = t.fn(n, t.cur[n])
				t.wg.Done()
			}
		}()
	}
}

// Limits implements Limiter: the tightest limit of every tile that is a
// Limiter. MaxCells is the sum over tiles of each tile's MaxCells (a tile
// without a cell limit counts its own cells), or 0 when no tile limits
// cells: a pulse on the tiled array is one pulse per tile, and Program
// checks each tile's part against that tile's own limits.
func (t *Tiled) Limits() Limits {
	var l Limits
	first, limited := true, false
	cells := 0
	for _, a := range t.tiles {
		lm, ok := a.(Limiter)
		if !ok {
			cells += a.Geometry().Cells()
			continue
		}
		tl := lm.Limits()
		if first {
			l, first = tl, false
		} else {
			for m := range l.MaxAmplitude {
				l.MaxAmplitude[m] = min(l.MaxAmplitude[m], tl.MaxAmplitude[m])
			}
			l.MinWidth = max(l.MinWidth, tl.MinWidth)
			l.MaxWidth = min(l.MaxWidth, tl.MaxWidth)
			l.MaxGate = min(l.MaxGate, tl.MaxGate)
			l.MaxDuty = min(l.MaxDuty, tl.MaxDuty)
		}
		if tl.MaxCells > 0 {
			limited = true
			cells += tl.MaxCells
		} else {
			cells += a.Geometry().Cells()
		}
	}
	l.MaxCells = 0
	if limited {
		l.MaxCells = cells
	}
	return l
}

// Program implements Array: one pulse on the part of r on each tile it
// covers, in tile order, after every part has been checked against its
// tile's limits. If a tile fails anyway (a link error), the tiles before
// it in row-major order have been programmed; the error names the tile.
func (t *Tiled) Program(ctx context.Context, r Region, p Pulse) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usable(ctx, r); err != nil {
		return err
	}
	if p.Mode < Form || p.Mode > Reset {
		return fmt.Errorf("crossbar: pulse mode %d is not form, set or reset", p.Mode)
	}
	t.jobs = t.split(r, t.jobs[:0])
	for _, jb := range t.jobs {
		if lm, ok := t.tiles[jb.k].(Limiter); ok {
			if err := lm.Limits().Check(p, jb.r.Cells()); err != nil {
				return fmt.Errorf("crossbar: tile %d: %w: %w", jb.k, ErrLimit, err)
			}
		}
	}
	return t.run(t.jobs, func(_ int, jb tileJob) error { return t.tiles[jb.k].Program(ctx, jb.r, p) })
}

// Read implements Array: each tile reads its part of r (in parallel), and
// the parts are stitched row-major into g.
func (t *Tiled) Read(ctx context.Context, r Region, g []units.Siemens) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usable(ctx, r); err != nil {
		return err
	}
	if len(g) != r.Cells() {
		return fmt.Errorf("crossbar: Read of %v needs %d values, got a slice of %d", r, r.Cells(), len(g))
	}
	t.jobs = t.split(r, t.jobs[:0])
	return t.run(t.jobs, func(_ int, jb tileJob) error {
		part := make([]units.Siemens, jb.r.Cells())
		if err := t.tiles[jb.k].Read(ctx, jb.r, part); err != nil {
			return err
		}
		for i := range jb.r.Rows {
			copy(g[(jb.di+i)*r.Cols+jb.dj:], part[i*jb.r.Cols:(i+1)*jb.r.Cols])
		}
		return nil
	})
}

// MVM implements Array. The tiles of every covered tile row with at least
// one driven row convert their part, and y[j] is the sum of the row
// tiles' partial currents of column j in ascending tile-row order.
// saturated counts the clipped conversions of all tiles.
func (t *Tiled) MVM(ctx context.Context, r Region, x []float64, y []units.Amps) (saturated int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usable(ctx, r); err != nil {
		return 0, err
	}
	if len(x) != r.Rows {
		return 0, fmt.Errorf("crossbar: MVM over %v needs %d inputs, got a slice of %d", r, r.Rows, len(x))
	}
	if len(y) != r.Cols {
		return 0, fmt.Errorf("crossbar: MVM over %v needs %d outputs, got a slice of %d", r, r.Cols, len(y))
	}
	for i, v := range x {
		if !(v >= 0 && v <= 1) {
			return 0, fmt.Errorf("crossbar: MVM input x[%d] = %g outside [0, 1]", i, v)
		}
	}
	return t.mvm(ctx, r, x, y)
}

// mvm is MVM after validation, with t.mu held.
func (t *Tiled) mvm(ctx context.Context, r Region, x []float64, y []units.Amps) (int, error) {
	t.mvms++
	jobs := t.split(r, t.jobs[:0])
	// Drop the tile rows with no driven row.
	n := 0
	for _, jb := range jobs {
		if anyNonZero(x[jb.di : jb.di+jb.r.Rows]) {
			jobs[n] = jb
			n++
		}
	}
	jobs = jobs[:n]
	t.jobs = jobs
	sats := t.sats[:len(jobs)]
	t.mctx, t.mx = ctx, x
	err := t.run(jobs, t.mvmFn)
	t.mctx, t.mx = nil, nil
	if err != nil {
		return 0, err
	}
	clear(y)
	sat := 0
	for n, jb := range jobs {
		sat += sats[n]
		dst := y[jb.dj : jb.dj+jb.r.Cols]
		for j, v := range t.ys[jb.k][:jb.r.Cols] {
			dst[j] += v
		}
	}
	return sat, nil
}

// mvmJob is one tile's part of mvm. NewTiled stores it as t.mvmFn once, so
// that the hot path does not allocate a closure per step.
func (t *Tiled) mvmJob(n int, jb tileJob) error {
	var err error
	t.sats[n], err = t.tiles[jb.k].MVM(t.mctx, jb.r, t.mx[jb.di:jb.di+jb.r.Rows], t.ys[jb.k][:jb.r.Cols])
	return err
}

func anyNonZero(x []float64) bool {
	for _, v := range x {
		if v != 0 {
			return true
		}
	}
	return false
}

// Now implements Clock: the latest clock of the tiles that are Clocks (0
// if none is). Tiles' clocks differ when pulses touched only some tiles.
func (t *Tiled) Now() units.Seconds {
	var now units.Seconds
	for _, a := range t.tiles {
		if c, ok := a.(Clock); ok {
			now = max(now, c.Now())
		}
	}
	return now
}

// Wait implements Clock: d passes on every tile (in parallel). Every tile
// must be a Clock.
func (t *Tiled) Wait(ctx context.Context, d units.Seconds) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if !(d >= 0) || math.IsInf(float64(d), 0) {
		return fmt.Errorf("crossbar: wait of %v: want a finite duration ≥ 0", d)
	}
	jobs := t.jobs[:0]
	for k, a := range t.tiles {
		if _, ok := a.(Clock); !ok {
			return fmt.Errorf("crossbar: tile %d (%T) has no clock to wait on", k, a)
		}
		jobs = append(jobs, tileJob{k: k})
	}
	t.jobs = jobs
	return t.run(jobs, func(_ int, jb tileJob) error { return t.tiles[jb.k].(Clock).Wait(ctx, d) })
}

// Counters implements Counter: the sum of the tiles' counters (tiles that
// are not Counters count nothing), except MVMs, which counts the MVMs of
// the tiled array itself (each asks one or more tiles).
func (t *Tiled) Counters() Counters {
	var c Counters
	for _, tc := range t.TileCounters() {
		c.Pulses += tc.Pulses
		c.CellReads += tc.CellReads
		c.ADCConversions += tc.ADCConversions
		c.DACUpdates += tc.DACUpdates
		c.Saturations += tc.Saturations
		c.Energy += tc.Energy
	}
	t.mu.Lock()
	c.MVMs = t.mvms
	t.mu.Unlock()
	return c
}

// TileCounters returns each tile's own counters, row-major (zero for a
// tile that is not a Counter): what a cost model needs to price each
// macro or board separately.
func (t *Tiled) TileCounters() []Counters {
	cs := make([]Counters, len(t.tiles))
	for k, a := range t.tiles {
		if c, ok := a.(Counter); ok {
			cs[k] = c.Counters()
		}
	}
	return cs
}

// Close implements Array: it closes every tile. Safe to call twice.
func (t *Tiled) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	if t.work != nil {
		close(t.work)
	}
	var errs []error
	for k, a := range t.tiles {
		if err := a.Close(); err != nil {
			errs = append(errs, fmt.Errorf("crossbar: closing tile %d: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// RunReservoir implements ReservoirRunner for a reservoir of any size.
//
// A layout that lies on one tile that is itself a ReservoirRunner runs
// there, whole samples next to the array (on a board: one request per
// sample). A layout spread over several tiles cannot: every neuron's
// current is a sum over row tiles, and every neuron's spike is an input of
// every tile at the next step (the recurrence is all-to-all), so tiles must
// exchange partial sums and spikes at every time step whatever runs the
// neurons. RunReservoir then runs the step loop on the host — the
// accumulating controller of the tiled system: at step t every covered tile
// with driven rows converts its part of one binary read (inputs of
// input[t] and the neurons that spiked at t−1), the partial column currents
// are summed digitally as in MVM, and the LIF update runs here in float64,
// with the arithmetic of Model.RunReservoir on those currents:
//
//	I_j = Gain·(I⁺ⱼ − I⁻ⱼ)/(V_read·GUnit)
//	v_j = I_j if neuron j spiked at t−1, else Decay·v_j + I_j
//	s_j = v_j > Threshold
//
// Each step costs one MVM round trip per covered tile with driven rows,
// all tiles in parallel.
func (t *Tiled) RunReservoir(ctx context.Context, run ReservoirRun, input [][]uint16, counts []uint16) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := run.Layout
	if err := l.Validate(); err != nil {
		return err
	}
	if err := t.usable(ctx, l.Region); err != nil {
		return err
	}
	if err := checkRun(run, input, counts); err != nil {
		return err
	}
	t.jobs = t.split(l.Region, t.jobs[:0])
	if len(t.jobs) == 1 {
		if rr, ok := t.tiles[t.jobs[0].k].(ReservoirRunner); ok {
			jb := t.jobs[0]
			tl := run
			tl.Layout.Region = jb.r
			if err := rr.RunReservoir(ctx, tl, input, counts); err != nil {
				return fmt.Errorf("crossbar: tile %d (grid %d,%d): %w", jb.k, jb.k/t.gc, jb.k%t.gc, err)
			}
			return nil
		}
	}
	n := l.N
	if cap(t.rx) < l.Region.Rows {
		t.rx = make([]float64, l.Region.Rows)
	}
	if cap(t.ry) < l.Region.Cols {
		t.ry = make([]units.Amps, l.Region.Cols)
	}
	if cap(t.rv) < n {
		t.rv, t.rs, t.rp = make([]float64, n), make([]bool, n), make([]bool, n)
	}
	x, y := t.rx[:l.Region.Rows], t.ry[:l.Region.Cols]
	v, s, prev := t.rv[:n], t.rs[:n], t.rp[:n]
	clear(x)
	clear(v)
	clear(s)
	clear(counts)
	scale := run.Gain / (float64(t.vread) * float64(GUnit))
	for step, frame := range input {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("crossbar: reservoir run stopped at step %d: %w", step, err)
		}
		s, prev = prev, s
		for _, i := range frame {
			x[i] = 1
		}
		for k, sp := range prev {
			if sp {
				x[l.In+k] = 1
			}
		}
		_, err := t.mvm(ctx, l.Region, x, y)
		clear(x)
		if err != nil {
			return fmt.Errorf("crossbar: reservoir step %d: %w", step, err)
		}
		lifStep(run, y, scale, v, s, prev, counts)
	}
	return nil
}

// checkRun validates a reservoir run's parameters and input against its
// (validated) layout.
func checkRun(run ReservoirRun, input [][]uint16, counts []uint16) error {
	l := run.Layout
	switch {
	case run.Steps <= 0 || run.Steps > math.MaxUint16:
		return fmt.Errorf("crossbar: reservoir run of %d steps: want 1..%d", run.Steps, math.MaxUint16)
	case len(input) != run.Steps:
		return fmt.Errorf("crossbar: reservoir run of %d steps got %d input frames", run.Steps, len(input))
	case len(counts) != l.N:
		return fmt.Errorf("crossbar: reservoir of %d neurons needs %d counts, got a slice of %d", l.N, l.N, len(counts))
	case !(run.Decay >= 0 && run.Decay <= 1):
		return fmt.Errorf("crossbar: reservoir decay %g outside [0, 1]", run.Decay)
	case math.IsNaN(run.Threshold) || math.IsInf(run.Threshold, 0):
		return fmt.Errorf("crossbar: reservoir threshold %g is not finite", run.Threshold)
	case math.IsNaN(run.Gain) || math.IsInf(run.Gain, 0):
		return fmt.Errorf("crossbar: reservoir gain %g is not finite", run.Gain)
	}
	for t, frame := range input {
		for k, i := range frame {
			if int(i) >= l.In {
				return fmt.Errorf("crossbar: reservoir input frame %d entry %d: input %d ≥ %d inputs", t, k, i, l.In)
			}
		}
	}
	return nil
}
