package wire

import (
	"bytes"
	"testing"
)

// FuzzUnpack: arbitrary bytes never panic, and whatever decodes is the
// canonical encoding of what it decodes to (so no corrupted variant of a
// valid frame is accepted as that frame).
func FuzzUnpack(f *testing.F) {
	line := make([]byte, MaxWire)
	for _, p := range [][]byte{nil, {0}, {1, 2, 3, 0, 0, 4}, bytes.Repeat([]byte{9}, 300)} {
		n, _ := Encode(line, Header{Op: OpMVM, Seq: 77}, p)
		f.Add(append([]byte(nil), line[:n-2]...))
	}
	f.Add([]byte{0xFF})
	f.Add([]byte{0x01, 0x01})
	f.Fuzz(func(t *testing.T, enc []byte) {
		var dst [MaxFrame]byte
		fr, off, err := Unpack(dst[:], enc)
		if err != nil {
			if off < 0 || off > len(enc) && off != MaxEncoded {
				t.Fatalf("offset %d outside the %d-byte frame", off, len(enc))
			}
			return
		}
		out := make([]byte, MaxWire)
		n, err := Encode(out, fr.Header, fr.Payload)
		if err != nil {
			t.Fatalf("re-encoding an accepted frame: %v", err)
		}
		if !bytes.Equal(out[:n-2], enc) {
			t.Fatalf("accepted a non-canonical frame:\n got % x\nre-enc % x", enc, out[:n-2])
		}
	})
}

// FuzzSplitter: any byte stream splits without panicking, and every frame
// returned is non-empty, zero-free and at most MaxEncoded long.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 0, 3})
	f.Fuzz(func(t *testing.T, stream []byte) {
		var s Splitter
		for len(stream) > 0 {
			n, fr, _ := s.Next(stream)
			if n <= 0 || n > len(stream) {
				t.Fatalf("consumed %d of %d", n, len(stream))
			}
			stream = stream[n:]
			if fr != nil && (len(fr) == 0 || len(fr) > MaxEncoded || bytes.IndexByte(fr, 0) >= 0) {
				t.Fatalf("bad frame % x", fr)
			}
		}
	})
}

// FuzzParseMessages: the payload decoders never panic on any input, and
// what they accept re-encodes to the same bytes.
func FuzzParseMessages(f *testing.F) {
	f.Add(make([]byte, InfoFixedLen+3))
	f.Add(make([]byte, StatusSize))
	f.Add(make([]byte, PulseReqSize))
	f.Add(make([]byte, LSMReqHeader+5))
	f.Add(make([]byte, ErrorInfoSize))
	f.Fuzz(func(t *testing.T, p []byte) {
		if i, ok := ParseInfo(p); ok {
			q := make([]byte, i.Size())
			i.Put(q)
			if !bytes.Equal(q[:38], p[:38]) || !bytes.Equal(q[40:], p[40:]) {
				t.Fatalf("Info round trip:\n% x\n% x", p, q)
			}
		}
		if s, ok := ParseStatus(p); ok {
			q := make([]byte, StatusSize)
			s.Put(q)
			if q[1] != p[1] || !bytes.Equal(q[4:len(p)], p[4:]) {
				t.Fatalf("Status round trip:\n% x\n% x", p, q)
			}
			// A firmware 1.0 payload has no state fields: none is
			// claimed, and they re-encode as zero.
			if len(p) == StatusSizeV10 && (s.HasState || !bytes.Equal(q[StatusSizeV10:], make([]byte, StatusSize-StatusSizeV10))) {
				t.Fatalf("firmware 1.0 Status claims state: %+v", s)
			}
		}
		if r, ok := ParsePulseReq(p); ok {
			q := make([]byte, PulseReqSize)
			r.Put(q)
			if !bytes.Equal(q, p) {
				t.Fatal("PulseReq round trip")
			}
		}
		if r, ok := ParseLSMReq(p); ok {
			q := make([]byte, LSMReqHeader)
			r.Put(q)
			if !bytes.Equal(q, p[:LSMReqHeader]) {
				t.Fatal("LSMReq round trip")
			}
		}
		if e, ok := ParseErrorInfo(p); ok {
			q := make([]byte, ErrorInfoSize)
			e.Put(q)
			if q[0] != p[0] || !bytes.Equal(q[2:], p[2:]) {
				t.Fatal("ErrorInfo round trip")
			}
		}
	})
}
