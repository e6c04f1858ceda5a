package cost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// Tech is the technology description the cost model prices a workload
// with: one section per system, every per-operation figure in SI units
// (areas in µm² or mm², as the key says). Each field's source — a
// datasheet, a published table, or "assumption" — is in Table and in
// `memlsm cost params`.
//
// The zero Tech is not valid; start from Default. Set and LoadTech change
// it key by key (keys such as "chip.adc_fom_j", optionally prefixed with
// "cost.").
type Tech struct {
	Board   BoardTech   `json:"board"`
	Chip    ChipTech    `json:"chip"`
	Digital DigitalTech `json:"digital"`
	GPU     GPUTech     `json:"gpu"`
}

// BoardTech is the discrete-component test system of Lin et al. 2025 as
// built (the group's hybrid analogue–digital board: a DAC80508 DAC,
// CD4051B multiplexers loaded by SN74HC595 shift registers, OPA4322-Q1
// trans-impedance amplifiers, ADS8324 ADCs and a Xilinx Zynq SoC).
type BoardTech struct {
	Channels        float64 `json:"channels"`          // read channels, one TIA feeding one ADC each
	ADCEnergyJ      float64 `json:"adc_energy_j"`      // J per ADS8324 conversion
	ADCRateHz       float64 `json:"adc_rate_hz"`       // ADS8324 conversions per second
	TIACurrentA     float64 `json:"tia_current_a"`     // A, OPA4322-Q1 quiescent current per channel
	AnalogSupplyV   float64 `json:"analog_supply_v"`   // V, TIA supply
	DACChannels     float64 `json:"dac_channels"`      // DAC80508 channels powered
	DACCurrentA     float64 `json:"dac_current_a"`     // A per DAC channel
	DACSupplyV      float64 `json:"dac_supply_v"`      // V
	ShiftCpdF       float64 `json:"shift_cpd_f"`       // F, power-dissipation capacitance of one SN74HC595
	LogicSupplyV    float64 `json:"logic_supply_v"`    // V, shift registers and multiplexers
	ShiftClockHz    float64 `json:"shift_clock_hz"`    // Hz, shift-register clock
	ShiftChains     float64 `json:"shift_chains"`      // shift-register chains loaded in parallel
	SelectBits      float64 `json:"select_bits"`       // multiplexer select bits per driven line
	SettleS         float64 `json:"settle_s"`          // s, line and TIA settling before the first conversion of a read
	SoCPowerW       float64 `json:"soc_power_w"`       // W, Zynq SoC (processor + programmable logic)
	PLUpdatesPerS   float64 `json:"pl_updates_per_s"`  // LIF neuron updates per second in the programmable logic
	ARMMACsPerS     float64 `json:"arm_macs_per_s"`    // head MACs per second on the SoC's processor
	ADCPackageMM2   float64 `json:"adc_package_mm2"`   // mm², one ADS8324 package body
	TIAPackageMM2   float64 `json:"tia_package_mm2"`   // mm², one OPA4322-Q1 package body (four channels)
	DACPackageMM2   float64 `json:"dac_package_mm2"`   // mm², one DAC80508 package body (eight channels)
	LogicPackageMM2 float64 `json:"logic_package_mm2"` // mm², one CD4051B or SN74HC595 package body
	SoCPackageMM2   float64 `json:"soc_package_mm2"`   // mm², the Zynq package
}

