package crossbartest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/crossbar/crossbartest"
	"github.com/memlsm/memlsm/units"
)

// faulty breaks one part of the Array contract.
type faulty struct {
	crossbar.Array
	kind   string
	closed int
}

func (f *faulty) MVM(ctx context.Context, r crossbar.Region, x []float64, y []units.Amps) (int, error) {
	if f.kind == "ignore-context" {
		ctx = context.Background()
	}
	sat, err := f.Array.MVM(ctx, r, x, y)
	if f.kind == "mvm-gain" {
		for j := range y {
			y[j] *= 1.5
		}
	}
	return sat, err
}

func (f *faulty) Read(ctx context.Context, r crossbar.Region, g []units.Siemens) error {
	if f.kind == "read-region" && r.Row < 0 {
		return nil // silently accepts a bad region
	}
	return f.Array.Read(ctx, r, g)
}

func (f *faulty) Close() error {
	f.closed++
	if f.kind == "close-twice" && f.closed > 1 {
		return errors.New("already closed")
	}
	return f.Array.Close()
}

// The suite must catch a broken implementation: each fault runs the suite
// in a child process, which must fail naming the broken part.
func TestSuiteDetectsFaults(t *testing.T) {
	if kind := os.Getenv("CROSSBARTEST_FAULT"); kind != "" {
		crossbartest.TestArray(t, &faulty{Array: newModel(t, "lin2025", 32, 32), kind: kind})
		return
	}
	if testing.Short() {
		t.Skip("spawns child test processes")
	}
	for kind, want := range map[string]string{
		"mvm-gain":       "MVMBinary",
		"ignore-context": "MVM with a done context",
		"read-region":    "Read(rows -1",
		"close-twice":    "second Close",
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteDetectsFaults$", "-test.v")
		cmd.Env = append(os.Environ(), "CROSSBARTEST_FAULT="+kind)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("fault %s: the suite passed", kind)
			continue
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("fault %s: output does not mention %q:\n%s", kind, want, out)
		}
	}
}
