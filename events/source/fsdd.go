package source

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

func init() {
	schemes["fsdd"] = openFSDD
}

// Progress receives the progress of slow work inside Open (converting audio
// or images to events): Add(n) after n more samples, Done once at the end.
// *progress.Bar of internal/progress satisfies it.
type Progress interface {
	Add(n int)
	Done()
}

type progressKey struct{}

// WithProgress returns a context under which Open reports the progress of
// its slow conversions (fsdd:, embedded:images) by calling start(desc,
// total) and then the returned Progress (which may be nil). Package source
// draws nothing itself, so it stays free of terminal concerns; a command
// passes a function that draws a bar on its stderr.
func WithProgress(ctx context.Context, start func(desc string, total int) Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, start)
}

// startProgress starts the progress report of ctx, if any.
func startProgress(ctx context.Context, desc string, total int) Progress {
	if start, ok := ctx.Value(progressKey{}).(func(string, int) Progress); ok && start != nil {
		return start(desc, total)
	}
	return nil
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
	// Cochlea is the converter's model; nil means
	// convert.DefaultCochleaParams.
	Cochlea *convert.CochleaParams
	// Seed is mixed with each file's name into the seed of its
	// conversion, so a recording converts to the same events whatever
	// else is selected.
	Seed uint64
	// Workers converts this many files at once; 0 means GOMAXPROCS.
	Workers int

	// Perturb changes every recording in the time domain before the
	// cochlea hears it (audio.Chain: level, tempo, speed, noise, pad), to
	// measure robustness; empty converts the recordings as they are.
	// PerturbSeed is mixed with each file's name into the seed of its
	// perturbation (the noise), so a perturbed recording is the same
	// whatever else is selected, and another seed draws other noise.
	Perturb     audio.Chain
	PerturbSeed uint64
	// Endpoint overrides the cochlea's endpoint detection: "on" (with
	// audio.DefaultEndpointParams unless the cochlea sets its own), "off",
	// or "" to keep the cochlea's setting.
	Endpoint string
	// KeepAudio keeps in each sample the waveform the cochlea heard
	// (after perturbation and endpoint detection), for front ends that
	// work on audio (Sample.Audio).
	KeepAudio bool
}

