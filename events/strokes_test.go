package events

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// npyBytes builds a version-1.0 .npy file of the given dtype and shape
// around data.
func npyBytes(descr, shape string, data []byte) []byte {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	h += strings.Repeat(" ", (64-(10+len(h)+1)%64)%64) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), data...)
}

// f8 encodes float64s little-endian.
func f8(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

// i4 encodes int32s little-endian.
func i4(v ...int) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(x)))
	}
	return b
}

func sampleTrajectories() ([]Trajectory, []int) {
	return []Trajectory{
		{X0: 5, Y0: 8, Moves: []PenMove{{DX: 1, DY: -1}, {DX: 1}, {DY: 1}}},
		{X0: 4, Y0: 4, Moves: []PenMove{{DY: 1}, {DY: 1}, {DX: 3, DY: -2, Up: true}, {DX: -1, DY: 1}}},
		{X0: 10, Y0: 2, Moves: []PenMove{{DX: -1, DY: 1}}},
	}, []int{3, 4, 7}
}

func TestStrokesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tr, lb := sampleTrajectories()
	if err := WriteStrokeFiles(dir, "test", tr, lb, 12); err != nil {
		t.Fatal(err)
	}
	set, err := ReadStrokes(context.Background(), dir, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(set.Labels, lb) || !reflect.DeepEqual(set.Index, []int{0, 1, 2}) || !reflect.DeepEqual(set.Trajectories, tr) {
		t.Fatalf("round trip: labels %v index %v\n got %+v\nwant %+v", set.Labels, set.Index, set.Trajectories, tr)
	}
	if got := set.Trajectories[1].Strokes(); got != 2 {
		t.Errorf("strokes = %d, want 2", got)
	}
	if got, want := set.Trajectories[1].Length(), 2+math.Hypot(3, 2)+math.Sqrt2; math.Abs(got-want) > 1e-6 {
		t.Errorf("length = %v, want %v", got, want)
	}
	// keep: only the 4; reading stops after it.
	set, err = ReadStrokes(context.Background(), dir, "test", func(i, l int) bool { return l == 4 })
	if err != nil || !reflect.DeepEqual(set.Index, []int{1}) || len(set.Trajectories) != 1 || len(set.Labels) != 3 {
		t.Fatalf("keep: %v, %+v", err, set)
	}
	// Files exist now: writing again must refuse and leave them intact.
	before, _ := os.ReadFile(filepath.Join(dir, "test-labels.tar.gz"))
	if err := WriteStrokeFiles(dir, "test", tr[:1], lb[:1], 0); err == nil {
		t.Fatal("overwrote existing stroke files")
	}
	after, _ := os.ReadFile(filepath.Join(dir, "test-labels.tar.gz"))
	if !bytes.Equal(before, after) {
		t.Fatal("a refused write changed the existing labels file")
	}
	// A split that is not there names what it looked for.
	if _, err := ReadStrokes(context.Background(), dir, "train", nil); err == nil || !strings.Contains(err.Error(), "train-padded-trailing.tar.gz or train-padded-trailing.npy") {
		t.Fatalf("missing split: %v", err)
	}
}

