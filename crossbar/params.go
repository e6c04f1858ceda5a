package crossbar

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/memlsm/memlsm/units"
)

// Params is every parameter of the simulated macro (*Model), in SI units.
// It is what calibrate/ fits and writes and what LoadParams reads: the JSON
// names are the snake_case tags, and a parameter file must state every
// field. Each field's comment gives its unit and the source of its lin2025
// value; Table returns the same information in machine-readable form.
//
// The zero Params is not valid; start from Preset("lin2025").
type Params struct {
	// Geometry.

	Rows int `json:"rows"` // word lines / source lines; 512 (the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023 [PRUNE])
	Cols int `json:"cols"` // bit lines; 512 (the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023 [PRUNE])

	// Pristine cells (never broken down).

	PristineG      units.Siemens `json:"pristine_g"`      // S, median; 10 MΩ (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023 [ESGNN-fig])
	PristineSpread float64       `json:"pristine_spread"` // σ of ln G, device to device; assumption
	StuckHRSRate   float64       `json:"stuck_hrs_rate"`  // fraction of cells that never form or set; assumption
	StuckLRSRate   float64       `json:"stuck_lrs_rate"`  // fraction of cells born conducting and immune to pulses; assumption

	// Electroforming: E-model time-dependent dielectric breakdown.

	VbdMean   units.Volts   `json:"vbd_mean"`   // V, mean breakdown voltage for one RefWidth pulse; assumption from the ESGNN sweep
	VbdStd    units.Volts   `json:"vbd_std"`    // V, device-to-device σ of the breakdown voltage; assumption
	RefWidth  units.Seconds `json:"ref_width"`  // s, pulse width at which VbdMean, VSetMean, VResetMean hold; assumption
	FormAccel units.Volts   `json:"form_accel"` // V, E-model voltage acceleration V_acc of breakdown; assumption

	// The default forming pulse (DefaultForming): what every experiment
	// applies to form its reservoir regions, and so a knob of all of them.

	FormAmplitude units.Volts   `json:"form_amplitude"` // V, source-line amplitude; vbd_mean + 4·vbd_std (closed form)
	FormWidth     units.Seconds `json:"form_width"`     // s, pulse width; ref_width
	FormGate      units.Volts   `json:"form_gate"`      // V, word-line voltage (the compliance); gate_ref

	// Compliance (1T1R access transistor) and the low-resistance state.

	GateRef         units.Volts   `json:"gate_ref"`         // V, word-line voltage at which LRSMean/LRSStd hold; assumption
	TransistorVth   units.Volts   `json:"transistor_vth"`   // V, access-transistor threshold; assumption
	TransistorAlpha float64       `json:"transistor_alpha"` // alpha-power-law exponent of the saturation current (Sakurai–Newton)
	ComplianceRef   units.Amps    `json:"compliance_ref"`   // A, compliance current at GateRef; closed form + assumption
	GrowthAccel     units.Volts   `json:"growth_accel"`     // V, fall of the filament's holding voltage per e-fold of time at compliance; assumption
	ParasiticCap    units.Farads  `json:"parasitic_cap"`    // F, line capacitance discharged through a cell as it breaks down (overshoot); assumption
	LRSMean         units.Siemens `json:"lrs_mean"`         // S, mean formed conductance at GateRef; 14.2473 µS [ESGNN]
	LRSStd          units.Siemens `json:"lrs_std"`          // S, σ of formed conductance at GateRef; 2.4624 µS [ESGNN]
	LRSMin          units.Siemens `json:"lrs_min"`          // S, lower clip of a formed/set conductance; assumption
	LRSMax          units.Siemens `json:"lrs_max"`          // S, upper clip of a formed/set conductance; assumption
	D2DFraction     float64       `json:"d2d_fraction"`     // share of LRS/HRS variance that is device-to-device (rest cycle-to-cycle); assumption

	// High-resistance state and bipolar switching (SET / RESET).

	HRSMedian   units.Siemens `json:"hrs_median"`   // S, median conductance after RESET; assumption
	HRSSpread   float64       `json:"hrs_spread"`   // σ of ln G after RESET; assumption
	VSetMean    units.Volts   `json:"vset_mean"`    // V, mean SET threshold for one RefWidth pulse; assumption
	VSetStd     units.Volts   `json:"vset_std"`     // V, device-to-device σ of the SET threshold; assumption
	VSetC2C     units.Volts   `json:"vset_c2c"`     // V, cycle-to-cycle σ of the SET threshold; assumption
	VResetMean  units.Volts   `json:"vreset_mean"`  // V, mean RESET threshold for one RefWidth pulse; assumption
	VResetStd   units.Volts   `json:"vreset_std"`   // V, device-to-device σ of the RESET threshold; assumption
	VResetC2C   units.Volts   `json:"vreset_c2c"`   // V, cycle-to-cycle σ of the RESET threshold; assumption
	SwitchAccel units.Volts   `json:"switch_accel"` // V, threshold lowering per e-fold of pulse width; assumption

	// Read noise, relaxation, wires, analysis criterion.

	ReadNoise       float64       `json:"read_noise"`       // relative σ per cell per read; 0.02 [ESGNN run scripts]
	DriftNuLRS      float64       `json:"drift_nu_lrs"`     // power-law relaxation exponent of LRS cells; assumption
	DriftNuHRS      float64       `json:"drift_nu_hrs"`     // power-law relaxation exponent of HRS cells (negative: G rises); assumption
	DriftNuSpread   float64       `json:"drift_nu_spread"`  // σ of ln of a cell's exponent factor; assumption
	DriftT0         units.Seconds `json:"drift_t0"`         // s, onset time of relaxation; assumption
	WireResistance  units.Ohms    `json:"wire_resistance"`  // Ω per cell pitch of row and column wires (IR drop); 0 = off
	TransistorRon   units.Ohms    `json:"transistor_ron"`   // Ω, access-transistor on-resistance in series at read; 0 (already in the measured G)
	FormedThreshold units.Siemens `json:"formed_threshold"` // S, a cell reading above this counts as formed; assumption

	// Periphery (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023–3.3: DAC80508, OPA4322-Q1, ADS8324).

	DACBits      int           `json:"dac_bits"`       // DAC resolution; 16 (DAC80508)
	DACFullScale units.Volts   `json:"dac_full_scale"` // V, DAC span: V = code·FS/2^bits; 5 V (DAC80508: 2.5 V ref × gain 2)
	ReadVoltage  units.Volts   `json:"read_voltage"`   // V, read pulse on the selected rows (before DAC quantisation); assumption
	ReadWidth    units.Seconds `json:"read_width"`     // s, duration of one read pulse (energy only); assumption from ADS8324 timing
	TIAGain      units.Ohms    `json:"tia_gain"`       // Ω, transimpedance of the column amplifiers; assumption
	ReadTIAGain  units.Ohms    `json:"read_tia_gain"`  // Ω, transimpedance in a conductance read; 0 = auto-ranged (ReadGain); assumption
	ADCBits      int           `json:"adc_bits"`       // ADC resolution, two's complement; 14 (ADS8324)
	ADCFullScale units.Volts   `json:"adc_full_scale"` // V, ADC input range ±FS; 1.8 V (ADS8324: V_REF ≤ V_CC/2)
	InputBits    int           `json:"input_bits"`     // bit planes of a multi-bit MVM input; 4 [ESGNN run scripts]
	AnalogDiff   int           `json:"analog_diff"`    // 1: column pairs subtracted before the ADC; 0: digitally, as the test board does

	// Energy per operation (board level).

	EnergyADC units.Joules `json:"energy_adc"` // J per ADC conversion; ADS8324 datasheet
	EnergyTIA units.Joules `json:"energy_tia"` // J per column conversion spent in the TIA; OPA4322 datasheet + assumption
	EnergyDAC units.Joules `json:"energy_dac"` // J per DAC channel update; assumption

	// Safety limits the simulator enforces (see Limits).

	MaxFormV  units.Volts   `json:"max_form_v"`  // V, largest form amplitude; DAC80508 full scale
	MaxSetV   units.Volts   `json:"max_set_v"`   // V, largest set amplitude; assumption
	MaxResetV units.Volts   `json:"max_reset_v"` // V, largest reset amplitude; assumption
	MinWidth  units.Seconds `json:"min_width"`   // s, shortest pulse; assumption
	MaxWidth  units.Seconds `json:"max_width"`   // s, longest pulse; assumption
	MaxGate   units.Volts   `json:"max_gate"`    // V, largest word-line voltage; assumption
	MaxCells  int           `json:"max_cells"`   // cells one pulse may touch; 0 = no limit (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023 forms whole regions)
}

