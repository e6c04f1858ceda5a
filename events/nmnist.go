package events

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// NMNISTSensor is the sensor of N-MNIST: the 34×34-pixel window of an ATIS
// camera with ON/OFF polarity (Orchard et al. 2015, the N-MNIST format; Orchard et al. 2015).
var NMNISTSensor = Sensor{Name: "ATIS (N-MNIST)", Width: 34, Height: 34, Polarities: 2}

const (
	// nmnistEventSize is the size of one N-MNIST event: 40 bits (Orchard et al. 2015, the N-MNIST format).
	nmnistEventSize = 5
	// nmnistOverflowY marks a timestamp-overflow event instead of a pixel
	// event: tonic's io.read_mnist_file (adapted from gorchard/event-Python
	// eventvision.py) drops events with y == 240 and adds 2^13 to the
	// timestamps of every event from the marker on.
	nmnistOverflowY = 240
	// nmnistOverflowStep is that increment: tonic io.py sets
	// time_increment = 2**13.
	nmnistOverflowStep = 1 << 13
	// nmnistMaxT is the largest timestamp the 23-bit field holds.
	nmnistMaxT = 1<<23 - 1
)

const formatNMNIST = "N-MNIST .bin"

// DecodeNMNIST decodes one N-MNIST recording (the original .bin format, also
// slayer's .bs2) and appends its events to dst. file names the file in
// errors; offsets in errors are from the start of b.
//
// Each event is 5 bytes: x, y, then polarity in the top bit of byte 2 and
// a 23-bit big-endian microsecond timestamp in the rest. An event with
// y == 240 is a timestamp-overflow marker, not a pixel: it is dropped and
// 2^13 µs is added to every later timestamp (tonic io.read_mnist_file).
//
// Times are accumulated in 64 bits, so overflow markers never wrap them;
// a time beyond what Event2D.T holds (2^32−1 µs, 71.6 minutes, far beyond
// any N-MNIST recording's 0.3 s) is an error at the event's offset, not a
// silently wrapped value.
//
// It rejects empty input, a length that is not a multiple of 5, pixels
// outside the 34×34 window and timestamps that decrease.
func DecodeNMNIST(file string, b []byte, dst []Event2D) ([]Event2D, error) {
	if len(b) == 0 {
		return dst, formatErr(formatNMNIST, file, 0, io.ErrUnexpectedEOF, "empty file (no events)")
	}
	dst = slices.Grow(dst, len(b)/nmnistEventSize)
	var add, last uint64
	for off := 0; off+nmnistEventSize <= len(b); off += nmnistEventSize {
		e := b[off : off+nmnistEventSize : off+nmnistEventSize]
		x, y := e[0], e[1]
		t := uint64(e[2]&0x7f)<<16 | uint64(e[3])<<8 | uint64(e[4])
		if y == nmnistOverflowY {
			add += nmnistOverflowStep
			continue
		}
		if int(x) >= NMNISTSensor.Width || int(y) >= NMNISTSensor.Height {
			return dst, formatErr(formatNMNIST, file, int64(off), nil,
				"pixel (%d,%d) outside the %d×%d sensor", x, y, NMNISTSensor.Width, NMNISTSensor.Height)
		}
		t += add
		if t > math.MaxUint32 {
			return dst, formatErr(formatNMNIST, file, int64(off), nil,
				"time %d µs (after %d overflow markers) exceeds the 2^32−1 µs an event holds", t, add/nmnistOverflowStep)
		}
		if t < last {
			return dst, formatErr(formatNMNIST, file, int64(off), nil,
				"timestamp %d µs before the previous event's %d µs", t, last)
		}
		last = t
		dst = append(dst, Event2D{T: uint32(t), X: uint16(x), Y: uint16(y), P: e[2] >> 7})
	}
	if r := len(b) % nmnistEventSize; r != 0 {
		return dst, formatErr(formatNMNIST, file, int64(len(b)-r), io.ErrUnexpectedEOF,
			"truncated event: %d trailing bytes (events are %d bytes)", r, nmnistEventSize)
	}
	return dst, nil
}

