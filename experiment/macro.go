package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/units"
)

// Mode is how an encoder uses the reservoir's weights on the array. It is
// a flag.Value ("read-once", "in-memory", "on-board").
type Mode int

const (
	// ReadOnce forms the reservoir's region with one pulse, reads its
	// conductances once and encodes in software on those weights: the
	// simulation-speed mode (lsm's fused event-driven kernel, every core).
	ReadOnce Mode = iota
	// InMemory runs every time step's multiply on the array
	// (crossbar.Synapses): fresh read noise and ADC quantisation at every
	// step, one MVM per step with events, from one goroutine.
	InMemory
	// OnBoard runs whole samples next to the array
	// (crossbar.ReservoirRunner), as the paper's FPGA did: T frames in,
	// spike counts out. It gives one rate per neuron (no time windows) and
	// needs an array that is a crossbar.ReservoirRunner.
	OnBoard
)

var modeNames = []string{"read-once", "in-memory", "on-board"}

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Set parses "read-once", "in-memory" or "on-board".
func (m *Mode) Set(s string) error {
	for i, n := range modeNames {
		if s == n {
			*m = Mode(i)
			return nil
		}
	}
	return fmt.Errorf("experiment: mode %q is not one of %s", s, strings.Join(modeNames, ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(modeNames) {
		return nil, fmt.Errorf("experiment: unknown mode %d", int(m))
	}
	return []byte(modeNames[m]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Mode) UnmarshalText(b []byte) error { return m.Set(string(b)) }

// Macro says where the reservoirs' weights live. The zero value is a
// simulated lin2025 macro (crossbar.NewModel) seeded with the experiment's
// seed, used in ReadOnce mode — or, for a reservoir too large for one
// macro, the smallest grid of such macros that holds it (see Tiles).
type Macro struct {
	// Array holds the weights; nil means arrays opened by Tiles (simulated
	// macros built from Params when Tiles is nil) and closed when the
	// experiment ends. A given Array is used as is and not closed; its
	// region is formed by the experiment, so it should be pristine there.
	// A *crossbar.Tiled is an Array like any other.
	Array crossbar.Array
	// Tiles opens the arrays when Array is nil: tile k (k = 0, 1, …) with
	// seed crossbar.TileSeed(experiment seed, k). One array is opened if
	// the experiment's reservoirs fit on it; otherwise the experiment opens
	// the smallest grid of arrays of tile 0's geometry that holds them
	// (crossbar.GridFor), tile k at grid row k/cols, column k%cols, and
	// uses them as one crossbar.Tiled. nil means simulated macros,
	// crossbar.NewModel(Params, seed). An opener that cannot open tile k
	// (a fixed list of boards that is too short) returns an error, which
	// the experiment reports with the grid it needed.
	Tiles Opener
	// Label describes the array in results (which board, which parameters);
	// "" means a description derived from the array's type.
	Label string
	// Params of the simulated macro when Array is nil; the zero Params means
	// crossbar.Preset("lin2025").
	Params crossbar.Params
	// Mode is how encoders use the weights (ReadOnce by default).
	Mode Mode
	// Forming is the pulse that forms each reservoir region; the zero
	// Pulse means crossbar.DefaultForming of Params (of lin2025 for a given
	// Array).
	Forming crossbar.Pulse
	// Row and Col are the origin of the reservoir layout(s) on the array.
	Row, Col int
	// AudioArray, for ZeroShot, holds the audio encoder on a second array.
	// nil means the audio encoder time-shares the image encoder's cells
	// (see the package documentation on placement).
	AudioArray crossbar.Array
	// Software replaces the macro by the paper's software "Gaussian" LSM
	// (Lin et al. 2025, the authors' Gaussian weight simulation): differential N(14.2473, 2.4624) µS weights drawn
	// with lsm.Gaussian from the experiment's seed. Only ReadOnce applies.
	Software bool
	// Age is the time between forming and inference (see the package
	// documentation on ageing): the gain, the drift-compensation reference
	// and the head are fixed right after forming, the samples the head is
	// scored on are encoded Age later. 0 means no ageing. The array must be
	// a crossbar.Clock (the simulator and boards are).
	Age units.Seconds
	// DriftComp applies global drift compensation at Age: one scale per
	// array from reference reads right after forming and at Age.
	DriftComp bool
	// Cost is the technology description results are priced with
	// (package cost); nil means cost.Default().
	Cost *cost.Tech
	// ReuseFormed, on an array that reports its programming state
	// (crossbar.Stater, a board) and has been programmed since it started,
	// uses the reservoir's cells as they are when they already read as
	// formed: no forming pulse, just the read. Without it such cells are an
	// error, because the reservoir assumes pristine cells and forming them
	// again moves their conductances (the weights would drift from run to
	// run on one board).
	ReuseFormed bool
}

// Opener opens tile k of a tiled macro with the given seed (see
// Macro.Tiles).
type Opener func(ctx context.Context, k int, seed uint64) (crossbar.Array, error)

// MacroInfo records the weights' provenance in results and saved models.
type MacroInfo struct {
	Array     string                     `json:"array"`            // what held the weights
	Software  bool                       `json:"software"`         // Gaussian software weights, no array
	Params    *crossbar.Params           `json:"params,omitempty"` // of the simulated macro
	Seed      uint64                     `json:"seed"`             // of the simulated macro or the Gaussian draw
	Mode      Mode                       `json:"mode"`
	Forming   *crossbar.Pulse            `json:"forming,omitempty"`
	Layouts   []crossbar.ReservoirLayout `json:"layouts"`
	Placement string                     `json:"placement"`
	// Conductances of each layout region as read once after forming
	// (absent for software weights).
	Regions []crossbar.ConductanceStats `json:"regions,omitempty"`
	// Counters of the array(s) after the experiment, when they count.
	Counters []crossbar.Counters `json:"counters,omitempty"`
	// Saturation is the clipped share of the ADC conversions made while
	// encoding (in-memory and on-board modes), with a warning above
	// SaturationWarnFraction.
	Saturation *Saturation `json:"adc_saturation,omitempty"`
	// Aging records Macro.Age and the relaxation it caused.
	Aging *AgingInfo `json:"aging,omitempty"`
	// Placements says, per array holding a reservoir (in the order of
	// Counters), how many macros or boards it is, which weights sit on
	// which of them, how well each is used, and each one's own counters.
	Placements []crossbar.Placement `json:"placements,omitempty"`
	// Link holds, per array reached over a link (a board; in the order of
	// Counters), what the link went through: requests, resends, pieces.
	Link []crossbar.LinkStats `json:"link,omitempty"`
	// State records, per array that reports its programming state (a
	// board), its state before the experiment touched it and after.
	State []StateRecord `json:"board_state,omitempty"`
}

// StateRecord is an array's programming state before and after an
// experiment, and whether the experiment reused cells formed before it.
type StateRecord struct {
	Before crossbar.ArrayState `json:"before"`
	After  crossbar.ArrayState `json:"after"`
	Reused bool                `json:"reused_formed_cells"`
}

// reservoir is one encoder's weights: its place on an array and the
// conductances read once after forming.
type reservoir struct {
	array  crossbar.Array
	layout crossbar.ReservoirLayout
	dense  *lsm.Dense
	levels int           // input levels of a multi-bit MVM, 2^InputBits − 1
	meanG  units.Siemens // mean conductance of the layout's cells as read once
	run    *macroRun

	// After ageing (macroRun.age): the read-once weights at Age and the
	// drift-compensation factor on the currents.
	aged      bool
	agedDense *lsm.Dense
	scale     float64
}

// macroRun is the arrays of one experiment and what has been formed on them.
type macroRun struct {
	cfg     Macro
	params  crossbar.Params
	seed    uint64
	arrays  []crossbar.Array // arrays created here, closed by close
	formed  map[crossbar.Array][]crossbar.Region
	reads   map[crossbar.Array][]regionRead
	info    MacroInfo
	counted []crossbar.Array
	layouts map[crossbar.Array][]crossbar.ReservoirLayout
	closed  bool

	placed    []*reservoir
	aged      bool
	agedReads map[crossbar.Array][]regionRead
	// ADC conversions and clips while encoding (counter deltas).
	encConv, encClipped int64
	// ageReads are the counters of the reference reads at Age, per array:
	// not part of the encodings the cost is per.
	ageReads map[crossbar.Array]crossbar.Counters
	// setup holds each counted array's counters once every reservoir is
	// placed (forming and the read-once reads done); enc is what the
	// arrays counted after that, over the encodings (set by close).
	setup   map[crossbar.Array]crossbar.Counters
	enc     crossbar.Counters
	counter bool // some array counted
	// states holds, per array that reports its state, the record of
	// StateRecord (Before filled when the array is first touched).
	states  map[crossbar.Array]*StateRecord
	stateOf []crossbar.Array // arrays of states, in order
}

// openMacro prepares the arrays of cfg for an experiment seeded with seed.
func openMacro(cfg Macro, seed uint64) (*macroRun, error) {
	m := &macroRun{cfg: cfg, seed: seed, formed: map[crossbar.Array][]crossbar.Region{}, reads: map[crossbar.Array][]regionRead{},
		agedReads: map[crossbar.Array][]regionRead{}, ageReads: map[crossbar.Array]crossbar.Counters{},
		layouts: map[crossbar.Array][]crossbar.ReservoirLayout{}, setup: map[crossbar.Array]crossbar.Counters{},
		states: map[crossbar.Array]*StateRecord{}}
	m.info = MacroInfo{Seed: seed, Mode: cfg.Mode, Software: cfg.Software}
	if !(cfg.Age >= 0) || math.IsInf(float64(cfg.Age), 0) {
		return nil, fmt.Errorf("experiment: age %v: want a finite duration ≥ 0", cfg.Age)
	}
	if cfg.DriftComp && cfg.Age == 0 {
		return nil, fmt.Errorf("experiment: drift compensation needs an age (Macro.Age > 0)")
	}
	if cfg.Software {
		if cfg.Mode != ReadOnce {
			return nil, fmt.Errorf("experiment: software weights run in read-once mode only, not %v", cfg.Mode)
		}
		if cfg.Age != 0 {
			return nil, fmt.Errorf("experiment: software weights do not age; Macro.Age needs an array")
		}
		m.info.Array = "software Gaussian weights (Lin et al. 2025, the authors' Gaussian weight simulation)"
		return m, nil
	}
	p := cfg.Params
	if p == (crossbar.Params{}) {
		var err error
		if p, err = crossbar.Preset("lin2025"); err != nil {
			return nil, err
		}
	}
	m.params = p
	if cfg.Array == nil {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("experiment: macro parameters: %w", err)
		}
		if cfg.Tiles == nil {
			m.info.Params = &p
			m.info.Array = "simulated macro (crossbar.Model)"
		} else {
			m.info.Array = "arrays opened per tile"
		}
	} else if _, sim := cfg.Array.(*crossbar.Model); sim {
		m.info.Array = "simulated macro (crossbar.Model)"
	} else {
		m.info.Array = fmt.Sprintf("%T", cfg.Array)
	}
	if cfg.Label != "" {
		m.info.Array = cfg.Label
	}
	if m.cfg.Forming == (crossbar.Pulse{}) {
		m.cfg.Forming = crossbar.DefaultForming(p)
	}
	f := m.cfg.Forming
	m.info.Forming = &f
	return m, nil
}

// close closes the arrays the experiment created and records counters.
func (m *macroRun) close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	for _, a := range m.counted {
		if c, ok := a.(crossbar.Counter); ok {
			after := c.Counters()
			m.info.Counters = append(m.info.Counters, after)
			d := cost.Diff(cost.Diff(after, m.setup[a]), m.ageReads[a])
			m.enc.Pulses += d.Pulses
			m.enc.CellReads += d.CellReads
			m.enc.MVMs += d.MVMs
			m.enc.ADCConversions += d.ADCConversions
			m.enc.DACUpdates += d.DACUpdates
			m.enc.Saturations += d.Saturations
			m.enc.Energy += d.Energy
			m.counter = true
		}
		m.info.Placements = append(m.info.Placements, crossbar.PlacementOf(a, m.layouts[a]...))
		if l, ok := a.(crossbar.Linker); ok {
			m.info.Link = append(m.info.Link, l.LinkStats())
		}
	}
	for _, a := range m.stateOf {
		rec := m.states[a]
		if s, err := a.(crossbar.Stater).State(context.Background()); err == nil {
			rec.After = s
		}
		m.info.State = append(m.info.State, *rec)
	}
	m.info.Saturation = newSaturation(m.encConv, m.encClipped)
	var errs []error
	for _, a := range m.arrays {
		errs = append(errs, a.Close())
	}
	return errors.Join(errs...)
}

// place makes the weights of an in-input, n-neuron reservoir. second puts
// it on cfg.AudioArray when there is one; otherwise every reservoir starts
// at the macro's origin, so a second one time-shares the first one's cells.
func (m *macroRun) place(ctx context.Context, in, n int, second bool) (*reservoir, error) {
	if m.aged {
		return nil, fmt.Errorf("experiment: cannot place a reservoir after the macro has aged")
	}
	if m.cfg.Software {
		// One Gaussian draw per reservoir: a second reservoir gets the
		// next seed so the two encoders are independent.
		s := m.seed
		if second {
			s++
		}
		r := &reservoir{dense: lsm.Gaussian(in, n, lsm.GaussianMean, lsm.GaussianStd, true, s), meanG: lsm.GaussianMean * crossbar.GUnit}
		m.info.Layouts = append(m.info.Layouts, crossbar.ReservoirLayout{In: in, N: n})
		if second {
			m.info.Placement = "software weights: two independent Gaussian draws (seeds s and s+1)"
		} else {
			m.info.Placement = "software weights"
		}
		return r, nil
	}
	if m.cfg.Array == nil {
		if err := m.reserve(ctx, crossbar.Geometry{Rows: in + n, Cols: 2 * n}); err != nil {
			return nil, err
		}
	}
	a := m.cfg.Array
	if second && m.cfg.AudioArray != nil {
		a = m.cfg.AudioArray
	}
	l := crossbar.ReservoirLayout{
		Region: crossbar.Region{Row: m.cfg.Row, Col: m.cfg.Col, Rows: in + n, Cols: 2 * n},
		In:     in, N: n,
	}
	g := a.Geometry()
	if !g.Contains(l.Region) {
		return nil, fmt.Errorf("experiment: a reservoir of %d inputs and %d neurons needs %d rows × %d columns (%v), "+
			"which the %d×%d array does not hold (In+N ≤ %d and 2N ≤ %d from the origin)",
			in, n, l.Region.Rows, l.Region.Cols, l.Region, g.Rows, g.Cols, g.Rows-m.cfg.Row, g.Cols-m.cfg.Col)
	}
	switch {
	case !second:
		m.info.Placement = fmt.Sprintf("one reservoir at %v", l.Region)
	case m.cfg.AudioArray != nil:
		m.info.Placement += fmt.Sprintf("; audio reservoir on a second array at %v", l.Region)
	default:
		m.info.Placement += fmt.Sprintf("; audio reservoir time-shares the cells %v", l.Region)
	}
	if !m.covered(a, l.Region) {
		reuse, err := m.checkPristine(ctx, a, l.Region)
		if err != nil {
			return nil, err
		}
		if !reuse {
			if err := a.Program(ctx, l.Region, m.cfg.Forming); err != nil {
				return nil, fmt.Errorf("experiment: forming the reservoir at %v: %w", l.Region, err)
			}
		}
		m.formed[a] = append(m.formed[a], l.Region)
	}
	// Read once: a region inside one already read reuses that read.
	gs, ok := m.cached(a, l.Region)
	if !ok {
		gs = make([]units.Siemens, l.Region.Cells())
		if err := a.Read(ctx, l.Region, gs); err != nil {
			return nil, fmt.Errorf("experiment: reading the reservoir at %v: %w", l.Region, err)
		}
		m.reads[a] = append(m.reads[a], regionRead{l.Region, gs})
	}
	win, wrec := crossbar.DifferentialWeights(gs, l)
	thr := m.params.FormedThreshold
	m.info.Layouts = append(m.info.Layouts, l)
	m.layouts[a] = append(m.layouts[a], l)
	m.info.Regions = append(m.info.Regions, crossbar.Summarize(gs, thr))
	if !contains(m.counted, a) {
		m.counted = append(m.counted, a)
	}
	if c, ok := a.(crossbar.Counter); ok {
		m.setup[a] = c.Counters()
	}
	r := &reservoir{array: a, layout: l, dense: lsm.NewDense(in, n, win, wrec), levels: crossbar.NewPeriphery(m.params).InputLevels(),
		meanG: cost.MeanConductance(gs), run: m}
	m.placed = append(m.placed, r)
	return r, nil
}

// checkPristine asks an array that reports its programming state
// (crossbar.Stater) for it the first time the experiment touches it, and
// records it. If the array has been programmed since it started, the
// region about to be formed is read first: cells that read as formed
// (above Params.FormedThreshold) are an error, or, with Macro.ReuseFormed,
// are used as they are (reuse is true: do not form). An array that is not a
// Stater, or a fresh one, is formed without a read, so a fresh board and
// the simulator see the same sequence of operations.
func (m *macroRun) checkPristine(ctx context.Context, a crossbar.Array, r crossbar.Region) (reuse bool, err error) {
	st, ok := a.(crossbar.Stater)
	if !ok {
		return false, nil
	}
	s, err := st.State(ctx)
	if err != nil {
		return false, fmt.Errorf("experiment: asking the board for its state: %w", err)
	}
	rec := m.states[a]
	if rec == nil {
		rec = &StateRecord{Before: s}
		m.states[a] = rec
		m.stateOf = append(m.stateOf, a)
	}
	if s.Pulses == 0 {
		return false, nil
	}
	gs := make([]units.Siemens, r.Cells())
	if err := a.Read(ctx, r, gs); err != nil {
		return false, fmt.Errorf("experiment: reading the cells at %v before forming them: %w", r, err)
	}
	thr := m.params.FormedThreshold
	formed := 0
	for _, g := range gs {
		if g > thr {
			formed++
		}
	}
	if formed == 0 {
		return false, nil
	}
	if !m.cfg.ReuseFormed {
		return false, fmt.Errorf("experiment: %d of the %d cells at %v already read as formed (> %v): the board has been programmed since it started (%d pulses on %d cells, history %s) and the reservoir needs pristine cells; use a fresh board (restart it, or a new `memlsm board emulate`), another region, or reuse the formed cells as they are (--reuse-formed)",
			formed, len(gs), r, thr, s.Pulses, s.PulseCells, s.History)
	}
	rec.Reused = true
	return true, nil
}

// regionRead is one Read of a region.
type regionRead struct {
	r crossbar.Region
	g []units.Siemens
}

// cached returns the conductances of r cut from an earlier read of a
// region holding it.
func (m *macroRun) cached(a crossbar.Array, r crossbar.Region) ([]units.Siemens, bool) {
	return cut(m.reads[a], r)
}

// covered reports whether r lies inside a region already formed on a.
func (m *macroRun) covered(a crossbar.Array, r crossbar.Region) bool {
	for _, f := range m.formed[a] {
		if r.Row >= f.Row && r.Col >= f.Col && r.Row+r.Rows <= f.Row+f.Rows && r.Col+r.Cols <= f.Col+f.Cols {
			return true
		}
	}
	return false
}

func contains(as []crossbar.Array, a crossbar.Array) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

// reserve opens the experiment's array when Macro.Array is nil: one array
// from Macro.Tiles (or a simulated macro) if every reservoir shape in
// shapes, placed at (Row, Col), fits on it, else the smallest grid of
// them that holds the largest extent, as one crossbar.Tiled. It does
// nothing once the array is open, so a caller placing several reservoirs
// reserves for all of them before placing the first.
func (m *macroRun) reserve(ctx context.Context, shapes ...crossbar.Geometry) error {
	if m.cfg.Array != nil {
		return nil
	}
	need := crossbar.Geometry{}
	for _, s := range shapes {
		need.Rows = max(need.Rows, m.cfg.Row+s.Rows)
		need.Cols = max(need.Cols, m.cfg.Col+s.Cols)
	}
	open := m.cfg.Tiles
	if open == nil {
		p := m.params
		open = func(_ context.Context, _ int, seed uint64) (crossbar.Array, error) { return crossbar.NewModel(p, seed) }
	}
	first, err := open(ctx, 0, crossbar.TileSeed(m.seed, 0))
	if err != nil {
		return fmt.Errorf("experiment: opening the macro: %w", err)
	}
	tile := first.Geometry()
	gr, gc := crossbar.GridFor(tile, need)
	if gr*gc <= 1 {
		m.cfg.Array = first
		m.arrays = append(m.arrays, first)
		return nil
	}
	tiles := []crossbar.Array{first}
	fail := func(err error) error {
		for _, a := range tiles {
			a.Close()
		}
		return err
	}
	for k := 1; k < gr*gc; k++ {
		a, err := open(ctx, k, crossbar.TileSeed(m.seed, k))
		if err != nil {
			return fail(fmt.Errorf("experiment: %d×%d cells need a %d×%d grid of %d×%d arrays (%d arrays); opening array %d: %w",
				need.Rows, need.Cols, gr, gc, tile.Rows, tile.Cols, gr*gc, k, err))
		}
		tiles = append(tiles, a)
		if g := a.Geometry(); g != tile {
			return fail(fmt.Errorf("experiment: array %d is %d×%d, array 0 %d×%d: a tiled macro needs arrays of one size", k, g.Rows, g.Cols, tile.Rows, tile.Cols))
		}
	}
	t, err := crossbar.NewTiled(gr, gc, tiles, nil)
	if err != nil {
		return fail(fmt.Errorf("experiment: %w", err))
	}
	m.cfg.Array = t
	m.arrays = append(m.arrays, t)
	m.info.Array = fmt.Sprintf("%s: a %d×%d grid of %d arrays of %d×%d", m.info.Array, gr, gc, gr*gc, tile.Rows, tile.Cols)
	return nil
}
