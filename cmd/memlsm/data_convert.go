package main

// memlsm data convert: audio and images → events through memlsm's sensor
// models (events/convert), written in the compact event format (.mev).

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"image"
	"image/draw"
	"image/png"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/internal/progress"
	"github.com/memlsm/memlsm/units"
)

func init() {
	dataCommands["convert"] = dataCommand{
		summary: "convert audio (cochlea) or images (saccades) to events in the compact format",
		run:     runDataConvert,
	}
}

const dataConvertUsage = `data convert IN --out FILE.mev [--seed N] [converter flags] [--json]

Converts recordings to events with memlsm's sensor models and writes them in
the compact event format (read back with mev:FILE.mev). IN is one of

  fsdd:DIR[?speakers=a,b&exclude=c&split=train|test&per_class=N]
          WAV files named <digit>_<speaker>_<index>.wav → cochlea events
  wav:DIR[?per_class=N]
          WAV files in class folders DIR/<class>/*.wav → cochlea events
  mnist:train|test[?per_class=N&limit=N]   or   mnist:DIR?set=train|test&...
          MNIST digits (the idx files of the GoMNIST module, or of DIR)
          → saccade events; per_class keeps the first N of each digit,
          limit the first N in MNIST order
  png:DIR[?per_class=N]
          grey PNG images in class folders DIR/<class>/*.png → saccade
          events; grey 255 is ink, as in MNIST's files

Every sample's seed mixes --seed with its name, so a recording converts to
the same events whatever else is converted with it. --params FILE.json
loads a whole parameter set (the JSON of convert.SaccadeParams or
convert.CochleaParams); the flags below override single fields.

Flags:`

// dataConvertResult is the output of data convert --json.
type dataConvertResult struct {
	Source      string         `json:"source"`
	Out         string         `json:"out"`
	Converter   string         `json:"converter"` // "cochlea" or "saccade"
	Samples     int            `json:"samples"`
	Classes     []string       `json:"classes"`
	ClassCounts map[string]int `json:"class_counts"`
	Events      int64          `json:"events"`
	Bytes       int            `json:"bytes"`
	Seed        uint64         `json:"seed"`
	Params      any            `json:"params"`
}

// convertFlags are the converter parameters a command line may set.
type convertFlags struct {
	params string
	// saccade
	threshold, blackLevel, blur, mismatch float64
	pixelNoise                            units.Hertz
	// cochlea
	channels                   int
	freqLow, freqHigh, maxRate units.Hertz
	tapQ, level, halfSat       float64
	channelNoise               units.Hertz
}

func (f *convertFlags) register(fs *flag.FlagSet) {
	s, c := convert.DefaultSaccadeParams(), convert.DefaultCochleaParams()
	fs.StringVar(&f.params, "params", "", "JSON file of converter parameters (defaults: the N-MNIST / N-TIDIGITS models)")
	f.threshold, f.blackLevel, f.blur, f.mismatch, f.pixelNoise = s.ThresholdOn, s.BlackLevel, s.Blur, s.ThresholdMismatch, s.NoiseRate
	fs.Float64Var(&f.threshold, "threshold", f.threshold, "images: contrast threshold of the pixels, ln-intensity units (ON and OFF)")
	fs.Float64Var(&f.blackLevel, "black-level", f.blackLevel, "images: display black level relative to white (1/contrast)")
	fs.Float64Var(&f.blur, "blur", f.blur, "images: σ of the optical blur in pixels")
	fs.Float64Var(&f.mismatch, "mismatch", f.mismatch, "images: relative σ of the per-pixel thresholds")
	fs.Var(&f.pixelNoise, "pixel-noise", "images: background events per pixel per second")
	f.channels, f.freqLow, f.freqHigh, f.maxRate = c.Channels, c.FreqLow, c.FreqHigh, c.Rate
	f.tapQ, f.level, f.halfSat, f.channelNoise = c.TapQ, c.Level, c.HalfSat, c.NoiseRate
	fs.IntVar(&f.channels, "channels", f.channels, "audio: cochlea channels")
	fs.Var(&f.freqLow, "freq-low", "audio: best frequency of the last channel")
	fs.Var(&f.freqHigh, "freq-high", "audio: best frequency of channel 0")
	fs.Float64Var(&f.tapQ, "tap-q", f.tapQ, "audio: quality factor of the channels' band-pass filters")
	fs.Float64Var(&f.level, "level", f.level, "audio: active speech level (ITU-T P.56) recordings are scaled to, dB")
	fs.Float64Var(&f.halfSat, "half-sat", f.halfSat, "audio: half-saturation level of the hair-cell compression")
	fs.Var(&f.maxRate, "max-rate", "audio: ganglion-cell drive at saturation")
	fs.Var(&f.channelNoise, "channel-noise", "audio: spontaneous events per channel per second")
}

