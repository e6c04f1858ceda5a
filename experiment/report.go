package experiment

import (
	"fmt"
	"strings"

	"github.com/memlsm/memlsm/projection"
)

// Markdown renders the result as a Markdown report: the accuracy, a table
// of the splits, the confusion matrix and the operation counts.
func (r *ClassifyResult) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Classification: %s\n\n", r.Data)
	if r.Test != "" {
		fmt.Fprintf(&b, "Test set: %s  \n", r.Test)
	}
	fmt.Fprintf(&b, "Protocol: %s, seed %d  \n", r.Protocol, r.Seed)
	lsmRan := r.Kind == FeaturesLSM
	for _, c := range r.Compare {
		lsmRan = lsmRan || c.Features == FeaturesLSM
	}
	if lsmRan {
		fmt.Fprintf(&b, "Encoder: %s; %d inputs → %d neurons, T = %d, %d window(s), decay %g, Vth %g  \n",
			r.Encoder.Binning, r.Encoder.Reservoir.Inputs, r.Encoder.Reservoir.Neurons, r.Encoder.Reservoir.Steps,
			r.Encoder.Reservoir.NumWindows(), r.Encoder.Reservoir.Decay, r.Encoder.Reservoir.Threshold)
		fmt.Fprintf(&b, "Weights: %s, %v mode; %s  \n", r.Macro.Array, r.Macro.Mode, r.Macro.Placement)
	}
	if r.MFCC != nil {
		fmt.Fprintf(&b, "MFCC baseline: %s  \n", r.MFCC)
	}
	if r.Kind == FeaturesLSM {
		fmt.Fprintf(&b, "Features: %s; head: %s\n\n", r.Features, r.Head.Kind)
	} else {
		fmt.Fprintf(&b, "Features: %s; head: %s\n\n", r.Kind, r.Head.Kind)
	}
	if r.Folds > 1 {
		fmt.Fprintf(&b, "**Accuracy (%s) %.4f ± %.4f** (mean ± std over %d splits)\n\n", r.Kind, r.Accuracy, r.AccuracyStd, r.Folds)
	} else {
		fmt.Fprintf(&b, "**Accuracy (%s) %.4f**\n\n", r.Kind, r.Accuracy)
	}
	if len(r.Compare) > 0 || len(r.Conditions) > 0 {
		r.robustnessTable(&b)
	}
	if r.Kind == FeaturesLSM {
		b.WriteString("| split | train | test | gain | mean rate | accuracy |\n|---|---:|---:|---:|---:|---:|\n")
		for _, f := range r.FoldResults {
			fmt.Fprintf(&b, "| %s | %d | %d | %.4g | %.4f | %.4f |\n", f.Name, f.TrainSamples, f.TestSamples, f.Gain, f.MeanRate, f.Accuracy)
		}
	} else {
		b.WriteString("| split | train | test | accuracy |\n|---|---:|---:|---:|\n")
		for _, f := range r.FoldResults {
			fmt.Fprintf(&b, "| %s | %d | %d | %.4f |\n", f.Name, f.TrainSamples, f.TestSamples, f.Accuracy)
		}
	}
	b.WriteString("\nConfusion matrix (rows: true class, columns: predicted):\n\n|   |")
	for _, c := range r.Classes {
		fmt.Fprintf(&b, " %s |", c)
	}
	b.WriteString("\n|---|")
	for range r.Classes {
		b.WriteString("---:|")
	}
	b.WriteByte('\n')
	for i, row := range r.Confusion {
		fmt.Fprintf(&b, "| **%s** |", r.Classes[i])
		for _, v := range row {
			fmt.Fprintf(&b, " %d |", v)
		}
		b.WriteByte('\n')
	}
	if !lsmRan {
		return b.String()
	}
	fmt.Fprintf(&b, "\nEncoding: %.0f synaptic operations per sample (dense: %.0f MACs), mean rate %.4f spikes/neuron/step, "+
		"activation sparsity %.4f, input density %.4f, %.0f samples/s\n",
		r.SynOpsPerSample, r.DenseMACsPerSample, r.MeanRate, r.ActivationSparsity, r.InputDensity, r.EncodeSamplesPerS)
	if r.Cost != nil {
		b.WriteString("\n" + r.Cost.Markdown())
	}
	return b.String()
}

