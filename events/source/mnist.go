package source

import (
	"context"
	"fmt"
	"image"
	"net/url"
	"strconv"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

func init() {
	register("mnist", Saccade, "MNIST digits (train|test, or the idx files of DIR) through the saccade model", openMNIST)
	registerLazy("mnist", func(ctx context.Context, path string, query url.Values, o *Options) (events.Stream, error) {
		dir, opts, err := mnistOptions(path, query, o)
		if err != nil {
			return nil, err
		}
		return MNISTLazy(ctx, dir, opts)
	})
}

// MNISTOptions select digits of MNIST and set up their conversion. The
// zero value converts all 60,000 training digits with the default saccade
// model and DefaultSeed.
type MNISTOptions struct {
	// Set is "train" (60,000 digits, the default) or "test" (10,000).
	Set string
	// PerClass keeps the first PerClass digits of each class in MNIST
	// order; 0 keeps all.
	PerClass int
	// Limit keeps the first Limit digits (after PerClass) in MNIST order;
	// 0 keeps all.
	Limit int
	Options
}

// MNIST reads MNIST digits from the idx files in dir ("" finds them with
// convert.MNISTDir: $MEMLSM_MNIST or the GoMNIST module in the Go module
// cache) and converts each to saccade events, the way N-MNIST was recorded
// (Orchard et al. 2015: an ATIS camera making three saccades in front of
// the digit on a screen). Classes are "0".."9"; a sample's ID is
// "mnist-<set>-<k>" with k the 1-based index in the set (NMNISTsmall's
// <k>.bs2 records the same training digit); its Meta holds "split" (the
// set), "mnist_index" and "seed".
func MNIST(ctx context.Context, dir string, opts MNISTOptions) (*events.Dataset, error) {
	d, imgs, err := mnistSelect(dir, opts)
	if err != nil {
		return nil, err
	}
	return convertImages(ctx, d, imgs, &opts.Options)
}

// MNISTLazy is MNIST as a stream that converts each digit when it is read
// (events.Lazy): the same samples with the same events, but only the
// digits' pixels (784 bytes each) are held, not their events (about 50 kB
// each), so a pipeline that bins each sample as it is read
// (experiment.Classify) handles all 60,000 training digits in little
// memory. Workers in opts is unused: the reader of the stream chooses its
// parallelism.
func MNISTLazy(ctx context.Context, dir string, opts MNISTOptions) (*events.Lazy, error) {
	d, imgs, err := mnistSelect(dir, opts)
	if err != nil {
		return nil, err
	}
	return lazyImages(d, imgs, &opts.Options)
}

// mnistSelect reads the digits opts selects: their samples (metadata only)
// and their images.
func mnistSelect(dir string, opts MNISTOptions) (*events.Dataset, []*image.Gray, error) {
	set := opts.Set
	if set == "" {
		set = "train"
	}
	if set != "train" && set != "test" {
		return nil, nil, fmt.Errorf("source: mnist: set %q is not train or test", set)
	}
	if opts.PerClass < 0 || opts.Limit < 0 {
		return nil, nil, fmt.Errorf("source: mnist: per_class %d or limit %d is negative", opts.PerClass, opts.Limit)
	}
	if dir == "" {
		var err error
		if dir, err = convert.MNISTDir(); err != nil {
			return nil, nil, fmt.Errorf("source: mnist: %w", err)
		}
	}
	all, lb, err := convert.LoadMNIST(dir, set, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("source: mnist: %w", err)
	}
	d := &events.Dataset{Classes: digitNames()}
	var imgs []*image.Gray
	var n [10]int
	for k, l := range lb {
		if opts.Limit > 0 && len(imgs) >= opts.Limit {
			break
		}
		if int(l) >= len(n) {
			return nil, nil, fmt.Errorf("source: mnist: %s: label %d of digit %d is not a digit", dir, l, k+1)
		}
		if opts.PerClass > 0 && n[l] >= opts.PerClass {
			continue
		}
		n[l]++
		imgs = append(imgs, all[k])
		d.Samples = append(d.Samples, events.Sample{Label: int(l), ID: fmt.Sprintf("mnist-%s-%d", set, k+1),
			Meta: map[string]string{"mnist_index": strconv.Itoa(k + 1), "split": set}})
	}
	if len(imgs) == 0 {
		return nil, nil, fmt.Errorf("source: mnist: nothing selected")
	}
	return d, imgs, nil
}

// openMNIST opens "mnist:train", "mnist:test" (the GoMNIST module's files)
// or "mnist:DIR?set=train|test" (the idx files in DIR). Options:
// per_class=N keeps the first N digits of each class, limit=N the first N
// digits, seed=N and workers=N as for fsdd:.
func openMNIST(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	dir, opts, err := mnistOptions(path, query, o)
	if err != nil {
		return nil, err
	}
	return MNIST(ctx, dir, opts)
}

// mnistOptions parses the path and options of an mnist: spec.
func mnistOptions(path string, query url.Values, o *Options) (string, MNISTOptions, error) {
	if err := checkOptions("mnist", query, "set", "per_class", "limit", "seed", "workers"); err != nil {
		return "", MNISTOptions{}, err
	}
	opts := MNISTOptions{Set: query.Get("set"), Options: *o}
	dir := path
	if path == "train" || path == "test" || path == "" {
		if opts.Set != "" && path != "" && opts.Set != path {
			return "", MNISTOptions{}, specErrorf("source: mnist:%s with set=%s: give one set", path, opts.Set)
		}
		if opts.Set == "" {
			opts.Set = path
		}
		dir = ""
	}
	switch opts.Set {
	case "", "train", "test":
	default:
		return "", MNISTOptions{}, specErrorf("source: mnist: set=%q is not train or test", opts.Set)
	}
	var err error
	if opts.PerClass, err = nonNegInt("mnist", query, "per_class", 0); err != nil {
		return "", MNISTOptions{}, err
	}
	if opts.Limit, err = nonNegInt("mnist", query, "limit", 0); err != nil {
		return "", MNISTOptions{}, err
	}
	if err := conversionOptions("mnist", query, &opts.Options); err != nil {
		return "", MNISTOptions{}, err
	}
	return dir, opts, nil
}
