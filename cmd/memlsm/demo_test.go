package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoCLI runs the demo's cheapest part through the command line with
// a report folder, and checks the folder rules; the parts themselves are
// tested in package demo. MEMLSM_SLOW=1 runs the whole demo as a user
// does.
func TestDemoCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	stdout, stderr, code := runCLI(t, "demo", "--skip", "classification,zero_shot,sweep,board", "--report", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := jsonObject(t, stdout)
	if number(t, m, "macro.sample.formed_fraction") < 0.99 || number(t, m, "macro.paper_g_mean_us") != 14.25 {
		t.Errorf("macro %v", m["macro"])
	}
	for _, part := range []string{"classification", "zero_shot", "sweep", "board"} {
		if _, ok := m[part]; ok {
			t.Errorf("skipped part %s in the JSON", part)
		}
	}
	for _, f := range []string{"index.html", "demo.json", "demo.txt", "macro-conductance.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// A folder that holds anything is refused before any work.
	if _, stderr, code := runCLI(t, "demo", "--report", dir); code != 2 || !strings.Contains(stderr, "not empty") {
		t.Errorf("non-empty report folder: exit %d, %s", code, stderr)
	}
}

func TestDemoFull(t *testing.T) {
	if os.Getenv("MEMLSM_SLOW") == "" {
		t.Skip("the whole demo (about a minute of CPU) runs with MEMLSM_SLOW=1")
	}
	start := time.Now()
	stdout, stderr, code := runCLI(t, "demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"1. The macro", "2. Classification", "3. Zero-shot", "4. Co-design sweep", "5. The audio classification again", "Identical to the simulated macro"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("no %q in:\n%s", s, stdout)
		}
	}
	t.Logf("demo in %.1f s:\n%s", time.Since(start).Seconds(), stdout)
}
