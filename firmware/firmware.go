package firmware

import (
	"errors"
	"math"

	"github.com/memlsm/memlsm/firmware/wire"
)

// Version is the firmware's version, reported by HELLO.
var Version = [3]uint8{1, 1, 0}

// Compile-time capacities. Every buffer of the firmware is a fixed-size
// array sized by these, so nothing is allocated after New.
const (
	MaxRows    = 512 // the macro's rows (the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023: 512×512)
	MaxCols    = 512 // the macro's columns
	MaxNeurons = MaxCols / 2
	// DutyRing is how many past pulses the duty-cycle window remembers. A
	// pulse that would make more than DutyRing pulses fall in one 1 ms
	// window is refused (LimitDuty), so the accounting is never
	// approximate. Assumption: 64 pulses per ms is far above what a host
	// can request over a serial link (one pulse per round trip).
	DutyRing = 64
	// dutyWindowNs is the window of Limits.MaxDuty (crossbar.Limits: "any
	// 1 ms window").
	dutyWindowNs = 1_000_000
)

// Config is what a board's firmware is built with: its Info (geometry,
// limits, calibration, name) and the DAC code of the read voltage.
type Config struct {
	Info     wire.Info
	ReadCode uint16 // ChanRead level during reads
}

// Firmware is the board's command dispatcher. It has no goroutines and no
// clock of its own: the main loop feeds it received bytes and transmits
// what it returns. All buffers are inside the struct (about 41 KiB, of
// which 12 KiB serve ranged transfers: the staging buffer, the held
// response and its frame buffer); Feed does not allocate.
type Firmware struct {
	fe       Frontend
	info     wire.Info
	readCode uint16
	halted   bool
	st       wire.BoardStatus

	split wire.Splitter
	rx    [wire.MaxFrame]byte   // decoded request
	resp  [wire.MaxPayload]byte // response payload being built
	tx    [wire.MaxWire]byte    // encoded last response: the replay cache
	txn   int
	nak   [64]byte

	// Ranged transfers (STAGE, EXEC, FETCH).
	stage   [wire.MaxPayload]byte // request payload pieces stored by STAGE
	held    [wire.MaxPayload]byte // the response EXEC left for FETCH
	heldN   int
	heldSeq uint16
	heldOK  bool
	ftx     [wire.MaxWire]byte // encoded STAGE and FETCH answers (not cached)

	// Replay cache key: the last request answered.
	cached   bool
	cacheSeq uint16
	cacheOp  wire.Op
	cacheCRC uint32
	cacheLen int

	// Duty-cycle window: the last DutyRing pulses (start, width in ns).
	dutyStart [DutyRing]uint64
	dutyWidth [DutyRing]uint64
	dutyHead  int // index of the next slot
	dutyN     int

	mask  [MaxRows / 8]byte
	codes [MaxCols]int32
	acc   [MaxCols]int32

	lsm lsmState
}

