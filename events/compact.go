package events

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"unsafe"
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
	// compactMaxRatio bounds how much the payload may expand beyond
	// compactRatioFloor: event data compresses about 1.8:1 in this format
	// (NMNISTsmall 4.1 vs 2.3 bytes per event; the embedded audio 1.77:1),
	// while a decompression bomb uses DEFLATE's ~1000:1. Refusing above
	// 64:1 stops a bomb at its header, before anything is decompressed.
	compactMaxRatio   = 64
	compactRatioFloor = 16 << 20
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
// WriteDataset) from r, streaming: neither the compressed file nor the
// decompressed payload is held in memory, only the decoded dataset. If r is
// an *os.File its name appears in errors.
//
// Every size the file declares is checked before anything is allocated:
// the payload length against the compressed bytes (DEFLATE expands at most
// 1032:1) and against the read limit (DefaultLimits().Container()), the
// counts against the payload bytes left, each sample's events against
// Limits.Sample and all samples' memory against the container limit. ctx is
// checked while decoding.
func ReadDataset(ctx context.Context, r io.Reader) (*Dataset, error) {
	lim, err := Limits{}.resolve()
	if err != nil {
		return nil, err
	}
	size := int64(-1)
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil {
				size = fi.Size() - off
			}
		}
	}
	return readCompact(ctx, readerName(r), r, size, lim)
}

// DecodeDataset decodes a dataset in the compact event format from b; file
// names it in errors. It applies the same checks as ReadDataset.
func DecodeDataset(file string, b []byte) (*Dataset, error) {
	lim, err := Limits{}.resolve()
	if err != nil {
		return nil, err
	}
	return readCompact(context.Background(), file, bytes.NewReader(b), int64(len(b)), lim)
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// inflater yields exactly the declared payload length from a DEFLATE
// stream and remembers what went wrong below it.
type inflater struct {
	fr       io.Reader
	left     int64
	out      int64        // bytes yielded so far
	consumed func() int64 // compressed bytes consumed so far (file offset)
	err      error        // a failure of the compressed stream (not io.EOF at the end)
}

// errRatio is the inflater's error for a stream expanding past
// compactMaxRatio (when the file's size was not known up front).
var errRatio = fmt.Errorf("the payload expands more than %d:1: a decompression bomb: %w", compactMaxRatio, ErrLimit)

func (z *inflater) Read(p []byte) (int, error) {
	if z.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.left {
		p = p[:z.left]
	}
	n, err := z.fr.Read(p)
	z.left -= int64(n)
	z.out += int64(n)
	if z.out > max(compactMaxRatio*z.consumed(), compactRatioFloor) {
		z.err = errRatio
		return n, errRatio
	}
	if err == io.EOF && z.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		z.err = err
	}
	return n, err
}

