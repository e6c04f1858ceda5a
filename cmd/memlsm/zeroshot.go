package main

// memlsm zeroshot: zero-shot audio↔image retrieval (PAPER.md §5.2).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/projection"
)

func init() {
	register(command{name: "zeroshot", summary: "zero-shot audio↔image retrieval: two LSMs on the macro, a contrastive head", run: runZeroShot})
}

const zeroshotUsage = `zeroshot --images SRC --audio SRC [--test-images SRC --test-audio SRC]
                [--seen 1-7 --unseen 8-9] [--board B] [--preset NAME] [--params FILE]
                [--seed N] [--seeds 1-20 [--sweep head|split|macro] [--sweep-plot FILE.png]]
                [--trace] [--trace-plot FILE.png]
                [--json] [--save FILE] [--plot FILE.png] [--md FILE] [flags]
       zeroshot --load FILE --images SRC --audio SRC [--seen 1-7 --unseen 8-9] [--json]

Encodes images and audio with two LSMs whose weights are read from the
macro (the audio reservoir time-shares the image reservoir's cells unless
--audio-board gives it its own array), trains a CLIP-style contrastive head
on class-wise image–audio pairs of the seen classes, and reports top-1
retrieval in both directions on seen and unseen classes (PAPER.md §5.2).

Test pairs: from --test-images/--test-audio when given (the first 100 per
class of each); otherwise a seeded, stratified 20 % of every seen class is
held out, and the unseen classes, never trained on, give their first 100
samples per class. Encoder flags take an image- or audio- prefix
(--image-windows 5, --audio-gain 0.1, ...).

The headline numbers are those of --seed after the last training epoch:
nothing is ever selected on test data. Two diagnostics show how much to
trust them. --seeds LIST repeats the experiment once per seed and reports
the mean, spread and share above chance of every accuracy; --sweep says
what a seed changes: head (default: the head's initialisation and batch
order; the features of --seed are reused), split (also the held-out split,
so the gain and features; same macro) or macro (everything: each run is
'zeroshot --seed S'; needs --board sim or --software). --trace scores the
head after every epoch and applies the paper's epoch selection to it
(PAPER.md §5.2) under "paper_protocol": selected on the test set, so a
labelled, optimistic diagnostic — never the result.`

// parseClasses parses a class list: "1-7" (a digit range), "8,9" or a
// mixture ("1-3,7").
func parseClasses(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			out = append(out, part)
			continue
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a > b || a < 0 {
			return nil, fmt.Errorf("bad class range %q", part)
		}
		for d := a; d <= b; d++ {
			out = append(out, strconv.Itoa(d))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty class list %q", s)
	}
	return out, nil
}

// clipFlags configure the contrastive head.
type clipFlags struct {
	paper  bool
	dim    int
	layers int
	loss   string
	temp   float64
	learnT bool
	epochs int
	lr     float64
	wd     float64
	batch  int
}

func (c *clipFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.paper, "paper-head", false, "the paper's head (PAPER.md §4.2: OneFC GELU pd 64, soft-target loss, τ = 1, raw dot products, Adam 1e-3, batch 8)")
	fs.IntVar(&c.dim, "pd", 0, "projection dimension (default: projection's, 64)")
	fs.IntVar(&c.layers, "layers", 0, "projection layers per tower, 1 or 2 (default 1)")
	fs.StringVar(&c.loss, "loss", "", "contrastive loss: supcon, infonce or soft-clip (default: supcon)")
	fs.Float64Var(&c.temp, "temperature", 0, "temperature τ (default: projection's)")
	fs.BoolVar(&c.learnT, "learn-temperature", false, "train the logit scale 1/τ (from --temperature)")
	fs.IntVar(&c.epochs, "epochs", 0, "head training epochs (default: projection's)")
	fs.Float64Var(&c.lr, "lr", 0, "head learning rate (default: projection's)")
	fs.Float64Var(&c.wd, "wd", 0, "head weight decay, < 0 for none (default: projection's)")
	fs.IntVar(&c.batch, "batch", 0, "pairs per mini-batch (default: projection's)")
}

