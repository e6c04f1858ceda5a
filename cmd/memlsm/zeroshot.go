package main

// memlsm zeroshot: zero-shot audio↔image retrieval (Lin et al. 2025).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/memlsm/memlsm/board"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/cli"
)

func init() {
	register(cli.Command{Name: "zeroshot", Summary: "zero-shot audio↔image or neural↔image retrieval: two LSMs on the macro, a contrastive head", Run: runZeroShot})
}

const zeroshotUsage = `zeroshot --images SRC --audio SRC [--test-images SRC --test-audio SRC]
                [--seen 1-7 --unseen 8-9] [--board B] [--preset NAME] [--params FILE]
                [--seed N] [--seeds 1-20 [--sweep head|split|macro] [--sweep-plot FILE.png]]
                [--trace] [--trace-plot FILE.png] [--protocol zsl|gzsl]
                [--select [--select-gains 0.5,1,2] [--select-splits 3]]
                [--side-info image=shape,audio=phonetic [--ridge R]]
                [--json] [--save FILE] [--plot FILE.png|.svg|.pdf] [--md FILE] [flags]
       zeroshot --images SRC --audio SRC --unseen all-pairs|all-K [--classes 1-9]
                [--subsets N] [--seeds 1-5] [--protocol gzsl] [--plot FILE.png] ...
       zeroshot --images SRC --audio SRC --designs 8,9/1,6 [--classes 1-9] [--seeds 1-5] ...
       zeroshot --images SRC --neural SRC [--test-images SRC --test-neural SRC] ...
       zeroshot --load FILE --images SRC --audio SRC [--seen 1-7 --unseen 8-9] [--json]

Encodes images and audio with two LSMs whose weights are read from the
macro (the audio reservoir time-shares the image reservoir's cells unless
--audio-board gives it its own array), trains a CLIP-style contrastive head
on class-wise image–audio pairs of the seen classes, and reports top-1
retrieval in both directions on seen and unseen classes (Lin et al. 2025).

Test pairs: from --test-images/--test-audio when given (the first 100 per
class of each); otherwise a seeded, stratified 20 % of every seen class is
held out, and the unseen classes, never trained on, give their first 100
samples per class. Encoder flags take an image- or audio- prefix
(--image-windows 5, --audio-gain 0.1, ...).

--neural SRC replaces the audio by neural activity (Lin et al. 2025's
neural↔visual task): e.g. --neural strokes:DIR, pen trajectories of MNIST
digits written by a simulated motor-cortex population, or
willett:singleLetters.mat; JSON keys neural_to_image and image_to_neural;
encoder flags take a neural- prefix (--neural-lsm btv-neural, with
--image-lsm btv-emnist and --images 'mnist:train?code=rate' for the
paper's 2048-neuron encoders; --paper-head is then the paper's BTV head).
A recording and an image of the same item (a trajectory and the MNIST
digit it was traced from) are never both used: each such item stays in one
modality (result key "instances").

The headline numbers are those of --seed after the last training epoch:
nothing is ever selected on test data. Two diagnostics show how much to
trust them. --seeds LIST repeats the experiment once per seed and reports
the mean, spread and share above chance of every accuracy; --sweep says
what a seed changes: head (default: the head's initialisation and batch
order; the features of --seed are reused), split (also the held-out split,
so the gain and features; same macro) or macro (everything: each run is
'zeroshot --seed S'; needs --board sim or --software). --trace scores the
head after every epoch and applies the paper's epoch selection to it
(Lin et al. 2025) under "paper_protocol": selected on the test set, so a
labelled, optimistic diagnostic — never the result.

--protocol gzsl adds the generalised protocol (Xian et al. 2017): the
search set holds the test items of every class; S, U, H, calibrated
stacking with β chosen on validation classes, AUSUC and ZSL, both
directions. --select chooses the epoch and a gain factor (of
--select-gains) on validation classes carved out of the seen classes'
training data, never on test classes. --side-info gives the heads class
descriptors instead of pairing the modalities: each modality is mapped
into its own descriptor space (built-in sets: phonetic, shape; or a .json
file), and unseen classes are reached through their descriptors.

--unseen all-pairs runs every pair of --classes as the unseen classes (the
rest seen; all-K: every K-subset, --subsets N a seeded sample of N), on
every seed of --seeds (each forms its own macro), in parallel, and reports
the mean over the designs with 95 % confidence intervals, every design, and
with --plot a heat map of the pairs: the honest zero-shot headline.
--designs runs the given unseen sets (separated by /) the same way, e.g.
one split over several seeds, each selecting on its own validation classes.`

