package crossbar

import (
	"math"

	"github.com/memlsm/memlsm/units"
)

// Periphery is the conversion table between the macro's digital codes and
// SI units: what a board's firmware needs to talk in DAC and ADC codes, and
// what a host needs to turn those codes back into volts, amperes and
// siemens. The formulas are fixed here, once, so the simulator, the
// emulated board and the host driver compute bit-identical float64 values:
//
//	DAC:  V = float64(code) * DACFullScale / 2^DACBits     (DAC80508 transfer function)
//	ADC:  I = float64(code) * LSB                            (binary read)
//	      I = float64(code) * LSB / float64(2^InputBits − 1) (multi-bit MVM; code is the shift-added sum)
//	Read: G = float64(code) * ReadLSB / ReadVoltage
//	MVM input: q = math.Round(x * (2^InputBits − 1)); plane b drives the rows whose q has bit b set
//
// with LSB = ADCFullScale / 2^(ADCBits−1) / TIAGain computed in that order,
// and ReadLSB the same with ReadTIAGain (ReadGain): a conductance read (one
// row at ReadVoltage) may switch the TIA to another gain than the MVMs use.
type Periphery struct {
	ReadVoltage  units.Volts // read voltage actually applied (DAC-quantised)
	ReadCode     uint32      // its DAC code
	DACBits      int
	DACFullScale units.Volts
	TIAGain      units.Ohms // transimpedance, volts per ampere
	ADCBits      int
	ADCFullScale units.Volts // ADC input range is ±ADCFullScale
	LSB          units.Amps  // column current per ADC code (MVM)
	ReadTIAGain  units.Ohms  // transimpedance in a conductance read
	ReadLSB      units.Amps  // column current per ADC code in a conductance read
	CodeMin      int32       // −2^(ADCBits−1)
	CodeMax      int32       // 2^(ADCBits−1) − 1
	InputBits    int         // bit planes of a multi-bit MVM input
}

// NewPeriphery derives the conversion table of p.
func NewPeriphery(p Params) Periphery {
	per := Periphery{
		DACBits: p.DACBits, DACFullScale: p.DACFullScale, TIAGain: p.TIAGain,
		ADCBits: p.ADCBits, ADCFullScale: p.ADCFullScale, InputBits: p.InputBits,
	}
	per.LSB = units.Amps(float64(p.ADCFullScale) / math.Ldexp(1, p.ADCBits-1) / float64(p.TIAGain))
	per.CodeMax = int32(1)<<(p.ADCBits-1) - 1
	per.CodeMin = -int32(1) << (p.ADCBits - 1)
	per.ReadCode = per.DACCode(p.ReadVoltage)
	per.ReadVoltage = per.DACVolts(per.ReadCode)
	per.ReadTIAGain = ReadGain(p)
	per.ReadLSB = per.LSB
	if per.ReadTIAGain != p.TIAGain {
		per.ReadLSB = units.Amps(float64(p.ADCFullScale) / math.Ldexp(1, p.ADCBits-1) / float64(per.ReadTIAGain))
	}
	return per
}

// ReadGain returns the transimpedance of a conductance read (Read, the
// board's READ: one row at ReadVoltage, every column converted alone):
// p.ReadTIAGain when set, else auto-ranged. An MVM column sums up to
// ≈ 100 cells, so tia_gain is chosen for that range; one cell is a
// hundredth of it, and an ADC of a few bits then reads every cell as code
// 0 (6 bits at lin2025's tia_gain: 50 µS per code against 14 µS cells).
// A board or macro with such an ADC switches the TIA to a higher gain for
// conductance reads, as characterisation systems and write-verify loops
// do. The auto range doubles tia_gain (a programmable-gain TIA in ×2
// steps) while one code is coarser than lrs_std/4 and the doubled gain's
// full scale (CodeMax codes) still holds lrs_max, the largest conductance
// a formed or set cell takes, so that no cell clips. lin2025's 14-bit ADC
// already resolves 0.196 µS per code (< lrs_std/4), so its reads keep
// tia_gain: the range only moves where one gain cannot serve both. The ×2
// steps, the lrs_std/4 target and full scale at lrs_max are assumptions.
func ReadGain(p Params) units.Ohms {
	if p.ReadTIAGain > 0 {
		return p.ReadTIAGain
	}
	g := float64(p.TIAGain)
	vr := float64(dacReadVoltage(p))
	codes := math.Ldexp(1, p.ADCBits-1)
	perCode := func(g float64) float64 { return float64(p.ADCFullScale) / codes / g / vr } // siemens per code
	if !(g > 0 && vr > 0) {
		return p.TIAGain
	}
	for k := 0; k < 64 && perCode(g) > float64(p.LRSStd)/4 && (codes-1)*perCode(2*g) >= float64(p.LRSMax); k++ {
		g *= 2
	}
	return units.Ohms(g)
}