// readParams loads --params into p (a pointer to a params struct).
func (f *convertFlags) readParams(p any) error {
	if f.params == "" {
		return nil
	}
	b, err := os.ReadFile(f.params)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("--params %s: %w", f.params, err)
	}
	return nil
}

func (f *convertFlags) saccade(set map[string]bool) (convert.SaccadeParams, error) {
	p := convert.DefaultSaccadeParams()
	if err := f.readParams(&p); err != nil {
		return p, err
	}
	if set["threshold"] {
		p.ThresholdOn, p.ThresholdOff = f.threshold, f.threshold
	}
	if set["black-level"] {
		p.BlackLevel = f.blackLevel
	}
	if set["blur"] {
		p.Blur = f.blur
	}
	if set["mismatch"] {
		p.ThresholdMismatch = f.mismatch
	}
	if set["pixel-noise"] {
		p.NoiseRate = f.pixelNoise
	}
	for _, n := range []string{"channels", "freq-low", "freq-high", "tap-q", "level", "half-sat", "max-rate", "channel-noise"} {
		if set[n] {
			return p, usagef("data convert: --%s applies to audio, not images", n)
		}
	}
	return p, p.Validate()
}

func (f *convertFlags) cochlea(set map[string]bool) (convert.CochleaParams, error) {
	p := convert.DefaultCochleaParams()
	if err := f.readParams(&p); err != nil {
		return p, err
	}
	if set["channels"] {
		p.Channels = f.channels
	}
	if set["freq-low"] {
		p.FreqLow = f.freqLow
	}
	if set["freq-high"] {
		p.FreqHigh = f.freqHigh
	}
	if set["tap-q"] {
		p.TapQ = f.tapQ
	}
	if set["level"] {
		p.Level = f.level
	}
	if set["half-sat"] {
		p.HalfSat = f.halfSat
	}
	if set["max-rate"] {
		p.Rate = f.maxRate
	}
	if set["channel-noise"] {
		p.NoiseRate = f.channelNoise
	}
	for _, n := range []string{"threshold", "black-level", "blur", "mismatch", "pixel-noise"} {
		if set[n] {
			return p, usagef("data convert: --%s applies to images, not audio", n)
		}
	}
	return p, p.Validate()
}

// defaultConvertSeed is the base seed of data convert (any fixed value).
const defaultConvertSeed = 1

func runDataConvert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data convert", dataConvertUsage, stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: memlsm %s\n", dataConvertUsage)
		fs.PrintDefaults()
	}
	out := fs.String("out", "", "compact event file to write (required)")
	seed := fs.Uint64("seed", defaultConvertSeed, "base seed of the conversions (recorded in the output)")
	workers := fs.Int("workers", 0, "conversions in parallel (0: one per CPU)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	var cf convertFlags
	cf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("data convert: want one IN, got %d arguments", len(pos))
	}
	if *out == "" {
		return usagef("data convert: --out FILE.mev is required")
	}
	if *workers < 0 {
		return usagef("data convert: --workers must not be negative")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	spec := pos[0]
	scheme, rest, ok := strings.Cut(spec, ":")
	if !ok {
		return usagef("data convert: %q is not scheme:path (fsdd:, wav:, mnist:, png:)", spec)
	}
	path, rawQuery, _ := strings.Cut(rest, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return usagef("data convert: bad options %q: %v", rawQuery, err)
	}
	var (
		d      *events.Dataset
		params any
		kind   string
	)
	switch scheme {
	case "fsdd", "wav":
		p, err := cf.cochlea(set)
		if err != nil {
			return err
		}
		params, kind = p, "cochlea"
		if scheme == "fsdd" {
			d, err = convertFSDD(ctx, path, query, p, *seed, *workers, stderr)
		} else {
			d, err = convertWAVFolder(ctx, path, query, p, *seed, *workers, stderr)
		}
		if err != nil {
			return err
		}
	case "mnist", "png":
		p, err := cf.saccade(set)
		if err != nil {
			return err
		}
		params, kind = p, "saccade"
		var imgs []*image.Gray
		var names []string
		var labels []int
		var classes []string
		var meta []map[string]string
		if scheme == "mnist" {
			imgs, names, labels, meta, err = selectMNIST(path, query)
			classes = digitClassNames()
		} else {
			imgs, names, labels, classes, err = readPNGFolder(path, query)
		}
		if err != nil {
			return err
		}
		d, err = saccadeDataset(ctx, imgs, names, labels, classes, meta, p, *seed, *workers, stderr)
		if err != nil {
			return err
		}
	default:
		return usagef("data convert: unknown input scheme %q (fsdd:, wav:, mnist:, png:)", scheme)
	}
	d.Name = spec
	var buf bytes.Buffer
	if err := events.WriteDataset(&buf, d); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return fmt.Errorf("data convert: %w", err)
	}
	r := dataConvertResult{Source: spec, Out: *out, Converter: kind, Samples: d.Len(), Classes: d.Classes,
		ClassCounts: map[string]int{}, Bytes: buf.Len(), Seed: *seed, Params: params}
	for i, n := range d.ClassCounts() {
		if n > 0 {
			r.ClassCounts[d.Classes[i]] = n
		}
	}
	for i := range d.Samples {
		r.Events += int64(d.Samples[i].Len())
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(stderr, "%s: %d samples, %d events (%s model, seed %d) → %s (%d bytes)\n",
		spec, r.Samples, r.Events, kind, *seed, *out, r.Bytes)
	return nil
}

