package calibrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"time"

	"github.com/go-gota/gota/dataframe"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/units"
)

// Files of a results folder.
const (
	ManifestFile = "manifest.json"
	BaseFile     = "base.json"
	resultFile   = "result.json"
)

// manifestVersion is the layout version of a results folder.
const manifestVersion = 1

// Status is the state of one experiment in a results folder.
type Status string

// Experiment states.
const (
	StatusRunning     Status = "running"     // started; a crash leaves it so (treated as interrupted)
	StatusDone        Status = "done"        // its folder holds the complete results
	StatusInterrupted Status = "interrupted" // cancelled (Ctrl-C); nothing of it was kept
	StatusFailed      Status = "failed"      // the array returned an error
)

// Manifest is a results folder's record of what was measured, on what,
// with which parameters and seed, and how far it got. Run writes it
// atomically after every change of state.
type Manifest struct {
	Version int    `json:"version"`
	Board   string `json:"board"` // as the user named it: sim, emu, a port
	// Device names the simulated device's parameters (a preset or a
	// file) for sim and emu boards, "" for a real board.
	Device      string            `json:"device,omitempty"`
	Base        string            `json:"base"` // preset name or parameter file the defaults and the fit start from
	Seed        uint64            `json:"seed"`
	Geometry    crossbar.Geometry `json:"geometry"`
	Limits      crossbar.Limits   `json:"limits"`
	LimitsFrom  string            `json:"limits_from"` // "array" (a crossbar.Limiter) or "base"
	ReadVoltage units.Volts       `json:"read_voltage_v"`
	ReadVFrom   string            `json:"read_voltage_from"` // "array" (a crossbar.ReadVoltager) or "default"
	Clock       string            `json:"clock"`             // "array" (a crossbar.Clock) or "wall"
	// Persistent arrays keep their cells' state between runs (a real
	// board): the cells of an unfinished attempt are never reused.
	Persistent  bool              `json:"persistent"`
	Used        []crossbar.Region `json:"used,omitempty"`
	Experiments map[string]*Entry `json:"experiments"`
	// StateAtStart and State are the programming state the array reported
	// (a board, crossbar.Stater) when the folder was created and after the
	// last experiment; a later run resumes only on an array whose state
	// is still State.
	StateAtStart *crossbar.ArrayState `json:"board_state_at_start,omitempty"`
	State        *crossbar.ArrayState `json:"board_state,omitempty"`
}

// Entry is one experiment's record in the manifest.
type Entry struct {
	Status   Status          `json:"status"`
	Config   json.RawMessage `json:"config"`
	Region   crossbar.Region `json:"region"`
	Seed     uint64          `json:"seed"`
	Started  time.Time       `json:"started"`
	Finished time.Time       `json:"finished,omitzero"`
	Seconds  float64         `json:"seconds,omitempty"` // wall time of the last attempt
	Attempts int             `json:"attempts"`
	Ops      Ops             `json:"ops"`
	Error    string          `json:"error,omitempty"`
}

// Options configure Run. The zero value runs on the lin2025 preset with
// seed 0 and reports nothing.
type Options struct {
	Base     crossbar.Params // zero: Preset("lin2025")
	BaseName string          // recorded; default "lin2025"
	Board    string          // recorded; default "sim"
	Device   string          // recorded: the simulated device's preset or parameter file ("" for a real board)
	Seed     uint64
	// Persistent says the array keeps its state between runs (a real
	// board), so an interrupted experiment resumes on fresh cells.
	Persistent bool
	// Force writes into an existing, non-empty folder that memlsm did not
	// create (no manifest): memlsm's files go beside the user's, and a name
	// memlsm would write that is already taken is still an error. Without
	// it such a folder is refused.
	Force bool
	// AllowUsed measures an array that reports it has been programmed
	// (crossbar.Stater) outside the results folder: by default that is an
	// error, since the experiments assume pristine cells (forming) or a
	// known history (the rest).
	AllowUsed bool
	// Progress makes a progress bar for an experiment; nil: none.
	Progress func(desc string, total int) Progress
	// Log receives one line per experiment started, skipped or finished;
	// nil: none.
	Log io.Writer
}

