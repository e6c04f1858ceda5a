package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/experiment"
)

// calibrateDecode decodes stdout, which must hold exactly one JSON object.
func calibrateDecode(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if strings.TrimSpace(stdout[dec.InputOffset():]) != "" {
		t.Fatalf("stdout holds more than one JSON object:\n%s", stdout)
	}
}

// calibrateTruth writes a device that differs from lin2025 in what the
// experiments measure (on a size×size array) and returns its file.
func calibrateTruth(t *testing.T, size int) (crossbar.Params, string) {
	t.Helper()
	p, _ := crossbar.Preset("lin2025")
	p.Rows, p.Cols = size, size
	p.VbdMean, p.VbdStd = 3.65, 0.23
	p.LRSMean, p.LRSStd = 11e-6, 2e-6
	p.ReadNoise = 0.025
	p.StuckHRSRate, p.StuckLRSRate = 0.008, 0.004
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "truth.json")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, path
}

// The round trip of issue 6 through the emulated board: characterise a
// device of known parameters through the real firmware and wire protocol,
// fit, and recover them; the fitted file loads in every --params flag.
func TestCalibrateRoundTripEmu(t *testing.T) {
	want, truthFile := calibrateTruth(t, 256)
	dir := filepath.Join(t.TempDir(), "cal")
	stdout, stderr, code := runCLI(t, "calibrate", "all", "--board", "emu", "--params", truthFile, "--base", "lin2025",
		"--seed", "5", "--out", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var run calibrate.RunSummary
	calibrateDecode(t, stdout, &run)
	if run.Board != "emu" || run.Seed != 5 || run.Base != "lin2025" || len(run.Experiments) != len(calibrate.Names) {
		t.Fatalf("run: %+v", run)
	}
	for n, e := range run.Experiments {
		if e.Status != "done" {
			t.Errorf("%s: %s %s", n, e.Status, e.Error)
		}
	}
	for _, f := range []string{"report.md", "report.html", "form/cells.csv", "form/vbd_hist.png", "conductance/stuck_map.png", "drift/drift.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	params := filepath.Join(t.TempDir(), "fitted.json")
	stdout, stderr, code = runCLI(t, "calibrate", "fit", dir, "--out", params, "--json")
	if code != 0 {
		t.Fatalf("fit: exit %d: %s", code, stderr)
	}
	var fit struct {
		Fitted int `json:"fitted"`
	}
	calibrateDecode(t, stdout, &fit)
	got, err := crossbar.LoadParamsFile(params)
	if err != nil {
		t.Fatal(err)
	}
	// Tolerances: about 4 standard errors at the default sizes (see
	// calibrate's TestRoundTripSimulator); stuck rates: 4 binomial SEs of
	// the 4096-cell conductance block plus one cell.
	binom := func(p float64) float64 { return 4*math.Sqrt(p*(1-p)/4096) + 1.0/4096 }
	for _, c := range []struct {
		name           string
		got, want, tol float64
	}{
		{"vbd_mean", float64(got.VbdMean), float64(want.VbdMean), 0.04},
		{"vbd_std", float64(got.VbdStd), float64(want.VbdStd), 0.03},
		{"lrs_mean", float64(got.LRSMean), float64(want.LRSMean), 0.02 * float64(want.LRSMean)},
		{"lrs_std", float64(got.LRSStd), float64(want.LRSStd), 0.06 * float64(want.LRSStd)},
		{"read_noise", got.ReadNoise, want.ReadNoise, 0.05 * want.ReadNoise},
		{"stuck_hrs_rate", got.StuckHRSRate, want.StuckHRSRate, binom(want.StuckHRSRate)},
		{"stuck_lrs_rate", got.StuckLRSRate, want.StuckLRSRate, binom(want.StuckLRSRate)},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s: fitted %.5g, true %.5g (tolerance %.3g)", c.name, c.got, c.want, c.tol)
		}
	}
	if got.Rows != 256 || fit.Fitted < 20 {
		t.Errorf("fitted %d fields, rows %d", fit.Fitted, got.Rows)
	}
	// Every --params flag loads it.
	if _, stderr, code := runCLI(t, "macro", "info", "--params", params); code != 0 {
		t.Errorf("macro info --params fitted.json: exit %d: %s", code, stderr)
	}
}

// The emulated board and the simulator give the same measurements for the
// same device and seed (the model's randomness is keyed by cell, and the
// experiments' times are whole nanoseconds).
func TestCalibrateEmuEqualsSim(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "small.json")
	os.WriteFile(cfg, []byte(`{"form": {"rows": 8, "cols": 16}, "noise": {"rows": 2, "cols": 8, "reads": 8},
		"drift": {"rows": 2, "cols": 8, "times_s": [0.1, 10, 1000]}, "switch": {"points": 9, "cells_per_point": 8}}`), 0o644)
	dirs := map[string]string{}
	for _, b := range []string{"sim", "emu"} {
		dirs[b] = filepath.Join(t.TempDir(), b)
		if _, stderr, code := runCLI(t, "calibrate", "all", "--board", b, "--config", cfg, "--out", dirs[b]); code != 0 {
			t.Fatalf("%s: exit %d: %s", b, code, stderr)
		}
	}
	n := 0
	filepath.WalkDir(dirs["sim"], func(p string, d os.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".csv") {
			return err
		}
		rel, _ := filepath.Rel(dirs["sim"], p)
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(dirs["emu"], rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between sim and emu (%v)", rel, err)
		}
		n++
		return nil
	})
	if n != 6 {
		t.Errorf("%d tables compared, want 6", n)
	}
}

func TestCalibrateDryRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never")
	stdout, stderr, code := runCLI(t, "calibrate", "all", "--board", "emu", "--dry-run", "--out", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		DryRun bool             `json:"dry_run"`
		OK     bool             `json:"ok"`
		Plans  []map[string]any `json:"plans"`
	}
	calibrateDecode(t, stdout, &res)
	if !res.DryRun || !res.OK || len(res.Plans) != len(calibrate.Names) {
		t.Errorf("dry run: %+v", res)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("dry run created %s", dir)
	}
	stdout, _, code = runCLI(t, "calibrate", "form", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "form on rows 0..31 × cols 0..31") || !strings.Contains(stdout, "nothing is sent") {
		t.Errorf("text dry run: exit %d\n%s", code, stdout)
	}
	// "faults" (the CLI contract's name, docs/cli.md) plans the conductance experiment's set/reset test.
	stdout, _, code = runCLI(t, "calibrate", "faults", "--dry-run", "--json")
	calibrateDecode(t, stdout, &res)
	if code != 0 || len(res.Plans) != 1 || res.Plans[0]["experiment"] != "conductance" {
		t.Errorf("faults dry run: exit %d, plans %+v", code, res.Plans)
	}
}

// Ctrl-C: a cancelled context keeps what finished; the same command
// resumes.
func TestCalibrateInterruptResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cal")
	args := []string{"calibrate", "form", "noise", "--config", "", "--out", dir}
	cfg := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(cfg, []byte(`{"form": {"rows": 8, "cols": 8}}`), 0o644)
	args[4] = cfg
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := exitCode(run(ctx, args, &out, &errb), nil, &errb); code != 1 || !strings.Contains(errb.String(), "run the same command again to resume") {
		t.Fatalf("cancelled: exit %d: %s", code, errb.String())
	}
	_, stderr, code := runCLI(t, args...)
	if code != 0 || !strings.Contains(stderr, "noise: measuring") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	_, stderr, code = runCLI(t, args...)
	if code != 0 || !strings.Contains(stderr, "form: already done, skipped") || !strings.Contains(stderr, "noise: already done, skipped") {
		t.Errorf("second resume: exit %d: %s", code, stderr)
	}
}

