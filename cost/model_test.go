package cost_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/lsm"
)

// tiny is a workload small enough to price by hand: one reservoir of one
// input and one neuron (2 rows, 2 columns) over 4 steps, read 3 times
// with 5 row activations, and a head of 2 MACs over 3 weights.
func tiny() cost.Workload {
	return cost.Workload{
		Reservoirs: []cost.Reservoir{{
			Inputs: 1, Neurons: 1, Rows: 2, Columns: 2, TileRows: 1, TileCols: 1,
			Steps: 4, Reads: 3, RowActivations: 5, InputEvents: 3, Spikes: 2,
			SynACs: 5, DenseMACs: 8, NeuronUpdates: 4, MeanG: 10e-6,
		}},
		HeadMACs: 2, HeadParams: 3,
		Macro: cost.Macro{Rows: 2, Cols: 2, ReadVoltage: 0.5, GateVoltage: 1, ADCBits: 4, InputBits: 1},
	}
}

// roundTech has round numbers everywhere, so that every figure of tiny()
// is a short product.
func roundTech() cost.Tech {
	return cost.Tech{
		Board: cost.BoardTech{
			Channels: 1, ADCEnergyJ: 1e-9, ADCRateHz: 1e6, TIACurrentA: 1e-3, AnalogSupplyV: 1,
			DACChannels: 0, DACCurrentA: 1e-3, DACSupplyV: 1,
			ShiftCpdF: 1e-12, LogicSupplyV: 1, ShiftClockHz: 1e6, ShiftChains: 1, SelectBits: 1,
			SettleS: 1e-6, SoCPowerW: 0, PLUpdatesPerS: 1e6, ARMMACsPerS: 1e6,
			ADCPackageMM2: 1, TIAPackageMM2: 1, DACPackageMM2: 1, LogicPackageMM2: 1, SoCPackageMM2: 1,
		},
		Chip: cost.ChipTech{
			FeatureNM: 100, CellAreaF2: 100, ADCBits: 0, ADCENOBLoss: 1, ADCFOMJ: 1e-12, ADCShare: 2, ADCCycleS: 1e-9,
			ADCUnitAreaUM2: 1, ADCLogicAreaUM2: 84, SenseEnergyJ: 1e-12, SenseAreaUM2: 10, LineCapF: 1e-15,
			DriverAreaUM2: 5, ReadTimeS: 1e-8, SubEnergyJ: 1e-12, LIFEnergyJ: 1e-12, LIFLanes: 1, LIFAreaUM2: 20,
			ClockHz: 1e9, PeripheryOverhead: 0.5,
		},
		Digital: cost.DigitalTech{
			AddEnergyJ: 1e-12, MultEnergyJ: 2e-12, AddAreaUM2: 10, MultAreaUM2: 20, WeightBits: 64,
			SRAMEnergyJ: 1e-12, SRAMRefBytes: 16, SRAMExponent: 0.5, SRAMCapacityBytes: 1e6, DRAMEnergyJ: 1e-9,
			SRAMBitAreaUM2: 0.5, SRAMEfficiency: 0.5, ClockHz: 1e9, Lanes: 1,
		},
		GPU: cost.GPUTech{EnergyPerOpJ: 1e-12, PeakMACsPerS: 1e9, StepOverheadS: 1e-6, DieAreaMM2: 100},
	}
}

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-12*math.Abs(want) }