// sampleSeed mixes the base seed with a sample's name (FNV-1a).
func sampleSeed(base uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() ^ base*0x9e3779b97f4a7c15
}

func digitClassNames() []string {
	c := make([]string, 10)
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}

// convertOptionInt reads a non-negative integer option.
func convertOptionInt(query url.Values, key string) (int, error) {
	if !query.Has(key) {
		return 0, nil
	}
	n, err := strconv.Atoi(query.Get(key))
	if err != nil || n < 0 {
		return 0, usagef("data convert: %s=%q is not a non-negative integer", key, query.Get(key))
	}
	return n, nil
}

func checkConvertOptions(scheme string, query url.Values, known ...string) error {
	for k := range query {
		if !slices.Contains(known, k) {
			return usagef("data convert: %s: unknown option %q (known: %s)", scheme, k, strings.Join(known, ", "))
		}
	}
	return nil
}

func convertFSDD(ctx context.Context, dir string, query url.Values, p convert.CochleaParams, seed uint64, workers int, stderr io.Writer) (*events.Dataset, error) {
	if err := checkConvertOptions("fsdd", query, "speakers", "exclude", "split", "per_class"); err != nil {
		return nil, err
	}
	opts := source.FSDDOptions{Split: query.Get("split"), Cochlea: &p, Seed: seed, Workers: workers}
	for _, k := range []string{"speakers", "exclude"} {
		if !query.Has(k) {
			continue
		}
		names := strings.Split(query.Get(k), ",")
		if k == "speakers" {
			opts.Speakers = names
		} else {
			opts.Exclude = names
		}
	}
	var err error
	if opts.PerClass, err = convertOptionInt(query, "per_class"); err != nil {
		return nil, err
	}
	ctx = source.WithProgress(ctx, func(desc string, total int) source.Progress {
		return progress.New(stderr, total, desc)
	})
	return source.FSDD(ctx, dir, opts)
}

// classFiles lists DIR/<class>/*<ext>: class names sorted, files sorted.
func classFiles(dir, ext string, perClass int) (classes []string, files [][]string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		var fl []string
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		for _, f := range sub {
			if !f.IsDir() && strings.EqualFold(filepath.Ext(f.Name()), ext) {
				fl = append(fl, filepath.Join(dir, e.Name(), f.Name()))
			}
		}
		if len(fl) == 0 {
			continue
		}
		slices.Sort(fl)
		if perClass > 0 && len(fl) > perClass {
			fl = fl[:perClass]
		}
		classes = append(classes, e.Name())
		files = append(files, fl)
	}
	if len(classes) == 0 {
		return nil, nil, fmt.Errorf("%s holds no class folders with %s files", dir, ext)
	}
	return classes, files, nil
}