// New returns the firmware for fe, after checking c and parking every DAC
// channel (all at 0, the read channel at c.ReadCode).
func New(fe Frontend, c Config) (*Firmware, error) {
	i := c.Info
	switch {
	case fe == nil:
		return nil, errors.New("firmware: nil Frontend")
	case i.Rows == 0 || i.Cols == 0 || i.Rows > MaxRows || i.Cols > MaxCols:
		return nil, errors.New("firmware: geometry outside 1…512 × 1…512")
	case i.DACBits < 1 || i.DACBits > 16:
		return nil, errors.New("firmware: DAC bits outside 1…16")
	case i.ADCBits < 2 || i.ADCBits > 16:
		return nil, errors.New("firmware: ADC bits outside 2…16")
	case i.InputBits < 1 || i.InputBits > 16:
		return nil, errors.New("firmware: input bits outside 1…16")
	case i.MinWidthNs == 0 || i.MinWidthNs > i.MaxWidthNs:
		return nil, errors.New("firmware: width limits need 0 < min ≤ max")
	case i.MaxDutyPPM == 0 || i.MaxDutyPPM > 1_000_000:
		return nil, errors.New("firmware: duty limit outside (0, 1e6] ppm")
	case int(i.NameLen) > wire.MaxNameLen:
		return nil, errors.New("firmware: name longer than 32 bytes")
	case i.Caps&^wire.CapAnalogDiff != 0:
		return nil, errors.New("firmware: Config may only set the front end's capability bits (CapAnalogDiff)")
	}
	maxCode := uint32(1)<<i.DACBits - 1
	for _, a := range i.MaxAmplitude {
		if uint32(a) > maxCode {
			return nil, errors.New("firmware: amplitude limit above the DAC's full scale")
		}
	}
	if uint32(i.MaxGate) > maxCode || uint32(c.ReadCode) > maxCode {
		return nil, errors.New("firmware: gate limit or read code above the DAC's full scale")
	}
	i.Protocol = wire.Version
	i.Firmware = Version
	i.MaxLoad = wire.MaxPayload
	i.Caps = wire.CapRanges | i.Caps&wire.CapAnalogDiff
	f := &Firmware{fe: fe, info: i, readCode: c.ReadCode}
	if err := f.park(); err != nil {
		return nil, errors.New("firmware: front end failed while parking the DACs: " + err.Error())
	}
	return f, nil
}

// Info returns what HELLO reports.
func (f *Firmware) Info() wire.Info { return f.info }

// Status returns what STATUS reports.
func (f *Firmware) Status() wire.BoardStatus {
	s := f.st
	s.HasState = true
	s.Halted = f.halted
	s.LSMActive = f.lsm.active
	s.NowNs = f.fe.Now()
	return s
}

// park drives every channel to 0 and the read channel to its level.
func (f *Firmware) park() error {
	for ch := Channel(0); ch < NumChans; ch++ {
		code := uint16(0)
		if ch == ChanRead && !f.halted {
			code = f.readCode
		}
		if err := f.setDAC(ch, code); err != nil {
			return err
		}
	}
	return nil
}

func (f *Firmware) setDAC(ch Channel, code uint16) error {
	f.st.DACUpdates++
	return f.fe.SetDAC(ch, code)
}

// Feed consumes received bytes from p up to the end of the first complete
// frame and returns how many it consumed and the bytes to transmit in
// reply (nil if the frame is not complete yet, or needs no reply). The
// reply aliases the firmware's buffers and is valid until the next call.
// A main loop is:
//
//	for len(p) > 0 {
//		n, out := fw.Feed(p)
//		p = p[n:]
//		uart.Write(out)
//	}
func (f *Firmware) Feed(p []byte) (consumed int, out []byte) {
	n, frame, tooLong := f.split.Next(p)
	if tooLong {
		f.st.FramesBad++
		return n, f.nakFor(wire.DetailDecodeLong)
	}
	if frame == nil {
		return n, nil
	}
	return n, f.Handle(frame)
}

