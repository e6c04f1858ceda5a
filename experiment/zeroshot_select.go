package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/memlsm/memlsm/projection"
)

// DefaultValidationSplits is the number of validation splits of a
// Selection (assumption: three disjoint groups of validation classes use
// six of the seven seen classes of the paper's split, every seen class at
// most once, for three head trainings per gain factor).
const DefaultValidationSplits = 3

// Selection chooses hyper-parameters of a zero-shot run on validation
// classes, never on test classes — the protocol of Xian et al. (CVPR
// 2017): disjoint seen, validation and test classes, the choice made on
// the validation classes, then the model retrained on all seen classes.
//
// Inside the seen classes of a run, Splits disjoint groups of validation
// classes (as many classes as the run has unseen ones, drawn with the
// run's seed) play the unseen classes in turn; each time the other seen
// classes are trained on, and everything is drawn from the run's training
// data only: the validation classes' items and the training classes'
// training parts, with a held-out part of their own for the generalised
// figures. The run's test items — of seen and unseen classes — are never
// touched. Then, in order:
//
//  1. The gain factor and the epoch with the highest mean validation
//     unseen retrieval (per-class top-1 among the validation classes' items,
//     averaged over both directions and the splits) are chosen; ties keep
//     the earlier candidate (the first factor, the earliest epoch).
//  2. Under the generalised protocol, β of each direction is chosen to
//     maximise the mean validation H at that gain and epoch (ties: the
//     smallest |β|).
//  3. The head is retrained on all seen classes with the chosen gain
//     factor for the chosen number of epochs, and tested.
type Selection struct {
	// Splits is the number of validation splits; 0 → DefaultValidationSplits.
	Splits int `json:"splits"`
	// Epochs chooses the head's training epochs (1…Epochs); otherwise the
	// final epoch is used.
	Epochs bool `json:"epochs"`
	// GainFactors are the candidate gains, as multiples of the configured
	// or calibrated gain (the calibration runs on each split's own
	// training samples); nil → {1}, no gain choice.
	GainFactors []float64 `json:"gain_factors"`
}

func (s Selection) resolve() (Selection, error) {
	if s.Splits == 0 {
		s.Splits = DefaultValidationSplits
	}
	if s.Splits < 1 {
		return s, fmt.Errorf("experiment: %d validation splits", s.Splits)
	}
	if s.GainFactors == nil {
		s.GainFactors = []float64{1}
	}
	if len(s.GainFactors) == 0 {
		return s, fmt.Errorf("experiment: no gain factors to select from")
	}
	for _, g := range s.GainFactors {
		if !(g > 0) || math.IsInf(g, 0) {
			return s, fmt.Errorf("experiment: gain factor %v must be positive and finite", g)
		}
	}
	s.GainFactors = slices.Clone(s.GainFactors)
	return s, nil
}

// SelectionNote is SelectionReport.Note.
const SelectionNote = "chosen on validation classes carved out of the seen classes' training data; no test item of any class was used"

// ValidationSplit is one split of a selection.
type ValidationSplit struct {
	Train      []string `json:"train_classes"`
	Validation []string `json:"validation_classes"`
}

// GainChoice is the best epoch of one gain factor and its validation
// score.
type GainChoice struct {
	GainFactor float64 `json:"gain_factor"`
	Epoch      int     `json:"epoch"`
	// Score is the mean validation unseen top-1 at Epoch; Final at the
	// final epoch.
	Score float64 `json:"score"`
	Final float64 `json:"final"`
}

// SelectionReport is what a Selection chose and on what.
type SelectionReport struct {
	Note      string            `json:"note"`
	Criterion string            `json:"criterion"`
	Splits    []ValidationSplit `json:"splits"`
	// GainFactor and Epoch are the choice (Epoch 0: the final epoch, not
	// chosen); Score is its mean validation unseen top-1.
	GainFactor float64 `json:"gain_factor"`
	Epoch      int     `json:"epoch"`
	Score      float64 `json:"score"`
	// Gains is every candidate gain factor's best epoch.
	Gains []GainChoice `json:"gains"`
	// Beta is the calibrated-stacking penalty of each direction and
	// ValidationH the mean validation H it reached (generalised protocol).
	Beta        *Dirs[float64] `json:"beta,omitempty"`
	ValidationH *Dirs[float64] `json:"validation_h,omitempty"`
}

