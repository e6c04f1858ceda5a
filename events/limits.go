package events

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// ErrLimit is matched (errors.Is) by every error of a reader that refused
// input because it would need more memory than its Limits allow. The error
// names the file, the byte offset of the size that was too large, and the
// environment variable that raises the limit.
var ErrLimit = errors.New("over the read limit")

// LimitEnv is the environment variable that sets DefaultLimits().Sample:
// a byte count with an optional unit, e.g. "512MiB", "2GB", "1e9".
const LimitEnv = "MEMLSM_READ_LIMIT"

// DefaultSampleLimit is the default per-sample budget: 256 MiB, about 22
// million 2-D or 33 million 1-D events, or 33 million audio samples
// (69 min at 8 kHz). The largest real sample memlsm reads is far smaller (an
// N-MNIST recording is ~4,000 events, 50 kB; an FSDD clip < 3 s).
const DefaultSampleLimit = 256 << 20

// ContainerFactor is how many times the per-sample budget a file that holds
// a whole data set in compressed form (a .mev file, an HDF5 file with
// compressed or never-written chunks, an MNIST .gz) may expand to in total:
// what it decompresses to and the memory of the events it decodes to.
const ContainerFactor = 4

// Limits bounds the memory a reader may commit to one read, so that a
// small hostile or broken file cannot exhaust memory or time: every size a
// file declares is checked against the file's length and against these
// limits before anything is allocated. The zero value means
// DefaultLimits().
type Limits struct {
	// Sample is the largest memory one decoded sample may take (its events,
	// or its audio samples before conversion), and the largest single file
	// read for one sample.
	Sample int64
}

var (
	defaultOnce   sync.Once
	defaultLimits Limits
	defaultErr    error
)

// DefaultLimits returns the limits set by the environment variable
// MEMLSM_READ_LIMIT, or DefaultSampleLimit if it is unset. A malformed value
// makes every read fail with an error that names it (see LimitsError).
func DefaultLimits() Limits {
	defaultOnce.Do(func() {
		defaultLimits = Limits{Sample: DefaultSampleLimit}
		if v, ok := os.LookupEnv(LimitEnv); ok && strings.TrimSpace(v) != "" {
			n, err := ParseBytes(v)
			if err != nil {
				defaultErr = fmt.Errorf("events: %s=%q: %w", LimitEnv, v, err)
				return
			}
			defaultLimits.Sample = n
		}
	})
	return defaultLimits
}

// LimitsError reports a malformed MEMLSM_READ_LIMIT (nil if it is fine or
// unset); readers return it before reading anything.
func LimitsError() error {
	DefaultLimits()
	return defaultErr
}

func (l Limits) resolve() (Limits, error) {
	if l.Sample == 0 {
		if err := LimitsError(); err != nil {
			return l, err
		}
		return DefaultLimits(), nil
	}
	if l.Sample < 0 {
		return l, fmt.Errorf("events: negative read limit %d", l.Sample)
	}
	return l, nil
}

// Container is the total budget of a compressed whole-data-set file:
// ContainerFactor × Sample.
func (l Limits) Container() int64 {
	if l.Sample > math.MaxInt64/ContainerFactor {
		return math.MaxInt64
	}
	return l.Sample * ContainerFactor
}

// ParseBytes parses a byte count: a number with an optional unit B, kB, MB,
// GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), case-
// insensitive ("k"/"K" alone mean kB).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[unit]
	// "1e9" ends in a digit, so the exponent stays in num.
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || !(v > 0) || v*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("not a positive byte count (e.g. 512MiB, 2GB, 1e9): %q", s)
	}
	return int64(v * mult), nil
}

// limitErr is the error of a reader refusing a size over a limit.
func limitErr(format, file string, off int64, what string, need, limit int64) *FormatError {
	return &FormatError{Format: format, File: file, Offset: off, Err: ErrLimit,
		Msg: fmt.Sprintf("%s needs %s, over the read limit of %s (set %s to read larger data)", what, byteSize(need), byteSize(limit), LimitEnv)}
}

// byteSize formats a byte count for messages.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Sizes of decoded values, for memory accounting.
const (
	sizeEvent2D = int64(unsafe.Sizeof(Event2D{}))
	sizeEvent1D = int64(unsafe.Sizeof(Event1D{}))
)

// mulLimit returns n·size, or math.MaxInt64 if that overflows.
func mulLimit(n, size int64) int64 {
	if n < 0 || size < 0 {
		return math.MaxInt64
	}
	if size != 0 && n > math.MaxInt64/size {
		return math.MaxInt64
	}
	return n * size
}

// ErrNotRegular is matched (errors.Is) by the error of a reader asked to
// read something that is not a regular file: a FIFO (which would block
// forever), a device such as /dev/zero (endless), a socket or a folder.
var ErrNotRegular = errors.New("not a regular file")

// OpenRegular opens a regular file for reading, following symbolic links,
// and returns it with its size. Anything else (FIFO, device, socket,
// folder) is refused by name without blocking: the file is opened
// non-blocking where the platform allows and checked with Stat on the open
// descriptor, so it cannot be swapped in between.
func OpenRegular(path string) (*os.File, int64, error) {
	f, err := openNonblock(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, modeName(fi.Mode()))}
	}
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return m.String()
}

// readRegular reads a whole regular file of at most max bytes (format
// names it in the error). The size is checked before anything is
// allocated, and the file must not grow while it is read.
func readRegular(path, format string, max int64) ([]byte, error) {
	f, size, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > max {
		return nil, limitErr(format, path, 0, fmt.Sprintf("a %s file", byteSize(size)), size, max)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// budget is a thread-safe byte budget shared by the workers of one read.
type budget struct {
	left  atomic.Int64
	limit int64
}

func newBudget(limit int64) *budget {
	b := &budget{limit: limit}
	b.left.Store(limit)
	return b
}

// take reserves n bytes; false if the budget cannot cover them.
func (b *budget) take(n int64) bool {
	if n < 0 {
		return false
	}
	return b.left.Add(-n) >= 0
}
