package lsm

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// Input is one binned sample: Steps time steps, each with a sorted list of
// the input channels active at that step. events.Frames implements it.
type Input interface {
	// Steps returns the number of time steps of the sample.
	Steps() int
	// Active returns the indices of the inputs active at step t, in
	// strictly increasing order, each in [0, Config.Inputs). The encoder
	// only reads the slice.
	Active(t int) []int32
}

// Valuer is an Input whose active inputs carry values (binned event counts,
// analogue intensities) instead of being binary. Values(t) is parallel to
// Active(t); a nil result means "all ones" for that step.
type Valuer interface {
	Values(t int) []float32
}

// Synapses delivers the synaptic currents of the reservoir, one time step at
// a time. It is what the encoder asks of the weights: *Dense implements it in
// software (read-once mode), and crossbar.Synapses implements it by running
// each step's multiply on the resistive-memory array (in-memory mode).
type Synapses interface {
	Inputs() int  // input channels: rows of W_in
	Neurons() int // reservoir size N: columns of W_in, rows and columns of W_rec

	// Current overwrites cur (length Neurons) with
	//
	//	cur[j] = Σ_{i∈in} W_in[i][j]·(inVal[i] or 1) + Σ_{k∈rec} W_rec[k][j]
	//
	// before any gain: in lists the active inputs (sorted), inVal their
	// values or nil for binary inputs, rec the neurons that spiked at the
	// previous step (sorted).
	Current(ctx context.Context, in []int32, inVal []float32, rec []int32, cur []float32) error
}

// Concurrent is an optional interface of a Synapses: Concurrent() == true
// declares that Current may be called from several goroutines at once.
// Without it the encoder calls Current from one goroutine only, so a board or
// a noisy simulator sees its operations in a fixed order (which is what makes
// their random draws reproducible). *Dense is concurrent, and the encoder
// does not even call it: it runs its own fused kernel on the weights.
type Concurrent interface {
	Concurrent() bool
}

// Dense is a reservoir's weights held in memory: read once from an array (or
// drawn in software, see Gaussian) and then used for every step. It is the
// fast path: an Encoder given a *Dense runs its own event-driven fused kernel
// on a gain-scaled copy of the weights.
type Dense struct {
	in, n int
	// w holds W_in (rows 0..in-1) and then W_rec (rows in..in+n-1), each row
	// n contiguous values: w[r*n+j] is the weight from row r to neuron j.
	w []float32
}

var (
	_ Synapses   = (*Dense)(nil)
	_ Concurrent = (*Dense)(nil)
)

// NewDense returns the weights of an in-input, n-neuron reservoir. win is
// in×n row-major (win[i*n+j] is the weight from input i to neuron j) and wrec
// n×n (wrec[k*n+j] from neuron k to neuron j), the layout
// crossbar.RandomWeights returns; a nil wrec means no recurrence. The values
// are copied. NewDense panics if a length does not match (a programmer
// error).
func NewDense(in, n int, win, wrec []float32) *Dense {
	if in <= 0 || n <= 0 {
		panic(fmt.Sprintf("lsm: NewDense: bad size %d inputs × %d neurons", in, n))
	}
	if len(win) != in*n {
		panic(fmt.Sprintf("lsm: NewDense: len(win) = %d, want %d×%d", len(win), in, n))
	}
	if wrec != nil && len(wrec) != n*n {
		panic(fmt.Sprintf("lsm: NewDense: len(wrec) = %d, want %d×%d", len(wrec), n, n))
	}
	w := make([]float32, (in+n)*n)
	copy(w, win)
	copy(w[in*n:], wrec)
	return &Dense{in: in, n: n, w: w}
}

// Paper values for the software "Gaussian" LSM (Lin et al. 2025, the authors' Gaussian weight simulation): the measured
// conductance statistics of formed cells of the 40 nm macro, in µS, from the
// same group's ESGNN simulator ("cond_mean = 14.2473, cond_std = 2.4624").
const (
	GaussianMean = 14.2473
	GaussianStd  = 2.4624
)