// TestStrokesPlainNPY reads the .npy files themselves, in other dtypes
// (float32 data, uint8 labels), as NumPy may write them.
func TestStrokesPlainNPY(t *testing.T) {
	dir := t.TempDir()
	var data []byte
	for _, v := range []float32{2, 3, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0} {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	write(t, filepath.Join(dir, "x-padded-trailing.npy"), npyBytes("<f4", "(1, 4, 4)", data))
	write(t, filepath.Join(dir, "x-labels.npy"), npyBytes("|u1", "(1,)", []byte{9}))
	set, err := ReadStrokes(context.Background(), dir, "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Trajectory{X0: 2, Y0: 3, Moves: []PenMove{{DX: 1}}}
	if !reflect.DeepEqual(set.Trajectories, []Trajectory{want}) || set.Labels[0] != 9 {
		t.Fatalf("got %+v labels %v", set.Trajectories, set.Labels)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStrokesErrors: every malformed input is one *FormatError naming the
// file and the offset of the problem.
func TestStrokesErrors(t *testing.T) {
	good := f8(5, 8, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1) // 1 sequence of 3 rows
	// Offsets inside the data: the header of npyBytes is 128 bytes for
	// these shapes (10 + padded dict).
	hdr := int64(len(npyBytes("<f8", "(1, 3, 4)", nil)))
	for _, c := range []struct {
		name       string
		traj, labs []byte
		want       string
		off        int64 // -1: do not check
	}{
		{"bad magic", []byte("NUMPY not really"), npyBytes("<i4", "(1,)", i4(3)), "bad magic", 0},
		{"empty", nil, npyBytes("<i4", "(1,)", i4(3)), "empty .npy file", 0},
		{"truncated data", npyBytes("<f8", "(1, 3, 4)", good[:40]), npyBytes("<i4", "(1,)", i4(3)), "needs 96 data bytes, the file holds 40", hdr},
		{"wrong shape", npyBytes("<f8", "(1, 12)", good), npyBytes("<i4", "(1,)", i4(3)), "want numbers of shape (N, L, 4)", 0},
		{"fortran", []byte(strings.Replace(string(npyBytes("<f8", "(1, 3, 4)", good)), "False", "True ", 1)), npyBytes("<i4", "(1,)", i4(3)), "Fortran-ordered", 10},
		{"label count", npyBytes("<f8", "(1, 3, 4)", good), npyBytes("<i4", "(2,)", i4(3, 4)), "1 sequences but 2 labels", 0},
		{"label range", npyBytes("<f8", "(1, 3, 4)", good), npyBytes("<i4", "(1,)", i4(12)), "label 12 of sequence 0 is not a digit", hdr},
		{"label dtype", npyBytes("<f8", "(1, 3, 4)", good), npyBytes("<f8", "(1,)", f8(3)), "want integers of shape (N,)", 0},
		{"NaN move", npyBytes("<f8", "(1, 3, 4)", f8(5, 8, 0, 0, math.NaN(), 0, 0, 0, 0, 0, 1, 1)), npyBytes("<i4", "(1,)", i4(3)), "row 1: move NaN", hdr + 32},
		{"flag", npyBytes("<f8", "(1, 3, 4)", f8(5, 8, 0, 0, 1, 0, 0.5, 0, 0, 0, 1, 1)), npyBytes("<i4", "(1,)", i4(3)), "end-of-stroke flag 0.5", hdr + 48},
		{"no end", npyBytes("<f8", "(1, 3, 4)", f8(5, 8, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0)), npyBytes("<i4", "(1,)", i4(3)), "no end-of-digit row", hdr},
		{"padding", npyBytes("<f8", "(1, 3, 4)", f8(5, 8, 0, 0, 0, 0, 1, 1, 7, 0, 0, 0)), npyBytes("<i4", "(1,)", i4(3)), "not zero padding", hdr + 64},
		{"start", npyBytes("<f8", "(1, 3, 4)", f8(5, 8, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1)), npyBytes("<i4", "(1,)", i4(3)), "want (x, y, 0, 0)", hdr + 16},
		{"huge shape", npyBytes("<f8", "(2000000000, 65536, 4)", nil), npyBytes("<i4", "(1,)", i4(3)), "2000000000 sequences but 1 labels", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "train-padded-trailing.npy"), c.traj)
			write(t, filepath.Join(dir, "train-labels.npy"), c.labs)
			_, err := ReadStrokes(context.Background(), dir, "train", nil)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FormatError", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(fe.File, dir) {
				t.Fatalf("err = %v, want %q naming a file in %s", err, c.want, dir)
			}
			if c.off >= 0 && fe.Offset != c.off {
				t.Errorf("offset %d, want %d (%v)", fe.Offset, c.off, err)
			}
		})
	}
}

