package wire

// Ranged transfers (firmware 1.1, Info.Caps&CapRanges): a request or a
// response too long to cross a noisy line in one frame moves in pieces, each
// a frame of its own with its own CRC, so that a damaged byte costs one
// piece, not the whole message. The host stages a long request payload with
// STAGE, runs it with EXEC (which names the staged payload by length and
// CRC-32C), and fetches a long response with FETCH from where EXEC left it
// on the board. PROTOCOL.md, section 6, lists every byte.

// Capability bits of Info.Caps.
const (
	// CapRanges: the board implements STAGE, EXEC and FETCH.
	CapRanges = 1
	// CapAnalogDiff: the TIAs of each column pair (2k, 2k+1) subtract the
	// pair's currents before one ADC conversion in MVM and LSM (READ stays
	// single-ended). An MVM or LSM region must then start on an even
	// column and span whole pairs; the pair's code is reported on its even
	// column and the odd column's code is 0. It is a property of the
	// board's analogue front end, set in the firmware's Config.
	CapAnalogDiff = 2
	// KnownCaps are the capability bits this protocol version defines.
	KnownCaps = CapRanges | CapAnalogDiff
)

// ExecReq is the EXEC request's fixed part. 12 bytes: the opcode to run
// (u8), flags (u8: ExecStaged), the longest response payload the host takes
// inline in EXEC's answer (u16), the staged payload's length (u16), reserved
// (u16, 0), the staged payload's CRC-32C (u32). Without ExecStaged the
// request's own payload follows the 12 bytes and Len and CRC are 0.
type ExecReq struct {
	Op     Op
	Flags  uint8
	Inline uint16 // longest response payload returned inline
	Len    uint16 // staged payload length (ExecStaged)
	CRC    uint32 // CRC-32C of the staged payload (ExecStaged)
}

// ExecReq constants.
const (
	ExecReqHeader = 12
	ExecStaged    = 0x01 // run the staged payload instead of an inline one
)

// Put stores q at p[0:12].
func (q ExecReq) Put(p []byte) {
	p[0], p[1] = byte(q.Op), q.Flags
	PutU16(p[2:], q.Inline)
	PutU16(p[4:], q.Len)
	PutU16(p[6:], 0)
	PutU32(p[8:], q.CRC)
}

// ParseExecReq decodes the fixed part of an EXEC request.
func ParseExecReq(p []byte) (ExecReq, bool) {
	if len(p) < ExecReqHeader || p[1]&^ExecStaged != 0 || U16(p[6:]) != 0 {
		return ExecReq{}, false
	}
	return ExecReq{Op: Op(p[0]), Flags: p[1], Inline: U16(p[2:]), Len: U16(p[4:]), CRC: U32(p[8:])}, true
}

// ExecResp is the fixed part of EXEC's answer. 12 bytes: the opcode run
// (u8), its status (u8), flags (u8: ExecHeld), reserved (u8, 0), the length
// of its response payload (u16), reserved (u16, 0), that payload's CRC-32C
// (u32). Unless ExecHeld is set, the payload follows the 12 bytes; with it,
// the board holds the payload for FETCH.
type ExecResp struct {
	Op     Op
	Status Status
	Flags  uint8
	Len    uint16
	CRC    uint32
}

// ExecResp constants.
const (
	ExecRespHeader = 12
	ExecHeld       = 0x01 // the response is held on the board: FETCH it
)

// Put stores r at p[0:12].
func (r ExecResp) Put(p []byte) {
	p[0], p[1], p[2], p[3] = byte(r.Op), byte(r.Status), r.Flags, 0
	PutU16(p[4:], r.Len)
	PutU16(p[6:], 0)
	PutU32(p[8:], r.CRC)
}

// ParseExecResp decodes the fixed part of EXEC's answer.
func ParseExecResp(p []byte) (ExecResp, bool) {
	if len(p) < ExecRespHeader || p[2]&^ExecHeld != 0 || p[3] != 0 || U16(p[6:]) != 0 {
		return ExecResp{}, false
	}
	r := ExecResp{Op: Op(p[0]), Status: Status(p[1]), Flags: p[2], Len: U16(p[4:]), CRC: U32(p[8:])}
	if r.Len > MaxPayload {
		return ExecResp{}, false
	}
	return r, true
}

// StageReqHeader is the fixed part of a STAGE request: the offset in the
// staging buffer (u16) and a reserved u16 (0); the bytes to store follow.
const StageReqHeader = 4

// FetchReq is the FETCH request. 8 bytes: the sequence number of the EXEC
// whose response is wanted (u16), the offset (u16) and the length (u16) of
// the piece, reserved (u16, 0).
type FetchReq struct {
	Seq, Offset, Len uint16
}

// FetchReqSize is the encoded size of FetchReq.
const FetchReqSize = 8

// Put stores q at p[0:8].
func (q FetchReq) Put(p []byte) {
	PutU16(p[0:], q.Seq)
	PutU16(p[2:], q.Offset)
	PutU16(p[4:], q.Len)
	PutU16(p[6:], 0)
}

// ParseFetchReq decodes a FETCH request.
func ParseFetchReq(p []byte) (FetchReq, bool) {
	if len(p) != FetchReqSize || U16(p[6:]) != 0 {
		return FetchReq{}, false
	}
	return FetchReq{Seq: U16(p[0:]), Offset: U16(p[2:]), Len: U16(p[4:])}, true
}