// ChipTech is a projected on-chip 40 nm macro: the same array with
// integrated SAR ADCs, sense amplifiers, row drivers and a digital LIF
// unit, estimated in the style of NeuroSim's subarray model (row
// activation, cells, column sensing, analogue-to-digital conversion,
// peripheral area).
type ChipTech struct {
	FeatureNM         float64 `json:"feature_nm"`         // nm, technology node F
	CellAreaF2        float64 `json:"cell_area_f2"`       // F², one 1T1R cell
	ADCBits           float64 `json:"adc_bits"`           // SAR resolution; 0 = the macro's adc_bits
	ADCENOBLoss       float64 `json:"adc_enob_loss"`      // bits lost to noise and distortion: ENOB = bits − loss
	ADCFOMJ           float64 `json:"adc_fom_j"`          // J per conversion step (Walden figure of merit)
	ADCEnergyJ        float64 `json:"adc_energy_j"`       // J per conversion; 0 = adc_fom_j · 2^ENOB
	ADCShare          float64 `json:"adc_share"`          // columns multiplexed onto one ADC
	ADCCycleS         float64 `json:"adc_cycle_s"`        // s per SAR cycle; a conversion takes bits + 1 cycles
	ADCUnitAreaUM2    float64 `json:"adc_unit_area_um2"`  // µm² of capacitor DAC per LSB level
	ADCLogicAreaUM2   float64 `json:"adc_logic_area_um2"` // µm², comparator and SAR logic of one ADC
	SenseEnergyJ      float64 `json:"sense_energy_j"`     // J per column conversion in the sense amplifier / sample-and-hold
	SenseAreaUM2      float64 `json:"sense_area_um2"`     // µm² per column
	LineCapF          float64 `json:"line_cap_f"`         // F per cell pitch of a row's source and word lines
	DriverAreaUM2     float64 `json:"driver_area_um2"`    // µm² per row driver
	ReadTimeS         float64 `json:"read_time_s"`        // s the active rows are held at the read voltage
	SubEnergyJ        float64 `json:"sub_energy_j"`       // J per differential subtraction (one per neuron per read)
	LIFEnergyJ        float64 `json:"lif_energy_j"`       // J per digital LIF neuron update
	LIFLanes          float64 `json:"lif_lanes"`          // neurons updated per clock
	LIFAreaUM2        float64 `json:"lif_area_um2"`       // µm² per LIF lane
	ClockHz           float64 `json:"clock_hz"`           // Hz, digital periphery clock
	PeripheryOverhead float64 `json:"periphery_overhead"` // extra peripheral area (decoders, muxes, buffers) as a fraction
}

// DigitalTech is a digital baseline at 45 nm running the same reservoir
// and head, priced per arithmetic operation and memory access (Horowitz,
// "Computing's energy problem (and what we can do about it)", ISSCC 2014).
type DigitalTech struct {
	AddEnergyJ        float64 `json:"add_energy_j"`        // J per add
	MultEnergyJ       float64 `json:"mult_energy_j"`       // J per multiply
	AddAreaUM2        float64 `json:"add_area_um2"`        // µm² per adder
	MultAreaUM2       float64 `json:"mult_area_um2"`       // µm² per multiplier
	WeightBits        float64 `json:"weight_bits"`         // bits per weight and neuron state
	SRAMEnergyJ       float64 `json:"sram_energy_j"`       // J per 64-bit read of an sram_ref_bytes SRAM
	SRAMRefBytes      float64 `json:"sram_ref_bytes"`      // bytes of the SRAM sram_energy_j is quoted for
	SRAMExponent      float64 `json:"sram_exponent"`       // SRAM read energy ∝ size^exponent
	SRAMCapacityBytes float64 `json:"sram_capacity_bytes"` // on-chip SRAM; larger weight sets are fetched from DRAM
	DRAMEnergyJ       float64 `json:"dram_energy_j"`       // J per 64-bit DRAM access
	SRAMBitAreaUM2    float64 `json:"sram_bit_area_um2"`   // µm² per SRAM bit cell
	SRAMEfficiency    float64 `json:"sram_efficiency"`     // bit-cell area / SRAM macro area
	ClockHz           float64 `json:"clock_hz"`            // Hz
	Lanes             float64 `json:"lanes"`               // operations per clock
}

// GPUTech is a GPU-class figure: energy per operation from the group's
// own accounting of a reservoir on a GPU, and a current data-centre GPU's
// throughput and die.
type GPUTech struct {
	EnergyPerOpJ  float64 `json:"energy_per_op_j"` // J per operation (one MAC, one neuron update)
	PeakMACsPerS  float64 `json:"peak_macs_per_s"` // MACs per second at peak
	StepOverheadS float64 `json:"step_overhead_s"` // s per time step at batch 1 (kernel launch)
	DieAreaMM2    float64 `json:"die_area_mm2"`    // mm²
}

// techSpec describes one Tech field: its key, unit, valid range, meaning,
// and the source of its default value.
type techSpec struct {
	key        string // "section.name"
	unit       string
	min, max   float64
	integer    bool
	desc       string
	source     string
	assumption bool
}

