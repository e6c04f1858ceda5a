package experiment

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memlsm/memlsm/projection"
)

// SweepScope is what each seed of a zero-shot seed sweep changes. It is a
// flag.Value ("head", "split", "macro").
//
// Every run of a sweep trains its head with the sweep seed (initialisation
// and mini-batch order; in the split and macro scopes a Head.Seed given
// explicitly is kept). The scopes differ in what else the seed reaches:
//
//   - SweepHead: nothing else. The macro, the held-out split, the gain and
//     so the features are those of ZeroShotConfig.Seed, encoded once and
//     reused: a sweep costs one head training per seed. It measures how
//     much the result depends on the head's random start alone.
//   - SweepSplit: also the seeded held-out part of the seen classes, hence
//     the training pairs, the gain calibration subset and the features,
//     which are re-encoded per seed on the same macro (that of
//     ZeroShotConfig.Seed), and whatever Select chooses on validation
//     classes, chosen again. With explicit test sets nothing is split.
//   - SweepMacro: everything. A new simulated macro (or software weight
//     draw) is formed with the seed, so each run is exactly ZeroShot with
//     that Seed. A given array (a board) cannot be re-formed: this scope
//     needs ZeroShotConfig.Macro.Array and AudioArray to be nil.
//
// A head sweep repeats the headline's selection (epoch, gain) without
// choosing again; descriptor heads (SideInfo) have no seed to sweep.
type SweepScope int

const (
	// SweepHead changes the head's seed only (the default).
	SweepHead SweepScope = iota
	// SweepSplit also changes the held-out split, so the gain and features.
	SweepSplit
	// SweepMacro changes everything, the simulated macro included.
	SweepMacro
)

var sweepScopeNames = []string{"head", "split", "macro"}

func (s SweepScope) String() string {
	if s >= 0 && int(s) < len(sweepScopeNames) {
		return sweepScopeNames[s]
	}
	return fmt.Sprintf("SweepScope(%d)", int(s))
}

