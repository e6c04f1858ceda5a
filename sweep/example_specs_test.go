package sweep_test

import (
	"path/filepath"
	"testing"

	"github.com/memlsm/memlsm/sweep"
)

// Every spec shipped in examples/sweeps plans: its keys are knobs, its
// values in range.
func TestExampleSpecsPlan(t *testing.T) {
	files, err := filepath.Glob("../examples/sweeps/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example specs (%v)", err)
	}
	for _, f := range files {
		s, err := sweep.Load(f)
		if err != nil {
			t.Error(err)
			continue
		}
		p, err := sweep.NewPlan(s)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		t.Logf("%s: %d points × %d seeds", filepath.Base(f), len(p.Points), len(p.Seeds))
	}
}
