package experiment

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/projection"
)

// candidate is one setting tried by the nested selections.
type candidate struct {
	name     string
	encoder  EncoderConfig
	features FeatureConfig
}

// nested runs a nested selection: for every outer split, each candidate is
// scored by the inner protocol on the outer training part alone, the best
// is tested on the outer test part. It returns the mean inner score of
// every candidate (over outer splits), their standard errors, the wins and
// the outer accuracy of the selection procedure.
func nested(t *testing.T, d *events.Dataset, outer []split, inner func(tr *events.Dataset) ClassifyConfig, cands []candidate) (mean, se []float64, wins []int, outerAcc float64) {
	ctx := context.Background()
	mean, se, wins = make([]float64, len(cands)), make([]float64, len(cands)), make([]int, len(cands))
	scores := make([][]float64, len(cands))
	for k, o := range outer {
		tr, te := d.Subset(o.train), d.Subset(o.test)
		best := -1
		for i, c := range cands {
			cfg := inner(tr)
			cfg.Encoder, cfg.Features, cfg.Seed = c.encoder, c.features, uint64(100+k)
			r, err := Classify(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			scores[i] = append(scores[i], r.Accuracy)
			if best < 0 || r.Accuracy > scores[best][k] {
				best = i
			}
		}
		wins[best]++
		c := cands[best]
		cfg := ClassifyConfig{Data: tr, Test: te, Encoder: c.encoder, Features: c.features, Seed: uint64(100 + k)}
		if inner(tr).BySpeaker && c.features.SpeakerNorm == SpeakerNormAuto {
			// The outer test holds one unseen speaker: normalise as under
			// speaker-wise protocols.
			cfg.Features.SpeakerNorm = SpeakerNormOn
		}
		r, err := Classify(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		outerAcc += r.Accuracy / float64(len(outer))
		t.Logf("outer %s: chose %s (inner %.4f), outer test %.4f", o.name, c.name, scores[best][k], r.Accuracy)
	}
	for i := range cands {
		m, s := projection.MeanStd(scores[i])
		mean[i], se[i] = m, s/math.Sqrt(float64(len(scores[i])))
		t.Logf("%-28s mean inner %.4f ± %.4f (SE), wins %d", cands[i].name, mean[i], se[i], wins[i])
	}
	t.Logf("outer accuracy of the selection procedure: %.4f", outerAcc)
	return mean, se, wins, outerAcc
}

// checkDefault asserts that the default candidate (index 0) is the best by
// mean inner score or within one standard error of it, the one-SE rule
// under which the simpler or cheaper setting is preferred.
func checkDefault(t *testing.T, cands []candidate, mean, se []float64) {
	t.Helper()
	best := 0
	for i := range mean {
		if mean[i] > mean[best] {
			best = i
		}
	}
	if mean[0] < mean[best]-se[best] {
		t.Errorf("default %s scores %.4f, more than one SE below the best, %s at %.4f ± %.4f", cands[0].name, mean[0], cands[best].name, mean[best], se[best])
	}
}

func slowSelection(t *testing.T) {
	if os.Getenv("MEMLSM_SLOW") == "" {
		t.Skip("the nested selection of the defaults takes minutes: set MEMLSM_SLOW=1 to run it")
	}
}

// TestDefaultsNestedCVNMNIST re-runs the selection behind DefaultBinning,
// DefaultWindows and the √ features on the 1000 NMNISTsmall recordings:
// 5 outer stratified folds, 4-fold cross-validation inside each outer
// training part. The default (candidate 0) must be the best or within
// one standard error of it.
func TestDefaultsNestedCVNMNIST(t *testing.T) {
	slowSelection(t)
	dir := sharedData(t, "nmnist/NMNISTsmall")
	d, err := source.Open(context.Background(), "nmnist:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	grid := func(crop, pool int, pol events.Polarity) Binning {
		x0 := (34 - crop + 1) / 2
		return Binning{Grid: &events.GridBinner{Width: 34, Height: 34, Crop: image.Rect(x0, x0, x0+crop, x0+crop), Polarity: pol}, Pool: pool}
	}
	var cands []candidate
	add := func(name string, b Binning, windows int, raw bool) {
		cands = append(cands, candidate{name: name, encoder: EncoderConfig{Binning: b, Reservoir: lsmWindows(windows)}, features: FeatureConfig{Raw: raw}})
	}
	add("default (both 33/3, w5, √)", Binning{}, 0, false)
	add("both 33/3, w5, raw", grid(33, 3, events.PolarityBoth), 5, true)
	add("both 33/3, w10, √", grid(33, 3, events.PolarityBoth), 10, false)
	add("both 33/3, w1, √", grid(33, 3, events.PolarityBoth), 1, false)
	add("paper (off 16), w1, raw", grid(16, 1, events.PolarityOFF), 1, true)
	add("paper (off 16), w5, √", grid(16, 1, events.PolarityOFF), 5, false)
	add("any 16, w5, √", grid(16, 1, events.PolarityAny), 5, false)
	add("both 24/2, w5, √", grid(24, 2, events.PolarityBoth), 5, false)
	add("any 32/2, w5, √", grid(32, 2, events.PolarityAny), 5, false)
	folds, err := d.Folds(5, 1234)
	if err != nil {
		t.Fatal(err)
	}
	var outer []split
	for k, f := range folds {
		outer = append(outer, split{fmt.Sprintf("fold %d", k+1), f.Train, f.Test})
	}
	mean, se, _, _ := nested(t, d, outer, func(tr *events.Dataset) ClassifyConfig { return ClassifyConfig{Data: tr, Folds: 4} }, cands)
	checkDefault(t, cands, mean, se)
}

// TestDefaultsNestedCVFSDD re-runs the selection of the spoken-digit
// defaults (count frames, 5 windows, √ features) on FSDD: every speaker is
// held out in turn (outer), and the candidates are scored by speaker-wise
// rotations over the other four (inner). The default must win among the
// inductive candidates; the per-speaker-normalised (transductive)
// candidates are scored alongside for the record only.
func TestDefaultsNestedCVFSDD(t *testing.T) {
	slowSelection(t)
	dir := sharedData(t, "fsdd/recordings")
	d, err := source.Open(context.Background(), "fsdd:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(counts bool) Binning { return Binning{Chunk: &events.ChunkBinner{Channels: 64, Counts: counts}} }
	var cands []candidate
	add := func(name string, b Binning, windows int, raw bool, sn SpeakerNorm) {
		cands = append(cands, candidate{name: name, encoder: EncoderConfig{Binning: b, Reservoir: lsmWindows(windows)}, features: FeatureConfig{Raw: raw, SpeakerNorm: sn}})
	}
	add("default (counts, w5, √)", Binning{}, 0, false, SpeakerNormOff)
	for _, sn := range []SpeakerNorm{SpeakerNormOff, SpeakerNormAuto} {
		for _, counts := range []bool{false, true} {
			for _, w := range []int{1, 3, 5} {
				for _, raw := range []bool{false, true} {
					add(fmt.Sprintf("counts %v, w%d, raw %v, norm %v", counts, w, raw, sn), chunk(counts), w, raw, sn)
				}
			}
		}
	}
	inductive := 1 + 2*3*2
	var outer []split
	for _, s := range d.Speakers() {
		var tr, te []int
		for i := range d.Samples {
			if d.Samples[i].Speaker == s {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		outer = append(outer, split{s, tr, te})
	}
	mean, se, _, _ := nested(t, d, outer, func(tr *events.Dataset) ClassifyConfig { return ClassifyConfig{Data: tr, BySpeaker: true} }, cands)
	checkDefault(t, cands[:inductive], mean[:inductive], se[:inductive])
}

// TestZeroShotDefaultsClassWise re-runs the class-wise validation behind
// DefaultZeroShotHead and ZeroShot's default encoders on NMNISTsmall ↔
// FSDD, on training data only: the seen classes' training parts (the same
// seeded hold-out ZeroShot makes; digits 8 and 9 are never touched), two
// of the seven classes at a time (1–2, 2–3, …, 7–1) playing the unseen
// classes, the other five trained on. A candidate's score is the mean of
// the four retrieval accuracies (seen and pseudo-unseen, both ways); the
// default (candidate 0) must be the best or within one standard error.
func TestZeroShotDefaultsClassWise(t *testing.T) {
	slowSelection(t)
	ctx := context.Background()
	img, err := source.Open(ctx, "nmnist:"+sharedData(t, "nmnist/NMNISTsmall"))
	if err != nil {
		t.Fatal(err)
	}
	aud, err := source.Open(ctx, "fsdd:"+sharedData(t, "fsdd/recordings"))
	if err != nil {
		t.Fatal(err)
	}
	trainPart := func(d *events.Dataset) *events.Dataset {
		s, err := d.Filter(DefaultSeen...)
		if err != nil {
			t.Fatal(err)
		}
		tr, _, err := s.Split(DefaultSeed, DefaultTestFraction)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	imgTr, audTr := trainPart(img), trainPart(aud)
	type zcand struct {
		name     string
		head     projection.CLIPConfig
		img, aud EncoderConfig
	}
	paperHead := projection.CLIPATV()
	infoNCE := projection.CLIPConfig{Loss: projection.InfoNCE}
	pd128 := projection.CLIPConfig{Dim: 128}
	cands := []zcand{
		{name: "default"},
		{name: "paper head (CLIPATV)", head: paperHead},
		{name: "InfoNCE", head: infoNCE},
		{name: "pd 128", head: pd128},
		{name: "paper image binning", img: EncoderConfig{Binning: PaperBinning(img.Sensor)}},
		{name: "binary audio chunks", aud: EncoderConfig{Binning: PaperBinning(aud.Sensor)}},
	}
	holds := [][]string{{"1", "2"}, {"2", "3"}, {"3", "4"}, {"4", "5"}, {"5", "6"}, {"6", "7"}, {"7", "1"}}
	mean, se := make([]float64, len(cands)), make([]float64, len(cands))
	for i, c := range cands {
		var scores []float64
		for _, h := range holds {
			var seen []string
			for _, s := range DefaultSeen {
				if s != h[0] && s != h[1] {
					seen = append(seen, s)
				}
			}
			head := c.head
			r, err := ZeroShot(ctx, ZeroShotConfig{A: Side{Data: imgTr, Encoder: c.img}, B: Side{Data: audTr, Encoder: c.aud},
				Seen: seen, Unseen: h, Seed: DefaultSeed, Head: &head})
			if err != nil {
				t.Fatal(err)
			}
			scores = append(scores, (r.Seen.Top1.BToA+r.Seen.Top1.AToB+r.Unseen.Top1.BToA+r.Unseen.Top1.AToB)/4)
		}
		m, s := projection.MeanStd(scores)
		mean[i], se[i] = m, s/math.Sqrt(float64(len(scores)))
		t.Logf("%-22s score %.4f ± %.4f (SE)", c.name, mean[i], se[i])
	}
	cs := make([]candidate, len(cands))
	for i, c := range cands {
		cs[i].name = c.name
	}
	checkDefault(t, cs, mean, se)
}
