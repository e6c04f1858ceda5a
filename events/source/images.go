package source

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/url"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

func init() {
	register("png", Saccade, "grey PNG images in class folders DIR/<class>/*.png through the saccade model", openPNG)
	registerLazy("png", func(ctx context.Context, path string, query url.Values, o *Options) (events.Stream, error) {
		opts, err := pngOptions(query, o)
		if err != nil {
			return nil, err
		}
		d, load, err := imageFolderSelect(path, opts)
		if err != nil {
			return nil, err
		}
		return lazyImages(d, load, &opts.Options)
	})
}

// ImageFolderOptions select the images of a folder and set up their
// conversion. The zero value converts every image with the default saccade
// model and DefaultSeed.
type ImageFolderOptions struct {
	// PerClass keeps the first PerClass images of each class (in file name
	// order); 0 keeps all.
	PerClass int
	Options
}

// ImageFolder reads grey PNG images in class folders, DIR/<class>/*.png,
// and converts each to saccade events (the ATIS camera of N-MNIST watching
// the image on a screen through three saccades) in parallel. Grey 255 is
// ink, as in MNIST's files; colour images are converted to grey first.
// Classes are the folder names, sorted; a sample's ID is "<class>/<file>"
// without ".png"; its Meta holds "file" and "seed".
func ImageFolder(ctx context.Context, dir string, opts ImageFolderOptions) (*events.Dataset, error) {
	d, load, err := imageFolderSelect(dir, opts)
	if err != nil {
		return nil, err
	}
	return cached(ctx, &opts.Options, cacheKey{Scheme: "png", Selection: dir, Params: opts.imageKey()}, filePaths(d),
		func() (*events.Dataset, error) { return convertImages(ctx, d, load, &opts.Options) })
}

// imageFolderSelect lists the images of dir that opts selects: their
// samples (metadata only) and the function that decodes image i.
func imageFolderSelect(dir string, opts ImageFolderOptions) (*events.Dataset, func(i int) (*image.Gray, error), error) {
	if opts.PerClass < 0 {
		return nil, nil, fmt.Errorf("source: png: per_class %d is negative", opts.PerClass)
	}
	classes, files, err := classFiles(dir, ".png", opts.PerClass)
	if err != nil {
		return nil, nil, fmt.Errorf("source: png: %w", err)
	}
	lim := events.DefaultLimits()
	if err := events.LimitsError(); err != nil {
		return nil, nil, err
	}
	d := &events.Dataset{Classes: classes}
	for c, fl := range files {
		for _, f := range fl {
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: relID(dir, f), Meta: map[string]string{"file": f}})
		}
	}
	// Each worker decodes its own image right before converting it, so at
	// most one image per worker is in memory.
	load := func(i int) (*image.Gray, error) { return readGreyPNG(d.Samples[i].Meta["file"], lim) }
	return d, load, nil
}

// readGreyPNG decodes a PNG as grey levels. Anything but a regular file is
// refused by name, and so is an image whose decoded pixels would take more
// than lim.Sample bytes (checked on its header before decoding: a small
// file can declare 30000 × 30000 pixels).
func readGreyPNG(path string, lim events.Limits) (*image.Gray, error) {
	f, _, err := events.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("source: png: %w", err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("source: png: %s: %w", path, err)
	}
	bpp := int64(4) // RGBA, paletted and grey images take less; 16-bit more
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model:
		bpp = 8
	}
	if need := int64(cfg.Width) * int64(cfg.Height) * bpp; need > lim.Sample {
		return nil, &events.FormatError{Format: "PNG", File: path, Offset: 16, Err: events.ErrLimit,
			Msg: fmt.Sprintf("a %d × %d image needs %d MiB to decode, over the read limit of %d MiB (set %s to read larger data)",
				cfg.Width, cfg.Height, need>>20, lim.Sample>>20, events.LimitEnv)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("source: png: %w", err)
	}
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("source: png: %s: %w", path, err)
	}
	if g, ok := img.(*image.Gray); ok {
		return g, nil
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g, nil
}

// convertImages converts image i (from load, called by the worker that
// converts it, so at most one image per worker is in memory) into
// d.Samples[i]'s events in parallel, with the saccade model or, for
// Options.ImageCode Rate, the rate code, filling in d's sensor and each
// sample's Meta["seed"] (the sample's ID mixed with the base seed). It is
// the eager form of lazyImages: the events are those a read of that
// stream gives.
func convertImages(ctx context.Context, d *events.Dataset, load func(i int) (*image.Gray, error), opts *Options) (*events.Dataset, error) {
	l, err := lazyImages(d, load, opts)
	if err != nil {
		return nil, err
	}
	if prog := startProgress(ctx, "converting images", d.Len()); prog != nil {
		defer prog.Done()
		conv := l.Make
		l.Make = func(ctx context.Context, k int, s *events.Sample) error {
			if err := conv(ctx, k, s); err != nil {
				return err
			}
			prog.Add(1)
			return nil
		}
	}
	return l.Load(ctx, opts.Workers)
}

