package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync/atomic"
)

// ErrUnsupported is matched (errors.Is) by errors for valid HDF5 features
// this reader does not implement.
var ErrUnsupported = errors.New("unsupported HDF5 feature")

// ErrFormat is matched by errors for input that is not valid HDF5 (or is
// truncated or inconsistent).
var ErrFormat = errors.New("malformed HDF5")

// Error reports a problem at a byte offset of a file.
type Error struct {
	File   string // file name ("" if unknown)
	Offset int64  // absolute byte offset in the file
	Msg    string
	Err    error // ErrFormat or ErrUnsupported, possibly wrapping a cause
}

func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "<input>"
	}
	s := fmt.Sprintf("hdf5: %s: byte offset %d: %s", file, e.Offset, e.Msg)
	if e.Err != nil && e.Err != ErrFormat && e.Err != ErrUnsupported && e.Err != ErrLimit {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// causeError joins a kind (ErrFormat, ErrUnsupported) with a cause.
type causeError struct{ kind, cause error }

func (c causeError) Error() string   { return c.cause.Error() }
func (c causeError) Unwrap() []error { return []error{c.kind, c.cause} }

// Limits that keep hostile or broken files from exhausting memory or time.
const (
	// maxDatasetBytes bounds the decoded size of one dataset (assumption:
	// 1 GiB is far above any event recording this project reads).
	maxDatasetBytes = 1 << 30
	// maxDepth bounds B-tree and heap recursion (real trees are < 10 deep).
	maxDepth = 64
	// maxMessages bounds the header messages of one object, continuation
	// blocks included (assumption: real objects have tens).
	maxMessages = 1 << 16
	// maxLinks bounds the members of one group (assumption: 10 million,
	// far above the ~25,000 ids of N-TIDIGITS).
	maxLinks = 10_000_000
	// readFactor and readSlack bound the bytes read from a file over its
	// life to readFactor × its size + readSlack. A well-formed file is read
	// about once (each structure when it is needed, each dataset's data
	// once); a file whose structures point into each other (overlapping
	// continuation blocks, many objects sharing one large block, a chunk
	// listed many times) would otherwise cost time quadratic in its size.
	readFactor = 4
	readSlack  = 16 << 20
	// MaxExpansion bounds how much data may come out of a file beyond the
	// bytes stored in it: decompressed chunks, never-written chunks (read
	// as zeros) and data referenced more than once may add at most
	// MaxExpansion × the file's size (at least ExpansionFloor) to what
	// the file holds. Real event data compresses far less (N-TIDIGITS'
	// float64 timestamps a few times); DEFLATE's theoretical maximum is
	// 1032:1, which is what a decompression bomb uses.
	MaxExpansion   = 64
	ExpansionFloor = 16 << 20
)

// Limits bounds the data a File decodes; a zero field means the default.
type Limits struct {
	// Dataset is the largest decoded size of one dataset, as stored and
	// after conversion (Float64s and Int64s take 8 bytes per element);
	// default 1 GiB.
	Dataset int64
	// Expanded is the most data the file may yield beyond its stored
	// bytes, over its whole life; default MaxExpansion × size, at least
	// ExpansionFloor. A caller may lower it, never raise it above that.
	Expanded int64
}

// ErrLimit is matched by errors for data that would exceed the Limits.
var ErrLimit = errors.New("over the read limit")

// SetLimits sets the limits of f; call it before reading data.
func (f *File) SetLimits(l Limits) {
	if l.Dataset > 0 {
		f.maxDataset = l.Dataset
	}
	def := max(MaxExpansion*f.size, ExpansionFloor)
	if l.Expanded > 0 && l.Expanded < def {
		f.maxExpanded = l.Expanded
	}
}

// expand commits n more bytes of data beyond what the file stores.
func (f *File) expand(n int64, at int64, what string) error {
	if n <= 0 {
		return nil
	}
	if got := f.expanded.Add(n); got > f.maxExpanded {
		return f.errAt(at, ErrLimit, "%s would make the file yield %d bytes more than it stores, over the limit of %d (%d× its %d bytes, at least %d)",
			what, got, f.maxExpanded, MaxExpansion, f.size, ExpansionFloor)
	}
	return nil
}

// undef is HDF5's "undefined address": all bits set.
const undef = math.MaxUint64

// File is an open HDF5 file. It is safe for concurrent use by several
// goroutines if its io.ReaderAt is (an *os.File is).
type File struct {
	r       io.ReaderAt
	closer  io.Closer
	size    int64
	name    string
	offSize int // bytes of an address ("size of offsets")
	lenSize int // bytes of a length ("size of lengths")
	base    int64
	root    uint64 // object header address of the root group
	sbVer   int

	readBytes   atomic.Int64 // bytes read so far (readFactor bound)
	expanded    atomic.Int64 // data yielded beyond the stored bytes
	maxDataset  int64
	maxExpanded int64
}

// Open opens the named file, which must be a regular file (checked before
// opening, so a FIFO is refused instead of blocking; readers that must be
// immune to the file being swapped in between open it themselves and call
// NewFile).
func Open(name string) (*File, error) {
	if st, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("hdf5: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("hdf5: %s is not a regular file", name)
	}
	fh, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("hdf5: %w", err)
	}
	f, err := NewFile(fh, st.Size(), name)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// NewFile reads the superblock of an HDF5 file of size bytes read through
// r; name is used in errors.
func NewFile(r io.ReaderAt, size int64, name string) (*File, error) {
	f := &File{r: r, size: size, name: name, maxDataset: maxDatasetBytes, maxExpanded: max(MaxExpansion*size, ExpansionFloor)}
	if err := f.readSuperblock(); err != nil {
		return nil, err
	}
	return f, nil
}

// Close closes the file if Open opened it.
func (f *File) Close() error {
	if f.closer != nil {
		c := f.closer
		f.closer = nil
		return c.Close()
	}
	return nil
}

// Name returns the file name given to Open or NewFile.
func (f *File) Name() string { return f.name }

func (f *File) errAt(off int64, kind error, msg string, args ...any) *Error {
	return &Error{File: f.name, Offset: off, Msg: fmt.Sprintf(msg, args...), Err: kind}
}

func (f *File) formatErr(off int64, msg string, args ...any) *Error {
	return f.errAt(off, ErrFormat, msg, args...)
}

func (f *File) unsupported(off int64, msg string, args ...any) *Error {
	return f.errAt(off, ErrUnsupported, msg, args...)
}

// readAbs reads n bytes at absolute offset off.
func (f *File) readAbs(off int64, n int, what string) ([]byte, error) {
	if n < 0 || off < 0 || off > f.size || int64(n) > f.size-off {
		return nil, f.errAt(max(min(off, f.size), 0), causeError{ErrFormat, io.ErrUnexpectedEOF},
			"%s of %d bytes at %d runs past the end of the %d-byte file", what, n, off, f.size)
	}
	if total := f.readBytes.Add(int64(n)); total > readFactor*f.size+readSlack {
		return nil, f.errAt(off, ErrLimit, "%s: %d bytes read from a %d-byte file: its structures point into each other (read at most %d× its size)",
			what, total, f.size, readFactor)
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, f.errAt(off, causeError{ErrFormat, err}, "reading %s", what)
	}
	return b, nil
}

// abs converts a file address (relative to the base address) to an
// absolute offset, or -1 if it does not fit.
func (f *File) abs(addr uint64) int64 {
	if addr > uint64(math.MaxInt64-f.base) {
		return -1
	}
	return f.base + int64(addr)
}

// read reads n bytes at address addr and returns a cursor over them.
func (f *File) read(addr uint64, n int, what string) (*cursor, error) {
	if addr == undef {
		return nil, f.formatErr(0, "%s at the undefined address", what)
	}
	off := f.abs(addr)
	if off < 0 {
		return nil, f.formatErr(0, "%s at impossible address %#x", what, addr)
	}
	b, err := f.readAbs(off, n, what)
	if err != nil {
		return nil, err
	}
	return &cursor{f: f, b: b, at: off}, nil
}

// readUpTo reads up to n bytes at addr (fewer at the end of the file).
func (f *File) readUpTo(addr uint64, n int, what string) (*cursor, error) {
	off := f.abs(addr)
	if addr == undef || off < 0 || off >= f.size {
		return nil, f.formatErr(max(min(off, f.size), 0), "%s at address %#x outside the %d-byte file", what, addr, f.size)
	}
	return f.read(addr, int(min(int64(n), f.size-off)), what)
}

var signature = []byte("\x89HDF\r\n\x1a\n")

func (f *File) readSuperblock() error {
	if f.size == 0 {
		return f.errAt(0, causeError{ErrFormat, io.ErrUnexpectedEOF}, "empty file")
	}
	// The superblock sits at 0, 512, 1024, 2048... (after a user block).
	var at int64 = -1
	for off := int64(0); off < f.size; off = max(512, off*2) {
		b, err := f.readAbs(off, int(min(8, f.size-off)), "signature")
		if err != nil {
			return err
		}
		if string(b) == string(signature) {
			at = off
			break
		}
	}
	if at < 0 {
		return f.formatErr(0, "not an HDF5 file (no signature at 0, 512, 1024, ...)")
	}
	b, err := f.readAbs(at, int(min(256, f.size-at)), "superblock")
	if err != nil {
		return err
	}
	c := &cursor{f: f, b: b, at: at}
	c.skip(8)
	f.sbVer = int(c.u8())
	switch f.sbVer {
	case 0, 1:
		c.skip(3) // free-space, root symbol table entry and reserved versions
		if v := c.u8(); v != 0 && c.err == nil {
			return f.unsupported(at+12, "shared header message format version %d", v)
		}
		f.offSize, f.lenSize = int(c.u8()), int(c.u8())
		c.skip(1)
		c.skip(4) // group leaf / internal node K
		c.skip(4) // consistency flags
		if f.sbVer == 1 {
			c.skip(4) // indexed storage K, reserved
		}
		if c.err != nil {
			return c.err
		}
		if err := f.checkSizes(at + 13); err != nil {
			return err
		}
		base := c.addr()
		c.addr() // free-space info
		c.addr() // end of file
		c.addr() // driver info
		// Root group symbol table entry: name offset, object header address.
		c.addr()
		f.root = c.addr()
		f.base = int64(base)
		if c.err != nil {
			return c.err
		}
		if base > uint64(f.size) {
			return f.formatErr(at+24, "base address %d beyond the file", base)
		}
	case 2, 3:
		f.offSize, f.lenSize = int(c.u8()), int(c.u8())
		if c.err != nil {
			return c.err
		}
		if err := f.checkSizes(at + 9); err != nil {
			return err
		}
		c.skip(1) // consistency flags
		base := c.addr()
		c.addr() // superblock extension
		c.addr() // end of file
		f.root = c.addr()
		end := c.pos
		sum := c.u32()
		if c.err != nil {
			return c.err
		}
		if got := lookup3(b[:end]); got != sum {
			return f.formatErr(at+int64(end), "superblock checksum %08x, computed %08x", sum, got)
		}
		if base > uint64(f.size) {
			return f.formatErr(at+12, "base address %d beyond the file", base)
		}
		f.base = int64(base)
	default:
		return f.unsupported(at+8, "superblock version %d", f.sbVer)
	}
	if f.root == undef {
		return f.formatErr(at, "no root group")
	}
	return nil
}

func (f *File) checkSizes(off int64) error {
	ok := func(n int) bool { return n == 2 || n == 4 || n == 8 }
	if !ok(f.offSize) || !ok(f.lenSize) {
		return f.formatErr(off, "sizes of offsets %d and lengths %d (want 2, 4 or 8)", f.offSize, f.lenSize)
	}
	return nil
}

// cursor decodes little-endian fields from bytes read at file offset at.
// The first failure sticks in err; later reads return zero.
type cursor struct {
	f   *File
	b   []byte
	pos int
	at  int64
	err error
}

func (c *cursor) off() int64 { return c.at + int64(c.pos) }

func (c *cursor) fail(eof bool, msg string, args ...any) {
	if c.err == nil {
		kind := error(ErrFormat)
		if eof {
			kind = causeError{ErrFormat, io.ErrUnexpectedEOF}
		}
		c.err = c.f.errAt(c.off(), kind, msg, args...)
	}
}

func (c *cursor) need(n int) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || n > len(c.b)-c.pos {
		c.fail(true, "structure needs %d more bytes, %d left", n, len(c.b)-c.pos)
		return false
	}
	return true
}

