package calibrate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/go-gota/gota/dataframe"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// Experiment is one characterisation experiment with its configuration
// resolved (every default filled in, see Config.Resolve). The set is
// closed: FormConfig, SwitchConfig, ConductanceConfig, NoiseConfig,
// DriftConfig and IVConfig.
type Experiment interface {
	// Name is the experiment's name: form, switch, conductance, noise,
	// drift or iv. It names its directory in a results folder.
	Name() string
	// Shape is the block of cells the experiment uses.
	Shape() (rows, cols int)
	// Plan lists the operations the experiment will perform on region r
	// (of the size Shape reports). Adaptive steps give their upper bound.
	Plan(r crossbar.Region) []Step

	run(ctx context.Context, s *session, r crossbar.Region, seed uint64) (map[string]dataframe.DataFrame, error)
	analyze(res *Result) (Analysis, error)
	figures(res *Result) ([]Figure, error)
	tables() map[string]schema
	progressTotal() int
}

// Names lists the experiments in their canonical order, which is also the
// order `all` runs them in and the order of their column bands on the
// array (see Layout).
var Names = []string{"form", "switch", "conductance", "noise", "drift", "iv"}

// Config holds the configuration of every experiment. A zero field means
// its documented default, derived from the base parameters by Resolve.
// It reads from and writes to JSON with the names below.
type Config struct {
	Form        FormConfig        `json:"form"`
	Switch      SwitchConfig      `json:"switch"`
	Conductance ConductanceConfig `json:"conductance"`
	Noise       NoiseConfig       `json:"noise"`
	Drift       DriftConfig       `json:"drift"`
	IV          IVConfig          `json:"iv"`
}

// Resolve fills every zero field with its default for an array described
// by base (the preset or parameter file the user names as the starting
// point of the fit) whose safety limits are lim, and checks the result.
// Defaults derived from base's limits (the strongest forming pulse, the
// longest width, the highest gate) are kept within lim as well, so a board
// whose DAC rounds its limits a hair below the base's still accepts them.
func (c Config) Resolve(base crossbar.Params, lim crossbar.Limits) (Config, error) {
	base.MaxFormV = min(base.MaxFormV, lim.MaxAmplitude[crossbar.Form])
	base.MaxSetV = min(base.MaxSetV, lim.MaxAmplitude[crossbar.Set])
	base.MaxResetV = min(base.MaxResetV, lim.MaxAmplitude[crossbar.Reset])
	base.MaxWidth = min(base.MaxWidth, lim.MaxWidth)
	base.MaxGate = min(base.MaxGate, lim.MaxGate)
	r := Config{
		Form:        c.Form.resolve(base),
		Switch:      c.Switch.resolve(base),
		Conductance: c.Conductance.resolve(base),
		Noise:       c.Noise.resolve(base),
		Drift:       c.Drift.resolve(base),
		IV:          c.IV.resolve(base),
	}
	for _, e := range r.all() {
		if err := validateExperiment(e); err != nil {
			return Config{}, err
		}
	}
	return r, nil
}

func (c Config) all() []Experiment {
	return []Experiment{c.Form, c.Switch, c.Conductance, c.Noise, c.Drift, c.IV}
}

// Experiment returns the experiment of that name.
func (c Config) Experiment(name string) (Experiment, error) {
	i := slices.Index(Names, name)
	if i < 0 {
		return nil, fmt.Errorf("calibrate: unknown experiment %q (have %s)", name, strings.Join(Names, ", "))
	}
	return c.all()[i], nil
}

// Select returns the named experiments in canonical order, "all" standing
// for every one; duplicates count once.
func (c Config) Select(names ...string) ([]Experiment, error) {
	want := map[string]bool{}
	for _, n := range names {
		if n == "all" {
			for _, m := range Names {
				want[m] = true
			}
			continue
		}
		if !slices.Contains(Names, n) {
			return nil, fmt.Errorf("calibrate: unknown experiment %q (have %s, all)", n, strings.Join(Names, ", "))
		}
		want[n] = true
	}
	var out []Experiment
	for _, e := range c.all() {
		if want[e.Name()] {
			out = append(out, e)
		}
	}
	return out, nil
}

// configJSON is the canonical JSON of a resolved configuration, which the
// manifest stores and compares on resume.
func configJSON(e Experiment) json.RawMessage {
	b, err := json.Marshal(e)
	if err != nil {
		panic(err) // configurations are plain structs of numbers
	}
	return b
}

// Layout places the experiments on an array of geometry g: each in its own
// band of columns, bands left to right in canonical order (every
// experiment of cfg has its band whether it runs or not, so an
// experiment's cells do not depend on which others run), every band
// starting at row 0. Disjoint columns also keep each experiment's read
// noise independent of the others (the simulator keys read noise by
// column and conversion count).
//
// Regions in used (cells touched by an unfinished attempt on a board that
// keeps its state) are never reused: a band that overlaps one moves to
// fresh columns after every band and every used region.
func Layout(g crossbar.Geometry, cfg Config, used []crossbar.Region) (map[string]crossbar.Region, error) {
	out := map[string]crossbar.Region{}
	col := 0
	var placed []crossbar.Region
	next := 0 // first column after every band and used region
	for _, u := range used {
		next = max(next, u.Col+u.Cols)
	}
	for _, e := range cfg.all() {
		rows, cols := e.Shape()
		r := crossbar.Region{Row: 0, Col: col, Rows: rows, Cols: cols}
		col += cols
		next = max(next, col)
		placed = append(placed, r)
		out[e.Name()] = r
	}
	for i, e := range cfg.all() {
		r := placed[i]
		if slices.ContainsFunc(used, func(u crossbar.Region) bool { return overlaps(u, r) }) {
			r.Col = next
			next += r.Cols
			out[e.Name()] = r
		}
		if !g.Contains(r) {
			return nil, fmt.Errorf("calibrate: experiment %s needs %d×%d cells at column %d, outside the %d×%d array (shrink its configuration or use a fresh array)",
				e.Name(), r.Rows, r.Cols, r.Col, g.Rows, g.Cols)
		}
	}
	return out, nil
}

