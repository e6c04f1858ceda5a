package emu

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/wire"
	"github.com/memlsm/memlsm/units"
)

// Frontend is the firmware's analogue periphery emulated on a
// *crossbar.Model: DAC codes become volts through the model's Periphery
// (the DAC80508 transfer function), a Pulse becomes Model.Program, a
// Convert becomes one binary Model.MVMCodes over the selected rows, and the
// board's clock is the model's virtual clock. Because the Model's read
// noise is keyed by column and conversion count, the firmware's row-by-row
// reads and bit-serial planes give exactly the numbers the Model's own Read
// and MVM give.
type Frontend struct {
	m   *crossbar.Model
	per crossbar.Periphery
	lim crossbar.Limits
	ctx context.Context

	dac    [firmware.NumChans]uint16
	sel    wire.Region
	mask   [firmware.MaxRows / 8]byte
	masked bool
	x      [firmware.MaxRows]float64
}

var _ firmware.Frontend = (*Frontend)(nil)

// NewFrontend returns the front end of m.
func NewFrontend(m *crossbar.Model) *Frontend {
	return &Frontend{m: m, per: m.Periphery(), lim: m.Limits(), ctx: context.Background()}
}

// SetDAC implements firmware.Frontend.
func (f *Frontend) SetDAC(ch firmware.Channel, code uint16) error {
	if ch >= firmware.NumChans {
		return fmt.Errorf("emu: no DAC channel %d", ch)
	}
	f.dac[ch] = code
	return nil
}

// Select implements firmware.Frontend.
func (f *Frontend) Select(r wire.Region, rowMask []byte) error {
	f.sel = r
	f.masked = rowMask != nil
	if f.masked {
		copy(f.mask[:], rowMask)
	}
	return nil
}

// volts returns the DAC output of code, as Model.Program will quantise it
// again. A code that is the DAC's nearest to the safety limit itself may
// lie up to half an LSB above the limit in volts; the model, which checks
// volts, is then handed the limit (which quantises to the same code).
func (f *Frontend) volts(code uint16, limit units.Volts) units.Volts {
	v := f.per.DACVolts(uint32(code))
	if v > limit && f.per.DACCode(limit) == uint32(code) {
		v = limit
	}
	return v
}

// Pulse implements firmware.Frontend.
func (f *Frontend) Pulse(mode uint8, widthNs uint32) error {
	if f.masked {
		return errors.New("emu: the pulse generator drives whole regions, not masked rows")
	}
	m := crossbar.Mode(mode)
	ch := firmware.ChanSource
	if m == crossbar.Reset {
		ch = firmware.ChanBit
	}
	p := crossbar.Pulse{
		Mode:      m,
		Amplitude: f.volts(f.dac[ch], f.lim.MaxAmplitude[m&3]),
		Width:     units.Seconds(float64(widthNs) / 1e9),
		Gate:      f.volts(f.dac[firmware.ChanGate], f.lim.MaxGate),
	}
	r := crossbar.Region{Row: int(f.sel.Row), Col: int(f.sel.Col), Rows: int(f.sel.Rows), Cols: int(f.sel.Cols)}
	return f.m.Program(f.ctx, r, p)
}

// Convert implements firmware.Frontend. A conversion after a Select
// without a row mask is the firmware's READ (one row, single-ended:
// Model.ReadCodes); one after a masked Select is an MVM or LSM step
// (Model.MVMCodes, whose column pairs are subtracted before the ADC when
// the model's analog_diff is set, as the board's Info flags say).
func (f *Frontend) Convert(codes []int32) (int, error) {
	r := crossbar.Region{Row: int(f.sel.Row), Col: int(f.sel.Col), Rows: int(f.sel.Rows), Cols: int(f.sel.Cols)}
	if !f.masked {
		return f.m.ReadCodes(f.ctx, r, codes)
	}
	x := f.x[:r.Rows]
	for i := range x {
		x[i] = 1
		if f.masked && f.mask[i>>3]>>(i&7)&1 == 0 {
			x[i] = 0
		}
	}
	return f.m.MVMCodes(f.ctx, r, x, codes)
}

// Now implements firmware.Frontend: the model's virtual clock in ns.
func (f *Frontend) Now() uint64 {
	return uint64(math.Round(float64(f.m.Now()) * 1e9))
}