func (o *Options) defaults() error {
	if o.Base == (crossbar.Params{}) {
		p, err := crossbar.Preset("lin2025")
		if err != nil {
			return err
		}
		o.Base, o.BaseName = p, or(o.BaseName, "lin2025")
	}
	o.BaseName = or(o.BaseName, "lin2025")
	o.Board = or(o.Board, "sim")
	return nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Plan is what DryRun reports for one experiment.
type Plan struct {
	Experiment string          `json:"experiment"`
	Region     crossbar.Region `json:"region"`
	Config     json.RawMessage `json:"config"`
	Steps      []Step          `json:"steps"`
	Totals     PlanTotals      `json:"totals"`
	Skip       bool            `json:"skip,omitempty"` // already done in the results folder
}

// DryRun plans the named experiments on an array of geometry g with
// limits lim, touching nothing: it resolves the configuration, places
// every experiment (taking a results folder's manifest into account when
// dir holds one), and checks every planned pulse against lim. It returns
// the plans even when the check fails, with the error.
func DryRun(g crossbar.Geometry, lim crossbar.Limits, dir string, cfg Config, names []string, opt Options) ([]Plan, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	cfg, err := cfg.Resolve(opt.Base, lim)
	if err != nil {
		return nil, err
	}
	exps, err := cfg.Select(names...)
	if err != nil {
		return nil, err
	}
	var m *Manifest
	if dir != "" {
		if m, err = readManifest(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	place, err := Layout(g, cfg, usedRegions(m, opt.Persistent))
	if err != nil {
		return nil, err
	}
	var plans []Plan
	var errs []error
	for _, e := range exps {
		r := place[e.Name()]
		p := Plan{Experiment: e.Name(), Region: r, Config: configJSON(e), Steps: e.Plan(r)}
		if en := entry(m, e.Name()); en != nil && en.Status == StatusDone && sameJSON(en.Config, p.Config) {
			p.Skip = true
		}
		p.Totals = Totals(p.Steps)
		if err := CheckPlan(p.Steps, g, lim); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Name(), err))
		}
		plans = append(plans, p)
	}
	return plans, errors.Join(errs...)
}

// sameJSON reports whether two JSON texts are equal up to white space
// (the manifest stores configurations indented).
func sameJSON(a, b []byte) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

func entry(m *Manifest, name string) *Entry {
	if m == nil {
		return nil
	}
	return m.Experiments[name]
}

// usedRegions returns the cells a placement must avoid: on a persistent
// array, those of unfinished attempts and of every experiment placed so
// far.
func usedRegions(m *Manifest, persistent bool) []crossbar.Region {
	if m == nil || !persistent {
		return nil
	}
	used := slices.Clone(m.Used)
	for _, e := range m.Experiments {
		used = append(used, e.Region)
	}
	return used
}

