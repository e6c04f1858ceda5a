package hdf5

import (
	"math/bits"
	"slices"
	"strings"
)

// Group is an HDF5 group: a set of named links to objects.
type Group struct {
	f     *File
	addr  uint64
	Path  string
	names []string
	links map[string]link
}

type link struct {
	addr uint64 // object header address; undef for soft and external links
	kind string // "hard", "soft", "external"
	at   int64  // where the link was found (for errors)
}

// Names returns the names of the group's members, sorted.
func (g *Group) Names() []string { return g.names }

// Root opens the root group.
func (f *File) Root() (*Group, error) { return f.openGroup("/", f.root) }

// OpenGroup opens the group at a slash-separated path from the root.
func (f *File) OpenGroup(path string) (*Group, error) {
	g, err := f.Root()
	if err != nil {
		return nil, err
	}
	for _, part := range splitPath(path) {
		if g, err = g.Group(part); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// OpenDataset opens the dataset at a slash-separated path from the root.
func (f *File) OpenDataset(path string) (*Dataset, error) {
	parts := splitPath(path)
	if len(parts) == 0 {
		return nil, f.formatErr(0, "empty dataset path")
	}
	g, err := f.OpenGroup(strings.Join(parts[:len(parts)-1], "/"))
	if err != nil {
		return nil, err
	}
	return g.Dataset(parts[len(parts)-1])
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

func (g *Group) child(name string) (uint64, string, error) {
	l, ok := g.links[name]
	if !ok {
		return 0, "", g.f.formatErr(0, "group %s has no member %q", g.Path, name)
	}
	if l.kind != "hard" {
		return 0, "", g.f.unsupported(l.at, "%s link %s in %s", l.kind, name, g.Path)
	}
	return l.addr, joinPath(g.Path, name), nil
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// Group opens the member group name.
func (g *Group) Group(name string) (*Group, error) {
	addr, path, err := g.child(name)
	if err != nil {
		return nil, err
	}
	return g.f.openGroup(path, addr)
}

// Dataset opens the member dataset name.
func (g *Group) Dataset(name string) (*Dataset, error) {
	addr, path, err := g.child(name)
	if err != nil {
		return nil, err
	}
	return g.f.openDataset(path, addr)
}

func (f *File) openGroup(path string, addr uint64) (*Group, error) {
	o, err := f.readObject(addr)
	if err != nil {
		return nil, err
	}
	g := &Group{f: f, addr: addr, Path: path, links: map[string]link{}}
	add := func(name string, l link) error {
		if len(g.links) >= maxLinks {
			return f.formatErr(l.at, "group %s has more than %d members", path, maxLinks)
		}
		if _, dup := g.links[name]; dup {
			return f.formatErr(l.at, "group %s lists %q twice", path, name)
		}
		g.links[name] = l
		g.names = append(g.names, name)
		return nil
	}
	switch {
	case o.find(msgSymbolTable) != nil:
		c := o.find(msgSymbolTable).cursor(f)
		tree, heap := c.addr(), c.addr()
		if c.err != nil {
			return nil, c.err
		}
		heapData, err := f.localHeap(heap)
		if err != nil {
			return nil, err
		}
		names := &nameHeap{c: heapData, ends: map[int]uint64{}}
		if err := f.walkGroupBTree(tree, names, 0, map[uint64]bool{}, add); err != nil {
			return nil, err
		}
	case o.find(msgLinkInfo) != nil:
		m := o.find(msgLinkInfo)
		c := m.cursor(f)
		if v := c.u8(); v != 0 && c.err == nil {
			return nil, f.unsupported(m.at, "link info message version %d", v)
		}
		flags := c.u8()
		if flags&1 != 0 {
			c.skip(8) // maximum creation index
		}
		heap, nameTree := c.addr(), c.addr()
		if c.err != nil {
			return nil, c.err
		}
		if heap == undef {
			if err := f.compactLinks(o, add); err != nil {
				return nil, err
			}
			break
		}
		if err := f.denseLinks(heap, nameTree, add); err != nil {
			return nil, err
		}
	case o.find(msgLink) != nil:
		if err := f.compactLinks(o, add); err != nil {
			return nil, err
		}
	default:
		return nil, f.formatErr(o.at, "object %s is not a group", path)
	}
	slices.Sort(g.names)
	return g, nil
}

// localHeap reads a local heap ("HEAP") and returns its data segment.
func (f *File) localHeap(addr uint64) (*cursor, error) {
	c, err := f.read(addr, 8+2*f.lenSize+f.offSize, "local heap")
	if err != nil {
		return nil, err
	}
	c.sig("HEAP")
	if v := c.u8(); v != 0 && c.err == nil {
		return nil, f.unsupported(c.at+4, "local heap version %d", v)
	}
	c.skip(3)
	size := c.length()
	c.length() // free list head
	data := c.addr()
	if c.err != nil {
		return nil, c.err
	}
	if size > uint64(f.size) {
		return nil, f.formatErr(c.at+8, "local heap of %d bytes in a %d-byte file", size, f.size)
	}
	return f.read(data, int(size), "local heap data")
}

// nameHeap is a group's local heap of link names. Names in a well-formed
// heap do not overlap; ends records, for each name's terminating NUL, where
// the name started, so overlapping names (which would make reading the
// names quadratic in the heap's size) are an error.
type nameHeap struct {
	c    *cursor
	ends map[int]uint64
}

// heapString returns the NUL-terminated string at off in a local heap.
func (f *File) heapString(heap *nameHeap, off uint64, at int64) (string, error) {
	b := heap.c.b
	if off >= uint64(len(b)) {
		return "", f.formatErr(at, "name offset %d outside the %d-byte local heap", off, len(b))
	}
	s := b[off:]
	i := slices.Index(s, 0)
	if i < 0 {
		return "", f.formatErr(heap.c.at+int64(off), "unterminated name in the local heap")
	}
	end := int(off) + i
	if start, dup := heap.ends[end]; dup && start != off {
		return "", f.formatErr(at, "name at heap offset %d overlaps the name at %d", off, start)
	}
	heap.ends[end] = off
	return string(s[:i]), nil
}

// walkGroupBTree visits the symbol table nodes of a version-1 group B-tree
// ("TREE", node type 0).
func (f *File) walkGroupBTree(addr uint64, heap *nameHeap, depth int, seen map[uint64]bool, add func(string, link) error) error {
	if depth > maxDepth {
		return f.formatErr(0, "group B-tree deeper than %d", maxDepth)
	}
	if seen[addr] {
		return f.formatErr(max(f.abs(addr), 0), "group B-tree node %#x visited twice", addr)
	}
	seen[addr] = true
	hdr := 8 + 2*f.offSize
	c, err := f.read(addr, hdr, "group B-tree node")
	if err != nil {
		return err
	}
	c.sig("TREE")
	typ, level, n := c.u8(), c.u8(), int(c.u16())
	if c.err != nil {
		return c.err
	}
	if typ != 0 {
		return f.formatErr(c.at+4, "group B-tree node of type %d (want 0)", typ)
	}
	c, err = f.read(addr, hdr+n*(f.lenSize+f.offSize)+f.lenSize, "group B-tree node")
	if err != nil {
		return err
	}
	c.pos = hdr
	for range n {
		c.length() // key: heap offset of the largest name in the child
		child := c.addr()
		if c.err != nil {
			return c.err
		}
		if level > 0 {
			if err := f.walkGroupBTree(child, heap, depth+1, seen, add); err != nil {
				return err
			}
			continue
		}
		if err := f.symbolNode(child, heap, add); err != nil {
			return err
		}
	}
	return nil
}

// symbolNode reads a symbol table node ("SNOD") and adds its entries.
func (f *File) symbolNode(addr uint64, heap *nameHeap, add func(string, link) error) error {
	c, err := f.read(addr, 8, "symbol table node")
	if err != nil {
		return err
	}
	c.sig("SNOD")
	if v := c.u8(); v != 1 && c.err == nil {
		return f.unsupported(c.at+4, "symbol table node version %d", v)
	}
	c.skip(1)
	n := int(c.u16())
	if c.err != nil {
		return c.err
	}
	entry := 2*f.offSize + 24
	c, err = f.read(addr, 8+n*entry, "symbol table node")
	if err != nil {
		return err
	}
	c.pos = 8
	for range n {
		at := c.off()
		nameOff := c.uvar(f.offSize)
		obj := c.addr()
		c.skip(24) // cache type, reserved, scratch pad
		if c.err != nil {
			return c.err
		}
		name, err := f.heapString(heap, nameOff, at)
		if err != nil {
			return err
		}
		if err := add(name, link{addr: obj, kind: "hard", at: at}); err != nil {
			return err
		}
	}
	return nil
}

// compactLinks adds the link messages held in an object header.
func (f *File) compactLinks(o *object, add func(string, link) error) error {
	for i := range o.msgs {
		if o.msgs[i].typ != msgLink {
			continue
		}
		name, l, err := f.parseLink(o.msgs[i].cursor(f))
		if err != nil {
			return err
		}
		if err := add(name, l); err != nil {
			return err
		}
	}
	return nil
}

// parseLink decodes a link message (type 0x06).
func (f *File) parseLink(c *cursor) (string, link, error) {
	at := c.off()
	if v := c.u8(); v != 1 && c.err == nil {
		return "", link{}, f.unsupported(at, "link message version %d", v)
	}
	flags := c.u8()
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = c.u8()
	}
	if flags&0x04 != 0 {
		c.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		c.skip(1) // character set
	}
	n := c.uvar(1 << (flags & 3))
	if c.err == nil && n > uint64(len(c.b)-c.pos) {
		c.fail(true, "link name of %d bytes, %d left", n, len(c.b)-c.pos)
	}
	name := string(c.bytes(int(n)))
	l := link{addr: undef, at: at}
	switch typ {
	case 0:
		l.kind = "hard"
		l.addr = c.addr()
	case 1:
		l.kind = "soft"
	case 64:
		l.kind = "external"
	default:
		return "", link{}, f.unsupported(at, "link type %d", typ)
	}
	if c.err != nil {
		return "", link{}, c.err
	}
	if name == "" {
		return "", link{}, f.formatErr(at, "empty link name")
	}
	return name, l, nil
}

// fheap is a fractal heap ("FRHP"): the store of dense groups' links.
type fheap struct {
	f             *File
	at            int64
	idLen         int
	checkDirect   bool
	width         int
	start         uint64 // starting block size
	maxDirect     uint64 // maximum direct block size
	rootAddr      uint64
	rootRows      int
	offSize       int // bytes of a heap offset
	lenSize       int // bytes of a managed object's length
	maxDirectRows int
	startBits     int                // log2(start · width)
	blocks        map[uint64]*cursor // indirect blocks read so far
}

func isPow2(v uint64) bool { return v != 0 && v&(v-1) == 0 }

func log2(v uint64) int { return bits.Len64(v) - 1 }

// readFHeap parses a fractal heap header.
func (f *File) readFHeap(addr uint64) (*fheap, error) {
	n := 4 + 1 + 2 + 2 + 1 + 4 + 12*f.lenSize + 3*f.offSize + 2 + 2 + 2 + 2 + 4
	c, err := f.read(addr, n, "fractal heap header")
	if err != nil {
		return nil, err
	}
	h := &fheap{f: f, at: c.at}
	c.sig("FRHP")
	if v := c.u8(); v != 0 && c.err == nil {
		return nil, f.unsupported(c.at+4, "fractal heap version %d", v)
	}
	h.idLen = int(c.u16())
	filterLen := c.u16()
	flags := c.u8()
	h.checkDirect = flags&0x02 != 0
	maxManaged := uint64(c.u32())
	c.length() // next huge ID
	c.addr()   // huge object B-tree
	c.length() // free space
	c.addr()   // free-space manager
	c.length() // managed space
	c.length() // allocated managed space
	c.length() // direct block allocation iterator
	c.length() // managed objects
	c.length() // huge object size
	c.length() // huge objects
	c.length() // tiny object size
	c.length() // tiny objects
	h.width = int(c.u16())
	h.start = c.length()
	h.maxDirect = c.length()
	maxHeapBits := int(c.u16())
	c.u16() // starting rows of the root indirect block
	h.rootAddr = c.addr()
	h.rootRows = int(c.u16())
	if c.err != nil {
		return nil, c.err
	}
	if filterLen != 0 {
		return nil, f.unsupported(c.at, "filtered fractal heap")
	}
	c.checksum(0)
	if c.err != nil {
		return nil, c.err
	}
	switch {
	case h.width < 1 || !isPow2(uint64(h.width)) || h.width > 1<<16:
		return nil, f.formatErr(c.at, "fractal heap table width %d", h.width)
	case !isPow2(h.start) || !isPow2(h.maxDirect) || h.maxDirect < h.start || h.maxDirect > 1<<40:
		return nil, f.formatErr(c.at, "fractal heap block sizes %d..%d", h.start, h.maxDirect)
	case maxHeapBits < 1 || maxHeapBits > 64:
		return nil, f.formatErr(c.at, "fractal heap of %d address bits", maxHeapBits)
	}
	h.offSize = (maxHeapBits + 7) / 8
	h.lenSize = min((log2(h.maxDirect)+7)/8, (log2(max(maxManaged, 1))+7)/8)
	h.maxDirectRows = log2(h.maxDirect) - log2(h.start) + 2
	h.startBits = log2(h.start) + log2(uint64(h.width))
	if h.rootRows > 64 {
		return nil, f.formatErr(c.at, "fractal heap root with %d rows", h.rootRows)
	}
	return h, nil
}

// rowSize returns the block size of row r of the doubling table.
func (h *fheap) rowSize(r int) uint64 {
	if r == 0 {
		return h.start
	}
	return h.start << (r - 1)
}

// rowOffset returns the heap offset where row r starts.
func (h *fheap) rowOffset(r int) uint64 {
	if r == 0 {
		return 0
	}
	return h.start * uint64(h.width) << (r - 1)
}

// object returns the heap object with the given heap ID.
func (h *fheap) object(id []byte, at int64) ([]byte, error) {
	f := h.f
	if len(id) < 1 {
		return nil, f.formatErr(at, "empty heap ID")
	}
	switch kind := id[0] >> 4 & 3; {
	case id[0]>>6 != 0:
		return nil, f.unsupported(at, "heap ID version %d", id[0]>>6)
	case kind == 2: // tiny: the object is in the ID
		n := int(id[0]&0x0f) + 1
		data := id[1:]
		if h.idLen > 18 {
			if len(id) < 2 {
				return nil, f.formatErr(at, "short tiny heap ID")
			}
			n = (int(id[0]&0x0f)<<8 | int(id[1])) + 1
			data = id[2:]
		}
		if n > len(data) {
			return nil, f.formatErr(at, "tiny heap object of %d bytes in a %d-byte ID", n, len(id))
		}
		return data[:n], nil
	case kind != 0:
		return nil, f.unsupported(at, "huge fractal heap objects")
	}
	c := &cursor{f: f, b: id, at: at, pos: 1}
	off := c.uvar(h.offSize)
	n := c.uvar(h.lenSize)
	if c.err != nil {
		return nil, c.err
	}
	if n == 0 || n > h.maxDirect {
		return nil, f.formatErr(at, "heap object of %d bytes", n)
	}
	if h.rootRows == 0 {
		return h.direct(h.rootAddr, h.start, 0, off, n)
	}
	return h.indirect(h.rootAddr, h.rootRows, 0, off, n, 0)
}

// direct reads n bytes at heap offset off from the direct block at addr,
// which covers [blockOff, blockOff+size).
func (h *fheap) direct(addr, size, blockOff, off, n uint64) ([]byte, error) {
	f := h.f
	c, err := f.read(addr, 5+f.offSize+h.offSize, "fractal heap direct block")
	if err != nil {
		return nil, err
	}
	c.sig("FHDB")
	c.skip(1 + f.offSize)
	if got := c.uvar(h.offSize); c.err == nil && got != blockOff {
		return nil, f.formatErr(c.at, "direct block for heap offset %d claims %d", blockOff, got)
	}
	if c.err != nil {
		return nil, c.err
	}
	rel := off - blockOff
	if off < blockOff || rel > size || n > size-rel {
		return nil, f.formatErr(c.at, "heap object [%d,+%d) outside its %d-byte direct block", off, n, size)
	}
	c, err = f.read(addr+rel, int(n), "fractal heap object")
	if err != nil {
		return nil, err
	}
	return c.b, nil
}

// indirect finds heap offset off under the indirect block at addr (nrows
// rows, covering heap offsets from blockOff).
func (h *fheap) indirect(addr uint64, nrows int, blockOff, off, n uint64, depth int) ([]byte, error) {
	f := h.f
	if depth > maxDepth {
		return nil, f.formatErr(h.at, "fractal heap deeper than %d", maxDepth)
	}
	ndirect := min(nrows, h.maxDirectRows) * h.width
	nindirect := max(nrows-h.maxDirectRows, 0) * h.width
	pre := 5 + f.offSize + h.offSize
	c := h.blocks[addr]
	if c == nil {
		var err error
		c, err = f.read(addr, pre+(ndirect+nindirect)*f.offSize+4, "fractal heap indirect block")
		if err != nil {
			return nil, err
		}
		c.sig("FHIB")
		c.skip(1 + f.offSize)
		if got := c.uvar(h.offSize); c.err == nil && got != blockOff {
			return nil, f.formatErr(c.at, "indirect block for heap offset %d claims %d", blockOff, got)
		}
		c.pos = len(c.b) - 4
		c.checksum(0)
		if c.err != nil {
			return nil, c.err
		}
		if h.blocks == nil {
			h.blocks = map[uint64]*cursor{}
		}
		h.blocks[addr] = c
	} else if len(c.b) != pre+(ndirect+nindirect)*f.offSize+4 {
		return nil, f.formatErr(c.at, "indirect block %#x used with two sizes", addr)
	}
	rel := off - blockOff
	if off < blockOff {
		return nil, f.formatErr(c.at, "heap offset %d before its indirect block at %d", off, blockOff)
	}
	for r := range nrows {
		if r > 62 || h.start > 1<<(62-r) {
			break // rows this large cannot be addressed: corrupt header
		}
		lo, size := h.rowOffset(r), h.rowSize(r)
		hi := lo + size*uint64(h.width)
		if rel < lo || rel >= hi {
			continue
		}
		col := int((rel - lo) / size)
		c.pos = pre + (r*h.width+col)*f.offSize
		child := c.addr()
		childOff := blockOff + lo + uint64(col)*size
		if child == undef {
			return nil, f.formatErr(c.off(), "heap offset %d falls in an unallocated block", off)
		}
		if r < h.maxDirectRows {
			return h.direct(child, size, childOff, off, n)
		}
		return h.indirect(child, log2(size)-h.startBits+1, childOff, off, n, depth+1)
	}
	return nil, f.formatErr(c.at, "heap offset %d beyond the %d-row indirect block", off, nrows)
}

// denseLinks adds the links of a dense group: every record of its name
// index (a v2 B-tree of type 5: hash, heap ID) points to a link message in
// its fractal heap.
func (f *File) denseLinks(heapAddr, treeAddr uint64, add func(string, link) error) error {
	h, err := f.readFHeap(heapAddr)
	if err != nil {
		return err
	}
	return f.walkBTree2(treeAddr, 5, func(rec []byte, at int64) error {
		if len(rec) < 4+1 {
			return f.formatErr(at, "link name record of %d bytes", len(rec))
		}
		obj, err := h.object(rec[4:], at+4)
		if err != nil {
			return err
		}
		// The link message lives in the heap; parse it in place.
		name, l, err := f.parseLink(&cursor{f: f, b: obj, at: at})
		if err != nil {
			return err
		}
		return add(name, l)
	})
}

// walkBTree2 visits every record of a version-2 B-tree ("BTHD") of the
// given type.
func (f *File) walkBTree2(addr uint64, wantType uint8, visit func(rec []byte, at int64) error) error {
	c, err := f.read(addr, 4+1+1+4+2+2+1+1+f.offSize+2+f.lenSize+4, "v2 B-tree header")
	if err != nil {
		return err
	}
	c.sig("BTHD")
	if v := c.u8(); v != 0 && c.err == nil {
		return f.unsupported(c.at+4, "v2 B-tree version %d", v)
	}
	typ := c.u8()
	nodeSize := int(c.u32())
	recSize := int(c.u16())
	depth := int(c.u16())
	c.skip(2) // split and merge percentages
	root := c.addr()
	rootN := int(c.u16())
	c.length() // total records
	c.checksum(0)
	if c.err != nil {
		return c.err
	}
	switch {
	case typ != wantType:
		return f.unsupported(c.at+5, "v2 B-tree of type %d (want %d)", typ, wantType)
	case recSize < 1 || nodeSize < 10+recSize || nodeSize > 1<<24:
		return f.formatErr(c.at+6, "v2 B-tree nodes of %d bytes with %d-byte records", nodeSize, recSize)
	case depth > maxDepth:
		return f.formatErr(c.at+12, "v2 B-tree of depth %d", depth)
	}
	if root == undef {
		return nil
	}
	// Field widths, as the HDF5 library computes them (H5B2__hdr_init).
	enc := func(v uint64) int { return log2(max(v, 1))/8 + 1 }
	maxN := make([]uint64, depth+1)
	cum := make([]uint64, depth+1)
	cumSize := make([]int, depth+1)
	maxN[0] = uint64((nodeSize - 10) / recSize)
	cum[0] = maxN[0]
	nrecSize := enc(maxN[0])
	for d := 1; d <= depth; d++ {
		ptr := f.offSize + nrecSize + cumSize[d-1]
		if nodeSize < 10+ptr {
			return f.formatErr(c.at, "v2 B-tree nodes of %d bytes cannot hold a pointer", nodeSize)
		}
		maxN[d] = uint64((nodeSize - 10 - ptr) / (recSize + ptr))
		cum[d] = (maxN[d]+1)*cum[d-1] + maxN[d]
		if cum[d] < cum[d-1] { // overflow
			cum[d] = 1<<63 - 1
		}
		cumSize[d] = enc(cum[d])
	}
	seen := map[uint64]bool{}
	var walk func(addr uint64, n, d int) error
	walk = func(addr uint64, n, d int) error {
		if seen[addr] {
			return f.formatErr(max(f.abs(addr), 0), "v2 B-tree node %#x visited twice", addr)
		}
		seen[addr] = true
		if uint64(n) > maxN[d] {
			return f.formatErr(max(f.abs(addr), 0), "v2 B-tree node with %d records (at most %d)", n, maxN[d])
		}
		sig := "BTLF"
		size := 6 + n*recSize + 4
		ptr := 0
		if d > 0 {
			sig = "BTIN"
			ptr = f.offSize + nrecSize
			if d > 1 {
				ptr += cumSize[d-1]
			}
			size += (n + 1) * ptr
		}
		c, err := f.read(addr, size, "v2 B-tree node")
		if err != nil {
			return err
		}
		c.sig(sig)
		c.skip(1)
		if t := c.u8(); c.err == nil && t != typ {
			return f.formatErr(c.at+5, "v2 B-tree node of type %d in a tree of type %d", t, typ)
		}
		recs := c.pos
		c.pos = size - 4
		c.checksum(0)
		if c.err != nil {
			return c.err
		}
		c.pos = 6 + n*recSize
		for i := 0; i <= n; i++ {
			if d > 0 {
				child := c.addr()
				childN := c.uvar(nrecSize)
				if d > 1 {
					c.uvar(cumSize[d-1])
				}
				if c.err != nil {
					return c.err
				}
				save := c.pos
				if err := walk(child, int(min(childN, 1<<31)), d-1); err != nil {
					return err
				}
				c.pos = save
			}
			if i < n {
				at := recs + i*recSize
				if err := visit(c.b[at:at+recSize], c.at+int64(at)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(root, rootN, depth)
}
