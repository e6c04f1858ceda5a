package experiment

import "fmt"

// Summary is a few lines about a zero-shot result for a log: the headline
// accuracies, then the seed sweep (mean ± std [min, max] and the share of
// seeds above chance), the paper-protocol diagnostic (labelled as selected
// on the test set) and the note on unseen classes, when present.
func (r *ZeroShotResult) Summary() []string {
	out := []string{fmt.Sprintf("seen a→i %.4f i→a %.4f, unseen a→i %.4f i→a %.4f (seed %d, %.1f s)",
		r.Seen.AudioToImage, r.Seen.ImageToAudio, r.Unseen.AudioToImage, r.Unseen.ImageToAudio, r.Seed, r.Seconds)}
	if s := r.Sweep; s != nil {
		out = append(out, fmt.Sprintf("seed sweep (%v, %d seeds): mean ± std [min, max], seeds above chance", s.Scope, len(s.Seeds)))
		for _, g := range []struct {
			name string
			s    Spread
		}{{"seen   a→i", s.Seen.AudioToImage}, {"seen   i→a", s.Seen.ImageToAudio}, {"unseen a→i", s.Unseen.AudioToImage}, {"unseen i→a", s.Unseen.ImageToAudio}} {
			out = append(out, fmt.Sprintf("  %s %.4f ± %.4f [%.4f, %.4f], %3.0f %% above chance %.4f", g.name, g.s.Mean, g.s.Std, g.s.Min, g.s.Max, 100*g.s.AboveChance, g.s.Chance))
		}
	}
	if pp := r.PaperProtocol; pp != nil {
		out = append(out, fmt.Sprintf("paper protocol (DIAGNOSTIC, selected on the test set): a→i %s; i→a %s", pp.AudioToImage.Result, pp.ImageToAudio.Result))
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
