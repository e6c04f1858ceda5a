package projection

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Training holds the settings every head shares: optimiser, schedule,
// mini-batching, seed and early stopping. A zero field means the head's
// documented default (see LinearDefaults and friends); WeightDecay uses a
// negative value for "none", like net.Dialer.KeepAlive.
type Training struct {
	Method      Method  `json:"method"`       // AdamW (zero value) or Adam
	LR          float64 `json:"lr"`           // learning rate; 0 → head default
	WeightDecay float64 `json:"weight_decay"` // λ on weight matrices (not biases); 0 → head default, < 0 → none
	Beta1       float64 `json:"beta1"`        // 0 → 0.9 (Kingma & Ba 2015; PyTorch default)
	Beta2       float64 `json:"beta2"`        // 0 → 0.999 (Kingma & Ba 2015; PyTorch default)
	Eps         float64 `json:"eps"`          // 0 → 1e-8 (Kingma & Ba 2015; PyTorch default)
	Epochs      int     `json:"epochs"`       // passes over the training rows; 0 → head default
	Batch       int     `json:"batch"`        // rows per step; 0 → head default; larger than the data → full batch
	Seed        uint64  `json:"seed"`         // initialisation, shuffling, dropout and validation split

	// Validation is the fraction of rows held out (stratified by label when
	// labels are given, seeded) to measure a validation loss after every
	// epoch; the returned head has the parameters of the epoch with the
	// lowest validation loss. 0 means no validation split.
	Validation float64 `json:"validation"`
	// Patience stops training after this many epochs without a lower
	// validation loss; 0 runs every epoch. Needs Validation > 0.
	Patience int `json:"patience"`

	// OnEpoch, if set, is called after every epoch (e.g. to draw a progress
	// bar or to stop early; the context given to Train* is checked before
	// every step regardless); a non-nil error stops training and is
	// returned wrapped.
	OnEpoch func(EpochStat) error `json:"-"`
}

// EpochStat is the record of one epoch.
type EpochStat struct {
	Epoch   int     `json:"epoch"`              // 1-based
	Epochs  int     `json:"epochs"`             // planned epochs
	Loss    float64 `json:"loss"`               // mean training loss over the epoch's steps (weighted by batch rows)
	ValLoss float64 `json:"val_loss,omitempty"` // validation loss after the epoch; 0 without validation
}

// TrainLog reports how training went.
type TrainLog struct {
	History      []EpochStat `json:"history"`
	BestEpoch    int         `json:"best_epoch"` // epoch whose parameters the head holds
	Stopped      bool        `json:"stopped"`    // early stopping ended training before Epochs
	Steps        int         `json:"steps"`      // optimiser steps taken
	TrainSamples int         `json:"train_samples"`
	ValSamples   int         `json:"val_samples"`
}