// paramSpec describes one field of Params: unit, valid range, meaning and
// the source of its lin2025 value. It drives Validate, Table and the
// strict field check of LoadParams.
type paramSpec struct {
	name     string
	unit     string
	min, max float64
	minOpen  bool // min is excluded
	desc     string
	source   string
}

// specs lists every Params field in declaration order.
var specs = []paramSpec{
	{"rows", "", 1, 4096, false, "rows (word lines, source lines) of the array",
		"the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023 [PRUNE]: 512×512 crossbar, 256 K cells"},
	{"cols", "", 1, 4096, false, "columns (bit lines) of the array",
		"the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023 [PRUNE]: 512×512 crossbar, 256 K cells"},

	{"pristine_g", "S", 0, 1e-5, true, "median conductance of a pristine (unformed) cell",
		"random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023 [ESGNN-fig]: pristine resistance ≈ 10 MΩ"},
	{"pristine_spread", "", 0, 3, false, "device-to-device σ of ln(pristine conductance)",
		"assumption: ±35 % leakage spread, typical of thin oxides; it only shows in unformed cells, at ~½ ADC LSB"},
	{"stuck_hrs_rate", "", 0, 1, false, "fraction of cells that never form or set (stuck high-resistance)",
		"assumption: 0.1 %; the ESGNN conductance map shows no visible outlier cluster, kept non-zero so fault handling is exercised"},
	{"stuck_lrs_rate", "", 0, 1, false, "fraction of cells born conducting that ignore every pulse (stuck low-resistance)",
		"assumption: 0.1 %, as stuck_hrs_rate"},

	{"vbd_mean", "V", 0, 20, true, "mean breakdown voltage of one ref_width forming pulse",
		"Wang et al., Nat. Mach. Intell. 5, 104 (2023), Ext. Data Fig. 1: 400 cells broken down by a ramp from 3 V in 0.05 V steps, mean 3.433 V, σ 0.114 V; converted to one ref_width pulse with this model's E-model (FitRampBreakdown), assuming a step dwell of one ref_width (not reported; each decade longer adds form_accel·ln 10 ≈ 0.39 V)"},
	{"vbd_std", "V", 0, 5, true, "device-to-device σ of the breakdown voltage",
		"Wang et al., Nat. Mach. Intell. 5, 104 (2023), Ext. Data Fig. 1, converted as vbd_mean (the ramp compresses the early breakdowns, so the single-pulse σ is wider than the ramp's)"},
	{"ref_width", "s", 0, 1, true, "pulse width at which vbd_mean, vset_mean and vreset_mean hold, and the time at compliance at which lrs_mean holds",
		"assumption: µs pulses, as made by the discrete-component test board (the macro's MVM and test system, Wang et al., Nat. Mach. Intell. 2023)"},
	{"form_accel", "V", 0, 5, true, "E-model acceleration voltage: breakdown time falls e-fold per form_accel of extra amplitude",
		"assumption: field acceleration ≈ 2 decades per MV/cm, typical of thin high-k oxides; over 8 nm TaOx (the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023) 0.8 V/(2 ln 10) ≈ 0.17 V"},

	{"form_amplitude", "V", 0, 50, true, "amplitude of the default forming pulse every experiment applies to its reservoir regions",
		"closed form vbd_mean + 4·vbd_std: breaks down all but 1 − Φ(4) ≈ 3·10⁻⁵ of the cells, the dense reservoir of the paper's software model (Lin et al. 2025)"},
	{"form_width", "s", 0, 10, true, "width of the default forming pulse",
		"ref_width: the width at which vbd_mean holds"},
	{"form_gate", "V", 0, 10, false, "word-line voltage of the default forming pulse (sets the compliance current)",
		"gate_ref: the compliance at which lrs_mean was measured"},

	{"gate_ref", "V", 0, 10, true, "word-line voltage at which lrs_mean and lrs_std hold (the default compliance)",
		"assumption: mid-range word-line bias of a 40 nm access transistor"},
	{"transistor_vth", "V", 0, 5, false, "threshold voltage of the access transistor: at or below it a pulse passes no current",
		"assumption: typical 40 nm NMOS threshold"},
	{"transistor_alpha", "", 1, 2, false, "alpha-power-law exponent: compliance ∝ (gate − vth)^alpha",
		"Sakurai & Newton, IEEE JSSC 25, 584 (1990): α ≈ 1.3 for velocity-saturated short-channel MOSFETs (assumption for this transistor)"},
	{"compliance_ref", "A", 0, 1e-2, true, "compliance current at gate_ref; with lrs_mean it fixes the filament's holding voltage compliance_ref/lrs_mean",
		"closed form lrs_mean × 0.4 V, from R_LRS·I_C ≈ V_C of filamentary oxide RRAM (Ielmini, IEEE TED 58, 4309 (2011)); V_C = 0.4 V: assumption"},
	{"growth_accel", "V", 0, 1, false, "after breakdown the filament grows at the compliance current and its voltage falls by growth_accel per e-fold of time (forming-pulse width and overshoot shape the conductance)",
		"assumption: the ion-migration kinetics of SET (switch_accel); field-driven growth gives the logarithmic time dependence (Ielmini, IEEE TED 58, 4309 (2011))"},
	{"parasitic_cap", "F", 0, 1e-9, false, "line capacitance that discharges through a cell as it breaks down (current overshoot), as extra charge beyond the compliance",
		"assumption: ≈ 0.2 fF/µm over a ≈ 100 µm bit line of the 512-cell array; overshoot charge shapes the filament (Ambrogio et al., IEEE EDL 37, 1268 (2016); Shrestha et al., Solid-State Electron. (2018))"},
	{"lrs_mean", "S", 0, 1e-2, true, "mean conductance of a cell formed (or set) at gate_ref whose filament carried the compliance current for one ref_width",
		"[ESGNN] backend_torch_simu.py: cond_mean = 14.2473 (µS), measured on the same 40 nm macro (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023); that it corresponds to one ref_width at compliance is an assumption"},
	{"lrs_std", "S", 0, 1e-2, false, "device σ of the formed conductance at gate_ref, without read noise (scales with the mean at other gates and pulses)",
		"[ESGNN] backend_torch_simu.py: cond_std = 2.4624 (µS) as read (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023), with the read noise of read_noise deconvolved: √((2.4624² − (0.02·14.2473)²)/(1 + 0.02²)) = 2.4454 µS"},
	{"lrs_min", "S", 0, 1e-2, true, "lower clip of a formed or set conductance (weakest stable filament)",
		"assumption: 5 σ below lrs_mean"},
	{"lrs_max", "S", 0, 1, true, "upper clip of a formed or set conductance",
		"assumption: 10 kΩ, ≈ 4.6 σ above the mean at max_gate"},
	{"d2d_fraction", "", 0, 1, false, "share of the LRS/HRS variance fixed per device; the rest is redrawn every cycle",
		"assumption: 0.5 (one-shot ESGNN statistics cannot separate them)"},

	{"hrs_median", "S", 0, 1e-2, true, "median conductance after RESET",
		"assumption: 1 MΩ, an on/off ratio ≈ 14 typical of TaOx 1T1R cells"},
	{"hrs_spread", "", 0, 3, false, "σ of ln(conductance) after RESET",
		"assumption: HRS spreads wider than LRS, as commonly observed"},
	{"vset_mean", "V", 0, 20, true, "mean SET threshold of one ref_width pulse",
		"assumption: typical TaOx 1T1R SET voltage"},
	{"vset_std", "V", 0, 5, false, "device-to-device σ of the SET threshold", "assumption"},
	{"vset_c2c", "V", 0, 5, false, "cycle-to-cycle σ of the SET threshold", "assumption"},
	{"vreset_mean", "V", 0, 20, true, "mean RESET threshold of one ref_width pulse",
		"assumption: typical TaOx 1T1R RESET voltage"},
	{"vreset_std", "V", 0, 5, false, "device-to-device σ of the RESET threshold", "assumption"},
	{"vreset_c2c", "V", 0, 5, false, "cycle-to-cycle σ of the RESET threshold", "assumption"},
	{"switch_accel", "V", 0, 5, true, "SET/RESET threshold lowering per e-fold of pulse width",
		"assumption: ionic switching time changes ~10 decades over ~0.7 V (nonlinear kinetics), 0.7 V/ln 1e10 ≈ 0.03 V"},

	{"read_noise", "", 0, 1, false, "relative σ of a cell's conductance in each read (multiplicative, per read)",
		"[ESGNN] run_mutag.sh, run_collab.sh: --noise 0.02, w + w·N(0,1)·noise per multiply (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023)"},
	{"drift_nu_lrs", "", -1, 1, false, "relaxation exponent of LRS cells: G = G0·(1 + Δt/drift_t0)^(−ν)",
		"assumption: ≈ 3 % loss after 1000 s"},
	{"drift_nu_hrs", "", -1, 1, false, "relaxation exponent of HRS cells (negative: conductance creeps up)",
		"assumption: ≈ 7 % rise after 1000 s"},
	{"drift_nu_spread", "", 0, 3, false, "device-to-device σ of ln of a cell's relaxation-exponent factor",
		"assumption"},
	{"drift_t0", "s", 0, 1e9, true, "onset time of relaxation after programming",
		"assumption"},
	{"wire_resistance", "Ω", 0, 1e4, false, "row and column wire resistance per cell pitch (first-order IR drop)",
		"off by default (the paper reports no IR drop); ≈ 1 Ω per pitch would be typical of 40 nm M4/M5 lines"},
	{"transistor_ron", "Ω", 0, 1e7, false, "on-resistance of the access transistor in series with each cell at read (IR-drop network)",
		"0: the measured conductances (lrs_mean) were read through the 1T1R cell, so they already include it; set it with an intrinsic-cell lrs_mean"},
	{"formed_threshold", "S", 0, 1, true, "analysis criterion: a cell reading above this counts as formed",
		"assumption: 1 MΩ, a decade above pristine and 5 σ below lrs_mean (ESGNN's 20 kΩ criterion was for its sweep at a higher compliance)"},

	{"dac_bits", "", 4, 24, false, "resolution of the DAC channels (source-line, word-line and read voltages)",
		"TI DAC80508 datasheet: 16-bit, 8 channels (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023 [PRUNE])"},
	{"dac_full_scale", "V", 0, 50, true, "DAC span: V = code·dac_full_scale/2^dac_bits",
		"TI DAC80508 datasheet: 2.5 V internal reference × output gain 2"},
	{"read_voltage", "V", 0, 5, true, "read voltage on the selected rows (quantised by the DAC)",
		"assumption: well below the SET threshold; NOT FOUND in the sources (the macro's MVM and test system, Wang et al., Nat. Mach. Intell. 2023)"},
	{"read_width", "s", 0, 1, true, "duration of one read pulse (energy only; reads do not advance the clock)",
		"assumption: one ADS8324 acquisition, 4.5–5 DCLOCK cycles at 1.2 MHz ≈ 4.2 µs, rounded up"},
	{"tia_gain", "Ω", 0, 1e9, true, "transimpedance of the column amplifiers",
		"assumption: OPA4322-Q1 feedback resistor (the macro's MVM and test system, Wang et al., Nat. Mach. Intell. 2023) chosen so one ADC LSB is ≈ 0.2 µS at read_voltage and full scale holds ≈ 110 formed cells"},
	{"read_tia_gain", "Ω", 0, 1e9, false, "transimpedance of the column amplifiers in a conductance read (one row at read_voltage: Read, the board's READ); 0 = auto-ranged from tia_gain in ×2 steps (see ReadGain)",
		"assumption: a programmable-gain TIA (switched feedback resistors), as characterisation boards and macros with low-resolution column ADCs use for conductance reads and write-verify; 0 keeps tia_gain wherever one code already resolves lrs_std/4 (lin2025's 14-bit ADC: 0.196 µS per code)"},
	{"adc_bits", "", 4, 24, false, "resolution of the column ADCs (signed two's-complement codes)",
		"TI ADS8324 datasheet: 14-bit (the macro's MVM and test system, Wang et al., Nat. Mach. Intell. 2023 [PRUNE])"},
	{"adc_full_scale", "V", 0, 10, true, "ADC input range ±adc_full_scale",
		"TI ADS8324 datasheet: bipolar input ±V_REF with V_REF ≤ V_CC/2 = 1.8 V"},
	{"input_bits", "", 1, 16, false, "bit planes of a multi-bit MVM input (applied bit-serially)",
		"[ESGNN] run_mutag.sh, run_collab.sh: --n_bit 4 (the macro's MVM and test system, Wang et al., Nat. Mach. Intell. 2023)"},
	{"analog_diff", "", 0, 1, false, "1: each column pair (2k, 2k+1) is subtracted in the analogue domain before one ADC conversion; 0: both columns converted, subtracted digitally",
		"0: the group's test board converts every column, one ADS8324 channel per TIA (Lin et al. 2025 and its sister papers' test system)"},

	{"energy_adc", "J", 0, 1, false, "energy of one ADC conversion",
		"TI ADS8324 datasheet (SBAS172A), features: 5.0 mW at V_CC = 2.7 V and 50 kSPS → 100 nJ per conversion, the datasheet's highest-supply figure (2.5 mW at 1.8 V; '< 3.0 mW' is the 1.8 V figure). A lower bound: the ±1.8 V input range (adc_full_scale) needs V_REF = 1.8 V ≤ V_CC/2, i.e. V_CC = 3.6 V, for which no figure is published (a power law through the two points gives ≈ 8.2 mW, 164 nJ: assumption, not used)"},
	{"energy_tia", "J", 0, 1, false, "TIA energy per column conversion",
		"assumption: OPA4322 quiescent ≈ 1.6 mA/ch × 3.3 V over one 20 µs conversion period"},
	{"energy_dac", "J", 0, 1, false, "energy of one DAC channel update",
		"assumption: ≈ 1 mA × 5 V over a ≈ 5 µs settling time"},

	{"max_form_v", "V", 0, 50, true, "largest forming amplitude the simulator accepts",
		"DAC80508 full scale (the largest pulse the board can make)"},
	{"max_set_v", "V", 0, 50, true, "largest SET amplitude",
		"assumption: 2× vreset_mean; switching never needs more and the cap protects formed cells"},
	{"max_reset_v", "V", 0, 50, true, "largest RESET amplitude", "assumption: as max_set_v"},
	{"min_width", "s", 0, 1, true, "shortest pulse", "assumption: 100 ns board timing resolution"},
	{"max_width", "s", 0, 10, true, "longest pulse", "assumption: 10 ms"},
	{"max_gate", "V", 0, 10, true, "largest word-line voltage (compliance ceiling)",
		"assumption: 2.5 V thick-oxide transistor rating"},
	{"max_cells", "", 0, 1 << 30, false, "cells one pulse may touch (0 = no limit)",
		"random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023: the paper forms whole regions with one pulse"},
}

