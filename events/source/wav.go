package source

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

func init() {
	register("wav", Cochlea, "WAV files in class folders DIR/<class>/*.wav (or the AudioMNIST tree) through the cochlea model", openWAV)
}

// WAVOptions select the recordings of a WAV folder and set up their
// conversion. The zero value converts every recording with the default
// cochlea model and DefaultSeed.
type WAVOptions struct {
	// PerClass keeps the first PerClass recordings of each class (in file
	// name order); 0 keeps all.
	PerClass int
	Options
}

// Layouts of a WAV folder.
const (
	// LayoutClasses is DIR/<class>/*.wav: each folder is a class.
	LayoutClasses = "classes"
	// LayoutAudioMNIST is AudioMNIST's DIR/<speaker>/<digit>_<speaker>_<index>.wav
	// (Becker et al. 2018, github.com/soerenab/AudioMNIST): the folders are
	// speakers, the digit is in the file name.
	LayoutAudioMNIST = "audiomnist"
)

// WAVLayout tells the layout of a WAV folder: LayoutAudioMNIST when every
// sub-folder is named by digits and every WAV file in it is named
// <digit>_<folder>_<index>.wav, else LayoutClasses.
func WAVLayout(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	folders := 0
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if strings.Trim(e.Name(), "0123456789") != "" {
			return LayoutClasses, nil
		}
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		for _, f := range sub {
			if f.IsDir() || !strings.EqualFold(filepath.Ext(f.Name()), ".wav") {
				continue
			}
			ff, err := events.ParseFSDDName(f.Name())
			if err != nil || ff.Speaker != e.Name() {
				return LayoutClasses, nil
			}
		}
		folders++
	}
	if folders == 0 {
		return LayoutClasses, nil
	}
	return LayoutAudioMNIST, nil
}

// WAV reads a folder of WAV recordings and converts each to cochlea events
// in parallel. In the class layout (DIR/<class>/*.wav) the classes are the
// folder names, sorted, and a sample's ID is "<class>/<file>" without
// ".wav". In the AudioMNIST layout (see WAVLayout) the classes are the
// digits "0".."9", each sample's Speaker is its folder and its ID the file
// name without ".wav". Each sample's Meta holds "file", "rate" and "seed"
// (and "index" for AudioMNIST).
func WAV(ctx context.Context, dir string, opts WAVOptions) (*events.Dataset, error) {
	if opts.PerClass < 0 {
		return nil, fmt.Errorf("source: wav: per_class %d is negative", opts.PerClass)
	}
	layout, err := WAVLayout(dir)
	if err != nil {
		return nil, fmt.Errorf("source: wav: %w", err)
	}
	var d *events.Dataset
	if layout == LayoutAudioMNIST {
		files, err := events.ListFSDD(dir)
		if err != nil {
			return nil, fmt.Errorf("source: wav: %w", err)
		}
		if files, err = selectFSDD(files, FSDDOptions{PerClass: opts.PerClass}); err != nil {
			return nil, fmt.Errorf("source: wav: %s: %w", dir, err)
		}
		d = &events.Dataset{Classes: digitNames()}
		for _, f := range files {
			id := strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path))
			d.Samples = append(d.Samples, events.Sample{Label: f.Digit, ID: id, Speaker: f.Speaker,
				Meta: map[string]string{"file": f.Path, "index": strconv.Itoa(f.Index), "layout": layout}})
		}
	} else {
		classes, files, err := classFiles(dir, ".wav", opts.PerClass)
		if err != nil {
			return nil, fmt.Errorf("source: wav: %w", err)
		}
		d = &events.Dataset{Classes: classes}
		for c, fl := range files {
			for _, f := range fl {
				d.Samples = append(d.Samples, events.Sample{Label: c, ID: relID(dir, f), Meta: map[string]string{"file": f}})
			}
		}
	}
	return cached(ctx, &opts.Options, cacheKey{Scheme: "wav", Selection: []string{dir, layout}, Params: opts.audioKey()}, filePaths(d),
		func() (*events.Dataset, error) { return convertAudio(ctx, d, &opts.Options) })
}

// convertAudio converts the recordings named by the samples' Meta["file"]
// to cochlea events in parallel, filling in d's sensor and each sample's
// events, Meta["rate"] and Meta["seed"]: each recording is perturbed first
// if opts ask (Meta["perturb"]), and kept as heard with KeepAudio.
func convertAudio(ctx context.Context, d *events.Dataset, opts *Options) (*events.Dataset, error) {
	params := opts.cochlea()
	model, err := convert.NewCochleaModel(params)
	if err != nil {
		return nil, err
	}
	d.Sensor = convert.CochleaSensor
	d.Sensor.Channels = params.Channels
	base := opts.seed()
	prog := startProgress(ctx, "converting audio", len(d.Samples))
	err = convertAll(ctx, len(d.Samples), opts.Workers, prog, func(i int) error {
		s := &d.Samples[i]
		x, rate, err := events.ReadWAVFile(s.Meta["file"])
		if err != nil {
			return err
		}
		seed := SampleSeed(base, s.ID)
		if len(opts.Perturb) > 0 {
			if x, err = opts.Perturb.Apply(x, rate, SampleSeed(opts.PerturbSeed, s.ID)); err != nil {
				return fmt.Errorf("source: %s: %w", s.Meta["file"], err)
			}
			s.Meta["perturb"] = opts.Perturb.String()
		}
		if s.Events1D, err = model.Convert(x, rate, seed); err != nil { // endpoint detection inside
			return fmt.Errorf("source: %s: %w", s.Meta["file"], err)
		}
		s.Meta["rate"], s.Meta["seed"] = strconv.Itoa(rate), seedString(seed)
		if opts.KeepAudio {
			heard := model.Trim(x, rate)
			w := &events.Waveform{Rate: rate, Samples: make([]float32, len(heard))}
			for k, v := range heard {
				w.Samples[k] = float32(v)
			}
			s.Audio = w
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// openWAV opens "wav:DIR". Options: per_class=N keeps the first N
// recordings of each class, seed=N, workers=N, perturb=CHAIN,
// perturb_seed=N, endpoint=on|off and keep_audio=1 as for fsdd:.
func openWAV(ctx context.Context, path string, query url.Values, o *Options) (*events.Dataset, error) {
	if err := checkOptions("wav", query, append([]string{"per_class", "seed", "workers"}, audioKeys...)...); err != nil {
		return nil, err
	}
	opts := WAVOptions{Options: *o}
	var err error
	if opts.PerClass, err = nonNegInt("wav", query, "per_class", 0); err != nil {
		return nil, err
	}
	if err := conversionOptions("wav", query, &opts.Options); err != nil {
		return nil, err
	}
	if err := audioOptions("wav", query, &opts.Options); err != nil {
		return nil, err
	}
	return WAV(ctx, path, opts)
}
