package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/projection"
)

// frontEnd is one audio front end tried by TestAudioFrontEndNestedCV: a
// cochlea (with or without endpoint detection) and a binning.
type frontEnd struct {
	name    string
	cochlea func(p *convert.CochleaParams)
	encoder EncoderConfig
}

// robustConditions are the recording conditions of the front-end
// selection's objective: the unchanged recordings and the five
// perturbations of memlsm's robustness check.
var robustConditions = []string{"level=-20dB", "level=10dB", "tempo=0.85", "tempo=1.15", "noise=20dB"}

// TestAudioFrontEndNestedCV re-runs the selection of the audio front end
// (DefaultCochleaParams' filter bandwidths, noise suppression and endpoint
// detection, and DefaultBinning for 1-D sensors) on FSDD, by nested
// speaker-wise validation on training speakers only: every speaker is held
// out in turn (outer); on the other four, every candidate is scored by
// speaker-wise rotations (train on three, test on the fourth); the
// candidate with the best inner score is trained on the four and tested on
// the held-out speaker. A candidate's score is its mean accuracy over the
// unchanged test recordings and the five perturbed versions of them
// (robustConditions), weighted equally: the accuracy a user can expect
// over recordings that differ from the training ones in level, tempo or
// noise. The default (candidate 0) must be the best or within one standard
// error of it. Every accuracy is logged, clean and per condition.
func TestAudioFrontEndNestedCV(t *testing.T) {
	slowSelection(t)
	ctx := context.Background()
	dir := selectionRecordings(t, sharedData(t, "fsdd/recordings"))
	old := func(p *convert.CochleaParams) { p.TapERB, p.NoiseFloor, p.Endpoint = 0, 0, nil }
	cands := []frontEnd{
		{name: "default", cochlea: func(*convert.CochleaParams) {}},
		{name: "Q 3 taps (stage 1)", cochlea: old},
		{name: "Q 3 taps, span binning", cochlea: old, encoder: EncoderConfig{Binning: SpanBinning(convert.CochleaSensor)}},
		{name: "no noise suppression", cochlea: func(p *convert.CochleaParams) { p.NoiseFloor = 0 }},
		{name: "no endpoint detection", cochlea: func(p *convert.CochleaParams) { p.Endpoint = nil }},
		{name: "span binning", encoder: EncoderConfig{Binning: SpanBinning(convert.CochleaSensor)}, cochlea: func(*convert.CochleaParams) {}},
		{name: "ERB ×0.6 taps", cochlea: func(p *convert.CochleaParams) { p.TapERB = 0.6 }},
	}
	cands = selectionCandidates(t, cands)
	var chains []audio.Chain
	for _, c := range robustConditions {
		ch, err := audio.ParseChain(c)
		if err != nil {
			t.Fatal(err)
		}
		chains = append(chains, ch)
	}
	// Every candidate's data: the recordings and their perturbed versions,
	// converted by its cochlea (in the same sample order).
	type prepared struct {
		clean *events.Dataset
		conds []*events.Dataset
	}
	data := make([]prepared, len(cands))
	converted := map[string]int{} // candidates sharing a cochlea share its conversions
	for i, c := range cands {
		p := convert.DefaultCochleaParams()
		c.cochlea(&p)
		key, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if j, ok := converted[string(key)]; ok {
			data[i] = data[j]
			continue
		}
		converted[string(key)] = i
		opts := source.Options{Cochlea: &p}
		d, err := source.OpenWith(ctx, "fsdd:"+dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		data[i].clean = d
		for _, ch := range chains {
			pd, err := source.OpenPerturbed(ctx, "fsdd:"+dir, ch, DefaultSeed, opts)
			if err != nil {
				t.Fatal(err)
			}
			data[i].conds = append(data[i].conds, pd)
		}
	}
	ref := data[0].clean
	speakers := ref.Speakers()
	score := func(r *ClassifyResult) float64 {
		s := r.Accuracy
		for _, c := range r.Conditions {
			s += c.Accuracy
		}
		return s / float64(1+len(r.Conditions))
	}
	line := func(r *ClassifyResult) string {
		parts := []string{fmt.Sprintf("clean %.4f", r.Accuracy)}
		for _, c := range r.Conditions {
			parts = append(parts, fmt.Sprintf("%s %.4f", c.Name, c.Accuracy))
		}
		return strings.Join(parts, ", ")
	}
	scores := make([][]float64, len(cands))
	var outerScore, outerClean float64
	for k, out := range speakers {
		var tr, te []int
		for i := range ref.Samples {
			if ref.Samples[i].Speaker == out {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		best := -1
		for i, c := range cands {
			var conds []Condition
			for j, pd := range data[i].conds {
				conds = append(conds, Condition{Name: robustConditions[j], Data: pd.Subset(tr)})
			}
			r, err := Classify(ctx, ClassifyConfig{Data: data[i].clean.Subset(tr), BySpeaker: true, Encoder: c.encoder,
				Conditions: conds, Seed: uint64(100 + k)})
			if err != nil {
				t.Fatal(err)
			}
			scores[i] = append(scores[i], score(r))
			t.Logf("outer %s, inner %-26s score %.4f (%s)", out, c.name, score(r), line(r))
			if best < 0 || scores[i][k] > scores[best][k] {
				best = i
			}
		}
		c := cands[best]
		var conds []Condition
		for j, pd := range data[best].conds {
			conds = append(conds, Condition{Name: robustConditions[j], Data: pd.Subset(te)})
		}
		r, err := Classify(ctx, ClassifyConfig{Data: data[best].clean.Subset(tr), Test: data[best].clean.Subset(te), Encoder: c.encoder,
			Conditions: conds, Seed: uint64(100 + k)})
		if err != nil {
			t.Fatal(err)
		}
		outerScore += score(r) / float64(len(speakers))
		outerClean += r.Accuracy / float64(len(speakers))
		t.Logf("outer %s: chose %s; outer score %.4f (%s)", out, c.name, score(r), line(r))
	}
	mean, se := make([]float64, len(cands)), make([]float64, len(cands))
	cs := make([]candidate, len(cands))
	for i := range cands {
		m, s := projection.MeanStd(scores[i])
		mean[i], se[i] = m, s/math.Sqrt(float64(len(scores[i])))
		cs[i].name = cands[i].name
		t.Logf("%-26s mean inner score %.4f ± %.4f (SE)", cands[i].name, mean[i], se[i])
	}
	t.Logf("outer score of the selection procedure %.4f (clean accuracy %.4f)", outerScore, outerClean)
	checkDefault(t, cs, mean, se)
}

// selectionRecordings returns dir, or with MEMLSM_SELECT_INDEX=N a
// temporary folder linking only the recordings of index < N (of 50 per
// speaker and digit), a smaller but balanced FSDD (every speaker, every
// digit) for a selection run that must finish on a loaded machine.
func selectionRecordings(t *testing.T, dir string) string {
	v := os.Getenv("MEMLSM_SELECT_INDEX")
	if v == "" {
		return dir
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("MEMLSM_SELECT_INDEX=%q: want a positive count", v)
	}
	files, err := events.ListFSDD(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := t.TempDir()
	kept := 0
	for _, f := range files {
		if f.Index < n {
			if err := os.Symlink(f.Path, filepath.Join(sub, filepath.Base(f.Path))); err != nil {
				t.Fatal(err)
			}
			kept++
		}
	}
	t.Logf("MEMLSM_SELECT_INDEX=%d: %d of %d recordings (index < %d for every speaker and digit)", n, kept, len(files), n)
	return sub
}

// selectionCandidates returns cands, or with MEMLSM_SELECT_CANDIDATES=i,j,…
// only those (by position; 0, the default, is always kept first), to bound
// a selection run on a loaded machine.
func selectionCandidates(t *testing.T, cands []frontEnd) []frontEnd {
	v := os.Getenv("MEMLSM_SELECT_CANDIDATES")
	if v == "" {
		return cands
	}
	out := []frontEnd{cands[0]}
	for _, f := range strings.Split(v, ",") {
		i, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || i < 0 || i >= len(cands) {
			t.Fatalf("MEMLSM_SELECT_CANDIDATES=%q: want positions in 0..%d", v, len(cands)-1)
		}
		if i != 0 {
			out = append(out, cands[i])
		}
	}
	names := make([]string, len(out))
	for i, c := range out {
		names[i] = c.name
	}
	t.Logf("MEMLSM_SELECT_CANDIDATES=%s: %s", v, strings.Join(names, "; "))
	return out
}
