package lsm

import (
	"fmt"
	"math"
	"sort"
)

// Config is the reservoir model: sizes, LIF constants, gains and the shape of
// the feature vector. Every field of a preset can be overridden; Validate
// reports the first field that is out of range.
//
// The weights themselves are not part of Config: they come from a Synapses
// (a Dense matrix read once from the array, or the array itself).
type Config struct {
	// Name is informational: the preset the configuration started from.
	Name string `json:"name,omitempty"`

	Inputs  int `json:"inputs"`  // input channels (rows of W_in)
	Neurons int `json:"neurons"` // reservoir size N

	// Steps is the number of simulated time steps Tw, and the divisor of
	// the spike counts (Lin et al. 2025, the authors' LIF code). An input with fewer steps is padded
	// with empty steps (the reservoir keeps running on its own activity), one
	// with more is cut to its first Steps steps, as the paper feeds "the first
	// Tw bins" (Lin et al. 2025, the authors' input binning).
	Steps int `json:"steps"`

	// Decay is the membrane leak factor per step, in [0, 1].
	Decay float64 `json:"decay"`
	// Threshold is Vth: a neuron spikes when v > Threshold (strict).
	Threshold float64 `json:"threshold"`

	// Gain is the paper's "weight constant" const: I = Gain·(W_in·x + W_rec·s).
	// Lin et al. 2025, the authors' run scripts says whether const scales W_in, W_rec or both is NOT
	// FOUND; a single argument most likely scales both, which is the default
	// here. InGain and RecGain, when non-zero, replace Gain for W_in or W_rec
	// alone. (A reservoir without recurrence is made with zero W_rec weights,
	// not with a zero gain: zero means "use Gain".)
	Gain    float64 `json:"gain"`
	InGain  float64 `json:"in_gain,omitempty"`
	RecGain float64 `json:"rec_gain,omitempty"`

	// Bias is a constant current added to every neuron at every step, after
	// the gain. Default 0. Assumption: the hardware LSM has no bias (the
	// crossbar delivers only Σ G·V); the paper's nn.Linear layers in [RMAM]
	// carry biases, which a non-zero Bias approximates as one shared value.
	Bias float64 `json:"bias,omitempty"`

	// Windows splits the Steps into this many equal windows and emits one
	// spike rate per neuron per window, so the feature vector has
	// Windows·Neurons entries (window-major: feature w·N+j is neuron j in
	// window w). 0 or 1 means the paper's single rate per neuron.
	Windows int `json:"windows,omitempty"`
}

// InputGain returns the gain applied to W_in.
func (c Config) InputGain() float64 {
	if c.InGain != 0 {
		return c.InGain
	}
	return c.Gain
}

// RecurrentGain returns the gain applied to W_rec.
func (c Config) RecurrentGain() float64 {
	if c.RecGain != 0 {
		return c.RecGain
	}
	return c.Gain
}

// NumWindows returns the number of time windows (at least 1).
func (c Config) NumWindows() int { return max(c.Windows, 1) }

// Features returns the length of one sample's feature vector:
// NumWindows·Neurons.
func (c Config) Features() int { return c.NumWindows() * c.Neurons }

// Window returns the time window ⌊t·K/T⌋ of step t (K windows, T steps):
// window w holds steps [⌈w·T/K⌉, ⌈(w+1)·T/K⌉), so when K does not divide T
// the windows differ in length by at most one step.
func (c Config) Window(t int) int {
	return int(int64(t) * int64(c.NumWindows()) / int64(c.Steps))
}

// WindowSteps returns the number of steps in window w.
func (c Config) WindowSteps(w int) int {
	k := c.NumWindows()
	lo := windowStart(w, k, c.Steps)
	hi := windowStart(w+1, k, c.Steps)
	return hi - lo
}

