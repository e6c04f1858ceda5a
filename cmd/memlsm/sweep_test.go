package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/sweep"
)

// A classify and a zero-shot sweep through the CLI: the table holds the
// axes and the experiments' result fields; merge writes it again.
func TestSweepCLI(t *testing.T) {
	dir := t.TempDir()
	imgs := writeSynthetic(t, "images", 3, 8, 1)
	aud := writeSynthetic(t, "audio", 3, 8, 2)
	spec := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(spec, []byte(`
name: cli
run: {experiment: classify, data: "`+imgs+`", head: {linear: {epochs: 5}}, encoder: {calibration_samples: 8}}
axes: [{name: read_noise, values: [0.02, 0.1]}]
seeds: [3]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	stdout, stderr, code := runCLI(t, "sweep", spec, "--out", out, "--json")
	if code != 0 {
		t.Fatalf("sweep: exit %d\n%s", code, stderr)
	}
	var res sweep.Outcome
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Complete || res.Tasks != 2 || !slices.Contains(res.Columns, "accuracy") || !slices.Contains(res.Columns, "read_noise") {
		t.Errorf("sweep JSON %+v", res)
	}
	before, _ := os.ReadFile(filepath.Join(out, "results.csv"))
	if _, stderr, code := runCLI(t, "sweep", "merge", out); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(out, "results.csv"))
	if string(before) != string(after) {
		t.Error("merge rewrote a different table")
	}

	zs := filepath.Join(dir, "z.yaml")
	if err := os.WriteFile(zs, []byte(`
run: {experiment: zeroshot, images: "`+imgs+`", audio: "`+aud+`", seen: "0-1", unseen: [2], head: {epochs: 3}}
axes: [{name: lsm.neurons, values: [30]}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "sweep", zs, "--out", filepath.Join(dir, "z")); code != 0 {
		t.Fatalf("zeroshot sweep: exit %d\n%s", code, stderr)
	}
	head, _ := os.ReadFile(filepath.Join(dir, "z", "results.csv"))
	if !strings.Contains(strings.SplitN(string(head), "\n", 2)[0], "unseen.") {
		t.Errorf("zero-shot table header lacks the unseen retrievals: %s", strings.SplitN(string(head), "\n", 2)[0])
	}

	for _, args := range [][]string{{"sweep"}, {"sweep", "slurm", spec}, {"sweep", spec, "--shard", "4/4"}, {"sweep", "merge"}} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)", args, code)
		}
	}
	if _, stderr, code := runCLI(t, "sweep", "merge", dir); code != 1 || !strings.Contains(stderr, "not a sweep results folder") {
		t.Errorf("merge of a plain folder: exit %d, %s", code, stderr)
	}
}
