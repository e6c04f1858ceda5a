package events

import (
	"fmt"
	"io"
	"slices"
)

// CochleaAMS1bSensor is the sensor of N-TIDIGITS: the 64-channel
// CochleaAMS1b silicon cochlea (Anumula et al. 2018, N-TIDIGITS). N-TIDIGITS' HDF5 file holds
// no polarity, so Polarities is 1.
var CochleaAMS1bSensor = Sensor{Name: "CochleaAMS1b (N-TIDIGITS)", Channels: 64, Polarities: 1}

const formatSlayer1D = "slayer .bs1"

// DecodeSlayer1D decodes slayer's "1D spikes" format (.bs1) and appends the
// events to dst. The file has no header; each event is 5 bytes: a 16-bit
// big-endian channel, then the polarity in the top bit of byte 2 and a
// 23-bit big-endian microsecond timestamp in the rest (slayerPytorch
// read1Dspikes, github.com/bamsumit/slayerPytorch). Channels must be below
// channels (64 for N-TIDIGITS) and timestamps must not decrease; empty and
// truncated input is rejected. Offsets in errors are from the start of b.
func DecodeSlayer1D(file string, b []byte, channels int, dst []Event1D) ([]Event1D, error) {
	if len(b) == 0 {
		return dst, formatErr(formatSlayer1D, file, 0, io.ErrUnexpectedEOF, "empty file (no events)")
	}
	dst = slices.Grow(dst, len(b)/5)
	var last uint32
	for off := 0; off+5 <= len(b); off += 5 {
		e := b[off : off+5 : off+5]
		ch := int(e[0])<<8 | int(e[1])
		t := uint32(e[2]&0x7f)<<16 | uint32(e[3])<<8 | uint32(e[4])
		if ch >= channels {
			return dst, formatErr(formatSlayer1D, file, int64(off), nil, "channel %d outside the %d channels", ch, channels)
		}
		if t < last {
			return dst, formatErr(formatSlayer1D, file, int64(off), nil, "timestamp %d µs before the previous event's %d µs", t, last)
		}
		last = t
		dst = append(dst, Event1D{T: t, Ch: uint16(ch), P: e[2] >> 7})
	}
	if r := len(b) % 5; r != 0 {
		return dst, formatErr(formatSlayer1D, file, int64(len(b)-r), io.ErrUnexpectedEOF,
			"truncated event: %d trailing bytes (events are 5 bytes)", r)
	}
	return dst, nil
}

// EncodeSlayer1D appends events in slayer's .bs1 format to dst. It fails for
// a polarity above 1 or a timestamp of 2^23 µs or more.
func EncodeSlayer1D(dst []byte, ev []Event1D) ([]byte, error) {
	dst = slices.Grow(dst, 5*len(ev))
	for i, e := range ev {
		if e.P > 1 || e.T > nmnistMaxT {
			return dst, fmt.Errorf("events: slayer .bs1 cannot hold event %d %+v", i, e)
		}
		dst = append(dst, byte(e.Ch>>8), byte(e.Ch), e.P<<7|byte(e.T>>16), byte(e.T>>8), byte(e.T))
	}
	return dst, nil
}

// ReadSlayer1DFile reads one .bs1 file (see DecodeSlayer1D). Anything but a
// regular file is refused by name, and a file whose events would take more
// than lim.Sample bytes (the zero Limits: DefaultLimits) is refused before
// it is read.
func ReadSlayer1DFile(path string, channels int, lim Limits) ([]Event1D, error) {
	lim, err := lim.resolve()
	if err != nil {
		return nil, err
	}
	f, size, err := OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer f.Close()
	if need := mulLimit(size/5, sizeEvent1D) + size; need > lim.Sample {
		return nil, limitErr(formatSlayer1D, path, 0, fmt.Sprintf("a %s file (%d events)", byteSize(size), size/5), need, lim.Sample)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("events: %s: %w", path, err)
	}
	return DecodeSlayer1D(path, b, channels, make([]Event1D, 0, size/5))
}
