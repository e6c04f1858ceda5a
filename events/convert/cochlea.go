package convert

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/units"
)

// CochleaSensor is the sensor that Cochlea models: 64 frequency channels
// without polarity, like the CochleaAMS1b of N-TIDIGITS. Channel 0 has the
// highest best frequency (the base of the cochlea), as on the real sensor.
var CochleaSensor = events.Sensor{Name: "cochlea model (CochleaAMS1b-like)", Channels: 64, Polarities: 1}

// CochleaParams are the physical parameters of the silicon-cochlea model.
// DefaultCochleaParams documents where each default comes from.
type CochleaParams struct {
	// Channels is the number of cascade stages, each with one output
	// channel.
	Channels int `json:"channels"`
	// FreqHigh and FreqLow are the best frequencies of channel 0 (the
	// base, first stage of the cascade) and of the last channel (apex);
	// the channels in between are spaced logarithmically.
	FreqHigh units.Hertz `json:"freq_high_hz"`
	FreqLow  units.Hertz `json:"freq_low_hz"`
	// StageQ is the quality factor of each cascade low-pass section;
	// TapQ that of the band-pass filter on each stage's output.
	StageQ float64 `json:"stage_q"`
	// StageRatio places each cascade section's corner frequency at this
	// multiple of its channel's best frequency (the tap's centre).
	StageRatio float64 `json:"stage_ratio"`
	TapQ       float64 `json:"tap_q"`
	// TapERB, when positive, replaces TapQ: every tap's bandwidth is TapERB
	// times the equivalent rectangular bandwidth of the human auditory
	// filter at its best frequency, ERB(f) = 24.7·(4.37·f/kHz + 1) Hz
	// (Glasberg & Moore 1990), so Q = f/(TapERB·ERB(f)) rises from 4.8 at
	// 250 Hz to 8.7 at 3.6 kHz for TapERB 1.
	TapERB float64 `json:"tap_erb,omitempty"`
	// FreqMismatch is the relative σ of each stage's best frequency
	// (fixed pattern).
	FreqMismatch float64 `json:"freq_mismatch"`

	// Endpoint, if set, cuts every recording to its spoken word before
	// anything else (audio.Endpoints with these parameters), so the events
	// of an untrimmed recording start with the word and end with it; nil
	// converts the whole recording.
	Endpoint *audio.EndpointParams `json:"endpoint,omitempty"`

	// Level is the active speech level (ITU-T P.56, dB relative to a
	// full-scale square wave) every recording is scaled to before the
	// filterbank, as a recording set-up plays all utterances at one
	// calibrated loudness. A silent recording is not scaled.
	Level float64 `json:"level_db"`
	// PreEmphasis is the corner frequency of a first-order high-pass
	// tilt (+6 dB per octave above it) in front of the filterbank; 0
	// turns it off.
	PreEmphasis units.Hertz `json:"pre_emphasis_hz"`
	// HalfSat is the half-saturation level of the hair-cell
	// compression r/(r+HalfSat) applied to each rectified channel output.
	HalfSat float64 `json:"half_sat"`
	// AGCStrength and AGCTime set each channel's automatic gain control:
	// the half-saturation level rises by AGCStrength times the channel's
	// rectified output averaged over AGCTime, so a channel that has been
	// loud for a while becomes less sensitive. AGCStrength 0 turns it off.
	AGCStrength float64       `json:"agc_strength"`
	AGCTime     units.Seconds `json:"agc_time_s"`
	// AGCCoupling spreads the gain control across channels: each channel's
	// half-saturation level follows (1−k)·its own averaged output plus k
	// times the average over all channels. 0 adapts every channel on its
	// own (flattening the spectrum over time); 1 adapts all channels
	// together to the overall loudness, keeping the spectral shape (the
	// spatial smoothing of the AGC in Lyon's CARFAC, 2011, at its widest).
	AGCCoupling float64 `json:"agc_coupling"`

	// NoiseFloor, when positive, suppresses stationary background noise
	// in every channel: spectral subtraction (Boll 1979) applied to the
	// cochlea's channels, with the noise floor estimated from the
	// recording itself from its quietest moments (in the manner of the
	// minimum statistics of Martin 2001). A first pass measures each
	// channel's envelope (its rectified output averaged with time constant
	// NoiseWindow) every NoiseWindow; the quietest NoisePercentile % of
	// those frames, by the envelope summed over all channels, are taken as
	// background, and a channel's floor f is its mean envelope over them.
	// (Frames are chosen jointly, not per channel, so a channel that a
	// vowel drives through most of a word is not taken for noise.) The
	// second pass scales the channel's output by max(1 − NoiseFloor·f/e,
	// 0), e being the envelope at that moment.
	// NoiseFloor is the over-subtraction factor; 0 turns it off.
	NoiseFloor      float64       `json:"noise_floor"`
	NoisePercentile float64       `json:"noise_percentile"`
	NoiseWindow     units.Seconds `json:"noise_window_s"`

	// Rate is the firing rate an integrate-and-fire ganglion cell
	// approaches at saturated input (before its leak and refractory
	// period take their share).
	Rate units.Hertz `json:"rate_hz"`
	// Leak is the membrane time constant of the ganglion cells: input
	// that would take longer than about Leak to reach threshold never
	// fires.
	Leak units.Seconds `json:"leak_s"`
	// Refractory is the dead time after each spike.
	Refractory units.Seconds `json:"refractory_s"`
	// RateMismatch is the relative σ (log-normal) of each channel's
	// Rate (fixed pattern).
	RateMismatch float64 `json:"rate_mismatch"`
	// NoiseRate is the rate of spontaneous events per channel.
	NoiseRate units.Hertz `json:"noise_rate_hz"`
	// Jitter is the σ of the Gaussian timing noise of each event.
	Jitter units.Seconds `json:"jitter_s"`

	// SensorSeed draws the fixed pattern (per-stage frequency and
	// per-channel gain mismatch): one seed is one physical sensor. The
	// per-recording seed given to Convert draws the rest.
	SensorSeed uint64 `json:"sensor_seed"`
}

