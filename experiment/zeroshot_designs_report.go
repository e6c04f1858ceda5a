package experiment

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ci writes "0.51 (0.47–0.55)" or "0.51" without an interval.
func (e Estimate) ci() string {
	if e.CI == nil {
		return fmt.Sprintf("%.3f", e.Mean)
	}
	return fmt.Sprintf("%.3f (%.3f–%.3f)", e.Mean, e.CI.Low, e.CI.High)
}

// verdict says how the CI over designs lies against chance.
func (e Estimate) verdict() string {
	switch {
	case e.CI == nil:
		return "no interval (one design)"
	case e.CI.Low > e.Chance:
		return "above chance"
	case e.CI.High < e.Chance:
		return "below chance"
	}
	return "not distinguishable from chance"
}

// describe writes the designs: "all 36 pairs of 1–9" or "12 of the 210
// 4-subsets of 0–9 (a seeded sample)".
func (r *DesignsResult) describe() string {
	of := "pairs"
	if r.K != 2 {
		of = fmt.Sprintf("%d-subsets", r.K)
	}
	if len(r.Designs) == r.AllDesigns {
		return fmt.Sprintf("all %d unseen %s of %s", r.AllDesigns, of, classRange(r.Classes))
	}
	return fmt.Sprintf("%d of the %d unseen %s of %s", len(r.Designs), r.AllDesigns, of, classRange(r.Classes))
}

// note is DesignsResult.Note.
func (r *DesignsResult) note() string {
	n := r.Modalities
	u := r.Unseen
	var b strings.Builder
	fmt.Fprintf(&b, "Over %s (the rest seen; %d seed(s) each), unseen retrieval averages %s %s and %s %s (95 %% CI over designs; chance %.2f): %s and %s respectively.",
		r.describe(), len(r.Seeds), n.To(true), u.BToA.ci(), n.To(false), u.AToB.ci(), u.BToA.Chance, u.BToA.verdict(), u.AToB.verdict())
	fmt.Fprintf(&b, " Designs range from %.2f (%s) to %.2f (%s) %s; the spread between designs (SD %.3f) against the run-to-run noise of one design (SD %.3f over seeds) and the correlation of the two directions across designs (r = %.2f) show how systematic each choice of unseen classes is.",
		u.BToA.Min, u.BToA.MinDesign, u.BToA.Max, u.BToA.MaxDesign, n.To(true), u.BToA.SD, u.BToA.SeedSD, r.Correlation)
	if r.GZSL != nil {
		h := r.GZSL.H
		fmt.Fprintf(&b, " Under the generalised protocol (seen classes as distractors, β chosen on validation classes) H averages %s %s and %s %s.",
			n.To(true), h.BToA.ci(), n.To(false), h.AToB.ci())
	}
	return b.String()
}

