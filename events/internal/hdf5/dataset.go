package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"math"
	"strconv"
)

// Class is the class of a datatype this reader decodes.
type Class int

const (
	Integer   Class = iota // fixed-point, 1..8 bytes, signed or not
	Float                  // IEEE 754 binary16, binary32 or binary64
	String                 // fixed-length string
	VarString              // variable-length string (stored in the global heap)
)

func (c Class) String() string {
	return [...]string{"integer", "float", "string", "variable-length string"}[c]
}

// Datatype describes how one element is stored.
type Datatype struct {
	Class     Class
	Size      int  // bytes per element in the dataset's storage
	Signed    bool // Integer only
	BigEndian bool // Integer and Float
	Pad       int  // strings: 0 NUL-terminated, 1 NUL-padded, 2 space-padded
}

// Dataset is an HDF5 dataset: an n-dimensional array of one datatype.
type Dataset struct {
	Path  string
	Shape []uint64 // empty for a scalar
	Type  Datatype

	f       *File
	at      int64 // object header offset
	layout  layout
	filters []filter
}

type layout struct {
	class   int // 0 compact, 1 contiguous, 2 chunked
	at      int64
	compact []byte
	addr    uint64
	size    uint64
	chunk   []uint64 // chunk dimensions (rank), chunked only
	index   int      // chunked: 0 v1 B-tree, 1 single chunk, 2 implicit, 3 fixed array
	flags   uint8
	single  struct {
		size uint64
		mask uint32
	}
}

type filter struct {
	id     uint16
	flags  uint16
	params []uint32
	at     int64
}

// ElementOffset returns the file offset of element i where the layout makes
// it known (contiguous and compact data), else the offset of the dataset's
// object header: a place to point at in error messages.
func (d *Dataset) ElementOffset(i int) int64 {
	switch d.layout.class {
	case 0:
		return d.layout.at + 4 + int64(i)*int64(d.Type.Size)
	case 1:
		if off := d.f.abs(d.layout.addr); off >= 0 && d.layout.addr != undef {
			return off + int64(i)*int64(d.Type.Size)
		}
	}
	return d.at
}

// HeaderOffset returns the file offset of the dataset's object header,
// which identifies the object: two paths with one header offset are hard
// links to the same dataset.
func (d *Dataset) HeaderOffset() int64 { return d.at }

// Len returns the number of elements.
func (d *Dataset) Len() int {
	n := 1
	for _, s := range d.Shape {
		n *= int(s)
	}
	return n
}

func (f *File) openDataset(path string, addr uint64) (*Dataset, error) {
	o, err := f.readObject(addr)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Path: path, f: f, at: o.at}
	ms, mt, ml := o.find(msgDataspace), o.find(msgDatatype), o.find(msgLayout)
	if ms == nil || mt == nil || ml == nil {
		return nil, f.formatErr(o.at, "object %s is not a dataset (no dataspace, datatype or layout message)", path)
	}
	if d.Shape, err = f.parseDataspace(ms.cursor(f)); err != nil {
		return nil, err
	}
	if d.Type, err = f.parseDatatype(mt.cursor(f), 0); err != nil {
		return nil, err
	}
	if d.layout, err = f.parseLayout(ml.cursor(f), len(d.Shape)); err != nil {
		return nil, err
	}
	if m := o.find(msgFilters); m != nil {
		if d.filters, err = f.parseFilters(m.cursor(f)); err != nil {
			return nil, err
		}
	}
	if _, err := d.byteSize(); err != nil {
		return nil, err
	}
	return d, nil
}

// byteSize returns the decoded size of the dataset, within the reader's
// limits.
func (d *Dataset) byteSize() (int, error) {
	return d.sizeAs(uint64(d.Type.Size))
}

// sizeAs returns the size of the dataset's elements at es bytes each, or an
// ErrLimit error if it exceeds the dataset limit.
func (d *Dataset) sizeAs(es uint64) (int, error) {
	limit := uint64(d.f.maxDataset)
	n := es
	for _, s := range d.Shape {
		if s != 0 && n > limit/s {
			return 0, d.f.errAt(d.at, ErrLimit, "dataset %s of shape %v (%d-byte elements) is larger than the %d-byte limit", d.Path, d.Shape, es, limit)
		}
		n *= s
	}
	if n > limit {
		return 0, d.f.errAt(d.at, ErrLimit, "dataset %s of %d bytes (%d-byte elements) is larger than the %d-byte limit", d.Path, n, es, limit)
	}
	return int(n), nil
}

