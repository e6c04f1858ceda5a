package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events"
)

// TestNoDataLoss: outputs that would destroy data are refused before any
// work, with a message saying why, and the user's files stay as they were.
func TestNoDataLoss(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	thesis := write(filepath.Join(dir, "cal", "iv", "thesis.tex"), "my thesis")
	report := write(filepath.Join(dir, "cal", "report.md"), "my notes")
	notes := write(filepath.Join(dir, "cal2", "notes.txt"), "keep me")
	list := write(filepath.Join(dir, "slayer", "train.txt"), "#sample #class\n1\t3\n")
	mev := write(filepath.Join(dir, "slayer", "old.mev"), "not mine")
	var w bytes.Buffer
	if err := events.WriteWAV(&w, make([]float64, 800), 8000, 16); err != nil {
		t.Fatal(err)
	}
	wav := write(filepath.Join(dir, "fsdd", "0_me_0.wav"), w.String())
	oldMEV := write(filepath.Join(dir, "fsdd", "old.mev"), "my earlier conversion")
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"calibrate into a folder memlsm did not make", []string{"calibrate", "iv", "--out", filepath.Join(dir, "cal")}, 1, "holds no manifest.json, so memlsm did not make it"},
		{"--force never replaces what memlsm did not write", []string{"calibrate", "iv", "--out", filepath.Join(dir, "cal"), "--force"}, 1, "report.md exists and memlsm did not write it"},
		{"classify --save over its own label list", []string{"classify", "--data", "nmnist:" + list, "--save", list}, 2, "is an input of this command"},
		{"data convert over a file of its input folder", []string{"data", "convert", "fsdd:" + filepath.Dir(wav), "--out", oldMEV}, 2, "would replace a file of the input folder"},
		{"calibrate fit into the results folder", []string{"calibrate", "fit", filepath.Join(dir, "cal"), "--out", report}, 2, "would replace a file of the input folder"},
		{"two outputs, one file", []string{"classify", "--data", "embedded:images", "--save", filepath.Join(dir, "x"), "--md", filepath.Join(dir, "x")}, 2, "also the output of --md"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, c.code, c.want)
			}
		})
	}
	// --force into a folder with someone else's notes: memlsm's files go
	// beside them.
	if _, stderr, code := runCLI(t, "calibrate", "conductance", "--out", filepath.Join(dir, "cal2"), "--force"); code != 0 {
		t.Fatalf("calibrate --force beside notes: exit %d: %s", code, stderr)
	}
	for p, want := range map[string]string{thesis: "my thesis", report: "my notes", notes: "keep me", list: "#sample #class\n1\t3\n", mev: "not mine", oldMEV: "my earlier conversion"} {
		if b, err := os.ReadFile(p); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want it untouched", p, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "cal2", "manifest.json")); err != nil {
		t.Errorf("calibrate --force wrote no manifest: %v", err)
	}
}
