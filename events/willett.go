package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/memlsm/memlsm/events/internal/hdf5"
	"github.com/memlsm/memlsm/events/internal/mat5"
	"github.com/memlsm/memlsm/units"
)

const formatWillett = "Willett .mat"

// WillettPrefix is the name prefix of the arrays ReadWillett reads:
// neuralActivityCube_<character> in Willett et al.'s singleLetters.mat.
const WillettPrefix = "neuralActivityCube_"

// WillettBin is the bin width of Willett et al. 2021's threshold-crossing
// counts: 10 ms.
const WillettBin = units.Seconds(10e-3)

// WillettSensor describes the recordings of Willett, Avansino, Hochberg,
// Henderson & Shenoy (2021, "High-performance brain-to-text communication
// via handwriting", Nature 593:249): threshold crossings (−3.5 × RMS) on
// the 192 electrodes of two 96-electrode Utah arrays in the hand knob of
// participant T5's precentral gyrus. Channels is the file's.
var WillettSensor = Sensor{Name: "Utah arrays, threshold crossings (Willett et al. 2021)", Channels: 192, Polarities: 1}

// willettMaxCount bounds one bin's count: 10 ms at a 1 ms refractory
// period allows at most 10 crossings per unit; a few units per electrode
// stay far below 1000.
const willettMaxCount = 1000

// ReadWillett reads singleLetters.mat of Willett et al. 2021's handwriting
// data (Dryad doi:10.5061/dryad.wh70rxwmv, Datasets/t5.2019.05.08/) —
// or any MAT-file of arrays neuralActivityCube_<character>, each trials ×
// bins × electrodes of threshold-crossing counts in 10 ms bins (27 × 201 ×
// 192 per letter in the original) — into a Dataset: one class per
// character (the 26 letters a–z first, then the other characters by
// name), one sample per trial, a count of n in bin b of electrode e as n
// events {T: b·10 ms, Ch: e}. A sample's ID is "willett-<character>-<trial>"
// (trial 0-based), its Meta holds "character" and "trial". Other arrays of
// the file (meansPerBlock, stdAcrossAllData) are not read.
//
// Both layouts MATLAB writes are read: a version 7.3 file is HDF5 (read
// with the pure-Go reader of events/internal/hdf5; MATLAB stores each array
// with its dimensions reversed, bins × … as electrodes × bins × trials in
// C order, which is the same column-major data), a version 5/7 file is a
// Level 5 MAT-file, compressed or not (events/internal/mat5). Counts must
// be whole numbers in 0…1000 and every array must have three dimensions
// and the same electrode count; anything else is a *FormatError naming the
// file, the array and the byte offset. The file may take at most
// DefaultLimits().Container() bytes decompressed, one array
// DefaultLimits().Sample.
func ReadWillett(ctx context.Context, path string) (*Dataset, error) {
	lim, err := Limits{}.resolve()
	if err != nil {
		return nil, err
	}
	fh, size, err := OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("events: Willett: %w", err)
	}
	defer fh.Close()
	head := make([]byte, min(size, 1024))
	if _, err := io.ReadFull(fh, head); err != nil {
		return nil, formatErr(formatWillett, path, 0, err, "reading the header")
	}
	var cubes []willettCube
	if isHDF5(head) {
		cubes, err = willettHDF5(ctx, fh, size, path, lim)
	} else {
		if size > lim.Container() {
			return nil, limitErr(formatWillett, path, 0, fmt.Sprintf("a %s MAT-file", byteSize(size)), size, lim.Container())
		}
		b := make([]byte, size)
		if _, err := fh.ReadAt(b, 0); err != nil {
			return nil, formatErr(formatWillett, path, 0, err, "reading")
		}
		cubes, err = willettMAT5(b, path, lim)
	}
	if err != nil {
		return nil, err
	}
	if len(cubes) == 0 {
		return nil, formatErr(formatWillett, path, 0, nil, "no %s<character> array", WillettPrefix)
	}
	sort.Slice(cubes, func(i, j int) bool {
		li, lj := isLetter(cubes[i].char), isLetter(cubes[j].char)
		if li != lj {
			return li
		}
		return cubes[i].char < cubes[j].char
	})
	d := &Dataset{Sensor: WillettSensor}
	d.Sensor.Channels = cubes[0].dims[2]
	budget := newBudget(lim.Container())
	for c, cube := range cubes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d.Classes = append(d.Classes, cube.char)
		if err := cube.samples(d, c, budget, lim); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// isHDF5 reports whether an HDF5 superblock signature sits at 0, 512 or
// later powers of two within head (a MAT 7.3 file has a 512-byte header).
func isHDF5(head []byte) bool {
	const sig = "\x89HDF\r\n\x1a\n"
	for off := 0; off+len(sig) <= len(head); off = max(512, 2*off) {
		if string(head[off:off+len(sig)]) == sig {
			return true
		}
	}
	return false
}

func isLetter(s string) bool { return len(s) == 1 && s[0] >= 'a' && s[0] <= 'z' }

// willettCube is one neuralActivityCube_<char>: dims trials × bins ×
// electrodes, data in column-major order (trial fastest).
type willettCube struct {
	char   string
	dims   [3]int
	data   []float64
	file   string
	offset func(i int) int64 // byte offset of element i, for errors
}

