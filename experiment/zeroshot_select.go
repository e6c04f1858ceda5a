package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
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
//  1. The gain factor and the head setting (the epoch of a CLIP head, the
//     ridge penalty of descriptor heads) with the highest mean validation
//     unseen retrieval (per-class top-1 among the validation classes' items,
//     averaged over both directions and the splits) are chosen; ties keep
//     the earlier candidate (the first factor, the earliest epoch, the
//     first ridge).
//  2. Under the generalised protocol, β of each direction is chosen to
//     maximise the mean validation H at that gain and setting (ties: the
//     smallest |β|).
//  3. The head is retrained on all seen classes with the chosen gain
//     factor and setting, and tested.
type Selection struct {
	// Splits is the number of validation splits; 0 → DefaultValidationSplits.
	Splits int `json:"splits"`
	// Head chooses the head's setting: the epoch (1…Epochs) of a CLIP
	// head, the ridge penalty (SideInfo.Ridges) of descriptor heads;
	// otherwise the final epoch, or SideInfo.Ridge.
	Head bool `json:"head"`
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

// GainChoice is the best head setting (epoch or ridge) of one gain factor
// and its validation score.
type GainChoice struct {
	GainFactor float64 `json:"gain_factor"`
	Epoch      int     `json:"epoch,omitempty"`
	Ridge      float64 `json:"ridge,omitempty"`
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
	// GainFactor and Epoch (a CLIP head) or Ridge (descriptor heads) are
	// the choice (Epoch 0, Ridge 0: not chosen, the final epoch or the
	// configured ridge); Score is its mean validation unseen top-1.
	GainFactor float64 `json:"gain_factor"`
	Epoch      int     `json:"epoch,omitempty"`
	Ridge      float64 `json:"ridge,omitempty"`
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

// markdown renders the selection in a few lines.
func (s *SelectionReport) markdown() string {
	var b strings.Builder
	var vs []string
	for _, v := range s.Splits {
		vs = append(vs, classRange(v.Validation))
	}
	epoch := "the final epoch"
	switch {
	case s.Epoch > 0:
		epoch = fmt.Sprintf("epoch %d", s.Epoch)
	case s.Ridge > 0:
		epoch = fmt.Sprintf("ridge %g", s.Ridge)
	}
	fmt.Fprintf(&b, "Selection (%s): validation classes %s; gain ×%.3g, %s (validation unseen top-1 %.4f)", s.Note, strings.Join(vs, "; "), s.GainFactor, epoch, s.Score)
	if s.Beta != nil {
		fmt.Fprintf(&b, "; β %s %+.2f, %s %+.2f (validation H %.4f, %.4f)", s.Beta.Names.Short(true), s.Beta.BToA, s.Beta.Names.Short(false), s.Beta.AToB,
			s.ValidationH.BToA, s.ValidationH.AToB)
	}
	b.WriteString("\n")
	return b.String()
}
