package audio

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// PerturbKind names one kind of time-domain perturbation.
type PerturbKind int

const (
	// Level multiplies the waveform by 10^(Value/20): a talker nearer to
	// or farther from the microphone, or another input gain. Value in dB.
	// Nothing is clipped: samples beyond ±1 stay as they are, as in a
	// floating-point pipeline (assumption: clipping is a different
	// distortion, not a level change).
	Level PerturbKind = iota + 1
	// Tempo plays the utterance Value times as fast without changing its
	// pitch or spectrum (WSOLA time-scale modification; sox's "tempo"
	// effect): 0.85 makes it 1/0.85 = 1.18 times as long.
	Tempo
	// Speed plays it Value times as fast by resampling, like a tape run
	// faster: duration ÷ Value, and pitch and formants × Value (sox's
	// "speed" effect). Above 1 it also shifts the formants the way a
	// shorter vocal tract would.
	Speed
	// Noise adds white Gaussian noise at a signal-to-noise ratio of Value
	// dB relative to the waveform's active speech level (ActiveLevel, the
	// reference ITU-T P.56 and the Aurora-2 noisy-digit corpora use), so
	// the SNR does not depend on how much silence surrounds the words.
	Noise
	// Pad adds Value seconds of digital silence before and after: an
	// untrimmed recording, for endpoint detection.
	Pad
)

var perturbNames = []string{"", "level", "tempo", "speed", "noise", "pad"}

func (k PerturbKind) String() string {
	if k > 0 && int(k) < len(perturbNames) {
		return perturbNames[k]
	}
	return fmt.Sprintf("PerturbKind(%d)", int(k))
}

// Perturbation is one time-domain change of a recording, applied before
// any front end sees it (a cochlea, MFCCs), to measure how much a front end
// cares about what a new recording changes.
type Perturbation struct {
	Kind  PerturbKind
	Value float64 // dB (Level, Noise), a factor (Tempo, Speed) or seconds (Pad)
}

// Limits of perturbation values (beyond them the result is no longer a
// recording of the same utterance, or is too large to hold).
const (
	MaxLevelDB  = 60   // |level| ≤ 60 dB
	MinFactor   = 0.25 // tempo and speed factors in [0.25, 4]
	MaxFactor   = 4
	MinSNRDB    = -20 // noise SNR in [−20, 80] dB
	MaxSNRDB    = 80
	MaxPadSec   = 10 // pad ≤ 10 s either side
	maxSamples  = 1 << 26
	perturbUnit = "level=GAINdB, tempo=F, speed=F, noise=SNRdB or pad=SECONDSs"
)

// ParsePerturbation parses "level=-20dB", "tempo=0.85", "speed=1.1",
// "noise=20dB" or "pad=1s" (the unit is optional: dB for level and noise,
// seconds for pad; "500ms" is accepted).
func ParsePerturbation(s string) (Perturbation, error) {
	k, v, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return Perturbation{}, fmt.Errorf("audio: perturbation %q: want %s", s, perturbUnit)
	}
	var p Perturbation
	for i, n := range perturbNames {
		if i > 0 && strings.EqualFold(strings.TrimSpace(k), n) {
			p.Kind = PerturbKind(i)
		}
	}
	if p.Kind == 0 {
		return p, fmt.Errorf("audio: perturbation %q: unknown kind %q (want %s)", s, k, perturbUnit)
	}
	v = strings.TrimSpace(v)
	lv := strings.ToLower(v)
	scale := 1.0
	switch p.Kind {
	case Level, Noise:
		lv = strings.TrimSuffix(lv, "db")
	case Pad:
		if strings.HasSuffix(lv, "ms") {
			lv, scale = strings.TrimSuffix(lv, "ms"), 1e-3
		} else {
			lv = strings.TrimSuffix(lv, "s")
		}
	case Tempo, Speed:
		lv = strings.TrimSuffix(lv, "x")
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(lv), 64)
	if err != nil {
		return p, fmt.Errorf("audio: perturbation %q: value %q is not a number", s, v)
	}
	p.Value = x * scale
	return p, p.Validate()
}

// Validate reports a value outside its kind's limits.
func (p Perturbation) Validate() error {
	v := p.Value
	bad := math.IsNaN(v) || math.IsInf(v, 0)
	switch p.Kind {
	case Level:
		bad = bad || math.Abs(v) > MaxLevelDB
	case Tempo, Speed:
		bad = bad || v < MinFactor || v > MaxFactor
	case Noise:
		bad = bad || v < MinSNRDB || v > MaxSNRDB
	case Pad:
		bad = bad || v < 0 || v > MaxPadSec
	default:
		return fmt.Errorf("audio: unknown perturbation kind %d", int(p.Kind))
	}
	if bad {
		return fmt.Errorf("audio: perturbation %s=%g out of range (level ±%d dB, tempo/speed %g–%g, noise %d–%d dB SNR, pad 0–%d s)",
			p.Kind, v, MaxLevelDB, MinFactor, float64(MaxFactor), MinSNRDB, MaxSNRDB, MaxPadSec)
	}
	return nil
}

