package source

import (
	"context"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/events"
)

func init() {
	register("nmnist", NoConverter, "N-MNIST .bin (official layout or numbered files with a label list)", openNMNIST)
}

// openNMNIST opens "nmnist:DIR" (official Train/Test layout or a slayer
// folder with label lists), "nmnist:DIR/LIST.txt" (one slayer label list)
// or "nmnist:FILE.bin" (one recording, as Tonic keeps its sample; also
// .bs2). Options: split=train|test (or a label list's name) keeps one
// partition, workers=N sets the number of parallel file reads; for one
// recording, label=D names its digit (without it the class is "?").
func openNMNIST(ctx context.Context, path string, query url.Values, _ *Options) (*events.Dataset, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".bin", ".bs2":
		return openNMNISTFile(ctx, path, query)
	}
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

// openNMNISTFile opens one N-MNIST recording as a one-sample dataset.
func openNMNISTFile(ctx context.Context, path string, query url.Values) (*events.Dataset, error) {
	if err := checkOptions("nmnist", query, "label"); err != nil {
		return nil, err
	}
	d := &events.Dataset{Sensor: events.NMNISTSensor, Classes: []string{"?"}}
	label := 0
	if query.Has("label") {
		l, err := strconv.Atoi(query.Get("label"))
		if err != nil || l < 0 || l > 9 {
			return nil, specErrorf("source: nmnist: label=%q is not a digit 0..9", query.Get("label"))
		}
		d.Classes, label = digitNames(), l
	}
	ev, err := events.ReadNMNISTFile(path, events.Limits{})
	if err != nil {
		return nil, err
	}
	d.Samples = []events.Sample{{Label: label, ID: filepath.Base(path), Events2D: ev, Meta: map[string]string{"file": path}}}
	return d, ctx.Err()
}