// specs lists every Tech field in declaration order. Values are in Default.
var specs = []techSpec{
	{"board.channels", "", 1, 4096, true, "read channels (one TIA feeding one ADC each) converting columns in parallel",
		"assumption: the channel count is not published; 16 quad OPA4322-Q1 amplifiers = 64 channels, so a 400-column reservoir needs 7 conversion rounds per read", true},
	{"board.adc_energy_j", "J", 0, 1, false, "energy of one ADS8324 conversion at its full rate",
		"TI ADS8324 datasheet (SBAS172A), features: 5.0 mW at 2.7 V and 50 kHz → 100 nJ per conversion (a lower bound: the macro model's ±1.8 V input range needs V_CC = 3.6 V, since V_REF ≤ V_CC/2)", false},
	{"board.adc_rate_hz", "Hz", 1, 1e9, false, "ADS8324 conversions per second (one conversion time = 1/rate)",
		"TI ADS8324 datasheet (SBAS172A): 50 kHz throughput with the maximum 1.2 MHz DCLOCK, 24 clocks per conversion → 20 µs", false},
	{"board.tia_current_a", "A", 0, 1, false, "quiescent current of one trans-impedance amplifier channel",
		"TI OPA4322-Q1 datasheet (SLOS856B), description: quiescent current 1.5 mA per channel (typical)", false},
	{"board.analog_supply_v", "V", 0, 50, false, "supply voltage of the TIAs",
		"assumption: 5 V, inside the OPAx322-Q1's specified 1.8–5.5 V", true},
	{"board.dac_channels", "", 0, 64, true, "DAC channels powered",
		"TI DAC80508: eight channels, one device (the group's test-system description)", false},
	{"board.dac_current_a", "A", 0, 1, false, "supply current per DAC channel",
		"TI DAC80508 datasheet (SLASEL1D), features: 0.6 mA/channel at 5.5 V", false},
	{"board.dac_supply_v", "V", 0, 50, false, "DAC supply voltage", "TI DAC80508 datasheet (SLASEL1D): the 0.6 mA/channel figure is quoted at 5.5 V", false},
	{"board.shift_cpd_f", "F", 0, 1e-6, false, "power-dissipation capacitance of one SN74HC595 per clock (energy per clock = Cpd·V²)",
		"assumption: 100 pF, the order of the no-load C_pd that 74HC595 datasheets quote (not found in the datasheet copies searched); every register of a chain is clocked for every bit shifted", true},
	{"board.logic_supply_v", "V", 0, 20, false, "supply of the shift registers and multiplexers",
		"assumption: 5 V HC logic", true},
	{"board.shift_clock_hz", "Hz", 1, 1e9, false, "clock of the shift registers that load each read's row pattern",
		"assumption: 25 MHz, the SN74HC595's maximum shift clock at 4.5 V order", true},
	{"board.shift_chains", "", 1, 4096, true, "shift-register chains loaded in parallel",
		"assumption: 8 chains", true},
	{"board.select_bits", "", 1, 8, true, "multiplexer select bits shifted per driven line per read",
		"TI CD4051B datasheet: three binary select inputs per 8-channel multiplexer; one multiplexer per driven line is an assumption", false},
	{"board.settle_s", "s", 0, 1, false, "settling of lines, multiplexers and TIAs before the first conversion of a read",
		"assumption: 5 µs (the simulated macro's read width)", true},
	{"board.soc_power_w", "W", 0, 1000, false, "power of the Zynq SoC (processors + programmable logic) while the board runs",
		"assumption: 1.5 W, typical of a Zynq-7000 with both Cortex-A9 cores and a small logic design", true},
	{"board.pl_updates_per_s", "1/s", 1, 1e15, false, "LIF neuron updates per second in the programmable logic",
		"assumption: one per clock at 100 MHz", true},
	{"board.arm_macs_per_s", "1/s", 1, 1e15, false, "head multiply-accumulates per second on the SoC's processor",
		"assumption: one fp32 MAC per clock on one Cortex-A9 at 667 MHz", true},
	{"board.adc_package_mm2", "mm²", 0, 1e4, false, "package body of one ADC",
		"TI ADS8324 datasheet: MSOP-8, 3 mm × 3 mm body", false},
	{"board.tia_package_mm2", "mm²", 0, 1e4, false, "package body of one quad TIA",
		"TI OPA4322-Q1 datasheet (SLOS856B): TSSOP-14, 5.00 mm × 4.40 mm body", false},
	{"board.dac_package_mm2", "mm²", 0, 1e4, false, "package body of one 8-channel DAC",
		"TI DAC80508 datasheet (SLASEL1D): WQFN-16, 3.00 mm × 3.00 mm body", false},
	{"board.logic_package_mm2", "mm²", 0, 1e4, false, "package body of one multiplexer or shift register",
		"assumption: TSSOP-16, 5.0 mm × 4.4 mm body (a package both the CD4051B and the SN74HC595 come in)", true},
	{"board.soc_package_mm2", "mm²", 0, 1e5, false, "package of the SoC",
		"assumption: a Zynq-7020 in the 17 mm × 17 mm CLG400 package", true},

	{"chip.feature_nm", "nm", 1, 1000, false, "technology node F", "Lin et al. 2025: 40 nm 256 Kb macro", false},
	{"chip.cell_area_f2", "F²", 1, 1e4, false, "area of one 1T1R cell",
		"assumption: 50 F²; 1T1R cells whose access transistor carries forming current are typically 30–100 F²", true},
	{"chip.adc_bits", "", 0, 24, true, "SAR ADC resolution; 0 takes the simulated macro's adc_bits, so accuracy and cost see the same converter",
		"the macro's adc_bits (crossbar params)", false},
	{"chip.adc_enob_loss", "", 0, 8, false, "effective bits lost to noise and distortion (ENOB = bits − loss)",
		"assumption: 1 bit, typical of measured SAR ADCs", true},
	{"chip.adc_fom_j", "J", 0, 1e-9, false, "Walden figure of merit P/(2^ENOB·f_s): energy per conversion step",
		"assumption: 20 fJ, about ten times the best SAR figure of merit reported (2.2 fJ, Harpe et al., ISSCC 2013, per B. E. Jonsson's ADC survey update of 2013; B. Murmann's ADC performance survey tracks the same figure), as for compact column ADCs", true},
	{"chip.adc_energy_j", "J", 0, 1e-6, false, "energy per conversion; 0 derives it as adc_fom_j·2^ENOB", "derived from adc_fom_j", false},
	{"chip.adc_share", "", 1, 4096, true, "columns multiplexed onto one SAR ADC",
		"assumption: 8, a common column-mux ratio of RRAM compute-in-memory macros", true},
	{"chip.adc_cycle_s", "s", 0, 1e-3, false, "time of one SAR cycle; a conversion takes bits + 1 cycles",
		"assumption: 1 ns per cycle, as NeuroSim's SAR latency model", true},
	{"chip.adc_unit_area_um2", "µm²", 0, 1e3, false, "area of the capacitor DAC per LSB level (area ∝ 2^bits)",
		"assumption: 1 µm² per unit capacitor with its switch", true},
	{"chip.adc_logic_area_um2", "µm²", 0, 1e6, false, "comparator and SAR logic of one ADC",
		"assumption: 1000 µm² at 40 nm", true},
	{"chip.sense_energy_j", "J", 0, 1e-9, false, "energy of the sense amplifier / sample-and-hold per column conversion",
		"assumption: 0.2 pJ (≈ 100 fF charged to 1 V plus bias)", true},
	{"chip.sense_area_um2", "µm²", 0, 1e5, false, "sense amplifier / sample-and-hold per column", "assumption: 40 µm²", true},
	{"chip.line_cap_f", "F", 0, 1e-12, false, "capacitance per cell pitch of a row's source and word lines",
		"assumption: 0.2 fF (≈ 0.2 fF/µm wire over a sub-µm pitch plus junction and gate)", true},
	{"chip.driver_area_um2", "µm²", 0, 1e5, false, "row driver and decoder slice per row", "assumption: 15 µm²", true},
	{"chip.read_time_s", "s", 0, 1e-3, false, "time the active rows are held at the read voltage (sampled by the column sample-and-holds)",
		"assumption: 10 ns", true},
	{"chip.sub_energy_j", "J", 0, 1e-9, false, "one digital differential subtraction G⁺ − G⁻ per neuron per read",
		"Horowitz, ISSCC 2014 (45 nm): 32-bit integer add 0.1 pJ", false},
	{"chip.lif_energy_j", "J", 0, 1e-9, false, "one digital LIF update (decay multiply, add, compare)",
		"assumption from Horowitz, ISSCC 2014 (45 nm): 8-bit multiply 0.2 pJ + two 32-bit adds 0.2 pJ, rounded up for the state register", true},
	{"chip.lif_lanes", "", 1, 1e5, true, "LIF neurons updated per clock", "assumption: 32", true},
	{"chip.lif_area_um2", "µm²", 0, 1e6, false, "area of one LIF lane",
		"Horowitz, ISSCC 2014 (45 nm): 8-bit multiplier 282 µm² + two 32-bit adders 137 µm² each", false},
	{"chip.clock_hz", "Hz", 1, 1e11, false, "clock of the digital periphery", "assumption: 500 MHz at 40 nm", true},
	{"chip.periphery_overhead", "", 0, 10, false, "extra peripheral area for decoders, column muxes, shift-add and buffers, as a fraction of the peripheral area",
		"assumption: 0.3", true},

	{"digital.add_energy_j", "J", 0, 1e-9, false, "energy of one add at the baseline's precision",
		"Horowitz, ISSCC 2014 (45 nm, 0.9 V): fp32 add 0.9 pJ (int8 0.03, int32 0.1, fp16 0.4)", false},
	{"digital.mult_energy_j", "J", 0, 1e-9, false, "energy of one multiply",
		"Horowitz, ISSCC 2014: fp32 multiply 3.7 pJ (int8 0.2, int32 3.1, fp16 1.1)", false},
	{"digital.add_area_um2", "µm²", 0, 1e6, false, "area of one adder",
		"Horowitz, ISSCC 2014: fp32 adder 4184 µm² (int8 36, int32 137, fp16 1360)", false},
	{"digital.mult_area_um2", "µm²", 0, 1e6, false, "area of one multiplier",
		"Horowitz, ISSCC 2014: fp32 multiplier 7700 µm² (int8 282, int32 3495, fp16 1640)", false},
	{"digital.weight_bits", "", 1, 64, true, "bits per stored weight",
		"assumption: 32 (fp32, as the paper's PyTorch models); 8 with the int8 figures", true},
	{"digital.sram_energy_j", "J", 0, 1e-6, false, "energy of one 64-bit read from an SRAM of sram_ref_bytes",
		"Horowitz, ISSCC 2014: 64-bit read from an 8 KB SRAM 10 pJ", false},
	{"digital.sram_ref_bytes", "B", 1, 1e12, false, "size of the SRAM sram_energy_j is quoted for", "Horowitz, ISSCC 2014: 8 KB", false},
	{"digital.sram_exponent", "", 0, 2, false, "exponent of SRAM read energy with size",
		"fit to Horowitz, ISSCC 2014 (8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ): 0.5 reproduces all three within 13 %", false},
	{"digital.sram_capacity_bytes", "B", 0, 1e12, false, "on-chip SRAM; weight sets larger than this are read from DRAM",
		"assumption: 4 MiB", true},
	{"digital.dram_energy_j", "J", 0, 1e-6, false, "energy of one 64-bit DRAM access",
		"Horowitz, ISSCC 2014: 1.3–2.6 nJ per 64-bit DRAM access (the low end)", false},
	{"digital.sram_bit_area_um2", "µm²", 0, 100, false, "area of one 6T SRAM bit cell",
		"Mistry et al., IEDM 2007 (Intel 45 nm): 0.346 µm² 6T cell", false},
	{"digital.sram_efficiency", "", 0.01, 1, false, "share of an SRAM macro's area that is bit cells",
		"assumption: 0.7", true},
	{"digital.clock_hz", "Hz", 1, 1e11, false, "clock", "assumption: 1 GHz at 45 nm", true},
	{"digital.lanes", "", 1, 1e7, true, "arithmetic lanes (operations per clock)", "assumption: 64", true},

	{"gpu.energy_per_op_j", "J", 0, 1e-6, false, "energy per operation (one MAC or one neuron update), everything included",
		"Wang et al., Nat. Mach. Intell. 2023 (ESGNN), fig. 2g source data: reservoir 7.38e-5 J on a GPU for 153,521,450 operations → 0.481 pJ (that they count MACs, not FLOPs, is an assumption)", false},
	{"gpu.peak_macs_per_s", "1/s", 1, 1e18, false, "multiply-accumulates per second at peak",
		"NVIDIA A100 datasheet: 19.5 TFLOPS fp32 = 9.75e12 MAC/s", false},
	{"gpu.step_overhead_s", "s", 0, 1, false, "time per reservoir step at batch 1 (one kernel launch per step)",
		"assumption: 5 µs, the order of a CUDA kernel launch", true},
	{"gpu.die_area_mm2", "mm²", 0, 1e5, false, "GPU die area", "NVIDIA A100 whitepaper: 826 mm² (TSMC 7 nm)", false},
}

