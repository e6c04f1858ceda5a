package main

// memlsm encode: LSM features of a data source, for other tools.
//
//	memlsm encode --data SRC --out FILE.npy|FILE.csv [encoder and macro flags] [--json]
//
// This file also holds the flags every experiment command shares: the
// encoder flags (binning, reservoir, gain), the macro flags (--board,
// --preset, --params, --mode) and the progress-bar adapter.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/progress"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/units"
)

func init() {
	register(command{name: "encode", summary: "encode a data source with the LSM and write the features (.npy or .csv)", run: runEncode})
}

const encodeUsage = `encode --data SRC --out FILE.npy|FILE.csv [flags]

Bins every sample of SRC, encodes it with the LSM whose weights are read
from the macro, and writes one row per sample: the label and the spike-rate
features (windows × neurons, window-major). FILE.npy is a NumPy structured
array (a["label"], a["features"]); FILE.csv has a header
label,class,id,f0,f1,... The gain is calibrated on samples spread over the
whole source unless --gain is given.`

// newExperimentFlagSet is newFlagSet for a command whose usage text spans
// several lines: it prints the text and then every flag with its default.
func newExperimentFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet(name, usage, stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: memlsm %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// encoderFlags are the flags of one LSM encoder. prefix ("", "image-",
// "audio-") lets a command take two encoders.
type encoderFlags struct {
	prefix   string
	preset   string
	binning  string
	neurons  int
	gain     string
	decay    float64
	vth      float64
	windows  int
	polarity events.Polarity
	crop     int
	pool     int
	binWidth units.Seconds
	bins     int
	counts   bool
	band     string
	calib    int
}

func (f *encoderFlags) register(fs *flag.FlagSet, prefix, what string) {
	f.prefix = prefix
	p := func(s string) string { return prefix + s }
	fs.StringVar(&f.preset, p("lsm"), "", what+"paper LSM preset ("+strings.Join(lsm.Presets(), ", ")+"): the paper's reservoir, const gain and binning")
	fs.StringVar(&f.binning, p("binning"), "default", what+"binning: default (tuned) or paper (PAPER.md §2.4)")
	fs.IntVar(&f.neurons, p("neurons"), 0, what+"reservoir size N (default 200)")
	fs.StringVar(&f.gain, p("gain"), "auto", what+"reservoir gain (the paper's const), or auto to calibrate it on training data")
	fs.Float64Var(&f.decay, p("decay"), 0, what+"membrane decay per step (default 0.9 for 2-D sensors, 0.97 for 1-D)")
	fs.Float64Var(&f.vth, p("vth"), 0, what+"threshold Vth (default 5.0 for 2-D sensors, 5.3 for 1-D)")
	fs.IntVar(&f.windows, p("windows"), 0, fmt.Sprintf("%stime windows, one spike rate per neuron each (default %d; 1 = the paper's single rate)", what, experiment.DefaultWindows))
	f.polarity = -1
	fs.Var(&polarityFlag{&f.polarity}, p("polarity"), what+"2-D events used: off, on, both (two channels) or any")
	fs.IntVar(&f.crop, p("crop"), 0, what+"2-D: side of the centred square crop in pixels")
	fs.IntVar(&f.pool, p("pool"), 0, what+"2-D: pool P×P pixel blocks into one input")
	fs.Var(&f.binWidth, p("bin-width"), what+"time bin (2-D) or raster resolution (1-D), e.g. 6ms")
	fs.IntVar(&f.bins, p("bins"), 0, what+"time steps T (bins or chunks)")
	fs.BoolVar(&f.counts, p("counts"), false, what+"binned event counts instead of binary frames")
	fs.StringVar(&f.band, p("band"), "", what+"gain calibration target LO,HI in spikes per neuron per step (default 0.04,0.12)")
	fs.IntVar(&f.calib, p("calib"), 0, fmt.Sprintf("%ssamples the gain is calibrated on (default %d)", what, experiment.DefaultCalibrationSamples))
}

// polarityFlag lets -1 mean "not given".
type polarityFlag struct{ p *events.Polarity }

func (f *polarityFlag) String() string {
	if f.p == nil || *f.p < 0 {
		return ""
	}
	return f.p.String()
}
func (f *polarityFlag) Set(s string) error { return f.p.Set(s) }

// config builds the encoder configuration for data from a sensor.
func (f *encoderFlags) config(fs *flag.FlagSet, s events.Sensor) (experiment.EncoderConfig, error) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[strings.TrimPrefix(fl.Name, f.prefix)] = true })
	var ec experiment.EncoderConfig
	switch f.binning {
	case "default":
		if f.preset != "" {
			ec.Binning = experiment.PaperBinning(s)
		} else {
			ec.Binning = experiment.DefaultBinning(s)
		}
	case "paper":
		ec.Binning = experiment.PaperBinning(s)
	default:
		return ec, usagef("--%sbinning %q: want default or paper", f.prefix, f.binning)
	}
	if g := ec.Binning.Grid; g != nil {
		if f.polarity >= 0 {
			g.Polarity = f.polarity
		}
		if set["crop"] {
			if f.crop < 1 || f.crop > min(s.Width, s.Height) {
				return ec, usagef("--%scrop %d outside 1..%d", f.prefix, f.crop, min(s.Width, s.Height))
			}
			x0, y0 := (s.Width-f.crop+1)/2, (s.Height-f.crop+1)/2
			g.Crop = image.Rect(x0, y0, x0+f.crop, y0+f.crop)
		}
		if set["pool"] {
			if f.pool < 1 {
				return ec, usagef("--%spool %d must be at least 1", f.prefix, f.pool)
			}
			ec.Binning.Pool = f.pool
		}
		if set["bin-width"] {
			g.BinWidth = f.binWidth
		}
		if set["bins"] {
			g.Bins = f.bins
		}
		g.Counts = g.Counts || f.counts
	} else {
		for _, n := range []string{"polarity", "crop", "pool"} {
			if set[n] {
				return ec, usagef("--%s%s applies to 2-D sensors only, not %s", f.prefix, n, s.Name)
			}
		}
		c := ec.Binning.Chunk
		if set["bin-width"] {
			c.Resolution = f.binWidth
		}
		if set["bins"] {
			c.Bins = f.bins
		}
		c.Counts = c.Counts || f.counts
	}
	r := &ec.Reservoir
	if f.preset != "" {
		c, err := lsm.Preset(f.preset)
		if err != nil {
			return ec, usageError{err}
		}
		*r = c
		if r.Windows == 0 {
			r.Windows = 1 // the paper's single rate
		}
		if set["bins"] {
			r.Steps = 0 // follow the binning
		}
		if set["binning"] && f.binning == "default" || set["polarity"] || set["crop"] || set["pool"] {
			r.Inputs = 0 // the binning decides
		}
	}
	if set["neurons"] {
		r.Neurons = f.neurons
	}
	if set["decay"] {
		r.Decay = f.decay
	}
	if set["vth"] {
		r.Threshold = f.vth
	}
	if set["windows"] {
		r.Windows = f.windows
	}
	switch {
	case f.gain == "auto":
		if set["gain"] || f.preset == "" {
			r.Gain = 0
		}
	default:
		g, err := strconv.ParseFloat(f.gain, 64)
		if err != nil || !(g > 0) {
			return ec, usagef("--%sgain %q: want a positive number or auto", f.prefix, f.gain)
		}
		r.Gain = g
	}
	if f.band != "" {
		lo, hi, ok := strings.Cut(f.band, ",")
		l, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
		h, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
		if !ok || err1 != nil || err2 != nil {
			return ec, usagef("--%sband %q: want LO,HI", f.prefix, f.band)
		}
		ec.Band = lsm.Band{Metric: lsm.MeanRate, Lo: l, Hi: h}
		if err := ec.Band.Validate(); err != nil {
			return ec, usageError{err}
		}
	}
	if set["calib"] {
		if f.calib < 1 {
			return ec, usagef("--%scalib %d must be positive", f.prefix, f.calib)
		}
		ec.CalibrationSamples = f.calib
	}
	return ec, nil
}

