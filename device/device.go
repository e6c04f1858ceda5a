package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware/wire"
	"github.com/memlsm/memlsm/units"
)

// Defaults of Options.
const (
	// DefaultTimeout is how long one attempt waits for its response beyond
	// the time the bytes take on the line. Assumption: generous against an
	// MCU's or the emulator's handling time (≤ 10 ms for the largest
	// request), short enough that a lost frame costs little.
	DefaultTimeout = 250 * time.Millisecond
	// DefaultRetries is how many times a request is resent after a timeout,
	// a NAK or a corrupt response before the call fails. With ranged
	// transfers every exchange is short (DefaultChunk bytes at most, less
	// on a bad line): at 2 % of the bytes dropped or corrupted in each
	// direction (--faults drop=0.01,corrupt=0.01) a 64-byte exchange gets
	// through with p ≈ 0.98^(2·64+40) ≈ 0.03... and a 24-byte one with
	// p ≈ 0.3, so 200 tries of the smallest pieces all fail with p < 10⁻³⁰.
	// A board that is gone is noticed sooner, by DefaultSilence.
	DefaultRetries = 200
	// DefaultChunk is the largest payload a frame carries when the board
	// supports ranged transfers (wire.CapRanges): longer requests are
	// staged and longer responses fetched in pieces of at most this size,
	// so that a damaged byte costs one piece. Within it the driver adapts
	// the piece size to the line: with a fraction e of the bytes damaged
	// and about h bytes of framing per exchange (request frame, response
	// header, COBS, delimiters: pieceOverhead), the bytes sent per payload
	// byte, (C+h)/(C·(1−e)^(C+h)), are least at C ≈ √(h/e); the driver
	// estimates e from the exchanges that needed a resend. Assumption:
	// 256 bytes (≈ √(48/10⁻³)) costs ~15 % framing on a clean line.
	DefaultChunk = 256
	// MinChunk is the smallest piece size the driver adapts down to.
	MinChunk = 16
	// DefaultSilence is how many attempts in a row may time out with
	// nothing at all received from the board before the call fails with
	// ErrTimeout: a board that is gone is noticed in a few timeouts, a
	// noisy but working one (NAKs and damaged frames keep arriving) gets
	// all of DefaultRetries.
	DefaultSilence = 8
	// DefaultBaudRate is the serial rate Open sets: 921,600 baud 8N1, the
	// fastest rate common USB-UART bridges (FT232R, CP2102) run error-free,
	// and what ArC ONE uses. Assumption; a USB CDC-ACM board ignores it.
	DefaultBaudRate = 921600
	// readPoll is the serial read timeout Open sets: a Read returns (0,
	// nil) after it, which the reader treats as "nothing yet". Assumption:
	// it only bounds how long the reader notices a Close on a port whose
	// Close does not interrupt reads; go.bug.st/serial's does.
	readPoll = 50 * time.Millisecond
)

// Options configures a Board. The zero value means every default.
type Options struct {
	// Timeout is the per-attempt response timeout beyond the line time of
	// the request and the response (estimated at BaudRate); 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Retries is the number of resends after the first attempt; 0 means
	// DefaultRetries, a negative value means none.
	Retries int
	// BaudRate is the serial rate (Open) and the rate line times are
	// estimated at; 0 means DefaultBaudRate.
	BaudRate int
	// MaxPayload caps the payload of the requests the driver builds (READ,
	// MVM and LSM requests are split to fit); 0 means the board's own
	// maximum from HELLO. A smaller value suits a board with small buffers.
	MaxPayload int
	// Chunk is the largest frame payload of ranged transfers (see
	// DefaultChunk); 0 means DefaultChunk, a negative value turns ranged
	// transfers off (every request and response in one frame, as with a
	// firmware 1.0 board).
	Chunk int
	// Silence is how many attempts in a row may time out without a byte
	// from the board (see DefaultSilence); 0 means DefaultSilence.
	Silence int
}

func (o *Options) silence() int {
	if o.Silence > 0 {
		return o.Silence
	}
	return DefaultSilence
}

func (o *Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o *Options) retries() int {
	switch {
	case o.Retries > 0:
		return o.Retries
	case o.Retries < 0:
		return 0
	}
	return DefaultRetries
}