// Markdown renders the result as tables shaped like a zero-shot paper's:
// the headline (unseen retrieval over designs with CIs and chance), the
// generalised figures (S, U, H, ZSL, AUSUC), and every design.
func (r *DesignsResult) Markdown() string {
	n := r.Modalities
	var b strings.Builder
	fmt.Fprintf(&b, "## Zero-shot %s↔%s over %s\n\n", n.B, n.A, r.describe())
	fmt.Fprintf(&b, "Data: %s ↔ %s", r.Data[n.B], r.Data[n.A])
	if r.TestData != nil {
		fmt.Fprintf(&b, " (test: %s ↔ %s)", r.TestData[n.B], r.TestData[n.A])
	}
	fmt.Fprintf(&b, "  \nSplit: %s; seeds %s (each forms its own macro, split and head); %.0f s\n\n", r.Split, seedList(r.Seeds), r.Seconds)
	b.WriteString("| top-1 retrieval, mean over designs | 95 % CI (designs) | 95 % CI (seeds) | chance | designs above chance | SD designs | SD seeds | lowest | highest |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---|---|\n")
	row := func(name string, e Estimate) {
		ci, sci := "–", "–"
		if e.CI != nil {
			ci = fmt.Sprintf("%.3f–%.3f", e.CI.Low, e.CI.High)
		}
		if e.SeedCI != nil {
			sci = fmt.Sprintf("%.3f–%.3f", e.SeedCI.Low, e.SeedCI.High)
		}
		ssd := "–"
		if e.Seeds > 1 {
			ssd = fmt.Sprintf("%.3f", e.SeedSD)
		}
		fmt.Fprintf(&b, "| %s | **%.3f** %s | %s | %.3f | %.0f %% | %.3f | %s | %.3f (%s) | %.3f (%s) |\n",
			name, e.Mean, ci, sci, e.Chance, 100*e.AboveChance, e.SD, ssd, e.Min, e.MinDesign, e.Max, e.MaxDesign)
	}
	row("unseen, "+n.Arrow(true), r.Unseen.BToA)
	row("unseen, "+n.Arrow(false), r.Unseen.AToB)
	row("seen, "+n.Arrow(true), r.Seen.BToA)
	row("seen, "+n.Arrow(false), r.Seen.AToB)
	fmt.Fprintf(&b, "\nThe two directions' design means correlate at r = %.2f.\n\n", r.Correlation)
	if g := r.GZSL; g != nil {
		b.WriteString("Generalised protocol (Xian et al. 2017; search set: the test items of every class), mean over designs (95 % CI over designs); calibrated stacking at each design's β chosen on its validation classes:\n\n")
		b.WriteString("| direction | S | U | H | S (calibrated) | U (calibrated) | H (calibrated) | ZSL | AUSUC |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, bToA := range []bool{true, false} {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n.Arrow(bToA),
				g.PlainSeen.Get(bToA).ci(), g.PlainUnseen.Get(bToA).ci(), g.PlainH.Get(bToA).ci(),
				g.Seen.Get(bToA).ci(), g.Unseen.Get(bToA).ci(), g.H.Get(bToA).ci(), g.ZSL.Get(bToA).ci(), g.AUSUC.Get(bToA).ci())
		}
		fmt.Fprintf(&b, "| chance | %.3f | %.3f | %.3f | | | | %.3f | %.3f |\n\n", g.PlainSeen.BToA.Chance, g.PlainUnseen.BToA.Chance,
			g.PlainH.BToA.Chance, g.ZSL.BToA.Chance, g.AUSUC.BToA.Chance)
	}
	if r.Classification != nil {
		b.WriteString("Classification through the descriptors (each modality on its own; per-class mean accuracy, mean over designs with 95 % CI over designs):\n\n")
		b.WriteString("| modality | seen among seen | unseen among unseen (ZSL) | chance (ZSL) | generalised H | AUSUC |\n|---|---:|---:|---:|---:|---:|\n")
		for _, m := range []string{n.A, n.B} {
			c := r.Classification[m]
			fmt.Fprintf(&b, "| %s | %s | %s | %.3f | %s | %s |\n", m, c.Seen.ci(), c.ZSL.ci(), c.ZSL.Chance, c.GZSLH.ci(), c.AUSUC.ci())
		}
		b.WriteString("\n")
	}
	b.WriteString("Per design (mean over seeds; sorted by the mean of both unseen directions):\n\n")
	hdr := fmt.Sprintf("| unseen | unseen %s | unseen %s | seed SD | seen %s | seen %s |", n.Short(true), n.Short(false), n.Short(true), n.Short(false))
	sep := "|---|---:|---:|---:|---:|---:|"
	if r.GZSL != nil {
		hdr += fmt.Sprintf(" H %s | H %s |", n.Short(true), n.Short(false))
		sep += "---:|---:|"
	}
	b.WriteString(hdr + "\n" + sep + "\n")
	order := make([]int, len(r.PerDesign))
	for i := range order {
		order[i] = i
	}
	avg := func(d DesignSummary) float64 { return (d.UnseenTop1.BToA + d.UnseenTop1.AToB) / 2 }
	slices.SortStableFunc(order, func(i, j int) int {
		a, c := avg(r.PerDesign[i]), avg(r.PerDesign[j])
		switch {
		case a > c:
			return -1
		case a < c:
			return 1
		}
		return 0
	})
	for _, i := range order {
		d := r.PerDesign[i]
		ssd := "–"
		if len(r.Seeds) > 1 {
			ssd = fmt.Sprintf("%.3f", (d.SeedSD.BToA+d.SeedSD.AToB)/2)
		}
		fmt.Fprintf(&b, "| %s | %.3f | %.3f | %s | %.3f | %.3f |", designName(d.Unseen), d.UnseenTop1.BToA, d.UnseenTop1.AToB,
			ssd, d.SeenTop1.BToA, d.SeenTop1.AToB)
		if d.GZSL != nil {
			fmt.Fprintf(&b, " %.3f | %.3f |", d.GZSL.BToA.Calibrated.H, d.GZSL.AToB.Calibrated.H)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%s\n", r.Note)
	return b.String()
}

// PlotDesigns writes the designs as a PNG (PlotDesignsFile also writes
// SVG and PDF). For pairs (K = 2) it is a heat
// map over the classes: the cell of row i, column j above the diagonal is
// the mean unseen B→A retrieval (e.g. audio→image) of the design with i
// and j unseen, below the diagonal A→B, every value written in its cell,
// the colour diverging at chance. For larger K it is one dot per design
// and direction, sorted, with the mean, its CI and chance.
func (r *DesignsResult) PlotDesigns(out io.Writer) error { return r.plotDesigns(out, "png") }

func (r *DesignsResult) plotDesigns(out io.Writer, format string) error {
	if len(r.PerDesign) == 0 {
		return fmt.Errorf("experiment: no designs to plot")
	}
	if r.K == 2 {
		return r.plotPairs(out, format)
	}
	return r.plotStrip(out, format)
}

func (r *DesignsResult) plotPairs(out io.Writer, format string) error {
	n := r.Modalities
	cs := r.Classes
	z := make([][]float64, len(cs))
	for i := range z {
		z[i] = make([]float64, len(cs))
		for j := range z[i] {
			z[i][j] = math.NaN()
		}
	}
	for _, d := range r.PerDesign {
		i, j := slices.Index(cs, d.Unseen[0]), slices.Index(cs, d.Unseen[1])
		if i > j {
			i, j = j, i
		}
		z[i][j], z[j][i] = d.UnseenTop1.BToA, d.UnseenTop1.AToB
	}
	chance := r.Unseen.BToA.Chance
	span := math.Max(chance, 1-chance)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Unseen top-1 retrieval per pair of unseen classes (mean of %d seed(s))\n"+
		"above the diagonal %s: mean %s; below %s: mean %s\n(95 %% CIs over the %d designs; chance %.2f is the neutral colour)",
		len(r.Seeds), n.To(true), r.Unseen.BToA.ci(), n.To(false), r.Unseen.AToB.ci(), len(r.PerDesign), chance)
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.Text = "unseen class"
	p.Y.Label.Text = "unseen class"
	cm := moreland.SmoothBlueRed()
	cm.SetMin(chance - span)
	cm.SetMax(chance + span)
	h := plotter.NewHeatMap(grid{z: z, min: chance - span, max: chance + span}, cm.Palette(256))
	h.NaN = color.Gray{Y: 235}
	p.Add(h)
	labels, err := cellLabels(z, func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return fmt.Sprintf("%.2f", v)
	}, func(v float64) bool { return !math.IsNaN(v) && math.Abs(v-chance) > 0.6*span })
	if err != nil {
		return fmt.Errorf("experiment: designs plot: %w", err)
	}
	p.Add(labels)
	p.X.Tick.Marker = classTicks{names: cs}
	p.Y.Tick.Marker = classTicks{names: cs, reversed: true}
	p.X.Min, p.X.Max = -0.5, float64(len(cs))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(cs))-0.5
	return render(p, 6.6*vg.Inch, 6.9*vg.Inch, out, format)
}