// lin2025 is the preset of the paper's macro; the sources are in specs.
var lin2025 = Params{
	Rows: 512, Cols: 512,

	PristineG: 1e-7, PristineSpread: 0.3, StuckHRSRate: 1e-3, StuckLRSRate: 1e-3,

	// Wang et al., Nat. Mach. Intell. 5, 104 (2023), Extended Data Fig. 1:
	// 400 ramp breakdown voltages, mean 3.4332 V, σ 0.1144 V, converted to
	// one ref_width pulse by FitRampBreakdown (TestLin2025BreakdownFit).
	VbdMean: 3.6254, VbdStd: 0.1237, RefWidth: 1e-6, FormAccel: 0.17,
	FormAmplitude: 4.12, FormWidth: 1e-6, FormGate: 1.2,

	GateRef: 1.2, TransistorVth: 0.5, TransistorAlpha: 1.3, ComplianceRef: 14.2473e-6 * 0.4,
	GrowthAccel: 0.03, ParasiticCap: 20e-15,
	// ESGNN's 14.2473 ± 2.4624 µS were read through a read path with the
	// read noise of read_noise: the device spread is the measured one with
	// that noise taken out (DeconvolveReadNoise), so that reading the
	// simulated array gives the measured σ back.
	LRSMean: 14.2473e-6, LRSStd: DeconvolveReadNoise(2.4624e-6, 14.2473e-6, 0.02), LRSMin: 2e-6, LRSMax: 100e-6, D2DFraction: 0.5,

	HRSMedian: 1e-6, HRSSpread: 0.4,
	VSetMean: 1.2, VSetStd: 0.1, VSetC2C: 0.05,
	VResetMean: 1.5, VResetStd: 0.1, VResetC2C: 0.05,
	SwitchAccel: 0.03,

	ReadNoise: 0.02, DriftNuLRS: 0.005, DriftNuHRS: -0.01, DriftNuSpread: 0.5, DriftT0: 1,
	WireResistance: 0, TransistorRon: 0, FormedThreshold: 1e-6,

	DACBits: 16, DACFullScale: 5, ReadVoltage: 0.2, ReadWidth: 5e-6, TIAGain: 5600,
	ADCBits: 14, ADCFullScale: 1.8, InputBits: 4, AnalogDiff: 0,

	EnergyADC: 100e-9, EnergyTIA: 1.6e-3 * 3.3 * 20e-6, EnergyDAC: 1e-3 * 5 * 5e-6,

	MaxFormV: 5, MaxSetV: 3, MaxResetV: 3, MinWidth: 100e-9, MaxWidth: 10e-3, MaxGate: 2.5, MaxCells: 0,
}