func overlaps(a, b crossbar.Region) bool {
	return a.Row < b.Row+b.Rows && b.Row < a.Row+a.Rows && a.Col < b.Col+b.Cols && b.Col < a.Col+a.Cols
}

// Op is the kind of a planned operation.
type Op string

// Planned operations.
const (
	OpProgram Op = "program"
	OpRead    Op = "read"
	OpMVM     Op = "mvm"
	OpWait    Op = "wait"
)

// Step is one planned operation of an experiment, repeated Repeat times.
type Step struct {
	Op     Op              `json:"op"`
	Region crossbar.Region `json:"region"`
	Pulse  crossbar.Pulse  `json:"pulse"`            // OpProgram
	Wait   units.Seconds   `json:"wait_s,omitempty"` // OpWait
	Repeat int             `json:"repeat"`
	// Adaptive steps are done only for the cells (or as long as) the
	// measurement still needs them: Region and Repeat are upper bounds.
	Adaptive bool   `json:"adaptive,omitempty"`
	Note     string `json:"note,omitempty"`
}

// PlanTotals sums a plan: programming steps and pulsed cells (upper
// bounds for adaptive steps), cells read, MVMs and idle time. An adaptive
// step on the cells that still need it is sent as one pulse per run of
// such cells in a row, and a step larger than Limits.MaxCells as several
// pulses, so Pulses counts steps; PulseCells bounds the cell pulses.
type PlanTotals struct {
	Pulses     int           `json:"pulses"`
	PulseCells int           `json:"pulse_cells"`
	ReadCells  int           `json:"read_cells"`
	MVMs       int           `json:"mvms"`
	Wait       units.Seconds `json:"wait_s"`
	MaxForm    units.Volts   `json:"max_form_v"`
	MaxSet     units.Volts   `json:"max_set_v"`
	MaxReset   units.Volts   `json:"max_reset_v"`
}

// Totals sums the steps.
func Totals(steps []Step) PlanTotals {
	var t PlanTotals
	for _, s := range steps {
		switch s.Op {
		case OpProgram:
			t.Pulses += s.Repeat
			t.PulseCells += s.Repeat * s.Region.Cells()
			switch s.Pulse.Mode {
			case crossbar.Form:
				t.MaxForm = max(t.MaxForm, s.Pulse.Amplitude)
			case crossbar.Set:
				t.MaxSet = max(t.MaxSet, s.Pulse.Amplitude)
			case crossbar.Reset:
				t.MaxReset = max(t.MaxReset, s.Pulse.Amplitude)
			}
		case OpRead:
			t.ReadCells += s.Repeat * s.Region.Cells()
		case OpMVM:
			t.MVMs += s.Repeat
		case OpWait:
			t.Wait += units.Seconds(s.Repeat) * s.Wait
		}
	}
	return t
}

// CheckPlan checks every planned pulse against lim (pulses larger than
// lim.MaxCells are split when run, so they are checked per chunk) and
// every region against g. The error lists every violation.
func CheckPlan(steps []Step, g crossbar.Geometry, lim crossbar.Limits) error {
	var bad []string
	for i, s := range steps {
		if !g.Contains(s.Region) {
			bad = append(bad, fmt.Sprintf("step %d: region %v outside the %d×%d array", i+1, s.Region, g.Rows, g.Cols))
			continue
		}
		if s.Op == OpProgram {
			if err := checkPulse(lim, s.Pulse, s.Region.Cells()); err != nil {
				bad = append(bad, fmt.Sprintf("step %d: %v", i+1, err))
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w:\n  %s", ErrLimit, strings.Join(bad, "\n  "))
	}
	return nil
}

// Analysis is what an experiment's data says, recomputed from its tables
// whenever results are loaded.
type Analysis interface {
	// Summary lists the analysis' headline numbers for the report.
	Summary() []Quantity
}

// Quantity is one reported number.
type Quantity struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	Note  string  `json:"note,omitempty"`
}

// Figure is one PNG figure of an experiment.
type Figure struct {
	Name    string // file name, e.g. "vbd_hist.png"
	Caption string
	PNG     []byte
}

// validateExperiment checks a resolved configuration for values no
// experiment can run with.
func validateExperiment(e Experiment) error {
	rows, cols := e.Shape()
	if rows <= 0 || cols <= 0 {
		return fmt.Errorf("calibrate: %s: empty region %d×%d", e.Name(), rows, cols)
	}
	if v, ok := e.(interface{ validate() error }); ok {
		return v.validate()
	}
	return nil
}

// pulseOf builds a pulse.
func pulseOf(m crossbar.Mode, v units.Volts, w units.Seconds, gate units.Volts) crossbar.Pulse {
	return crossbar.Pulse{Mode: m, Amplitude: v, Width: w, Gate: gate}
}

// or returns v, or def when v is zero.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