func (r *DesignsResult) plotStrip(out io.Writer, format string) error {
	n := r.Modalities
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Unseen top-1 retrieval, %s (mean of %d seed(s) each)", r.describe(), len(r.Seeds))
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.Text = "top-1 retrieval accuracy"
	p.Y.Min, p.Y.Max = 0, 1.02
	p.X.Min, p.X.Max = -0.6, 1.6
	p.NominalX(n.Arrow(true), n.Arrow(false))
	p.Add(plotter.NewGrid())
	l := plot.NewLegend()
	for g, bToA := range []bool{true, false} {
		e := r.Unseen.Get(bToA)
		vals := make([]float64, len(r.PerDesign))
		for k, d := range r.PerDesign {
			vals[k] = d.UnseenTop1.Get(bToA)
		}
		slices.Sort(vals)
		pts := make(plotter.XYs, len(vals))
		for k, v := range vals {
			pts[k] = plotter.XY{X: float64(g) - 0.35 + 0.7*float64(k)/math.Max(1, float64(len(vals)-1)), Y: v}
		}
		dots, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("experiment: designs plot: %w", err)
		}
		dots.GlyphStyle = draw.GlyphStyle{Color: colorUnseen, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		mean, err := hline(float64(g)-0.42, float64(g)+0.42, e.Mean, color.Black, nil)
		if err != nil {
			return err
		}
		mean.Width = vg.Points(1.6)
		ch, err := hline(float64(g)-0.42, float64(g)+0.42, e.Chance, colorChance, dashChance)
		if err != nil {
			return err
		}
		p.Add(dots, mean, ch)
		if e.CI != nil {
			for _, y := range []float64{e.CI.Low, e.CI.High} {
				c, err := hline(float64(g)-0.3, float64(g)+0.3, y, color.Black, []vg.Length{vg.Points(2), vg.Points(2)})
				if err != nil {
					return err
				}
				p.Add(c)
			}
		}
		if g == 0 {
			l.Add("one design", dots)
			l.Add("mean over designs", mean)
			l.Add("chance", ch)
		}
		l.Add(fmt.Sprintf("%s %s", n.To(bToA), e.ci()))
	}
	return renderWithLegend(p, l, 8.2*vg.Inch, 4.8*vg.Inch, out, format)
}

