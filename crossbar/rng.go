package crossbar

import "math"

// Counter-based randomness. Every random number of the model is a pure
// function of (seed, stream, index, counter): stream names what is drawn
// (a breakdown voltage, a conductance after a pulse, the noise of one
// column conversion), index the cell (row·Cols+col) or the column, and
// counter that cell's or column's own operation count. Nothing depends on
// the order in which cells or columns are visited, on how a Read or a
// Program is split into chunks, or on other regions, which is what lets a
// board that reads row by row reproduce the simulator bit for bit.

// Streams of draws. The numbers are part of the model's definition: changing
// one changes every result for a given seed.
const (
	streamVbd      uint64 = iota + 1 // per cell: breakdown voltage
	streamPristine                   // per cell: pristine conductance
	streamStuck                      // per cell: stuck-cell lottery
	streamLRSD2D                     // per cell: device part of the LRS conductance
	streamHRSD2D                     // per cell: device part of the HRS conductance
	streamVSet                       // per cell: SET threshold
	streamVReset                     // per cell: RESET threshold
	streamNu                         // per cell: relaxation-exponent factor
	streamStuckG                     // per cell: conductance of a stuck-LRS cell
	streamPulseG                     // per cell and pulse: cycle part of a new conductance
	streamPulseV                     // per cell and pulse: cycle part of a switching threshold
	streamRead                       // per column and conversion: read noise
)

const golden = 0x9e3779b97f4a7c15

// mix64 is the SplitMix64 finaliser (Stafford's variant 13): a bijection
// of uint64 with full avalanche.
func mix64(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

// keyer derives the hash of (seed, stream, index, counter).
type keyer struct {
	base [streamRead + 1]uint64 // mix64 of (seed, stream), per stream
}

func newKeyer(seed uint64) keyer {
	var k keyer
	for s := range k.base {
		k.base[s] = mix64(mix64(seed) + uint64(s)*golden)
	}
	return k
}

func (k *keyer) hash(stream uint64, index int, counter uint64) uint64 {
	h := mix64(k.base[stream] ^ uint64(index))
	return mix64(h + (counter+1)*golden)
}

// uniform returns a uniform draw in the open interval (0, 1).
func (k *keyer) uniform(stream uint64, index int, counter uint64) float64 {
	return unit(k.hash(stream, index, counter))
}

// normal returns a standard normal draw: the ziggurat method of Marsaglia
// and Tsang (J. Stat. Softw. 5(8), 2000) with 128 layers, driven by the
// hashes h_k = mix64(hash + k·φ), k = 0, 1, … of one key, so the draw is
// still a pure function of the key. One hash suffices ≈ 98.8 % of the time;
// the rare wedge and tail cases take a few more. The result is exact in
// distribution (to the 32-bit resolution of the layer coordinate).
func (k *keyer) normal(stream uint64, index int, counter uint64) float64 {
	h := k.hash(stream, index, counter)
	for n := uint64(1); ; n++ {
		u := mix64(h + n*golden)
		j := int32(u)
		i := u >> 32 & 127
		x := float64(j) * zig.w[i]
		if uint32(max(j, -j)) < zig.k[i] { // j = MinInt32 has no layer below it: falls through
			return x
		}
		if i == 0 {
			// The tail beyond r: Marsaglia's exponential rejection.
			for {
				n++
				x = -math.Log(unit(mix64(h+n*golden))) / zigR
				n++
				y := -math.Log(unit(mix64(h + n*golden)))
				if y+y >= x*x {
					break
				}
			}
			if j > 0 {
				return zigR + x
			}
			return -zigR - x
		}
		n++
		if zig.f[i]+unit(mix64(h+n*golden))*(zig.f[i-1]-zig.f[i]) < math.Exp(-0.5*x*x) {
			return x
		}
	}
}

// unit maps a hash to (0, 1).
func unit(h uint64) float64 { return (float64(h>>11) + 0.5) * 0x1p-53 }

// Ziggurat of the standard normal: 128 layers of equal area zigV, the base
// layer ending at zigR (Marsaglia & Tsang 2000).
const (
	zigR = 3.442619855899
	zigV = 9.91256303526217e-3
)

var zig = func() (z struct {
	k [128]uint32
	w [128]float64
	f [128]float64
}) {
	const m1 = 1 << 31
	dn := zigR
	tn := dn
	q := zigV / math.Exp(-0.5*dn*dn)
	z.k[0] = uint32(dn / q * m1)
	z.k[1] = 0
	z.w[0] = q / m1
	z.w[127] = dn / m1
	z.f[0] = 1
	z.f[127] = math.Exp(-0.5 * dn * dn)
	for i := 126; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(zigV/dn+math.Exp(-0.5*dn*dn)))
		z.k[i+1] = uint32(dn / tn * m1)
		tn = dn
		z.f[i] = math.Exp(-0.5 * dn * dn)
		z.w[i] = dn / m1
	}
	return z
}()
