package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/units"
)

// Schedule is when the array is read during a sample.
type Schedule int

const (
	// EventDriven reads the array only at steps with an active input or a
	// recurrent spike (no event, no read), as the in-memory mode does and
	// as an event-driven chip would.
	EventDriven Schedule = iota
	// EveryStep reads the array at every time step, as the on-board
	// reservoir runner does.
	EveryStep
)

func (s Schedule) String() string {
	if s == EveryStep {
		return "every-step"
	}
	return "event-driven"
}

// MarshalText implements encoding.TextMarshaler.
func (s Schedule) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Schedule) UnmarshalText(b []byte) error {
	switch string(b) {
	case "event-driven":
		*s = EventDriven
	case "every-step":
		*s = EveryStep
	default:
		return fmt.Errorf("cost: schedule %q is not event-driven or every-step", b)
	}
	return nil
}

// Reservoir is the work one LSM encoder does per inference on the array,
// and the same work counted as digital operations. Every count is a mean
// per inference (a float64).
type Reservoir struct {
	Name    string `json:"name,omitempty"`
	Inputs  int    `json:"inputs"`
	Neurons int    `json:"neurons"`
	Rows    int    `json:"rows"`    // array rows of the layout: Inputs + Neurons
	Columns int    `json:"columns"` // columns of the layout: 2·Neurons (differential pairs)
	Samples int64  `json:"samples"` // encodings the means below are over
	// TileRows × TileCols macros hold the layout when it is spread over a
	// grid of them (crossbar.Tiled); 1 × 1 when it fits one macro. A read
	// converts the columns of every tile row holding a driven row (a grid
	// skips the others), and the tile rows' partial sums are added
	// digitally.
	TileRows int `json:"tile_rows"`
	TileCols int `json:"tile_cols"`
	// TileRowReads is Σ over reads of the tile rows converted, per
	// inference (from lsm.Stats.BandReads when the encoder counted the
	// grid's row bands); 0 means not counted, and a grid is then priced
	// as converting every tile row at every read (an upper bound).
	TileRowReads float64 `json:"tile_row_reads,omitempty"`

	Steps float64 `json:"steps"`
	// Reads are the array read cycles; each drives the active rows and
	// converts every column of the layout once.
	Reads float64 `json:"reads"`
	// RowActivations is Σ over reads of the rows driven.
	RowActivations float64 `json:"row_activations"`

	InputEvents   float64 `json:"input_events"`
	Spikes        float64 `json:"spikes"`
	SynACs        float64 `json:"syn_acs"`  // effective accumulate-only synaptic operations
	SynMACs       float64 `json:"syn_macs"` // effective multiply-accumulates (count inputs)
	DenseMACs     float64 `json:"dense_macs"`
	NeuronUpdates float64 `json:"neuron_updates"` // Steps·Neurons

	// MeanG is the mean conductance of the layout's cells (formed or
	// not), which prices the array's read energy.
	MeanG float64 `json:"g_mean_s"`
}

// Macro is what the cost model needs of the array's parameters.
type Macro struct {
	Rows        int     `json:"rows"`
	Cols        int     `json:"cols"`
	ReadVoltage float64 `json:"read_voltage_v"` // as applied (DAC-quantised)
	GateVoltage float64 `json:"gate_voltage_v"` // word-line voltage during reads
	ADCBits     int     `json:"adc_bits"`
	InputBits   int     `json:"input_bits"`
	// AnalogDiff: the column pairs are subtracted before the ADC
	// (crossbar.Params.AnalogDiff), one conversion per pair, and no
	// digital subtraction; otherwise every column is converted and the
	// pairs subtracted digitally, as on the test board.
	AnalogDiff bool `json:"analog_diff,omitempty"`
}

// MacroOf takes the cost-relevant parameters of a simulated macro.
func MacroOf(p crossbar.Params) Macro {
	return Macro{Rows: p.Rows, Cols: p.Cols, ReadVoltage: float64(crossbar.NewPeriphery(p).ReadVoltage),
		GateVoltage: float64(p.GateRef), ADCBits: p.ADCBits, InputBits: p.InputBits, AnalogDiff: p.AnalogDiff == 1}
}