// readCompact decodes the compact format from src, whose length is size
// (−1 if unknown).
func readCompact(ctx context.Context, file string, src io.Reader, size int64, lim Limits) (*Dataset, error) {
	bad := func(off int64, err error, msg string, args ...any) error {
		return formatErr(formatCompact, file, off, err, msg, args...)
	}
	var b [compactHeaderSize]byte
	k, err := io.ReadFull(src, b[:])
	switch {
	case k == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF):
		return nil, bad(0, io.ErrUnexpectedEOF, "empty file")
	case err == io.ErrUnexpectedEOF:
		if !bytes.HasPrefix([]byte(compactMagic), b[:min(k, len(compactMagic))]) {
			return nil, bad(0, nil, "not a memlsm events file (bad magic)")
		}
		return nil, bad(int64(k), io.ErrUnexpectedEOF, "truncated header (%d of %d bytes)", k, compactHeaderSize)
	case err != nil:
		return nil, bad(int64(k), err, "reading the header")
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
	if size >= 0 {
		comp := size - compactHeaderSize
		if comp == 0 {
			return nil, bad(compactHeaderSize, io.ErrUnexpectedEOF, "no payload after the header")
		}
		if n > uint64(comp)*compactMaxExpansion+64 {
			return nil, bad(16, nil, "payload length %d is impossible for %d compressed bytes", n, comp)
		}
		if n > uint64(max(comp*compactMaxRatio, compactRatioFloor)) {
			return nil, bad(16, ErrLimit, "payload length %d is %d× the %d compressed bytes; this reader accepts at most %d:1 above %s (event data compresses about 2:1; this is a decompression bomb)",
				n, n/uint64(comp), comp, compactMaxRatio, byteSize(compactRatioFloor))
		}
	}
	if n > compactMaxPayload {
		return nil, bad(16, nil, "payload length %d exceeds this reader's %d", n, compactMaxPayload)
	}
	if int64(n) > lim.Container() {
		return nil, limitErr(formatCompact, file, 16, fmt.Sprintf("the declared %s payload", byteSize(int64(n))), int64(n), lim.Container())
	}
	cr := &countReader{r: src}
	br := bufio.NewReader(cr) // an io.ByteReader: flate reads exactly its stream from it
	consumed := func() int64 { return compactHeaderSize + cr.n - int64(br.Buffered()) }
	fr := flate.NewReader(br)
	z := &inflater{fr: fr, left: int64(n), consumed: consumed}
	crc := crc32.New(castagnoli)
	p := &payload{r: bufio.NewReaderSize(io.TeeReader(z, crc), 64<<10), n: int64(n), ctx: ctx}
	d, perr := p.decode(lim)
	if z.err != nil { // the compressed stream failed under the payload decoder
		if z.err == errRatio {
			return nil, bad(consumed(), ErrLimit, "%v", errRatio)
		}
		if z.err == io.ErrUnexpectedEOF {
			return nil, bad(consumed(), z.err, "compressed payload ends before its declared %d bytes", n)
		}
		return nil, bad(consumed(), z.err, "bad compressed payload")
	}
	if perr != nil {
		var pe *payloadError
		if errors.As(perr, &pe) {
			if errors.Is(pe.err, ErrLimit) {
				return nil, limitErr(formatCompact, file, compactHeaderSize, "in the decompressed payload at byte "+strconv.FormatInt(pe.off, 10)+", "+pe.msg, pe.need, pe.limit)
			}
			return nil, bad(pe.off, pe.err, "in the decompressed payload: %s", pe.msg)
		}
		return nil, perr
	}
	var one [1]byte
	if k, err := fr.Read(one[:]); k != 0 || err != io.EOF {
		if k != 0 || err == nil {
			return nil, bad(16, nil, "payload is longer than its declared %d bytes", n)
		}
		return nil, bad(consumed(), err, "bad compressed payload end")
	}
	end := consumed()
	if k, _ := io.ReadFull(br, one[:]); k != 0 {
		rest := int64(1)
		if size >= 0 {
			rest = size - end
		}
		return nil, bad(end, nil, "%d bytes after the end of the compressed payload", rest)
	}
	if got := crc.Sum32(); got != sum {
		return nil, bad(12, nil, "checksum mismatch: header %08x, payload %08x", sum, got)
	}
	if err := d.Validate(); err != nil {
		return nil, bad(compactHeaderSize, err, "invalid dataset")
	}
	return d, nil
}

type payloadError struct {
	off   int64
	msg   string
	err   error
	need  int64 // ErrLimit: bytes needed and the limit
	limit int64
}

func (e *payloadError) Error() string { return e.msg }

// payload is a strict streaming cursor over the decompressed payload of n
// bytes.
type payload struct {
	r   *bufio.Reader
	n   int64 // declared length
	off int64 // bytes consumed
	err *payloadError
	ctx context.Context
	mem int64 // memory committed so far (approximate, for the container limit)
}

func (p *payload) fail(err error, msg string, args ...any) {
	if p.err == nil {
		p.err = &payloadError{off: p.off, msg: fmt.Sprintf(msg, args...), err: err}
	}
}

func (p *payload) left() int64 { return p.n - p.off }

func (p *payload) uv(what string) uint64 {
	if p.err != nil {
		return 0
	}
	buf, _ := p.r.Peek(binary.MaxVarintLen64) // fewer at the end of the stream
	v, k := binary.Uvarint(buf)
	if k <= 0 {
		if k == 0 {
			p.fail(io.ErrUnexpectedEOF, "truncated %s", what)
		} else {
			p.fail(nil, "%s overflows 64 bits", what)
		}
		return 0
	}
	p.r.Discard(k)
	p.off += int64(k)
	return v
}

