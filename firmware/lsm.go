package firmware

import (
	"math"

	"github.com/memlsm/memlsm/firmware/wire"
)

// gUnit is crossbar.GUnit: the conductance of weight 1 before the gain
// (Lin et al. 2025, the authors' run scripts: w = const·G[µS]).
const gUnit = 1e-6

// lsmState is the on-board reservoir between LSM chunks.
type lsmState struct {
	active bool
	cfg    wire.LSMReq // T0 and Frames zeroed
	t      uint16      // steps done
	sat    uint32
	v      [MaxNeurons]float64
	s      [MaxNeurons / 8]byte // spikes of the previous step
	counts [MaxNeurons]uint16
}

func finite(bits uint64) bool { return bits>>52&0x7FF != 0x7FF }

// runLSM executes one LSM chunk: it validates the whole request first, so a
// malformed chunk changes neither the array nor the run's state, then runs
// its frames (Lin et al. 2025, the authors' LIF code LIF, crossbar.ReservoirRun). Step t is one
// binary read of the layout region — every step, even one with no active
// row — with the rows of frame t's inputs and of the neurons that spiked
// at t−1 active, then, in float64:
//
//	scale = Gain * (LSB / (V_read * GUnit))          once per chunk
//	I_j   = float64(c_2j − c_2j+1) * scale           (codes of the differential pair)
//	v_j   = I_j                  if neuron j spiked at t−1 (hard reset of the decayed term)
//	v_j   = Decay*v_j + I_j      otherwise
//	s_j   = v_j > Threshold;  counts_j += s_j
//
// These are the expressions of crossbar.Model.RunReservoir, operation for
// operation, so the board's spike counts equal the simulator's for the same
// codes. (float64 is what the paper's FPGA replaced by fixed point; an MCU
// without a double-precision FPU pays for soft-float here, about 2N
// multiply-adds per step.)
func (f *Firmware) runLSM(p []byte) (wire.Status, int) {
	q, ok := wire.ParseLSMReq(p)
	if !ok {
		if len(p) < wire.LSMReqHeader {
			return f.badLength(len(p), wire.LSMReqHeader)
		}
		return f.fail(wire.StatusBadRequest, wire.DetailField, 18, uint32(wire.U16(p[18:])), 0)
	}
	in, n := int(q.In), int(q.N)
	switch {
	case !f.checkRegion(q.Region) || !f.pairAligned(q.Region):
		return f.badRegion(q.Region)
	case in < 1:
		return f.fail(wire.StatusBadRequest, wire.DetailField, 8, uint32(in), 0)
	case n < 1 || n > MaxNeurons:
		return f.fail(wire.StatusBadRequest, wire.DetailField, 10, uint32(n), MaxNeurons)
	case int(q.Region.Rows) != in+n || int(q.Region.Cols) != 2*n:
		return f.fail(wire.StatusBadRequest, wire.DetailRegion, 0, uint32(q.Region.Rows)<<16|uint32(q.Region.Cols), uint32(in+n)<<16|uint32(2*n))
	case q.Steps < 1:
		return f.fail(wire.StatusBadRequest, wire.DetailField, 12, 0, 1)
	case q.Frames < 1 || uint32(q.T0)+uint32(q.Frames) > uint32(q.Steps):
		return f.fail(wire.StatusBadRequest, wire.DetailField, 16, uint32(q.T0)+uint32(q.Frames), uint32(q.Steps))
	case !finite(q.Decay):
		return f.fail(wire.StatusBadRequest, wire.DetailField, 20, 0, 0)
	case !finite(q.Threshold):
		return f.fail(wire.StatusBadRequest, wire.DetailField, 28, 0, 0)
	case !finite(q.Gain):
		return f.fail(wire.StatusBadRequest, wire.DetailField, 36, 0, 0)
	}
	// Pass 1: check every frame's encoding and that they fill the payload.
	frames := p[wire.LSMReqHeader:]
	off := 0
	for k := 0; k < int(q.Frames); k++ {
		m, bad := frameLen(frames[off:], in)
		if m == 0 {
			return f.fail(wire.StatusBadRequest, wire.DetailField, wire.LSMReqHeader+off+bad, uint32(k), 0)
		}
		off += m
	}
	if off != len(frames) {
		return f.badLength(len(p), wire.LSMReqHeader+off)
	}
	// The run's state: a chunk at T0 = 0 starts a sample; any other chunk
	// must continue the run in progress with the same configuration.
	cfg := q
	cfg.T0, cfg.Frames = 0, 0
	st := &f.lsm
	if q.T0 == 0 {
		st.active, st.cfg, st.t, st.sat = true, cfg, 0, 0
		for j := 0; j < n; j++ {
			st.v[j], st.counts[j] = 0, 0
		}
		for j := range st.s {
			st.s[j] = 0
		}
	} else {
		if !st.active || st.cfg != cfg {
			return f.fail(wire.StatusState, wire.DetailConfig, 0, 0, 0)
		}
		if q.T0 != st.t {
			return f.fail(wire.StatusState, wire.DetailOrder, 14, uint32(q.T0), uint32(st.t))
		}
	}
	// Pass 2: run the frames.
	decay := math.Float64frombits(q.Decay)
	thr := math.Float64frombits(q.Threshold)
	gain := math.Float64frombits(q.Gain)
	lsb := math.Float64frombits(f.info.ADCLSB)
	vread := math.Float64frombits(f.info.ReadVoltage)
	scale := gain * (lsb / (vread * gUnit))
	rows := in + n
	mask := f.mask[:wire.BitmapLen(rows)]
	off = 0
	for k := 0; k < int(q.Frames); k++ {
		for i := range mask {
			mask[i] = 0
		}
		m, _ := frameLen(frames[off:], in)
		active := frameMask(mask, frames[off:off+m], in)
		off += m
		for j := 0; j < n; j++ {
			if st.s[j>>3]>>(j&7)&1 != 0 {
				r := in + j
				mask[r>>3] |= 1 << (r & 7)
				active++
			}
		}
		if f.fe.Select(q.Region, mask) != nil {
			st.active = false
			return f.hwFault()
		}
		s, err := f.convert(active, 2*n, f.info.Caps&wire.CapAnalogDiff != 0)
		if err != nil {
			st.active = false
			return f.hwFault()
		}
		st.sat += uint32(s)
		for j := 0; j < n; j++ {
			cur := float64(f.codes[2*j]-f.codes[2*j+1]) * scale
			bit := byte(1) << (j & 7)
			if st.s[j>>3]&bit != 0 {
				st.v[j] = cur
			} else {
				st.v[j] = decay*st.v[j] + cur
			}
			if st.v[j] > thr {
				st.s[j>>3] |= bit
				st.counts[j]++
			} else {
				st.s[j>>3] &^= bit
			}
		}
		st.t++
	}
	wire.PutU16(f.resp[0:], st.t)
	wire.PutU32(f.resp[4:], st.sat)
	if st.t < q.Steps {
		wire.PutU16(f.resp[2:], 0)
		return wire.StatusOK, wire.LSMRespHeader
	}
	st.active = false
	wire.PutU16(f.resp[2:], uint16(n))
	for j := 0; j < n; j++ {
		wire.PutU16(f.resp[wire.LSMRespHeader+2*j:], st.counts[j])
	}
	return wire.StatusOK, wire.LSMRespHeader + 2*n
}

