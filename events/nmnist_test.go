package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeNMNISTRealFiles(t *testing.T) {
	// Expected values: the nmnist data notes ("Decoded statistics").
	cases := []struct {
		file         string
		events, on   int
		tFirst, tMax uint32
		first        Event2D
	}{
		{"nmnist/NMNISTsmall/1.bs2", 4681, 2328, 893, 305924, Event2D{T: 893, X: 18, Y: 16, P: 1}},
		{"nmnist/tonic/test/test_data/sample_nmnist.bin", 4325, 2145, 654, 311175, Event2D{}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			p := SharedData(t, c.file)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := DecodeNMNIST(p, b, nil)
			if err != nil {
				t.Fatal(err)
			}
			on := 0
			for _, e := range ev {
				on += int(e.P)
			}
			if len(ev) != c.events || on != c.on || ev[0].T != c.tFirst || ev[len(ev)-1].T != c.tMax {
				t.Errorf("%d events, %d ON, t %d..%d; want %d, %d, %d..%d", len(ev), on, ev[0].T, ev[len(ev)-1].T, c.events, c.on, c.tFirst, c.tMax)
			}
			if c.first != (Event2D{}) && ev[0] != c.first {
				t.Errorf("first event %+v, want %+v", ev[0], c.first)
			}
			back, err := EncodeNMNIST(nil, ev)
			if err != nil || string(back) != string(b) {
				t.Errorf("re-encoding differs from the file (err %v)", err)
			}
		})
	}
}

func TestDecodeNMNISTOverflowMarker(t *testing.T) {
	// Two pixel events, an overflow marker (y == 240), two more: tonic's
	// read_mnist_file adds 2^13 µs to every event after the marker.
	raw := []byte{
		1, 2, 0x80, 0x00, 0x10, // x=1 y=2 ON t=16
		3, 4, 0x00, 0x1f, 0xff, // x=3 y=4 OFF t=8191
		0, 240, 0x00, 0x00, 0x00, // marker
		5, 6, 0x80, 0x00, 0x01, // t=1 → 8193
		7, 8, 0x00, 0x00, 0x02, // t=2 → 8194
	}
	got, err := DecodeNMNIST("m.bin", raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event2D{{T: 16, X: 1, Y: 2, P: 1}, {T: 8191, X: 3, Y: 4}, {T: 8193, X: 5, Y: 6, P: 1}, {T: 8194, X: 7, Y: 8}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestDecodeNMNISTRejects(t *testing.T) {
	ok := []byte{1, 2, 0x80, 0, 5}
	cases := []struct {
		name    string
		b       []byte
		off     int64
		wantEOF bool
	}{
		{"empty", nil, 0, true},
		{"truncated", append(append([]byte{}, ok...), 1, 2, 3), 5, true},
		{"x out of range", append(append([]byte{}, ok...), 34, 0, 0, 0, 9), 5, false},
		{"y out of range", append(append([]byte{}, ok...), 0, 239, 0, 0, 9), 5, false},
		{"time goes back", append(append([]byte{}, ok...), 0, 0, 0, 0, 4), 5, false},
		{"wrong format", []byte("RIFF\x24\x00\x00\x00WAVE"), 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeNMNIST("f.bin", c.b, nil)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if fe.File != "f.bin" || fe.Offset != c.off {
				t.Errorf("error at %s:%d, want f.bin:%d (%v)", fe.File, fe.Offset, c.off, err)
			}
			if c.wantEOF != errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("errors.Is(ErrUnexpectedEOF) = %v (%v)", !c.wantEOF, err)
			}
		})
	}
}

func TestEncodeNMNISTRejects(t *testing.T) {
	for _, e := range []Event2D{{X: 256}, {Y: 240}, {P: 2}, {T: 1 << 23}} {
		if _, err := EncodeNMNIST(nil, []Event2D{e}); err == nil {
			t.Errorf("encoded %+v", e)
		}
	}
}

// writeBin writes events as an N-MNIST .bin file.
func writeBin(t *testing.T, path string, ev []Event2D) {
	t.Helper()
	b, err := EncodeNMNIST(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadNMNISTOfficialLayout(t *testing.T) {
	dir := t.TempDir()
	ev := func(n int) []Event2D { return []Event2D{{T: uint32(n), X: uint16(n), Y: 1, P: 1}} }
	writeBin(t, filepath.Join(dir, "Train", "3", "10.bin"), ev(10))
	writeBin(t, filepath.Join(dir, "Train", "3", "9.bin"), ev(9))
	writeBin(t, filepath.Join(dir, "Train", "0", "1.bin"), ev(1))
	writeBin(t, filepath.Join(dir, "Test", "7", "00002.bin"), ev(2))
	d, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range d.Samples {
		got = append(got, s.ID+":"+d.Classes[s.Label]+":"+s.Meta["split"])
	}
	want := []string{"Train/0/1.bin:0:train", "Train/3/9.bin:3:train", "Train/3/10.bin:3:train", "Test/7/00002.bin:7:test"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("samples %v, want %v", got, want)
	}
	if d.Samples[2].Events2D[0].X != 10 {
		t.Errorf("sample 2 holds the wrong file's events")
	}
	test, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{Split: "test"})
	if err != nil || test.Len() != 1 {
		t.Errorf("split=test: %v, %v", test, err)
	}
	if _, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{Split: "valid"}); err == nil {
		t.Errorf("split=valid did not fail")
	}
}

func TestReadNMNISTSlayerLayoutErrors(t *testing.T) {
	dir := t.TempDir()
	writeBin(t, filepath.Join(dir, "1.bs2"), []Event2D{{T: 1, X: 1, Y: 1}})
	os.WriteFile(filepath.Join(dir, "2.bs2"), []byte{1, 2, 3}, 0o644) // truncated
	list := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct{ name, list, wantInErr string }{
		{"missing file", list("a.txt", "#sample #class\n1\t3\n5\t2\n"), "byte offset 19"},
		{"bad label", list("b.txt", "#sample #class\n1\t12\n"), "byte offset 15"},
		{"bad row", list("c.txt", "#sample #class\n1 2 3\n"), "byte offset 15"},
		{"empty list", list("d.txt", ""), "byte offset 0"},
		{"truncated recording", list("e.txt", "#sample #class\n1\t3\n2\t4\n"), "2.bs2: byte offset 0"},
		{"duplicate", list("f.txt", "1\t3\n1\t3\n"), "byte offset 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadNMNIST(context.Background(), c.list, NMNISTOptions{})
			if err == nil || !strings.Contains(err.Error(), c.wantInErr) {
				t.Errorf("error %v, want one containing %q", err, c.wantInErr)
			}
		})
	}
	good := list("good.txt", "#sample #class\n1\t3\n")
	d, err := ReadNMNIST(context.Background(), good, NMNISTOptions{})
	if err != nil || d.Len() != 1 || d.Samples[0].Label != 3 || d.Samples[0].Meta["split"] != "good" {
		t.Errorf("good list: %+v, %v", d, err)
	}
	// The folder holds several lists, some bad: reading it fails.
	if _, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{}); err == nil {
		t.Error("folder with bad lists read without error")
	}
	if _, err := ReadNMNIST(context.Background(), t.TempDir(), NMNISTOptions{}); err == nil {
		t.Error("empty folder read without error")
	}
}