func (o *Options) baud() int {
	if o.BaudRate > 0 {
		return o.BaudRate
	}
	return DefaultBaudRate
}

// LinkStats counts what the link went through (crossbar.LinkStats).
type LinkStats = crossbar.LinkStats

// Board is a board reached over a byte stream, speaking the firmware
// protocol. It implements crossbar.Array, Limiter, Clock, Counter,
// ReservoirRunner and ReadVoltager. It is safe for concurrent use: calls
// are serialised, one transaction at a time.
type Board struct {
	rw     io.ReadWriter
	closer io.Closer // owned transport (Open); nil when borrowed (New)
	port   string
	opts   Options

	info   wire.Info
	per    crossbar.Periphery
	limits crossbar.Limits
	geom   crossbar.Geometry

	mu      sync.Mutex // one transaction at a time; guards the buffers below
	seq     uint16
	tx      [wire.MaxWire]byte
	req     [wire.MaxPayload]byte
	rbuf    [wire.MaxPayload]byte
	piece   [wire.MaxPayload]byte // STAGE, EXEC and FETCH requests of a ranged transfer
	abuf    [wire.MaxPayload]byte // a ranged response, assembled
	chunk   int                   // current piece size (0: no ranged transfers)
	seenB   float64               // bytes of recent exchanges, attempts included (decaying)
	seenF   float64               // resends among them (decaying)
	lastRx  atomic.Int64          // UnixNano of the last byte received
	timer   *time.Timer
	scratch []uint16 // sorted LSM frame indices

	free       chan *inFrame
	full       chan *inFrame
	done       chan struct{} // closed by Close
	closed     atomic.Bool
	broken     atomic.Pointer[error] // terminal link error
	readerDone chan struct{}

	statsMu  sync.Mutex
	stats    LinkStats
	counters crossbar.Counters
	lastNow  units.Seconds
	maxLoad  int     // payload limit of the frames the driver builds
	eConv    float64 // J per conversion (Info.EnergyConv)
	pairs    bool    // column pairs subtracted before the ADC in MVM and LSM (wire.CapAnalogDiff)
	eDAC     float64 // J per DAC update (Info.EnergyDAC)
}

var (
	_ crossbar.Array           = (*Board)(nil)
	_ crossbar.Limiter         = (*Board)(nil)
	_ crossbar.Clock           = (*Board)(nil)
	_ crossbar.Counter         = (*Board)(nil)
	_ crossbar.ReservoirRunner = (*Board)(nil)
	_ crossbar.ReadVoltager    = (*Board)(nil)
	_ crossbar.AnalogDiffer    = (*Board)(nil)
	_ crossbar.Linker          = (*Board)(nil)
)

// inFrame is what the reader goroutine delivers: a decoded frame (header
// and a copy of its payload), a frame that failed to decode, or the end of
// the stream. The reader never waits for the transaction: it takes a free
// buffer (or, if every buffer is queued unread, the oldest queued frame,
// which is stale by then) and queues it, so it always drains the stream —
// a board blocked writing to a synchronous pipe is never left waiting.
type inFrame struct {
	hdr     wire.Header
	bad     bool
	readErr error
	n       int
	payload [wire.MaxPayload]byte
}

// inFrames is the number of receive buffers. Assumption: a transaction
// has at most a few frames in flight (its answer, replays of earlier
// attempts, NAKs); 8 leaves room, and an overflow only drops stale frames.
const inFrames = 8

// New talks to a board over rw, which it borrows: Close does not close rw,
// and the reader goroutine New starts ends when rw's Read returns an error
// (close rw after Close). New resynchronises the link and sends HELLO;
// it fails with ErrNoBoard if nothing valid answers within the timeouts.
func New(rw io.ReadWriter, opts *Options) (*Board, error) {
	return newBoard(context.Background(), rw, nil, "", opts)
}

