package convert

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/units"
)

// MotorSensor describes the output of MotorModel: threshold-crossing
// counts of a simulated motor-cortex population in the format of Willett
// et al. 2021's handwriting data (192 electrodes; one event per crossing,
// stamped with the start of its 10 ms bin). Channels is the model's.
var MotorSensor = events.Sensor{Name: "motor-cortex model", Channels: 192, Polarities: 1}

// MotorParams configures MotorModel, a simulated population of
// motor-cortex channels that "writes" a pen trajectory: every channel is
// cosine-tuned to the pen's velocity (Georgopoulos et al. 1982) with the
// speed scaling of Moran & Schwartz (1999), and spikes as a Poisson
// process; its counts are binned like the threshold crossings of Willett,
// Avansino, Hochberg, Henderson & Shenoy (2021, "High-performance
// brain-to-text communication via handwriting", Nature 593:249), the data
// of Lin et al. 2025's neural↔visual task.
//
// Every field says where its default comes from; "assumption" marks a
// value chosen here, with the reasoning.
type MotorParams struct {
	// Channels is the number of recording channels: 192, two 96-electrode
	// Utah arrays in the hand knob of precentral gyrus (Willett et al.
	// 2021).
	Channels int `json:"channels"`
	// Bin is the width of a count bin: 10 ms (Willett et al. 2021's
	// singleLetters.mat); Bins the bins of one trial: 201 (ibid.: 201 × 10
	// ms per trial).
	Bin  units.Seconds `json:"bin_s"`
	Bins int           `json:"bins"`

	// Onset is the mean time from the start of the trial to the first pen
	// move, OnsetJitter its standard deviation across trials. Assumption:
	// 0.3 s and 0.05 s — a typical reaction time to a go cue; Willett et
	// al.'s trials start before the pen moves and vary in when it does.
	Onset       units.Seconds `json:"onset_s"`
	OnsetJitter units.Seconds `json:"onset_jitter_s"`
	// Speed is the mean pen speed in pixels of the trajectory per second.
	// Assumption: 60 px/s, so that a median MNIST digit (a 40 px path,
	// pen-up moves included) takes 0.67 s — Willett et al. 2021's
	// participant wrote 90 characters per minute.
	Speed float64 `json:"speed_px_per_s"`
	// SpeedJitter is the standard deviation of the natural log of each
	// trial's speed factor (a trial is drawn faster or slower as a whole).
	// Assumption: 0.2 (±20 %); Willett et al. 2021 align trials by time
	// warping because the same letter is written at different speeds.
	SpeedJitter float64 `json:"speed_jitter"`
	// GainJitter is the standard deviation of the natural log of each
	// trial's modulation gain, shared by all channels (attention, arousal
	// and recording non-stationarity). Assumption: 0.15.
	GainJitter float64 `json:"gain_jitter"`
	// Smooth is the σ of the Gaussian that smooths the pen's velocity: a
	// traced skeleton turns in 45° steps between pixels, a hand does not.
	// Assumption: 30 ms, keeping the < 10 Hz bandwidth of handwriting
	// movements.
	Smooth units.Seconds `json:"smooth_s"`
	// Lead is how far the neural activity leads the velocity it encodes:
	// 120 ms (Wang, Chan, Heldman & Moran 2007, J. Neurophysiol. 97:4258 —
	// decoded velocity led hand velocity by 122 ms on average).
	Lead units.Seconds `json:"lead_s"`

	// BaselineHz is the median baseline rate of a channel and
	// BaselineSigma the σ of its natural log: channel baselines are drawn
	// log-normal, as cortical firing rates are (Buzsáki & Mizuseki 2014,
	// Nat. Rev. Neurosci. 15:264). Assumption: median 10 Hz, σ 0.8 (about
	// 2–50 Hz over ±2σ), multi-unit threshold crossings at −3.5 × RMS
	// (Willett et al. 2021's threshold) on electrodes most of which
	// cross ≥ 2 Hz (Willett et al. 2023, Nature 620:1031, Extended Data
	// Fig. 1: 118 of 128).
	BaselineHz    float64 `json:"baseline_hz"`
	BaselineSigma float64 `json:"baseline_sigma"`
	// DepthHz is the median modulation depth — the rate change for a move
	// in the preferred direction at the mean speed — and DepthSigma the σ
	// of its natural log. Assumption: median 8 Hz, σ 0.6, a depth of the
	// order of the baseline, as in Georgopoulos et al. 1982's cosine fits
	// D = b0 + c1·cos(θ − θ0).
	DepthHz    float64 `json:"depth_hz"`
	DepthSigma float64 `json:"depth_sigma"`
	// TunedFraction is the fraction of channels tuned to velocity; the
	// others keep their baseline. 0.9 (Truccolo, Friehs, Donoghue &
	// Hochberg 2008, J. Neurosci. 28:1163: 90 % and 95 % of units tuned to
	// velocity in two participants with tetraplegia).
	TunedFraction float64 `json:"tuned_fraction"`
	// Preferred directions are uniform on the circle (Georgopoulos et al.
	// 1982: preferred directions of the population cover all directions).

	// SensorSeed draws the channels' tuning (the "participant"): one
	// population for every trial. Any fixed value.
	SensorSeed uint64 `json:"sensor_seed"`
}

