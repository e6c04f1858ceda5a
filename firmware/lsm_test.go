package firmware_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/firmware/wire"
)

var (
	testDecay = 0.9 // Lin et al. 2025, the authors' run scripts, N-MNIST
	testThr   = 5.0
	testGain  = 0.07
)

// lsmReq builds an LSM request for a reservoir at region (0,0) with in
// inputs and n neurons, chunk frames[0:] starting at t0.
func lsmReq(in, n, steps, t0, count int, frames [][]uint16) []byte {
	q := wire.LSMReq{Region: wire.Region{Rows: uint16(in + n), Cols: uint16(2 * n)},
		In: uint16(in), N: uint16(n), Steps: uint16(steps), T0: uint16(t0), Frames: uint16(count),
		Decay: math.Float64bits(testDecay), Threshold: math.Float64bits(testThr), Gain: math.Float64bits(testGain)}
	p := make([]byte, wire.LSMReqHeader)
	q.Put(p)
	for _, f := range frames {
		b := make([]byte, wire.LSMFrameSize(in, len(f)))
		wire.PutLSMFrame(b, in, f)
		p = append(p, b...)
	}
	return p
}

// refLSM is the reservoir of crossbar.ReservoirRun written directly on the
// Ideal array's codes (no wire, no firmware): the expected values.
func refLSM(g []int32, cols, in, n int, frames [][]uint16, lsb, vread float64) []uint16 {
	v := make([]float64, n)
	s := make([]bool, n)
	counts := make([]uint16, n)
	for _, f := range frames {
		active := make([]bool, in+n)
		for _, i := range f {
			active[i] = true
		}
		for k := range n {
			active[in+k] = s[k]
		}
		for j := range n {
			var cp, cm int32
			for i := range in + n {
				if active[i] {
					cp += g[i*cols+2*j]
					cm += g[i*cols+2*j+1]
				}
			}
			cp, cm = clip14(cp), clip14(cm)
			cur := float64(cp-cm) * (testGain * (lsb / (vread * 1e-6)))
			if s[j] {
				v[j] = cur
			} else {
				v[j] = testDecay*v[j] + cur
			}
			s[j] = v[j] > testThr
			if s[j] {
				counts[j]++
			}
		}
	}
	return counts
}

// clip14 is the signed 14-bit ADC's range (ADS8324).
func clip14(c int32) int32 { return max(-8192, min(8191, c)) }

func randomFrames(rng *rand.Rand, in, steps int, density float64) [][]uint16 {
	frames := make([][]uint16, steps)
	for t := range frames {
		for i := range in {
			if rng.Float64() < density {
				frames[t] = append(frames[t], uint16(i))
			}
		}
	}
	return frames
}

func TestLSMMatchesReference(t *testing.T) {
	const in, n, steps = 20, 6, 30
	info := testInfo()
	info.Rows, info.Cols = 32, 16
	r := newRig(t, info)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range r.arr.G {
		r.arr.G[i] = int32(rng.IntN(600)) // about 0–14 µS at the test LSB and read voltage
	}
	lsb := math.Float64frombits(info.ADCLSB)
	vread := math.Float64frombits(info.ReadVoltage)
	for _, density := range []float64{0.05, 0.3, 0.9} { // sparse, medium and bitmap-encoded frames
		frames := randomFrames(rng, in, steps, density)
		want := refLSM(r.arr.G, int(info.Cols), in, n, frames, lsb, vread)
		if slices.Max(want) == 0 {
			t.Fatalf("density %v: reference has no spikes; test is vacuous", density)
		}
		f := r.do(wire.OpLSM, lsmReq(in, n, steps, 0, steps, frames))
		if f.Status != wire.StatusOK {
			e, _ := wire.ParseErrorInfo(f.Payload)
			t.Fatalf("LSM: %v %+v", f.Status, e)
		}
		if got := countsOf(t, f.Payload, n, steps); !slices.Equal(got, want) {
			t.Fatalf("density %v: counts %v, want %v", density, got, want)
		}
		// The same sample in three chunks gives the same counts.
		for t0 := 0; t0 < steps; t0 += 10 {
			f = r.do(wire.OpLSM, lsmReq(in, n, steps, t0, 10, frames[t0:t0+10]))
			if f.Status != wire.StatusOK {
				t.Fatalf("chunk at %d: %v", t0, f.Status)
			}
			if t0+10 < steps && wire.U16(f.Payload[2:]) != 0 {
				t.Fatal("counts sent before the last chunk")
			}
		}
		if got := countsOf(t, f.Payload, n, steps); !slices.Equal(got, want) {
			t.Fatalf("chunked: counts %v, want %v", got, want)
		}
	}
}

