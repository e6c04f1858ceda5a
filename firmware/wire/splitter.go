package wire

// Splitter cuts a byte stream into COBS-encoded frames at 0x00 delimiters.
// It holds at most MaxEncoded bytes of one frame; a frame that grows beyond
// that is discarded up to its delimiter and reported as too long. Empty
// frames (consecutive delimiters) are skipped, so a sender may put extra
// delimiters anywhere to resynchronise the receiver. The zero value is
// ready to use; it does not allocate.
type Splitter struct {
	buf      [MaxEncoded]byte
	n        int
	overflow bool
}

// Next consumes bytes of p up to and including the first delimiter that
// ends a non-empty frame. It returns how many bytes of p it consumed and,
// if a frame ended, the frame's encoded bytes without the delimiter (valid
// until the next call). tooLong reports a frame that exceeded MaxEncoded and
// was dropped (frame is nil then). When consumed == len(p) and frame is nil
// and tooLong is false, the frame in progress continues in the next p.
func (s *Splitter) Next(p []byte) (consumed int, frame []byte, tooLong bool) {
	for i, b := range p {
		if b != 0 {
			if s.n < len(s.buf) {
				s.buf[s.n] = b
				s.n++
			} else {
				s.overflow = true
			}
			continue
		}
		if s.overflow {
			s.n, s.overflow = 0, false
			return i + 1, nil, true
		}
		if s.n == 0 {
			continue
		}
		n := s.n
		s.n = 0
		return i + 1, s.buf[:n], false
	}
	return len(p), nil, false
}

// Pending reports how many bytes of an unfinished frame are buffered.
func (s *Splitter) Pending() int { return s.n }

// Reset drops any partial frame.
func (s *Splitter) Reset() { s.n, s.overflow = 0, false }