// Handle processes one COBS-encoded frame (delimiter removed) and returns
// the bytes to transmit: the response, a NAK for a corrupt frame, or nil
// for a frame that is not a request (a response echoed back by the line).
func (f *Firmware) Handle(enc []byte) []byte {
	fr, _, err := wire.Unpack(f.rx[:], enc)
	if err != nil {
		f.st.FramesBad++
		return f.nakFor(wire.DecodeDetail(err))
	}
	if fr.Resp {
		// Never answer a response: an echoing line would otherwise turn
		// one NAK into an endless exchange.
		f.st.FramesBad++
		return nil
	}
	f.st.FramesOK++
	if fr.Op == wire.OpStage || fr.Op == wire.OpFetch {
		// Idempotent pieces of a ranged transfer: they neither replay nor
		// replace the cached answer of the request they belong to.
		status, n := f.piece(fr.Op, fr.Payload)
		if status != wire.StatusOK {
			f.st.LastStatus = status
		}
		m, err := wire.Encode(f.ftx[:], wire.Header{Op: fr.Op, Status: status, Seq: fr.Seq, Resp: true}, f.resp[:n])
		if err != nil {
			return nil // unreachable: n ≤ MaxPayload
		}
		return f.ftx[:m]
	}
	crc := wire.U32(f.rx[wire.HeaderSize+len(fr.Payload):])
	if f.cached && fr.Seq == f.cacheSeq && fr.Op == f.cacheOp && crc == f.cacheCRC && len(fr.Payload) == f.cacheLen {
		f.st.Replays++
		return f.tx[:f.txn]
	}
	var status wire.Status
	var n int
	if fr.Op == wire.OpExec {
		status, n = f.exec(fr.Seq, fr.Payload)
	} else {
		status, n = f.dispatch(fr.Op, fr.Payload)
	}
	if status != wire.StatusOK {
		f.st.LastStatus = status
	}
	h := wire.Header{Op: fr.Op, Status: status, Seq: fr.Seq, Resp: true}
	m, err := wire.Encode(f.tx[:], h, f.resp[:n])
	if err != nil {
		// Unreachable: every handler bounds n by MaxPayload.
		f.cached = false
		return nil
	}
	f.txn = m
	f.cached, f.cacheSeq, f.cacheOp, f.cacheCRC, f.cacheLen = true, fr.Seq, fr.Op, crc, len(fr.Payload)
	return f.tx[:m]
}

func (f *Firmware) nakFor(d wire.Detail) []byte {
	var p [wire.ErrorInfoSize]byte
	wire.ErrorInfo{Detail: d}.Put(p[:])
	n, err := wire.Encode(f.nak[:], wire.Header{Op: wire.OpNak, Status: wire.StatusBadFrame, Resp: true}, p[:])
	if err != nil {
		return nil
	}
	return f.nak[:n]
}

// fail writes an ErrorInfo payload and returns the status and its length.
func (f *Firmware) fail(s wire.Status, d wire.Detail, off int, got, limit uint32) (wire.Status, int) {
	wire.ErrorInfo{Detail: d, Offset: uint16(off), Got: got, Limit: limit}.Put(f.resp[:])
	return s, wire.ErrorInfoSize
}

func (f *Firmware) badLength(got, want int) (wire.Status, int) {
	return f.fail(wire.StatusBadRequest, wire.DetailLength, 0, uint32(got), uint32(want))
}

func (f *Firmware) hwFault() (wire.Status, int) {
	_ = f.park()
	return f.fail(wire.StatusHardware, wire.DetailFrontend, 0, 0, 0)
}

// piece answers STAGE (store bytes in the staging buffer) and FETCH (return
// a piece of the held response) in f.resp.
func (f *Firmware) piece(op wire.Op, p []byte) (wire.Status, int) {
	if op == wire.OpStage {
		if len(p) < wire.StageReqHeader || wire.U16(p[2:]) != 0 {
			return f.badLength(len(p), wire.StageReqHeader)
		}
		off, data := int(wire.U16(p)), p[wire.StageReqHeader:]
		if off+len(data) > len(f.stage) {
			return f.fail(wire.StatusRange, wire.DetailPiece, 0, uint32(off+len(data)), uint32(len(f.stage)))
		}
		copy(f.stage[off:], data)
		return wire.StatusOK, 0
	}
	q, ok := wire.ParseFetchReq(p)
	if !ok {
		return f.badLength(len(p), wire.FetchReqSize)
	}
	if !f.heldOK || q.Seq != f.heldSeq {
		return f.fail(wire.StatusState, wire.DetailNotHeld, 0, uint32(q.Seq), uint32(f.heldSeq))
	}
	end := int(q.Offset) + int(q.Len)
	if end > f.heldN {
		return f.fail(wire.StatusRange, wire.DetailPiece, 2, uint32(end), uint32(f.heldN))
	}
	copy(f.resp[:], f.held[q.Offset:end])
	return wire.StatusOK, int(q.Len)
}