// PlotDesignsFile writes the designs plot to path: PNG, SVG or PDF by its
// extension.
func (r *DesignsResult) PlotDesignsFile(path string) error { return writeFigure(path, r.plotDesigns) }

// Summary is a few lines for a terminal (a CLI's stderr under --json):
// the headline and, under the generalised protocol, H.
func (r *DesignsResult) Summary() []string {
	n := r.Modalities
	out := []string{fmt.Sprintf("%s, %d seed(s): unseen %s %s, %s %s (95 %% CI over designs; chance %.3f; %.0f s)",
		r.describe(), len(r.Seeds), n.Short(true), r.Unseen.BToA.ci(), n.Short(false), r.Unseen.AToB.ci(), r.Unseen.BToA.Chance, r.Seconds)}
	if g := r.GZSL; g != nil {
		out = append(out, fmt.Sprintf("generalised: S %s %s, U %s, H %s; %s S %s, U %s, H %s (calibrated)",
			n.Short(true), g.Seen.BToA.ci(), g.Unseen.BToA.ci(), g.H.BToA.ci(), n.Short(false), g.Seen.AToB.ci(), g.Unseen.AToB.ci(), g.H.AToB.ci()))
	}
	return out
}

// Report is the Markdown report (Markdown).
func (r *DesignsResult) Report() string { return r.Markdown() }
