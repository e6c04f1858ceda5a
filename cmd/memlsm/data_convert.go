package main

// memlsm data convert: audio and images → events through memlsm's sensor
// models (events/convert), written in the compact event format (.mev).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/cli"
)

func init() {
	dataGroup.Register(cli.Command{Name: "convert", Summary: "convert audio (cochlea), images (saccades, rate code) or pen trajectories (motor cortex) to events in the compact format", Run: runDataConvert})
}

const dataConvertUsage = `data convert IN --out FILE.mev [--seed N] [converter flags] [--json]

Converts recordings to events with memlsm's sensor models and writes them in
the compact event format (read back with mev:FILE.mev). IN is one of

  fsdd:DIR[?speakers=a,b&exclude=c&split=train|test&per_class=N]
          WAV files named <digit>_<speaker>_<index>.wav → cochlea events
  wav:DIR[?per_class=N]
          WAV files in class folders DIR/<class>/*.wav, or the AudioMNIST
          tree DIR/<speaker>/<digit>_<speaker>_<i>.wav → cochlea events
  mnist:train|test[?per_class=N&limit=N]   or   mnist:DIR?set=train|test&...
          MNIST digits (the idx files of the GoMNIST module, or of DIR)
          → saccade events; per_class keeps the first N of each digit,
          limit the first N in MNIST order
  png:DIR[?per_class=N]
          grey PNG images in class folders DIR/<class>/*.png → saccade
          events; grey 255 is ink, as in MNIST's files
  strokes:DIR[?split=train|test&per_class=N&limit=N]
          pen trajectories of MNIST digits → threshold crossings of a
          simulated motor-cortex population (192 channels, 10 ms bins)

Every sample's seed mixes --seed (default %d, the seed every source
converts with, so mev:FILE gives exactly the events of IN) with its name,
so a recording converts to the same events whatever else is converted with
it. --params FILE.json loads a whole parameter set (the JSON of
convert.SaccadeParams, convert.CochleaParams, convert.RateParams or
convert.MotorParams); the flags below override single fields.`

// dataConvertResult is the output of data convert --json.
type dataConvertResult struct {
	Source      string         `json:"source"`
	Out         string         `json:"out"`
	Converter   string         `json:"converter"` // "cochlea" or "saccade"
	Samples     int            `json:"samples"`
	Classes     []string       `json:"classes"`
	ClassCounts map[string]int `json:"class_counts"`
	Events      int64          `json:"events"`
	Bytes       int            `json:"bytes"`
	Seed        uint64         `json:"seed"`
	Params      any            `json:"params"`
}

// converterFlags are the flags that set single fields of a converter's
// parameters (convert.SetParam keys); --threshold sets both thresholds.
var converterFlags = []struct {
	name string
	conv source.Converter
	keys []string
	help string
}{
	{"threshold", source.Saccade, []string{"threshold_on", "threshold_off"}, "images: contrast threshold of the pixels, ln-intensity units (ON and OFF)"},
	{"black-level", source.Saccade, []string{"black_level"}, "images: display black level relative to white (1/contrast)"},
	{"blur", source.Saccade, []string{"blur_px"}, "images: σ of the optical blur in pixels"},
	{"mismatch", source.Saccade, []string{"threshold_mismatch"}, "images: relative σ of the per-pixel thresholds"},
	{"pixel-noise", source.Saccade, []string{"noise_rate_hz"}, "images: background events per pixel per second, e.g. 0.1Hz"},
	{"channels", source.Cochlea, []string{"channels"}, "audio: cochlea channels"},
	{"freq-low", source.Cochlea, []string{"freq_low_hz"}, "audio: best frequency of the last channel, e.g. 100Hz"},
	{"freq-high", source.Cochlea, []string{"freq_high_hz"}, "audio: best frequency of channel 0, e.g. 8kHz"},
	{"tap-q", source.Cochlea, []string{"tap_q"}, "audio: quality factor of the channels' band-pass filters"},
	{"level", source.Cochlea, []string{"level_db"}, "audio: active speech level (ITU-T P.56) recordings are scaled to, dB"},
	{"half-sat", source.Cochlea, []string{"half_sat"}, "audio: half-saturation level of the hair-cell compression"},
	{"max-rate", source.Cochlea, []string{"rate_hz"}, "audio: ganglion-cell drive at saturation, e.g. 500Hz"},
	{"channel-noise", source.Cochlea, []string{"noise_rate_hz"}, "audio: spontaneous events per channel per second"},
}