// DefaultCochleaParams returns the parameters of the model of the
// CochleaAMS1b silicon cochlea with which N-TIDIGITS was recorded (Anumula,
// Neil, Delbruck, Liu 2018, "Feature representations for neuromorphic audio
// spike streams", Front. Neurosci. 12:23), set up for 8 kHz speech such as
// FSDD.
func DefaultCochleaParams() CochleaParams {
	return CochleaParams{
		// 64 channels per ear: CochleaAMS1b (Liu, van Schaik, Minch,
		// Delbruck 2010/2014, AEREAR2 family; Anumula et al. 2018, N-TIDIGITS).
		Channels: 64,
		// assumption: the real sensor spreads its 64 stages over roughly
		// 8 octaves up to ~20 kHz, but FSDD is sampled at 8 kHz, so every
		// channel above 4 kHz would be dead and the rest too coarse. The
		// band 250 Hz – 3.6 kHz (0.9 × the 4 kHz Nyquist frequency, so the
		// top filter's skirt fits below it) holds F1–F3 of speech, the
		// formants that tell digits apart, with 16.6 channels per octave,
		// and leaves out most of the speaker-specific voice pitch (male F0
		// 85–155 Hz). Measured on FSDD (an LSM of 200 neurons on the
		// paper's binning, 4 windows, ridge readout, each speaker held
		// out in turn): floors of 100 and 150 Hz gave 0.63 and 0.64
		// against 0.70 for 250 Hz.
		FreqHigh: 3600, FreqLow: 250,
		// Lyon & Mead's cascade sections are near-critically damped so
		// the gains of 64 stages do not pile up (Q 0.7). The band-pass taps
		// are as wide as the human auditory filters: one equivalent
		// rectangular bandwidth, ERB(f) = 24.7·(4.37·f/kHz + 1) Hz
		// (Glasberg & Moore 1990, Hear. Res. 47:103), i.e. Q 4.8 at 250 Hz
		// to 8.7 at 3.6 kHz — the tuning silicon cochleas are built to
		// approach. Measured on FSDD (speaker-wise rotations on training
		// speakers, TestAudioFrontEndNestedCV): the stage-1 taps of Q 3
		// (1/3 octave) smear the formants; ERB taps raised the inner
		// accuracy from 0.715 to 0.773 (LSM, 3 training speakers); Q 12,
		// ERB×0.6 and ERB×1.5 scored within ±0.02 of ERB×1. TapQ is used
		// when TapERB is 0.
		StageQ: 0.7, TapQ: 3, TapERB: 1,
		// assumption: corners half an octave above the taps, so the
		// cascade gives each channel its steep high-frequency side
		// without pulling its peak away from the tap's centre
		// (TestCochleaTonotopy).
		StageRatio: 1.41,
		// assumption: 3 % σ best-frequency mismatch per stage, a typical
		// subthreshold-bias mismatch of such chips.
		FreqMismatch: 0.03,
		// Endpoint detection (audio.DefaultEndpointParams): untrimmed
		// recordings are cut to their word, so the time base of the
		// binning is the word's; recordings already trimmed to the word
		// are left whole.
		Endpoint: defaultEndpoint(),
		// ITU-T P.56 / P.800: −26 dBov is the nominal active speech level
		// of telephony test material.
		Level: -26,
		// assumption: a +6 dB/octave tilt above 500 Hz, the role of the
		// outer- and middle-ear resonance in front of a real cochlea; it
		// balances the −6 dB/octave tilt of voiced speech so the upper
		// channels are not starved.
		PreEmphasis: 500,
		// assumption: half saturation at 0.009 (−41 dB) of full scale, so
		// the loud formant channels saturate and the ~30 dB below stay
		// graded: the dynamic-range compression of inner hair cells.
		// Measured on FSDD: 3× higher silences a third of the channels,
		// 3× lower lets quiet channels fire as often as formants; both
		// lose accuracy.
		HalfSat: 0.009,
		// Off: per-channel adaptation (an AGC like Lyon's CARFAC, 2011)
		// emphasises onsets but did not help the spoken-digit check; on
		// FSDD (ERB taps, 3 training speakers) coupled across channels
		// (AGCCoupling 1, strength 3, 20 ms) it cost 0.013.
		AGCStrength: 0, AGCTime: 0.2,
		// Stationary background is subtracted per channel (NoiseFloor):
		// the floor is the mean envelope over the quietest 10 % of 10 ms
		// frames, subtracted once (no over-subtraction). Measured on FSDD
		// (ERB taps, 3 training speakers): white noise at 20 dB SNR cost
		// 0.19 of accuracy without it and 0.01 with it, at a cost of about
		// 0.04 on clean recordings (a word trimmed to its edges has no
		// background, so its quietest frames are weak consonants); over-
		// subtraction 1.5–2 or 20 % of frames cost more on both. Assumption:
		// 10 % of a recording is background or pauses.
		NoiseFloor: 1, NoisePercentile: 10, NoiseWindow: 0.010,
		// Fitted: a saturated channel then fires at ~570 events/s (with
		// the leak and refractory period below: 1/(1 ms + 10 ms·ln(14/13))),
		// the ~530 events/s of the busiest channel of NTIDIGITS_1.bs1
		// (one real N-TIDIGITS recording; TestCochleaMatchesNTIDIGITS).
		// Measured on FSDD: 700 Hz gives the same accuracy with fewer
		// events, 2000 Hz saturates the paper's 129-chunk OR-pooled
		// binning and loses accuracy.
		Rate: 1400,
		// assumption: 10 ms membrane time constant, so input weaker than
		// ~1/(Rate × Leak) = 7 % of saturation stays silent.
		Leak: 0.010,
		// assumption: 1 ms refractory period caps a channel at 1 kHz.
		Refractory: 0.001,
		// assumption: 20 % log-normal gain mismatch between channels.
		RateMismatch: 0.2,
		// NTIDIGITS_1.bs1: about 10 events fall outside the utterance in
		// its 1.08 s; assumption: 0.15 Hz per channel.
		NoiseRate: 0.15,
		// assumption: 50 µs timing jitter (AER arbitration and bus
		// delays at the rates above).
		Jitter: 50e-6,
		// Any fixed value: one simulated sensor for every recording.
		SensorSeed: 0x4e544944, // "NTID"
	}
}

