package calibrate

// What "memlsm calibrate" prints: the summary of a run, the dry-run plan,
// a fit and a comparison, as JSON-ready structs and aligned text.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/internal/suggest"
)

// RunSummary is the state of a results folder after a run: every
// experiment's status, region, operations and summary quantities, and the
// parameters a fit gets from it so far.
type RunSummary struct {
	Dir         string              `json:"dir"`
	Board       string              `json:"board"`
	Device      string              `json:"device"` // preset or parameter file of the simulated device ("" for a real board)
	Base        string              `json:"base"`
	Seed        uint64              `json:"seed"`
	Experiments map[string]RunEntry `json:"experiments"`
	Report      string              `json:"report"`
	Fitted      map[string]float64  `json:"fitted"` // fields Fit measured so far
	FitError    string              `json:"fit_error,omitempty"`

	manifest *Manifest
	fit      FitReport
}

// RunEntry is one experiment of a RunSummary.
type RunEntry struct {
	Status  string          `json:"status"`
	Region  crossbar.Region `json:"region"`
	Summary map[string]any  `json:"summary,omitempty"`
	Error   string          `json:"error,omitempty"`
	Ops     Ops             `json:"ops"`
}

// Summarize reads back the results folder dir that Run left (its manifest
// m) and fits what it holds. A folder that cannot be loaded is reported
// in the error, the summary still lists the manifest's experiments.
func Summarize(dir string, m *Manifest) (*RunSummary, error) {
	s := &RunSummary{Dir: dir, Board: m.Board, Device: m.Device, Base: m.Base, Seed: m.Seed,
		Experiments: map[string]RunEntry{}, Report: filepath.Join(dir, ReportHTML), Fitted: map[string]float64{}, manifest: m}
	loaded, lerr := Load(dir)
	for name, en := range m.Experiments {
		ce := RunEntry{Status: string(en.Status), Region: en.Region, Error: en.Error, Ops: en.Ops}
		if loaded != nil {
			if r := loaded.Get(name); r != nil && r.Analysis != nil {
				ce.Summary = map[string]any{}
				for _, q := range r.Analysis.Summary() {
					ce.Summary[q.Name] = JSONSafe(q.Value)
				}
			}
		}
		s.Experiments[name] = ce
	}
	if lerr != nil {
		return s, lerr
	}
	_, fr, ferr := Fit(loaded)
	if ferr != nil {
		s.FitError = ferr.Error()
	}
	for _, f := range fr.Fitted() {
		s.Fitted[f.Name] = f.Value
	}
	s.fit = fr
	return s, nil
}

// WriteText writes the summary as aligned text: the experiments, then the
// fitted parameters with their sources.
func (s *RunSummary) WriteText(w io.Writer) error {
	m := s.manifest
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "board %s, seed %d, base %s, %d×%d array\n\n", m.Board, m.Seed, m.Base, m.Geometry.Rows, m.Geometry.Cols)
	fmt.Fprintln(tw, "experiment\tstatus\tcells\tpulses\tcells read")
	for _, n := range Names {
		if en := m.Experiments[n]; en != nil {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%d\t%d\n", n, en.Status, en.Region, en.Ops.Pulses, en.Ops.ReadCells)
		}
	}
	if f := s.fit.Fitted(); len(f) > 0 {
		fmt.Fprintln(tw, "\nfitted parameter\tvalue\tbase\tsource")
		for _, x := range f {
			if strings.HasPrefix(x.Source, "limits") || strings.HasPrefix(x.Source, "array") || strings.HasPrefix(x.Source, "read voltage") {
				continue
			}
			fmt.Fprintf(tw, "%s\t%.5g %s\t%.5g\t%s\n", x.Name, x.Value, x.Unit, x.Base, x.Source)
		}
	}
	tw.Flush()
	_, err := fmt.Fprintf(w, "\nreport: %s\n", s.Report)
	return err
}

// DryRunSummary is the JSON of a dry run: the plans, checked against the
// limits.
type DryRunSummary struct {
	DryRun   bool              `json:"dry_run"`
	Board    string            `json:"board"`
	Seed     uint64            `json:"seed"`
	Base     string            `json:"base"`
	Geometry crossbar.Geometry `json:"geometry"`
	Plans    any               `json:"plans"`
	OK       bool              `json:"ok"`
	Error    string            `json:"error,omitempty"`

	plans []Plan
}

// WritePlans writes dry-run plans on an array of geometry g as text: per
// experiment its totals and programming steps, then the grand total of
// what would run.
func WritePlans(w io.Writer, plans []Plan, g crossbar.Geometry) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "dry run on a %d×%d array: nothing is sent\n\n", g.Rows, g.Cols)
	var total PlanTotals
	for _, p := range plans {
		t := p.Totals
		skip := ""
		if p.Skip {
			skip = " (already done: skipped)"
		}
		fmt.Fprintf(tw, "%s on %v%s: %d programming steps, ≤ %d cell pulses, %d cells read, %d MVMs, %v idle\n",
			p.Experiment, p.Region, skip, t.Pulses, t.PulseCells, t.ReadCells, t.MVMs, t.Wait)
		for _, s := range p.Steps {
			if s.Op != OpProgram {
				continue
			}
			up := ""
			if s.Adaptive {
				up = " (at most)"
			}
			fmt.Fprintf(tw, "  %s\t%v\t%v\t×%d%s\t%s\n", s.Op, s.Pulse, s.Region, s.Repeat, up, s.Note)
		}
		if !p.Skip {
			total.Pulses += t.Pulses
			total.PulseCells += t.PulseCells
			total.ReadCells += t.ReadCells
			total.MVMs += t.MVMs
			total.Wait += t.Wait
		}
	}
	fmt.Fprintf(tw, "\ntotal: %d programming steps, ≤ %d cell pulses, %d cells read, %d MVMs, %v idle\n",
		total.Pulses, total.PulseCells, total.ReadCells, total.MVMs, total.Wait)
	return tw.Flush()
}

