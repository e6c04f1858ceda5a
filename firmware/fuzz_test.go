package firmware_test

import (
	"bytes"
	"testing"

	"github.com/memlsm/memlsm/firmware/wire"
)

// FuzzDispatch feeds arbitrary byte streams to the firmware. It must never
// panic, always answer with well-formed response frames, and never touch
// the front end unless the stream holds a frame that decodes (a corrupt
// frame is never executed).
func FuzzDispatch(f *testing.F) {
	line := make([]byte, wire.MaxWire)
	add := func(op wire.Op, p []byte) {
		n, _ := wire.Encode(line, wire.Header{Op: op, Seq: 3}, p)
		f.Add(append([]byte(nil), line[:n]...))
	}
	add(wire.OpHello, nil)
	add(wire.OpPulse, pulseReq(wire.Region{Rows: 2, Cols: 2}, wire.ModeForm, 1000, 1000, 1000))
	reg := make([]byte, wire.RegionSize)
	wire.Region{Rows: 4, Cols: 4}.Put(reg)
	add(wire.OpRead, reg)
	mvm := append(append([]byte{}, reg...), 1, 0, 0x0B)
	add(wire.OpMVM, mvm)
	add(wire.OpLSM, lsmReq(6, 5, 3, 0, 3, [][]uint16{{1}, nil, {0, 5}}))
	add(wire.OpWait, make([]byte, 8))
	add(wire.OpHalt, nil)
	// Ranged transfers: a staged READ, its EXEC and a FETCH, in one stream.
	st := make([]byte, wire.StageReqHeader+wire.RegionSize)
	copy(st[wire.StageReqHeader:], reg)
	ex := make([]byte, wire.ExecReqHeader)
	wire.ExecReq{Op: wire.OpRead, Flags: wire.ExecStaged, Inline: 4, Len: wire.RegionSize, CRC: wire.CRC32C(reg)}.Put(ex)
	fq := make([]byte, wire.FetchReqSize)
	wire.FetchReq{Seq: 4, Offset: 2, Len: 8}.Put(fq)
	var ranged []byte
	for i, q := range []struct {
		op wire.Op
		p  []byte
	}{{wire.OpStage, st}, {wire.OpExec, ex}, {wire.OpFetch, fq}} {
		n, _ := wire.Encode(line, wire.Header{Op: q.op, Seq: uint16(3 + i)}, q.p)
		ranged = append(ranged, line[:n]...)
	}
	f.Add(ranged)
	f.Fuzz(func(t *testing.T, stream []byte) {
		info := testInfo()
		r := newRig(t, info)
		// Which frames in the stream decode?
		var s wire.Splitter
		dst := make([]byte, wire.MaxFrame)
		valid := 0
		for rest := stream; len(rest) > 0; {
			n, fr, _ := s.Next(rest)
			rest = rest[n:]
			if fr != nil {
				if f, _, err := wire.Unpack(dst, fr); err == nil && !f.Resp {
					valid++
				}
			}
		}
		for p := stream; len(p) > 0; {
			n, out := r.fw.Feed(p)
			if n <= 0 {
				t.Fatal("Feed consumed nothing")
			}
			p = p[n:]
			if out == nil {
				continue
			}
			if len(out) < 3 || !bytes.Equal(out[len(out)-2:], []byte{0, 0}) {
				t.Fatalf("reply not delimited: % x", out)
			}
			if f, err := wire.Decode(dst, out[:len(out)-2]); err != nil || !f.Resp {
				t.Fatalf("reply does not decode as a response: %v", err)
			}
		}
		if valid == 0 && len(r.rec.Calls()) != 0 {
			t.Fatalf("no valid request, yet the front end saw %v", r.rec.Calls())
		}
		if st := r.fw.Status(); int(st.FramesOK) != valid {
			t.Fatalf("firmware accepted %d frames, %d decode", st.FramesOK, valid)
		}
	})
}
