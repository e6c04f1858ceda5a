package hostile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math"
)

// h5 builds small HDF5 files by hand (superblock 0, version-1 object
// headers, symbol-table groups, contiguous and chunked datasets), so the
// corpus can place every structure, including the malformed ones, where it
// wants. Structures are appended; addresses are byte offsets (base 0).
// Format: "HDF5 File Format Specification Version 3.0" (The HDF Group).
type h5 struct {
	b []byte
}

const h5Undef = ^uint64(0)

func newH5() *h5 {
	w := &h5{b: make([]byte, 96)} // superblock, patched by finish
	return w
}

// align pads the file to a multiple of 8 and returns the new end.
func (w *h5) align() uint64 {
	for len(w.b)%8 != 0 {
		w.b = append(w.b, 0)
	}
	return uint64(len(w.b))
}

// put appends b at an 8-aligned address and returns it.
func (w *h5) put(b []byte) uint64 {
	at := w.align()
	w.b = append(w.b, b...)
	return at
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// msg is one header message.
type msg struct {
	typ  uint16
	body []byte
}

// object appends a version-1 object header holding msgs and returns its
// address.
func (w *h5) object(msgs ...msg) uint64 {
	var body []byte
	for _, m := range msgs {
		b := m.body
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		body = le16(body, m.typ)
		body = le16(body, uint16(len(b)))
		body = append(body, 0, 0, 0, 0) // flags, reserved
		body = append(body, b...)
	}
	hdr := []byte{1, 0}
	hdr = le16(hdr, uint16(len(msgs)))
	hdr = le32(hdr, 1) // reference count
	hdr = le32(hdr, uint32(len(body)))
	hdr = append(hdr, 0, 0, 0, 0) // pad the 12-byte prefix to 16
	return w.put(append(hdr, body...))
}

// continuation is a continuation message to a block at addr of n bytes.
func continuation(addr, n uint64) msg {
	return msg{0x10, le64(le64(nil, addr), n)}
}

// rawMessages encodes msgs as the body of a continuation block.
func rawMessages(msgs ...msg) []byte {
	var body []byte
	for _, m := range msgs {
		b := m.body
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		body = le16(body, m.typ)
		body = le16(body, uint16(len(b)))
		body = append(body, 0, 0, 0, 0)
		body = append(body, b...)
	}
	return body
}

// dataspace is a simple dataspace message of the given dimensions.
func dataspace(dims ...uint64) msg {
	b := []byte{1, byte(len(dims)), 0, 0, 0, 0, 0, 0}
	for _, d := range dims {
		b = le64(b, d)
	}
	return msg{0x01, b}
}

// float64Type is the datatype message of little-endian IEEE binary64.
func float64Type() msg {
	b := []byte{0x11, 0x20, 0x3f, 0x00} // class 1, version 1; LE, pad bits; sign at 63
	b = le32(b, 8)
	b = le16(b, 0)  // bit offset
	b = le16(b, 64) // precision
	b = append(b, 52, 11, 0, 52)
	b = le32(b, 1023)
	return msg{0x03, b}
}

// uint8Type is the datatype message of an unsigned byte.
func uint8Type() msg {
	b := []byte{0x10, 0, 0, 0}
	b = le32(b, 1)
	b = le16(b, 0)
	b = le16(b, 8)
	return msg{0x03, b}
}

// stringType is a fixed-length, NUL-padded string datatype of n bytes.
func stringType(n int) msg {
	b := []byte{0x13, 0x01, 0, 0}
	b = le32(b, uint32(n))
	return msg{0x03, b}
}

// contiguous is a layout message for n bytes at addr.
func contiguous(addr, n uint64) msg {
	return msg{0x08, le64(le64([]byte{3, 1}, addr), n)}
}

// chunked is a layout message of a chunked dataset whose chunk B-tree is at
// tree; chunk gives the chunk's dimensions, es the element size.
func chunked(tree uint64, es uint32, chunk ...uint32) msg {
	b := []byte{3, 2, byte(len(chunk) + 1)}
	b = le64(b, tree)
	for _, c := range chunk {
		b = le32(b, c)
	}
	b = le32(b, es)
	return msg{0x08, b}
}

// deflateFilter is a filter pipeline message with one deflate filter.
func deflateFilter() msg {
	b := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	b = le16(b, 1) // deflate
	b = le16(b, 0) // name length
	b = le16(b, 0) // flags
	b = le16(b, 1) // one client value
	b = le32(b, 6) // level
	b = le32(b, 0) // pad to 8
	return msg{0x0B, b}
}

// chunkKey is one key of a chunk B-tree: stored size, filter mask and the
// chunk's element offsets (the element-size dimension's 0 is added).
type chunkKey struct {
	size   uint32
	offset []uint64
	child  uint64
}

// chunkTree appends a leaf chunk B-tree node listing keys and returns its
// address; rank is the dataset's rank.
func (w *h5) chunkTree(rank int, keys []chunkKey) uint64 {
	b := []byte("TREE")
	b = append(b, 1, 0) // chunk node, leaf
	b = le16(b, uint16(len(keys)))
	b = le64(b, h5Undef)
	b = le64(b, h5Undef)
	key := func(size uint32, off []uint64) {
		b = le32(b, size)
		b = le32(b, 0)
		for i := range rank {
			v := uint64(0)
			if i < len(off) {
				v = off[i]
			}
			b = le64(b, v)
		}
		b = le64(b, 0)
	}
	for _, k := range keys {
		key(k.size, k.offset)
		b = le64(b, k.child)
	}
	key(0, nil) // the final key
	return w.put(b)
}

// group appends a symbol-table group of the given members (name → object
// header address) and returns its object header's address.
func (w *h5) group(names []string, addrs []uint64) uint64 {
	// Local heap data: "" at 0 (the B-tree's first key), then the names.
	heap := []byte{0, 0, 0, 0, 0, 0, 0, 0}
	offs := make([]uint64, len(names))
	for i, n := range names {
		offs[i] = uint64(len(heap))
		heap = append(heap, n...)
		heap = append(heap, 0)
		for len(heap)%8 != 0 {
			heap = append(heap, 0)
		}
	}
	return w.groupRaw(heap, offs, addrs)
}

// groupRaw appends a group whose local heap holds heap and whose entries
// name the heap offsets offs (one symbol table node per 64 entries, all
// under one B-tree node).
func (w *h5) groupRaw(heap []byte, offs, addrs []uint64) uint64 {
	dataAddr := w.put(heap)
	hb := []byte("HEAP")
	hb = append(hb, 0, 0, 0, 0)
	hb = le64(hb, uint64(len(heap)))
	hb = le64(hb, h5Undef) // no free list
	hb = le64(hb, dataAddr)
	heapAddr := w.put(hb)
	var snods []uint64
	for lo := 0; lo < len(offs) || lo == 0; lo += 64 {
		hi := min(lo+64, len(offs))
		s := []byte("SNOD")
		s = append(s, 1, 0)
		s = le16(s, uint16(hi-lo))
		for i := lo; i < hi; i++ {
			s = le64(s, offs[i])
			s = le64(s, addrs[i])
			s = append(s, make([]byte, 24)...) // cache type, reserved, scratch pad
		}
		snods = append(snods, w.put(s))
		if len(offs) == 0 {
			break
		}
	}
	t := []byte("TREE")
	t = append(t, 0, 0)
	t = le16(t, uint16(len(snods)))
	t = le64(t, h5Undef)
	t = le64(t, h5Undef)
	for _, a := range snods {
		t = le64(t, 0)
		t = le64(t, a)
	}
	t = le64(t, 0)
	tree := w.put(t)
	return w.object(msg{0x11, le64(le64(nil, tree), heapAddr)})
}

// dataset appends a contiguous float64 dataset of values and returns its
// object header's address.
func (w *h5) float64s(values []float64) uint64 {
	var data []byte
	for _, v := range values {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	at := w.put(data)
	return w.object(dataspace(uint64(len(values))), float64Type(), contiguous(at, uint64(len(data))))
}

// strings appends a fixed-length string dataset and returns its address.
func (w *h5) strings(s []string) uint64 {
	n := 1
	for _, v := range s {
		n = max(n, len(v))
	}
	var data []byte
	for _, v := range s {
		data = append(data, v...)
		data = append(data, make([]byte, n-len(v))...)
	}
	at := w.put(data)
	return w.object(dataspace(uint64(len(s))), stringType(n), contiguous(at, uint64(len(data))))
}

// finish writes the superblock with root as the root group and returns the
// file.
func (w *h5) finish(root uint64) []byte {
	w.align()
	b := w.b[:0:96]
	b = append(b, "\x89HDF\r\n\x1a\n"...)
	b = append(b, 0, 0, 0, 0, 0, 8, 8, 0) // versions, sizes of offsets and lengths
	b = le16(b, 4)                        // group leaf node K
	b = le16(b, 16)                       // group internal node K
	b = le32(b, 0)                        // consistency flags
	b = le64(b, 0)                        // base address
	b = le64(b, h5Undef)                  // free-space info
	b = le64(b, uint64(len(w.b)))         // end of file
	b = le64(b, h5Undef)                  // driver info
	b = le64(b, 0)                        // root entry: name offset
	b = le64(b, root)                     // root entry: object header
	b = append(b, make([]byte, 24)...)
	copy(w.b, b)
	return w.b
}

// zlibBytes compresses b with zlib (the HDF5 deflate filter's format).
func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
