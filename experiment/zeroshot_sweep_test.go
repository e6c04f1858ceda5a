package experiment

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/projection"
)

// ep builds one epoch of a synthetic trace: seen and unseen accuracies
// audio→image (sa, ua) and image→audio (si, ui).
func ep(k int, sa, ua, si, ui float64) EpochRetrieval {
	return EpochRetrieval{Epoch: k, Seen: Top1{BToA: sa, AToB: si}, Unseen: Top1{BToA: ua, AToB: ui}}
}

// TestSelectLikePaper checks the paper's epoch selection (Lin et al. 2025, the zero-shot protocol of the authors' scripts:
// best seen accuracy among epochs with seen ≥ 0.65 and unseen ≥ 0.85 for
// audio→image, seen ≥ 0.70 and unseen ≥ 0.60 for image→audio) on
// synthetic traces whose answers follow from the rule by hand.
func TestSelectLikePaper(t *testing.T) {
	type want struct {
		qualifying int
		epoch      int // 0: none selected
		seen       float64
		unseen     float64
		maxEpoch   int // epoch of the highest unseen
	}
	tests := []struct {
		name     string
		trace    []EpochRetrieval
		a2i, i2a want
	}{
		{
			name:  "empty trace",
			trace: nil,
		},
		{
			name: "nothing qualifies (unseen at chance, as on real data)",
			trace: []EpochRetrieval{
				ep(1, 0.90, 0.50, 0.85, 0.55), ep(2, 0.95, 0.40, 0.93, 0.30), ep(3, 0.96, 0.45, 0.94, 0.35),
			},
			a2i: want{maxEpoch: 1},
			i2a: want{maxEpoch: 1},
		},
		{
			name: "best seen among qualifiers, not best unseen",
			trace: []EpochRetrieval{
				ep(1, 0.60, 0.95, 0.65, 0.90), // seen below both minima: excluded although its unseen is the highest
				ep(2, 0.66, 0.90, 0.72, 0.61),
				ep(3, 0.70, 0.86, 0.80, 0.60),
				ep(4, 0.75, 0.80, 0.85, 0.59), // unseen below both minima
			},
			a2i: want{qualifying: 2, epoch: 3, seen: 0.70, unseen: 0.86, maxEpoch: 1},
			i2a: want{qualifying: 2, epoch: 3, seen: 0.80, unseen: 0.60, maxEpoch: 1},
		},
		{
			name: "thresholds are inclusive; equal seen keeps the earliest epoch",
			trace: []EpochRetrieval{
				ep(1, 0.65, 0.85, 0.70, 0.60),
				ep(2, 0.65, 0.90, 0.70, 0.70),
				ep(3, 0.64, 0.99, 0.69, 0.99),
			},
			a2i: want{qualifying: 2, epoch: 1, seen: 0.65, unseen: 0.85, maxEpoch: 3},
			i2a: want{qualifying: 2, epoch: 1, seen: 0.70, unseen: 0.60, maxEpoch: 3},
		},
		{
			name: "the directions have their own thresholds",
			trace: []EpochRetrieval{
				ep(1, 0.68, 0.84, 0.68, 0.84), // a2i: unseen 0.84 < 0.85; i2a: seen 0.68 < 0.70
				ep(2, 0.80, 0.70, 0.80, 0.70), // a2i: unseen too low; i2a qualifies
			},
			a2i: want{maxEpoch: 1},
			i2a: want{qualifying: 1, epoch: 2, seen: 0.80, unseen: 0.70, maxEpoch: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pp := SelectLikePaper(tc.trace)
			if pp.Epochs != len(tc.trace) || !strings.Contains(pp.Note, "TEST set") || !strings.Contains(pp.Note, "NOT A RESULT") {
				t.Errorf("epochs %d, note %q", pp.Epochs, pp.Note)
			}
			for _, d := range []struct {
				name string
				got  PaperSelection
				want want
			}{{"a2i", pp.Rule.BToA, tc.a2i}, {"i2a", pp.Rule.AToB, tc.i2a}} {
				g, w := d.got, d.want
				if g.QualifyingEpochs != w.qualifying {
					t.Errorf("%s: %d qualifying epochs, want %d", d.name, g.QualifyingEpochs, w.qualifying)
				}
				if w.epoch == 0 {
					if g.Selected != nil || g.Result != "no epoch qualifies" {
						t.Errorf("%s: selected %+v (%q), want none", d.name, g.Selected, g.Result)
					}
				} else if g.Selected == nil || *g.Selected != (EpochPick{Epoch: w.epoch, Seen: w.seen, Unseen: w.unseen}) {
					t.Errorf("%s: selected %+v, want epoch %d (%v, %v)", d.name, g.Selected, w.epoch, w.seen, w.unseen)
				}
				if len(tc.trace) > 0 && g.MaxUnseen.Epoch != w.maxEpoch {
					t.Errorf("%s: highest unseen at epoch %d, want %d", d.name, g.MaxUnseen.Epoch, w.maxEpoch)
				}
			}
		})
	}
	// The thresholds are the paper's (Lin et al. 2025, the zero-shot protocol of the authors' scripts).
	if PaperMinSeenAudioToImage != 0.65 || PaperMinUnseenAudioToImage != 0.85 || PaperMinSeenImageToAudio != 0.70 || PaperMinUnseenImageToAudio != 0.60 {
		t.Error("paper thresholds changed")
	}
}