// Workload is one inference: the reservoirs it runs (one for
// classification, two for a zero-shot pair) and its digital head.
type Workload struct {
	Schedule   Schedule    `json:"schedule"`
	Reservoirs []Reservoir `json:"reservoirs"`
	HeadMACs   float64     `json:"head_macs"`   // multiply-accumulates of the head per inference
	HeadParams float64     `json:"head_params"` // weights of the head
	Macro      Macro       `json:"macro"`
}

// NewReservoir turns the operation counts of an encoding (lsm.Stats summed
// over st.Samples samples) into the per-inference work of one reservoir.
// meanG is the mean conductance of its layout's cells and inputBits the
// bit planes of a count input (crossbar.Params.InputBits).
//
// Reads follow the schedule. EveryStep reads every step. EventDriven reads
// the steps with events (lsm.Stats.ActiveSteps), and a step whose inputs
// carry counts as the in-memory mode does: one read per bit plane of the
// inputs and, if neurons spiked, one binary read of the recurrent rows
// (ActiveSteps + ValuedSteps·(inputBits − 1) + ValuedRecSteps).
//
// Row activations are the binary input events and recurrent spike rows
// (EffectiveACs/N), plus, for count inputs, inputBits/2 planes per event:
// the share of set bits in a count's planes is not counted, and one half
// is an assumption.
//
// When the encoder counted row bands (lsm.Options.RowBands: the tile rows
// of a grid of macros), TileRowReads are its band reads, a count input's
// bands once per bit plane (BandReads + ValuedBandReads·inputBits).
func NewReservoir(name string, st lsm.Stats, sched Schedule, inputBits int, meanG units.Siemens) Reservoir {
	n := float64(st.Samples)
	if n == 0 {
		n = 1
	}
	per := func(x int64) float64 { return float64(x) / n }
	r := Reservoir{
		Name: name, Inputs: st.Inputs, Neurons: st.Neurons, Rows: st.Inputs + st.Neurons, Columns: 2 * st.Neurons, Samples: st.Samples,
		Steps: per(st.Steps), InputEvents: per(st.InputEvents), Spikes: per(st.Spikes),
		SynACs: per(st.EffectiveACs), SynMACs: per(st.EffectiveMACs), DenseMACs: per(st.DenseMACs),
		NeuronUpdates: per(st.Steps) * float64(st.Neurons), MeanG: float64(meanG), TileRows: 1, TileCols: 1,
	}
	if st.Neurons > 0 {
		binaryRows := r.SynACs / float64(st.Neurons)
		valuedEvents := r.SynMACs / float64(st.Neurons)
		r.RowActivations = binaryRows + valuedEvents*float64(inputBits)/2
	}
	r.TileRowReads = per(st.BandReads) + per(st.ValuedBandReads)*float64(inputBits)
	switch sched {
	case EveryStep:
		r.Reads = r.Steps
	default:
		r.Reads = per(st.ActiveSteps) + per(st.ValuedSteps)*float64(inputBits-1) + per(st.ValuedRecSteps)
	}
	return r
}

// Tiles returns the number of macros holding the reservoir.
func (r Reservoir) Tiles() int { return r.TileRows * r.TileCols }

// tileRowReads returns the tile-row reads per inference: the counted
// ones on a grid when known, else every tile row at every read (on one
// macro, the reads).
func (r Reservoir) tileRowReads() float64 {
	if r.TileRows > 1 && r.TileRowReads > 0 {
		return r.TileRowReads
	}
	return r.Reads * float64(r.TileRows)
}

// convertedColumns returns the conversions of one tile row's read: every
// column, or one per column pair when pairs are subtracted before the ADC.
func (r Reservoir) convertedColumns(m Macro) int {
	if m.AnalogDiff {
		return r.Columns / 2
	}
	return r.Columns
}

