package source

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

func init() {
	register("strokes", Motor, "pen trajectories of MNIST digits (DIR/<split>-padded-trailing.tar.gz) through the motor-cortex model", openStrokes)
}

// StrokesOptions select pen trajectories and set up their conversion. The
// zero value converts every training trajectory with the default
// motor-cortex model (convert.DefaultMotorParams) and DefaultSeed.
type StrokesOptions struct {
	// Split names the files read: "train" (the default) reads
	// DIR/train-padded-trailing.tar.gz and DIR/train-labels.tar.gz, "test"
	// the test- files, any other name NAME- files (events.StrokeFiles).
	Split string
	// PerClass keeps the first PerClass trajectories of each digit in file
	// order; 0 keeps all.
	PerClass int
	// Limit keeps the first Limit trajectories (after PerClass) in file
	// order; 0 keeps all.
	Limit int
	// Traced names the MNIST set whose digit i+1 trajectory i traces
	// ("train" or "test"), which gives each sample its instance
	// (events.MetaInstance "mnist-<Traced>-<i+1>"); "none" gives none (the
	// trajectories trace no MNIST digit, or not in file order); "" is the
	// split's name when that is train or test, else none.
	Traced string
	Options
}

// Strokes reads pen trajectories of MNIST digits in the layout of E. D. de
// Jong's "MNIST digits stroke sequence data" (events.ReadStrokes: each
// trajectory traces the skeleton of one MNIST digit; trajectory i of the
// train files is MNIST training digit i) and converts each, in parallel,
// into the threshold crossings of a simulated motor-cortex population
// writing it (convert.MotorModel: 192 channels in 201 bins of 10 ms, the
// format of Willett et al. 2021's handwriting data). Classes are "0".."9";
// a sample's ID is "strokes-<split>-<i>" with i the 0-based index in the
// files; its Meta holds "split", "index", "strokes" (pen-down strokes),
// "length_px" (the pen's path), "seed" and, unless opts.Traced is "none",
// events.MetaInstance "mnist-<traced>-<i+1>", the ID of the same digit in
// source mnist: (so an experiment can keep a trajectory away from the
// image it was traced from).
func Strokes(ctx context.Context, dir string, opts StrokesOptions) (*events.Dataset, error) {
	if dir == "" {
		return nil, fmt.Errorf("source: strokes: no folder given (strokes:DIR)")
	}
	split := opts.Split
	if split == "" {
		split = "train"
	}
	if opts.PerClass < 0 || opts.Limit < 0 {
		return nil, fmt.Errorf("source: strokes: per_class %d or limit %d is negative", opts.PerClass, opts.Limit)
	}
	traced := opts.Traced
	if traced == "" {
		traced = "none"
		if split == "train" || split == "test" {
			traced = split
		}
	}
	if traced != "train" && traced != "test" && traced != "none" {
		return nil, fmt.Errorf("source: strokes: traced %q is not train, test or none", traced)
	}
	params := opts.motor()
	model, err := convert.NewMotorModel(params)
	if err != nil {
		return nil, err
	}
	var n [10]int
	kept := 0
	set, err := events.ReadStrokes(ctx, dir, split, func(i, label int) bool {
		if opts.Limit > 0 && kept >= opts.Limit || opts.PerClass > 0 && n[label] >= opts.PerClass {
			return false
		}
		n[label]++
		kept++
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if len(set.Trajectories) == 0 {
		return nil, fmt.Errorf("source: strokes: %s: nothing selected", set.Files[0])
	}
	d := &events.Dataset{Classes: digitNames(), Sensor: model.Sensor(), Samples: make([]events.Sample, len(set.Index))}
	for k, i := range set.Index {
		t := &set.Trajectories[k]
		d.Samples[k] = events.Sample{Label: set.Labels[i], ID: fmt.Sprintf("strokes-%s-%d", split, i),
			Meta: map[string]string{"split": split, "index": strconv.Itoa(i), "strokes": strconv.Itoa(t.Strokes()),
				"length_px": strconv.FormatFloat(t.Length(), 'f', 1, 64)}}
		if traced != "none" {
			d.Samples[k].Meta[events.MetaInstance] = fmt.Sprintf("mnist-%s-%d", traced, i+1)
		}
	}
	base := opts.seed()
	prog := startProgress(ctx, "converting trajectories", len(d.Samples))
	err = convertAll(ctx, len(d.Samples), opts.Workers, prog, func(k int) error {
		s := &d.Samples[k]
		seed := SampleSeed(base, s.ID)
		s.Meta["seed"] = seedString(seed)
		s.Events1D = model.Convert(&set.Trajectories[k], seed)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// openStrokes opens "strokes:DIR". Options: split=train|test (or another
// NAME with DIR/NAME-padded-trailing… files), per_class=N, limit=N,
// traced=train|test|none, seed=N and workers=N as for fsdd:.
func openStrokes(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	if err := checkOptions("strokes", query, "split", "per_class", "limit", "traced", "seed", "workers"); err != nil {
		return nil, err
	}
	switch t := query.Get("traced"); t {
	case "", "train", "test", "none":
	default:
		return nil, specErrorf("source: strokes: traced=%q: want train, test or none (the MNIST set trajectory i traces digit i+1 of)", t)
	}
	if path == "" {
		return nil, specErrorf("source: strokes: give the folder of the stroke files, strokes:DIR")
	}
	opts := StrokesOptions{Split: query.Get("split"), Traced: query.Get("traced"), Options: *o}
	if query.Has("split") && (opts.Split == "" || !validSplit(opts.Split)) {
		return nil, specErrorf("source: strokes: split=%q: want train, test or the NAME of DIR/NAME-padded-trailing.tar.gz", opts.Split)
	}
	var err error
	if opts.PerClass, err = nonNegInt("strokes", query, "per_class", 0); err != nil {
		return nil, err
	}
	if opts.Limit, err = nonNegInt("strokes", query, "limit", 0); err != nil {
		return nil, err
	}
	if err := conversionOptions("strokes", query, &opts.Options); err != nil {
		return nil, err
	}
	return Strokes(ctx, path, opts)
}

// validSplit reports whether a split name can be part of a file name.
func validSplit(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' && s != "." && s != "..") {
			return false
		}
	}
	return true
}
