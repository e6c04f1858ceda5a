package lsm

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Options tune how an Encoder runs; they never change its results. The zero
// value (or a nil *Options) is the default.
type Options struct {
	// Workers is the number of goroutines encoding samples in parallel;
	// 0 means runtime.GOMAXPROCS(0). A Synapses that does not declare
	// itself Concurrent always gets one worker.
	Workers int
	// Progress, if non-nil, is told about every finished sample (Add(1)),
	// from the workers' goroutines, so it must be safe for concurrent use
	// (internal/progress.Bar is).
	Progress interface{ Add(n int) }
	// RowBands, if set, splits the reservoir's rows (input i is row i,
	// neuron k row Inputs+k) into bands, each starting at one of its
	// ascending entries (band 0 starts at row 0), and Stats.BandReads /
	// ValuedBandReads count the bands each read drives: the tile rows a
	// grid of macros converts (crossbar.Tiled). It changes no feature.
	RowBands []int
}

// Encoder turns binned samples into spike-rate features with a fixed
// reservoir. It is safe for concurrent use; Encode already parallelises
// across samples.
type Encoder struct {
	cfg      Config
	syn      Synapses
	w        []float32 // gain-scaled W_in then W_rec rows (read-once mode), nil otherwise
	lp       lifParams
	gin      float32 // gains of the generic path
	grec     float32
	workers  int
	progress interface{ Add(n int) }
	bands    []int32   // Options.RowBands
	pool     sync.Pool // *scratch
	// serial is held around every sample when the Synapses is not
	// Concurrent, so even concurrent EncodeSample calls reach it one at a
	// time.
	serial *sync.Mutex
}

// scratch is one worker's state; nothing in the step loop allocates.
type scratch struct {
	u          []float32 // membrane potential after reset, v·(1−s)
	cur, cur2  []float32 // currents of the generic path
	offs       []int32   // weight-row offsets of the current step (read-once mode)
	spkA, spkB []int32   // spike lists of the previous and the current step
	counts     []int32   // spike counts, window-major
	hit        []bool    // bands driven by the current read (Options.RowBands)
}

// New returns an encoder for the reservoir cfg whose weights syn delivers.
// With a *Dense it runs the fused event-driven kernel on its own gain-scaled
// copy of the weights (read-once mode; later changes to the Dense are not
// seen). Any other Synapses is asked for the currents of every step
// (in-memory mode), and the gain multiplies the sum it returns:
// float32(g·Σw) there, Σ float32(g·w) in read-once mode — equal to float32
// rounding, and bit for bit when g is a power of two. With InGain ≠ RecGain
// the in-memory mode needs two Current calls per step (one per matrix).
func New(cfg Config, syn Synapses, opt *Options) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if syn == nil {
		return nil, fmt.Errorf("lsm: nil Synapses")
	}
	if syn.Inputs() != cfg.Inputs || syn.Neurons() != cfg.Neurons {
		return nil, fmt.Errorf("lsm: synapses have %d inputs × %d neurons, config wants %d × %d",
			syn.Inputs(), syn.Neurons(), cfg.Inputs, cfg.Neurons)
	}
	if opt == nil {
		opt = &Options{}
	}
	e := &Encoder{
		cfg:      cfg,
		syn:      syn,
		lp:       lifParams{decay: float32(cfg.Decay), bias: float32(cfg.Bias), th: float32(cfg.Threshold)},
		gin:      float32(cfg.InputGain()),
		grec:     float32(cfg.RecurrentGain()),
		workers:  opt.Workers,
		progress: opt.Progress,
	}
	if e.workers <= 0 {
		e.workers = runtime.GOMAXPROCS(0)
	}
	for k, b := range opt.RowBands {
		if b <= 0 || b >= cfg.Inputs+cfg.Neurons || k > 0 && b <= opt.RowBands[k-1] {
			return nil, fmt.Errorf("lsm: row bands %v: want ascending rows inside (0, %d)", opt.RowBands, cfg.Inputs+cfg.Neurons)
		}
		e.bands = append(e.bands, int32(b))
	}
	if d, ok := syn.(*Dense); ok {
		if int64(d.in+d.n)*int64(d.n) > math.MaxInt32 {
			return nil, fmt.Errorf("lsm: reservoir of %d inputs × %d neurons exceeds 2³¹ weights", d.in, d.n)
		}
		// The gain is folded into the copy the way the paper's code folds
		// const into the weights: float32(const)·w in float32.
		e.w = make([]float32, len(d.w))
		split := d.in * d.n
		for i, x := range d.w[:split] {
			e.w[i] = e.gin * x
		}
		for i, x := range d.w[split:] {
			e.w[split+i] = e.grec * x
		}
	} else if c, ok := syn.(Concurrent); !ok || !c.Concurrent() {
		e.workers = 1
		e.serial = new(sync.Mutex)
	}
	n, in := cfg.Neurons, cfg.Inputs
	e.pool.New = func() any {
		s := &scratch{
			u:      make([]float32, n),
			spkA:   make([]int32, n),
			spkB:   make([]int32, n),
			counts: make([]int32, cfg.Features()),
			hit:    make([]bool, len(e.bands)+1),
		}
		if e.w != nil {
			s.offs = make([]int32, 0, in+n)
		} else {
			s.cur = make([]float32, n)
			s.cur2 = make([]float32, n)
		}
		return s
	}
	return e, nil
}

