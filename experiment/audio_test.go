package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// syntheticSpoken returns a small dataset of recorded "words" with their
// waveforms and cochlea events: class c is a sequence of two vowel-like
// tones at class-specific frequencies, each speaker shifts every frequency
// by its own factor (a vocal tract of another length) and speaks at its own
// level. perturb, if non-empty, is applied to every recording first.
func syntheticSpoken(t testing.TB, classes, perClass, speakers int, perturb audio.Chain) *events.Dataset {
	t.Helper()
	const rate = 8000
	m, err := convert.NewCochleaModel(convert.DefaultCochleaParams())
	if err != nil {
		t.Fatal(err)
	}
	d := &events.Dataset{Name: "synthetic-spoken", Sensor: convert.CochleaSensor}
	for c := range classes {
		d.Classes = append(d.Classes, fmt.Sprint(c))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for k := range perClass {
		for c := range classes {
			sp := k % speakers
			warp := 1 + 0.04*float64(sp-speakers/2)
			level := 0.05 * math.Pow(2, float64(sp%3))
			f1 := (400 + 250*float64(c)) * warp
			f2 := (2600 - 200*float64(c)) * warp
			n := int((0.3 + 0.05*r.Float64()) * rate)
			x := make([]float64, n)
			for i := range x {
				f := f1
				if i > n/2 {
					f = f2
				}
				env := math.Sin(math.Pi * float64(i) / float64(n))
				x[i] = level*env*math.Sin(2*math.Pi*f*float64(i)/rate) + 0.002*r.NormFloat64()
			}
			id := fmt.Sprintf("%d_s%d_%d", c, sp, k)
			if len(perturb) > 0 {
				if x, err = perturb.Apply(x, rate, uint64(len(d.Samples))); err != nil {
					t.Fatal(err)
				}
			}
			ev, err := m.Convert(x, rate, uint64(len(d.Samples)+1))
			if err != nil {
				t.Fatal(err)
			}
			w := &events.Waveform{Rate: rate, Samples: make([]float32, len(x))}
			for i, v := range x {
				w.Samples[i] = float32(v)
			}
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: id, Speaker: fmt.Sprintf("s%d", sp), Events1D: ev, Audio: w})
		}
	}
	return d
}

