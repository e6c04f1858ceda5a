package cost

import (
	"fmt"
	"math"
)

// Figure is one system's cost per inference.
type Figure struct {
	EnergyJ  float64 `json:"energy_j"`
	LatencyS float64 `json:"latency_s"`
	AreaMM2  float64 `json:"area_mm2"`
	// ReservoirEnergyJ and HeadEnergyJ split EnergyJ between the
	// reservoir(s) and the trained head.
	ReservoirEnergyJ float64 `json:"reservoir_energy_j"`
	HeadEnergyJ      float64 `json:"head_energy_j"`
	// Breakdown by component (keys such as "adc", "array", "static").
	Breakdown map[string]Part `json:"breakdown"`
}

// Part is one component of a Figure.
type Part struct {
	EnergyJ  float64 `json:"energy_j"`
	LatencyS float64 `json:"latency_s,omitempty"`
	AreaMM2  float64 `json:"area_mm2,omitempty"`
}

func (f *Figure) add(name string, p Part, head bool) {
	if f.Breakdown == nil {
		f.Breakdown = map[string]Part{}
	}
	q := f.Breakdown[name]
	q.EnergyJ += p.EnergyJ
	q.LatencyS += p.LatencyS
	q.AreaMM2 += p.AreaMM2
	f.Breakdown[name] = q
	f.EnergyJ += p.EnergyJ
	f.LatencyS += p.LatencyS
	f.AreaMM2 += p.AreaMM2
	if head {
		f.HeadEnergyJ += p.EnergyJ
	} else {
		f.ReservoirEnergyJ += p.EnergyJ
	}
}

const um2 = 1e-6 // mm² per µm²

// board prices the workload on the discrete test board: per read the row
// pattern is shifted into the multiplexers' registers, the lines and TIAs
// settle, and the columns are converted in ceil(columns/channels) rounds at
// the ADC's sample rate while the rows stay at the read voltage; the LIF
// update runs in the SoC's programmable logic and the head on its
// processor. Energy is the conversions, the cells and the shift registers,
// plus the static power of TIAs, DAC and SoC over the whole latency.
func (t Tech) board(w Workload) Figure {
	b := t.Board
	var f Figure
	vr := w.Macro.ReadVoltage
	boards := 1
	for _, r := range w.Reservoirs {
		// One board per macro; the boards of a grid work in parallel, so a
		// read takes as long as on the board with the most columns.
		boards = max(boards, r.Tiles())
		rounds := math.Ceil(math.Ceil(float64(r.convertedColumns(w.Macro))/float64(r.TileCols)) / b.Channels)
		tConv := rounds / b.ADCRateHz
		bitsPerChain := math.Ceil(float64(w.Macro.Rows) * b.SelectBits / b.ShiftChains)
		tShift := bitsPerChain / b.ShiftClockHz
		hold := b.SettleS + tConv
		f.add("shift", Part{
			// Every shift clock clocks every register of a chain.
			EnergyJ:  float64(r.Tiles()) * r.Reads * b.ShiftChains * bitsPerChain * math.Ceil(bitsPerChain/8) * b.ShiftCpdF * b.LogicSupplyV * b.LogicSupplyV,
			LatencyS: r.Reads * tShift,
		}, false)
		f.add("settle", Part{LatencyS: r.Reads * b.SettleS}, false)
		f.add("adc", Part{EnergyJ: r.conversions(w.Macro) * b.ADCEnergyJ, LatencyS: r.Reads * tConv}, false)
		f.add("array", Part{EnergyJ: r.RowActivations * float64(r.Columns) * r.MeanG * vr * vr * hold}, false)
		f.add("lif", Part{LatencyS: r.NeuronUpdates / b.PLUpdatesPerS}, false)
	}
	f.add("head", Part{LatencyS: w.HeadMACs / b.ARMMACsPerS}, true)
	// Static power of every board over the latency, split between
	// reservoir and head.
	p := float64(boards) * (b.Channels*b.TIACurrentA*b.AnalogSupplyV + b.DACChannels*b.DACCurrentA*b.DACSupplyV + b.SoCPowerW)
	head := f.Breakdown["head"].LatencyS
	f.add("static", Part{EnergyJ: p * (f.LatencyS - head)}, false)
	f.add("head", Part{EnergyJ: p * head}, true)
	// Component footprint per board: ADCs, quad TIAs, DACs, one
	// multiplexer per array row, the shift registers that select them,
	// the SoC.
	shiftRegs := math.Ceil(float64(w.Macro.Rows) * b.SelectBits / 8)
	f.add("packages", Part{AreaMM2: float64(boards) * (b.Channels*b.ADCPackageMM2 + math.Ceil(b.Channels/4)*b.TIAPackageMM2 +
		math.Ceil(b.DACChannels/8)*b.DACPackageMM2 + (float64(w.Macro.Rows)+shiftRegs)*b.LogicPackageMM2 + b.SoCPackageMM2)}, false)
	return f
}