// validationSets draws n groups of k classes from seen with seed: disjoint
// while the classes last (a shuffled order cut into groups), further
// groups from fresh shuffles, never a group twice. Every group leaves at
// least two classes to train on.
func validationSets(seen []string, k, n int, seed uint64) ([][]string, error) {
	if len(seen)-k < 2 {
		k = len(seen) - 2
	}
	if k < 1 {
		return nil, fmt.Errorf("experiment: validation needs at least 3 seen classes, have %d", len(seen))
	}
	total := binom(len(seen), k)
	if n > total {
		n = total
	}
	taken := map[string]bool{}
	var out [][]string
	for round := uint64(0); len(out) < n; round++ {
		order := slices.Clone(seen)
		r := rand.New(rand.NewPCG(seed, 0x76616c6964+round)) // "valid"
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for lo := 0; lo+k <= len(order) && len(out) < n; lo += k {
			g := slices.Clone(order[lo : lo+k])
			slices.SortFunc(g, func(a, b string) int { return slices.Index(seen, a) - slices.Index(seen, b) })
			key := fmt.Sprint(g)
			if !taken[key] {
				taken[key] = true
				out = append(out, g)
			}
		}
	}
	return out, nil
}

func binom(n, k int) int {
	if k < 0 || k > n {
		return 0
	}
	r := 1
	for i := range k {
		r = r * (n - i) / (i + 1)
		if r > 1<<30 {
			return 1 << 30
		}
	}
	return r
}

// without returns the classes of all not in drop, in order.
func without(all, drop []string) []string {
	var out []string
	for _, c := range all {
		if !slices.Contains(drop, c) {
			out = append(out, c)
		}
	}
	return out
}

// innerRun is one validation split at one gain factor.
type innerRun struct {
	split  ValidationSplit
	factor float64
	f      *zsFeatures
	scores []float64 // mean validation unseen top-1 after every epoch
	final  *projection.CLIP
}

// selectOn runs p.sel for the run whose split is outer: validation splits
// are carved out of outer's training parts.
func (p *zsPlan) selectOn(ctx context.Context, run *zsRun, outer *zsSplit, seed uint64) (*SelectionReport, error) {
	return p.selectWith(ctx, run, outer, seed, p.cfg.Workers)
}