func (f *File) parseDataspace(c *cursor) ([]uint64, error) {
	at := c.off()
	v := c.u8()
	rank := int(c.u8())
	c.skip(1) // flags: maximum dimensions and permutations follow the sizes; not needed to read
	typ := uint8(1)
	switch v {
	case 1:
		c.skip(5)
		if rank == 0 {
			typ = 0
		}
	case 2:
		typ = c.u8()
	default:
		if c.err == nil {
			return nil, f.unsupported(at, "dataspace version %d", v)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	if rank > 32 {
		return nil, f.formatErr(at+1, "dataspace of rank %d (HDF5 allows 32)", rank)
	}
	dims := make([]uint64, rank)
	for i := range dims {
		dims[i] = c.length()
	}
	if c.err != nil {
		return nil, c.err
	}
	switch typ {
	case 0:
		return []uint64{}, nil
	case 1:
		return dims, nil
	case 2:
		return []uint64{0}, nil // null dataspace: no elements
	}
	return nil, f.formatErr(at+3, "dataspace type %d", typ)
}

func (f *File) parseDatatype(c *cursor, depth int) (Datatype, error) {
	at := c.off()
	b0 := c.u8()
	bf := c.bytes(3)
	size := c.u32()
	if c.err != nil {
		return Datatype{}, c.err
	}
	class, version := b0&0x0f, b0>>4
	if version < 1 || version > 4 {
		return Datatype{}, f.formatErr(at, "datatype version %d", version)
	}
	t := Datatype{Size: int(size)}
	switch class {
	case 0: // fixed-point
		t.Class = Integer
		t.BigEndian = bf[0]&1 != 0
		t.Signed = bf[0]&0x08 != 0
		off, prec := c.u16(), c.u16()
		if c.err != nil {
			return t, c.err
		}
		if (size != 1 && size != 2 && size != 4 && size != 8) || off != 0 || uint32(prec) != 8*size {
			return t, f.unsupported(at, "integer of %d bytes, bit offset %d, precision %d", size, off, prec)
		}
	case 1: // floating point
		t.Class = Float
		if bf[0]&0x40 != 0 {
			return t, f.unsupported(at, "VAX-order floating point")
		}
		t.BigEndian = bf[0]&1 != 0
		off, prec := c.u16(), c.u16()
		eloc, esize, mloc, msize := c.u8(), c.u8(), c.u8(), c.u8()
		bias := c.u32()
		if c.err != nil {
			return t, c.err
		}
		ieee := map[uint32][5]uint32{2: {10, 5, 0, 10, 15}, 4: {23, 8, 0, 23, 127}, 8: {52, 11, 0, 52, 1023}}
		want, ok := ieee[size]
		if !ok || off != 0 || uint32(prec) != 8*size || [5]uint32{uint32(eloc), uint32(esize), uint32(mloc), uint32(msize), bias} != want {
			return t, f.unsupported(at, "non-IEEE float of %d bytes", size)
		}
	case 3: // string
		t.Class = String
		t.Pad = int(bf[0] & 0x0f)
		if size == 0 {
			return t, f.formatErr(at, "fixed-length string of 0 bytes")
		}
	case 9: // variable-length
		if bf[0]&0x0f != 1 {
			return t, f.unsupported(at, "variable-length sequences (only strings)")
		}
		if depth > 0 {
			return t, f.formatErr(at, "nested variable-length type")
		}
		t.Class = VarString
		t.Pad = int(bf[0] >> 4 & 0x0f)
		base, err := f.parseDatatype(c, depth+1)
		if err != nil {
			return t, err
		}
		if base.Size != 1 || (base.Class != String && base.Class != Integer) {
			return t, f.unsupported(at, "variable-length string of %d-byte %v characters", base.Size, base.Class)
		}
		if int(size) != 4+f.offSize+4 {
			return t, f.formatErr(at, "variable-length element of %d bytes (want %d)", size, 8+f.offSize)
		}
	default:
		return t, f.unsupported(at, "datatype class %d", class)
	}
	return t, nil
}

func (f *File) parseLayout(c *cursor, rank int) (layout, error) {
	at := c.off()
	l := layout{at: at}
	v := c.u8()
	if c.err == nil && (v < 3 || v > 4) {
		return l, f.unsupported(at, "data layout message version %d", v)
	}
	l.class = int(c.u8())
	switch l.class {
	case 0:
		n := int(c.u16())
		l.compact = c.bytes(n)
	case 1:
		l.addr = c.addr()
		l.size = c.length()
	case 2:
		var dims []uint64
		if v == 3 {
			nd := int(c.u8())
			l.addr = c.addr()
			for range nd {
				dims = append(dims, uint64(c.u32()))
			}
		} else {
			l.flags = c.u8()
			nd := int(c.u8())
			enc := int(c.u8())
			if c.err == nil && (enc < 1 || enc > 8) {
				return l, f.formatErr(c.off()-1, "chunk dimension sizes of %d bytes", enc)
			}
			for range nd {
				dims = append(dims, c.uvar(enc))
			}
			l.index = int(c.u8())
			switch l.index {
			case 1: // single chunk
				if l.flags&0x02 != 0 {
					l.single.size = c.length()
					l.single.mask = c.u32()
				}
			case 2: // implicit
			case 3: // fixed array
				c.skip(1) // page bits
			case 4:
				return l, f.unsupported(at, "extensible-array chunk index (datasets with an unlimited dimension under libver='latest')")
			case 5:
				return l, f.unsupported(at, "v2 B-tree chunk index (datasets with several unlimited dimensions under libver='latest')")
			default:
				if c.err == nil {
					return l, f.formatErr(at, "chunk index type %d", l.index)
				}
			}
			l.addr = c.addr()
		}
		if c.err != nil {
			return l, c.err
		}
		// The last dimension is the element size.
		if len(dims) != rank+1 {
			return l, f.formatErr(at, "chunk of %d dimensions for a dataset of rank %d", len(dims)-1, rank)
		}
		l.chunk = dims[:rank]
		for _, d := range l.chunk {
			if d == 0 || d > maxDatasetBytes {
				return l, f.formatErr(at, "chunk dimensions %v", l.chunk)
			}
		}
	case 3:
		return l, f.unsupported(at, "virtual dataset layout")
	default:
		if c.err == nil {
			return l, f.formatErr(at+1, "layout class %d", l.class)
		}
	}
	return l, c.err
}

func (f *File) parseFilters(c *cursor) ([]filter, error) {
	at := c.off()
	v := c.u8()
	n := int(c.u8())
	if v == 1 {
		c.skip(6)
	} else if v != 2 && c.err == nil {
		return nil, f.unsupported(at, "filter pipeline version %d", v)
	}
	if c.err == nil && n > 32 {
		return nil, f.formatErr(at+1, "%d filters (HDF5 allows 32)", n)
	}
	var out []filter
	for range n {
		fl := filter{at: c.off()}
		fl.id = c.u16()
		nameLen := 0
		if v == 1 || fl.id >= 256 {
			nameLen = int(c.u16())
		}
		fl.flags = c.u16()
		nv := int(c.u16())
		if v == 1 {
			nameLen = (nameLen + 7) &^ 7
		}
		c.skip(nameLen)
		if c.err == nil && nv > (len(c.b)-c.pos)/4 {
			c.fail(true, "%d filter parameters, %d bytes left", nv, len(c.b)-c.pos)
		}
		for range nv {
			fl.params = append(fl.params, c.u32())
		}
		if v == 1 && nv%2 == 1 {
			c.skip(4)
		}
		if c.err != nil {
			return nil, c.err
		}
		switch fl.id {
		case 1, 2, 3:
		default:
			return nil, f.unsupported(fl.at, "filter %d (this reader knows deflate 1, shuffle 2, fletcher32 3)", fl.id)
		}
		out = append(out, fl)
	}
	return out, nil
}

// Raw returns every element's bytes as stored, in row-major order. Chunks
// that were never written read as zeros.
func (d *Dataset) Raw() ([]byte, error) {
	f := d.f
	total, err := d.byteSize()
	if err != nil {
		return nil, err
	}
	l := d.layout
	switch l.class {
	case 0:
		if len(l.compact) < total {
			return nil, f.formatErr(l.at, "compact data of %d bytes for a %d-byte dataset", len(l.compact), total)
		}
		return bytes.Clone(l.compact[:total]), nil
	case 1:
		if total == 0 {
			return nil, nil
		}
		if l.addr == undef {
			return nil, f.unsupported(l.at, "dataset %s was never written (no data address)", d.Path)
		}
		if l.size < uint64(total) {
			return nil, f.formatErr(l.at, "contiguous data of %d bytes for a %d-byte dataset", l.size, total)
		}
		c, err := f.read(l.addr, total, "dataset "+d.Path)
		if err != nil {
			return nil, err
		}
		return c.b, nil
	}
	// Chunked data may be compressed or never written (zeros): what it
	// yields beyond the bytes it occupies counts against the file's
	// expansion limit, which a dataset larger than the file plus what is
	// left of that limit cannot fit, so it is refused before allocating.
	if room := f.size + f.maxExpanded - f.expanded.Load(); int64(total) > room {
		return nil, f.errAt(l.at, ErrLimit, "chunked dataset %s of %d bytes in a %d-byte file would exceed the file's expansion limit (%d× its size, at least %d bytes)",
			d.Path, total, f.size, MaxExpansion, ExpansionFloor)
	}
	out := make([]byte, total)
	if total == 0 {
		return out, nil
	}
	stored := int64(0)
	if l.addr != undef {
		var err error
		if stored, err = d.readChunks(out); err != nil {
			return nil, err
		}
	}
	if err := f.expand(int64(total)-stored, l.at, "dataset "+d.Path); err != nil {
		return nil, err
	}
	return out, nil
}

// chunkBytes returns the decoded size of one chunk.
func (d *Dataset) chunkBytes() (int, error) {
	n := uint64(d.Type.Size)
	for _, c := range d.layout.chunk {
		if n > maxDatasetBytes/c {
			return 0, d.f.unsupported(d.layout.at, "chunks of %v elements exceed this reader's limit", d.layout.chunk)
		}
		n *= c
	}
	return int(n), nil
}

// readChunks decodes every stored chunk into out and returns how many bytes
// the chunks occupy in the file. Each chunk of the grid may be stored once.
func (d *Dataset) readChunks(out []byte) (int64, error) {
	f, l := d.f, d.layout
	cb, err := d.chunkBytes()
	if err != nil {
		return 0, err
	}
	rank := len(d.Shape)
	grid := make([]uint64, rank)
	nchunks := uint64(1)
	for i := range rank {
		grid[i] = (d.Shape[i] + l.chunk[i] - 1) / l.chunk[i]
		nchunks *= grid[i]
	}
	coords := func(k uint64) []uint64 {
		off := make([]uint64, rank)
		for i := rank - 1; i >= 0; i-- {
			off[i] = k % grid[i] * l.chunk[i]
			k /= grid[i]
		}
		return off
	}
	w := &chunkWalk{out: out, cb: cb, grid: grid, placed: map[uint64]bool{}}
	switch l.index {
	case 0:
		err = d.walkChunkBTree(l.addr, 0, map[uint64]bool{}, w)
	case 1:
		size, mask := uint64(cb), uint32(0)
		filtered := l.flags&0x02 != 0
		if filtered {
			size, mask = l.single.size, l.single.mask
		}
		err = d.chunk(l.addr, size, mask, make([]uint64, rank), w, filtered)
	case 2:
		// Implicit index: every chunk stored in grid order from addr.
		if start := f.abs(l.addr); start < 0 || nchunks > uint64(f.size-start)/uint64(cb) {
			return 0, f.formatErr(l.at, "%d implicit chunks of %d bytes do not fit the file", nchunks, cb)
		}
		for k := range nchunks {
			if err = d.chunk(l.addr+k*uint64(cb), uint64(cb), 0, coords(k), w, false); err != nil {
				break
			}
		}
	case 3:
		err = d.fixedArray(nchunks, coords, w)
	default:
		err = f.formatErr(l.at, "chunk index %d", l.index)
	}
	return w.stored, err
}

// chunkWalk is the state of one dataset's chunk reads.
type chunkWalk struct {
	out    []byte
	cb     int             // decoded bytes of a whole chunk
	grid   []uint64        // chunks along each dimension
	placed map[uint64]bool // chunks read so far, by grid index
	stored int64           // file bytes of the chunks read
}

// walkChunkBTree reads the chunks indexed by a version-1 B-tree ("TREE",
// node type 1): keys hold the chunk size, filter mask and coordinates.
func (d *Dataset) walkChunkBTree(addr uint64, depth int, seen map[uint64]bool, w *chunkWalk) error {
	f := d.f
	if depth > maxDepth {
		return f.formatErr(d.layout.at, "chunk B-tree deeper than %d", maxDepth)
	}
	if seen[addr] {
		return f.formatErr(max(f.abs(addr), 0), "chunk B-tree node %#x visited twice", addr)
	}
	seen[addr] = true
	rank := len(d.Shape)
	hdr := 8 + 2*f.offSize
	keySize := 8 + 8*(rank+1)
	c, err := f.read(addr, hdr, "chunk B-tree node")
	if err != nil {
		return err
	}
	c.sig("TREE")
	typ, level, n := c.u8(), c.u8(), int(c.u16())
	if c.err != nil {
		return c.err
	}
	if typ != 1 {
		return f.formatErr(c.at+4, "chunk B-tree node of type %d (want 1)", typ)
	}
	c, err = f.read(addr, hdr+n*(keySize+f.offSize)+keySize, "chunk B-tree node")
	if err != nil {
		return err
	}
	c.pos = hdr
	for range n {
		size := c.u32()
		mask := c.u32()
		off := make([]uint64, rank)
		for i := range off {
			off[i] = c.u64()
		}
		c.u64() // the element-size dimension's offset, always 0
		child := c.addr()
		if c.err != nil {
			return c.err
		}
		if level > 0 {
			if err := d.walkChunkBTree(child, depth+1, seen, w); err != nil {
				return err
			}
			continue
		}
		if err := d.chunk(child, uint64(size), mask, off, w, len(d.filters) > 0); err != nil {
			return err
		}
	}
	return nil
}

// fixedArray reads the chunks indexed by a fixed array ("FAHD", "FADB").
func (d *Dataset) fixedArray(nchunks uint64, coords func(uint64) []uint64, w *chunkWalk) error {
	cb := w.cb
	f := d.f
	c, err := f.read(d.layout.addr, 4+1+1+1+1+f.lenSize+f.offSize+4, "fixed array header")
	if err != nil {
		return err
	}
	c.sig("FAHD")
	c.skip(1)
	client := c.u8()
	entry := int(c.u8())
	pageBits := c.u8()
	n := c.length()
	block := c.addr()
	c.checksum(0)
	if c.err != nil {
		return c.err
	}
	if pageBits < 64 && n > 1<<pageBits {
		return f.unsupported(c.at, "paged fixed array chunk index (%d chunks)", n)
	}
	if n != nchunks {
		return f.formatErr(c.at, "fixed array of %d entries for %d chunks", n, nchunks)
	}
	want := f.offSize
	if client == 1 {
		want = f.offSize + 1 + 4
	}
	if (client != 0 && client != 1) || entry < want || entry > f.offSize+8+4 {
		return f.formatErr(c.at, "fixed array client %d with %d-byte entries", client, entry)
	}
	if n > uint64(f.size)/uint64(entry) {
		return f.formatErr(c.at, "fixed array of %d entries in a %d-byte file", n, f.size)
	}
	hdr := 4 + 1 + 1 + f.offSize
	b, err := f.read(block, hdr+int(n)*entry+4, "fixed array data block")
	if err != nil {
		return err
	}
	b.sig("FADB")
	b.pos = len(b.b) - 4
	b.checksum(0)
	if b.err != nil {
		return b.err
	}
	b.pos = hdr
	for k := range n {
		addr := b.addr()
		size, mask := uint64(cb), uint32(0)
		if client == 1 {
			size = b.uvar(entry - f.offSize - 4)
			mask = b.u32()
		}
		if b.err != nil {
			return b.err
		}
		if addr == undef {
			continue // never written: fill value (zeros)
		}
		if err := d.chunk(addr, size, mask, coords(k), w, client == 1); err != nil {
			return err
		}
	}
	return nil
}

// chunk reads the chunk stored at addr (size bytes, filters masked by mask),
// decodes it and copies it into w.out at element coordinates off. A chunk
// of the grid listed a second time is an error: a well-formed index lists
// each once, and a repeated one would be decoded again and again.
func (d *Dataset) chunk(addr, size uint64, mask uint32, off []uint64, w *chunkWalk, filtered bool) error {
	f, out, cb := d.f, w.out, w.cb
	var k uint64
	for i, o := range off {
		if o >= d.Shape[i] || o%d.layout.chunk[i] != 0 {
			return f.formatErr(max(f.abs(addr), 0), "chunk at %v outside the dataset %v or off the chunk grid", off, d.Shape)
		}
		k = k*w.grid[i] + o/d.layout.chunk[i]
	}
	if w.placed[k] {
		return f.formatErr(max(f.abs(addr), 0), "chunk at %v of %s listed twice in its index", off, d.Path)
	}
	w.placed[k] = true
	if size > uint64(f.size) {
		return f.formatErr(max(f.abs(addr), 0), "chunk of %d bytes in a %d-byte file", size, f.size)
	}
	c, err := f.read(addr, int(size), "chunk of "+d.Path)
	if err != nil {
		return err
	}
	data := c.b
	edge := false
	for i := range off {
		if off[i]+d.layout.chunk[i] > d.Shape[i] {
			edge = true
		}
	}
	if filtered && !(edge && d.layout.flags&0x01 != 0) {
		if data, err = d.unfilter(data, mask, c.at, cb); err != nil {
			return err
		}
	}
	if len(data) != cb {
		return f.formatErr(c.at, "chunk decodes to %d bytes, want %d", len(data), cb)
	}
	w.stored += int64(size)
	d.place(data, off, out)
	return nil
}

// unfilter undoes the filter pipeline, last filter first.
func (d *Dataset) unfilter(data []byte, mask uint32, at int64, cb int) ([]byte, error) {
	f := d.f
	for i := len(d.filters) - 1; i >= 0; i-- {
		if mask&(1<<i) != 0 {
			continue
		}
		fl := d.filters[i]
		switch fl.id {
		case 1: // deflate: a zlib stream
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, f.errAt(at, causeError{ErrFormat, err}, "deflate filter")
			}
			var buf bytes.Buffer
			buf.Grow(cb)
			if _, err := io.Copy(&buf, io.LimitReader(zr, int64(cb)+1)); err != nil {
				return nil, f.errAt(at, causeError{ErrFormat, err}, "deflate filter")
			}
			data = buf.Bytes()
		case 2: // shuffle: byte planes
			es := d.Type.Size
			if len(fl.params) > 0 {
				es = int(fl.params[0])
			}
			if es < 1 || es > 1<<16 {
				return nil, f.formatErr(fl.at, "shuffle element size %d", es)
			}
			data = unshuffle(data, es)
		case 3: // fletcher32: checksum appended
			if len(data) < 4 {
				return nil, f.formatErr(at, "fletcher32 chunk of %d bytes", len(data))
			}
			body, stored := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
			sum := fletcher32(body)
			if stored != sum && stored != bswap32(sum) {
				return nil, f.formatErr(at, "fletcher32 checksum %08x, computed %08x", stored, sum)
			}
			data = body
		}
	}
	return data, nil
}

func unshuffle(in []byte, es int) []byte {
	n := len(in) / es
	out := make([]byte, len(in))
	for j := range es {
		plane := in[j*n : (j+1)*n]
		for i, b := range plane {
			out[i*es+j] = b
		}
	}
	copy(out[n*es:], in[n*es:])
	return out
}

func bswap32(v uint32) uint32 {
	return v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24
}

// fletcher32 is HDF5's Fletcher-32 over big-endian 16-bit words
// (H5_checksum_fletcher32).
func fletcher32(b []byte) uint32 {
	var s1, s2 uint32
	for len(b) >= 2 {
		n := min(len(b)/2, 360)
		for range n {
			s1 += uint32(b[0])<<8 | uint32(b[1])
			s2 += s1
			b = b[2:]
		}
		s1 = s1&0xffff + s1>>16
		s2 = s2&0xffff + s2>>16
	}
	if len(b) == 1 {
		s1 += uint32(b[0]) << 8
		s2 += s1
		s1 = s1&0xffff + s1>>16
		s2 = s2&0xffff + s2>>16
	}
	s1 = s1&0xffff + s1>>16
	s2 = s2&0xffff + s2>>16
	return s2<<16 | s1
}

// place copies a decoded chunk into the dataset buffer, clipping chunks
// that overhang the dataset's edge.
func (d *Dataset) place(chunk []byte, off []uint64, out []byte) {
	rank, es := len(d.Shape), uint64(d.Type.Size)
	if rank == 0 {
		copy(out, chunk)
		return
	}
	cd := d.layout.chunk
	// Number of elements of each chunk dimension inside the dataset.
	in := make([]uint64, rank)
	for i := range rank {
		in[i] = min(cd[i], d.Shape[i]-off[i])
	}
	idx := make([]uint64, rank) // position within the chunk, last dim fixed at 0
	for {
		var src, dst uint64
		for i := range rank {
			src = src*cd[i] + idx[i]
			dst = dst*d.Shape[i] + off[i] + idx[i]
		}
		n := in[rank-1] * es
		copy(out[dst*es:dst*es+n], chunk[src*es:src*es+n])
		i := rank - 2
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < in[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// Int64s returns the elements of an integer dataset.
func (d *Dataset) Int64s() ([]int64, error) {
	if d.Type.Class != Integer {
		return nil, d.f.formatErr(d.at, "dataset %s holds %vs, not integers", d.Path, d.Type.Class)
	}
	if _, err := d.sizeAs(8); err != nil {
		return nil, err
	}
	raw, err := d.Raw()
	if err != nil {
		return nil, err
	}
	es := d.Type.Size
	out := make([]int64, len(raw)/es)
	for i := range out {
		v, ok := d.Type.integer(raw[i*es : (i+1)*es])
		if !ok {
			return nil, d.f.formatErr(d.at, "dataset %s: element %d does not fit an int64", d.Path, i)
		}
		out[i] = v
	}
	return out, nil
}

// integer decodes one integer element; ok is false for an unsigned 64-bit
// value above MaxInt64.
func (t Datatype) integer(b []byte) (int64, bool) {
	var buf [8]byte
	n := len(b)
	if t.BigEndian {
		for i := range n {
			buf[i] = b[n-1-i]
		}
	} else {
		copy(buf[:], b)
	}
	u := binary.LittleEndian.Uint64(buf[:])
	if t.Signed {
		shift := 64 - 8*uint(n)
		return int64(u<<shift) >> shift, true
	}
	return int64(u), u <= math.MaxInt64
}

// Float64s returns the elements of an integer or float dataset as float64.
func (d *Dataset) Float64s() ([]float64, error) {
	t := d.Type
	if t.Class != Integer && t.Class != Float {
		return nil, d.f.formatErr(d.at, "dataset %s holds %vs, not numbers", d.Path, t.Class)
	}
	if _, err := d.sizeAs(8); err != nil {
		return nil, err
	}
	raw, err := d.Raw()
	if err != nil {
		return nil, err
	}
	es := t.Size
	out := make([]float64, len(raw)/es)
	var buf [8]byte
	for i := range out {
		e := raw[i*es : (i+1)*es]
		if t.Class == Integer {
			v, ok := t.integer(e)
			if !ok {
				out[i] = float64(uint64(v))
				continue
			}
			out[i] = float64(v)
			continue
		}
		for k := range es {
			if t.BigEndian {
				buf[k] = e[es-1-k]
			} else {
				buf[k] = e[k]
			}
		}
		switch es {
		case 2:
			out[i] = half(binary.LittleEndian.Uint16(buf[:]))
		case 4:
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[:])))
		default:
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[:]))
		}
	}
	return out, nil
}

