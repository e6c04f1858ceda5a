package demo

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/units"
)

// WriteText writes the demo as one screen of tables, part by part.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "memlsm demo: the co-design loop on the embedded data (%s, %s), seed %d, %.1f s\n", r.Images, r.Audio, r.Seed, r.Seconds)
	for _, s := range r.sections(false) {
		b.WriteString("\n")
		b.WriteString(s.title)
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, row := range s.rows {
			fmt.Fprintf(tw, "  %s\t\n", strings.Join(row, "\t"))
		}
		tw.Flush()
		for _, l := range s.lines {
			for _, w := range wrap(l, 110) {
				fmt.Fprintf(&b, "  %s\n", w)
			}
		}
	}
	b.WriteString("\nReproduce each part (and at full scale): memlsm demo --report DIR writes an HTML report with the commands.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// section is one part as a title, a table (first row the header) and
// lines of text under it.
type section struct {
	part  string
	title string
	rows  [][]string
	lines []string
}

// sections renders the parts; long adds detail that the one-screen text
// leaves out (the report's).
func (r *Result) sections(long bool) []section {
	var out []section
	if m := r.Macro; m != nil {
		s := m.Sample
		sec := section{part: PartMacro, title: fmt.Sprintf("1. The macro: %s, %d×%d cells, formed with one %s pulse (seed %d)", s.Source, s.Rows, s.Cols, pulseText(s.Pulse), s.Seed)}
		sec.rows = [][]string{
			{"", "formed fraction", "G mean", "G std", "cells"},
			{"simulated macro", fmt.Sprintf("%.4f", s.FormedFraction), fmt.Sprintf("%.2f µS", s.MeanUS), fmt.Sprintf("%.2f µS", s.StdUS), fmt.Sprint(s.Cells)},
			{"Lin et al. 2025, measured", "", fmt.Sprintf("%.2f µS", m.PaperGMeanUS), fmt.Sprintf("%.2f µS", m.PaperGStdUS), ""},
		}
		if s.Predicted != nil && long {
			sec.rows = append(sec.rows, []string{"forming model, closed form", fmt.Sprintf("%.4f", s.Predicted.FormedFraction), fmt.Sprintf("%.2f µS", s.Predicted.ReadMeanUS), fmt.Sprintf("%.2f µS", s.Predicted.ReadStdUS), ""})
		}
		out = append(out, sec)
	}
	if c := r.Classification; c != nil {
		sec := section{part: PartClassify, title: fmt.Sprintf("2. Classification with the reservoir on that macro (%d-fold cross-validation, linear readout)", c.Folds)}
		sec.rows = [][]string{{"data", "samples", "classes", "accuracy ± SD over folds", "chip energy/inference", "digital"}}
		for _, x := range []struct {
			name string
			r    *experiment.ClassifyResult
		}{{"images (saccade-MNIST)", c.Images}, {"audio (spoken digits)", c.Audio}} {
			row := []string{x.name, fmt.Sprint(x.r.TestSamples), fmt.Sprint(len(x.r.Classes)), fmt.Sprintf("%.3f ± %.3f", x.r.Accuracy, x.r.AccuracyStd), "", ""}
			if x.r.Cost != nil {
				row[4], row[5] = energy(x.r.Cost.Chip.EnergyJ), energy(x.r.Cost.Digital.EnergyJ)
			}
			sec.rows = append(sec.rows, row)
		}
		out = append(out, sec)
	}
	if z := r.ZeroShot; z != nil && z.Headline != nil {
		h := z.Headline
		c := h.Contrastive
		n := c.Modalities
		sec := section{part: PartZeroShot, title: fmt.Sprintf("3. Zero-shot, honestly: %s unseen, the rest seen, mean over designs (95 %% CI)", designsText(c))}
		sec.rows = [][]string{{"head", "unseen " + n.Arrow(true), "unseen " + n.Arrow(false), "GZSL S " + n.Short(true), "U", "H"}}
		for _, x := range []struct {
			name string
			d    *experiment.DesignsResult
		}{{"contrastive (the paper's)", h.Contrastive}, {"side information", h.SideInfo}} {
			if x.d == nil {
				continue
			}
			row := []string{x.name, estimate(x.d.Unseen.BToA), estimate(x.d.Unseen.AToB), "", "", ""}
			if g := x.d.GZSL; g != nil {
				row[3], row[4], row[5] = short(g.PlainSeen.BToA), short(g.PlainUnseen.BToA), estimate(g.PlainH.BToA)
			}
			sec.rows = append(sec.rows, row)
		}
		sec.rows = append(sec.rows,
			[]string{"chance", fmt.Sprintf("%.3f", c.Unseen.BToA.Chance), fmt.Sprintf("%.3f", c.Unseen.AToB.Chance), "", "", ""},
			[]string{"Lin et al. 2025 (8,9 only; epoch picked on test)", fmt.Sprintf("%.3f", z.Headline.PaperUnseenTop1), "", "", "", ""})
		sec.lines = []string{plainSentence(z)}
		if long {
			sec.lines = append(sec.lines, h.Note)
		}
		out = append(out, sec)
	}
	if s := r.Sweep; s != nil {
		sec := section{part: PartSweep, title: fmt.Sprintf("4. Co-design sweep %s: %s, in-memory, %s, seeds %v (mean over seeds)", s.Name, strings.Join(s.Axes, " × "), s.Data, s.Seeds)}
		head := append([]string{}, s.Axes...)
		sec.rows = [][]string{append(head, "accuracy", "chip energy", "chip latency", "digital energy", "digital latency", "Pareto")}
		for _, p := range s.Points {
			var row []string
			for _, a := range s.Axes {
				row = append(row, fmt.Sprint(p.Values[a]))
			}
			if len(p.Errors) == len(s.Seeds) {
				row = append(row, "failed", "", "", "", "", "")
			} else {
				mark := ""
				if p.Pareto {
					mark = "*"
				}
				row = append(row, acc(p.Accuracy), energy(float64(p.ChipEnergyJ.Mean)), latency(float64(p.ChipLatencyS.Mean)),
					energy(float64(p.DigitalEnergyJ.Mean)), latency(float64(p.DigitalLatencyS.Mean)), mark)
			}
			sec.rows = append(sec.rows, row)
		}
		sec.lines = []string{sweepSentence(s)}
		out = append(out, sec)
	}
	if bd := r.Board; bd != nil {
		res := bd.Result
		sec := section{part: PartBoard, title: "5. The audio classification again, the weights formed and read through the emulated board on a pty"}
		sec.rows = [][]string{
			{"array", "accuracy ± SD", "link requests", "resends", "bytes in"},
			{"simulated macro (part 2)", fmt.Sprintf("%.4f", bd.SimAccuracy), "", "", ""},
			{"emulated board on " + bd.Path, fmt.Sprintf("%.4f ± %.4f", res.Accuracy, res.AccuracyStd), "", "", ""},
		}
		if l := res.Macro.Link; len(l) > 0 {
			sec.rows[2][2], sec.rows[2][3], sec.rows[2][4] = fmt.Sprint(l[0].Requests), fmt.Sprint(l[0].Resends), fmt.Sprint(l[0].BytesIn)
		}
		if bd.Same {
			sec.lines = []string{"Identical to the simulated macro: accuracy, every fold, the confusion matrix and every conductance read."}
		} else {
			sec.lines = []string{"DIFFERS from the simulated macro in: " + strings.Join(bd.Differences, "; ")}
		}
		out = append(out, sec)
	}
	return out
}

// plainSentence is the one plain sentence on the zero-shot figures.
func plainSentence(z *ZeroShotPart) string {
	c := z.Headline.Contrastive.Unseen.BToA
	verdict := "indistinguishable from chance"
	switch {
	case c.CI != nil && c.CI.Low > c.Chance:
		verdict = "above chance"
	case c.CI != nil && c.CI.High < c.Chance:
		verdict = "below chance"
	}
	return fmt.Sprintf("In plain words: over %s as the unseen digits, with nothing chosen on test data, the paper's approach finds an unseen digit's image from its sound at %.2f (95 %% CI %s, chance %.2f): %s. The paper's %.3f is one pair, 8 and 9, with its training epoch picked on the test set.",
		designsText(z.Headline.Contrastive), c.Mean, ciText(c), c.Chance, verdict, z.Headline.PaperUnseenTop1)
}

// sweepSentence names the Pareto front and the chip's saving over
// digital on it.
func sweepSentence(s *SweepPart) string {
	var front []string
	var ratio []float64
	for _, p := range s.Points {
		if p.Pareto {
			front = append(front, p.Label)
			if e := float64(p.ChipEnergyJ.Mean); e > 0 {
				ratio = append(ratio, float64(p.DigitalEnergyJ.Mean)/e)
			}
		}
	}
	out := fmt.Sprintf("Pareto front (chip energy vs accuracy, *): %s.", strings.Join(front, "; "))
	if len(ratio) > 0 {
		lo, hi := ratio[0], ratio[0]
		for _, x := range ratio {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		span := fmt.Sprintf("%.0f–%.0f×", lo, hi)
		if fmt.Sprintf("%.0f", lo) == fmt.Sprintf("%.0f", hi) {
			span = fmt.Sprintf("%.0f×", lo)
		}
		out += fmt.Sprintf(" On it the projected chip spends %s less energy per inference than event-driven 45 nm digital hardware.", span)
	}
	if s.Failed > 0 {
		out += fmt.Sprintf(" %d of %d runs failed (see the report).", s.Failed, s.Runs)
	}
	return out
}

func pulseText(p experiment.PulseInfo) string {
	return fmt.Sprintf("%v × %v", units.Volts(p.Amplitude), units.Seconds(p.Width))
}

func designsText(d *experiment.DesignsResult) string {
	if len(d.Designs) == d.AllDesigns {
		return fmt.Sprintf("all %d pairs of %s", d.AllDesigns, classSpan(d.Classes))
	}
	return fmt.Sprintf("%d of the %d pairs of %s", len(d.Designs), d.AllDesigns, classSpan(d.Classes))
}

func classSpan(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return cs[0] + "–" + cs[len(cs)-1]
}

func estimate(e experiment.Estimate) string {
	if e.CI == nil {
		return fmt.Sprintf("%.3f", e.Mean)
	}
	return fmt.Sprintf("%.3f (%.3f–%.3f)", e.Mean, e.CI.Low, e.CI.High)
}

func ciText(e experiment.Estimate) string {
	if e.CI == nil {
		return "none (one design)"
	}
	return fmt.Sprintf("%.2f–%.2f", e.CI.Low, e.CI.High)
}

func short(e experiment.Estimate) string { return fmt.Sprintf("%.3f", e.Mean) }

func acc(s Stat) string {
	if math.IsNaN(float64(s.Std)) {
		return fmt.Sprintf("%.3f", float64(s.Mean))
	}
	return fmt.Sprintf("%.3f ± %.3f", float64(s.Mean), float64(s.Std))
}

func energy(j float64) string  { return eng(j, "J") }
func latency(s float64) string { return eng(s, "s") }

// eng writes x with three significant digits and an SI prefix: "3.44 µJ".
func eng(x float64, unit string) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	if x == 0 {
		return "0 " + unit
	}
	prefixes := []string{"f", "p", "n", "µ", "m", "", "k", "M", "G"}
	e := int(math.Floor(math.Log10(math.Abs(x)) / 3))
	e = max(min(e, 3), -5)
	v := x / math.Pow(1000, float64(e))
	s := strconv.FormatFloat(v, 'f', max(2-int(math.Floor(math.Log10(math.Abs(v)))), 0), 64)
	return s + " " + prefixes[e+5] + unit
}

// wrap breaks s into lines of at most n runes at spaces.
func wrap(s string, n int) []string {
	var out []string
	var line []string
	l := 0
	for _, w := range strings.Fields(s) {
		if l > 0 && l+1+len([]rune(w)) > n {
			out = append(out, strings.Join(line, " "))
			line, l = nil, 0
		}
		if l > 0 {
			l++
		}
		line = append(line, w)
		l += len([]rune(w))
	}
	if len(line) > 0 {
		out = append(out, strings.Join(line, " "))
	}
	return out
}