// presets maps a preset name to its Params and a one-line description.
var presets = map[string]struct {
	p    func() Params
	desc string
}{
	"lin2025": {func() Params { return lin2025 }, "the 40 nm 256 Kb macro of Lin et al. 2025 (512×512), every default sourced or marked assumed"},
	"ideal": {func() Params {
		p := lin2025
		p.ReadNoise, p.DriftNuLRS, p.DriftNuHRS = 0, 0, 0
		p.StuckHRSRate, p.StuckLRSRate, p.WireResistance = 0, 0, 0
		return p
	}, "lin2025 with read noise, relaxation, stuck cells and IR drop switched off (forming statistics kept)"},
}

// Preset returns the parameters of a named preset (see Presets).
func Preset(name string) (Params, error) {
	pr, ok := presets[name]
	if !ok {
		return Params{}, fmt.Errorf("crossbar: unknown preset %q (have %s)", name, strings.Join(Presets(), ", "))
	}
	return pr.p(), nil
}

// Presets returns the preset names, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PresetDescription returns the one-line description of a preset, or "".
func PresetDescription(name string) string { return presets[name].desc }

// fieldIndex maps a JSON name to the index of its Params field.
var fieldIndex = func() map[string]int {
	t := reflect.TypeFor[Params]()
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		m[t.Field(i).Tag.Get("json")] = i
	}
	return m
}()