func TestClearlyAboveChance(t *testing.T) {
	// Bar: chance + 2·√(c(1−c)/n) (closed form); for c = 1/2, n = 200 it is
	// 0.5 + 2·0.035355 = 0.570711.
	tests := []struct {
		acc, chance float64
		pairs       int
		want        bool
	}{
		{0.57, 0.5, 200, false},
		{0.571, 0.5, 200, true},
		{0.43, 0.5, 200, false},
		{0.5, 0.5, 200, false},
		{0.2, 1.0 / 7, 700, true},   // bar 0.1429 + 2·0.01323 = 0.1693
		{0.16, 1.0 / 7, 700, false}, // inside the bar
		{0.9, 0.5, 0, false},        // no pairs: nothing to claim
	}
	for _, tc := range tests {
		r := Retrieval{Pairs: tc.pairs, Top1: Top1{BToA: tc.acc, AToB: tc.acc}, Chance: Top1{BToA: tc.chance, AToB: tc.chance}}
		a, i := r.ClearlyAboveChance()
		if a != tc.want || i != tc.want {
			t.Errorf("acc %v chance %v n %d: %v %v, want %v", tc.acc, tc.chance, tc.pairs, a, i, tc.want)
		}
	}
	if unseenNote(Retrieval{Pairs: 200, Top1: Top1{BToA: 0.9, AToB: 0.9}, Chance: Top1{BToA: 0.5, AToB: 0.5}}) != "" {
		t.Error("a note although unseen retrieval is clearly above chance")
	}
	for _, tc := range []struct {
		a2i, i2a float64
		want     string
	}{
		{0.43, 0.285, "in either direction (audio→image 0.4300, image→audio 0.2850"},
		{0.43, 0.9, "audio→image (0.4300; chance 0.5000, 200 pairs), though image→audio is (0.9000)"},
		{0.9, 0.43, "image→audio (0.4300; chance 0.5000, 200 pairs), though audio→image is (0.9000)"},
	} {
		note := unseenNote(Retrieval{Names: DefaultModalities, Classes: []string{"8", "9"}, Pairs: 200, Top1: Top1{BToA: tc.a2i, AToB: tc.i2a}, Chance: Top1{BToA: 0.5, AToB: 0.5}})
		if !strings.Contains(note, "Unseen classes 8,9 are not clearly above chance "+tc.want) || !strings.Contains(note, "What zero-shot retrieval of unseen classes") {
			t.Errorf("a2i %v i2a %v: note %q", tc.a2i, tc.i2a, note)
		}
	}
}

func TestSweepScope(t *testing.T) {
	for _, s := range []SweepScope{SweepHead, SweepSplit, SweepMacro} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back SweepScope
		if err := back.UnmarshalText(b); err != nil || back != s || back.String() != string(b) {
			t.Errorf("%v → %q → %v, %v", s, b, back, err)
		}
	}
	var s SweepScope
	if err := s.Set("weights"); err == nil {
		t.Error("accepted an unknown scope")
	}
	if _, err := SweepScope(7).MarshalText(); err == nil {
		t.Error("marshalled an unknown scope")
	}
}