func (c *clipFlags) config() (*projection.CLIPConfig, error) {
	h := experiment.DefaultZeroShotHead()
	if c.paper {
		h = projection.CLIPATV()
	}
	if c.dim < 0 || c.layers < 0 || c.epochs < 0 || c.lr < 0 || c.batch < 0 || c.temp < 0 {
		return nil, usagef("zeroshot: head flags must not be negative")
	}
	if c.dim > 0 {
		h.Dim = c.dim
	}
	if c.layers > 0 {
		h.Layers = c.layers
	}
	if c.loss != "" {
		if err := h.Loss.UnmarshalText([]byte(c.loss)); err != nil {
			return nil, usageError{err}
		}
	}
	if c.temp > 0 {
		h.Temperature = c.temp
	}
	if c.learnT {
		h.LearnTemperature = true
	}
	if c.epochs > 0 {
		h.Epochs = c.epochs
	}
	if c.lr > 0 {
		h.LR = c.lr
	}
	if c.wd != 0 {
		h.WeightDecay = c.wd
	}
	if c.batch > 0 {
		h.Batch = c.batch
	}
	return &h, nil
}

// zeroshotFlags are the flags of zeroshot (and demo).
type zeroshotFlags struct {
	images, audio, testImages, testAudio string
	seen, unseen                         string
	frac                                 float64
	limit                                int
	pairAll                              bool
	audioBoard                           string
	save, load, plotFile, mdFile         string
	seeds                                string
	scope                                experiment.SweepScope
	sweepPlot, tracePlot                 string
	trace                                bool
	exp                                  experimentFlags
	imgEnc, audEnc                       encoderFlags
	head                                 clipFlags
}

// maxSweepSeeds caps --seeds (assumption: a guard against a mistyped
// range such as 1-100000 that would run for hours; 1000 head seeds already
// take minutes).
const maxSweepSeeds = 1000

func (z *zeroshotFlags) register(fs *flag.FlagSet, sources bool, defaultSeeds string, defaultTrace bool) {
	if sources {
		fs.StringVar(&z.images, "images", "", "image data source SRC (nmnist:DIR, embedded:images, ...)")
		fs.StringVar(&z.audio, "audio", "", "audio data source SRC (fsdd:DIR, ntidigits:FILE, embedded:audio, ...)")
		fs.StringVar(&z.testImages, "test-images", "", "image test source (with --test-audio)")
		fs.StringVar(&z.testAudio, "test-audio", "", "audio test source (with --test-images)")
	}
	fs.StringVar(&z.seen, "seen", "1-7", "seen (training) classes")
	fs.StringVar(&z.unseen, "unseen", "8-9", "unseen (zero-shot) classes")
	fs.Float64Var(&z.frac, "test-fraction", 0, "held-out fraction of every seen class without test sources (default 0.2)")
	fs.IntVar(&z.limit, "per-class", 0, "use only the first N samples of every class of each source")
	fs.BoolVar(&z.pairAll, "pair-all", false, "pair every training sample of both modalities (cycling the smaller one) instead of the first min(n_img, n_aud) per class")
	fs.StringVar(&z.audioBoard, "audio-board", "", "put the audio reservoir on its own array (sim, emu or a device path) instead of time-sharing the image reservoir's cells")
	fs.StringVar(&z.save, "save", "", "write the trained model to FILE")
	if sources {
		fs.StringVar(&z.load, "load", "", "score the saved model FILE on --images/--audio instead of training")
	}
	fs.StringVar(&z.plotFile, "plot", "", "write the cross-modal similarity matrices to FILE.png")
	fs.StringVar(&z.mdFile, "md", "", "write the Markdown report to FILE")
	fs.StringVar(&z.seeds, "seeds", defaultSeeds, "seed sweep: repeat the experiment once per seed of LIST (1-20, 1,5,9; none for no sweep) and report the distribution")
	fs.Var(&z.scope, "sweep", "what a sweep seed changes: head (initialisation and batch order), split (also the held-out split, gain and features) or macro (everything; --board sim)")
	fs.StringVar(&z.sweepPlot, "sweep-plot", "", "write the seed sweep (one dot per seed, box plots, chance) to FILE.png")
	fs.BoolVar(&z.trace, "trace", defaultTrace, "score the head after every training epoch and add the paper's test-selected epoch rule as a labelled diagnostic (paper_protocol)")
	fs.StringVar(&z.tracePlot, "trace-plot", "", "write the per-epoch trace to FILE.png (implies --trace)")
	z.exp.register(fs)
	z.imgEnc.register(fs, "image-", "image encoder: ")
	z.audEnc.register(fs, "audio-", "audio encoder: ")
	z.head.register(fs)
}

