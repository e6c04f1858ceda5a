// Package lsm is the liquid state machine encoder of memlsm: a fixed, random
// reservoir of spiking neurons that turns binned event data into spike-rate
// features for small trained heads (Lin et al. 2025, the LSM encoder).
//
// # The reservoir
//
// A liquid state machine is a recurrent network that is never trained. Its
// N leaky integrate-and-fire (LIF) neurons receive the input events through
// random weights W_in and each other's spikes through random weights W_rec;
// the spiking activity it settles into is a rich, non-linear function of the
// recent input, and a linear readout of that activity is enough to classify
// it. In the paper the random weights are the conductances that stochastic
// electroforming leaves in a resistive-memory array, scaled by one gain.
//
// Each neuron follows, at every time step t = 0 … T−1 (Lin et al. 2025, the authors' LIF code):
//
//	I[t] = Gain·(W_in·x[t] + W_rec·s[t−1]) (+ Bias)
//	v[t] = Decay·v[t−1]·(1 − s[t−1]) + I[t]
//	s[t] = 1 if v[t] > Threshold else 0          (strict)
//
// starting from v = s = 0. The reset is "hard" and applies to the decayed
// memory only: the step after a spike starts from zero plus that step's own
// input, so there is no refractory step. x[t] is the input frame at step t
// (binary events, or counts through the optional Valuer interface).
//
// # Features
//
// The readout features are spike rates, Σ_t s[t] / T per neuron, as in the
// paper; the final membrane potential is not used. With Config.Windows = K
// the T steps are split into K equal windows and each window contributes its
// own rate per neuron (K·N features), which keeps some of the temporal order
// a single rate throws away. Features go into caller-provided float32
// slices.
//
// # Event-driven cost
//
// Event data are sparse (N-MNIST in the paper's 50 frames of 16×16 OFF
// events, 6 ms bins: 8.7 % of the 256 inputs active per step; reservoirs
// fire a few percent of their neurons per step), so the encoder only pays
// for events. At each step it adds the
// weight row of every active input and of every neuron that spiked at the
// previous step — (|x[t]| + |s[t−1]|)·N synaptic operations instead of the
// (Inputs + N)·N multiply-accumulates of a dense matrix product — and one
// fused pass then updates the membranes, applies the threshold and collects
// the new spike list. Stats reports these counts with NeuroBench's names
// (effective ACs and MACs, dense MACs, activation sparsity), so accuracy and
// operation counts come out of the same run.
//
// # Read-once and in-memory modes
//
// The weights reach the encoder through the small Synapses interface.
//
//   - Read-once (simulation speed): the conductances are read from the array
//     once (crossbar.RandomWeights) or drawn in software (Gaussian) and held
//     in a *Dense. The encoder recognises *Dense, folds the gain into its own
//     copy of the weights and runs the fused event-driven kernel, without
//     allocating, on every core.
//   - In-memory (hardware in the loop): every step's multiply runs on the
//     array itself — crossbar.Synapses implements Synapses by driving the
//     active rows and reading the column currents — so the same code runs
//     against the simulator, the emulated board and a real board, noise and
//     all. A step with no events and no spikes asks the array nothing. Such
//     a Synapses is called from one goroutine unless it declares
//     Concurrent() == true.
//
// # Gain
//
// The paper grid-searched its "weight constant" (the gain) per dataset. The
// gain sets how hard events drive the reservoir: too low and neurons barely
// fire, too high and they fire whatever the input. Calibrate replaces the
// grid search with a principled default: it finds, by bisection on a log
// scale over a small calibration subset, the gain that puts the mean firing
// rate into DefaultBand (0.04–0.12 spikes per neuron per step; see its
// documentation for the argument and the measurement behind it).
//
// # Determinism and speed
//
// Everything is float32, in a fixed order of operations, with products
// rounded before they are added (no fused multiply-add), so results are
// bit-identical across worker counts, kernels and architectures; the tests
// check the fast path spike for spike against a literal dense
// implementation of the equations above. Encode parallelises over samples
// with GOMAXPROCS workers and writes results by sample index. The portable
// kernel keeps blocks of eight neurons' sums in registers while walking the
// active rows; on amd64 with AVX2 an assembly kernel does the same for 64
// neurons in eight 256-bit registers and runs the LIF update eight lanes at
// a time (Kernel reports which one runs; -tags purego disables it).
//
// # Use
//
// Pick a paper preset (Preset), give it weights (NewDense, Gaussian, or a
// crossbar.Synapses), build an Encoder with New and call Encode on binned
// samples (anything with Steps and Active, such as events.Frames or Raster).
package lsm
