package hdf5

// Header message types used by this reader (HDF5 format spec, "Disk Format:
// Level 2A2 — Data Object Header Messages").
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgLayout       = 0x08
	msgFilters      = 0x0B
	msgLink         = 0x06
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
)

// message is one header message: its type, flags and body.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	at    int64 // file offset of data
}

func (m *message) cursor(f *File) *cursor { return &cursor{f: f, b: m.data, at: m.at} }

// object is a parsed object header.
type object struct {
	addr uint64
	at   int64 // file offset of the header
	msgs []message
}

func (o *object) find(typ uint16) *message {
	for i := range o.msgs {
		if o.msgs[i].typ == typ {
			return &o.msgs[i]
		}
	}
	return nil
}

// readObject reads the object header at addr, following continuation
// messages, and returns its messages.
func (f *File) readObject(addr uint64) (*object, error) {
	start := f.abs(addr)
	if addr == undef || start < 0 || start >= f.size {
		return nil, f.formatErr(max(min(start, f.size), 0), "object header address %#x outside the %d-byte file", addr, f.size)
	}
	o := &object{addr: addr, at: start}
	// The first bytes tell the version: v2 headers start "OHDR".
	c, err := f.readUpTo(addr, 16, "object header")
	if err != nil {
		return nil, err
	}
	var conts []contBlock
	v2 := len(c.b) >= 4 && string(c.b[:4]) == "OHDR"
	if v2 {
		c.skip(4)
		if v := c.u8(); v != 2 && c.err == nil {
			return nil, f.unsupported(start+4, "object header version %d", v)
		}
		flags := c.u8()
		n := 4 + 2 // signature, version, flags
		if flags&0x20 != 0 {
			n += 16 // access, modification, change, birth times
		}
		if flags&0x10 != 0 {
			n += 4 // attribute phase change values
		}
		sizeLen := 1 << (flags & 3)
		if c.err != nil {
			return nil, c.err
		}
		hc, err := f.read(addr, n+sizeLen, "object header prefix")
		if err != nil {
			return nil, err
		}
		hc.skip(n)
		chunk := hc.uvar(sizeLen)
		if hc.err != nil {
			return nil, hc.err
		}
		if chunk > uint64(f.size) {
			return nil, f.formatErr(start+int64(n), "object header chunk of %d bytes in a %d-byte file", chunk, f.size)
		}
		full, err := f.read(addr, n+sizeLen+int(chunk)+4, "object header")
		if err != nil {
			return nil, err
		}
		full.pos = len(full.b) - 4
		full.checksum(0)
		if full.err != nil {
			return nil, full.err
		}
		body := &cursor{f: f, b: full.b[:len(full.b)-4], pos: n + sizeLen, at: start}
		conts, err = f.parseMessagesV2(o, body, flags&0x04 != 0, conts)
		if err != nil {
			return nil, err
		}
	} else {
		if v := c.u8(); v != 1 && c.err == nil {
			return nil, f.formatErr(start, "object header version %d (want 1, or a v2 \"OHDR\" header)", v)
		}
		c.skip(3) // reserved, number of messages
		c.skip(4) // reference count
		size := c.u32()
		if c.err != nil {
			return nil, c.err
		}
		// Messages start after the 12-byte prefix, aligned to 8 bytes.
		body, err := f.read(addr+16, int(size), "object header")
		if err != nil {
			return nil, err
		}
		conts, err = f.parseMessagesV1(o, body, conts)
		if err != nil {
			return nil, err
		}
	}
	// Each continuation block is parsed once, and together they cannot
	// hold more bytes than the file: parsing an object stays linear in the
	// file's size whatever its continuation messages claim.
	seen := map[uint64]bool{}
	var total uint64
	for len(conts) > 0 {
		b := conts[0]
		conts = conts[1:]
		if seen[b.addr] {
			return nil, f.formatErr(b.at, "continuation block at %#x listed twice", b.addr)
		}
		seen[b.addr] = true
		if b.length > uint64(f.size) {
			return nil, f.formatErr(b.at, "continuation block of %d bytes in a %d-byte file", b.length, f.size)
		}
		if total += b.length; total > uint64(f.size) {
			return nil, f.formatErr(b.at, "continuation blocks of object %#x add up to %d bytes, more than the %d-byte file (they overlap)", addr, total, f.size)
		}
		body, err := f.read(b.addr, int(b.length), "continuation block")
		if err != nil {
			return nil, err
		}
		if v2 {
			if !body.sig("OCHK") {
				return nil, body.err
			}
			body.pos = len(body.b) - 4
			body.checksum(0)
			if body.err != nil {
				return nil, body.err
			}
			body.b, body.pos = body.b[:len(body.b)-4], 4
			conts, err = f.parseMessagesV2(o, body, false, conts)
		} else {
			conts, err = f.parseMessagesV1(o, body, conts)
		}
		if err != nil {
			return nil, err
		}
	}
	return o, nil
}

type contBlock = struct {
	addr, length uint64
	at           int64
}

// parseMessagesV1 parses version-1 messages: type (2), size (2), flags (1),
// reserved (3), body (size, a multiple of 8).
func (f *File) parseMessagesV1(o *object, c *cursor, conts []contBlock) ([]contBlock, error) {
	for len(c.b)-c.pos >= 8 {
		typ := c.u16()
		size := int(c.u16())
		flags := c.u8()
		c.skip(3)
		at := c.off()
		data := c.bytes(size)
		if c.err != nil {
			return nil, c.err
		}
		var err error
		if conts, err = f.addMessage(o, typ, flags, data, at, conts); err != nil {
			return nil, err
		}
	}
	return conts, nil
}

// parseMessagesV2 parses version-2 messages: type (1), size (2), flags (1),
// [creation order (2)], body; a gap shorter than a message header may end
// the block.
func (f *File) parseMessagesV2(o *object, c *cursor, order bool, conts []contBlock) ([]contBlock, error) {
	hdr := 4
	if order {
		hdr = 6
	}
	for len(c.b)-c.pos >= hdr {
		typ := uint16(c.u8())
		size := int(c.u16())
		flags := c.u8()
		if order {
			c.skip(2)
		}
		at := c.off()
		data := c.bytes(size)
		if c.err != nil {
			return nil, c.err
		}
		var err error
		if conts, err = f.addMessage(o, typ, flags, data, at, conts); err != nil {
			return nil, err
		}
	}
	return conts, nil
}

func (f *File) addMessage(o *object, typ uint16, flags uint8, data []byte, at int64, conts []contBlock) ([]contBlock, error) {
	if len(o.msgs) >= maxMessages {
		return nil, f.formatErr(at, "more than %d header messages", maxMessages)
	}
	switch typ {
	case msgNil:
		return conts, nil
	case msgContinuation:
		c := &cursor{f: f, b: data, at: at}
		a, l := c.addr(), c.length()
		if c.err != nil {
			return nil, c.err
		}
		return append(conts, contBlock{addr: a, length: l, at: at}), nil
	}
	if flags&0x02 != 0 {
		switch typ {
		case msgDataspace, msgDatatype, msgFilters, msgLayout, msgLink, msgLinkInfo, msgSymbolTable:
			return nil, f.unsupported(at, "shared header message of type %#x", typ)
		}
	}
	o.msgs = append(o.msgs, message{typ: typ, flags: flags, data: data, at: at})
	return conts, nil
}
