package lsm

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Metric is the reservoir activity that gain calibration steers.
type Metric int

const (
	// MeanRate is the mean firing rate: spikes per neuron per step,
	// averaged over neurons, steps and samples.
	MeanRate Metric = iota
	// ActiveFraction is the fraction of (sample, neuron) pairs in which
	// the neuron spikes at least once: how many features are non-zero.
	ActiveFraction
)

func (m Metric) String() string {
	switch m {
	case MeanRate:
		return "mean-rate"
	case ActiveFraction:
		return "active-fraction"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// MarshalText encodes the metric by name ("mean-rate", "active-fraction").
func (m Metric) MarshalText() ([]byte, error) {
	if m != MeanRate && m != ActiveFraction {
		return nil, fmt.Errorf("lsm: unknown metric %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText decodes a metric name.
func (m *Metric) UnmarshalText(b []byte) error {
	for _, c := range []Metric{MeanRate, ActiveFraction} {
		if string(b) == c.String() {
			*m = c
			return nil
		}
	}
	return fmt.Errorf("lsm: unknown metric %q (want mean-rate or active-fraction)", b)
}

// Band is a target interval [Lo, Hi] for a Metric.
type Band struct {
	Metric Metric  `json:"metric"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
}

// DefaultBand is the activity CalibrateGain aims for when given the zero
// Band: a mean rate of 0.04–0.12 spikes per neuron per step (centre 0.08).
// The argument:
//
//   - Resolution. The features are spike counts over T steps. At 0.02 (the
//     paper's N-MNIST const = 0.07 gives 0.02–0.025) a neuron fires about
//     once per 50-step sample, half of the features are exactly 0 and the
//     readout sees little more than which neurons were touched; at 0.08 it
//     fires about four times and the counts grade the input drive.
//   - Separation without saturation. Beyond about 0.2 the recurrent
//     excitation and the hard reset take over: neurons fire every few steps
//     whatever the input (a rate can never exceed 1), the differences
//     between inputs are compressed, and the reservoir has left the
//     input-driven regime below the "edge of chaos" that liquid state
//     machines need (Maass, Natschläger & Markram 2002; Legenstein & Maass
//     2007).
//   - Cost. Every spike costs N synaptic operations on the next step, so the
//     event-driven cost grows linearly with the rate; at 0.08 the 16
//     spiking neurons of a 200-neuron reservoir add fewer rows per step than
//     N-MNIST's 22 active inputs (density 0.087 of 256).
//
// Measured by TestGainSweepNMNIST (MEMLSM_LSM_SWEEP=1): on the 1000
// NMNISTsmall recordings (256 → 200, T = 50, Gaussian weights of seeds 1, 2,
// 4 and 5, ridge readout, 5-fold cross-validation, averaged over seeds) the
// accuracy with one rate per neuron (and with five windows) is 0.60 (0.61)
// at a mean rate of 0.002, 0.775 (0.774) at 0.025 — the paper's const —,
// 0.803 (0.804) at 0.047, 0.794 (0.817) at 0.081, 0.780 (0.797) at 0.136,
// 0.761 (0.786) at 0.199 and 0.692 (0.730) at 0.359. The band brackets
// the peak.
var DefaultBand = Band{Metric: MeanRate, Lo: 0.04, Hi: 0.12}

// Validate checks that the band is a non-empty sub-interval of [0, 1].
func (b Band) Validate() error {
	if b.Metric != MeanRate && b.Metric != ActiveFraction {
		return fmt.Errorf("lsm: band: unknown metric %v", b.Metric)
	}
	if !(b.Lo >= 0 && b.Lo < b.Hi && b.Hi <= 1) {
		return fmt.Errorf("lsm: band: [%v, %v] is not a non-empty interval in [0, 1]", b.Lo, b.Hi)
	}
	return nil
}

func (b Band) contains(v float64) bool { return v >= b.Lo && v <= b.Hi }

// Probe is one step of a gain search: the gain tried and the metric it gave.
type Probe struct {
	Gain  float64 `json:"gain"`
	Value float64 `json:"value"`
}

// Calibration is the result of a gain search.
type Calibration struct {
	Gain   float64 `json:"gain"`    // the chosen gain
	Value  float64 `json:"value"`   // the metric at Gain
	InBand bool    `json:"in_band"` // whether Value lies in Band
	Band   Band    `json:"band"`
	Trace  []Probe `json:"trace"` // every probe, in the order tried
}

// ErrNoGain is returned (wrapped) when no gain puts the metric into the
// band: the metric never reaches the band, or jumps over it.
var ErrNoGain = errors.New("no gain puts the reservoir into the target band")

// Search limits of the calibration (assumption: generous enough for any
// sensible reservoir, small enough to bound the cost at about 60 probes).
const (
	calibFactor   = 4  // bracketing step on the gain
	calibExpand   = 24 // bracketing steps: 4^24 ≈ 2.8e14 either way
	calibBisect   = 30 // bisection steps on log(gain)
	calibMinRatio = 1 + 1e-6
)

// MaxCalibrationProbes bounds the probes (one encoding of the inputs each)
// of Calibrate: the start, the bracketing (one direction) and the
// bisection.
const MaxCalibrationProbes = 1 + calibExpand + calibBisect

// CalibrateGain returns the gain that puts the reservoir's activity on
// inputs into target (DefaultBand if target is the zero Band). It is
// Calibrate without the trace.
func CalibrateGain(ctx context.Context, syn Synapses, cfg Config, inputs []Input, target Band) (float64, error) {
	c, err := Calibrate(ctx, syn, cfg, inputs, target, nil)
	return c.Gain, err
}

// Calibrate searches the gain (the paper's const, which the paper
// grid-searched per dataset) that puts the reservoir's activity on inputs —
// a small calibration subset such as 50–100 training samples — into target
// (DefaultBand if target is the zero Band). Only cfg.Gain varies: a set
// InGain or RecGain stays fixed, and with both set there is nothing to
// calibrate. cfg.Gain is the starting point (1 if it is 0). Windows is
// ignored (it does not change the activity).
//
// The search brackets the band's centre by multiplying or dividing the
// gain by 4, then bisects on log(gain), keeping one gain below and one above
// the centre, until a probe lands in the middle half of the band. Activity
// rises with the gain almost everywhere, but not strictly (inhibitory
// recurrence, the discreteness of spikes); bisection on a bracket needs
// no monotonicity to converge on a crossing of the centre. The chosen gain
// is the in-band probe nearest the centre. If none is in band, Calibrate
// returns the nearest probe and an error wrapping ErrNoGain. The search is
// deterministic: the same inputs and weights give the same trace.
func Calibrate(ctx context.Context, syn Synapses, cfg Config, inputs []Input, target Band, opt *Options) (Calibration, error) {
	if target == (Band{}) {
		target = DefaultBand
	}
	if err := target.Validate(); err != nil {
		return Calibration{}, err
	}
	if len(inputs) == 0 {
		return Calibration{}, fmt.Errorf("lsm: calibrate: no inputs")
	}
	if cfg.InGain != 0 && cfg.RecGain != 0 {
		return Calibration{}, fmt.Errorf("lsm: calibrate: in_gain and rec_gain are both set, so gain has no effect")
	}
	if cfg.Gain == 0 {
		cfg.Gain = 1
	}
	cfg.Windows = 0
	if err := cfg.Validate(); err != nil {
		return Calibration{}, err
	}
	cal := Calibration{Band: target}
	feats := make([]float32, len(inputs)*cfg.Neurons)
	measure := func(g float64) (float64, error) {
		c := cfg
		c.Gain = g
		enc, err := New(c, syn, opt)
		if err != nil {
			return 0, err
		}
		st, err := enc.Encode(ctx, inputs, feats, nil)
		if err != nil {
			return 0, err
		}
		v := st.MeanRate()
		if target.Metric == ActiveFraction {
			active := 0
			for _, f := range feats {
				if f > 0 {
					active++
				}
			}
			v = float64(active) / float64(len(feats))
		}
		cal.Trace = append(cal.Trace, Probe{Gain: g, Value: v})
		return v, nil
	}
	centre := (target.Lo + target.Hi) / 2
	done := func(v float64) bool { return math.Abs(v-centre) <= (target.Hi-target.Lo)/4 }

	err := func() error {
		g := cfg.Gain
		v, err := measure(g)
		if err != nil || done(v) {
			return err
		}
		// Bracket: value(lo) < centre <= value(hi).
		var lo, hi float64
		if v < centre {
			lo = g
			for range calibExpand {
				g *= calibFactor
				if v, err = measure(g); err != nil {
					return err
				}
				if v >= centre {
					hi = g
					break
				}
				lo = g
			}
		} else {
			hi = g
			for range calibExpand {
				g /= calibFactor
				if v, err = measure(g); err != nil {
					return err
				}
				if v < centre {
					lo = g
					break
				}
				hi = g
			}
		}
		if lo == 0 || hi == 0 || done(v) {
			return nil
		}
		for range calibBisect {
			if hi/lo < calibMinRatio {
				return nil
			}
			g = math.Sqrt(lo * hi)
			if v, err = measure(g); err != nil {
				return err
			}
			if done(v) {
				return nil
			}
			if v < centre {
				lo = g
			} else {
				hi = g
			}
		}
		return nil
	}()
	if err != nil {
		return cal, fmt.Errorf("lsm: calibrate: %w", err)
	}
	best := -1
	for k, p := range cal.Trace {
		if best < 0 || better(p, cal.Trace[best], target, centre) {
			best = k
		}
	}
	p := cal.Trace[best]
	cal.Gain, cal.Value, cal.InBand = p.Gain, p.Value, target.contains(p.Value)
	if !cal.InBand {
		return cal, fmt.Errorf("lsm: calibrate: %v of %.4g at the closest gain %.4g, target [%v, %v] after %d probes: %w",
			target.Metric, p.Value, p.Gain, target.Lo, target.Hi, len(cal.Trace), ErrNoGain)
	}
	return cal, nil
}

// better reports whether probe a is a better choice than b: in band beats
// out of band, then nearer the centre wins, then the smaller gain (fewer
// spikes, fewer operations).
func better(a, b Probe, target Band, centre float64) bool {
	ina, inb := target.contains(a.Value), target.contains(b.Value)
	if ina != inb {
		return ina
	}
	da, db := math.Abs(a.Value-centre), math.Abs(b.Value-centre)
	if da != db {
		return da < db
	}
	return a.Gain < b.Gain
}
