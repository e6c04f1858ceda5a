package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/projection"
)

// fastHead trains quickly on the small synthetic sets.
var fastHead = HeadConfig{Linear: projection.LinearConfig{Training: projection.Training{Epochs: 20}}}

func TestPoolBinner(t *testing.T) {
	// A 4×4 sensor, the whole window, 2 bins of 10 µs; pooled 2×2 the
	// inputs are the 4 blocks (×2 polarities). Expected values: by hand.
	s := &events.Sample{ID: "hand", Events2D: []events.Event2D{
		{T: 0, X: 0, Y: 0, P: 0},  // block 0, OFF
		{T: 1, X: 1, Y: 1, P: 0},  // block 0, OFF again
		{T: 2, X: 3, Y: 0, P: 1},  // block 1, ON → 4+1
		{T: 3, X: 0, Y: 3, P: 0},  // block 2, OFF
		{T: 12, X: 3, Y: 3, P: 1}, // step 1: block 3, ON → 4+3
		{T: 13, X: 2, Y: 2, P: 0}, // step 1: block 3, OFF
	}}
	g := events.GridBinner{Width: 4, Height: 4, Crop: image.Rect(0, 0, 4, 4), Polarity: events.PolarityBoth, Bins: 2, BinWidth: 10e-6}
	tests := []struct {
		name   string
		counts bool
		active [][]int32
		values [][]float32
	}{
		{"binary", false, [][]int32{{0, 2, 5}, {3, 7}}, [][]float32{nil, nil}},
		{"counts", true, [][]int32{{0, 2, 5}, {3, 7}}, [][]float32{{2, 1, 1}, {1, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := g
			g.Counts = tc.counts
			p := PoolBinner{Grid: g, Factor: 2}
			if p.Inputs() != 8 || p.Steps() != 2 {
				t.Fatalf("inputs %d steps %d, want 8 and 2", p.Inputs(), p.Steps())
			}
			var f events.Frames
			if err := p.Bin(s, &f); err != nil {
				t.Fatal(err)
			}
			for st := range 2 {
				if got := f.Active(st); !slices.Equal(got, tc.active[st]) {
					t.Errorf("step %d: active %v, want %v", st, got, tc.active[st])
				}
				if got := f.Values(st); !slices.Equal(got, tc.values[st]) {
					t.Errorf("step %d: values %v, want %v", st, got, tc.values[st])
				}
			}
		})
	}
	// Factor 1 is the grid binner itself.
	d := syntheticImages(2, 2, 1)
	var a, b events.Frames
	grid := *DefaultBinning(d.Sensor).Grid
	if err := (PoolBinner{Grid: grid, Factor: 1}).Bin(&d.Samples[0], &a); err != nil {
		t.Fatal(err)
	}
	if err := grid.Bin(&d.Samples[0], &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("pool factor 1 differs from the grid binner")
	}
	if err := (PoolBinner{Grid: grid}).Bin(&d.Samples[0], &a); err == nil {
		t.Error("pool factor 0: no error")
	}
}

func TestDefaultBinningFitsMacro(t *testing.T) {
	// Lin et al. 2025, the authors' Gaussian weight simulation capacity check: In+N ≤ 512 rows for N = 200.
	for _, s := range []events.Sensor{events.NMNISTSensor, {Channels: 64}} {
		b, err := DefaultBinning(s).Binner()
		if err != nil {
			t.Fatal(err)
		}
		if b.Inputs()+DefaultNeurons > 512 {
			t.Errorf("%+v: %d inputs + %d neurons > 512 rows", s, b.Inputs(), DefaultNeurons)
		}
	}
	b, _ := DefaultBinning(events.NMNISTSensor).Binner()
	if b.Inputs() != 242 { // 11×11 blocks × 2 polarities (closed form)
		t.Errorf("default N-MNIST binning: %d inputs, want 242", b.Inputs())
	}
}

func TestWeightsMatchRandomWeights(t *testing.T) {
	// The experiment reads the reservoir the way crossbar.RandomWeights does:
	// on identically seeded macros the weights must be bit-identical.
	ctx := context.Background()
	p, _ := crossbar.Preset("lin2025")
	mr, err := openMacro(Macro{}, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer mr.close()
	r, err := mr.place(ctx, 30, 20, false)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := crossbar.NewModel(p, 7)
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: 50, Cols: 40}, In: 30, N: 20}
	win, wrec, err := crossbar.RandomWeights(ctx, m, l, crossbar.DefaultForming(p))
	if err != nil {
		t.Fatal(err)
	}
	gin, grec := r.dense.Weights()
	if !slices.Equal(gin, win) || !slices.Equal(grec, wrec) {
		t.Error("weights differ from crossbar.RandomWeights")
	}
	// A second reservoir time-shares the cells: it is not formed again.
	r2, err := mr.place(ctx, 10, 20, true)
	if err != nil {
		t.Fatal(err)
	}
	g2in, _ := r2.dense.Weights()
	if !slices.Equal(g2in[:10*20], win[:10*20]) {
		t.Error("time-shared reservoir: W_in rows differ from the first reservoir's")
	}
	if _, err := mr.place(ctx, 400, 200, false); err == nil {
		t.Error("a reservoir of 600 rows fits a 512-row array")
	}
	// Without an array given, a reservoir too large for one macro gets a
	// grid of them: 400+200 rows × 400 columns on 2×1 macros.
	mt, err := openMacro(Macro{}, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer mt.close()
	if _, err := mt.place(ctx, 400, 200, false); err != nil {
		t.Fatal(err)
	}
	tl, ok := mt.cfg.Array.(*crossbar.Tiled)
	if gr, gc := tl.Grid(); !ok || gr != 2 || gc != 1 {
		t.Fatalf("array %T, want a 2×1 *crossbar.Tiled", mt.cfg.Array)
	}
	if err := mt.close(); err != nil {
		t.Fatal(err)
	}
	if pl := mt.info.Placements; len(pl) != 1 || pl[0].Arrays != 2 || pl[0].UsedCells != 600*400 {
		t.Errorf("placements %+v", pl)
	}
}

func classifyCfg(seed uint64) ClassifyConfig {
	return ClassifyConfig{Data: syntheticImages(3, 16, 1), Folds: 3, Seed: seed, Head: fastHead}
}

func TestClassifyDeterministic(t *testing.T) {
	ctx := context.Background()
	a, err := Classify(ctx, classifyCfg(3))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Classify(ctx, classifyCfg(3))
	if err != nil {
		t.Fatal(err)
	}
	// Everything but the timings is identical for the same seed.
	a.Seconds, b.Seconds = 0, 0
	a.Encode.Seconds, b.Encode.Seconds = 0, 0
	a.EncodeSamplesPerS, b.EncodeSamplesPerS = 0, 0
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("same seed, different results:\n%s\n%s", ja, jb)
	}
	if a.Accuracy < 0.9 {
		t.Errorf("accuracy %.3f on an easy synthetic set, want ≥ 0.9", a.Accuracy)
	}
	// A nil *events.Dataset as Test (a caller's optional test set, as the
	// sweep passes it) is no test set: the same result.
	nilTest := classifyCfg(3)
	nilTest.Test = (*events.Dataset)(nil)
	n, err := Classify(ctx, nilTest)
	if err != nil {
		t.Fatalf("nil *Dataset as Test: %v", err)
	}
	n.Seconds, n.Encode.Seconds, n.EncodeSamplesPerS = 0, 0, 0
	if jn, _ := json.Marshal(n); !bytes.Equal(ja, jn) {
		t.Errorf("nil *Dataset as Test changed the result:\n%s\n%s", ja, jn)
	}
	c, err := Classify(ctx, classifyCfg(4))
	if err != nil {
		t.Fatal(err)
	}
	if c.Macro.Regions[0] == a.Macro.Regions[0] {
		t.Error("another seed formed the same conductances")
	}
}

