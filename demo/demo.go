package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/cli"
)

// Sources of the demo: the data sets built into the binary.
const (
	ImagesSource = "embedded:images"
	AudioSource  = "embedded:audio"
)

// Lin et al. 2025's formed conductance, measured on their 40 nm macro,
// which the demo shows the simulated one beside (the zero-shot figure is
// experiment.PaperUnseenTop1).
const (
	PaperGMeanUS = 14.25
	PaperGStdUS  = 2.46
)

// DefaultZeroShotPairs is the size of the zero-shot part's seeded sample
// of the 36 unseen pairs of 1–9 (assumption: 6 pairs keep the part near
// 15 s of CPU — 8 pairs took 21 s, all 36 about 55 s — so that the whole
// demo fits its 30 s on two cores; the interval is correspondingly wider,
// and the report's full-scale command runs all 36).
const DefaultZeroShotPairs = 6

// DefaultFolds is the classification's cross-validation (assumption: the
// usual stratified 5-fold, whose fold-to-fold spread is the "±" of the
// accuracy).
const DefaultFolds = 5

// Config configures Run. The zero value is the demo as `memlsm demo` runs
// it: the embedded data, the simulated lin2025 macro, experiment.DefaultSeed.
type Config struct {
	// Seed seeds everything (the simulated macro, folds, heads); 0 →
	// experiment.DefaultSeed.
	Seed uint64
	// Images and Audio are the data; nil → ImagesSource and AudioSource.
	Images, Audio *events.Dataset
	// Folds of the classification's cross-validation; 0 → DefaultFolds.
	Folds int
	// Sweep is the co-design sweep; nil → DefaultSweep.
	Sweep *SweepConfig
	// SweepDir is where the sweep journals its runs and writes its table
	// and plots; "" → a temporary folder removed when Run returns.
	SweepDir string
	// Skip names parts not to run ("zero_shot", "sweep", "board", …; the
	// JSON names of Result's parts), e.g. for a quicker look.
	Skip []string
	// ZeroShotPairs is the number of unseen pairs of 1–9 the zero-shot
	// part samples (seeded); 0 → DefaultZeroShotPairs, 36 or more → all.
	// ZeroShotEpochs, when positive, trains the contrastive head that long
	// instead of experiment.HeadlineEpochs.
	ZeroShotPairs, ZeroShotEpochs int
	// Workers bounds each part's encoding goroutines; 0 → GOMAXPROCS.
	Workers int
	// Log, if set, receives one line as each part starts and ends.
	Log io.Writer
}

// Part names, as in Result's JSON.
const (
	PartMacro    = "macro"
	PartClassify = "classification"
	PartZeroShot = "zero_shot"
	PartSweep    = "sweep"
	PartBoard    = "board"
)

// Parts lists the parts in report order.
var Parts = []string{PartMacro, PartClassify, PartZeroShot, PartSweep, PartBoard}

// Result is the whole demo: every figure of every part (JSON: every
// number the screen and the report show, and more).
type Result struct {
	Seed           uint64             `json:"seed"`
	Images         string             `json:"images"`
	Audio          string             `json:"audio"`
	Macro          *MacroPart         `json:"macro,omitempty"`
	Classification *ClassifyPart      `json:"classification,omitempty"`
	ZeroShot       *ZeroShotPart      `json:"zero_shot,omitempty"`
	Sweep          *SweepPart         `json:"sweep,omitempty"`
	Board          *BoardPart         `json:"board,omitempty"`
	Commands       []Command          `json:"commands"`
	Timing         map[string]float64 `json:"part_seconds"`
	LoadSeconds    float64            `json:"load_seconds"`
	Seconds        float64            `json:"seconds"`
}

// Command is how to reproduce one part: the command that gives the demo's
// figure, and the one that runs the part at full scale.
type Command struct {
	Part      string `json:"part"`
	Demo      string `json:"demo"`
	FullScale string `json:"full_scale"`
	Note      string `json:"note,omitempty"`
}

