package source

import (
	"strconv"

	"context"
	"errors"
	"fmt"
	"github.com/memlsm/memlsm/audio"
	"net/url"
	"sort"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// ErrSpec marks an error in a source spec itself — an unknown scheme or
// option, a malformed value — as opposed to a failure to read the data.
// Such errors are found before any file is read; a command reports them
// as usage errors (errors.Is(err, ErrSpec)).
var ErrSpec = errors.New("bad data source")

// specError is an error of the spec: it reads as its message and
// matches ErrSpec.
type specError struct{ msg string }

func (e *specError) Error() string        { return e.msg }
func (e *specError) Is(target error) bool { return target == ErrSpec }

// specErrorf returns an error that matches ErrSpec.
func specErrorf(format string, args ...any) error {
	return &specError{fmt.Sprintf(format, args...)}
}

// Converter names the sensor model a scheme converts its recordings with.
type Converter string

// The converters of the converting schemes; the other schemes read events
// that a real sensor recorded.
const (
	NoConverter Converter = ""
	Cochlea     Converter = "cochlea" // audio → 1-D events (convert.CochleaModel)
	Saccade     Converter = "saccade" // images → 2-D events (convert.SaccadeModel)
	// Rate is the rate code of the neural↔visual (BTV) image encoder
	// (convert.RateCode): images → one ON event per spike, per step. The
	// image schemes use it with the option code=rate.
	Rate Converter = "rate"
	// Motor is the motor-cortex population of convert.MotorModel: pen
	// trajectories (strokes:) → threshold crossings on 192 channels.
	Motor Converter = "motor"
)

// DefaultSeed is the base seed of every conversion (fsdd:, wav:, mnist:,
// png:, and "memlsm data convert"), mixed with each recording's name into
// the seed of its conversion. Any fixed value would do; 2025 is the one
// fsdd: has always used, so results measured on fsdd: sources stay as they
// were.
const DefaultSeed = 2025

// Options set up the conversions of the converting schemes (fsdd:, wav:,
// mnist:, png:). The zero value converts with the default sensor models
// (convert.DefaultCochleaParams, convert.DefaultSaccadeParams) and
// DefaultSeed, on every CPU. Options in the spec ("seed=N", "workers=N")
// win over these fields.
type Options struct {
	// Seed is the base seed of the conversions; nil means DefaultSeed.
	Seed *uint64
	// Cochlea and Saccade replace the default models of audio and image
	// conversions; nil keeps the default.
	Cochlea *convert.CochleaParams
	Saccade *convert.SaccadeParams
	// ImageCode is how the image schemes (mnist:, png:) turn an image into
	// events: Saccade ("" too) or Rate; the spec's code=saccade|rate wins.
	// Rate codes with the BTV defaults unless RateCode is set.
	ImageCode Converter
	RateCode  *convert.RateParams
	// Motor replaces the default motor-cortex model of pen-trajectory
	// conversions (strokes:); nil keeps convert.DefaultMotorParams.
	Motor *convert.MotorParams
	// Workers converts this many recordings at once; 0 means GOMAXPROCS.
	Workers int
	// NoCache converts afresh and leaves the cache alone (see Cache).
	NoCache bool

	// Perturb changes every audio recording in the time domain before the
	// cochlea hears it (audio.Chain: level, tempo, speed, noise, pad), to
	// measure robustness; empty converts the recordings as they are.
	// PerturbSeed is mixed with each recording's name into the seed of its
	// perturbation (the noise), so a perturbed recording is the same
	// whatever else is selected, and another seed draws other noise.
	Perturb     audio.Chain
	PerturbSeed uint64
	// Endpoint overrides the cochlea's endpoint detection: "on" (with
	// audio.DefaultEndpointParams unless the cochlea sets its own), "off",
	// or "" to keep the cochlea's setting.
	Endpoint string
	// KeepAudio keeps in each audio sample the waveform the cochlea heard
	// (after perturbation and endpoint detection), for front ends that
	// work on audio (events.Sample.Audio, the MFCC baseline).
	KeepAudio bool
}

// seed returns the base seed the options ask for.
func (o *Options) seed() uint64 {
	if o == nil || o.Seed == nil {
		return DefaultSeed
	}
	return *o.Seed
}

func (o *Options) cochlea() convert.CochleaParams {
	p := convert.DefaultCochleaParams()
	if o != nil && o.Cochlea != nil {
		p = *o.Cochlea
	}
	if o != nil {
		switch o.Endpoint {
		case "on":
			if p.Endpoint == nil {
				ep := audio.DefaultEndpointParams()
				p.Endpoint = &ep
			}
		case "off":
			p.Endpoint = nil
		}
	}
	return p
}

func (o *Options) saccade() convert.SaccadeParams {
	if o == nil || o.Saccade == nil {
		return convert.DefaultSaccadeParams()
	}
	return *o.Saccade
}

func (o *Options) motor() convert.MotorParams {
	if o == nil || o.Motor == nil {
		return convert.DefaultMotorParams()
	}
	return *o.Motor
}

// Seed returns a pointer to s, for Options.Seed.
func Seed(s uint64) *uint64 { return &s }

// scheme is one registered scheme: how it opens, and the converter it
// uses (NoConverter for recorded events).
type scheme struct {
	open      opener
	converter Converter
	summary   string
}

// opener opens one scheme's data source. path is the part after "scheme:"
// and before "?"; query holds the options after "?"; opts is never nil.
type opener func(ctx context.Context, path string, query url.Values, opts *Options) (*events.Dataset, error)

// schemes maps a scheme name to its opener. Files of this package register
// their schemes in init.
var schemes = map[string]scheme{}

func register(name string, c Converter, summary string, open opener) {
	if _, dup := schemes[name]; dup {
		panic("source: scheme registered twice: " + name)
	}
	schemes[name] = scheme{open: open, converter: c, summary: summary}
}

// lazyOpener opens one scheme's data source as a stream that makes each
// sample's events when it is read.
type lazyOpener func(ctx context.Context, path string, query url.Values, opts *Options) (events.Stream, error)

// lazySchemes maps a scheme name to its lazy opener, for the schemes that
// have one (OpenStream).
var lazySchemes = map[string]lazyOpener{}

func registerLazy(name string, open lazyOpener) {
	if _, ok := schemes[name]; !ok {
		panic("source: lazy opener for an unregistered scheme: " + name)
	}
	lazySchemes[name] = open
}

// OpenStream opens the data source named by spec as an events.Stream: for
// the schemes that convert images (mnist:, png:) a stream that converts
// each sample when it is read (events.Lazy), so that a pipeline binning
// the samples as they come never holds all their events; for the other
// schemes the dataset Open returns. Either way the samples, their order
// and their events are those of OpenWith(ctx, spec, opts). A lazy stream
// neither reads nor fills the conversion cache: a cached dataset is loaded
// whole, which is what the stream exists to avoid.
func OpenStream(ctx context.Context, spec string, opts Options) (events.Stream, error) {
	name, path, query, err := parse(spec)
	if err != nil {
		return nil, err
	}
	open, ok := lazySchemes[name]
	if !ok {
		return OpenWith(ctx, spec, opts)
	}
	s, err := open(ctx, path, query, &opts)
	if err != nil {
		return nil, err
	}
	s.Index().Name = spec
	return s, nil
}

// Open opens the data source named by spec, "scheme:path[?key=value&...]",
// e.g. "nmnist:../data/NMNISTsmall", "fsdd:recordings?speakers=theo,george",
// "embedded:images", converting recordings with the default models and
// DefaultSeed. It is OpenWith with zero Options.
func Open(ctx context.Context, spec string) (*events.Dataset, error) {
	return OpenWith(ctx, spec, Options{})
}

// OpenWith opens the data source named by spec with the conversion set up
// by opts. Errors in the spec itself match ErrSpec and are found before
// any data is read.
func OpenWith(ctx context.Context, spec string, opts Options) (*events.Dataset, error) {
	name, path, query, err := parse(spec)
	if err != nil {
		return nil, err
	}
	d, err := schemes[name].open(ctx, path, query, &opts)
	if err != nil {
		return nil, err
	}
	d.Name = spec
	return d, nil
}

// parse splits a spec into its registered scheme, path and options.
func parse(spec string) (name, path string, query url.Values, err error) {
	name, rest, ok := strings.Cut(spec, ":")
	if !ok || name == "" {
		return "", "", nil, specErrorf("source: %q is not scheme:path (schemes: %s)", spec, strings.Join(Schemes(), ", "))
	}
	if _, ok := schemes[name]; !ok {
		hint := ""
		if s := closest(name, Schemes()); s != "" {
			hint = fmt.Sprintf("; did you mean %s:?", s)
		}
		return "", "", nil, specErrorf("source: unknown scheme %q in %q (schemes: %s)%s", name, spec, strings.Join(Schemes(), ", "), hint)
	}
	path, rawQuery, _ := strings.Cut(rest, "?")
	if query, err = url.ParseQuery(rawQuery); err != nil {
		return "", "", nil, specErrorf("source: bad options %q in %q: %v", rawQuery, spec, err)
	}
	return name, path, query, nil
}

// ConverterOf returns the converter the spec's scheme uses (NoConverter
// for recorded events), or an error matching ErrSpec for a malformed
// spec. It reads nothing.
func ConverterOf(spec string) (Converter, error) {
	name, _, query, err := parse(spec)
	if err != nil {
		return NoConverter, err
	}
	c := schemes[name].converter
	if c == Saccade && query.Get("code") == string(Rate) {
		return Rate, nil
	}
	return c, nil
}

// Schemes lists the registered schemes, sorted.
func Schemes() []string {
	s := make([]string, 0, len(schemes))
	for k := range schemes {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Summary returns a one-line description of a registered scheme.
func Summary(name string) string { return schemes[name].summary }

// WithOptions returns spec with the options kv (key, value, key, value…)
// set, replacing any the spec already gives: e.g. the same recordings
// perturbed, WithOptions("fsdd:DIR?speakers=theo", "perturb",
// "level=-20dB") → "fsdd:DIR?perturb=level%3D-20dB&speakers=theo".
func WithOptions(spec string, kv ...string) (string, error) {
	if len(kv)%2 != 0 {
		return "", fmt.Errorf("source: WithOptions needs key, value pairs, got %d strings", len(kv))
	}
	name, path, query, err := parse(spec)
	if err != nil {
		return "", err
	}
	for i := 0; i < len(kv); i += 2 {
		query.Set(kv[i], kv[i+1])
	}
	return name + ":" + path + "?" + query.Encode(), nil
}

// OpenPerturbed opens spec's recordings perturbed in the time domain
// before conversion (audio.Chain, seeded per recording from seed) with the
// conversion set up by opts: the same samples in the same order as
// OpenWith(spec, opts), each as a new recording would have changed it.
// Only sources that convert audio (fsdd:, wav:) take a perturbation.
func OpenPerturbed(ctx context.Context, spec string, chain audio.Chain, seed uint64, opts Options) (*events.Dataset, error) {
	c, err := ConverterOf(spec)
	if err != nil {
		return nil, err
	}
	if c != Cochlea {
		return nil, specErrorf("source: %q: only sources of audio converted by the cochlea (fsdd:, wav:) can be perturbed", spec)
	}
	s, err := WithOptions(spec, "perturb", chain.String(), "perturb_seed", strconv.FormatUint(seed, 10))
	if err != nil {
		return nil, err
	}
	return OpenWith(ctx, s, opts)
}
