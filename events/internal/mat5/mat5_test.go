package mat5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// builder writes Level 5 MAT-files for the tests, element by element, as
// the format document describes them (MATLAB's own writer also stores
// integer-valued doubles in smaller types, which scipy never does).
type builder struct {
	o order
}

type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func (w builder) header() []byte {
	h := []byte(strings.Repeat(" ", 116))
	copy(h, "MATLAB 5.0 MAT-file, written by the mat5 tests")
	h = append(h, make([]byte, 8)...)
	h = w.o.AppendUint16(h, 0x0100)
	if w.o.String() == binary.LittleEndian.String() {
		return append(h, 'I', 'M')
	}
	return append(h, 'M', 'I')
}

// element is a tag and data padded to 8 bytes; small ones (≤ 4 bytes) use
// the packed form when small is set.
func (w builder) element(typ uint32, data []byte, small bool) []byte {
	if small && len(data) <= 4 {
		b := w.o.AppendUint32(nil, uint32(len(data))<<16|typ)
		return append(b, append(data, make([]byte, 4-len(data))...)...)
	}
	b := w.o.AppendUint32(nil, typ)
	b = w.o.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	return append(b, make([]byte, (8-len(data)%8)%8)...)
}

// matrix is an miMATRIX of class class, dims, name and real part stored as
// element type typ (values encoded by enc).
func (w builder) matrix(class byte, flags uint32, dims []int32, name string, typ uint32, real []byte) []byte {
	f := w.o.AppendUint32(nil, flags|uint32(class))
	f = w.o.AppendUint32(f, 0)
	var d []byte
	for _, v := range dims {
		d = w.o.AppendUint32(d, uint32(v))
	}
	body := w.element(miUINT32, f, false)
	body = append(body, w.element(miINT32, d, false)...)
	body = append(body, w.element(miINT8, []byte(name), true)...)
	body = append(body, w.element(typ, real, false)...)
	return w.element(miMATRIX, body, false)
}

func (w builder) compressed(elem []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(elem)
	zw.Close()
	b := w.o.AppendUint32(nil, miCOMPRESSED)
	b = w.o.AppendUint32(b, uint32(z.Len()))
	return append(b, z.Bytes()...)
}

func (w builder) doubles(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = w.o.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

var lim = Limits{Array: 1 << 20, Expanded: 1 << 22}

func TestReadNumeric(t *testing.T) {
	for _, o := range []order{binary.LittleEndian, binary.BigEndian} {
		w := builder{o}
		f := w.header()
		// A 2×3 double stored as doubles, compressed.
		f = append(f, w.compressed(w.matrix(6, 0, []int32{2, 3}, "x", miDOUBLE, w.doubles(1, 2, 3, 4, 5, 6.5)))...)
		// A 2×2×2 double stored as miUINT8 (MATLAB's compaction), short name.
		f = append(f, w.matrix(6, 0, []int32{2, 2, 2}, "cube", miUINT8, []byte{0, 1, 2, 3, 4, 5, 6, 255})...)
		// An int16 class stored as miINT16, logical flag ignored for values.
		f = append(f, w.matrix(10, 0, []int32{1, 2}, "i16", miINT16, o.AppendUint16(o.AppendUint16(nil, 0xffff), 7))...)
		// A cell array: skipped when reading everything.
		f = append(f, w.element(miMATRIX, append(w.element(miUINT32, o.AppendUint32(o.AppendUint32(nil, 1), 0), false),
			append(w.element(miINT32, o.AppendUint32(o.AppendUint32(nil, 0), 0), false), w.element(miINT8, []byte("c"), true)...)...), false)...)
		got, err := Read("t.mat", f, nil, lim)
		if err != nil {
			t.Fatalf("%v: %v", o, err)
		}
		want := []Array{
			{Name: "x", Class: "double", Dims: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6.5}},
			{Name: "cube", Class: "double", Dims: []int{2, 2, 2}, Data: []float64{0, 1, 2, 3, 4, 5, 6, 255}},
			{Name: "i16", Class: "int16", Dims: []int{1, 2}, Data: []float64{-1, 7}},
		}
		for i := range got {
			got[i].Offset = 0
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v:\n got %+v\nwant %+v", o, got, want)
		}
		// Only the wanted ones.
		got, err = Read("t.mat", f, func(n string) bool { return n == "cube" }, lim)
		if err != nil || len(got) != 1 || got[0].Name != "cube" {
			t.Fatalf("want cube: %v %+v", err, got)
		}
	}
}

