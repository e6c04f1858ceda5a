// Package sweep runs design-space sweeps of memlsm's experiments — accuracy
// and cost over a grid (or a random or Latin-hypercube sample) of hardware
// and network choices, every point repeated over seeds because one macro is
// one draw — on one machine or as a Slurm job array, with the same table
// either way.
//
// # From a spec to a table
//
// A sweep goes spec → design → points → runner → table:
//
//   - The Spec (YAML or JSON) names a base run — the experiment, classify or
//     zeroshot, with its data, protocol, macro, encoder and head — the axes
//     that vary, the design that draws points from them, and the replicate
//     seeds.
//   - NewPlan draws the points and checks every point's run before anything
//     runs, so a misspelt knob or an out-of-range value is one error up
//     front, not a failure an hour in.
//   - Run executes tasks, (point, seed) pairs, through the library (one
//     experiment.Classify or experiment.ZeroShot call each, never a
//     subprocess), with the datasets opened once and shared by every point
//     (Data).
//   - Merge turns the finished tasks into one tidy table (NewTable): one row
//     per task, every axis and every result field a column; CSV (through
//     gota) and Parquet, a per-point Summary (mean, std and the 95 %
//     t-interval over seeds), and plots (the metric against each axis, and
//     the metric–energy Pareto front).
//
// # The spec
//
//	name: nmnist-adc-noise-stuck
//	run:                          # the base run: run keys (RunKeys)
//	  experiment: classify        # or zeroshot (images, audio, seen, unseen, …)
//	  data: nmnist:data/NMNISTsmall    # any source (memlsm data -h)
//	  cv: 5
//	  mode: in-memory             # read-once, in-memory, on-board
//	  set: {wire_resistance: 0}   # macro parameters over the preset (as --set)
//	  head: {linear: {epochs: 40}}
//	axes:
//	  - name: adc_bits            # a macro parameter (crossbar.Params JSON name)
//	    values: [6, 8, 10, 14]
//	  - name: read_noise
//	    range: {from: 0.01, to: 0.1, n: 3, log: true}
//	  - name: stuck_rate          # one axis setting two knobs to one value
//	    keys: [stuck_hrs_rate, stuck_lrs_rate]
//	    values: [0.001, 0.01]
//	  - name: lsm.neurons         # lsm.X is encoder.reservoir.X
//	    values: [100, 200]
//	  - name: form_width          # the forming pulse: form_amplitude, form_width, form_gate
//	    range: {from: 200ns, to: 5us, n: 3, log: true}
//	  - name: age                 # the array this long after forming (drift); drift_comp: true compensates
//	    values: [1s, 1d, 1y]
//	  - name: cost.chip.adc_share # cost.X is a cost-model key (memlsm cost params)
//	    values: [1, 8]
//	design: grid                  # or {kind: lhs, points: 40, seed: 1}, {kind: random, …}
//	seeds: [1, 2]                 # or a count (seeds: 3 → 1, 2, 3) or {first: 10, n: 5}
//
// An axis's name is its column; its knob is the name itself or, for an
// axis that moves several knobs together, its keys. A knob is a run key
// (mode, cv, per_class, lsm_preset, binning, …), a field inside a run
// key's object ("encoder.reservoir.decay", "head.linear.lr",
// "features.raw"; "lsm.X" is short for "encoder.reservoir.X"), a cost-model
// key ("cost.…", package cost), or else a macro parameter, set exactly as
// the command line's --set does (crossbar.Params.Set: units, percentages,
// ranges). The run keys preset and params name the macro's base (a params
// file may be partial over its own preset), set fixes parameters for every
// point, and age and drift_comp age the array (experiment.Macro). Values
// are a list (numbers, booleans, strings such as "in-memory" or "100ns")
// or a range from…to with n values or a step, linear or log-spaced;
// "int: true" rounds. A quantity string ("100ns", "3.2V", "1d") becomes a
// number in base SI units in the table. Random and Latin-hypercube designs
// draw list axes uniformly among their values and range axes continuously
// (log-uniformly for log ranges) from a seeded stream, so a design is the
// same everywhere.
//
// Every point runs once per replicate seed, and the seed is the
// experiment's seed (the simulated macro, the folds, the head): every point
// sees the same macro draw for a given seed (common random numbers), so
// differences between points are the knobs' and not the draw's. A task is
// deterministic for its point and seed.
//
// # Columns
//
// The table does not know the result types: Flatten walks a result's JSON
// and every number or boolean becomes a column named by its dotted path
// ("accuracy", "macro.regions.0.g_mean_us", "cost.chip.energy_j"), so a
// field added to a result tomorrow is a column tomorrow. DefaultExclude
// drops the configuration echoed back in results (the axes are its
// columns) and per-fold and per-class detail; Columns.Include and
// Columns.Exclude adjust it. Wall-clock fields (Volatile) are never
// columns — a table must not depend on where or how fast it was made — and
// go to timings.csv instead.
//
// # Resuming, sharding, Slurm
//
// Run journals every finished task atomically in its results folder
// (runs/), so a sweep killed at any moment and started again skips what is
// done, and its table is byte for byte the one an uninterrupted run gives:
// the table is built from the journal alone, in task order. A folder
// belongs to one sweep (Plan.ID); a changed spec is refused rather than
// mixed in.
//
// Shard I/N runs tasks k with k mod N = I (0 ≤ I < N), and writes the part
// file parts/part-I-of-N.jsonl when done; Merge checks that the parts hold
// every task once and writes the same table a single run would. Under
// Slurm the shard defaults to SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT.
// Slurm writes the sbatch script of a job array (one task per shard) and
// a merge job that depends on it, submits both, and on a re-submission
// submits only the shards whose part is missing.
package sweep