// TestClassifyConditionsAndMFCC scores the LSM and the MFCC baseline on the
// same speaker-wise splits, clean and under test conditions: an unchanged
// copy of the data must score exactly the clean accuracy (the same heads
// see the same features), and a condition whose recordings are not the test
// side's is refused.
func TestClassifyConditionsAndMFCC(t *testing.T) {
	ctx := context.Background()
	d := syntheticSpoken(t, 4, 12, 3, nil)
	quiet := syntheticSpoken(t, 4, 12, 3, audio.Chain{{Kind: audio.Level, Value: -20}})
	same := syntheticSpoken(t, 4, 12, 3, nil)
	cfg := ClassifyConfig{
		Data: d, BySpeaker: true, Seed: 3, Head: fastHead,
		FeatureKinds: []FeatureKind{FeaturesLSM, FeaturesMFCC},
		Conditions:   []Condition{{Name: "copy", Data: same}, {Name: "level=-20dB", Data: quiet}},
	}
	r, err := Classify(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != FeaturesLSM || len(r.Compare) != 1 || r.Compare[0].Features != FeaturesMFCC {
		t.Fatalf("kinds: %q, compare %+v", r.Kind, r.Compare)
	}
	m := r.Compare[0]
	if r.Accuracy < 0.7 || m.Accuracy < 0.7 {
		t.Errorf("accuracies LSM %.3f, MFCC %.3f on an easy set: want ≥ 0.7", r.Accuracy, m.Accuracy)
	}
	if len(m.FoldAccuracies) != r.Folds || len(r.Conditions) != 2 || len(m.Conditions) != 2 {
		t.Fatalf("folds %d, MFCC fold accuracies %d, conditions %d/%d", r.Folds, len(m.FoldAccuracies), len(r.Conditions), len(m.Conditions))
	}
	for _, fr := range []FeatureResult{{Features: "lsm", Accuracy: r.Accuracy, Conditions: r.Conditions}, m} {
		c := fr.Conditions[0]
		if c.Name != "copy" || c.Accuracy != fr.Accuracy || c.Drop != 0 {
			t.Errorf("%s: an unchanged copy scored %.4f (drop %.4f) against %.4f", fr.Features, c.Accuracy, c.Drop, fr.Accuracy)
		}
	}
	// The cochlea normalises the level (ITU-T P.56), so −20 dB changes the
	// LSM's input only through the background noise and rounding; MFCC's
	// c0 moves by 2·ln(10)·√26 and the head has never seen such values.
	if q := r.Conditions[1]; q.Drop > 0.1 {
		t.Errorf("LSM at −20 dB dropped %.3f (accuracy %.3f)", q.Drop, q.Accuracy)
	}
	if !strings.Contains(r.Markdown(), "level=-20dB") || !strings.Contains(r.Markdown(), "mfcc") {
		t.Errorf("Markdown lacks the conditions or the comparison:\n%s", r.Markdown())
	}

	// A condition that is not the same recordings is refused.
	other := syntheticSpoken(t, 4, 12, 3, nil)
	other.Samples[5].ID = "someone else"
	cfg.Conditions = []Condition{{Name: "bad", Data: other}}
	if _, err := Classify(ctx, cfg); err == nil || !strings.Contains(err.Error(), "same recordings") {
		t.Errorf("mismatched condition: %v", err)
	}
	cfg.Conditions = []Condition{{Name: "short", Data: other.Subset([]int{0, 1})}}
	if _, err := Classify(ctx, cfg); err == nil {
		t.Error("a condition with fewer samples was accepted")
	}
	// MFCC features need waveforms.
	noAudio := syntheticAudio(3, 6, 3, 1)
	if _, err := Classify(ctx, ClassifyConfig{Data: noAudio, BySpeaker: true, Seed: 1, Head: fastHead, FeatureKinds: []FeatureKind{FeaturesMFCC}}); err == nil ||
		!strings.Contains(err.Error(), "waveform") {
		t.Errorf("MFCC without audio: %v", err)
	}
	if _, err := ParseFeatureKinds("lsm,cepstrum"); err == nil {
		t.Error("unknown features parsed")
	}
	if k, err := ParseFeatureKinds("mfcc, LSM"); err != nil || len(k) != 2 || k[0] != FeaturesMFCC || k[1] != FeaturesLSM {
		t.Errorf("ParseFeatureKinds: %v %v", k, err)
	}
}

// TestMFCCSummary checks the summaries against hand-computable frames.
func TestMFCCSummary(t *testing.T) {
	frames := []float64{1, 10, 3, 10, 5, 10, 7, 10} // 4 frames × 2 coefficients
	c := MFCCConfig{Summary: MFCCBoth, Segments: 2}
	got := c.summarise(nil, frames, 2)
	want := []float32{4, 10, float32(math.Sqrt(5)), 0, 2, 10, 6, 10}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("summary %v, want %v", got, want)
	}
	c.Segments = 6 // more segments than frames: the nearest frame
	if got := c.summarise(nil, frames, 2); len(got) != 2*(2+6) {
		t.Errorf("%d values", len(got))
	}
	if got := (MFCCConfig{Summary: MFCCStats}).summarise(nil, nil, 3); fmt.Sprint(got) != "[0 0 0 0 0 0]" {
		t.Errorf("no frames: %v", got)
	}
}

// TestSpanBinningSpec: "--binning span" bins 1-D events over each
// utterance's own span (with --bins as its steps), and is refused for a
// 2-D sensor and with a bin width, before any data is read.
func TestSpanBinningSpec(t *testing.T) {
	ec, err := EncoderSpec{Binning: "span", Bins: 64}.Config(convert.CochleaSensor)
	if err != nil {
		t.Fatal(err)
	}
	if sp := ec.Binning.Span; sp == nil || ec.Binning.Chunk != nil || sp.Bins != 64 || !sp.Counts || sp.Channels != convert.CochleaSensor.Channels {
		t.Errorf("span binning %+v", ec.Binning)
	}
	if _, err := (EncoderSpec{Binning: "span"}).Config(events.Sensor{Name: "atis", Width: 34, Height: 34}); err == nil {
		t.Error("span binning accepted for a 2-D sensor")
	}
	if _, err := (EncoderSpec{Binning: "span", BinWidth: 0.002}).Config(convert.CochleaSensor); err == nil {
		t.Error("span binning accepted a bin width")
	}
	if err := (EncoderSpec{Binning: "spam"}).Check(); err == nil || !strings.Contains(err.Error(), "span") {
		t.Errorf("unknown binning: %v", err)
	}
}