// Idle implements firmware.Frontend: it advances the model's clock.
func (f *Frontend) Idle(ns uint64) {
	_ = f.m.Wait(f.ctx, units.Seconds(float64(ns)/1e9))
}

// Config returns the firmware configuration of a board carrying m's macro:
// its geometry, periphery calibration and safety limits in codes, and name.
// It fails if m does not fit the firmware (more than 512×512 cells, more
// than 16 DAC bits).
func Config(m *crossbar.Model, name string) (firmware.Config, error) {
	p, per, lim := m.Params(), m.Periphery(), m.Limits()
	switch {
	case p.Rows > firmware.MaxRows || p.Cols > firmware.MaxCols:
		return firmware.Config{}, fmt.Errorf("emu: the firmware drives at most %d×%d cells, the model has %d×%d", firmware.MaxRows, firmware.MaxCols, p.Rows, p.Cols)
	case per.DACBits > 16 || per.ADCBits > 16 || per.InputBits > 16:
		return firmware.Config{}, fmt.Errorf("emu: DAC, ADC and input resolutions must be ≤ 16 bits, got %d, %d, %d", per.DACBits, per.ADCBits, per.InputBits)
	case per.ReadLSB != per.LSB:
		return firmware.Config{}, fmt.Errorf("emu: the model reads conductances at %v (read_tia_gain, auto-ranged for its %d-bit ADC) and multiplies at %v (tia_gain); "+
			"a board reports one ADC LSB in its Info (firmware 1.1), so set read_tia_gain to tia_gain to emulate it", per.ReadTIAGain, per.ADCBits, per.TIAGain)
	case len(name) > wire.MaxNameLen:
		return firmware.Config{}, fmt.Errorf("emu: board name %q longer than %d bytes", name, wire.MaxNameLen)
	}
	i := wire.Info{
		Rows: uint16(p.Rows), Cols: uint16(p.Cols),
		DACBits: uint8(per.DACBits), ADCBits: uint8(per.ADCBits), InputBits: uint8(per.InputBits),
		MaxGate:    uint16(per.DACCode(lim.MaxGate)),
		MinWidthNs: nsCeil(lim.MinWidth), MaxWidthNs: nsFloor(lim.MaxWidth),
		MaxDutyPPM: uint32(math.Round(lim.MaxDuty * 1e6)),
		MaxCells:   uint32(max(lim.MaxCells, 0)),
		Caps:       caps(p),

		DACFullScale: math.Float64bits(float64(per.DACFullScale)),
		ReadVoltage:  math.Float64bits(float64(per.ReadVoltage)),
		TIAGain:      math.Float64bits(float64(per.TIAGain)),
		ADCFullScale: math.Float64bits(float64(per.ADCFullScale)),
		ADCLSB:       math.Float64bits(float64(per.LSB)),
		EnergyConv:   math.Float64bits(float64(p.EnergyADC + p.EnergyTIA)),
		EnergyDAC:    math.Float64bits(float64(p.EnergyDAC)),
		NameLen:      uint8(len(name)),
	}
	for _, mode := range []crossbar.Mode{crossbar.Form, crossbar.Set, crossbar.Reset} {
		i.MaxAmplitude[mode-1] = uint16(per.DACCode(lim.MaxAmplitude[mode]))
	}
	copy(i.Name[:], name)
	return firmware.Config{Info: i, ReadCode: uint16(per.ReadCode)}, nil
}

// caps returns the front end's capability bits (Info.Caps) of a board carrying a macro with p.
func caps(p crossbar.Params) uint16 {
	if p.AnalogDiff == 1 {
		return wire.CapAnalogDiff
	}
	return 0
}

// nsCeil and nsFloor convert a limit in seconds to whole nanoseconds on
// the safe side, without letting float rounding (100e-9·1e9 =
// 100.00000000000001) cost a nanosecond.
func nsCeil(s units.Seconds) uint32 {
	n := math.Round(float64(s) * 1e9)
	if n/1e9 < float64(s) {
		n++
	}
	return uint32(min(max(n, 1), math.MaxUint32))
}

func nsFloor(s units.Seconds) uint32 {
	n := math.Round(float64(s) * 1e9)
	if n/1e9 > float64(s) {
		n--
	}
	return uint32(min(max(n, 1), math.MaxUint32))
}
