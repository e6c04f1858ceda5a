package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/memlsm/memlsm/projection"
)

// DesignsConfig configures ZeroShotDesigns: the zero-shot experiment run
// for many choices of the unseen classes — every K-subset of Classes (all
// pairs by default) or a seeded sample of them — each with the rest of
// Classes seen, repeated over Seeds.
type DesignsConfig struct {
	// Base is the experiment every design runs: data, encoders, macro,
	// head, protocol, selection, workers and progress. Its Seen and
	// Unseen are ignored (the designs choose them); its Seeds, Trace and
	// KeepModel must be unset. Base.Seed seeds the sample of designs.
	Base ZeroShotConfig
	// Classes are the classes the designs divide; nil → DefaultSeen and
	// DefaultUnseen together (digits 1–9).
	Classes []string
	// K is the number of unseen classes of a design; 0 → 2 (all pairs).
	K int
	// Sample, when positive and smaller than the number of K-subsets,
	// runs a sample of that many, drawn without replacement with
	// Base.Seed; 0 runs every K-subset.
	Sample int
	// Designs, when not empty, are the unseen sets to run instead (each
	// of K classes of Classes; K and Sample are then ignored).
	Designs [][]string
	// Seeds are the replicates: each seed forms its own macro (or
	// software weights), held-out split and head initialisation, and runs
	// every design on them; nil → {Base.Seed}. Seeds must be distinct, and
	// more than one needs a simulated macro (Base.Macro without arrays).
	Seeds []uint64
}

// DesignRun is one design on one seed.
type DesignRun struct {
	Unseen []string `json:"unseen"`
	Seed   uint64   `json:"seed"`
	// UnseenTop1 is the top-1 retrieval of the unseen test pairs among
	// themselves (ZeroShotResult.Unseen), SeenTop1 that of the seen ones.
	UnseenTop1   Top1 `json:"unseen_top1"`
	SeenTop1     Top1 `json:"seen_top1"`
	UnseenChance Top1 `json:"unseen_chance"`
	SeenChance   Top1 `json:"seen_chance"`
	UnseenPairs  int  `json:"unseen_pairs"`
	// GZSL is the generalised evaluation (Protocol GZSL).
	GZSL *Dirs[GZSL] `json:"gzsl,omitempty"`
	// Selection is what the design's validation classes chose.
	Selection *SelectionReport `json:"selection,omitempty"`
	// Classification is each modality's classification through its
	// descriptors (side information).
	Classification map[string]*DescriptorClassification `json:"classification,omitempty"`
}

// ClassificationEstimates summarise one modality's classification through
// its descriptors over the designs.
type ClassificationEstimates struct {
	Seen  Estimate `json:"seen"`
	ZSL   Estimate `json:"zsl"`
	GZSLH Estimate `json:"gzsl_h"`
	AUSUC Estimate `json:"ausuc"`
}

// CI is a two-sided 95 % confidence interval.
type CI struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Estimate is a mean over the designs of one figure — each design's value
// being its mean over the seeds — with its spread and confidence
// intervals.
//
// CI is the Student-t interval over the designs (n − 1 degrees of
// freedom): it says where the mean over designs of this kind would lie
// for another draw of class splits (both intervals clipped to [0, 1]).
// Assumption: designs treated as
// independent; they share classes (each class is unseen in K/n of them),
// so the interval is somewhat optimistic. SeedCI is the t interval over
// the seeds of the mean over every design run: the uncertainty of this
// set of designs from the macros, splits and heads alone. Either is nil
// with fewer than two designs or seeds.
type Estimate struct {
	Mean   float64 `json:"mean"`
	CI     *CI     `json:"ci,omitempty"`
	SeedCI *CI     `json:"seed_ci,omitempty"`
	// SD is the standard deviation between designs; SeedSD the mean over
	// designs of the standard deviation between seeds (the run-to-run
	// noise of one design).
	SD     float64 `json:"sd"`
	SeedSD float64 `json:"seed_sd"`
	N      int     `json:"designs"`
	Seeds  int     `json:"seeds"`
	// Chance is the figure's mean chance level.
	Chance float64 `json:"chance"`
	// AboveChance is the share of designs whose mean exceeds chance.
	AboveChance float64 `json:"above_chance"`
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
	MinDesign   string  `json:"min_design"`
	MaxDesign   string  `json:"max_design"`
}

