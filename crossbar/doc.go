// Package crossbar is memlsm's one hardware seam, Array, and the simulated
// 40 nm 256 Kb RRAM macro of Lin et al. 2025 behind it, Model.
//
// # The macro
//
// The paper's weights live in a 512×512 array of 1T1R cells (the 40 nm macro, Wang et al., Nat. Mach. Intell. 2023):
// each cell is a TaN/TaOx/Ta/TiN resistor in series with an access
// transistor. Cells in a row share a source line (driven by a DAC), cells
// in a column share a bit line (read by a trans-impedance amplifier and an
// ADC), and the word line of each row drives the transistors' gates. A
// fresh ("pristine") cell is an insulator of about 10 MΩ. The paper does
// not program weights: it applies one electroforming pulse to a whole
// region, each cell breaks down or not according to its own random
// breakdown voltage, and the broken-down cells are left with random
// conductances of about 14.25 ± 2.46 µS, set by the current compliance the
// word-line voltage imposes. Those random conductances, taken in
// differential column pairs G⁺ − G⁻, are the reservoir's weights
// (RandomWeights). The macro multiplies a vector by them in one step: the
// input drives the rows at the read voltage, and each column current is
// Σᵢ Gᵢⱼ·Vᵢ (MVM).
//
// # The seam
//
// Array (array.go) is what everything above this package programs against:
// Geometry, Program (one pulse on a region), Read (conductances through
// the read path), MVM (column currents) and Close. The simulator (*Model),
// the emulated board and a real board implement it; optional capabilities
// (Limiter, Clock, Counter, ReservoirRunner, ReadVoltager) are found by type
// assertion. crossbartest.TestArray is the conformance suite all of them
// pass.
//
// # The simulated macro
//
// Model keeps the state of every cell (pristine, LRS or HRS, its
// conductance, the time it was last programmed) and models, with every
// parameter in Params and every default naming its source (Params.Table):
//
//   - Electroforming as voltage-accelerated time-dependent dielectric
//     breakdown (the E-model of TDDB, an assumption): cell c has a breakdown
//     voltage Vbd_c ~ N(VbdMean, VbdStd) (device to device), and a pulse of
//     amplitude V and width w adds damage D_c += (w/RefWidth)·exp((V −
//     Vbd_c)/FormAccel); the cell forms when D_c ≥ 1. One RefWidth pulse
//     therefore forms exactly the cells with Vbd_c ≤ V: the formed fraction
//     is Φ((V − VbdMean)/VbdStd) and 50 % form at VbdMean. A longer pulse,
//     or several pulses, lower the effective threshold by
//     FormAccel·ln(total width/RefWidth), consistently: two pulses of w
//     form the cells one of 2w forms.
//     lin2025's VbdMean and VbdStd are the breakdown voltages measured on
//     400 cells of the same kind of macro (Wang et al., Nat. Mach. Intell.
//     5, 104 (2023), Extended Data Fig. 1: a ramp from 3 V in 0.05 V steps,
//     3.433 ± 0.114 V) converted to one RefWidth pulse through this same
//     E-model (FitRampBreakdown; the ramp's step dwell, not published, is
//     taken as one RefWidth).
//   - Compliance: the access transistor's saturation current follows the
//     alpha-power law I_cc ∝ (V_gate − Vth)^α, and the filament a forming
//     or SET event leaves has a conductance proportional to I_cc (the
//     familiar R_LRS·I_C ≈ V_C of filamentary RRAM). At GateRef a filament
//     that carried I_cc for one RefWidth has the conductance N(LRSMean,
//     LRSStd) [ESGNN: 14.25 µS, and 2.46 µS as read, i.e. 2.45 µS once
//     the read noise is taken out], clipped to [LRSMin, LRSMax]; at other
//     gates mean and σ scale together. Part D2DFraction of the variance is
//     fixed per device, the rest is redrawn at every switching event.
//   - Forming amplitude and width shape the conductances, not only the
//     sparsity (forming.go): after breaking down t_bd into the pulse, the
//     filament keeps growing at the compliance current, its holding
//     voltage falling by GrowthAccel per e-fold of time (field-driven
//     growth, Ielmini 2011), and the line capacitance ParasiticCap charged
//     to the amplitude discharges through it (the overshoot, Ambrogio et
//     al. 2016): G = k·LRSMean·V_C/(V_C − GrowthAccel·ln(t_eff/RefWidth))
//     with t_eff = (w − t_bd) + ParasiticCap·(V − V_C)/I_cc. Higher or
//     longer pulses form more cells and larger filaments; cells that only
//     just break down carry less charge. PredictForming gives the model's
//     formed fraction and conductance moments in closed form,
//     AmplitudeForFraction the pulse for a target sparsity. The default
//     pulse every experiment forms with is Params' FormAmplitude, FormWidth,
//     FormGate (DefaultForming).
//   - SET and RESET with per-device thresholds (VSetMean ± VSetStd,
//     VResetMean ± VResetStd), cycle-to-cycle jitter (VSetC2C, VResetC2C)
//     and a width dependence through SwitchAccel. RESET leaves a
//     log-normal HRS conductance around HRSMedian.
//   - Stuck cells: a fraction StuckHRSRate never forms or sets, a fraction
//     StuckLRSRate is conducting from the start and ignores every pulse.
//   - Relaxation continuous in time: G(t) = G0·(1 + (t − t_prog)/DriftT0)^(−ν)
//     with ν = DriftNuLRS or DriftNuHRS times a per-device log-normal factor.
//     Time is a virtual clock (Clock): pulses advance it by their width and
//     Wait by its argument; reads and MVMs do not advance it, because a read
//     lasts microseconds against relaxation over seconds to years, and
//     because a clock that only pulses and waits move keeps a board and the
//     simulator in step.
//   - Read noise: every cell's conductance is multiplied by (1 + σ·z) at
//     every read, σ = ReadNoise [ESGNN]. A column sums many cells, and the
//     sum of independent normal terms is normal with variance
//     Σᵢ(σ·Gᵢⱼ·V)², so the model draws one normal per column per read —
//     exactly the same distribution, at the cost of a column, not a cell.
//   - IR drop (off by default, irdrop.go): the row wires (driven from
//     column 0) and column wires (read by TIAs below the last row), with
//     WireResistance per cell pitch and the access transistor's
//     TransistorRon in series with every cell, are solved as a resistive
//     network for the rows each read actually drives, so the drop depends on
//     the input: block Gauss–Seidel with exact line solves, the structure of
//     CrossSim's parasitic solver, checked against a direct solve of the
//     full nodal network (TestWireSolverMatchesNodal). Undriven rows have
//     their word lines off. With WireResistance 0 the read path is the
//     plain conductance sum (and TransistorRon alone makes each cell
//     G/(1 + G·R_on)).
//   - Periphery (Periphery): the 16-bit DAC80508 quantises every voltage
//     (amplitude, gate, read voltage); the column current goes through a
//     TIA of gain TIAGain into a 14-bit two's-complement ADS8324 whose
//     clipping is reported as saturation. One read converts every column
//     of the region in parallel. With AnalogDiff the TIAs of each column
//     pair (2k, 2k+1) subtract the pair's currents before one conversion
//     in MVMs (the even column carries the code, the odd one reads 0; a
//     read stays single-ended), which halves the conversions and keeps the
//     ADC away from full scale; without it the pairs are subtracted
//     digitally, as on the test board. A multi-bit input x ∈ [0, 1] is quantised
//     to InputBits bits and applied bit-serially, one binary read per bit
//     plane, the planes' codes shifted and added digitally [ESGNN], so each
//     plane's quantisation and noise emerge on their own. Read is one
//     one-hot read per row through the same code, so a board that reads row
//     by row gets the same numbers. A conductance read (Read, ReadCodes)
//     may use another TIA gain than the MVMs (ReadTIAGain; ReadGain): an
//     MVM's range holds ≈ 100 cells, so at a few ADC bits one cell would
//     read as code 0, and a board or macro with such an ADC switches its
//     TIA to a higher gain to read conductances. With ReadTIAGain 0 the
//     gain is auto-ranged from TIAGain in ×2 steps while one code is
//     coarser than LRSStd/4 and full scale still holds LRSMax (an
//     assumption); lin2025's 14-bit ADC keeps TIAGain, a 6-bit one reads
//     at 8 × TIAGain (6.3 µS per code).
//   - Counters (Counter): pulses, cell reads, MVMs, ADC conversions, DAC
//     updates and saturations, and their energy: the physics (V·I·t of
//     every cell under a pulse or a read) plus EnergyADC, EnergyTIA per
//     conversion and EnergyDAC per DAC update.
//
// # Overriding parameters
//
// Every field of Params has a key, its JSON name, and Params.Set changes
// one from a string in the field's unit ("2ohm", "100ns", "3.5V", "14uS",
// "5%"); an unknown key is one error naming the nearest keys, a value out
// of range one error naming the range. Settings is the repeatable
// `--set key=value` flag, applied by Params.Apply (which checks the
// cross-field constraints once all are set). A parameter file may be
// partial when it names its base, {"preset": "lin2025", "adc_bits": 6}
// (ReadParams); WriteJSONPreset writes the complete file.
//
// # Reproducible randomness
//
// Every random number of the model is a pure function of (seed, what is
// drawn, the cell or column index, that cell's or column's own operation
// count), computed by hashing the key with SplitMix64's finaliser (normal
// draws run the Marsaglia–Tsang ziggurat on hashes of the same key) —
// there is no random stream. A cell's breakdown voltage,
// stuck flag and device factors depend only on (seed, cell); the
// conductance it takes at its k-th pulse only on (seed, cell, k); the noise
// of a column's k-th conversion only on (seed, column, k). Results
// therefore do not depend on how operations are batched or split: reading a
// region in one call or in row and column chunks (rows in ascending order
// per column) gives bit-identical conductances, and forming it in one pulse
// or block by block leaves identical cells (only the extra pulse time
// shows, through relaxation). That is what lets the emulated board,
// whose firmware reads row by row, match the simulator exactly for the
// same seed.
//
// # Tiling: reservoirs larger than one macro
//
// The paper's neural↔visual encoders have 2048 neurons: 192+2048 rows ×
// 4096 columns and 784+2048 rows × 4096 columns in differential form,
// far beyond one 512×512 macro (Lin et al. 2025, the authors' Gaussian weight simulation). Tiled is a grid of Arrays
// — simulated macros (NewTiledModels) or boards — that is itself an
// Array, so everything above this package runs such a reservoir unchanged.
// What crosses a tile boundary is digital, as on hardware: each tile
// drives its own rows and converts its own columns with its own ADC (its
// own noise, quantisation and saturation), and the host sums the row
// tiles' digitised partial column currents. A tile row with no driven row
// is not asked (event-driven). GridFor says how many macros a region
// needs (5×8 = 40 and 6×8 = 48 for the two BTV encoders), PlacementOf
// which weights sit on which macro and how well each is used, and
// TileCounters each macro's own operation counts. Tile k of a simulated
// grid is seeded TileSeed(seed, k) — seed itself for tile 0, so a
// reservoir that fits one macro is unchanged — and an emulated board
// seeded the same way is the same macro, so a grid of simulated macros, of
// emulated boards in process and of emulated boards on serial ports give
// the same numbers bit for bit.
//
// A reservoir spread over several tiles cannot run whole samples on one
// board: every neuron's current is a sum over row tiles, and every spike is
// an input of every tile at the next step. Tiled.RunReservoir therefore
// runs the time-step loop on the host — one MVM per tile per step, all
// tiles at once, partial sums accumulated and the neurons updated on the
// host — and hands a layout that lies on a single tile to that tile's own
// ReservoirRunner.
//
// # Weights for the LSM
//
// A ReservoirLayout puts In input rows and N recurrent rows over 2N columns
// (neuron j on the pair 2j, 2j+1). RandomWeights forms the region with one
// pulse, reads it once and returns (G⁺ − G⁻)/GUnit (read-once mode, what
// lsm.Dense takes). Synapses instead runs every time step's product as an
// MVM on the array (in-memory mode), and ReservoirRunner runs a whole
// sample next to the array, as the paper's FPGA did.
package crossbar