// exec runs the request an EXEC names (its payload inline or staged),
// keeps the response for FETCH and answers with its summary, and the
// response itself when it is short enough.
func (f *Firmware) exec(seq uint16, p []byte) (wire.Status, int) {
	q, ok := wire.ParseExecReq(p)
	if !ok {
		if len(p) < wire.ExecReqHeader {
			return f.badLength(len(p), wire.ExecReqHeader)
		}
		return f.fail(wire.StatusBadRequest, wire.DetailField, 1, uint32(p[1]), wire.ExecStaged)
	}
	switch q.Op {
	case wire.OpNak, wire.OpStage, wire.OpExec, wire.OpFetch:
		return f.fail(wire.StatusBadRequest, wire.DetailPiece, 0, uint32(q.Op), 0)
	}
	inner := p[wire.ExecReqHeader:]
	if q.Flags&wire.ExecStaged != 0 {
		if len(inner) != 0 {
			return f.badLength(len(p), wire.ExecReqHeader)
		}
		inner = f.stage[:q.Len]
		if wire.CRC32C(inner) != q.CRC {
			return f.fail(wire.StatusBadRequest, wire.DetailStaged, 8, wire.CRC32C(inner), q.CRC)
		}
	}
	status, n := f.dispatch(q.Op, inner)
	copy(f.held[:n], f.resp[:n])
	f.heldN, f.heldSeq, f.heldOK = n, seq, true
	r := wire.ExecResp{Op: q.Op, Status: status, Len: uint16(n), CRC: wire.CRC32C(f.held[:n])}
	out := wire.ExecRespHeader
	if n <= int(q.Inline) && wire.ExecRespHeader+n <= wire.MaxPayload {
		copy(f.resp[wire.ExecRespHeader:], f.held[:n])
		out += n
	} else {
		r.Flags = wire.ExecHeld
	}
	r.Put(f.resp[:])
	return wire.StatusOK, out
}

// dispatch runs one request and leaves its response payload in f.resp.
func (f *Firmware) dispatch(op wire.Op, p []byte) (wire.Status, int) {
	switch op {
	case wire.OpHello:
		if len(p) != 0 {
			return f.badLength(len(p), 0)
		}
		if f.halted {
			f.halted = false
			if err := f.park(); err != nil {
				return f.hwFault()
			}
		}
		f.info.Put(f.resp[:])
		return wire.StatusOK, f.info.Size()
	case wire.OpStatus:
		if len(p) != 0 {
			return f.badLength(len(p), 0)
		}
		s := f.Status()
		s.Put(f.resp[:])
		return wire.StatusOK, wire.StatusSize
	case wire.OpHalt:
		if len(p) != 0 {
			return f.badLength(len(p), 0)
		}
		f.halted = true
		f.lsm.active = false
		if err := f.park(); err != nil {
			return f.hwFault()
		}
		return wire.StatusOK, 0
	case wire.OpWait, wire.OpPulse, wire.OpRead, wire.OpMVM, wire.OpLSM:
	default:
		return f.fail(wire.StatusUnknownOp, wire.DetailNone, 0, uint32(op), 0)
	}
	if f.halted {
		return f.fail(wire.StatusHalted, wire.DetailNone, 0, 0, 0)
	}
	switch op {
	case wire.OpWait:
		if len(p) != wire.WaitSize {
			return f.badLength(len(p), wire.WaitSize)
		}
		f.fe.Idle(wire.U64(p))
		wire.PutU64(f.resp[:], f.fe.Now())
		return wire.StatusOK, 8
	case wire.OpPulse:
		return f.pulse(p)
	case wire.OpRead:
		return f.read(p)
	case wire.OpMVM:
		return f.mvm(p)
	}
	return f.runLSM(p)
}