func newBoard(ctx context.Context, rw io.ReadWriter, closer io.Closer, port string, opts *Options) (*Board, error) {
	b := &Board{rw: rw, closer: closer, port: port,
		free: make(chan *inFrame, inFrames), full: make(chan *inFrame, inFrames),
		done: make(chan struct{}), readerDone: make(chan struct{})}
	for range inFrames {
		b.free <- new(inFrame)
	}
	if opts != nil {
		b.opts = *opts
	}
	b.timer = time.NewTimer(time.Hour)
	b.timer.Stop()
	go b.reader()
	if err := b.hello(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// hello resynchronises the board's frame splitter and reads its Info.
func (b *Board) hello(ctx context.Context) error {
	// Delimiters end whatever partial frame an earlier session left in the
	// board's receive buffer (empty frames are ignored).
	if err := b.write([]byte{0, 0}, time.Now().Add(b.opts.timeout())); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return b.opErr("hello", fmt.Errorf("%w: writing: %w", ErrNoBoard, err))
	}
	p, err := b.do(ctx, "hello", wire.OpHello, 0, wire.InfoFixedLen+wire.MaxNameLen)
	if err != nil {
		if errors.Is(err, ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			return b.opErr("hello", fmt.Errorf("%w: %w", ErrNoBoard, inner{unwrapOp(err)}))
		}
		return err
	}
	info, ok := wire.ParseInfo(p)
	if !ok {
		return b.opErr("hello", fmt.Errorf("%w: malformed HELLO response of %d bytes", ErrProtocol, len(p)))
	}
	if info.Protocol != wire.Version {
		return b.opErr("hello", fmt.Errorf("%w: board speaks protocol %d, this driver %d", ErrProtocol, info.Protocol, wire.Version))
	}
	if err := b.setInfo(info); err != nil {
		return b.opErr("hello", fmt.Errorf("%w: %w", ErrProtocol, err))
	}
	return nil
}

func unwrapOp(err error) error {
	var oe *OpError
	if errors.As(err, &oe) {
		return oe.Err
	}
	return err
}

// setInfo checks the board's Info and derives the calibration table: the
// one place where codes become SI units (crossbar.Periphery's formulas, on
// the board's own calibration values).
func (b *Board) setInfo(i wire.Info) error {
	f := math.Float64frombits
	per := crossbar.Periphery{
		ReadVoltage:  units.Volts(f(i.ReadVoltage)),
		DACBits:      int(i.DACBits),
		DACFullScale: units.Volts(f(i.DACFullScale)),
		TIAGain:      units.Ohms(f(i.TIAGain)),
		ADCBits:      int(i.ADCBits),
		ADCFullScale: units.Volts(f(i.ADCFullScale)),
		LSB:          units.Amps(f(i.ADCLSB)),
		InputBits:    int(i.InputBits),
	}
	// A board reports one ADC LSB (firmware 1.1): its conductance reads
	// are at the MVM gain.
	per.ReadTIAGain, per.ReadLSB = per.TIAGain, per.LSB
	pos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case i.Rows == 0 || i.Cols == 0:
		return errors.New("board reports an empty array")
	case i.DACBits < 1 || i.DACBits > 16 || i.ADCBits < 2 || i.ADCBits > 16 || i.InputBits < 1 || i.InputBits > 16:
		return fmt.Errorf("board reports DAC %d, ADC %d, input %d bits", i.DACBits, i.ADCBits, i.InputBits)
	case !pos(float64(per.ReadVoltage)) || !pos(float64(per.DACFullScale)) || !pos(float64(per.LSB)):
		return fmt.Errorf("board reports a calibration table with non-positive entries (read %v, DAC FS %v, LSB %v)", per.ReadVoltage, per.DACFullScale, per.LSB)
	case int(i.MaxLoad) < 64:
		return fmt.Errorf("board's maximum payload %d is too small", i.MaxLoad)
	case i.Caps&^wire.KnownCaps != 0:
		return fmt.Errorf("board reports capabilities %#04x this host does not know (known: %#04x)", i.Caps, wire.KnownCaps)
	}
	per.CodeMax = int32(1)<<(per.ADCBits-1) - 1
	per.CodeMin = -int32(1) << (per.ADCBits - 1)
	per.ReadCode = per.DACCode(per.ReadVoltage)
	b.info, b.per = i, per
	b.pairs = i.Caps&wire.CapAnalogDiff != 0
	b.maxLoad = int(i.MaxLoad)
	if b.opts.MaxPayload > 0 {
		b.maxLoad = min(b.maxLoad, max(b.opts.MaxPayload, 64))
	}
	b.chunk = 0
	if i.Caps&wire.CapRanges != 0 && b.opts.Chunk >= 0 {
		b.chunk = b.maxChunk()
	}
	b.eConv, b.eDAC = max(f(i.EnergyConv), 0), max(f(i.EnergyDAC), 0)
	if math.IsNaN(b.eConv) || math.IsInf(b.eConv, 0) || math.IsNaN(b.eDAC) || math.IsInf(b.eDAC, 0) {
		b.eConv, b.eDAC = 0, 0
	}
	b.geom = crossbar.Geometry{Rows: int(i.Rows), Cols: int(i.Cols)}
	var l crossbar.Limits
	for m := crossbar.Form; m <= crossbar.Reset; m++ {
		l.MaxAmplitude[m] = b.ampLimit(i.MaxAmplitude[m-1])
	}
	l.MaxGate = b.ampLimit(i.MaxGate)
	l.MinWidth = units.Seconds(float64(i.MinWidthNs) / 1e9)
	l.MaxWidth = units.Seconds(float64(i.MaxWidthNs) / 1e9)
	l.MaxDuty = float64(i.MaxDutyPPM) / 1e6
	l.MaxCells = int(i.MaxCells)
	b.limits = l
	return nil
}

