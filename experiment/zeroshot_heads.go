package experiment

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/memlsm/memlsm/projection"
)

// zsHead is a trained zero-shot head as the engine evaluates it: a
// contrastive CLIP pair, or a pair of descriptor heads through class side
// information.
type zsHead interface {
	// over returns the head as a cross-modal embedding for retrieval among
	// items of the given classes (a descriptor pair embeds items as
	// posteriors over exactly those classes; a CLIP pair ignores them).
	over(classes []string) projection.CrossModal
	// scoring prepares the generalised evaluation on f.
	scoring(f *zsFeatures) *gzslScoring
}

// headKind trains one kind of head. Its candidates are the settings a
// selection chooses among: the epochs of a CLIP training, the ridge
// penalties of a descriptor pair.
type headKind interface {
	// candidates trains on f and returns one validation score per
	// candidate — the mean over both directions of the per-class top-1
	// retrieval of f's unseen pairs among themselves — and the head of a
	// candidate. all false: the default candidate only.
	candidates(ctx context.Context, f *zsFeatures, all bool) (scores []float64, head func(ctx context.Context, cand int) (zsHead, error), err error)
	// fit trains the head of candidate cand (−1: the default) on f.
	fit(ctx context.Context, f *zsFeatures, cand int, onEpoch func()) (zsHead, projection.TrainLog, error)
	// describe names a candidate in a selection report.
	describe(cand int, rep *SelectionReport, gc *GainChoice)
}

// zslOf is the per-class mean top-1 retrieval of f's unseen pairs among
// themselves under h, both directions.
func zslOf(h zsHead, f *zsFeatures) (bToA, aToB float64) {
	return zslTop1(h.over(f.sp.unseen), f)
}

// clipHead is a trained CLIP pair.
type clipHead struct{ *projection.CLIP }

func (h clipHead) over([]string) projection.CrossModal { return h.CLIP }
func (h clipHead) scoring(f *zsFeatures) *gzslScoring  { return newCLIPScoring(h.CLIP, f) }

// clipKind trains CLIP heads with configuration hc; candidate e is the
// head after epoch e+1.
type clipKind struct{ hc projection.CLIPConfig }

func (k clipKind) candidates(ctx context.Context, f *zsFeatures, all bool) ([]float64, func(context.Context, int) (zsHead, error), error) {
	var scores []float64
	h := k.hc
	h.OnEpoch = nil
	if all {
		h.Checkpoint = func(_ int, head projection.CrossModal) error {
			b, a := zslTop1(head, f)
			scores = append(scores, (b+a)/2)
			return nil
		}
	}
	final, _, err := f.train(ctx, h, nil)
	if err != nil {
		return nil, nil, err
	}
	if !all {
		b, a := zslOf(clipHead{final}, f)
		scores = []float64{(b + a) / 2}
	}
	last := len(scores) - 1
	return scores, func(ctx context.Context, cand int) (zsHead, error) {
		if cand == last || !all {
			return clipHead{final}, nil
		}
		h := k.hc
		h.OnEpoch, h.Epochs = nil, cand+1
		head, _, err := f.train(ctx, h, nil)
		return clipHead{head}, err
	}, nil
}

func (k clipKind) fit(ctx context.Context, f *zsFeatures, cand int, onEpoch func()) (zsHead, projection.TrainLog, error) {
	h := k.hc
	if cand >= 0 {
		h.Epochs = cand + 1
	}
	head, log, err := f.train(ctx, h, onEpoch)
	return clipHead{head}, log, err
}

func (k clipKind) describe(cand int, rep *SelectionReport, gc *GainChoice) {
	if rep != nil {
		rep.Epoch = cand + 1
	}
	if gc != nil {
		gc.Epoch = cand + 1
	}
}