// String formats p so that ParsePerturbation reads it back.
func (p Perturbation) String() string {
	v := strconv.FormatFloat(p.Value, 'g', -1, 64)
	switch p.Kind {
	case Level, Noise:
		return p.Kind.String() + "=" + v + "dB"
	case Pad:
		return p.Kind.String() + "=" + v + "s"
	}
	return p.Kind.String() + "=" + v
}

// Chain is a sequence of perturbations applied in order, written
// "level=-20dB,noise=20dB". The empty chain changes nothing.
type Chain []Perturbation

// ParseChain parses a comma-separated chain; "" and "none" are the empty
// chain.
func ParseChain(s string) (Chain, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return nil, nil
	}
	var c Chain
	for _, part := range strings.Split(s, ",") {
		p, err := ParsePerturbation(part)
		if err != nil {
			return nil, err
		}
		c = append(c, p)
	}
	return c, nil
}

// String formats c as ParseChain reads it ("none" for the empty chain).
func (c Chain) String() string {
	if len(c) == 0 {
		return "none"
	}
	s := make([]string, len(c))
	for i, p := range c {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// MarshalText implements encoding.TextMarshaler.
func (c Chain) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Chain) UnmarshalText(b []byte) error {
	v, err := ParseChain(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Chains is a list of chains and a flag.Value for a repeatable flag: every
// Set parses one chain and appends it.
type Chains []Chain

// String lists the chains, space-separated.
func (c *Chains) String() string {
	s := make([]string, len(*c))
	for i, x := range *c {
		s[i] = x.String()
	}
	return strings.Join(s, " ")
}

// Set parses a chain and appends it; an empty chain is an error.
func (c *Chains) Set(v string) error {
	x, err := ParseChain(v)
	if err != nil {
		return err
	}
	if len(x) == 0 {
		return fmt.Errorf("audio: empty perturbation %q", v)
	}
	*c = append(*c, x)
	return nil
}

// Apply returns x (sampled at rate Hz) with every perturbation of c
// applied in order; x itself is not changed. The result is a pure function
// of (x, rate, c, seed): seed draws the noise.
func (c Chain) Apply(x []float64, rate int, seed uint64) ([]float64, error) {
	if rate < 1000 || rate > 1000000 {
		return nil, fmt.Errorf("audio: sample rate %d Hz not in 1 kHz..1 MHz", rate)
	}
	y := x
	for i, p := range c {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if n := expectedLen(len(y), rate, p); n > maxSamples {
			return nil, fmt.Errorf("audio: %s would make %d samples (limit %d)", p, n, maxSamples)
		}
		switch p.Kind {
		case Level:
			g := math.Pow(10, p.Value/20)
			z := make([]float64, len(y))
			for j, v := range y {
				z[j] = g * v
			}
			y = z
		case Tempo:
			y = TimeStretch(y, rate, p.Value)
		case Speed:
			y = Resample(y, p.Value)
		case Noise:
			y = addNoise(y, rate, p.Value, seed, uint64(i))
		case Pad:
			n := int(math.Round(p.Value * float64(rate)))
			z := make([]float64, len(y)+2*n)
			copy(z[n:], y)
			y = z
		}
	}
	if len(c) == 0 {
		y = append([]float64(nil), x...)
	}
	return y, nil
}

// expectedLen is the length a perturbation gives n samples.
func expectedLen(n, rate int, p Perturbation) int {
	switch p.Kind {
	case Tempo, Speed:
		return int(math.Ceil(float64(n)/p.Value)) + 1
	case Pad:
		return n + 2*int(math.Round(p.Value*float64(rate)))
	}
	return n
}

// addNoise adds white Gaussian noise snr dB below x's active level (or
// below full scale −26 dB, the nominal active level, when x is silent).
func addNoise(x []float64, rate int, snr float64, seed, stream uint64) []float64 {
	level, _, ok := ActiveLevel(x, rate)
	if !ok {
		level = -26 // ITU-T P.56 nominal active speech level
	}
	sigma := math.Pow(10, (level-snr)/20)
	r := rand.New(rand.NewPCG(seed, 0x6e6f697365^stream)) // "noise"
	z := make([]float64, len(x))
	for j, v := range x {
		z[j] = v + sigma*r.NormFloat64()
	}
	return z
}
