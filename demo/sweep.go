package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/sweep"
)

// SweepConfig is the demo's co-design sweep: a sweep spec (YAML, package
// sweep) and how many of its runs go at once.
type SweepConfig struct {
	YAML string
	// Jobs runs this many tasks at once (in-memory encoding is one
	// goroutine per task); 0 → 2.
	Jobs int
}

// DefaultSweepYAML is the demo's sweep: the projected chip's ADC
// resolution × the cells' read noise, in in-memory mode (every time
// step's multiply on the simulated array, with fresh read noise and the
// ADC's quantisation), on the first 20 images of each digit, two macro
// seeds per point. The chip's ADC is the macro's (cost.chip.adc_bits
// follows adc_bits), so accuracy and energy see the same converter.
// Assumption: 4, 6, 8 and 14 bits span the knee of accuracy against
// resolution on these data (measured with 4…8 bits: 0.56, 0.79, 0.86,
// 0.91, 0.90) up to lin2025's 14-bit default.
const DefaultSweepYAML = `# The demo's co-design sweep: ADC resolution × read noise, in-memory.
#   memlsm sweep demo-sweep.yaml --jobs 2
name: demo-adc-noise
run:
  experiment: classify
  data: embedded:images
  per_class: 20
  mode: in-memory
axes:
  - name: adc_bits
    values: [4, 6, 8, 14]
  - name: read_noise          # relative σ per cell per read
    values: [0.02, 0.1]
design: grid
seeds: [1, 2]
`

// DefaultSweep is DefaultSweepYAML.
func DefaultSweep() SweepConfig { return SweepConfig{YAML: DefaultSweepYAML, Jobs: 2} }

// SweepFile is the sweep's spec as written in a report folder.
const SweepFile = "demo-sweep.yaml"

// Cost columns of the sweep's table that the demo shows per point.
const (
	colAccuracy       = "accuracy"
	colChipEnergy     = "cost.chip.energy_j"
	colChipLatency    = "cost.chip.latency_s"
	colDigitalEnergy  = "cost.digital.energy_j"
	colDigitalLatency = "cost.digital.latency_s"
)

// SweepPart is part 4: a small co-design sweep with accuracy, energy and
// latency per inference on the projected chip and on the event-driven
// digital baseline, and the accuracy–chip-energy Pareto front.
type SweepPart struct {
	Name   string       `json:"name"`
	Spec   string       `json:"spec_yaml"`
	Data   string       `json:"data"`
	Axes   []string     `json:"axes"`
	Seeds  []uint64     `json:"seeds"`
	Runs   int          `json:"runs"`
	Failed int          `json:"failed_runs"`
	Points []SweepPoint `json:"points"`
	// Pareto lists the points on the front of (lower chip energy, higher
	// mean accuracy), in order of energy.
	Pareto []int `json:"pareto_front"`
	// Dir is the sweep's results folder when it is kept (a report's).
	Dir string `json:"-"`
	// Files are the table, summary and plots in Dir (in a report, Dir is
	// its sweep/ folder).
	Files []string `json:"files,omitempty"`
}

// SweepPoint is one point of the sweep: its axis values and each figure's
// mean over the seeds with the 95 % t-interval.
type SweepPoint struct {
	Point           int            `json:"point"`
	Values          map[string]any `json:"values"`
	Label           string         `json:"label"`
	Accuracy        Stat           `json:"accuracy"`
	ChipEnergyJ     Stat           `json:"chip_energy_j"`
	ChipLatencyS    Stat           `json:"chip_latency_s"`
	DigitalEnergyJ  Stat           `json:"digital_energy_j"`
	DigitalLatencyS Stat           `json:"digital_latency_s"`
	// Errors are the failures of runs of this point (one per seed at
	// most), e.g. a gain calibration that found no gain.
	Errors []string `json:"errors,omitempty"`
	Pareto bool     `json:"pareto"`
}

// Stat is a mean over replicate seeds with its sample standard deviation
// and 95 % t-interval (sweep.MeanCI); undefined figures (one seed, every
// run failed) are null in JSON.
type Stat struct {
	N    int `json:"n"`
	Mean num `json:"mean"`
	Std  num `json:"std"`
	Lo   num `json:"ci95_lo"`
	Hi   num `json:"ci95_hi"`
}

// num is a float that encodes NaN and ±Inf as JSON null.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

func (n *num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = num(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(n))
}

func statOf(s sweep.Stat) Stat {
	return Stat{N: s.N, Mean: num(s.Mean), Std: num(s.Std), Lo: num(s.Lo), Hi: num(s.Hi)}
}