// value returns the field named by a JSON name as a float64.
func (p *Params) value(name string) float64 {
	f := reflect.ValueOf(p).Elem().Field(fieldIndex[name])
	if f.CanInt() {
		return float64(f.Int())
	}
	return f.Float()
}

func (s paramSpec) isInt() bool {
	k := reflect.TypeFor[Params]().Field(fieldIndex[s.name]).Type.Kind()
	return k == reflect.Int
}

// Validate checks every parameter against its range and the cross-field
// constraints; the error lists one line per bad field.
func (p Params) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("crossbar: param %s: %s", name, fmt.Sprintf(format, args...)))
	}
	badField := map[string]bool{}
	for _, s := range specs {
		v := p.value(s.name)
		lo := "["
		if s.minOpen {
			lo = "("
		}
		if math.IsNaN(v) || v < s.min || (s.minOpen && v == s.min) || v > s.max {
			bad(s.name, "%g outside %s%g, %g]", v, lo, s.min, s.max)
			badField[s.name] = true
		}
	}
	// Cross-field constraints, each reported once under the field it names,
	// and only when the fields involved are individually valid.
	ok := func(names ...string) bool {
		for _, n := range names {
			if badField[n] {
				return false
			}
		}
		return true
	}
	if ok("lrs_min", "lrs_max") && p.LRSMin >= p.LRSMax {
		bad("lrs_min", "%g must be below lrs_max %g", float64(p.LRSMin), float64(p.LRSMax))
	}
	if ok("lrs_mean", "lrs_std") && p.LRSStd >= p.LRSMean {
		bad("lrs_std", "%g must be below lrs_mean %g", float64(p.LRSStd), float64(p.LRSMean))
	}
	if ok("gate_ref", "transistor_vth") && p.GateRef <= p.TransistorVth {
		bad("gate_ref", "%g V must exceed transistor_vth %g V", float64(p.GateRef), float64(p.TransistorVth))
	}
	if ok("max_gate", "transistor_vth") && p.MaxGate <= p.TransistorVth {
		bad("max_gate", "%g V must exceed transistor_vth %g V", float64(p.MaxGate), float64(p.TransistorVth))
	}
	if ok("stuck_hrs_rate", "stuck_lrs_rate") && p.StuckHRSRate+p.StuckLRSRate > 1 {
		bad("stuck_lrs_rate", "stuck_hrs_rate + stuck_lrs_rate = %g exceeds 1", p.StuckHRSRate+p.StuckLRSRate)
	}
	if ok("min_width", "max_width") && p.MinWidth > p.MaxWidth {
		bad("min_width", "%g s exceeds max_width %g s", float64(p.MinWidth), float64(p.MaxWidth))
	}
	for _, c := range []struct {
		name string
		v    units.Volts
	}{{"max_form_v", p.MaxFormV}, {"max_set_v", p.MaxSetV}, {"max_reset_v", p.MaxResetV}, {"max_gate", p.MaxGate}, {"read_voltage", p.ReadVoltage}} {
		if ok(c.name, "dac_full_scale") && c.v > p.DACFullScale {
			bad(c.name, "%g V exceeds dac_full_scale %g V", float64(c.v), float64(p.DACFullScale))
		}
	}
	// The default forming pulse must be one the limits accept.
	if ok("form_amplitude", "max_form_v") && p.FormAmplitude > p.MaxFormV {
		bad("form_amplitude", "%g V exceeds max_form_v %g V", float64(p.FormAmplitude), float64(p.MaxFormV))
	}
	if ok("form_width", "min_width", "max_width") && (p.FormWidth < p.MinWidth || p.FormWidth > p.MaxWidth) {
		bad("form_width", "%g s outside [min_width, max_width] = [%g, %g] s", float64(p.FormWidth), float64(p.MinWidth), float64(p.MaxWidth))
	}
	if ok("form_gate", "max_gate") && p.FormGate > p.MaxGate {
		bad("form_gate", "%g V exceeds max_gate %g V", float64(p.FormGate), float64(p.MaxGate))
	}
	if ok("read_voltage", "dac_full_scale", "dac_bits") {
		if code := math.Round(float64(p.ReadVoltage) / float64(p.DACFullScale) * math.Ldexp(1, p.DACBits)); code < 1 {
			bad("read_voltage", "%g V is below one DAC step", float64(p.ReadVoltage))
		}
	}
	if ok("rows", "input_bits", "adc_bits") && p.Rows > 0 && p.InputBits > 0 && p.ADCBits > 0 {
		// The shift-added code of a multi-bit MVM must fit an int32.
		if (math.Ldexp(1, p.ADCBits-1))*(math.Ldexp(1, p.InputBits)-1) > math.MaxInt32 {
			bad("input_bits", "%d bit planes of %d-bit codes overflow 32-bit sums", p.InputBits, p.ADCBits)
		}
	}
	return errors.Join(errs...)
}