func defaultEndpoint() *audio.EndpointParams {
	p := audio.DefaultEndpointParams()
	return &p
}

// Validate reports the first parameter that makes no physical sense.
func (p *CochleaParams) Validate() error {
	switch {
	case p.Endpoint != nil && p.Endpoint.Validate() != nil:
		return fmt.Errorf("convert: cochlea: %w", p.Endpoint.Validate())
	case p.Channels <= 0 || p.Channels > 1<<15:
		return fmt.Errorf("convert: cochlea: %d channels out of range 1..32768", p.Channels)
	case !(p.FreqLow > 0) || !(p.FreqHigh > p.FreqLow) || p.FreqHigh > 1e6:
		return fmt.Errorf("convert: cochlea: band %v–%v is not 0 < low < high ≤ 1 MHz", p.FreqLow, p.FreqHigh)
	case !(p.StageQ > 0.1 && p.StageQ < 10) || !(p.TapQ > 0.1 && p.TapQ < 100):
		return fmt.Errorf("convert: cochlea: Q %g/%g out of range", p.StageQ, p.TapQ)
	case !(p.TapERB >= 0 && p.TapERB < 100):
		return fmt.Errorf("convert: cochlea: tap ERB multiple %g not in [0, 100)", p.TapERB)
	case !(p.StageRatio >= 0.5 && p.StageRatio <= 4):
		return fmt.Errorf("convert: cochlea: stage ratio %g not in [0.5, 4]", p.StageRatio)
	case !(p.FreqMismatch >= 0 && p.FreqMismatch < 0.5):
		return fmt.Errorf("convert: cochlea: frequency mismatch %g not in [0, 0.5)", p.FreqMismatch)
	case !(p.Level > -120 && p.Level <= 0):
		return fmt.Errorf("convert: cochlea: level %g dB not in (−120, 0]", p.Level)
	case !(p.PreEmphasis >= 0 && p.PreEmphasis < 1e6):
		return fmt.Errorf("convert: cochlea: pre-emphasis %v out of range", p.PreEmphasis)
	case !(p.AGCStrength >= 0 && p.AGCStrength < 1e6) || (p.AGCStrength > 0 && !(p.AGCTime > 0)) ||
		!(p.AGCCoupling >= 0 && p.AGCCoupling <= 1):
		return fmt.Errorf("convert: cochlea: AGC strength %g / time %v out of range", p.AGCStrength, p.AGCTime)
	case !(p.NoiseFloor >= 0 && p.NoiseFloor < 100) || p.NoiseFloor > 0 && (!(p.NoisePercentile >= 0 && p.NoisePercentile < 100) || !(p.NoiseWindow > 0 && p.NoiseWindow < 10)):
		return fmt.Errorf("convert: cochlea: noise floor %g (percentile %g, window %v) out of range", p.NoiseFloor, p.NoisePercentile, p.NoiseWindow)
	case !(p.HalfSat > 0 && p.HalfSat < 100):
		return fmt.Errorf("convert: cochlea: half-saturation %g not in (0, 100)", p.HalfSat)
	case !(p.Rate > 0 && p.Rate < 1e6):
		return fmt.Errorf("convert: cochlea: rate %v not in (0, 1 MHz)", p.Rate)
	case !(p.Leak > 0) || !(p.Refractory >= 0) || !(p.Jitter >= 0):
		return fmt.Errorf("convert: cochlea: leak must be > 0, refractory and jitter ≥ 0")
	case !(p.RateMismatch >= 0 && p.RateMismatch < 2):
		return fmt.Errorf("convert: cochlea: rate mismatch %g not in [0, 2)", p.RateMismatch)
	case !(p.NoiseRate >= 0 && p.NoiseRate < 1e5):
		return fmt.Errorf("convert: cochlea: noise rate %v out of range", p.NoiseRate)
	}
	return nil
}