// ExcludesChance reports whether the CI over designs lies wholly above
// chance.
func (e Estimate) ExcludesChance() bool { return e.CI != nil && e.CI.Low > e.Chance }

// DesignSummary is one design's figures averaged over the seeds.
type DesignSummary struct {
	Unseen     []string       `json:"unseen"`
	UnseenTop1 Top1           `json:"unseen_top1"`
	SeenTop1   Top1           `json:"seen_top1"`
	Chance     Top1           `json:"chance"`
	SeedSD     Top1           `json:"seed_sd"`
	GZSL       *Dirs[SUHMean] `json:"gzsl,omitempty"`
}

// SUHMean is a design's generalised figures averaged over its seeds.
type SUHMean struct {
	Plain      SUH     `json:"plain"`
	Calibrated SUH     `json:"calibrated"`
	ZSL        float64 `json:"zsl"`
	AUSUC      float64 `json:"ausuc"`
}

// DesignsGZSL summarises the generalised figures over the designs.
type DesignsGZSL struct {
	// S, U and H without (Plain) and with calibrated stacking at each
	// design's validation-chosen β.
	PlainSeen, PlainUnseen, PlainH Dirs[Estimate]
	Seen, Unseen, H                Dirs[Estimate]
	ZSL, AUSUC                     Dirs[Estimate]
}

// MarshalJSON writes the figures as nested objects: plain.{seen,unseen,h},
// calibrated.{seen,unseen,h}, zsl and ausuc, each keyed by direction.
func (g DesignsGZSL) MarshalJSON() ([]byte, error) {
	return marshalKeyed([]keyed{
		{"plain", map[string]any{"seen": g.PlainSeen, "unseen": g.PlainUnseen, "h": g.PlainH}},
		{"calibrated", map[string]any{"seen": g.Seen, "unseen": g.Unseen, "h": g.H}},
		{"zsl", g.ZSL}, {"ausuc", g.AUSUC},
	})
}

// DesignsResult is the outcome of ZeroShotDesigns. Its headline is
// Unseen: the mean over the designs of unseen top-1 retrieval with its
// confidence interval, both directions — the honest zero-shot figure,
// where a single choice of unseen classes is one draw of many.
type DesignsResult struct {
	Task       string            `json:"task"` // "zeroshot-designs"
	Modalities Modalities        `json:"modalities"`
	Data       map[string]string `json:"data"`
	TestData   map[string]string `json:"test_data,omitempty"`
	Protocol   Protocol          `json:"protocol"`
	Split      string            `json:"split"`
	Classes    []string          `json:"classes"`
	K          int               `json:"k"`
	// Designs are the unseen sets run, of AllDesigns possible.
	Designs    [][]string `json:"designs"`
	AllDesigns int        `json:"all_designs"`
	Seeds      []uint64   `json:"seeds"`
	// Instances says how items recorded in both modalities were kept
	// apart (InstanceReport); absent when the modalities share none.
	Instances *InstanceReport `json:"instances,omitempty"`

	Unseen Dirs[Estimate] `json:"unseen"`
	Seen   Dirs[Estimate] `json:"seen"`
	GZSL   *DesignsGZSL   `json:"gzsl,omitempty"`
	// Classification summarises each modality's classification through
	// its descriptors (side information), keyed by modality.
	Classification map[string]*ClassificationEstimates `json:"classification,omitempty"`
	// Correlation is the Pearson correlation of the two directions' design
	// means (how systematic a design's outcome is).
	Correlation float64 `json:"correlation"`

	PerDesign []DesignSummary `json:"per_design"`
	Runs      []DesignRun     `json:"runs"`
	// Note says in plain words what the headline means.
	Note    string  `json:"note"`
	Seconds float64 `json:"seconds"`
}

