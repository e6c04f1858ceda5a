package events

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/memlsm/memlsm/events/internal/hdf5"
)

const formatNTIDIGITS = "N-TIDIGITS HDF5"

// NTIDIGITSClasses are the 11 single-digit classes of N-TIDIGITS in the
// order of the paper's code ('z' → 0, digits as themselves, 'o' → 10;
// Lin et al. 2025, the authors' input binning).
var NTIDIGITSClasses = []string{"z", "1", "2", "3", "4", "5", "6", "7", "8", "9", "o"}

// NTIDIGITSOptions selects what ReadNTIDIGITS reads. The zero value reads
// the single-digit utterances of both partitions.
type NTIDIGITSOptions struct {
	// Split is "train", "test" or "" for both (train first).
	Split string
	// All keeps multi-digit sequences too; each distinct sequence ("1z3")
	// becomes a class after the 11 single digits. The paper uses single
	// digits only (only_single_digits=True, Lin et al. 2025, the classification protocol of the authors' scripts).
	All bool
	// Limits bounds each sample (Limits.Sample) and the whole file
	// (Limits.Container: the events kept, and what the file may yield
	// beyond its stored bytes); the zero value means DefaultLimits.
	Limits Limits
}

// ReadNTIDIGITS reads n-tidigits.hdf5 (Anumula et al. 2018, N-TIDIGITS): for each partition p
// in train, test, the dataset p_labels lists the sample ids (byte or UTF-8
// strings) and the groups p_addresses and p_timestamps hold, per id, the
// channel (0..63) and time in seconds of every event. A sample's label is
// the id's text after the last '-', its Speaker the text before it
// (e.g. "man-ae" for "man-ae-1"), its Meta["split"] the partition. Samples
// come in the order of the label lists.
//
// Times are rounded to whole microseconds. Events are sorted by time when
// the file holds them out of order (the HDF5 layout promises no order and
// the paper's raster binning does not depend on it). Channels outside 0..63,
// negative, non-finite or non-integral values and mismatched array lengths
// are errors naming the file and byte offset.
//
// Hostile files are bounded: anything but a regular file is refused by
// name; each sample's arrays are checked against opts.Limits before they
// are decoded; two ids whose arrays are the same HDF5 object are an error;
// the HDF5 reader reads no structure more than a few times and yields at
// most MaxExpansion× the file's size beyond its stored bytes (see
// events/internal/hdf5). ctx is checked between samples.
func ReadNTIDIGITS(ctx context.Context, path string, opts NTIDIGITSOptions) (*Dataset, error) {
	lim, err := opts.Limits.resolve()
	if err != nil {
		return nil, err
	}
	fh, size, err := OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("events: N-TIDIGITS: %w", err)
	}
	defer fh.Close()
	f, err := hdf5.NewFile(fh, size, path)
	if err != nil {
		return nil, ntidigitsErr(path, err)
	}
	f.SetLimits(hdf5.Limits{Dataset: lim.Sample, Expanded: lim.Container()})
	r := &ntidigitsReader{path: path, lim: lim, objects: map[int64]string{}}
	parts := []string{"train", "test"}
	switch opts.Split {
	case "":
	case "train", "test":
		parts = []string{opts.Split}
	default:
		return nil, fmt.Errorf("events: N-TIDIGITS: split %q is not train or test", opts.Split)
	}
	d := &Dataset{Sensor: CochleaAMS1bSensor, Classes: slices.Clone(NTIDIGITSClasses)}
	classIndex := map[string]int{}
	for i, c := range d.Classes {
		classIndex[c] = i
	}
	var multi []int // samples with a multi-digit label, labelled after sorting
	var multiLabel []string
	for _, part := range parts {
		labels, err := f.OpenDataset(part + "_labels")
		if err != nil {
			return nil, ntidigitsErr(path, err)
		}
		ids, err := labels.Strings()
		if err != nil {
			return nil, ntidigitsErr(path, err)
		}
		addrs, err := f.OpenGroup(part + "_addresses")
		if err != nil {
			return nil, ntidigitsErr(path, err)
		}
		times, err := f.OpenGroup(part + "_timestamps")
		if err != nil {
			return nil, ntidigitsErr(path, err)
		}
		for k, id := range ids {
			if k&0xff == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			i := strings.LastIndexByte(id, '-')
			label := id[i+1:]
			if label == "" {
				return nil, &FormatError{Format: formatNTIDIGITS, File: path, Offset: labels.ElementOffset(k),
					Msg: fmt.Sprintf("sample id %q has no label after its last '-'", id)}
			}
			li, single := classIndex[label]
			if !single && (!opts.All || len(label) == 1) {
				if len(label) == 1 {
					return nil, &FormatError{Format: formatNTIDIGITS, File: path, Offset: labels.ElementOffset(k),
						Msg: fmt.Sprintf("sample id %q: label %q is not one of z,1..9,o", id, label)}
				}
				continue // multi-digit sequence, not asked for
			}
			ev, err := r.sample(addrs, times, id)
			if err != nil {
				return nil, err
			}
			s := Sample{Label: li, ID: id, Events1D: ev, Meta: map[string]string{"split": part}}
			if i > 0 {
				s.Speaker = id[:i]
			}
			if !single {
				multi = append(multi, len(d.Samples))
				multiLabel = append(multiLabel, label)
			}
			d.Samples = append(d.Samples, s)
		}
	}
	if len(multi) > 0 {
		seqs := slices.Clone(multiLabel)
		sort.Strings(seqs)
		seqs = slices.Compact(seqs)
		for _, s := range seqs {
			classIndex[s] = len(d.Classes)
			d.Classes = append(d.Classes, s)
		}
		for k, i := range multi {
			d.Samples[i].Label = classIndex[multiLabel[k]]
		}
	}
	if len(d.Samples) == 0 {
		return nil, fmt.Errorf("events: N-TIDIGITS %s: no samples", path)
	}
	return d, nil
}

