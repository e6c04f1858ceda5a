package events

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// scipyPython returns a Python interpreter with scipy, or skips.
func scipyPython(t testing.TB) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import scipy.io").Run(); err == nil {
			return py
		}
	}
	t.Skip("no python3 with scipy (Debian: apt-get install python3-scipy python3-h5py); MAT-file writer cross-checks skipped")
	return ""
}

// genWillett runs testdata/gen_willett.py into a fresh folder.
func genWillett(t testing.TB) string {
	t.Helper()
	py := scipyPython(t)
	dir := t.TempDir()
	if b, err := exec.Command(py, filepath.Join("testdata", "gen_willett.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("gen_willett.py: %v\n%s", err, b)
	}
	return dir
}

// TestReadWillett reads the files gen_willett.py writes in every
// layout MATLAB uses for singleLetters.mat and compares them with the
// script's closed form: cube c, trial t, bin b, electrode e holds
// (3c + 5t + 2b + e) mod 4 crossings.
func TestReadWillett(t *testing.T) {
	dir := genWillett(t) // python3 starts slowly: one run for both parts
	t.Run("layouts", func(t *testing.T) { testWillettLayouts(t, dir) })
	t.Run("errors", func(t *testing.T) { testWillettErrors(t, dir) })
}

func testWillettLayouts(t *testing.T, dir string) {
	files := []string{"v5.mat", "v7.mat", "v73.mat", "v73_contiguous.mat"}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			path := filepath.Join(dir, f)
			if _, err := os.Stat(path); err != nil {
				t.Skip("not written (python3-h5py missing):", err)
			}
			d, err := ReadWillett(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			// Letters first, then the other characters.
			if got := strings.Join(d.Classes, ","); got != "a,b,greaterThan" {
				t.Fatalf("classes %s", got)
			}
			if d.Len() != 12 || d.Sensor.Channels != 5 {
				t.Fatalf("%d samples, sensor %+v", d.Len(), d.Sensor)
			}
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
			file := map[string]int{"a": 0, "b": 1, "greaterThan": 2}
			for _, s := range d.Samples {
				c := file[d.Classes[s.Label]]
				var trial int
				if _, err := fmt.Sscan(s.Meta["trial"], &trial); err != nil {
					t.Fatal(err)
				}
				var want []Event1D
				for b := range 7 {
					for e := range 5 {
						for range (3*c + 5*trial + 2*b + e) % 4 {
							want = append(want, Event1D{T: uint32(b * 10000), Ch: uint16(e)})
						}
					}
				}
				if !slices.Equal(s.Events1D, want) {
					t.Fatalf("%s: %d events, want %d", s.ID, len(s.Events1D), len(want))
				}
			}
		})
	}
}

// testWillettErrors: what is not a singleLetters.mat is one clear error
// naming the file.
func testWillettErrors(t *testing.T, dir string) {
	v7, err := os.ReadFile(filepath.Join(dir, "v7.mat"))
	if err != nil {
		t.Fatal(err)
	}
	v5, err := os.ReadFile(filepath.Join(dir, "v5.mat"))
	if err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"text", []byte(strings.Repeat("hello ", 40)), "not a Level 5 MAT-file"},
		{"truncated v7", v7[:300], "only 44 left"},
		{"truncated v5", v5[:1000], "only"},
		{"no cubes", v5[:128], "no neuralActivityCube_"},
	} {
		p := filepath.Join(bad, c.name+".mat")
		if err := os.WriteFile(p, c.b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadWillett(context.Background(), p)
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) || fe.File != p {
			t.Errorf("%s: %v, want a *FormatError on %s saying %q", c.name, err, p, c.want)
		}
	}
	// A count that is not a whole number: patch one double of the
	// uncompressed file (the first cube's data ends the file's first
	// variable; find 1.0 = 0x3ff0000000000000 and make it 1.5).
	i := strings.Index(string(v5), "\x00\x00\x00\x00\x00\x00\xf0\x3f")
	if i < 0 {
		t.Fatal("no 1.0 in v5.mat")
	}
	patched := append([]byte(nil), v5...)
	patched[i+6] = 0xf8
	p := filepath.Join(bad, "half.mat")
	if err := os.WriteFile(p, patched, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWillett(context.Background(), p); err == nil || !strings.Contains(err.Error(), "= 1.5: want a count") {
		t.Errorf("non-integral count: %v", err)
	}
}
