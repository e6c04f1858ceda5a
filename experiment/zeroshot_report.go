package experiment

import (
	"fmt"
	"math"
	"strings"
)

// chanceMargin is how many standard errors of a random ranking an accuracy
// must exceed chance by to count as clearly above it (assumption: two, a
// one-sided test at about the 2 % level under the normal approximation).
const chanceMargin = 2

// ClearlyAboveChance reports, for each direction, whether the top-1
// accuracy exceeds chance c by more than two standard errors of a random
// ranking, 2·√(c(1−c)/n) for n query pairs (normal approximation to the
// binomial; assumption: queries treated as independent, which a shared
// gallery makes only approximately true). For the paper's 200 unseen
// pairs at chance 1/2 the bar is 0.5707.
func (r Retrieval) ClearlyAboveChance() (bToA, aToB bool) {
	bar := func(acc, c float64) bool {
		if r.Pairs < 1 {
			return false
		}
		return acc > c+chanceMargin*math.Sqrt(c*(1-c)/float64(r.Pairs))
	}
	return bar(r.Top1.BToA, r.Chance.BToA), bar(r.Top1.AToB, r.Chance.AToB)
}

// docSection names where the package documentation explains unseen-class
// retrieval.
const docSection = "`go doc github.com/memlsm/memlsm/experiment`, section \"What zero-shot retrieval of unseen classes can and cannot do\""

// unseenNote returns ZeroShotResult.UnseenNote for the unseen retrieval.
func unseenNote(u Retrieval) string {
	ba, ab := u.ClearlyAboveChance()
	n := u.Names
	var first string
	switch {
	case ba && ab:
		return ""
	case !ba && !ab:
		first = fmt.Sprintf("Unseen classes %s are not clearly above chance in either direction (%s %.4f, %s %.4f; chance %.4f, %d pairs).",
			classRange(u.Classes), n.To(true), u.Top1.BToA, n.To(false), u.Top1.AToB, u.Chance.BToA, u.Pairs)
	case !ba:
		first = fmt.Sprintf("Unseen classes %s are not clearly above chance %s (%.4f; chance %.4f, %d pairs), though %s is (%.4f).",
			classRange(u.Classes), n.To(true), u.Top1.BToA, u.Chance.BToA, u.Pairs, n.To(false), u.Top1.AToB)
	default:
		first = fmt.Sprintf("Unseen classes %s are not clearly above chance %s (%.4f; chance %.4f, %d pairs), though %s is (%.4f).",
			classRange(u.Classes), n.To(false), u.Top1.AToB, u.Chance.AToB, u.Pairs, n.To(true), u.Top1.BToA)
	}
	return first + " The head only ever learns to align the seen classes: an unseen class lands wherever its similarity to the seen classes " +
		"puts it in each modality, so retrieval works only as far as the two modalities agree on those similarities — see " + docSection + "."
}

// DiagnosticsMarkdown renders what Markdown's paper-shaped report leaves
// out: the explanation of unseen retrieval at chance (UnseenNote), the
// seed sweep, and the per-epoch trace with the paper-protocol diagnostic
// — each only when the result has it ("" when it has none).
func (r *ZeroShotResult) DiagnosticsMarkdown() string {
	var b strings.Builder
	n := r.Modalities
	if r.UnseenNote != "" {
		fmt.Fprintf(&b, "**Note.** %s\n\n", r.UnseenNote)
	}
	if s := r.Sweep; s != nil {
		fmt.Fprintf(&b, "### Seed sweep: %d seeds (%s), scope %v\n\n", len(s.Seeds), seedList(s.Seeds), s.Scope)
		fmt.Fprintf(&b, "Each seed changes %s.\n\n", s.Varies)
		b.WriteString("| top-1 retrieval | mean ± std | min | max | chance | seeds above chance |\n|---|---:|---:|---:|---:|---:|\n")
		for _, g := range []struct {
			name string
			s    Spread
		}{
			{"seen, " + n.Arrow(true), s.Seen.BToA}, {"seen, " + n.Arrow(false), s.Seen.AToB},
			{"unseen, " + n.Arrow(true), s.Unseen.BToA}, {"unseen, " + n.Arrow(false), s.Unseen.AToB},
		} {
			fmt.Fprintf(&b, "| %s | %.4f ± %.4f | %.4f | %.4f | %.4f | %.0f %% |\n", g.name, g.s.Mean, g.s.Std, g.s.Min, g.s.Max, g.s.Chance, 100*g.s.AboveChance)
		}
		b.WriteByte('\n')
	}
	if t := r.Trace; t != nil && len(t.Epochs) > 0 {
		last := t.Epochs[len(t.Epochs)-1]
		fmt.Fprintf(&b, "### Per-epoch trace: %d epochs\n\n", len(t.Epochs))
		fmt.Fprintf(&b, "Final epoch (the headline): seen %.4f / %.4f, unseen %.4f / %.4f (%s / %s).\n\n",
			last.Seen.BToA, last.Seen.AToB, last.Unseen.BToA, last.Unseen.AToB, n.Arrow(true), n.Arrow(false))
	}
	if pp := r.PaperProtocol; pp != nil {
		b.WriteString("### Paper-protocol diagnostic (selected on the test set — not a result)\n\n")
		fmt.Fprintf(&b, "%s\n\n", pp.Note)
		b.WriteString("| direction | rule (seen ≥, unseen ≥) | qualifying epochs | the rule would report | highest unseen at any epoch |\n|---|---|---:|---|---|\n")
		for _, g := range []struct {
			name string
			s    PaperSelection
		}{{n.Arrow(true), pp.Rule.BToA}, {n.Arrow(false), pp.Rule.AToB}} {
			fmt.Fprintf(&b, "| %s | %.2f, %.2f | %d of %d | %s | %.4f (seen %.4f) at epoch %d |\n", g.name, g.s.MinSeen, g.s.MinUnseen,
				g.s.QualifyingEpochs, pp.Epochs, g.s.Result, g.s.MaxUnseen.Unseen, g.s.MaxUnseen.Seen, g.s.MaxUnseen.Epoch)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// seedList writes seeds compactly: runs of consecutive seeds as "a–b".
func seedList(seeds []uint64) string {
	var parts []string
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, fmt.Sprint(seeds[i]))
		case j == i+1:
			parts = append(parts, fmt.Sprint(seeds[i]), fmt.Sprint(seeds[j]))
		default:
			parts = append(parts, fmt.Sprintf("%d–%d", seeds[i], seeds[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