// conversions returns the ADC conversions per inference.
func (r Reservoir) conversions(m Macro) float64 {
	return r.tileRowReads() * float64(r.convertedColumns(m))
}

// MeanConductance returns the mean of g (0 for no cells).
func MeanConductance(g []units.Siemens) units.Siemens {
	if len(g) == 0 {
		return 0
	}
	var s float64
	for _, v := range g {
		s += float64(v)
	}
	return units.Siemens(s / float64(len(g)))
}

// Validate checks the workload's consistency.
func (w Workload) Validate() error {
	if len(w.Reservoirs) == 0 {
		return fmt.Errorf("cost: workload has no reservoir")
	}
	if w.Macro.Rows <= 0 || w.Macro.Cols <= 0 || w.Macro.ADCBits <= 0 || w.Macro.InputBits <= 0 {
		return fmt.Errorf("cost: workload macro %+v needs positive rows, cols, adc_bits and input_bits", w.Macro)
	}
	for _, r := range w.Reservoirs {
		switch {
		case r.Neurons <= 0 || r.Inputs <= 0:
			return fmt.Errorf("cost: reservoir %q of %d inputs and %d neurons", r.Name, r.Inputs, r.Neurons)
		case r.TileRows < 1 || r.TileCols < 1:
			return fmt.Errorf("cost: reservoir %q on a %d×%d grid of macros", r.Name, r.TileRows, r.TileCols)
		case r.Rows > r.TileRows*w.Macro.Rows || r.Columns > r.TileCols*w.Macro.Cols:
			return fmt.Errorf("cost: reservoir %q needs %d×%d cells on a %d×%d grid of %d×%d macros", r.Name, r.Rows, r.Columns,
				r.TileRows, r.TileCols, w.Macro.Rows, w.Macro.Cols)
		}
		for _, x := range []float64{r.Steps, r.Reads, r.TileRowReads, r.RowActivations, r.SynACs, r.SynMACs, r.DenseMACs, r.NeuronUpdates, r.MeanG} {
			if !(x >= 0) || math.IsInf(x, 0) {
				return fmt.Errorf("cost: reservoir %q has a negative or non-finite count", r.Name)
			}
		}
	}
	if !(w.HeadMACs >= 0 && w.HeadParams >= 0) {
		return fmt.Errorf("cost: head of %g MACs and %g parameters", w.HeadMACs, w.HeadParams)
	}
	return nil
}

// ReadWorkload reads the workload of a priced result back, to price it
// again with another technology: r holds JSON that is an experiment
// result with a "cost" block, a Report, or a bare Workload.
func ReadWorkload(r io.Reader) (Workload, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Workload{}, fmt.Errorf("cost: reading a workload: %w", err)
	}
	var probe struct {
		Cost       *struct{ Workload *Workload } `json:"cost"`
		Workload   *Workload                     `json:"workload"`
		Reservoirs json.RawMessage               `json:"reservoirs"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Workload{}, fmt.Errorf("cost: workload: byte offset %d: %w", se.Offset, err)
		}
		return Workload{}, fmt.Errorf("cost: workload: %w", err)
	}
	var w Workload
	switch {
	case probe.Cost != nil && probe.Cost.Workload != nil:
		w = *probe.Cost.Workload
	case probe.Workload != nil:
		w = *probe.Workload
	case probe.Reservoirs != nil:
		if err := json.Unmarshal(data, &w); err != nil {
			return Workload{}, fmt.Errorf("cost: workload: %w", err)
		}
	default:
		return Workload{}, fmt.Errorf("cost: no workload found: want a result with a \"cost\" block, a cost report or a workload")
	}
	for i := range w.Reservoirs {
		r := &w.Reservoirs[i]
		if r.TileRows == 0 && r.TileCols == 0 { // written before grids of macros were priced
			r.TileRows, r.TileCols = 1, 1
		}
	}
	if err := w.Validate(); err != nil {
		return Workload{}, err
	}
	return w, nil
}