// Bad input gets one clear error (exit 1, or 2 for usage).
func TestCalibrateBadInput(t *testing.T) {
	tmp := t.TempDir()
	p, _ := crossbar.Preset("lin2025")
	var good bytes.Buffer
	p.WriteJSON(&good)
	missing := filepath.Join(tmp, "missing.json")
	os.WriteFile(missing, bytes.Replace(good.Bytes(), []byte(`"vbd_std"`), []byte(`"vbd_sdt"`), 1), 0o644)
	bad := filepath.Join(tmp, "range.json")
	os.WriteFile(bad, bytes.Replace(good.Bytes(), []byte(`"read_noise": 0.02`), []byte(`"read_noise": 7`), 1), 0o644)
	notDir := filepath.Join(tmp, "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	noManifest := filepath.Join(tmp, "empty")
	os.Mkdir(noManifest, 0o755)
	corrupt := filepath.Join(tmp, "corrupt")
	os.Mkdir(corrupt, 0o755)
	os.WriteFile(filepath.Join(corrupt, calibrate.ManifestFile), []byte(`{"version": 1, "board": }`), 0o644)
	badCfg := filepath.Join(tmp, "cfg.json")
	os.WriteFile(badCfg, []byte(`{"form": {"rowz": 3}}`), 0o644)
	out := filepath.Join(tmp, "out")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"calibrate", "fit", filepath.Join(tmp, "nope")}, 1, "no such file or directory"},
		{[]string{"calibrate", "fit", notDir}, 1, "is not a folder"},
		{[]string{"calibrate", "fit", noManifest}, 1, "not a calibration results folder"},
		{[]string{"calibrate", "fit", corrupt}, 1, "byte offset"},
		{[]string{"calibrate", "report", noManifest}, 1, "not a calibration results folder"},
		{[]string{"calibrate", "form", "--params", missing, "--out", out}, 1, "missing field(s) vbd_std"},
		{[]string{"calibrate", "form", "--params", bad, "--out", out}, 1, "param read_noise: 7 outside [0, 1]"},
		{[]string{"calibrate", "form", "--base", bad, "--out", out}, 1, "read_noise"},
		{[]string{"calibrate", "form", "--config", badCfg, "--out", out}, 1, `unknown field "rowz"`},
		{[]string{"calibrate", "form"}, 2, "--out DIR is required"},
		{[]string{"calibrate", "forms", "--out", out}, 2, `unknown experiment "forms"`},
		{[]string{"calibrate"}, 2, "name an experiment"},
		{[]string{"calibrate", "fit"}, 2, "want one results folder"},
	} {
		_, stderr, code := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args[1:], code, stderr, c.code, c.want)
		}
		if n := strings.Count(stderr, "memlsm:"); n != 1 {
			t.Errorf("%v: %d error messages:\n%s", c.args[1:], n, stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("bad input created %s", out)
	}
}

// The loop closed end to end: characterise an emulated device, fit, and
// classify real N-MNIST samples on the device and on the fitted simulator
// with the same seed.
func TestCalibrateCompareClassify(t *testing.T) {
	// The repository root holds go.mod; shared data sits beside it.
	nm := filepath.Join("..", "..", "..", "shared", "data", "nmnist", "NMNISTsmall")
	if _, err := os.Stat(nm); err != nil {
		t.Skipf("shared N-MNIST samples not found at %s (see the nmnist data notes): %v", nm, err)
	}
	_, truthFile := calibrateTruth(t, 512) // the classifier's reservoir needs 488×400 cells
	dir := filepath.Join(t.TempDir(), "cal")
	cfg := filepath.Join(t.TempDir(), "small.json")
	os.WriteFile(cfg, []byte(`{"form": {"rows": 16, "cols": 16}}`), 0o644)
	if _, stderr, code := runCLI(t, "calibrate", "form", "conductance", "noise", "--board", "emu", "--params", truthFile,
		"--base", "lin2025", "--config", cfg, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, "calibrate", "compare", dir, "--out", filepath.Join(t.TempDir(), "sim"),
		"--data", "nmnist:"+nm, "--per-class", "8", "--json")
	if code != 0 {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	var res struct {
		Rows     []calibrate.CompareRow            `json:"rows"`
		Classify map[string]experiment.DeviceScore `json:"classify"`
	}
	calibrateDecode(t, stdout, &res)
	b, s := res.Classify["board"], res.Classify["simulator"]
	if len(res.Rows) == 0 || len(b.Regions) == 0 || len(s.Regions) == 0 {
		t.Fatalf("compare: %+v", res)
	}
	// The reservoir formed on the fitted simulator has the device's
	// conductance statistics (within the round trip's 2 % and 6 %).
	if d := math.Abs(s.Regions[0].MeanUS/b.Regions[0].MeanUS - 1); d > 0.02 {
		t.Errorf("reservoir G mean: device %.3f µS, simulator %.3f µS", b.Regions[0].MeanUS, s.Regions[0].MeanUS)
	}
	if d := math.Abs(s.Regions[0].StdUS/b.Regions[0].StdUS - 1); d > 0.06 {
		t.Errorf("reservoir G std: device %.3f µS, simulator %.3f µS", b.Regions[0].StdUS, s.Regions[0].StdUS)
	}
	if !(b.Accuracy > 0.2 && s.Accuracy > 0.2) {
		t.Errorf("accuracies %.3f (device) and %.3f (simulator): both should beat chance (0.1) clearly", b.Accuracy, s.Accuracy)
	}
}
