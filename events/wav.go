package events

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const formatWAV = "WAV"

// ReadWAV reads a RIFF/WAVE file of linear PCM (8-bit unsigned, 16-, 24- or
// 32-bit signed) or IEEE float (32 or 64 bit) samples, plain or in a
// WAVE_FORMAT_EXTENSIBLE header, with any number of channels and any sample
// rate. Channels are averaged to mono and samples scaled to [-1, 1] (integer
// full scale 2^(bits-1); float samples are clamped). Chunks other than
// "fmt " and "data" (LIST, fact, cue...) are skipped, honouring the pad byte
// after odd-sized chunks; bytes after the RIFF chunk are ignored. If r is an
// *os.File its name appears in errors.
//
// The decoded samples (8 bytes each) must fit DefaultLimits().Sample; an
// *os.File or other io.ReaderAt with a size is read in place, without
// holding the file in memory, and its sizes are checked before the samples
// are allocated.
func ReadWAV(r io.Reader) (samples []float64, rate int, err error) {
	lim, err := Limits{}.resolve()
	if err != nil {
		return nil, 0, err
	}
	name := readerName(r)
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			off, err := f.Seek(0, io.SeekCurrent)
			if err == nil {
				return decodeWAV(name, io.NewSectionReader(f, off, fi.Size()-off), fi.Size()-off, lim)
			}
		}
	}
	// Anything else is read whole, up to the limit.
	b, err := io.ReadAll(io.LimitReader(r, lim.Sample+1))
	if err != nil {
		return nil, 0, fmt.Errorf("events: reading WAV: %w", err)
	}
	if int64(len(b)) > lim.Sample {
		return nil, 0, limitErr(formatWAV, name, lim.Sample, "a WAV stream longer than the limit", int64(len(b)), lim.Sample)
	}
	return decodeWAV(name, bytes.NewReader(b), int64(len(b)), lim)
}

// wavFormat is the content of a "fmt " chunk.
type wavFormat struct {
	tag      uint16 // 1 PCM, 3 IEEE float
	channels int
	rate     int
	align    int
	bits     int
}

// DecodeWAV decodes a WAV file held in b (see ReadWAV); file names it in
// errors, whose offsets are from the start of b.
func DecodeWAV(file string, b []byte) (samples []float64, rate int, err error) {
	lim, err := Limits{}.resolve()
	if err != nil {
		return nil, 0, err
	}
	return decodeWAV(file, bytes.NewReader(b), int64(len(b)), lim)
}

// wavMaxFmt bounds a "fmt " chunk (WAVE_FORMAT_EXTENSIBLE's is 40 bytes).
const wavMaxFmt = 1 << 16

// window reads small pieces of an io.ReaderAt through a 64 KiB window, so
// walking many small chunk headers costs few system calls.
type window struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	at   int64
}

// get returns n ≤ len(buf) bytes at off; the caller has checked the range.
func (w *window) get(off int64, n int) ([]byte, error) {
	if off >= w.at && off+int64(n) <= w.at+int64(len(w.buf)) {
		return w.buf[off-w.at : off-w.at+int64(n)], nil
	}
	k := min(int64(cap(w.buf)), w.size-off)
	w.buf = w.buf[:k]
	w.at = off
	if _, err := w.r.ReadAt(w.buf, off); err != nil && !(errors.Is(err, io.EOF) && k == 0) {
		w.buf = w.buf[:0]
		return nil, err
	}
	return w.buf[:n], nil
}

