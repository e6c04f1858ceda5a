package crossbar

import (
	"context"
	"fmt"

	"github.com/memlsm/memlsm/units"
)

// Array is the one hardware seam of memlsm: a rectangular array of 1T1R
// resistive-memory cells with its programming and read periphery. The
// simulator (*Model), the host driver of a real board and the emulated board
// (*device.Board) all implement it; everything above this package is written
// against Array and never knows which one it has.
//
// Cells are addressed by (row, column). A row is a source line driven by the
// input DACs; a column is a bit line whose current is read by a
// trans-impedance amplifier and an ADC. All methods that take a Region act on
// every cell of it at once.
//
// Methods that talk to hardware take a context first; its deadline bounds the
// call. An implementation must be safe for concurrent use, but callers that
// need reproducible noise must call it from one goroutine (the order of
// operations then fixes every random draw).
type Array interface {
	// Geometry reports the array's dimensions.
	Geometry() Geometry

	// Program applies one pulse to every cell of r at once: all selected
	// source lines (form, set) or bit lines (reset) are driven to
	// p.Amplitude for p.Width while the word lines sit at p.Gate, which
	// limits the current (the compliance). A pulse beyond the array's safety
	// limits is refused with an error and touches nothing.
	Program(ctx context.Context, r Region, p Pulse) error

	// Read measures the conductance of every cell of r through the read path
	// (read voltage, TIA, ADC), so the result carries read noise and ADC
	// quantisation. g receives r.Rows*r.Cols values in siemens, row-major
	// (g[i*r.Cols+j] is cell (r.Row+i, r.Col+j)); its length must match.
	Read(ctx context.Context, r Region, g []units.Siemens) error

	// MVM applies the input vector x to the rows of r and returns the column
	// currents of r in y (len(x) == r.Rows, len(y) == r.Cols).
	//
	// x[i] is the input of row r.Row+i as a fraction of the read voltage, in
	// [0, 1]. A binary vector (every x[i] 0 or 1) is applied as one read
	// pulse; any other vector is quantised to the array's input resolution and
	// applied bit-serially, one binary read per bit plane, with the planes'
	// ADC results shifted and added. y[j] = Σ_i G[i][j]·x[i]·V_read up to
	// read noise and ADC quantisation, in amperes.
	//
	// saturated counts the ADC conversions that clipped at full scale (a
	// physical condition, so a returned value, not an error).
	MVM(ctx context.Context, r Region, x []float64, y []units.Amps) (saturated int, err error)

	// Close releases the array. It is safe to call twice; calls after Close
	// return an error.
	Close() error
}

// Geometry is the size of an array.
type Geometry struct {
	Rows int `json:"rows"`
	Cols int `json:"cols"`
}

// Cells returns Rows*Cols.
func (g Geometry) Cells() int { return g.Rows * g.Cols }

// All returns the region covering the whole array.
func (g Geometry) All() Region { return Region{Rows: g.Rows, Cols: g.Cols} }

// Contains reports whether r is non-empty and lies inside the array.
func (g Geometry) Contains(r Region) bool {
	return r.Row >= 0 && r.Col >= 0 && r.Rows > 0 && r.Cols > 0 &&
		r.Row+r.Rows <= g.Rows && r.Col+r.Cols <= g.Cols
}

// Region is a rectangle of cells: rows [Row, Row+Rows) and columns
// [Col, Col+Cols).
type Region struct {
	Row  int `json:"row"`
	Col  int `json:"col"`
	Rows int `json:"rows"`
	Cols int `json:"cols"`
}

// Cells returns Rows*Cols.
func (r Region) Cells() int { return r.Rows * r.Cols }

func (r Region) String() string {
	return fmt.Sprintf("rows %d..%d × cols %d..%d", r.Row, r.Row+r.Rows-1, r.Col, r.Col+r.Cols-1)
}

// Mode is the kind of programming pulse.
type Mode uint8

const (
	// Form is electroforming: the first dielectric breakdown of a pristine
	// cell. Source lines at the amplitude, bit lines grounded, word lines at
	// the gate voltage that sets the compliance current (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023).
	Form Mode = iota + 1
	// Set switches a formed cell from the high- to the low-resistance state
	// (same polarity as Form).
	Set
	// Reset switches a formed cell back to the high-resistance state: the
	// selected bit lines are driven, the source lines grounded (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023).
	Reset
)

