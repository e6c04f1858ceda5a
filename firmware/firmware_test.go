package firmware_test

import (
	"math"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/fwtest"
	"github.com/memlsm/memlsm/firmware/wire"
)

// testInfo is a small board: 16×16, 16-bit DAC, 14-bit ADC, 4 input bits,
// with tight limits so every limit can be tested.
func testInfo() wire.Info {
	i := wire.Info{Rows: 16, Cols: 16, DACBits: 16, ADCBits: 14, InputBits: 4,
		MaxAmplitude: [3]uint16{60000, 40000, 40000}, MaxGate: 30000,
		MinWidthNs: 100, MaxWidthNs: 500_000, MaxDutyPPM: 200_000, MaxCells: 64,
		DACFullScale: math.Float64bits(5), ReadVoltage: math.Float64bits(0.2),
		TIAGain: math.Float64bits(5600), ADCFullScale: math.Float64bits(1.8),
		ADCLSB: math.Float64bits(1.8 / 8192 / 5600), NameLen: 4}
	copy(i.Name[:], "test")
	return i
}

type rig struct {
	t    testing.TB
	fw   *firmware.Firmware
	rec  *fwtest.Recorder
	arr  *fwtest.Ideal
	seq  uint16
	line []byte
	dst  []byte
}

func newRig(t testing.TB, info wire.Info) *rig {
	t.Helper()
	arr := fwtest.NewIdeal(int(info.Rows), int(info.Cols), int(info.ADCBits))
	rec := &fwtest.Recorder{Next: arr}
	fw, err := firmware.New(rec, firmware.Config{Info: info, ReadCode: 2621})
	if err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	return &rig{t: t, fw: fw, rec: rec, arr: arr, line: make([]byte, wire.MaxWire), dst: make([]byte, wire.MaxFrame)}
}

// do sends one request and returns the decoded response.
func (r *rig) do(op wire.Op, payload []byte) wire.Frame {
	r.t.Helper()
	r.seq++
	return r.doSeq(op, r.seq, payload)
}

func (r *rig) doSeq(op wire.Op, seq uint16, payload []byte) wire.Frame {
	r.t.Helper()
	n, err := wire.Encode(r.line, wire.Header{Op: op, Seq: seq}, payload)
	if err != nil {
		r.t.Fatal(err)
	}
	out := r.feed(r.line[:n])
	if out == nil {
		r.t.Fatalf("%v: no response", op)
	}
	f, err := wire.Decode(r.dst, out[:len(out)-2])
	if err != nil {
		r.t.Fatalf("%v: response does not decode: %v", op, err)
	}
	if !f.Resp || f.Seq != seq || f.Op != op {
		r.t.Fatalf("%v: response header %+v", op, f.Header)
	}
	return f
}

// feed feeds bytes and returns the last output (copied).
func (r *rig) feed(p []byte) []byte {
	var last []byte
	for len(p) > 0 {
		n, out := r.fw.Feed(p)
		p = p[n:]
		if out != nil {
			last = append([]byte(nil), out...)
		}
	}
	return last
}

func pulseReq(reg wire.Region, mode uint8, amp, gate uint16, width uint32) []byte {
	p := make([]byte, wire.PulseReqSize)
	wire.PulseReq{Region: reg, Mode: mode, Amplitude: amp, Gate: gate, WidthNs: width}.Put(p)
	return p
}