// ampLimit is the largest voltage a limit code admits: the code's DAC
// output, or the DAC's full scale if the code is the top one (DACCode
// clamps anything up to full scale to it).
func (b *Board) ampLimit(code uint16) units.Volts {
	if uint32(code) == 1<<b.per.DACBits-1 {
		return b.per.DACFullScale
	}
	return b.per.DACVolts(uint32(code))
}

// Info returns what the board reported in HELLO.
func (b *Board) Info() wire.Info { return b.info }

// Periphery returns the board's calibration table as a crossbar.Periphery.
func (b *Board) Periphery() crossbar.Periphery { return b.per }

// Stats returns the link statistics so far.
func (b *Board) Stats() LinkStats {
	b.statsMu.Lock()
	defer b.statsMu.Unlock()
	return b.stats
}

// LinkStats implements crossbar.Linker.
func (b *Board) LinkStats() crossbar.LinkStats { return b.Stats() }

// maxChunk is the largest piece size of ranged transfers.
func (b *Board) maxChunk() int {
	c := DefaultChunk
	if b.opts.Chunk > 0 {
		c = b.opts.Chunk
	}
	return min(max(c, MinChunk+wire.ExecReqHeader), b.maxLoad)
}

// pieceOverhead is the framing of one exchange of a ranged transfer, in
// bytes on the line: a FETCH request (8-byte payload, header, CRC, COBS,
// two delimiters ≈ 23) and the response's header, CRC, COBS and delimiters
// (≈ 16), plus slack for STAGE's and EXEC's own headers.
const pieceOverhead = 48

// note updates the piece size after an attempt of about wireBytes bytes
// that failed or not: the damaged-byte rate e is estimated as failed
// attempts per byte exchanged (decaying over the last megabyte or so, with
// a prior of 10⁻⁵), and the piece size set to √(pieceOverhead/e) within
// [MinChunk, the largest].
func (b *Board) note(failed bool, wireBytes int) {
	if b.chunk == 0 {
		return
	}
	b.seenB += float64(wireBytes)
	if failed {
		b.seenF++
	}
	if b.seenB > 1<<20 {
		b.seenB, b.seenF = b.seenB/2, b.seenF/2
	}
	e := (b.seenF + 0.5) / (b.seenB + 5e4)
	c := int(math.Sqrt(pieceOverhead / e))
	b.chunk = min(max(c, MinChunk+wire.ExecReqHeader), b.maxChunk())
	b.count(func(s *LinkStats) { s.Chunk = b.chunk })
}

func (b *Board) count(f func(s *LinkStats)) {
	b.statsMu.Lock()
	f(&b.stats)
	b.statsMu.Unlock()
}

func (b *Board) opErr(op string, err error) error {
	return &OpError{Op: op, Port: b.port, Err: err}
}