func (c *cursor) skip(n int) {
	if c.need(n) {
		c.pos += n
	}
}

func (c *cursor) bytes(n int) []byte {
	if !c.need(n) {
		return nil
	}
	b := c.b[c.pos : c.pos+n]
	c.pos += n
	return b
}

func (c *cursor) u8() uint8 {
	if !c.need(1) {
		return 0
	}
	c.pos++
	return c.b[c.pos-1]
}

func (c *cursor) u16() uint16 { return uint16(c.uvar(2)) }
func (c *cursor) u32() uint32 { return uint32(c.uvar(4)) }
func (c *cursor) u64() uint64 { return c.uvar(8) }

// uvar reads an n-byte little-endian unsigned integer (0 ≤ n ≤ 8).
func (c *cursor) uvar(n int) uint64 {
	if n > 8 {
		c.fail(false, "%d-byte integer field", n)
		return 0
	}
	if !c.need(n) {
		return 0
	}
	var buf [8]byte
	copy(buf[:], c.b[c.pos:c.pos+n])
	c.pos += n
	return binary.LittleEndian.Uint64(buf[:])
}

// addr reads an address; all bits set (of the file's size) is undef.
func (c *cursor) addr() uint64 {
	v := c.uvar(c.f.offSize)
	if c.f.offSize < 8 && v == 1<<(8*c.f.offSize)-1 {
		return undef
	}
	return v
}