// BestFrequencies returns the nominal best frequency of every channel,
// channel 0 first (highest).
func (p *CochleaParams) BestFrequencies() []units.Hertz {
	f := make([]units.Hertz, p.Channels)
	for i := range f {
		x := 0.0
		if p.Channels > 1 {
			x = float64(i) / float64(p.Channels-1)
		}
		f[i] = units.Hertz(float64(p.FreqHigh) * math.Pow(float64(p.FreqLow/p.FreqHigh), x))
	}
	return f
}

// CochleaModel converts audio with one set of parameters. It holds the sensor's
// fixed pattern and is safe for concurrent use.
type CochleaModel struct {
	p       CochleaParams
	cf      []float64 // per-stage best frequency with mismatch, Hz
	rate    []float64 // per-channel saturated rate with mismatch, Hz
	scratch pool[cochleaScratch]
}

type cochleaScratch struct {
	floor    []float64 // per-channel noise floor (NoiseFloor)
	envs     []float64 // first pass: channel envelopes, channel-major
	tot      []float64 // first pass: envelopes summed over channels, per frame
	order    []int     // first pass: frames from quietest
	bank     []biquadPair
	ev       []events.Event1D
	sortb    []events.Event1D
	pcg      *rand.PCG
	rng      *rand.Rand
	bankRate int
}

