package main

// The flags every command shares, and the one way a command parses its
// flags: errors as one line with a hint, "did you mean" for a mistyped
// flag, and the type a bad value should have had.

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/memlsm/memlsm/board"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/cli"
	"github.com/memlsm/memlsm/internal/progress"
	"github.com/memlsm/memlsm/units"
)

// macroParamFlags choose the model parameters of the simulated macro.
type macroParamFlags struct {
	preset string
	file   string
	set    crossbar.Settings
}

func (pf *macroParamFlags) register(fs *cli.FlagSet) {
	fs.StringVar(&pf.preset, "preset", "lin2025", "model preset: "+strings.Join(crossbar.Presets(), ", "))
	fs.StringVar(&pf.file, "params", "", "model parameter file (JSON; may be partial, naming its base with \"preset\"); overrides --preset")
	fs.Var(&pf.set, "set", "override one parameter, key=value with units (e.g. adc_bits=8, wire_resistance=2ohm, form_amplitude=3.8V); repeatable; keys: memlsm macro info")
}

// load returns the chosen parameters and a label naming where they came
// from.
func (pf *macroParamFlags) load(fs *cli.FlagSet) (crossbar.Params, string, error) {
	if pf.file != "" && fs.Given("preset") {
		return crossbar.Params{}, "", usagef("give --preset or --params, not both")
	}
	return crossbar.Choose(pf.preset, pf.file, pf.set) // an unknown preset or a bad --set matches crossbar.ErrChoice: usage
}

// runFlags are the flags of every command that opens data or works long:
// how progress is reported and whether conversions may be cached.
type runFlags struct {
	progress progress.Mode
	noCache  bool
}

func (r *runFlags) register(fs *cli.FlagSet) {
	fs.Var(&r.progress, "progress", "progress on stderr: auto (a bar on a terminal, plain lines otherwise), tty, plain or none")
	fs.BoolVar(&r.noCache, "no-cache", false, "convert recordings afresh: neither read nor write the conversion cache")
}

// stderr returns w with progress drawn as --progress asks.
func (r *runFlags) stderr(w io.Writer) io.Writer { return progress.WithMode(w, r.progress) }

// experimentFlags are the flags every experiment shares: the macro and the
// run's seed, workers and output.
type experimentFlags struct {
	runFlags
	board    string
	params   macroParamFlags
	mode     experiment.Mode
	software bool
	seed     uint64
	workers  int
	asJSON   bool
	age      units.Age
	drift    bool
	reuse    bool
}

func (f *experimentFlags) register(fs *cli.FlagSet) {
	fs.StringVar(&f.board, "board", "sim", "array(s) holding the weights: sim (simulated macros), emu (emulated boards), a serial device path, or a comma-separated list of them, one per macro of a reservoir larger than one")
	f.params.register(fs)
	fs.Var(&f.mode, "mode", "how the weights are used: read-once (read once, encode in software), in-memory (every step's MVM on the array) or on-board (whole samples on the board)")
	fs.BoolVar(&f.software, "software", false, "use the paper's software Gaussian weights instead of the macro")
	fs.Uint64Var(&f.seed, "seed", experiment.DefaultSeed, "seed of the simulated macro, splits and head training")
	fs.IntVar(&f.workers, "workers", 0, "encoding goroutines (default GOMAXPROCS)")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object on stdout")
	fs.Var(&f.age, "age", "time between forming (gain, head and drift reference fixed) and inference, e.g. 1h, 1d, 1y; the array relaxes meanwhile (default 0)")
	fs.BoolVar(&f.drift, "drift-comp", false, "with --age: global drift compensation, one scale per array from reference reads at forming and at --age")
	fs.BoolVar(&f.reuse, "reuse-formed", false, "on a board programmed since it started, use reservoir cells that already read as formed as they are (default: refuse them)")
	f.runFlags.register(fs)
}

// check validates the flags before any work.
func (f *experimentFlags) check(fs *cli.FlagSet) error {
	if f.workers < 0 {
		return usagef("--workers %d must not be negative", f.workers)
	}
	if _, _, err := f.params.load(fs); err != nil {
		return err
	}
	if f.software && fs.Given("board") {
		return usagef("--software uses no array: drop --board")
	}
	if f.drift && f.age == 0 {
		return usagef("--drift-comp needs --age")
	}
	if f.software && f.age > 0 {
		return usagef("--software weights do not age: drop --age")
	}
	return nil
}

