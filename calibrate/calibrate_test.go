package calibrate_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
)

func preset(t testing.TB) crossbar.Params {
	t.Helper()
	p, err := crossbar.Preset("lin2025")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// truth is a device that differs from lin2025 in every parameter the
// experiments measure, on a 256×256 array (room for every experiment's
// band: 216 columns).
func truth(t testing.TB) crossbar.Params {
	p := preset(t)
	p.Rows, p.Cols = 256, 256
	p.VbdMean, p.VbdStd, p.FormAccel = 3.6, 0.25, 0.15
	p.LRSMean, p.LRSStd = 12e-6, 2.2e-6
	p.ReadNoise = 0.03
	p.StuckHRSRate, p.StuckLRSRate = 0.01, 0.005
	p.DriftNuLRS, p.DriftNuHRS, p.DriftT0 = 0.008, -0.012, 2
	p.VSetMean = 1.1
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

// RoundTrip characterises arr, fits, and checks that the fit recovers the
// parameters of want within stated tolerances. It is exported to the
// command's tests through copy, not import; see cmd/memlsm.
func roundTrip(t *testing.T, arr crossbar.Array, want crossbar.Params) (crossbar.Params, calibrate.FitReport) {
	t.Helper()
	dir := t.TempDir()
	base := preset(t)
	_, err := calibrate.Run(context.Background(), arr, dir, calibrate.Config{}, []string{"all"},
		calibrate.Options{Base: base, BaseName: "lin2025", Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	got, rep, err := calibrate.FitDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Tolerances: about 4 standard errors of each estimate at the default
	// sizes (1024 form-finder cells, 4096 conductance cells, 384 noise cells
	// × 64 reads), from the SEs the fit reports.
	cells := 4096.0 // conductance experiment, 64×64
	binom := func(p float64) float64 { return 4*math.Sqrt(p*(1-p)/cells) + 1/cells }
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64 // absolute
	}{
		{"vbd_mean", float64(got.VbdMean), float64(want.VbdMean), 0.04},
		{"vbd_std", float64(got.VbdStd), float64(want.VbdStd), 0.03},
		{"form_accel", float64(got.FormAccel), float64(want.FormAccel), 0.03},
		{"lrs_mean", float64(got.LRSMean), float64(want.LRSMean), 0.02 * float64(want.LRSMean)},
		{"lrs_std", float64(got.LRSStd), float64(want.LRSStd), 0.06 * float64(want.LRSStd)},
		{"read_noise", got.ReadNoise, want.ReadNoise, 0.05 * want.ReadNoise},
		{"stuck_hrs_rate", got.StuckHRSRate, want.StuckHRSRate, binom(want.StuckHRSRate)},
		{"stuck_lrs_rate", got.StuckLRSRate, want.StuckLRSRate, binom(want.StuckLRSRate)},
		{"vset_mean", float64(got.VSetMean), float64(want.VSetMean), 0.03},
		{"drift_nu_lrs", got.DriftNuLRS, want.DriftNuLRS, 0.1 * want.DriftNuLRS},
		{"drift_nu_hrs", got.DriftNuHRS, want.DriftNuHRS, 0.2 * math.Abs(want.DriftNuHRS)},
		{"d2d_fraction", got.D2DFraction, want.D2DFraction, 0.06},
		{"drift_t0", float64(got.DriftT0), float64(want.DriftT0), 0.3 * float64(want.DriftT0)},
		{"drift_nu_spread", got.DriftNuSpread, want.DriftNuSpread, 0.15},
		{"hrs_median", float64(got.HRSMedian), float64(want.HRSMedian), 0.1 * float64(want.HRSMedian)},
		{"hrs_spread", got.HRSSpread, want.HRSSpread, 0.1},
	} {
		t.Logf("%-16s fitted %.5g, true %.5g (tolerance %.3g)", c.name, c.got, c.want, c.tol)
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s: fitted %.5g, true %.5g (tolerance %.3g)", c.name, c.got, c.want, c.tol)
		}
		if f, ok := rep.Field(c.name); !ok || !f.Fitted {
			t.Errorf("%s: not reported as fitted", c.name)
		}
	}
	if f, _ := rep.Field("transistor_alpha"); f.Fitted || f.Value != base.TransistorAlpha {
		t.Errorf("transistor_alpha: %+v, want inherited from the base", f)
	}
	// What Fit returns is what LoadParams accepts.
	var b bytes.Buffer
	if err := got.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	back, err := crossbar.LoadParams(&b)
	if err != nil || back != got {
		t.Fatalf("LoadParams of the fitted parameters: %v (equal %v)", err, back == got)
	}
	return got, rep
}

func TestRoundTripSimulator(t *testing.T) {
	want := truth(t)
	m, err := crossbar.NewModel(want, 11)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, m, want)
}

// counting wraps a Model, counting pulses and cancelling a context after a
// given number of them; optional interfaces come from the embedded Model.
type counting struct {
	*crossbar.Model
	pulses   atomic.Int64
	maxCells int
	cancelAt int64
	cancel   context.CancelFunc
}

func (c *counting) Program(ctx context.Context, r crossbar.Region, p crossbar.Pulse) error {
	n := c.pulses.Add(1)
	c.maxCells = max(c.maxCells, r.Cells())
	if c.cancel != nil && n == c.cancelAt {
		c.cancel()
	}
	return c.Model.Program(ctx, r, p)
}

// small is a configuration that keeps tests fast.
var small = calibrate.Config{
	Form:  calibrate.FormConfig{Rows: 16, Cols: 16},
	Noise: calibrate.NoiseConfig{Rows: 4, Cols: 8, Reads: 16},
	Drift: calibrate.DriftConfig{Rows: 4, Cols: 8, ReadsPerPoint: 2},
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".csv") {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInterruptAndResume(t *testing.T) {
	p := preset(t)
	names := []string{"form", "noise", "drift"}
	opt := calibrate.Options{Base: p, Seed: 3}

	// Uninterrupted reference.
	ref := t.TempDir()
	m0, _ := crossbar.NewModel(p, 3)
	if _, err := calibrate.Run(context.Background(), m0, ref, small, names, opt); err != nil {
		t.Fatal(err)
	}

	// Cancelled during noise (its forming pulses come right after the
	// form-finder's).
	dir := t.TempDir()
	m1, _ := crossbar.NewModel(p, 3)
	formPulses := int64(0)
	{
		m, _ := crossbar.NewModel(p, 3)
		c := &counting{Model: m}
		if _, err := calibrate.Run(context.Background(), c, t.TempDir(), small, []string{"form"}, opt); err != nil {
			t.Fatal(err)
		}
		formPulses = c.pulses.Load()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arr := &counting{Model: m1, cancel: cancel, cancelAt: formPulses + 2}
	man, err := calibrate.Run(ctx, arr, dir, small, names, opt)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: err = %v", err)
	}
	if s := man.Experiments["form"].Status; s != calibrate.StatusDone {
		t.Errorf("form: %s, want done", s)
	}
	if s := man.Experiments["noise"].Status; s != calibrate.StatusInterrupted {
		t.Errorf("noise: %s, want interrupted", s)
	}
	if _, err := os.Stat(filepath.Join(dir, "noise")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("interrupted experiment left a folder: %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(ents) > 0 {
		t.Errorf("temporary files left: %v", ents)
	}

	// Resume on a fresh simulator (what the command does): form is skipped,
	// and the results equal the uninterrupted run's byte for byte.
	var log bytes.Buffer
	opt.Log = &log
	m2, _ := crossbar.NewModel(p, 3)
	man, err = calibrate.Run(context.Background(), m2, dir, small, names, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "form: already done, skipped") {
		t.Errorf("resume log:\n%s", log.String())
	}
	if man.Experiments["noise"].Attempts != 2 {
		t.Errorf("noise attempts %d, want 2", man.Experiments["noise"].Attempts)
	}
	want, got := readTree(t, ref), readTree(t, dir)
	if len(want) != 3 || len(got) != 3 {
		t.Fatalf("tables: %d reference, %d resumed", len(want), len(got))
	}
	for name, b := range want {
		if !bytes.Equal(b, got[name]) {
			t.Errorf("%s differs after resuming", name)
		}
	}

	// A changed parameter set of a finished experiment is an error.
	changed := small
	changed.Noise.Reads = 20
	m3, _ := crossbar.NewModel(p, 3)
	if _, err := calibrate.Run(context.Background(), m3, dir, changed, names, opt); err == nil || !strings.Contains(err.Error(), "other parameters") {
		t.Errorf("changed configuration: err = %v", err)
	}
	// So is another seed.
	opt.Seed = 4
	if _, err := calibrate.Run(context.Background(), m3, dir, small, names, opt); err == nil || !strings.Contains(err.Error(), "seed 3 (now 4)") {
		t.Errorf("changed seed: err = %v", err)
	}
}

func TestResumeOnPersistentArrayUsesFreshCells(t *testing.T) {
	p := preset(t)
	dir := t.TempDir()
	m, _ := crossbar.NewModel(p, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arr := &counting{Model: m, cancel: cancel, cancelAt: 2}
	opt := calibrate.Options{Base: p, Seed: 5, Persistent: true}
	if _, err := calibrate.Run(ctx, arr, dir, small, []string{"conductance"}, opt); err == nil {
		t.Fatal("cancelled run did not fail")
	}
	// The same board, later: the interrupted attempt's cells are stressed.
	arr.cancel = nil
	man, err := calibrate.Run(context.Background(), arr, dir, small, []string{"conductance"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Used) != 1 {
		t.Fatalf("used regions %v, want the interrupted attempt's", man.Used)
	}
	if r := man.Experiments["conductance"].Region; r == man.Used[0] || r.Col < man.Used[0].Col+man.Used[0].Cols {
		t.Errorf("resumed on %v, overlapping the used %v", r, man.Used[0])
	}
}

// limited is an array whose limits are tighter than lin2025's.
type limited struct {
	*counting
	lim crossbar.Limits
}

func (l *limited) Limits() crossbar.Limits { return l.lim }

func TestLimitsAreCheckedBeforeAnyPulse(t *testing.T) {
	p := preset(t)
	m, _ := crossbar.NewModel(p, 1)
	lim := p.Limits()
	lim.MaxAmplitude[crossbar.Form] = 4.2 // below the form-finder's 5 V ramp end and conductance's 4.6 V
	arr := &limited{counting: &counting{Model: m}, lim: lim}
	cfg := small
	cfg.Form.Stop = 5 // explicit: not clamped to the limits like a default
	_, err := calibrate.Run(context.Background(), arr, t.TempDir(), cfg, []string{"form"}, calibrate.Options{Base: p})
	if !errors.Is(err, calibrate.ErrLimit) {
		t.Fatalf("err = %v, want ErrLimit", err)
	}
	if n := arr.pulses.Load(); n != 0 {
		t.Errorf("%d pulses sent before the refusal", n)
	}
	// Defaults stay within the array's limits.
	if _, err := calibrate.Run(context.Background(), arr, t.TempDir(), small, []string{"form"}, calibrate.Options{Base: p}); err != nil {
		t.Errorf("default ramp on a 4.2 V array: %v", err)
	}
	// A pulse larger than MaxCells is split.
	lim = p.Limits()
	lim.MaxCells = 100
	arr = &limited{counting: &counting{Model: m}, lim: lim}
	if _, err := calibrate.Run(context.Background(), arr, t.TempDir(), small, []string{"conductance"}, calibrate.Options{Base: p}); err != nil {
		t.Fatal(err)
	}
	if arr.maxCells > 100 {
		t.Errorf("a pulse on %d cells exceeded MaxCells 100", arr.maxCells)
	}
}

func TestDryRunTouchesNothing(t *testing.T) {
	p := preset(t)
	dir := filepath.Join(t.TempDir(), "none")
	plans, err := calibrate.DryRun(p.Geometry(), p.Limits(), dir, calibrate.Config{}, []string{"all"}, calibrate.Options{Base: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != len(calibrate.Names) {
		t.Fatalf("%d plans", len(plans))
	}
	for _, pl := range plans {
		if pl.Totals.Pulses == 0 && pl.Experiment != "noise" || pl.Totals.ReadCells == 0 && pl.Experiment != "iv" {
			t.Errorf("%s: totals %+v", pl.Experiment, pl.Totals)
		}
		if pl.Totals.MaxForm > p.MaxFormV || pl.Totals.MaxSet > p.MaxSetV || pl.Totals.MaxReset > p.MaxResetV {
			t.Errorf("%s: planned amplitudes beyond the limits: %+v", pl.Experiment, pl.Totals)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run created %s", dir)
	}
	// With tighter limits the plan is refused, step by step.
	lim := p.Limits()
	lim.MaxWidth = 5e-6 // the switch experiment plans 10 µs pulses
	_, err = calibrate.DryRun(p.Geometry(), lim, "", calibrate.Config{}, []string{"switch"}, calibrate.Options{Base: p})
	if !errors.Is(err, calibrate.ErrLimit) || !strings.Contains(err.Error(), "pulse width 10µs outside") {
		t.Errorf("dry run beyond the limits: %v", err)
	}
}

func TestCompareClosesTheLoop(t *testing.T) {
	want := truth(t)
	m, _ := crossbar.NewModel(want, 2)
	dir := t.TempDir()
	cfg := calibrate.Config{Form: calibrate.FormConfig{Rows: 16, Cols: 32}}
	names := []string{"form", "conductance", "noise"}
	if _, err := calibrate.Run(context.Background(), m, dir, cfg, names, calibrate.Options{Base: preset(t), Seed: 2}); err != nil {
		t.Fatal(err)
	}
	res, err := calibrate.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	fitted, _, err := calibrate.Fit(res)
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := crossbar.NewModel(fitted, 2)
	rows, err := calibrate.Compare(context.Background(), res, sim, t.TempDir(), calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The fitted model must reproduce what was measured within the
	// sampling error of the experiments (same tolerances as the round
	// trip, relative to the measured value).
	tol := map[string]float64{
		"model Vbd mean at the reference width": 0.01, // 0.04 V of 3.6 V
		"model Vbd std":                         0.12,
		"formed conductance, mean":              0.02,
		"formed conductance, std":               0.06,
		"relative read noise σ (pooled)":        0.05,
	}
	seen := 0
	for _, r := range rows {
		if tt, ok := tol[r.Quantity]; ok {
			seen++
			if math.Abs(r.RelDiff) > tt {
				t.Errorf("%s %s: measured %.5g, simulated %.5g (%.1f %%, tolerance %.0f %%)", r.Experiment, r.Quantity, r.Measured, r.Simulated, 100*r.RelDiff, 100*tt)
			}
		}
	}
	if seen != len(tol) {
		t.Errorf("compared %d of %d quantities", seen, len(tol))
	}
}

func TestDutyLimitIsPaced(t *testing.T) {
	p := preset(t)
	m, _ := crossbar.NewModel(p, 1)
	lim := p.Limits()
	lim.MaxDuty = 0.01 // 1 µs pulses then need ≥ 110 µs of idle each (dutyMargin 0.9)
	arr := &limited{counting: &counting{Model: m}, lim: lim}
	man, err := calibrate.Run(context.Background(), arr, t.TempDir(), small, []string{"form"}, calibrate.Options{Base: p})
	if err != nil {
		t.Fatal(err)
	}
	ops := man.Experiments["form"].Ops
	// Closed form: every pulse after the first is preceded by
	// max(w·(1/(0.9·0.01) − 1), 1 ms/32) = 110.1 µs of idle.
	want := float64(ops.Pulses-1) * 1e-6 * (1/(0.9*0.01) - 1)
	if math.Abs(float64(ops.Waited)-want) > 1e-9*want+1e-12 {
		t.Errorf("waited %v for %d pulses, want %.6g s", ops.Waited, ops.Pulses, want)
	}
}