// decodeWAV decodes the WAV file of size bytes read through r. It walks
// the chunk headers, checks the data size against lim before allocating the
// samples, then converts the data in blocks.
func decodeWAV(file string, r io.ReaderAt, size int64, lim Limits) (samples []float64, rate int, err error) {
	bad := func(off int64, eof bool, msg string, args ...any) error {
		var cause error
		if eof {
			cause = io.ErrUnexpectedEOF
		}
		return formatErr(formatWAV, file, off, cause, msg, args...)
	}
	if size == 0 {
		return nil, 0, bad(0, true, "empty file")
	}
	if size < 12 {
		return nil, 0, bad(size, true, "truncated RIFF header (%d of 12 bytes)", size)
	}
	w := &window{r: r, size: size, buf: make([]byte, 0, 64<<10)}
	ioErr := func(off int64, err error) error {
		return formatErr(formatWAV, file, off, err, "reading")
	}
	h, err := w.get(0, 12)
	if err != nil {
		return nil, 0, ioErr(0, err)
	}
	if string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return nil, 0, bad(0, false, "not a RIFF/WAVE file (starts %q)", h[:12])
	}
	end := 8 + int64(binary.LittleEndian.Uint32(h[4:]))
	if end > size {
		return nil, 0, bad(size, true, "RIFF chunk declares %d bytes, file has %d", end, size)
	}
	var f *wavFormat
	var dataOff, dataLen int64 = -1, 0
	for off := int64(12); off < end; {
		if end-off < 8 {
			return nil, 0, bad(off, true, "truncated chunk header")
		}
		ch, err := w.get(off, 8)
		if err != nil {
			return nil, 0, ioErr(off, err)
		}
		id := string(ch[0:4])
		csize := int64(binary.LittleEndian.Uint32(ch[4:]))
		body := off + 8
		if id == "data" && csize == math.MaxUint32 {
			csize = end - body // streaming writers leave the size unset
		}
		if body+csize > end {
			return nil, 0, bad(off, true, "chunk %q declares %d bytes, %d left", id, csize, end-body)
		}
		switch id {
		case "fmt ":
			if f != nil {
				return nil, 0, bad(off, false, "second \"fmt \" chunk")
			}
			if csize > wavMaxFmt {
				return nil, 0, bad(off, false, "\"fmt \" chunk of %d bytes (at most %d)", csize, wavMaxFmt)
			}
			fb := make([]byte, csize)
			if _, err := r.ReadAt(fb, body); err != nil && !(errors.Is(err, io.EOF) && csize == 0) {
				return nil, 0, ioErr(body, err)
			}
			ff, err := parseWAVFormat(fb)
			if err != nil {
				return nil, 0, bad(body, false, "%v", err)
			}
			f = ff
		case "data":
			if dataOff < 0 {
				dataOff, dataLen = body, csize
			}
		}
		off = body + csize + csize&1 // odd chunks are padded to even
	}
	if f == nil {
		return nil, 0, bad(12, true, "no \"fmt \" chunk")
	}
	if dataOff < 0 {
		return nil, 0, bad(12, true, "no \"data\" chunk")
	}
	align := int64(f.align)
	if dataLen%align != 0 {
		return nil, 0, bad(dataOff+dataLen-dataLen%align, true,
			"data chunk of %d bytes is not a whole number of %d-byte frames", dataLen, align)
	}
	n := dataLen / align
	if need := mulLimit(n, 8); need > lim.Sample {
		return nil, 0, limitErr(formatWAV, file, dataOff-4, fmt.Sprintf("the data chunk's %d samples", n), need, lim.Sample)
	}
	samples = make([]float64, n)
	bytesPer := f.bits / 8
	scale := 1 / float64(f.channels)
	block := make([]byte, max(align, (256<<10)/align*align))
	for i := int64(0); i < n; {
		k := min(int64(len(block))/align, n-i)
		buf := block[:k*align]
		if _, err := r.ReadAt(buf, dataOff+i*align); err != nil {
			return nil, 0, ioErr(dataOff+i*align, err)
		}
		for j := range k {
			frame := buf[j*align : (j+1)*align]
			var sum float64
			for c := range f.channels {
				v, ok := wavSample(frame[c*bytesPer:(c+1)*bytesPer], f.tag, f.bits)
				if !ok {
					return nil, 0, bad(dataOff+(i+j)*align+int64(c*bytesPer), false, "sample is not a finite number")
				}
				sum += v
			}
			samples[i+j] = sum * scale
		}
		i += k
	}
	return samples, f.rate, nil
}

