package wire

// Message payload layouts, shared by the firmware (which parses requests and
// builds responses) and the host driver (which does the reverse). All
// integers are little-endian; "f64" fields are IEEE-754 binary64 bit
// patterns carried as uint64 so that the firmware never needs floating
// point to relay them. PROTOCOL.md lists every byte.

// Pulse modes on the wire; the same numbers as crossbar.Mode.
const (
	ModeForm  = 1
	ModeSet   = 2
	ModeReset = 3
)

// Region is a rectangle of cells: rows [Row, Row+Rows), columns
// [Col, Col+Cols). 8 bytes: row, col, rows, cols as u16.
type Region struct{ Row, Col, Rows, Cols uint16 }

// RegionSize is the encoded size of a Region.
const RegionSize = 8

// Put stores r at p[0:8].
func (r Region) Put(p []byte) {
	PutU16(p[0:], r.Row)
	PutU16(p[2:], r.Col)
	PutU16(p[4:], r.Rows)
	PutU16(p[6:], r.Cols)
}

// GetRegion loads a Region from p[0:8].
func GetRegion(p []byte) Region {
	return Region{Row: U16(p[0:]), Col: U16(p[2:]), Rows: U16(p[4:]), Cols: U16(p[6:])}
}

// Cells returns Rows·Cols.
func (r Region) Cells() int { return int(r.Rows) * int(r.Cols) }

// Info is the HELLO response: what the board is, its safety limits and the
// calibration table the host needs to convert codes to SI units.
type Info struct {
	Protocol  uint8    // protocol version the firmware speaks
	Firmware  [3]uint8 // firmware version major, minor, patch
	Rows      uint16   // array geometry
	Cols      uint16
	MaxLoad   uint16 // MaxPayload of the firmware
	DACBits   uint8  // resolution of every DAC channel
	ADCBits   uint8  // resolution of the column ADCs (signed codes)
	InputBits uint8  // resolution of multi-bit MVM inputs (bit planes)

	// Safety limits, in DAC codes and nanoseconds.
	MaxAmplitude [3]uint16 // indexed by mode-1 (form, set, reset)
	MaxGate      uint16
	MinWidthNs   uint32
	MaxWidthNs   uint32
	MaxDutyPPM   uint32 // pulse-on parts per million of any 1 ms window
	MaxCells     uint32 // cells one pulse may touch (0: no limit)

	// Calibration table (f64 bit patterns).
	DACFullScale uint64 // volts: V = code·DACFullScale/2^DACBits
	ReadVoltage  uint64 // volts on the selected rows during a read
	TIAGain      uint64 // ohms
	ADCFullScale uint64 // volts at the ADC input for the largest code
	ADCLSB       uint64 // amperes of column current per ADC code
	EnergyConv   uint64 // joules per column conversion (ADC and TIA)
	EnergyDAC    uint64 // joules per DAC channel update

	NameLen uint8
	Name    [MaxNameLen]byte // board name, UTF-8

	Caps uint16 // capability bits (CapRanges); 0 from firmware 1.0
}

// Info sizes.
const (
	MaxNameLen   = 32
	InfoFixedLen = 96 // bytes before the name
)

// Size is the encoded length of i.
func (i *Info) Size() int { return InfoFixedLen + int(i.NameLen) }

// Put stores i at p (len(p) ≥ i.Size()).
func (i *Info) Put(p []byte) {
	p[0] = i.Protocol
	p[1], p[2], p[3] = i.Firmware[0], i.Firmware[1], i.Firmware[2]
	PutU16(p[4:], i.Rows)
	PutU16(p[6:], i.Cols)
	PutU16(p[8:], i.MaxLoad)
	p[10], p[11], p[12] = i.DACBits, i.ADCBits, i.InputBits
	p[13] = i.NameLen
	PutU16(p[14:], i.MaxAmplitude[0])
	PutU16(p[16:], i.MaxAmplitude[1])
	PutU16(p[18:], i.MaxAmplitude[2])
	PutU16(p[20:], i.MaxGate)
	PutU32(p[22:], i.MinWidthNs)
	PutU32(p[26:], i.MaxWidthNs)
	PutU32(p[30:], i.MaxDutyPPM)
	PutU32(p[34:], i.MaxCells)
	PutU16(p[38:], i.Caps) // capabilities (reserved, 0, in firmware 1.0)
	PutU64(p[40:], i.DACFullScale)
	PutU64(p[48:], i.ReadVoltage)
	PutU64(p[56:], i.TIAGain)
	PutU64(p[64:], i.ADCFullScale)
	PutU64(p[72:], i.ADCLSB)
	PutU64(p[80:], i.EnergyConv)
	PutU64(p[88:], i.EnergyDAC)
	copy(p[InfoFixedLen:], i.Name[:i.NameLen])
}