func TestSeedList(t *testing.T) {
	for _, tc := range []struct {
		in   []uint64
		want string
	}{
		{[]uint64{1, 2, 3, 4}, "1–4"},
		{[]uint64{1, 2, 5, 7, 8, 9}, "1, 2, 5, 7–9"},
		{[]uint64{10}, "10"},
		{nil, ""},
	} {
		if got := seedList(tc.in); got != tc.want {
			t.Errorf("seedList(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// zsSweepConfig is a small zero-shot run on synthetic data.
func zsSweepConfig(epochs int) ZeroShotConfig {
	img, aud, _, _ := zeroShotData()
	return ZeroShotConfig{A: Side{Data: img, Encoder: EncoderConfig{CalibrationSamples: 20}}, B: Side{Data: aud, Encoder: EncoderConfig{CalibrationSamples: 20}},
		Seed: 3, Head: &projection.CLIPConfig{Training: projection.Training{Epochs: epochs}}}
}

func top1Of(r *ZeroShotResult) (seen, unseen Top1) {
	return r.Seen.Top1, r.Unseen.Top1
}

// TestZeroShotSweepTrace checks the head sweep and the trace: the sweep's
// run of the headline seed and the trace's last epoch reproduce the
// headline; epoch k of the trace is exactly a k-epoch training; the same
// configuration gives the same sweep and trace to the last digit.
func TestZeroShotSweepTrace(t *testing.T) {
	ctx := context.Background()
	const epochs = 8
	cfg := zsSweepConfig(epochs)
	cfg.Seeds, cfg.Trace = []uint64{1, 3, 5}, true
	r, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen, unseen := top1Of(r)
	if r.Trace == nil || len(r.Trace.Epochs) != epochs {
		t.Fatalf("trace %+v, want %d epochs", r.Trace, epochs)
	}
	for k, e := range r.Trace.Epochs {
		if e.Epoch != k+1 || e.Loss <= 0 {
			t.Errorf("trace epoch %d: %+v", k+1, e)
		}
	}
	if last := r.Trace.Epochs[epochs-1]; last.Seen != seen || last.Unseen != unseen {
		t.Errorf("trace ends at %+v, headline %v %v", last, seen, unseen)
	}
	if r.Trace.ChanceSeen.BToA != r.Seen.Chance.BToA || r.Trace.ChanceUnseen.AToB != r.Unseen.Chance.AToB {
		t.Errorf("trace chance %+v %+v", r.Trace.ChanceSeen, r.Trace.ChanceUnseen)
	}
	if r.PaperProtocol == nil || r.PaperProtocol.Epochs != epochs || !strings.Contains(r.PaperProtocol.Note, "TEST set") {
		t.Errorf("paper protocol %+v", r.PaperProtocol)
	}
	s := r.Sweep
	if s == nil || s.Scope != SweepHead || len(s.Runs) != 3 || !reflect.DeepEqual(s.Seeds, cfg.Seeds) {
		t.Fatalf("sweep %+v", s)
	}
	if run := s.Runs[1]; run.Seed != 3 || run.Seen != seen || run.Unseen != unseen {
		t.Errorf("sweep run of the headline seed %+v, headline %v %v", run, seen, unseen)
	}
	for _, sp := range []Spread{s.Seen.BToA, s.Seen.AToB, s.Unseen.BToA, s.Unseen.AToB} {
		if !(sp.Min <= sp.Mean && sp.Mean <= sp.Max) || sp.Std < 0 || sp.AboveChance < 0 || sp.AboveChance > 1 {
			t.Errorf("spread %+v", sp)
		}
	}
	// Mean and sample std of the seen a→i column by hand.
	var xs []float64
	above := 0.0
	for _, run := range s.Runs {
		xs = append(xs, run.Seen.BToA)
		if run.Seen.BToA > r.Seen.Chance.BToA {
			above++
		}
	}
	m, sd := projection.MeanStd(xs)
	const tol = 1e-12
	if sp := s.Seen.BToA; math.Abs(sp.Mean-m) > tol || math.Abs(sp.Std-sd) > tol || math.Abs(sp.Chance-r.Seen.Chance.BToA) > tol ||
		sp.AboveChance != above/3 {
		t.Errorf("seen a→i spread %+v; want mean %v std %v above %v", sp, m, sd, above/3)
	}
	md := r.DiagnosticsMarkdown()
	for _, want := range []string{"Seed sweep: 3 seeds (1, 3, 5), scope head", "| unseen, image → audio |", "not a result", "Per-epoch trace: 8 epochs"} {
		if !strings.Contains(md, want) {
			t.Errorf("diagnostics Markdown lacks %q:\n%s", want, md)
		}
	}

	// Same configuration, same sweep and trace.
	r2, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r2.Sweep.Runs, s.Runs) || !reflect.DeepEqual(r2.Trace.Epochs, r.Trace.Epochs) {
		t.Error("same seeds, different sweep or trace")
	}

	// Epoch k of the trace is the headline of a k-epoch run.
	const k = 3
	rk, err := ZeroShot(ctx, zsSweepConfig(k))
	if err != nil {
		t.Fatal(err)
	}
	ks, ku := top1Of(rk)
	if e := r.Trace.Epochs[k-1]; e.Seen != ks || e.Unseen != ku {
		t.Errorf("trace epoch %d %+v, %d-epoch run %v %v", k, e, k, ks, ku)
	}

	// Plots.
	for name, draw := range map[string]func(*bytes.Buffer) error{
		"sweep": func(b *bytes.Buffer) error { return r.PlotSweep(b) },
		"trace": func(b *bytes.Buffer) error { return r.PlotTrace(b) },
	} {
		var b bytes.Buffer
		if err := draw(&b); err != nil {
			t.Fatalf("%s plot: %v", name, err)
		}
		img, err := png.Decode(&b)
		if err != nil {
			t.Fatalf("%s plot: %v", name, err)
		}
		if w := img.Bounds().Dx(); w < 800 {
			t.Errorf("%s plot %d pixels wide", name, w)
		}
	}
	if err := rk.PlotSweep(&bytes.Buffer{}); err == nil {
		t.Error("sweep plot without a sweep")
	}
	if err := rk.PlotTrace(&bytes.Buffer{}); err == nil {
		t.Error("trace plot without a trace")
	}
	if rk.DiagnosticsMarkdown() != "" && rk.UnseenNote == "" {
		t.Errorf("diagnostics without sweep, trace or note: %q", rk.DiagnosticsMarkdown())
	}
}

// TestZeroShotSweepScopes checks what the split and macro scopes change: a
// macro-sweep run of seed s is the experiment with Seed s, and the split
// sweep's run of the headline seed is the headline.
func TestZeroShotSweepScopes(t *testing.T) {
	ctx := context.Background()
	cfg := zsSweepConfig(6)
	cfg.Seeds, cfg.SweepScope = []uint64{3, 4}, SweepMacro
	r, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Sweep.Varies, "newly formed macro") {
		t.Errorf("varies %q", r.Sweep.Varies)
	}
	single := zsSweepConfig(6)
	single.Seed = 4
	r4, err := ZeroShot(ctx, single)
	if err != nil {
		t.Fatal(err)
	}
	seen, unseen := top1Of(r)
	seen4, unseen4 := top1Of(r4)
	if run := r.Sweep.Runs[0]; run.Seen != seen || run.Unseen != unseen {
		t.Errorf("macro sweep, seed 3: %+v; headline %v %v", run, seen, unseen)
	}
	if run := r.Sweep.Runs[1]; run.Seen != seen4 || run.Unseen != unseen4 {
		t.Errorf("macro sweep, seed 4: %+v; ZeroShot with seed 4: %v %v", run, seen4, unseen4)
	}

	cfg.SweepScope = SweepSplit
	rs, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if run := rs.Sweep.Runs[0]; run.Seen != seen || run.Unseen != unseen {
		t.Errorf("split sweep, seed 3: %+v; headline %v %v", run, seen, unseen)
	}
	if !strings.Contains(rs.Sweep.Varies, "held-out split") {
		t.Errorf("varies %q", rs.Sweep.Varies)
	}
}

func TestZeroShotSweepErrors(t *testing.T) {
	ctx := context.Background()
	p, _ := crossbar.Preset("lin2025")
	board, err := crossbar.NewModel(p, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	tests := []struct {
		name string
		edit func(*ZeroShotConfig)
		want string
	}{
		{"duplicate seed", func(c *ZeroShotConfig) { c.Seeds = []uint64{1, 2, 1} }, "given twice"},
		{"unknown scope", func(c *ZeroShotConfig) { c.Seeds, c.SweepScope = []uint64{1}, SweepScope(9) }, "unknown sweep scope"},
		{"macro sweep of a given array", func(c *ZeroShotConfig) {
			c.Seeds, c.SweepScope, c.Macro.Array = []uint64{1}, SweepMacro, board
		}, "cannot be re-formed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := zsSweepConfig(2)
			tc.edit(&cfg)
			if _, err := ZeroShot(ctx, cfg); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "experiment: ") {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// A cancelled context stops the run with an error.
	cfg := zsSweepConfig(2)
	cfg.Seeds = []uint64{1, 2}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ZeroShot(cctx, cfg); err == nil {
		t.Error("cancelled context: no error")
	}
}

func BenchmarkSelectLikePaper100(b *testing.B) {
	tr := make([]EpochRetrieval, 100)
	for k := range tr {
		x := float64(k) / 100
		tr[k] = ep(k+1, 0.6+0.3*x, 0.9-0.5*x, 0.6+0.3*x, 0.7-0.3*x)
	}
	for b.Loop() {
		SelectLikePaper(tr)
	}
}