// LoadParams reads a parameter file (ReadParams) and returns its
// parameters.
func LoadParams(r io.Reader) (Params, error) {
	p, _, err := ReadParams(r)
	return p, err
}

// ReadParams reads a parameter file: one JSON object whose keys are the
// JSON names of Params, plus an optional "preset" naming the parameters it
// starts from. With a preset the file may be partial — the fields it gives
// override the preset's ({"preset": "lin2025", "adc_bits": 6} is a valid
// file) — and without one it must give every field (what WriteJSON and
// calibrate/ write). A value is a JSON number in SI units or a string in
// the field's unit as Params.Set reads it ("2ohm", "100ns", "14uS"). It is
// strict: an unknown key (with the nearest known ones), a missing field, a
// value of the wrong type or out of range, and a failed cross-field check
// are each an error naming the key. It returns the preset named ("" if
// none).
func ReadParams(r io.Reader) (p Params, preset string, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Params{}, "", fmt.Errorf("crossbar: reading params: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Params{}, "", fmt.Errorf("crossbar: params: %w", describeJSONError(data, err))
	}
	if raw == nil {
		return Params{}, "", errors.New("crossbar: params: want a JSON object, got null")
	}
	if b, ok := raw["preset"]; ok {
		if err := json.Unmarshal(b, &preset); err != nil {
			return Params{}, "", fmt.Errorf("crossbar: params: \"preset\" must be a preset name string (%s): %w", strings.Join(Presets(), ", "), err)
		}
		if p, err = Preset(preset); err != nil {
			return Params{}, "", fmt.Errorf("crossbar: params: %w", err)
		}
		delete(raw, "preset")
	}
	var errs []error
	var missing []string
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := fieldIndex[k]; !ok {
			errs = append(errs, fmt.Errorf("crossbar: params: %w", unknownKeyError(k)))
		}
	}
	if preset == "" {
		for _, s := range specs {
			if _, ok := raw[s.name]; !ok {
				missing = append(missing, s.name)
			}
		}
	}
	if n := len(missing); n > 0 {
		list := strings.Join(missing, ", ")
		if n > 6 {
			list = fmt.Sprintf("%d of %d: %s, …", n, len(specs), strings.Join(missing[:4], ", "))
		}
		errs = append(errs, fmt.Errorf("crossbar: params: missing field(s) %s; a partial file names its base with \"preset\", e.g. {\"preset\": \"lin2025\", …}",
			list))
	}
	if len(errs) > 0 {
		return Params{}, "", errors.Join(errs...)
	}
	for _, k := range keys {
		b := raw[k]
		var str string
		if json.Unmarshal(b, &str) == nil {
			if err := p.Set(k, str); err != nil {
				errs = append(errs, fmt.Errorf("crossbar: params: %w", err))
			}
			continue
		}
		f := reflect.ValueOf(&p).Elem().Field(fieldIndex[k])
		if err := json.Unmarshal(b, f.Addr().Interface()); err != nil {
			errs = append(errs, fmt.Errorf("crossbar: params: field %s: want a number or a string with a unit: %w", k, describeJSONError(data, err)))
			continue
		}
		if err := specs[specIndex[k]].check(p.value(k)); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return Params{}, "", errors.Join(errs...)
	}
	if err := p.Validate(); err != nil {
		return Params{}, "", err
	}
	return p, preset, nil
}