// Run measures the named experiments ("all" for every one) on a and
// writes their results into dir, creating it if needed.
//
// Each finished experiment's folder is written atomically (a temporary
// folder renamed into place) and recorded in dir's manifest, so a
// cancelled context (Ctrl-C) keeps every experiment that finished and
// loses only the one in progress. Running again with the same dir
// resumes: experiments already done with the same resolved configuration
// are skipped; one done with a different configuration is an error (a
// changed parameter set needs a fresh dir, or the old experiment's folder
// deleted, which Run then measures again); one interrupted or failed is
// measured again, on the same cells for a simulator (a fresh one per
// run, so the result is exactly the uninterrupted one) and on fresh cells
// for a persistent array. The board, base parameters, seed and geometry
// of a run must match those of the folder.
//
// Every experiment's plan is checked against the array's limits (its own
// if it is a crossbar.Limiter, else the base's) before it starts, and
// every pulse again before it is sent. After the run the report (report.md,
// report.html) is rewritten from everything the folder holds.
func Run(ctx context.Context, a crossbar.Array, dir string, cfg Config, names []string, opt Options) (*Manifest, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	probe := newSession(a, opt.Base.Limits())
	cfg, err := cfg.Resolve(opt.Base, probe.lim)
	if err != nil {
		return nil, err
	}
	exps, err := cfg.Select(names...)
	if err != nil {
		return nil, err
	}
	if err := claimDir(dir, exps, opt.Force); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("calibrate: results folder: %w", err)
	}
	fresh := Manifest{
		Version: manifestVersion, Board: opt.Board, Device: opt.Device, Base: opt.BaseName, Seed: opt.Seed,
		Geometry: a.Geometry(), Limits: probe.lim, LimitsFrom: "base", ReadVoltage: probe.vread, ReadVFrom: "default",
		Clock: "wall", Persistent: opt.Persistent, Experiments: map[string]*Entry{},
	}
	if _, ok := a.(crossbar.Limiter); ok {
		fresh.LimitsFrom = "array"
	}
	if _, ok := a.(crossbar.ReadVoltager); ok {
		fresh.ReadVFrom = "array"
	}
	if probe.clk != nil {
		fresh.Clock = "array"
	}
	m, err := readManifest(dir)
	var state *crossbar.ArrayState
	if st, ok := a.(crossbar.Stater); ok {
		s, err := st.State(ctx)
		if err != nil {
			return nil, fmt.Errorf("calibrate: asking the board for its state: %w", err)
		}
		state = &s
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if state != nil && state.Pulses > 0 && !opt.AllowUsed {
			return nil, fmt.Errorf("calibrate: the board has been programmed since it started (%d pulses on %d cells, history %s), not by this results folder: its cells are not pristine, and forming, switching and conductance statistics would describe their history, not the device; use a fresh board (restart it, or a new `memlsm board emulate`), resume in the folder that measured it, or --allow-used to measure it as it is",
				state.Pulses, state.PulseCells, state.History)
		}
		m = &fresh
		m.StateAtStart = state
		if err := writeBase(dir, opt.Base); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if err := sameRun(dir, m, &fresh, opt.Base); err != nil {
			return nil, err
		}
		if state != nil && m.State != nil && state.History != m.State.History && !opt.AllowUsed {
			return nil, fmt.Errorf("calibrate: %s: the board was programmed elsewhere since this folder last measured it (history %s, folder recorded %s after %d pulses; now %d pulses); use a fresh --out folder on a fresh board, or --allow-used",
				dir, state.History, m.State.History, m.State.Pulses, state.Pulses)
		}
	}
	m.State = state
	if err := writeManifest(dir, m); err != nil {
		return nil, err
	}
	var runErr error
	for _, e := range exps {
		runErr = runOne(ctx, a, dir, m, cfg, e, opt)
		if st, ok := a.(crossbar.Stater); ok {
			// Record the state after every attempt (a failed one pulses
			// cells too), so a resume can tell whether anyone else has.
			if s, err := st.State(context.WithoutCancel(ctx)); err == nil {
				m.State = &s
				if err := writeManifest(dir, m); err != nil && runErr == nil {
					runErr = err
				}
			}
		}
		if runErr != nil {
			break
		}
	}
	if err := WriteReport(dir); err != nil && runErr == nil {
		runErr = err
	}
	return m, runErr
}

// claimDir checks that the results folder dir is memlsm's to write: new,
// empty, or holding a manifest (a folder memlsm made, resumed). A folder
// with anything else in it is refused unless force, and even then every
// name memlsm would write there (manifest, base, reports, the experiments'
// folders) must be free: memlsm never replaces a file it did not write.
func claimDir(dir string, exps []Experiment, force bool) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("calibrate: results folder: %w", err)
	case len(ents) == 0:
		return nil
	}
	if _, err := os.Lstat(filepath.Join(dir, ManifestFile)); err == nil {
		return nil
	}
	if !force {
		return fmt.Errorf("calibrate: --out %s is not empty (%s%s) and holds no %s, so memlsm did not make it: use a new or empty folder, or --force to write memlsm's files beside what is there (none of it is replaced)",
			dir, ents[0].Name(), more(len(ents)-1), ManifestFile)
	}
	names := []string{ManifestFile, BaseFile, ReportMarkdown, ReportHTML}
	for _, e := range exps {
		names = append(names, e.Name())
	}
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			return fmt.Errorf("calibrate: --out %s: %s exists and memlsm did not write it; move it away (memlsm never replaces what it did not write, even with --force)", dir, n)
		}
	}
	return nil
}

func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}

