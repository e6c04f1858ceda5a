// Package mat5 reads numeric arrays from MATLAB's Level 5 MAT-files (the
// format of MATLAB's save with -v6 and -v7, and of scipy.io.savemat), in
// pure Go and within stated bounds.
//
// # The format
//
// A Level 5 MAT-file ("MAT-File Format", The MathWorks, R2018a, chapter 1)
// is a 128-byte header — 116 bytes of text, an 8-byte subsystem offset, a
// 2-byte version (0x0100) and the 2-byte endian indicator "IM" (little
// endian) or "MI" (big endian) — followed by data elements. Each element
// has an 8-byte tag (type, byte count) or, for at most 4 bytes of data, a
// 4-byte "small element" tag with the data packed beside it, and is padded
// to 8 bytes. A variable is an miMATRIX element holding sub-elements: the
// array flags (class, complex/logical bits), the dimensions, the name and
// the real part; version 7 wraps each variable in an miCOMPRESSED element,
// a zlib stream holding the miMATRIX. Numeric data may be stored in a
// smaller type than the class (MATLAB stores integer-valued doubles as
// miUINT8, miINT16, …); values are in column-major (Fortran) order.
//
// # What it reads
//
// Real, non-sparse numeric arrays (classes double, single and the integer
// classes) of any rank, stored in any numeric type, compressed or not, in
// either byte order, returned as float64 in column-major order. Variables
// it is not asked for are skipped without being decompressed beyond their
// name. Cells, structs, sparse, complex, character and object arrays are
// skipped when not asked for and reported when asked for. MAT-files of
// version 7.3 are HDF5 files (read them with an HDF5 reader); version 4
// files, which have no header, are reported as such.
//
// Every size is checked against the file and against Limits before
// anything is allocated, the total decompressed bytes are bounded (a zlib
// bomb fails fast), and no input makes the reader panic (it is fuzzed).
// Errors are *Error values naming the file and the byte offset — within
// the file, or within the decompressed stream of the variable at a given
// file offset.
package mat5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// ErrFormat is matched by errors about malformed input, ErrUnsupported by
// errors about valid MAT-file content this reader does not read, ErrLimit
// by errors about input larger than the Limits.
var (
	ErrFormat      = errors.New("malformed MAT-file")
	ErrUnsupported = errors.New("unsupported MAT-file content")
	ErrLimit       = errors.New("over the read limit")
)

// Error is an error at a place in a MAT-file.
type Error struct {
	File string
	// Offset is the byte offset in the file, or — when Stream is not
	// negative — in the decompressed data of the miCOMPRESSED element at
	// file offset Stream.
	Offset int64
	Stream int64
	Msg    string
	Err    error // ErrFormat, ErrUnsupported or ErrLimit, possibly wrapping a cause
}

