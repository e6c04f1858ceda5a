package emu_test

import (
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/emu"
	"github.com/memlsm/memlsm/firmware/wire"
	"github.com/memlsm/memlsm/units"
)

// TestPrintProtocolExamples prints the example frames of PROTOCOL.md, as
// the emulated lin2025 board (seed PROTOCOL_SEED, default 1) answers them,
// when PROTOCOL_EXAMPLES=1.
func TestPrintProtocolExamples(t *testing.T) {
	if os.Getenv("PROTOCOL_EXAMPLES") == "" {
		t.Skip("set PROTOCOL_EXAMPLES=1 to print PROTOCOL.md's example frames")
	}
	p, _ := crossbar.Preset("lin2025")
	seed := uint64(1)
	if s := os.Getenv("PROTOCOL_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	m, _ := crossbar.NewModel(p, seed)
	cfg, err := emu.Config(m, emu.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	b, err := firmware.New(emu.NewFrontend(m), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hexs := func(p []byte) string {
		var lines []string
		for i := 0; i < len(p); i += 16 {
			h := hex.EncodeToString(p[i:min(i+16, len(p))])
			var sp []string
			for j := 0; j < len(h); j += 2 {
				sp = append(sp, h[j:j+2])
			}
			lines = append(lines, strings.Join(sp, " "))
		}
		return strings.Join(lines, "\n         ")
	}
	print := func(title string, h wire.Header, payload []byte) {
		raw := make([]byte, wire.MaxFrame)
		n, _ := wire.Marshal(raw, h, payload)
		line := make([]byte, wire.MaxWire)
		k, _ := wire.Encode(line, h, payload)
		fmt.Printf("```frame\n# %s\nop:      0x%02x\nresp:    %v\nstatus:  %d\nseq:     %d\npayload: %s\nraw:     %s\nline:    %s\n```\n\n",
			title, uint8(h.Op), h.Resp, h.Status, h.Seq, hexs(payload), hexs(raw[:n]), hexs(line[:k]))
	}
	do := func(title string, op wire.Op, seq uint16, payload []byte) []byte {
		line := make([]byte, wire.MaxWire)
		k, _ := wire.Encode(line, wire.Header{Op: op, Seq: seq}, payload)
		out := b.Handle(line[:k-2])
		dst := make([]byte, wire.MaxFrame)
		f, err := wire.Decode(dst, out[:len(out)-2])
		if err != nil {
			t.Fatal(err)
		}
		if title != "" {
			print(title+" request", wire.Header{Op: op, Seq: seq}, payload)
			print(title+" response", f.Header, f.Payload)
		}
		return append([]byte(nil), f.Payload...)
	}
	per := m.Periphery()
	region := wire.Region{Rows: 3, Cols: 2}
	pulse := func(mode uint8, amp, gate float64, ns uint32) []byte {
		q := make([]byte, wire.PulseReqSize)
		wire.PulseReq{Region: region, Mode: mode, Amplitude: uint16(per.DACCode(crossbarVolts(amp))), Gate: uint16(per.DACCode(crossbarVolts(gate))), WidthNs: ns}.Put(q)
		return q
	}
	do("HELLO", wire.OpHello, 1, nil)
	form := crossbar.DefaultForming(p)
	do("PULSE", wire.OpPulse, 2, pulse(wire.ModeForm, float64(form.Amplitude), float64(form.Gate), uint32(math.Round(float64(form.Width)*1e9))))
	over := make([]byte, wire.PulseReqSize)
	wire.PulseReq{Region: region, Mode: wire.ModeSet, Amplitude: 40000, Gate: uint16(per.DACCode(crossbarVolts(float64(form.Gate)))), WidthNs: 1000}.Put(over)
	do("PULSE over the limit", wire.OpPulse, 3, over)
	rq := make([]byte, wire.RegionSize)
	region.Put(rq)
	do("READ", wire.OpRead, 4, rq)
	mv := make([]byte, wire.MVMReqHeader+1)
	region.Put(mv)
	mv[8], mv[10] = 1, 0x05
	do("MVM binary", wire.OpMVM, 5, mv)
	mv4 := make([]byte, wire.MVMReqHeader+6)
	region.Put(mv4)
	mv4[8] = 4
	wire.PutU16(mv4[10:], 15)
	wire.PutU16(mv4[14:], 7)
	do("MVM 4-bit", wire.OpMVM, 6, mv4)
	lsm := make([]byte, wire.LSMReqHeader)
	lq := wire.LSMReq{Region: region, In: 2, N: 1, Steps: 3, Frames: 3, Decay: math.Float64bits(0.9), Threshold: math.Float64bits(5), Gain: math.Float64bits(0.6)}
	lq.Put(lsm)
	lsm = append(lsm, 1, 2, 0, 0, 1, 0, 2, 2)
	do("LSM", wire.OpLSM, 7, lsm)
	wq := make([]byte, 8)
	wire.PutU64(wq, 1_000_000_000)
	do("WAIT", wire.OpWait, 8, wq)
	do("STATUS", wire.OpStatus, 9, nil)
	do("HALT", wire.OpHalt, 10, nil)
	do("", wire.OpHello, 11, nil)
	// Ranged: READ of the 3×2 region, staged in two pieces, run by EXEC
	// with at most 8 bytes inline, fetched in two pieces.
	st := make([]byte, wire.StageReqHeader+4)
	copy(st[wire.StageReqHeader:], rq[:4])
	do("STAGE", wire.OpStage, 12, st)
	st2 := make([]byte, wire.StageReqHeader+4)
	wire.PutU16(st2, 4)
	copy(st2[wire.StageReqHeader:], rq[4:])
	do("", wire.OpStage, 13, st2)
	ex := make([]byte, wire.ExecReqHeader)
	wire.ExecReq{Op: wire.OpRead, Flags: wire.ExecStaged, Inline: 8, Len: wire.RegionSize, CRC: wire.CRC32C(rq)}.Put(ex)
	do("EXEC", wire.OpExec, 14, ex)
	fq := make([]byte, wire.FetchReqSize)
	wire.FetchReq{Seq: 14, Offset: 0, Len: 8}.Put(fq)
	do("FETCH", wire.OpFetch, 15, fq)
	wire.FetchReq{Seq: 14, Offset: 8, Len: 8}.Put(fq)
	do("", wire.OpFetch, 16, fq)
}

func crossbarVolts(v float64) units.Volts { return units.Volts(v) }