// Seed streams: each random consumer has its own PCG stream so that, for
// example, turning dropout on does not change the initial weights.
const (
	streamInit uint64 = 0x9e3779b97f4a7c15 + iota
	streamShuffle
	streamDropout
	streamSplit
)

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// resolve fills zero fields from d and checks ranges.
func (c Training) resolve(d Training) (Training, error) {
	if c.Method != AdamW && c.Method != Adam {
		return c, fmt.Errorf("projection: unknown optimiser method %d", int(c.Method))
	}
	fill := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&c.LR, d.LR)
	fill(&c.WeightDecay, d.WeightDecay)
	fill(&c.Beta1, 0.9)
	fill(&c.Beta2, 0.999)
	fill(&c.Eps, 1e-8)
	if c.Epochs == 0 {
		c.Epochs = d.Epochs
	}
	if c.Batch == 0 {
		c.Batch = d.Batch
	}
	switch {
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return c, fmt.Errorf("projection: learning rate %v must be positive and finite", c.LR)
	case math.IsNaN(c.WeightDecay) || math.IsInf(c.WeightDecay, 0):
		return c, fmt.Errorf("projection: weight decay %v must be finite", c.WeightDecay)
	case !(c.Beta1 >= 0 && c.Beta1 < 1) || !(c.Beta2 >= 0 && c.Beta2 < 1):
		return c, fmt.Errorf("projection: Adam betas (%v, %v) must lie in [0, 1)", c.Beta1, c.Beta2)
	case !(c.Eps > 0) || math.IsInf(c.Eps, 0):
		return c, fmt.Errorf("projection: Adam epsilon %v must be positive and finite", c.Eps)
	case c.Epochs < 1:
		return c, fmt.Errorf("projection: epochs %d must be positive", c.Epochs)
	case c.Batch < 1:
		return c, fmt.Errorf("projection: batch %d must be positive", c.Batch)
	case !(c.Validation >= 0 && c.Validation < 1):
		return c, fmt.Errorf("projection: validation fraction %v must lie in [0, 1)", c.Validation)
	case c.Patience < 0:
		return c, fmt.Errorf("projection: patience %d must not be negative", c.Patience)
	case c.Patience > 0 && c.Validation == 0:
		return c, errors.New("projection: patience needs a validation fraction")
	}
	return c, nil
}

// split divides rows 0…n−1 into training and validation rows. With labels
// the split is stratified: each class gives round(frac·count) rows.
func split(n int, labels []int, frac float64, seed uint64) (train, val []int, err error) {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	if frac == 0 {
		return all, nil, nil
	}
	rng := newRand(seed, streamSplit)
	if labels == nil {
		rng.Shuffle(n, func(i, j int) { all[i], all[j] = all[j], all[i] })
		k := int(math.Round(frac * float64(n)))
		val, train = all[:k], all[k:]
	} else {
		groups := map[int][]int{}
		for i, y := range labels {
			groups[y] = append(groups[y], i)
		}
		keys := make([]int, 0, len(groups))
		for y := range groups {
			keys = append(keys, y)
		}
		slices.Sort(keys)
		for _, y := range keys {
			g := groups[y]
			rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
			k := int(math.Round(frac * float64(len(g))))
			val = append(val, g[:k]...)
			train = append(train, g[k:]...)
		}
		slices.Sort(val)
		slices.Sort(train)
	}
	if len(train) == 0 || len(val) == 0 {
		return nil, nil, fmt.Errorf("projection: validation fraction %v of %d rows leaves %d training and %d validation rows", frac, n, len(train), len(val))
	}
	return train, val, nil
}

// objective is a differentiable training loss over rows of the data.
type objective interface {
	// loss returns the loss of rows idx and, when grad is non-nil, adds its
	// gradient (layout of the flat parameter vector) to grad. train selects
	// training behaviour (dropout).
	loss(idx []int, grad []float64, train bool) float64
}

// parallelStepper is an objective that applies the optimiser step itself
// (in parallel), with the same result as opt.step.
type parallelStepper interface {
	step(opt *adam, params, grad []float64)
}

