package lsm_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/memlsm/memlsm/internal/shareddata"
	"github.com/memlsm/memlsm/lsm"
)

// sharedData returns ../shared/data/sub (or $MEMLSM_SHARED_DATA/sub), or skips
// the test when it is absent.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}

// nmnistInputs bins the first n recordings of NMNISTsmall (k.bs2, k = 1…n)
// exactly as a PyTorch re-implementation of the paper (the peer benchmark) does: OFF events (polarity 0)
// in the 16×16 centre crop (x, y in 9…24), the first 300 ms in 50 binary
// frames of 6 ms, input index (y−9)·16 + (x−9). The events package owns the
// real binners; this copy keeps lsm's tests free of it. It also returns the
// labels from train1K.txt.
func nmnistInputs(t testing.TB, n int) ([]lsm.Input, []int) {
	t.Helper()
	dir := sharedData(t, "nmnist/NMNISTsmall")
	nmnistOnce.Do(func() { nmnistAll, nmnistLabels, nmnistErr = loadNMNIST(dir, 1000) })
	if nmnistErr != nil {
		t.Fatal(nmnistErr)
	}
	return nmnistAll[:n], nmnistLabels[:n]
}

var (
	nmnistOnce   sync.Once
	nmnistAll    []lsm.Input
	nmnistLabels []int
	nmnistErr    error
)

func loadNMNIST(dir string, n int) ([]lsm.Input, []int, error) {
	const (
		tw     = 50
		spanUS = 300_000
	)
	inputs := make([]lsm.Input, n)
	for k := range n {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.bs2", k+1)))
		if err != nil {
			return nil, nil, err
		}
		var frames [tw][256]bool
		for e := 0; e+5 <= len(b); e += 5 {
			x, y, p := int(b[e]), int(b[e+1]), b[e+2]>>7
			ts := int(b[e+2]&0x7f)<<16 | int(b[e+3])<<8 | int(b[e+4])
			if x < 9 || x > 24 || y < 9 || y > 24 || p != 0 || ts >= spanUS {
				continue
			}
			frames[ts*tw/spanUS][(y-9)*16+(x-9)] = true
		}
		r := make(lsm.Raster, tw)
		for s := range tw {
			for i, on := range frames[s] {
				if on {
					r[s] = append(r[s], int32(i))
				}
			}
		}
		inputs[k] = r
	}
	f, err := os.Open(filepath.Join(dir, "train1K.txt"))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	labels := make([]int, n)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		k, err1 := strconv.Atoi(fields[0])
		l, err2 := strconv.Atoi(fields[1])
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("train1K.txt: bad row %q", sc.Text())
		}
		if k >= 1 && k <= n {
			labels[k-1] = l
		}
	}
	return inputs, labels, sc.Err()
}

// randomInputs returns n synthetic samples of T steps over in inputs in
// which each input is active with probability density at each step, drawn
// from a seeded PCG.
func randomInputs(n, T, in int, density float64, seed uint64) []lsm.Input {
	rng := rand.New(rand.NewPCG(seed, 1))
	inputs := make([]lsm.Input, n)
	for k := range inputs {
		r := make(lsm.Raster, T)
		for t := range r {
			for i := range in {
				if rng.Float64() < density {
					r[t] = append(r[t], int32(i))
				}
			}
		}
		inputs[k] = r
	}
	return inputs
}

// valued is an Input with values (binned counts) on its active inputs.
type valued struct {
	lsm.Raster
	vals [][]float32
}

func (v valued) Values(t int) []float32 { return v.vals[t] }

// withValues gives every active input of r a value in {1, 2, 3} (a binned
// event count), drawn from a seeded PCG.
func withValues(r lsm.Raster, seed uint64) valued {
	rng := rand.New(rand.NewPCG(seed, 2))
	v := valued{Raster: r, vals: make([][]float32, len(r))}
	for t, act := range r {
		v.vals[t] = make([]float32, len(act))
		for k := range act {
			v.vals[t][k] = float32(1 + rng.IntN(3))
		}
	}
	return v
}

// opaque hides the *Dense type so the encoder takes the generic
// (in-memory) path through Current; concurrent says whether it declares
// itself safe for concurrent use.
type opaque struct {
	d          *lsm.Dense
	concurrent bool
	calls      int
}

func (o *opaque) Inputs() int  { return o.d.Inputs() }
func (o *opaque) Neurons() int { return o.d.Neurons() }
func (o *opaque) Concurrent() bool {
	return o.concurrent
}
func (o *opaque) Current(ctx context.Context, in []int32, inVal []float32, rec []int32, cur []float32) error {
	if !o.concurrent {
		o.calls++ // a data race here would be caught by -race if the encoder ignored Concurrent
	}
	return o.d.Current(ctx, in, inVal, rec, cur)
}