// ChipADCBits returns the projected chip's ADC resolution for macro m.
func (t Tech) ChipADCBits(m Macro) int {
	if t.Chip.ADCBits > 0 {
		return int(t.Chip.ADCBits)
	}
	return m.ADCBits
}

// ChipADCEnergy returns the energy of one conversion of the projected
// chip's SAR ADC: adc_energy_j, or the Walden figure of merit times
// 2^ENOB.
func (t Tech) ChipADCEnergy(m Macro) float64 {
	if t.Chip.ADCEnergyJ > 0 {
		return t.Chip.ADCEnergyJ
	}
	enob := math.Max(float64(t.ChipADCBits(m))-t.Chip.ADCENOBLoss, 0)
	return t.Chip.ADCFOMJ * math.Exp2(enob)
}

// chip prices the workload on the projected 40 nm macro (NeuroSim-style
// subarray): per read the active rows' source and word lines are charged,
// the cells conduct for read_time_s into per-column sample-and-holds, and
// each SAR ADC converts its adc_share columns in turn; a digital unit
// subtracts the differential pairs and updates the LIF neurons; the head
// runs on the digital baseline's arithmetic.
func (t Tech) chip(w Workload) Figure {
	c := t.Chip
	var f Figure
	bits := t.ChipADCBits(w.Macro)
	eADC := t.ChipADCEnergy(w.Macro)
	tConv := float64(bits+1) * c.ADCCycleS
	vr, vg := w.Macro.ReadVoltage, w.Macro.GateVoltage
	lineC := float64(w.Macro.Cols) * c.LineCapF
	macros := 1
	for _, r := range w.Reservoirs {
		macros = max(macros, r.Tiles())
		cols := float64(r.convertedColumns(w.Macro))
		rounds := math.Min(c.ADCShare, math.Ceil(cols/float64(r.TileCols)))
		conv := r.conversions(w.Macro)
		// A logical row crosses TileCols macros, each driving its own line.
		f.add("rows", Part{EnergyJ: r.RowActivations * float64(r.TileCols) * lineC * (vr*vr + vg*vg), LatencyS: r.Reads * c.ReadTimeS}, false)
		f.add("array", Part{EnergyJ: r.RowActivations * float64(r.Columns) * r.MeanG * vr * vr * c.ReadTimeS}, false)
		f.add("sense", Part{EnergyJ: conv * c.SenseEnergyJ}, false)
		f.add("adc", Part{EnergyJ: conv * eADC, LatencyS: r.Reads * rounds * tConv}, false)
		// Differential pairs (unless subtracted before the ADC), and the
		// partial sums of the tile rows converted beyond the first.
		pairs := float64(r.Neurons)
		if w.Macro.AnalogDiff {
			pairs = 0
		}
		f.add("subtract", Part{EnergyJ: (r.Reads*pairs + (r.tileRowReads()-r.Reads)*cols) * c.SubEnergyJ}, false)
		f.add("lif", Part{EnergyJ: r.NeuronUpdates * c.LIFEnergyJ,
			LatencyS: r.Steps * math.Ceil(float64(r.Neurons)/c.LIFLanes) / c.ClockHz}, false)
	}
	h := t.digitalHead(w)
	f.add("head", h, true)
	// Area: every macro (array and periphery) plus the head unit.
	f2 := c.FeatureNM * c.FeatureNM * 1e-6 // µm² per F²
	adcs := math.Ceil(float64(w.Macro.Cols) / c.ADCShare)
	adcArea := c.ADCLogicAreaUM2 + c.ADCUnitAreaUM2*math.Exp2(float64(bits))
	periph := adcs*adcArea + float64(w.Macro.Cols)*c.SenseAreaUM2 + float64(w.Macro.Rows)*c.DriverAreaUM2 + c.LIFLanes*c.LIFAreaUM2
	n := float64(macros)
	f.add("array", Part{AreaMM2: n * float64(w.Macro.Rows*w.Macro.Cols) * c.CellAreaF2 * f2 * um2}, false)
	f.add("adc", Part{AreaMM2: n * adcs * adcArea * um2}, false)
	f.add("periphery", Part{AreaMM2: n * (periph - adcs*adcArea + c.PeripheryOverhead*periph) * um2}, false)
	return f
}

