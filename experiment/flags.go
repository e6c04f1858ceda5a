package experiment

import (
	"flag"
	"fmt"
	"strings"

	"github.com/memlsm/memlsm/lsm"
)

// Command-line bindings of the specs: a program that runs experiments
// binds these flags to the spec it then checks and configures, so every
// such program names and explains the settings the same way (memlsm's
// classify, zeroshot, encode, bench and demo all do).

// RegisterFlags binds the encoder's settings to flags of fs named
// prefix+name ("neurons", or "image-neurons" with prefix "image-"); what
// starts every help text ("image encoder: "). IntFlags names the integer
// flags among them.
func (s *EncoderSpec) RegisterFlags(fs *flag.FlagSet, prefix, what string) {
	p := func(n string) string { return prefix + n }
	fs.StringVar(&s.Preset, p("lsm"), "", what+"paper LSM preset ("+strings.Join(lsm.Presets(), ", ")+"): the paper's reservoir, const gain and binning")
	fs.StringVar(&s.Binning, p("binning"), "", what+"binning: default (tuned), paper (the paper's frames; the default with --lsm) or span (1-D: steps over each utterance's own span)")
	fs.IntVar(&s.Neurons, p("neurons"), 0, fmt.Sprintf("%sreservoir size N (default %d)", what, DefaultNeurons))
	fs.Func(p("gain"), what+"reservoir gain (the paper's const), or auto to calibrate it on training data (default auto; a preset's const with --lsm)", s.SetGain)
	fs.Float64Var(&s.Decay, p("decay"), 0, what+"membrane decay per step in [0, 1] (default 0.9 for 2-D sensors, 0.97 for 1-D)")
	fs.Float64Var(&s.Threshold, p("vth"), 0, what+"threshold Vth (default 5.0 for 2-D sensors, 5.3 for 1-D)")
	fs.IntVar(&s.Windows, p("windows"), 0, fmt.Sprintf("%stime windows, one spike rate per neuron each (default %d; 1 = the paper's single rate)", what, DefaultWindows))
	fs.Func(p("polarity"), what+"2-D events used: off, on, both (two channels) or any", s.SetPolarity)
	fs.IntVar(&s.Crop, p("crop"), 0, what+"2-D: side of the centred square crop in pixels")
	fs.IntVar(&s.Pool, p("pool"), 0, what+"2-D: pool P×P pixel blocks into one input")
	fs.Var(&s.BinWidth, p("bin-width"), what+"time bin (2-D) or raster resolution (1-D), e.g. 6ms")
	fs.IntVar(&s.Bins, p("bins"), 0, what+"time steps T (bins or chunks)")
	fs.BoolVar(&s.Counts, p("counts"), false, what+"binned event counts instead of binary frames")
	fs.StringVar(&s.Band, p("band"), "", what+"gain calibration target LO,HI in spikes per neuron per step (default 0.04,0.12)")
	fs.IntVar(&s.CalibrationSamples, p("calib"), 0, fmt.Sprintf("%ssamples the gain is calibrated on (default %d)", what, DefaultCalibrationSamples))
}

// IntFlags are the names (without prefix) of the encoder's integer flags,
// which must be at least one when given.
var IntFlags = []string{"neurons", "windows", "crop", "pool", "bins", "calib"}

// RegisterFlags binds the head's settings to flags of fs.
func (c *CLIPSpec) RegisterFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.Paper, "paper-head", false, "the paper's head: audio↔image OneFC GELU pd 64, soft-target loss, τ = 1, raw dot products, Adam 1e-3, batch 8; "+
		"neural↔image OneFC GELU pd 256, SupCon, learnable logit scale from τ = 0.5, cosine, Adam 1e-3, batch 1024, 100 epochs")
	fs.IntVar(&c.Dim, "pd", 0, "projection dimension (default 64)")
	fs.IntVar(&c.Layers, "layers", 0, "projection layers per tower, 1 or 2 (default 1)")
	fs.StringVar(&c.Loss, "loss", "", "contrastive loss: supcon, infonce or soft-clip (default: supcon)")
	fs.Float64Var(&c.Temperature, "temperature", 0, "temperature τ (default: the head's)")
	fs.BoolVar(&c.LearnTemperature, "learn-temperature", false, "train the logit scale 1/τ (from --temperature)")
	fs.IntVar(&c.Epochs, "epochs", 0, "head training epochs (default: the head's)")
	fs.Float64Var(&c.LR, "lr", 0, "head learning rate (default: the head's)")
	fs.Float64Var(&c.WeightDecay, "wd", 0, "head weight decay, < 0 for none (default: the head's)")
	fs.IntVar(&c.Batch, "batch", 0, "pairs per mini-batch (default: the head's)")
}

// RegisterFlags binds the zero-shot choices to flags of fs; defaultSeeds
// is the default of --seeds ("" for none).
func (c *ZeroShotChoices) RegisterFlags(fs *flag.FlagSet, defaultSeeds string) {
	fs.StringVar(&c.Seen, "seen", "1-7", "seen (training) classes")
	fs.StringVar(&c.Unseen, "unseen", "8-9", "unseen (zero-shot) classes, or all-pairs / all-K: designs over --classes")
	fs.Float64Var(&c.TestFraction, "test-fraction", 0, "held-out fraction of every seen class without test sources, in (0, 1) (default 0.2)")
	fs.BoolVar(&c.PairAll, "pair-all", false, "pair every training sample of both modalities (cycling the smaller one) instead of the first min(n_img, n_aud) per class")
	fs.StringVar(&c.Seeds, "seeds", defaultSeeds, "seed sweep: repeat the experiment once per seed of LIST (1-20, 1,5,9; none for no sweep) and report the distribution")
	fs.Var(&c.Scope, "sweep", "what a sweep seed changes: head (initialisation and batch order), split (also the held-out split, gain and features) or macro (everything; --board sim)")
	fs.BoolVar(&c.Trace, "trace", false, "score the head after every training epoch and add the paper's test-selected epoch rule as a labelled diagnostic (paper_protocol)")
	fs.Var(&c.Protocol, "protocol", "zsl (unseen items searched among unseen ones) or gzsl (among the test items of every class)")
	fs.StringVar(&c.Classes, "classes", "1-9", "with --unseen all-pairs|all-K: the classes the designs divide")
	fs.StringVar(&c.Designs, "designs", "", "run these unseen sets (LIST/LIST/..., e.g. 8,9/1,6) as designs over --seeds, the rest of --classes seen")
	fs.StringVar(&c.CalibrateOn, "calibrate-on", "", "calibrate the gains once on these classes' samples (outside every seen and unseen set, e.g. 0) instead of on each run's seen classes")
	fs.IntVar(&c.Subsets, "subsets", 0, "with --unseen all-K: run a seeded sample of N designs (0: all)")
	fs.BoolVar(&c.Select, "select", false, "choose the epoch (or ridge) and a gain factor on validation classes")
	fs.StringVar(&c.SelectGains, "select-gains", "0.5,1,2", "with --select: candidate gains, as factors of the calibrated (or given) gain")
	fs.IntVar(&c.SelectSplits, "select-splits", 0, "validation splits of --select and of gzsl's β (default 3)")
	fs.StringVar(&c.SideInfo, "side-info", "", "class side information: MODALITY=SET,... (sets: phonetic, shape, or FILE.json; builtin = image=shape,audio=phonetic)")
	fs.Float64Var(&c.Ridge, "ridge", 0, "with --side-info: ridge penalty of the descriptor heads (default 1; --select chooses one)")
}