func TestReadErrors(t *testing.T) {
	w := builder{binary.LittleEndian}
	h := w.header()
	v73 := append([]byte("MATLAB 7.3 MAT-file"), make([]byte, 600)...)
	copy(v73[512:], "\x89HDF\r\n\x1a\n")
	bomb := w.header()
	// A compressed variable claiming 1 GB: refused before decompressing it.
	big := w.o.AppendUint32(nil, miMATRIX)
	big = w.o.AppendUint32(big, 1<<30)
	bomb = append(bomb, w.compressed(append(big, make([]byte, 64)...))...)
	for _, c := range []struct {
		name string
		b    []byte
		want func(name string) bool
		kind error
		msg  string
	}{
		{"empty", nil, nil, ErrFormat, "empty file"},
		{"short", h[:100], nil, ErrFormat, "truncated header"},
		{"v4", make([]byte, 200), nil, ErrFormat, "version 4"},
		{"v7.3", v73, nil, ErrUnsupported, "HDF5"},
		{"endian", append(append([]byte(nil), h[:126]...), 'X', 'X'), nil, ErrFormat, "endian indicator"},
		{"truncated tag", append(append([]byte(nil), h...), 14, 0, 0), nil, ErrFormat, "truncated element tag"},
		{"overlong", append(append([]byte(nil), h...), w.element(miMATRIX, make([]byte, 16), false)[:12]...), nil, ErrFormat, "only"},
		{"complex", append(append([]byte(nil), h...), w.matrix(6, 0x0800, []int32{1, 1}, "z", miDOUBLE, w.doubles(1))...), nil, ErrUnsupported, "complex"},
		{"cell wanted", append(append([]byte(nil), h...), w.matrix(1, 0, []int32{1, 1}, "c", miDOUBLE, w.doubles(1))...), func(string) bool { return true }, ErrUnsupported, "cell array"},
		{"size mismatch", append(append([]byte(nil), h...), w.matrix(6, 0, []int32{2, 2}, "m", miDOUBLE, w.doubles(1, 2, 3))...), nil, ErrFormat, "want 32"},
		{"negative dim", append(append([]byte(nil), h...), w.matrix(6, 0, []int32{-1, 2}, "m", miDOUBLE, nil)...), nil, ErrFormat, "negative dimension"},
		{"bomb", bomb, nil, ErrLimit, "over the read limit"},
		{"not zlib", append(append([]byte(nil), h...), w.o.AppendUint32(w.o.AppendUint32(nil, miCOMPRESSED), 4)...), nil, ErrFormat, "only"},
		{"bad zlib", append(append(append([]byte(nil), h...), w.o.AppendUint32(w.o.AppendUint32(nil, miCOMPRESSED), 4)...), 1, 2, 3, 4), nil, ErrFormat, "zlib"},
	} {
		_, err := Read("bad.mat", c.b, c.want, lim)
		var me *Error
		if !errors.As(err, &me) || !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) || me.File != "bad.mat" {
			t.Errorf("%s: %v; want a %v naming bad.mat saying %q", c.name, err, c.kind, c.msg)
		}
	}
}

func FuzzRead(f *testing.F) {
	w := builder{binary.LittleEndian}
	f.Add(append(w.header(), w.compressed(w.matrix(6, 0, []int32{2, 2}, "neuralActivityCube_a", miDOUBLE, w.doubles(1, 2, 3, 4)))...))
	f.Add(append(w.header(), w.matrix(6, 0, []int32{1, 3}, "y", miUINT8, []byte{1, 2, 3})...))
	f.Fuzz(func(t *testing.T, b []byte) {
		arrays, err := Read("fuzz.mat", b, nil, Limits{Array: 1 << 16, Expanded: 1 << 18})
		if err != nil {
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		for _, a := range arrays {
			n := 1
			for _, d := range a.Dims {
				n *= d
			}
			if n != len(a.Data) {
				t.Fatalf("%s: dims %v but %d values", a.Name, a.Dims, len(a.Data))
			}
		}
	})
}