// TestTinyClosedForm prices tiny() with roundTech() by hand.
func TestTinyClosedForm(t *testing.T) {
	r, err := cost.Evaluate(tiny(), roundTech())
	if err != nil {
		t.Fatal(err)
	}
	// Board: a read converts 2 columns on 1 channel in 2 rounds of 1 µs,
	// shifts 2 row-select bits at 1 MHz (2 µs) and settles 1 µs; the rows
	// are held 3 µs. Static power 1 mA × 1 V.
	boardE := 3*1*2*1*1e-12*1*1 + // shift: reads × chains × bits × registers × Cpd·V²
		3*2*1e-9 + // conversions × 1 nJ
		5*2*10e-6*0.25*3e-6 + // row activations × columns × G·V²·t_hold
		1e-3*(6e-6+3e-6+6e-6+4e-6) + // static power over shift, settle, conversion, LIF (4 updates at 1 MHz)
		1e-3*2e-6 // and over the head (2 MACs at 1 MHz)
	// Chip: 4-bit ADC, ENOB 3 → 8 pJ, 5 ns per conversion, 2 columns per ADC.
	fetchHead := 1e-12 * math.Sqrt(24.0/16) // 3 weights × 8 B = 24 B SRAM
	head := 2 * (2e-12 + 1e-12 + fetchHead)
	chipE := 5*(2*1e-15)*(0.25+1) + // rows: activations × line C × (V_read² + V_gate²)
		5*2*10e-6*0.25*1e-8 + // cells during the 10 ns read
		6*1e-12 + 6*8e-12 + // 6 conversions: sense + ADC
		3*1*1e-12 + 4*1e-12 + // subtractions, LIF updates
		head
	chipL := 3*1e-8 + 3*2*5e-9 + 4*1e-9 + 2*1e-9 // reads, conversions, LIF, head
	// Area in µm²: cells 4 × 100 F² × (0.1 µm)²; one ADC 84 + 2^4; periphery
	// (sense 2×10, drivers 2×5, LIF 20) + 50 % of all periphery incl. the ADC.
	chipA := (4*100*0.01 + 100 + (50 + 0.5*150)) * 1e-6
	// Digital: a weight is one 64-bit word of a 16-byte SRAM (1 pJ).
	digE := 5*1e-12 + 5*1e-12 + 4*(2e-12+2*1e-12) + head
	denseE := 8*3e-12 + 8*1e-12 + 4*(2e-12+2*1e-12) + head
	gpuE := (8 + 4 + 2) * 1e-12
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"board energy", r.Board.EnergyJ, boardE},
		{"board latency", r.Board.LatencyS, 6e-6 + 3e-6 + 6e-6 + 4e-6 + 2e-6},
		{"board area", r.Board.AreaMM2, 1 + 1 + 0 + (2+1)*1 + 1}, // ADC, quad TIA, no DAC, 2 muxes + 1 shift register, SoC
		{"board head energy", r.Board.HeadEnergyJ, 1e-3 * 2e-6},
		{"chip energy", r.Chip.EnergyJ, chipE},
		{"chip latency", r.Chip.LatencyS, chipL},
		{"chip area", r.Chip.AreaMM2, chipA},
		{"chip ADC energy", r.ChipADCEnergyJ, 8e-12},
		{"digital energy", r.Digital.EnergyJ, digE},
		{"digital latency", r.Digital.LatencyS, (5+4)*1e-9 + 2e-9},
		{"digital area", r.Digital.AreaMM2, (30 + 40*8*0.5/0.5) * 1e-6},
		{"dense energy", r.DigitalDense.EnergyJ, denseE},
		{"dense latency", r.DigitalDense.LatencyS, (8+4)*1e-9 + 2e-9},
		{"gpu energy", r.GPU.EnergyJ, gpuE},
		{"gpu latency", r.GPU.LatencyS, 4*1e-6 + 12e-9 + 1e-6 + 2e-9},
		{"gpu area", r.GPU.AreaMM2, 100},
		{"digital/chip", r.Ratios.DigitalOverChip, digE / chipE},
		{"gpu/board", r.Ratios.GPUOverBoard, gpuE / boardE},
		{"reservoir gpu/chip", r.Ratios.ReservoirGPUOverChip, 12e-12 / (chipE - head)},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %.10g, want %.10g", c.name, c.got, c.want)
		}
	}
	for name, f := range map[string]cost.Figure{"board": r.Board, "chip": r.Chip, "digital": r.Digital, "dense": r.DigitalDense, "gpu": r.GPU} {
		var e, l, a float64
		for _, p := range f.Breakdown {
			e, l, a = e+p.EnergyJ, l+p.LatencyS, a+p.AreaMM2
		}
		if !near(e, f.EnergyJ) || !near(l, f.LatencyS) || !near(a, f.AreaMM2) || !near(f.ReservoirEnergyJ+f.HeadEnergyJ, f.EnergyJ) {
			t.Errorf("%s: breakdown (%g J, %g s, %g mm²) or split does not add up to %+v", name, e, l, a, f)
		}
	}
	// The same reservoir over a 2×1 grid of 1×2 macros: every read converts
	// both tile rows' columns and adds their partial sums; there are two
	// macros (chip area) and two boards (static power, packages).
	tw := tiny()
	tw.Macro.Rows = 1
	tw.Reservoirs[0].TileRows = 2
	rt, err := cost.Evaluate(tw, roundTech())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"tiled chip energy", rt.Chip.EnergyJ, chipE + 6*1e-12 + 6*8e-12 + 3*2*1e-12}, // 6 more conversions, 2 more adds per read
		{"tiled chip area", rt.Chip.AreaMM2, 2 * (2*100*0.01 + 100 + (45 + 0.5*145)) * 1e-6},
		{"tiled board energy", rt.Board.EnergyJ, 2*3*1*1*1e-12 + 3*4*1e-9 + 5*2*10e-6*0.25*3e-6 + 2e-3*(3e-6+3e-6+6e-6+4e-6) + 2e-3*2e-6},
		{"tiled board latency", rt.Board.LatencyS, 3e-6 + 3e-6 + 6e-6 + 4e-6 + 2e-6},
		{"tiled board area", rt.Board.AreaMM2, 2 * (1 + 1 + 0 + (1+1)*1 + 1)},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %.10g, want %.10g", c.name, c.got, c.want)
		}
	}

	// The same grid with the tile-row reads counted (lsm.Options.RowBands):
	// 4 of the 6 possible tile-row reads converted, so 8 conversions and
	// one partial-sum add per extra tile-row read.
	tw.Reservoirs[0].TileRowReads = 4
	rc, err := cost.Evaluate(tw, roundTech())
	if err != nil {
		t.Fatal(err)
	}
	if want := chipE + 2*1e-12 + 2*8e-12 + 1*2*1e-12; !near(rc.Chip.EnergyJ, want) {
		t.Errorf("tiled chip energy with 4 tile-row reads = %.10g, want %.10g", rc.Chip.EnergyJ, want)
	}
	if want := rt.Board.EnergyJ - 2*2*1e-9; !near(rc.Board.EnergyJ, want) { // 2 fewer tile-row reads of 2 columns
		t.Errorf("tiled board energy with 4 tile-row reads = %.10g, want %.10g", rc.Board.EnergyJ, want)
	}

	// Analogue differential pairs: one conversion per pair (3 instead of
	// 6, in one round of 1 µs on the board) and no digital subtraction;
	// the cells and everything else as before.
	aw := tiny()
	aw.Macro.AnalogDiff = true
	ra, err := cost.Evaluate(aw, roundTech())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"analog-diff chip energy", ra.Chip.EnergyJ, chipE - 3*1e-12 - 3*8e-12 - 3*1e-12},
		{"analog-diff chip latency", ra.Chip.LatencyS, chipL - 3*5e-9},
		{"analog-diff board energy", ra.Board.EnergyJ, boardE - 3*1e-9 - 5*2*10e-6*0.25*1e-6 - 1e-3*3e-6},
		{"analog-diff board latency", ra.Board.LatencyS, r.Board.LatencyS - 3e-6},
		{"analog-diff digital energy", ra.Digital.EnergyJ, digE},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %.10g, want %.10g", c.name, c.got, c.want)
		}
	}

	// DRAM instead of SRAM once the weights outgrow it.
	tech := roundTech()
	tech.Digital.SRAMCapacityBytes = 20
	r2, _ := cost.Evaluate(tiny(), tech)
	headDRAM := 2 * (2e-12 + 1e-12 + 1e-9)
	if want := 5*1e-12 + 5*1e-12 + 4*(2e-12+2*1e-12) + headDRAM; !near(r2.Digital.EnergyJ, want) {
		t.Errorf("digital energy with the head in DRAM = %g, want %g", r2.Digital.EnergyJ, want)
	}
}