// DefaultMotorParams returns the parameters documented at MotorParams.
func DefaultMotorParams() MotorParams {
	return MotorParams{
		Channels: 192, Bin: 10e-3, Bins: 201,
		Onset: 0.3, OnsetJitter: 0.05,
		Speed: 60, SpeedJitter: 0.2, GainJitter: 0.15,
		Smooth: 30e-3, Lead: 0.12,
		BaselineHz: 10, BaselineSigma: 0.8,
		DepthHz: 8, DepthSigma: 0.6,
		TunedFraction: 0.9,
		SensorSeed:    0x5435, // "T5", Willett et al.'s participant
	}
}

// Validate reports the first parameter out of range.
func (p *MotorParams) Validate() error {
	finite := func(vs ...float64) bool {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
		return true
	}
	switch {
	case p.Channels < 1 || p.Channels > 1<<16:
		return fmt.Errorf("convert: motor: %d channels outside 1..65536", p.Channels)
	case !(p.Bin >= 1e-6 && p.Bin <= 1):
		return fmt.Errorf("convert: motor: bin %v outside [1 µs, 1 s]", p.Bin)
	case p.Bins < 1 || float64(p.Bins)*float64(p.Bin) > 3600:
		// An hour also keeps the events' 32-bit µs timestamps (71 min) safe.
		return fmt.Errorf("convert: motor: %d bins of %v: want at least one and at most an hour", p.Bins, p.Bin)
	case !finite(float64(p.Onset), float64(p.OnsetJitter), p.Speed, p.SpeedJitter, p.GainJitter, float64(p.Smooth), float64(p.Lead),
		p.BaselineHz, p.BaselineSigma, p.DepthHz, p.DepthSigma, p.TunedFraction):
		return fmt.Errorf("convert: motor: every parameter must be finite")
	case p.Onset < 0 || p.OnsetJitter < 0 || p.Smooth < 0 || p.Lead < 0:
		return fmt.Errorf("convert: motor: onset, onset jitter, smoothing and lead must not be negative")
	case !(p.Speed > 0):
		return fmt.Errorf("convert: motor: speed %g px/s must be positive", p.Speed)
	case p.SpeedJitter < 0 || p.SpeedJitter > 2 || p.GainJitter < 0 || p.GainJitter > 2:
		return fmt.Errorf("convert: motor: speed and gain jitter (σ of ln) must be in [0, 2]")
	case p.BaselineHz < 0 || p.BaselineHz > 1000 || p.DepthHz < 0 || p.DepthHz > 1000:
		return fmt.Errorf("convert: motor: baseline %g Hz and depth %g Hz must be in [0, 1000]", p.BaselineHz, p.DepthHz)
	case p.BaselineSigma < 0 || p.BaselineSigma > 3 || p.DepthSigma < 0 || p.DepthSigma > 3:
		return fmt.Errorf("convert: motor: baseline and depth σ (of ln) must be in [0, 3]")
	case p.TunedFraction < 0 || p.TunedFraction > 1:
		return fmt.Errorf("convert: motor: tuned fraction %g outside [0, 1]", p.TunedFraction)
	}
	return nil
}