// sameRun checks that a folder's manifest describes the same board, base,
// seed and geometry as this run.
func sameRun(dir string, m, now *Manifest, base crossbar.Params) error {
	if m.Version != manifestVersion {
		return fmt.Errorf("calibrate: %s: manifest version %d, this memlsm writes %d", dir, m.Version, manifestVersion)
	}
	var diffs []string
	if m.Board != now.Board {
		diffs = append(diffs, fmt.Sprintf("board %q (now %q)", m.Board, now.Board))
	}
	if m.Device != now.Device {
		diffs = append(diffs, fmt.Sprintf("device %q (now %q)", m.Device, now.Device))
	}
	if m.Base != now.Base {
		diffs = append(diffs, fmt.Sprintf("base %q (now %q)", m.Base, now.Base))
	}
	if m.Seed != now.Seed {
		diffs = append(diffs, fmt.Sprintf("seed %d (now %d)", m.Seed, now.Seed))
	}
	if m.Geometry != now.Geometry {
		diffs = append(diffs, fmt.Sprintf("geometry %d×%d (now %d×%d)", m.Geometry.Rows, m.Geometry.Cols, now.Geometry.Rows, now.Geometry.Cols))
	}
	if old, err := readBase(dir); err != nil {
		return err
	} else if old != base {
		diffs = append(diffs, "base parameters differ from "+BaseFile)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("calibrate: %s was measured with %s; resume with the same settings or use a fresh --out folder", dir, joinComma(diffs))
	}
	return nil
}

func joinComma(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x)
	}
	return b.String()
}

// runOne measures one experiment unless the folder already holds it.
func runOne(ctx context.Context, a crossbar.Array, dir string, m *Manifest, cfg Config, e Experiment, opt Options) error {
	name := e.Name()
	cj := configJSON(e)
	en := m.Experiments[name]
	if en != nil && en.Status == StatusDone {
		if _, err := os.Stat(filepath.Join(dir, name, resultFile)); err == nil {
			if !sameJSON(en.Config, cj) {
				var was bytes.Buffer
				_ = json.Compact(&was, en.Config)
				return fmt.Errorf("calibrate: %s: experiment %s was measured with other parameters:\n  was %s\n  now %s\nuse a fresh --out folder, or delete %s to measure it again",
					dir, name, was.Bytes(), cj, filepath.Join(dir, name))
			}
			opt.logf("%s: already done, skipped", name)
			return nil
		}
		opt.logf("%s: done before but its folder is missing; measuring it again", name)
		if m.Persistent {
			m.Used = append(m.Used, en.Region)
		}
	}
	place, err := Layout(m.Geometry, cfg, usedRegions(m, m.Persistent))
	if err != nil {
		return err
	}
	r := place[name]
	if en != nil && en.Status != StatusDone && !m.Persistent {
		r = en.Region // a fresh simulator: the same cells again
	}
	if err := CheckPlan(e.Plan(r), m.Geometry, m.Limits); err != nil {
		return fmt.Errorf("calibrate: %s: %w", name, err)
	}
	attempts := 1
	if en != nil {
		attempts = en.Attempts + 1
	}
	en = &Entry{Status: StatusRunning, Config: cj, Region: r, Seed: m.Seed, Started: time.Now().UTC(), Attempts: attempts}
	m.Experiments[name] = en
	if err := writeManifest(dir, m); err != nil {
		return err
	}
	opt.logf("%s: measuring %v", name, r)
	s := newSession(a, opt.Base.Limits())
	s.lim = m.Limits
	s.bar = nopProgress{}
	if opt.Progress != nil {
		s.bar = opt.Progress("calibrate "+name, e.progressTotal())
	}
	t0 := time.Now()
	tables, err := e.run(ctx, s, r, m.Seed)
	s.bar.Done()
	en.Ops, en.Seconds = s.ops, time.Since(t0).Seconds()
	if err != nil {
		en.Status, en.Error = StatusFailed, err.Error()
		if ctx.Err() != nil {
			en.Status = StatusInterrupted
		}
		if m.Persistent {
			m.Used = append(m.Used, r)
		}
		if werr := writeManifest(dir, m); werr != nil {
			return errors.Join(err, werr)
		}
		return fmt.Errorf("calibrate: %s %s: %w", name, en.Status, err)
	}
	res := &Result{
		Name: name, Experiment: e, Board: m.Board, Seed: m.Seed, Region: r, Geometry: m.Geometry,
		ReadVoltage: m.ReadVoltage, Ops: s.ops, Tables: tables,
	}
	res.analyzeAndPlot()
	if err := writeResult(dir, res); err != nil {
		return err
	}
	en.Status, en.Finished, en.Error = StatusDone, time.Now().UTC(), ""
	if err := writeManifest(dir, m); err != nil {
		return err
	}
	opt.logf("%s: done in %.1f s (%d pulses, %d cells read)", name, en.Seconds, s.ops.Pulses, s.ops.ReadCells)
	if res.AnalysisErr != "" {
		opt.logf("%s: analysis: %s", name, res.AnalysisErr)
	}
	return nil
}

