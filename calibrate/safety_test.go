package calibrate

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteResultKeepsForeignFiles: rewriting an experiment's folder that
// also holds someone else's file replaces memlsm's files (removing those
// the new result no longer has) and leaves the other file alone; a folder
// of memlsm's files alone is replaced whole.
func TestWriteResultKeepsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	res := &Result{Name: "form", Figures: []Figure{{Name: "old.png", PNG: []byte("old")}}}
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(dir, "form", "notes.tex")
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	res.Figures = []Figure{{Name: "new.png", PNG: []byte("new")}}
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Errorf("notes: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "form", "old.png")); err == nil {
		t.Error("memlsm's stale figure was left behind")
	}
	for _, f := range []string{"new.png", resultFile} {
		if _, err := os.Stat(filepath.Join(dir, "form", f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Without foreign files the folder is replaced whole, atomically.
	os.Remove(notes)
	res.Figures = nil
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "form"))
	if len(ents) != 1 || ents[0].Name() != resultFile {
		t.Errorf("folder holds %v, want only %s", ents, resultFile)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary folders left: %v", ents)
	}
}
