package events

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// NumPy's .npy format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the
// magic "\x93NUMPY", a major and minor version byte, a little-endian
// header length (2 bytes in version 1, 4 in versions 2 and 3), and the
// header, a Python dict literal such as
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (50000, 117, 4), }
//
// padded with spaces and a newline; the array's data follow in C order.

// npyMaxHeader bounds the header length a reader accepts: NumPy pads
// headers to 64 bytes and writes a few hundred at most.
const npyMaxHeader = 1 << 16

// npyArray describes the array of a .npy file.
type npyArray struct {
	order   binary.ByteOrder
	kind    byte // 'f' float, 'i' signed integer, 'u' unsigned integer, 'b' boolean
	size    int  // bytes per item
	shape   []int
	dataOff int64 // offset of the data from the start of the file
}

// items returns the number of items, or −1 if it overflows.
func (a npyArray) items() int64 {
	n := int64(1)
	for _, d := range a.shape {
		if d != 0 && n > math.MaxInt64/int64(d) {
			return -1
		}
		n *= int64(d)
	}
	return n
}

// descr writes the dtype back in NumPy's notation, for messages.
func (a npyArray) descr() string {
	e := "<"
	if a.order == binary.BigEndian {
		e = ">"
	}
	if a.size == 1 {
		e = "|"
	}
	return fmt.Sprintf("%s%c%d", e, a.kind, a.size)
}

// value decodes one item from b (len(b) ≥ size) as a float64.
func (a npyArray) value(b []byte) float64 {
	switch a.kind {
	case 'f':
		if a.size == 4 {
			return float64(math.Float32frombits(a.order.Uint32(b)))
		}
		return math.Float64frombits(a.order.Uint64(b))
	case 'u', 'b':
		switch a.size {
		case 1:
			return float64(b[0])
		case 2:
			return float64(a.order.Uint16(b))
		case 4:
			return float64(a.order.Uint32(b))
		}
		return float64(a.order.Uint64(b))
	}
	switch a.size {
	case 1:
		return float64(int8(b[0]))
	case 2:
		return float64(int16(a.order.Uint16(b)))
	case 4:
		return float64(int32(a.order.Uint32(b)))
	}
	return float64(int64(a.order.Uint64(b)))
}

// readNPYHeader reads the header of a .npy file from r, which is at its
// start; errors are *FormatError of format in file. On success r is at the
// first byte of the data.
func readNPYHeader(r io.Reader, format, file string) (npyArray, error) {
	bad := func(off int64, err error, msg string, args ...any) error {
		return formatErr(format, file, off, err, msg, args...)
	}
	var pre [10]byte
	if k, err := io.ReadFull(r, pre[:8]); err != nil {
		if k == 0 {
			return npyArray{}, bad(0, io.ErrUnexpectedEOF, "empty .npy file")
		}
		return npyArray{}, bad(int64(k), io.ErrUnexpectedEOF, "truncated .npy preamble (%d of 8 bytes)", k)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return npyArray{}, bad(0, nil, "not a NumPy .npy file (bad magic % x)", pre[:6])
	}
	major := pre[6]
	var hlen int64
	off := int64(8)
	switch major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return npyArray{}, bad(8, io.ErrUnexpectedEOF, "truncated .npy header length")
		}
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
		off = 10
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return npyArray{}, bad(8, io.ErrUnexpectedEOF, "truncated .npy header length")
		}
		hlen = int64(binary.LittleEndian.Uint32(l[:]))
		off = 12
	default:
		return npyArray{}, bad(6, nil, ".npy format version %d.%d (this reader knows 1, 2 and 3)", major, pre[7])
	}
	if hlen > npyMaxHeader {
		return npyArray{}, bad(8, nil, ".npy header length %d exceeds %d bytes", hlen, npyMaxHeader)
	}
	h := make([]byte, hlen)
	if k, err := io.ReadFull(r, h); err != nil {
		return npyArray{}, bad(off+int64(k), io.ErrUnexpectedEOF, "truncated .npy header (%d of %d bytes)", k, hlen)
	}
	a, err := parseNPYDict(string(h))
	if err != nil {
		return npyArray{}, bad(off, nil, ".npy header %q: %v", strings.TrimSpace(string(h)), err)
	}
	a.dataOff = off + hlen
	return a, nil
}

// parseNPYDict parses the header dict of a .npy file.
func parseNPYDict(h string) (npyArray, error) {
	var a npyArray
	descr, ok := npyField(h, "descr")
	if !ok {
		return a, fmt.Errorf("no 'descr'")
	}
	d := strings.Trim(descr, `'"`)
	if len(d) < 3 || d == descr {
		return a, fmt.Errorf("descr %s is not a simple dtype string (structured arrays are not supported)", descr)
	}
	switch d[0] {
	case '<', '|', '=':
		a.order = binary.LittleEndian // '=' is native; NumPy writes files on little-endian machines as '<'
	case '>':
		a.order = binary.BigEndian
	default:
		return a, fmt.Errorf("descr %q: unknown byte order %q", d, d[0])
	}
	a.kind = d[1]
	size, err := strconv.Atoi(d[2:])
	if err != nil {
		return a, fmt.Errorf("descr %q: bad item size", d)
	}
	a.size = size
	switch {
	case a.kind == 'f' && (size == 4 || size == 8):
	case (a.kind == 'i' || a.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8):
	case a.kind == 'b' && size == 1:
	default:
		return a, fmt.Errorf("dtype %q is not a float (f4, f8), integer (i1…i8, u1…u8) or boolean", d)
	}
	fo, ok := npyField(h, "fortran_order")
	if !ok {
		return a, fmt.Errorf("no 'fortran_order'")
	}
	switch fo {
	case "False":
	case "True":
		return a, fmt.Errorf("Fortran-ordered arrays are not supported (save with numpy.ascontiguousarray)")
	default:
		return a, fmt.Errorf("fortran_order %q is not True or False", fo)
	}
	sh, ok := npyField(h, "shape")
	if !ok || !strings.HasPrefix(sh, "(") || !strings.HasSuffix(sh, ")") {
		return a, fmt.Errorf("no 'shape' tuple")
	}
	for _, f := range strings.Split(sh[1:len(sh)-1], ",") {
		f = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "L"))
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > math.MaxInt32 {
			return a, fmt.Errorf("shape %s: bad dimension %q", sh, f)
		}
		a.shape = append(a.shape, n)
	}
	return a, nil
}

// npyField returns the text of the value of key in a Python dict literal
// of simple values (strings, names, tuples of integers).
func npyField(h, key string) (string, bool) {
	for _, q := range []string{"'", `"`} {
		i := strings.Index(h, q+key+q)
		if i < 0 {
			continue
		}
		rest := strings.TrimLeft(h[i+len(key)+2:], " ")
		if !strings.HasPrefix(rest, ":") {
			return "", false
		}
		rest = strings.TrimLeft(rest[1:], " ")
		if strings.HasPrefix(rest, "(") {
			j := strings.IndexByte(rest, ')')
			if j < 0 {
				return "", false
			}
			return rest[:j+1], true
		}
		if strings.HasPrefix(rest, "'") || strings.HasPrefix(rest, `"`) {
			j := strings.IndexByte(rest[1:], rest[0])
			if j < 0 {
				return "", false
			}
			return rest[:j+2], true
		}
		j := strings.IndexAny(rest, ",}")
		if j < 0 {
			return "", false
		}
		return strings.TrimSpace(rest[:j]), true
	}
	return "", false
}