// Result is one finished experiment: where and how it ran, its data
// tables, and the analysis of those tables.
type Result struct {
	Name        string
	Experiment  Experiment // the resolved configuration
	Board       string
	Seed        uint64
	Region      crossbar.Region
	Geometry    crossbar.Geometry
	ReadVoltage units.Volts
	Ops         Ops
	Tables      map[string]dataframe.DataFrame
	Analysis    Analysis // nil when AnalysisErr says why
	AnalysisErr string
	Figures     []Figure
}

// analyze recomputes the analysis from the tables.
func (r *Result) analyze() {
	a, err := r.Experiment.analyze(r)
	r.Analysis, r.AnalysisErr = a, ""
	if err != nil {
		r.Analysis, r.AnalysisErr = nil, err.Error()
	}
}

// analyzeAndPlot recomputes the analysis and the figures from the tables.
func (r *Result) analyzeAndPlot() {
	r.analyze()
	r.Figures = nil
	if r.Analysis == nil {
		return
	}
	figs, err := r.Experiment.figures(r)
	if err != nil {
		r.AnalysisErr = err.Error()
		return
	}
	r.Figures = figs
}

// resultJSON is the layout of result.json.
type resultJSON struct {
	Experiment    string            `json:"experiment"`
	Board         string            `json:"board"`
	Seed          uint64            `json:"seed"`
	Region        crossbar.Region   `json:"region"`
	Geometry      crossbar.Geometry `json:"geometry"`
	ReadVoltage   units.Volts       `json:"read_voltage_v"`
	Ops           Ops               `json:"ops"`
	Config        json.RawMessage   `json:"config"`
	Tables        []string          `json:"tables"`
	Figures       []figureRef       `json:"figures"`
	Analysis      any               `json:"analysis"`
	AnalysisError string            `json:"analysis_error,omitempty"`
}

type figureRef struct {
	File    string `json:"file"`
	Caption string `json:"caption"`
}

// writeResult writes res into dir/<name>. A new folder (or one holding
// only memlsm's files of an earlier result) is written atomically: the
// files go to a temporary folder, synced, which replaces the old one. A
// folder that also holds files memlsm did not write (someone's notes in
// form/) keeps them: memlsm's files are replaced one by one, each
// atomically, result.json last, and memlsm's files of the earlier result
// that the new one lacks are removed.
func writeResult(dir string, res *Result) error {
	final := filepath.Join(dir, res.Name)
	if foreign, old, err := resultFiles(final); err != nil {
		return err
	} else if foreign {
		return writeResultBeside(final, res, old)
	}
	d, err := atomicfile.NewDir(final)
	if err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	defer d.Remove() // a no-op after Commit
	files, err := resultContent(res)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := d.WriteFile(f.name, f.data); err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
	}
	if err := d.Commit(); err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	return nil
}

// namedFile is one file of a result folder.
type namedFile struct {
	name string
	data []byte
}

// resultFiles lists what an existing result folder holds: whether
// anything in it is not memlsm's (not result.json or a file its
// result.json lists), and memlsm's files.
func resultFiles(final string) (foreign bool, mine []string, err error) {
	ents, err := os.ReadDir(final)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("calibrate: %w", err)
	}
	listed := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(final, resultFile)); err == nil {
		var rj resultJSON
		if json.Unmarshal(b, &rj) == nil {
			listed[resultFile] = true
			for _, t := range rj.Tables {
				listed[t] = true
			}
			for _, f := range rj.Figures {
				listed[f.File] = true
			}
		}
	}
	for _, e := range ents {
		if listed[e.Name()] {
			mine = append(mine, e.Name())
		} else {
			foreign = true
		}
	}
	return foreign, mine, nil
}