// run opens everything the flags name and runs the experiment.
func (z *zeroshotFlags) run(ctx context.Context, fs *flag.FlagSet, stderr io.Writer) (*experiment.ZeroShotResult, error) {
	seen, err := parseClasses(z.seen)
	if err != nil {
		return nil, usagef("--seen: %v", err)
	}
	unseen, err := parseClasses(z.unseen)
	if err != nil {
		return nil, usagef("--unseen: %v", err)
	}
	if (z.testImages == "") != (z.testAudio == "") {
		return nil, usagef("zeroshot: give both --test-images and --test-audio, or neither")
	}
	head, err := z.head.config()
	if err != nil {
		return nil, err
	}
	seeds, err := parseSeeds(z.seeds)
	if err != nil {
		return nil, usagef("--seeds: %v", err)
	}
	if z.sweepPlot != "" && len(seeds) == 0 {
		return nil, usagef("zeroshot: --sweep-plot needs --seeds")
	}
	sweepMacro := len(seeds) > 0 && z.scope == experiment.SweepMacro && !z.exp.software
	if sweepMacro && (z.exp.board != "sim" && z.exp.board != "" || z.audioBoard != "") {
		return nil, usagef("zeroshot: --sweep macro forms a new simulated macro per seed: it needs --board sim (or --software) and no --audio-board")
	}
	open := func(name, spec string) (*events.Dataset, error) {
		if spec == "" {
			return nil, nil
		}
		d, err := openSourceTo(ctx, name, spec, stderr)
		return perClass(d, z.limit), err
	}
	imgs, err := openSourceTo(ctx, "images", z.images, stderr)
	if err != nil {
		return nil, err
	}
	auds, err := openSourceTo(ctx, "audio", z.audio, stderr)
	if err != nil {
		return nil, err
	}
	imgs, auds = perClass(imgs, z.limit), perClass(auds, z.limit)
	ti, err := open("test-images", z.testImages)
	if err != nil {
		return nil, err
	}
	ta, err := open("test-audio", z.testAudio)
	if err != nil {
		return nil, err
	}
	iec, err := z.imgEnc.config(fs, imgs.Sensor)
	if err != nil {
		return nil, err
	}
	aec, err := z.audEnc.config(fs, auds.Sensor)
	if err != nil {
		return nil, err
	}
	var m experiment.Macro
	if sweepMacro {
		// No array: ZeroShot forms the simulated macro of every seed itself
		// (the one of --seed exactly as --board sim would).
		p, src, err := z.exp.params.load(fs)
		if err != nil {
			return nil, err
		}
		m = experiment.Macro{Params: p, Mode: z.exp.mode, Label: fmt.Sprintf("simulated macro (%s, seed %d)", src, z.exp.seed)}
	} else {
		var closeMacro func()
		if m, closeMacro, err = z.exp.openMacro(ctx, fs); err != nil {
			return nil, err
		}
		defer closeMacro()
	}
	if z.audioBoard != "" {
		if m.Software {
			return nil, usagef("zeroshot: --audio-board needs the macro, not --software")
		}
		a, err := openArray(ctx, z.audioBoard, m.Params, z.exp.seed+1)
		if err != nil {
			return nil, err
		}
		defer a.Close()
		m.AudioArray = a
	}
	var testImgs, testAuds *events.Dataset
	if ti != nil {
		testImgs, testAuds = ti, ta
	}
	res, err := experiment.ZeroShot(ctx, experiment.ZeroShotConfig{
		Images: imgs, Audio: auds, TestImages: testImgs, TestAudio: testAuds,
		Seen: seen, Unseen: unseen, TestFraction: z.frac, PairAll: z.pairAll,
		ImageEncoder: iec, AudioEncoder: aec, Macro: m, Head: head,
		Seed: z.exp.seed, Workers: z.exp.workers, Progress: progressFunc(stderr), KeepModel: z.save != "",
		Seeds: seeds, SweepScope: z.scope, Trace: z.trace || z.tracePlot != "",
	})
	if err == nil {
		warnMacro(stderr, res.Macro.Warnings())
	}
	return res, err
}

