package events

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Stream is a labelled collection of recordings that a pipeline reads one
// sample at a time. A *Dataset is a Stream held in memory; a *Lazy makes
// (converts, decodes) each sample's events only when it is read, so a
// pipeline that reduces every sample as it comes — binning it into frames,
// say — never holds the events of all samples at once. The two run through
// the same code: a pipeline written against Stream takes either.
type Stream interface {
	// Index returns the collection's Name, Sensor and Classes and every
	// sample's Label, ID, Speaker and Meta, in sample order. Its samples
	// may or may not hold their events (a *Dataset's do, a *Lazy's do
	// not): read events through Each. Treat it as read-only.
	Index() *Dataset
	// Each calls fn(i, s) once for every sample i, with its events, on up
	// to workers goroutines at once (GOMAXPROCS when workers ≤ 0) and in
	// no particular order. s is valid only during the call, and fn must
	// not modify it. Each returns the error of the lowest-numbered sample
	// whose fn failed, or ctx's error once ctx is done; it then stops
	// handing out samples.
	Each(ctx context.Context, workers int, fn func(i int, s *Sample) error) error
}

var (
	_ Stream = (*Dataset)(nil)
	_ Stream = (*Lazy)(nil)
)

// Index returns d itself: its samples hold their events.
func (d *Dataset) Index() *Dataset { return d }

// Each calls fn for every sample of d on up to workers goroutines (see
// Stream).
func (d *Dataset) Each(ctx context.Context, workers int, fn func(i int, s *Sample) error) error {
	return forEach(ctx, d.Len(), workers, func(i int) error { return fn(i, &d.Samples[i]) })
}

// Lazy is a Stream whose events are made when they are read: Meta holds
// every sample's metadata (no events) and Make fills in the events of one
// sample. A converting source (package source) opens its recordings as a
// Lazy, so that an experiment converts each one as it bins it.
type Lazy struct {
	// Meta is the collection without events: Name, Sensor, Classes and
	// every sample's Label, ID, Speaker and Meta.
	Meta *Dataset
	// Make writes the events of sample k into s, a copy of that sample's
	// metadata whose event slices hold scratch space to reuse (Make may
	// append to s.Events2D[:0] or s.Events1D[:0]). k numbers the samples
	// of the Lazy that NewLazy made: the views Subset and PerClass return
	// keep those numbers. It is called from several goroutines at once,
	// for different k.
	Make func(ctx context.Context, k int, s *Sample) error
	// idx maps the samples of this view to Meta's (nil: the identity).
	idx []int
}

// NewLazy returns the Lazy stream of meta's samples whose events make
// fills in.
func NewLazy(meta *Dataset, make func(ctx context.Context, k int, s *Sample) error) *Lazy {
	return &Lazy{Meta: meta, Make: make}
}

// Index returns the samples' metadata.
func (l *Lazy) Index() *Dataset { return l.Meta }

// Len returns the number of samples.
func (l *Lazy) Len() int { return l.Meta.Len() }

// Each makes every sample's events on up to workers goroutines and calls
// fn with them (see Stream). Every worker reuses one sample's event slices
// from sample to sample, so reading a Lazy allocates nothing per sample
// once those slices have grown.
func (l *Lazy) Each(ctx context.Context, workers int, fn func(i int, s *Sample) error) error {
	pool := sync.Pool{New: func() any { return new(Sample) }}
	return forEach(ctx, l.Meta.Len(), workers, func(i int) error {
		s := pool.Get().(*Sample)
		defer pool.Put(s)
		ev2, ev1 := s.Events2D[:0], s.Events1D[:0]
		*s = l.Meta.Samples[i]
		s.Events2D, s.Events1D = ev2, ev1
		k := i
		if l.idx != nil {
			k = l.idx[i]
		}
		if err := l.Make(ctx, k, s); err != nil {
			return err
		}
		return fn(i, s)
	})
}

// Subset returns the Lazy stream of the samples at indices, in that order
// (see Dataset.Subset).
func (l *Lazy) Subset(indices []int) *Lazy {
	idx := make([]int, len(indices))
	for k, i := range indices {
		idx[k] = i
		if l.idx != nil {
			idx[k] = l.idx[i]
		}
	}
	return &Lazy{Meta: l.Meta.Subset(indices), Make: l.Make, idx: idx}
}