// FitSummary is the JSON of a fit.
type FitSummary struct {
	Dir        string          `json:"dir"`
	Base       string          `json:"base"`
	Fields     []FieldFit      `json:"fields"`
	Checks     []Check         `json:"checks"`
	Notes      []string        `json:"notes"`
	Fitted     int             `json:"fitted"` // fields measured, not inherited
	ParamsFile string          `json:"params_file,omitempty"`
	Params     json.RawMessage `json:"params,omitempty"` // when not written to a file
}

// NewFitSummary summarises fit report r of folder dir; params is the
// parameter file's JSON, kept when file is "" (printed, not written).
func NewFitSummary(dir string, r FitReport, params []byte, file string) FitSummary {
	s := FitSummary{Dir: dir, Base: r.Base, Fields: r.Fields, Checks: r.Checks, Notes: r.Notes, Fitted: len(r.Fitted()), ParamsFile: file}
	if file == "" {
		s.Params = json.RawMessage(params)
	}
	return s
}

// WriteText writes the fitted fields as aligned text under one line naming
// the parameter file out.
func (r FitReport) WriteText(w io.Writer, out string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: %d fields fitted, %d inherited from %s\n\n", out, len(r.Fitted()), len(r.Fields)-len(r.Fitted()), r.Base)
	fmt.Fprintln(tw, "parameter\tvalue\tbase\tsource")
	for _, f := range r.Fitted() {
		fmt.Fprintf(tw, "%s\t%.5g %s\t%.5g\t%s\n", f.Name, f.Value, f.Unit, f.Base, f.Source)
	}
	return tw.Flush()
}

// WriteComparison writes compare rows as an aligned table: every measured
// quantity beside its simulated twin and their relative difference.
func WriteComparison(w io.Writer, rows []CompareRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "experiment\tquantity\tmeasured\tsimulated\tunit\tdifference")
	for _, r := range rows {
		d := ""
		if !math.IsNaN(r.RelDiff) {
			d = fmt.Sprintf("%+.1f %%", 100*r.RelDiff)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.5g\t%.5g\t%s\t%s\n", r.Experiment, r.Quantity, r.Measured, r.Simulated, r.Unit, d)
	}
	tw.Flush()
}

// DryRunOn plans experiments names on array a without touching it: the
// limits are a's (a crossbar.Limiter) or opt.Base's. The summary holds the
// plans whether or not they pass the limits; err says why not.
func DryRunOn(a crossbar.Array, dir string, cfg Config, names []string, opt Options) (*DryRunSummary, error) {
	lim := opt.Base.Limits()
	if l, ok := a.(crossbar.Limiter); ok {
		lim = l.Limits()
	}
	plans, err := DryRun(a.Geometry(), lim, dir, cfg, names, opt)
	s := &DryRunSummary{DryRun: true, Board: opt.Board, Seed: opt.Seed, Base: opt.BaseName, Geometry: a.Geometry(),
		Plans: JSONSafe(plans), OK: err == nil, plans: plans}
	if err != nil {
		s.Error = err.Error()
	}
	return s, err
}

// WriteText writes the plans as text (WritePlans).
func (s *DryRunSummary) WriteText(w io.Writer) error { return WritePlans(w, s.plans, s.Geometry) }

// ParseNames turns the experiment arguments of a command line into
// experiment names: comma lists are split, "faults" names the stuck-cell
// test of "conductance", "all" stays "all". An unknown name is an error
// that suggests the nearest known one.
func ParseNames(args []string) ([]string, error) {
	var names []string
	for _, a := range args {
		for _, n := range strings.Split(a, ",") {
			switch n = strings.TrimSpace(n); {
			case n == "":
			case n == "faults":
				names = append(names, "conductance") // the stuck-cell (set/reset) test lives in conductance
			case n == "all" || slices.Contains(Names, n):
				names = append(names, n)
			default:
				hint := ""
				if s := suggest.Closest(n, append(slices.Clone(Names), "all", "faults", "fit", "report", "compare")); s != "" {
					hint = "; did you mean " + s + "?"
				}
				return nil, fmt.Errorf("unknown experiment %q (want %s, all, fit, report or compare)%s", n, strings.Join(Names, ", "), hint)
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("name an experiment (%s), all, fit, report or compare", strings.Join(Names, ", "))
	}
	return names, nil
}

// ReadConfigFile reads experiment settings from a JSON file (ReadConfig);
// "" is the zero Config, every experiment's defaults.
func ReadConfigFile(path string) (Config, error) {
	if path == "" {
		return Config{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("calibrate: %w", err)
	}
	defer f.Close()
	c, err := ReadConfig(f)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