// checkRegion validates r against the geometry.
func (f *Firmware) checkRegion(r wire.Region) bool {
	return r.Rows > 0 && r.Cols > 0 &&
		uint32(r.Row)+uint32(r.Rows) <= uint32(f.info.Rows) &&
		uint32(r.Col)+uint32(r.Cols) <= uint32(f.info.Cols)
}

func (f *Firmware) badRegion(r wire.Region) (wire.Status, int) {
	return f.fail(wire.StatusRange, wire.DetailRegion, 0, uint32(r.Row)<<16|uint32(r.Col), uint32(r.Rows)<<16|uint32(r.Cols))
}

// checkPulse applies every safety limit to q at time now; it touches
// nothing.
func (f *Firmware) checkPulse(q wire.PulseReq, now uint64) (wire.Detail, int, uint32, uint32) {
	i := &f.info
	if q.Mode < wire.ModeForm || q.Mode > wire.ModeReset {
		return wire.LimitMode, wire.PulseOffMode, uint32(q.Mode), wire.ModeReset
	}
	if max := i.MaxAmplitude[q.Mode-1]; q.Amplitude > max {
		return wire.LimitAmplitude, wire.PulseOffAmplitude, uint32(q.Amplitude), uint32(max)
	}
	if q.WidthNs < i.MinWidthNs {
		return wire.LimitWidthMin, wire.PulseOffWidth, q.WidthNs, i.MinWidthNs
	}
	if q.WidthNs > i.MaxWidthNs {
		return wire.LimitWidthMax, wire.PulseOffWidth, q.WidthNs, i.MaxWidthNs
	}
	if q.Gate > i.MaxGate {
		return wire.LimitGate, wire.PulseOffGate, uint32(q.Gate), uint32(i.MaxGate)
	}
	if cells := uint32(q.Region.Cells()); i.MaxCells > 0 && cells > i.MaxCells {
		return wire.LimitCells, 0, cells, i.MaxCells
	}
	// Duty cycle: the on-time inside the 1 ms window that ends when this
	// pulse ends (the worst window, since on-time in a sliding window can
	// only grow while a pulse is on) must stay within MaxDutyPPM ns, and at
	// most DutyRing pulses may fall in that window — with or without a
	// duty limit (MaxDutyPPM = 10⁶), as PROTOCOL.md promises.
	w := uint64(q.WidthNs)
	end := now + w
	var lo uint64
	if end > dutyWindowNs {
		lo = end - dutyWindowNs
	}
	on, inWindow := w, 0
	for k := 0; k < f.dutyN; k++ {
		j := (f.dutyHead - 1 - k + DutyRing) % DutyRing
		s, e := f.dutyStart[j], f.dutyStart[j]+f.dutyWidth[j]
		if e <= lo {
			continue
		}
		if s < lo {
			s = lo
		}
		on += e - s
		inWindow++
	}
	if inWindow >= DutyRing || (i.MaxDutyPPM < dutyWindowNs && on > uint64(i.MaxDutyPPM)) {
		got := on
		if got > math.MaxUint32 {
			got = math.MaxUint32
		}
		return wire.LimitDuty, wire.PulseOffWidth, uint32(got), i.MaxDutyPPM
	}
	return wire.DetailNone, 0, 0, 0
}