// reader splits the stream into frames and hands them to the transaction
// in progress, one at a time.
func (b *Board) reader() {
	defer close(b.readerDone)
	var split wire.Splitter
	buf := make([]byte, 4096)
	dst := make([]byte, wire.MaxFrame)
	zero := 0
	deliver := func(h wire.Header, payload []byte, bad bool, readErr error) {
		var f *inFrame
		select {
		case f = <-b.free:
		default:
			select {
			case f = <-b.free:
			case f = <-b.full: // every buffer queued: drop the oldest
				b.count(func(s *LinkStats) { s.Stale++ })
			}
		}
		f.hdr, f.bad, f.readErr, f.n = h, bad, readErr, copy(f.payload[:], payload)
		b.full <- f
	}
	for {
		n, err := b.rw.Read(buf)
		if n > 0 {
			b.lastRx.Store(time.Now().UnixNano())
			b.count(func(s *LinkStats) { s.BytesIn += int64(n) })
		}
		if n == 0 && err == nil {
			// A serial read timeout (go.bug.st/serial returns (0, nil)):
			// nothing arrived. Back off a little for readers that return
			// (0, nil) at once, so this never spins.
			if b.closed.Load() {
				return
			}
			zero++
			if zero > 1 {
				t := time.NewTimer(time.Duration(min(zero, 10)) * time.Millisecond)
				select {
				case <-t.C:
				case <-b.done:
					t.Stop()
					return
				}
			}
			continue
		}
		zero = 0
		for p := buf[:n]; len(p) > 0; {
			k, enc, tooLong := split.Next(p)
			p = p[k:]
			switch {
			case tooLong:
				deliver(wire.Header{}, nil, true, nil)
			case enc != nil:
				f, _, derr := wire.Unpack(dst, enc)
				deliver(f.Header, f.Payload, derr != nil, nil)
			}
		}
		if err != nil {
			if b.closed.Load() {
				return
			}
			deliver(wire.Header{}, nil, false, err)
			return
		}
	}
}

