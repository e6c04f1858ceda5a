package wire

import "errors"

// Protocol constants. A raw frame is a Header, the payload and the CRC:
//
//	offset  size  field
//	0       1     version  (Version)
//	1       1     flags    (FlagResponse; every other bit 0)
//	2       1     opcode   (Op)
//	3       1     status   (Status; 0 in requests)
//	4       2     sequence number, little-endian
//	6       2     payload length n, little-endian, ≤ MaxPayload
//	8       n     payload
//	8+n     4     CRC-32C of bytes [0, 8+n), little-endian
//
// On the line a frame is COBS-encoded and followed by 0x00.
const (
	Version    = 1                                 // protocol version carried in every frame
	HeaderSize = 8                                 // bytes before the payload
	CRCSize    = 4                                 // CRC-32C trailer
	MaxPayload = 4096                              // hard payload limit; assumption: 4 KiB fits a 512-column READ row pair or a whole N-MNIST LSM sample while keeping an MCU's four frame buffers under 20 KiB
	MaxFrame   = HeaderSize + MaxPayload + CRCSize // largest raw frame
	// MaxEncoded is the largest COBS-encoded frame, delimiter excluded.
	MaxEncoded = MaxFrame + MaxFrame/254 + 1
	// MaxWire is the most bytes one frame takes on the line: the encoding and
	// two delimiters (see Encode).
	MaxWire = MaxEncoded + 2
)

// FlagResponse marks a frame sent by the board. It is the only flag; the
// other bits of the flags byte must be zero.
const FlagResponse = 0x01

// Header is the fixed part of every frame.
type Header struct {
	Op     Op
	Status Status // StatusOK in requests
	Seq    uint16 // chosen by the host; a response echoes its request's
	Resp   bool   // FlagResponse
}

// Frame is a decoded frame. Payload aliases the buffer it was decoded into.
type Frame struct {
	Header
	Payload []byte
}

// Decoding errors. Unpack returns exactly these values (never a wrapped or
// allocated error), so the firmware can count them without allocating;
// Decode wraps them in a *FrameError that names the byte offset.
var (
	ErrCOBS     = errors.New("wire: bad COBS encoding")
	ErrTooLong  = errors.New("wire: frame longer than the maximum")
	ErrShort    = errors.New("wire: frame shorter than header and CRC")
	ErrCRC      = errors.New("wire: CRC mismatch")
	ErrVersion  = errors.New("wire: unsupported protocol version")
	ErrFlags    = errors.New("wire: reserved flag bits set")
	ErrLength   = errors.New("wire: payload length field disagrees with the frame")
	ErrStatus   = errors.New("wire: request carries a non-zero status")
	ErrBufSmall = errors.New("wire: destination buffer too small")
)

// FrameError is a rejected frame: the reason and the byte offset, in the
// COBS-encoded frame, where decoding failed.
type FrameError struct {
	Offset int
	Err    error
}

func (e *FrameError) Error() string {
	return "wire: bad frame at byte " + itoa(e.Offset) + ": " + e.Err.Error()[len("wire: "):]
}

func (e *FrameError) Unwrap() error { return e.Err }

// Encode writes the frame (h, payload) to dst as it goes on the line: the
// COBS encoding of header, payload and CRC-32C, then two 0x00 delimiters
// (the second costs one byte and makes a frame whose first delimiter was
// lost on a noisy line still end on time instead of swallowing the next
// frame; empty frames are ignored by Splitter). It returns the number of
// bytes written. dst must hold MaxWire bytes (EncodedLen(HeaderSize +
// len(payload) + CRCSize) + 2 suffice). It does not allocate.
//
// payload must not overlap dst. Errors: ErrTooLong if the payload exceeds MaxPayload, ErrBufSmall
// if dst is too short.
func Encode(dst []byte, h Header, payload []byte) (int, error) {
	if len(payload) > MaxPayload {
		return 0, ErrTooLong
	}
	raw := HeaderSize + len(payload) + CRCSize
	if len(dst) < EncodedLen(raw)+2 {
		return 0, ErrBufSmall
	}
	var hdr [HeaderSize]byte
	putHeader(hdr[:], h, len(payload))
	var crc [CRCSize]byte
	PutU32(crc[:], crcUpdate(crcUpdate(^uint32(0), hdr[:]), payload)^0xFFFFFFFF)
	e := newCOBSEncoder(dst)
	e.write(hdr[:])
	e.write(payload)
	e.write(crc[:])
	n := e.finish()
	dst[n] = 0
	dst[n+1] = 0
	return n + 2, nil
}

