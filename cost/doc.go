// Package cost turns an LSM workload into energy, latency and area per
// inference on the hardware that could run it, so that every experiment is
// also a co-design experiment: what would this reservoir, at this
// accuracy, cost on the test board, on a chip, on digital hardware?
//
// # Four systems, one workload
//
// A Workload is one inference: the reservoir(s) it runs and its trained
// head. A Reservoir holds the work of one LSM encoder per inference, in
// the two currencies the systems pay in:
//
//   - array work: reads (one read drives the active rows and converts
//     every column of the layout once, or one difference per column pair
//     when the macro subtracts pairs before the ADC, Macro.AnalogDiff),
//     row activations (rows driven, summed over reads), the layout's
//     columns (2N: differential pairs), on a grid of macros the tile rows
//     each read converts (a grid skips tile rows with no driven row), the
//     mean conductance of the layout's cells;
//   - digital work: effective synaptic operations (one weight reaching one
//     neuron, lsm.Stats' EffectiveACs and EffectiveMACs), the dense MACs a
//     dense implementation would do, neuron updates (steps × N).
//
// NewReservoir derives both from lsm.Stats, so read-once experiments,
// which never run the array, still get what the chip would spend: the
// event-driven schedule reads at the steps with an input event or a
// recurrent spike (lsm.Stats.ActiveSteps), as the in-memory mode does;
// the on-board runner reads every step. Evaluate prices the workload on
//
//   - Board: the discrete test system of Lin et al. 2025 as built — a
//     DAC80508 sets the levels, CD4051B multiplexers loaded through
//     SN74HC595 shift registers select each line's level, OPA4322-Q1
//     trans-impedance amplifiers and 14-bit ADS8324 ADCs convert the
//     columns, a Zynq SoC runs the neurons and the head. A read shifts
//     the row pattern in, lets lines and amplifiers settle, and converts
//     the columns in rounds of Board.Channels at the ADS8324's 50 kSPS,
//     which sets the latency; energy is the conversions, the cells, the
//     shift registers and the static power of amplifiers, DAC and SoC
//     over that latency. How many ADC channels the board has is not
//     published: 64 is an assumption.
//   - Chip: the same array projected as a 40 nm macro, in the style of
//     NeuroSim's subarray estimates: row drivers charge the active rows'
//     lines, cells conduct for ChipTech.ReadTimeS (energy G·V²·t at the
//     layout's actual mean conductance), per-column sample-and-holds, SAR
//     ADCs shared by AdcShare columns at a Walden figure of merit, a
//     digital subtract-and-LIF unit; area from cell size, ADC size (∝
//     2^bits) and peripheral slices. The ADC resolution follows the
//     simulated macro's adc_bits, so accuracy and cost see one converter.
//   - Digital: a 45 nm digital design running the same reservoir, priced
//     by Horowitz's ISSCC 2014 table (add, multiply, SRAM read scaled with
//     size, DRAM): event-driven (one add and one weight read per synaptic
//     operation) and dense (a MAC and a weight read per weight per step).
//   - GPU: dense MACs and neuron updates at the per-operation energy of
//     the group's own GPU accounting (ESGNN, Wang et al. 2023, fig. 2g:
//     7.38e-5 J for 153,521,450 operations), with A100-class throughput and
//     a kernel launch per step for latency.
//
// The head (linear probe, MLP or a contrastive tower) runs on digital
// arithmetic on every system (on the board's SoC processor).
//
// # Ratios and the paper's claims
//
// Ratios divides the energies per inference (equal work, so the inverse
// ratio of energy efficiencies), for the whole inference and for the
// reservoir alone. Lin et al. 2025 claim 23.34× and 160× "energy
// efficiency over cutting-edge digital hardware" without saying which
// hardware, task or accounting; the ratios here let a reader see which
// assumptions reach such factors (the chip's ADC resolution and sharing,
// dense versus event-driven digital, GPU per-operation energy) and which
// do not (the board as built is far above every digital figure).
//
// # Technology description
//
// Every per-operation figure is a field of Tech, with its unit, range and
// source (a datasheet and its table, a published table, or "assumption")
// in Table; Set takes "key=value" overrides with units ("cost.chip.adc_fom_j=10fJ",
// "cost.board.channels=32") and LoadTech a partial JSON file over Default.
// `memlsm cost params` prints the table; every result records its
// Workload, so `memlsm cost price RESULT.json --set …` prices the same
// inference again on other technology without rerunning the experiment
// (ReadWorkload), and sweeps take cost keys as axes.
//
// # Counted versus modelled
//
// When an experiment runs on the array (in-memory or on-board), the
// array's crossbar.Counters over the encodings are reported beside the
// model (Count): the ADC conversions and cell reads agree exactly for
// binary inputs (measured on N-MNIST: 19,996,400 conversions both ways),
// the cells' read energy within the spread of conductances (the model
// prices every cell at the layout's mean as read once, which a coarse ADC
// biases: +10 % at 8 bits). With analog_diff the conversions are one per
// pair on both sides, and on a grid of macros the encoder counts the tile
// rows each read drives (lsm.Options.RowBands), so the two agree there too.
// Count inputs (audio) differ by construction — a count's bit planes are
// priced as half set — and so does an on-board run on a grid (the host
// skips tile rows without driven rows at steps the model cannot see: its
// figure is an upper bound there).
package cost