// DefaultFSDDSeed is the conversion seed of fsdd: sources (any fixed value).
const DefaultFSDDSeed = 2025

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
	params := convert.DefaultCochleaParams()
	if opts.Cochlea != nil {
		params = *opts.Cochlea
	}
	switch opts.Endpoint {
	case "":
	case "on":
		if params.Endpoint == nil {
			ep := audio.DefaultEndpointParams()
			params.Endpoint = &ep
		}
	case "off":
		params.Endpoint = nil
	default:
		return nil, fmt.Errorf("source: fsdd: endpoint %q is not on or off", opts.Endpoint)
	}
	model, err := convert.NewCochleaModel(params)
	if err != nil {
		return nil, err
	}
	sensor := convert.CochleaSensor
	sensor.Channels = params.Channels
	d := &events.Dataset{Sensor: sensor, Classes: digitNames(), Samples: make([]events.Sample, len(files))}
	prog := startProgress(ctx, "converting audio", len(files))
	err = convertAll(ctx, len(files), opts.Workers, prog, func(i int) error {
		f := files[i]
		samples, rate, err := events.ReadWAVFile(f.Path)
		if err != nil {
			return err
		}
		id := strings.TrimSuffix(filepath.Base(f.Path), ".wav")
		seed := fileSeed(opts.Seed, id)
		meta := map[string]string{
			"file": f.Path, "split": f.Split(), "index": strconv.Itoa(f.Index),
			"rate": strconv.Itoa(rate), "seed": strconv.FormatUint(seed, 10),
		}
		if len(opts.Perturb) > 0 {
			if samples, err = opts.Perturb.Apply(samples, rate, fileSeed(opts.PerturbSeed, id)); err != nil {
				return fmt.Errorf("source: fsdd: %s: %w", f.Path, err)
			}
			meta["perturb"] = opts.Perturb.String()
		}
		ev, err := model.Convert(samples, rate, seed) // endpoint detection inside
		if err != nil {
			return fmt.Errorf("source: fsdd: %s: %w", f.Path, err)
		}
		d.Samples[i] = events.Sample{Label: f.Digit, ID: id, Speaker: f.Speaker, Events1D: ev, Meta: meta}
		if opts.KeepAudio {
			heard := model.Trim(samples, rate)
			w := &events.Waveform{Rate: rate, Samples: make([]float32, len(heard))}
			for k, v := range heard {
				w.Samples[k] = float32(v)
			}
			d.Samples[i].Audio = w
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
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

// fileSeed mixes a base seed with a recording's name (FNV-1a), so that a
// recording's conversion does not depend on the rest of the selection.
func fileSeed(base uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() ^ base*0x9e3779b97f4a7c15
}

// openFSDD opens "fsdd:DIR". Options: speakers=a,b keeps those speakers,
// exclude=a,b drops them, split=train|test keeps FSDD's official partition,
// per_class=N the first N recordings of each digit, seed=N changes the
// conversion seed (default DefaultFSDDSeed), workers=N the parallelism;
// perturb=CHAIN perturbs every recording first (audio.ParseChain, e.g.
// perturb=level=-20dB,noise=20dB) with perturb_seed=N (default 0) drawing
// its noise, endpoint=on|off switches endpoint detection, keep_audio=1
// keeps the waveforms (FSDDOptions).
func openFSDD(ctx context.Context, path string, query url.Values) (*events.Dataset, error) {
	if err := checkOptions("fsdd", query, "speakers", "exclude", "split", "per_class", "seed", "workers",
		"perturb", "perturb_seed", "endpoint", "keep_audio"); err != nil {
		return nil, err
	}
	opts := FSDDOptions{Split: query.Get("split"), Seed: DefaultFSDDSeed, Endpoint: query.Get("endpoint")}
	var err error
	if opts.Perturb, err = audio.ParseChain(query.Get("perturb")); err != nil {
		return nil, fmt.Errorf("source: fsdd: %w", err)
	}
	if query.Has("perturb_seed") {
		if opts.PerturbSeed, err = strconv.ParseUint(query.Get("perturb_seed"), 10, 64); err != nil {
			return nil, fmt.Errorf("source: fsdd: perturb_seed=%q is not an unsigned integer", query.Get("perturb_seed"))
		}
	}
	if opts.KeepAudio, err = boolOption("fsdd", query, "keep_audio"); err != nil {
		return nil, err
	}
	if opts.Speakers, err = splitList("fsdd", query, "speakers"); err != nil {
		return nil, err
	}
	if opts.Exclude, err = splitList("fsdd", query, "exclude"); err != nil {
		return nil, err
	}
	if opts.PerClass, err = nonNegInt("fsdd", query, "per_class", 0); err != nil {
		return nil, err
	}
	if opts.Workers, err = nonNegInt("fsdd", query, "workers", 0); err != nil {
		return nil, err
	}
	if query.Has("seed") {
		if opts.Seed, err = strconv.ParseUint(query.Get("seed"), 10, 64); err != nil {
			return nil, fmt.Errorf("source: fsdd: seed=%q is not an unsigned integer", query.Get("seed"))
		}
	}
	return FSDD(ctx, path, opts)
}

// splitList parses a comma-separated option ("a,b"); absent is nil.
func splitList(scheme string, query url.Values, key string) ([]string, error) {
	if !query.Has(key) {
		return nil, nil
	}
	var out []string
	for _, s := range strings.Split(query.Get(key), ",") {
		if s = strings.TrimSpace(s); s == "" {
			return nil, fmt.Errorf("source: %s: empty name in %s=%q", scheme, key, query.Get(key))
		}
		out = append(out, s)
	}
	return out, nil
}

// nonNegInt parses a non-negative integer option, def when absent.
func nonNegInt(scheme string, query url.Values, key string, def int) (int, error) {
	if !query.Has(key) {
		return def, nil
	}
	n, err := strconv.Atoi(query.Get(key))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("source: %s: %s=%q is not a non-negative integer", scheme, key, query.Get(key))
	}
	return n, nil
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

// convertAll runs do(0..n-1) on workers goroutines (GOMAXPROCS if ≤ 0),
// reporting each finished index to prog. It stops at the first error or
// when ctx is done, and returns that error.
func convertAll(ctx context.Context, n, workers int, prog Progress, do func(i int) error) error {
	if prog != nil {
		defer prog.Done()
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				if err := do(i); err != nil {
					fail(err)
					return
				}
				if prog != nil {
					prog.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
