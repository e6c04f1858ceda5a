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
//	Read: G = float64(code) * LSB / ReadVoltage
//	MVM input: q = math.Round(x * (2^InputBits − 1)); plane b drives the rows whose q has bit b set
//
// with LSB = ADCFullScale / 2^(ADCBits−1) / TIAGain computed in that order.
type Periphery struct {
	ReadVoltage  units.Volts // read voltage actually applied (DAC-quantised)
	ReadCode     uint32      // its DAC code
	DACBits      int
	DACFullScale units.Volts
	TIAGain      units.Ohms // transimpedance, volts per ampere
	ADCBits      int
	ADCFullScale units.Volts // ADC input range is ±ADCFullScale
	LSB          units.Amps  // column current per ADC code
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
	return per
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
// to the conductance of the cell read.
func (p Periphery) Siemens(code int32) units.Siemens {
	return units.Siemens(float64(code) * float64(p.LSB) / float64(p.ReadVoltage))
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