// Gaussian returns the paper's software LSM weights (Lin et al. 2025, the authors' Gaussian weight simulation): every
// weight an independent draw of N(mean, std) or, when differential is set,
// the difference G⁺ − G⁻ of two independent draws, the way a differential
// column pair stores a signed weight (drawn in the order a PyTorch
// re-implementation of the paper draws them: all of W_in's G⁺, then its
// G⁻, then W_rec's). The weights are before the gain, in the units of mean
// (µS for GaussianMean), like crossbar.RandomWeights. The draws come from a
// PCG generator seeded with seed, so a seed fixes the reservoir.
func Gaussian(in, n int, mean, std float64, differential bool, seed uint64) *Dense {
	rng := rand.New(rand.NewPCG(seed, 0x6c736d2d67617573)) // stream "lsm-gaus"
	fill := func(w []float32) {
		if !differential {
			for i := range w {
				w[i] = float32(mean + std*rng.NormFloat64())
			}
			return
		}
		plus := make([]float64, len(w))
		for i := range plus {
			plus[i] = mean + std*rng.NormFloat64()
		}
		for i := range w {
			w[i] = float32(plus[i] - (mean + std*rng.NormFloat64()))
		}
	}
	d := &Dense{in: in, n: n, w: make([]float32, (in+n)*n)}
	fill(d.w[:in*n])
	fill(d.w[in*n:])
	return d
}

// Inputs returns the number of input channels.
func (d *Dense) Inputs() int { return d.in }

// Neurons returns the reservoir size.
func (d *Dense) Neurons() int { return d.n }

// Concurrent reports true: Current only reads the weights.
func (d *Dense) Concurrent() bool { return true }

// Weights returns W_in (in×n) and W_rec (n×n), row-major, without copying:
// the caller must not modify them.
func (d *Dense) Weights() (win, wrec []float32) {
	return d.w[: d.in*d.n : d.in*d.n], d.w[d.in*d.n:]
}

// Current implements Synapses with plain row additions, in the order the
// rows are listed (inputs, then recurrent rows).
func (d *Dense) Current(ctx context.Context, in []int32, inVal []float32, rec []int32, cur []float32) error {
	if len(cur) != d.n {
		panic(fmt.Sprintf("lsm: Dense.Current: len(cur) = %d, want %d", len(cur), d.n))
	}
	if inVal != nil && len(inVal) != len(in) {
		return fmt.Errorf("lsm: Dense.Current: %d values for %d active inputs", len(inVal), len(in))
	}
	clear(cur)
	n := d.n
	for k, i := range in {
		if uint(i) >= uint(d.in) {
			return fmt.Errorf("lsm: Dense.Current: input index %d outside [0, %d)", i, d.in)
		}
		row := d.w[int(i)*n : int(i)*n+n]
		if inVal != nil {
			axpy(cur, row, inVal[k])
		} else {
			add(cur, row)
		}
	}
	for _, k := range rec {
		if uint(k) >= uint(d.n) {
			return fmt.Errorf("lsm: Dense.Current: neuron index %d outside [0, %d)", k, d.n)
		}
		r := d.in + int(k)
		add(cur, d.w[r*n:r*n+n])
	}
	return nil
}

// add sets dst[j] += src[j].
func add(dst, src []float32) {
	src = src[:len(dst)]
	for j := range dst {
		dst[j] += src[j]
	}
}

// axpy sets dst[j] += a·src[j], rounding the product to float32 first.
func axpy(dst, src []float32, a float32) {
	src = src[:len(dst)]
	for j := range dst {
		dst[j] += float32(a * src[j])
	}
}

// Raster is the simplest Input: Raster[t] lists the inputs active at step t
// in increasing order. It suits hand-made inputs, tests and examples; event
// data comes binned by package events.
type Raster [][]int32

// Steps returns len(r).
func (r Raster) Steps() int { return len(r) }

// Active returns r[t].
func (r Raster) Active(t int) []int32 { return r[t] }