// Set parses "head", "split" or "macro".
func (s *SweepScope) Set(v string) error {
	for i, n := range sweepScopeNames {
		if v == n {
			*s = SweepScope(i)
			return nil
		}
	}
	return fmt.Errorf("experiment: sweep scope %q is not one of %s", v, strings.Join(sweepScopeNames, ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (s SweepScope) MarshalText() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return []byte(sweepScopeNames[s]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *SweepScope) UnmarshalText(b []byte) error { return s.Set(string(b)) }

func (s SweepScope) check() error {
	if s < 0 || int(s) >= len(sweepScopeNames) {
		return fmt.Errorf("experiment: unknown sweep scope %d", int(s))
	}
	return nil
}

// Top1 is the top-1 retrieval of one group of test pairs in both
// directions (fractions in 0…1).
type Top1 = Dirs[float64]

// SweepRun is one seed of a sweep.
type SweepRun struct {
	Seed   uint64 `json:"seed"`
	Seen   Top1   `json:"seen"`
	Unseen Top1   `json:"unseen"`
}

// Spread summarises one accuracy over the seeds of a sweep.
type Spread struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"` // sample standard deviation (n − 1); 0 for one seed
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	// Chance is the accuracy of a random ranking (projection.Chance). The
	// class counts of the test pairs do not depend on the seed, so it is
	// the same for every run.
	Chance float64 `json:"chance"`
	// AboveChance is the fraction of seeds whose accuracy is above Chance.
	AboveChance float64 `json:"above_chance"`
}

// SweepSpread is the spread of both retrieval directions of one group.
type SweepSpread = Dirs[Spread]

// ZeroShotSweep is a seed sweep of the zero-shot experiment: every seed's
// top-1 retrieval and its distribution over the seeds.
type ZeroShotSweep struct {
	Scope SweepScope `json:"scope"`
	// Varies says in words what a seed changed and what stayed fixed.
	Varies  string      `json:"varies"`
	Seeds   []uint64    `json:"seeds"`
	Runs    []SweepRun  `json:"runs"`
	Seen    SweepSpread `json:"seen"`
	Unseen  SweepSpread `json:"unseen"`
	Seconds float64     `json:"seconds"`
}

// describe says what a seed of scope changes for plan p.
func (s SweepScope) describe(p *zsPlan) string {
	switch s {
	case SweepSplit:
		d := fmt.Sprintf("the head's seed and the seeded held-out split of the seen classes (so the training pairs, the gain and the features); the macro is that of seed %d", p.cfg.Seed)
		if p.cfg.A.Test != nil {
			d += " (explicit test sets: nothing is split, so only the head's seed changes)"
		}
		return d
	case SweepMacro:
		return "everything: a newly formed macro, the held-out split, the gain, the features and the head's seed — each run is the experiment with that seed"
	}
	return fmt.Sprintf("the head's seed only (initialisation and mini-batch order); macro, split, gain and features are those of seed %d", p.cfg.Seed)
}

// headFor returns the head configuration of a run seeded with seed: the
// configured head's seed if it has one, else seed; without the caller's
// epoch hook (runs may be concurrent).
func (p *zsPlan) headFor(seed uint64) projection.CLIPConfig {
	h := p.head
	if h.Seed == 0 {
		h.Seed = seed
	}
	h.OnEpoch = nil
	return h
}

// sweep runs the seed sweep of p.cfg.Seeds with the headline's head
// configuration hc (a CLIP head) or descriptor-head candidate cand, and
// gain factor. base holds the features of the headline run, on run's
// macro.
func (p *zsPlan) sweep(ctx context.Context, run *zsRun, base *zsFeatures, hc projection.CLIPConfig, cand int, factor float64) (*ZeroShotSweep, error) {
	start := time.Now()
	scope := p.cfg.SweepScope
	seeds := p.cfg.Seeds
	sw := &ZeroShotSweep{Scope: scope, Varies: scope.describe(p), Seeds: slices.Clone(seeds), Runs: make([]SweepRun, len(seeds))}
	chances := make([][2]Top1, len(seeds))
	bar := p.cfg.Progress.start(fmt.Sprintf("seed sweep (%v, %d seeds)", scope, len(seeds)), len(seeds))
	defer bar.Done()
	one := func(k int) error {
		seed := seeds[k]
		var seen, unseen Top1
		var f *zsFeatures
		switch scope {
		case SweepSplit, SweepMacro:
			// The whole run again with the seed — split, gains, selection
			// and head; with SweepMacro on a newly formed macro.
			sp, err := p.split(p.parts(), p.seen, p.unseen, seed)
			if err != nil {
				return err
			}
			r := run
			if scope == SweepMacro {
				if r, err = p.newRun(ctx, seed); err != nil {
					return err
				}
				defer r.close()
			}
			d, err := p.design(ctx, r, sp, seed, 1, nil)
			if err != nil {
				return fmt.Errorf("%w (sweep seed %d)", err, seed)
			}
			if scope == SweepMacro {
				if err := r.close(); err != nil {
					return err
				}
			}
			f, seen, unseen = d.f, d.seen.Top1, d.unseen.Top1
		default:
			f = base
			h := hc
			h.Seed, h.OnEpoch = seed, nil
			head, _, err := clipKind{hc: h}.fit(ctx, f, cand, nil)
			if err != nil {
				return fmt.Errorf("%w (sweep seed %d)", err, seed)
			}
			seen, unseen = f.top1(head)
		}
		sw.Runs[k] = SweepRun{Seed: seed, Seen: seen, Unseen: unseen}
		chances[k] = [2]Top1{chanceOf(f.seenLabels, p.names), chanceOf(f.unseenLabels, p.names)}
		bar.Add(1)
		return nil
	}
	var err error
	if scope == SweepHead {
		// Features are shared and read-only: train heads in parallel.
		err = parallel(ctx, len(seeds), p.cfg.Workers, one)
	} else {
		// Encoding is already parallel; runs go one after the other.
		for k := range seeds {
			if err = one(k); err != nil {
				break
			}
		}
	}
	if err != nil {
		return nil, err
	}
	spread := func(unseen, bToA bool) Spread {
		xs := make([]float64, len(sw.Runs))
		s := Spread{Min: math.Inf(1), Max: math.Inf(-1)}
		above := 0
		for k, r := range sw.Runs {
			t, g := r.Seen, 0
			if unseen {
				t, g = r.Unseen, 1
			}
			x, c := t.Get(bToA), chances[k][g].Get(bToA)
			xs[k] = x
			s.Min, s.Max = min(s.Min, x), max(s.Max, x)
			s.Chance += c / float64(len(sw.Runs))
			if x > c {
				above++
			}
		}
		s.Mean, s.Std = projection.MeanStd(xs)
		s.AboveChance = float64(above) / float64(len(xs))
		return s
	}
	sw.Seen = SweepSpread{Names: p.names, BToA: spread(false, true), AToB: spread(false, false)}
	sw.Unseen = SweepSpread{Names: p.names, BToA: spread(true, true), AToB: spread(true, false)}
	sw.Seconds = time.Since(start).Seconds()
	return sw, nil
}

// chanceOf is the chance level of retrieval among pairs of the given
// labels, both directions.
func chanceOf(labels []int, names Modalities) Top1 {
	c := projection.Chance(labels, labels, 1)
	return Top1{Names: names, BToA: c, AToB: c}
}

// parallel runs do(0…n−1) on up to workers goroutines (0: GOMAXPROCS) and
// returns the error of the lowest failing index; after an error or a
// cancelled ctx no new index starts.
func parallel(ctx context.Context, n, workers int, do func(k int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(min(workers, n), 1)
	var next atomic.Int64
	var mu sync.Mutex
	errAt, firstErr := n, error(nil)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				var err error
				if cerr := ctx.Err(); cerr != nil {
					err = fmt.Errorf("experiment: %w", cerr)
				} else {
					err = do(k)
				}
				if err != nil {
					mu.Lock()
					if k < errAt {
						errAt, firstErr = k, err
					}
					mu.Unlock()
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