// biquadPair is one channel: the cascade section, the band-pass tap and
// the ganglion cell, with their states.
type biquadPair struct {
	// cascade low-pass section (transposed direct form II)
	lb0, lb1, la1, la2 float64 // b2 = b0 for a low-pass
	lz1, lz2           float64
	// band-pass tap: b1 = 0, b2 = −b0
	bb0, ba1, ba2 float64
	bz1, bz2      float64
	// ganglion cell
	dead bool    // best frequency at or above Nyquist: no output
	gain float64 // rate × dt: potential gained per sample at saturation
	v    float64 // membrane potential, threshold 1
	env  float64 // AGC: rectified output averaged over AGCTime
	nenv float64 // noise suppression: rectified output averaged over NoiseWindow
	refr int     // refractory samples left
}

// NewCochleaModel validates p and draws the sensor's fixed pattern.
func NewCochleaModel(p CochleaParams) (*CochleaModel, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &CochleaModel{p: p}
	r := rand.New(rand.NewPCG(p.SensorSeed, streamFixedPattern))
	for _, f := range p.BestFrequencies() {
		c.cf = append(c.cf, float64(f)*math.Exp(p.FreqMismatch*r.NormFloat64()))
		c.rate = append(c.rate, float64(p.Rate)*math.Exp(p.RateMismatch*r.NormFloat64()))
	}
	return c, nil
}

// tapQ returns the quality factor of the band-pass tap at f Hz.
func (c *CochleaModel) tapQ(f float64) float64 {
	if c.p.TapERB > 0 {
		return f / (c.p.TapERB * 24.7 * (4.37*f/1000 + 1))
	}
	return c.p.TapQ
}

// Params returns the converter's parameters.
func (c *CochleaModel) Params() CochleaParams { return c.p }

// Cochlea converts mono audio (samples in [-1, 1] at rate Hz) into the
// address events of a silicon cochlea listening to it. The result is
// deterministic for (samples, rate, p, seed). It is the one-call form of
// NewCochleaModel(p) and (*CochleaModel).Convert.
func Cochlea(samples []float64, rate int, p CochleaParams, seed uint64) ([]events.Event1D, error) {
	c, err := NewCochleaModel(p)
	if err != nil {
		return nil, err
	}
	return c.Convert(samples, rate, seed)
}

// Convert returns the events of one recording; see Append.
func (c *CochleaModel) Convert(samples []float64, rate int, seed uint64) ([]events.Event1D, error) {
	return c.Append(nil, samples, rate, seed)
}

// Trim returns the part of a recording that Convert turns into events:
// the word found by endpoint detection when the parameters ask for it,
// else all of it.
func (c *CochleaModel) Trim(samples []float64, rate int) []float64 {
	if c.p.Endpoint == nil || rate < 1000 {
		return samples
	}
	s, e, err := audio.Endpoints(samples, rate, *c.p.Endpoint)
	if err != nil { // parameters validated in NewCochleaModel
		return samples
	}
	return samples[s:e]
}

// maxAudioSeconds bounds one recording so timestamps fit the 23-bit µs
// formats the events are written to (8.39 s).
const maxAudioSeconds = float64(maxTimestamp) / 1e6