// ParseInfo decodes a HELLO response payload.
func ParseInfo(p []byte) (Info, bool) {
	var i Info
	if len(p) < InfoFixedLen {
		return i, false
	}
	i.Protocol = p[0]
	i.Firmware = [3]uint8{p[1], p[2], p[3]}
	i.Rows, i.Cols, i.MaxLoad = U16(p[4:]), U16(p[6:]), U16(p[8:])
	i.DACBits, i.ADCBits, i.InputBits = p[10], p[11], p[12]
	i.NameLen = p[13]
	if int(i.NameLen) > MaxNameLen || len(p) != InfoFixedLen+int(i.NameLen) {
		return Info{}, false
	}
	i.MaxAmplitude = [3]uint16{U16(p[14:]), U16(p[16:]), U16(p[18:])}
	i.MaxGate = U16(p[20:])
	i.MinWidthNs, i.MaxWidthNs = U32(p[22:]), U32(p[26:])
	i.MaxDutyPPM, i.MaxCells = U32(p[30:]), U32(p[34:])
	i.Caps = U16(p[38:])
	i.DACFullScale, i.ReadVoltage = U64(p[40:]), U64(p[48:])
	i.TIAGain, i.ADCFullScale, i.ADCLSB = U64(p[56:]), U64(p[64:]), U64(p[72:])
	i.EnergyConv, i.EnergyDAC = U64(p[80:]), U64(p[88:])
	copy(i.Name[:], p[InfoFixedLen:])
	return i, true
}

// ErrorInfo is the payload of every response whose status is not OK.
// 12 bytes: detail u8, reserved u8, offset u16 (byte offset in the request
// payload of the offending field), got u32, limit u32 (the requested and
// the allowed value, when they are numbers).
type ErrorInfo struct {
	Detail Detail
	Offset uint16
	Got    uint32
	Limit  uint32
}

// ErrorInfoSize is the encoded size of ErrorInfo.
const ErrorInfoSize = 12

// Put stores e at p[0:12].
func (e ErrorInfo) Put(p []byte) {
	p[0], p[1] = byte(e.Detail), 0
	PutU16(p[2:], e.Offset)
	PutU32(p[4:], e.Got)
	PutU32(p[8:], e.Limit)
}

// ParseErrorInfo decodes an error payload.
func ParseErrorInfo(p []byte) (ErrorInfo, bool) {
	if len(p) != ErrorInfoSize {
		return ErrorInfo{}, false
	}
	return ErrorInfo{Detail: Detail(p[0]), Offset: U16(p[2:]), Got: U32(p[4:]), Limit: U32(p[8:])}, true
}

// BoardStatus is the STATUS response.
type BoardStatus struct {
	Halted     bool
	LSMActive  bool   // an LSM run is part-way through its steps
	LastStatus Status // status of the last non-OK response
	NowNs      uint64 // the board's clock
	FramesOK   uint32 // requests decoded
	FramesBad  uint32 // frames rejected (each answered by a NAK)
	Replays    uint32 // duplicate requests answered from the replay cache
	Refused    uint32 // pulses refused by a safety limit
	PulseCells uint64 // Σ cells over applied pulses
	CellReads  uint64 // Σ selected rows × columns over read-path conversions
	MVMs       uint64 // MVM requests executed
	ADCConv    uint64 // ADC conversions
	DACUpdates uint64 // DAC channel writes
	Saturated  uint64 // ADC conversions that clipped

	// Board state since power-up (firmware 1.1; zero from 1.0, see
	// HasState): how many pulses were applied, and a hash chaining every
	// applied pulse (CRC-32C of the previous hash and the pulse's request
	// payload, from 0). A board that reports Pulses 0 has not been
	// programmed since it started; two boards with the same history hash
	// were programmed the same way.
	HasState bool
	Pulses   uint64
	History  uint32
}

