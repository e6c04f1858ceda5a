package hdf5

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

const fixture = "../../testdata/ntidigits_small.hdf5"

// walk opens every object reachable from the root (to depth 4) and reads
// every dataset, returning the first error.
func walk(f *File) (datasets int, err error) {
	root, err := f.Root()
	if err != nil {
		return 0, err
	}
	seen := map[uint64]bool{}
	var visit func(g *Group, depth int) error
	visit = func(g *Group, depth int) error {
		if depth > 4 || seen[g.addr] {
			return nil
		}
		seen[g.addr] = true
		for _, n := range g.Names() {
			if sub, err := g.Group(n); err == nil {
				if err := visit(sub, depth+1); err != nil {
					return err
				}
				continue
			}
			d, err := g.Dataset(n)
			if err != nil {
				return err
			}
			datasets++
			switch d.Type.Class {
			case String, VarString:
				_, err = d.Strings()
			case Integer:
				if _, err = d.Int64s(); err != nil {
					_, err = d.Float64s()
				}
			default:
				_, err = d.Float64s()
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return datasets, visit(root, 0)
}

func TestFixture(t *testing.T) {
	f, err := Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"test_addresses", "test_labels", "test_timestamps", "train_addresses", "train_labels", "train_timestamps"}
	if !reflect.DeepEqual(root.Names(), want) {
		t.Errorf("root members %v", root.Names())
	}
	labels, err := f.OpenDataset("/train_labels")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := labels.Strings()
	// Expected: gen_ntidigits.py's id rule (speaker cycle, label cycle).
	if err != nil || len(ids) != 14 || ids[0] != "man-ae-1" || ids[11] != "girl-de-1z3" {
		t.Fatalf("labels %q, %v", ids, err)
	}
	ch, err := f.OpenDataset("train_addresses/man-ae-1")
	if err != nil {
		t.Fatal(err)
	}
	// Sample 0 of gen_ntidigits.py: 3 events on channels 5j at j/64 s.
	if v, err := ch.Int64s(); err != nil || !reflect.DeepEqual(v, []int64{0, 5, 10}) {
		t.Errorf("addresses %v, %v", v, err)
	}
	ts, _ := f.OpenDataset("train_timestamps/man-ae-1")
	if v, err := ts.Float64s(); err != nil || !reflect.DeepEqual(v, []float64{0, 1.0 / 64, 2.0 / 64}) {
		t.Errorf("timestamps %v, %v", v, err)
	}
	if n, err := walk(f); err != nil || n != 2+2*20 {
		t.Errorf("walk: %d datasets, %v", n, err)
	}
	if _, err := f.OpenDataset("train_addresses/nobody-1"); !errors.Is(err, ErrFormat) {
		t.Errorf("missing member: %v", err)
	}
	if _, err := root.Dataset("train_addresses"); !errors.Is(err, ErrFormat) {
		t.Errorf("group opened as a dataset: %v", err)
	}
}

// h5py returns an interpreter with h5py or skips.
func h5py(t testing.TB) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import h5py").Run() == nil {
			return py
		}
	}
	t.Skip("no python3 with h5py (Debian: apt-get install python3-h5py); h5py cross-checks skipped")
	return ""
}