// writeResultBeside replaces memlsm's files in a result folder that also
// holds files of someone else's, leaving those alone.
func writeResultBeside(final string, res *Result, old []string) error {
	files, err := resultContent(res)
	if err != nil {
		return err
	}
	now := map[string]bool{}
	for _, f := range files {
		now[f.name] = true
		if f.name == resultFile {
			continue
		}
		if err := atomicfile.WriteFile(filepath.Join(final, f.name), f.data); err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
	}
	for _, f := range files { // result.json last: the result is complete
		if f.name == resultFile {
			if err := atomicfile.WriteFile(filepath.Join(final, f.name), f.data); err != nil {
				return fmt.Errorf("calibrate: %w", err)
			}
		}
	}
	for _, n := range old {
		if !now[n] {
			if err := os.Remove(filepath.Join(final, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("calibrate: %w", err)
			}
		}
	}
	return nil
}

// resultContent encodes res's files: tables, figures and result.json.
func resultContent(res *Result) ([]namedFile, error) {
	var out []namedFile
	rj := resultJSON{Experiment: res.Name, Board: res.Board, Seed: res.Seed, Region: res.Region, Geometry: res.Geometry,
		ReadVoltage: res.ReadVoltage, Ops: res.Ops, Config: configJSON(res.Experiment), Analysis: JSONSafe(res.Analysis),
		AnalysisError: res.AnalysisErr}
	names := make([]string, 0, len(res.Tables))
	for n := range res.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var b bytes.Buffer
		if err := writeCSV(&b, res.Tables[n]); err != nil {
			return nil, fmt.Errorf("calibrate: %s/%s.csv: %w", res.Name, n, err)
		}
		out = append(out, namedFile{n + ".csv", b.Bytes()})
		rj.Tables = append(rj.Tables, n+".csv")
	}
	for _, f := range res.Figures {
		out = append(out, namedFile{f.Name, f.PNG})
		rj.Figures = append(rj.Figures, figureRef{File: f.Name, Caption: f.Caption})
	}
	b, err := json.MarshalIndent(rj, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("calibrate: encoding %s: %w", res.Name, err)
	}
	return append(out, namedFile{resultFile, append(b, '\n')}), nil
}

// writeFileAtomic writes data to path through a temporary file in the
// same folder and a rename.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("calibrate: writing %s: %w", path, err)
	}
	return nil
}

func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("calibrate: encoding the manifest: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, ManifestFile), append(b, '\n'))
}

// readManifest reads dir's manifest; a missing one is fs.ErrNotExist.
func readManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("calibrate: %s: %w", path, jsonOffset(b, err))
	}
	if m.Experiments == nil {
		m.Experiments = map[string]*Entry{}
	}
	for name := range m.Experiments {
		if !slices.Contains(Names, name) {
			return nil, fmt.Errorf("calibrate: %s: unknown experiment %q", path, name)
		}
	}
	return &m, nil
}

// jsonOffset adds the byte offset of a JSON syntax or type error.
func jsonOffset(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("byte offset %d: %w", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s at byte offset %d: %w", te.Field, te.Offset, err)
	}
	return err
}

func writeBase(dir string, p crossbar.Params) error {
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, BaseFile), b.Bytes())
}

func readBase(dir string) (crossbar.Params, error) {
	path := filepath.Join(dir, BaseFile)
	f, err := os.Open(path)
	if err != nil {
		return crossbar.Params{}, fmt.Errorf("calibrate: %w", err)
	}
	defer f.Close()
	p, err := crossbar.LoadParams(f)
	if err != nil {
		return crossbar.Params{}, fmt.Errorf("calibrate: %s: %w", path, err)
	}
	return p, nil
}

// Results is everything a results folder holds.
type Results struct {
	Dir      string
	Manifest Manifest
	Base     crossbar.Params
	// ByName holds the finished experiments; unfinished ones are only in
	// the manifest.
	ByName map[string]*Result
}

// Get returns the finished experiment of that name, or nil.
func (r *Results) Get(name string) *Result { return r.ByName[name] }