// weightBytes is the storage of the reservoirs' and head's weights at the
// digital baseline's precision.
func (t Tech) weightBytes(w Workload) (reservoir, head float64) {
	for _, r := range w.Reservoirs {
		reservoir += float64(r.Rows * r.Neurons)
	}
	return reservoir * t.Digital.WeightBits / 8, w.HeadParams * t.Digital.WeightBits / 8
}

// fetch is the energy of reading one weight from a memory of size bytes:
// SRAM (Horowitz's 64-bit read scaled by size^exponent) when it fits
// on chip, else DRAM.
func (t Tech) fetch(size float64) float64 {
	d := t.Digital
	words := d.WeightBits / 64
	if size > d.SRAMCapacityBytes {
		return words * d.DRAMEnergyJ
	}
	return words * d.SRAMEnergyJ * math.Pow(math.Max(size, 1)/d.SRAMRefBytes, d.SRAMExponent)
}

// digitalHead is the head on digital arithmetic: a multiply, an add and a
// weight fetch per MAC.
func (t Tech) digitalHead(w Workload) Part {
	d := t.Digital
	_, hb := t.weightBytes(w)
	return Part{
		EnergyJ:  w.HeadMACs * (d.MultEnergyJ + d.AddEnergyJ + t.fetch(hb)),
		LatencyS: w.HeadMACs / (d.Lanes * d.ClockHz),
	}
}

// digital prices the workload on digital hardware: event-driven (dense
// false: one add and one weight fetch per effective synaptic operation, as
// the reservoir's lsm.Stats count them) or dense (a multiply, an add and a
// fetch per weight per step); both add a multiply and two adds per neuron
// update and the head.
func (t Tech) digital(w Workload, dense bool) Figure {
	d := t.Digital
	var f Figure
	rb, hb := t.weightBytes(w)
	e := t.fetch(rb)
	var ops float64
	for _, r := range w.Reservoirs {
		if dense {
			f.add("synapses", Part{EnergyJ: r.DenseMACs * (d.MultEnergyJ + d.AddEnergyJ)}, false)
			f.add("weights", Part{EnergyJ: r.DenseMACs * e}, false)
			ops += r.DenseMACs
		} else {
			f.add("synapses", Part{EnergyJ: r.SynACs*d.AddEnergyJ + r.SynMACs*(d.MultEnergyJ+d.AddEnergyJ)}, false)
			f.add("weights", Part{EnergyJ: (r.SynACs + r.SynMACs) * e}, false)
			ops += r.SynACs + r.SynMACs
		}
		f.add("lif", Part{EnergyJ: r.NeuronUpdates * (d.MultEnergyJ + 2*d.AddEnergyJ)}, false)
		ops += r.NeuronUpdates
	}
	f.add("compute", Part{LatencyS: ops / (d.Lanes * d.ClockHz)}, false)
	f.add("head", t.digitalHead(w), true)
	area := d.Lanes * (d.MultAreaUM2 + d.AddAreaUM2)
	f.add("logic", Part{AreaMM2: area * um2}, false)
	mem := math.Min(rb+hb, d.SRAMCapacityBytes)
	f.add("sram", Part{AreaMM2: mem * 8 * d.SRAMBitAreaUM2 / d.SRAMEfficiency * um2}, false)
	return f
}