// ntidigitsReader holds the state of one ReadNTIDIGITS.
type ntidigitsReader struct {
	path    string
	lim     Limits
	objects map[int64]string // dataset header offset → the sample array that used it
	kept    int64            // memory of the events kept so far
}

func (r *ntidigitsReader) sample(addrs, times *hdf5.Group, id string) ([]Event1D, error) {
	path := r.path
	ad, err := addrs.Dataset(id)
	if err != nil {
		return nil, ntidigitsErr(path, err)
	}
	td, err := times.Dataset(id)
	if err != nil {
		return nil, ntidigitsErr(path, err)
	}
	for k, d := range []*hdf5.Dataset{ad, td} {
		use := fmt.Sprintf("sample %q's %s", id, [2]string{"addresses", "timestamps"}[k])
		if other, dup := r.objects[d.HeaderOffset()]; dup {
			return nil, &FormatError{Format: formatNTIDIGITS, File: path, Offset: d.HeaderOffset(),
				Msg: fmt.Sprintf("%s are the same HDF5 dataset as %s (each array must be its own)", use, other)}
		}
		r.objects[d.HeaderOffset()] = use
	}
	// Decoding takes 8 bytes per element of each array (float64) and 8
	// per event kept.
	n := int64(ad.Len())
	if need := mulLimit(n+int64(td.Len()), 8) + mulLimit(n, sizeEvent1D); need > r.lim.Sample || ad.Len() < 0 || td.Len() < 0 {
		return nil, limitErr(formatNTIDIGITS, path, ad.HeaderOffset(), fmt.Sprintf("sample %q (%d events)", id, n), need, r.lim.Sample)
	}
	if r.kept += mulLimit(n, sizeEvent1D); r.kept > r.lim.Container() {
		return nil, limitErr(formatNTIDIGITS, path, ad.HeaderOffset(), fmt.Sprintf("the events up to sample %q", id), r.kept, r.lim.Container())
	}
	ch, err := ad.Float64s()
	if err != nil {
		return nil, ntidigitsErr(path, err)
	}
	ts, err := td.Float64s()
	if err != nil {
		return nil, ntidigitsErr(path, err)
	}
	if len(ch) != len(ts) {
		return nil, &FormatError{Format: formatNTIDIGITS, File: path, Offset: td.ElementOffset(0),
			Msg: fmt.Sprintf("sample %q: %d addresses but %d timestamps", id, len(ch), len(ts))}
	}
	ev := make([]Event1D, len(ch))
	sorted := true
	for i := range ev {
		c, t := ch[i], ts[i]
		if !(c >= 0 && c < float64(CochleaAMS1bSensor.Channels)) || c != math.Trunc(c) {
			return nil, &FormatError{Format: formatNTIDIGITS, File: path, Offset: ad.ElementOffset(i),
				Msg: fmt.Sprintf("sample %q: address %v is not a channel 0..%d", id, c, CochleaAMS1bSensor.Channels-1)}
		}
		us := math.Round(t * 1e6)
		if !(us >= 0 && us <= math.MaxUint32) {
			return nil, &FormatError{Format: formatNTIDIGITS, File: path, Offset: td.ElementOffset(i),
				Msg: fmt.Sprintf("sample %q: timestamp %v s outside 0..4294 s", id, t)}
		}
		ev[i] = Event1D{T: uint32(us), Ch: uint16(c)}
		if i > 0 && ev[i].T < ev[i-1].T {
			sorted = false
		}
	}
	if !sorted {
		slices.SortStableFunc(ev, func(a, b Event1D) int { return cmp.Compare(a.T, b.T) })
	}
	return ev, nil
}

// ntidigitsErr turns an HDF5 reader error into a FormatError (same file and
// offset); other errors are wrapped.
func ntidigitsErr(path string, err error) error {
	var he *hdf5.Error
	if errors.As(err, &he) {
		if errors.Is(err, hdf5.ErrLimit) {
			return &FormatError{Format: formatNTIDIGITS, File: path, Offset: he.Offset, Err: ErrLimit,
				Msg: he.Msg + " (set " + LimitEnv + " to read larger data)"}
		}
		return &FormatError{Format: formatNTIDIGITS, File: path, Offset: he.Offset, Msg: he.Msg, Err: he.Err}
	}
	return fmt.Errorf("events: N-TIDIGITS: %w", err)
}
