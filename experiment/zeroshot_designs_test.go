package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/projection"
)

func TestSubsets(t *testing.T) {
	cs := []string{"1", "2", "3", "4", "5"}
	for k, want := range map[int]int{1: 5, 2: 10, 3: 10, 5: 1} {
		s := subsets(cs, k)
		if len(s) != want || len(s) != binom(5, k) {
			t.Errorf("k %d: %d subsets, want %d", k, len(s), want)
		}
		seen := map[string]bool{}
		for _, x := range s {
			if len(x) != k || seen[designName(x)] {
				t.Errorf("k %d: subset %v", k, x)
			}
			seen[designName(x)] = true
		}
	}
	if got := subsets(cs, 2)[:3]; !slices.EqualFunc(got, [][]string{{"1", "2"}, {"1", "3"}, {"1", "4"}}, slices.Equal) {
		t.Errorf("order %v", got)
	}
	if binom(9, 2) != 36 || binom(10, 4) != 210 {
		t.Error("binom")
	}
}

// TestEstimate: closed forms. Three designs, two seeds each; the design
// means are 0.5, 0.6 and 0.7, so the mean is 0.6, the SD 0.1 and the 95 %
// t interval 0.6 ± 4.302652729911275·0.1/√3 (t quantile of 2 degrees of
// freedom, a table value).
func TestEstimate(t *testing.T) {
	v := [][]float64{{0.4, 0.6}, {0.6, 0.6}, {0.8, 0.6}}
	e, lo, hi := estimate(v, []float64{0.5, 0.5, 0.5})
	const tol = 1e-12
	if math.Abs(e.Mean-0.6) > tol || math.Abs(e.SD-0.1) > tol || lo != 0 || hi != 2 || e.Min != 0.5 || e.Max != 0.7 {
		t.Errorf("estimate %+v (lo %d, hi %d)", e, lo, hi)
	}
	h := 4.302652729911275 * 0.1 / math.Sqrt(3)
	if e.CI == nil || math.Abs(e.CI.Low-(0.6-h)) > 1e-9 || math.Abs(e.CI.High-(0.6+h)) > 1e-9 {
		t.Errorf("CI %+v, want 0.6 ± %v", e.CI, h)
	}
	// Seeds: per-seed means over the designs are 0.6 and 0.6: a zero-width
	// interval. Within-design SDs: √0.02, 0, √0.02 → mean 2√0.02/3.
	if e.SeedCI == nil || math.Abs(e.SeedCI.Low-0.6) > tol || math.Abs(e.SeedCI.High-0.6) > tol {
		t.Errorf("seed CI %+v", e.SeedCI)
	}
	if math.Abs(e.SeedSD-2*math.Sqrt(0.02)/3) > tol {
		t.Errorf("seed SD %v", e.SeedSD)
	}
	// Designs 2 and 3 are above chance 0.5; design 1 is at it.
	if math.Abs(e.AboveChance-2.0/3) > tol || e.ExcludesChance() {
		t.Errorf("above chance %v, excludes %v", e.AboveChance, e.ExcludesChance())
	}
	one, _, _ := estimate([][]float64{{0.7}}, []float64{0.5})
	if one.CI != nil || one.SeedCI != nil || one.ExcludesChance() {
		t.Errorf("one design, one seed: %+v", one)
	}
	if r := pearson([]float64{1, 2, 3}, []float64{2, 4, 6}); math.Abs(r-1) > tol {
		t.Errorf("pearson %v", r)
	}
}