func (m Mode) String() string {
	switch m {
	case Form:
		return "form"
	case Set:
		return "set"
	case Reset:
		return "reset"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode parses "form", "set" or "reset".
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{Form, Set, Reset} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("crossbar: unknown pulse mode %q (want form, set or reset)", s)
}

// Pulse is one programming pulse.
type Pulse struct {
	Mode      Mode
	Amplitude units.Volts   // on the source lines (form, set) or bit lines (reset)
	Width     units.Seconds // pulse duration
	Gate      units.Volts   // word-line voltage; sets the compliance current
}

func (p Pulse) String() string {
	return fmt.Sprintf("%s %v × %v, gate %v", p.Mode, p.Amplitude, p.Width, p.Gate)
}

// Optional capabilities, discovered by type assertion. The core interface
// never grows; an implementation offers what its hardware can do.

// Limiter is an Array that reports the safety limits it enforces.
type Limiter interface {
	Limits() Limits
}

// Limits are the bounds a board's firmware (or the simulator) enforces on
// every pulse, whatever the host asks for.
type Limits struct {
	MaxAmplitude [4]units.Volts // indexed by Mode
	MinWidth     units.Seconds
	MaxWidth     units.Seconds
	MaxGate      units.Volts // word-line voltage, i.e. the compliance ceiling
	MaxDuty      float64     // pulse-on fraction of any 1 ms window, in (0, 1]
	MaxCells     int         // cells one Program call may touch
}

// Check reports whether p on a region of n cells is within l; the error
// names the limit that was exceeded.
func (l Limits) Check(p Pulse, n int) error {
	if p.Mode < Form || p.Mode > Reset {
		return fmt.Errorf("crossbar: pulse mode %d is not form, set or reset", p.Mode)
	}
	switch {
	case !(p.Amplitude >= 0 && p.Amplitude <= l.MaxAmplitude[p.Mode]):
		return fmt.Errorf("crossbar: %s amplitude %v outside [0, %v]", p.Mode, p.Amplitude, l.MaxAmplitude[p.Mode])
	case !(p.Width >= l.MinWidth && p.Width <= l.MaxWidth):
		return fmt.Errorf("crossbar: pulse width %v outside [%v, %v]", p.Width, l.MinWidth, l.MaxWidth)
	case !(p.Gate >= 0 && p.Gate <= l.MaxGate):
		return fmt.Errorf("crossbar: gate voltage %v outside [0, %v]", p.Gate, l.MaxGate)
	case l.MaxCells > 0 && n > l.MaxCells:
		return fmt.Errorf("crossbar: %d cells in one pulse exceeds %d", n, l.MaxCells)
	}
	return nil
}

// Clock is an Array with a notion of time, for retention and relaxation
// experiments. The simulator's clock is virtual (Wait returns at once and
// advances it); a board's is its wall clock.
type Clock interface {
	// Now returns the time since the array was made (or the board booted).
	Now() units.Seconds
	// Wait lets d pass with the array idle.
	Wait(ctx context.Context, d units.Seconds) error
}

// AnalogDiffer is an Array that may subtract the currents of each column
// pair (2k, 2k+1) before the ADC in MVMs (Params.AnalogDiff): such an MVM
// reports the pair's difference on the even column and 0 on the odd one,
// with one conversion a pair, and needs regions of whole pairs. Read is
// single-ended either way.
type AnalogDiffer interface {
	AnalogDiff() bool
}

// Counter is an Array that counts its operations and estimates their energy.
type Counter interface {
	Counters() Counters
}

// Counters are cumulative operation counts and the energy they cost.
type Counters struct {
	Pulses         int64        `json:"pulses"`     // programming pulses, counted per cell
	CellReads      int64        `json:"cell_reads"` // cell-read events (one cell under read voltage in one read or MVM plane)
	MVMs           int64        `json:"mvms"`       // MVM calls
	ADCConversions int64        `json:"adc_conversions"`
	DACUpdates     int64        `json:"dac_updates"`
	Saturations    int64        `json:"saturations"` // ADC conversions that clipped
	Energy         units.Joules `json:"energy_j"`
}

// ReservoirRunner is an Array that can run a whole LIF reservoir sample on
// the board, the way the paper's FPGA did: the weights are the array's
// conductances, T input frames go in, spike counts come out. It saves one
// host round trip per time step.
type ReservoirRunner interface {
	RunReservoir(ctx context.Context, run ReservoirRun, input [][]uint16, counts []uint16) error
}

// ReservoirLayout places an LSM's weights on an array. Rows
// [Region.Row, Region.Row+In) carry the In external inputs, the next N rows
// carry the reservoir's own spikes of the previous step (recurrence). Neuron j
// uses the differential column pair Region.Col+2j (G⁺) and
// Region.Col+2j+1 (G⁻), so its signed weight from row i is
// Gain·(G⁺ᵢⱼ − G⁻ᵢⱼ)/GUnit with GUnit = 1 µS (Lin et al. 2025, the authors' run scripts: w = const·G[µS]).
type ReservoirLayout struct {
	Region Region `json:"region"` // Rows == In+N, Cols == 2N
	In     int    `json:"inputs"`
	N      int    `json:"neurons"`
}

// Validate checks the layout's internal consistency.
func (l ReservoirLayout) Validate() error {
	if l.In <= 0 || l.N <= 0 || l.Region.Rows != l.In+l.N || l.Region.Cols != 2*l.N {
		return fmt.Errorf("crossbar: reservoir layout needs Rows = In+N and Cols = 2N, got %v with In=%d N=%d", l.Region, l.In, l.N)
	}
	return nil
}

// GUnit is the conductance that maps to weight 1 before the gain: weights
// are const·G/µS in the paper's simulation (Lin et al. 2025, the authors' run scripts, §2.3).
const GUnit units.Siemens = 1e-6

// ReservoirRun configures one on-board reservoir sample (Lin et al. 2025, the authors' LIF code):
//
//	v[t] = Decay·v[t−1]·(1 − s[t−1]) + I[t];  s[t] = v[t] > Threshold
//	I[t] = Gain·(I⁺ − I⁻)/(V_read·GUnit) for the rows active at t
//
// counts[j] receives Σ_t s_j[t].
type ReservoirRun struct {
	Layout    ReservoirLayout
	Steps     int
	Decay     float64
	Threshold float64
	Gain      float64
}

// Geometry returns the size of r.
func (r Region) Geometry() Geometry { return Geometry{Rows: r.Rows, Cols: r.Cols} }