// write sends p in full, with a write deadline if the stream supports one.
func (b *Board) write(p []byte, deadline time.Time) error {
	if d, ok := b.rw.(interface{ SetWriteDeadline(time.Time) error }); ok {
		d.SetWriteDeadline(deadline)
		defer d.SetWriteDeadline(time.Time{})
	}
	for len(p) > 0 {
		n, err := b.rw.Write(p)
		if n > 0 {
			b.count(func(s *LinkStats) { s.BytesOut += int64(n) })
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		p = p[n:]
	}
	return nil
}

// lineTime estimates how long n bytes take at the baud rate (10 bits per
// byte for 8N1).
func (b *Board) lineTime(n int) time.Duration {
	return time.Duration(int64(n) * 10 * int64(time.Second) / int64(b.opts.baud()))
}

// do runs one transaction: request op with b.req[:n] as payload, expecting
// about respLen bytes of response payload (for the line-time estimate). It
// returns the response payload (aliasing b.rbuf, valid until the next
// call) or an error. The caller holds b.mu (newBoard runs before anyone
// else can). A request is resent, with the same sequence number, after a
// timeout, a NAK or a corrupt frame; the firmware answers a duplicate from
// its replay cache, so a pulse is never applied twice.
func (b *Board) do(ctx context.Context, opName string, op wire.Op, n, respLen int) ([]byte, error) {
	return b.doBusy(ctx, opName, op, n, respLen, 0)
}

// doBusy is do for a request the board needs busy to carry out (WAIT): the
// attempt timeout grows by it. A request or response longer than the
// current piece size goes as a ranged transfer when the board supports
// them.
func (b *Board) doBusy(ctx context.Context, opName string, op wire.Op, n, respLen int, busy time.Duration) ([]byte, error) {
	if b.chunk > 0 && op != wire.OpHello && (n > b.plainMax() || respLen > b.plainMax()) {
		return b.ranged(ctx, opName, op, b.req[:n], respLen, busy)
	}
	return b.exchange(ctx, opName, op, b.req[:n], respLen, busy, 0)
}

// plainMax is the longest request or response payload that goes in one
// frame (or inline in EXEC and its answer): such frames are resent as
// they are, so they are kept to half the piece size the line supports,
// where they rarely fail; anything longer moves in pieces that can shrink.
func (b *Board) plainMax() int { return max(b.chunk/2, 24) }

// errShrink ends an exchange of a piece that the line has shown to be too
// long for it; the caller sends a shorter piece instead.
var errShrink = errors.New("device: piece too long for the line")

// ranged runs op with payload through STAGE, EXEC and FETCH: the payload
// is staged in pieces unless it fits EXEC's frame, and the response is
// fetched in pieces unless EXEC returns it inline. Every piece is its own
// transaction (with its own resends); the whole request and the whole
// response are checked against the CRC-32C EXEC carries. EXEC runs the
// request exactly once (the board answers a resent EXEC from its replay
// cache), so a response that fails its whole-payload check is fetched
// again, never run again.
func (b *Board) ranged(ctx context.Context, opName string, op wire.Op, payload []byte, respLen int, busy time.Duration) ([]byte, error) {
	crc := wire.CRC32C(payload)
	for attempt := 0; ; attempt++ {
		staged := len(payload) > b.plainMax()
		if staged {
			for off := 0; off < len(payload); {
				k := min(b.chunk-wire.StageReqHeader, len(payload)-off)
				p := b.piece[:wire.StageReqHeader+k]
				wire.PutU16(p, uint16(off))
				wire.PutU16(p[2:], 0)
				copy(p[wire.StageReqHeader:], payload[off:off+k])
				b.count(func(s *LinkStats) { s.Pieces++ })
				_, err := b.exchange(ctx, opName, wire.OpStage, p, 0, 0, len(p))
				if err == errShrink {
					continue // the same offset, in a shorter piece
				}
				if err != nil {
					return nil, err
				}
				off += k
			}
		}
		q := wire.ExecReq{Op: op, Inline: uint16(b.plainMax())}
		ex := b.piece[:wire.ExecReqHeader]
		if staged {
			q.Flags, q.Len, q.CRC = wire.ExecStaged, uint16(len(payload)), crc
		} else {
			ex = b.piece[:wire.ExecReqHeader+len(payload)]
			copy(ex[wire.ExecReqHeader:], payload)
		}
		q.Put(ex)
		p, err := b.exchange(ctx, opName, wire.OpExec, ex, wire.ExecRespHeader+min(respLen, int(q.Inline)), busy, 0)
		if err != nil {
			var se *StatusError
			if staged && errors.As(err, &se) && se.Info.Detail == wire.DetailStaged && attempt < 3 {
				b.count(func(s *LinkStats) { s.Restarts++ })
				continue // the staged copy differs (a board reset?): stage again
			}
			return nil, err
		}
		seq := b.seq
		r, ok := wire.ParseExecResp(p)
		if !ok || r.Op != op || (r.Flags&wire.ExecHeld == 0 && len(p) != wire.ExecRespHeader+int(r.Len)) {
			return nil, b.opErr(opName, fmt.Errorf("%w: malformed EXEC answer % x", ErrProtocol, p[:min(len(p), 16)]))
		}
		out := b.abuf[:r.Len]
		if r.Flags&wire.ExecHeld == 0 {
			copy(out, p[wire.ExecRespHeader:])
		}
		for try := 0; ; try++ {
			if r.Flags&wire.ExecHeld != 0 {
				if err := b.fetch(ctx, opName, seq, out); err != nil {
					return nil, err
				}
			}
			if wire.CRC32C(out) == r.CRC {
				break
			}
			if r.Flags&wire.ExecHeld == 0 || try >= 3 {
				return nil, b.opErr(opName, fmt.Errorf("%w: the %d-byte response fails its CRC-32C after %d fetches", ErrProtocol, len(out), try+1))
			}
			b.count(func(s *LinkStats) { s.Restarts++ })
		}
		if r.Status != wire.StatusOK {
			return nil, b.opErr(opName, b.statusErr(op, r.Status, out))
		}
		return out, nil
	}
}

// fetch reads the response held for EXEC seq into out, in pieces.
func (b *Board) fetch(ctx context.Context, opName string, seq uint16, out []byte) error {
	for off := 0; off < len(out); {
		k := min(b.chunk, len(out)-off)
		p := b.piece[:wire.FetchReqSize]
		wire.FetchReq{Seq: seq, Offset: uint16(off), Len: uint16(k)}.Put(p)
		b.count(func(s *LinkStats) { s.Pieces++ })
		got, err := b.exchange(ctx, opName, wire.OpFetch, p, k, 0, k)
		if err == errShrink {
			continue // the same offset, in a shorter piece
		}
		if err != nil {
			return err
		}
		if len(got) != k {
			return b.opErr(opName, fmt.Errorf("%w: FETCH of %d bytes answered with %d", ErrProtocol, k, len(got)))
		}
		copy(out[off:], got)
		off += k
	}
	return nil
}

// exchange runs one transaction: request op with payload, expecting about
// respLen bytes of response payload. piece > 0 marks an idempotent piece of
// that many bytes: if an attempt fails and the piece size the line supports
// has dropped below it, exchange gives up with errShrink so the caller can
// send a shorter one.
func (b *Board) exchange(ctx context.Context, opName string, op wire.Op, payload []byte, respLen int, busy time.Duration, piece int) ([]byte, error) {
	if b.closed.Load() {
		return nil, b.opErr(opName, ErrClosed)
	}
	if p := b.broken.Load(); p != nil {
		return nil, b.opErr(opName, *p)
	}
	if err := ctx.Err(); err != nil {
		return nil, b.opErr(opName, fmt.Errorf("%w: %w", ErrTimeout, err))
	}
	b.seq++
	seq := b.seq
	m, err := wire.Encode(b.tx[:], wire.Header{Op: op, Seq: seq}, payload)
	if err != nil {
		return nil, b.opErr(opName, fmt.Errorf("%w: %w", ErrProtocol, err))
	}
	b.count(func(s *LinkStats) { s.Requests++ })
	wireBytes := m + wire.EncodedLen(wire.HeaderSize+respLen+wire.CRCSize) + 2
	attempt := b.opts.timeout() + busy + b.lineTime(wireBytes)
	retries := b.opts.retries()
	lastWhy := ErrTimeout
	silent := 0
	for try := 0; ; try++ {
		if try > 0 {
			b.note(true, wireBytes)
			if piece > 0 && try >= 2 && b.chunk < piece {
				return nil, errShrink
			}
			if try > retries {
				return nil, b.opErr(opName, fmt.Errorf("%w: no valid response after %d attempts", lastWhy, try))
			}
			if silent >= b.opts.silence() {
				return nil, b.opErr(opName, fmt.Errorf("%w: nothing received from the board in %d attempts of %v", ErrTimeout, silent, attempt))
			}
			b.count(func(s *LinkStats) { s.Resends++ })
		}
		if err := ctx.Err(); err != nil {
			return nil, b.opErr(opName, fmt.Errorf("%w: %w", ErrTimeout, err))
		}
		now := time.Now()
		deadline := now.Add(attempt)
		if d, ok := ctx.Deadline(); ok {
			if !now.Before(d) { // passed, though ctx may not know yet
				return nil, b.opErr(opName, fmt.Errorf("%w: %w", ErrTimeout, context.DeadlineExceeded))
			}
			if d.Before(deadline) {
				deadline = d
			}
		}
		if err := b.write(b.tx[:m], deadline); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, b.opErr(opName, fmt.Errorf("%w: %w", ErrTimeout, cerr))
			}
			if b.closed.Load() {
				return nil, b.opErr(opName, ErrClosed)
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				b.count(func(s *LinkStats) { s.Timeouts++ })
				lastWhy = ErrTimeout
				continue
			}
			e := fmt.Errorf("%w: writing: %w", ErrNoBoard, err)
			b.broken.Store(&e)
			return nil, b.opErr(opName, e)
		}
		b.timer.Reset(time.Until(deadline))
		sent := now.UnixNano()
		resend := false
		for !resend {
			select {
			case <-ctx.Done():
				b.timer.Stop()
				return nil, b.opErr(opName, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err()))
			case <-b.done:
				b.timer.Stop()
				return nil, b.opErr(opName, ErrClosed)
			case <-b.timer.C:
				b.count(func(s *LinkStats) { s.Timeouts++ })
				lastWhy, resend = ErrTimeout, true
				if b.lastRx.Load() < sent {
					silent++
				} else {
					silent = 0
				}
			case ev := <-b.full:
				p, status, done, why := b.judge(ev, op, seq)
				readErr := ev.readErr
				b.free <- ev
				switch {
				case done:
					b.timer.Stop()
					b.note(false, wireBytes)
					if status != wire.StatusOK {
						return nil, b.opErr(opName, b.statusErr(op, status, p))
					}
					return p, nil
				case why != nil && readErr != nil:
					b.timer.Stop()
					b.broken.Store(&why)
					return nil, b.opErr(opName, why)
				case why != nil:
					b.timer.Stop()
					lastWhy, resend = why, true
				}
			}
		}
	}
}

