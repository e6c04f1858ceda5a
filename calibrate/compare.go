package calibrate

import (
	"context"
	"fmt"
	"math"

	"github.com/memlsm/memlsm/crossbar"
)

// CompareRow is one reported quantity as measured and as simulated.
type CompareRow struct {
	Experiment string  `json:"experiment"`
	Quantity   string  `json:"quantity"`
	Unit       string  `json:"unit,omitempty"`
	Measured   float64 `json:"measured"`
	Simulated  float64 `json:"simulated"`
	// RelDiff is (Simulated − Measured)/|Measured| (NaN when Measured is
	// 0 or either is not a number).
	RelDiff float64 `json:"rel_diff"`
}

// Compare closes the loop at the device level: it repeats every finished
// experiment of measured — same configurations, same cells, same seed —
// on sim (typically a crossbar.Model made from the parameters Fit
// returned), writing those results into dir, and pairs every quantity of
// the two analyses. A model that captures the device reproduces the
// measured statistics within their sampling error; a quantity that does
// not match names what the model misses.
func Compare(ctx context.Context, measured *Results, sim crossbar.Array, dir string, opt Options) ([]CompareRow, error) {
	var cfg Config
	var names []string
	for _, n := range Names {
		r := measured.Get(n)
		if r == nil {
			continue
		}
		names = append(names, n)
		switch c := r.Experiment.(type) {
		case FormConfig:
			cfg.Form = c
		case SwitchConfig:
			cfg.Switch = c
		case ConductanceConfig:
			cfg.Conductance = c
		case NoiseConfig:
			cfg.Noise = c
		case DriftConfig:
			cfg.Drift = c
		case IVConfig:
			cfg.IV = c
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("calibrate: %s holds no finished experiment to compare", measured.Dir)
	}
	if g := sim.Geometry(); g != measured.Manifest.Geometry {
		return nil, fmt.Errorf("calibrate: the simulated array is %d×%d, the measured one %d×%d", g.Rows, g.Cols,
			measured.Manifest.Geometry.Rows, measured.Manifest.Geometry.Cols)
	}
	if opt.Base == (crossbar.Params{}) {
		opt.Base, opt.BaseName = measured.Base, measured.Manifest.Base
	}
	if _, err := Run(ctx, sim, dir, cfg, names, opt); err != nil {
		return nil, err
	}
	simulated, err := Load(dir)
	if err != nil {
		return nil, err
	}
	var rows []CompareRow
	for _, n := range names {
		a, b := measured.Get(n), simulated.Get(n)
		if a == nil || b == nil || a.Analysis == nil || b.Analysis == nil {
			continue
		}
		sb := map[string]Quantity{}
		for _, q := range b.Analysis.Summary() {
			sb[q.Name] = q
		}
		for _, q := range a.Analysis.Summary() {
			s, ok := sb[q.Name]
			if !ok {
				continue
			}
			row := CompareRow{Experiment: n, Quantity: q.Name, Unit: q.Unit, Measured: q.Value, Simulated: s.Value, RelDiff: math.NaN()}
			if q.Value != 0 && finite(q.Value, s.Value) {
				row.RelDiff = (s.Value - q.Value) / math.Abs(q.Value)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}