// converterParams builds the converter's parameters: the defaults, or the
// --params file, then the single-field flags.
func converterParams(conv source.Converter, file string, set map[string]string) (any, error) {
	var sets [][2]string
	for _, f := range converterFlags {
		if v, ok := set[f.name]; ok {
			if f.conv != conv {
				return nil, usagef("--%s applies to %s conversions, not %s", f.name, f.conv, conv)
			}
			for _, k := range f.keys {
				sets = append(sets, [2]string{k, v})
			}
		}
	}
	return convert.NewParams(string(conv), file, sets)
}

func runDataConvert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data convert", fmt.Sprintf(dataConvertUsage, source.DefaultSeed))
	out := fs.String("out", "", "compact event file to write (required)")
	seed := fs.Uint64("seed", source.DefaultSeed, "base seed of the conversions (recorded in the output)")
	workers := fs.Int("workers", 0, "conversions in parallel (0: one per CPU)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	var rf runFlags
	rf.register(fs)
	paramsFile := fs.String("params", "", "JSON file of converter parameters (defaults: the N-MNIST / N-TIDIGITS models)")
	set := map[string]string{}
	for _, f := range converterFlags {
		fs.Func(f.name, f.help, func(v string) error { set[f.name] = v; return nil })
	}
	arg, err := fs.ParseOne(args, stdout, "IN")
	if err != nil {
		return err
	}
	switch {
	case *out == "":
		return usagef("--out FILE.mev is required")
	case !strings.EqualFold(filepath.Ext(*out), ".mev"):
		return usagef("--out %s: data convert writes memlsm's compact event format, FILE.mev (read it back as mev:FILE.mev)", *out)
	case *workers < 0:
		return usagef("--workers must not be negative")
	}
	spec := arg
	if err := cli.CheckSources([]string{spec, *paramsFile}, cli.Out{Flag: "out", Path: *out}); err != nil {
		return err
	}
	conv, err := source.ConverterOf(spec)
	if err != nil {
		return err
	}
	if conv == source.NoConverter {
		return usagef("%s reads recorded events; data convert converts recordings: fsdd:, wav:, mnist:, png:", spec)
	}
	params, err := converterParams(conv, *paramsFile, set)
	if err != nil {
		return cli.WithCmd("memlsm data convert", err)
	}
	opts := source.Options{Seed: seed, Workers: *workers, NoCache: rf.noCache}
	opts.Cochlea, _ = params.(*convert.CochleaParams)
	opts.Saccade, _ = params.(*convert.SaccadeParams)
	opts.RateCode, _ = params.(*convert.RateParams)
	opts.Motor, _ = params.(*convert.MotorParams)
	d, err := source.OpenWith(source.WithProgress(ctx, progressStart(rf.stderr(stderr))), spec, opts)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := events.WriteDataset(&buf, d); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes()); err != nil {
		return fmt.Errorf("data convert: %w", err)
	}
	sum := d.Summarize(spec)
	r := dataConvertResult{Source: spec, Out: *out, Converter: string(conv), Samples: sum.Samples, Classes: sum.Classes,
		ClassCounts: sum.ClassCounts, Bytes: buf.Len(), Seed: *seed, Params: params, Events: sum.Events}
	if *asJSON {
		return cli.WriteJSON(stdout, r)
	}
	fmt.Fprintf(stderr, "%s: %d samples, %d events (%s model, seed %d) → %s (%d bytes)\n",
		spec, r.Samples, r.Events, conv, *seed, *out, r.Bytes)
	return nil
}