// describeJSONError adds the byte offset to JSON syntax and type errors.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("byte offset %d: %w", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s at byte offset %d: %w", te.Field, te.Offset, err)
	}
	return err
}

// WriteJSON writes p as one indented JSON object with every field, in the
// order of the struct, which LoadParams reads back exactly.
func (p Params) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("crossbar: encoding params: %w", err)
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("crossbar: writing params: %w", err)
	}
	return nil
}

// WriteJSONPreset writes p as WriteJSON does, every field, preceded by
// "preset": preset to record the base it was derived from (the file stays
// complete: reading it gives p whatever the preset holds).
func (p Params) WriteJSONPreset(w io.Writer, preset string) error {
	if _, err := Preset(preset); err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("crossbar: encoding params: %w", err)
	}
	name, _ := json.Marshal(preset)
	out := append([]byte("{\n  \"preset\": "), name...)
	out = append(out, ',')
	out = append(out, b[1:]...) // b starts with "{"
	out = append(out, '\n')
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("crossbar: writing params: %w", err)
	}
	return nil
}

// ParamInfo is one row of the parameter table.
type ParamInfo struct {
	Name        string  `json:"name"`        // JSON name of the field
	Value       float64 `json:"value"`       // in Unit
	Unit        string  `json:"unit"`        // SI unit symbol, "" for counts and ratios
	Default     float64 `json:"default"`     // the lin2025 value
	Changed     bool    `json:"changed"`     // Value differs from Default
	Description string  `json:"description"` // what the parameter means
	Source      string  `json:"source"`      // where the lin2025 value comes from
}