// defaultTech holds the values whose sources specs gives.
var defaultTech = Tech{
	Board: BoardTech{
		Channels: 64, ADCEnergyJ: 100e-9, ADCRateHz: 50e3,
		TIACurrentA: 1.5e-3, AnalogSupplyV: 5,
		DACChannels: 8, DACCurrentA: 0.6e-3, DACSupplyV: 5.5,
		ShiftCpdF: 100e-12, LogicSupplyV: 5, ShiftClockHz: 25e6, ShiftChains: 8, SelectBits: 3,
		SettleS: 5e-6, SoCPowerW: 1.5, PLUpdatesPerS: 100e6, ARMMACsPerS: 667e6,
		ADCPackageMM2: 9, TIAPackageMM2: 5.00 * 4.40, DACPackageMM2: 9, LogicPackageMM2: 5.0 * 4.4, SoCPackageMM2: 17 * 17,
	},
	Chip: ChipTech{
		FeatureNM: 40, CellAreaF2: 50,
		ADCBits: 0, ADCENOBLoss: 1, ADCFOMJ: 20e-15, ADCEnergyJ: 0, ADCShare: 8, ADCCycleS: 1e-9,
		ADCUnitAreaUM2: 1, ADCLogicAreaUM2: 1000,
		SenseEnergyJ: 0.2e-12, SenseAreaUM2: 40, LineCapF: 0.2e-15, DriverAreaUM2: 15, ReadTimeS: 10e-9,
		SubEnergyJ: 0.1e-12, LIFEnergyJ: 0.5e-12, LIFLanes: 32, LIFAreaUM2: 282 + 2*137,
		ClockHz: 500e6, PeripheryOverhead: 0.3,
	},
	Digital: DigitalTech{
		AddEnergyJ: 0.9e-12, MultEnergyJ: 3.7e-12, AddAreaUM2: 4184, MultAreaUM2: 7700, WeightBits: 32,
		SRAMEnergyJ: 10e-12, SRAMRefBytes: 8192, SRAMExponent: 0.5, SRAMCapacityBytes: 4 << 20,
		DRAMEnergyJ: 1.3e-9, SRAMBitAreaUM2: 0.346, SRAMEfficiency: 0.7, ClockHz: 1e9, Lanes: 64,
	},
	GPU: GPUTech{EnergyPerOpJ: 7.38e-5 / 153521450, PeakMACsPerS: 19.5e12 / 2, StepOverheadS: 5e-6, DieAreaMM2: 826},
}

