package experiment

import "fmt"

// Summary is a few lines about a zero-shot result for a log: the headline
// accuracies, then the seed sweep (mean ± std [min, max] and the share of
// seeds above chance), the paper-protocol diagnostic (labelled as selected
// on the test set) and the note on unseen classes, when present.
func (r *ZeroShotResult) Summary() []string {
	n := r.Modalities
	out := []string{fmt.Sprintf("seen %s %.4f %s %.4f, unseen %s %.4f %s %.4f (seed %d, %.1f s)",
		n.Short(true), r.Seen.Top1.BToA, n.Short(false), r.Seen.Top1.AToB, n.Short(true), r.Unseen.Top1.BToA, n.Short(false), r.Unseen.Top1.AToB, r.Seed, r.Seconds)}
	if s := r.Sweep; s != nil {
		out = append(out, fmt.Sprintf("seed sweep (%v, %d seeds): mean ± std [min, max], seeds above chance", s.Scope, len(s.Seeds)))
		for _, g := range []struct {
			name string
			s    Spread
		}{{"seen   " + n.Short(true), s.Seen.BToA}, {"seen   " + n.Short(false), s.Seen.AToB}, {"unseen " + n.Short(true), s.Unseen.BToA}, {"unseen " + n.Short(false), s.Unseen.AToB}} {
			out = append(out, fmt.Sprintf("  %s %.4f ± %.4f [%.4f, %.4f], %3.0f %% above chance %.4f", g.name, g.s.Mean, g.s.Std, g.s.Min, g.s.Max, 100*g.s.AboveChance, g.s.Chance))
		}
	}
	if pp := r.PaperProtocol; pp != nil {
		out = append(out, fmt.Sprintf("paper protocol (DIAGNOSTIC, selected on the test set): %s %s; %s %s", n.Short(true), pp.Rule.BToA.Result, n.Short(false), pp.Rule.AToB.Result))
	}
	if r.UnseenNote != "" {
		out = append(out, r.UnseenNote)
	}
	return out
}

// Report is the Markdown report with the diagnostics that apply (sweep,
// trace) appended.
func (r *ZeroShotResult) Report() string {
	md := r.Markdown()
	if d := r.DiagnosticsMarkdown(); d != "" {
		md += "\n" + d
	}
	return md
}