// parallelDo runs do(0..n-1) on workers goroutines with a progress bar on
// stderr, stopping at the first error or when ctx is done.
func parallelDo(ctx context.Context, n, workers int, desc string, stderr io.Writer, do func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	bar := progress.New(stderr, n, desc)
	defer bar.Done()
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil || ctx.Err() != nil
				mu.Unlock()
				if stop || i >= n {
					return
				}
				if err := do(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				bar.Add(1)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func convertWAVFolder(ctx context.Context, dir string, query url.Values, p convert.CochleaParams, seed uint64, workers int, stderr io.Writer) (*events.Dataset, error) {
	if err := checkConvertOptions("wav", query, "per_class"); err != nil {
		return nil, err
	}
	perClass, err := convertOptionInt(query, "per_class")
	if err != nil {
		return nil, err
	}
	classes, files, err := classFiles(dir, ".wav", perClass)
	if err != nil {
		return nil, fmt.Errorf("data convert: wav: %w", err)
	}
	model, err := convert.NewCochleaModel(p)
	if err != nil {
		return nil, err
	}
	sensor := convert.CochleaSensor
	sensor.Channels = p.Channels
	d := &events.Dataset{Sensor: sensor, Classes: classes}
	for c, fl := range files {
		for _, f := range fl {
			rel, _ := filepath.Rel(dir, f)
			id := filepath.ToSlash(strings.TrimSuffix(rel, filepath.Ext(rel)))
			s := sampleSeed(seed, id)
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: id,
				Meta: map[string]string{"file": f, "seed": strconv.FormatUint(s, 10)}})
		}
	}
	err = parallelDo(ctx, len(d.Samples), workers, "converting audio", stderr, func(i int) error {
		sm := &d.Samples[i]
		x, rate, err := events.ReadWAVFile(sm.Meta["file"])
		if err != nil {
			return err
		}
		s, _ := strconv.ParseUint(sm.Meta["seed"], 10, 64)
		if sm.Events1D, err = model.Convert(x, rate, s); err != nil {
			return fmt.Errorf("data convert: %s: %w", sm.Meta["file"], err)
		}
		sm.Meta["rate"] = strconv.Itoa(rate)
		return nil
	})
	return d, err
}

// selectMNIST reads "mnist:train", "mnist:test" or "mnist:DIR?set=...".
func selectMNIST(path string, query url.Values) (imgs []*image.Gray, names []string, labels []int, meta []map[string]string, err error) {
	if err := checkConvertOptions("mnist", query, "set", "per_class", "limit"); err != nil {
		return nil, nil, nil, nil, err
	}
	set := query.Get("set")
	dir := path
	if path == "train" || path == "test" || path == "" {
		if set == "" {
			set = path
		}
		if dir, err = convert.MNISTDir(); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	if set == "" {
		set = "train"
	}
	perClass, err := convertOptionInt(query, "per_class")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	limit, err := convertOptionInt(query, "limit")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	all, lb, err := convert.LoadMNIST(dir, set, 0)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var n [10]int
	for k, l := range lb {
		if limit > 0 && len(imgs) >= limit {
			break
		}
		if perClass > 0 && n[l] >= perClass {
			continue
		}
		n[l]++
		imgs = append(imgs, all[k])
		names = append(names, fmt.Sprintf("mnist-%s-%d", set, k+1))
		labels = append(labels, int(l))
		meta = append(meta, map[string]string{"mnist_index": strconv.Itoa(k + 1), "set": set})
	}
	if len(imgs) == 0 {
		return nil, nil, nil, nil, fmt.Errorf("data convert: mnist: nothing selected")
	}
	return imgs, names, labels, meta, nil
}

// readPNGFolder reads DIR/<class>/*.png as grey images.
func readPNGFolder(dir string, query url.Values) (imgs []*image.Gray, names []string, labels []int, classes []string, err error) {
	if err := checkConvertOptions("png", query, "per_class"); err != nil {
		return nil, nil, nil, nil, err
	}
	perClass, err := convertOptionInt(query, "per_class")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	classes, files, err := classFiles(dir, ".png", perClass)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("data convert: png: %w", err)
	}
	for c, fl := range files {
		for _, f := range fl {
			g, err := readGreyPNG(f)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			rel, _ := filepath.Rel(dir, f)
			imgs = append(imgs, g)
			names = append(names, filepath.ToSlash(strings.TrimSuffix(rel, filepath.Ext(rel))))
			labels = append(labels, c)
		}
	}
	return imgs, names, labels, classes, nil
}

func readGreyPNG(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data convert: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("data convert: %s: %w", path, err)
	}
	if g, ok := img.(*image.Gray); ok {
		return g, nil
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g, nil
}

func saccadeDataset(ctx context.Context, imgs []*image.Gray, names []string, labels []int, classes []string, meta []map[string]string, p convert.SaccadeParams, seed uint64, workers int, stderr io.Writer) (*events.Dataset, error) {
	model, err := convert.NewSaccadeModel(p)
	if err != nil {
		return nil, err
	}
	sensor := convert.SaccadeSensor
	sensor.Width, sensor.Height = p.Width, p.Height
	d := &events.Dataset{Sensor: sensor, Classes: classes, Samples: make([]events.Sample, len(imgs))}
	err = parallelDo(ctx, len(imgs), workers, "converting images", stderr, func(i int) error {
		s := sampleSeed(seed, names[i])
		m := map[string]string{"seed": strconv.FormatUint(s, 10)}
		if meta != nil {
			for k, v := range meta[i] {
				m[k] = v
			}
		}
		d.Samples[i] = events.Sample{Label: labels[i], ID: names[i], Meta: m, Events2D: model.Convert(imgs[i], s)}
		return nil
	})
	return d, err
}