func (f *Firmware) pulse(p []byte) (wire.Status, int) {
	if len(p) != wire.PulseReqSize {
		return f.badLength(len(p), wire.PulseReqSize)
	}
	q, ok := wire.ParsePulseReq(p)
	if !ok {
		return f.fail(wire.StatusBadRequest, wire.DetailField, 9, uint32(p[9]), 0)
	}
	if !f.checkRegion(q.Region) {
		return f.badRegion(q.Region)
	}
	now := f.fe.Now()
	if d, off, got, lim := f.checkPulse(q, now); d != wire.DetailNone {
		f.st.Refused++
		return f.fail(wire.StatusLimit, d, off, got, lim)
	}
	ampCh := ChanSource
	if q.Mode == wire.ModeReset {
		ampCh = ChanBit
	}
	if f.setDAC(ChanGate, q.Gate) != nil || f.setDAC(ampCh, q.Amplitude) != nil ||
		f.fe.Select(q.Region, nil) != nil {
		return f.hwFault()
	}
	start := f.fe.Now()
	err := f.fe.Pulse(q.Mode, q.WidthNs)
	f.dutyStart[f.dutyHead], f.dutyWidth[f.dutyHead] = start, uint64(q.WidthNs)
	f.dutyHead = (f.dutyHead + 1) % DutyRing
	if f.dutyN < DutyRing {
		f.dutyN++
	}
	if err != nil {
		return f.hwFault()
	}
	f.st.PulseCells += uint64(q.Region.Cells())
	f.st.Pulses++
	f.st.History = wire.CRC32CUpdate(f.st.History, p)
	if f.setDAC(ampCh, 0) != nil || f.setDAC(ChanGate, 0) != nil {
		return f.hwFault()
	}
	return wire.StatusOK, 0
}

// convert runs one conversion of the current selection into f.codes.
// pairs is set for MVM and LSM reads on a board whose column pairs are
// subtracted before the ADC (wire.CapAnalogDiff): one conversion a pair.
func (f *Firmware) convert(rows, cols int, pairs bool) (int, error) {
	sat, err := f.fe.Convert(f.codes[:cols])
	if pairs {
		f.st.ADCConv += uint64(cols / 2)
	} else {
		f.st.ADCConv += uint64(cols)
	}
	f.st.CellReads += uint64(rows) * uint64(cols)
	f.st.Saturated += uint64(sat)
	return sat, err
}

func (f *Firmware) read(p []byte) (wire.Status, int) {
	if len(p) != wire.RegionSize {
		return f.badLength(len(p), wire.RegionSize)
	}
	r := wire.GetRegion(p)
	if !f.checkRegion(r) {
		return f.badRegion(r)
	}
	size := wire.ReadRespHeader + 2*r.Cells()
	if size > wire.MaxPayload {
		return f.fail(wire.StatusRange, wire.DetailTooLarge, 0, uint32(size), wire.MaxPayload)
	}
	// One one-hot binary read per row, all columns converted in parallel
	// (crossbar.Array.Read).
	sat := 0
	out := f.resp[wire.ReadRespHeader:]
	for i := 0; i < int(r.Rows); i++ {
		row := wire.Region{Row: r.Row + uint16(i), Col: r.Col, Rows: 1, Cols: r.Cols}
		if f.fe.Select(row, nil) != nil {
			return f.hwFault()
		}
		s, err := f.convert(1, int(r.Cols), false)
		if err != nil {
			return f.hwFault()
		}
		sat += s
		for j := 0; j < int(r.Cols); j++ {
			wire.PutU16(out[2*(i*int(r.Cols)+j):], uint16(int16(clamp16(f.codes[j]))))
		}
	}
	wire.PutU32(f.resp[:], uint32(sat))
	return wire.StatusOK, size
}

func clamp16(c int32) int32 {
	if c > math.MaxInt16 {
		return math.MaxInt16
	}
	if c < math.MinInt16 {
		return math.MinInt16
	}
	return c
}