func TestHello(t *testing.T) {
	r := newRig(t, testInfo())
	f := r.do(wire.OpHello, nil)
	info, ok := wire.ParseInfo(f.Payload)
	if f.Status != wire.StatusOK || !ok {
		t.Fatalf("HELLO: status %v, payload % x", f.Status, f.Payload)
	}
	want := testInfo()
	want.Protocol, want.Firmware, want.MaxLoad, want.Caps = wire.Version, firmware.Version, wire.MaxPayload, wire.CapRanges
	if info != want {
		t.Fatalf("HELLO info\n got %+v\nwant %+v", info, want)
	}
	if f := r.do(wire.OpHello, []byte{1}); f.Status != wire.StatusBadRequest {
		t.Errorf("HELLO with payload: %v", f.Status)
	}
	if f := r.do(wire.Op(0x55), nil); f.Status != wire.StatusUnknownOp {
		t.Errorf("unknown op: %v", f.Status)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	mods := map[string]func(*wire.Info){
		"rows":      func(i *wire.Info) { i.Rows = 513 },
		"cols":      func(i *wire.Info) { i.Cols = 0 },
		"dac bits":  func(i *wire.Info) { i.DACBits = 17 },
		"adc bits":  func(i *wire.Info) { i.ADCBits = 1 },
		"inputbits": func(i *wire.Info) { i.InputBits = 0 },
		"widths":    func(i *wire.Info) { i.MinWidthNs = i.MaxWidthNs + 1 },
		"duty":      func(i *wire.Info) { i.MaxDutyPPM = 0 },
		"name":      func(i *wire.Info) { i.NameLen = 33 },
		"amplitude": func(i *wire.Info) { i.DACBits = 8 },
	}
	for name, mod := range mods {
		i := testInfo()
		mod(&i)
		if _, err := firmware.New(&fwtest.Recorder{}, firmware.Config{Info: i}); err == nil {
			t.Errorf("%s: bad config accepted", name)
		}
	}
	if _, err := firmware.New(nil, firmware.Config{Info: testInfo()}); err == nil {
		t.Error("nil frontend accepted")
	}
}

// TestLimitsRefuseAndTouchNothing covers every safety limit: each request
// just beyond a limit is refused with StatusLimit and the limit's Detail,
// and the Frontend sees no call at all; the same request just inside the
// limit is applied.
func TestLimitsRefuseAndTouchNothing(t *testing.T) {
	info := testInfo()
	small := wire.Region{Row: 0, Col: 0, Rows: 2, Cols: 2}
	tests := []struct {
		name   string
		reg    wire.Region
		mode   uint8
		amp    uint16
		gate   uint16
		width  uint32
		detail wire.Detail
	}{
		{"mode 0", small, 0, 1000, 1000, 1000, wire.LimitMode},
		{"mode 4", small, 4, 1000, 1000, 1000, wire.LimitMode},
		{"form amplitude", small, wire.ModeForm, 60001, 1000, 1000, wire.LimitAmplitude},
		{"set amplitude", small, wire.ModeSet, 40001, 1000, 1000, wire.LimitAmplitude},
		{"reset amplitude", small, wire.ModeReset, 40001, 1000, 1000, wire.LimitAmplitude},
		{"width below min", small, wire.ModeForm, 1000, 1000, 99, wire.LimitWidthMin},
		{"width above max", small, wire.ModeForm, 1000, 1000, 500_001, wire.LimitWidthMax},
		{"gate", small, wire.ModeForm, 1000, 30001, 1000, wire.LimitGate},
		{"cells", wire.Region{Rows: 5, Cols: 13}, wire.ModeForm, 1000, 1000, 1000, wire.LimitCells},
		{"duty alone", small, wire.ModeForm, 1000, 1000, 200_001, wire.LimitDuty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, info)
			before := slices.Clone(r.arr.G)
			f := r.do(wire.OpPulse, pulseReq(tc.reg, tc.mode, tc.amp, tc.gate, tc.width))
			e, ok := wire.ParseErrorInfo(f.Payload)
			if f.Status != wire.StatusLimit || !ok || e.Detail != tc.detail {
				t.Fatalf("status %v detail %v, want %v %v", f.Status, e.Detail, wire.StatusLimit, tc.detail)
			}
			if calls := r.rec.Calls(); len(calls) != 0 {
				t.Fatalf("refused pulse touched the front end: %v", calls)
			}
			if !slices.Equal(before, r.arr.G) {
				t.Fatal("refused pulse changed the array")
			}
			if st := r.fw.Status(); st.Refused != 1 || st.PulseCells != 0 {
				t.Fatalf("status after refusal: %+v", st)
			}
		})
	}
	// Just inside every limit: applied.
	r := newRig(t, info)
	for _, m := range []uint8{wire.ModeForm, wire.ModeSet, wire.ModeReset} {
		amp := info.MaxAmplitude[m-1]
		r.arr.Idle(1_000_000) // leave the duty window empty
		if f := r.do(wire.OpPulse, pulseReq(wire.Region{Rows: 8, Cols: 8}, m, amp, info.MaxGate, 100)); f.Status != wire.StatusOK {
			t.Fatalf("mode %d at the limits refused: %v", m, f.Status)
		}
	}
	r.arr.Idle(1_000_000)
	if f := r.do(wire.OpPulse, pulseReq(wire.Region{Rows: 1, Cols: 1}, wire.ModeForm, 1, 1, 200_000)); f.Status != wire.StatusOK {
		t.Fatalf("pulse of exactly the duty budget refused: %v", f.Status)
	}
}

