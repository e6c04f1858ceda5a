package wire

import (
	"bytes"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

func TestCRC32CCheckValue(t *testing.T) {
	// Check value of CRC-32/ISCSI from the Williams/Cook CRC catalogue.
	if got := CRC32C([]byte("123456789")); got != 0xE3069283 {
		t.Fatalf("CRC32C(123456789) = %#x, want 0xe3069283", got)
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		if got, want := CRC32C(p), crc32.Checksum(p, tab); got != want {
			t.Fatalf("len %d: CRC32C = %#x, hash/crc32 Castagnoli = %#x", n, got, want)
		}
	}
}

func TestCOBSVectors(t *testing.T) {
	// Examples from Cheshire & Baker 1999 / the Wikipedia COBS article.
	long := make([]byte, 254)
	for i := range long {
		long[i] = byte(i + 1)
	}
	tests := []struct{ in, out []byte }{
		{[]byte{0x00}, []byte{0x01, 0x01}},
		{[]byte{0x00, 0x00}, []byte{0x01, 0x01, 0x01}},
		{[]byte{0x00, 0x11, 0x00}, []byte{0x01, 0x02, 0x11, 0x01}},
		{[]byte{0x11, 0x22, 0x00, 0x33}, []byte{0x03, 0x11, 0x22, 0x02, 0x33}},
		{[]byte{0x11, 0x22, 0x33, 0x44}, []byte{0x05, 0x11, 0x22, 0x33, 0x44}},
		{[]byte{0x11, 0x00, 0x00, 0x00}, []byte{0x02, 0x11, 0x01, 0x01, 0x01}},
		{long, append(append([]byte{0xFF}, long...), 0x01)},
	}
	for _, tc := range tests {
		enc := make([]byte, EncodedLen(len(tc.in)))
		n := cobsEncode(enc, tc.in)
		if !bytes.Equal(enc[:n], tc.out) {
			t.Errorf("encode % x = % x, want % x", tc.in, enc[:n], tc.out)
		}
		dec := make([]byte, len(tc.in)+1)
		m, _, err := cobsDecode(dec, tc.out)
		if err != nil || !bytes.Equal(dec[:m], tc.in) {
			t.Errorf("decode % x = % x, %v; want % x", tc.out, dec[:m], err, tc.in)
		}
	}
	// Non-canonical and malformed encodings are rejected.
	for _, bad := range [][]byte{
		{},                            // empty
		{0x05, 0x11, 0x22},            // block runs past the end
		{0x02, 0x00},                  // zero inside
		append([]byte{0xFF}, long...), // final 0xFF block (canonical form adds 0x01)
	} {
		var dec [400]byte
		if _, _, err := cobsDecode(dec[:], bad); !errors.Is(err, ErrCOBS) {
			t.Errorf("decode % x: err %v, want ErrCOBS", bad, err)
		}
	}
}

func encodeT(t testing.TB, h Header, payload []byte) []byte {
	t.Helper()
	buf := make([]byte, MaxWire)
	n, err := Encode(buf, h, payload)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 253, 254, 255, 508, 1000, MaxPayload} {
		p := make([]byte, n)
		for i := range p {
			if rng.IntN(4) != 0 { // plenty of zeros
				p[i] = byte(rng.Uint32())
			}
		}
		h := Header{Op: OpMVM, Seq: uint16(n * 7), Resp: n%2 == 1}
		if h.Resp {
			h.Status = StatusLimit
		}
		line := encodeT(t, h, p)
		if got, want := len(line), EncodedLen(HeaderSize+n+CRCSize)+2; got > want {
			t.Errorf("n=%d: %d bytes on the line, more than the bound %d", n, got, want)
		}
		if line[len(line)-1] != 0 || line[len(line)-2] != 0 || bytes.IndexByte(line[:len(line)-2], 0) >= 0 {
			t.Fatalf("n=%d: delimiters misplaced", n)
		}
		var dst [MaxFrame]byte
		f, err := Decode(dst[:], line[:len(line)-2])
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if f.Header != h || !bytes.Equal(f.Payload, p) {
			t.Fatalf("n=%d: decoded %+v, want %+v", n, f.Header, h)
		}
	}
	if _, err := Encode(make([]byte, MaxWire), Header{}, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("oversize payload: %v", err)
	}
	if _, err := Encode(make([]byte, 10), Header{}, make([]byte, 10)); !errors.Is(err, ErrBufSmall) {
		t.Errorf("small buffer: %v", err)
	}
}