// report writes the outputs the flags ask for.
func (z *zeroshotFlags) report(res *experiment.ZeroShotResult, cmd string, stdout, stderr io.Writer) error {
	if z.save != "" {
		if err := writeFile(z.save, res.Model.Save); err != nil {
			return fmt.Errorf("%s: --save: %w", cmd, err)
		}
	}
	if z.plotFile != "" {
		if err := writeFile(z.plotFile, res.PlotSimilarity); err != nil {
			return fmt.Errorf("%s: --plot: %w", cmd, err)
		}
	}
	if z.sweepPlot != "" {
		if err := writeFile(z.sweepPlot, res.PlotSweep); err != nil {
			return fmt.Errorf("%s: --sweep-plot: %w", cmd, err)
		}
	}
	if z.tracePlot != "" {
		if err := writeFile(z.tracePlot, res.PlotTrace); err != nil {
			return fmt.Errorf("%s: --trace-plot: %w", cmd, err)
		}
	}
	md := res.Markdown()
	if d := res.DiagnosticsMarkdown(); d != "" {
		md += "\n" + d
	}
	if z.mdFile != "" {
		if err := writeFile(z.mdFile, func(w io.Writer) error { _, err := io.WriteString(w, md); return err }); err != nil {
			return fmt.Errorf("%s: --md: %w", cmd, err)
		}
	}
	if z.exp.asJSON {
		fmt.Fprintf(stderr, "memlsm %s: seen a→i %.4f i→a %.4f, unseen a→i %.4f i→a %.4f (seed %d, %.1f s)\n", cmd,
			res.Seen.AudioToImage, res.Seen.ImageToAudio, res.Unseen.AudioToImage, res.Unseen.ImageToAudio, res.Seed, res.Seconds)
		diagnostics(stderr, cmd, res)
		return writeJSON(stdout, res)
	}
	_, err := io.WriteString(stdout, md)
	return err
}

// diagnostics writes a compact summary of the sweep, the paper-protocol
// diagnostic and the unseen note (for --json runs, on stderr).
func diagnostics(w io.Writer, cmd string, res *experiment.ZeroShotResult) {
	if s := res.Sweep; s != nil {
		fmt.Fprintf(w, "memlsm %s: seed sweep (%v, %d seeds): mean ± std [min, max], seeds above chance\n", cmd, s.Scope, len(s.Seeds))
		for _, g := range []struct {
			name string
			s    experiment.Spread
		}{{"seen   a→i", s.Seen.AudioToImage}, {"seen   i→a", s.Seen.ImageToAudio}, {"unseen a→i", s.Unseen.AudioToImage}, {"unseen i→a", s.Unseen.ImageToAudio}} {
			fmt.Fprintf(w, "  %s %.4f ± %.4f [%.4f, %.4f], %3.0f %% above chance %.4f\n", g.name, g.s.Mean, g.s.Std, g.s.Min, g.s.Max, 100*g.s.AboveChance, g.s.Chance)
		}
	}
	if pp := res.PaperProtocol; pp != nil {
		fmt.Fprintf(w, "memlsm %s: paper protocol (DIAGNOSTIC, selected on the test set): a→i %s; i→a %s\n", cmd, pp.AudioToImage.Result, pp.ImageToAudio.Result)
	}
	if res.UnseenNote != "" {
		fmt.Fprintf(w, "memlsm %s: %s\n", cmd, res.UnseenNote)
	}
}