// Default returns the default technology description (see Table for every
// value's source).
func Default() Tech { return defaultTech }

// KeyPrefix is the prefix that names a cost key among other settings
// ("cost.chip.adc_fom_j"); Set accepts keys with or without it.
const KeyPrefix = "cost."

// IsKey reports whether a setting key belongs to the cost model (has
// KeyPrefix).
func IsKey(key string) bool { return strings.HasPrefix(key, KeyPrefix) }

// fieldByKey maps "section.name" to the index path of a Tech field.
var fieldByKey = func() map[string][]int {
	m := map[string][]int{}
	t := reflect.TypeFor[Tech]()
	for i := range t.NumField() {
		sec := t.Field(i)
		for j := range sec.Type.NumField() {
			m[sec.Tag.Get("json")+"."+sec.Type.Field(j).Tag.Get("json")] = []int{i, j}
		}
	}
	return m
}()

func (t *Tech) field(key string) *float64 {
	return reflect.ValueOf(t).Elem().FieldByIndex(fieldByKey[key]).Addr().Interface().(*float64)
}

// Value returns the value of a key ("chip.adc_fom_j" or
// "cost.chip.adc_fom_j") and whether the key exists.
func (t Tech) Value(key string) (float64, bool) {
	key = strings.TrimPrefix(key, KeyPrefix)
	if _, ok := fieldByKey[key]; !ok {
		return 0, false
	}
	return *t.field(key), true
}