// experimentFlags are the flags every experiment shares: the macro and the
// run's seed, workers and output.
type experimentFlags struct {
	board    string
	params   macroParamFlags
	mode     experiment.Mode
	software bool
	seed     uint64
	workers  int
	asJSON   bool
	age      ageFlag
	drift    bool
}

func (f *experimentFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.board, "board", "sim", "array holding the weights: sim (simulated macro), emu (emulated board) or a serial device path")
	f.params.register(fs)
	fs.Var(&f.mode, "mode", "how the weights are used: read-once (read once, encode in software), in-memory (every step's MVM on the array) or on-board (whole samples on the board)")
	fs.BoolVar(&f.software, "software", false, "use the paper's software Gaussian weights (PAPER.md §2.3) instead of the macro")
	fs.Uint64Var(&f.seed, "seed", experiment.DefaultSeed, "seed of the simulated macro, splits and head training")
	fs.IntVar(&f.workers, "workers", 0, "encoding goroutines (default GOMAXPROCS)")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON object on stdout")
	fs.Var(&f.age, "age", "time between forming (gain, head and drift reference fixed) and inference, e.g. 1h, 1d, 1y; the array relaxes meanwhile (default 0)")
	fs.BoolVar(&f.drift, "drift-comp", false, "with --age: global drift compensation, one scale per array from reference reads at forming and at --age")
}

