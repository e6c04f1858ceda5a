package wire

// Consistent Overhead Byte Stuffing (Cheshire and Baker, IEEE/ACM Trans.
// Networking 7(2), 1999) removes every 0x00 from a frame so that 0x00 can
// delimit frames on the byte stream. The data is cut at each zero into
// blocks; each block is sent as a code byte (1 + the block's length) and the
// block's bytes; a zero-free run of 254 bytes is sent as code 0xFF with no
// implied zero. Overhead: one byte per 254 data bytes, plus one.

// EncodedLen returns the maximum length of the COBS encoding of n bytes
// (without the delimiter).
func EncodedLen(n int) int { return n + n/254 + 1 }

// cobsEncoder COBS-encodes a byte sequence given in pieces, so a frame is
// stuffed straight from its header, payload and CRC without first being
// assembled in a scratch buffer (an MCU stack is small).
type cobsEncoder struct {
	dst    []byte
	codeAt int  // index of the pending code byte
	n      int  // bytes written so far, including the pending code byte
	code   byte // 1 + bytes in the current block
}

func newCOBSEncoder(dst []byte) cobsEncoder {
	return cobsEncoder{dst: dst, codeAt: 0, n: 1, code: 1}
}

func (e *cobsEncoder) write(src []byte) {
	for _, b := range src {
		if b == 0 {
			e.dst[e.codeAt] = e.code
			e.codeAt, e.n, e.code = e.n, e.n+1, 1
			continue
		}
		e.dst[e.n] = b
		e.n++
		e.code++
		if e.code == 0xFF {
			e.dst[e.codeAt] = e.code
			e.codeAt, e.n, e.code = e.n, e.n+1, 1
		}
	}
}

// finish closes the last block and returns the encoded length.
func (e *cobsEncoder) finish() int {
	e.dst[e.codeAt] = e.code
	return e.n
}

// cobsEncode writes the COBS encoding of src to dst and returns its length.
// dst must have room for EncodedLen(len(src)) bytes.
func cobsEncode(dst, src []byte) int {
	e := newCOBSEncoder(dst)
	e.write(src)
	return e.finish()
}

// cobsDecode decodes the COBS block sequence src (no zero bytes, no
// delimiter) into dst and returns the decoded length. On failure it returns
// the offset in src of the offending byte and ErrCOBS. Only the canonical
// encoding (the one cobsEncode produces) is accepted: a zero byte in src, a
// block running past the end, and a final block of code 0xFF (which the
// encoder always follows by a 0x01 block) are errors, so one frame has
// exactly one encoding and no corrupted encoding decodes to the same bytes.
func cobsDecode(dst, src []byte) (n, off int, err error) {
	if len(src) == 0 {
		return 0, 0, ErrCOBS
	}
	i := 0
	for i < len(src) {
		code := src[i]
		if code == 0 {
			return 0, i, ErrCOBS
		}
		end := i + int(code)
		if end > len(src) {
			return 0, i, ErrCOBS
		}
		if int(code)-1 > len(dst)-n {
			return 0, i, ErrTooLong
		}
		for j := i + 1; j < end; j++ {
			if src[j] == 0 {
				return 0, j, ErrCOBS
			}
			dst[n] = src[j]
			n++
		}
		i = end
		if i == len(src) {
			if code == 0xFF {
				return 0, end - int(code), ErrCOBS
			}
			break
		}
		if code != 0xFF {
			if n >= len(dst) {
				return 0, i, ErrTooLong
			}
			dst[n] = 0
			n++
		}
	}
	return n, 0, nil
}
