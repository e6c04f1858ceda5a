package source

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"net/url"
	"os"

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
		d, imgs, err := imageFolderSelect(path, opts)
		if err != nil {
			return nil, err
		}
		return lazyImages(d, imgs, &opts.Options)
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
	d, imgs, err := imageFolderSelect(dir, opts)
	if err != nil {
		return nil, err
	}
	return convertImages(ctx, d, imgs, &opts.Options)
}

// imageFolderSelect reads the images of dir that opts selects: their
// samples (metadata only) and their pixels.
func imageFolderSelect(dir string, opts ImageFolderOptions) (*events.Dataset, []*image.Gray, error) {
	if opts.PerClass < 0 {
		return nil, nil, fmt.Errorf("source: png: per_class %d is negative", opts.PerClass)
	}
	classes, files, err := classFiles(dir, ".png", opts.PerClass)
	if err != nil {
		return nil, nil, fmt.Errorf("source: png: %w", err)
	}
	var imgs []*image.Gray
	d := &events.Dataset{Classes: classes}
	for c, fl := range files {
		for _, f := range fl {
			g, err := readGreyPNG(f)
			if err != nil {
				return nil, nil, err
			}
			imgs = append(imgs, g)
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: relID(dir, f), Meta: map[string]string{"file": f}})
		}
	}
	return d, imgs, nil
}

func readGreyPNG(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("source: png: %w", err)
	}
	defer f.Close()
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

// convertImages converts imgs[i] into d.Samples[i]'s events with the
// saccade model in parallel (the eager form of lazyImages), filling in d's
// sensor and each sample's Meta["seed"] (the sample's ID mixed with the
// base seed).
func convertImages(ctx context.Context, d *events.Dataset, imgs []*image.Gray, opts *Options) (*events.Dataset, error) {
	l, err := lazyImages(d, imgs, opts)
	if err != nil {
		return nil, err
	}
	prog := startProgress(ctx, "converting images", d.Len())
	if prog != nil {
		defer prog.Done()
		make := l.Make
		l.Make = func(ctx context.Context, k int, s *events.Sample) error {
			err := make(ctx, k, s)
			prog.Add(1)
			return err
		}
	}
	return l.Load(ctx, opts.Workers)
}

// lazyImages returns the samples of d, whose image is imgs[i], as a Lazy
// stream that converts each image to saccade events when it is read. It
// fills in d's sensor and each sample's Meta["seed"] (the sample's ID mixed
// with the base seed) at once; the events of a sample are those that
// convertImages gives it.
func lazyImages(d *events.Dataset, imgs []*image.Gray, opts *Options) (*events.Lazy, error) {
	params := opts.saccade()
	model, err := convert.NewSaccadeModel(params)
	if err != nil {
		return nil, err
	}
	d.Sensor = convert.SaccadeSensor
	d.Sensor.Width, d.Sensor.Height = params.Width, params.Height
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
		s.Events2D = model.Append(s.Events2D[:0], imgs[k], seeds[k])
		return nil
	}), nil
}

// openPNG opens "png:DIR". Options: per_class=N keeps the first N images
// of each class, seed=N and workers=N as for fsdd:.
func openPNG(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	opts, err := pngOptions(query, o)
	if err != nil {
		return nil, err
	}
	return ImageFolder(ctx, path, opts)
}

// pngOptions parses the options of a png: spec.
func pngOptions(query url.Values, o *Options) (ImageFolderOptions, error) {
	if err := checkOptions("png", query, "per_class", "seed", "workers"); err != nil {
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
