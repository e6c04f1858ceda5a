package main

// memlsm classify: LSM classification (Lin et al. 2025) on any data source.

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/cli"
)

func init() {
	register(cli.Command{Name: "classify", Summary: "classify event data with the LSM on the macro and a trained linear probe", Run: runClassify})
}

const classifyUsage = `classify --data SRC [--test SRC] [--cv K] [--split speaker] [--board B]
                [--preset NAME] [--params FILE] [--mode MODE] [--seed N] [--json]
                [--save FILE] [--plot FILE.png|.svg|.pdf] [--md FILE] [flags]
       memlsm classify --load FILE --data SRC [--json]

Bins the samples, forms the reservoir on the macro (--board: sim, emu or a
serial device; --preset/--params: the simulated macro's parameters), reads
its conductances once, calibrates the gain on training data, encodes every
sample with the LSM, trains the head and reports the test accuracy.

Protocols: --test SRC (train on --data, test on SRC), --cv K (stratified
K-fold cross-validation), --split speaker (train on all speakers but one,
test on it, every speaker in turn), or by default a stratified 20 %
hold-out. --save writes the trained model (with --cv or --split speaker a
final model fitted on all of --data); --load scores a saved model on --data.

Audio sources: --perturb CHAIN (repeatable) also scores every split on its
test recordings changed before the cochlea (level=-20dB, tempo=0.85,
speed=1.1, noise=20dB, pad=1s, or level=-20dB,noise=20dB); --features
lsm,mfcc scores MFCC statistics on the same splits beside the LSM.`

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("classify", classifyUsage)
	data := fs.String("data", "", "training data source SRC (nmnist:DIR, fsdd:DIR, ntidigits:FILE, embedded:images, ...)")
	test := fs.String("test", "", "test data source (default: a protocol on --data)")
	cv := fs.Int("cv", 0, "K-fold stratified cross-validation on --data")
	splitBy := fs.String("split", "", "speaker: hold out one speaker at a time")
	frac := fs.Float64("test-fraction", 0, "hold-out fraction of the default protocol, in (0, 1) (default 0.2)")
	limit := fs.Int("per-class", 0, "use only the first N samples of every class of each source")
	save := fs.String("save", "", "write the trained model to FILE")
	load := fs.String("load", "", "score the saved model FILE on --data instead of training")
	out := cli.Outputs{}
	out.Register(fs, "the confusion matrix")
	rawFeatures := fs.Bool("raw-features", false, "feed the spike rates to the head as they are (default: their square roots)")
	var speakerNorm experiment.SpeakerNorm
	fs.Var(&speakerNorm, "speaker-norm", "per-speaker feature normalisation (transductive: uses the test speaker's unlabelled samples): off, auto (on with --split speaker) or on (default off)")
	var ef experimentFlags
	ef.register(fs)
	var enc encoderFlags
	enc.register(fs, "", "")
	var perturbs audio.Chains
	fs.Var(&perturbs, "perturb", "also score the test recordings perturbed before the cochlea: level=-20dB, tempo=0.85, speed=1.1, noise=20dB, pad=1s or a chain a,b (repeatable; audio sources)")
	featureList := fs.String("features", "lsm", "features scored on the same splits: lsm, mfcc (MFCC statistics, the speech baseline; audio sources) or lsm,mfcc")
	var head experiment.HeadSpec
	fs.StringVar(&head.Kind, "head", "linear", "classification head: linear (a linear probe), mlp, or paper (the paper's linear readout and training)")
	fs.IntVar(&head.Epochs, "epochs", 0, "head training epochs (default: the head's)")
	fs.Float64Var(&head.LR, "lr", 0, "head learning rate (default: the head's)")
	fs.Float64Var(&head.WeightDecay, "wd", 0, "head weight decay, < 0 for none (default: the head's)")
	fs.IntVar(&head.Batch, "batch", 0, "head mini-batch (default: the head's)")
	fs.IntVar(&head.Hidden, "hidden", 0, "MLP hidden width (default 256)")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	// Everything the flags alone decide is checked before any work.
	if *splitBy != "" && *splitBy != "speaker" {
		return usagef("--split %q: want speaker", *splitBy)
	}
	if *limit < 0 {
		return usagef("--per-class %d must not be negative", *limit)
	}
	if err := experiment.CheckProtocol(*test != "", *cv, *splitBy == "speaker", *frac); err != nil {
		return usagef("--test, --cv, --split, --test-fraction: %w", err)
	}
	stderr = ef.stderr(stderr)
	if *load != "" {
		if err := cli.FirstErr(checkSource("data", *data), ef.check(fs)); err != nil {
			return err
		}
		return classifyLoad(ctx, *load, *data, *limit, ef, stdout, stderr)
	}
	if _, err := head.Config(events.Sensor{}); err != nil {
		return err
	}
	kinds, err := experiment.ParseFeatureKinds(*featureList)
	if err != nil {
		return usagef("--features: %w", err)
	}
	side := *data
	if *test != "" {
		side = *test
	}
	if len(perturbs) > 0 || slices.Contains(kinds, experiment.FeaturesMFCC) {
		for _, spec := range []string{*data, *test} {
			if c, err := source.ConverterOf(spec); spec != "" && err == nil && c != source.Cochlea {
				return usagef("--perturb and --features mfcc need audio sources (fsdd:, wav:), not %s", spec)
			}
		}
	}
	if err := cli.FirstErr(checkSource("data", *data), optionalSource("test", *test), ef.check(fs), enc.check(fs), out.Check(),
		cli.CheckSources([]string{*data, *test, ef.params.file}, append(out.Outs(), cli.Out{Flag: "save", Path: *save})...)); err != nil {
		return err
	}
	keepAudio := func(spec string) string { return experiment.SourceFor(spec, kinds) }
	stream, err := openStream(ctx, ef.runFlags, "data", keepAudio(*data), stderr)
	if err != nil {
		return err
	}
	stream = events.PerClassOf(stream, *limit)
	d := stream.Index()
	cfg := experiment.ClassifyConfig{
		FeatureKinds: kinds,
		Data:         stream, Folds: *cv, BySpeaker: *splitBy == "speaker", TestFraction: *frac,
		Seed: ef.seed, Workers: ef.workers, Features: experiment.FeatureConfig{Raw: *rawFeatures, SpeakerNorm: speakerNorm},
		Progress: progressFunc(stderr), KeepModel: *save != "",
	}
	if *test != "" {
		if cfg.Test, err = openStream(ctx, ef.runFlags, "test", keepAudio(*test), stderr); err != nil {
			return err
		}
		cfg.Test = events.PerClassOf(cfg.Test, *limit)
	}
	pctx := source.WithProgress(ctx, progressStart(stderr))
	if cfg.Conditions, err = experiment.PerturbedConditions(pctx, keepAudio(side), perturbs, ef.seed, *limit); err != nil {
		return fmt.Errorf("--perturb: %w", err)
	}
	if cfg.Encoder, err = enc.config(d.Sensor); err != nil {
		return err
	}
	if cfg.Head, err = head.Config(d.Sensor); err != nil {
		return err
	}
	warn(stderr, "classify", experiment.ClassifyWarnings(cfg))
	var closeMacro func()
	if cfg.Macro, closeMacro, err = ef.openMacro(ctx, fs); err != nil {
		return err
	}
	defer closeMacro()
	res, err := experiment.Classify(ctx, cfg)
	if err != nil {
		return err
	}
	warn(stderr, "classify", res.ResultWarnings())
	if *save != "" {
		if err := atomicfile.Write(*save, res.Model.Save); err != nil {
			return fmt.Errorf("classify: --save: %w", err)
		}
	}
	if err := out.Write(res.PlotConfusionFile, res.Markdown()); err != nil {
		return err
	}
	if ef.asJSON {
		fmt.Fprintf(stderr, "memlsm classify: accuracy %.4f ± %.4f (%s, seed %d, %.1f s)\n", res.Accuracy, res.AccuracyStd, res.Protocol, res.Seed, res.Seconds)
		return cli.WriteJSON(stdout, res)
	}
	_, err = io.WriteString(stdout, res.Markdown())
	return err
}

// classifyLoad scores a saved model on a data source.
func classifyLoad(ctx context.Context, file, data string, limit int, ef experimentFlags, stdout, stderr io.Writer) error {
	m, err := experiment.LoadModelFile(file)
	if err != nil {
		return err
	}
	if m.Task != "classify" {
		return fmt.Errorf("classify: --load %s is a %s model", file, m.Task)
	}
	d, err := openSource(ctx, ef.runFlags, "data", data, stderr)
	if err != nil {
		return err
	}
	ev, err := m.EvaluateReport(ctx, d.PerClass(limit), file, ef.workers)
	if err != nil {
		return err
	}
	if ef.asJSON {
		return cli.WriteJSON(stdout, ev)
	}
	fmt.Fprintf(stdout, "model %s (trained on %s, seed %d) on %s: accuracy %.4f over %d samples\n", file, m.Data, m.Seed, ev.Data, ev.Accuracy, ev.TestSamples)
	return nil
}
