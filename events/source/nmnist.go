package source

import (
	"context"
	"net/url"
	"strconv"

	"github.com/memlsm/memlsm/events"
)

func init() {
	register("nmnist", NoConverter, "N-MNIST .bin (official layout or numbered files with a label list)", openNMNIST)
}

// openNMNIST opens "nmnist:DIR" (official Train/Test layout or a slayer
// folder with label lists) or "nmnist:DIR/LIST.txt" (one slayer label
// list). Options: split=train|test (or a label list's name) keeps one
// partition, workers=N sets the number of parallel file reads.
func openNMNIST(ctx context.Context, path string, query url.Values, _ *Options) (*events.Dataset, error) {
	if err := checkOptions("nmnist", query, "split", "workers"); err != nil {
		return nil, err
	}
	opts := events.NMNISTOptions{Split: query.Get("split")}
	if w := query.Get("workers"); query.Has("workers") {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 {
			return nil, specErrorf("source: nmnist: workers=%q is not a positive integer", w)
		}
		opts.Workers = n
	}
	return events.ReadNMNIST(ctx, path, opts)
}