// PerClass keeps the first n samples of every class (all when n ≤ 0), as
// Dataset.PerClass does.
func (l *Lazy) PerClass(n int) *Lazy {
	if n <= 0 || l == nil {
		return l
	}
	h := l.Subset(l.Meta.headIndices(n))
	h.Meta.Name = fmt.Sprintf("%s (first %d per class)", l.Meta.Name, n)
	return h
}

// Load makes every sample's events and returns the whole collection in
// memory (on up to workers goroutines).
func (l *Lazy) Load(ctx context.Context, workers int) (*Dataset, error) {
	d := &Dataset{Name: l.Meta.Name, Sensor: l.Meta.Sensor, Classes: l.Meta.Classes, Samples: make([]Sample, l.Meta.Len())}
	err := forEach(ctx, l.Meta.Len(), workers, func(i int) error {
		s := &d.Samples[i]
		*s = l.Meta.Samples[i]
		k := i
		if l.idx != nil {
			k = l.idx[i]
		}
		return l.Make(ctx, k, s)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// PerClassOf is PerClass of a Stream: the first n samples of every class
// (all when n ≤ 0) of a *Dataset or a *Lazy, or of any other Stream read
// through a view.
func PerClassOf(s Stream, n int) Stream {
	if n <= 0 || s == nil {
		return s
	}
	switch x := s.(type) {
	case *Dataset:
		return x.PerClass(n)
	case *Lazy:
		return x.PerClass(n)
	}
	return SubsetOf(s, s.Index().headIndices(n))
}

// SubsetOf returns the samples of s at indices, in that order, as a
// Stream: Dataset.Subset and Lazy.Subset for those types, else a view that
// reads s and keeps the samples selected.
func SubsetOf(s Stream, indices []int) Stream {
	switch x := s.(type) {
	case *Dataset:
		return x.Subset(indices)
	case *Lazy:
		return x.Subset(indices)
	}
	pos := make(map[int][]int, len(indices))
	for k, i := range indices {
		pos[i] = append(pos[i], k)
	}
	return &subset{s: s, meta: s.Index().Subset(indices), pos: pos}
}

// subset is a view of some samples of any Stream.
type subset struct {
	s    Stream
	meta *Dataset
	pos  map[int][]int // sample of s → its positions in the view
}

func (v *subset) Index() *Dataset { return v.meta }

func (v *subset) Each(ctx context.Context, workers int, fn func(i int, s *Sample) error) error {
	return v.s.Each(ctx, workers, func(i int, s *Sample) error {
		for _, k := range v.pos[i] {
			if err := fn(k, s); err != nil {
				return err
			}
		}
		return nil
	})
}

// headIndices returns the indices of the first perClass samples of every
// class, in dataset order.
func (d *Dataset) headIndices(perClass int) []int {
	n := make([]int, len(d.Classes))
	var idx []int
	for i := range d.Samples {
		if l := d.Samples[i].Label; n[l] < perClass {
			n[l]++
			idx = append(idx, i)
		}
	}
	return idx
}

// forEach runs do(0…n−1) on up to workers goroutines (GOMAXPROCS when
// workers ≤ 0). It returns the error of the lowest index whose do failed
// (no index is started after a failure), or ctx's error once ctx is done.
func forEach(ctx context.Context, n, workers int, do func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(min(workers, n), 1)
	var (
		mu      sync.Mutex
		next    int
		errAt   = n
		err     error
		stopped bool
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if stopped || next >= n {
			return 0, false
		}
		next++
		return next - 1, true
	}
	fail := func(i int, e error) {
		mu.Lock()
		defer mu.Unlock()
		if i < errAt {
			errAt, err = i, e
		}
		stopped = true
	}
	work := func() {
		for {
			i, ok := take()
			if !ok {
				return
			}
			if e := ctx.Err(); e != nil {
				fail(i, e)
				return
			}
			if e := do(i); e != nil {
				fail(i, e)
				return
			}
		}
	}
	if workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(work)
		}
		wg.Wait()
	}
	return err
}