// Keys returns every key in table order.
func Keys() []string {
	ks := make([]string, len(specs))
	for i, s := range specs {
		ks[i] = s.key
	}
	return ks
}

func specOf(key string) (techSpec, bool) {
	for _, s := range specs {
		if s.key == key {
			return s, true
		}
	}
	return techSpec{}, false
}

// Set sets one key from a string; the value may carry its unit and an SI
// prefix ("20fJ", "50kHz", "1.5W", "5us"). An unknown key or an
// out-of-range value is an error that names the key.
func (t *Tech) Set(key, value string) error {
	key = strings.TrimPrefix(strings.TrimSpace(key), KeyPrefix)
	s, ok := specOf(key)
	if !ok {
		return unknownKey(key)
	}
	v, err := parseValue(s.unit, value)
	if err != nil {
		return fmt.Errorf("cost: %s: %w", key, err)
	}
	if err := s.check(v); err != nil {
		return err
	}
	*t.field(key) = v
	return nil
}

// ParseSetting applies a "key=value" setting to t (see Set).
func (t *Tech) ParseSetting(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("cost: setting %q is not key=value", kv)
	}
	return t.Set(k, v)
}

// unknownKey describes an unknown key, suggesting the nearest known one.
func unknownKey(key string) error {
	best, bd := "", math.MaxInt
	for _, k := range Keys() {
		if d := editDistance(key, k); d < bd {
			best, bd = k, d
		}
	}
	if bd <= len(key)/3 {
		return fmt.Errorf("cost: unknown key %q (did you mean %q? `memlsm cost params` lists every key)", key, KeyPrefix+best)
	}
	return fmt.Errorf("cost: unknown key %q (`memlsm cost params` lists every key)", key)
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// parseValue parses a number with an optional unit and SI prefix.
func parseValue(unit, s string) (float64, error) {
	switch unit {
	case "J":
		return setUnit[units.Joules](s)
	case "Hz":
		return setUnit[units.Hertz](s)
	case "W":
		return setUnit[units.Watts](s)
	case "V":
		return setUnit[units.Volts](s)
	case "A":
		return setUnit[units.Amps](s)
	case "s":
		return setUnit[units.Seconds](s)
	case "F":
		return parseSI(s, "F")
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), unit)), 64)
	if err != nil || math.IsInf(x, 0) {
		if unit != "" {
			return 0, fmt.Errorf("cannot parse %q as a number of %s", s, unit)
		}
		return 0, fmt.Errorf("cannot parse %q as a number", s)
	}
	return x, nil
}

