package source_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events/source"
)

// TestWillettSource opens the MAT-files that events/testdata/gen_willett.py
// writes in MATLAB's layouts through willett:FILE.
func TestWillettSource(t *testing.T) {
	var py string
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import scipy.io, h5py").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with scipy and h5py (Debian: apt-get install python3-scipy python3-h5py); willett: cross-check skipped")
	}
	dir := t.TempDir()
	if b, err := exec.Command(py, filepath.Join("..", "testdata", "gen_willett.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("gen_willett.py: %v\n%s", err, b)
	}
	ctx := context.Background()
	for _, f := range []string{"v7.mat", "v73.mat"} {
		d, err := source.Open(ctx, "willett:"+filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != 12 || d.Sensor.Channels != 5 || d.Samples[0].ID != "willett-a-0" {
			t.Fatalf("%s: %d samples, sensor %+v, first %s", f, d.Len(), d.Sensor, d.Samples[0].ID)
		}
		l, err := source.Open(ctx, "willett:"+filepath.Join(dir, f)+"?letters=1")
		if err != nil {
			t.Fatal(err)
		}
		if c := l.ClassCounts(); l.Len() != 8 || c[2] != 0 {
			t.Fatalf("letters=1: %d samples, counts %v", l.Len(), c)
		}
	}
	for spec, msg := range map[string]string{"willett:": "give the file", "willett:x.mat?letter=1": "did you mean letters?", "willett:x.mat?letters=maybe": "not a boolean"} {
		if _, err := source.Open(ctx, spec); !errors.Is(err, source.ErrSpec) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want a spec error saying %q", spec, err, msg)
		}
	}
}