func countsOf(t *testing.T, p []byte, n, steps int) []uint16 {
	t.Helper()
	if int(wire.U16(p)) != steps || int(wire.U16(p[2:])) != n || len(p) != wire.LSMRespHeader+2*n {
		t.Fatalf("LSM response header % x", p[:wire.LSMRespHeader])
	}
	c := make([]uint16, n)
	for j := range c {
		c[j] = wire.U16(p[wire.LSMRespHeader+2*j:])
	}
	return c
}

func TestLSMRejects(t *testing.T) {
	const in, n, steps = 20, 6, 10
	info := testInfo()
	info.Rows, info.Cols = 32, 16
	frames := make([][]uint16, steps)
	frames[0] = []uint16{1, 5}
	good := lsmReq(in, n, steps, 0, 5, frames[:5])
	tests := map[string]struct {
		p    []byte
		want wire.Status
	}{
		"short":            {good[:20], wire.StatusBadRequest},
		"reserved":         {func() []byte { b := slices.Clone(good); b[18] = 1; return b }(), wire.StatusBadRequest},
		"rows != in+n":     {func() []byte { b := slices.Clone(good); wire.PutU16(b[8:], 19); return b }(), wire.StatusBadRequest},
		"zero steps":       {func() []byte { b := slices.Clone(good); wire.PutU16(b[12:], 0); return b }(), wire.StatusBadRequest},
		"frames past T":    {func() []byte { b := slices.Clone(good); wire.PutU16(b[16:], 11); return b }(), wire.StatusBadRequest},
		"NaN decay":        {func() []byte { b := slices.Clone(good); wire.PutU64(b[20:], math.Float64bits(math.NaN())); return b }(), wire.StatusBadRequest},
		"Inf gain":         {func() []byte { b := slices.Clone(good); wire.PutU64(b[36:], math.Float64bits(math.Inf(1))); return b }(), wire.StatusBadRequest},
		"trailing byte":    {append(slices.Clone(good), 0), wire.StatusBadRequest},
		"missing frame":    {good[:len(good)-1], wire.StatusBadRequest},
		"index ≥ In":       {lsmReq(in, n, steps, 0, 1, [][]uint16{{20}}), wire.StatusBadRequest},
		"unsorted":         {append(lsmReq(in, n, steps, 0, 1, nil), wire.FrameSparse, 2, 0, 5, 3), wire.StatusBadRequest},
		"duplicate":        {append(lsmReq(in, n, steps, 0, 1, nil), wire.FrameSparse, 2, 0, 3, 3), wire.StatusBadRequest},
		"count > In":       {append(lsmReq(in, n, steps, 0, 1, nil), wire.FrameSparse, 21, 0), wire.StatusBadRequest},
		"bitmap excess":    {append(lsmReq(in, n, steps, 0, 1, nil), wire.FrameBitmap, 0, 0, 0x10), wire.StatusBadRequest},
		"bad kind":         {append(slices.Clone(good[:wire.LSMReqHeader+0]), 9, 0, 0, 0, 0), wire.StatusBadRequest},
		"continue no run":  {lsmReq(in, n, steps, 5, 5, frames[5:]), wire.StatusState},
		"region too large": {func() []byte { b := slices.Clone(good); wire.PutU16(b[0:], 10); return b }(), wire.StatusRange},
	}
	for name, tc := range tests {
		r := newRig(t, info)
		f := r.do(wire.OpLSM, tc.p)
		if f.Status != tc.want {
			t.Errorf("%s: status %v, want %v", name, f.Status, tc.want)
		}
		if len(r.rec.Calls()) != 0 {
			t.Errorf("%s: touched the front end", name)
		}
	}
	// Order and configuration are enforced across chunks.
	r := newRig(t, info)
	r.do(wire.OpLSM, good)
	if f := r.do(wire.OpLSM, lsmReq(in, n, steps, 6, 4, frames[6:])); f.Status != wire.StatusState {
		t.Errorf("skipped chunk: %v", f.Status)
	}
	testThr = 4
	f := r.do(wire.OpLSM, lsmReq(in, n, steps, 5, 5, frames[5:]))
	testThr = 5
	if f.Status != wire.StatusState {
		t.Errorf("changed configuration: %v", f.Status)
	}
	if f := r.do(wire.OpLSM, lsmReq(in, n, steps, 5, 5, frames[5:])); f.Status != wire.StatusOK {
		t.Errorf("correct continuation: %v", f.Status)
	}
}