// samples appends one sample per trial of the cube to d, class c.
func (cube *willettCube) samples(d *Dataset, c int, budget *budget, lim Limits) error {
	T, B, E := cube.dims[0], cube.dims[1], cube.dims[2]
	if E != d.Sensor.Channels {
		return formatErr(formatWillett, cube.file, cube.offset(0), nil, "%s%s has %d electrodes, %s%s %d", WillettPrefix, cube.char, E, WillettPrefix, d.Classes[0], d.Sensor.Channels)
	}
	if E > math.MaxUint16+1 {
		return formatErr(formatWillett, cube.file, cube.offset(0), nil, "%d electrodes: at most 65536", E)
	}
	if float64(B)*float64(WillettBin)*1e6 > math.MaxUint32 {
		return formatErr(formatWillett, cube.file, cube.offset(0), nil, "%d bins of 10 ms overflow the events' 32-bit µs timestamps", B)
	}
	binUS := float64(WillettBin) * 1e6
	for t := range T {
		var n int64
		for b := range B {
			for e := range E {
				i := t + T*(b+B*e)
				v := cube.data[i]
				if !(v >= 0 && v <= willettMaxCount) || v != math.Trunc(v) {
					return formatErr(formatWillett, cube.file, cube.offset(i), nil, "%s%s[trial %d, bin %d, electrode %d] = %v: want a count 0–%d",
						WillettPrefix, cube.char, t, b, e, v, willettMaxCount)
				}
				n += int64(v)
			}
		}
		need := mulLimit(n, sizeEvent1D)
		if need > lim.Sample {
			return limitErr(formatWillett, cube.file, cube.offset(t), fmt.Sprintf("trial %d of %s%s (%d events)", t, WillettPrefix, cube.char, n), need, lim.Sample)
		}
		if !budget.take(need) {
			return limitErr(formatWillett, cube.file, cube.offset(t), "the events of the whole file", budget.limit+need, budget.limit)
		}
		ev := make([]Event1D, 0, n)
		for b := range B {
			ts := uint32(math.Round(float64(b) * binUS))
			for e := range E {
				for range int(cube.data[t+T*(b+B*e)]) {
					ev = append(ev, Event1D{T: ts, Ch: uint16(e)})
				}
			}
		}
		d.Samples = append(d.Samples, Sample{Label: c, ID: fmt.Sprintf("willett-%s-%d", cube.char, t), Events1D: ev,
			Meta: map[string]string{"character": cube.char, "trial": fmt.Sprint(t)}})
	}
	return nil
}

// willettHDF5 reads the cubes of a MAT 7.3 (HDF5) file.
func willettHDF5(ctx context.Context, fh io.ReaderAt, size int64, path string, lim Limits) ([]willettCube, error) {
	f, err := hdf5.NewFile(fh, size, path)
	if err != nil {
		return nil, willettHDF5Err(path, err)
	}
	f.SetLimits(hdf5.Limits{Dataset: lim.Sample, Expanded: lim.Container()})
	root, err := f.Root()
	if err != nil {
		return nil, willettHDF5Err(path, err)
	}
	var cubes []willettCube
	for _, name := range root.Names() {
		char, ok := strings.CutPrefix(name, WillettPrefix)
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ds, err := root.Dataset(name)
		if err != nil {
			return nil, willettHDF5Err(path, err)
		}
		if len(ds.Shape) != 3 {
			return nil, formatErr(formatWillett, path, ds.HeaderOffset(), nil, "%s has %d dimensions, want 3 (trials × bins × electrodes)", name, len(ds.Shape))
		}
		data, err := ds.Float64s()
		if err != nil {
			return nil, willettHDF5Err(path, err)
		}
		// MATLAB writes an a×b×c array as an HDF5 dataset of shape (c, b, a).
		cubes = append(cubes, willettCube{char: char, dims: [3]int{int(ds.Shape[2]), int(ds.Shape[1]), int(ds.Shape[0])},
			data: data, file: path, offset: ds.ElementOffset})
	}
	return cubes, nil
}

func willettHDF5Err(path string, err error) error {
	var he *hdf5.Error
	if errors.As(err, &he) {
		if errors.Is(err, hdf5.ErrLimit) {
			return &FormatError{Format: formatWillett, File: path, Offset: he.Offset, Err: ErrLimit,
				Msg: he.Msg + " (set " + LimitEnv + " to read larger data)"}
		}
		return &FormatError{Format: formatWillett, File: path, Offset: he.Offset, Msg: he.Msg, Err: he.Err}
	}
	return fmt.Errorf("events: Willett: %w", err)
}

// willettMAT5 reads the cubes of a Level 5 MAT-file held in b.
func willettMAT5(b []byte, path string, lim Limits) ([]willettCube, error) {
	arrays, err := mat5.Read(path, b, func(name string) bool { return strings.HasPrefix(name, WillettPrefix) },
		mat5.Limits{Array: lim.Sample, Expanded: lim.Container()})
	if err != nil {
		var me *mat5.Error
		if errors.As(err, &me) {
			fe := &FormatError{Format: formatWillett, File: path, Offset: me.Offset, Msg: me.Msg, Err: me.Err}
			if me.Stream >= 0 {
				fe.Msg = fmt.Sprintf("%s (at byte %d of the compressed variable)", me.Msg, me.Offset)
				fe.Offset = me.Stream
			}
			if errors.Is(err, mat5.ErrLimit) {
				fe.Err = ErrLimit
				fe.Msg += " (set " + LimitEnv + " to read larger data)"
			}
			return nil, fe
		}
		return nil, fmt.Errorf("events: Willett: %w", err)
	}
	var cubes []willettCube
	for _, a := range arrays {
		if len(a.Dims) != 3 {
			return nil, formatErr(formatWillett, path, a.Offset, nil, "%s has dimensions %v, want trials × bins × electrodes", a.Name, a.Dims)
		}
		off := a.Offset
		cubes = append(cubes, willettCube{char: strings.TrimPrefix(a.Name, WillettPrefix), dims: [3]int{a.Dims[0], a.Dims[1], a.Dims[2]},
			data: a.Data, file: path, offset: func(int) int64 { return off }})
	}
	return cubes, nil
}
