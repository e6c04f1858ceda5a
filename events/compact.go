package events

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"slices"
)

// Constants of the compact event format (see WriteDataset).
const (
	compactMagic      = "\x89MEV\r\n\x1a\n"
	compactVersion    = 1
	compactHeaderSize = 24
	// compactMaxExpansion bounds the decompressed size of a DEFLATE stream:
	// its best case, a 258-byte match coded in about 2 bits, expands at most
	// 1032:1 (zlib technical details, "Maximum compression factor").
	compactMaxExpansion = 1032
	// compactMaxPayload is the largest payload this reader accepts
	// (assumption: 2 GiB, about 500 million events, keeps int lengths safe
	// on 32-bit platforms).
	compactMaxPayload = math.MaxInt32
	// compactLevel is the DEFLATE level WriteDataset uses. Measured on
	// NMNISTsmall (4.1 M events): level 4 writes in 0.4 s at 2.30 bytes/event,
	// level 6 in 1.3 s at 2.29, level 9 in 12.5 s at 2.28; 4 is the knee.
	compactLevel  = 4
	formatCompact = "memlsm events"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteDataset writes d in the compact event format ("memlsm events", file
// extension .mev), which stores a
// whole Dataset: sensor, class names, per-sample label, ID, speaker and
// metadata, and every event. Layout (all integers little-endian):
//
//	offset size
//	0      8    magic "\x89MEV\r\n\x1a\n" (PNG-style: catches text-mode damage)
//	8      1    version, 1
//	9      3    reserved, zero
//	12     4    CRC-32C (Castagnoli) of the decompressed payload
//	16     8    length of the decompressed payload in bytes
//	24     ...  the payload as one raw DEFLATE stream (RFC 1951), to the end
//
// The payload is a sequence of unsigned LEB128 varints ("uv") and strings
// (uv length, then UTF-8 bytes):
//
//	sensor:  str name, uv width, uv height, uv channels, uv polarities
//	classes: uv n, n × str
//	samples: uv n, then per sample
//	         uv label, str id, str speaker, uv nmeta, nmeta × (str key, str value)
//	         (keys strictly increasing), uv n2d, uv n1d
//	streams: the events of all samples, one field at a time, so that DEFLATE
//	         sees runs of similar bytes:
//	         T2 (every 2-D event's time step), X2 (uv), Y2 (uv), P2 (1 byte each),
//	         T1 (every 1-D event's time step), C1 (uv channel), P1 (1 byte each)
//
// A time step is the difference to the previous event of the same sample (the
// first event's to 0), never negative since events are time-ordered. On the 1000
// recordings of N-MNIST (NMNISTsmall) this takes 2.30 bytes per event,
// against 5 for the original .bin (see TestCompactSizeNMNIST).
//
// Decoding is strict: every count is checked against the bytes left, every
// value against its range and the sensor, the checksum and the exact
// payload length must match, and nothing may follow the DEFLATE stream.
// Errors in the header give file offsets; errors in the payload give the
// offset in the decompressed payload and say so.
//
// WriteDataset validates d first (see Dataset.Validate) and writes nothing
// if d is invalid. ReadDataset and DecodeDataset read the format back.
func WriteDataset(w io.Writer, d *Dataset) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return writeCompact(w, encodePayload(d))
}

// encodePayload encodes d (valid or not: tests use it to build bad input).
func encodePayload(d *Dataset) []byte {
	var p []byte
	p = appendString(p, d.Sensor.Name)
	for _, v := range []int{d.Sensor.Width, d.Sensor.Height, d.Sensor.Channels, d.Sensor.Polarities} {
		p = binary.AppendUvarint(p, uint64(v))
	}
	p = binary.AppendUvarint(p, uint64(len(d.Classes)))
	for _, c := range d.Classes {
		p = appendString(p, c)
	}
	p = binary.AppendUvarint(p, uint64(len(d.Samples)))
	n2, n1 := 0, 0
	for i := range d.Samples {
		s := &d.Samples[i]
		p = binary.AppendUvarint(p, uint64(s.Label))
		p = appendString(p, s.ID)
		p = appendString(p, s.Speaker)
		p = binary.AppendUvarint(p, uint64(len(s.Meta)))
		for _, k := range slices.Sorted(maps.Keys(s.Meta)) {
			p = appendString(p, k)
			p = appendString(p, s.Meta[k])
		}
		p = binary.AppendUvarint(p, uint64(len(s.Events2D)))
		p = binary.AppendUvarint(p, uint64(len(s.Events1D)))
		n2 += len(s.Events2D)
		n1 += len(s.Events1D)
	}
	p = slices.Grow(p, 4*n2+3*n1)
	for i := range d.Samples {
		var last uint32
		for _, e := range d.Samples[i].Events2D {
			p = binary.AppendUvarint(p, uint64(e.T-last))
			last = e.T
		}
	}
	for i := range d.Samples {
		for _, e := range d.Samples[i].Events2D {
			p = binary.AppendUvarint(p, uint64(e.X))
		}
	}
	for i := range d.Samples {
		for _, e := range d.Samples[i].Events2D {
			p = binary.AppendUvarint(p, uint64(e.Y))
		}
	}
	for i := range d.Samples {
		for _, e := range d.Samples[i].Events2D {
			p = append(p, e.P)
		}
	}
	for i := range d.Samples {
		var last uint32
		for _, e := range d.Samples[i].Events1D {
			p = binary.AppendUvarint(p, uint64(e.T-last))
			last = e.T
		}
	}
	for i := range d.Samples {
		for _, e := range d.Samples[i].Events1D {
			p = binary.AppendUvarint(p, uint64(e.Ch))
		}
	}
	for i := range d.Samples {
		for _, e := range d.Samples[i].Events1D {
			p = append(p, e.P)
		}
	}
	return p
}

// writeCompact writes the header and the compressed payload p.
func writeCompact(w io.Writer, p []byte) error {
	var hdr [compactHeaderSize]byte
	copy(hdr[:], compactMagic)
	hdr[8] = compactVersion
	binary.LittleEndian.PutUint32(hdr[12:], crc32.Checksum(p, castagnoli))
	binary.LittleEndian.PutUint64(hdr[16:], uint64(len(p)))
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(hdr[:]); err != nil {
		return fmt.Errorf("events: writing compact events: %w", err)
	}
	fw, err := flate.NewWriter(bw, compactLevel)
	if err != nil {
		return fmt.Errorf("events: writing compact events: %w", err)
	}
	if _, err := fw.Write(p); err != nil {
		return fmt.Errorf("events: writing compact events: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("events: writing compact events: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("events: writing compact events: %w", err)
	}
	return nil
}

func appendString(p []byte, s string) []byte {
	p = binary.AppendUvarint(p, uint64(len(s)))
	return append(p, s...)
}

// ReadDataset reads a dataset in the compact event format (see
// WriteDataset). If r is an *os.File its name appears in errors.
func ReadDataset(r io.Reader) (*Dataset, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("events: reading compact events: %w", err)
	}
	return DecodeDataset(readerName(r), b)
}

// DecodeDataset decodes a dataset in the compact event format from b; file
// names it in errors.
func DecodeDataset(file string, b []byte) (*Dataset, error) {
	bad := func(off int64, err error, msg string, args ...any) error {
		return formatErr(formatCompact, file, off, err, msg, args...)
	}
	if len(b) == 0 {
		return nil, bad(0, io.ErrUnexpectedEOF, "empty file")
	}
	if len(b) < compactHeaderSize {
		if !bytes.HasPrefix([]byte(compactMagic), b[:min(len(b), len(compactMagic))]) {
			return nil, bad(0, nil, "not a memlsm events file (bad magic)")
		}
		return nil, bad(int64(len(b)), io.ErrUnexpectedEOF, "truncated header (%d of %d bytes)", len(b), compactHeaderSize)
	}
	if string(b[:8]) != compactMagic {
		return nil, bad(0, nil, "not a memlsm events file (bad magic % x)", b[:8])
	}
	if b[8] != compactVersion {
		return nil, bad(8, nil, "unsupported version %d (this reader knows %d)", b[8], compactVersion)
	}
	if b[9]|b[10]|b[11] != 0 {
		return nil, bad(9, nil, "reserved header bytes are not zero")
	}
	sum := binary.LittleEndian.Uint32(b[12:])
	n := binary.LittleEndian.Uint64(b[16:])
	comp := b[compactHeaderSize:]
	if len(comp) == 0 {
		return nil, bad(compactHeaderSize, io.ErrUnexpectedEOF, "no payload after the header")
	}
	if n > uint64(len(comp))*compactMaxExpansion+64 || n > compactMaxPayload {
		return nil, bad(16, nil, "payload length %d is impossible for %d compressed bytes", n, len(comp))
	}
	br := bytes.NewReader(comp)
	fr := flate.NewReader(br)
	p := make([]byte, int(n))
	if _, err := io.ReadFull(fr, p); err != nil {
		return nil, bad(int64(len(b)-br.Len()), err, "compressed payload ends before its declared %d bytes", n)
	}
	var one [1]byte
	if k, err := fr.Read(one[:]); k != 0 || err != io.EOF {
		if k != 0 || err == nil {
			return nil, bad(16, nil, "payload is longer than its declared %d bytes", n)
		}
		return nil, bad(int64(len(b)-br.Len()), err, "bad compressed payload end")
	}
	if br.Len() != 0 {
		return nil, bad(int64(len(b)-br.Len()), nil, "%d bytes after the end of the compressed payload", br.Len())
	}
	if got := crc32.Checksum(p, castagnoli); got != sum {
		return nil, bad(12, nil, "checksum mismatch: header %08x, payload %08x", sum, got)
	}
	d, err := decodePayload(p)
	if err != nil {
		var pe *payloadError
		if errors.As(err, &pe) {
			return nil, bad(pe.off, pe.err, "in the decompressed payload: %s", pe.msg)
		}
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, bad(compactHeaderSize, err, "invalid dataset")
	}
	return d, nil
}

type payloadError struct {
	off int64
	msg string
	err error
}

func (e *payloadError) Error() string { return e.msg }

// payload is a strict cursor over the decompressed payload.
type payload struct {
	b   []byte
	off int
	err *payloadError
}

func (p *payload) fail(err error, msg string, args ...any) {
	if p.err == nil {
		p.err = &payloadError{off: int64(p.off), msg: fmt.Sprintf(msg, args...), err: err}
	}
}

func (p *payload) uv(what string) uint64 {
	if p.err != nil {
		return 0
	}
	v, k := binary.Uvarint(p.b[p.off:])
	if k <= 0 {
		if k == 0 {
			p.fail(io.ErrUnexpectedEOF, "truncated %s", what)
		} else {
			p.fail(nil, "%s overflows 64 bits", what)
		}
		return 0
	}
	p.off += k
	return v
}

// count reads a count of items that each take at least minBytes more bytes,
// and fails if the rest of the payload cannot hold them.
func (p *payload) count(what string, minBytes int) int {
	start := p.off
	v := p.uv(what)
	if p.err == nil && v > uint64(len(p.b)-p.off)/uint64(minBytes) {
		p.off = start
		p.fail(io.ErrUnexpectedEOF, "%s %d exceeds the %d bytes left", what, v, len(p.b)-p.off)
		return 0
	}
	return int(v)
}

// small reads a uv of at most limit, which must fit an int32.
func (p *payload) small(what string, limit uint64) int {
	return int(p.upTo(what, limit))
}

// upTo reads a uv of at most limit (as uint64: safe on 32-bit platforms).
func (p *payload) upTo(what string, limit uint64) uint64 {
	start := p.off
	v := p.uv(what)
	if p.err == nil && v > limit {
		p.off = start
		p.fail(nil, "%s %d exceeds %d", what, v, limit)
		return 0
	}
	return v
}

func (p *payload) str(what string) string {
	n := p.count(what+" length", 1)
	if p.err != nil {
		return ""
	}
	s := string(p.b[p.off : p.off+n])
	p.off += n
	return s
}

func decodePayload(b []byte) (*Dataset, error) {
	p := &payload{b: b}
	d := &Dataset{}
	d.Sensor.Name = p.str("sensor name")
	d.Sensor.Width = p.small("sensor width", math.MaxUint16+1)
	d.Sensor.Height = p.small("sensor height", math.MaxUint16+1)
	d.Sensor.Channels = p.small("sensor channels", math.MaxUint16+1)
	d.Sensor.Polarities = p.small("sensor polarities", math.MaxUint8+1)
	nc := p.count("class count", 1)
	if p.err == nil && nc > 0 {
		d.Classes = make([]string, nc)
	}
	for i := range nc {
		d.Classes[i] = p.str("class name")
	}
	ns := p.count("sample count", 6)
	if p.err == nil && ns > 0 {
		d.Samples = make([]Sample, ns)
	}
	type counts struct{ n2, n1 int }
	cnt := make([]counts, ns)
	var tot2, tot1 int
	for i := 0; i < ns && p.err == nil; i++ {
		s := &d.Samples[i]
		s.Label = p.small("label", uint64(max(nc-1, 0)))
		s.ID = p.str("sample ID")
		s.Speaker = p.str("speaker")
		nm := p.count("metadata count", 2)
		if nm > 0 {
			s.Meta = make(map[string]string, nm)
		}
		prev := ""
		for k := 0; k < nm && p.err == nil; k++ {
			key := p.str("metadata key")
			if k > 0 && key <= prev {
				p.fail(nil, "metadata keys not strictly sorted (%q after %q)", key, prev)
			}
			prev = key
			s.Meta[key] = p.str("metadata value")
		}
		// 2-D events take at least 4 payload bytes each (T, X, Y, P), 1-D 3.
		c := counts{n2: p.count("2-D event count", 4)}
		c.n1 = p.count("1-D event count", 3)
		tot2 += c.n2
		tot1 += c.n1
		if p.err == nil && (tot2 > (len(b)-p.off)/4 || tot1 > (len(b)-p.off)/3) {
			p.fail(io.ErrUnexpectedEOF, "event counts exceed the %d bytes left", len(b)-p.off)
		}
		cnt[i] = c
	}
	if p.err != nil {
		return nil, p.err
	}
	// One allocation for every event of each kind; samples share it.
	all2 := make([]Event2D, tot2)
	all1 := make([]Event1D, tot1)
	o2, o1 := 0, 0
	for i := range d.Samples {
		if c := cnt[i]; c.n2 > 0 {
			d.Samples[i].Events2D = all2[o2 : o2+c.n2 : o2+c.n2]
			o2 += c.n2
		}
		if c := cnt[i]; c.n1 > 0 {
			d.Samples[i].Events1D = all1[o1 : o1+c.n1 : o1+c.n1]
			o1 += c.n1
		}
	}
	for i := range d.Samples {
		ev := d.Samples[i].Events2D
		var t uint64
		for j := 0; j < len(ev) && p.err == nil; j++ {
			t += p.upTo("time step", math.MaxUint32)
			if t > math.MaxUint32 {
				p.fail(nil, "time %d µs exceeds 2^32-1", t)
			}
			ev[j].T = uint32(t)
		}
	}
	for j := range all2 {
		all2[j].X = uint16(p.small("x", math.MaxUint16))
	}
	for j := range all2 {
		all2[j].Y = uint16(p.small("y", math.MaxUint16))
	}
	if p.err == nil && len(p.b)-p.off < len(all2) {
		p.fail(io.ErrUnexpectedEOF, "truncated 2-D polarity stream")
	}
	if p.err == nil {
		for j := range all2 {
			all2[j].P = p.b[p.off+j]
		}
		p.off += len(all2)
	}
	for i := range d.Samples {
		ev := d.Samples[i].Events1D
		var t uint64
		for j := 0; j < len(ev) && p.err == nil; j++ {
			t += p.upTo("time step", math.MaxUint32)
			if t > math.MaxUint32 {
				p.fail(nil, "time %d µs exceeds 2^32-1", t)
			}
			ev[j].T = uint32(t)
		}
	}
	for j := range all1 {
		all1[j].Ch = uint16(p.small("channel", math.MaxUint16))
	}
	if p.err == nil && len(p.b)-p.off < len(all1) {
		p.fail(io.ErrUnexpectedEOF, "truncated 1-D polarity stream")
	}
	if p.err == nil {
		for j := range all1 {
			all1[j].P = p.b[p.off+j]
		}
		p.off += len(all1)
	}
	if p.err == nil && p.off != len(p.b) {
		p.fail(nil, "%d unused bytes at the end of the payload", len(p.b)-p.off)
	}
	if p.err != nil {
		return nil, p.err
	}
	return d, nil
}