// Config returns the encoder's configuration.
func (e *Encoder) Config() Config { return e.cfg }

// Features returns the length of one sample's feature vector.
func (e *Encoder) Features() int { return e.cfg.Features() }

// Workers returns the number of goroutines Encode uses at most.
func (e *Encoder) Workers() int { return e.workers }

// EncodeSample encodes one sample into feat (length Features()) and returns
// its counts. It does not allocate once the encoder is warm.
func (e *Encoder) EncodeSample(ctx context.Context, in Input, feat []float32) (Stats, error) {
	if len(feat) != e.Features() {
		panic(fmt.Sprintf("lsm: EncodeSample: len(feat) = %d, want %d", len(feat), e.Features()))
	}
	if err := ctx.Err(); err != nil {
		return Stats{}, fmt.Errorf("lsm: %w", err)
	}
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	st, err := e.run(ctx, s, in, feat)
	if err != nil {
		return Stats{}, fmt.Errorf("lsm: %w", err)
	}
	if e.progress != nil {
		e.progress.Add(1)
	}
	return st, nil
}

// Encode encodes inputs[i] into feats[i*F:(i+1)*F], F = Features(), in
// parallel over samples, and returns the counts summed over all samples; if
// stats is non-nil (length len(inputs)) it also receives each sample's
// counts. The results are bit-identical for any number of workers. ctx is
// checked between samples; on an error or cancellation Encode stops handing
// out samples and returns the error of the lowest-numbered failed sample,
// leaving the features of samples it did not finish unspecified.
func (e *Encoder) Encode(ctx context.Context, inputs []Input, feats []float32, stats []Stats) (Stats, error) {
	f := e.Features()
	if len(feats) != len(inputs)*f {
		panic(fmt.Sprintf("lsm: Encode: len(feats) = %d, want %d samples × %d", len(feats), len(inputs), f))
	}
	if stats != nil && len(stats) != len(inputs) {
		panic(fmt.Sprintf("lsm: Encode: len(stats) = %d, want %d", len(stats), len(inputs)))
	}
	workers := min(e.workers, len(inputs))
	type result struct {
		total  Stats
		errAt  int
		err    error
		cancel error
	}
	results := make([]result, max(workers, 1))
	var next atomic.Int64
	var stop atomic.Bool
	work := func(r *result) {
		s := e.pool.Get().(*scratch)
		defer e.pool.Put(s)
		r.errAt = len(inputs)
		for !stop.Load() {
			i := int(next.Add(1) - 1)
			if i >= len(inputs) {
				return
			}
			if err := ctx.Err(); err != nil {
				r.cancel = err
				stop.Store(true)
				return
			}
			st, err := e.run(ctx, s, inputs[i], feats[i*f:(i+1)*f])
			if err != nil {
				r.errAt, r.err = i, err
				stop.Store(true)
				return
			}
			if stats != nil {
				stats[i] = st
			}
			r.total.Add(st)
			if e.progress != nil {
				e.progress.Add(1)
			}
		}
	}
	if workers <= 1 {
		work(&results[0])
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { work(&results[w]) })
		}
		wg.Wait()
	}
	total := Stats{Inputs: e.cfg.Inputs, Neurons: e.cfg.Neurons}
	var first *result
	var cancel error
	for k := range results {
		r := &results[k]
		total.Add(r.total)
		if r.err != nil && (first == nil || r.errAt < first.errAt) {
			first = r
		}
		if r.cancel != nil {
			cancel = r.cancel
		}
	}
	if first != nil {
		return total, fmt.Errorf("lsm: sample %d: %w", first.errAt, first.err)
	}
	if cancel != nil {
		return total, fmt.Errorf("lsm: encoding stopped after %d of %d samples: %w", total.Samples, len(inputs), cancel)
	}
	return total, nil
}