// parseSeeds parses a seed list: "1-20", "1,5,9", a mixture, or "" or
// "none" for no sweep. Seeds must be distinct.
func parseSeeds(s string) ([]uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []uint64
	seen := map[uint64]bool{}
	add := func(v uint64) error {
		if seen[v] {
			return fmt.Errorf("seed %d given twice in %q", v, s)
		}
		if len(out) == maxSweepSeeds {
			return fmt.Errorf("more than %d seeds in %q", maxSweepSeeds, s)
		}
		seen[v] = true
		out = append(out, v)
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad seed %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("bad seed range %q", part)
			}
			if b-a >= maxSweepSeeds {
				return nil, fmt.Errorf("more than %d seeds in %q", maxSweepSeeds, s)
			}
		}
		for v := a; ; v++ {
			if err := add(v); err != nil {
				return nil, err
			}
			if v == b {
				break
			}
		}
	}
	return out, nil
}

// zeroshotEval is the JSON of zeroshot --load.
type zeroshotEval struct {
	Model         string               `json:"model"`
	Seen          experiment.Retrieval `json:"seen"`
	Unseen        experiment.Retrieval `json:"unseen"`
	SeenClasses   []string             `json:"seen_classes"`
	UnseenClasses []string             `json:"unseen_classes"`
	Seed          uint64               `json:"seed"`
}

func runZeroShot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newExperimentFlagSet("zeroshot", zeroshotUsage, stderr)
	var z zeroshotFlags
	z.register(fs, true, "", false)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("zeroshot: unexpected argument %q", pos[0])
	}
	if z.load != "" {
		if z.seeds != "" || z.trace || z.sweepPlot != "" || z.tracePlot != "" {
			return usagef("zeroshot: --load scores a saved model: --seeds, --trace and their plots need training")
		}
		return z.runLoad(ctx, stdout, stderr)
	}
	res, err := z.run(ctx, fs, stderr)
	if err != nil {
		return err
	}
	return z.report(res, "zeroshot", stdout, stderr)
}

// runLoad scores a saved zero-shot model: the first 100 per class of
// --images and --audio, paired class-wise, for the seen and unseen classes.
func (z *zeroshotFlags) runLoad(ctx context.Context, stdout, stderr io.Writer) error {
	m, err := experiment.LoadModelFile(z.load)
	if err != nil {
		return err
	}
	if m.Task != "zeroshot" {
		return fmt.Errorf("zeroshot: --load %s is a %s model", z.load, m.Task)
	}
	seen, err := parseClasses(z.seen)
	if err != nil {
		return usagef("--seen: %v", err)
	}
	unseen, err := parseClasses(z.unseen)
	if err != nil {
		return usagef("--unseen: %v", err)
	}
	imgs, err := openSourceTo(ctx, "images", z.images, stderr)
	if err != nil {
		return err
	}
	auds, err := openSourceTo(ctx, "audio", z.audio, stderr)
	if err != nil {
		return err
	}
	imgs, auds = perClass(imgs, z.limit), perClass(auds, z.limit)
	out := zeroshotEval{Model: z.load, SeenClasses: seen, UnseenClasses: unseen, Seed: m.Seed}
	if out.Seen, err = m.Retrieve(ctx, imgs, auds, seen, z.exp.workers); err != nil {
		return err
	}
	if out.Unseen, err = m.Retrieve(ctx, imgs, auds, unseen, z.exp.workers); err != nil {
		return err
	}
	if z.exp.asJSON {
		return writeJSON(stdout, out)
	}
	fmt.Fprintf(stdout, "model %s on %s ↔ %s:\n", z.load, auds.Name, imgs.Name)
	fmt.Fprintf(stdout, "seen %v: audio→image %.4f, image→audio %.4f (chance %.4f, %d pairs)\n", seen, out.Seen.AudioToImage, out.Seen.ImageToAudio, out.Seen.ChanceAudioToImage, out.Seen.Pairs)
	fmt.Fprintf(stdout, "unseen %v: audio→image %.4f, image→audio %.4f (chance %.4f, %d pairs)\n", unseen, out.Unseen.AudioToImage, out.Unseen.ImageToAudio, out.Unseen.ChanceAudioToImage, out.Unseen.Pairs)
	return nil
}
