package experiment

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/projection"
)

// DefaultSeed is the seed of the paper's runs (torch.manual_seed(10),
// Lin et al. 2025, the authors' run scripts); the CLI uses it when --seed is not given.
const DefaultSeed = 10

// DefaultTestFraction is the stratified hold-out fraction of Classify when
// no other protocol is chosen (assumption: the usual 80/20 split).
const DefaultTestFraction = 0.2

// HeadConfig chooses and configures the classification head trained on the
// LSM features.
type HeadConfig struct {
	// Kind is "linear" (the paper's linear probe, the default) or "mlp".
	Kind string `json:"kind"`
	// Linear configures the linear probe; its zero value is
	// projection.LinearDefaults on standardised features.
	Linear projection.LinearConfig `json:"linear"`
	// MLP configures the MLP head when Kind is "mlp".
	MLP projection.MLPConfig `json:"mlp"`
}

func (h HeadConfig) resolve(seed uint64) (HeadConfig, error) {
	switch h.Kind {
	case "":
		h.Kind = "linear"
	case "linear", "mlp":
	default:
		return h, fmt.Errorf("experiment: unknown head %q (want linear or mlp)", h.Kind)
	}
	if h.Linear.Seed == 0 {
		h.Linear.Seed = seed
	}
	if h.MLP.Seed == 0 {
		h.MLP.Seed = seed
	}
	return h, nil
}

// train fits the head on the rows of x (n×d) with labels y in [0, classes).
func (h HeadConfig) train(ctx context.Context, x projection.Rows, y []int, classes int) (projection.Head, projection.TrainLog, error) {
	if h.Kind == "mlp" {
		return projection.TrainMLPRows(ctx, x, y, classes, h.MLP)
	}
	return projection.TrainLinearRows(ctx, x, y, classes, h.Linear)
}

// ClassifyConfig configures Classify. Data is required; everything else
// has a documented default. The evaluation protocol is, in this order of
// precedence: an explicit Test set, Folds-fold cross-validation, speaker-
// wise rotations (BySpeaker), or a stratified hold-out of TestFraction.
type ClassifyConfig struct {
	// Data are the training samples (all samples under cross-validation):
	// an *events.Dataset, or a stream that makes each sample's events when
	// it is read (events.Lazy, source.OpenStream). Classify reads every
	// sample's events once, bins them and keeps only the frames, so with a
	// lazy stream the events of all samples are never in memory at once.
	// (MFCC features need the waveforms of a loaded dataset.)
	Data events.Stream
	// Test, if set, is the test set: the head is trained on all of Data and
	// scored on Test. Its classes are matched to Data's by name.
	Test events.Stream
	// Folds > 1 runs stratified, seeded Folds-fold cross-validation on Data
	// (events.Dataset.Folds).
	Folds int
	// BySpeaker holds out one speaker at a time (train on the others, test
	// on it), every speaker in turn (events.Dataset.SplitBySpeaker).
	BySpeaker bool
	// TestFraction is the stratified hold-out fraction of the default
	// protocol; 0 → DefaultTestFraction.
	TestFraction float64

	Encoder EncoderConfig
	Macro   Macro
	// Features post-processes the features before the head (√ and
	// per-speaker normalisation; see FeatureConfig).
	Features FeatureConfig
	Head     HeadConfig

	// FeatureKinds lists the features to classify on, all on the same
	// splits: the first is the result's own, the others are reported in
	// ClassifyResult.Compare. Empty means FeaturesLSM alone.
	FeatureKinds []FeatureKind
	// MFCC configures the MFCC baseline (FeaturesMFCC).
	MFCC MFCCConfig
	// Conditions are further versions of the test side's recordings
	// (Test if set, else Data), each in the same order: typically the same
	// recordings perturbed before the cochlea (audio.Chain). Every split's
	// head, trained on the unchanged training samples, is scored on each
	// condition's version of its test samples too (ClassifyResult.Conditions).
	Conditions []Condition

	// Seed seeds everything random: the simulated macro, the splits and
	// folds, the head's initialisation and shuffling.
	Seed uint64
	// Workers is the number of encoding goroutines; 0 → GOMAXPROCS.
	Workers int
	// Progress, if set, reports long stages.
	Progress ProgressFunc
	// KeepModel keeps the trained model in the result (for Save). With a
	// single split it is the evaluated model; with cross-validation or
	// speaker rotations it is a final model fitted on all of Data after
	// the evaluation.
	KeepModel bool
}