// TestNewReservoir derives the per-inference work from lsm.Stats.
func TestNewReservoir(t *testing.T) {
	// Two samples of 10 steps, 4 inputs, 3 neurons: 12 binary input events
	// and 6 recurrent rows → 18·3 ACs; 8 count events → 8·3 MACs.
	st := lsm.Stats{Samples: 2, Steps: 20, InputEvents: 20, Spikes: 7, EffectiveACs: 18 * 3, EffectiveMACs: 8 * 3,
		DenseMACs: 20 * 7 * 3, ActiveSteps: 14, ValuedSteps: 4, ValuedRecSteps: 2, Inputs: 4, Neurons: 3}
	r := cost.NewReservoir("x", st, cost.EventDriven, 4, 2e-6)
	want := cost.Reservoir{Name: "x", Inputs: 4, Neurons: 3, Rows: 7, Columns: 6, Samples: 2, Steps: 10,
		Reads:          (14 + 4*3 + 2) / 2.0, // each valued step: 4 planes (3 extra), +1 with recurrent rows
		RowActivations: (18 + 8*4/2.0) / 2,   // binary rows + half the planes of each count
		InputEvents:    10, Spikes: 3.5, SynACs: 27, SynMACs: 12, DenseMACs: 210, NeuronUpdates: 30, MeanG: 2e-6, TileRows: 1, TileCols: 1}
	if r != want {
		t.Errorf("event-driven:\n got %+v\nwant %+v", r, want)
	}
	r = cost.NewReservoir("x", st, cost.EveryStep, 4, 2e-6)
	if r.Reads != 10 {
		t.Errorf("every-step reads %g, want 10 (the steps)", r.Reads)
	}
}

