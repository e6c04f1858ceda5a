package events_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/memlsm/memlsm/events"
)

// lazyOf returns a Lazy stream of n samples over 3 classes whose sample k
// has k+1 events (deterministic in k), and the same collection in memory.
func lazyOf(n int) (*events.Lazy, *events.Dataset, *atomic.Int64) {
	meta := &events.Dataset{Name: "gen", Sensor: events.NMNISTSensor, Classes: []string{"a", "b", "c"}}
	full := &events.Dataset{Name: "gen", Sensor: events.NMNISTSensor, Classes: meta.Classes}
	gen := func(k int, dst []events.Event2D) []events.Event2D {
		for j := range k + 1 {
			dst = append(dst, events.Event2D{T: uint32(10 * j), X: uint16((k + j) % 34), Y: uint16(k % 34), P: uint8(j & 1)})
		}
		return dst
	}
	for k := range n {
		s := events.Sample{Label: k % 3, ID: fmt.Sprint("s", k)}
		meta.Samples = append(meta.Samples, s)
		s.Events2D = gen(k, nil)
		full.Samples = append(full.Samples, s)
	}
	var calls atomic.Int64
	return events.NewLazy(meta, func(_ context.Context, k int, s *events.Sample) error {
		calls.Add(1)
		if s.ID != meta.Samples[k].ID {
			return fmt.Errorf("make(%d) got sample %s", k, s.ID)
		}
		s.Events2D = gen(k, s.Events2D[:0])
		return nil
	}), full, &calls
}

// collect reads a stream into per-sample copies of its events.
func collect(t *testing.T, s events.Stream, workers int) [][]events.Event2D {
	t.Helper()
	out := make([][]events.Event2D, s.Index().Len())
	err := s.Each(context.Background(), workers, func(i int, smp *events.Sample) error {
		if smp.ID != s.Index().Samples[i].ID || smp.Label != s.Index().Samples[i].Label {
			return fmt.Errorf("sample %d: got %s/%d, index says %s/%d", i, smp.ID, smp.Label, s.Index().Samples[i].ID, s.Index().Samples[i].Label)
		}
		if out[i] != nil {
			return fmt.Errorf("sample %d read twice", i)
		}
		out[i] = slices.Clone(smp.Events2D)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLazyMatchesDataset checks that a Lazy stream, its views and its
// loaded form give every sample once, with the events of the in-memory
// dataset, whatever the parallelism.
func TestLazyMatchesDataset(t *testing.T) {
	l, full, calls := lazyOf(40)
	for _, w := range []int{1, 3, 0} {
		calls.Store(0)
		got := collect(t, l, w)
		if calls.Load() != 40 {
			t.Errorf("workers %d: %d makes for 40 samples", w, calls.Load())
		}
		for i, ev := range collect(t, full, w) {
			if !slices.Equal(got[i], ev) {
				t.Fatalf("workers %d: sample %d differs from the dataset's", w, i)
			}
		}
	}
	loaded, err := l.Load(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range full.Samples {
		if !slices.Equal(loaded.Samples[i].Events2D, full.Samples[i].Events2D) || loaded.Samples[i].ID != full.Samples[i].ID {
			t.Fatalf("Load: sample %d differs", i)
		}
	}
	// Views: a subset of a per-class head, against the same on the dataset.
	pick := []int{5, 0, 3, 3}
	views := map[string][2]events.Stream{
		"PerClass":        {l.PerClass(4), full.PerClass(4)},
		"PerClassOf":      {events.PerClassOf(l, 4), events.PerClassOf(full, 4)},
		"Subset":          {l.PerClass(4).Subset(pick), full.PerClass(4).Subset(pick)},
		"SubsetOf/stream": {events.SubsetOf(onlyStream{l}, pick), full.Subset(pick)},
	}
	for name, v := range views {
		a, b := collect(t, v[0], 2), collect(t, v[1], 2)
		if len(a) != len(b) || v[0].Index().Len() != v[1].Index().Len() {
			t.Fatalf("%s: %d samples, dataset %d", name, len(a), len(b))
		}
		for i := range a {
			if !slices.Equal(a[i], b[i]) || v[0].Index().Samples[i].ID != v[1].Index().Samples[i].ID {
				t.Errorf("%s: sample %d differs", name, i)
			}
		}
	}
	if got := l.PerClass(2).Index().Name; got != "gen (first 2 per class)" {
		t.Errorf("PerClass name %q", got)
	}
}

// onlyStream hides the concrete type, to exercise the generic view.
type onlyStream struct{ events.Stream }

// TestStreamErrors checks that Each reports the failing sample with the
// lowest index, stops handing out samples, and stops on a cancelled
// context.
func TestStreamErrors(t *testing.T) {
	l, _, calls := lazyOf(200)
	bad := errors.New("bad sample")
	for _, w := range []int{1, 4} {
		calls.Store(0)
		err := l.Each(context.Background(), w, func(i int, _ *events.Sample) error {
			if i == 17 || i == 150 {
				return fmt.Errorf("sample %d: %w", i, bad)
			}
			return nil
		})
		if !errors.Is(err, bad) || err.Error() != "sample 17: bad sample" {
			t.Errorf("workers %d: %v", w, err)
		}
		if calls.Load() >= 150 {
			t.Errorf("workers %d: %d samples made after an error at 17", w, calls.Load())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls.Store(0)
	if err := l.Each(ctx, 2, func(int, *events.Sample) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if calls.Load() != 0 {
		t.Errorf("cancelled: %d samples made", calls.Load())
	}
}

// TestLazyReadAllocs checks that reading a Lazy stream reuses each
// worker's event buffers: with one worker, no allocation per sample once
// they have grown.
func TestLazyReadAllocs(t *testing.T) {
	l, _, _ := lazyOf(64)
	read := func() {
		if err := l.Each(context.Background(), 1, func(int, *events.Sample) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if a := testing.AllocsPerRun(5, read); a >= 32 { // a fixed cost per read (pool, goroutine), not one per sample
		t.Errorf("%v allocations to read 64 samples", a)
	}
}