// setUnit parses s with the Set method of a units type.
func setUnit[T ~float64, P interface {
	*T
	Set(string) error
}](s string) (float64, error) {
	var v T
	if err := P(&v).Set(s); err != nil {
		return 0, err
	}
	return float64(v), nil
}

// parseSI parses a number with an optional SI prefix and unit symbol, for
// units the units package has no type for (farads).
func parseSI(s, unit string) (float64, error) {
	in := s
	s = strings.TrimSuffix(strings.TrimSpace(s), unit)
	scale := 1.0
	for p, f := range map[string]float64{"p": 1e-12, "f": 1e-15, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "m": 1e-3} {
		if strings.HasSuffix(s, p) {
			s, scale = strings.TrimSuffix(s, p), f
			break
		}
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("cannot parse %q as %s (e.g. \"400p%s\")", in, unit, unit)
	}
	return x * scale, nil
}

// check reports a value outside the spec's range.
func (s techSpec) check(v float64) error {
	if math.IsNaN(v) || v < s.min || v > s.max {
		return fmt.Errorf("cost: %s = %g outside [%g, %g]%s", s.key, v, s.min, s.max, unitSuffix(s.unit))
	}
	if s.integer && v != math.Trunc(v) {
		return fmt.Errorf("cost: %s = %g must be a whole number", s.key, v)
	}
	return nil
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// Validate checks every value against its range; the error lists one line
// per bad key.
func (t Tech) Validate() error {
	var errs []error
	for _, s := range specs {
		if err := s.check(*t.field(s.key)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// LoadTech reads a technology description as JSON: an object of sections
// ("board", "chip", "digital", "gpu"), each of keys to numbers, applied
// over Default, so a file may give only what it changes. Unknown sections
// or keys and out-of-range values are errors naming them.
func LoadTech(r io.Reader) (Tech, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Tech{}, fmt.Errorf("cost: reading tech: %w", err)
	}
	var raw map[string]map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Tech{}, fmt.Errorf("cost: tech: byte offset %d: %w", se.Offset, err)
		}
		return Tech{}, fmt.Errorf("cost: tech: want an object of sections of numbers: %w", err)
	}
	t := Default()
	var errs []error
	for sec, kv := range raw {
		for k, v := range kv {
			key := sec + "." + k
			s, ok := specOf(key)
			if !ok {
				errs = append(errs, fmt.Errorf("cost: tech: %w", unknownKey(key)))
				continue
			}
			var x float64
			if err := json.Unmarshal(v, &x); err != nil {
				errs = append(errs, fmt.Errorf("cost: tech: %s: want a number, got %s", key, v))
				continue
			}
			if err := s.check(x); err != nil {
				errs = append(errs, err)
				continue
			}
			*t.field(key) = x
		}
	}
	if len(errs) > 0 {
		return Tech{}, errors.Join(errs...)
	}
	return t, nil
}

// WriteJSON writes t as one indented JSON object with every key, which
// LoadTech reads back exactly.
func (t Tech) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("cost: encoding tech: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("cost: writing tech: %w", err)
	}
	return nil
}