// EncodeNMNIST appends events in the N-MNIST .bin format to dst. It fails
// for events the format cannot hold: x or y ≥ 256, y == 240 (the overflow
// marker), polarity > 1, or a timestamp ≥ 2^23 µs.
func EncodeNMNIST(dst []byte, ev []Event2D) ([]byte, error) {
	dst = slices.Grow(dst, len(ev)*nmnistEventSize)
	for i, e := range ev {
		if e.X > 255 || e.Y > 255 || e.Y == nmnistOverflowY || e.P > 1 || e.T > nmnistMaxT {
			return dst, fmt.Errorf("events: N-MNIST .bin cannot hold event %d %+v", i, e)
		}
		dst = append(dst, byte(e.X), byte(e.Y), e.P<<7|byte(e.T>>16), byte(e.T>>8), byte(e.T))
	}
	return dst, nil
}

// NMNISTOptions selects what ReadNMNIST reads. The zero value reads
// everything with one worker per CPU.
type NMNISTOptions struct {
	// Split keeps only samples whose Meta["split"] equals it ("train",
	// "test", or a label list's name); "" keeps all.
	Split string
	// Workers is the number of files read in parallel; 0 means
	// 2×GOMAXPROCS (assumption: with files in the page cache reading is
	// CPU-bound, and a second worker per CPU covers the open/stat system
	// calls of cold files; BenchmarkReadNMNIST1000 compares 1, 2, 8).
	Workers int
	// Limits bounds each file (the zero value means DefaultLimits): a
	// file whose events would take more memory than Limits.Sample is
	// refused before it is read.
	Limits Limits
}