// lazyImages returns d's samples, whose image i load decodes, as a Lazy
// stream that converts each image when it is read (with the saccade model
// or, for Options.ImageCode Rate, the rate code). It fills in d's sensor
// and every sample's Meta["seed"] (the sample's ID mixed with the base
// seed) at once.
func lazyImages(d *events.Dataset, load func(i int) (*image.Gray, error), opts *Options) (*events.Lazy, error) {
	var conv func(i int, img *image.Gray, seed uint64, dst []events.Event2D) ([]events.Event2D, error)
	switch opts.ImageCode {
	case "", Saccade:
		params := opts.saccade()
		model, err := convert.NewSaccadeModel(params)
		if err != nil {
			return nil, err
		}
		d.Sensor = convert.SaccadeSensor
		d.Sensor.Width, d.Sensor.Height = params.Width, params.Height
		conv = func(_ int, img *image.Gray, seed uint64, dst []events.Event2D) ([]events.Event2D, error) {
			return model.Append(dst, img, seed), nil
		}
	case Rate:
		var rp convert.RateParams
		if opts.RateCode != nil {
			rp = *opts.RateCode
		}
		if err := rp.Validate(); err != nil {
			return nil, err
		}
		if len(d.Samples) == 0 {
			return nil, fmt.Errorf("source: no image to rate-code")
		}
		first, err := load(0) // the sensor is the first image's size
		if err != nil {
			return nil, err
		}
		b := first.Bounds()
		d.Sensor = convert.RateSensor
		d.Sensor.Width, d.Sensor.Height = b.Dx(), b.Dy()
		conv = func(i int, img *image.Gray, seed uint64, _ []events.Event2D) ([]events.Event2D, error) {
			if img.Bounds().Size() != b.Size() {
				return nil, fmt.Errorf("source: image %s is %v, image %s %v: rate-coded images share one size (the sensor's)",
					d.Samples[i].ID, img.Bounds().Size(), d.Samples[0].ID, b.Size())
			}
			return convert.RateCode(img, rp, seed)
		}
	default:
		return nil, fmt.Errorf("source: image code %q is not saccade or rate", opts.ImageCode)
	}
	base := opts.seed()
	seeds := make([]uint64, d.Len())
	for i := range d.Samples {
		s := &d.Samples[i]
		seeds[i] = SampleSeed(base, s.ID)
		if s.Meta == nil {
			s.Meta = map[string]string{}
		}
		s.Meta["seed"] = seedString(seeds[i])
	}
	return events.NewLazy(d, func(_ context.Context, k int, s *events.Sample) error {
		img, err := load(k)
		if err != nil {
			return err
		}
		s.Events2D, err = conv(k, img, seeds[k], s.Events2D[:0])
		return err
	}), nil
}

// imageCode reads the code=saccade|rate option of an image scheme.
func imageCode(scheme string, query url.Values, opts *Options) error {
	if !query.Has("code") {
		return nil
	}
	switch c := Converter(query.Get("code")); c {
	case Saccade, Rate:
		opts.ImageCode = c
		return nil
	}
	return specErrorf("source: %s: code=%q is not saccade or rate", scheme, query.Get("code"))
}

// openPNG opens "png:DIR". Options: per_class=N keeps the first N images
// of each class, code=saccade|rate chooses the conversion (the saccade
// model, the default, or the BTV rate code), seed=N and workers=N as for
// fsdd:.
func openPNG(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	opts, err := pngOptions(query, o)
	if err != nil {
		return nil, err
	}
	return ImageFolder(ctx, path, opts)
}

// pngOptions parses the options of a png: spec.
func pngOptions(query url.Values, o *Options) (ImageFolderOptions, error) {
	if err := checkOptions("png", query, "per_class", "code", "seed", "workers"); err != nil {
		return ImageFolderOptions{}, err
	}
	if err := imageCode("png", query, o); err != nil {
		return ImageFolderOptions{}, err
	}
	opts := ImageFolderOptions{Options: *o}
	var err error
	if opts.PerClass, err = nonNegInt("png", query, "per_class", 0); err != nil {
		return ImageFolderOptions{}, err
	}
	if err := conversionOptions("png", query, &opts.Options); err != nil {
		return ImageFolderOptions{}, err
	}
	return opts, nil
}
