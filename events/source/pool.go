package source

import (
	"context"
	"hash/fnv"
	"runtime"
	"strconv"
	"sync"
)

// Progress receives the progress of slow work inside Open (converting audio
// or images to events): Add(n) after n more samples, Done once at the end.
// *progress.Bar of internal/progress satisfies it.
type Progress interface {
	Add(n int)
	Done()
}

type progressKey struct{}

// WithProgress returns a context under which Open reports the progress of
// its slow conversions (fsdd:, wav:, mnist:, png:, embedded:images) by
// calling start(desc, total) and then the returned Progress (which may be
// nil). Package source draws nothing itself, so it stays free of terminal
// concerns; a command passes a function that draws a bar on its stderr.
func WithProgress(ctx context.Context, start func(desc string, total int) Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, start)
}

// startProgress starts the progress report of ctx, if any.
func startProgress(ctx context.Context, desc string, total int) Progress {
	if start, ok := ctx.Value(progressKey{}).(func(string, int) Progress); ok && start != nil {
		return start(desc, total)
	}
	return nil
}

// SampleSeed is the seed of one recording's conversion: the base seed
// mixed with the recording's name (FNV-1a of the name, xor the base times
// the 64-bit golden ratio), so that a recording converts to the same
// events whatever else is converted with it.
func SampleSeed(base uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() ^ base*0x9e3779b97f4a7c15
}

func seedString(s uint64) string { return strconv.FormatUint(s, 10) }

// convertAll runs do(0..n-1) on workers goroutines (GOMAXPROCS if ≤ 0),
// reporting each finished index to prog. It stops at the first error or
// when ctx is done, and returns that error. It is the one worker pool of
// every conversion.
func convertAll(ctx context.Context, n, workers int, prog Progress, do func(i int) error) error {
	if prog != nil {
		defer prog.Done()
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				if err := do(i); err != nil {
					fail(err)
					return
				}
				if prog != nil {
					prog.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