// zeroshotFlags are the flags of zeroshot (and demo).
type zeroshotFlags struct {
	images, audio, testImages, testAudio string
	neural, testNeural                   string
	limit                                int
	audioBoard                           string
	save, load                           string
	out                                  cli.Outputs
	sweepPlot, tracePlot                 string
	c                                    experiment.ZeroShotChoices
	exp                                  experimentFlags
	imgEnc, audEnc, neuEnc               encoderFlags
	head                                 experiment.CLIPSpec
	designs                              *experiment.DesignsResult // the result of --unseen all-pairs|all-K
}

func (z *zeroshotFlags) register(fs *cli.FlagSet, sources bool, defaultSeeds string) {
	if sources {
		fs.StringVar(&z.images, "images", "", "image data source SRC (nmnist:DIR, embedded:images, ...)")
		fs.StringVar(&z.audio, "audio", "", "audio data source SRC (fsdd:DIR, ntidigits:FILE, embedded:audio, ...)")
		fs.StringVar(&z.testImages, "test-images", "", "image test source (with --test-audio)")
		fs.StringVar(&z.testAudio, "test-audio", "", "audio test source (with --test-images)")
		fs.StringVar(&z.neural, "neural", "", "neural data source SRC instead of --audio (strokes:DIR, willett:FILE.mat, ...): the neural↔visual task")
		fs.StringVar(&z.testNeural, "test-neural", "", "neural test source (with --test-images)")
		fs.StringVar(&z.load, "load", "", "score the saved model FILE on --images/--audio instead of training")
	}
	fs.IntVar(&z.limit, "per-class", 0, "use only the first N samples of every class of each source")
	fs.StringVar(&z.audioBoard, "audio-board", "", "put the audio reservoir on its own array (sim, emu or a device path) instead of time-sharing the image reservoir's cells")
	fs.StringVar(&z.save, "save", "", "write the trained model to FILE")
	z.out.Register(fs, "the cross-modal similarity matrices (with designs: the heat map of the pairs)")
	fs.StringVar(&z.sweepPlot, "sweep-plot", "", "write the seed sweep (one dot per seed, box plots, chance) to FILE (.png, .svg or .pdf)")
	fs.StringVar(&z.tracePlot, "trace-plot", "", "write the per-epoch trace to FILE (.png, .svg or .pdf; implies --trace)")
	z.exp.register(fs)
	z.imgEnc.register(fs, "image-", "image encoder: ")
	z.audEnc.register(fs, "audio-", "audio encoder: ")
	if sources {
		z.neuEnc.register(fs, "neural-", "neural encoder: ")
	}
	z.c.RegisterFlags(fs.FlagSet, defaultSeeds)
	z.head.RegisterFlags(fs.FlagSet)
}

// other is the second modality the flags name: audio (the default) or,
// with --neural, neural activity — its name, sources, flag names and
// encoder flags.
type other struct {
	name, src, test, flag, testFlag string
	enc                             *encoderFlags
}

func (z *zeroshotFlags) other() other {
	if z.neural != "" {
		return other{"neural", z.neural, z.testNeural, "neural", "test-neural", &z.neuEnc}
	}
	return other{"audio", z.audio, z.testAudio, "audio", "test-audio", &z.audEnc}
}

// modalities are the names of the two sides.
func (z *zeroshotFlags) modalities() experiment.Modalities {
	return experiment.Modalities{A: "image", B: z.other().name}
}

// checkOther rejects flags of the modality that is not used.
func (z *zeroshotFlags) checkOther(fs *cli.FlagSet) error {
	unused, used := "audio", "neural"
	if z.neural == "" {
		unused, used = "neural", "audio"
	}
	switch {
	case z.neural != "" && z.audio != "":
		return usagef("give --audio or --neural, not both")
	case z.neural != "" && z.testAudio != "":
		return usagef("--test-audio goes with --audio; with --neural give --test-neural")
	case z.neural == "" && z.testNeural != "":
		return usagef("--test-neural goes with --neural")
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, unused+"-") && fs.Given(f.Name) {
			names = append(names, f.Name)
		}
	})
	if len(names) > 0 {
		return usagef("--%s applies to the %s encoder, which this run does not have: use --%s%s", names[0], unused, used+"-", strings.TrimPrefix(names[0], unused+"-"))
	}
	return nil
}