// half converts an IEEE 754 binary16 value to float64.
func half(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, m := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return sign * m * math.Pow(2, -24)
	case 31:
		if m == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * (1 + m/1024) * math.Pow(2, float64(e-15))
}

// Strings returns the elements of a string dataset, fixed- or
// variable-length, with padding removed.
func (d *Dataset) Strings() ([]string, error) {
	t, f := d.Type, d.f
	if t.Class != String && t.Class != VarString {
		return nil, f.formatErr(d.at, "dataset %s holds %vs, not strings", d.Path, t.Class)
	}
	raw, err := d.Raw()
	if err != nil {
		return nil, err
	}
	es := t.Size
	out := make([]string, len(raw)/es)
	heaps := map[uint64]map[uint16][]byte{}
	type ref struct {
		coll uint64
		idx  uint32
	}
	used := map[ref]bool{}
	for i := range out {
		e := raw[i*es : (i+1)*es]
		if t.Class == String {
			out[i] = trimPad(e, t.Pad)
			continue
		}
		c := &cursor{f: f, b: e, at: d.at}
		n := c.u32()
		coll := c.addr()
		idx := c.u32()
		if c.err != nil {
			return nil, c.err
		}
		if n == 0 {
			continue
		}
		objs, ok := heaps[coll]
		if !ok {
			if objs, err = f.globalHeap(coll); err != nil {
				return nil, err
			}
			heaps[coll] = objs
		}
		obj, ok := objs[uint16(idx)]
		if !ok || idx > math.MaxUint16 {
			return nil, f.formatErr(max(f.abs(coll), 0), "global heap has no object %d (string %d of %s)", idx, i, d.Path)
		}
		if uint64(n) > uint64(len(obj)) {
			return nil, f.formatErr(max(f.abs(coll), 0), "string %d of %s: %d bytes in a %d-byte heap object", i, d.Path, n, len(obj))
		}
		// A heap object used by several strings yields its bytes again.
		if r := (ref{coll, idx}); used[r] {
			if err := f.expand(int64(n), d.at, "string "+strconv.Itoa(i)+" of "+d.Path); err != nil {
				return nil, err
			}
		} else {
			used[r] = true
		}
		out[i] = trimPad(obj[:n], t.Pad)
	}
	return out, nil
}

