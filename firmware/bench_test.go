package firmware_test

import (
	"math"
	"testing"

	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/wire"
)

// nop is a front end that takes no time, so the benchmarks measure the
// firmware alone: frame decoding, checks, bit-plane and LIF bookkeeping,
// response encoding.
type nop struct{ clock uint64 }

func (n *nop) SetDAC(firmware.Channel, uint16) error { return nil }
func (n *nop) Select(wire.Region, []byte) error      { return nil }
func (n *nop) Pulse(_ uint8, w uint32) error         { n.clock += uint64(w); return nil }
func (n *nop) Convert(codes []int32) (int, error) {
	for j := range codes {
		codes[j] = int32(j%7) * 40
	}
	return 0, nil
}
func (n *nop) Now() uint64    { return n.clock }
func (n *nop) Idle(ns uint64) { n.clock += ns }

func benchFeed(b *testing.B, op wire.Op, payload []byte) {
	info := testInfo()
	info.Rows, info.Cols, info.MaxCells = 512, 512, 0
	fw, err := firmware.New(&nop{}, firmware.Config{Info: info})
	if err != nil {
		b.Fatal(err)
	}
	line := make([]byte, wire.MaxWire)
	seq := uint16(0)
	for b.Loop() {
		seq++
		n, _ := wire.Encode(line, wire.Header{Op: op, Seq: seq}, payload)
		for p := line[:n]; len(p) > 0; {
			k, _ := fw.Feed(p)
			p = p[k:]
		}
	}
}

// BenchmarkFeedMVM512x512 is one binary MVM over the whole array.
func BenchmarkFeedMVM512x512(b *testing.B) {
	p := make([]byte, wire.MVMReqHeader+64)
	wire.Region{Rows: 512, Cols: 512}.Put(p)
	p[8] = 1
	for i := 10; i < len(p); i += 3 {
		p[i] = 0x11
	}
	benchFeed(b, wire.OpMVM, p)
}

// BenchmarkFeedLSMNMNIST is one N-MNIST reservoir sample (256 inputs, 200
// neurons, 50 steps, ≈ 4 % input density) on the board.
func BenchmarkFeedLSMNMNIST(b *testing.B) {
	q := wire.LSMReq{Region: wire.Region{Rows: 456, Cols: 400}, In: 256, N: 200, Steps: 50, Frames: 50,
		Decay: math.Float64bits(0.9), Threshold: math.Float64bits(5), Gain: math.Float64bits(0.07)}
	p := make([]byte, wire.LSMReqHeader, 2048)
	q.Put(p)
	for t := range 50 {
		act := make([]uint16, 0, 10)
		for i := range 10 {
			act = append(act, uint16(i*25+t%25))
		}
		f := make([]byte, wire.LSMFrameSize(256, len(act)))
		wire.PutLSMFrame(f, 256, act)
		p = append(p, f...)
	}
	benchFeed(b, wire.OpLSM, p)
}