// fit runs mini-batch Adam(W) on params. post, if non-nil, is applied to
// params after every step (e.g. clamping a logit scale). It checks ctx
// before every optimiser step and every validation chunk, so a cancelled
// context stops training within one step; the error then wraps ctx's error
// (errors.Is(err, context.Canceled)).
func fit(ctx context.Context, obj objective, params []float64, decay [][2]int, trainIdx, valIdx []int, c Training, post func([]float64)) (TrainLog, error) {
	log := TrainLog{TrainSamples: len(trainIdx), ValSamples: len(valIdx), BestEpoch: c.Epochs}
	rng := newRand(c.Seed, streamShuffle)
	opt := newAdam(len(params), c, decay)
	grad := make([]float64, len(params))
	perm := slices.Clone(trainIdx)
	swap := func(i, j int) { perm[i], perm[j] = perm[j], perm[i] }
	batch := min(c.Batch, len(perm))
	var best []float64
	bestLoss, since := math.Inf(1), 0
	for e := 1; e <= c.Epochs; e++ {
		rng.Shuffle(len(perm), swap)
		sum := 0.0
		for lo := 0; lo < len(perm); lo += batch {
			if err := ctx.Err(); err != nil {
				return log, fmt.Errorf("projection: training stopped at epoch %d step %d: %w", e, log.Steps+1, err)
			}
			idx := perm[lo:min(lo+batch, len(perm))]
			clear(grad)
			l := obj.loss(idx, grad, true)
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return log, fmt.Errorf("projection: training diverged: loss %v at epoch %d step %d (lower the learning rate)", l, e, log.Steps+1)
			}
			if ps, ok := obj.(parallelStepper); ok {
				ps.step(opt, params, grad)
			} else {
				opt.step(params, grad)
			}
			if post != nil {
				post(params)
			}
			log.Steps++
			sum += l * float64(len(idx))
		}
		st := EpochStat{Epoch: e, Epochs: c.Epochs, Loss: sum / float64(len(perm))}
		if len(valIdx) > 0 {
			v, err := evalLoss(ctx, obj, valIdx, batch)
			if err != nil {
				return log, fmt.Errorf("projection: training stopped at epoch %d (validation): %w", e, err)
			}
			st.ValLoss = v
			if st.ValLoss < bestLoss {
				bestLoss, since, log.BestEpoch = st.ValLoss, 0, e
				best = append(best[:0], params...)
			} else {
				since++
			}
		} else {
			log.BestEpoch = e
		}
		log.History = append(log.History, st)
		if c.OnEpoch != nil {
			if err := c.OnEpoch(st); err != nil {
				return log, fmt.Errorf("projection: training stopped at epoch %d: %w", e, err)
			}
		}
		if c.Patience > 0 && since >= c.Patience {
			log.Stopped = e < c.Epochs
			break
		}
	}
	if best != nil {
		copy(params, best)
	}
	return log, nil
}

// evalLoss is the row-weighted mean loss over idx in chunks of batch rows;
// it stops with ctx's error once ctx is done.
func evalLoss(ctx context.Context, obj objective, idx []int, batch int) (float64, error) {
	sum := 0.0
	for lo := 0; lo < len(idx); lo += batch {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		part := idx[lo:min(lo+batch, len(idx))]
		sum += obj.loss(part, nil, false) * float64(len(part))
	}
	return sum / float64(len(idx)), nil
}

// checkMatrix rejects empty or non-finite inputs: bad data is an error, not
// a panic.
func checkMatrix(name string, x *mat.Dense) (blas64.General, error) {
	if x == nil || x.IsEmpty() {
		return blas64.General{}, fmt.Errorf("projection: %s is empty", name)
	}
	g := x.RawMatrix()
	return g, checkRows(name, generalRows{g})
}

// apply runs x through net in chunks and returns the n×out output.
func apply(n *net, x *mat.Dense) *mat.Dense {
	r, c := x.Dims()
	if c != n.in {
		panic(fmt.Sprintf("projection: input has %d columns, head expects %d", c, n.in))
	}
	res := mat.NewDense(r, n.out(), nil)
	applyRows(n, generalRows{x.RawMatrix()}, res.RawMatrix().Data)
	return res
}

// applyChunk is the number of rows apply runs through a net at once.
const applyChunk = 256

// applyRows runs the rows of x through net in chunks of applyChunk rows,
// writing the r×out output into out.
func applyRows(n *net, x Rows, out []float64) {
	r, _ := x.Dims()
	o := n.out()
	ws := n.newWS(min(r, applyChunk))
	for lo := 0; lo < r; lo += applyChunk {
		hi := min(lo+applyChunk, r)
		n.loadRange(ws, x, lo, hi)
		n.forward(ws, hi-lo, nil)
		copy(out[lo*o:hi*o], n.output(ws, hi-lo).Data)
	}
}