func (f *Firmware) mvm(p []byte) (wire.Status, int) {
	if len(p) < wire.MVMReqHeader {
		return f.badLength(len(p), wire.MVMReqHeader)
	}
	r := wire.GetRegion(p)
	bits := int(p[8])
	if p[9] != 0 {
		return f.fail(wire.StatusBadRequest, wire.DetailField, 9, uint32(p[9]), 0)
	}
	if bits < 1 || bits > 16 {
		return f.fail(wire.StatusBadRequest, wire.DetailField, 8, uint32(bits), 16)
	}
	if !f.checkRegion(r) || !f.pairAligned(r) {
		return f.badRegion(r)
	}
	rows, cols := int(r.Rows), int(r.Cols)
	pairs := f.info.Caps&wire.CapAnalogDiff != 0
	x := p[wire.MVMReqHeader:]
	want := wire.BitmapLen(rows)
	if bits > 1 {
		want = 2 * rows
	}
	if len(x) != want {
		return f.badLength(len(p), wire.MVMReqHeader+want)
	}
	size := wire.MVMRespHeader + 4*cols
	if size > wire.MaxPayload {
		return f.fail(wire.StatusRange, wire.DetailTooLarge, 0, uint32(size), wire.MaxPayload)
	}
	if bits == 1 {
		if d, off := checkBitmap(x, rows); d != wire.DetailNone {
			return f.fail(wire.StatusBadRequest, d, wire.MVMReqHeader+off, uint32(x[off]), 0)
		}
	} else {
		top := uint16(1<<bits - 1)
		for i := 0; i < rows; i++ {
			if q := wire.U16(x[2*i:]); q > top {
				return f.fail(wire.StatusBadRequest, wire.DetailField, wire.MVMReqHeader+2*i, uint32(q), uint32(top))
			}
		}
	}
	f.st.MVMs++
	sat := 0
	out := f.resp[wire.MVMRespHeader:]
	if bits == 1 {
		if f.fe.Select(r, x) != nil {
			return f.hwFault()
		}
		s, err := f.convert(popcount(x), cols, pairs)
		if err != nil {
			return f.hwFault()
		}
		sat = s
		for j := 0; j < cols; j++ {
			wire.PutU32(out[4*j:], uint32(f.codes[j]))
		}
		wire.PutU32(f.resp[:], uint32(sat))
		return wire.StatusOK, size
	}
	// Bit-serial: plane b holds bit b of every input code; each plane is one
	// binary read, and the planes' codes are shifted and added.
	acc := f.acc[:cols]
	for j := range acc {
		acc[j] = 0
	}
	mask := f.mask[:wire.BitmapLen(rows)]
	for b := 0; b < bits; b++ {
		for i := range mask {
			mask[i] = 0
		}
		active := 0
		for i := 0; i < rows; i++ {
			if wire.U16(x[2*i:])>>b&1 != 0 {
				mask[i>>3] |= 1 << (i & 7)
				active++
			}
		}
		// An all-zero plane is still converted (its codes are the ADC's
		// reading of no current): crossbar.Model does the same, so the
		// noise streams of its columns advance identically.
		if f.fe.Select(r, mask) != nil {
			return f.hwFault()
		}
		s, err := f.convert(active, cols, pairs)
		if err != nil {
			return f.hwFault()
		}
		sat += s
		for j := 0; j < cols; j++ {
			acc[j] += f.codes[j] << b
		}
	}
	for j := 0; j < cols; j++ {
		wire.PutU32(out[4*j:], uint32(acc[j]))
	}
	wire.PutU32(f.resp[:], uint32(sat))
	return wire.StatusOK, size
}

// pairAligned reports whether r holds whole column pairs, as MVM and LSM
// need on a board with wire.CapAnalogDiff (always true without it).
func (f *Firmware) pairAligned(r wire.Region) bool {
	return f.info.Caps&wire.CapAnalogDiff == 0 || (r.Col%2 == 0 && r.Cols%2 == 0)
}

// checkBitmap checks that the bits past n are zero.
func checkBitmap(bm []byte, n int) (wire.Detail, int) {
	if n%8 != 0 {
		last := len(bm) - 1
		if bm[last]>>(n%8) != 0 {
			return wire.DetailField, last
		}
	}
	return wire.DetailNone, 0
}

func popcount(bm []byte) int {
	n := 0
	for _, b := range bm {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	return n
}