// TestDutyWindow: pulses whose on-time adds up beyond MaxDuty of a 1 ms
// window are refused until the window has moved on.
func TestDutyWindow(t *testing.T) {
	r := newRig(t, testInfo()) // 200 µs of every 1 ms
	reg := wire.Region{Rows: 1, Cols: 1}
	for k := range 4 { // 4 × 50 µs = 200 µs: allowed
		if f := r.do(wire.OpPulse, pulseReq(reg, wire.ModeSet, 100, 100, 50_000)); f.Status != wire.StatusOK {
			t.Fatalf("pulse %d refused", k)
		}
	}
	r.rec.Reset()
	f := r.do(wire.OpPulse, pulseReq(reg, wire.ModeSet, 100, 100, 100))
	if e, _ := wire.ParseErrorInfo(f.Payload); f.Status != wire.StatusLimit || e.Detail != wire.LimitDuty {
		t.Fatalf("pulse over the duty budget: %v %v", f.Status, e.Detail)
	}
	if len(r.rec.Calls()) != 0 {
		t.Fatal("refused pulse touched the front end")
	}
	r.arr.Idle(801_000) // the first 50 µs pulse ends 1 ms + 100 ns before the next pulse ends
	if f := r.do(wire.OpPulse, pulseReq(reg, wire.ModeSet, 100, 100, 100)); f.Status != wire.StatusOK {
		t.Fatalf("pulse after the window moved refused: %v", f.Status)
	}
	// More than DutyRing pulses in one window is refused even if short.
	r = newRig(t, testInfo())
	var last wire.Status
	for range firmware.DutyRing + 1 {
		last = r.do(wire.OpPulse, pulseReq(reg, wire.ModeSet, 100, 100, 100)).Status
	}
	if last != wire.StatusLimit {
		t.Fatalf("pulse %d in one window: %v", firmware.DutyRing+1, last)
	}
	// Duty 1 (the simulator's): no on-time budget, but still at most
	// DutyRing pulses in one window (PROTOCOL.md), e.g. 80 pulses of 100 ns
	// back to back are not all applied.
	info := testInfo()
	info.MaxDutyPPM = 1_000_000
	r = newRig(t, info)
	for k := range firmware.DutyRing {
		if f := r.do(wire.OpPulse, pulseReq(reg, wire.ModeSet, 100, 100, 100)); f.Status != wire.StatusOK {
			t.Fatalf("duty 1 refused pulse %d of %d in one window", k+1, firmware.DutyRing)
		}
	}
	f = r.do(wire.OpPulse, pulseReq(reg, wire.ModeSet, 100, 100, 100))
	if e, _ := wire.ParseErrorInfo(f.Payload); f.Status != wire.StatusLimit || e.Detail != wire.LimitDuty {
		t.Fatalf("duty 1, pulse %d in one window: %v %v", firmware.DutyRing+1, f.Status, e.Detail)
	}
	r.arr.Idle(1_000_000)
	if f := r.do(wire.OpPulse, pulseReq(reg, wire.ModeSet, 100, 100, 100)); f.Status != wire.StatusOK {
		t.Fatalf("duty 1, pulse after the window moved refused: %v", f.Status)
	}
}