// Condition is one test condition: the test side's recordings as a new
// recording would change them (e.g. 20 dB quieter), converted the same way.
type Condition struct {
	Name string
	Data *events.Dataset
}

// ConditionResult is the accuracy of one kind of features under one test
// condition, on the same splits and heads as the unchanged test samples.
type ConditionResult struct {
	Name        string  `json:"name"`
	Accuracy    float64 `json:"accuracy"`
	AccuracyStd float64 `json:"accuracy_std"`
	// Drop is the unchanged accuracy minus this one, mean and sample
	// standard deviation over the splits.
	Drop           float64   `json:"drop"`
	DropStd        float64   `json:"drop_std"`
	FoldAccuracies []float64 `json:"fold_accuracies"`
}

// FeatureResult is the evaluation of one kind of features on a
// classification's splits.
type FeatureResult struct {
	Features       FeatureKind       `json:"features"`
	Accuracy       float64           `json:"accuracy"`
	AccuracyStd    float64           `json:"accuracy_std"`
	FoldAccuracies []float64         `json:"fold_accuracies"`
	Confusion      [][]int           `json:"confusion"`
	Conditions     []ConditionResult `json:"conditions,omitempty"`
	Seconds        float64           `json:"seconds"`
}

// FoldResult is one train/test split of a classification.
type FoldResult struct {
	Name         string  `json:"name"` // "fold 1", a speaker, "hold-out", "test set"
	TrainSamples int     `json:"train_samples"`
	TestSamples  int     `json:"test_samples"`
	Accuracy     float64 `json:"accuracy"`
	Gain         float64 `json:"gain"`      // the reservoir gain used
	MeanRate     float64 `json:"mean_rate"` // spikes per neuron per step on this split's samples
	Epochs       int     `json:"epochs"`    // head training epochs run
}

// ClassifyResult is the outcome of Classify. It renders as JSON (the CLI
// contract's keys), as Markdown and as a confusion-matrix PNG.
type ClassifyResult struct {
	Task     string   `json:"task"` // "classify"
	Data     string   `json:"data"`
	Test     string   `json:"test,omitempty"`
	Protocol string   `json:"protocol"`
	Classes  []string `json:"classes"`
	Seed     uint64   `json:"seed"`

	// Accuracy is the test accuracy, the mean over folds for
	// cross-validation and speaker rotations; AccuracyStd is the sample
	// standard deviation over folds (0 for one split).
	Accuracy    float64      `json:"accuracy"`
	AccuracyStd float64      `json:"accuracy_std"`
	Folds       int          `json:"folds"` // number of train/test splits
	FoldResults []FoldResult `json:"fold_results"`
	// TrainSamples is the training-set size (mean over folds, rounded);
	// TestSamples counts every test prediction (each sample once under
	// cross-validation).
	TrainSamples int `json:"train_samples"`
	TestSamples  int `json:"test_samples"`
	// Confusion[t][p] counts test samples of class t predicted as p, summed
	// over folds.
	Confusion [][]int `json:"confusion"`

	// Operation counts of the encoding (NeuroBench names; lsm.Stats), per
	// encoded sample, over every encoding the experiment ran.
	SynOpsPerSample    float64 `json:"synops_per_sample"`
	DenseMACsPerSample float64 `json:"dense_macs_per_sample"`
	MeanRate           float64 `json:"mean_rate"`
	ActivationSparsity float64 `json:"activation_sparsity"`
	InputDensity       float64 `json:"input_density"`
	// EncodeSamplesPerS is the encoding throughput (encoding wall time
	// only).
	EncodeSamplesPerS float64     `json:"encode_samples_per_s"`
	Encode            EncodeStats `json:"encode"`

	// Kind is the features of Accuracy, FoldResults, Confusion and
	// Conditions ("lsm" unless ClassifyConfig.FeatureKinds says otherwise);
	// Compare holds the other kinds, scored on the same splits.
	Kind       FeatureKind       `json:"feature_kind"`
	Conditions []ConditionResult `json:"conditions,omitempty"`
	Compare    []FeatureResult   `json:"compare,omitempty"`
	MFCC       *MFCCConfig       `json:"mfcc,omitempty"` // resolved, when MFCC features ran

	Encoder  EncoderConfig     `json:"encoder"`  // resolved; Reservoir.Gain is the last split's
	Features FeatureConfig     `json:"features"` // resolved: SpeakerNorm is on or off
	Gains    []float64         `json:"gains"`    // per split
	Calib    []lsm.Calibration `json:"calibrations,omitempty"`
	Macro    MacroInfo         `json:"macro"`
	Head     HeadConfig        `json:"head"`
	Seconds  float64           `json:"seconds"` // whole experiment

	// Cost is one inference (an encoding and the head) priced on the
	// test board, the projected chip and digital hardware (package cost).
	Cost *cost.Report `json:"cost"`

	// Model is the trained model when KeepModel was set.
	Model *Model `json:"-"`
}

