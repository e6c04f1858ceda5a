package lsm

// Stats are the operation and activity counts of encoding, per sample or
// summed over many (Add), named after NeuroBench's metrics (Yik et al.,
// "NeuroBench", Nat. Commun. 2025: synaptic operations split into effective
// ACs and MACs, dense operations, activation sparsity).
//
// A synaptic operation is one weight reaching one neuron. The event-driven
// reservoir does one per (event, target neuron): each active input row and
// each spiking neuron's recurrent row costs N of them, which is the count the
// paper's first author uses for resistive memory ((#non-zero input spikes) ×
// fan-out per step, Lin et al. 2025, abstract). A dense implementation does
// T·(Inputs+N)·N multiply-accumulates per sample whatever the activity
// (the same source's GPU count).
type Stats struct {
	Samples     int64 `json:"samples"`
	Steps       int64 `json:"steps"`        // simulated time steps, Σ T
	InputEvents int64 `json:"input_events"` // Σ_t |x[t]|: active inputs delivered
	Spikes      int64 `json:"spikes"`       // Σ_t |s[t]|: reservoir spikes

	// EffectiveACs are accumulate-only synaptic operations: binary input
	// rows and recurrent spike rows, N each. EffectiveMACs are the
	// multiply-accumulates of multi-valued input rows (Valuer), N each.
	EffectiveACs  int64 `json:"effective_acs"`
	EffectiveMACs int64 `json:"effective_macs"`
	// DenseMACs is what a dense implementation would do: T·(Inputs+N)·N
	// per sample.
	DenseMACs int64 `json:"dense_macs"`

	// Steps that need the synapses at all, which is what event-driven
	// hardware pays for (no event, no read; package cost turns them into
	// array reads). ActiveSteps have at least one active input or one
	// recurrent spike row; ValuedSteps are those whose active inputs
	// carried counts (Valuer), and ValuedRecSteps the valued steps that
	// also had recurrent spike rows. All three are zero when the encoder
	// cannot see individual steps (a whole sample run on a board).
	ActiveSteps    int64 `json:"active_steps"`
	ValuedSteps    int64 `json:"valued_steps"`
	ValuedRecSteps int64 `json:"valued_rec_steps"`

	// With Options.RowBands (the reservoir's rows split over the tile
	// rows of a grid of macros, which skip a tile row with no driven
	// row), BandReads is Σ over the binary reads (steps without count
	// inputs, and the recurrent read of a valued step) of the bands
	// holding at least one driven row, and ValuedBandReads Σ over valued
	// steps of the bands holding an active count input (each read once
	// per input bit plane). Both are zero without RowBands.
	BandReads       int64 `json:"band_reads,omitempty"`
	ValuedBandReads int64 `json:"valued_band_reads,omitempty"`

	Inputs  int `json:"inputs"`
	Neurons int `json:"neurons"`
}

// Add accumulates o into s. Inputs and Neurons are taken from o when s has
// none yet.
func (s *Stats) Add(o Stats) {
	s.Samples += o.Samples
	s.Steps += o.Steps
	s.InputEvents += o.InputEvents
	s.Spikes += o.Spikes
	s.EffectiveACs += o.EffectiveACs
	s.EffectiveMACs += o.EffectiveMACs
	s.DenseMACs += o.DenseMACs
	s.ActiveSteps += o.ActiveSteps
	s.ValuedSteps += o.ValuedSteps
	s.ValuedRecSteps += o.ValuedRecSteps
	s.BandReads += o.BandReads
	s.ValuedBandReads += o.ValuedBandReads
	if s.Inputs == 0 && s.Neurons == 0 {
		s.Inputs, s.Neurons = o.Inputs, o.Neurons
	}
}

// SynOps returns the effective synaptic operations, ACs plus MACs.
func (s Stats) SynOps() int64 { return s.EffectiveACs + s.EffectiveMACs }

// SynOpsPerSample returns SynOps divided by Samples (0 without samples).
func (s Stats) SynOpsPerSample() float64 { return ratio(s.SynOps(), s.Samples) }

// MeanRate returns the mean firing rate in spikes per neuron per step.
func (s Stats) MeanRate() float64 { return ratio(s.Spikes, s.Steps*int64(s.Neurons)) }

// ActivationSparsity returns 1 − MeanRate: the fraction of (neuron, step)
// pairs without a spike (NeuroBench's activation sparsity of the reservoir).
func (s Stats) ActivationSparsity() float64 {
	if s.Steps == 0 || s.Neurons == 0 {
		return 0
	}
	return 1 - s.MeanRate()
}

// InputDensity returns the fraction of (input, step) pairs that carried an
// event.
func (s Stats) InputDensity() float64 { return ratio(s.InputEvents, s.Steps*int64(s.Inputs)) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
