package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events"
)

// writeWords writes an FSDD-style folder of "words": digit d is a
// harmonic tone at 150+60·d Hz under a raised-cosine envelope, spoken by
// two speakers whose pitch differs by 5 %.
func writeWords(t *testing.T, digits, reps int) string {
	t.Helper()
	dir := t.TempDir()
	const rate = 8000
	for d := range digits {
		for s, sp := range []string{"ann", "bob"} {
			for r := range reps {
				f0 := (150 + 60*float64(d)) * (1 + 0.05*float64(s)) * (1 + 0.01*float64(r))
				x := make([]float64, rate*3/10)
				for i := range x {
					env := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(x)))
					for h := 1; h <= 5; h++ {
						x[i] += env * 0.05 / float64(h) * math.Sin(2*math.Pi*f0*float64(h)*float64(i)/rate)
					}
				}
				var b bytes.Buffer
				if err := events.WriteWAV(&b, x, rate, 16); err != nil {
					t.Fatal(err)
				}
				name := filepath.Join(dir, string(rune('0'+d))+"_"+sp+"_"+string(rune('0'+r))+".wav")
				if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

// TestClassifyPerturbCLI: --perturb adds test conditions (repeatable, each
// a chain) and --features lsm,mfcc scores the MFCC baseline on the same
// splits; both report per condition in the JSON and the Markdown, and both
// refuse sources that are not audio before any work.
func TestClassifyPerturbCLI(t *testing.T) {
	dir := writeWords(t, 3, 4)
	stdout, stderr, code := runCLI(t, "classify", "--data", "fsdd:"+dir, "--split", "speaker", "--features", "lsm,mfcc",
		"--perturb", "level=-20dB", "--perturb", "pad=0.5s,noise=30dB", "--epochs", "20", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := jsonObject(t, stdout)
	if m["feature_kind"] != "lsm" {
		t.Errorf("feature_kind %v", m["feature_kind"])
	}
	conds, _ := m["conditions"].([]any)
	cmp, _ := m["compare"].([]any)
	if len(conds) != 2 || len(cmp) != 1 {
		t.Fatalf("conditions %v, compare %v", conds, cmp)
	}
	if c0, _ := conds[0].(map[string]any); c0["name"] != "level=-20dB" {
		t.Errorf("first condition %v", c0)
	}
	if c1, _ := conds[1].(map[string]any); c1["name"] != "pad=0.5s,noise=30dB" {
		t.Errorf("second condition %v", c1)
	}
	mf, _ := cmp[0].(map[string]any)
	if mc, _ := mf["conditions"].([]any); mf["features"] != "mfcc" || len(mc) != 2 {
		t.Errorf("compare[0] %v", mf)
	}
	stdout, stderr, code = runCLI(t, "classify", "--data", "fsdd:"+dir, "--split", "speaker", "--perturb", "tempo=0.85", "--epochs", "20")
	if code != 0 || !strings.Contains(stdout, "| tempo=0.85 |") {
		t.Errorf("Markdown: exit %d, stderr %s, stdout:\n%s", code, stderr, stdout)
	}
	images := writeSynthetic(t, "images", 2, 4, 1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "fsdd:" + dir, "--perturb", "volume=3dB"}, "unknown kind"},
		{[]string{"--data", "fsdd:" + dir, "--perturb", "tempo=9"}, "out of range"},
		{[]string{"--data", "fsdd:" + dir, "--features", "cepstra"}, "--features"},
		{[]string{"--data", images, "--perturb", "level=-20dB"}, "audio sources"},
		{[]string{"--data", images, "--features", "mfcc"}, "audio sources"},
	} {
		stdout, stderr, code := runCLI(t, append([]string{"classify"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q (want %q)", tc.args, code, stderr, tc.want)
		}
	}
}