// split is one train/test division of the combined index space: Data's
// samples are 0…n−1, Test's n…n+m−1.
type split struct {
	name        string
	train, test []int
}

// Classify runs the classification pipeline: bin → reservoir weights from
// the macro → gain calibrated on the training part → features → head →
// test accuracy, under the protocol cfg selects. With cfg.FeatureKinds it
// scores other features (the MFCC baseline) on the same splits, and with
// cfg.Conditions it scores every split's head on changed versions of its
// test samples as well.
func Classify(ctx context.Context, cfg ClassifyConfig) (*ClassifyResult, error) {
	start := time.Now()
	d, td := index(cfg.Data), index(cfg.Test)
	if d == nil || d.Len() == 0 {
		return nil, fmt.Errorf("experiment: classify: no data")
	}
	if td == nil {
		cfg.Test = nil // a nil *events.Dataset in the interface is no test set either
	}
	if len(d.Classes) < 2 {
		return nil, fmt.Errorf("experiment: classify: %s has %d classes; need at least 2", d.Name, len(d.Classes))
	}
	kinds, err := resolveKinds(cfg.FeatureKinds)
	if err != nil {
		return nil, err
	}
	head, err := cfg.Head.resolve(cfg.Seed)
	if err != nil {
		return nil, err
	}
	res := &ClassifyResult{Task: "classify", Data: d.Name, Classes: d.Classes, Seed: cfg.Seed, Head: head, Kind: kinds[0]}

	// The combined sample list and the splits.
	labels := make([]int, d.Len())
	for i := range d.Samples {
		labels[i] = d.Samples[i].Label
	}
	var testLabels []int
	if td != nil {
		if testLabels, err = mapLabels(td, d); err != nil {
			return nil, err
		}
		if td.Sensor != d.Sensor {
			return nil, fmt.Errorf("experiment: classify: test set %s is from sensor %+v, training data from %+v", td.Name, td.Sensor, d.Sensor)
		}
		res.Test = td.Name
	}
	splits, protocol, err := classifySplits(cfg, labels)
	if err != nil {
		return nil, err
	}
	res.Protocol = protocol
	allLabels := append(slices.Clone(labels), testLabels...)
	speakers := make([]string, 0, len(allLabels))
	for _, x := range []*events.Dataset{d, td} {
		if x != nil {
			for i := range x.Samples {
				speakers = append(speakers, x.Samples[i].Speaker)
			}
		}
	}
	post, err := cfg.Features.resolve(cfg.BySpeaker && td == nil && cfg.Folds == 0, speakers)
	if err != nil {
		return nil, err
	}
	res.Features = post.config()
	conds, err := checkConditions(cfg)
	if err != nil {
		return nil, err
	}
	run := &classifyRun{cfg: cfg, head: head, splits: splits, labels: allLabels, classes: len(d.Classes), conds: conds}
	for k, kind := range kinds {
		kstart := time.Now()
		var kr *kindResult
		switch kind {
		case FeaturesLSM:
			kr, err = run.lsm(ctx, res, post)
		case FeaturesMFCC:
			kr, err = run.mfcc(ctx, res, features{speakerNorm: post.speakerNorm, speakers: post.speakers})
		}
		if err != nil {
			return nil, err
		}
		fr := kr.result(kind, time.Since(kstart).Seconds())
		if k == 0 {
			res.Accuracy, res.AccuracyStd = fr.Accuracy, fr.AccuracyStd
			res.FoldResults, res.Confusion, res.Conditions = kr.folds, kr.confusion, fr.Conditions
			res.Folds = len(splits)
			trainTotal := 0
			for _, sp := range splits {
				trainTotal += len(sp.train)
				res.TestSamples += len(sp.test)
			}
			res.TrainSamples = int(math.Round(float64(trainTotal) / float64(len(splits))))
		} else {
			res.Compare = append(res.Compare, fr)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// resolveKinds checks a list of feature kinds; empty means the LSM alone.
func resolveKinds(kinds []FeatureKind) ([]FeatureKind, error) {
	if len(kinds) == 0 {
		return []FeatureKind{FeaturesLSM}, nil
	}
	for i, k := range kinds {
		switch k {
		case FeaturesLSM, FeaturesMFCC:
		default:
			return nil, fmt.Errorf("experiment: classify: unknown features %q (want lsm or mfcc)", k)
		}
		if slices.Contains(kinds[:i], k) {
			return nil, fmt.Errorf("experiment: classify: features %q listed twice", k)
		}
	}
	return kinds, nil
}

// condition is a resolved test condition: its data and where its samples
// sit in the combined index space (sample j is combined index off+j).
type condition struct {
	name string
	data *events.Dataset
	off  int
}

// checkConditions checks that every condition holds the same recordings,
// in the same order, as the test side (cfg.Test if set, else cfg.Data).
func checkConditions(cfg ClassifyConfig) ([]condition, error) {
	side, off := index(cfg.Data), 0
	if cfg.Test != nil {
		side, off = index(cfg.Test), side.Len()
	}
	var out []condition
	for k, c := range cfg.Conditions {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("condition %d", k+1)
		}
		switch {
		case c.Data == nil:
			return nil, fmt.Errorf("experiment: classify: test condition %q has no data", name)
		case c.Data.Len() != side.Len():
			return nil, fmt.Errorf("experiment: classify: test condition %q has %d samples, the test side (%s) %d: it must hold the same recordings",
				name, c.Data.Len(), side.Name, side.Len())
		case c.Data.Sensor != side.Sensor:
			return nil, fmt.Errorf("experiment: classify: test condition %q is from sensor %+v, the test side from %+v", name, c.Data.Sensor, side.Sensor)
		}
		for i := range side.Samples {
			a, b := &side.Samples[i], &c.Data.Samples[i]
			if a.ID != b.ID || side.Classes[a.Label] != c.Data.Classes[b.Label] || a.Speaker != b.Speaker {
				return nil, fmt.Errorf("experiment: classify: test condition %q: sample %d is %s (class %s), the test side's is %s (class %s): "+
					"a condition must hold the same recordings in the same order", name, i, b.ID, c.Data.Classes[b.Label], a.ID, side.Classes[a.Label])
			}
		}
		out = append(out, condition{name: name, data: c.Data, off: off})
	}
	return out, nil
}

// classifyRun is what every kind of features of one Classify shares.
type classifyRun struct {
	cfg     ClassifyConfig
	head    HeadConfig
	splits  []split
	labels  []int // combined index space
	classes int
	conds   []condition
}

// kindResult is the evaluation of one kind of features.
type kindResult struct {
	accs      []float64
	folds     []FoldResult
	confusion [][]int
	condAccs  [][]float64 // [condition][split]
	conds     []condition
}

// score trains the head on the split's training rows of feats (combined
// index space, post-processed by post) and scores it on the test rows of
// testFeats and of every condition's features. It returns the trained
// head.
func (run *classifyRun) score(ctx context.Context, kr *kindResult, sp split, feats, testFeats *featureStore, condFeats []*featureStore, post features) (*trained, error) {
	t, err := trainHead(ctx, run.head, post.rows(feats, sp.train), run.labels, sp.train, run.classes, run.cfg.Progress)
	if err != nil {
		return nil, err
	}
	if kr.confusion == nil {
		kr.confusion = make([][]int, run.classes)
		for i := range kr.confusion {
			kr.confusion[i] = make([]int, run.classes)
		}
		kr.condAccs = make([][]float64, len(run.conds))
		kr.conds = run.conds
	}
	acc := func(f *featureStore, confusion [][]int) float64 {
		pred := projection.PredictRows(t.cls, post.rows(f, sp.test))
		ok := 0
		for k, i := range sp.test {
			if confusion != nil {
				confusion[run.labels[i]][pred[k]]++
			}
			if pred[k] == run.labels[i] {
				ok++
			}
		}
		return float64(ok) / float64(len(sp.test))
	}
	a := acc(testFeats, kr.confusion)
	kr.accs = append(kr.accs, a)
	kr.folds = append(kr.folds, FoldResult{Name: sp.name, TrainSamples: len(sp.train), TestSamples: len(sp.test), Accuracy: a, Epochs: len(t.log.History)})
	for c, f := range condFeats {
		kr.condAccs[c] = append(kr.condAccs[c], acc(f, nil))
	}
	return t, nil
}

// result summarises a kind's evaluation.
func (kr *kindResult) result(kind FeatureKind, seconds float64) FeatureResult {
	fr := FeatureResult{Features: kind, FoldAccuracies: kr.accs, Confusion: kr.confusion, Seconds: seconds}
	fr.Accuracy, fr.AccuracyStd = projection.MeanStd(kr.accs)
	for c, accs := range kr.condAccs {
		cr := ConditionResult{Name: kr.conds[c].name, FoldAccuracies: accs}
		cr.Accuracy, cr.AccuracyStd = projection.MeanStd(accs)
		drops := make([]float64, len(accs))
		for i := range accs {
			drops[i] = kr.accs[i] - accs[i]
		}
		cr.Drop, cr.DropStd = projection.MeanStd(drops)
		fr.Conditions = append(fr.Conditions, cr)
	}
	return fr
}

// lsm evaluates the LSM's features and fills the result's encoder, macro,
// encoding and cost fields (and its model with KeepModel).
func (run *classifyRun) lsm(ctx context.Context, res *ClassifyResult, post features) (*kindResult, error) {
	cfg, d := run.cfg, index(run.cfg.Data)
	ecfg, binner, err := cfg.Encoder.resolve(d.Sensor)
	if err != nil {
		return nil, err
	}
	res.Encoder = ecfg
	mr, err := openMacro(cfg.Macro, cfg.Seed)
	if err != nil {
		return nil, err
	}
	defer mr.close()
	r, err := mr.place(ctx, ecfg.Reservoir.Inputs, ecfg.Reservoir.Neurons, false)
	if err != nil {
		return nil, err
	}
	enc := &encoder{cfg: ecfg, binner: binner, res: r, mode: cfg.Macro.Mode, workers: cfg.Workers}

	// Bin every sample once.
	total := len(run.labels)
	for _, c := range run.conds {
		total += c.data.Len()
	}
	p := cfg.Progress.start("binning", total)
	frames, err := binAll(ctx, binner, cfg.Data, nil, cfg.Workers, p)
	if err == nil && cfg.Test != nil {
		var tf []events.Frames
		tf, err = binAll(ctx, binner, cfg.Test, nil, cfg.Workers, p)
		frames = append(frames, tf...)
	}
	condFrames := make([][]events.Frames, len(run.conds))
	for c := range run.conds {
		if err == nil {
			condFrames[c], err = binAll(ctx, binner, run.conds[c].data, nil, cfg.Workers, p)
		}
	}
	p.Done()
	if err != nil {
		return nil, err
	}

	// Every split encodes all samples (test ones too: the features of a
	// sample do not depend on the others, only on the gain, which is
	// calibrated on the split's training part), so splits whose gains
	// agree share one encoding. The gains are calibrated first (on the
	// read-once weights right after forming), so that with Macro.Age every
	// training encoding runs before the macro ages and every test encoding
	// (test conditions too) after it; without ageing both are one encoding.
	type calibrated struct {
		c   lsm.Config
		cal *lsm.Calibration
	}
	var cals []calibrated
	for _, sp := range run.splits {
		c, cal, err := enc.calibrate(ctx, frames, sp.train, cfg.Progress)
		if err != nil {
			return nil, err
		}
		cals = append(cals, calibrated{c, cal})
	}
	var final calibrated // the final model's, on all of Data
	if cfg.KeepModel && len(run.splits) > 1 {
		c, cal, err := enc.calibrate(ctx, frames, seq(d.Len()), cfg.Progress)
		if err != nil {
			return nil, err
		}
		final = calibrated{c, cal}
	}
	trainCache, testCache := map[float64]*featureStore{}, map[float64]*featureStore{}
	all := seq(len(frames))
	var stats EncodeStats
	encodeAll := func(cache map[float64]*featureStore, aged bool, desc string, cs ...calibrated) error {
		for _, k := range cs {
			if _, ok := cache[k.c.Gain]; ok {
				continue
			}
			f, st, err := enc.encodeStore(ctx, k.c, frames, all, cfg.Progress, desc, aged)
			if err != nil {
				return err
			}
			stats.add(st)
			cache[k.c.Gain] = f
		}
		return nil
	}
	withFinal := cals
	if final.c.Gain != 0 {
		withFinal = append(slices.Clone(cals), final)
	}
	if err := encodeAll(trainCache, false, "encoding", withFinal...); err != nil {
		return nil, err
	}
	if mr.aging() {
		if err := mr.age(ctx); err != nil {
			return nil, err
		}
		if err := encodeAll(testCache, true, "encoding at age "+cfg.Macro.Age.String(), cals...); err != nil {
			return nil, err
		}
	} else {
		testCache = trainCache
	}
	kr := &kindResult{}
	var last *trained
	for k, sp := range run.splits {
		c, cal := cals[k].c, cals[k].cal
		if cal != nil {
			res.Calib = append(res.Calib, *cal)
		}
		feats, testFeats := trainCache[c.Gain], testCache[c.Gain]
		// Each condition's version of the split's test samples, encoded
		// with the split's gain (at the macro's age), in the combined
		// index space.
		condFeats := make([]*featureStore, len(run.conds))
		for j, cd := range run.conds {
			idx := make([]int, len(sp.test))
			for m, i := range sp.test {
				idx[m] = i - cd.off
			}
			f, st, err := enc.encodeAt(ctx, c, condFrames[j], idx, cfg.Progress, "encoding "+cd.name, mr.aging())
			if err != nil {
				return nil, err
			}
			stats.add(st)
			nf := c.Features()
			cf := make([]float32, len(frames)*nf)
			for m, i := range sp.test {
				copy(cf[i*nf:(i+1)*nf], f[m*nf:(m+1)*nf])
			}
			condFeats[j] = flatStore(cf, nf)
		}
		t, err := run.score(ctx, kr, sp, feats, testFeats, condFeats, post)
		if err != nil {
			return nil, err
		}
		rate := meanRate(feats, c, append(slices.Clone(sp.train), sp.test...))
		if mr.aging() {
			nTr, nTe := float64(len(sp.train)), float64(len(sp.test))
			rate = (meanRate(feats, c, sp.train)*nTr + meanRate(testFeats, c, sp.test)*nTe) / (nTr + nTe)
		}
		f := &kr.folds[len(kr.folds)-1]
		f.Gain, f.MeanRate = c.Gain, rate
		res.Gains = append(res.Gains, c.Gain)
		res.Encoder.Reservoir = c
		t.cfg = c
		last = t
	}

	if cfg.KeepModel {
		t := last
		if len(run.splits) > 1 {
			// A final model on all of Data, trained on the features
			// encoded right after forming.
			allData := seq(d.Len())
			c := final.c
			feats := trainCache[c.Gain]
			var err error
			if t, err = trainHead(ctx, run.head, post.rows(feats, allData), run.labels, allData, run.classes, cfg.Progress); err != nil {
				return nil, err
			}
			t.cfg = c
		}
		res.Model = &Model{
			Task: "classify", Classes: d.Classes, Seed: cfg.Seed,
			Encoders: []EncoderState{newEncoderState("", ecfg, t.cfg, r)},
			Features: res.Features, Head: t.head, Data: d.Name,
		}
	}
	stats.Inputs, stats.Neurons = ecfg.Reservoir.Inputs, ecfg.Reservoir.Neurons
	res.Encode = stats
	res.fillStats(stats)
	if err := mr.close(); err != nil {
		return nil, fmt.Errorf("experiment: closing the macro: %w", err)
	}
	res.Macro = mr.info
	if res.Model != nil {
		res.Model.Macro = mr.info
	}
	c := res.Encoder.Reservoir
	if res.Cost, err = mr.costReport([]costEncoding{{name: "", res: r, stats: stats.Stats}}, classifierHead(run.head, c.Features(), run.classes)); err != nil {
		return nil, err
	}
	return kr, nil
}

// mfcc evaluates the MFCC baseline on the same splits.
func (run *classifyRun) mfcc(ctx context.Context, res *ClassifyResult, post features) (*kindResult, error) {
	cfg := run.cfg
	if cfg.KeepModel && res.Kind == FeaturesMFCC {
		return nil, fmt.Errorf("experiment: classify: saving a model of MFCC features is not supported (only the LSM's)")
	}
	mc, err := cfg.MFCC.resolve()
	if err != nil {
		return nil, err
	}
	res.MFCC = &mc
	total := len(run.labels)
	for _, c := range run.conds {
		total += c.data.Len()
	}
	p := cfg.Progress.start("mfcc", total)
	defer p.Done()
	feats, err := mfccFeatures(ctx, index(cfg.Data), mc, cfg.Workers, p)
	if err != nil {
		return nil, err
	}
	if cfg.Test != nil {
		tf, err := mfccFeatures(ctx, index(cfg.Test), mc, cfg.Workers, p)
		if err != nil {
			return nil, err
		}
		feats = append(feats, tf...)
	}
	dim := mc.dim()
	condFeats := make([]*featureStore, len(run.conds))
	for k, cd := range run.conds {
		f, err := mfccFeatures(ctx, cd.data, mc, cfg.Workers, p)
		if err != nil {
			return nil, err
		}
		cf := make([]float32, len(run.labels)*dim)
		copy(cf[cd.off*dim:], f)
		condFeats[k] = flatStore(cf, dim)
	}
	fs := flatStore(feats, dim)
	kr := &kindResult{}
	for _, sp := range run.splits {
		if _, err := run.score(ctx, kr, sp, fs, fs, condFeats, post); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

// fillStats copies the encoding counts into the result's flat fields.
func (res *ClassifyResult) fillStats(st EncodeStats) {
	res.SynOpsPerSample = st.SynOpsPerSample()
	res.DenseMACsPerSample = ratio(st.DenseMACs, st.Samples)
	res.MeanRate = st.MeanRate()
	res.ActivationSparsity = st.ActivationSparsity()
	res.InputDensity = st.InputDensity()
	res.EncodeSamplesPerS = st.SamplesPerSecond()
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// meanRate is the mean firing rate over the samples idx, from their
// features (rates per window, weighted by the window lengths).
func meanRate(feats *featureStore, c lsm.Config, idx []int) float64 {
	n := c.Neurons
	sum := 0.0
	buf := make([]float32, feats.f)
	for _, i := range idx {
		row := feats.row(buf, i)
		for w := range c.NumWindows() {
			ws := float64(c.WindowSteps(w))
			for _, v := range row[w*n : (w+1)*n] {
				sum += float64(v) * ws
			}
		}
	}
	return sum / (float64(len(idx)) * float64(n) * float64(c.Steps))
}

// classifySplits returns the train/test splits of cfg's protocol over the
// combined index space (Data, then Test).
func classifySplits(cfg ClassifyConfig, labels []int) ([]split, string, error) {
	d, td := index(cfg.Data), index(cfg.Test)
	n := d.Len()
	idx := func(lo, hi int) []int {
		out := make([]int, hi-lo)
		for i := range out {
			out[i] = lo + i
		}
		return out
	}
	switch {
	case td != nil:
		if cfg.Folds > 1 || cfg.BySpeaker {
			return nil, "", fmt.Errorf("experiment: classify: an explicit test set excludes cross-validation and speaker splits")
		}
		return []split{{"test set", idx(0, n), idx(n, n+td.Len())}}, "test set", nil
	case cfg.Folds != 0:
		if cfg.BySpeaker {
			return nil, "", fmt.Errorf("experiment: classify: choose cross-validation or speaker splits, not both")
		}
		folds, err := d.Folds(cfg.Folds, cfg.Seed)
		if err != nil {
			return nil, "", fmt.Errorf("experiment: classify: %w", err)
		}
		out := make([]split, len(folds))
		for k, f := range folds {
			out[k] = split{fmt.Sprintf("fold %d", k+1), f.Train, f.Test}
		}
		return out, fmt.Sprintf("%d-fold stratified cross-validation", cfg.Folds), nil
	case cfg.BySpeaker:
		speakers := d.Speakers()
		if len(speakers) < 2 {
			return nil, "", fmt.Errorf("experiment: classify: speaker splits need at least 2 speakers, %s has %d", d.Name, len(speakers))
		}
		var out []split
		for _, s := range speakers {
			var tr, te []int
			for i := range d.Samples {
				if d.Samples[i].Speaker == s {
					te = append(te, i)
				} else {
					tr = append(tr, i)
				}
			}
			out = append(out, split{s, tr, te})
		}
		return out, fmt.Sprintf("speaker-wise: train on %d speakers, test on the other, all %d rotations", len(speakers)-1, len(speakers)), nil
	}
	frac := cfg.TestFraction
	if frac == 0 {
		frac = DefaultTestFraction
	}
	if !(frac > 0 && frac < 1) {
		return nil, "", fmt.Errorf("experiment: classify: test fraction %v outside (0, 1)", frac)
	}
	// A stratified hold-out, as events.Dataset.Split draws it.
	tagged := *d
	tagged.Samples = make([]events.Sample, n)
	for i := range d.Samples {
		tagged.Samples[i] = events.Sample{Label: d.Samples[i].Label, ID: strconv.Itoa(i)}
	}
	tr, te, err := tagged.Split(cfg.Seed, frac)
	if err != nil {
		return nil, "", fmt.Errorf("experiment: classify: %w", err)
	}
	if tr.Len() == 0 || te.Len() == 0 {
		return nil, "", fmt.Errorf("experiment: classify: a %v hold-out of %d samples leaves an empty side", frac, n)
	}
	ids := func(x *events.Dataset) []int {
		out := make([]int, x.Len())
		for k := range x.Samples {
			out[k], _ = strconv.Atoi(x.Samples[k].ID) // written by strconv.Itoa above
		}
		return out
	}
	return []split{{"hold-out", ids(tr), ids(te)}}, fmt.Sprintf("stratified %.0f %% hold-out", 100*frac), nil
}

// index returns the metadata of a stream (nil for none).
func index(s events.Stream) *events.Dataset {
	if s == nil {
		return nil
	}
	return s.Index()
}

// mapLabels returns the labels of t's samples as indices into d's classes,
// matched by name (events.ClassMatches).
func mapLabels(t, d *events.Dataset) ([]int, error) {
	m := make([]int, len(t.Classes))
	for i, c := range t.Classes {
		m[i] = -1
		for j, dc := range d.Classes {
			if events.ClassMatches(dc, c) {
				m[i] = j
				break
			}
		}
	}
	out := make([]int, t.Len())
	for i := range t.Samples {
		l := m[t.Samples[i].Label]
		if l < 0 {
			return nil, fmt.Errorf("experiment: test sample %s of class %q: no such class in %s (%v)", t.Samples[i].ID, t.Classes[t.Samples[i].Label], d.Name, d.Classes)
		}
		out[i] = l
	}
	return out, nil
}

// trained is a fitted head and the reservoir configuration of its features.
type trained struct {
	head projection.Head
	cls  projection.Classifier
	log  projection.TrainLog
	cfg  lsm.Config
}

// trainHead trains the head on the rows of x, which are the samples idx.
func trainHead(ctx context.Context, h HeadConfig, x projection.Rows, labels []int, idx []int, classes int, prog ProgressFunc) (*trained, error) {
	y := make([]int, len(idx))
	for k, i := range idx {
		y[k] = labels[i]
	}
	p := prog.start("training head", -1)
	defer p.Done()
	epoch := func(s projection.EpochStat) error { setTotal(p, s.Epochs); p.Add(1); return nil }
	h.Linear.OnEpoch, h.MLP.OnEpoch = epoch, epoch
	head, log, err := h.train(ctx, x, y, classes)
	if err != nil {
		return nil, fmt.Errorf("experiment: training the head: %w", err)
	}
	return &trained{head: head, cls: head.(projection.Classifier), log: log}, nil
}

// matrix copies the rows idx of feats (f columns) into a float64 matrix.
func matrix(feats []float32, f int, idx []int) *mat.Dense {
	m := mat.NewDense(max(len(idx), 1), f, nil)
	if len(idx) == 0 {
		return m
	}
	raw := m.RawMatrix()
	for k, i := range idx {
		row := raw.Data[k*raw.Stride : k*raw.Stride+f]
		for j, v := range feats[i*f : (i+1)*f] {
			row[j] = float64(v)
		}
	}
	return m
}