// Append converts one recording and appends its events, in time order, to
// dst. seed draws the per-recording randomness (spontaneous events,
// jitter, the ganglion cells' initial potentials). Channels whose best
// frequency is at or above 0.48 × rate (too close to the Nyquist frequency
// to be filtered) stay silent.
func (c *CochleaModel) Append(dst []events.Event1D, samples []float64, rate int, seed uint64) ([]events.Event1D, error) {
	if rate < 1000 || rate > 1000000 {
		return dst, fmt.Errorf("convert: cochlea: sample rate %d Hz not in 1 kHz..1 MHz", rate)
	}
	if float64(len(samples))/float64(rate) > maxAudioSeconds {
		return dst, fmt.Errorf("convert: cochlea: %.2f s of audio is longer than %.2f s (23-bit µs timestamps)",
			float64(len(samples))/float64(rate), maxAudioSeconds)
	}
	sc := c.scratch.get(func() *cochleaScratch {
		pcg := rand.NewPCG(0, 0)
		return &cochleaScratch{pcg: pcg, rng: rand.New(pcg)}
	})
	defer c.scratch.put(sc)
	samples = c.Trim(samples, rate)
	sc.pcg.Seed(seed, streamRecording)
	c.setup(sc, rate)
	r := sc.rng
	for i := range sc.bank {
		sc.bank[i].v = r.Float64() // the cells have been firing before
	}
	gain := audio.Gain(samples, rate, c.p.Level)
	dt := 1 / float64(rate)
	// Pre-emphasis: y[n] = (x[n] − a·x[n−1])/(1 − a), a = exp(−2π f/rate):
	// a zero at f, unit gain at low frequencies whatever the rate.
	pa, pg := 0.0, 1.0
	if c.p.PreEmphasis > 0 {
		pa = math.Exp(-2 * math.Pi * float64(c.p.PreEmphasis) / float64(rate))
		pg = 1 / (1 - pa)
	}
	nf := c.p.NoiseFloor
	nfA := 0.0
	if nf > 0 {
		c.noiseFloors(sc, samples, rate, gain, pa, pg)
		c.setup(sc, rate) // clear the filter states for the second pass
		for i := range sc.bank {
			sc.bank[i].v = r.Float64()
		}
		nfA = 1 - math.Exp(-dt/float64(c.p.NoiseWindow))
	}
	refr := int(math.Round(float64(c.p.Refractory) * float64(rate)))
	leak := math.Exp(-dt / float64(c.p.Leak))
	hs := c.p.HalfSat
	agc := c.p.AGCStrength
	agcA := 0.0
	if agc > 0 {
		agcA = 1 - math.Exp(-dt/float64(c.p.AGCTime))
	}
	jit := float64(c.p.Jitter)
	ev := sc.ev[:0]
	bank := sc.bank
	var prev float64
	// Coupled AGC: the mean over channels of the averaged outputs, from
	// the previous sample (kc its weight, 1−kc the channel's own).
	kc := c.p.AGCCoupling
	var genv, gsum float64
	live := 0
	for i := range bank {
		if !bank[i].dead {
			live++
		}
	}
	for n, s := range samples {
		s *= gain
		x := (s - pa*prev) * pg
		prev = s
		t := float64(n) * dt
		if kc > 0 && live > 0 {
			genv, gsum = gsum/float64(live), 0
		}
		for ch := range bank {
			b := &bank[ch]
			// Cascade section (low-pass, b2 = b0).
			y := b.lb0*x + b.lz1
			b.lz1 = b.lb1*x - b.la1*y + b.lz2
			b.lz2 = b.lb0*x - b.la2*y
			x = y
			if b.dead {
				continue
			}
			// Band-pass tap (b1 = 0, b2 = −b0).
			u := b.bb0*y + b.bz1
			b.bz1 = -b.ba1*u + b.bz2
			b.bz2 = -b.bb0*y - b.ba2*u
			if nf > 0 {
				// Spectral subtraction against the channel's floor.
				b.nenv += nfA * (math.Abs(u) - b.nenv)
				if g := 1 - nf*sc.floor[ch]/b.nenv; g > 0 {
					u *= g
				} else {
					u = 0
				}
			}
			// Half-wave rectification and hair-cell compression.
			in := 0.0
			if u > 0 {
				in = u / (u + hs + agc*((1-kc)*b.env+kc*genv))
				b.env += agcA * (u - b.env)
			} else {
				b.env -= agcA * b.env
			}
			gsum += b.env
			// Leaky integrate-and-fire ganglion cell.
			if b.refr > 0 {
				b.refr--
				continue
			}
			b.v = b.v*leak + b.gain*in
			if b.v >= 1 {
				b.v -= 1
				b.refr = refr
				te := t
				if jit > 0 {
					te += jit * r.NormFloat64()
				}
				ev = append(ev, events.Event1D{T: usec(te), Ch: uint16(ch)})
			}
		}
	}
	// Spontaneous events: a Poisson process per channel, merged.
	if total := float64(c.p.NoiseRate) * float64(len(bank)); total > 0 {
		T := float64(len(samples)) * dt
		for t := r.ExpFloat64() / total; t < T; t += r.ExpFloat64() / total {
			ev = append(ev, events.Event1D{T: usec(t), Ch: uint16(r.IntN(len(bank)))})
		}
	}
	sc.sortb = sortEvents1D(ev, sc.sortb)
	sc.ev = ev
	return append(dst, ev...), nil
}