// openMacro describes the array(s) the flags name: the experiment opens
// as many as its reservoirs need (board.Tiles) and closes them. The
// returned close function is kept for the commands' shape; it does
// nothing.
func (f *experimentFlags) openMacro(ctx context.Context, fs *cli.FlagSet) (experiment.Macro, func(), error) {
	m := experiment.Macro{Mode: f.mode, ReuseFormed: f.reuse, Age: units.Seconds(f.age), DriftComp: f.drift}
	if f.software {
		m.Software = true
		return m, func() {}, nil
	}
	p, src, err := f.params.load(fs)
	if err != nil {
		return m, nil, err
	}
	open, err := board.Tiles(f.board, p)
	if err != nil {
		return m, nil, usagef("--board: %v", err)
	}
	m.Tiles, m.Params, m.Label = open, p, board.Label(f.board, src, f.seed)
	return m, func() {}, nil
}

// encoderFlags bind the flags of one LSM encoder to an EncoderSpec.
// prefix ("", "image-", "audio-") lets a command take two encoders.
type encoderFlags struct {
	prefix string
	spec   experiment.EncoderSpec
}

func (f *encoderFlags) register(fs *cli.FlagSet, prefix, what string) {
	f.prefix = prefix
	f.spec.RegisterFlags(fs.FlagSet, prefix, what)
}

// check validates the encoder flags before any work.
func (f *encoderFlags) check(fs *cli.FlagSet) error {
	var names []string
	for _, n := range experiment.IntFlags {
		names = append(names, f.prefix+n)
	}
	if err := fs.AtLeastOne(names...); err != nil {
		return err
	}
	return f.spec.Check()
}

// config builds the encoder configuration for data from a sensor.
func (f *encoderFlags) config(s events.Sensor) (experiment.EncoderConfig, error) {
	return f.spec.Config(s)
}

// progressFunc draws the experiments' stages as progress bars on w.
func progressFunc(w io.Writer) experiment.ProgressFunc {
	return func(desc string, total int) experiment.Progress {
		if total == 0 {
			return nil
		}
		return progress.New(w, total, desc)
	}
}

// progressStart draws the progress of a source's conversions on w.
func progressStart(w io.Writer) func(desc string, total int) source.Progress {
	return func(desc string, total int) source.Progress { return progress.New(w, total, desc) }
}

// openSource opens the data source a flag names, with progress bars on
// stderr for slow conversions.
func openSource(ctx context.Context, r runFlags, flagName, spec string, stderr io.Writer) (*events.Dataset, error) {
	if spec == "" {
		return nil, usagef("--%s SRC is required", flagName)
	}
	d, err := source.OpenWith(source.WithProgress(ctx, progressStart(stderr)), spec, source.Options{NoCache: r.noCache})
	if err != nil && flagName != "" {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	if err != nil {
		return nil, err
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("%s holds no samples", spec)
	}
	return d, nil
}

// openStream is openSource for a command that reads each sample once
// (classify): image sources convert each sample as it is read
// (source.OpenStream), so their events are never all in memory.
func openStream(ctx context.Context, r runFlags, flagName, spec string, stderr io.Writer) (events.Stream, error) {
	if spec == "" {
		return nil, usagef("--%s SRC is required", flagName)
	}
	d, err := source.OpenStream(source.WithProgress(ctx, progressStart(stderr)), spec, source.Options{NoCache: r.noCache})
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	if d.Index().Len() == 0 {
		return nil, fmt.Errorf("%s holds no samples", spec)
	}
	return d, nil
}

// checkSource validates a source spec before any work: that it parses and
// names a known scheme.
func checkSource(flagName, spec string) error {
	if spec == "" {
		return usagef("--%s SRC is required", flagName)
	}
	if _, err := source.ConverterOf(spec); err != nil {
		return usagef("--%s: %w", flagName, err)
	}
	return nil
}

// optionalSource is checkSource for a source flag that may be empty.
func optionalSource(flagName, spec string) error {
	if spec == "" {
		return nil
	}
	return checkSource(flagName, spec)
}

// warn prints warnings about degenerate settings on stderr, one a line.
func warn(stderr io.Writer, cmd string, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(stderr, "memlsm %s: warning: %s\n", cmd, w)
	}
}