// selectWith runs p.sel for the run whose split is outer: validation
// splits are carved out of outer's training parts. kind trains the heads.
func (p *zsPlan) selectWith(ctx context.Context, run *zsRun, outer *zsSplit, seed uint64, kind headKind, workers int, prog ProgressFunc) (*SelectionReport, int, error) {
	sel := p.sel
	sets, err := validationSets(outer.seen, len(outer.unseen), sel.Splits, seed)
	if err != nil {
		return nil, 0, err
	}
	inner := classParts{train: outer.trainParts}
	rep := &SelectionReport{
		Note: SelectionNote,
		Criterion: "mean over the validation splits and both directions of the per-class top-1 retrieval of the validation " +
			"classes among their own items",
	}
	type innerRun struct {
		split  ValidationSplit
		factor float64
		f      *zsFeatures
		scores []float64
		head   func(context.Context, int) (zsHead, error)
	}
	var runs []*innerRun
	for _, factor := range sel.GainFactors {
		for _, v := range sets {
			runs = append(runs, &innerRun{split: ValidationSplit{Train: without(outer.seen, v), Validation: v}, factor: factor})
		}
	}
	for _, v := range sets {
		rep.Splits = append(rep.Splits, ValidationSplit{Train: without(outer.seen, v), Validation: v})
	}
	bar := prog.start(fmt.Sprintf("selecting on %d validation splits × %d gains", len(sets), len(sel.GainFactors)), len(runs))
	defer bar.Done()
	err = parallel(ctx, len(runs), workers, func(i int) error {
		ir := runs[i]
		sp, err := p.split(inner, ir.split.Train, ir.split.Validation, seed)
		if err != nil {
			return fmt.Errorf("%w (validation classes %v)", err, ir.split.Validation)
		}
		if ir.f, err = run.features(ctx, sp, ir.factor, false, nil); err != nil {
			return err
		}
		if ir.scores, ir.head, err = kind.candidates(ctx, ir.f, sel.Head); err != nil {
			return fmt.Errorf("%w (validation classes %v)", err, ir.split.Validation)
		}
		bar.Add(1)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}

	// 1. Gain factor and candidate.
	nc := len(runs[0].scores)
	best, chosen := math.Inf(-1), -1
	for gi, factor := range sel.GainFactors {
		group := runs[gi*len(sets) : (gi+1)*len(sets)]
		mean := make([]float64, nc)
		for _, ir := range group {
			for c, s := range ir.scores {
				mean[c] += s / float64(len(group))
			}
		}
		gc := GainChoice{GainFactor: factor, Score: slices.Max(mean), Final: mean[nc-1]}
		c := slices.Index(mean, gc.Score) // the first of equal scores
		kind.describe(c, nil, &gc)
		rep.Gains = append(rep.Gains, gc)
		if gc.Score > best {
			best, chosen = gc.Score, c
			rep.GainFactor, rep.Score = factor, gc.Score
		}
	}
	if sel.Head {
		kind.describe(chosen, rep, nil)
	} else {
		chosen = -1
	}

	// 2. β, at the chosen gain and candidate.
	if p.cfg.Protocol == ProtocolGZSL {
		gi := slices.Index(sel.GainFactors, rep.GainFactor)
		group := runs[gi*len(sets) : (gi+1)*len(sets)]
		betas := selectionBetas()
		hs := make([][2][]SUPoint, len(group))
		err := parallel(ctx, len(group), workers, func(i int) error {
			c := chosen
			if c < 0 {
				c = len(group[i].scores) - 1
			}
			h, err := group[i].head(ctx, c)
			if err != nil {
				return err
			}
			hs[i] = h.scoring(group[i].f).points(betas)
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		beta := Dirs[float64]{Names: p.names}
		vh := Dirs[float64]{Names: p.names}
		for d := range 2 {
			sum := make([]float64, len(betas))
			for _, pts := range hs {
				for b, pt := range pts[d] {
					sum[b] += pt.H / float64(len(hs))
				}
			}
			bi := 0
			for b := range betas {
				if sum[b] > sum[bi] || (sum[b] == sum[bi] && math.Abs(betas[b]) < math.Abs(betas[bi])) {
					bi = b
				}
			}
			if d == 0 {
				beta.BToA, vh.BToA = betas[bi], sum[bi]
			} else {
				beta.AToB, vh.AToB = betas[bi], sum[bi]
			}
		}
		rep.Beta, rep.ValidationH = &beta, &vh
	}
	return rep, chosen, nil
}

// zslTop1 is the per-class mean top-1 retrieval of f's unseen test pairs
// among themselves, both directions.
func zslTop1(h projection.CrossModal, f *zsFeatures) (bToA, aToB float64) {
	ea, eb := h.EmbedA(f.unseenA), h.EmbedB(f.unseenB)
	m := h.Metric()
	return perClassTop1(projection.Similarity(eb, ea, m), f.unseenLabels), perClassTop1(projection.Similarity(ea, eb, m), f.unseenLabels)
}

// perClassTop1 is the per-class mean top-1 accuracy of a query×gallery
// score matrix whose queries and gallery items both have labels (ties:
// the lowest gallery index, as projection.Retrieval).
func perClassTop1(s *mat.Dense, labels []int) float64 {
	r := s.RawMatrix()
	hit, n := map[int]float64{}, map[int]float64{}
	for i := range r.Rows {
		row := r.Data[i*r.Stride : i*r.Stride+r.Cols]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		n[labels[i]]++
		if labels[best] == labels[i] {
			hit[labels[i]]++
		}
	}
	sum := 0.0
	for c, k := range n {
		sum += hit[c] / k
	}
	return sum / float64(len(n))
}