// count reads a count of items that each take at least minBytes more bytes,
// and fails if the rest of the payload cannot hold them.
func (p *payload) count(what string, minBytes int) int {
	start := p.off
	v := p.uv(what)
	if p.err == nil && v > uint64(p.left())/uint64(minBytes) {
		p.off = start
		p.fail(io.ErrUnexpectedEOF, "%s %d exceeds the %d bytes left", what, v, p.left())
		return 0
	}
	return int(v)
}

// spend commits n more bytes of memory against limit.
func (p *payload) spend(n, limit int64, what string) bool {
	if p.err != nil {
		return false
	}
	if n > limit-p.mem {
		p.err = &payloadError{off: p.off, msg: what, err: ErrLimit, need: mulLimit(1, p.mem+n), limit: limit}
		if p.mem > math.MaxInt64-n {
			p.err.need = math.MaxInt64
		}
		return false
	}
	p.mem += n
	return true
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
	b := make([]byte, n)
	if _, err := io.ReadFull(p.r, b); err != nil {
		p.fail(io.ErrUnexpectedEOF, "truncated %s", what)
		return ""
	}
	p.off += int64(n)
	return string(b)
}

// bytes reads n raw bytes into dst.
func (p *payload) raw(dst []byte, what string) {
	if p.err != nil {
		return
	}
	if int64(len(dst)) > p.left() {
		p.fail(io.ErrUnexpectedEOF, "truncated %s", what)
		return
	}
	if _, err := io.ReadFull(p.r, dst); err != nil {
		p.fail(io.ErrUnexpectedEOF, "truncated %s", what)
		return
	}
	p.off += int64(len(dst))
}

// checkCtx fails the decode once the context is done.
func (p *payload) checkCtx() bool {
	if p.err != nil {
		return false
	}
	if err := p.ctx.Err(); err != nil {
		p.err = &payloadError{off: p.off, msg: "stopped", err: err}
		return false
	}
	return true
}

// Approximate memory of decoded values, for the container limit.
const (
	sizeSample   = int64(unsafe.Sizeof(Sample{}))
	sizeString   = int64(unsafe.Sizeof(""))
	sizeMetaItem = 2*sizeString + 32 // a map entry: key, value and the map's own overhead
)

