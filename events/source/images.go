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
	register("png", Saccade, "grey PNG images in class folders DIR/<class>/*.png through the saccade model (or code=rate)", openPNG)
	schemes["png"] = withCode(schemes["png"])
}

// ImageCode is how an image scheme turns a static image into events.
type ImageCode string

// The image codes.
const (
	// CodeSaccade (the default) films the image with the simulated ATIS
	// camera of N-MNIST making three saccades (convert.SaccadeModel):
	// 34×34 ON/OFF events over ~300 ms.
	CodeSaccade ImageCode = "saccade"
	// CodeRate is the rate code of Lin et al. 2025's neural↔visual image
	// encoder (convert.RateCode): the static image, each pixel spiking at
	// each of 50 steps with probability 0.4·x (x the pixel in [−1, 1]),
	// one ON event per spike on the image's own grid (28×28 for MNIST).
	CodeRate ImageCode = "rate"
)

// converter returns the converter of a code.
func (c ImageCode) converter() Converter {
	if c == CodeRate {
		return Rate
	}
	return Saccade
}

// withCode makes an image scheme's converter follow its code= option.
func withCode(s scheme) scheme {
	s.converterFor = func(q url.Values) Converter { return ImageCode(q.Get("code")).converter() }
	return s
}

// codeOption parses the code= option of an image scheme.
func codeOption(scheme string, query url.Values) (ImageCode, error) {
	switch c := ImageCode(query.Get("code")); c {
	case "", CodeSaccade:
		return CodeSaccade, nil
	case CodeRate:
		return c, nil
	default:
		return "", specErrorf("source: %s: code=%q: want saccade (events of a simulated ATIS camera) or rate (the rate code of a static image)", scheme, string(c))
	}
}

// ImageFolderOptions select the images of a folder and set up their
// conversion. The zero value converts every image with the default saccade
// model and DefaultSeed.
type ImageFolderOptions struct {
	// PerClass keeps the first PerClass images of each class (in file name
	// order); 0 keeps all.
	PerClass int
	// Code turns each image into events; "" is CodeSaccade.
	Code ImageCode
	Options
}

// ImageFolder reads grey PNG images in class folders, DIR/<class>/*.png,
// and converts each to events in parallel: saccade events (the ATIS camera
// of N-MNIST watching the image on a screen through three saccades) or,
// with Code CodeRate, the image's rate code. Grey 255 is
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
	var imgs []*image.Gray
	d := &events.Dataset{Classes: classes}
	for c, fl := range files {
		for _, f := range fl {
			g, err := readGreyPNG(f)
			if err != nil {
				return nil, err
			}
			imgs = append(imgs, g)
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: relID(dir, f), Meta: map[string]string{"file": f}})
		}
	}
	return convertImages(ctx, d, imgs, opts.Code, &opts.Options)
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
// saccade model or the rate code in parallel, filling in d's sensor and
// each sample's Meta["seed"] (the sample's ID mixed with the base seed).
func convertImages(ctx context.Context, d *events.Dataset, imgs []*image.Gray, code ImageCode, opts *Options) (*events.Dataset, error) {
	var conv func(img *image.Gray, seed uint64) ([]events.Event2D, error)
	if code == CodeRate {
		p := opts.rate()
		if err := p.Validate(); err != nil {
			return nil, err
		}
		d.Sensor = convert.RateSensor
		if len(imgs) > 0 {
			b := imgs[0].Bounds()
			d.Sensor.Width, d.Sensor.Height = b.Dx(), b.Dy()
		}
		for i, img := range imgs {
			if b := img.Bounds(); b.Dx() != d.Sensor.Width || b.Dy() != d.Sensor.Height {
				return nil, fmt.Errorf("source: rate code: image %s is %d×%d, the first is %d×%d: a rate-coded data set needs one image size",
					d.Samples[i].ID, b.Dx(), b.Dy(), d.Sensor.Width, d.Sensor.Height)
			}
		}
		conv = func(img *image.Gray, seed uint64) ([]events.Event2D, error) { return convert.RateCode(img, p, seed) }
	} else {
		params := opts.saccade()
		model, err := convert.NewSaccadeModel(params)
		if err != nil {
			return nil, err
		}
		d.Sensor = convert.SaccadeSensor
		d.Sensor.Width, d.Sensor.Height = params.Width, params.Height
		conv = func(img *image.Gray, seed uint64) ([]events.Event2D, error) { return model.Convert(img, seed), nil }
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
		ev, err := conv(imgs[i], seed)
		s.Events2D = ev
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// openPNG opens "png:DIR". Options: per_class=N keeps the first N images
// of each class, code=saccade|rate chooses the events, seed=N and
// workers=N as for fsdd:.
func openPNG(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	if err := checkOptions("png", query, "per_class", "code", "seed", "workers"); err != nil {
		return nil, err
	}
	opts := ImageFolderOptions{Options: *o}
	var err error
	if opts.Code, err = codeOption("png", query); err != nil {
		return nil, err
	}
	if opts.PerClass, err = nonNegInt("png", query, "per_class", 0); err != nil {
		return nil, err
	}
	if err := conversionOptions("png", query, &opts.Options); err != nil {
		return nil, err
	}
	return ImageFolder(ctx, path, opts)
}