func parseWAVFormat(c []byte) (*wavFormat, error) {
	if len(c) < 16 {
		return nil, fmt.Errorf("\"fmt \" chunk of %d bytes, want ≥ 16", len(c))
	}
	f := &wavFormat{
		tag:      binary.LittleEndian.Uint16(c[0:]),
		channels: int(binary.LittleEndian.Uint16(c[2:])),
		rate:     int(binary.LittleEndian.Uint32(c[4:])),
		align:    int(binary.LittleEndian.Uint16(c[12:])),
		bits:     int(binary.LittleEndian.Uint16(c[14:])),
	}
	if f.tag == 0xFFFE { // WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID
		if len(c) < 40 {
			return nil, fmt.Errorf("extensible \"fmt \" chunk of %d bytes, want ≥ 40", len(c))
		}
		f.tag = binary.LittleEndian.Uint16(c[24:])
	}
	switch {
	case f.tag != 1 && f.tag != 3:
		return nil, fmt.Errorf("unsupported format tag %#x (want 1 PCM or 3 IEEE float)", f.tag)
	case f.channels == 0:
		return nil, fmt.Errorf("zero channels")
	case f.rate <= 0 || f.rate > math.MaxInt32:
		return nil, fmt.Errorf("sample rate %d", f.rate)
	case f.tag == 1 && f.bits != 8 && f.bits != 16 && f.bits != 24 && f.bits != 32:
		return nil, fmt.Errorf("unsupported PCM sample size %d bits (want 8, 16, 24 or 32)", f.bits)
	case f.tag == 3 && f.bits != 32 && f.bits != 64:
		return nil, fmt.Errorf("unsupported float sample size %d bits (want 32 or 64)", f.bits)
	case f.align != f.channels*f.bits/8:
		return nil, fmt.Errorf("block align %d ≠ %d channels × %d bytes", f.align, f.channels, f.bits/8)
	}
	return f, nil
}

// wavSample converts one sample to [-1, 1]; ok is false for NaN or ±Inf.
func wavSample(b []byte, tag uint16, bits int) (float64, bool) {
	if tag == 3 {
		var v float64
		if bits == 32 {
			v = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		} else {
			v = math.Float64frombits(binary.LittleEndian.Uint64(b))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		return max(-1, min(1, v)), true
	}
	switch bits {
	case 8:
		return (float64(b[0]) - 128) / 128, true
	case 16:
		return float64(int16(binary.LittleEndian.Uint16(b))) / (1 << 15), true
	case 24:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float64(v) / (1 << 23), true
	default:
		return float64(int32(binary.LittleEndian.Uint32(b))) / (1 << 31), true
	}
}

// WriteWAV writes mono samples (clamped to [-1, 1]) as a RIFF/WAVE file of
// linear PCM with bits = 8, 16, 24 or 32 per sample. Values are rounded to
// the nearest code; +1 maps to the largest code.
func WriteWAV(w io.Writer, samples []float64, rate, bits int) error {
	if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
		return fmt.Errorf("events: WAV: unsupported PCM sample size %d bits", bits)
	}
	if rate <= 0 || rate > math.MaxInt32 {
		return fmt.Errorf("events: WAV: sample rate %d", rate)
	}
	nb := bits / 8
	dataLen := len(samples) * nb
	if int64(dataLen)+36 > math.MaxUint32 {
		return fmt.Errorf("events: WAV: %d samples do not fit a RIFF file", len(samples))
	}
	bw := bufio.NewWriter(w)
	hdr := make([]byte, 0, 44)
	hdr = append(hdr, "RIFF"...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(36+dataLen+dataLen&1))
	hdr = append(hdr, "WAVEfmt "...)
	hdr = binary.LittleEndian.AppendUint32(hdr, 16)
	hdr = binary.LittleEndian.AppendUint16(hdr, 1)
	hdr = binary.LittleEndian.AppendUint16(hdr, 1)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(rate))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(rate*nb))
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(nb))
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(bits))
	hdr = append(hdr, "data"...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(dataLen))
	bw.Write(hdr)
	full := float64(int64(1)<<(bits-1)) - 1
	var buf [4]byte
	for _, s := range samples {
		s = max(-1, min(1, s))
		if math.IsNaN(s) {
			s = 0
		}
		v := int64(math.Round(s * full))
		if bits == 8 {
			buf[0] = byte(v + 128)
		} else {
			binary.LittleEndian.PutUint32(buf[:], uint32(v))
		}
		bw.Write(buf[:nb])
	}
	if dataLen&1 == 1 {
		bw.WriteByte(0)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("events: writing WAV: %w", err)
	}
	return nil
}