// check validates every flag before any work.
func (z *zeroshotFlags) check(fs *cli.FlagSet) (experiment.ZeroShotPlan, error) {
	c := &z.c
	c.Trace = c.Trace || z.tracePlot != ""
	c.SeenGiven, c.UnseenGiven, c.ScopeGiven = fs.Given("seen"), fs.Given("unseen"), fs.Given("sweep")
	c.Names = z.modalities()
	p, err := c.Plan()
	if err != nil {
		return p, err
	}
	if err := z.checkOther(fs); err != nil {
		return p, err
	}
	o := z.other()
	sweepMacro := len(p.Seeds) > 0 && (c.Scope == experiment.SweepMacro || p.Many()) && !z.exp.software
	switch {
	case p.Many() && (z.save != "" || z.load != "" || z.sweepPlot != ""):
		return p, usagef("designs run many experiments: --save, --load and --sweep-plot apply to one")
	case (z.testImages == "") != (o.test == ""):
		return p, usagef("give both --test-images and --%s, or neither", o.testFlag)
	case z.limit < 0:
		return p, usagef("--per-class %d must not be negative", z.limit)
	case z.sweepPlot != "" && len(p.Seeds) == 0:
		return p, usagef("--sweep-plot needs --seeds")
	case sweepMacro && (z.exp.board != "sim" && z.exp.board != "" || z.audioBoard != ""):
		return p, usagef("--sweep macro forms a new simulated macro per seed: it needs --board sim (or --software) and no --audio-board")
	case z.audioBoard != "" && z.exp.software:
		return p, usagef("--audio-board needs the macro, not --software")
	case z.load != "" && (c.Seeds != "" || c.Trace || z.sweepPlot != ""):
		return p, usagef("--load scores a saved model: --seeds, --trace and their plots need training")
	}
	if _, err := z.head.Config(); err != nil {
		return p, err
	}
	return p, cli.FirstErr(checkSource("images", z.images), checkSource(o.flag, o.src),
		optionalSource("test-images", z.testImages), optionalSource(o.testFlag, o.test),
		z.exp.check(fs), z.imgEnc.check(fs), o.enc.check(fs), z.out.Check(),
		cli.CheckFigure("sweep-plot", z.sweepPlot), cli.CheckFigure("trace-plot", z.tracePlot),
		cli.CheckSources([]string{z.images, o.src, z.testImages, o.test, z.load, z.exp.params.file},
			append(z.out.Outs(), cli.Out{Flag: "save", Path: z.save}, cli.Out{Flag: "sweep-plot", Path: z.sweepPlot}, cli.Out{Flag: "trace-plot", Path: z.tracePlot})...))
}

// run opens everything the flags name and runs the experiment.
func (z *zeroshotFlags) run(ctx context.Context, fs *cli.FlagSet, stderr io.Writer) (*experiment.ZeroShotResult, error) {
	plan, err := z.check(fs)
	if err != nil {
		return nil, err
	}
	stderr = z.exp.stderr(stderr)
	o := z.other()
	z.head.BTV = o.name == "neural"
	head, _ := z.head.Config()
	cfg := experiment.ZeroShotConfig{A: experiment.Side{Name: "image"}, B: experiment.Side{Name: o.name}, Head: &head,
		Seed: z.exp.seed, Workers: z.exp.workers, Progress: progressFunc(stderr), KeepModel: z.save != ""}
	if err := z.c.Apply(&cfg, plan); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		dst        **events.Dataset
		flag, spec string
	}{{&cfg.A.Data, "images", z.images}, {&cfg.B.Data, o.flag, o.src}, {&cfg.A.Test, "test-images", z.testImages}, {&cfg.B.Test, o.testFlag, o.test}} {
		if s.spec == "" {
			continue
		}
		d, err := openSource(ctx, z.exp.runFlags, s.flag, s.spec, stderr)
		if err != nil {
			return nil, err
		}
		*s.dst = d.PerClass(z.limit)
	}
	if cfg.A.Encoder, err = z.imgEnc.config(cfg.A.Data.Sensor); err != nil {
		return nil, err
	}
	if cfg.B.Encoder, err = o.enc.config(cfg.B.Data.Sensor); err != nil {
		return nil, err
	}
	if len(plan.Seeds) > 0 && (z.c.Scope == experiment.SweepMacro || plan.Many()) && !z.exp.software {
		// No array: ZeroShot forms the simulated macro of every seed itself
		// (the one of --seed exactly as --board sim would).
		p, src, err := z.exp.params.load(fs)
		if err != nil {
			return nil, err
		}
		cfg.Macro = experiment.Macro{Params: p, Mode: z.exp.mode, Label: board.Label("sim", src, z.exp.seed)}
	} else {
		var closeMacro func()
		if cfg.Macro, closeMacro, err = z.exp.openMacro(ctx, fs); err != nil {
			return nil, err
		}
		defer closeMacro()
	}
	if z.audioBoard != "" {
		a, err := board.Open(ctx, z.audioBoard, cfg.Macro.Params, z.exp.seed+1)
		if err != nil {
			return nil, err
		}
		defer a.Close()
		cfg.Macro.AudioArray = a
	}
	if plan.Many() {
		z.designs, err = experiment.ZeroShotDesigns(ctx, plan.DesignsOf(cfg, z.c.Subsets))
		return nil, err
	}
	res, err := experiment.ZeroShot(ctx, cfg)
	if err == nil {
		warn(stderr, "zeroshot", res.Macro.Warnings())
	}
	return res, err
}