func (e *Error) Error() string {
	where := fmt.Sprintf("byte offset %d", e.Offset)
	if e.Stream >= 0 {
		where = fmt.Sprintf("byte offset %d of the compressed variable at byte offset %d", e.Offset, e.Stream)
	}
	return fmt.Sprintf("mat5: %s: %s: %s", e.File, where, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Limits bound what one read may commit to.
type Limits struct {
	// Array is the largest decoded array in bytes (8 per element).
	Array int64
	// Expanded is the total number of bytes all decompressed elements
	// and decoded arrays may take.
	Expanded int64
}

// Array is a real numeric array: its name, its MATLAB class ("double",
// "single", "uint8", …), its dimensions and its values in column-major
// order.
type Array struct {
	Name  string
	Class string
	Dims  []int
	Data  []float64
	// Offset is the file offset of the variable's element (its
	// miCOMPRESSED element when compressed).
	Offset int64
}

// Element types (MAT-File Format, Table 1-1).
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
)

// Array classes (MAT-File Format, Table 1-3).
var classNames = map[byte]string{1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse",
	6: "double", 7: "single", 8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32",
	13: "uint32", 14: "int64", 15: "uint64"}

// typeSize is the byte size of a numeric element type (0 if not numeric).
func typeSize(t uint32) int {
	switch t {
	case miINT8, miUINT8:
		return 1
	case miINT16, miUINT16:
		return 2
	case miINT32, miUINT32, miSINGLE:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// reader walks the elements of one stream: the file, or one decompressed
// variable.
type reader struct {
	file   string
	order  binary.ByteOrder
	stream int64 // file offset of the miCOMPRESSED element, or -1
	b      []byte
	off    int64 // offset of b[0] in the stream
	lim    Limits
	used   *int64
}

func (r *reader) errf(off int64, kind error, msg string, args ...any) *Error {
	return &Error{File: r.file, Offset: off, Stream: r.stream, Msg: fmt.Sprintf(msg, args...), Err: kind}
}

// tag reads the tag at pos of b: element type, data length, the offset of
// the data and of the next element (padded to 8 bytes).
func (r *reader) tag(pos int) (typ uint32, n, data, next int, err error) {
	if len(r.b)-pos < 8 {
		return 0, 0, 0, 0, r.errf(r.off+int64(pos), ErrFormat, "truncated element tag (%d of 8 bytes)", len(r.b)-pos)
	}
	w := r.order.Uint32(r.b[pos:])
	if w>>16 != 0 { // small data element: 2-byte size, 2-byte type, ≤ 4 data bytes
		n = int(w >> 16)
		typ = w & 0xffff
		if n > 4 {
			return 0, 0, 0, 0, r.errf(r.off+int64(pos), ErrFormat, "small data element of %d bytes (at most 4)", n)
		}
		return typ, n, pos + 4, pos + 8, nil
	}
	typ = w
	size := r.order.Uint32(r.b[pos+4:])
	data = pos + 8
	if int64(size) > int64(len(r.b)-data) {
		return 0, 0, 0, 0, r.errf(r.off+int64(pos+4), ErrFormat, "element of %d bytes, only %d left", size, len(r.b)-data)
	}
	n = int(size)
	next = data + n
	if typ != miCOMPRESSED { // compressed elements are not padded
		next = data + (n+7)/8*8
		if next > len(r.b) {
			next = len(r.b) // the last element's padding may be missing
		}
	}
	return typ, n, data, next, nil
}

// header checks the 128-byte header and returns the byte order.
func header(file string, b []byte) (binary.ByteOrder, error) {
	bad := func(off int64, kind error, msg string, args ...any) error {
		return &Error{File: file, Offset: off, Stream: -1, Msg: fmt.Sprintf(msg, args...), Err: kind}
	}
	if len(b) < 128 {
		if len(b) == 0 {
			return nil, bad(0, ErrFormat, "empty file")
		}
		return nil, bad(int64(len(b)), ErrFormat, "truncated header (%d of 128 bytes)", len(b))
	}
	text := string(b[:116])
	if strings.HasPrefix(text, "MATLAB 7.3 MAT-file") || len(b) >= 520 && string(b[512:520]) == "\x89HDF\r\n\x1a\n" {
		return nil, bad(0, ErrUnsupported, "a version 7.3 MAT-file is an HDF5 file: read it with an HDF5 reader")
	}
	var order binary.ByteOrder
	switch string(b[126:128]) {
	case "IM":
		order = binary.LittleEndian
	case "MI":
		order = binary.BigEndian
	default:
		if !strings.HasPrefix(text, "MATLAB") {
			return nil, bad(0, ErrFormat, "not a Level 5 MAT-file (no MATLAB header; a version 4 MAT-file has none and is not read)")
		}
		return nil, bad(126, ErrFormat, "bad endian indicator %q (want IM or MI)", b[126:128])
	}
	if v := order.Uint16(b[124:]); v != 0x0100 {
		return nil, bad(124, ErrFormat, "version 0x%04x (want 0x0100)", v)
	}
	return order, nil
}

// Read reads the numeric arrays of the Level 5 MAT-file held in b whose
// names want accepts (nil accepts all numeric arrays); file names it in
// errors. A variable that want accepts but that is not a real, non-sparse
// numeric array is an error matching ErrUnsupported.
func Read(file string, b []byte, want func(name string) bool, lim Limits) ([]Array, error) {
	order, err := header(file, b)
	if err != nil {
		return nil, err
	}
	var used int64
	r := &reader{file: file, order: order, stream: -1, b: b, lim: lim, used: &used}
	var out []Array
	for pos := 128; pos < len(b); {
		typ, n, data, next, err := r.tag(pos)
		if err != nil {
			return nil, err
		}
		var a *Array
		switch typ {
		case miMATRIX:
			a, err = r.matrix(data, n, want)
		case miCOMPRESSED:
			a, err = r.compressed(int64(pos), b[data:data+n], want)
		default:
			// Other top-level elements are not variables; skip them.
		}
		if err != nil {
			return nil, err
		}
		if a != nil {
			a.Offset = int64(pos)
			out = append(out, *a)
		}
		pos = next
	}
	return out, nil
}

// take charges n bytes against the expanded budget.
func (r *reader) take(n int64, at int64, what string) error {
	if n < 0 || *r.used+n > r.lim.Expanded {
		return r.errf(at, ErrLimit, "%s (%d bytes) would exceed the read limit of %d bytes decompressed", what, n, r.lim.Expanded)
	}
	*r.used += n
	return nil
}

// compressed reads the variable in the zlib stream z (the data of the
// miCOMPRESSED element at file offset at). It decompresses the start to
// read the name and decompresses the rest only if want accepts it.
func (r *reader) compressed(at int64, z []byte, want func(string) bool) (*Array, error) {
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, &Error{File: r.file, Offset: at + 8, Stream: -1, Msg: "compressed variable: not a zlib stream", Err: fmt.Errorf("%w: %w", ErrFormat, err)}
	}
	defer zr.Close()
	sub := &reader{file: r.file, order: r.order, stream: at, lim: r.lim, used: r.used}
	// The miMATRIX tag and its first sub-elements (flags, dims, name) fit
	// in a few hundred bytes unless the name or rank is absurd.
	head := make([]byte, 8)
	if _, err := io.ReadFull(zr, head); err != nil {
		return nil, sub.errf(0, ErrFormat, "compressed variable too short for an element tag: %v", err)
	}
	typ := sub.order.Uint32(head)
	size := int64(sub.order.Uint32(head[4:]))
	if typ != miMATRIX {
		return nil, nil // not a variable
	}
	if size > r.lim.Array+4096 {
		// Larger than any array we may decode (plus its sub-element
		// headers): read only far enough to name it.
		probe := make([]byte, 4096)
		k, _ := io.ReadFull(zr, probe)
		sub.b = append(head, probe[:k]...)
		name, _ := sub.name(8, k)
		if want != nil && !want(name) {
			return nil, nil
		}
		return nil, sub.errf(4, ErrLimit, "variable %q needs %d bytes decompressed, over the read limit of %d bytes per array", name, size, r.lim.Array)
	}
	if err := r.take(size, at, "a compressed variable"); err != nil {
		return nil, err
	}
	buf := make([]byte, 8+size)
	copy(buf, head)
	if k, err := io.ReadFull(zr, buf[8:]); err != nil {
		return nil, sub.errf(8+int64(k), ErrFormat, "compressed variable ends after %d of %d bytes: %v", k, size, err)
	}
	sub.b = buf
	return sub.matrix(8, int(size), want)
}

// name returns the name of the miMATRIX whose data starts at data (size
// n), reading only the flags, dimensions and name sub-elements.
func (r *reader) name(data, n int) (string, error) {
	end := min(data+n, len(r.b))
	sub := &reader{file: r.file, order: r.order, stream: r.stream, b: r.b[:end], off: r.off}
	pos := data
	for k := range 3 {
		typ, ln, d, next, err := sub.tag(pos)
		if err != nil {
			return "", err
		}
		if k == 2 {
			if typ != miINT8 && typ != miUINT8 {
				return "", r.errf(r.off+int64(pos), ErrFormat, "array name of type %d (want miINT8)", typ)
			}
			return string(r.b[d : d+ln]), nil
		}
		pos = next
	}
	return "", nil
}

// matrix decodes the miMATRIX whose data (n bytes) starts at data.
func (r *reader) matrix(data, n int, want func(string) bool) (*Array, error) {
	end := data + n
	sub := *r
	sub.b = r.b[:end]
	at := func(p int) int64 { return r.off + int64(p) }
	pos := data
	// Array flags: miUINT32 × 2; the class is the low byte of the first.
	typ, ln, d, next, err := sub.tag(pos)
	if err != nil {
		return nil, err
	}
	if typ != miUINT32 || ln != 8 {
		return nil, r.errf(at(pos), ErrFormat, "array flags: type %d, %d bytes (want miUINT32, 8 bytes)", typ, ln)
	}
	flags := r.order.Uint32(r.b[d:])
	class := byte(flags)
	complexArr, logical := flags&0x0800 != 0, flags&0x0200 != 0
	flagsAt := at(d)
	pos = next
	// Dimensions: miINT32 × rank.
	typ, ln, d, next, err = sub.tag(pos)
	if err != nil {
		return nil, err
	}
	if typ != miINT32 || ln < 8 || ln%4 != 0 || ln > 4*64 {
		return nil, r.errf(at(pos), ErrFormat, "dimensions: type %d, %d bytes (want miINT32, rank 2–64)", typ, ln)
	}
	dims := make([]int, ln/4)
	count := int64(1)
	for i := range dims {
		v := int32(r.order.Uint32(r.b[d+4*i:]))
		if v < 0 {
			return nil, r.errf(at(d+4*i), ErrFormat, "negative dimension %d", v)
		}
		dims[i] = int(v)
		if v != 0 && count > math.MaxInt64/8/int64(v) {
			count = math.MaxInt64 / 8
		} else {
			count *= int64(v)
		}
	}
	pos = next
	// Name: miINT8.
	typ, ln, d, next, err = sub.tag(pos)
	if err != nil {
		return nil, err
	}
	if typ != miINT8 && typ != miUINT8 {
		return nil, r.errf(at(pos), ErrFormat, "array name of type %d (want miINT8)", typ)
	}
	name := string(r.b[d : d+ln])
	pos = next
	if want != nil && !want(name) {
		return nil, nil
	}
	cn, known := classNames[class]
	switch {
	case !known:
		return nil, r.errf(flagsAt, ErrFormat, "variable %q: unknown array class %d", name, class)
	case class < 6:
		if want == nil {
			return nil, nil // not numeric: skipped when reading everything
		}
		return nil, r.errf(flagsAt, ErrUnsupported, "variable %q is a %s array, not a numeric one", name, cn)
	case complexArr:
		return nil, r.errf(flagsAt, ErrUnsupported, "variable %q is complex", name)
	}
	if logical {
		cn = "logical"
	}
	if count*8 > r.lim.Array {
		return nil, r.errf(at(data), ErrLimit, "variable %q of dimensions %v needs %d bytes, over the read limit of %d", name, dims, count*8, r.lim.Array)
	}
	// Real part.
	typ, ln, d, _, err = sub.tag(pos)
	if err != nil {
		return nil, err
	}
	es := typeSize(typ)
	if es == 0 {
		return nil, r.errf(at(pos), ErrFormat, "variable %q: real part of type %d is not numeric", name, typ)
	}
	if int64(ln) != count*int64(es) {
		return nil, r.errf(at(pos+4), ErrFormat, "variable %q of dimensions %v: real part of %d bytes, want %d (%d elements of %d bytes)", name, dims, ln, count*int64(es), count, es)
	}
	if err := r.take(count*8, at(d), fmt.Sprintf("variable %q", name)); err != nil {
		return nil, err
	}
	vals := make([]float64, count)
	b := r.b[d : d+ln]
	o := r.order
	for i := range vals {
		p := b[i*es:]
		switch typ {
		case miINT8:
			vals[i] = float64(int8(p[0]))
		case miUINT8:
			vals[i] = float64(p[0])
		case miINT16:
			vals[i] = float64(int16(o.Uint16(p)))
		case miUINT16:
			vals[i] = float64(o.Uint16(p))
		case miINT32:
			vals[i] = float64(int32(o.Uint32(p)))
		case miUINT32:
			vals[i] = float64(o.Uint32(p))
		case miSINGLE:
			vals[i] = float64(math.Float32frombits(o.Uint32(p)))
		case miDOUBLE:
			vals[i] = math.Float64frombits(o.Uint64(p))
		case miINT64:
			vals[i] = float64(int64(o.Uint64(p)))
		case miUINT64:
			vals[i] = float64(o.Uint64(p))
		}
	}
	return &Array{Name: name, Class: cn, Dims: dims, Data: vals}, nil
}