// runSweep runs the sweep through package sweep (the same runner as
// `memlsm sweep`), on the datasets already open, and reads its table.
func runSweep(ctx context.Context, sc SweepConfig, img, aud *events.Dataset, cfg Config) (*SweepPart, error) {
	spec, err := sweep.Parse([]byte(sc.YAML), SweepFile)
	if err != nil {
		return nil, err
	}
	plan, err := sweep.NewPlan(spec)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := tempDir(cfg.SweepDir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if cfg.SweepDir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, SweepFile), []byte(sc.YAML), 0o644); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	open := func(ctx context.Context, spec string) (*events.Dataset, error) {
		switch {
		case spec == ImagesSource && img != nil:
			return img, nil
		case spec == AudioSource && aud != nil:
			return aud, nil
		}
		return source.Open(ctx, spec)
	}
	jobs := sc.Jobs
	if jobs == 0 {
		jobs = 2
	}
	rep, err := sweep.Run(ctx, plan, sweep.Options{Dir: dir, Jobs: jobs, Workers: cfg.Workers, Data: sweep.NewData(open), Host: "demo"})
	if err != nil {
		return nil, err
	}
	if rep.Table == nil {
		return nil, fmt.Errorf("sweep %s: no table", spec.Name)
	}
	out, err := sweepPart(plan, rep.Table)
	if err != nil {
		return nil, err
	}
	out.Spec = sc.YAML
	if d, ok := spec.Run["data"].(string); ok {
		out.Data = d
	}
	if cfg.SweepDir != "" {
		out.Dir = dir
		out.Files = []string{SweepFile, sweep.ResultsCSV, sweep.ResultsParquet, sweep.SummaryCSV, sweep.TimingsCSV}
		plots, _ := filepath.Glob(filepath.Join(dir, sweep.PlotsDir, "*.png"))
		sort.Strings(plots)
		for _, p := range plots {
			rel, _ := filepath.Rel(dir, p)
			out.Files = append(out.Files, rel)
		}
	}
	return out, nil
}

// sweepPart reads the per-point figures and the Pareto front off a table.
func sweepPart(plan *sweep.Plan, t *sweep.Table) (*SweepPart, error) {
	out := &SweepPart{Name: plan.Spec.Name, Axes: t.Axes, Seeds: plan.Seeds, Runs: t.Frame.Nrow()}
	points := map[int]*SweepPoint{}
	for _, pt := range plan.Points {
		sp := &SweepPoint{Point: pt.Index, Values: map[string]any{}}
		var label []string
		for i, a := range plan.Spec.Axes {
			sp.Values[a.Name] = pt.Values[i]
			label = append(label, fmt.Sprintf("%s=%v", a.Name, pt.Values[i]))
		}
		sp.Label = strings.Join(label, " ")
		points[pt.Index] = sp
		out.Points = append(out.Points, *sp)
	}
	// Errors per point.
	pcol, err := t.Frame.Col("point").Int()
	if err != nil {
		return nil, fmt.Errorf("sweep table: %w", err)
	}
	errs := t.Frame.Col("error").Records()
	for r, e := range errs {
		if e != "" {
			out.Failed++
			points[pcol[r]].Errors = append(points[pcol[r]].Errors, e)
		}
	}
	// Each figure's Stat per point (a column absent because every run
	// failed leaves the figure undefined).
	set := func(col string, f func(*SweepPoint, Stat)) {
		if !contains(t.Metrics, col) {
			for _, p := range points {
				f(p, statOf(sweep.MeanCI(nil)))
			}
			return
		}
		rows, stats := t.PointStats(col)
		for k, r := range rows {
			f(points[pcol[r]], statOf(stats[k]))
		}
	}
	set(colAccuracy, func(p *SweepPoint, s Stat) { p.Accuracy = s })
	set(colChipEnergy, func(p *SweepPoint, s Stat) { p.ChipEnergyJ = s })
	set(colChipLatency, func(p *SweepPoint, s Stat) { p.ChipLatencyS = s })
	set(colDigitalEnergy, func(p *SweepPoint, s Stat) { p.DigitalEnergyJ = s })
	set(colDigitalLatency, func(p *SweepPoint, s Stat) { p.DigitalLatencyS = s })
	energy := make([]float64, len(out.Points))
	acc := make([]float64, len(out.Points))
	for i := range out.Points {
		out.Points[i] = *points[out.Points[i].Point]
		energy[i], acc[i] = float64(out.Points[i].ChipEnergyJ.Mean), float64(out.Points[i].Accuracy.Mean)
	}
	for _, i := range sweep.ParetoFront(energy, acc) {
		out.Points[i].Pareto = true
		out.Pareto = append(out.Pareto, out.Points[i].Point)
	}
	return out, nil
}
