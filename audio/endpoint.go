package audio

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/dsp/fourier"
)

// EndpointParams configures Endpoints. DefaultEndpointParams documents
// every default.
type EndpointParams struct {
	// Hop and Window are the frame step and the Hann window of the
	// short-time band energy, in seconds.
	Hop    float64 `json:"hop_s"`
	Window float64 `json:"window_s"`
	// Low and High bound the band whose energy is measured, in Hz (High
	// is capped below the Nyquist frequency).
	Low  float64 `json:"low_hz"`
	High float64 `json:"high_hz"`
	// FloorPercentile is the percentile of the frame energies taken as the
	// noise floor.
	FloorPercentile float64 `json:"floor_percentile"`
	// MinRange is the least peak-to-floor range, in dB, at which the
	// recording is taken to hold silence at all; below it nothing is
	// trimmed.
	MinRange float64 `json:"min_range_db"`
	// Lower and Upper place the two thresholds of the detector as
	// fractions of the peak-to-floor range above the floor (in dB):
	// speech is a run of frames above Lower that reaches Upper somewhere.
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	// MinLower is the least height of the lower threshold above the
	// floor, in dB.
	MinLower float64 `json:"min_lower_db"`
	// MaxGap joins runs of speech separated by less than this many
	// seconds (stop closures and short pauses inside a word).
	MaxGap float64 `json:"max_gap_s"`
	// Margin is kept on either side of the detected speech, in seconds.
	Margin float64 `json:"margin_s"`
	// MinTrim: an edge is trimmed only if it is at least this long, in
	// seconds; a shorter quiet edge is kept (it is as likely to be a weak
	// fricative or release as silence).
	MinTrim float64 `json:"min_trim_s"`
}

// DefaultEndpointParams returns the detector's defaults, an energy-based
// two-threshold detector in the manner of Rabiner & Sambur ("An algorithm
// for determining the endpoints of isolated utterances", Bell Syst. Tech.
// J. 54, 1975), which finds the word's core above an upper threshold and
// extends it outwards while the energy stays above a lower one. It
// differs in three documented ways: the floor is a low percentile of the
// whole recording's frames rather than the first 100 ms (a recording may
// start in the middle of the word), the energy is measured in the speech
// band only (so hum and rumble below it do not count), and of several
// separate stretches of speech the most energetic is kept (one isolated
// word per recording).
func DefaultEndpointParams() EndpointParams {
	return EndpointParams{
		// 10 ms hop and 20 ms window: the usual short-time analysis of
		// speech (Rabiner & Sambur use 10 ms frames).
		Hop: 0.010, Window: 0.020,
		// assumption: 200 Hz – 3.6 kHz, the first three formants and the
		// band of the default cochlea (250 Hz – 3.6 kHz) with room for the
		// first formant of back vowels; mains hum (50/60 Hz and its first
		// harmonics) and handling rumble lie below.
		Low: 200, High: 3600,
		// assumption: the 10th percentile is a frame of background in any
		// recording that is at least ~10 % silence.
		FloorPercentile: 10,
		// assumption: 20 dB. A recording trimmed to its word (FSDD's
		// speakers) spans 25–45 dB between its quietest and loudest
		// frames; the criterion that saves such a recording from being cut
		// further is MinTrim below, not this.
		MinRange: 20,
		// assumption: the lower threshold a fifth of the way from the floor
		// to the peak (at least 6 dB above the floor, where a frame is four
		// times the background's energy), the upper one halfway.
		Lower: 0.2, Upper: 0.5, MinLower: 6,
		// assumption: stop closures inside a digit last ≲ 100 ms ("six",
		// "eight", "two"); 250 ms keeps a word together and still separates
		// it from a click or breath a fraction of a second away.
		MaxGap: 0.25,
		// 30 ms either side keeps the weak onset and release a threshold
		// detector clips (Rabiner & Sambur extend with a zero-crossing
		// test for the same reason).
		Margin: 0.030,
		// assumption: 100 ms; see MinTrim.
		MinTrim: 0.100,
	}
}

// Validate reports the first parameter out of range.
func (p *EndpointParams) Validate() error {
	switch {
	case !(p.Hop > 0 && p.Hop <= 1) || !(p.Window >= p.Hop && p.Window <= 1):
		return fmt.Errorf("audio: endpoint: hop %v s / window %v s out of range", p.Hop, p.Window)
	case !(p.Low >= 0 && p.High > p.Low):
		return fmt.Errorf("audio: endpoint: band %v–%v Hz is not 0 ≤ low < high", p.Low, p.High)
	case !(p.FloorPercentile >= 0 && p.FloorPercentile < 100):
		return fmt.Errorf("audio: endpoint: floor percentile %v not in [0, 100)", p.FloorPercentile)
	case !(p.MinRange >= 0) || !(p.MinLower >= 0):
		return fmt.Errorf("audio: endpoint: min range %v dB and min lower %v dB must not be negative", p.MinRange, p.MinLower)
	case !(p.Lower > 0 && p.Lower <= p.Upper && p.Upper < 1):
		return fmt.Errorf("audio: endpoint: thresholds %v, %v are not 0 < lower ≤ upper < 1", p.Lower, p.Upper)
	case !(p.MaxGap >= 0) || !(p.Margin >= 0) || !(p.MinTrim >= 0):
		return fmt.Errorf("audio: endpoint: gap, margin and min trim must not be negative")
	}
	return nil
}

