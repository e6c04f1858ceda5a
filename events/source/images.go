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
	if opts.PerClass < 0 {
		return nil, fmt.Errorf("source: png: per_class %d is negative", opts.PerClass)
	}
	classes, files, err := classFiles(dir, ".png", opts.PerClass)
	if err != nil {
		return nil, fmt.Errorf("source: png: %w", err)
	}
	lim := events.DefaultLimits()
	if err := events.LimitsError(); err != nil {
		return nil, err
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
	return cached(ctx, &opts.Options, cacheKey{Scheme: "png", Selection: dir, Params: opts.imageKey()}, filePaths(d),
		func() (*events.Dataset, error) { return convertImages(ctx, d, load, &opts.Options) })
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
// sample's Meta["seed"] (the sample's ID mixed with the base seed).
func convertImages(ctx context.Context, d *events.Dataset, load func(i int) (*image.Gray, error), opts *Options) (*events.Dataset, error) {
	var conv func(i int, img *image.Gray, seed uint64) ([]events.Event2D, error)
	switch opts.ImageCode {
	case "", Saccade:
		params := opts.saccade()
		model, err := convert.NewSaccadeModel(params)
		if err != nil {
			return nil, err
		}
		d.Sensor = convert.SaccadeSensor
		d.Sensor.Width, d.Sensor.Height = params.Width, params.Height
		conv = func(_ int, img *image.Gray, seed uint64) ([]events.Event2D, error) {
			return model.Convert(img, seed), nil
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
		conv = func(i int, img *image.Gray, seed uint64) ([]events.Event2D, error) {
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
	prog := startProgress(ctx, "converting images", len(d.Samples))
	err := convertAll(ctx, len(d.Samples), opts.Workers, prog, func(i int) error {
		s := &d.Samples[i]
		seed := SampleSeed(base, s.ID)
		if s.Meta == nil {
			s.Meta = map[string]string{}
		}
		s.Meta["seed"] = seedString(seed)
		img, err := load(i)
		if err != nil {
			return err
		}
		ev, err := conv(i, img, seed)
		s.Events2D = ev
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
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
	if err := checkOptions("png", query, "per_class", "code", "seed", "workers"); err != nil {
		return nil, err
	}
	if err := imageCode("png", query, o); err != nil {
		return nil, err
	}
	opts := ImageFolderOptions{Options: *o}
	var err error
	if opts.PerClass, err = nonNegInt("png", query, "per_class", 0); err != nil {
		return nil, err
	}
	if err := conversionOptions("png", query, &opts.Options); err != nil {
		return nil, err
	}
	return ImageFolder(ctx, path, opts)
}
