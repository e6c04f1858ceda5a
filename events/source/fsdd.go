package source

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/events"
)

func init() {
	register("fsdd", Cochlea, "<digit>_<speaker>_<index>.wav files through the cochlea model", openFSDD)
}

// FSDDOptions selects the recordings of an FSDD folder and sets up their
// conversion. The zero value converts every recording with the default
// cochlea model.
type FSDDOptions struct {
	// Speakers keeps only these speakers (all if empty); Exclude drops
	// these.
	Speakers, Exclude []string
	// Split keeps FSDD's official partition: "test" (repetitions 0–4) or
	// "train" (5–49); "" keeps both.
	Split string
	// PerClass keeps the first PerClass recordings of each digit in
	// events.ListFSDD order (speakers take turns); 0 keeps all.
	PerClass int
	// Options set up the conversion: the cochlea model, the base seed
	// (mixed with each file's name into the seed of its conversion, so a
	// recording converts to the same events whatever else is selected;
	// DefaultSeed if nil) and the workers.
	Options
}

// FSDD reads a folder of spoken digits named "<digit>_<speaker>_<index>.wav"
// (the Free Spoken Digit Dataset layout; see events.ListFSDD) and converts
// each recording to cochlea events in parallel. Classes are "0".."9"; each
// sample's Speaker is the speaker of its file name, its ID the file name
// without ".wav", and its Meta holds "file", "split" (FSDD's official
// partition), "index", "rate" and "seed".
func FSDD(ctx context.Context, dir string, opts FSDDOptions) (*events.Dataset, error) {
	files, err := events.ListFSDD(dir)
	if err != nil {
		return nil, err
	}
	files, err = selectFSDD(files, opts)
	if err != nil {
		return nil, fmt.Errorf("source: fsdd: %s: %w", dir, err)
	}
	d := &events.Dataset{Classes: digitNames(), Samples: make([]events.Sample, len(files))}
	for i, f := range files {
		d.Samples[i] = events.Sample{
			Label: f.Digit, ID: strings.TrimSuffix(filepath.Base(f.Path), ".wav"), Speaker: f.Speaker,
			Meta: map[string]string{"file": f.Path, "split": f.Split(), "index": strconv.Itoa(f.Index)},
		}
	}
	return cached(ctx, &opts.Options, cacheKey{Scheme: "fsdd", Selection: dir, Params: opts.audioKey()}, filePaths(d),
		func() (*events.Dataset, error) { return convertAudio(ctx, d, &opts.Options) })
}

// selectFSDD applies the speaker, split and per-class selections.
func selectFSDD(files []events.FSDDFile, opts FSDDOptions) ([]events.FSDDFile, error) {
	switch opts.Split {
	case "", "train", "test":
	default:
		return nil, fmt.Errorf("split %q is not train or test", opts.Split)
	}
	if opts.PerClass < 0 {
		return nil, fmt.Errorf("per_class %d is negative", opts.PerClass)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[f.Speaker] = true
	}
	for _, s := range append(slices.Clone(opts.Speakers), opts.Exclude...) {
		if !have[s] {
			return nil, fmt.Errorf("no recordings of speaker %q (have %s)", s, strings.Join(speakerNames(have), ", "))
		}
	}
	var kept []events.FSDDFile
	perClass := map[int]int{}
	for _, f := range files {
		if len(opts.Speakers) > 0 && !slices.Contains(opts.Speakers, f.Speaker) ||
			slices.Contains(opts.Exclude, f.Speaker) ||
			opts.Split != "" && f.Split() != opts.Split ||
			opts.PerClass > 0 && perClass[f.Digit] >= opts.PerClass {
			continue
		}
		perClass[f.Digit]++
		kept = append(kept, f)
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("no recordings left after the selection")
	}
	return kept, nil
}

// openFSDD opens "fsdd:DIR". Options: speakers=a,b keeps those speakers,
// exclude=a,b drops them, split=train|test keeps FSDD's official partition,
// per_class=N the first N recordings of each digit, seed=N changes the
// conversion seed (default DefaultSeed), workers=N the parallelism;
// perturb=CHAIN perturbs every recording first (audio.ParseChain, e.g.
// perturb=level=-20dB,noise=20dB) with perturb_seed=N drawing its noise,
// endpoint=on|off switches endpoint detection, keep_audio=1 keeps the
// waveforms (Options).
func openFSDD(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	if err := checkOptions("fsdd", query, append([]string{"speakers", "exclude", "split", "per_class", "seed", "workers"}, audioKeys...)...); err != nil {
		return nil, err
	}
	opts := FSDDOptions{Split: query.Get("split"), Options: *o}
	switch opts.Split {
	case "", "train", "test":
	default:
		return nil, specErrorf("source: fsdd: split=%q is not train or test", opts.Split)
	}
	var err error
	if opts.Speakers, err = splitList("fsdd", query, "speakers"); err != nil {
		return nil, err
	}
	if opts.Exclude, err = splitList("fsdd", query, "exclude"); err != nil {
		return nil, err
	}
	if opts.PerClass, err = nonNegInt("fsdd", query, "per_class", 0); err != nil {
		return nil, err
	}
	if err := conversionOptions("fsdd", query, &opts.Options); err != nil {
		return nil, err
	}
	if err := audioOptions("fsdd", query, &opts.Options); err != nil {
		return nil, err
	}
	return FSDD(ctx, path, opts)
}

func speakerNames(m map[string]bool) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// digitNames returns the class names "0".."9".
func digitNames() []string {
	c := make([]string, 10)
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}