// gpu prices the workload on a GPU-class device: dense MACs, neuron updates
// and head MACs at the per-operation energy, one kernel launch per step.
func (t Tech) gpu(w Workload) Figure {
	g := t.GPU
	var f Figure
	for _, r := range w.Reservoirs {
		ops := r.DenseMACs + r.NeuronUpdates
		f.add("reservoir", Part{EnergyJ: ops * g.EnergyPerOpJ, LatencyS: r.Steps*g.StepOverheadS + ops/g.PeakMACsPerS}, false)
	}
	f.add("head", Part{EnergyJ: w.HeadMACs * g.EnergyPerOpJ, LatencyS: g.StepOverheadS + w.HeadMACs/g.PeakMACsPerS}, true)
	f.add("die", Part{AreaMM2: g.DieAreaMM2}, false)
	return f
}

// Ratios are energy ratios between the systems for the same inference
// (a ratio of energies per inference is the inverse ratio of energy
// efficiencies, operations per joule). 0 where a denominator is 0.
type Ratios struct {
	DigitalOverChip      float64 `json:"digital_over_chip"`
	DigitalDenseOverChip float64 `json:"digital_dense_over_chip"`
	GPUOverChip          float64 `json:"gpu_over_chip"`
	BoardOverChip        float64 `json:"board_over_chip"`
	DigitalOverBoard     float64 `json:"digital_over_board"`
	GPUOverBoard         float64 `json:"gpu_over_board"`
	// The same for the reservoir alone (the head, digital everywhere,
	// excluded).
	ReservoirDigitalOverChip      float64 `json:"reservoir_digital_over_chip"`
	ReservoirDigitalDenseOverChip float64 `json:"reservoir_digital_dense_over_chip"`
	ReservoirGPUOverChip          float64 `json:"reservoir_gpu_over_chip"`
	ReservoirGPUOverBoard         float64 `json:"reservoir_gpu_over_board"`
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Evaluate prices workload w with technology t.
func Evaluate(w Workload, t Tech) (*Report, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	r := &Report{
		Workload: w, Board: t.board(w), Chip: t.chip(w),
		Digital: t.digital(w, false), DigitalDense: t.digital(w, true), GPU: t.gpu(w),
		ChipADCBits: t.ChipADCBits(w.Macro), ChipADCEnergyJ: t.ChipADCEnergy(w.Macro),
	}
	r.Ratios = Ratios{
		DigitalOverChip:      div(r.Digital.EnergyJ, r.Chip.EnergyJ),
		DigitalDenseOverChip: div(r.DigitalDense.EnergyJ, r.Chip.EnergyJ),
		GPUOverChip:          div(r.GPU.EnergyJ, r.Chip.EnergyJ),
		BoardOverChip:        div(r.Board.EnergyJ, r.Chip.EnergyJ),
		DigitalOverBoard:     div(r.Digital.EnergyJ, r.Board.EnergyJ),
		GPUOverBoard:         div(r.GPU.EnergyJ, r.Board.EnergyJ),

		ReservoirDigitalOverChip:      div(r.Digital.ReservoirEnergyJ, r.Chip.ReservoirEnergyJ),
		ReservoirDigitalDenseOverChip: div(r.DigitalDense.ReservoirEnergyJ, r.Chip.ReservoirEnergyJ),
		ReservoirGPUOverChip:          div(r.GPU.ReservoirEnergyJ, r.Chip.ReservoirEnergyJ),
		ReservoirGPUOverBoard:         div(r.GPU.ReservoirEnergyJ, r.Board.ReservoirEnergyJ),
	}
	r.Assumptions = assumptions(w, t)
	return r, nil
}

// assumptions lists the structural assumptions of the model and the
// technology keys whose values are assumptions.
func assumptions(w Workload, t Tech) []string {
	a := []string{
		readAssumption(w),
		fmt.Sprintf("board: %g read channels (TIA + ADS8324 each), converting in rounds at %.3g kSPS — the channel count of the test system is not published", t.Board.Channels, t.Board.ADCRateHz/1e3),
		"board energy includes the static power of TIAs, DAC and Zynq SoC over the whole latency; the RRAM die and PCB are not counted in its area (package bodies only)",
		fmt.Sprintf("chip: projected 40 nm macro with %d-bit SAR ADCs shared by %g columns (%.3g pJ per conversion), sample-and-hold per column, digital LIF; leakage not modelled", t.ChipADCBits(w.Macro), t.Chip.ADCShare, t.ChipADCEnergy(w.Macro)*1e12),
		fmt.Sprintf("digital: Horowitz ISSCC 2014 45 nm figures with %g-bit weights in one on-chip SRAM (DRAM above %.3g MiB); event-driven = one add and one weight read per effective synaptic operation; dense = a MAC and a weight read per weight per step", t.Digital.WeightBits, t.Digital.SRAMCapacityBytes/(1<<20)),
		"gpu: dense MACs and neuron updates at the per-operation energy of the ESGNN GPU accounting (one op = one MAC, an assumption)",
		headAssumption(w),
		"one-time costs (forming, the read-once read) are excluded: figures are per inference",
	}
	var keys []string
	for _, s := range specs {
		if s.assumption {
			keys = append(keys, s.key)
		}
	}
	a = append(a, fmt.Sprintf("%d technology values are assumptions (see `memlsm cost params`): %s", len(keys), joinKeys(keys)))
	return a
}

func readAssumption(w Workload) string {
	conv := fmt.Sprintf("every read converts all %s columns of the layout (differential pairs subtracted digitally)", colsList(w))
	if w.Macro.AnalogDiff {
		conv = fmt.Sprintf("every read converts one difference per column pair of the %s columns (pairs subtracted before the ADC: analog_diff)", colsList(w))
	}
	for _, r := range w.Reservoirs {
		if r.TileRows > 1 {
			if r.TileRowReads > 0 {
				conv += "; on a grid of macros only the tile rows with a driven row convert (counted)"
			} else {
				conv += "; on a grid of macros every tile row converts at every read (not counted: an upper bound)"
			}
			break
		}
	}
	return fmt.Sprintf("array reads follow the %s schedule; %s", w.Schedule, conv)
}

func headAssumption(w Workload) string {
	if w.HeadMACs == 0 {
		return "no head: the figures are one encoding alone; input event delivery is not priced for any system"
	}
	return fmt.Sprintf("the head (%.0f MACs, %.0f weights) runs on digital arithmetic everywhere (the board's on its SoC processor); input event delivery is not priced for any system", w.HeadMACs, w.HeadParams)
}

func colsList(w Workload) string {
	s := ""
	for i, r := range w.Reservoirs {
		if i > 0 {
			s += " / "
		}
		s += fmt.Sprint(r.Columns)
	}
	return s
}

func joinKeys(ks []string) string {
	s := ""
	for i, k := range ks {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}