// Channel is the tuning of one simulated channel: its rate at a time
// whose (smoothed, lead-shifted) pen velocity is v is
//
//	λ = max(0, Baseline + g · Depth · (v · u) / v̄)
//
// with u the unit vector of the preferred direction, v̄ the mean speed
// (MotorParams.Speed) and g the trial's gain: cosine tuning to direction
// (Georgopoulos et al. 1982) scaled by speed (Moran & Schwartz 1999).
type Channel struct {
	BaselineHz float64 `json:"baseline_hz"`
	DepthHz    float64 `json:"depth_hz"` // 0 for an untuned channel
	// Preferred direction in radians, in image coordinates (x right,
	// y down).
	PreferredRad float64 `json:"preferred_rad"`
}

// Trial is the trial-to-trial variability drawn for one conversion.
type Trial struct {
	Onset units.Seconds `json:"onset_s"`
	Speed float64       `json:"speed_factor"` // × MotorParams.Speed
	Gain  float64       `json:"gain"`         // × every channel's depth
}

// MotorModel converts pen trajectories into the binned spike counts of a
// simulated motor-cortex population (see MotorParams). It is safe for
// concurrent use.
type MotorModel struct {
	p        MotorParams
	channels []Channel
	ux, uy   []float64 // preferred-direction unit vectors
}

// NewMotorModel validates p and draws the population's tuning from
// p.SensorSeed.
func NewMotorModel(p MotorParams) (*MotorModel, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	m := &MotorModel{p: p, channels: make([]Channel, p.Channels), ux: make([]float64, p.Channels), uy: make([]float64, p.Channels)}
	r := rand.New(rand.NewPCG(p.SensorSeed, streamFixedPattern))
	for c := range m.channels {
		// Fixed draw order: baseline, depth, direction, tuned — so that one
		// parameter's change never reshuffles the others.
		b := p.BaselineHz * math.Exp(p.BaselineSigma*r.NormFloat64())
		d := p.DepthHz * math.Exp(p.DepthSigma*r.NormFloat64())
		th := 2 * math.Pi * r.Float64()
		if r.Float64() >= p.TunedFraction {
			d = 0
		}
		m.channels[c] = Channel{BaselineHz: b, DepthHz: d, PreferredRad: th}
		m.ux[c], m.uy[c] = math.Cos(th), math.Sin(th)
	}
	return m, nil
}

// Params returns the model's parameters.
func (m *MotorModel) Params() MotorParams { return m.p }

// Channels returns the tuning of every channel (a copy).
func (m *MotorModel) Channels() []Channel { return append([]Channel(nil), m.channels...) }

// Sensor returns the sensor description of the model's output.
func (m *MotorModel) Sensor() events.Sensor {
	s := MotorSensor
	s.Channels = m.p.Channels
	return s
}

// DrawTrial draws the trial-to-trial variability of the conversion seeded
// with seed (what Convert uses).
func (m *MotorModel) DrawTrial(seed uint64) Trial {
	r := rand.New(rand.NewPCG(seed, streamRecording))
	return m.drawTrial(r)
}

func (m *MotorModel) drawTrial(r *rand.Rand) Trial {
	p := &m.p
	return Trial{
		Onset: units.Seconds(max(0, float64(p.Onset)+float64(p.OnsetJitter)*r.NormFloat64())),
		Speed: math.Exp(p.SpeedJitter * r.NormFloat64()),
		Gain:  math.Exp(p.GainJitter * r.NormFloat64()),
	}
}