// TestEveryCorruptionRejected flips, in turn, every bit of an encoded frame,
// and also replaces each byte by every other value: not one corrupted frame
// may decode (CRC-32C detects all 1- to 3-bit errors at these lengths;
// COBS damage is caught structurally or by the CRC).
func TestEveryCorruptionRejected(t *testing.T) {
	p := []byte{0x00, 0x01, 0x02, 0x00, 0x00, 0xFF, 0x10, 0x00, 0x7F}
	line := encodeT(t, Header{Op: OpPulse, Seq: 0x1234}, p)
	enc := line[:len(line)-2]
	var dst [MaxFrame]byte
	check := func(mut []byte, what string) {
		// A corrupted byte may become 0x00, which the splitter would treat
		// as a delimiter: feed the pieces as separate frames.
		for _, piece := range bytes.Split(mut, []byte{0}) {
			if len(piece) == 0 {
				continue
			}
			if f, _, err := Unpack(dst[:], piece); err == nil {
				t.Fatalf("%s: corrupt frame accepted: %+v", what, f.Header)
			}
		}
	}
	mut := make([]byte, len(enc))
	for i := range enc {
		for bit := range 8 {
			copy(mut, enc)
			mut[i] ^= 1 << bit
			check(mut, "bit flip")
		}
		for v := range 256 {
			if byte(v) == enc[i] {
				continue
			}
			copy(mut, enc)
			mut[i] = byte(v)
			check(mut, "byte replace")
		}
		// Dropped byte.
		check(append(append([]byte{}, enc[:i]...), enc[i+1:]...), "drop")
	}
}