// TestMonotone: more work never costs less, and the knobs move the
// figures the way they should.
func TestMonotone(t *testing.T) {
	base := func() cost.Workload {
		w := tiny()
		w.Macro = cost.Macro{Rows: 512, Cols: 512, ReadVoltage: 0.2, GateVoltage: 1.2, ADCBits: 8, InputBits: 4}
		w.Reservoirs[0] = cost.Reservoir{Inputs: 256, Neurons: 200, Rows: 456, Columns: 400, TileRows: 1, TileCols: 1, Steps: 50, Reads: 40,
			RowActivations: 1500, SynACs: 300000, DenseMACs: 4.56e6, NeuronUpdates: 10000, MeanG: 14e-6}
		w.HeadMACs, w.HeadParams = 10000, 10010
		return w
	}
	eval := func(w cost.Workload, tech cost.Tech) *cost.Report {
		r, err := cost.Evaluate(w, tech)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r0 := eval(base(), cost.Default())
	more := base()
	more.Reservoirs[0].Reads *= 2
	more.Reservoirs[0].RowActivations *= 2
	more.Reservoirs[0].SynACs *= 2
	more.Reservoirs[0].DenseMACs *= 2
	r1 := eval(more, cost.Default())
	for _, c := range []struct {
		name   string
		lo, hi float64
	}{
		{"board energy", r0.Board.EnergyJ, r1.Board.EnergyJ}, {"board latency", r0.Board.LatencyS, r1.Board.LatencyS},
		{"chip energy", r0.Chip.EnergyJ, r1.Chip.EnergyJ}, {"chip latency", r0.Chip.LatencyS, r1.Chip.LatencyS},
		{"digital energy", r0.Digital.EnergyJ, r1.Digital.EnergyJ}, {"dense energy", r0.DigitalDense.EnergyJ, r1.DigitalDense.EnergyJ},
		{"gpu energy", r0.GPU.EnergyJ, r1.GPU.EnergyJ},
	} {
		if !(c.hi > c.lo) {
			t.Errorf("%s: %g with twice the work, %g before", c.name, c.hi, c.lo)
		}
	}
	// ADC resolution: chip energy and area grow with bits.
	var prevE, prevA float64
	for _, bits := range []string{"4", "6", "8", "10", "12", "14"} {
		tech := cost.Default()
		_ = tech.Set("chip.adc_bits", bits)
		r := eval(base(), tech)
		if !(r.Chip.EnergyJ > prevE && r.Chip.AreaMM2 > prevA) {
			t.Errorf("%s-bit ADC: chip %g J, %g mm² not above %g J, %g mm²", bits, r.Chip.EnergyJ, r.Chip.AreaMM2, prevE, prevA)
		}
		prevE, prevA = r.Chip.EnergyJ, r.Chip.AreaMM2
	}
	// More board channels: fewer conversion rounds, never slower.
	prevL := math.Inf(1)
	for _, ch := range []string{"8", "16", "64", "400"} {
		tech := cost.Default()
		_ = tech.Set("board.channels", ch)
		r := eval(base(), tech)
		if r.Board.LatencyS > prevL {
			t.Errorf("%s channels: board latency %g above %g with fewer", ch, r.Board.LatencyS, prevL)
		}
		prevL = r.Board.LatencyS
	}
	// Sharing an ADC among more columns: slower chip, smaller ADC area.
	t1, t2 := cost.Default(), cost.Default()
	_ = t1.Set("chip.adc_share", "4")
	_ = t2.Set("chip.adc_share", "16")
	a, b := eval(base(), t1), eval(base(), t2)
	if !(b.Chip.LatencyS > a.Chip.LatencyS && b.Chip.AreaMM2 < a.Chip.AreaMM2) {
		t.Errorf("adc_share 4 → 16: latency %g → %g, area %g → %g", a.Chip.LatencyS, b.Chip.LatencyS, a.Chip.AreaMM2, b.Chip.AreaMM2)
	}
	// Event-driven digital never costs more than dense when there are fewer
	// synaptic operations than dense MACs.
	if r0.Digital.EnergyJ > r0.DigitalDense.EnergyJ {
		t.Errorf("event-driven digital %g J above dense %g J", r0.Digital.EnergyJ, r0.DigitalDense.EnergyJ)
	}
}

// TestReportJSON checks the JSON contract: snake_case keys with units.
func TestReportJSON(t *testing.T) {
	r, err := cost.Evaluate(tiny(), cost.Default())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"board", "chip", "digital", "digital_dense", "gpu", "ratios", "assumptions", "workload", "chip_adc_bits"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	for _, sys := range []string{"board", "chip", "digital", "digital_dense", "gpu"} {
		f := m[sys].(map[string]any)
		for _, k := range []string{"energy_j", "latency_s", "area_mm2", "reservoir_energy_j", "head_energy_j", "breakdown"} {
			if _, ok := f[k]; !ok {
				t.Errorf("%s: missing key %q", sys, k)
			}
		}
	}
	ratios := m["ratios"].(map[string]any)
	for _, k := range []string{"digital_over_chip", "gpu_over_chip", "digital_over_board", "reservoir_gpu_over_chip"} {
		if _, ok := ratios[k]; !ok {
			t.Errorf("ratios: missing key %q", k)
		}
	}
	if _, ok := m["counted"]; ok {
		t.Error("counted must be absent when nothing was counted")
	}
	if s := m["workload"].(map[string]any)["schedule"]; s != "event-driven" {
		t.Errorf("schedule %v, want the string event-driven", s)
	}
	md := r.Markdown()
	for _, want := range []string{"### Cost per inference", "| projected 40 nm chip (4-bit SAR ADCs) |", "23.34×", "Assumptions:"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestEvaluateRejects(t *testing.T) {
	w := tiny()
	w.Reservoirs = nil
	if _, err := cost.Evaluate(w, cost.Default()); err == nil || !strings.Contains(err.Error(), "no reservoir") {
		t.Errorf("empty workload: %v", err)
	}
	w = tiny()
	w.Reservoirs[0].Reads = math.NaN()
	if _, err := cost.Evaluate(w, cost.Default()); err == nil {
		t.Error("NaN reads accepted")
	}
	w = tiny()
	w.Reservoirs[0].Rows = 3
	if _, err := cost.Evaluate(w, cost.Default()); err == nil || !strings.Contains(err.Error(), "on a 1×1 grid of 2×2 macros") {
		t.Errorf("oversized reservoir: %v", err)
	}
	var zero cost.Tech
	if _, err := cost.Evaluate(tiny(), zero); err == nil {
		t.Error("zero Tech accepted")
	}
}

func BenchmarkEvaluate(b *testing.B) {
	w, tech := tiny(), cost.Default()
	for b.Loop() {
		if _, err := cost.Evaluate(w, tech); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadWorkload: the workload a report records prices to the same
// report, read from a result, a report or a bare workload.
func TestReadWorkload(t *testing.T) {
	r, err := cost.Evaluate(tiny(), cost.Default())
	if err != nil {
		t.Fatal(err)
	}
	report, _ := json.Marshal(r)
	result, _ := json.Marshal(map[string]any{"task": "classify", "accuracy": 0.9, "cost": r})
	bare, _ := json.Marshal(r.Workload)
	for name, b := range map[string][]byte{"report": report, "result": result, "workload": bare} {
		w, err := cost.ReadWorkload(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r2, err := cost.Evaluate(w, cost.Default())
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(r2)
		if string(b2) != string(report) {
			t.Errorf("%s: priced again differently:\n%s\n%s", name, b2, report)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"task": "classify"}`, "no workload found"},
		{`{"cost": {"workload": {"reservoirs": []}}}`, "no reservoir"},
		{`{"cost": `, "unexpected end of JSON"},
		{`{"workload": {"schedule": "sometimes"}}`, "not event-driven or every-step"},
	} {
		if _, err := cost.ReadWorkload(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
}
