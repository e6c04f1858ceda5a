package main

// memlsm classify: LSM classification (PAPER.md §5.1) on any data source.

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/projection"
)

func init() {
	register(command{name: "classify", summary: "classify event data with the LSM on the macro and a trained linear probe", run: runClassify})
}

const classifyUsage = `classify --data SRC [--test SRC] [--cv K] [--split speaker] [--board B]
                [--preset NAME] [--params FILE] [--mode MODE] [--seed N] [--json]
                [--save FILE] [--plot FILE.png] [--md FILE] [flags]
       classify --load FILE --data SRC [--json]

Bins the samples, forms the reservoir on the macro (--board: sim, emu or a
serial device; --preset/--params: the simulated macro's parameters), reads
its conductances once, calibrates the gain on training data, encodes every
sample with the LSM, trains the head and reports the test accuracy.

Protocols: --test SRC (train on --data, test on SRC), --cv K (stratified
K-fold cross-validation), --split speaker (train on all speakers but one,
test on it, every speaker in turn), or by default a stratified 20 %
hold-out. --save writes the trained model (with --cv or --split speaker a
final model fitted on all of --data); --load scores a saved model on --data.`

// headFlags configure the classification head.
type headFlags struct {
	kind   string
	epochs int
	lr     float64
	wd     float64
	batch  int
	hidden int
}

func (h *headFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.kind, "head", "linear", "classification head: linear (a linear probe), mlp, or paper (the paper's linear readout and training, PAPER.md §4.1)")
	fs.IntVar(&h.epochs, "epochs", 0, "head training epochs (default: the head's)")
	fs.Float64Var(&h.lr, "lr", 0, "head learning rate (default: the head's)")
	fs.Float64Var(&h.wd, "wd", 0, "head weight decay, < 0 for none (default: the head's)")
	fs.IntVar(&h.batch, "batch", 0, "head mini-batch (default: the head's)")
	fs.IntVar(&h.hidden, "hidden", 0, "MLP hidden width (default 256)")
}

func (h *headFlags) config(s events.Sensor) (experiment.HeadConfig, error) {
	t := projection.Training{Epochs: h.epochs, LR: h.lr, WeightDecay: h.wd, Batch: h.batch}
	if h.epochs < 0 || h.lr < 0 || h.batch < 0 || h.hidden < 0 {
		return experiment.HeadConfig{}, usagef("--epochs, --lr, --batch and --hidden must not be negative")
	}
	switch h.kind {
	case "linear":
		return experiment.HeadConfig{Kind: "linear", Linear: projection.LinearConfig{Training: t}}, nil
	case "paper":
		// N-MNIST's readout for 2-D data, N-TIDIGITS' for 1-D (PAPER.md §4.1).
		c := projection.LinearNTIDIGITS()
		if s.Is2D() {
			c = projection.LinearNMNIST()
		}
		for _, o := range []struct {
			dst *float64
			v   float64
		}{{&c.LR, h.lr}, {&c.WeightDecay, h.wd}} {
			if o.v != 0 {
				*o.dst = o.v
			}
		}
		if h.epochs > 0 {
			c.Epochs = h.epochs
		}
		if h.batch > 0 {
			c.Batch = h.batch
		}
		return experiment.HeadConfig{Kind: "linear", Linear: c}, nil
	case "mlp":
		c := projection.MLPConfig{Training: t}
		if h.hidden > 0 {
			c.Hidden = []int{h.hidden}
		}
		return experiment.HeadConfig{Kind: "mlp", MLP: c}, nil
	}
	return experiment.HeadConfig{}, usagef("--head %q: want linear, mlp or paper", h.kind)
}

// perClass keeps the first n samples of every class of d (n ≤ 0: all).
func perClass(d *events.Dataset, n int) *events.Dataset {
	if n <= 0 || d == nil {
		return d
	}
	h := d.Head(n)
	h.Name = fmt.Sprintf("%s (first %d per class)", d.Name, n)
	return h
}

