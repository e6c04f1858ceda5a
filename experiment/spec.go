package experiment

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/projection"
	"github.com/memlsm/memlsm/units"
)

// ErrConfig marks a configuration that cannot run: a value out of range,
// settings that contradict each other. Such errors are found before any
// work; a command reports them as usage errors (errors.Is(err, ErrConfig)).
var ErrConfig = errors.New("invalid configuration")

// configError is an error of the configuration: it reads as its message
// and matches ErrConfig (and its cause, if any).
type configError struct {
	msg   string
	cause error
}

func (e *configError) Error() string        { return e.msg }
func (e *configError) Is(target error) bool { return target == ErrConfig }
func (e *configError) Unwrap() error        { return e.cause }

// configErrorf returns an error matching ErrConfig; a %w verb keeps its
// cause.
func configErrorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &configError{msg: err.Error(), cause: errors.Unwrap(err)}
}

// EncoderSpec is an encoder described the way a user gives it: a paper
// preset or the tuned defaults, with single settings changed. Zero fields
// keep the default (so a zero EncoderSpec is DefaultBinning with the
// default reservoir and a calibrated gain). Config turns it into the
// EncoderConfig for a sensor.
type EncoderSpec struct {
	// Preset is a paper reservoir (lsm.Presets: its N, T, decay, Vth and
	// const gain, with the paper's binning and a single rate); "" is the
	// tuned default.
	Preset string `json:"preset,omitempty"`
	// Binning is "default" (the tuned binning; with a preset, the preset's
	// inputs follow it) or "paper" (PaperBinning, or with a preset the
	// preset's own, PresetBinning); "" is "default" without a preset and
	// the preset's binning with one.
	Binning string `json:"binning,omitempty"`
	// Neurons, Decay, Threshold and Windows override the reservoir's.
	Neurons   int     `json:"neurons,omitempty"`
	Decay     float64 `json:"decay,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	Windows   int     `json:"windows,omitempty"`
	// Gain > 0 fixes the reservoir gain; AutoGain calibrates it even when
	// the preset has one. Without either, a preset keeps its gain and the
	// default calibrates.
	Gain     float64 `json:"gain,omitempty"`
	AutoGain bool    `json:"auto_gain,omitempty"`
	// Polarity (2-D only) chooses the events used; nil keeps the binning's.
	Polarity *events.Polarity `json:"polarity,omitempty"`
	// Crop (2-D) is the side of a centred square crop in pixels; Pool (2-D)
	// merges Pool×Pool pixel blocks into one input.
	Crop int `json:"crop,omitempty"`
	Pool int `json:"pool,omitempty"`
	// BinWidth is the time bin (2-D) or raster resolution (1-D); Bins the
	// number of steps; Counts bins event counts instead of binary frames.
	BinWidth units.Seconds `json:"bin_width_s,omitempty"`
	Bins     int           `json:"bins,omitempty"`
	Counts   bool          `json:"counts,omitempty"`
	// Band is the gain calibration target "LO,HI" in spikes per neuron per
	// step; "" is lsm.DefaultBand.
	Band string `json:"band,omitempty"`
	// CalibrationSamples is the size of the gain calibration subset.
	CalibrationSamples int `json:"calibration_samples,omitempty"`
}

// SetGain sets the gain from text: a positive number fixes it, "auto"
// calibrates it.
func (s *EncoderSpec) SetGain(v string) error {
	if v == "auto" {
		s.Gain, s.AutoGain = 0, true
		return nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || !(x > 0) || math.IsInf(x, 0) {
		return fmt.Errorf("want a positive number or auto")
	}
	s.Gain, s.AutoGain = x, false
	return nil
}

// SetPolarity sets the 2-D polarity from text (events.Polarity's names).
func (s *EncoderSpec) SetPolarity(v string) error {
	var p events.Polarity
	if err := p.Set(v); err != nil {
		return err
	}
	s.Polarity = &p
	return nil
}

// Check validates what can be validated without the data: names, ranges
// and the band. Config calls it; commands call it before opening data.
func (s EncoderSpec) Check() error {
	if s.Preset != "" && !slices.Contains(lsm.Presets(), s.Preset) {
		return configErrorf("experiment: unknown LSM preset %q (have %s)", s.Preset, strings.Join(lsm.Presets(), ", "))
	}
	switch s.Binning {
	case "", "default", "paper", "span":
	default:
		return configErrorf("experiment: binning %q: want default, paper or span", s.Binning)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"neurons", s.Neurons}, {"windows", s.Windows}, {"crop", s.Crop}, {"pool", s.Pool}, {"bins", s.Bins}, {"calibration samples", s.CalibrationSamples}} {
		if f.v < 0 {
			return configErrorf("experiment: %s %d must not be negative", f.name, f.v)
		}
	}
	if !(s.Decay >= 0 && s.Decay <= 1) {
		return configErrorf("experiment: decay %v outside [0, 1] (the membrane keeps this fraction per step)", s.Decay)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"threshold", s.Threshold}, {"gain", s.Gain}, {"bin width", float64(s.BinWidth)}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return configErrorf("experiment: %s %v must be positive and finite", f.name, f.v)
		}
	}
	if s.Gain > 0 && s.AutoGain {
		return configErrorf("experiment: a fixed gain %v and a calibrated gain: give one", s.Gain)
	}
	_, err := s.band()
	return err
}

func (s EncoderSpec) band() (lsm.Band, error) {
	if s.Band == "" {
		return lsm.Band{}, nil
	}
	lo, hi, ok := strings.Cut(s.Band, ",")
	l, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	h, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if !ok || err1 != nil || err2 != nil {
		return lsm.Band{}, configErrorf("experiment: band %q: want LO,HI", s.Band)
	}
	b := lsm.Band{Metric: lsm.MeanRate, Lo: l, Hi: h}
	if err := b.Validate(); err != nil {
		return b, configErrorf("experiment: band %q: %w", s.Band, err)
	}
	return b, nil
}

// Config returns the encoder configuration for data from sensor s; errors
// match ErrConfig. The configuration is validated as the experiment will
// resolve it, so a setting that cannot run (a crop wider than the sensor,
// more windows than steps) fails here, before any encoding.
func (s EncoderSpec) Config(sensor events.Sensor) (EncoderConfig, error) {
	var ec EncoderConfig
	if err := s.Check(); err != nil {
		return ec, err
	}
	if (s.Binning == "paper" || s.Binning == "") && s.Preset != "" {
		b, err := PresetBinning(s.Preset, sensor)
		if err != nil {
			return ec, configErrorf("%w", err)
		}
		ec.Binning = b
	} else if s.Binning == "paper" {
		ec.Binning = PaperBinning(sensor)
	} else if s.Binning == "span" {
		if sensor.Is2D() {
			return ec, configErrorf("experiment: binning span applies to 1-D sensors only, not %s", sensor.Name)
		}
		ec.Binning = SpanBinning(sensor)
	} else {
		ec.Binning = DefaultBinning(sensor)
	}
	if g := ec.Binning.Grid; g != nil {
		if s.Polarity != nil {
			g.Polarity = *s.Polarity
		}
		if s.Crop > 0 {
			if s.Crop > min(sensor.Width, sensor.Height) {
				return ec, configErrorf("experiment: crop %d outside 1..%d (the %s is %d×%d)", s.Crop, min(sensor.Width, sensor.Height), sensor.Name, sensor.Width, sensor.Height)
			}
			x0, y0 := (sensor.Width-s.Crop+1)/2, (sensor.Height-s.Crop+1)/2
			g.Crop = image.Rect(x0, y0, x0+s.Crop, y0+s.Crop)
		}
		if s.Pool > 0 {
			ec.Binning.Pool = s.Pool
		}
		if s.BinWidth > 0 {
			g.BinWidth = s.BinWidth
		}
		if s.Bins > 0 {
			g.Bins = s.Bins
		}
		g.Counts = g.Counts || s.Counts
	} else {
		for _, f := range []struct {
			name string
			set  bool
		}{{"polarity", s.Polarity != nil}, {"crop", s.Crop > 0}, {"pool", s.Pool > 0}} {
			if f.set {
				return ec, configErrorf("experiment: %s applies to 2-D sensors only, not %s", f.name, sensor.Name)
			}
		}
		if c := ec.Binning.Chunk; c != nil {
			if s.BinWidth > 0 {
				c.Resolution = s.BinWidth
			}
			if s.Bins > 0 {
				c.Bins = s.Bins
			}
			c.Counts = c.Counts || s.Counts
		} else if c := ec.Binning.Span; c != nil {
			if s.BinWidth > 0 {
				return ec, configErrorf("experiment: bin width does not apply to span binning (its steps follow each utterance's own span)")
			}
			if s.Bins > 0 {
				c.Bins = s.Bins
			}
		}
	}
	r := &ec.Reservoir
	if s.Preset != "" {
		c, err := lsm.Preset(s.Preset)
		if err != nil {
			return ec, configErrorf("experiment: %w", err)
		}
		*r = c
		if r.Windows == 0 {
			r.Windows = 1 // the paper's single rate
		}
		if s.Bins > 0 {
			r.Steps = 0 // follow the binning
		}
		if s.Binning == "default" || s.Binning == "span" || s.Polarity != nil || s.Crop > 0 || s.Pool > 0 {
			r.Inputs = 0 // the binning decides
		}
	}
	if s.Neurons > 0 {
		r.Neurons = s.Neurons
	}
	if s.Decay > 0 {
		r.Decay = s.Decay
	}
	if s.Threshold > 0 {
		r.Threshold = s.Threshold
	}
	if s.Windows > 0 {
		r.Windows = s.Windows
	}
	switch {
	case s.Gain > 0:
		r.Gain = s.Gain
	case s.AutoGain || s.Preset == "":
		r.Gain = 0
	}
	var err error
	if ec.Band, err = s.band(); err != nil {
		return ec, err
	}
	ec.CalibrationSamples = s.CalibrationSamples
	if _, _, err := ec.resolve(sensor); err != nil {
		return ec, configErrorf("%w", err)
	}
	return ec, nil
}

// HeadSpec is a classification head described the way a user gives it.
// Zero fields keep the head's defaults.
type HeadSpec struct {
	// Kind is "linear" (a linear probe, the default), "mlp", or "paper"
	// (the paper's linear readout and its training: N-MNIST's for 2-D
	// data, N-TIDIGITS' for 1-D).
	Kind   string  `json:"kind,omitempty"`
	Epochs int     `json:"epochs,omitempty"`
	LR     float64 `json:"lr,omitempty"`
	// WeightDecay < 0 means none.
	WeightDecay float64 `json:"weight_decay,omitempty"`
	Batch       int     `json:"batch,omitempty"`
	Hidden      int     `json:"hidden,omitempty"` // MLP hidden width
}

// Config returns the head configuration for data from sensor s; errors
// match ErrConfig.
func (h HeadSpec) Config(s events.Sensor) (HeadConfig, error) {
	if h.Epochs < 0 || h.LR < 0 || h.Batch < 0 || h.Hidden < 0 {
		return HeadConfig{}, configErrorf("experiment: head epochs, learning rate, batch and hidden width must not be negative")
	}
	t := projection.Training{Epochs: h.Epochs, LR: h.LR, WeightDecay: h.WeightDecay, Batch: h.Batch}
	switch h.Kind {
	case "", "linear":
		return HeadConfig{Kind: "linear", Linear: projection.LinearConfig{Training: t}}, nil
	case "paper":
		// N-MNIST's readout for 2-D data, N-TIDIGITS' for 1-D (Lin et al. 2025, Methods).
		c := projection.LinearNTIDIGITS()
		if s.Is2D() {
			c = projection.LinearNMNIST()
		}
		if h.LR != 0 {
			c.LR = h.LR
		}
		if h.WeightDecay != 0 {
			c.WeightDecay = h.WeightDecay
		}
		if h.Epochs > 0 {
			c.Epochs = h.Epochs
		}
		if h.Batch > 0 {
			c.Batch = h.Batch
		}
		return HeadConfig{Kind: "linear", Linear: c}, nil
	case "mlp":
		c := projection.MLPConfig{Training: t}
		if h.Hidden > 0 {
			c.Hidden = []int{h.Hidden}
		}
		return HeadConfig{Kind: "mlp", MLP: c}, nil
	}
	return HeadConfig{}, configErrorf("experiment: head %q: want linear, mlp or paper", h.Kind)
}

// CLIPSpec is a contrastive zero-shot head described the way a user gives
// it: DefaultZeroShotHead, or the paper's (Paper), with single settings
// changed. Zero fields keep the head's defaults.
type CLIPSpec struct {
	Paper bool `json:"paper,omitempty"` // projection.CLIPATV, or with BTV projection.CLIPBTV
	// BTV makes Paper the paper's neural↔visual head (projection.CLIPBTV)
	// instead of its audio↔image one.
	BTV              bool    `json:"btv,omitempty"`
	Dim              int     `json:"dim,omitempty"`
	Layers           int     `json:"layers,omitempty"`
	Loss             string  `json:"loss,omitempty"` // supcon, infonce or soft-clip
	Temperature      float64 `json:"temperature,omitempty"`
	LearnTemperature bool    `json:"learn_temperature,omitempty"`
	Epochs           int     `json:"epochs,omitempty"`
	LR               float64 `json:"lr,omitempty"`
	WeightDecay      float64 `json:"weight_decay,omitempty"` // < 0: none
	Batch            int     `json:"batch,omitempty"`
}

// Config returns the head configuration; errors match ErrConfig.
func (c CLIPSpec) Config() (projection.CLIPConfig, error) {
	h := DefaultZeroShotHead()
	switch {
	case c.Paper && c.BTV:
		h = projection.CLIPBTV()
	case c.Paper:
		h = projection.CLIPATV()
	}
	if c.Dim < 0 || c.Layers < 0 || c.Epochs < 0 || c.LR < 0 || c.Batch < 0 || c.Temperature < 0 {
		return h, configErrorf("experiment: zero-shot head settings must not be negative")
	}
	if c.Layers > 2 {
		return h, configErrorf("experiment: %d projection layers per tower: want 1 or 2", c.Layers)
	}
	if c.Dim > 0 {
		h.Dim = c.Dim
	}
	if c.Layers > 0 {
		h.Layers = c.Layers
	}
	if c.Loss != "" {
		if err := h.Loss.UnmarshalText([]byte(c.Loss)); err != nil {
			return h, configErrorf("experiment: %w", err)
		}
	}
	if c.Temperature > 0 {
		h.Temperature = c.Temperature
	}
	if c.LearnTemperature {
		h.LearnTemperature = true
	}
	if c.Epochs > 0 {
		h.Epochs = c.Epochs
	}
	if c.LR > 0 {
		h.LR = c.LR
	}
	if c.WeightDecay != 0 {
		h.WeightDecay = c.WeightDecay
	}
	if c.Batch > 0 {
		h.Batch = c.Batch
	}
	return h, nil
}

// ParseClasses parses a class list: "1-7" (a digit range), "s-v" (a
// letter range), "8,9" or a mixture ("1-3,7"); errors match ErrConfig.
func ParseClasses(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			out = append(out, part)
			continue
		}
		if len(lo) == 1 && len(hi) == 1 && isLower(lo[0]) && isLower(hi[0]) && lo[0] <= hi[0] {
			// A letter range, e.g. a-r (Willett et al.'s characters).
			for c := lo[0]; c <= hi[0]; c++ {
				out = append(out, string(c))
			}
			continue
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b || a < 0 {
			return nil, configErrorf("bad class range %q", part)
		}
		for d := a; d <= b; d++ {
			out = append(out, strconv.Itoa(d))
		}
	}
	if len(out) == 0 {
		return nil, configErrorf("empty class list %q", s)
	}
	return out, nil
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// MaxSweepSeeds caps a seed list (assumption: a guard against a mistyped
// range such as 1-100000 that would run for hours; 1000 head seeds already
// take minutes).
const MaxSweepSeeds = 1000

// ParseSeeds parses a seed list: "1-20", "1,5,9", a mixture, or "" or
// "none" for no sweep. Seeds must be distinct; errors match ErrConfig.
func ParseSeeds(s string) ([]uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []uint64
	seen := map[uint64]bool{}
	add := func(v uint64) error {
		if seen[v] {
			return configErrorf("seed %d given twice in %q", v, s)
		}
		if len(out) == MaxSweepSeeds {
			return configErrorf("more than %d seeds in %q", MaxSweepSeeds, s)
		}
		seen[v] = true
		out = append(out, v)
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, configErrorf("bad seed %q (want N, N-M or a comma list)", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, configErrorf("bad seed range %q", part)
			}
			if b-a >= MaxSweepSeeds {
				return nil, configErrorf("more than %d seeds in %q", MaxSweepSeeds, s)
			}
		}
		for v := a; ; v++ {
			if err := add(v); err != nil {
				return nil, err
			}
			if v == b {
				break
			}
		}
	}
	return out, nil
}

// CheckProtocol validates the choice of a classification protocol before
// any data is opened: an explicit test set, Folds-fold cross-validation,
// speaker rotations or a hold-out of testFraction are alternatives, and
// K ≥ 2, 0 < testFraction < 1. Errors match ErrConfig.
func CheckProtocol(hasTest bool, folds int, bySpeaker bool, testFraction float64) error {
	switch {
	case folds == 1 || folds < 0:
		return configErrorf("cross-validation with %d folds: want K ≥ 2", folds)
	case folds > 0 && bySpeaker:
		return configErrorf("cross-validation and speaker splits are two protocols: choose one")
	case hasTest && (folds > 0 || bySpeaker):
		return configErrorf("an explicit test set is a protocol of its own: no cross-validation or speaker splits with it")
	case testFraction != 0 && !(testFraction > 0 && testFraction < 1):
		return configErrorf("test fraction %v: want a fraction in (0, 1)", testFraction)
	case testFraction != 0 && (hasTest || folds > 0 || bySpeaker):
		return configErrorf("a test fraction sets the default hold-out: not with a test set, cross-validation or speaker splits")
	}
	return nil
}