// frameLen returns the length of the well-formed frame at the start of p
// for in inputs, or 0 and the offset of the first bad byte.
func frameLen(p []byte, in int) (n, bad int) {
	if len(p) < 1 {
		return 0, 0
	}
	switch p[0] {
	case wire.FrameEmpty:
		return 1, 0
	case wire.FrameBitmap:
		m := 1 + wire.BitmapLen(in)
		if len(p) < m {
			return 0, len(p)
		}
		if d, o := checkBitmap(p[1:m], in); d != wire.DetailNone {
			return 0, 1 + o
		}
		return m, 0
	case wire.FrameSparse:
		if len(p) < 3 {
			return 0, len(p)
		}
		k := int(wire.U16(p[1:]))
		if k > in {
			return 0, 1
		}
		w := wire.SparseIndexSize(in)
		m := 3 + k*w
		if len(p) < m {
			return 0, len(p)
		}
		prev := -1
		for i := 0; i < k; i++ {
			var idx int
			if w == 1 {
				idx = int(p[3+i])
			} else {
				idx = int(wire.U16(p[3+2*i:]))
			}
			if idx <= prev || idx >= in {
				return 0, 3 + i*w
			}
			prev = idx
		}
		return m, 0
	}
	return 0, 0
}

// frameMask sets the bits of a checked frame's active inputs in mask and
// returns how many there are.
func frameMask(mask, p []byte, in int) int {
	switch p[0] {
	case wire.FrameBitmap:
		// The bitmap's last byte may share the first neuron rows; its
		// unused high bits were checked zero, so copying is exact.
		copy(mask, p[1:])
		return popcount(p[1:])
	case wire.FrameSparse:
		k := int(wire.U16(p[1:]))
		w := wire.SparseIndexSize(in)
		for i := 0; i < k; i++ {
			var idx int
			if w == 1 {
				idx = int(p[3+i])
			} else {
				idx = int(wire.U16(p[3+2*i:]))
			}
			mask[idx>>3] |= 1 << (idx & 7)
		}
		return k
	}
	return 0
}