// judge decides what a received event means for the transaction (op,
// seq): done with the payload copied to b.rbuf and the status, a reason
// to resend now, or nothing (ignore it).
func (b *Board) judge(ev *inFrame, op wire.Op, seq uint16) (p []byte, status wire.Status, done bool, why error) {
	switch {
	case ev.readErr != nil:
		if errors.Is(ev.readErr, io.EOF) {
			return nil, 0, false, fmt.Errorf("%w: link closed", ErrNoBoard)
		}
		return nil, 0, false, fmt.Errorf("%w: reading: %w", ErrNoBoard, ev.readErr)
	case ev.bad:
		b.count(func(s *LinkStats) { s.BadFrames++ })
		return nil, 0, false, fmt.Errorf("%w: corrupt frames", ErrProtocol)
	case !ev.hdr.Resp:
		return nil, 0, false, nil // our own request echoed by the line
	case ev.hdr.Op == wire.OpNak:
		b.count(func(s *LinkStats) { s.NAKs++ })
		return nil, 0, false, fmt.Errorf("%w: the board received corrupt frames", ErrProtocol)
	case ev.hdr.Seq != seq || ev.hdr.Op != op:
		b.count(func(s *LinkStats) { s.Stale++ })
		return nil, 0, false, nil
	}
	n := copy(b.rbuf[:], ev.payload[:ev.n])
	return b.rbuf[:n], ev.hdr.Status, true, nil
}