// ReadNMNIST reads an N-MNIST folder in one of its two layouts:
//
//   - official: DIR/Train/<digit>/*.bin and DIR/Test/<digit>/*.bin. Each
//     sample's Meta["split"] is "train" or "test"; Train comes first, then
//     Test; within a digit folder files are in numeric order of their names
//     (N-MNIST names files by the MNIST sample index).
//   - slayer: numbered files <k>.bs2 (or <k>.bin) with label lists *.txt
//     (header "#sample #class", rows "<k>\t<label>"). path may name one
//     list (DIR/train1K.txt); if it names the folder, every *.txt list in it
//     is read, in name order, and Meta["split"] is "train" or "test" when
//     the list's name starts with that word, else the list's name without
//     extension.
//
// Classes are always "0".."9" and a sample's Label is its digit. Sample IDs
// are file paths relative to the folder, Meta["file"] too. Files are read in
// parallel, each once; decoding errors name the file and byte offset.
// Anything but a regular file (a FIFO, a device) is refused by name, and so
// is a file over the read limit; ctx stops the read between files.
func ReadNMNIST(ctx context.Context, path string, opts NMNISTOptions) (*Dataset, error) {
	lim, err := opts.Limits.resolve()
	if err != nil {
		return nil, err
	}
	jobs, err := listNMNIST(path, lim)
	if err != nil {
		return nil, err
	}
	if opts.Split != "" {
		kept := jobs[:0]
		for _, j := range jobs {
			if j.split == opts.Split {
				kept = append(kept, j)
			}
		}
		if len(kept) == 0 {
			return nil, fmt.Errorf("events: N-MNIST %s: no samples in split %q", path, opts.Split)
		}
		jobs = kept
	}
	d := &Dataset{Sensor: NMNISTSensor, Classes: digitClasses()}
	d.Samples = make([]Sample, len(jobs))
	for i, j := range jobs {
		d.Samples[i] = Sample{Label: j.label, ID: j.rel, Meta: map[string]string{"split": j.split, "file": j.rel}}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	err = parallel(ctx, len(jobs), workers, func(buf *[]byte, i int) error {
		b, err := readFileInto(jobs[i].path, buf, lim)
		if err != nil {
			var fe *FormatError
			if errors.As(err, &fe) {
				return err
			}
			return fmt.Errorf("events: N-MNIST: %w", err)
		}
		ev, err := DecodeNMNIST(jobs[i].path, b, make([]Event2D, 0, len(b)/nmnistEventSize))
		if err != nil {
			return err
		}
		d.Samples[i].Events2D = ev
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// digitClasses returns the class list "0".."9".
func digitClasses() []string {
	c := make([]string, 10)
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}

type nmnistJob struct {
	path, rel, split string
	label            int
}

func listNMNIST(path string, lim Limits) ([]nmnistJob, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("events: N-MNIST: %w", err)
	}
	if !fi.IsDir() {
		return listSlayerNMNIST(filepath.Dir(path), []string{path}, lim)
	}
	var jobs []nmnistJob
	official := false
	for _, part := range []string{"Train", "Test"} {
		sub := filepath.Join(path, part)
		if st, err := os.Stat(sub); err != nil || !st.IsDir() {
			continue
		}
		official = true
		for digit := range 10 {
			dir := filepath.Join(sub, strconv.Itoa(digit))
			ents, err := os.ReadDir(dir)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("events: N-MNIST: %w", err)
			}
			var names []string
			for _, e := range ents {
				if !e.IsDir() && (strings.HasSuffix(e.Name(), ".bin") || strings.HasSuffix(e.Name(), ".bs2")) {
					names = append(names, e.Name())
				}
			}
			slices.SortFunc(names, compareNumericNames)
			for _, n := range names {
				jobs = append(jobs, nmnistJob{
					path: filepath.Join(dir, n), rel: filepath.ToSlash(filepath.Join(part, strconv.Itoa(digit), n)),
					split: strings.ToLower(part), label: digit,
				})
			}
		}
	}
	if official {
		if len(jobs) == 0 {
			return nil, fmt.Errorf("events: N-MNIST %s: Train/ or Test/ holds no <digit>/*.bin files", path)
		}
		return jobs, nil
	}
	lists, err := filepath.Glob(filepath.Join(path, "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("events: N-MNIST: %w", err)
	}
	if len(lists) == 0 {
		return nil, fmt.Errorf("events: N-MNIST %s: neither the official layout (Train/, Test/) nor a slayer label list (*.txt)", path)
	}
	return listSlayerNMNIST(path, lists, lim) // Glob sorts by name
}

// compareNumericNames orders file names by their leading number when both
// have one, else by name.
func compareNumericNames(a, b string) int {
	na, erra := strconv.Atoi(strings.TrimSuffix(a, filepath.Ext(a)))
	nb, errb := strconv.Atoi(strings.TrimSuffix(b, filepath.Ext(b)))
	if erra == nil && errb == nil && na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func listSlayerNMNIST(dir string, lists []string, lim Limits) ([]nmnistJob, error) {
	var jobs []nmnistJob
	var files map[string]bool
	for _, list := range lists {
		b, err := readRegular(list, "label list", lim.Sample)
		if err != nil {
			var fe *FormatError
			if errors.As(err, &fe) {
				return nil, err
			}
			return nil, fmt.Errorf("events: N-MNIST: %w", err)
		}
		stem := strings.TrimSuffix(filepath.Base(list), filepath.Ext(list))
		split := stem
		switch lower := strings.ToLower(stem); {
		case strings.HasPrefix(lower, "train"):
			split = "train"
		case strings.HasPrefix(lower, "test"):
			split = "test"
		}
		rows, err := parseLabelList(list, b)
		if err != nil {
			return nil, err
		}
		if files == nil {
			// One directory listing instead of a stat per sample.
			ents, err := os.ReadDir(dir)
			if err != nil {
				return nil, fmt.Errorf("events: N-MNIST: %w", err)
			}
			files = map[string]bool{}
			for _, e := range ents {
				if !e.IsDir() {
					files[e.Name()] = true
				}
			}
		}
		for _, r := range rows {
			p, rel := "", ""
			for _, ext := range []string{".bs2", ".bin"} {
				if rel = r.key + ext; files[rel] {
					p = filepath.Join(dir, rel)
					break
				}
			}
			if p == "" {
				return nil, formatErr("label list", list, r.off, os.ErrNotExist, "no file %s.bs2 or %s.bin in %s", r.key, r.key, dir)
			}
			if r.label < 0 || r.label > 9 {
				return nil, formatErr("label list", list, r.off, nil, "label %d is not a digit 0..9", r.label)
			}
			jobs = append(jobs, nmnistJob{path: p, rel: rel, split: split, label: r.label})
		}
	}
	return jobs, nil
}

type labelRow struct {
	key   string
	label int
	off   int64
}

// parseLabelList parses a slayer label list: lines starting with '#' are
// comments (the header "#sample #class"), other non-blank lines are
// "<key> <label>" separated by tabs or spaces.
func parseLabelList(file string, b []byte) ([]labelRow, error) {
	if len(b) == 0 {
		return nil, formatErr("label list", file, 0, io.ErrUnexpectedEOF, "empty file")
	}
	var rows []labelRow
	sc := bufio.NewScanner(bytes.NewReader(b))
	var off int64
	seen := map[string]bool{}
	for sc.Scan() {
		line := sc.Text()
		lineOff := off
		off += int64(len(line)) + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, formatErr("label list", file, lineOff, nil, "want \"<sample> <class>\", got %q", line)
		}
		if _, err := strconv.ParseUint(f[0], 10, 32); err != nil {
			return nil, formatErr("label list", file, lineOff, err, "sample number %q", f[0])
		}
		label, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, formatErr("label list", file, lineOff, err, "class %q", f[1])
		}
		if seen[f[0]] {
			return nil, formatErr("label list", file, lineOff, nil, "sample %s listed twice", f[0])
		}
		seen[f[0]] = true
		rows = append(rows, labelRow{key: f[0], label: label, off: lineOff})
	}
	if err := sc.Err(); err != nil {
		return nil, formatErr("label list", file, off, err, "reading")
	}
	if len(rows) == 0 {
		return nil, formatErr("label list", file, off, nil, "no samples listed")
	}
	return rows, nil
}

// readFileInto reads a whole N-MNIST file into *buf (grown as needed and
// reused), with one open, one stat and one read. It refuses anything but a
// regular file, and a file whose events would exceed lim.Sample (checked
// on the size before reading, so a sparse 64 GB file costs nothing).
func readFileInto(name string, buf *[]byte, lim Limits) ([]byte, error) {
	f, size, err := OpenRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if need := mulLimit(size/nmnistEventSize, sizeEvent2D) + size; need > lim.Sample {
		return nil, limitErr(formatNMNIST, name, 0, fmt.Sprintf("a %s file (%d events)", byteSize(size), size/nmnistEventSize), need, lim.Sample)
	}
	n := int(size)
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// parallel runs fn(buf, i) for i in [0, n) on workers goroutines, each with
// its own reusable byte buffer, and returns the error of the lowest index
// that failed. It stops handing out work after an error or once ctx is done.
func parallel(ctx context.Context, n, workers int, fn func(buf *[]byte, i int) error) error {
	workers = max(min(workers, n), 1)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf []byte
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() {
					return
				}
				if errs[i] = ctx.Err(); errs[i] == nil {
					errs[i] = fn(&buf, i)
				}
				if errs[i] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ReadNMNISTFile reads one N-MNIST recording (.bin, or slayer's .bs2,
// which is the same format) within lim (zero: DefaultLimits).
func ReadNMNISTFile(path string, lim Limits) ([]Event2D, error) {
	lim, err := lim.resolve()
	if err != nil {
		return nil, err
	}
	var buf []byte
	b, err := readFileInto(path, &buf, lim)
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("events: N-MNIST: %w", err)
	}
	return DecodeNMNIST(path, b, make([]Event2D, 0, len(b)/nmnistEventSize))
}