// TestReadNMNISTSmall checks the whole NMNISTsmall folder against the
// numbers of the brief (counted independently with Python, SOURCE.md).
func TestReadNMNISTSmall(t *testing.T) {
	dir := SharedData(t, "nmnist/NMNISTsmall")
	d, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := d.Stats()
	if st.Samples != 1000 || st.Events != 4_133_231 || st.EventsOn != 2_059_426 || st.EventsOff != 2_073_805 ||
		st.TMaxUS != 315_109 || len(st.Classes) != 10 {
		t.Errorf("stats %+v", st)
	}
	// train1K.txt row 1 is "1\t5": MNIST training sample 1 is a 5 (SOURCE.md).
	if s := d.Samples[0]; s.ID != "1.bs2" || s.Label != 5 || s.Meta["split"] != "train" || len(s.Events2D) != 4681 {
		t.Errorf("first sample %s label %d split %q, %d events", s.ID, s.Label, s.Meta["split"], len(s.Events2D))
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
}

func TestReadNMNISTCancel(t *testing.T) {
	dir := SharedData(t, "nmnist/NMNISTsmall")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadNMNIST(ctx, dir, NMNISTOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read returned %v", err)
	}
}

func FuzzDecodeNMNIST(f *testing.F) {
	f.Add([]byte{1, 2, 0x80, 0, 5})
	f.Add([]byte{1, 2, 0x80, 0, 5, 0, 240, 0, 0, 0, 3, 3, 0, 0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := DecodeNMNIST("fuzz.bin", b, nil)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if len(ev) > len(b)/5 {
			t.Fatalf("%d events from %d bytes", len(ev), len(b))
		}
		for i, e := range ev {
			if e.X >= 34 || e.Y >= 34 || e.P > 1 || (i > 0 && e.T < ev[i-1].T) {
				t.Fatalf("event %d %+v breaks the invariants", i, e)
			}
		}
	})
}

// BenchmarkReadNMNIST1000 reads and decodes the 1000 NMNISTsmall files
// (the brief: "well under a second").
// (workers=0 is the default, 2×GOMAXPROCS.)
func BenchmarkReadNMNIST1000(b *testing.B) {
	dir := SharedData(b, "nmnist/NMNISTsmall")
	for _, w := range []int{0, 1, 2, 8} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			for b.Loop() {
				if _, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{Workers: w}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeNMNIST4681(b *testing.B) {
	p := SharedData(b, "nmnist/NMNISTsmall/1.bs2")
	raw, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]Event2D, 0, len(raw)/5)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if dst, err = DecodeNMNIST(p, raw, dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