// Load reads a results folder written by Run: the manifest, the base
// parameters, every finished experiment's configuration and tables, from
// which it recomputes the analyses (the CSVs are the data; edit or
// replace them, keeping the columns, and Load analyses what they say),
// and its figures as written (Replot redraws them). The error names the file, and the line and column of a
// bad CSV field.
func Load(dir string) (*Results, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("calibrate: results folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("calibrate: results folder %s is not a folder", dir)
	}
	m, err := readManifest(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("calibrate: %s has no %s: not a calibration results folder (write one with `memlsm calibrate … --out %s`)", dir, ManifestFile, dir)
		}
		return nil, err
	}
	base, err := readBase(dir)
	if err != nil {
		return nil, err
	}
	rs := &Results{Dir: dir, Manifest: *m, Base: base, ByName: map[string]*Result{}}
	for _, name := range Names {
		en := m.Experiments[name]
		if en == nil || en.Status != StatusDone {
			continue
		}
		res, err := loadResult(filepath.Join(dir, name), name)
		if err != nil {
			return nil, err
		}
		rs.ByName[name] = res
	}
	return rs, nil
}

func loadResult(dir, name string) (*Result, error) {
	path := filepath.Join(dir, resultFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	var rj struct {
		resultJSON
		Analysis json.RawMessage `json:"analysis"`
	}
	if err := json.Unmarshal(b, &rj); err != nil {
		return nil, fmt.Errorf("calibrate: %s: %w", path, jsonOffset(b, err))
	}
	if rj.Experiment != name {
		return nil, fmt.Errorf("calibrate: %s: experiment %q, want %q", path, rj.Experiment, name)
	}
	var cfg Config
	e, err := cfg.Experiment(name)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %s: %w", path, err)
	}
	e, err = decodeConfig(e, rj.Config)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %s: config: %w", path, err)
	}
	res := &Result{Name: name, Experiment: e, Board: rj.Board, Seed: rj.Seed, Region: rj.Region, Geometry: rj.Geometry,
		ReadVoltage: rj.ReadVoltage, Ops: rj.Ops, Tables: map[string]dataframe.DataFrame{}}
	for _, f := range rj.Figures {
		b, err := os.ReadFile(filepath.Join(dir, f.File))
		if err != nil {
			return nil, fmt.Errorf("calibrate: %w", err)
		}
		res.Figures = append(res.Figures, Figure{Name: f.File, Caption: f.Caption, PNG: b})
	}
	for tn, sch := range e.tables() {
		p := filepath.Join(dir, tn+".csv")
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("calibrate: %w", err)
		}
		df, err := readCSV(f, p, sch)
		f.Close()
		if err != nil {
			return nil, err
		}
		res.Tables[tn] = df
	}
	res.analyze()
	return res, nil
}

// Replot redraws the figures of every finished experiment in dir from its
// tables (after the CSVs were edited or replaced) and rewrites them and
// the report.
func Replot(dir string) error {
	rs, err := Load(dir)
	if err != nil {
		return err
	}
	for _, name := range Names {
		r := rs.Get(name)
		if r == nil {
			continue
		}
		r.analyzeAndPlot()
		if err := writeResult(dir, r); err != nil {
			return err
		}
	}
	return WriteReport(dir)
}

// decodeConfig decodes raw into a new value of e's concrete type, strictly.
func decodeConfig(e Experiment, raw json.RawMessage) (Experiment, error) {
	dec := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			return jsonOffset(raw, err)
		}
		return nil
	}
	// A new value of e's concrete type (every Experiment is a config
	// struct held by value).
	v := reflect.New(reflect.TypeOf(e))
	if err := dec(v.Interface()); err != nil {
		return nil, err
	}
	e = v.Elem().Interface().(Experiment)
	if err := validateExperiment(e); err != nil {
		return nil, err
	}
	return e, nil
}

// ReadConfig reads a Config from JSON (the layout of Config's fields),
// strictly: an unknown field is an error naming its byte offset.
func ReadConfig(r io.Reader) (Config, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Config{}, fmt.Errorf("calibrate: reading config: %w", err)
	}
	var c Config
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("calibrate: config: %w", jsonOffset(b, err))
	}
	return c, nil
}