func TestUnpackFieldChecks(t *testing.T) {
	var raw [MaxFrame]byte
	build := func(mod func(r []byte), n int) []byte {
		m, err := Marshal(raw[:], Header{Op: OpRead, Seq: 9}, make([]byte, n))
		if err != nil {
			t.Fatal(err)
		}
		mod(raw[:m])
		PutU32(raw[m-CRCSize:], CRC32C(raw[:m-CRCSize])) // keep the CRC valid
		enc := make([]byte, EncodedLen(m))
		return enc[:cobsEncode(enc, raw[:m])]
	}
	tests := []struct {
		name string
		mod  func(r []byte)
		want error
	}{
		{"version", func(r []byte) { r[0] = 2 }, ErrVersion},
		{"flags", func(r []byte) { r[1] = 0x80 }, ErrFlags},
		{"length too big", func(r []byte) { PutU16(r[6:], 5) }, ErrLength},
		{"length too small", func(r []byte) { PutU16(r[6:], 3) }, ErrLength},
		{"status in request", func(r []byte) { r[3] = 1 }, ErrStatus},
	}
	var dst [MaxFrame]byte
	for _, tc := range tests {
		_, _, err := Unpack(dst[:], build(tc.mod, 4))
		if err != tc.want {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	// Too short to hold a header and CRC.
	enc := make([]byte, 20)
	n := cobsEncode(enc, []byte{1, 2, 3})
	if _, _, err := Unpack(dst[:], enc[:n]); err != ErrShort {
		t.Errorf("short: %v", err)
	}
	// Longer than MaxEncoded.
	if _, off, err := Unpack(dst[:], bytes.Repeat([]byte{1}, MaxEncoded+1)); err != ErrTooLong || off != MaxEncoded {
		t.Errorf("long: %v at %d", err, off)
	}
	// Decode names the offset.
	_, err := Decode(dst[:], []byte{0x05, 0x11})
	var fe *FrameError
	if !errors.As(err, &fe) || !errors.Is(err, ErrCOBS) || fe.Offset != 0 || err.Error() != "wire: bad frame at byte 0: bad COBS encoding" {
		t.Errorf("Decode error = %v", err)
	}
}

func TestSplitter(t *testing.T) {
	a := encodeT(t, Header{Op: OpHello, Seq: 1}, nil)
	b := encodeT(t, Header{Op: OpStatus, Seq: 2}, []byte{0, 0, 0})
	stream := append(append([]byte{0, 0, 0}, a...), b...)
	var s Splitter
	var got [][]byte
	// Feed in awkward chunks.
	for i := 0; i < len(stream); {
		end := min(i+3, len(stream))
		chunk := stream[i:end]
		for len(chunk) > 0 {
			n, f, long := s.Next(chunk)
			if long {
				t.Fatal("unexpected tooLong")
			}
			chunk = chunk[n:]
			if f != nil {
				got = append(got, append([]byte(nil), f...))
			}
		}
		i = end
	}
	if len(got) != 2 || !bytes.Equal(got[0], a[:len(a)-2]) || !bytes.Equal(got[1], b[:len(b)-2]) {
		t.Fatalf("split into %d frames", len(got))
	}
	// Overflow is reported once, at the delimiter, and the next frame is fine.
	big := append(bytes.Repeat([]byte{7}, MaxEncoded+10), 0)
	big = append(big, a...)
	n, f, long := s.Next(big)
	if !long || f != nil || n != MaxEncoded+11 {
		t.Fatalf("overflow: n=%d long=%v", n, long)
	}
	_, f, long = s.Next(big[n:])
	if long || !bytes.Equal(f, a[:len(a)-2]) {
		t.Fatal("frame after overflow lost")
	}
	if s.Pending() != 0 {
		t.Fatal("pending bytes after a frame")
	}
}

func TestNoAllocations(t *testing.T) {
	payload := make([]byte, 1024)
	line := make([]byte, MaxWire)
	var dst [MaxFrame]byte
	var s Splitter
	allocs := testing.AllocsPerRun(100, func() {
		n, _ := Encode(line, Header{Op: OpMVM, Seq: 5}, payload)
		_, f, _ := s.Next(line[:n])
		if _, _, err := Unpack(dst[:], f); err != nil {
			panic(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Encode+Next+Unpack allocate %v times per frame", allocs)
	}
}

func TestMessages(t *testing.T) {
	info := Info{Protocol: 1, Firmware: [3]uint8{1, 2, 3}, Rows: 512, Cols: 512, MaxLoad: MaxPayload,
		DACBits: 16, ADCBits: 14, InputBits: 4, MaxAmplitude: [3]uint16{65535, 39322, 39322}, MaxGate: 32768,
		MinWidthNs: 100, MaxWidthNs: 10_000_000, MaxDutyPPM: 1_000_000, MaxCells: 7,
		DACFullScale: 1, ReadVoltage: 2, TIAGain: 3, ADCFullScale: 4, ADCLSB: 5, EnergyConv: 6, EnergyDAC: 7, NameLen: 3}
	copy(info.Name[:], "emu")
	p := make([]byte, info.Size())
	info.Put(p)
	got, ok := ParseInfo(p)
	if !ok || got != info {
		t.Fatalf("Info round trip: %+v", got)
	}
	if _, ok := ParseInfo(p[:len(p)-1]); ok {
		t.Error("truncated Info accepted")
	}
	st := BoardStatus{Halted: true, LastStatus: StatusLimit, NowNs: 1 << 40, FramesOK: 3, FramesBad: 4, Replays: 5, Refused: 6,
		PulseCells: 7, CellReads: 8, MVMs: 9, ADCConv: 10, DACUpdates: 11, Saturated: 12,
		HasState: true, Pulses: 13, History: 0xdeadbeef}
	sp := make([]byte, StatusSize)
	st.Put(sp)
	if g, ok := ParseStatus(sp); !ok || g != st {
		t.Fatalf("Status round trip: %+v", g)
	}
	pq := PulseReq{Region: Region{1, 2, 3, 4}, Mode: ModeReset, Amplitude: 100, Gate: 200, WidthNs: 300}
	pp := make([]byte, PulseReqSize)
	pq.Put(pp)
	if g, ok := ParsePulseReq(pp); !ok || g != pq {
		t.Fatalf("PulseReq round trip: %+v", g)
	}
	lq := LSMReq{Region: Region{0, 0, 456, 400}, In: 256, N: 200, Steps: 50, T0: 10, Frames: 5, Decay: 1, Threshold: 2, Gain: 3}
	lp := make([]byte, LSMReqHeader)
	lq.Put(lp)
	if g, ok := ParseLSMReq(lp); !ok || g != lq {
		t.Fatalf("LSMReq round trip: %+v", g)
	}
	e := ErrorInfo{Detail: LimitGate, Offset: 12, Got: 40000, Limit: 32768}
	ep := make([]byte, ErrorInfoSize)
	e.Put(ep)
	if g, ok := ParseErrorInfo(ep); !ok || g != e {
		t.Fatalf("ErrorInfo round trip: %+v", g)
	}
}

func TestLSMFrameEncoding(t *testing.T) {
	tests := []struct {
		in     int
		active []uint16
		kind   byte
		size   int
	}{
		{256, nil, FrameEmpty, 1},
		{256, []uint16{3, 200}, FrameSparse, 3 + 2},         // u8 indices
		{512, []uint16{3, 300}, FrameSparse, 3 + 4},         // u16 indices
		{64, []uint16{0, 1, 2, 3, 4, 5, 6}, FrameBitmap, 9}, // 1+8 < 3+7
		{256, make([]uint16, 0), FrameEmpty, 1},
	}
	for _, tc := range tests {
		p := make([]byte, 64)
		n := PutLSMFrame(p, tc.in, tc.active)
		if p[0] != tc.kind || n != tc.size || n != LSMFrameSize(tc.in, len(tc.active)) {
			t.Errorf("in=%d active=%v: kind %d size %d, want %d %d", tc.in, tc.active, p[0], n, tc.kind, tc.size)
		}
	}
}

func TestStrings(t *testing.T) {
	if OpMVM.String() != "MVM" || Op(0x99).String() != "Op(0x99)" || StatusLimit.String() != "safety limit" ||
		LimitDuty.String() != "duty cycle" || Detail(0xEE).String() != "Detail(0xee)" {
		t.Error("String methods")
	}
	for _, err := range []error{ErrCOBS, ErrTooLong, ErrShort, ErrCRC, ErrVersion, ErrFlags, ErrLength, ErrStatus} {
		if DecodeDetail(err) == DetailNone {
			t.Errorf("DecodeDetail(%v) = none", err)
		}
	}
	if itoa(0) != "0" || itoa(4096) != "4096" || itoa(-12) != "-12" {
		t.Error("itoa")
	}
}
