package audio

import "math"

// ActiveLevel returns the active speech level of x, sampled at rate Hz, in
// dB relative to full scale (a square wave of amplitude 1, i.e. RMS 1, is
// 0 dB; "dBov" in ITU-T P.56's terms), and the fraction of the samples
// that count as active. It follows ITU-T P.56 method B, simplified: an
// envelope with a 30 ms time constant, a 200 ms hangover, a 15.9 dB
// margin and thresholds an octave apart from −114 to 0 dB. Silence (no
// energy) gives ok = false.
//
// The active level is what stays the same when a talker pauses longer: a
// plain RMS falls with every second of silence around the words, the
// active level does not (TestActiveLevelIgnoresSilence).
func ActiveLevel(x []float64, rate int) (level, activity float64, ok bool) {
	const (
		nThr   = 20 // thresholds 2^-19 … 1 (−114 … 0 dB)
		margin = 15.9
	)
	if len(x) == 0 || rate <= 0 {
		return 0, 0, false
	}
	g := math.Exp(-1 / (float64(rate) * 0.03))
	hang := int(0.2 * float64(rate))
	var act [nThr]int
	var last [nThr]int
	for j := range last {
		last[j] = math.MinInt / 2
	}
	var p, q, energy float64
	for n, s := range x {
		energy += s * s
		p = g*p + (1-g)*math.Abs(s)
		q = g*q + (1-g)*p
		// Thresholds c_j = 2^(j−nThr+1); q ≥ c_j for j ≤ jmax.
		if q > 0 {
			_, e := math.Frexp(q) // q = m·2^e, 0.5 ≤ m < 1: q ≥ 2^(e−1)
			jmax := min(e-1+nThr-1, nThr-1)
			for j := 0; j <= jmax; j++ {
				last[j] = n
			}
		}
		for j := range act {
			if n-last[j] <= hang {
				act[j]++
			} else {
				break // higher thresholds were crossed no later
			}
		}
	}
	if !(energy > 0) || math.IsInf(energy, 0) {
		return 0, 0, false
	}
	// Active level A_j (dB) over the samples active at threshold j, minus
	// the threshold C_j (dB), falls as j rises; find where it crosses the
	// margin and interpolate.
	var prevD, prevA, prevF float64
	for j := range nThr {
		if act[j] == 0 {
			break
		}
		a := 10 * math.Log10(energy/float64(act[j]))
		f := float64(act[j]) / float64(len(x))
		d := a - 20*math.Log10(math.Ldexp(1, j-nThr+1))
		if d <= margin {
			if j == 0 {
				return a, f, true
			}
			k := (prevD - margin) / (prevD - d)
			return prevA + k*(a-prevA), prevF + k*(f-prevF), true
		}
		prevD, prevA, prevF = d, a, f
	}
	// Never crossed: use the level over all active samples.
	return prevA, prevF, true
}

// Gain returns the linear gain that brings x's active level to level dB;
// 1 for silence.
func Gain(x []float64, rate int, level float64) float64 {
	a, _, ok := ActiveLevel(x, rate)
	if !ok {
		return 1
	}
	return math.Pow(10, (level-a)/20)
}