// subsets returns every k-subset of cs (in lexicographic order of
// positions).
func subsets(cs []string, k int) [][]string {
	var out [][]string
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	for k <= len(cs) {
		s := make([]string, k)
		for i, j := range idx {
			s[i] = cs[j]
		}
		out = append(out, s)
		i := k - 1
		for i >= 0 && idx[i] == len(cs)-k+i {
			i--
		}
		if i < 0 {
			break
		}
		idx[i]++
		for j := i + 1; j < k; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
	return out
}

// designName writes an unseen set compactly: "8,9".
func designName(u []string) string { return strings.Join(u, ",") }

// ZeroShotDesigns runs the zero-shot experiment for many choices of the
// unseen classes (all K-subsets of the classes, a seeded sample of them,
// or a given list), each with the other classes seen, on every seed, in
// parallel, and summarises unseen retrieval — and under the generalised
// protocol S, U, H, ZSL and AUSUC — over the designs with confidence
// intervals (Estimate), per design, and per run. Binning is done once;
// each seed forms one macro, on which every design calibrates its gains
// on its own training samples; with Base.Select every design chooses its
// epoch, gain factor and β on its own validation classes.
func ZeroShotDesigns(ctx context.Context, cfg DesignsConfig) (*DesignsResult, error) {
	rs, err := zeroShotDesigns(ctx, cfg, nil)
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// zeroShotDesigns is ZeroShotDesigns for cfg.Base and, on the same
// binning, macros, splits and encodings, for each of heads: copies of
// cfg.Base that differ from it in their head (Head, SideInfo) only. It
// returns one result per head, cfg.Base's first.
func zeroShotDesigns(ctx context.Context, cfg DesignsConfig, heads []ZeroShotConfig) ([]*DesignsResult, error) {
	start := time.Now()
	base := cfg.Base
	if len(base.Seeds) > 0 || base.Trace || base.KeepModel {
		return nil, fmt.Errorf("experiment: zero-shot designs take no seed sweep, trace or kept model (Base.Seeds, Trace, KeepModel); replicate with DesignsConfig.Seeds")
	}
	classes := cfg.Classes
	if classes == nil {
		classes = append(slices.Clone(DefaultSeen), DefaultUnseen...)
	}
	for i, c := range classes {
		for _, d := range classes[:i] {
			if c == d {
				return nil, fmt.Errorf("experiment: class %q given twice", c)
			}
		}
	}
	k := cfg.K
	if k == 0 {
		k = 2
	}
	designs := cfg.Designs
	all := 0
	if len(designs) == 0 {
		if k < 1 || len(classes)-k < 2 {
			return nil, fmt.Errorf("experiment: %d unseen of %d classes leaves fewer than 2 seen", k, len(classes))
		}
		designs = subsets(classes, k)
		all = len(designs)
		if cfg.Sample < 0 {
			return nil, fmt.Errorf("experiment: sample of %d designs", cfg.Sample)
		}
		if cfg.Sample > 0 && cfg.Sample < len(designs) {
			r := rand.New(rand.NewPCG(base.Seed, 0x64657369676e)) // "design"
			perm := r.Perm(len(designs))[:cfg.Sample]
			slices.Sort(perm)
			var pick [][]string
			for _, i := range perm {
				pick = append(pick, designs[i])
			}
			designs = pick
		}
	} else {
		k = len(designs[0])
		seen := map[string]bool{}
		for _, d := range designs {
			if len(d) != k {
				return nil, fmt.Errorf("experiment: designs of %d and %d unseen classes; all need the same number", k, len(d))
			}
			for _, c := range d {
				if !slices.Contains(classes, c) {
					return nil, fmt.Errorf("experiment: design %v: class %q is not among %v", d, c, classes)
				}
			}
			key := designName(slices.Sorted(slices.Values(d)))
			if seen[key] {
				return nil, fmt.Errorf("experiment: design %v given twice", d)
			}
			seen[key] = true
		}
		if len(classes)-k < 2 {
			return nil, fmt.Errorf("experiment: %d unseen of %d classes leaves fewer than 2 seen", k, len(classes))
		}
		all = binom(len(classes), k)
	}
	seeds := cfg.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{base.Seed}
	}
	dup := map[uint64]bool{}
	for _, s := range seeds {
		if dup[s] {
			return nil, fmt.Errorf("experiment: seed %d given twice", s)
		}
		dup[s] = true
	}
	if len(seeds) > 1 && !formsOwnMacro(base.Macro) {
		return nil, fmt.Errorf("experiment: replicate seeds form a new simulated macro each; a given array (a board) cannot be re-formed: use one seed")
	}
	if base.Macro.Age > 0 && base.Macro.Mode != ReadOnce {
		return nil, fmt.Errorf("experiment: an aged macro in %v mode cannot serve many designs (each trains on the macro as formed after another has aged it): use read-once mode or one ZeroShot run", base.Macro.Mode)
	}
	b0 := base
	b0.Seen, b0.Unseen = without(classes, designs[0]), designs[0]
	p, err := newZSPlan(b0, classes)
	if err != nil {
		return nil, err
	}
	plans := []*zsPlan{p}
	for _, h := range heads {
		h.Seen, h.Unseen = b0.Seen, b0.Unseen
		ph, err := newZSPlan(h, classes)
		if err != nil {
			return nil, err
		}
		plans = append(plans, ph)
	}
	if err := p.bin(ctx); err != nil {
		return nil, err
	}
	for _, ph := range plans[1:] {
		// The heads share the binned frames (and through the runs, which
		// use p's sides, the macros and encodings).
		ph.sides, ph.instances = p.sides, p.instances
	}

	runs := make([]*zsRun, len(seeds))
	var runErr []error = make([]error, len(seeds))
	var once = make([]sync.Once, len(seeds))
	defer func() {
		for _, r := range runs {
			if r != nil {
				r.close()
			}
		}
	}()
	runOf := func(si int) (*zsRun, error) {
		once[si].Do(func() { runs[si], runErr[si] = p.newRun(ctx, seeds[si]) })
		return runs[si], runErr[si]
	}

	out := make([]*DesignsResult, len(plans))
	for h := range plans {
		res := &DesignsResult{Task: "zeroshot-designs", Modalities: p.names, Protocol: base.Protocol, Classes: classes, K: k,
			Designs: designs, AllDesigns: all, Seeds: seeds, Instances: p.instances,
			Data: map[string]string{p.names.A: base.A.Data.Name, p.names.B: base.B.Data.Name}}
		if base.A.Test != nil {
			res.TestData = map[string]string{p.names.A: base.A.Test.Name, p.names.B: base.B.Test.Name}
		}
		res.Runs = make([]DesignRun, len(designs)*len(seeds))
		out[h] = res
	}
	n := len(designs) * len(seeds)
	bar := base.Progress.start(fmt.Sprintf("%d designs × %d seeds", len(designs), len(seeds)), n*len(plans))
	defer bar.Done()
	// Seed-major order: every seed's macro is formed early and its
	// encodings shared while its designs run.
	var splitMu sync.Mutex
	err = parallel(ctx, n, base.Workers, func(i int) error {
		si, di := i%len(seeds), i/len(seeds)
		seed, unseen := seeds[si], designs[di]
		run, err := runOf(si)
		if err != nil {
			return err
		}
		sp, err := p.split(p.parts(), without(classes, unseen), unseen, seed)
		if err != nil {
			return fmt.Errorf("%w (unseen %v)", err, unseen)
		}
		splitMu.Lock()
		for _, res := range out {
			if res.Split == "" {
				res.Split = sp.protocol
			}
		}
		splitMu.Unlock()
		for h, ph := range plans {
			d, err := ph.design(ctx, run, sp, seed, 1, nil)
			if err != nil {
				return fmt.Errorf("%w (unseen %v, seed %d)", err, unseen, seed)
			}
			dr := DesignRun{Unseen: unseen, Seed: seed, UnseenTop1: d.unseen.Top1, SeenTop1: d.seen.Top1, UnseenChance: d.unseen.Chance,
				SeenChance: d.seen.Chance, UnseenPairs: d.unseen.Pairs, GZSL: d.gzsl, Selection: d.sel, Classification: d.class}
			out[h].Runs[di*len(seeds)+si] = dr
			bar.Add(1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		if r != nil {
			if err := r.close(); err != nil {
				return nil, err
			}
		}
	}
	for _, res := range out {
		res.summarise(len(seeds))
		res.Seconds = time.Since(start).Seconds()
	}
	return out, nil
}

// summarise fills PerDesign, the estimates and the note from Runs
// (design-major, seeds inner).
func (r *DesignsResult) summarise(nSeeds int) {
	n := r.Modalities
	nd := len(r.Designs)
	type fig func(DesignRun) (value, chance float64)
	// grid returns values[design][seed] and the chance of each design.
	grid := func(f fig) ([][]float64, []float64) {
		v := make([][]float64, nd)
		ch := make([]float64, nd)
		for d := range nd {
			for s := range nSeeds {
				x, c := f(r.Runs[d*nSeeds+s])
				v[d] = append(v[d], x)
				ch[d] += c / float64(nSeeds)
			}
		}
		return v, ch
	}
	est := func(f fig) Estimate {
		e, lo, hi := estimate(grid(f))
		e.MinDesign, e.MaxDesign = designName(r.Designs[lo]), designName(r.Designs[hi])
		return e
	}
	dirs := func(f func(bToA bool) fig) Dirs[Estimate] {
		return Dirs[Estimate]{Names: n, BToA: est(f(true)), AToB: est(f(false))}
	}
	r.Unseen = dirs(func(b bool) fig {
		return func(x DesignRun) (float64, float64) { return x.UnseenTop1.Get(b), x.UnseenChance.Get(b) }
	})
	r.Seen = dirs(func(b bool) fig {
		return func(x DesignRun) (float64, float64) { return x.SeenTop1.Get(b), x.SeenChance.Get(b) }
	})
	// Correlation of the two directions' design means.
	a, b := make([]float64, nd), make([]float64, nd)
	for d := range nd {
		for s := range nSeeds {
			x := r.Runs[d*nSeeds+s]
			a[d] += x.UnseenTop1.BToA / float64(nSeeds)
			b[d] += x.UnseenTop1.AToB / float64(nSeeds)
		}
	}
	r.Correlation = pearson(a, b)

	gz := r.Runs[0].GZSL != nil
	if gz {
		g := &DesignsGZSL{}
		pick := func(sel func(GZSL) (float64, float64)) Dirs[Estimate] {
			return dirs(func(bToA bool) fig {
				return func(x DesignRun) (float64, float64) { return sel(x.GZSL.Get(bToA)) }
			})
		}
		g.PlainSeen = pick(func(x GZSL) (float64, float64) { return x.Plain.Seen, x.Chance.Seen })
		g.PlainUnseen = pick(func(x GZSL) (float64, float64) { return x.Plain.Unseen, x.Chance.Unseen })
		g.PlainH = pick(func(x GZSL) (float64, float64) { return x.Plain.H, newSUH(x.Chance.Seen, x.Chance.Unseen).H })
		g.Seen = pick(func(x GZSL) (float64, float64) { return x.Calibrated.Seen, x.Chance.Seen })
		g.Unseen = pick(func(x GZSL) (float64, float64) { return x.Calibrated.Unseen, x.Chance.Unseen })
		g.H = pick(func(x GZSL) (float64, float64) { return x.Calibrated.H, newSUH(x.Chance.Seen, x.Chance.Unseen).H })
		g.ZSL = pick(func(x GZSL) (float64, float64) { return x.ZSL, x.Chance.ZSL })
		g.AUSUC = pick(func(x GZSL) (float64, float64) { return x.AUSUC, x.Chance.Seen * x.Chance.Unseen })
		r.GZSL = g
	}

	if r.Runs[0].Classification != nil {
		r.Classification = map[string]*ClassificationEstimates{}
		for _, m := range []string{n.A, n.B} {
			pick := func(sel func(*DescriptorClassification) (float64, float64)) Estimate {
				return est(func(x DesignRun) (float64, float64) { return sel(x.Classification[m]) })
			}
			r.Classification[m] = &ClassificationEstimates{
				Seen:  pick(func(c *DescriptorClassification) (float64, float64) { return c.Seen, c.Chance.Seen }),
				ZSL:   pick(func(c *DescriptorClassification) (float64, float64) { return c.ZSL, c.Chance.ZSL }),
				GZSLH: pick(func(c *DescriptorClassification) (float64, float64) { return c.GZSL.H, 0 }),
				AUSUC: pick(func(c *DescriptorClassification) (float64, float64) { return c.AUSUC, 0 }),
			}
		}
	}

	r.PerDesign = make([]DesignSummary, nd)
	for d := range nd {
		ds := DesignSummary{Unseen: r.Designs[d]}
		var ub, ua []float64
		var gm [2]SUHMean
		for s := range nSeeds {
			x := r.Runs[d*nSeeds+s]
			ub, ua = append(ub, x.UnseenTop1.BToA), append(ua, x.UnseenTop1.AToB)
			w := 1 / float64(nSeeds)
			ds.SeenTop1.BToA += x.SeenTop1.BToA * w
			ds.SeenTop1.AToB += x.SeenTop1.AToB * w
			ds.Chance.BToA += x.UnseenChance.BToA * w
			ds.Chance.AToB += x.UnseenChance.AToB * w
			if gz {
				for k, bToA := range []bool{true, false} {
					g := x.GZSL.Get(bToA)
					gm[k].Plain = addSUH(gm[k].Plain, g.Plain, w)
					gm[k].Calibrated = addSUH(gm[k].Calibrated, g.Calibrated, w)
					gm[k].ZSL += g.ZSL * w
					gm[k].AUSUC += g.AUSUC * w
				}
			}
		}
		var sb, sa float64
		ds.UnseenTop1.BToA, sb = projection.MeanStd(ub)
		ds.UnseenTop1.AToB, sa = projection.MeanStd(ua)
		ds.SeedSD = Top1{Names: n, BToA: sb, AToB: sa}
		ds.UnseenTop1.Names, ds.SeenTop1.Names, ds.Chance.Names = n, n, n
		if gz {
			ds.GZSL = &Dirs[SUHMean]{Names: n, BToA: gm[0], AToB: gm[1]}
		}
		r.PerDesign[d] = ds
	}
	r.Note = r.note()
}

// addSUH returns a + w·b (H recomputed from the averaged S and U would
// differ from the mean H; the mean of H is what a table reports).
func addSUH(a, b SUH, w float64) SUH {
	return SUH{Seen: a.Seen + w*b.Seen, Unseen: a.Unseen + w*b.Unseen, H: a.H + w*b.H}
}

// estimate summarises values[design][seed] with each design's chance; lo
// and hi are the designs of the lowest and highest means.
func estimate(v [][]float64, chance []float64) (e Estimate, lo, hi int) {
	nd := len(v)
	ns := len(v[0])
	means := make([]float64, nd)
	e = Estimate{N: nd, Seeds: ns, Min: math.Inf(1), Max: math.Inf(-1)}
	above := 0
	for d, xs := range v {
		m, sd := projection.MeanStd(xs)
		means[d] = m
		e.SeedSD += sd / float64(nd)
		e.Chance += chance[d] / float64(nd)
		if m > chance[d] {
			above++
		}
		if m < e.Min {
			e.Min, lo = m, d
		}
		if m > e.Max {
			e.Max, hi = m, d
		}
	}
	e.Mean, e.SD = projection.MeanStd(means)
	e.AboveChance = float64(above) / float64(nd)
	e.CI = tInterval(e.Mean, e.SD, nd)
	// Per-seed means over the designs.
	if ns > 1 {
		seedMeans := make([]float64, ns)
		for s := range ns {
			for d := range nd {
				seedMeans[s] += v[d][s] / float64(nd)
			}
		}
		m, sd := projection.MeanStd(seedMeans)
		e.SeedCI = tInterval(m, sd, ns)
	}
	return e, lo, hi
}

// tInterval is mean ± t(0.975, n−1)·sd/√n, clipped to [0, 1] (every
// figure estimated is a fraction), or nil for n < 2.
func tInterval(mean, sd float64, n int) *CI {
	if n < 2 {
		return nil
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	h := t * sd / math.Sqrt(float64(n))
	return &CI{Low: max(mean-h, 0), High: min(mean+h, 1)}
}

// pearson is the correlation of x and y (0 if either does not vary).
func pearson(x, y []float64) float64 {
	mx, sx := projection.MeanStd(x)
	my, sy := projection.MeanStd(y)
	if !(sx > 0 && sy > 0) || len(x) < 2 {
		return 0
	}
	c := 0.0
	for i := range x {
		c += (x[i] - mx) * (y[i] - my)
	}
	return c / float64(len(x)-1) / (sx * sy)
}