// report writes the outputs the flags ask for.
func (z *zeroshotFlags) report(res *experiment.ZeroShotResult, cmd string, stdout, stderr io.Writer) error {
	if d := z.designs; d != nil {
		md := d.Report()
		if err := z.out.Write(d.PlotDesignsFile, md); err != nil {
			return err
		}
		if z.exp.asJSON {
			for _, l := range d.Summary() {
				fmt.Fprintf(stderr, "memlsm %s: %s\n", cmd, l)
			}
			return cli.WriteJSON(stdout, d)
		}
		_, err := io.WriteString(stdout, md)
		return err
	}
	if z.save != "" {
		if err := atomicfile.Write(z.save, res.Model.Save); err != nil {
			return fmt.Errorf("--save: %w", err)
		}
	}
	if z.sweepPlot != "" {
		if err := res.PlotSweepFile(z.sweepPlot); err != nil {
			return fmt.Errorf("--sweep-plot: %w", err)
		}
	}
	if z.tracePlot != "" {
		if err := res.PlotTraceFile(z.tracePlot); err != nil {
			return fmt.Errorf("--trace-plot: %w", err)
		}
	}
	md := res.Report()
	if err := z.out.Write(res.PlotSimilarityFile, md); err != nil {
		return err
	}
	if z.exp.asJSON {
		for _, l := range res.Summary() {
			fmt.Fprintf(stderr, "memlsm %s: %s\n", cmd, l)
		}
		return cli.WriteJSON(stdout, res)
	}
	_, err := io.WriteString(stdout, md)
	return err
}

func runZeroShot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("zeroshot", zeroshotUsage)
	var z zeroshotFlags
	z.register(fs, true, "")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	if z.load != "" {
		return z.runLoad(ctx, fs, stdout, stderr)
	}
	res, err := z.run(ctx, fs, stderr)
	if err != nil {
		return err
	}
	return z.report(res, "zeroshot", stdout, stderr)
}

// runLoad scores a saved zero-shot model: the first 100 per class of
// --images and --audio, paired class-wise, for the seen and unseen classes.
func (z *zeroshotFlags) runLoad(ctx context.Context, fs *cli.FlagSet, stdout, stderr io.Writer) error {
	plan, err := z.check(fs)
	if err != nil {
		return err
	}
	stderr = z.exp.stderr(stderr)
	m, err := experiment.LoadModelFile(z.load)
	if err != nil {
		return err
	}
	imgs, err := openSource(ctx, z.exp.runFlags, "images", z.images, stderr)
	if err != nil {
		return err
	}
	o := z.other()
	auds, err := openSource(ctx, z.exp.runFlags, o.flag, o.src, stderr)
	if err != nil {
		return err
	}
	out, err := m.RetrieveReport(ctx, imgs.PerClass(z.limit), auds.PerClass(z.limit), plan.Seen, plan.Unseen, z.load, z.exp.workers)
	if err != nil {
		return err
	}
	if z.exp.asJSON {
		return cli.WriteJSON(stdout, out)
	}
	fmt.Fprintf(stdout, "model %s on %s ↔ %s:\n", z.load, auds.Name, imgs.Name)
	return out.WriteText(stdout)
}