// evalOutput is the JSON of classify --load.
type evalOutput struct {
	Model       string   `json:"model"`
	Data        string   `json:"data"`
	Accuracy    float64  `json:"accuracy"`
	TestSamples int      `json:"test_samples"`
	Classes     []string `json:"classes"`
	Seed        uint64   `json:"seed"`
	Confusion   [][]int  `json:"confusion"`
}

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newExperimentFlagSet("classify", classifyUsage, stderr)
	data := fs.String("data", "", "training data source SRC (nmnist:DIR, fsdd:DIR, ntidigits:FILE, embedded:images, ...)")
	test := fs.String("test", "", "test data source (default: a protocol on --data)")
	cv := fs.Int("cv", 0, "K-fold stratified cross-validation on --data")
	splitBy := fs.String("split", "", "speaker: hold out one speaker at a time")
	frac := fs.Float64("test-fraction", 0, "hold-out fraction of the default protocol (default 0.2)")
	limit := fs.Int("per-class", 0, "use only the first N samples of every class of each source")
	save := fs.String("save", "", "write the trained model to FILE")
	load := fs.String("load", "", "score the saved model FILE on --data instead of training")
	plotFile := fs.String("plot", "", "write the confusion matrix to FILE.png")
	mdFile := fs.String("md", "", "write the Markdown report to FILE")
	rawFeatures := fs.Bool("raw-features", false, "feed the spike rates to the head as they are (default: their square roots)")
	var speakerNorm experiment.SpeakerNorm
	fs.Var(&speakerNorm, "speaker-norm", "per-speaker feature normalisation (transductive: uses the test speaker's unlabelled samples): off, auto (on with --split speaker) or on (default off)")
	var ef experimentFlags
	ef.register(fs)
	var enc encoderFlags
	enc.register(fs, "", "")
	var hf headFlags
	hf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("classify: unexpected argument %q", pos[0])
	}
	switch *splitBy {
	case "", "speaker":
	default:
		return usagef("classify: --split %q: want speaker", *splitBy)
	}
	if *cv == 1 || *cv < 0 {
		return usagef("classify: --cv %d: want K ≥ 2", *cv)
	}
	if *load != "" {
		return runClassifyLoad(ctx, *load, *data, *limit, ef, stdout, stderr)
	}
	d, err := openSourceTo(ctx, "data", *data, stderr)
	if err != nil {
		return err
	}
	d = perClass(d, *limit)
	var td *events.Dataset
	if *test != "" {
		if td, err = openSourceTo(ctx, "test", *test, stderr); err != nil {
			return err
		}
		td = perClass(td, *limit)
	}
	ec, err := enc.config(fs, d.Sensor)
	if err != nil {
		return err
	}
	head, err := hf.config(d.Sensor)
	if err != nil {
		return err
	}
	m, closeMacro, err := ef.openMacro(ctx, fs)
	if err != nil {
		return err
	}
	defer closeMacro()
	res, err := experiment.Classify(ctx, experiment.ClassifyConfig{
		Data: d, Test: td, Folds: *cv, BySpeaker: *splitBy == "speaker", TestFraction: *frac,
		Encoder: ec, Macro: m, Head: head, Seed: ef.seed, Workers: ef.workers,
		Features: experiment.FeatureConfig{Raw: *rawFeatures, SpeakerNorm: speakerNorm},
		Progress: progressFunc(stderr), KeepModel: *save != "",
	})
	if err != nil {
		return err
	}
	warnMacro(stderr, res.Macro.Warnings())
	if *save != "" {
		if err := writeFile(*save, res.Model.Save); err != nil {
			return fmt.Errorf("classify: --save: %w", err)
		}
	}
	if *plotFile != "" {
		if err := writeFile(*plotFile, res.PlotConfusion); err != nil {
			return fmt.Errorf("classify: --plot: %w", err)
		}
	}
	md := res.Markdown()
	if *mdFile != "" {
		if err := writeFile(*mdFile, func(w io.Writer) error { _, err := io.WriteString(w, md); return err }); err != nil {
			return fmt.Errorf("classify: --md: %w", err)
		}
	}
	if ef.asJSON {
		fmt.Fprintf(stderr, "memlsm classify: accuracy %.4f ± %.4f (%s, seed %d, %.1f s)\n", res.Accuracy, res.AccuracyStd, res.Protocol, res.Seed, res.Seconds)
		return writeJSON(stdout, res)
	}
	_, err = io.WriteString(stdout, md)
	return err
}

// runClassifyLoad scores a saved model on a data source.
func runClassifyLoad(ctx context.Context, file, data string, limit int, ef experimentFlags, stdout, stderr io.Writer) error {
	m, err := experiment.LoadModelFile(file)
	if err != nil {
		return err
	}
	if m.Task != "classify" {
		return fmt.Errorf("classify: --load %s is a %s model", file, m.Task)
	}
	d, err := openSourceTo(ctx, "data", data, stderr)
	if err != nil {
		return err
	}
	d = perClass(d, limit)
	acc, pred, err := m.Evaluate(ctx, d, ef.workers)
	if err != nil {
		return err
	}
	out := evalOutput{Model: file, Data: d.Name, Accuracy: acc, TestSamples: d.Len(), Classes: m.Classes, Seed: m.Seed}
	out.Confusion = make([][]int, len(m.Classes))
	for i := range out.Confusion {
		out.Confusion[i] = make([]int, len(m.Classes))
	}
	for i := range d.Samples {
		for j, c := range m.Classes {
			if events.ClassMatches(c, d.Classes[d.Samples[i].Label]) {
				out.Confusion[j][pred[i]]++
				break
			}
		}
	}
	if ef.asJSON {
		return writeJSON(stdout, out)
	}
	fmt.Fprintf(stdout, "model %s (trained on %s, seed %d) on %s: accuracy %.4f over %d samples\n", file, m.Data, m.Seed, d.Name, acc, d.Len())
	return nil
}
