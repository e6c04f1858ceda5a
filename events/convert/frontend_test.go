package convert_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// perChannel counts events per channel.
func perChannel(ev []events.Event1D, n int) []int {
	c := make([]int, n)
	for _, e := range ev {
		c[e.Ch]++
	}
	return c
}

// TestCochleaEndpoint: with endpoint detection the cochlea hears only the
// word: a tone with a second of silence either side gives the events of
// the tone alone, starting near 0.
func TestCochleaEndpoint(t *testing.T) {
	p := convert.DefaultCochleaParams()
	p.NoiseRate = 0
	p.NoiseFloor = 0 // a steady tone is background to the noise suppression
	ep := audio.DefaultEndpointParams()
	p.Endpoint = &ep
	m, err := convert.NewCochleaModel(p)
	if err != nil {
		t.Fatal(err)
	}
	word := tone(700, 0.1, 0.4, 8000)
	padded := slices.Concat(make([]float64, 8000), word, make([]float64, 8000))
	a, _ := m.Convert(word, 8000, 1)
	b, _ := m.Convert(padded, 8000, 1)
	if len(b) == 0 || b[0].T > 60_000 || math.Abs(float64(len(a)-len(b))) > 0.05*float64(len(a)) {
		t.Errorf("word alone %d events; padded with endpoint detection %d events, first at %d µs", len(a), len(b), b[0].T)
	}
	if got := m.Trim(padded, 8000); len(got) > len(word)+2*400 || len(got) < len(word) {
		t.Errorf("Trim kept %d samples of a %d-sample word", len(got), len(word))
	}
	bad := p
	bad.Endpoint = &audio.EndpointParams{}
	if _, err := convert.NewCochleaModel(bad); err == nil {
		t.Error("zero endpoint parameters accepted")
	}
}

// TestCochleaERB: with TapERB the taps follow the human auditory filter's
// bandwidth (Glasberg & Moore 1990): a tone an ERB away from a channel's
// best frequency excites it less than with the broad default taps.
func TestCochleaERB(t *testing.T) {
	narrow := convert.DefaultCochleaParams()
	narrow.TapERB, narrow.NoiseRate, narrow.FreqMismatch, narrow.RateMismatch, narrow.NoiseFloor = 1, 0, 0, 0, 0
	broad := narrow
	broad.TapERB = 0
	share := func(p convert.CochleaParams) float64 {
		m, err := convert.NewCochleaModel(p)
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := m.Convert(tone(1000, 0.1, 0.5, 8000), 8000, 1)
		c := perChannel(ev, p.Channels)
		best := slices.Index(c, slices.Max(c))
		// Events within ±3 channels of the peak (±0.2 octave).
		near := 0
		for ch := max(best-3, 0); ch <= min(best+3, len(c)-1); ch++ {
			near += c[ch]
		}
		return float64(near) / float64(len(ev))
	}
	if n, b := share(narrow), share(broad); n <= b {
		t.Errorf("share of a 1 kHz tone's events within ±0.2 octave: ERB taps %.3f, Q 3 taps %.3f; want the ERB taps sharper", n, b)
	}
	bad := narrow
	bad.TapERB = -1
	if _, err := convert.NewCochleaModel(bad); err == nil {
		t.Error("negative TapERB accepted")
	}
}

// TestCochleaNoiseFloor: with noise suppression, stationary white noise
// alone fires far fewer events (the floor is the noise), while a tone that
// sounds for part of the recording, as a word does, still drives its
// channels. (A tone that lasts the whole recording is, to a floor tracker,
// noise.)
func TestCochleaNoiseFloor(t *testing.T) {
	p := convert.DefaultCochleaParams()
	p.NoiseRate, p.NoiseFloor = 0, 0
	q := p
	q.NoiseFloor, q.NoisePercentile, q.NoiseWindow = 1.5, 20, 0.01
	r := rand.New(rand.NewPCG(1, 1))
	noise := make([]float64, 8000)
	for i := range noise {
		noise[i] = 0.01 * r.NormFloat64()
	}
	word := tone(700, 0.1, 0.4, 8000)
	noisy := slices.Clone(noise)
	for i, v := range word {
		noisy[2400+i] += v
	}
	conv := func(p convert.CochleaParams, x []float64) []events.Event1D {
		m, err := convert.NewCochleaModel(p)
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := m.Convert(x, 8000, 1)
		return ev
	}
	// The cochlea normalises the level, so noise alone is as loud as
	// speech would be: without suppression every channel fires. With it,
	// a recording that is all background is (nearly) silent.
	if a, b := len(conv(p, noise)), len(conv(q, noise)); float64(b) > 0.3*float64(a) {
		t.Errorf("white noise: %d events without suppression, %d with; want at most 30 %%", a, b)
	}
	cp, cq := perChannel(conv(p, noisy), 64), perChannel(conv(q, noisy), 64)
	best := slices.Index(cp, slices.Max(cp))
	if cq[best] < cp[best]/3 {
		t.Errorf("tone in noise: its channel %d fires %d times without suppression, %d with", best, cp[best], cq[best])
	}
	bad := q
	bad.NoiseWindow = 0
	if _, err := convert.NewCochleaModel(bad); err == nil {
		t.Error("noise suppression without a window accepted")
	}
	agc := p
	agc.AGCCoupling = 2
	if _, err := convert.NewCochleaModel(agc); err == nil {
		t.Error("AGC coupling 2 accepted")
	}
}

// TestCochleaNoiseFloorSteady documents what the noise suppression cannot
// tell apart: a sound that lasts the whole recording without a pause is
// background to it and is suppressed, while the same sound with pauses
// around it is not.
func TestCochleaNoiseFloorSteady(t *testing.T) {
	p := convert.DefaultCochleaParams()
	p.NoiseRate = 0
	m, err := convert.NewCochleaModel(p)
	if err != nil {
		t.Fatal(err)
	}
	steady := tone(700, 0.1, 0.4, 8000)
	a, _ := m.Convert(steady, 8000, 1)
	b, _ := m.Convert(slices.Concat(make([]float64, 800), steady, make([]float64, 800)), 8000, 1)
	if len(a)*3 > len(b) {
		t.Errorf("a steady tone gives %d events alone, %d with 0.1 s of silence either side; want the first far fewer", len(a), len(b))
	}
}