func TestZeroShotDesigns(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	// Small and quick: one rate per neuron, six epochs, one validation split.
	enc := EncoderConfig{CalibrationSamples: 20, Reservoir: lsmWindows(1)}
	head := &projection.CLIPConfig{Training: projection.Training{Epochs: 6}}
	base := ZeroShotConfig{A: Side{Data: img, Encoder: enc}, B: Side{Data: aud, Encoder: enc},
		Seed: 5, Head: head, Protocol: ProtocolGZSL, Select: &Selection{Splits: 1}}
	classes := []string{"1", "2", "3", "4", "5"}
	r, err := ZeroShotDesigns(context.Background(), DesignsConfig{Base: base, Classes: classes, Seeds: []uint64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Designs) != 10 || r.AllDesigns != 10 || len(r.Runs) != 20 || len(r.PerDesign) != 10 || r.K != 2 {
		t.Fatalf("%d designs of %d, %d runs, %d summaries", len(r.Designs), r.AllDesigns, len(r.Runs), len(r.PerDesign))
	}
	// The headline is the mean over designs of the per-design mean over
	// seeds.
	sum := 0.0
	for d, ds := range r.PerDesign {
		m := (r.Runs[2*d].UnseenTop1.BToA + r.Runs[2*d+1].UnseenTop1.BToA) / 2
		if math.Abs(ds.UnseenTop1.BToA-m) > 1e-12 || !slices.Equal(ds.Unseen, r.Designs[d]) {
			t.Errorf("design %v: summary %v, runs' mean %v", r.Designs[d], ds.UnseenTop1.BToA, m)
		}
		sum += m / 10
		if r.Runs[2*d].Seed != 1 || r.Runs[2*d+1].Seed != 2 || r.Runs[2*d].GZSL == nil || r.Runs[2*d].Selection == nil {
			t.Errorf("run %d: %+v", 2*d, r.Runs[2*d])
		}
	}
	u := r.Unseen.BToA
	if math.Abs(u.Mean-sum) > 1e-12 || u.N != 10 || u.Seeds != 2 || u.CI == nil || u.SeedCI == nil || !(u.CI.Low <= u.Mean && u.Mean <= u.CI.High) {
		t.Errorf("headline %+v, want mean %v", u, sum)
	}
	// Balanced pairs: chance 1/2.
	if math.Abs(u.Chance-0.5) > 1e-12 || r.GZSL == nil {
		t.Errorf("chance %v, GZSL %v", u.Chance, r.GZSL != nil)
	}
	// A design run, though run in parallel with the others on a shared
	// macro and caches, equals ZeroShot on its classes with its seed.
	one := base
	one.Seen, one.Unseen, one.Seed = without(classes, r.Designs[3]), r.Designs[3], 2
	z, err := ZeroShot(context.Background(), one)
	if err != nil {
		t.Fatal(err)
	}
	if z.Unseen.Top1 != r.Runs[7].UnseenTop1 || z.GZSL.BToA.Calibrated != r.Runs[7].GZSL.BToA.Calibrated {
		t.Errorf("ZeroShot %+v, design run %+v", z.Unseen.Top1, r.Runs[7].UnseenTop1)
	}

	md := r.Markdown()
	for _, want := range []string{"all 10 unseen pairs of 1–5", "95 % CI (designs)", "| unseen, audio → image |", "AUSUC", "| 1,2 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"unseen":{"audio_to_image":{"mean":`, `"ci":{"low":`, `"gzsl":{"plain":{"h":{"audio_to_image"`, `"per_design":[{"unseen":["1","2"]`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s", k)
		}
	}
	var png bytes.Buffer
	if err := r.PlotDesigns(&png); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "pairs heat map", png.Bytes())

	// A seeded sample of 3-subsets: a strip plot.
	s, err := ZeroShotDesigns(context.Background(), DesignsConfig{Base: ZeroShotConfig{A: base.A, B: base.B, Seed: 5, Head: head},
		Classes: classes, K: 3, Sample: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Designs) != 4 || s.AllDesigns != 10 || s.GZSL != nil || len(s.Runs[0].Unseen) != 3 || s.Runs[0].Selection != nil {
		t.Errorf("sample: %d designs of %d, %+v", len(s.Designs), s.AllDesigns, s.Runs[0])
	}
	if !strings.Contains(s.Markdown(), "4 of the 10 unseen 3-subsets of 1–5") {
		t.Errorf("Markdown:\n%s", s.Markdown())
	}
	png.Reset()
	if err := s.PlotDesigns(&png); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "strip plot", png.Bytes())
}

