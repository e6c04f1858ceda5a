package events

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
)

const formatStrokes = "pen strokes .npy"

// PenMove is one move of a pen, in pixels (x right, y down).
type PenMove struct {
	DX, DY float32
	// Up marks a move made with the pen lifted: the jump from the end of
	// one stroke to the start of the next.
	Up bool
}

// Trajectory is the pen trajectory that draws one character: where the
// pen starts and the moves it makes, pen-down strokes joined by pen-up
// jumps.
type Trajectory struct {
	X0, Y0 float32 // start, in pixels
	Moves  []PenMove
}

// Strokes returns the number of pen-down strokes.
func (t *Trajectory) Strokes() int {
	if len(t.Moves) == 0 {
		return 0
	}
	n := 1
	for _, m := range t.Moves {
		if m.Up {
			n++
		}
	}
	return n
}

// Length returns the length of the pen's path in pixels, pen-up moves
// included.
func (t *Trajectory) Length() float64 {
	var l float64
	for _, m := range t.Moves {
		l += math.Hypot(float64(m.DX), float64(m.DY))
	}
	return l
}

// StrokeSet is what ReadStrokes read from one split of a pen-stroke data
// set: the labels of every sequence in the files and the trajectories it
// was asked to keep.
type StrokeSet struct {
	Split string
	// Labels holds the label of every sequence of the split, by index.
	Labels []int
	// Index holds the index (0-based, in the files) of each kept
	// trajectory; Trajectories[k] is sequence Index[k].
	Index        []int
	Trajectories []Trajectory
	// Files are the trajectory and label files read.
	Files [2]string
}