// length reads a length field.
func (c *cursor) length() uint64 { return c.uvar(c.f.lenSize) }

// sig checks a 4-byte signature.
func (c *cursor) sig(want string) bool {
	at := c.pos
	b := c.bytes(4)
	if c.err != nil {
		return false
	}
	if string(b) != want {
		c.pos = at
		c.fail(false, "signature %q, want %q", sanitize(b), want)
		return false
	}
	return true
}

func sanitize(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '.'
		}
		return r
	}, string(b))
}

// checksum verifies a Jenkins lookup3 checksum over b[start:c.pos], stored
// in the next 4 bytes.
func (c *cursor) checksum(start int) {
	end := c.pos
	sum := c.u32()
	if c.err != nil {
		return
	}
	if got := lookup3(c.b[start:end]); got != sum {
		c.pos = end
		c.fail(false, "metadata checksum %08x, computed %08x", sum, got)
	}
}

// lookup3 is Bob Jenkins' lookup3 hashlittle with initial value 0, the
// checksum of HDF5 metadata (H5_checksum_metadata; HDF5 format spec, "Disk
// Format: Level 0 — file metadata checksums").
func lookup3(k []byte) uint32 {
	rot := func(x uint32, n uint) uint32 { return x<<n | x>>(32-n) }
	a := 0xdeadbeef + uint32(len(k))
	b, c := a, a
	for len(k) > 12 {
		a += binary.LittleEndian.Uint32(k[0:])
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a -= c
		a ^= rot(c, 4)
		c += b
		b -= a
		b ^= rot(a, 6)
		a += c
		c -= b
		c ^= rot(b, 8)
		b += a
		a -= c
		a ^= rot(c, 16)
		c += b
		b -= a
		b ^= rot(a, 19)
		a += c
		c -= b
		c ^= rot(b, 4)
		b += a
		k = k[12:]
	}
	if len(k) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], k)
	a += binary.LittleEndian.Uint32(tail[0:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	c ^= b
	c -= rot(b, 14)
	a ^= c
	a -= rot(c, 11)
	b ^= a
	b -= rot(a, 25)
	c ^= b
	c -= rot(b, 16)
	a ^= c
	a -= rot(c, 4)
	b ^= a
	b -= rot(a, 14)
	c ^= b
	c -= rot(b, 24)
	return c
}