// run encodes one sample with the worker state s.
func (e *Encoder) run(ctx context.Context, s *scratch, in Input, feat []float32) (Stats, error) {
	if e.serial != nil {
		e.serial.Lock()
		defer e.serial.Unlock()
	}
	cfg := &e.cfg
	n, nin, T := cfg.Neurons, cfg.Inputs, cfg.Steps
	clear(s.u)
	clear(s.counts)
	prev, next := s.spkA[:0], s.spkB[:n]
	steps := min(in.Steps(), T)
	valuer, _ := in.(Valuer)
	st := Stats{
		Samples:   1,
		Steps:     int64(T),
		DenseMACs: int64(T) * int64(nin+n) * int64(n),
		Inputs:    nin,
		Neurons:   n,
	}
	var inEvents, valued, recRows, spikes int
	var active, valuedSteps, valuedRec int
	var bandReads, valuedBands int
	for t := range T {
		var act []int32
		var vals []float32
		if t < steps {
			act = in.Active(t)
			if valuer != nil {
				vals = valuer.Values(t)
				if vals != nil && len(vals) != len(act) {
					return Stats{}, fmt.Errorf("step %d: %d values for %d active inputs", t, len(vals), len(act))
				}
			}
		}
		c0 := cfg.Window(t) * n
		counts := s.counts[c0 : c0+n]
		last := int32(-1)
		for _, i := range act {
			if i <= last || i >= int32(nin) {
				return Stats{}, badActive(t, act, nin)
			}
			last = i
		}
		var ns int
		if e.w != nil {
			offs := s.offs[:0]
			for _, i := range act {
				offs = append(offs, i*int32(n))
			}
			for _, k := range prev {
				offs = append(offs, (int32(nin)+k)*int32(n))
			}
			ns = stepDense(e.w, offs, vals, s.u, e.lp, next, counts)
		} else {
			var err error
			if ns, err = e.stepGeneric(ctx, s, act, vals, prev, next, counts); err != nil {
				return Stats{}, fmt.Errorf("step %d: %w", t, err)
			}
		}
		inEvents += len(act)
		if vals != nil {
			valued += len(act)
		}
		recRows += len(prev)
		if len(act) > 0 || len(prev) > 0 {
			active++
		}
		if vals != nil && len(act) > 0 {
			valuedSteps++
			if len(prev) > 0 {
				valuedRec++
			}
		}
		if len(e.bands) > 0 {
			if vals != nil && len(act) > 0 {
				// Count inputs go in their own (bit-serial) read, the
				// recurrent rows in a binary one.
				valuedBands += e.bandsDriven(s.hit, act, nil)
				bandReads += e.bandsDriven(s.hit, nil, prev)
			} else {
				bandReads += e.bandsDriven(s.hit, act, prev)
			}
		}
		spikes += ns
		prev, next = next[:ns], prev[:n]
	}
	st.InputEvents = int64(inEvents)
	st.Spikes = int64(spikes)
	st.ActiveSteps, st.ValuedSteps, st.ValuedRecSteps = int64(active), int64(valuedSteps), int64(valuedRec)
	st.BandReads, st.ValuedBandReads = int64(bandReads), int64(valuedBands)
	st.EffectiveMACs = int64(valued) * int64(n)
	st.EffectiveACs = int64(inEvents-valued+recRows) * int64(n)
	k := cfg.NumWindows()
	for w := range k {
		ws := float32(cfg.WindowSteps(w))
		for j, c := range s.counts[w*n : (w+1)*n] {
			feat[w*n+j] = float32(c) / ws
		}
	}
	return st, nil
}

// bandsDriven returns the number of row bands (Options.RowBands) holding
// at least one of the input rows act or the recurrent rows of the neurons
// rec; hit (one per band, all false) is scratch and left all false.
func (e *Encoder) bandsDriven(hit []bool, act, rec []int32) int {
	n := 0
	mark := func(row int32) {
		// The bands are few (tile rows): a linear scan.
		b := 0
		for b < len(e.bands) && row >= e.bands[b] {
			b++
		}
		if !hit[b] {
			hit[b] = true
			n++
		}
	}
	for _, i := range act {
		mark(i)
	}
	nin := int32(e.cfg.Inputs)
	for _, k := range rec {
		mark(nin + k)
	}
	clear(hit)
	return n
}

// badActive describes what is wrong with a step's active list.
func badActive(t int, act []int32, nin int) error {
	last := int32(-1)
	for _, i := range act {
		if i < 0 || i >= int32(nin) {
			return fmt.Errorf("step %d: input index %d outside [0, %d)", t, i, nin)
		}
		if i <= last {
			return fmt.Errorf("step %d: active inputs not strictly increasing (%d after %d)", t, i, last)
		}
		last = i
	}
	return fmt.Errorf("step %d: bad active inputs", t)
}

// stepGeneric is one step of the in-memory mode: the currents come from the
// Synapses, then the LIF update runs on them. A step without input events
// and without spikes has zero current and asks the Synapses nothing, which
// is the event-driven contract (no event, no read).
func (e *Encoder) stepGeneric(ctx context.Context, s *scratch, act []int32, vals []float32, prev, spk, counts []int32) (int, error) {
	cur := s.cur
	switch {
	case len(act) == 0 && len(prev) == 0:
		clear(cur)
	case e.gin == e.grec:
		if err := e.syn.Current(ctx, act, vals, prev, cur); err != nil {
			return 0, err
		}
		for j, c := range cur {
			cur[j] = float32(e.gin * c)
		}
	default:
		// Separate gains need the two currents apart: one call per matrix.
		clear(cur)
		clear(s.cur2)
		if len(act) > 0 {
			if err := e.syn.Current(ctx, act, vals, nil, cur); err != nil {
				return 0, err
			}
		}
		if len(prev) > 0 {
			if err := e.syn.Current(ctx, nil, nil, prev, s.cur2); err != nil {
				return 0, err
			}
		}
		rec := s.cur2[:len(cur)]
		for j, c := range cur {
			cur[j] = float32(e.gin*c) + float32(e.grec*rec[j])
		}
	}
	return lif(cur, s.u, e.lp, spk, counts), nil
}