// TestH5pyVariants reads every variant of gen_ntidigits.py and checks that
// each exercises the feature it exists for.
func TestH5pyVariants(t *testing.T) {
	py := h5py(t)
	dir := t.TempDir()
	if b, err := exec.Command(py, "../../testdata/gen_ntidigits.py", dir, "--variant", "all").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	cases := []struct {
		variant string
		sbVer   int
		check   func(t *testing.T, f *File)
	}{
		{"default", 0, func(t *testing.T, f *File) { wantLayout(t, f, 1, -1) }},
		{"chunked", 0, func(t *testing.T, f *File) {
			d := wantLayout(t, f, 2, 0)
			if ids := filterIDs(d); !reflect.DeepEqual(ids, []uint16{2, 1, 3}) {
				t.Errorf("filters %v, want shuffle, deflate, fletcher32", ids)
			}
		}},
		{"latest", 3, func(t *testing.T, f *File) { wantLayout(t, f, 1, -1) }},
		{"latestchunked", 3, func(t *testing.T, f *File) {
			wantLayout(t, f, 2, 3)                               // 15 elements in chunks of 4: fixed array
			wantLayoutOf(t, f, "train_addresses/man-ae-1", 2, 1) // 3 elements: one chunk
		}},
		{"vlen", 0, func(t *testing.T, f *File) {
			d, _ := f.OpenDataset("train_labels")
			if d.Type.Class != VarString {
				t.Errorf("labels are %v", d.Type.Class)
			}
		}},
		{"many", 0, func(t *testing.T, f *File) {
			// 300 links: the group B-tree root is an internal node (level > 0).
			g, _ := f.OpenGroup("train_addresses")
			o, _ := f.readObject(rootAddrOf(t, f, "train_addresses"))
			c := o.find(msgSymbolTable).cursor(f)
			node, _ := f.read(c.addr(), 8, "node")
			if node.b[5] == 0 || len(g.Names()) != 300 {
				t.Errorf("B-tree level %d, %d names", node.b[5], len(g.Names()))
			}
		}},
		{"dense", 3, func(t *testing.T, f *File) {
			o, _ := f.readObject(rootAddrOf(t, f, "train_addresses"))
			m := o.find(msgLinkInfo)
			if m == nil {
				t.Fatal("no link info message")
			}
			c := m.cursor(f)
			c.skip(2)
			if heap := c.addr(); heap == undef {
				t.Error("links are not in dense storage")
			}
		}},
		{"dtypes", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.variant, func(t *testing.T) {
			f, err := Open(filepath.Join(dir, c.variant+".hdf5"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.sbVer != c.sbVer {
				t.Errorf("superblock version %d, want %d", f.sbVer, c.sbVer)
			}
			if _, err := walk(f); err != nil {
				t.Fatal(err)
			}
			if c.check != nil {
				c.check(t, f)
			}
		})
	}
	// The version-2 structures (OHDR, link messages, fixed arrays, global
	// heap) must fail as cleanly as the default fixture's when damaged.
	for _, v := range []string{"latest", "latestchunked", "vlen"} {
		b, err := os.ReadFile(filepath.Join(dir, v+".hdf5"))
		if err != nil {
			t.Fatal(err)
		}
		damage(t, b, 29)
	}
}

func rootAddrOf(t *testing.T, f *File, name string) uint64 {
	root, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root.links[name].addr
}

func filterIDs(d *Dataset) []uint16 {
	var ids []uint16
	for _, fl := range d.filters {
		ids = append(ids, fl.id)
	}
	return ids
}

func wantLayout(t *testing.T, f *File, class, index int) *Dataset {
	return wantLayoutOf(t, f, "train_addresses/boy-cd-5", class, index)
}

func wantLayoutOf(t *testing.T, f *File, path string, class, index int) *Dataset {
	t.Helper()
	d, err := f.OpenDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.layout.class != class || (index >= 0 && d.layout.index != index) {
		t.Errorf("%s: layout class %d index %d, want %d %d", path, d.layout.class, d.layout.index, class, index)
	}
	return d
}

// TestDamagedFixture truncates the fixture at many points and flips many of
// its bytes: the reader must fail with an *Error inside the file (or read
// the file if the damage is harmless), never panic.
func TestDamagedFixture(t *testing.T) {
	orig, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	step := 7
	if testing.Short() {
		step = 61
	}
	damage(t, orig, step)
}

// damage checks that truncated and corrupted copies of orig fail cleanly.
func damage(t *testing.T, orig []byte, step int) {
	t.Helper()
	check := func(b []byte, what string) {
		f, err := NewFile(bytes.NewReader(b), int64(len(b)), "damaged.h5")
		if err == nil {
			_, err = walk(f)
		}
		if err == nil {
			return
		}
		var he *Error
		if !errors.As(err, &he) || he.Offset < 0 || he.Offset > int64(len(b)) || he.File != "damaged.h5" {
			t.Fatalf("%s: error %v is not an *Error inside the file", what, err)
		}
		if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrLimit) {
			t.Fatalf("%s: error %v is neither ErrFormat, ErrUnsupported nor ErrLimit", what, err)
		}
	}
	for n := 0; n < len(orig); n += 53 {
		check(orig[:n], "truncated")
	}
	b := bytes.Clone(orig)
	for i := 0; i < len(b); i += step {
		b[i] ^= 0xA5
		check(b, "flipped")
		b[i] ^= 0xA5
	}
}

func TestRejectsNonHDF5(t *testing.T) {
	// The bare signature and a superblock cut after its version byte were
	// found by FuzzOpen (the error pointed past the end of the input).
	for _, b := range [][]byte{nil, []byte("\x89HDF\r\n"), signature, append(bytes.Clone(signature), 0, 0, 0, 0, 0),
		[]byte("RIFF\x24\x00\x00\x00WAVEfmt "), bytes.Repeat([]byte{0x12, 0x0a, 0x80, 0x03, 0x7d}, 300)} {
		_, err := NewFile(bytes.NewReader(b), int64(len(b)), "x")
		var he *Error
		if !errors.As(err, &he) || !errors.Is(err, ErrFormat) || he.Offset > int64(len(b)) {
			t.Errorf("%q: error %v", b[:min(len(b), 12)], err)
		}
	}
}

func TestLookup3(t *testing.T) {
	// Reference values of Bob Jenkins' lookup3.c driver (hashlittle of the
	// empty string with initval 0, and of "Four score and seven years ago"
	// with initval 0, printed by its driver5()).
	if got := lookup3(nil); got != 0xdeadbeef {
		t.Errorf("lookup3(\"\") = %08x, want deadbeef", got)
	}
	if got := lookup3([]byte("Four score and seven years ago")); got != 0x17770551 {
		t.Errorf("lookup3(Four score...) = %08x, want 17770551", got)
	}
}

func TestHalf(t *testing.T) {
	// IEEE 754 binary16 encodings (closed form).
	cases := map[uint16]float64{0x3c00: 1, 0xc000: -2, 0x3555: 0.333251953125, 0x0001: math.Pow(2, -24), 0x7bff: 65504, 0x0000: 0}
	for h, want := range cases {
		if got := half(h); got != want {
			t.Errorf("half(%#04x) = %v, want %v", h, got, want)
		}
	}
	if !math.IsInf(half(0x7c00), 1) || !math.IsNaN(half(0x7e00)) {
		t.Error("half: Inf or NaN wrong")
	}
}

func TestFletcher32(t *testing.T) {
	// HDF5 sums 16-bit BIG-endian words; the classic Fletcher-32 test vector
	// (little-endian words) "abcdef" = 0x56502D2A therefore holds for the
	// byte-swapped input "badcfe". (The chunked h5py variant of
	// TestH5pyVariants checks real HDF5-written checksums.)
	if got := fletcher32([]byte("badcfe")); got != 0x56502D2A {
		t.Errorf("fletcher32(badcfe) = %08x, want 56502d2a", got)
	}
}

func FuzzOpen(f *testing.F) {
	orig, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add(orig[:2048])
	// Seeds with version-2 structures, when h5py can write them.
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import h5py").Run() != nil {
			continue
		}
		dir := f.TempDir()
		if exec.Command(py, "../../testdata/gen_ntidigits.py", dir, "--variant", "all").Run() == nil {
			for _, v := range []string{"latest", "latestchunked", "vlen"} {
				if b, err := os.ReadFile(filepath.Join(dir, v+".hdf5")); err == nil {
					f.Add(b)
				}
			}
		}
		break
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := NewFile(bytes.NewReader(b), int64(len(b)), "fuzz.h5")
		if err == nil {
			_, err = walk(file)
		}
		if err != nil {
			var he *Error
			if !errors.As(err, &he) || he.Offset < 0 || he.Offset > int64(len(b)) {
				t.Fatalf("error %v is not an *Error inside the file", err)
			}
		}
	})
}

func BenchmarkWalkFixture20(b *testing.B) {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f, err := NewFile(bytes.NewReader(raw), int64(len(raw)), "bench.h5")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := walk(f); err != nil {
			b.Fatal(err)
		}
	}
}
