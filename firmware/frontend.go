package firmware

import "github.com/memlsm/memlsm/firmware/wire"

// Frontend is the analogue periphery of the macro as the firmware drives
// it: DAC channels, line selection, a pulse generator, and the read path
// (read voltage, TIAs, ADCs). A real board implements it with register
// writes; firmware/emu implements it on crossbar.Model; tests use
// fwtest.Recorder.
//
// The firmware checks every request against the geometry and the safety
// limits before it calls the Frontend, so an implementation may assume its
// arguments are in range. Errors are hardware faults; the firmware reports
// them to the host as StatusHardware.
type Frontend interface {
	// SetDAC drives DAC channel ch to code (0 … 2^DACBits−1).
	SetDAC(ch Channel, code uint16) error

	// Select connects lines to the periphery for the next Pulse or
	// Convert: the columns r.Col … r.Col+r.Cols−1 and those rows
	// r.Row+i (i < r.Rows) whose bit i%8 of rowMask[i/8] is set (every
	// row of r when rowMask is nil). All other lines float.
	Select(r wire.Region, rowMask []byte) error

	// Pulse applies one programming pulse of the given mode (wire.ModeForm,
	// ModeSet, ModeReset) and width to the selected cells, at the levels
	// last set on ChanSource (form, set) or ChanBit (reset) and ChanGate.
	Pulse(mode uint8, widthNs uint32) error

	// Convert applies the read voltage (ChanRead) to the selected rows and
	// converts the current of every selected column: codes[j] is column
	// r.Col+j's signed ADC code (len(codes) == r.Cols). It returns how many
	// conversions clipped at full scale.
	Convert(codes []int32) (saturated int, err error)

	// Now returns the board's clock in nanoseconds; it must not go
	// backwards. The duty-cycle limit is kept on this clock.
	Now() uint64

	// Idle lets ns nanoseconds pass with every line parked.
	Idle(ns uint64)
}

// Channel is a DAC channel. The assignment follows the PRUNE test system
// (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023–3.3): one 8-channel DAC80508 drives the source lines for
// form/set, the bit lines for reset, the word lines (compliance) and the
// read voltage.
type Channel uint8

// DAC channels.
const (
	ChanSource Channel = 0 // source-line amplitude for form and set
	ChanBit    Channel = 1 // bit-line amplitude for reset
	ChanGate   Channel = 2 // word-line voltage: the compliance
	ChanRead   Channel = 3 // read voltage on the selected rows
	NumChans           = 4
)
