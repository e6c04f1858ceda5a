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
	d := &events.Dataset{Classes: classes}
	for c, fl := range files {
		for _, f := range fl {
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: relID(dir, f), Meta: map[string]string{"file": f}})
		}
	}
	return cached(ctx, &opts.Options, cacheKey{Scheme: "png", Selection: dir, Params: opts.saccade()}, filePaths(d), func() (*events.Dataset, error) {
		imgs := make([]*image.Gray, len(d.Samples))
		for i := range d.Samples {
			var err error
			if imgs[i], err = readGreyPNG(d.Samples[i].Meta["file"]); err != nil {
				return nil, err
			}
		}
		return convertImages(ctx, d, imgs, &opts.Options)
	})
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
// saccade model in parallel, filling in d's sensor and each sample's
// Meta["seed"] (the sample's ID mixed with the base seed).
func convertImages(ctx context.Context, d *events.Dataset, imgs []*image.Gray, opts *Options) (*events.Dataset, error) {
	params := opts.saccade()
	model, err := convert.NewSaccadeModel(params)
	if err != nil {
		return nil, err
	}
	d.Sensor = convert.SaccadeSensor
	d.Sensor.Width, d.Sensor.Height = params.Width, params.Height
	base := opts.seed()
	prog := startProgress(ctx, "converting images", len(d.Samples))
	err = convertAll(ctx, len(d.Samples), opts.Workers, prog, func(i int) error {
		s := &d.Samples[i]
		seed := SampleSeed(base, s.ID)
		if s.Meta == nil {
			s.Meta = map[string]string{}
		}
		s.Meta["seed"] = seedString(seed)
		s.Events2D = model.Convert(imgs[i], seed)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// openPNG opens "png:DIR". Options: per_class=N keeps the first N images
// of each class, seed=N and workers=N as for fsdd:.
func openPNG(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	if err := checkOptions("png", query, "per_class", "seed", "workers"); err != nil {
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