// noiseFloors runs the filterbank over the recording once, samples every
// channel's envelope (|output| averaged with time constant NoiseWindow)
// every NoiseWindow, and sets sc.floor[ch] to channel ch's mean envelope
// over the quietest NoisePercentile % of those frames (by the envelope
// summed over channels).
func (c *CochleaModel) noiseFloors(sc *cochleaScratch, samples []float64, rate int, gain, pa, pg float64) {
	bank := sc.bank
	nch := len(bank)
	step := max(int(math.Round(float64(c.p.NoiseWindow)*float64(rate))), 1)
	frames := len(samples)/step + 1
	sc.envs = slices.Grow(sc.envs[:0], nch*frames)[:nch*frames]
	a := 1 - math.Exp(-1/(float64(c.p.NoiseWindow)*float64(rate)))
	var prev float64
	f := 0
	for n, s := range samples {
		s *= gain
		x := (s - pa*prev) * pg
		prev = s
		for ch := range bank {
			b := &bank[ch]
			y := b.lb0*x + b.lz1
			b.lz1 = b.lb1*x - b.la1*y + b.lz2
			b.lz2 = b.lb0*x - b.la2*y
			x = y
			if b.dead {
				continue
			}
			u := b.bb0*y + b.bz1
			b.bz1 = -b.ba1*u + b.bz2
			b.bz2 = -b.bb0*y - b.ba2*u
			b.nenv += a * (math.Abs(u) - b.nenv)
		}
		if (n+1)%step == 0 && f < frames {
			for ch := range bank {
				sc.envs[ch*frames+f] = bank[ch].nenv
			}
			f++
		}
	}
	if len(sc.floor) != nch {
		sc.floor = make([]float64, nch)
	}
	clear(sc.floor)
	if f == 0 {
		return
	}
	// The quietest frames of the recording, by their envelope summed over
	// the channels: the background between and around the sounds.
	sc.tot = slices.Grow(sc.tot[:0], f)[:f]
	for k := range f {
		t := 0.0
		for ch := range bank {
			t += sc.envs[ch*frames+k]
		}
		sc.tot[k] = t
	}
	sc.order = slices.Grow(sc.order[:0], f)[:f]
	for k := range sc.order {
		sc.order[k] = k
	}
	slices.SortFunc(sc.order, func(a, b int) int { return cmp.Compare(sc.tot[a], sc.tot[b]) })
	q := max(int(math.Ceil(c.p.NoisePercentile/100*float64(f))), 1)
	for ch := range bank {
		s := 0.0
		for _, k := range sc.order[:q] {
			s += sc.envs[ch*frames+k]
		}
		sc.floor[ch] = s / float64(q)
	}
}

// setup (re)computes the filter coefficients for a sample rate and clears
// the filter states.
func (c *CochleaModel) setup(sc *cochleaScratch, rate int) {
	if sc.bankRate != rate || len(sc.bank) != len(c.cf) {
		sc.bank = make([]biquadPair, len(c.cf))
		fs := float64(rate)
		for i, f := range c.cf {
			b := &sc.bank[i]
			if f >= 0.48*fs {
				// Nyquist: the section passes the signal on unchanged.
				b.lb0, b.dead = 1, true
				continue
			}
			// Robert Bristow-Johnson, "Cookbook formulae for audio EQ
			// biquad filter coefficients": LPF and BPF (0 dB peak gain).
			ws := 2 * math.Pi * math.Min(f*c.p.StageRatio, 0.48*fs) / fs
			cs, ss := math.Cos(ws), math.Sin(ws)
			w0 := 2 * math.Pi * f / fs
			cw, sw := math.Cos(w0), math.Sin(w0)
			al := ss / (2 * c.p.StageQ)
			a0 := 1 + al
			b.lb0 = (1 - cs) / 2 / a0
			b.lb1 = (1 - cs) / a0
			b.la1 = -2 * cs / a0
			b.la2 = (1 - al) / a0
			ab := sw / (2 * c.tapQ(f))
			a0 = 1 + ab
			b.bb0 = ab / a0
			b.ba1 = -2 * cw / a0
			b.ba2 = (1 - ab) / a0
			b.gain = c.rate[i] / fs
		}
		sc.bankRate = rate
	}
	for i := range sc.bank {
		b := &sc.bank[i]
		b.lz1, b.lz2, b.bz1, b.bz2, b.v, b.refr, b.env, b.nenv = 0, 0, 0, 0, 0, 0, 0, 0
	}
}