// robustnessTable writes one row per test condition (the unchanged test
// samples first) and one column pair per kind of features: the accuracy
// (mean ± std over splits) and its drop from the unchanged accuracy.
func (r *ClassifyResult) robustnessTable(b *strings.Builder) {
	kinds := append([]FeatureResult{{Features: r.Kind, Accuracy: r.Accuracy, AccuracyStd: r.AccuracyStd, Conditions: r.Conditions}}, r.Compare...)
	b.WriteString("| test condition |")
	for _, k := range kinds {
		fmt.Fprintf(b, " %s | drop |", k.Features)
	}
	b.WriteString("\n|---|")
	for range kinds {
		b.WriteString("---:|---:|")
	}
	b.WriteString("\n| unchanged |")
	for _, k := range kinds {
		fmt.Fprintf(b, " %.4f ± %.4f | |", k.Accuracy, k.AccuracyStd)
	}
	b.WriteByte('\n')
	for c := range r.Conditions {
		fmt.Fprintf(b, "| %s |", r.Conditions[c].Name)
		for _, k := range kinds {
			if c < len(k.Conditions) {
				x := k.Conditions[c]
				fmt.Fprintf(b, " %.4f ± %.4f | %+.4f |", x.Accuracy, x.AccuracyStd, -x.Drop)
			} else {
				b.WriteString(" | |")
			}
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// Markdown renders the result as a Markdown report whose first table has
// the shape of the paper's zero-shot table (Lin et al. 2025, zero-shot results): top-1
// retrieval on the seen and the unseen classes, both directions, with the
// chance levels.
func (r *ZeroShotResult) Markdown() string {
	var b strings.Builder
	n := r.Modalities
	fmt.Fprintf(&b, "## Zero-shot %s↔%s retrieval: %s ↔ %s\n\n", n.B, n.A, r.Data[n.B], r.Data[n.A])
	if r.TestData != nil {
		fmt.Fprintf(&b, "Test sets: %s ↔ %s  \n", r.TestData[n.B], r.TestData[n.A])
	}
	fmt.Fprintf(&b, "Protocol: %s; %d training pairs; seed %d\n\n", r.Protocol, r.TrainPairs, r.Seed)
	seen, unseen := classRange(r.SeenClasses), classRange(r.UnseenClasses)
	fmt.Fprintf(&b, "| top-1 retrieval | classes %s (seen) | %s (unseen) |\n|---|---:|---:|\n", seen, unseen)
	fmt.Fprintf(&b, "| %s | %.4f | %.4f |\n", n.Arrow(true), r.Seen.Top1.BToA, r.Unseen.Top1.BToA)
	fmt.Fprintf(&b, "| %s | %.4f | %.4f |\n", n.Arrow(false), r.Seen.Top1.AToB, r.Unseen.Top1.AToB)
	fmt.Fprintf(&b, "| chance | %.4f | %.4f |\n", r.Seen.Chance.BToA, r.Unseen.Chance.BToA)
	fmt.Fprintf(&b, "| test pairs | %d | %d |\n", r.Seen.Pairs, r.Unseen.Pairs)
	if n == DefaultModalities {
		b.WriteString("| Lin et al. 2025, LSM on RRAM, audio → image (test-selected epoch) | 0.6742 | 0.875 |\n")
	}
	b.WriteString("\n")
	if r.GZSL != nil {
		b.WriteString(gzslMarkdown(*r.GZSL, r.SeenClasses, r.UnseenClasses))
		b.WriteString("\n")
	}
	b.WriteString("| encoder | binning | in → N, T, windows | gain | mean rate | synops/sample | samples/s |\n|---|---|---|---:|---:|---:|---:|\n")
	for _, e := range r.Encoders {
		c := e.Config.Reservoir
		fmt.Fprintf(&b, "| %s | %s | %d → %d, %d, %d | %.4g | %.4f | %.0f | %.0f |\n", e.Name, e.Config.Binning,
			c.Inputs, c.Neurons, c.Steps, c.NumWindows(), c.Gain, e.MeanRate, e.SynOpsPerSample, e.SamplesPerS)
	}
	fmt.Fprintf(&b, "\nWeights: %s, %v mode; %s  \n", r.Macro.Array, r.Macro.Mode, r.Macro.Placement)
	loss := r.Head.Loss
	if loss == projection.LossDefault {
		loss = projection.SupCon // with labels, as ZeroShot trains it
	}
	dim := r.Head.Dim
	if dim == 0 {
		dim = 64 // projection's default pd
	}
	if si := r.SideInfo; si != nil {
		n := r.Modalities
		fmt.Fprintf(&b, "Heads: side information — %s items mapped to the %s descriptors (%d components), %s items to the %s descriptors (%d), ridge %g, posterior temperature %g\n\n",
			n.A, si.Descriptors[n.A], si.Components[n.A], n.B, si.Descriptors[n.B], si.Components[n.B], si.Ridge, si.Temperature)
		b.WriteString("| classification through descriptors | seen among seen | unseen among unseen (ZSL) | generalised S | U | H | AUSUC |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, m := range []string{n.A, n.B} {
			c := si.Classification[m]
			fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", m, c.Seen, c.ZSL, c.GZSL.Seen, c.GZSL.Unseen, c.GZSL.H, c.AUSUC)
		}
		c := si.Classification[n.A].Chance
		fmt.Fprintf(&b, "| chance | %.4f | %.4f | | | | |\n", c.Seen, c.ZSL)
	} else {
		fmt.Fprintf(&b, "Head: CLIP, %d-d projections, %v loss, temperature %.4g\n", dim, loss, r.Temperature)
	}
	if s := r.Selection; s != nil {
		b.WriteString(s.markdown())
	}
	if r.Cost != nil {
		b.WriteString("\n" + r.Cost.Markdown())
	}
	return b.String()
}

// String describes the post-processing in words.
func (c FeatureConfig) String() string {
	s := "√ spike rates"
	if c.Raw {
		s = "spike rates"
	}
	switch c.SpeakerNorm {
	case SpeakerNormOn:
		s += ", standardised per speaker (unsupervised; uses each test speaker's unlabelled samples)"
	case SpeakerNormAuto:
		s += ", standardised per speaker under speaker-wise protocols"
	}
	return s
}

// classRange writes a class list compactly: "1–7" for consecutive digits,
// else comma-separated.
func classRange(cs []string) string {
	if len(cs) > 2 {
		consecutive := true
		for i := 1; i < len(cs); i++ {
			if len(cs[i]) != 1 || len(cs[i-1]) != 1 || cs[i][0] != cs[i-1][0]+1 {
				consecutive = false
			}
		}
		if consecutive {
			return cs[0] + "–" + cs[len(cs)-1]
		}
	}
	return strings.Join(cs, ",")
}