// ParseParts reads a comma-separated list of part names ("" → none), with
// a did-you-mean for a misspelt one.
func ParseParts(list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	var out []string
	for _, s := range strings.Split(list, ",") {
		if !contains(Parts, s) {
			return nil, fmt.Errorf("no part %q%s (parts: %s)", s, cli.DidYouMean(s, Parts), strings.Join(Parts, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

func (cfg *Config) skip(part string) bool {
	for _, s := range cfg.Skip {
		if s == part {
			return true
		}
	}
	return false
}

// Run runs the demo's parts — concurrently, each deterministic for the
// seed whatever runs beside it — and returns every figure. The first
// part to fail stops the others.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	if cfg.Seed == 0 {
		cfg.Seed = experiment.DefaultSeed
	}
	if cfg.Folds == 0 {
		cfg.Folds = DefaultFolds
	}
	if cfg.ZeroShotPairs == 0 {
		cfg.ZeroShotPairs = DefaultZeroShotPairs
	}
	if cfg.Folds < 2 {
		return nil, fmt.Errorf("demo: %d folds; want at least 2", cfg.Folds)
	}
	for _, s := range cfg.Skip {
		if !contains(Parts, s) {
			return nil, fmt.Errorf("demo: no part %q (parts: %v)", s, Parts)
		}
	}
	sw := DefaultSweep()
	if cfg.Sweep != nil {
		sw = *cfg.Sweep
	}
	res := &Result{Seed: cfg.Seed, Timing: map[string]float64{}}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "memlsm demo: "+format+"\n", args...)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(part string, err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = fmt.Errorf("demo: %s: %w", part, err)
			cancel()
		}
		mu.Unlock()
	}
	run := func(part string, f func() error) {
		if cfg.skip(part) {
			return
		}
		wg.Go(func() {
			t0 := time.Now()
			logf("%s …", part)
			if err := f(); err != nil {
				fail(part, err)
				return
			}
			mu.Lock()
			res.Timing[part] = time.Since(t0).Seconds()
			mu.Unlock()
			logf("%s done in %.1f s", part, time.Since(t0).Seconds())
		})
	}

	// The macro needs no data: it starts at once.
	p, err := crossbar.Preset("lin2025")
	if err != nil {
		return nil, err
	}
	run(PartMacro, func() (err error) { res.Macro, err = runMacro(ctx, p, cfg.Seed); return })

	// The data, each set opened once and shared by every part.
	t0 := time.Now()
	img, aud, err := openData(ctx, cfg)
	if err != nil {
		cancel()
		wg.Wait()
		return nil, err
	}
	res.LoadSeconds = time.Since(t0).Seconds()
	res.Images, res.Audio = img.Name, aud.Name

	run(PartClassify, func() (err error) {
		res.Classification, err = runClassify(ctx, img, aud, cfg)
		return
	})
	run(PartZeroShot, func() (err error) { res.ZeroShot, err = runZeroShot(ctx, img, aud, cfg); return })
	run(PartSweep, func() (err error) { res.Sweep, err = runSweep(ctx, sw, img, aud, cfg); return })
	// The board repeats part 2's audio classification through the
	// emulated board; it is compared with part 2 once both are done.
	run(PartBoard, func() (err error) { res.Board, err = runBoard(ctx, p, aud, cfg); return })
	wg.Wait()
	if firstErr == nil && res.Board != nil {
		sim := (*experiment.ClassifyResult)(nil)
		if res.Classification != nil {
			sim = res.Classification.Audio
		} else if sim, err = experiment.Classify(ctx, classifyConfig(aud, cfg)); err != nil {
			return nil, fmt.Errorf("demo: board: the simulated reference: %w", err)
		}
		res.Board.compare(sim)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Commands = commands(cfg, sw)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// openData opens the images and audio concurrently (decoding the embedded
// sets converts their recordings).
func openData(ctx context.Context, cfg Config) (img, aud *events.Dataset, err error) {
	img, aud = cfg.Images, cfg.Audio
	var errImg, errAud error
	var wg sync.WaitGroup
	if img == nil {
		wg.Go(func() { img, errImg = source.Open(ctx, ImagesSource) })
	}
	if aud == nil {
		wg.Go(func() { aud, errAud = source.Open(ctx, AudioSource) })
	}
	wg.Wait()
	if err := errors.Join(errImg, errAud); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	return img, aud, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// tempDir returns dir, or a new temporary folder and its removal.
func tempDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	d, err := os.MkdirTemp("", "memlsm-demo-sweep-")
	if err != nil {
		return "", nil, fmt.Errorf("demo: %w", err)
	}
	return d, func() { os.RemoveAll(d) }, nil
}