// FSDDFile is one recording named in the Free Spoken Digit Dataset style
// "<digit>_<speaker>_<index>.wav" (FSDD, and AudioMNIST, which uses the same
// pattern with numbered speakers).
type FSDDFile struct {
	Path    string // as found (joined to the listed folder)
	Digit   int    // 0..9
	Speaker string // e.g. "theo", or "01" in AudioMNIST
	Index   int    // the speaker's repetition number, 0-based
}

// Split returns FSDD's official partition of the file: "test" for
// repetitions 0–4, else "train" (the FSDD README, github.com/Jakobovski/free-spoken-digit-dataset).
func (f FSDDFile) Split() string {
	if f.Index < 5 {
		return "test"
	}
	return "train"
}

// ParseFSDDName parses the base name of path as "<digit>_<speaker>_<index>.wav".
// The speaker may itself contain underscores; digit and index may not.
func ParseFSDDName(path string) (FSDDFile, error) {
	name := filepath.Base(path)
	stem, ok := strings.CutSuffix(name, ".wav")
	if !ok {
		return FSDDFile{}, fmt.Errorf("events: FSDD name %q does not end in .wav", name)
	}
	d, rest, ok1 := strings.Cut(stem, "_")
	i := strings.LastIndexByte(rest, '_')
	if !ok1 || i <= 0 {
		return FSDDFile{}, fmt.Errorf("events: FSDD name %q is not <digit>_<speaker>_<index>.wav", name)
	}
	speaker, idx := rest[:i], rest[i+1:]
	digit, err1 := strconv.Atoi(d)
	index, err2 := strconv.Atoi(idx)
	if err1 != nil || err2 != nil || len(d) != 1 || digit < 0 || index < 0 {
		return FSDDFile{}, fmt.Errorf("events: FSDD name %q is not <digit>_<speaker>_<index>.wav", name)
	}
	return FSDDFile{Path: path, Digit: digit, Speaker: speaker, Index: index}, nil
}

// ListFSDD finds every *.wav file under dir (recursively, skipping hidden
// folders), parses its name with ParseFSDDName and returns them ordered by
// digit, then index, then speaker, so that within a class the speakers take
// turns (the first samples of a class come from all speakers). A .wav whose
// name does not parse is an error, and so is a folder without any .wav.
// FSDD keeps its recordings in DIR/recordings; AudioMNIST in
// DIR/data/<speaker>/; both are found from DIR.
func ListFSDD(dir string) ([]FSDDFile, error) {
	var out []FSDDFile
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if path != dir && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(e.Name(), ".wav") {
			return nil
		}
		f, err := ParseFSDDName(path)
		if err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events: listing FSDD folder: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("events: FSDD folder %s holds no .wav files", dir)
	}
	slices.SortFunc(out, func(a, b FSDDFile) int {
		if a.Digit != b.Digit {
			return a.Digit - b.Digit
		}
		if a.Index != b.Index {
			return a.Index - b.Index
		}
		if c := strings.Compare(a.Speaker, b.Speaker); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

// ReadWAVFile reads one WAV file (see ReadWAV). Anything but a regular
// file (a FIFO, /dev/zero behind a symbolic link) is refused by name, and
// the file is read in place, never whole.
func ReadWAVFile(path string) (samples []float64, rate int, err error) {
	lim, err := Limits{}.resolve()
	if err != nil {
		return nil, 0, err
	}
	f, size, err := OpenRegular(path)
	if err != nil {
		return nil, 0, fmt.Errorf("events: %w", err)
	}
	defer f.Close()
	return decodeWAV(path, f, size, lim)
}
