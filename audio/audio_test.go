package audio_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/audio"
)

const rate = 8000

// tone returns a sine of frequency f and amplitude a lasting dur seconds.
func tone(f, a, dur float64) []float64 {
	x := make([]float64, int(dur*rate))
	for i := range x {
		x[i] = a * math.Sin(2*math.Pi*f*float64(i)/rate)
	}
	return x
}

// vowel returns a crude voiced sound: a 120 Hz pulse train's harmonics
// weighted by two formant resonances, with a raised-cosine envelope.
func vowel(dur, a float64) []float64 {
	x := make([]float64, int(dur*rate))
	for h := 1; h*120 < 3800; h++ {
		f := float64(h) * 120
		g := 1/(1+math.Pow((f-700)/150, 2)) + 0.5/(1+math.Pow((f-1200)/200, 2))
		for i := range x {
			x[i] += g * math.Sin(2*math.Pi*f*float64(i)/rate)
		}
	}
	peak := 0.0
	for i := range x {
		env := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(len(x)))
		x[i] *= env
		peak = max(peak, math.Abs(x[i]))
	}
	for i := range x {
		x[i] *= a / peak
	}
	return x
}

func rms(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(len(x)))
}

// zeroCrossRate estimates a tone's frequency from its upward zero crossings.
func zeroCrossRate(x []float64) float64 {
	n, first, last := 0, -1, -1
	for i := 1; i < len(x); i++ {
		if x[i-1] < 0 && x[i] >= 0 {
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
	}
	if n < 2 {
		return 0
	}
	return float64(n-1) * rate / float64(last-first)
}

// TestActiveLevel: a sine of amplitude a has RMS a/√2, so its active level
// is 20·log10(a/√2) dB (closed form); silence around it does not lower
// the active level (ITU-T P.56), though it lowers the plain RMS.
func TestActiveLevel(t *testing.T) {
	x := tone(440, 0.1, 2)
	want := 20 * math.Log10(0.1/math.Sqrt2)
	got, act, ok := audio.ActiveLevel(x, rate)
	if !ok || math.Abs(got-want) > 0.1 || act < 0.98 {
		t.Errorf("active level %.3f dB (activity %.3f, ok %v), want %.3f dB (1)", got, act, ok, want)
	}
	padded := slices.Concat(make([]float64, 2*rate), x, make([]float64, 2*rate))
	got2, act2, _ := audio.ActiveLevel(padded, rate)
	// The 0.2 s hangover follows the tone: 2.2 s active of 6 s, so the
	// level rises by 10·log10(2/2.2) instead of 10·log10(2/6).
	if want2 := want + 10*math.Log10(2/2.2); math.Abs(got2-want2) > 0.2 || math.Abs(act2-2.2/6) > 0.02 {
		t.Errorf("padded: %.3f dB activity %.3f, want %.3f dB %.3f", got2, act2, want2, 2.2/6)
	}
	if _, _, ok := audio.ActiveLevel(make([]float64, 100), rate); ok {
		t.Error("silence has an active level")
	}
	if g := audio.Gain(x, rate, want+20); math.Abs(20*math.Log10(g)-20) > 0.1 {
		t.Errorf("gain to +20 dB = %.4f, want 10", g)
	}
}

func TestParsePerturbation(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want audio.Perturbation
	}{
		{"level=-20dB", audio.Perturbation{Kind: audio.Level, Value: -20}},
		{"level=+10dB", audio.Perturbation{Kind: audio.Level, Value: 10}},
		{"LEVEL=10", audio.Perturbation{Kind: audio.Level, Value: 10}},
		{"tempo=0.85", audio.Perturbation{Kind: audio.Tempo, Value: 0.85}},
		{"speed=1.1x", audio.Perturbation{Kind: audio.Speed, Value: 1.1}},
		{"noise=20dB", audio.Perturbation{Kind: audio.Noise, Value: 20}},
		{"pad=500ms", audio.Perturbation{Kind: audio.Pad, Value: 0.5}},
		{" pad = 1s ", audio.Perturbation{Kind: audio.Pad, Value: 1}},
	} {
		p, err := audio.ParsePerturbation(tc.in)
		if err != nil || p != tc.want {
			t.Errorf("%q → %+v, %v; want %+v", tc.in, p, err, tc.want)
			continue
		}
		back, err := audio.ParsePerturbation(p.String())
		if err != nil || back != p {
			t.Errorf("%q: String %q reads back as %+v, %v", tc.in, p.String(), back, err)
		}
	}
	for _, bad := range []string{"", "level", "volume=3dB", "level=loud", "level=-80dB", "tempo=0", "tempo=5",
		"speed=-1", "noise=100dB", "pad=-1s", "pad=11s", "level=NaN", "tempo=Inf"} {
		if _, err := audio.ParsePerturbation(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
	c, err := audio.ParseChain("level=-20dB, noise=20dB")
	if err != nil || len(c) != 2 || c.String() != "level=-20dB,noise=20dB" {
		t.Errorf("chain: %v %v %q", c, err, c.String())
	}
	if c, err := audio.ParseChain("none"); err != nil || c != nil || c.String() != "none" {
		t.Errorf("none: %v %v", c, err)
	}
	if _, err := audio.ParseChain("level=1dB,,tempo=1"); err == nil {
		t.Error("an empty element parsed")
	}
}

func TestLevelAndPad(t *testing.T) {
	x := tone(300, 0.2, 0.5)
	c, _ := audio.ParseChain("level=-20dB,pad=0.25s")
	y, err := c.Apply(x, rate, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(y) != len(x)+rate/2 {
		t.Fatalf("length %d, want %d", len(y), len(x)+rate/2)
	}
	for i, v := range x {
		if math.Abs(y[i+rate/4]-0.1*v) > 1e-12 {
			t.Fatalf("sample %d: %g, want %g", i, y[i+rate/4], 0.1*v)
		}
	}
	if x[1] != 0.2*math.Sin(2*math.Pi*300/rate) {
		t.Error("Apply changed its input")
	}
}

// TestTempo: WSOLA keeps the pitch and scales the duration by 1/factor;
// a vowel stretched keeps its spectrum.
func TestTempo(t *testing.T) {
	x := tone(200, 0.3, 1)
	for _, f := range []float64{0.85, 1.15, 0.5, 2} {
		y := audio.TimeStretch(x, rate, f)
		if want := int(math.Ceil(float64(len(x)) / f)); len(y) != want {
			t.Errorf("tempo %g: %d samples, want %d", f, len(y), want)
		}
		// The tone's frequency is unchanged (to 1 %) and its level too
		// (to 0.5 dB), away from the edges.
		mid := y[len(y)/8 : 7*len(y)/8]
		if fz := zeroCrossRate(mid); math.Abs(fz-200) > 2 {
			t.Errorf("tempo %g: tone at %.1f Hz, want 200", f, fz)
		}
		if d := 20 * math.Log10(rms(mid)/rms(x)); math.Abs(d) > 0.5 {
			t.Errorf("tempo %g: level changed by %.2f dB", f, d)
		}
	}
	if y := audio.TimeStretch(nil, rate, 1.2); len(y) != 0 {
		t.Error("empty input gave samples")
	}
}

// TestSpeed: resampling scales frequency by the factor and duration by its
// inverse, and a tone pushed above the Nyquist frequency is filtered out
// instead of aliasing.
func TestSpeed(t *testing.T) {
	x := tone(200, 0.3, 1)
	y := audio.Resample(x, 1.1)
	if len(y) != int(math.Ceil(float64(len(x))/1.1)) {
		t.Errorf("%d samples", len(y))
	}
	if fz := zeroCrossRate(y[100 : len(y)-100]); math.Abs(fz-220) > 1 {
		t.Errorf("200 Hz at speed 1.1 → %.1f Hz, want 220", fz)
	}
	hi := tone(3900, 0.3, 0.5) // → 4.68 kHz > 4 kHz Nyquist at speed 1.2
	z := audio.Resample(hi, 1.2)
	if d := 20 * math.Log10(rms(z[200:len(z)-200])/rms(hi)); d > -40 {
		t.Errorf("3.9 kHz at speed 1.2 kept at %.1f dB, want aliasing suppressed below −40 dB", d)
	}
	// Slowing down keeps a tone's level (to 0.1 dB).
	w := audio.Resample(x, 0.9)
	if d := 20 * math.Log10(rms(w[200:len(w)-200])/rms(x)); math.Abs(d) > 0.1 {
		t.Errorf("speed 0.9 changed the level by %.2f dB", d)
	}
}

// TestNoise: the noise sits snr dB below the active level (measured on a
// long recording to ±0.1 dB), the same seed gives the same noise and
// another seed other noise.
func TestNoise(t *testing.T) {
	x := slices.Concat(make([]float64, rate), vowel(3, 0.3), make([]float64, rate))
	c, _ := audio.ParseChain("noise=20dB")
	y, err := c.Apply(x, rate, 7)
	if err != nil {
		t.Fatal(err)
	}
	level, _, _ := audio.ActiveLevel(x, rate)
	n := make([]float64, len(x))
	for i := range x {
		n[i] = y[i] - x[i]
	}
	if snr := level - 20*math.Log10(rms(n)); math.Abs(snr-20) > 0.1 {
		t.Errorf("SNR %.3f dB, want 20", snr)
	}
	y2, _ := c.Apply(x, rate, 7)
	y3, _ := c.Apply(x, rate, 8)
	if !slices.Equal(y, y2) {
		t.Error("same seed, different noise")
	}
	if slices.Equal(y, y3) {
		t.Error("different seeds, same noise")
	}
	if _, err := c.Apply(x, 500, 1); err == nil {
		t.Error("a 500 Hz sample rate was accepted")
	}
}

// TestEndpoints finds a word in a longer recording with background noise
// and hum, ignores a weaker click elsewhere, and leaves a recording that
// is already trimmed (or is only background) alone.
func TestEndpoints(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := vowel(0.4, 0.3)
	x := make([]float64, 3*rate)
	for i := range x {
		x[i] = 0.001*r.NormFloat64() + 0.05*math.Sin(2*math.Pi*50*float64(i)/rate) // −60 dB noise, 50 Hz hum
	}
	at := int(1.7 * rate)
	for i, v := range word {
		x[at+i] += v
	}
	click := vowel(0.03, 0.02)
	for i, v := range click {
		x[rate/2+i] += v
	}
	p := audio.DefaultEndpointParams()
	s, e, err := audio.Endpoints(x, rate, p)
	if err != nil {
		t.Fatal(err)
	}
	// The vowel's raised-cosine envelope is below the lower threshold for
	// its first and last few per cent; the margin adds 30 ms.
	if lo, hi := float64(s)/rate, float64(e)/rate; lo < 1.6 || lo > 1.75 || hi < 2.05 || hi > 2.2 {
		t.Errorf("word at 1.70–2.10 s found at %.3f–%.3f s", lo, hi)
	}
	if s, e, _ := audio.Endpoints(word, rate, p); s != 0 || e != len(word) {
		t.Errorf("a trimmed word was cut to [%d, %d) of %d", s, e, len(word))
	}
	bg := make([]float64, rate)
	for i := range bg {
		bg[i] = 0.001 * r.NormFloat64()
	}
	if s, e, _ := audio.Endpoints(bg, rate, p); s != 0 || e != len(bg) {
		t.Errorf("background alone was cut to [%d, %d)", s, e)
	}
	if s, e, _ := audio.Endpoints(x[:100], rate, p); s != 0 || e != 100 {
		t.Errorf("12 ms were cut to [%d, %d)", s, e)
	}
	bad := p
	bad.Lower = 0.9
	if _, _, err := audio.Endpoints(x, rate, bad); err == nil {
		t.Error("lower threshold above the upper one accepted")
	}
}

// TestMFCC checks the analysis through closed forms: the frame count; a
// gain g adds 2·ln g to every log filter energy, hence 2·ln g·√F to c0
// (orthonormal DCT-II) and nothing to the other coefficients; a tone puts
// its energy in the filter around it, so c1 (the tilt: low minus high
// bands) is positive for a low tone and negative for a high one.
func TestMFCC(t *testing.T) {
	p := audio.DefaultMFCCParams()
	x := vowel(0.5, 0.3)
	c, err := audio.MFCC(x, rate, p)
	if err != nil {
		t.Fatal(err)
	}
	nc := p.Coefficients
	frames := (len(x)-200)/80 + 1
	if len(c) != frames*nc {
		t.Fatalf("%d values, want %d frames × %d", len(c), frames, nc)
	}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = 10 * v
	}
	c2, _ := audio.MFCC(y, rate, p)
	want0 := 2 * math.Log(10) * math.Sqrt(float64(p.Filters))
	for f := range frames {
		for k := range nc {
			d := c2[f*nc+k] - c[f*nc+k]
			w := 0.0
			if k == 0 {
				w = want0
			}
			if math.Abs(d-w) > 1e-6*max(1, math.Abs(w)) {
				t.Fatalf("frame %d c%d: +20 dB changed it by %g, want %g", f, k, d, w)
			}
		}
	}
	lo, _ := audio.MFCC(tone(300, 0.3, 0.1), rate, p)
	hi, _ := audio.MFCC(tone(3000, 0.3, 0.1), rate, p)
	if !(lo[1] > 0 && hi[1] < 0) {
		t.Errorf("c1 of 300 Hz %g, of 3 kHz %g: want positive, negative", lo[1], hi[1])
	}
	m, _ := audio.NewMFCCExtractor(p, rate)
	if m.Frames(0) != 0 || m.Frames(50) != 1 || m.Frames(200) != 1 || m.Frames(280) != 2 {
		t.Errorf("frames of 0/50/200/280 samples: %d %d %d %d", m.Frames(0), m.Frames(50), m.Frames(200), m.Frames(280))
	}
	bad := p
	bad.Coefficients = 40
	if _, err := audio.MFCC(x, rate, bad); err == nil {
		t.Error("more coefficients than filters accepted")
	}
}