func (p *zsPlan) selectWith(ctx context.Context, run *zsRun, outer *zsSplit, seed uint64, workers int) (*SelectionReport, error) {
	sel := p.sel
	sets, err := validationSets(outer.seen, len(outer.unseen), sel.Splits, seed)
	if err != nil {
		return nil, err
	}
	inner := classParts{train: outer.trainParts}
	rep := &SelectionReport{
		Note: SelectionNote,
		Criterion: "mean over the validation splits and both directions of the per-class top-1 retrieval of the validation " +
			"classes among their own items",
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
	bar := p.cfg.Progress.start(fmt.Sprintf("selecting on %d validation splits × %d gains", len(sets), len(sel.GainFactors)), len(runs))
	defer bar.Done()
	hc := p.headFor(p.head.Seed)
	err = parallel(ctx, len(runs), workers, func(i int) error {
		ir := runs[i]
		sp, err := p.split(inner, ir.split.Train, ir.split.Validation, seed)
		if err != nil {
			return fmt.Errorf("%w (validation classes %v)", err, ir.split.Validation)
		}
		if ir.f, err = run.features(ctx, sp, ir.factor, false, nil); err != nil {
			return err
		}
		h := hc
		h.Checkpoint = func(_ int, head projection.CrossModal) error {
			b, a := zslTop1(head, ir.f)
			ir.scores = append(ir.scores, (b+a)/2)
			return nil
		}
		if ir.final, _, err = ir.f.train(ctx, h, nil); err != nil {
			return fmt.Errorf("%w (validation classes %v)", err, ir.split.Validation)
		}
		bar.Add(1)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// 1. Gain factor and epoch.
	epochs := len(runs[0].scores)
	best := -1.0
	for gi, factor := range sel.GainFactors {
		group := runs[gi*len(sets) : (gi+1)*len(sets)]
		mean := make([]float64, epochs)
		for _, ir := range group {
			for e, s := range ir.scores {
				mean[e] += s / float64(len(group))
			}
		}
		gc := GainChoice{GainFactor: factor, Epoch: epochs, Score: mean[epochs-1], Final: mean[epochs-1]}
		if sel.Epochs {
			gc.Score = slices.Max(mean)
			gc.Epoch = slices.Index(mean, gc.Score) + 1 // the earliest of equal scores
		}
		rep.Gains = append(rep.Gains, gc)
		if gc.Score > best {
			best = gc.Score
			rep.GainFactor, rep.Score = factor, gc.Score
			if sel.Epochs {
				rep.Epoch = gc.Epoch
			}
		}
	}

	// 2. β, at the chosen gain and epoch.
	if p.cfg.Protocol == ProtocolGZSL {
		gi := slices.Index(sel.GainFactors, rep.GainFactor)
		group := runs[gi*len(sets) : (gi+1)*len(sets)]
		betas := selectionBetas()
		sumH := [2][]float64{make([]float64, len(betas)), make([]float64, len(betas))}
		var mu sync.Mutex
		err := parallel(ctx, len(group), workers, func(i int) error {
			ir := group[i]
			head := projection.CrossModal(ir.final)
			if rep.Epoch > 0 && rep.Epoch < epochs {
				h := hc
				h.Epochs = rep.Epoch
				var err error
				if head, _, err = ir.f.train(ctx, h, nil); err != nil {
					return err
				}
			}
			pts := newCLIPScoring(head, ir.f).points(betas)
			mu.Lock()
			defer mu.Unlock()
			for d := range 2 {
				for b, pt := range pts[d] {
					sumH[d][b] += pt.H / float64(len(group))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		beta := Dirs[float64]{Names: p.names}
		vh := Dirs[float64]{Names: p.names}
		for d := range 2 {
			bi := 0
			for b := range betas {
				if sumH[d][b] > sumH[d][bi] || (sumH[d][b] == sumH[d][bi] && math.Abs(betas[b]) < math.Abs(betas[bi])) {
					bi = b
				}
			}
			if d == 0 {
				beta.BToA, vh.BToA = betas[bi], sumH[d][bi]
			} else {
				beta.AToB, vh.AToB = betas[bi], sumH[d][bi]
			}
		}
		rep.Beta, rep.ValidationH = &beta, &vh
	}
	return rep, nil
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

// markdown renders the selection in a few lines.
func (s *SelectionReport) markdown() string {
	var b strings.Builder
	var vs []string
	for _, v := range s.Splits {
		vs = append(vs, classRange(v.Validation))
	}
	epoch := "the final epoch"
	if s.Epoch > 0 {
		epoch = fmt.Sprintf("epoch %d", s.Epoch)
	}
	fmt.Fprintf(&b, "Selection (%s): validation classes %s; gain ×%.3g, %s (validation unseen top-1 %.4f)", s.Note, strings.Join(vs, "; "), s.GainFactor, epoch, s.Score)
	if s.Beta != nil {
		fmt.Fprintf(&b, "; β %s %+.2f, %s %+.2f (validation H %.4f, %.4f)", s.Beta.Names.Short(true), s.Beta.BToA, s.Beta.Names.Short(false), s.Beta.AToB,
			s.ValidationH.BToA, s.ValidationH.AToB)
	}
	b.WriteString("\n")
	return b.String()
}
