package audio

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// MFCCParams configures MFCC. DefaultMFCCParams documents every default.
type MFCCParams struct {
	// Window and Hop are the frame length and step, in seconds.
	Window float64 `json:"window_s"`
	Hop    float64 `json:"hop_s"`
	// PreEmphasis is the coefficient a of y[n] = x[n] − a·x[n−1]; 0 turns
	// it off.
	PreEmphasis float64 `json:"pre_emphasis"`
	// Filters is the number of triangular mel filters between Low and
	// High Hz (High 0 or above the Nyquist frequency: the Nyquist
	// frequency).
	Filters int     `json:"filters"`
	Low     float64 `json:"low_hz"`
	High    float64 `json:"high_hz"`
	// Coefficients is the number of cepstral coefficients kept, c0 first.
	Coefficients int `json:"coefficients"`
	// Lifter is the sinusoidal liftering parameter L (c_n·(1 + L/2·sin(πn/L)));
	// 0 turns it off.
	Lifter float64 `json:"lifter"`
}

// DefaultMFCCParams returns the mel-frequency cepstral coefficients of the
// HTK recipe (Young et al., The HTK Book, §5.6; the same as
// python_speech_features' defaults): 25 ms Hamming windows every 10 ms,
// pre-emphasis 0.97, 26 mel filters from 0 Hz to the Nyquist frequency,
// log filter energies, DCT-II, 13 coefficients c0…c12, liftering 22.
func DefaultMFCCParams() MFCCParams {
	return MFCCParams{Window: 0.025, Hop: 0.010, PreEmphasis: 0.97, Filters: 26, Coefficients: 13, Lifter: 22}
}

// Validate reports the first parameter out of range.
func (p *MFCCParams) Validate() error {
	switch {
	case !(p.Window > 0 && p.Window <= 1) || !(p.Hop > 0 && p.Hop <= p.Window):
		return fmt.Errorf("audio: mfcc: window %v s / hop %v s out of range", p.Window, p.Hop)
	case !(p.PreEmphasis >= 0 && p.PreEmphasis < 1):
		return fmt.Errorf("audio: mfcc: pre-emphasis %v not in [0, 1)", p.PreEmphasis)
	case p.Filters < 2 || p.Filters > 512:
		return fmt.Errorf("audio: mfcc: %d filters not in 2..512", p.Filters)
	case p.Coefficients < 1 || p.Coefficients > p.Filters:
		return fmt.Errorf("audio: mfcc: %d coefficients not in 1..%d (the filters)", p.Coefficients, p.Filters)
	case !(p.Low >= 0) || !(p.High >= 0) || p.High != 0 && p.High <= p.Low:
		return fmt.Errorf("audio: mfcc: band %v–%v Hz out of order", p.Low, p.High)
	case !(p.Lifter >= 0):
		return fmt.Errorf("audio: mfcc: lifter %v is negative", p.Lifter)
	}
	return nil
}

// MFCCExtractor computes MFCCs at one sample rate. It holds the FFT plan,
// the filterbank and the DCT table; it is not safe for concurrent use
// (make one per goroutine).
type MFCCExtractor struct {
	p        MFCCParams
	rate     int
	win, hop int
	window   []float64
	fft      *fourier.FFT
	bank     []melFilter
	dct      []float64 // Coefficients × Filters, row-major
	lift     []float64
	buf      []float64
	coef     []complex128
	energies []float64
}

type melFilter struct {
	lo     int       // first FFT bin
	weight []float64 // weights of bins lo, lo+1, ...
}

func hzToMel(f float64) float64 { return 2595 * math.Log10(1+f/700) }
func melToHz(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }

// NewMFCCExtractor validates p and prepares the analysis for rate Hz.
func NewMFCCExtractor(p MFCCParams, rate int) (*MFCCExtractor, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if rate < 1000 || rate > 1000000 {
		return nil, fmt.Errorf("audio: mfcc: sample rate %d Hz not in 1 kHz..1 MHz", rate)
	}
	m := &MFCCExtractor{p: p, rate: rate}
	m.win = max(int(math.Round(p.Window*float64(rate))), 2)
	m.hop = max(int(math.Round(p.Hop*float64(rate))), 1)
	nfft := 1
	for nfft < m.win {
		nfft <<= 1
	}
	m.fft = fourier.NewFFT(nfft)
	m.window = make([]float64, m.win)
	for i := range m.window {
		m.window[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(m.win-1)) // Hamming
	}
	hi := p.High
	if hi == 0 || hi > float64(rate)/2 {
		hi = float64(rate) / 2
	}
	if p.Low >= hi {
		return nil, fmt.Errorf("audio: mfcc: low edge %v Hz at or above %v Hz", p.Low, hi)
	}
	// Filter centres equally spaced in mel; each triangle spans its two
	// neighbours' centres, weights evaluated at the FFT bin frequencies.
	lo, top := hzToMel(p.Low), hzToMel(hi)
	edges := make([]float64, p.Filters+2)
	for i := range edges {
		edges[i] = melToHz(lo + (top-lo)*float64(i)/float64(p.Filters+1))
	}
	binHz := float64(rate) / float64(nfft)
	for j := 1; j <= p.Filters; j++ {
		a, c, b := edges[j-1], edges[j], edges[j+1]
		f := melFilter{lo: int(math.Ceil(a / binHz))}
		for k := f.lo; float64(k)*binHz <= b && k <= nfft/2; k++ {
			hz := float64(k) * binHz
			w := 0.0
			switch {
			case hz <= c && c > a:
				w = (hz - a) / (c - a)
			case hz > c && b > c:
				w = (b - hz) / (b - c)
			}
			f.weight = append(f.weight, max(w, 0))
		}
		m.bank = append(m.bank, f)
	}
	// DCT-II with orthonormal scaling (gonum's fourier.DCT is the DCT-I,
	// not the DCT-II of the MFCC recipe, so the 13×26 table is built here).
	nf, nc := p.Filters, p.Coefficients
	m.dct = make([]float64, nc*nf)
	for k := range nc {
		s := math.Sqrt(2 / float64(nf))
		if k == 0 {
			s = math.Sqrt(1 / float64(nf))
		}
		for n := range nf {
			m.dct[k*nf+n] = s * math.Cos(math.Pi*float64(k)*(float64(n)+0.5)/float64(nf))
		}
	}
	m.lift = make([]float64, nc)
	for k := range m.lift {
		m.lift[k] = 1
		if p.Lifter > 0 {
			m.lift[k] = 1 + p.Lifter/2*math.Sin(math.Pi*float64(k)/p.Lifter)
		}
	}
	m.buf = make([]float64, nfft)
	m.coef = make([]complex128, nfft/2+1)
	m.energies = make([]float64, nf)
	return m, nil
}

// Frames returns the number of frames of n samples: every full window,
// and one zero-padded frame for a recording shorter than a window (an
// empty recording has none).
func (m *MFCCExtractor) Frames(n int) int {
	if n <= 0 {
		return 0
	}
	if n < m.win {
		return 1
	}
	return (n-m.win)/m.hop + 1
}

// Coefficients returns the number of coefficients per frame.
func (m *MFCCExtractor) Coefficients() int { return m.p.Coefficients }

// Append computes the MFCCs of x and appends them, frame after frame
// (Coefficients values each), to dst.
func (m *MFCCExtractor) Append(dst []float64, x []float64) []float64 {
	frames := m.Frames(len(x))
	nf, nc := m.p.Filters, m.p.Coefficients
	a := m.p.PreEmphasis
	for f := range frames {
		clear(m.buf)
		o := f * m.hop
		for i := range m.win {
			j := o + i
			if j >= len(x) {
				break
			}
			v := x[j]
			if j > 0 {
				v -= a * x[j-1]
			}
			m.buf[i] = v * m.window[i]
		}
		m.fft.Coefficients(m.coef, m.buf)
		for j, flt := range m.bank {
			s := 0.0
			for k, w := range flt.weight {
				c := m.coef[flt.lo+k]
				s += w * (real(c)*real(c) + imag(c)*imag(c))
			}
			// Floor at the smallest normal float64 power ratio a 16-bit
			// recording can express (assumption: −200 dB keeps log finite
			// for digital silence without affecting any real frame).
			m.energies[j] = math.Log(max(s, 1e-20))
		}
		for k := range nc {
			s := 0.0
			row := m.dct[k*nf : (k+1)*nf]
			for n, e := range m.energies {
				s += row[n] * e
			}
			dst = append(dst, s*m.lift[k])
		}
	}
	return dst
}

// MFCC returns the MFCCs of x (rate Hz) as frames × p.Coefficients values,
// frame-major.
func MFCC(x []float64, rate int, p MFCCParams) ([]float64, error) {
	m, err := NewMFCCExtractor(p, rate)
	if err != nil {
		return nil, err
	}
	return m.Append(nil, x), nil
}