// StrokeFiles returns the trajectory and label files of a split in the
// layout of E. D. de Jong's "MNIST digits stroke sequence data":
// DIR/<split>-padded-trailing.tar.gz and DIR/<split>-labels.tar.gz (each
// a tar archive, gzip-compressed, holding the .npy file of the same name),
// or the .npy files themselves. It fails, naming what it looked for, if
// either is missing.
func StrokeFiles(dir, split string) (traj, labels string, err error) {
	if split == "" || strings.ContainsAny(split, `/\`) {
		return "", "", fmt.Errorf("events: strokes: bad split name %q", split)
	}
	find := func(base string) (string, error) {
		var tried []string
		for _, ext := range []string{".tar.gz", ".npy"} {
			p := filepath.Join(dir, base+ext)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			} else if !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("events: strokes: %w", err)
			}
			tried = append(tried, base+ext)
		}
		return "", fmt.Errorf("events: strokes: %s has no %s: %w", dir, strings.Join(tried, " or "), fs.ErrNotExist)
	}
	if traj, err = find(split + "-padded-trailing"); err != nil {
		return "", "", err
	}
	if labels, err = find(split + "-labels"); err != nil {
		return "", "", err
	}
	return traj, labels, nil
}

// Bounds of what a trajectory file may hold: MNIST's strokes stay inside
// a 28×28 image; anything beyond these is not a pen trajectory of an image.
const (
	strokeMaxCoord = 1 << 16 // |x0|, |y0|, |dx|, |dy| in pixels
	strokeMaxRows  = 1 << 16 // rows per sequence
)

// ReadStrokes reads one split ("train", "test", …) of pen-stroke
// sequences in the layout of E. D. de Jong's MNIST stroke data (see
// StrokeFiles): a float array of shape (N, L, 4), one sequence per
// character, and an integer array of N labels 0–9.
//
// Row 0 of a sequence is the pen's start, (x, y, 0, 0) — in de Jong's data
// 1-based: the pen at (x, y) is on pixel (x−1, y−1) of the 28×28 MNIST
// image (99.6 % of the pixels the pen visits in the first 100 digits are
// ink there; source's TestStrokesTraceMNIST); every further row
// is a move (dx, dy, eos, eod): eos = 1 ends a stroke, and the next move is
// the pen-up jump to the next stroke's start; eod = 1 ends the character,
// and the rows after it are zero padding. Rows whose move is (0, 0) (the
// markers of de Jong's data) are not moves.
//
// keep, if not nil, is called with every sequence's index and label in
// order and says whether to decode it; reading stops after the last kept
// sequence, so a small selection from the start of a large file is fast.
// The files are streamed: a gzip-compressed archive is decompressed once,
// never held whole in memory, and may expand to at most
// DefaultLimits().Container() bytes. Malformed input (a wrong dtype or
// shape, label counts that disagree, a value that is not finite or out of
// range, a sequence without its end, padding that is not zero) is one
// *FormatError naming the file and the byte offset within the .npy data.
func ReadStrokes(ctx context.Context, dir, split string, keep func(index, label int) bool) (*StrokeSet, error) {
	lim, err := Limits{}.resolve()
	if err != nil {
		return nil, err
	}
	trajPath, labelPath, err := StrokeFiles(dir, split)
	if err != nil {
		return nil, err
	}
	set := &StrokeSet{Split: split, Files: [2]string{trajPath, labelPath}}
	if set.Labels, err = readStrokeLabels(ctx, labelPath, lim); err != nil {
		return nil, err
	}
	last := -1
	want := make([]bool, len(set.Labels))
	for i, l := range set.Labels {
		if keep == nil || keep(i, l) {
			want[i] = true
			last = i
		}
	}
	if last < 0 {
		return set, nil
	}
	_, err = readStrokeArray(ctx, trajPath, "-padded-trailing.npy", lim, func(a npyArray, name string) error {
		if len(a.shape) != 3 || a.shape[2] != 4 || a.shape[1] < 2 || a.kind != 'f' && a.kind != 'i' {
			return formatErr(formatStrokes, name, 0, nil, "array %s of shape %v: want numbers of shape (N, L, 4), L ≥ 2", a.descr(), a.shape)
		}
		if a.shape[0] != len(set.Labels) {
			return formatErr(formatStrokes, name, 0, nil, "%d sequences but %d labels in %s", a.shape[0], len(set.Labels), labelPath)
		}
		if a.shape[1] > strokeMaxRows {
			return formatErr(formatStrokes, name, 0, nil, "%d rows per sequence, over this reader's %d", a.shape[1], strokeMaxRows)
		}
		return nil
	}, func(a npyArray, name string, r io.Reader) error {
		rows := a.shape[1]
		seqBytes := int64(rows) * 4 * int64(a.size)
		buf := make([]byte, seqBytes)
		for i := 0; i <= last; i++ {
			if i%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			base := a.dataOff + int64(i)*seqBytes
			if k, err := io.ReadFull(r, buf); err != nil {
				return formatErr(formatStrokes, name, base+int64(k), io.ErrUnexpectedEOF, "truncated data in sequence %d", i)
			}
			if !want[i] {
				continue
			}
			t, err := decodeTrajectory(a, buf, rows)
			if err != nil {
				var se *seqError
				if errors.As(err, &se) {
					return formatErr(formatStrokes, name, base+se.off, nil, "sequence %d: %s", i, se.msg)
				}
				return err
			}
			set.Index = append(set.Index, i)
			set.Trajectories = append(set.Trajectories, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// seqError is a problem inside one sequence, at byte off of it.
type seqError struct {
	off int64
	msg string
}

func (e *seqError) Error() string { return e.msg }

// decodeTrajectory decodes one sequence of rows×4 items in b.
func decodeTrajectory(a npyArray, b []byte, rows int) (Trajectory, error) {
	at := func(r, c int) (float64, int64) {
		off := int64(r*4+c) * int64(a.size)
		return a.value(b[off:]), off
	}
	var t Trajectory
	for c := range 4 {
		v, off := at(0, c)
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > strokeMaxCoord {
			return t, &seqError{off, fmt.Sprintf("start value %v is not a pixel coordinate", v)}
		}
		if c >= 2 && v != 0 {
			return t, &seqError{off, fmt.Sprintf("start row (x, y, %v, …): want (x, y, 0, 0)", v)}
		}
	}
	x0, _ := at(0, 0)
	y0, _ := at(0, 1)
	t.X0, t.Y0 = float32(x0), float32(y0)
	up, end := false, -1
	for r := 1; r < rows; r++ {
		dx, off := at(r, 0)
		dy, _ := at(r, 1)
		eos, eosOff := at(r, 2)
		eod, eodOff := at(r, 3)
		if end >= 0 {
			if dx != 0 || dy != 0 || eos != 0 || eod != 0 {
				return t, &seqError{off, fmt.Sprintf("row %d after the end of the character (row %d) is not zero padding", r, end)}
			}
			continue
		}
		for _, v := range [2]float64{dx, dy} {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > strokeMaxCoord {
				return t, &seqError{off, fmt.Sprintf("row %d: move %v is not a pixel distance", r, v)}
			}
		}
		if eos != 0 && eos != 1 {
			return t, &seqError{eosOff, fmt.Sprintf("row %d: end-of-stroke flag %v is not 0 or 1", r, eos)}
		}
		if eod != 0 && eod != 1 {
			return t, &seqError{eodOff, fmt.Sprintf("row %d: end-of-digit flag %v is not 0 or 1", r, eod)}
		}
		if dx != 0 || dy != 0 {
			t.Moves = append(t.Moves, PenMove{DX: float32(dx), DY: float32(dy), Up: up})
			up = false
		}
		if eos == 1 {
			up = true
		}
		if eod == 1 {
			end = r
		}
	}
	if end < 0 {
		return t, &seqError{0, fmt.Sprintf("no end-of-digit row (eod = 1) in %d rows", rows)}
	}
	return t, nil
}

// readStrokeLabels reads the label array of a split: integers 0–9.
func readStrokeLabels(ctx context.Context, path string, lim Limits) ([]int, error) {
	var labels []int
	_, err := readStrokeArray(ctx, path, "-labels.npy", lim, func(a npyArray, name string) error {
		if len(a.shape) != 1 || (a.kind != 'i' && a.kind != 'u') {
			return formatErr(formatStrokes, name, 0, nil, "label array %s of shape %v: want integers of shape (N,)", a.descr(), a.shape)
		}
		if mulLimit(int64(a.shape[0]), 8) > lim.Sample {
			return limitErr(formatStrokes, name, 0, fmt.Sprintf("%d labels", a.shape[0]), mulLimit(int64(a.shape[0]), 8), lim.Sample)
		}
		return nil
	}, func(a npyArray, name string, r io.Reader) error {
		n := a.shape[0]
		buf := make([]byte, int64(n)*int64(a.size))
		if k, err := io.ReadFull(r, buf); err != nil {
			return formatErr(formatStrokes, name, a.dataOff+int64(k), io.ErrUnexpectedEOF, "truncated labels (%d of %d bytes)", k, len(buf))
		}
		labels = make([]int, n)
		for i := range labels {
			v := a.value(buf[i*a.size:])
			if v < 0 || v > 9 {
				return formatErr(formatStrokes, name, a.dataOff+int64(i*a.size), nil, "label %v of sequence %d is not a digit 0–9", v, i)
			}
			labels[i] = int(v)
		}
		return nil
	})
	return labels, err
}

// readStrokeArray opens a .npy file, or the first member of a
// gzip-compressed tar archive whose name ends with suffix, checks its header
// with check and hands the data to read. The decompressed bytes are
// bounded by lim.Container(); the array's declared size is checked
// against it, and against the member's size, before read is called.
func readStrokeArray(ctx context.Context, path, suffix string, lim Limits, check func(a npyArray, name string) error,
	read func(a npyArray, name string, r io.Reader) error) (int64, error) {
	f, size, err := OpenRegular(path)
	if err != nil {
		return 0, fmt.Errorf("events: strokes: %w", err)
	}
	defer f.Close()
	name := path
	var r io.Reader = f
	avail := size // bytes of the .npy file
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return 0, formatErr(formatStrokes, path, 0, err, "not a gzip-compressed archive")
		}
		defer zr.Close()
		lr := &io.LimitedReader{R: zr, N: lim.Container() + 1}
		tr := tar.NewReader(lr)
		found := false
		for !found {
			h, err := tr.Next()
			if err == io.EOF {
				return 0, formatErr(formatStrokes, path, 0, nil, "the archive holds no *%s file", suffix)
			}
			if err != nil {
				if lr.N <= 0 {
					return 0, limitErr(formatStrokes, path, 0, "the decompressed archive", lim.Container()+1, lim.Container())
				}
				return 0, formatErr(formatStrokes, path, 0, err, "reading the tar archive")
			}
			if h.Typeflag == tar.TypeReg && strings.HasSuffix(filepath.Base(h.Name), suffix) {
				found = true
				name = path + "[" + h.Name + "]"
				r, avail = tr, h.Size
			}
		}
	}
	a, err := readNPYHeader(r, formatStrokes, name)
	if err != nil {
		return 0, err
	}
	if err := check(a, name); err != nil {
		return 0, err
	}
	items := a.items()
	need := mulLimit(items, int64(a.size))
	if items < 0 || need > avail-a.dataOff {
		return 0, formatErr(formatStrokes, name, a.dataOff, io.ErrUnexpectedEOF, "shape %v of %s needs %d data bytes, the file holds %d", a.shape, a.descr(), need, max(avail-a.dataOff, 0))
	}
	if need > lim.Container() {
		return 0, limitErr(formatStrokes, name, 0, fmt.Sprintf("an array of shape %v", a.shape), need, lim.Container())
	}
	if err := read(a, name, r); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("events: strokes: %w", err)
		}
		return 0, err
	}
	return need, nil
}

// WriteStrokeFiles writes trajectories and their labels (0–9) as one
// split of the layout ReadStrokes reads: DIR/<split>-padded-trailing.tar.gz
// and DIR/<split>-labels.tar.gz, each a gzip-compressed tar archive
// holding the .npy of the same name — float64 sequences of rows rows
// (0 → the longest sequence's length), int32 labels — in E. D. de Jong's
// encoding: the start row, the moves, an end-of-stroke row (0, 0, 1, 0)
// before each pen-up move and a final (0, 0, 1, 1). It never overwrites a
// file: if either exists, it fails and writes nothing.
func WriteStrokeFiles(dir, split string, trajectories []Trajectory, labels []int, rows int) error {
	if len(trajectories) != len(labels) {
		return fmt.Errorf("events: strokes: %d trajectories but %d labels", len(trajectories), len(labels))
	}
	if split == "" || strings.ContainsAny(split, `/\`) {
		return fmt.Errorf("events: strokes: bad split name %q", split)
	}
	need := 0
	for _, t := range trajectories {
		n := 2 // start and the final row
		for _, m := range t.Moves {
			n++
			if m.Up {
				n++
			}
		}
		need = max(need, n)
	}
	if rows == 0 {
		rows = need
	}
	if rows < need || rows > strokeMaxRows {
		return fmt.Errorf("events: strokes: %d rows per sequence, the longest needs %d (at most %d)", rows, need, strokeMaxRows)
	}
	for i, l := range labels {
		if l < 0 || l > 9 {
			return fmt.Errorf("events: strokes: label %d of sequence %d is not a digit 0–9", l, i)
		}
	}
	data := make([]byte, 0, len(trajectories)*rows*4*8)
	f64 := func(v float64) {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	for _, t := range trajectories {
		n := 0
		row := func(a, b, c, d float64) { f64(a); f64(b); f64(c); f64(d); n++ }
		row(float64(t.X0), float64(t.Y0), 0, 0)
		for _, m := range t.Moves {
			if m.Up {
				row(0, 0, 1, 0)
			}
			row(float64(m.DX), float64(m.DY), 0, 0)
		}
		row(0, 0, 1, 1)
		for ; n < rows; n++ {
			f64(0)
			f64(0)
			f64(0)
			f64(0)
		}
	}
	lab := make([]byte, 0, 4*len(labels))
	for _, l := range labels {
		lab = binary.LittleEndian.AppendUint32(lab, uint32(int32(l)))
	}
	files := []struct {
		base  string
		descr string
		shape string
		data  []byte
	}{
		{split + "-padded-trailing", "<f8", fmt.Sprintf("(%d, %d, 4)", len(trajectories), rows), data},
		{split + "-labels", "<i4", fmt.Sprintf("(%d,)", len(labels)), lab},
	}
	var made []string
	for _, f := range files {
		path := filepath.Join(dir, f.base+".tar.gz")
		if err := writeNPYTarGz(path, f.base+".npy", f.descr, f.shape, f.data); err != nil {
			for _, p := range made {
				os.Remove(p)
			}
			return err
		}
		made = append(made, path)
	}
	return nil
}

// writeNPYTarGz writes a gzip-compressed tar archive at path (which must
// not exist) holding one .npy file named member.
func writeNPYTarGz(path, member, descr, shape string, data []byte) (err error) {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	// NumPy pads the header with spaces and a newline to a multiple of 64.
	total := 10 + len(h) + 1
	h += strings.Repeat(" ", (64-total%64)%64) + "\n"
	npy := make([]byte, 0, 10+len(h)+len(data))
	npy = append(npy, "\x93NUMPY\x01\x00"...)
	npy = binary.LittleEndian.AppendUint16(npy, uint16(len(h)))
	npy = append(npy, h...)
	npy = append(npy, data...)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("events: strokes: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("events: strokes: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: member, Mode: 0o644, Size: int64(len(npy)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("events: strokes: %s: %w", path, err)
	}
	if _, err := tw.Write(npy); err != nil {
		return fmt.Errorf("events: strokes: %s: %w", path, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("events: strokes: %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("events: strokes: %s: %w", path, err)
	}
	return nil
}
