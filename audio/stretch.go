package audio

import "math"

// WSOLA parameters for TimeStretch (assumption: the usual choices for
// speech — a 30 ms Hann window spans two to four pitch periods of an adult
// voice, half-window hops overlap-add to a constant, and ±10 ms of search
// tolerance covers one pitch period down to 100 Hz).
const (
	wsolaWindow    = 0.030 // s
	wsolaTolerance = 0.010 // s
)

// TimeStretch returns x played factor times as fast, with its pitch and
// spectrum unchanged: waveform-similarity overlap-add (WSOLA; Verhelst &
// Roelands, ICASSP 1993). Output frames of a 30 ms Hann window are laid
// every 15 ms; each is cut from the input near factor times its output
// position, shifted by up to ±10 ms to the offset whose waveform best
// continues the previous frame (maximum cross-correlation), so that
// periods join without phase jumps. The result has ⌈len(x)/factor⌉
// samples.
func TimeStretch(x []float64, rate int, factor float64) []float64 {
	n := len(x)
	out := int(math.Ceil(float64(n) / factor))
	y := make([]float64, out)
	if n == 0 || out == 0 {
		return y
	}
	L := 2 * int(math.Round(wsolaWindow*float64(rate)/2))
	L = max(L, 4)
	hs := L / 2
	tol := int(math.Round(wsolaTolerance * float64(rate)))
	win := make([]float64, L)
	for i := range win {
		// Periodic Hann: overlapping halves sum exactly to 1.
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(L))
	}
	at := func(i int) float64 {
		if i < 0 || i >= n {
			return 0
		}
		return x[i]
	}
	norm := make([]float64, out)
	prev := 0 // input start of the previous frame
	for k := 0; k*hs < out; k++ {
		ideal := int(math.Round(float64(k*hs) * factor))
		start := ideal
		if k > 0 {
			// The natural continuation of the previous frame starts hs
			// after it; find the shift of the ideal position whose
			// overlapping half matches it best.
			nat := prev + hs
			best, bestC := 0, math.Inf(-1)
			for d := -tol; d <= tol; d++ {
				c := 0.0
				for i := range hs {
					c += at(nat+i) * at(ideal+d+i)
				}
				if c > bestC {
					best, bestC = d, c
				}
			}
			start = ideal + best
		}
		o := k * hs
		for i := range L {
			if o+i >= out {
				break
			}
			y[o+i] += win[i] * at(start+i)
			norm[o+i] += win[i]
		}
		prev = start
	}
	for i := range y {
		if norm[i] > 1e-3 {
			y[i] /= norm[i]
		}
	}
	return y
}

// resampleZeros is the number of zero crossings of the windowed-sinc
// interpolation kernel on either side (assumption: 16 keeps the passband
// ripple and the aliasing of a Blackman-windowed sinc below about −70 dB).
const resampleZeros = 16

// Resample returns x played factor times as fast by band-limited
// interpolation: y[n] = x(n·factor), ⌈len(x)/factor⌉ samples, with a
// Blackman-windowed sinc kernel whose cut-off is the lower of the two
// Nyquist frequencies, so speeding up does not alias.
func Resample(x []float64, factor float64) []float64 {
	n := len(x)
	out := int(math.Ceil(float64(n) / factor))
	y := make([]float64, out)
	if n == 0 {
		return y
	}
	c := math.Min(1, 1/factor) // cut-off relative to the input's Nyquist
	half := float64(resampleZeros) / c
	for j := range y {
		t := float64(j) * factor
		lo := max(int(math.Ceil(t-half)), 0)
		hi := min(int(math.Floor(t+half)), n-1)
		s := 0.0
		for m := lo; m <= hi; m++ {
			u := t - float64(m)
			s += x[m] * c * sinc(c*u) * blackman(u/half)
		}
		y[j] = s
	}
	return y
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// blackman is the Blackman window on u ∈ [−1, 1] (1 at 0, 0 at ±1).
func blackman(u float64) float64 {
	if u <= -1 || u >= 1 {
		return 0
	}
	a := math.Pi * (u + 1)
	return 0.42 - 0.5*math.Cos(a) + 0.08*math.Cos(2*a)
}