// Table returns every parameter with its unit, meaning and the source of
// its lin2025 default, in declaration order. Values that differ from
// lin2025 (another preset, a fitted file) are marked Changed.
func (p Params) Table() []ParamInfo {
	def := lin2025
	out := make([]ParamInfo, len(specs))
	for i, s := range specs {
		v, d := p.value(s.name), def.value(s.name)
		out[i] = ParamInfo{Name: s.name, Value: v, Unit: s.unit, Default: d, Changed: v != d,
			Description: s.desc, Source: s.source}
	}
	return out
}

// DefaultForming returns the default forming pulse of p: FormAmplitude for
// FormWidth with the word lines at FormGate. For lin2025 that is one
// RefWidth pulse at ≈ VbdMean + 4·VbdStd and GateRef: it breaks down all but
// ≈ 3·10⁻⁵ of the cells (1 − Φ(4)), a dense reservoir, and forms them at the
// measured conductance statistics. Every experiment forms its reservoirs
// with it, so `--set form_amplitude=3.7V` changes the sparsity and the
// conductances of all of them.
func DefaultForming(p Params) Pulse {
	return Pulse{Mode: Form, Amplitude: p.FormAmplitude, Width: p.FormWidth, Gate: p.FormGate}
}

// Limits returns the safety limits p describes.
func (p Params) Limits() Limits {
	var l Limits
	l.MaxAmplitude[Form], l.MaxAmplitude[Set], l.MaxAmplitude[Reset] = p.MaxFormV, p.MaxSetV, p.MaxResetV
	l.MinWidth, l.MaxWidth, l.MaxGate = p.MinWidth, p.MaxWidth, p.MaxGate
	l.MaxDuty = 1 // assumption: the simulated macro has no thermal budget (no duty-cycle limit)
	l.MaxCells = p.MaxCells
	return l
}

// Geometry returns the array size p describes.
func (p Params) Geometry() Geometry { return Geometry{Rows: p.Rows, Cols: p.Cols} }
