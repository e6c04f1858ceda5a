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
	register("mnist", Saccade, "MNIST digits (train|test, or the idx files of DIR) through the saccade model, or rate-coded (code=rate)", openMNIST)
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
// the digit on a screen), or with Options.ImageCode Rate to the rate code
// of the neural↔visual image encoder (convert.RateCode). Classes are "0".."9"; a sample's ID is
// "mnist-<set>-<k>" with k the 1-based index in the set (NMNISTsmall's
// <k>.bs2 records the same training digit); its Meta holds "split" (the
// set), "mnist_index", "seed" and events.MetaInstance, the ID again: the
// pen trajectory that strokes: traced from the same digit carries the same
// instance.
func MNIST(ctx context.Context, dir string, opts MNISTOptions) (*events.Dataset, error) {
	dir, set, err := mnistArgs(dir, opts)
	if err != nil {
		return nil, err
	}
	imagesFile, labelsFile, err := convert.MNISTFiles(dir, set)
	if err != nil {
		return nil, fmt.Errorf("source: mnist: %w", err)
	}
	sel := []any{dir, set, opts.PerClass, opts.Limit}
	return cached(ctx, &opts.Options, cacheKey{Scheme: "mnist", Selection: sel, Params: opts.imageKey()}, []string{imagesFile, labelsFile}, func() (*events.Dataset, error) {
		d, imgs, err := mnistSelect(ctx, dir, set, opts)
		if err != nil {
			return nil, err
		}
		return convertImages(ctx, d, func(i int) (*image.Gray, error) { return imgs[i], nil }, &opts.Options)
	})
}

// MNISTLazy is MNIST as a stream that converts each digit when it is read
// (events.Lazy): the same samples with the same events, but only the
// digits' pixels (784 bytes each) are held, not their events (about 50 kB
// each for the saccade model), so a pipeline that bins each sample as it
// is read (experiment.Classify) handles all 60,000 training digits in
// little memory. The stream never reads or fills the conversion cache
// (a cached dataset is loaded whole, which is what the stream avoids).
// Workers in opts is unused: the reader of the stream chooses its
// parallelism.
func MNISTLazy(ctx context.Context, dir string, opts MNISTOptions) (*events.Lazy, error) {
	dir, set, err := mnistArgs(dir, opts)
	if err != nil {
		return nil, err
	}
	d, imgs, err := mnistSelect(ctx, dir, set, opts)
	if err != nil {
		return nil, err
	}
	return lazyImages(d, func(i int) (*image.Gray, error) { return imgs[i], nil }, &opts.Options)
}

// mnistArgs checks opts and returns the folder of the idx files (dir, or
// convert.MNISTDir's for "") and the set.
func mnistArgs(dir string, opts MNISTOptions) (string, string, error) {
	set := opts.Set
	if set == "" {
		set = "train"
	}
	if set != "train" && set != "test" {
		return "", "", fmt.Errorf("source: mnist: set %q is not train or test", set)
	}
	if opts.PerClass < 0 || opts.Limit < 0 {
		return "", "", fmt.Errorf("source: mnist: per_class %d or limit %d is negative", opts.PerClass, opts.Limit)
	}
	if dir == "" {
		var err error
		if dir, err = convert.MNISTDir(); err != nil {
			return "", "", fmt.Errorf("source: mnist: %w", err)
		}
	}
	return dir, set, nil
}

// mnistSelect reads the digits of set in dir that opts selects: their
// samples (metadata only) and their images.
func mnistSelect(ctx context.Context, dir, set string, opts MNISTOptions) (*events.Dataset, []*image.Gray, error) {
	// limit and per_class are applied while reading: the labels are read
	// up to the last one selected, then the images up to the last one
	// selected, keeping only the selected ones.
	var n [10]int
	keep := func(k int, l uint8) (take, done bool) {
		if opts.PerClass > 0 && n[l] >= opts.PerClass {
			return false, full(n[:], opts.PerClass)
		}
		n[l]++
		total := 0
		for _, c := range n {
			total += c
		}
		return true, opts.Limit > 0 && total >= opts.Limit || opts.PerClass > 0 && full(n[:], opts.PerClass)
	}
	imgs, idx, labels, err := convert.SelectMNIST(ctx, dir, set, opts.Limit > 0 || opts.PerClass > 0, keep)
	if err != nil {
		return nil, nil, fmt.Errorf("source: mnist: %w", err)
	}
	d := &events.Dataset{Classes: digitNames()}
	for j, k := range idx {
		id := fmt.Sprintf("mnist-%s-%d", set, k+1)
		d.Samples = append(d.Samples, events.Sample{Label: int(labels[j]), ID: id,
			Meta: map[string]string{"mnist_index": strconv.Itoa(k + 1), "split": set, events.MetaInstance: id}})
	}
	if len(imgs) == 0 {
		return nil, nil, fmt.Errorf("source: mnist: nothing selected")
	}
	return d, imgs, nil
}

// full reports whether every class has reached per.
func full(n []int, per int) bool {
	for _, c := range n {
		if c < per {
			return false
		}
	}
	return true
}

// openMNIST opens "mnist:train", "mnist:test" (the GoMNIST module's files)
// or "mnist:DIR?set=train|test" (the idx files in DIR). Options:
// per_class=N keeps the first N digits of each class, limit=N the first N
// digits, code=saccade|rate the conversion (the saccade model, the
// default, or the rate code of the BTV image encoder: static 28×28 images,
// convert.RateCode), seed=N and workers=N as for fsdd:.
func openMNIST(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	dir, opts, err := mnistOptions(path, query, o)
	if err != nil {
		return nil, err
	}
	return MNIST(ctx, dir, opts)
}

// mnistOptions parses the path and options of an mnist: spec.
func mnistOptions(path string, query url.Values, o *Options) (string, MNISTOptions, error) {
	if err := checkOptions("mnist", query, "set", "per_class", "limit", "code", "seed", "workers"); err != nil {
		return "", MNISTOptions{}, err
	}
	if err := imageCode("mnist", query, o); err != nil {
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
