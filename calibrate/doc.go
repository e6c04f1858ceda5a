// Package calibrate characterises a resistive-memory array and fits the
// simulator's device model to what it measured: measure → fit → simulate.
//
// # Why
//
// Before a lab trusts a simulator it measures its own devices. The paper's
// reservoir weights are the conductances that electroforming leaves in a
// 40 nm 1T1R macro (the 40 nm macro, Wang et al., Nat. Mach. Intell. 2023): how many cells break down at a given
// voltage, what conductance they take, how noisy a read is and how the
// conductances relax decide what the liquid state machine computes.
// crossbar.Model simulates all of it from crossbar.Params; this package
// measures those parameters on any crossbar.Array — the simulator, the
// emulated board, a real board — and writes a crossbar.Params that every
// --params flag loads.
//
// # Experiments
//
// Each experiment works on its own block of cells, fresh (pristine) when
// it starts, and returns data tables (gota DataFrames, written as CSV),
// an analysis recomputed from those tables, and PNG figures (gonum/plot):
//
//   - form (FormConfig): the form-finder. Every cell of a block gets a
//     staircase of forming pulses until it reads as formed, as in the
//     ESGNN sweeps (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023, 0.05 V steps). The step that formed a
//     cell is its apparent breakdown voltage. Because the model's forming
//     law accumulates voltage-accelerated damage, every step stresses the
//     cell and the ramp breaks cells down below their one-pulse breakdown
//     voltage; FormAnalysis inverts the law exactly (an interval-censored
//     maximum-likelihood fit) to recover the model's VbdMean and VbdStd.
//   - switch (SwitchConfig): switching probability. One pulse per fresh
//     cell at each amplitude and width, for forming (pristine cells) and
//     SET (cells formed and reset first). A normal CDF fitted by binomial
//     maximum likelihood gives V50 with a confidence interval and the
//     spread; V50 against ln(width) gives the voltage acceleration
//     (FormAccel, SwitchAccel).
//   - conductance (ConductanceConfig): one forming pulse over a block, as
//     the paper makes its random weights; the conductance map and its
//     distribution (normal against log-normal by AIC); the formed
//     fraction; and a set/reset test that finds stuck cells.
//   - noise (NoiseConfig): repeated reads of formed cells; relative read
//     noise per cell with ADC quantisation removed, and its dependence on
//     conductance.
//   - drift (DriftConfig): conductance against time after programming,
//     formed and reset cells side by side, with the model's power-law
//     relaxation fitted.
//   - iv (IVConfig): I–V sweeps of selected cells through the read path
//     (MVM at fractions of the read voltage).
//
// Config holds every experiment's configuration; a zero field means a
// default derived from the base parameters (the preset or parameter file
// the fit starts from), documented on each field. Layout gives every
// experiment its own band of columns, so that `all` fits on a 512×512
// array and an experiment's results do not depend on which others ran.
//
// # Safety
//
// Experiments touch the array only through a session that checks every
// pulse against the array's limits (crossbar.Limiter, else the base's)
// before sending it, splits pulses larger than Limits.MaxCells, and paces
// pulses to keep Limits.MaxDuty. Every experiment's Plan lists the
// operations it will perform; CheckPlan checks a whole plan before the
// first pulse, and DryRun plans and checks without touching anything.
//
// # Results folders, resume and interruption
//
// Run writes into a folder: manifest.json (board, base, seed, geometry,
// limits, and each experiment's status, configuration, cells and
// operation counts), base.json (the base parameters), one sub-folder per
// finished experiment (result.json, CSV tables, PNG figures), and
// report.md and report.html. Each experiment's folder appears atomically
// when it finishes, so cancelling the context (Ctrl-C) keeps every
// finished experiment; running again resumes, skipping what is done.
// A changed configuration of a finished experiment is an error (use a
// fresh folder, or delete that experiment's sub-folder to measure it
// again); an interrupted experiment is measured again from scratch — on
// fresh cells when the array keeps its state between runs
// (Options.Persistent, a real board).
//
// Load reads a folder back, recomputing every analysis from the CSVs, and
// Fit (or FitDir) turns the results into a complete crossbar.Params:
// fitted fields where an experiment measured them, the base's elsewhere,
// and a FitReport saying which is which and cross-checking experiments
// against each other. Report renders the folder as Markdown and as a
// self-contained HTML page; Replot redraws the figures from the CSVs
// (edited, or written by another instrument in the same columns).
//
// # Closing the loop
//
// Compare repeats a folder's experiments — same configurations, cells
// and seed — on a simulator made from the fitted parameters and pairs
// every measured quantity with its simulated twin: a model that captures
// the device reproduces its statistics within their sampling error. The
// memlsm command adds the application-level comparison: `memlsm calibrate
// compare DIR --data SRC` classifies SRC on the measured device and on the
// fitted simulator with the same seed (for a real board, whose calibrated
// cells cannot host a reservoir, `memlsm classify --board PORT` on fresh
// cells against `memlsm classify --params fitted.json`).
//
// # Randomness
//
// The experiments draw no random numbers except the seeded shuffle that
// assigns amplitudes to rows in the switch experiment (so amplitude is
// not confounded with position). A simulated array is deterministic for
// its seed, so a whole run is: the same seed gives byte-identical CSVs.
package calibrate