// ParamInfo is one row of the technology table.
type ParamInfo struct {
	Key         string  `json:"key"`     // "section.name"; set it as "cost.section.name"
	Value       float64 `json:"value"`   // in Unit
	Unit        string  `json:"unit"`    // "" for counts and ratios
	Default     float64 `json:"default"` // the Default value
	Changed     bool    `json:"changed"` // Value differs from Default
	Description string  `json:"description"`
	Source      string  `json:"source"`
	Assumption  bool    `json:"assumption"` // the default is an assumption, not a published figure
}

// Table returns every key with its value, unit, meaning and the source of
// its default, in declaration order.
func (t Tech) Table() []ParamInfo {
	def := Default()
	out := make([]ParamInfo, len(specs))
	for i, s := range specs {
		v, d := *t.field(s.key), *def.field(s.key)
		out[i] = ParamInfo{Key: s.key, Value: v, Unit: s.unit, Default: d, Changed: v != d,
			Description: s.desc, Source: s.source, Assumption: s.assumption}
	}
	return out
}

// Markdown renders the table as Markdown.
func (t Tech) Markdown() string {
	var b strings.Builder
	b.WriteString("| key | value | unit | source |\n|---|---:|---|---|\n")
	for _, p := range t.Table() {
		mark := ""
		if p.Changed {
			mark = fmt.Sprintf(" (changed; default %g)", p.Default)
		}
		fmt.Fprintf(&b, "| cost.%s | %g%s | %s | %s |\n", p.Key, p.Value, mark, p.Unit, p.Source)
	}
	return b.String()
}

// Configure returns the technology a command line describes: Default, or
// the partial file (LoadTech) when file is non-nil, with the "key=value"
// settings applied over it in order.
func Configure(file io.Reader, settings []string) (Tech, error) {
	t := Default()
	if file != nil {
		var err error
		if t, err = LoadTech(file); err != nil {
			return Tech{}, err
		}
	}
	for _, kv := range settings {
		if err := t.ParseSetting(kv); err != nil {
			return Tech{}, err
		}
	}
	return t, nil
}

// Settings is the repeatable --set flag of a command that builds a macro
// and prices its results: a "cost.…" key goes to the cost technology
// (Cost, applied by Configure), every other key to the macro's parameters
// (Macro, applied by crossbar.Params.Apply). Each is checked as it is
// parsed, so a bad key is a usage error naming it.
type Settings struct {
	Macro crossbar.Settings
	Cost  []string
}

// Set implements flag.Value.
func (s *Settings) Set(v string) error {
	k, _, _ := strings.Cut(v, "=")
	if IsKey(strings.TrimSpace(k)) {
		t := Default()
		if err := t.ParseSetting(v); err != nil {
			return err
		}
		s.Cost = append(s.Cost, v)
		return nil
	}
	return s.Macro.Set(v)
}

// String implements flag.Value.
func (s *Settings) String() string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(s.Macro.String() + " " + strings.Join(s.Cost, " "))
}