// Velocity returns the smoothed pen velocity (pixels/s) that the channels
// encode in each bin of a trial: the trajectory drawn at the trial's speed
// from its onset, each move at constant speed (pen-up moves like pen-down
// ones), smoothed by the Gaussian of MotorParams.Smooth and sampled at
// the bin's centre plus the lead. The pen rests before the onset and after
// the last move; a trajectory longer than the trial is cut off.
func (m *MotorModel) Velocity(t *events.Trajectory, tr Trial) (vx, vy []float64) {
	p := &m.p
	vx, vy = make([]float64, p.Bins), make([]float64, p.Bins)
	speed := p.Speed * tr.Speed
	sig := float64(p.Smooth)
	at := float64(tr.Onset)
	bin := float64(p.Bin)
	for _, mv := range t.Moves {
		dx, dy := float64(mv.DX), float64(mv.DY)
		if dx == 0 && dy == 0 {
			continue
		}
		d := math.Hypot(dx, dy) / speed
		a, b := at, at+d
		at = b
		wx, wy := dx/d, dy/d // velocity during the move
		// The move contributes w·(Φ((s−a)/σ) − Φ((s−b)/σ)) at time s:
		// its constant velocity convolved with the Gaussian. Bins further
		// than 6σ away get nothing.
		lo := max(0, int(math.Floor((a-6*sig-float64(p.Lead))/bin-0.5)))
		hi := min(p.Bins-1, int(math.Ceil((b+6*sig-float64(p.Lead))/bin-0.5)))
		for k := lo; k <= hi; k++ {
			s := (float64(k)+0.5)*bin + float64(p.Lead)
			var f float64
			if sig == 0 {
				if s >= a && s < b {
					f = 1
				}
			} else {
				f = normCDF((s-a)/sig) - normCDF((s-b)/sig)
			}
			vx[k] += f * wx
			vy[k] += f * wy
		}
	}
	return vx, vy
}

func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// Rates returns the expected rate (Hz) of every channel in every bin,
// rates[k*Channels + c], for trajectory t in trial tr.
func (m *MotorModel) Rates(t *events.Trajectory, tr Trial) []float64 {
	vx, vy := m.Velocity(t, tr)
	n := m.p.Channels
	out := make([]float64, m.p.Bins*n)
	g := tr.Gain / m.p.Speed
	for k := range m.p.Bins {
		row := out[k*n : (k+1)*n]
		for c, ch := range m.channels {
			row[c] = max(0, ch.BaselineHz+g*ch.DepthHz*(vx[k]*m.ux[c]+vy[k]*m.uy[c]))
		}
	}
	return out
}

// Convert turns trajectory t into threshold-crossing events: the trial's
// variability (onset, speed, gain; DrawTrial) and the Poisson counts of
// every channel and bin are drawn from seed. A count of n in bin k of
// channel c is n events {T: k·Bin, Ch: c}, so the events are Willett et
// al.'s count array in event form; they are ordered by time, then channel.
func (m *MotorModel) Convert(t *events.Trajectory, seed uint64) []events.Event1D {
	r := rand.New(rand.NewPCG(seed, streamRecording))
	tr := m.drawTrial(r)
	rates := m.Rates(t, tr)
	n := m.p.Channels
	bin := float64(m.p.Bin)
	var ev []events.Event1D
	for k := range m.p.Bins {
		ts := uint32(math.Round(float64(k) * bin * 1e6))
		for c := range n {
			for range poisson(r, rates[k*n+c]*bin) {
				ev = append(ev, events.Event1D{T: ts, Ch: uint16(c)})
			}
		}
	}
	return ev
}

// poisson draws a Poisson count of mean mu: by inversion for mu < 30
// (one uniform draw and on average mu+1 multiplications), by the normal
// approximation rounded and clamped at 0 beyond, where it is within 1 %.
func poisson(r *rand.Rand, mu float64) int {
	if !(mu > 0) {
		return 0
	}
	if mu >= 30 {
		return max(0, int(math.Round(mu+math.Sqrt(mu)*r.NormFloat64())))
	}
	u := r.Float64()
	p := math.Exp(-mu)
	s := p
	k := 0
	for u > s && k < 1000 {
		k++
		p *= mu / float64(k)
		s += p
	}
	return k
}
