package experiment

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestDirsJSON(t *testing.T) {
	d := Dirs[float64]{Names: Modalities{A: "image", B: "neural"}, BToA: 0.25, AToB: 0.75}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"neural_to_image":0.25,"image_to_neural":0.75}` {
		t.Errorf("JSON %s", b)
	}
	var back Dirs[float64]
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != d {
		t.Errorf("round trip %+v, want %+v", back, d)
	}
	// Retrieval keeps the CLI contract's keys for audio↔image.
	r := Retrieval{Names: DefaultModalities, Classes: []string{"8", "9"}, Pairs: 4,
		Top1: Top1{Names: DefaultModalities, BToA: 0.5, AToB: 1}, Chance: Top1{Names: DefaultModalities, BToA: 0.5, AToB: 0.5}}
	b, err = json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"classes":["8","9"],"pairs":4,"audio_to_image":0.5,"image_to_audio":1,"chance_audio_to_image":0.5,"chance_image_to_audio":0.5}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	var rb Retrieval
	if err := json.Unmarshal(b, &rb); err != nil {
		t.Fatal(err)
	}
	if rb.Names != DefaultModalities || rb.Top1 != r.Top1 || rb.Chance != r.Chance || rb.Pairs != 4 || !slices.Equal(rb.Classes, r.Classes) {
		t.Errorf("round trip %+v", rb)
	}
	for _, bad := range []string{`{"audio_to_image":1}`, `{"a_to_b":1,"b_to_c":2}`, `[1]`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	for _, m := range []Modalities{{A: "image", B: "image"}, {A: "Image", B: "audio"}, {A: "im_age", B: "audio"}, {A: "", B: "audio"}} {
		if m.check() == nil {
			t.Errorf("%+v accepted", m)
		}
	}
}

// TestAUSUC: closed forms. The straight curve U = 1 − S encloses 1/2;
// a single operating point (s, u) encloses the rectangle s·u; points
// below the frontier do not count.
func TestAUSUC(t *testing.T) {
	line := []SUPoint{{SUH: newSUH(1, 0)}, {SUH: newSUH(0.5, 0.5)}, {SUH: newSUH(0, 1)}}
	if a := ausuc(line); math.Abs(a-0.5) > 1e-12 {
		t.Errorf("line: %v, want 0.5", a)
	}
	if a := ausuc([]SUPoint{{SUH: newSUH(0.6, 0.3)}}); math.Abs(a-0.18) > 1e-12 {
		t.Errorf("point: %v, want 0.18", a)
	}
	inner := append(slices.Clone(line), SUPoint{SUH: newSUH(0.3, 0.3)})
	if a := ausuc(inner); math.Abs(a-0.5) > 1e-12 {
		t.Errorf("with an inner point: %v, want 0.5", a)
	}
	if h := newSUH(0.5, 0.25).H; math.Abs(h-1.0/3) > 1e-12 {
		t.Errorf("H(0.5, 0.25) = %v, want 1/3", h)
	}
	if h := newSUH(0, 0).H; h != 0 {
		t.Errorf("H(0, 0) = %v", h)
	}
}

// TestGZSLScoring builds the generalised evaluation by hand: two seen
// classes (0, 1) with one test item each and one unseen class (2) with
// two; B query k's best A match is item k, but seen items get a bonus
// that a penalty β must overcome.
func TestGZSLScoring(t *testing.T) {
	// Items: seen 0, seen 1, unseen 2, unseen 2.
	base := mat.NewDense(4, 4, []float64{
		1.0, 0.2, 0.1, 0.1,
		0.2, 1.0, 0.1, 0.1,
		0.9, 0.1, 0.5, 0.4, // an unseen query drawn to seen item 0
		0.1, 0.9, 0.4, 0.5, // and to seen item 1
	})
	bias := []float64{1, 1, 0, 0} // seen items look seen
	st := &biasStacker{base: base, bias: bias}
	g := &gzslScoring{names: DefaultModalities, dirs: [2]stacker{st, st}, labels: []int{0, 1, 2, 2}, nSeen: 2, nAll: 3,
		zsl: [2][]int{{0, 1}, {0, 1}}}
	pts := g.points([]float64{0, 0.5})
	// β = 0: seen queries right (S = 1), unseen wrong (U = 0).
	if p := pts[0][0]; p.Seen != 1 || p.Unseen != 0 || p.H != 0 {
		t.Errorf("β 0: %+v", p)
	}
	// β = 0.5: seen 1.0−0.5 = 0.5 vs unseen 0.1 → still right; the unseen
	// queries now prefer items 2, 3 (0.5 > 0.4) → U = 1.
	if p := pts[0][1]; p.Seen != 1 || p.Unseen != 1 || p.H != 1 {
		t.Errorf("β 0.5: %+v", p)
	}
	// Chance: 1 of 4 items for each seen class, 2 of 4 for the unseen
	// one; among unseen items only, 2 of 2.
	if c := g.chance(); c.Seen != 0.25 || c.Unseen != 0.5 || c.ZSL != 1 {
		t.Errorf("chance %+v", c)
	}
	if z := g.zslTop1(0); z != 1 {
		t.Errorf("ZSL %v, want 1", z)
	}
	sel := &SelectionReport{Beta: &Dirs[float64]{BToA: 0.5, AToB: 0}}
	r := gzslOf(g, sel)
	if r.BToA.Calibrated.H != 1 || r.BToA.Plain.H != 0 || r.AToB.Calibrated.H != 0 || r.BToA.Beta != 0.5 {
		t.Errorf("gzsl %+v", r)
	}
	if r.BToA.AUSUC < 1-1e-12 {
		t.Errorf("AUSUC %v: the curve reaches (1, 1)", r.BToA.AUSUC)
	}
}

func TestValidationSets(t *testing.T) {
	seen := []string{"1", "2", "3", "4", "5", "6", "7"}
	sets, err := validationSets(seen, 2, 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 3 {
		t.Fatalf("%d sets", len(sets))
	}
	used := map[string]bool{}
	for _, s := range sets {
		if len(s) != 2 {
			t.Errorf("set %v", s)
		}
		for _, c := range s {
			if used[c] {
				t.Errorf("class %s in two of the first disjoint sets %v", c, sets)
			}
			used[c] = true
		}
	}
	again, _ := validationSets(seen, 2, 3, 10)
	if !slices.EqualFunc(sets, again, slices.Equal) {
		t.Error("not deterministic")
	}
	// More sets than disjoint groups: distinct sets from further shuffles,
	// capped at C(7, 2) = 21.
	many, _ := validationSets(seen, 2, 30, 1)
	if len(many) != 21 {
		t.Errorf("%d sets, want all 21 pairs", len(many))
	}
	// Two unseen of three seen: the group shrinks to leave two to train on.
	small, err := validationSets([]string{"1", "2", "3"}, 2, 1, 1)
	if err != nil || len(small) != 1 || len(small[0]) != 1 {
		t.Errorf("%v, %v", small, err)
	}
	if _, err := validationSets([]string{"1", "2"}, 1, 1, 1); err == nil {
		t.Error("two seen classes: no error")
	}
}

// TestSelectionNeverTouchesTest: every sample a validation split uses
// comes from the outer run's training parts; no test item of a seen or
// an unseen class is among them.
func TestSelectionNeverTouchesTest(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	p, err := newZSPlan(ZeroShotConfig{A: Side{Data: img}, B: Side{Data: aud}, Seed: 4, Select: &Selection{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.bin(context.Background()); err != nil {
		t.Fatal(err)
	}
	outer, err := p.split(p.parts(), p.seen, p.unseen, 4)
	if err != nil {
		t.Fatal(err)
	}
	test := [2]map[int]bool{{}, {}}
	for _, pr := range append(slices.Clone(outer.seenTest), outer.unseenTest...) {
		test[0][pr.A], test[1][pr.B] = true, true
	}
	sets, err := validationSets(outer.seen, len(outer.unseen), 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range sets {
		in, err := p.split(classParts{train: outer.trainParts}, without(outer.seen, v), v, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range slices.Concat(in.train, in.seenTest, in.unseenTest) {
			if test[0][pr.A] || test[1][pr.B] {
				t.Fatalf("validation split %v uses a test item (%d, %d)", v, pr.A, pr.B)
			}
		}
		if len(in.unseenTest) == 0 || len(in.seenTest) == 0 {
			t.Errorf("validation split %v is empty", v)
		}
	}
}

func TestZeroShotGZSL(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	cfg := ZeroShotConfig{A: Side{Data: img, Encoder: EncoderConfig{CalibrationSamples: 20}}, B: Side{Data: aud, Encoder: EncoderConfig{CalibrationSamples: 20}},
		Seed: 3, Head: fastCLIP, Protocol: ProtocolGZSL, Select: &Selection{Head: true, Splits: 2, GainFactors: []float64{1, 0.5}}}
	r, err := ZeroShot(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.GZSL == nil || r.Selection == nil || r.Selection.Beta == nil {
		t.Fatalf("no generalised figures or selection: %+v", r)
	}
	s := r.Selection
	if len(s.Splits) != 2 || s.Epoch < 1 || s.Epoch > fastCLIP.Epochs || !slices.Contains([]float64{1, 0.5}, s.GainFactor) || len(s.Gains) != 2 {
		t.Errorf("selection %+v", s)
	}
	if r.Head.Epochs != s.Epoch {
		t.Errorf("trained %d epochs, selected %d", r.Head.Epochs, s.Epoch)
	}
	for _, v := range s.Splits {
		for _, c := range v.Validation {
			if slices.Contains(r.UnseenClasses, c) || slices.Contains(v.Train, c) {
				t.Errorf("validation class %s of %+v is unseen or trained on", c, v)
			}
		}
	}
	for _, bToA := range []bool{true, false} {
		g := r.GZSL.Get(bToA)
		if g.Beta != s.Beta.Get(bToA) {
			t.Errorf("β %v, selected %v", g.Beta, s.Beta.Get(bToA))
		}
		for _, x := range []float64{g.Plain.Seen, g.Plain.Unseen, g.Calibrated.Seen, g.Calibrated.Unseen, g.ZSL, g.AUSUC} {
			if !(x >= 0 && x <= 1) {
				t.Errorf("figure %v outside [0, 1]: %+v", x, g)
			}
		}
		if math.Abs(g.Plain.H-newSUH(g.Plain.Seen, g.Plain.Unseen).H) > 1e-12 {
			t.Errorf("H %v of S %v U %v", g.Plain.H, g.Plain.Seen, g.Plain.Unseen)
		}
		// 2 held-out pairs per seen class and 10 per unseen class: chance
		// of a seen query 2/34, of an unseen one 10/34; ZSL 1/2.
		if math.Abs(g.Chance.Seen-2.0/34) > 1e-12 || math.Abs(g.Chance.Unseen-10.0/34) > 1e-12 || g.Chance.ZSL != 0.5 {
			t.Errorf("chance %+v", g.Chance)
		}
		// ZSL is the unseen-only figure: with balanced classes the same
		// as the contract's unseen retrieval.
		if math.Abs(g.ZSL-r.Unseen.Top1.Get(bToA)) > 1e-12 {
			t.Errorf("ZSL %v, unseen retrieval %v", g.ZSL, r.Unseen.Top1.Get(bToA))
		}
	}
	md := r.Markdown()
	if !strings.Contains(md, "| audio → image |") || !strings.Contains(md, "AUSUC") || !strings.Contains(md, "validation classes") {
		t.Errorf("Markdown:\n%s", md)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"gzsl":{"audio_to_image":{"plain":{"seen"`, `"selection":{"note"`, `"beta":{"audio_to_image"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s", k)
		}
	}
}

// TestZeroShotInMemoryCounted: a run that encodes several times on the
// array (the validation splits calibrate their own gains) still compares
// the arrays' counters with everything it encoded: ADC conversions agree
// exactly. (Array energy differs by design with count inputs; see
// cost.Count.)
func TestZeroShotInMemoryCounted(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	cfg := ZeroShotConfig{A: Side{Data: img, Encoder: EncoderConfig{CalibrationSamples: 20}}, B: Side{Data: aud, Encoder: EncoderConfig{CalibrationSamples: 20}},
		Seed: 3, Head: fastCLIP, Macro: Macro{Mode: InMemory}, Protocol: ProtocolGZSL, Select: &Selection{Splits: 1}}
	r, err := ZeroShot(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkCost(t, "zero-shot in-memory", r.Cost, InMemory, 2, false)
}

// TestZeroShotAged: with Macro.Age the head trains on features encoded
// right after forming and is tested on features encoded at Age — the test
// retrieval changes with the age, the training does not (same head), and
// the result reports the ageing. Validation splits choose on the macro as
// formed.
func TestZeroShotAged(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	base := ZeroShotConfig{A: Side{Data: img, Encoder: EncoderConfig{CalibrationSamples: 20}}, B: Side{Data: aud, Encoder: EncoderConfig{CalibrationSamples: 20}},
		Seed: 3, Head: fastCLIP, Protocol: ProtocolGZSL, Select: &Selection{Splits: 1}}
	fresh, err := ZeroShot(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	aged := base
	aged.Macro.Age = 10 * year
	r, err := ZeroShot(context.Background(), aged)
	if err != nil {
		t.Fatal(err)
	}
	if r.Macro.Aging == nil || r.Macro.Aging.AgeS != float64(10*year) {
		t.Fatalf("aging info %+v", r.Macro.Aging)
	}
	if r.Temperature != fresh.Temperature || r.Encoders[0].Config.Reservoir.Gain != fresh.Encoders[0].Config.Reservoir.Gain {
		t.Error("ageing changed the training")
	}
	if *r.Selection.Beta != *fresh.Selection.Beta {
		t.Errorf("ageing changed the validation choice: β %+v, fresh %+v", r.Selection.Beta, fresh.Selection.Beta)
	}
	sim := func(x *ZeroShotResult) []float64 { return x.Unseen.Similarity.RawMatrix().Data }
	if slices.Equal(sim(r), sim(fresh)) {
		t.Error("ten years of drift left the test similarities unchanged")
	}
}

// BenchmarkGZSLPoints330: the seen–unseen curve of one direction of a
// paper-sized search set (7 × 20 held-out seen items and 2 × 95 unseen
// ones), at every penalty of the AUSUC sweep.
func BenchmarkGZSLPoints330(b *testing.B) {
	const n = 330
	base := mat.NewDense(n, n, nil)
	bias := make([]float64, n)
	labels := make([]int, n)
	for i := range n {
		if i < 140 {
			labels[i], bias[i] = i/20, 0.8 // seen classes 0…6
		} else {
			labels[i] = 7 + (i-140)/95 // unseen classes 7, 8
		}
		for j := range n {
			base.Set(i, j, math.Sin(float64(i*n+j)))
		}
	}
	st := &biasStacker{base: base, bias: bias}
	g := &gzslScoring{names: DefaultModalities, dirs: [2]stacker{st, st}, labels: labels, nSeen: 7, nAll: 9}
	betas := curveBetas()
	for b.Loop() {
		g.points(betas)
	}
}