// windowStart is the first step ⌈w·T/K⌉ of window w: Window(t) = w exactly
// for windowStart(w) <= t < windowStart(w+1).
func windowStart(w, k, steps int) int {
	return int((int64(w)*int64(steps) + int64(k) - 1) / int64(k))
}

// Validate checks every field and reports the first one out of range.
func (c Config) Validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case c.Inputs <= 0:
		return fmt.Errorf("lsm: config: inputs %d must be positive", c.Inputs)
	case c.Neurons <= 0:
		return fmt.Errorf("lsm: config: neurons %d must be positive", c.Neurons)
	case c.Steps <= 0:
		return fmt.Errorf("lsm: config: steps %d must be positive", c.Steps)
	case !(c.Decay >= 0 && c.Decay <= 1):
		return fmt.Errorf("lsm: config: decay %v outside [0, 1]", c.Decay)
	case !(c.Threshold > 0) || !finite(c.Threshold):
		return fmt.Errorf("lsm: config: threshold %v must be positive and finite", c.Threshold)
	case !(c.Gain > 0) || !finite(c.Gain):
		return fmt.Errorf("lsm: config: gain %v must be positive and finite", c.Gain)
	case !(c.InGain >= 0) || !finite(c.InGain):
		return fmt.Errorf("lsm: config: in_gain %v must be non-negative and finite (0 = gain)", c.InGain)
	case !(c.RecGain >= 0) || !finite(c.RecGain):
		return fmt.Errorf("lsm: config: rec_gain %v must be non-negative and finite (0 = gain)", c.RecGain)
	case !finite(c.Bias):
		return fmt.Errorf("lsm: config: bias %v must be finite", c.Bias)
	case c.Windows < 0 || c.Windows > c.Steps:
		return fmt.Errorf("lsm: config: windows %d outside [0, steps=%d]", c.Windows, c.Steps)
	}
	return nil
}

// presets are the paper's per-task settings, all from the run scripts
// (Lin et al. 2025, the authors' run scripts): encoder size (in, N), Tw, decay, Vth and const.
var presets = map[string]Config{
	// N-MNIST classification: 16×16 crop, one polarity → 256 inputs
	// [REPO:LSM-NMNIST/run_lsm_gau_sim.sh].
	"nmnist": {Inputs: 256, Neurons: 200, Steps: 50, Decay: 0.9, Threshold: 5.0, Gain: 0.07},
	// N-TIDIGITS classification: 64 cochlea channels, 129 bins
	// [REPO:LSM-NTIDIGITS/run_lsm_gau_sim.sh].
	"ntidigits": {Inputs: 64, Neurons: 200, Steps: 129, Decay: 0.97, Threshold: 5.3, Gain: 0.08},
	// Zero-shot audio↔image encoders [REPO:LSM-CLIP-ATV/run_zero_shot_sim_pd64.sh].
	"zeroshot-image": {Inputs: 256, Neurons: 200, Steps: 50, Decay: 0.9, Threshold: 5.0, Gain: 0.3},
	"zeroshot-audio": {Inputs: 64, Neurons: 200, Steps: 129, Decay: 0.97, Threshold: 5.3, Gain: 0.1},
	// Neural↔visual (BTV) encoders: 192 electrodes / 784 E-MNIST pixels →
	// 2048 neurons [REPO:LSM-CLIP-BTV/run_lsm_clip_one_layer_26class_sup.sh].
	"btv-neural": {Inputs: 192, Neurons: 2048, Steps: 201, Decay: 0.95, Threshold: 0.1, Gain: 0.0005},
	"btv-emnist": {Inputs: 784, Neurons: 2048, Steps: 49, Decay: 0.95, Threshold: 0.1, Gain: 0.0005},
}

// Preset returns the paper's configuration for a task (see Presets).
func Preset(name string) (Config, error) {
	c, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("lsm: unknown preset %q (have %v)", name, Presets())
	}
	c.Name = name
	return c, nil
}

// Presets returns the preset names in sorted order.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
