package wire

// Op is a frame's opcode.
type Op uint8

// Opcodes. PROTOCOL.md documents each message's payload byte by byte.
const (
	// OpNak is sent by the board, unsolicited, when a frame failed to decode
	// (its Status is StatusBadFrame, its sequence number 0): the host resends
	// its outstanding request at once instead of waiting for a timeout.
	OpNak Op = 0x00
	// OpHello returns the board's Info and clears the replay cache; a host
	// sends it first.
	OpHello Op = 0x01
	// OpStatus returns the board's Status: clock, counters, halted flag.
	OpStatus Op = 0x02
	// OpHalt parks every DAC at code 0 and refuses everything but HELLO and
	// STATUS until the next HELLO.
	OpHalt Op = 0x03
	// OpWait idles the array for a duration (relaxation experiments).
	OpWait Op = 0x04
	// OpStage stores a piece of a long request payload on the board
	// (CapRanges).
	OpStage Op = 0x05
	// OpExec runs a request whose payload was staged, or whose response is
	// to be fetched in pieces (CapRanges).
	OpExec Op = 0x06
	// OpFetch returns a piece of the response EXEC left on the board
	// (CapRanges).
	OpFetch Op = 0x07
	// OpPulse applies one form/set/reset pulse to a region.
	OpPulse Op = 0x10
	// OpRead reads the ADC code of every cell of a region, row by row.
	OpRead Op = 0x11
	// OpMVM applies a binary or multi-bit input vector and returns the
	// columns' ADC codes.
	OpMVM Op = 0x12
	// OpLSM runs (a chunk of) one on-board reservoir sample.
	OpLSM Op = 0x20
)

func (o Op) String() string {
	switch o {
	case OpNak:
		return "NAK"
	case OpHello:
		return "HELLO"
	case OpStatus:
		return "STATUS"
	case OpHalt:
		return "HALT"
	case OpWait:
		return "WAIT"
	case OpStage:
		return "STAGE"
	case OpExec:
		return "EXEC"
	case OpFetch:
		return "FETCH"
	case OpPulse:
		return "PULSE"
	case OpRead:
		return "READ"
	case OpMVM:
		return "MVM"
	case OpLSM:
		return "LSM"
	}
	return "Op(0x" + hex8(uint8(o)) + ")"
}

// Status is a response's outcome.
type Status uint8

// Statuses. Every status but StatusOK comes with an ErrorInfo payload.
const (
	StatusOK         Status = 0
	StatusBadFrame   Status = 1 // NAK: a frame failed to decode
	StatusUnknownOp  Status = 2 // opcode not implemented
	StatusBadRequest Status = 3 // payload malformed: length or a field
	StatusRange      Status = 4 // region outside the array, or the response would exceed MaxPayload
	StatusLimit      Status = 5 // refused by a safety limit; nothing was touched
	StatusHalted     Status = 6 // the board is halted; send HELLO
	StatusState      Status = 7 // LSM chunk out of order or its configuration changed mid-run
	StatusHardware   Status = 8 // the analogue front end reported a fault
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusBadFrame:
		return "bad frame"
	case StatusUnknownOp:
		return "unknown opcode"
	case StatusBadRequest:
		return "bad request"
	case StatusRange:
		return "out of range"
	case StatusLimit:
		return "safety limit"
	case StatusHalted:
		return "halted"
	case StatusState:
		return "bad state"
	case StatusHardware:
		return "hardware fault"
	}
	return "Status(0x" + hex8(uint8(s)) + ")"
}

// Detail refines a non-OK status in ErrorInfo.
type Detail uint8

