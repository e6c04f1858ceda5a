package convert_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"image"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// idx builds an idx file: magic, dims, data.
func idx(magic uint32, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	z := gzip.NewWriter(&out)
	z.Write(b)
	z.Close()
	return out.Bytes()
}

// TestLoadMNIST reads the real MNIST files of the GoMNIST module: the first
// ten training labels are 5 0 4 1 9 2 1 3 1 4 (the nmnist data notes,
// SOURCE.md, which matches them to NMNISTsmall), images are 28×28.
func TestLoadMNIST(t *testing.T) {
	imgs, labels := mnistTrain(t, 10)
	want := []uint8{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}
	if !bytes.Equal(labels, want) {
		t.Errorf("first labels %v, want %v", labels, want)
	}
	for i, g := range imgs {
		if g.Rect != image.Rect(0, 0, 28, 28) {
			t.Fatalf("image %d is %v", i, g.Rect)
		}
	}
	dir, err := convert.MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	test, tl, err := convert.LoadMNIST(dir, "test", 10)
	if err != nil {
		t.Fatal(err)
	}
	// First MNIST test labels: 7 2 1 0 4 1 4 9 5 9 (SOURCE.md).
	if !bytes.Equal(tl, []uint8{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}) || len(test) != 10 {
		t.Errorf("first test labels %v", tl)
	}
	if _, _, err := convert.LoadMNIST(dir, "validation", 1); err == nil {
		t.Error("unknown set: no error")
	}
	if _, _, err := convert.LoadMNIST(t.TempDir(), "train", 1); err == nil {
		t.Error("empty folder: no error")
	}
}

func TestReadMNISTBad(t *testing.T) {
	pix := bytes.Repeat([]byte{7}, 2*3*4)
	good := idx(0x803, []uint32{2, 3, 4}, pix)
	imgs, err := convert.ReadMNISTImages(bytes.NewReader(good), "good", 0)
	if err != nil || len(imgs) != 2 || imgs[1].Rect.Dx() != 4 || imgs[1].Rect.Dy() != 3 || imgs[1].Pix[11] != 7 {
		t.Fatalf("good file: %d images, err %v", len(imgs), err)
	}
	if imgs, err := convert.ReadMNISTImages(bytes.NewReader(gz(good)), "good.gz", 1); err != nil || len(imgs) != 1 {
		t.Fatalf("gzip, limit 1: %d images, err %v", len(imgs), err)
	}
	for _, tc := range []struct {
		name   string
		b      []byte
		offset int64
	}{
		{"empty", nil, 0},
		{"short header", good[:10], 10},
		{"wrong magic", idx(0x801, []uint32{2, 3, 4}, pix), 0},
		{"zero rows", idx(0x803, []uint32{2, 0, 4}, pix), 8},
		{"huge image", idx(0x803, []uint32{1, 1 << 20, 1 << 20}, nil), 8},
		{"truncated pixels", good[:len(good)-5], 16 + 12 + 7},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, 0},
	} {
		_, err := convert.ReadMNISTImages(bytes.NewReader(tc.b), tc.name, 0)
		var fe *events.FormatError
		if !errors.As(err, &fe) || !errors.Is(err, events.ErrFormat) {
			t.Errorf("%s: error %v, want an events.FormatError", tc.name, err)
			continue
		}
		if fe.File != tc.name || fe.Offset != tc.offset {
			t.Errorf("%s: error names %q at offset %d, want %q at %d", tc.name, fe.File, fe.Offset, tc.name, tc.offset)
		}
	}
	labels := idx(0x801, []uint32{3}, []byte{1, 2, 3})
	if l, err := convert.ReadMNISTLabels(bytes.NewReader(labels), "l", 0); err != nil || !bytes.Equal(l, []byte{1, 2, 3}) {
		t.Errorf("labels %v, err %v", l, err)
	}
	for _, tc := range []struct {
		name   string
		b      []byte
		offset int64
	}{
		{"label 10", idx(0x801, []uint32{3}, []byte{1, 10, 3}), 9},
		{"truncated labels", idx(0x801, []uint32{5}, []byte{1, 2}), 10},
		{"image magic", idx(0x803, []uint32{3}, []byte{1, 2, 3}), 0},
	} {
		_, err := convert.ReadMNISTLabels(bytes.NewReader(tc.b), tc.name, 0)
		var fe *events.FormatError
		if !errors.As(err, &fe) || fe.Offset != tc.offset || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: error %v, want a FormatError at offset %d", tc.name, err, tc.offset)
		}
	}
}

func FuzzReadMNISTImages(f *testing.F) {
	f.Add(idx(0x803, []uint32{2, 3, 4}, bytes.Repeat([]byte{7}, 24)))
	f.Add(gz(idx(0x803, []uint32{1, 2, 2}, []byte{1, 2, 3, 4})))
	f.Add(idx(0x803, []uint32{1 << 30, 28, 28}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		imgs, err := convert.ReadMNISTImages(bytes.NewReader(b), "fuzz", 64)
		if err != nil {
			if !errors.Is(err, events.ErrFormat) {
				t.Fatalf("error %v is not an events.ErrFormat", err)
			}
			return
		}
		for _, g := range imgs {
			if len(g.Pix) != g.Rect.Dx()*g.Rect.Dy() {
				t.Fatal("image with inconsistent size")
			}
		}
	})
}

func FuzzReadMNISTLabels(f *testing.F) {
	f.Add(idx(0x801, []uint32{3}, []byte{1, 2, 3}))
	f.Add(gz(idx(0x801, []uint32{2}, []byte{9, 0})))
	f.Fuzz(func(t *testing.T, b []byte) {
		labels, err := convert.ReadMNISTLabels(bytes.NewReader(b), "fuzz", 1<<16)
		if err != nil {
			if !errors.Is(err, events.ErrFormat) {
				t.Fatalf("error %v is not an events.ErrFormat", err)
			}
			return
		}
		for _, l := range labels {
			if l > 9 {
				t.Fatalf("label %d accepted", l)
			}
		}
	})
}