// StatusSize is the encoded size of BoardStatus; StatusSizeV10 that of
// firmware 1.0, without the state fields.
const (
	StatusSize    = 88
	StatusSizeV10 = 76
)

// Put stores s at p[0:StatusSize] (firmware 1.1's layout).
func (s *BoardStatus) Put(p []byte) {
	var fl byte
	if s.Halted {
		fl |= 1
	}
	if s.LSMActive {
		fl |= 2
	}
	p[0], p[1] = fl, byte(s.LastStatus)
	PutU16(p[2:], 0)
	PutU64(p[4:], s.NowNs)
	PutU32(p[12:], s.FramesOK)
	PutU32(p[16:], s.FramesBad)
	PutU32(p[20:], s.Replays)
	PutU32(p[24:], s.Refused)
	PutU64(p[28:], s.PulseCells)
	PutU64(p[36:], s.CellReads)
	PutU64(p[44:], s.MVMs)
	PutU64(p[52:], s.ADCConv)
	PutU64(p[60:], s.DACUpdates)
	PutU64(p[68:], s.Saturated)
	PutU64(p[76:], s.Pulses)
	PutU32(p[84:], s.History)
}

// ParseStatus decodes a STATUS response payload (of firmware 1.1, or 1.0
// without the state fields).
func ParseStatus(p []byte) (BoardStatus, bool) {
	if len(p) != StatusSize && len(p) != StatusSizeV10 {
		return BoardStatus{}, false
	}
	s := BoardStatus{
		Halted: p[0]&1 != 0, LSMActive: p[0]&2 != 0, LastStatus: Status(p[1]),
		NowNs: U64(p[4:]), FramesOK: U32(p[12:]), FramesBad: U32(p[16:]),
		Replays: U32(p[20:]), Refused: U32(p[24:]), PulseCells: U64(p[28:]),
		CellReads: U64(p[36:]), MVMs: U64(p[44:]), ADCConv: U64(p[52:]),
		DACUpdates: U64(p[60:]), Saturated: U64(p[68:]),
	}
	if len(p) == StatusSize {
		s.HasState, s.Pulses, s.History = true, U64(p[76:]), U32(p[84:])
	}
	return s, true
}

// PulseReq is the PULSE request. 18 bytes: region, mode u8, reserved u8,
// amplitude code u16, gate code u16, width ns u32.
type PulseReq struct {
	Region    Region
	Mode      uint8
	Amplitude uint16 // DAC code on the source lines (form, set) or bit lines (reset)
	Gate      uint16 // DAC code on the word lines
	WidthNs   uint32
}

// PulseReqSize is the encoded size of PulseReq.
const PulseReqSize = 18

// Offsets of PulseReq fields, for ErrorInfo.Offset.
const (
	PulseOffMode      = 8
	PulseOffAmplitude = 10
	PulseOffGate      = 12
	PulseOffWidth     = 14
)

// Put stores q at p[0:18].
func (q PulseReq) Put(p []byte) {
	q.Region.Put(p)
	p[8], p[9] = q.Mode, 0
	PutU16(p[10:], q.Amplitude)
	PutU16(p[12:], q.Gate)
	PutU32(p[14:], q.WidthNs)
}

// ParsePulseReq decodes a PULSE payload (length checked; reserved byte must be 0).
func ParsePulseReq(p []byte) (PulseReq, bool) {
	if len(p) != PulseReqSize || p[9] != 0 {
		return PulseReq{}, false
	}
	return PulseReq{Region: GetRegion(p), Mode: p[8], Amplitude: U16(p[10:]), Gate: U16(p[12:]), WidthNs: U32(p[14:])}, true
}

// READ: the request is a Region; the response is u32 saturated conversions,
// then Rows·Cols ADC codes as i16, row-major.
const ReadRespHeader = 4

// MVM: the request is a Region, u8 input bits B (1 ≤ B ≤ 16), u8 reserved,
// then the input: for B = 1 a bitmap of ceil(Rows/8) bytes (row r.Row+i is
// bit i%8 of byte i/8, unused high bits 0); for B > 1, Rows u16 codes q_i in
// [0, 2^B−1] (x_i = q_i/(2^B−1)). The response is u32 saturated
// conversions, then Cols i32 codes Σ_b 2^b·c_b (the bit-plane codes c_b
// shifted and added).
const (
	MVMReqHeader  = 10
	MVMRespHeader = 4
)