// Marshal writes the raw (unstuffed) frame — header, payload, CRC — to dst
// and returns its length.
func Marshal(dst []byte, h Header, payload []byte) (int, error) {
	if len(payload) > MaxPayload {
		return 0, ErrTooLong
	}
	n := HeaderSize + len(payload) + CRCSize
	if len(dst) < n {
		return 0, ErrBufSmall
	}
	putHeader(dst, h, len(payload))
	copy(dst[HeaderSize:], payload)
	PutU32(dst[HeaderSize+len(payload):], CRC32C(dst[:HeaderSize+len(payload)]))
	return n, nil
}

func putHeader(dst []byte, h Header, n int) {
	dst[0] = Version
	dst[1] = 0
	if h.Resp {
		dst[1] = FlagResponse
	}
	dst[2] = byte(h.Op)
	dst[3] = byte(h.Status)
	PutU16(dst[4:], h.Seq)
	PutU16(dst[6:], uint16(n))
}

// Unpack decodes one COBS-encoded frame enc (delimiter removed, as Splitter
// returns it) into dst and checks every field: the encoding, the length
// against MaxFrame and against the header's length field, the CRC, the
// version, the reserved flag bits, and a zero status in requests. On
// success the frame's payload aliases dst. On failure it returns one of the
// package's sentinel errors unwrapped and the byte offset in enc where the
// problem was found (for CRC and header errors, the offset of the frame's
// first byte, 0, since the encoding does not locate them). It never
// allocates and never panics, whatever enc holds. dst should hold MaxFrame
// bytes.
func Unpack(dst, enc []byte) (f Frame, off int, err error) {
	if len(enc) > MaxEncoded {
		return Frame{}, MaxEncoded, ErrTooLong
	}
	n, off, err := cobsDecode(dst, enc)
	if err != nil {
		return Frame{}, off, err
	}
	raw := dst[:n]
	if n < HeaderSize+CRCSize {
		return Frame{}, 0, ErrShort
	}
	if n > MaxFrame {
		return Frame{}, 0, ErrTooLong
	}
	body := n - CRCSize
	if U32(raw[body:]) != CRC32C(raw[:body]) {
		return Frame{}, 0, ErrCRC
	}
	if raw[0] != Version {
		return Frame{}, 0, ErrVersion
	}
	if raw[1]&^FlagResponse != 0 {
		return Frame{}, 0, ErrFlags
	}
	plen := int(U16(raw[6:]))
	if plen != body-HeaderSize || plen > MaxPayload {
		return Frame{}, 0, ErrLength
	}
	f.Resp = raw[1]&FlagResponse != 0
	f.Op = Op(raw[2])
	f.Status = Status(raw[3])
	f.Seq = U16(raw[4:])
	if !f.Resp && f.Status != StatusOK {
		return Frame{}, 0, ErrStatus
	}
	f.Payload = raw[HeaderSize:body]
	return f, 0, nil
}

// Decode is Unpack with the failure wrapped in a *FrameError naming the
// offset. It allocates only when it fails.
func Decode(dst, enc []byte) (Frame, error) {
	f, off, err := Unpack(dst, enc)
	if err != nil {
		return Frame{}, &FrameError{Offset: off, Err: err}
	}
	return f, nil
}

// Little-endian helpers. The protocol is little-endian throughout; these
// avoid encoding/binary (and its reflect dependency) in the firmware.

// U16 returns the little-endian uint16 at p[0:2].
func U16(p []byte) uint16 { _ = p[1]; return uint16(p[0]) | uint16(p[1])<<8 }

// U32 returns the little-endian uint32 at p[0:4].
func U32(p []byte) uint32 {
	_ = p[3]
	return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
}

// U64 returns the little-endian uint64 at p[0:8].
func U64(p []byte) uint64 { return uint64(U32(p)) | uint64(U32(p[4:]))<<32 }

// PutU16 stores v little-endian at p[0:2].
func PutU16(p []byte, v uint16) { _ = p[1]; p[0] = byte(v); p[1] = byte(v >> 8) }

// PutU32 stores v little-endian at p[0:4].
func PutU32(p []byte, v uint32) {
	_ = p[3]
	p[0] = byte(v)
	p[1] = byte(v >> 8)
	p[2] = byte(v >> 16)
	p[3] = byte(v >> 24)
}

// PutU64 stores v little-endian at p[0:8].
func PutU64(p []byte, v uint64) { PutU32(p, uint32(v)); PutU32(p[4:], uint32(v>>32)) }

// itoa formats a non-negative int (strconv is not on the firmware's import
// allowlist).
func itoa(v int) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