func TestZeroShotDesignsErrors(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	base := ZeroShotConfig{A: Side{Data: img}, B: Side{Data: aud}, Head: fastCLIP}
	for _, tc := range []struct {
		name string
		cfg  DesignsConfig
		want string
	}{
		{"too many unseen", DesignsConfig{Base: base, Classes: []string{"1", "2", "3"}, K: 2}, "fewer than 2 seen"},
		{"duplicate class", DesignsConfig{Base: base, Classes: []string{"1", "1", "2", "3"}}, "twice"},
		{"foreign design", DesignsConfig{Base: base, Classes: []string{"1", "2", "3", "4"}, Designs: [][]string{{"1", "9"}}}, "not among"},
		{"uneven designs", DesignsConfig{Base: base, Classes: []string{"1", "2", "3", "4", "5"}, Designs: [][]string{{"1", "2"}, {"3"}}}, "same number"},
		{"duplicate seed", DesignsConfig{Base: base, Seeds: []uint64{1, 1}}, "twice"},
		{"sweep", DesignsConfig{Base: ZeroShotConfig{A: base.A, B: base.B, Seeds: []uint64{1}}}, "no seed sweep"},
		{"negative sample", DesignsConfig{Base: base, Sample: -1}, "sample"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ZeroShotDesigns(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// digitTable describes the digit classes with fixed random vectors (no
// relation to the synthetic data: the test checks the mechanics).
type digitTable map[string][]float64

func (t digitTable) ClassNames() []string {
	var out []string
	for c := range t {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
func (t digitTable) Describe(c string) ([]float64, bool) { v, ok := t[c]; return v, ok }
func (t digitTable) String() string                      { return "table" }

func newDigitTable(dim int, seed uint64) digitTable {
	t := digitTable{}
	for d := range 10 {
		v := make([]float64, dim)
		for j := range v {
			v[j] = math.Sin(float64(seed) + float64(d*dim+j)*1.7)
		}
		t[fmt.Sprint(d)] = v
	}
	return t
}

func TestZeroShotSideInfo(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	enc := EncoderConfig{CalibrationSamples: 20, Reservoir: lsmWindows(1)}
	si := &SideInfo{A: newDigitTable(6, 1), B: newDigitTable(5, 2), Ridges: []float64{0.1, 10}}
	cfg := ZeroShotConfig{A: Side{Data: img, Encoder: enc}, B: Side{Data: aud, Encoder: enc}, Seed: 3,
		SideInfo: si, Protocol: ProtocolGZSL, Select: &Selection{Head: true, Splits: 2}}
	r, err := ZeroShot(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.SideInfo == nil || r.Selection == nil || !slices.Contains(si.Ridges, r.Selection.Ridge) || r.SideInfo.Ridge != r.Selection.Ridge {
		t.Fatalf("side info %+v, selection %+v", r.SideInfo, r.Selection)
	}
	if r.SideInfo.Components["image"] != 6 || r.SideInfo.Descriptors["audio"] != "table" || r.Head.Dim != 0 || r.Temperature != 0 {
		t.Errorf("report %+v, head %+v", r.SideInfo, r.Head)
	}
	for _, m := range []string{"image", "audio"} {
		c := r.SideInfo.Classification[m]
		if c == nil || c.Chance.ZSL != 0.5 || math.Abs(c.Chance.Seen-1.0/7) > 1e-12 || !(c.Seen >= 0 && c.Seen <= 1 && c.ZSL >= 0 && c.ZSL <= 1) {
			t.Errorf("%s classification %+v", m, c)
		}
	}
	// Seen retrieval through descriptors of seven seen classes: the heads
	// learn the seen classes (far above 1/7 on this easy data).
	if r.Seen.Top1.BToA < 0.5 || r.Seen.Top1.AToB < 0.5 {
		t.Errorf("seen retrieval through descriptors %+v", r.Seen.Top1)
	}
	if r.GZSL == nil || r.Cost == nil || r.Cost.Workload.HeadMACs != float64(200*6+200*5) {
		t.Errorf("GZSL %v, head MACs %v", r.GZSL != nil, r.Cost.Workload.HeadMACs)
	}
	if md := r.Markdown(); !strings.Contains(md, "classification through descriptors") || !strings.Contains(md, "side information") {
		t.Errorf("Markdown:\n%s", md)
	}
	// Deterministic, and a design run equals it.
	d, err := ZeroShotDesigns(context.Background(), DesignsConfig{Base: func() ZeroShotConfig { c := cfg; c.Seen, c.Unseen = nil, nil; return c }(),
		Designs: [][]string{{"8", "9"}}, Classes: append(slices.Clone(DefaultSeen), DefaultUnseen...), Seeds: []uint64{3}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Runs[0].UnseenTop1 != r.Unseen.Top1 || d.Classification["audio"].ZSL.Mean != r.SideInfo.Classification["audio"].ZSL {
		t.Errorf("designs %+v, zero-shot %+v", d.Runs[0].UnseenTop1, r.Unseen.Top1)
	}
	if !strings.Contains(d.Markdown(), "Classification through the descriptors") {
		t.Error("designs Markdown lacks the classification table")
	}
	// Errors: a class without a descriptor; tracing or saving.
	bad := cfg
	bad.SideInfo = &SideInfo{A: digitTable{"1": {1}}, B: si.B}
	if _, err := ZeroShot(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "no descriptor") {
		t.Errorf("missing descriptor: %v", err)
	}
	bad = cfg
	bad.Trace = true
	if _, err := ZeroShot(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "trace") {
		t.Errorf("trace: %v", err)
	}
}

// TestCalibrateOn: with CalibrateOn the gains come from the samples of a
// class outside every design, so two different choices of unseen classes
// run on the same gains (and share one encoding); a calibration class
// that is seen or unseen is refused.
func TestCalibrateOn(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	enc := EncoderConfig{CalibrationSamples: 20, Reservoir: lsmWindows(1)}
	cfg := ZeroShotConfig{A: Side{Data: img, Encoder: enc}, B: Side{Data: aud, Encoder: enc}, Seed: 3,
		Head: &projection.CLIPConfig{Training: projection.Training{Epochs: 2}}, CalibrateOn: []string{"0"}}
	var gains [][2]float64
	for _, u := range [][]string{{"8", "9"}, {"1", "2"}} {
		c := cfg
		c.Seen, c.Unseen = without([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, u), u
		r, err := ZeroShot(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		gains = append(gains, [2]float64{r.Encoders[0].Config.Reservoir.Gain, r.Encoders[1].Config.Reservoir.Gain})
	}
	if gains[0] != gains[1] {
		t.Errorf("gains %v then %v: not calibrated on class 0 alone", gains[0], gains[1])
	}
	bad := cfg
	bad.CalibrateOn = []string{"9"}
	if _, err := ZeroShot(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "calibrates the gains") {
		t.Errorf("unseen calibration class: %v", err)
	}
}

// TestZeroShotHeadline: both heads over a seeded sample of the 36 pairs
// of 1–9 (the same for both), generalised figures at β = 0 (no
// selection), the paper's figure and the note, snake_case JSON; with Select β is chosen on
// validation classes; missing data is one clear error.
func TestZeroShotHeadline(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	ctx := context.Background()
	h, err := ZeroShotHeadline(ctx, HeadlineConfig{Images: img, Audio: aud, Seed: 2, Pairs: 4, Epochs: 2})
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]*DesignsResult{"contrastive": h.Contrastive, "side": h.SideInfo} {
		if len(d.Designs) != 4 || d.AllDesigns != 36 || d.GZSL == nil || len(d.Runs) != 4 {
			t.Fatalf("%s: designs %d of %d, gzsl %v, runs %d", name, len(d.Designs), d.AllDesigns, d.GZSL != nil, len(d.Runs))
		}
		for _, r := range d.Runs {
			if r.Selection != nil || r.GZSL == nil || r.GZSL.BToA.Beta != 0 || r.GZSL.AToB.Beta != 0 {
				t.Errorf("%s %v: selection %v, β chosen without validation classes", name, r.Unseen, r.Selection)
			}
			if slices.Contains(r.Unseen, "0") || len(r.Unseen) != 2 {
				t.Errorf("%s: design %v", name, r.Unseen)
			}
		}
		if u := d.Unseen.BToA; u.CI == nil || !(u.CI.Low <= u.Mean && u.Mean <= u.CI.High) || math.Abs(u.Chance-0.5) > 0.05 {
			t.Errorf("%s: unseen estimate %+v (chance of a pair ≈ 0.5)", name, u)
		}
	}
	if !slices.EqualFunc(h.Contrastive.Designs, h.SideInfo.Designs, slices.Equal[[]string]) {
		t.Errorf("the heads ran different designs: %v, %v", h.Contrastive.Designs, h.SideInfo.Designs)
	}
	if h.SideInfo.Classification == nil || h.Contrastive.Classification != nil {
		t.Errorf("classification through descriptors: side %v, contrastive %v", h.SideInfo.Classification != nil, h.Contrastive.Classification != nil)
	}
	if !strings.Contains(h.Note, "0.875") || !strings.Contains(h.Note, "4 of the 36 unseen pairs") ||
		!strings.Contains(h.Markdown(), "side information (descriptors)") || !strings.Contains(h.Markdown(), "H (β = 0)") {
		t.Errorf("note %q\n%s", h.Note, h.Markdown())
	}
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"task", "contrastive", "side_info", "paper_unseen_top1", "note", "seconds"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if u := back["contrastive"].(map[string]any)["unseen"].(map[string]any); u["audio_to_image"] == nil || u["image_to_audio"] == nil {
		t.Errorf("unseen keys %v", u)
	}

	// The same call with a selection: β on validation classes.
	s, err := ZeroShotHeadline(ctx, HeadlineConfig{Images: img, Audio: aud, Seed: 2, Pairs: 2, Epochs: 2, Select: &Selection{Splits: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Contrastive.Runs[0]; r.Selection == nil || !strings.Contains(s.Markdown(), "H (β on validation)") {
		t.Errorf("with Select: selection %v\n%s", r.Selection, s.Markdown())
	}

	if _, err := ZeroShotHeadline(ctx, HeadlineConfig{Images: img}); err == nil || !strings.Contains(err.Error(), "needs images and audio") {
		t.Errorf("no audio: %v", err)
	}
	if _, err := ZeroShotHeadline(ctx, HeadlineConfig{Images: img, Audio: aud, Pairs: -1}); err == nil {
		t.Error("negative pairs accepted")
	}
}

// TestDesignsSharedHeads: heads run on one binning, macro, split and
// encoding give exactly what each gives run on its own.
func TestDesignsSharedHeads(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	enc := EncoderConfig{CalibrationSamples: 20, Reservoir: lsmWindows(1)}
	base := ZeroShotConfig{A: Side{Data: img, Encoder: enc}, B: Side{Data: aud, Encoder: enc}, Seed: 4, Protocol: ProtocolGZSL,
		Head: &projection.CLIPConfig{Training: projection.Training{Epochs: 2}}, Select: &Selection{Splits: 1}}
	side := base
	side.SideInfo = &SideInfo{A: newDigitTable(6, 1), B: newDigitTable(5, 2)}
	dc := DesignsConfig{Base: base, Designs: [][]string{{"8", "9"}, {"2", "5"}}, Seeds: []uint64{4, 5}}
	ctx := context.Background()
	both, err := zeroShotDesigns(ctx, dc, []ZeroShotConfig{side})
	if err != nil {
		t.Fatal(err)
	}
	for h, c := range []ZeroShotConfig{base, side} {
		dc.Base = c
		alone, err := ZeroShotDesigns(ctx, dc)
		if err != nil {
			t.Fatal(err)
		}
		a, b := alone.Runs, both[h].Runs
		if len(a) != len(b) {
			t.Fatalf("head %d: %d runs alone, %d shared", h, len(a), len(b))
		}
		for i := range a {
			ja, _ := json.Marshal(a[i])
			jb, _ := json.Marshal(b[i])
			if !bytes.Equal(ja, jb) {
				t.Errorf("head %d run %d: alone %s\nshared %s", h, i, ja, jb)
			}
		}
	}
	if both[0].Classification != nil || both[1].Classification == nil {
		t.Errorf("classification: contrastive %v, side %v", both[0].Classification != nil, both[1].Classification != nil)
	}
}