// TestStrokesArchiveErrors: archives that are not what they claim.
func TestStrokesArchiveErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "train-padded-trailing.tar.gz"), []byte("not gzip at all"))
	write(t, filepath.Join(dir, "train-labels.npy"), npyBytes("<i4", "(1,)", i4(3)))
	if _, err := ReadStrokes(context.Background(), dir, "train", nil); err == nil || !strings.Contains(err.Error(), "not a gzip-compressed archive") {
		t.Fatalf("not gzip: %v", err)
	}
	// A tar.gz without the .npy.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "README", Size: 2, Mode: 0o644})
	tw.Write([]byte("hi"))
	tw.Close()
	zw.Close()
	write(t, filepath.Join(dir, "train-padded-trailing.tar.gz"), buf.Bytes())
	if _, err := ReadStrokes(context.Background(), dir, "train", nil); err == nil || !strings.Contains(err.Error(), "holds no *-padded-trailing.npy") {
		t.Fatalf("no member: %v", err)
	}
	// A cancelled context stops the read.
	tr, lb := sampleTrajectories()
	if err := WriteStrokeFiles(dir, "ok", tr, lb, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadStrokes(ctx, dir, "ok", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestStrokesRealLayout reads the real data (E. D. de Jong's MNIST stroke
// sequences) and checks what its SOURCE.md says, then writes the first
// sequences again and compares the bytes: WriteStrokeFiles writes de
// Jong's encoding exactly.
func TestStrokesRealLayout(t *testing.T) {
	dir := SharedData(t, "strokes")
	set, err := ReadStrokes(context.Background(), dir, "train", func(i, _ int) bool { return i < 200 })
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Labels) != 50000 || len(set.Trajectories) != 200 {
		t.Fatalf("%d labels, %d trajectories", len(set.Labels), len(set.Trajectories))
	}
	// SOURCE.md: index 12 (label 3): 45 rows, one stroke, a final 0 0 1 1
	// (so 43 moves); MNIST's first training labels are 5 0 4 1 9 2 1 3.
	if tr := set.Trajectories[12]; set.Labels[12] != 3 || tr.Strokes() != 1 || len(tr.Moves) != 43 || tr.X0 != 5 || tr.Y0 != 8 {
		t.Fatalf("sequence 12: label %d, %d strokes, %d moves, start (%v, %v)", set.Labels[12], tr.Strokes(), len(tr.Moves), tr.X0, tr.Y0)
	}
	if got := set.Labels[:8]; !reflect.DeepEqual(got, []int{5, 0, 4, 1, 9, 2, 1, 3}) {
		t.Fatalf("labels %v", got)
	}
	out := t.TempDir()
	if err := WriteStrokeFiles(out, "train", set.Trajectories[:50], set.Labels[:50], 117); err != nil {
		t.Fatal(err)
	}
	a := npyData(t, filepath.Join(dir, "train-padded-trailing.tar.gz"), 50*117*4*8)
	b := npyData(t, filepath.Join(out, "train-padded-trailing.tar.gz"), 50*117*4*8)
	if !bytes.Equal(a, b) {
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("rewritten data differs first at byte %d (sequence %d, row %d)", i, i/(117*32), i%(117*32)/32)
			}
		}
	}
}

// npyData returns the first n data bytes of the .npy in a tar.gz.
func npyData(t *testing.T, path string, n int) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	if _, err := tr.Next(); err != nil {
		t.Fatal(err)
	}
	a, err := readNPYHeader(tr, "test", path)
	if err != nil {
		t.Fatal(err)
	}
	_ = a
	b := make([]byte, n)
	if _, err := io.ReadFull(tr, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzReadStrokes: no trajectory file makes the reader panic, hang or
// allocate beyond what the file's size justifies.
func FuzzReadStrokes(f *testing.F) {
	f.Add(npyBytes("<f8", "(1, 3, 4)", f8(5, 8, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1)))
	f.Add(npyBytes("<f4", "(1, 2, 4)", make([]byte, 32)))
	f.Add(npyBytes(">i2", "(1, 2, 4)", make([]byte, 16)))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"))
	dir := f.TempDir()
	labels := npyBytes("<i4", "(1,)", i4(3))
	if err := os.WriteFile(filepath.Join(dir, "train-labels.npy"), labels, 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "train-padded-trailing.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		set, err := ReadStrokes(context.Background(), dir, "train", nil)
		if err == nil && len(set.Trajectories) != 1 {
			t.Fatalf("no error but %d trajectories", len(set.Trajectories))
		}
		if err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("not a format error: %v", err)
		}
	})
}