func (p *payload) decode(lim Limits) (*Dataset, error) {
	budget := lim.Container()
	d := &Dataset{}
	d.Sensor.Name = p.str("sensor name")
	d.Sensor.Width = p.small("sensor width", math.MaxUint16+1)
	d.Sensor.Height = p.small("sensor height", math.MaxUint16+1)
	d.Sensor.Channels = p.small("sensor channels", math.MaxUint16+1)
	d.Sensor.Polarities = p.small("sensor polarities", math.MaxUint8+1)
	nc := p.count("class count", 1)
	if nc > 0 && p.spend(int64(nc)*sizeString, budget, fmt.Sprintf("%d class names", nc)) {
		d.Classes = make([]string, nc)
	}
	for i := 0; i < nc && p.err == nil; i++ {
		d.Classes[i] = p.str("class name")
		p.spend(int64(len(d.Classes[i])), budget, "the class names")
	}
	ns := p.count("sample count", 6)
	type counts struct{ n2, n1 int }
	var cnt []counts
	if ns > 0 && p.spend(int64(ns)*(sizeSample+16), budget, fmt.Sprintf("%d samples", ns)) {
		d.Samples = make([]Sample, ns)
		cnt = make([]counts, ns)
	}
	var tot2, tot1 int
	for i := 0; i < ns && p.err == nil; i++ {
		if i&0xfff == 0 && !p.checkCtx() {
			break
		}
		s := &d.Samples[i]
		s.Label = p.small("label", uint64(max(nc-1, 0)))
		s.ID = p.str("sample ID")
		s.Speaker = p.str("speaker")
		p.spend(int64(len(s.ID)+len(s.Speaker)), budget, "the sample IDs")
		nm := p.count("metadata count", 2)
		if nm > 0 && p.spend(int64(nm)*sizeMetaItem, budget, "the sample metadata") {
			s.Meta = make(map[string]string, nm)
		}
		prev := ""
		for k := 0; k < nm && p.err == nil; k++ {
			key := p.str("metadata key")
			if k > 0 && key <= prev {
				p.fail(nil, "metadata keys not strictly sorted (%q after %q)", key, prev)
			}
			prev = key
			val := p.str("metadata value")
			p.spend(int64(len(key)+len(val)), budget, "the sample metadata")
			s.Meta[key] = val
		}
		// 2-D events take at least 4 payload bytes each (T, X, Y, P), 1-D 3.
		start := p.off
		c := counts{n2: p.count("2-D event count", 4)}
		c.n1 = p.count("1-D event count", 3)
		tot2 += c.n2
		tot1 += c.n1
		if p.err == nil && (int64(tot2) > p.left()/4 || int64(tot1) > p.left()/3) {
			p.fail(io.ErrUnexpectedEOF, "event counts exceed the %d bytes left", p.left())
		}
		if need := mulLimit(int64(c.n2), sizeEvent2D) + mulLimit(int64(c.n1), sizeEvent1D); p.err == nil && need > lim.Sample {
			p.err = &payloadError{off: start, msg: fmt.Sprintf("sample %d's %d events", i, c.n2+c.n1), err: ErrLimit, need: need, limit: lim.Sample}
		}
		if p.err == nil {
			cnt[i] = c
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	// One allocation for every event of each kind; samples share it.
	if !p.spend(int64(tot2)*sizeEvent2D+int64(tot1)*sizeEvent1D, budget, fmt.Sprintf("%d events", tot2+tot1)) {
		return nil, p.err
	}
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
			if j&0xffff == 0xffff && !p.checkCtx() {
				break
			}
			t += p.upTo("time step", math.MaxUint32)
			if t > math.MaxUint32 {
				p.fail(nil, "time %d µs exceeds 2^32-1", t)
			}
			ev[j].T = uint32(t)
		}
	}
	for j := 0; j < len(all2) && p.checkCtx(); j += 1 << 16 {
		for k := j; k < min(j+1<<16, len(all2)); k++ {
			all2[k].X = uint16(p.small("x", math.MaxUint16))
		}
	}
	for j := 0; j < len(all2) && p.checkCtx(); j += 1 << 16 {
		for k := j; k < min(j+1<<16, len(all2)); k++ {
			all2[k].Y = uint16(p.small("y", math.MaxUint16))
		}
	}
	p.polarities(len(all2), func(j int, v byte) { all2[j].P = v }, "2-D polarity stream")
	for i := range d.Samples {
		ev := d.Samples[i].Events1D
		var t uint64
		for j := 0; j < len(ev) && p.err == nil; j++ {
			if j&0xffff == 0xffff && !p.checkCtx() {
				break
			}
			t += p.upTo("time step", math.MaxUint32)
			if t > math.MaxUint32 {
				p.fail(nil, "time %d µs exceeds 2^32-1", t)
			}
			ev[j].T = uint32(t)
		}
	}
	for j := 0; j < len(all1) && p.checkCtx(); j += 1 << 16 {
		for k := j; k < min(j+1<<16, len(all1)); k++ {
			all1[k].Ch = uint16(p.small("channel", math.MaxUint16))
		}
	}
	p.polarities(len(all1), func(j int, v byte) { all1[j].P = v }, "1-D polarity stream")
	if p.err == nil && p.off != p.n {
		p.fail(nil, "%d unused bytes at the end of the payload", p.n-p.off)
	}
	if p.err != nil {
		return nil, p.err
	}
	return d, nil
}

// polarities reads n polarity bytes in blocks and hands each to set.
func (p *payload) polarities(n int, set func(int, byte), what string) {
	if p.err == nil && int64(n) > p.left() {
		p.fail(io.ErrUnexpectedEOF, "truncated %s", what)
		return
	}
	var buf [4096]byte
	for j := 0; j < n && p.checkCtx(); j += len(buf) {
		b := buf[:min(len(buf), n-j)]
		p.raw(b, what)
		if p.err != nil {
			return
		}
		for k, v := range b {
			set(j+k, v)
		}
	}
}