// Endpoints returns the sample range [start, end) of the spoken word in x
// (sampled at rate Hz). A recording without a clear background (its
// frames span less than MinRange), or too short to frame, is returned
// whole: [0, len(x)). See DefaultEndpointParams for the detector.
func Endpoints(x []float64, rate int, p EndpointParams) (start, end int, err error) {
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	if rate < 1000 {
		return 0, 0, fmt.Errorf("audio: endpoint: sample rate %d Hz below 1 kHz", rate)
	}
	hop := max(int(math.Round(p.Hop*float64(rate))), 1)
	win := max(int(math.Round(p.Window*float64(rate))), hop)
	if len(x) < win+hop {
		return 0, len(x), nil
	}
	e := bandEnergy(x, rate, hop, win, p.Low, p.High)
	db := make([]float64, len(e))
	for i, v := range e {
		db[i] = 10 * math.Log10(v+1e-20)
	}
	sorted := slices.Clone(db)
	slices.Sort(sorted)
	floor := sorted[int(p.FloorPercentile/100*float64(len(sorted)-1))]
	peak := sorted[len(sorted)-1]
	r := peak - floor
	if !(r >= p.MinRange) {
		return 0, len(x), nil
	}
	lower := floor + max(p.Lower*r, p.MinLower)
	upper := floor + max(p.Upper*r, p.MinLower)
	// Runs of frames above the lower threshold, joined across short gaps;
	// a run counts if it reaches the upper threshold.
	gap := int(math.Round(p.MaxGap / p.Hop))
	type run struct {
		lo, hi int // frames [lo, hi)
		energy float64
		loud   bool
	}
	var runs []run
	for i := 0; i < len(db); {
		if db[i] <= lower {
			i++
			continue
		}
		j := i
		for j < len(db) && db[j] > lower {
			j++
		}
		cur := run{lo: i, hi: j}
		for k := i; k < j; k++ {
			cur.energy += e[k]
			cur.loud = cur.loud || db[k] >= upper
		}
		if n := len(runs); n > 0 && i-runs[n-1].hi <= gap {
			runs[n-1].hi = j
			runs[n-1].energy += cur.energy
			runs[n-1].loud = runs[n-1].loud || cur.loud
		} else {
			runs = append(runs, cur)
		}
		i = j
	}
	best := -1
	for k, rn := range runs {
		if rn.loud && (best < 0 || rn.energy > runs[best].energy) {
			best = k
		}
	}
	if best < 0 {
		return 0, len(x), nil
	}
	margin := int(math.Round(p.Margin * float64(rate)))
	// Frame k covers samples [k·hop, k·hop + win).
	start = max(runs[best].lo*hop-margin, 0)
	end = min((runs[best].hi-1)*hop+win+margin, len(x))
	minTrim := int(math.Round(p.MinTrim * float64(rate)))
	if start < minTrim {
		start = 0
	}
	if len(x)-end < minTrim {
		end = len(x)
	}
	return start, end, nil
}

// bandEnergy returns the energy of x in [lo, hi] Hz for every frame of win
// samples (Hann window) every hop samples.
func bandEnergy(x []float64, rate, hop, win int, lo, hi float64) []float64 {
	nfft := 1
	for nfft < win {
		nfft <<= 1
	}
	fft := fourier.NewFFT(nfft)
	w := make([]float64, win)
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/float64(win))
	}
	hi = math.Min(hi, 0.5*float64(rate)*0.999)
	kLo := int(math.Ceil(lo * float64(nfft) / float64(rate)))
	kHi := int(math.Floor(hi * float64(nfft) / float64(rate)))
	frames := (len(x)-win)/hop + 1
	out := make([]float64, frames)
	buf := make([]float64, nfft)
	coef := make([]complex128, nfft/2+1)
	for f := range frames {
		clear(buf)
		for i := range win {
			buf[i] = w[i] * x[f*hop+i]
		}
		fft.Coefficients(coef, buf)
		s := 0.0
		for k := max(kLo, 0); k <= min(kHi, nfft/2); k++ {
			s += real(coef[k])*real(coef[k]) + imag(coef[k])*imag(coef[k])
		}
		out[f] = s
	}
	return out
}