// dacReadVoltage returns p's read voltage as the DAC applies it.
func dacReadVoltage(p Params) units.Volts {
	per := Periphery{DACBits: p.DACBits, DACFullScale: p.DACFullScale}
	return per.DACVolts(per.DACCode(p.ReadVoltage))
}

// DACCode returns the DAC code nearest to v, clamped to [0, 2^DACBits − 1].
func (p Periphery) DACCode(v units.Volts) uint32 {
	max := math.Ldexp(1, p.DACBits) - 1
	c := math.Round(float64(v) / float64(p.DACFullScale) * math.Ldexp(1, p.DACBits))
	if !(c >= 0) { // also NaN
		c = 0
	}
	if c > max {
		c = max
	}
	return uint32(c)
}

// DACVolts returns the output voltage of a DAC code.
func (p Periphery) DACVolts(code uint32) units.Volts {
	return units.Volts(float64(code) * float64(p.DACFullScale) / math.Ldexp(1, p.DACBits))
}

// Amps converts the ADC code of a binary read to column current.
func (p Periphery) Amps(code int32) units.Amps {
	return units.Amps(float64(code) * float64(p.LSB))
}

// InputLevels returns 2^InputBits − 1, the largest quantised input of a
// multi-bit MVM and the divisor of its shift-added codes.
func (p Periphery) InputLevels() int { return 1<<p.InputBits - 1 }

// Quantize returns the InputBits-bit level of an MVM input x ∈ [0, 1]:
// math.Round(x·(2^InputBits − 1)), the integer whose bit b is applied in
// bit plane b.
func (p Periphery) Quantize(x float64) uint32 {
	return uint32(math.Round(x * float64(p.InputLevels())))
}

// MVMAmps converts a code returned by MVMCodes to the column current MVM
// reports: binary tells whether the input vector was binary (one plane) or
// multi-bit (InputBits planes, shift-added).
func (p Periphery) MVMAmps(code int32, binary bool) units.Amps {
	if binary {
		return p.Amps(code)
	}
	return units.Amps(float64(code) * float64(p.LSB) / float64(p.InputLevels()))
}

// Siemens converts the ADC code of a one-hot read (one row at ReadVoltage)
// to the conductance of the cell read (codes of a read are at ReadLSB).
func (p Periphery) Siemens(code int32) units.Siemens {
	return units.Siemens(float64(code) * float64(p.ReadLSB) / float64(p.ReadVoltage))
}

// ADCCode converts a column current to the ADC code (round to nearest,
// clamped to [CodeMin, CodeMax]); saturated reports clamping.
func (p Periphery) ADCCode(i units.Amps) (code int32, saturated bool) {
	c := math.Round(float64(i) / float64(p.LSB))
	switch {
	case c > float64(p.CodeMax):
		return p.CodeMax, true
	case c < float64(p.CodeMin):
		return p.CodeMin, true
	case c != c: // NaN cannot happen from finite conductances; treat as zero
		return 0, false
	}
	return int32(c), false
}

// IsBinary reports whether every x[i] is exactly 0 or 1, i.e. whether an
// MVM of x is one binary read.
func IsBinary(x []float64) bool {
	for _, v := range x {
		if v != 0 && v != 1 {
			return false
		}
	}
	return true
}