func trimPad(b []byte, pad int) string {
	switch pad {
	case 0:
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
	case 1:
		b = bytes.TrimRight(b, "\x00")
	case 2:
		b = bytes.TrimRight(b, " ")
	}
	return string(b)
}

// globalHeap reads a global heap collection ("GCOL") and returns its
// objects by index.
func (f *File) globalHeap(addr uint64) (map[uint16][]byte, error) {
	c, err := f.read(addr, 8+f.lenSize, "global heap collection")
	if err != nil {
		return nil, err
	}
	c.sig("GCOL")
	if v := c.u8(); v != 1 && c.err == nil {
		return nil, f.unsupported(c.at+4, "global heap version %d", v)
	}
	c.skip(3)
	size := c.length()
	if c.err != nil {
		return nil, c.err
	}
	if size > uint64(f.size) || size < uint64(8+f.lenSize) {
		return nil, f.formatErr(c.at+8, "global heap collection of %d bytes", size)
	}
	c, err = f.read(addr, int(size), "global heap collection")
	if err != nil {
		return nil, err
	}
	c.pos = 8 + f.lenSize
	objs := map[uint16][]byte{}
	for len(c.b)-c.pos >= 8+f.lenSize {
		idx := c.u16()
		c.skip(6) // reference count, reserved
		n := c.length()
		if idx == 0 {
			break // free space up to the end of the collection
		}
		if c.err == nil && n > uint64(len(c.b)-c.pos) {
			c.fail(true, "global heap object of %d bytes, %d left", n, len(c.b)-c.pos)
		}
		data := c.bytes(int(n))
		c.skip(min(int((8-n%8)%8), len(c.b)-c.pos))
		if c.err != nil {
			return nil, c.err
		}
		objs[idx] = data
	}
	return objs, nil
}