// Details. The Limit* values name the safety limit a refused pulse
// exceeded; the others say what was wrong with a request.
const (
	DetailNone         Detail = 0
	LimitMode          Detail = 1  // pulse mode is not form, set or reset
	LimitAmplitude     Detail = 2  // amplitude code above the mode's maximum
	LimitWidthMin      Detail = 3  // width below the minimum
	LimitWidthMax      Detail = 4  // width above the maximum
	LimitGate          Detail = 5  // word-line (compliance) code above the maximum
	LimitDuty          Detail = 6  // pulse-on time in the last 1 ms window would exceed the maximum duty
	LimitCells         Detail = 7  // more cells in one pulse than allowed
	DetailLength       Detail = 16 // payload length wrong for the opcode
	DetailField        Detail = 17 // a field holds an invalid value (Offset names it)
	DetailRegion       Detail = 18 // region empty or outside the array
	DetailTooLarge     Detail = 19 // the response would exceed MaxPayload
	DetailOrder        Detail = 20 // LSM chunk does not continue the run in progress
	DetailConfig       Detail = 21 // LSM chunk's configuration differs from the run in progress
	DetailFrontend     Detail = 22 // the front end returned an error
	DetailStaged       Detail = 23 // EXEC: the staged payload's length or CRC differs from the request's
	DetailNotHeld      Detail = 24 // FETCH: the board holds no response of that sequence number
	DetailPiece        Detail = 25 // STAGE or FETCH: the piece lies outside the buffer, or EXEC nests a ranged opcode
	DetailDecodeCOBS   Detail = 32 // NAK reasons mirror the wire decoding errors
	DetailDecodeLong   Detail = 33
	DetailDecodeShort  Detail = 34
	DetailDecodeCRC    Detail = 35
	DetailDecodeVer    Detail = 36
	DetailDecodeFlags  Detail = 37
	DetailDecodeLength Detail = 38
	DetailDecodeStatus Detail = 39
	DetailDecodeResp   Detail = 40 // a response frame arrived at the board
)

func (d Detail) String() string {
	switch d {
	case DetailNone:
		return "none"
	case LimitMode:
		return "pulse mode"
	case LimitAmplitude:
		return "amplitude"
	case LimitWidthMin:
		return "minimum width"
	case LimitWidthMax:
		return "maximum width"
	case LimitGate:
		return "gate (compliance)"
	case LimitDuty:
		return "duty cycle"
	case LimitCells:
		return "cells per pulse"
	case DetailLength:
		return "payload length"
	case DetailField:
		return "field value"
	case DetailRegion:
		return "region"
	case DetailTooLarge:
		return "response too large"
	case DetailOrder:
		return "chunk order"
	case DetailConfig:
		return "run configuration"
	case DetailFrontend:
		return "front end"
	case DetailStaged:
		return "staged payload"
	case DetailNotHeld:
		return "no held response"
	case DetailPiece:
		return "piece range"
	case DetailDecodeCOBS:
		return "COBS"
	case DetailDecodeLong:
		return "frame too long"
	case DetailDecodeShort:
		return "frame too short"
	case DetailDecodeCRC:
		return "CRC"
	case DetailDecodeVer:
		return "version"
	case DetailDecodeFlags:
		return "flags"
	case DetailDecodeLength:
		return "length field"
	case DetailDecodeStatus:
		return "request status"
	case DetailDecodeResp:
		return "response sent to board"
	}
	return "Detail(0x" + hex8(uint8(d)) + ")"
}

// DecodeDetail maps an Unpack error to the Detail a NAK carries.
func DecodeDetail(err error) Detail {
	switch err {
	case ErrCOBS:
		return DetailDecodeCOBS
	case ErrTooLong:
		return DetailDecodeLong
	case ErrShort:
		return DetailDecodeShort
	case ErrCRC:
		return DetailDecodeCRC
	case ErrVersion:
		return DetailDecodeVer
	case ErrFlags:
		return DetailDecodeFlags
	case ErrLength:
		return DetailDecodeLength
	case ErrStatus:
		return DetailDecodeStatus
	}
	return DetailNone
}

func hex8(v uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4], digits[v&15]})
}
