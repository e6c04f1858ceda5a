package demo

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/memlsm/memlsm/board"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/firmware/emu"
)

// MacroPart is part 1: the whole simulated macro formed with one pulse and
// read once, beside the paper's measured distribution.
type MacroPart struct {
	Sample *experiment.MacroSample `json:"sample"`
	// The paper's formed conductance (Lin et al. 2025, measured on the
	// 40 nm macro) and how far the simulated one lies from it.
	PaperGMeanUS float64 `json:"paper_g_mean_us"`
	PaperGStdUS  float64 `json:"paper_g_std_us"`
	MeanDiffUS   float64 `json:"g_mean_diff_us"`
	StdDiffUS    float64 `json:"g_std_diff_us"`
}

func runMacro(ctx context.Context, p crossbar.Params, seed uint64) (*MacroPart, error) {
	s, err := experiment.SampleMacro(ctx, experiment.MacroSampleConfig{Params: p, Source: "lin2025", Seed: seed})
	if err != nil {
		return nil, err
	}
	return &MacroPart{Sample: s, PaperGMeanUS: PaperGMeanUS, PaperGStdUS: PaperGStdUS,
		MeanDiffUS: s.MeanUS - PaperGMeanUS, StdDiffUS: s.StdUS - PaperGStdUS}, nil
}

// ClassifyPart is part 2: classification of the embedded images and audio
// with the reservoir on the macro, stratified K-fold cross-validation.
type ClassifyPart struct {
	Folds  int                        `json:"folds"`
	Images *experiment.ClassifyResult `json:"images"`
	Audio  *experiment.ClassifyResult `json:"audio"`
}

// classifyConfig is the classification every part shares (the board part
// repeats the audio one on the board): the library's defaults, which are
// `memlsm classify --data SRC --cv K --seed S`'s.
func classifyConfig(d *events.Dataset, cfg Config) experiment.ClassifyConfig {
	return experiment.ClassifyConfig{Data: d, Folds: cfg.Folds, Seed: cfg.Seed, Workers: cfg.Workers}
}

func runClassify(ctx context.Context, img, aud *events.Dataset, cfg Config) (*ClassifyPart, error) {
	out := &ClassifyPart{Folds: cfg.Folds}
	var errImg, errAud error
	var wg sync.WaitGroup
	wg.Go(func() { out.Images, errImg = experiment.Classify(ctx, classifyConfig(img, cfg)) })
	wg.Go(func() { out.Audio, errAud = experiment.Classify(ctx, classifyConfig(aud, cfg)) })
	wg.Wait()
	if err := errors.Join(errImg, errAud); err != nil {
		return nil, err
	}
	return out, nil
}

// BoardPart is part 5: the audio classification of part 2 again, with the
// reservoir's weights formed and read through the emulated board — the
// real firmware on a simulated macro of the same seed — served on a
// pseudo-terminal and reached through the serial driver, as a board on a
// USB port is.
type BoardPart struct {
	// Path is the pty the board was served on (it differs run to run).
	Path   string                     `json:"path"`
	Result *experiment.ClassifyResult `json:"result"`
	// SimAccuracy is part 2's audio accuracy on the simulated macro.
	SimAccuracy float64 `json:"sim_accuracy"`
	// Same says the board's run gave part 2's figures exactly: accuracy,
	// its spread, every fold, the confusion matrix and the conductances
	// read; Differences lists any that differ.
	Same        bool     `json:"same_as_simulated"`
	Differences []string `json:"differences,omitempty"`
}

func runBoard(ctx context.Context, p crossbar.Params, aud *events.Dataset, cfg Config) (*BoardPart, error) {
	m, err := crossbar.NewModel(p, cfg.Seed)
	if err != nil {
		return nil, err
	}
	eb, err := emu.New(m, &emu.Options{Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	pt, err := emu.ServePTY(ctx, eb)
	if err != nil {
		return nil, err
	}
	defer pt.Close()
	arr, err := board.Open(ctx, pt.Path()+boardLink, p, cfg.Seed)
	if err != nil {
		return nil, err
	}
	defer arr.Close()
	c := classifyConfig(aud, cfg)
	c.Macro = experiment.Macro{Array: arr, Label: fmt.Sprintf("emulated board (lin2025, seed %d) on the pty %s", cfg.Seed, pt.Path())}
	r, err := experiment.Classify(ctx, c)
	if err != nil {
		return nil, err
	}
	return &BoardPart{Path: pt.Path(), Result: r}, nil
}

// boardLink are the pty board's link options (board.Options): the
// emulator runs in this process beside the other parts, which can keep
// it off the CPU for seconds on a loaded machine, so the driver waits up
// to a minute of silence (assumption: 1 s per attempt × 60) before it
// declares the board gone, instead of the default 8 × 250 ms meant for a
// board with its own processor.
const boardLink = "?timeout=1s&silence=60"

// compare sets the comparison with the simulated macro's run.
func (b *BoardPart) compare(sim *experiment.ClassifyResult) {
	b.SimAccuracy = sim.Accuracy
	b.Differences = compareClassify(sim, b.Result)
	b.Same = len(b.Differences) == 0
}

// compareClassify lists the figures in which two classifications differ.
func compareClassify(a, b *experiment.ClassifyResult) []string {
	var d []string
	if a.Accuracy != b.Accuracy || a.AccuracyStd != b.AccuracyStd {
		d = append(d, fmt.Sprintf("accuracy %.6f ± %.6f vs %.6f ± %.6f", a.Accuracy, a.AccuracyStd, b.Accuracy, b.AccuracyStd))
	}
	if !reflect.DeepEqual(a.FoldResults, b.FoldResults) {
		d = append(d, "per-fold results")
	}
	if !reflect.DeepEqual(a.Confusion, b.Confusion) {
		d = append(d, "confusion matrix")
	}
	if !reflect.DeepEqual(a.Macro.Regions, b.Macro.Regions) {
		d = append(d, "conductances read after forming")
	}
	if a.SynOpsPerSample != b.SynOpsPerSample {
		d = append(d, "synaptic operations")
	}
	return d
}
