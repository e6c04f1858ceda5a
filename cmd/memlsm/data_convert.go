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
	for _, f := range source.ConverterFlags {
		fs.Func(f.Name, f.Help, func(v string) error { set[f.Name] = v; return nil })
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
	params, err := source.ConverterParams(conv, *paramsFile, set)
	if err != nil {
		return cli.WithCmd("memlsm data convert", err)
	}
	opts := source.Options{Seed: seed, Workers: *workers, NoCache: rf.noCache}
	opts.UseParams(params)
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
	r := source.NewConversion(d, spec, *out, conv, params, *seed, buf.Len())
	if *asJSON {
		return cli.WriteJSON(stdout, r)
	}
	fmt.Fprintf(stderr, "%s: %d samples, %d events (%s model, seed %d) → %s (%d bytes)\n",
		spec, r.Samples, r.Events, conv, *seed, *out, r.Bytes)
	return nil
}