// openMacro opens the array(s) the flags name. The returned close function
// closes them.
func (f *experimentFlags) openMacro(ctx context.Context, fs *flag.FlagSet) (experiment.Macro, func(), error) {
	var m experiment.Macro
	m.Mode = f.mode
	m.Age, m.DriftComp = units.Seconds(f.age), f.drift
	if f.drift && f.age == 0 {
		return m, nil, usagef("--drift-comp needs --age")
	}
	if f.software {
		m.Software = true
		return m, func() {}, nil
	}
	p, src, err := f.params.load(fs)
	if err != nil {
		return m, nil, err
	}
	a, err := openArray(ctx, f.board, p, f.seed)
	if err != nil {
		return m, nil, err
	}
	m.Array, m.Params = a, p
	switch f.board {
	case "", "sim":
		m.Label = fmt.Sprintf("simulated macro (%s, seed %d)", src, f.seed)
	case "emu":
		m.Label = fmt.Sprintf("emulated board through the wire protocol (%s, seed %d)", src, f.seed)
	default:
		m.Label = "board at " + f.board
	}
	return m, func() { a.Close() }, nil
}

// warnMacro prints an experiment's warnings about the macro (ADC
// saturation) on stderr.
func warnMacro(stderr io.Writer, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintln(stderr, "memlsm: warning:", w)
	}
}

// progressFunc draws the experiments' stages as progress bars on w.
func progressFunc(w io.Writer) experiment.ProgressFunc {
	return func(desc string, total int) experiment.Progress {
		if total == 0 {
			return nil
		}
		return progress.New(w, max(total, -1), desc) // -1: a spinner
	}
}

// openSource opens a data source named by a flag (calibrate.go uses it
// too).
func openSource(ctx context.Context, flagName, spec string) (*events.Dataset, error) {
	return openSourceTo(ctx, flagName, spec, io.Discard)
}

// openSourceTo is openSource with progress bars on stderr for slow
// conversions (fsdd:, embedded:).
func openSourceTo(ctx context.Context, flagName, spec string, stderr io.Writer) (*events.Dataset, error) {
	if spec == "" {
		return nil, usagef("--%s SRC is required", flagName)
	}
	d, err := source.Open(source.WithProgress(ctx, func(desc string, total int) source.Progress {
		return progress.New(stderr, total, desc)
	}), spec)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("--%s %s holds no samples", flagName, spec)
	}
	return d, nil
}

// writeJSON prints v as one indented JSON object.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// encodeOutput is the JSON of memlsm encode.
type encodeOutput struct {
	*experiment.Features
	Out string `json:"out"`
}

func runEncode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newExperimentFlagSet("encode", encodeUsage, stderr)
	data := fs.String("data", "", "data source SRC (e.g. nmnist:DIR, fsdd:DIR, embedded:images)")
	out := fs.String("out", "", "output file: .npy (NumPy) or .csv")
	var ef experimentFlags
	ef.register(fs)
	var enc encoderFlags
	enc.register(fs, "", "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("encode: unexpected argument %q", pos[0])
	}
	var write func(f *experiment.Features, w io.Writer) error
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".npy":
		write = (*experiment.Features).WriteNPY
	case ".csv":
		write = (*experiment.Features).WriteCSV
	case "":
		if *out == "" {
			return usagef("encode: --out FILE.npy|FILE.csv is required")
		}
		fallthrough
	default:
		return usagef("encode: --out %q: want a .npy or .csv file", *out)
	}
	d, err := openSourceTo(ctx, "data", *data, stderr)
	if err != nil {
		return err
	}
	ec, err := enc.config(fs, d.Sensor)
	if err != nil {
		return err
	}
	m, closeMacro, err := ef.openMacro(ctx, fs)
	if err != nil {
		return err
	}
	defer closeMacro()
	f, err := experiment.Encode(ctx, experiment.EncodeConfig{
		Data: d, Encoder: ec, Macro: m, Seed: ef.seed, Workers: ef.workers, Progress: progressFunc(stderr),
	})
	if err != nil {
		return err
	}
	warnMacro(stderr, f.Macro.Warnings())
	if err := writeFile(*out, func(w io.Writer) error { return write(f, w) }); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if ef.asJSON {
		return writeJSON(stdout, encodeOutput{f, *out})
	}
	c := f.Encoder.Reservoir
	fmt.Fprintf(stdout, "encoded %d samples of %s into %d features each (%d windows × %d neurons) → %s\n",
		f.Samples, f.Data, f.Dim, c.NumWindows(), c.Neurons, *out)
	fmt.Fprintf(stdout, "binning %s; %d inputs → %d neurons, T = %d, gain %.4g; seed %d\n",
		f.Encoder.Binning, c.Inputs, c.Neurons, c.Steps, c.Gain, f.Seed)
	fmt.Fprintf(stdout, "mean rate %.4f spikes/neuron/step, %.0f synaptic operations per sample, %.0f samples/s\n",
		f.MeanRate, f.SynOpsPerSample, f.SamplesPerS)
	return nil
}