// statusErr turns a non-OK response into a *StatusError, with the limit
// in SI units.
func (b *Board) statusErr(op wire.Op, s wire.Status, p []byte) error {
	info, ok := wire.ParseErrorInfo(p)
	if !ok {
		return fmt.Errorf("%w: %v answered with status %v and a malformed error payload", ErrProtocol, op, s)
	}
	e := &StatusError{Op: op, Status: s, Info: info}
	if s == wire.StatusLimit && b.info.DACBits > 0 {
		v := func(c uint32) units.Volts { return b.per.DACVolts(c) }
		ns := func(c uint32) units.Seconds { return units.Seconds(float64(c) / 1e9) }
		switch info.Detail {
		case wire.LimitAmplitude, wire.LimitGate:
			e.detail = fmt.Sprintf("%v > %v", v(info.Got), v(info.Limit))
		case wire.LimitWidthMin:
			e.detail = fmt.Sprintf("%v < %v", ns(info.Got), ns(info.Limit))
		case wire.LimitWidthMax:
			e.detail = fmt.Sprintf("%v > %v", ns(info.Got), ns(info.Limit))
		case wire.LimitDuty:
			e.detail = fmt.Sprintf("%v on in 1 ms > %v", ns(info.Got), ns(info.Limit))
		case wire.LimitCells:
			e.detail = fmt.Sprintf("%d cells > %d", info.Got, info.Limit)
		}
	}
	return e
}

// Close releases the board: pending calls return ErrClosed, later calls
// too. It closes the port if Open opened it (which also ends the reader);
// a stream passed to New is left open. Close does not halt the board: the
// firmware parks the DACs after every pulse anyway; call Halt for that. It
// is safe to call twice.
func (b *Board) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(b.done)
	if b.closer != nil {
		err := b.closer.Close()
		<-b.readerDone
		if err != nil {
			return b.opErr("close", err)
		}
	}
	return nil
}