func TestPulseAppliesAndParks(t *testing.T) {
	r := newRig(t, testInfo())
	reg := wire.Region{Row: 2, Col: 3, Rows: 2, Cols: 2}
	if f := r.do(wire.OpPulse, pulseReq(reg, wire.ModeForm, 0x1200, 1000, 1000)); f.Status != wire.StatusOK {
		t.Fatal(f.Status)
	}
	want := []string{
		"SetDAC(2, 1000)", "SetDAC(0, 4608)", "Select({2 3 2 2}, )", "Pulse(1, 1000)", "SetDAC(0, 0)", "SetDAC(2, 0)",
	}
	var got []string
	for _, c := range r.rec.Calls() {
		got = append(got, c.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("calls\n got %q\nwant %q", got, want)
	}
	// Ideal: FORM sets code (amplitude>>8) + row + col.
	if g := r.arr.G[3*16+4]; g != 0x12+3+4 {
		t.Fatalf("cell (3,4) = %d", g)
	}
	// Reset drives the bit-line channel.
	r.rec.Reset()
	r.do(wire.OpPulse, pulseReq(reg, wire.ModeReset, 500, 1000, 1000))
	if c := r.rec.Calls()[1].String(); c != "SetDAC(1, 500)" {
		t.Fatalf("reset amplitude on %s", c)
	}
	if r.arr.G[3*16+4] != 0 {
		t.Fatal("reset did not reset")
	}
}

// TestReplay: a request repeated with the same sequence number (its response
// was lost) is answered from the cache and not executed again.
func TestReplay(t *testing.T) {
	r := newRig(t, testInfo())
	req := pulseReq(wire.Region{Rows: 1, Cols: 1}, wire.ModeSet, 100, 100, 100)
	a := r.doSeq(wire.OpPulse, 7, req)
	n := len(r.rec.Calls())
	b := r.doSeq(wire.OpPulse, 7, req)
	if len(r.rec.Calls()) != n {
		t.Fatal("duplicate pulse executed twice")
	}
	if a.Status != b.Status || r.fw.Status().Replays != 1 {
		t.Fatal("replay differs")
	}
	// Same sequence number, different request: executed.
	r.doSeq(wire.OpPulse, 7, pulseReq(wire.Region{Rows: 1, Cols: 1}, wire.ModeSet, 101, 100, 100))
	if len(r.rec.Calls()) == n {
		t.Fatal("different request with a reused sequence number was not executed")
	}
}

func TestReadAndMVM(t *testing.T) {
	r := newRig(t, testInfo())
	for i := range r.arr.G {
		r.arr.G[i] = int32(i%13) - 4
	}
	reg := wire.Region{Row: 1, Col: 2, Rows: 3, Cols: 5}
	p := make([]byte, wire.RegionSize)
	reg.Put(p)
	f := r.do(wire.OpRead, p)
	if f.Status != wire.StatusOK || len(f.Payload) != wire.ReadRespHeader+2*15 {
		t.Fatalf("READ: %v, %d bytes", f.Status, len(f.Payload))
	}
	for i := range 3 {
		for j := range 5 {
			got := int16(wire.U16(f.Payload[4+2*(i*5+j):]))
			if want := r.arr.G[(1+i)*16+2+j]; int32(got) != want {
				t.Fatalf("READ (%d,%d) = %d, want %d", i, j, got, want)
			}
		}
	}
	// Binary MVM: rows 0 and 2 of the region.
	q := make([]byte, wire.MVMReqHeader+1)
	reg.Put(q)
	q[8] = 1
	q[10] = 0b101
	f = r.do(wire.OpMVM, q)
	for j := range 5 {
		want := r.arr.G[1*16+2+j] + r.arr.G[3*16+2+j]
		if got := int32(wire.U32(f.Payload[4+4*j:])); got != want {
			t.Fatalf("binary MVM col %d = %d, want %d", j, got, want)
		}
	}
	// Multi-bit MVM: codes (15, 0, 6) over 4 bit planes → Σ q_i·G_ij exactly.
	// (Plane 3 holds only row 0; with (7, 0, 6) it would be empty and still
	// converted, as crossbar.Model does.)
	q = make([]byte, wire.MVMReqHeader+6)
	reg.Put(q)
	q[8] = 4
	wire.PutU16(q[10:], 15)
	wire.PutU16(q[12:], 0)
	wire.PutU16(q[14:], 6)
	r.rec.Reset()
	f = r.do(wire.OpMVM, q)
	for j := range 5 {
		want := 15*r.arr.G[1*16+2+j] + 6*r.arr.G[3*16+2+j]
		if got := int32(wire.U32(f.Payload[4+4*j:])); got != want {
			t.Fatalf("4-bit MVM col %d = %d, want %d", j, got, want)
		}
	}
	converts := 0
	for _, c := range r.rec.Calls() {
		if c.Method == "Convert" {
			converts++
		}
	}
	if converts != 4 { // one conversion per bit plane
		t.Fatalf("%d conversions for 4 planes", converts)
	}
	// (4, 0, 2): planes 0 and 3 have no active row and are converted all
	// the same, as crossbar.Model converts every plane (its noise counters
	// advance per conversion).
	wire.PutU16(q[10:], 4)
	wire.PutU16(q[14:], 2)
	r.rec.Reset()
	f = r.do(wire.OpMVM, q)
	converts = 0
	for _, c := range r.rec.Calls() {
		if c.Method == "Convert" {
			converts++
		}
	}
	for j := range 5 {
		want := 4*r.arr.G[1*16+2+j] + 2*r.arr.G[3*16+2+j]
		if got := int32(wire.U32(f.Payload[4+4*j:])); got != want || converts != 4 {
			t.Fatalf("MVM with empty planes: col %d = %d, want %d; %d conversions", j, got, want, converts)
		}
	}
	// Malformed MVMs.
	for name, mod := range map[string]func([]byte) []byte{
		"bits 0":        func(b []byte) []byte { b[8] = 0; return b },
		"bits 17":       func(b []byte) []byte { b[8] = 17; return b },
		"reserved":      func(b []byte) []byte { b[9] = 1; return b },
		"short":         func(b []byte) []byte { return b[:len(b)-1] },
		"code too big":  func(b []byte) []byte { wire.PutU16(b[10:], 16); return b },
		"region":        func(b []byte) []byte { wire.PutU16(b[0:], 15); return b },
		"header only":   func(b []byte) []byte { return b[:9] },
		"bitmap excess": func(b []byte) []byte { b[8] = 1; return append(b[:10], 0b1000) },
	} {
		b := mod(slices.Clone(q))
		r.rec.Reset()
		if f := r.do(wire.OpMVM, b); f.Status == wire.StatusOK {
			t.Errorf("%s: accepted", name)
		}
		if len(r.rec.Calls()) != 0 {
			t.Errorf("%s: touched the front end", name)
		}
	}
	// A READ whose response would not fit is refused.
	info := testInfo()
	info.Rows, info.Cols = 512, 512
	r = newRig(t, info)
	wire.Region{Rows: 5, Cols: 512}.Put(p)
	if f := r.do(wire.OpRead, p); f.Status != wire.StatusRange {
		t.Fatalf("oversized READ: %v", f.Status)
	}
}

func TestHaltAndStatus(t *testing.T) {
	r := newRig(t, testInfo())
	if f := r.do(wire.OpHalt, nil); f.Status != wire.StatusOK {
		t.Fatal(f.Status)
	}
	for _, c := range r.rec.Calls() { // every channel parked at 0, the read channel too
		if c.Method != "SetDAC" || c.Args[len(c.Args)-2:] != " 0" {
			t.Fatalf("halt: %v", c)
		}
	}
	r.rec.Reset()
	if f := r.do(wire.OpPulse, pulseReq(wire.Region{Rows: 1, Cols: 1}, wire.ModeSet, 1, 1, 100)); f.Status != wire.StatusHalted {
		t.Fatalf("pulse while halted: %v", f.Status)
	}
	if len(r.rec.Calls()) != 0 {
		t.Fatal("halted board touched the front end")
	}
	f := r.do(wire.OpStatus, nil)
	st, ok := wire.ParseStatus(f.Payload)
	if !ok || !st.Halted || st.LastStatus != wire.StatusHalted || st.FramesOK != 3 {
		t.Fatalf("status %+v", st)
	}
	r.do(wire.OpHello, nil)
	if f := r.do(wire.OpWait, []byte{0x40, 0x42, 0x0F, 0, 0, 0, 0, 0}); f.Status != wire.StatusOK || wire.U64(f.Payload) != 1_000_000 {
		t.Fatalf("WAIT after HELLO: %v % x", f.Status, f.Payload)
	}
}

// TestCorruptFramesNakked: a corrupt frame gets a NAK and executes nothing;
// a response frame (an echo) gets no answer at all.
func TestCorruptFramesNakked(t *testing.T) {
	r := newRig(t, testInfo())
	n, _ := wire.Encode(r.line, wire.Header{Op: wire.OpPulse, Seq: 1}, pulseReq(wire.Region{Rows: 1, Cols: 1}, wire.ModeSet, 1, 1, 100))
	bad := slices.Clone(r.line[:n])
	bad[5] ^= 0x40
	out := r.feed(bad)
	f, err := wire.Decode(r.dst, out[:len(out)-2])
	if err != nil || f.Op != wire.OpNak || f.Status != wire.StatusBadFrame {
		t.Fatalf("NAK: %+v %v", f.Header, err)
	}
	if len(r.rec.Calls()) != 0 {
		t.Fatal("corrupt frame executed")
	}
	n, _ = wire.Encode(r.line, wire.Header{Op: wire.OpHello, Seq: 1, Resp: true}, nil)
	if out := r.feed(r.line[:n]); out != nil {
		t.Fatal("answered a response frame")
	}
	if st := r.fw.Status(); st.FramesBad != 2 || st.FramesOK != 0 {
		t.Fatalf("status %+v", st)
	}
	// An overlong frame is NAKed once.
	long := make([]byte, wire.MaxEncoded+5)
	for i := range long {
		long[i] = 1
	}
	if out := r.feed(append(long, 0)); out == nil {
		t.Fatal("overlong frame not NAKed")
	}
}

func TestNoAllocations(t *testing.T) {
	info := testInfo()
	info.Rows, info.Cols = 512, 512
	info.MaxCells = 0
	r := newRig(t, info)
	// The recorder formats its log; measure the firmware alone.
	fw, err := firmware.New(r.arr, firmware.Config{Info: info})
	if err != nil {
		t.Fatal(err)
	}
	r.fw = fw
	reqs := map[string]struct {
		op wire.Op
		p  []byte
	}{}
	mvm := make([]byte, wire.MVMReqHeader+64)
	wire.Region{Rows: 512, Cols: 512}.Put(mvm)
	mvm[8] = 1
	mvm[20] = 0xA5
	reqs["mvm"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpMVM, mvm}
	mvm4 := make([]byte, wire.MVMReqHeader+2*64)
	wire.Region{Rows: 64, Cols: 512}.Put(mvm4)
	mvm4[8] = 4
	mvm4[10], mvm4[30] = 15, 7
	reqs["mvm4"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpMVM, mvm4}
	read := make([]byte, wire.RegionSize)
	wire.Region{Rows: 2, Cols: 512}.Put(read)
	reqs["read"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpRead, read}
	reqs["pulse"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpPulse, pulseReq(wire.Region{Rows: 8, Cols: 8}, wire.ModeSet, 1, 1, 100)}
	reqs["lsm"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpLSM, lsmReq(16, 8, 4, 0, 4, [][]uint16{{1, 2}, nil, {3}, {0, 15}})}
	reqs["status"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpStatus, nil}
	exec := make([]byte, wire.ExecReqHeader+wire.RegionSize)
	wire.ExecReq{Op: wire.OpRead, Inline: 16}.Put(exec)
	wire.Region{Rows: 2, Cols: 512}.Put(exec[wire.ExecReqHeader:])
	reqs["exec"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpExec, exec}
	stage := make([]byte, wire.StageReqHeader+64)
	reqs["stage"] = struct {
		op wire.Op
		p  []byte
	}{wire.OpStage, stage}
	buf := make([]byte, wire.MaxWire)
	for name, req := range reqs {
		seq := uint16(0)
		allocs := testing.AllocsPerRun(50, func() {
			seq++
			n, _ := wire.Encode(buf, wire.Header{Op: req.op, Seq: seq}, req.p)
			p := buf[:n]
			var last []byte
			for len(p) > 0 {
				k, out := r.fw.Feed(p)
				p = p[k:]
				if out != nil {
					last = out
				}
			}
			if len(last) < 12 {
				panic("no response")
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request", name, allocs)
		}
	}
}

// TestRanges: a READ staged in pieces, run by EXEC and fetched in pieces
// gives the same bytes as a plain READ; EXEC runs once however often it is
// resent; STAGE and FETCH neither replay nor replace EXEC's cached answer.
func TestRanges(t *testing.T) {
	r := newRig(t, testInfo())
	for i := range r.arr.G {
		r.arr.G[i] = int32(i%29) - 9
	}
	reg := wire.Region{Row: 0, Col: 0, Rows: 16, Cols: 16}
	read := make([]byte, wire.RegionSize)
	reg.Put(read)
	plain := r.do(wire.OpRead, read)
	want := append([]byte(nil), plain.Payload...)
	// Stage the 8-byte READ payload in two pieces.
	for off := 0; off < len(read); off += 4 {
		p := make([]byte, wire.StageReqHeader+4)
		wire.PutU16(p, uint16(off))
		copy(p[wire.StageReqHeader:], read[off:off+4])
		if f := r.do(wire.OpStage, p); f.Status != wire.StatusOK || len(f.Payload) != 0 {
			t.Fatalf("STAGE at %d: %v", off, f.Status)
		}
	}
	ex := make([]byte, wire.ExecReqHeader)
	wire.ExecReq{Op: wire.OpRead, Flags: wire.ExecStaged, Inline: 16, Len: uint16(len(read)), CRC: wire.CRC32C(read)}.Put(ex)
	conv := r.fw.Status().ADCConv
	f := r.doSeq(wire.OpExec, 500, ex)
	er, ok := wire.ParseExecResp(f.Payload)
	if f.Status != wire.StatusOK || !ok || er.Status != wire.StatusOK || er.Flags != wire.ExecHeld ||
		int(er.Len) != len(want) || er.CRC != wire.CRC32C(want) || len(f.Payload) != wire.ExecRespHeader {
		t.Fatalf("EXEC: %v %+v (%d bytes)", f.Status, er, len(f.Payload))
	}
	ranOnce := r.fw.Status().ADCConv
	var got []byte
	for off := 0; off < len(want); off += 100 {
		q := make([]byte, wire.FetchReqSize)
		wire.FetchReq{Seq: 500, Offset: uint16(off), Len: uint16(min(100, len(want)-off))}.Put(q)
		f := r.do(wire.OpFetch, q)
		if f.Status != wire.StatusOK {
			t.Fatalf("FETCH at %d: %v", off, f.Status)
		}
		got = append(got, f.Payload...)
	}
	if !slices.Equal(got, want) || ranOnce-conv != 256 {
		t.Fatalf("fetched %d bytes (equal %v) after %d conversions", len(got), slices.Equal(got, want), ranOnce-conv)
	}
	// A resent EXEC is answered from the cache, even after FETCHes.
	if f := r.doSeq(wire.OpExec, 500, ex); f.Status != wire.StatusOK || r.fw.Status().ADCConv != ranOnce || r.fw.Status().Replays != 1 {
		t.Fatalf("resent EXEC ran again (%d conversions, %d replays)", r.fw.Status().ADCConv-ranOnce, r.fw.Status().Replays)
	}
	// Errors: FETCH beyond the response, of another sequence number; EXEC
	// with a wrong CRC or a nested ranged opcode; STAGE past the buffer.
	bad := func(name string, op wire.Op, p []byte, st wire.Status, d wire.Detail) {
		t.Helper()
		f := r.do(op, p)
		e, _ := wire.ParseErrorInfo(f.Payload)
		if f.Status != st || e.Detail != d {
			t.Errorf("%s: %v %v, want %v %v", name, f.Status, e.Detail, st, d)
		}
	}
	q := make([]byte, wire.FetchReqSize)
	wire.FetchReq{Seq: 500, Offset: 500, Len: 100}.Put(q)
	bad("fetch past the end", wire.OpFetch, q, wire.StatusRange, wire.DetailPiece)
	wire.FetchReq{Seq: 501, Len: 1}.Put(q)
	bad("fetch another seq", wire.OpFetch, q, wire.StatusState, wire.DetailNotHeld)
	wire.ExecReq{Op: wire.OpRead, Flags: wire.ExecStaged, Len: uint16(len(read)), CRC: 1}.Put(ex)
	bad("staged CRC", wire.OpExec, ex, wire.StatusBadRequest, wire.DetailStaged)
	wire.ExecReq{Op: wire.OpFetch}.Put(ex)
	bad("nested", wire.OpExec, ex, wire.StatusBadRequest, wire.DetailPiece)
	st := make([]byte, wire.StageReqHeader+8)
	wire.PutU16(st, wire.MaxPayload-4)
	bad("stage past the end", wire.OpStage, st, wire.StatusRange, wire.DetailPiece)
	// A short response comes inline; an inner error too.
	ex = make([]byte, wire.ExecReqHeader+wire.RegionSize)
	wire.ExecReq{Op: wire.OpRead, Inline: 64}.Put(ex)
	wire.Region{Rows: 2, Cols: 3}.Put(ex[wire.ExecReqHeader:])
	f = r.do(wire.OpExec, ex)
	if er, _ := wire.ParseExecResp(f.Payload); er.Flags != 0 || int(er.Len) != len(f.Payload)-wire.ExecRespHeader || er.Len != 4+12 {
		t.Errorf("inline EXEC: %+v, %d bytes", er, len(f.Payload))
	}
	wire.Region{Rows: 20, Cols: 3}.Put(ex[wire.ExecReqHeader:])
	f = r.do(wire.OpExec, ex)
	if er, _ := wire.ParseExecResp(f.Payload); f.Status != wire.StatusOK || er.Status != wire.StatusRange {
		t.Errorf("EXEC of a bad READ: %v %+v", f.Status, er)
	}
}

// TestHistory: STATUS counts applied pulses and chains their requests into
// a CRC-32C; refused pulses change neither.
func TestHistory(t *testing.T) {
	r := newRig(t, testInfo())
	if s := r.fw.Status(); !s.HasState || s.Pulses != 0 || s.History != 0 {
		t.Fatalf("fresh board: %+v", s)
	}
	a := pulseReq(wire.Region{Rows: 1, Cols: 2}, wire.ModeSet, 100, 100, 100)
	b := pulseReq(wire.Region{Row: 3, Rows: 1, Cols: 1}, wire.ModeForm, 1000, 100, 100)
	r.do(wire.OpPulse, a)
	r.do(wire.OpPulse, pulseReq(wire.Region{Rows: 1, Cols: 1}, wire.ModeSet, 50000, 100, 100)) // refused
	r.do(wire.OpPulse, b)
	want := wire.CRC32C(append(append([]byte(nil), a...), b...))
	f := r.do(wire.OpStatus, nil)
	s, ok := wire.ParseStatus(f.Payload)
	if !ok || s.Pulses != 2 || s.History != want || s.Refused != 1 {
		t.Fatalf("status %+v, want 2 pulses, history %08x", s, want)
	}
}