// BitmapLen returns the bytes of a bitmap of n bits.
func BitmapLen(n int) int { return (n + 7) / 8 }

// WAIT: the request is u64 ns; the response u64 board clock in ns after the wait.
const WaitSize = 8

// LSMReq is the fixed part of an LSM request (44 bytes): the reservoir's
// layout, the run's parameters and which frames follow.
//
//	0  region (8)          rows In+N, cols 2N
//	8  u16 In              external inputs
//	10 u16 N               neurons
//	12 u16 Steps           T, frames in the whole sample
//	14 u16 T0              index of this chunk's first frame; 0 starts a new sample
//	16 u16 Frames          frames in this chunk
//	18 u16 reserved
//	20 f64 Decay
//	28 f64 Threshold
//	36 f64 Gain            (weight per µS; see crossbar.ReservoirRun)
//	44 frames…
//
// Each frame is one kind byte and its data: FrameEmpty (no input active),
// FrameSparse (u16 count k, then k strictly increasing input indices, each
// u8 when In ≤ 256 else u16) or FrameBitmap (ceil(In/8) bytes, bit i%8 of
// byte i/8 for input i, unused high bits 0).
type LSMReq struct {
	Region                   Region
	In, N, Steps, T0, Frames uint16
	Decay, Threshold, Gain   uint64 // f64 bit patterns
}

// LSM layout constants.
const (
	LSMReqHeader = 44
	// LSMRespHeader precedes the counts in an LSM response: u16 steps done,
	// u16 number of counts that follow (0 until the last chunk, then N),
	// u32 saturated conversions in this chunk. The counts are u16.
	LSMRespHeader = 8
	FrameEmpty    = 0
	FrameSparse   = 1
	FrameBitmap   = 2
)

// Put stores q at p[0:44].
func (q *LSMReq) Put(p []byte) {
	q.Region.Put(p)
	PutU16(p[8:], q.In)
	PutU16(p[10:], q.N)
	PutU16(p[12:], q.Steps)
	PutU16(p[14:], q.T0)
	PutU16(p[16:], q.Frames)
	PutU16(p[18:], 0)
	PutU64(p[20:], q.Decay)
	PutU64(p[28:], q.Threshold)
	PutU64(p[36:], q.Gain)
}

// ParseLSMReq decodes the fixed part of an LSM request.
func ParseLSMReq(p []byte) (LSMReq, bool) {
	if len(p) < LSMReqHeader || U16(p[18:]) != 0 {
		return LSMReq{}, false
	}
	return LSMReq{
		Region: GetRegion(p), In: U16(p[8:]), N: U16(p[10:]), Steps: U16(p[12:]),
		T0: U16(p[14:]), Frames: U16(p[16:]),
		Decay: U64(p[20:]), Threshold: U64(p[28:]), Gain: U64(p[36:]),
	}, true
}

// SparseIndexSize is the width of one sparse input index for In inputs.
func SparseIndexSize(in int) int {
	if in <= 256 {
		return 1
	}
	return 2
}

// LSMFrameSize returns the encoded size of a frame with k of in inputs
// active, in the smallest encoding (the one PutLSMFrame chooses).
func LSMFrameSize(in, k int) int {
	if k == 0 {
		return 1
	}
	sparse := 3 + k*SparseIndexSize(in)
	if bm := 1 + BitmapLen(in); bm < sparse {
		return bm
	}
	return sparse
}

// PutLSMFrame encodes one frame, the active input indices (strictly
// increasing, each < in), in its smallest encoding into p and returns the
// bytes written; p must hold LSMFrameSize(in, len(active)).
func PutLSMFrame(p []byte, in int, active []uint16) int {
	k := len(active)
	if k == 0 {
		p[0] = FrameEmpty
		return 1
	}
	size := LSMFrameSize(in, k)
	if size == 1+BitmapLen(in) && size < 3+k*SparseIndexSize(in) {
		p[0] = FrameBitmap
		bm := p[1:size]
		for i := range bm {
			bm[i] = 0
		}
		for _, a := range active {
			bm[a>>3] |= 1 << (a & 7)
		}
		return size
	}
	p[0] = FrameSparse
	PutU16(p[1:], uint16(k))
	if SparseIndexSize(in) == 1 {
		for i, a := range active {
			p[3+i] = byte(a)
		}
	} else {
		for i, a := range active {
			PutU16(p[3+2*i:], a)
		}
	}
	return size
}