func TestClassifyProtocols(t *testing.T) {
	ctx := context.Background()
	audio := syntheticAudio(3, 12, 4, 2)
	images := syntheticImages(3, 10, 2)
	test := syntheticImages(3, 4, 3)
	tests := []struct {
		name                string
		cfg                 ClassifyConfig
		folds, train, testN int
		protocolHas         string
		foldNames           []string
	}{
		{"cv", ClassifyConfig{Data: images, Folds: 5}, 5, 24, 30, "5-fold", nil},
		{"speaker", ClassifyConfig{Data: audio, BySpeaker: true}, 4, 27, 36, "speaker", []string{"s0", "s1", "s2", "s3"}},
		{"hold-out", ClassifyConfig{Data: images, TestFraction: 0.3}, 1, 21, 9, "hold-out", []string{"hold-out"}},
		{"test set", ClassifyConfig{Data: images, Test: test}, 1, 30, 12, "test set", []string{"test set"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Head, tc.cfg.Seed = fastHead, 1
			r, err := Classify(ctx, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Folds != tc.folds || r.TrainSamples != tc.train || r.TestSamples != tc.testN {
				t.Errorf("folds %d train %d test %d, want %d %d %d", r.Folds, r.TrainSamples, r.TestSamples, tc.folds, tc.train, tc.testN)
			}
			if !strings.Contains(r.Protocol, tc.protocolHas) {
				t.Errorf("protocol %q", r.Protocol)
			}
			if tc.foldNames != nil {
				var names []string
				for _, f := range r.FoldResults {
					names = append(names, f.Name)
				}
				if !slices.Equal(names, tc.foldNames) {
					t.Errorf("splits %v, want %v", names, tc.foldNames)
				}
			}
			total := 0
			for _, row := range r.Confusion {
				for _, v := range row {
					total += v
				}
			}
			if total != r.TestSamples {
				t.Errorf("confusion holds %d predictions, want %d", total, r.TestSamples)
			}
			if r.SynOpsPerSample <= 0 || r.EncodeSamplesPerS <= 0 || r.MeanRate <= 0 {
				t.Errorf("missing counts: synops %v, speed %v, rate %v", r.SynOpsPerSample, r.EncodeSamplesPerS, r.MeanRate)
			}
			// The calibrated gain puts the activity into the default band.
			for _, f := range r.FoldResults {
				if f.MeanRate < lsm.DefaultBand.Lo/2 || f.MeanRate > 2*lsm.DefaultBand.Hi {
					t.Errorf("%s: mean rate %.4f far from the band %v", f.Name, f.MeanRate, lsm.DefaultBand)
				}
			}
		})
	}
}

func TestClassifyErrors(t *testing.T) {
	ctx := context.Background()
	images := syntheticImages(2, 4, 1)
	audio := syntheticAudio(2, 4, 2, 1)
	lin, _ := crossbar.Preset("lin2025")
	oneBoard := func(_ context.Context, k int, seed uint64) (crossbar.Array, error) {
		if k > 0 {
			return nil, fmt.Errorf("only one board")
		}
		return crossbar.NewModel(lin, seed)
	}
	small := lin
	small.Rows, small.Cols = 64, 64
	smallArray, err := crossbar.NewModel(small, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  ClassifyConfig
		want string
	}{
		{"no data", ClassifyConfig{}, "no data"},
		{"test and cv", ClassifyConfig{Data: images, Test: images, Folds: 2}, "excludes"},
		{"cv and speaker", ClassifyConfig{Data: audio, Folds: 2, BySpeaker: true}, "not both"},
		{"no speakers", ClassifyConfig{Data: images, BySpeaker: true}, "speakers"},
		{"too many folds", ClassifyConfig{Data: images, Folds: 9}, "folds"},
		{"too big for the boards", ClassifyConfig{Data: images, Encoder: EncoderConfig{Reservoir: lsm.Config{Neurons: 300}}, Macro: Macro{Tiles: oneBoard}}, "2×2 grid"},
		{"too big for the array", ClassifyConfig{Data: images, Macro: Macro{Array: smallArray}}, "does not hold"},
		{"wrong binning", ClassifyConfig{Data: audio, Encoder: EncoderConfig{Binning: PaperBinning(events.NMNISTSensor)}}, "does not suit"},
		{"inputs mismatch", ClassifyConfig{Data: images, Encoder: EncoderConfig{Reservoir: lsm.Config{Inputs: 256}}}, "inputs"},
		{"bad head", ClassifyConfig{Data: images, Head: HeadConfig{Kind: "tree"}}, "unknown head"},
		{"on-board windows", ClassifyConfig{Data: images, Macro: Macro{Mode: OnBoard}}, "window"},
		{"software in-memory", ClassifyConfig{Data: images, Macro: Macro{Software: true, Mode: InMemory}}, "read-once"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Classify(ctx, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "experiment: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestClassifyModes(t *testing.T) {
	// The three ways of using the array classify the easy set alike: the
	// in-memory and on-board runs see read noise and ADC quantisation, the
	// read-once run the conductances read once (tolerance: assumption, a
	// few test samples of 24).
	if testing.Short() {
		t.Skip("runs the reservoir through the simulated array (skipped with -short)")
	}
	ctx := context.Background()
	d := syntheticImages(3, 8, 5)
	test := syntheticImages(3, 4, 6)
	acc := map[Mode]float64{}
	for _, m := range []Mode{ReadOnce, InMemory, OnBoard} {
		r, err := Classify(ctx, ClassifyConfig{Data: d, Test: test, Seed: 2, Head: fastHead, Macro: Macro{Mode: m},
			Encoder: EncoderConfig{Reservoir: lsm.Config{Windows: 1}, CalibrationSamples: 10}})
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		acc[m] = r.Accuracy
		if r.Macro.Mode != m {
			t.Errorf("result records mode %v, want %v", r.Macro.Mode, m)
		}
		checkCost(t, m.String(), r.Cost, m, 1, true)
	}
	const tol = 0.2
	for m, a := range acc {
		if math.Abs(a-acc[ReadOnce]) > tol {
			t.Errorf("%v: accuracy %.3f, read-once %.3f (tolerance %v)", m, a, acc[ReadOnce], tol)
		}
	}
	// Count frames (the 1-D default) in in-memory mode.
	audio, audioTest := syntheticAudio(3, 6, 2, 1), syntheticAudio(3, 3, 2, 2)
	for _, m := range []Mode{ReadOnce, InMemory} {
		r, err := Classify(ctx, ClassifyConfig{Data: audio, Test: audioTest, Seed: 2, Head: fastHead, Macro: Macro{Mode: m},
			Encoder: EncoderConfig{CalibrationSamples: 6}})
		if err != nil {
			t.Fatalf("audio %v: %v", m, err)
		}
		acc[m] = r.Accuracy
		// Count inputs: the model's reads match the in-memory run's (a step
		// with counts is its bit planes plus a recurrent read), its row
		// activations only on average (half the planes set), so only the
		// conversions are checked.
		checkCost(t, "audio "+m.String(), r.Cost, m, 1, false)
	}
	if math.Abs(acc[InMemory]-acc[ReadOnce]) > tol {
		t.Errorf("audio counts: in-memory accuracy %.3f, read-once %.3f (tolerance %v)", acc[InMemory], acc[ReadOnce], tol)
	}
}

func TestClassifySaveLoad(t *testing.T) {
	ctx := context.Background()
	d := syntheticImages(3, 12, 7)
	test := syntheticImages(3, 6, 8)
	for _, head := range []HeadConfig{fastHead, {Kind: "mlp", MLP: projection.MLPConfig{Hidden: []int{16}, Training: projection.Training{Epochs: 5}}}} {
		r, err := Classify(ctx, ClassifyConfig{Data: d, Test: test, Seed: 5, Head: head, KeepModel: true})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := r.Model.Save(&buf); err != nil {
			t.Fatal(err)
		}
		m, err := LoadModel(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		acc, pred, err := m.Evaluate(ctx, test, 1)
		if err != nil {
			t.Fatal(err)
		}
		// Bit-identical: the same accuracy to the last digit and the same
		// confusion matrix.
		if acc != r.Accuracy {
			t.Errorf("%s: reloaded accuracy %v, trained %v", head.Kind, acc, r.Accuracy)
		}
		conf := make([][]int, len(d.Classes))
		for i := range conf {
			conf[i] = make([]int, len(d.Classes))
		}
		for i, p := range pred {
			conf[test.Samples[i].Label][p]++
		}
		if !reflect.DeepEqual(conf, r.Confusion) {
			t.Errorf("%s: reloaded confusion %v, trained %v", head.Kind, conf, r.Confusion)
		}
		if m.Seed != 5 || m.Encoders[0].Config.Reservoir.Gain != r.Encoder.Reservoir.Gain || m.Macro.Params == nil {
			t.Errorf("provenance lost: seed %d gain %v macro %+v", m.Seed, m.Encoders[0].Config.Reservoir.Gain, m.Macro)
		}
	}
	// Cross-validation keeps a final model fitted on all the data.
	r, err := Classify(ctx, ClassifyConfig{Data: d, Folds: 3, Seed: 5, Head: fastHead, KeepModel: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Model == nil || r.Model.Task != "classify" {
		t.Fatal("no final model after cross-validation")
	}
	if acc, _, err := r.Model.Evaluate(ctx, test, 0); err != nil || acc < 0.8 {
		t.Errorf("final model: accuracy %v, error %v", acc, err)
	}
}

func TestLoadModelErrors(t *testing.T) {
	ctx := context.Background()
	r, err := Classify(ctx, ClassifyConfig{Data: syntheticImages(2, 6, 1), TestFraction: 0.5, Seed: 1, Head: fastHead, KeepModel: true,
		Encoder: EncoderConfig{Reservoir: lsm.Config{Neurons: 8}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Model.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct {
		name, file, want string
	}{
		{"empty", "", "load model"},
		{"truncated", good[:len(good)/2], "load model"},
		{"not a model", strings.Replace(good, modelFormat, "something/else", 1), "format"},
		{"version", strings.Replace(good, `"version": 1,`+"\n", `"version": 9,`+"\n", 1), "version"},
		{"task", strings.Replace(good, `"task": "classify"`, `"task": "regress"`, 1), "task"},
		{"weights", strings.Replace(good, `"neurons": 8`, `"neurons": 9`, 1), "weights"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file == good {
				t.Fatal("the edit did not change the file")
			}
			_, err := LoadModel(strings.NewReader(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func FuzzLoadModel(f *testing.F) {
	// A tiny model (fixed gain: no calibration, software weights: no
	// macro) keeps the per-worker set-up cheap.
	r, err := Classify(context.Background(), ClassifyConfig{Data: syntheticImages(2, 2, 1), TestFraction: 0.5, Seed: 1,
		Head: HeadConfig{Linear: projection.LinearConfig{Training: projection.Training{Epochs: 1}}}, KeepModel: true,
		Encoder: EncoderConfig{Reservoir: lsm.Config{Neurons: 4, Gain: 1, Windows: 1}}, Macro: Macro{Software: true}})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.Model.Save(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"memlsm/projection","version":1,"kind":"linear","head":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := LoadModel(bytes.NewReader(b))
		if err == nil && m.check() != nil {
			t.Error("loaded a model that fails its own check")
		}
	})
}

func zeroShotData() (img, aud, testImg, testAud *events.Dataset) {
	// Ten classes "0".."9" in both modalities, as the digit tasks.
	return syntheticImages(10, 10, 11), syntheticAudio(10, 12, 3, 12), syntheticImages(10, 4, 13), syntheticAudio(10, 4, 3, 14)
}

var fastCLIP = &projection.CLIPConfig{Training: projection.Training{Epochs: 15}}

// checkCost checks the cost block of a result: every system priced, the
// schedule of the mode, and in in-memory and on-board runs the array's
// counters matching the model (conversions exactly; with agree also the
// array energy, within 5 %).
func checkCost(t *testing.T, name string, r *cost.Report, m Mode, reservoirs int, agree bool) {
	t.Helper()
	if r == nil {
		t.Errorf("%s: no cost", name)
		return
	}
	if len(r.Workload.Reservoirs) != reservoirs {
		t.Errorf("%s: %d reservoirs priced, want %d", name, len(r.Workload.Reservoirs), reservoirs)
	}
	for sys, f := range map[string]cost.Figure{"board": r.Board, "chip": r.Chip, "digital": r.Digital, "gpu": r.GPU} {
		if !(f.EnergyJ > 0 && f.LatencyS > 0 && f.AreaMM2 > 0) {
			t.Errorf("%s: %s figure %+v", name, sys, f)
		}
	}
	if want := map[bool]cost.Schedule{true: cost.EveryStep, false: cost.EventDriven}[m == OnBoard]; r.Workload.Schedule != want {
		t.Errorf("%s: schedule %v, want %v", name, r.Workload.Schedule, want)
	}
	switch {
	case m == ReadOnce && r.Counted != nil:
		t.Errorf("%s: read-once run reports counters %+v", name, r.Counted)
	case m != ReadOnce && r.Counted == nil:
		t.Errorf("%s: no counters compared", name)
	case m != ReadOnce:
		c := r.Counted
		if math.Abs(c.ADCConversionsError) > 1e-9 {
			t.Errorf("%s: %d ADC conversions counted, model %g", name, c.ADCConversions, c.ModelADCConversions)
		}
		if agree && !c.Agree {
			t.Errorf("%s: counters and model disagree: %+v", name, c)
		}
	}
}

func TestZeroShot(t *testing.T) {
	ctx := context.Background()
	img, aud, ti, ta := zeroShotData()
	cfg := ZeroShotConfig{A: Side{Data: img, Encoder: EncoderConfig{CalibrationSamples: 20}}, B: Side{Data: aud, Encoder: EncoderConfig{CalibrationSamples: 20}},
		Seed: 3, Head: fastCLIP, KeepModel: true}
	r, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Lin et al. 2025, the zero-shot protocol of the authors' scripts defaults: seen 1–7, unseen 8–9, chance 1/7 and 1/2
	// (balanced pairs, closed form).
	if !slices.Equal(r.SeenClasses, DefaultSeen) || !slices.Equal(r.UnseenClasses, DefaultUnseen) {
		t.Errorf("classes %v / %v", r.SeenClasses, r.UnseenClasses)
	}
	const tol = 1e-12
	if math.Abs(r.Seen.Chance.BToA-1.0/7) > tol || math.Abs(r.Unseen.Chance.BToA-0.5) > tol {
		t.Errorf("chance %v, %v; want 1/7 and 1/2", r.Seen.Chance.BToA, r.Unseen.Chance.BToA)
	}
	// 10 images and 12 audio per class; 20 % of each seen class held out:
	// 8 and 10 (rounded) remain, so 8 pairs per seen class; test 2 pairs
	// per seen class; unseen classes: all 10 images, 10 pairs each.
	if r.TrainPairs != 7*8 || r.Seen.Pairs != 7*2 || r.Unseen.Pairs != 2*10 {
		t.Errorf("pairs: train %d, seen %d, unseen %d; want 56, 14, 20", r.TrainPairs, r.Seen.Pairs, r.Unseen.Pairs)
	}
	if r.Seen.Top1.BToA <= r.Seen.Chance.BToA || r.Seen.Top1.AToB <= r.Seen.Chance.AToB {
		t.Errorf("seen retrieval at chance: %+v", r.Seen)
	}
	// Placement: the audio reservoir time-shares the image reservoir's cells.
	if len(r.Macro.Layouts) != 2 || r.Macro.Layouts[1].Region.Row != r.Macro.Layouts[0].Region.Row ||
		!strings.Contains(r.Macro.Placement, "time-shares") {
		t.Errorf("placement %q, layouts %+v", r.Macro.Placement, r.Macro.Layouts)
	}
	if !strings.Contains(r.Markdown(), "| audio → image |") || !strings.Contains(r.Markdown(), "### Cost per inference") {
		t.Error("Markdown lacks the paper-shaped table or the cost section")
	}
	checkCost(t, "zero-shot", r.Cost, ReadOnce, 2, true)
	if r.Cost.Workload.HeadMACs != float64((r.Encoders[0].Config.Reservoir.Features()+r.Encoders[1].Config.Reservoir.Features())*64) {
		t.Errorf("zero-shot head MACs %g: want both OneFC towers of 64", r.Cost.Workload.HeadMACs)
	}

	// Same seed, same numbers to the last digit.
	r2, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Seen.Top1.BToA != r.Seen.Top1.BToA || r2.Unseen.Top1.AToB != r.Unseen.Top1.AToB || r2.Temperature != r.Temperature {
		t.Error("same seed, different zero-shot results")
	}

	// A second array for the audio reservoir.
	p, _ := crossbar.Preset("lin2025")
	second, _ := crossbar.NewModel(p, 99)
	cfg.Macro.AudioArray = second
	cfg.KeepModel = false
	r3, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r3.Macro.Placement, "second array") {
		t.Errorf("placement %q", r3.Macro.Placement)
	}

	// Explicit test sets and save/load: the reloaded model retrieves
	// exactly as the trained one.
	cfg.Macro.AudioArray = nil
	cfg.A.Test, cfg.B.Test, cfg.KeepModel = ti, ta, true
	r4, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r4.Model.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := LoadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		classes []string
		want    Retrieval
	}{{DefaultSeen, r4.Seen}, {DefaultUnseen, r4.Unseen}} {
		got, err := m.Retrieve(ctx, ti, ta, g.classes, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Top1.BToA != g.want.Top1.BToA || got.Top1.AToB != g.want.Top1.AToB || got.Pairs != g.want.Pairs {
			t.Errorf("%v: reloaded %+v, trained %+v", g.classes, got, g.want)
		}
	}
}

func TestZeroShotErrors(t *testing.T) {
	ctx := context.Background()
	img, aud, ti, _ := zeroShotData()
	tests := []struct {
		name string
		cfg  ZeroShotConfig
		want string
	}{
		{"no data", ZeroShotConfig{A: Side{Data: img}}, "needs data of both"},
		{"one test set", ZeroShotConfig{A: Side{Data: img, Test: ti}, B: Side{Data: aud}}, "pairs"},
		{"overlap", ZeroShotConfig{A: Side{Data: img}, B: Side{Data: aud}, Seen: []string{"1", "2"}, Unseen: []string{"2"}}, "both seen and unseen"},
		{"unknown class", ZeroShotConfig{A: Side{Data: img}, B: Side{Data: aud}, Seen: []string{"1", "x"}}, "no class"},
		{"fraction", ZeroShotConfig{A: Side{Data: img}, B: Side{Data: aud}, TestFraction: 1.5}, "fraction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Head = fastCLIP
			_, err := ZeroShot(ctx, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestPlots(t *testing.T) {
	ctx := context.Background()
	r, err := Classify(ctx, ClassifyConfig{Data: syntheticImages(3, 6, 1), Seed: 1, Head: fastHead})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.PlotConfusion(&buf); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "confusion", buf.Bytes())
	img, aud, _, _ := zeroShotData()
	z, err := ZeroShot(ctx, ZeroShotConfig{A: Side{Data: img}, B: Side{Data: aud}, Seed: 1, Head: fastCLIP})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := z.PlotSimilarity(&buf); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "similarity", buf.Bytes())
}

// checkPNG decodes a PNG and checks that it is a real picture: large, and
// not one flat colour.
func checkPNG(t *testing.T, name string, b []byte) {
	t.Helper()
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	bd := im.Bounds()
	if bd.Dx() < 400 || bd.Dy() < 300 {
		t.Errorf("%s: %v is too small", name, bd)
	}
	colours := map[[4]uint32]bool{}
	for y := bd.Min.Y; y < bd.Max.Y; y += 7 {
		for x := bd.Min.X; x < bd.Max.X; x += 7 {
			r, g, b, a := im.At(x, y).RGBA()
			colours[[4]uint32{r, g, b, a}] = true
		}
	}
	if len(colours) < 10 {
		t.Errorf("%s: only %d colours", name, len(colours))
	}
}

func TestCountSynapses(t *testing.T) {
	// countSynapses applies a count c as c/levels and scales the input
	// current back by levels; on weights that take any input value (a
	// Dense) that is the plain weighted sum, up to float32 rounding
	// (tolerance: a few ulps of the sum's magnitude).
	ctx := context.Background()
	d := lsm.Gaussian(40, 30, 0, 3.5, false, 1)
	cs := &countSynapses{Synapses: d, levels: 15}
	in := []int32{1, 5, 9, 20, 33}
	vals := []float32{1, 3, 15, 7, 20} // 20 is clipped to 15
	clipped := []float32{1, 3, 15, 7, 15}
	rec := []int32{2, 11, 29}
	got, want := make([]float32, 30), make([]float32, 30)
	if err := cs.Current(ctx, in, vals, rec, got); err != nil {
		t.Fatal(err)
	}
	if err := d.Current(ctx, in, clipped, rec, want); err != nil {
		t.Fatal(err)
	}
	for j := range got {
		if diff := math.Abs(float64(got[j] - want[j])); diff > 1e-4*(1+math.Abs(float64(want[j]))) {
			t.Errorf("neuron %d: %v, want %v", j, got[j], want[j])
		}
	}
	if cs.Clipped != 1 {
		t.Errorf("%d clipped counts, want 1", cs.Clipped)
	}
	// Binary frames pass straight through.
	if err := cs.Current(ctx, in, nil, rec, got); err != nil {
		t.Fatal(err)
	}
	if err := d.Current(ctx, in, nil, rec, want); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Error("binary frames changed by countSynapses")
	}

	// On a noise-free simulated macro the in-memory currents equal the
	// read-once weights' up to ADC rounding. Bound (closed form), per
	// column: the 4 bit planes round by ≤ ½ code each, shift-added ≤ 7.5
	// codes, ÷15 then ×15 → 7.5 LSB; the read-once weights round every
	// cell by ≤ ½ LSB, weighted by the counts → ½·Σc LSB, plus ½ LSB per
	// recurrent row; twice for a differential pair. One LSB is
	// ADCFullScale/2^13/TIAGain/(V_read·1 µS) weight units.
	p, _ := crossbar.Preset("ideal")
	mr, err := openMacro(Macro{Params: p}, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer mr.close()
	r, err := mr.place(ctx, 40, 30, false)
	if err != nil {
		t.Fatal(err)
	}
	per := crossbar.NewPeriphery(p)
	lsb := float64(per.LSB) / (float64(per.ReadVoltage) * float64(crossbar.GUnit))
	sum := 0.0
	for _, c := range clipped {
		sum += float64(c)
	}
	tol := 2 * (7.5 + 0.5*sum + 0.5*float64(len(rec)) + 0.5) * lsb
	ms := &countSynapses{Synapses: crossbar.NewSynapses(r.array, r.layout), levels: float32(r.levels)}
	if err := ms.Current(ctx, in, vals, rec, got); err != nil {
		t.Fatal(err)
	}
	if err := r.dense.Current(ctx, in, clipped, rec, want); err != nil {
		t.Fatal(err)
	}
	for j := range got {
		if diff := math.Abs(float64(got[j] - want[j])); diff > tol {
			t.Errorf("macro, neuron %d: in-memory %.3f, read-once %.3f (|Δ| %.3f > %.3f)", j, got[j], want[j], diff, tol)
		}
	}
}
