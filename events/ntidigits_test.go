package events

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// h5pyPython returns a Python interpreter that has h5py, or skips.
func h5pyPython(t testing.TB) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import h5py").Run(); err == nil {
			return py
		}
	}
	t.Skip("no python3 with h5py (Debian: apt-get install python3-h5py); HDF5 writer cross-checks skipped")
	return ""
}

// genNTIDIGITS runs testdata/gen_ntidigits.py once to write every variant
// into dir (as dir/<variant>.hdf5).
func genNTIDIGITS(t testing.TB, py, dir string) {
	t.Helper()
	cmd := exec.Command(py, filepath.Join("testdata", "gen_ntidigits.py"), dir, "--variant", "all")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_ntidigits.py --variant all: %v\n%s", err, b)
	}
}

// The closed form of gen_ntidigits.py (see its docstring).
var genLabels = []string{"1", "z", "2", "o", "3", "4", "5", "6", "7", "8", "9", "1z3", "55", "o"}
var genSpeakers = []string{"man-ae", "woman-bc", "boy-cd", "girl-de"}

func genID(k int) string {
	spk := genSpeakers[k%len(genSpeakers)]
	if k >= len(genLabels) {
		spk += string(rune('a' + k/len(genLabels)))
	}
	return spk + "-" + genLabels[k%len(genLabels)]
}

func genEvents(i int) []Event1D {
	n := 3 + 2*(i%7)
	ev := make([]Event1D, n)
	for j := range ev {
		ev[j] = Event1D{T: uint32(15625 * (4*i + j)), Ch: uint16((7*i + 5*j) % 64)}
	}
	return ev
}

// checkGenerated compares a dataset read from a gen_ntidigits.py file with
// the script's closed form.
func checkGenerated(t *testing.T, d *Dataset, ntrain int, all bool) {
	t.Helper()
	k := 0
	for i := 0; i < ntrain+6; i++ {
		part, pk := "train", i
		if i >= ntrain {
			part, pk = "test", i-ntrain
		}
		id := genID(pk)
		label := id[strings.LastIndexByte(id, '-')+1:]
		if len(label) > 1 && !all {
			continue
		}
		if k >= d.Len() {
			t.Fatalf("only %d samples", d.Len())
		}
		s := d.Samples[k]
		k++
		if s.ID != id || d.Classes[s.Label] != label || s.Meta["split"] != part || s.Speaker != id[:strings.LastIndexByte(id, '-')] {
			t.Fatalf("sample %d: id %q label %q split %q speaker %q; want %q %q %q", k-1, s.ID, d.Classes[s.Label], s.Meta["split"], s.Speaker, id, label, part)
		}
		if want := genEvents(i); !reflect.DeepEqual(s.Events1D, want) {
			t.Fatalf("sample %s: events %v, want %v", id, s.Events1D, want)
		}
	}
	if k != d.Len() {
		t.Errorf("%d samples, want %d", d.Len(), k)
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
}

func TestReadNTIDIGITSFixture(t *testing.T) {
	// testdata/ntidigits_small.hdf5 is gen_ntidigits.py's default variant.
	d, err := ReadNTIDIGITS(context.Background(), "testdata/ntidigits_small.hdf5", NTIDIGITSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkGenerated(t, d, 14, false)
	if !reflect.DeepEqual(d.Classes, NTIDIGITSClasses) {
		t.Errorf("classes %v", d.Classes)
	}
	// 12 single-digit train ids and 6 test ids (the script's label cycle).
	if tr := d.Where("split", "train").Len(); tr != 12 || d.Len() != 18 {
		t.Errorf("%d train of %d samples, want 12 of 18", tr, d.Len())
	}
	all, err := ReadNTIDIGITS(context.Background(), "testdata/ntidigits_small.hdf5", NTIDIGITSOptions{All: true, Split: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if all.Len() != 14 || !reflect.DeepEqual(all.Classes[11:], []string{"1z3", "55"}) {
		t.Errorf("all=1: %d samples, classes %v", all.Len(), all.Classes)
	}
	if _, err := ReadNTIDIGITS(context.Background(), "testdata/ntidigits_small.hdf5", NTIDIGITSOptions{Split: "dev"}); err == nil {
		t.Error("split=dev accepted")
	}
}

// TestReadNTIDIGITSFromH5py writes fresh files with several h5py settings
// and reads them back.
func TestReadNTIDIGITSFromH5py(t *testing.T) {
	py := h5pyPython(t)
	dir := t.TempDir()
	genNTIDIGITS(t, py, dir)
	for _, v := range []struct {
		name   string
		ntrain int
	}{
		{"default", 14}, {"chunked", 14}, {"latest", 14}, {"latestchunked", 14},
		{"vlen", 14}, {"many", 300}, {"dense", 300}, {"dtypes", 14},
	} {
		t.Run(v.name, func(t *testing.T) {
			path := filepath.Join(dir, v.name+".hdf5")
			d, err := ReadNTIDIGITS(context.Background(), path, NTIDIGITSOptions{All: true})
			if err != nil {
				t.Fatal(err)
			}
			checkGenerated(t, d, v.ntrain, true)
		})
	}
	for _, v := range []struct{ name, msg string }{
		{"badts", "timestamp -0.5"},
		{"badch", "address 64"},
	} {
		t.Run(v.name, func(t *testing.T) {
			path := filepath.Join(dir, v.name+".hdf5")
			_, err := ReadNTIDIGITS(context.Background(), path, NTIDIGITSOptions{})
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != path || fe.Offset <= 0 || !strings.Contains(err.Error(), v.msg) {
				t.Errorf("error %v, want a FormatError for %s at a positive offset mentioning %q", err, path, v.msg)
			}
		})
	}
}

func TestReadNTIDIGITSRejects(t *testing.T) {
	fixture, err := os.ReadFile("testdata/ntidigits_small.hdf5")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"wrong format", []byte("RIFF\x24\x00\x00\x00WAVEfmt ")},
		{"truncated header", fixture[:40]},
		{"truncated", fixture[:len(fixture)/2]},
		{"superblock damaged", append(append([]byte{}, fixture[:13]...), append([]byte{3}, fixture[14:]...)...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := write(c.name+".hdf5", c.b)
			_, err := ReadNTIDIGITS(context.Background(), p, NTIDIGITSOptions{})
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != p || fe.Offset < 0 || fe.Offset > int64(len(c.b)) {
				t.Fatalf("error %v, want a FormatError naming %s and an offset within the file", err, p)
			}
			if strings.Count(err.Error(), p) != 1 {
				t.Errorf("error names the file %d times: %v", strings.Count(err.Error(), p), err)
			}
		})
	}
	// Not N-TIDIGITS: a valid HDF5 file without the datasets.
	if _, err := ReadNTIDIGITS(context.Background(), filepath.Join(dir, "missing.hdf5"), NTIDIGITSOptions{}); err == nil {
		t.Error("missing file read")
	}
}
