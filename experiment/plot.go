package experiment

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/figure"
)

// grid is a matrix as a plotter.GridXYZ: column c, row r of the picture is
// m[r][c], rows drawn top to bottom.
type grid struct {
	z        [][]float64
	min, max float64
}

func (g grid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g grid) Z(c, r int) float64 { return g.z[len(g.z)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) Min() float64       { return g.min }
func (g grid) Max() float64       { return g.max }

// classTicks labels integer positions with names; reversed counts rows from
// the top.
type classTicks struct {
	names    []string
	reversed bool
}

func (t classTicks) Ticks(min, max float64) []plot.Tick {
	out := make([]plot.Tick, len(t.names))
	for i, n := range t.names {
		v := float64(i)
		if t.reversed {
			v = float64(len(t.names) - 1 - i)
		}
		out[i] = plot.Tick{Value: v, Label: n}
	}
	return out
}

// spanTicks labels the centre of each class's block of rows or columns.
type spanTicks struct {
	names  []string
	starts []int // first index of each block, plus the total at the end
	rows   bool  // count from the top (rows are drawn top to bottom)
}

func (t spanTicks) Ticks(min, max float64) []plot.Tick {
	total := t.starts[len(t.starts)-1]
	var out []plot.Tick
	for i, n := range t.names {
		c := float64(t.starts[i]+t.starts[i+1]-1) / 2
		if t.rows {
			c = float64(total-1) - c
		}
		out = append(out, plot.Tick{Value: c, Label: n})
	}
	return out
}

// render draws p at w×h into out in format ("png", "svg" or "pdf").
func render(p *plot.Plot, w, h vg.Length, out io.Writer, format string) error {
	f := figure.Figure{Width: w, Height: h, Draw: func(c draw.Canvas) error { p.Draw(c); return nil }}
	if err := f.Write(out, format); err != nil {
		return fmt.Errorf("experiment: rendering %q: %w", p.Title.Text, err)
	}
	return nil
}

// cellLabels writes each cell's value on a heat map.
func cellLabels(z [][]float64, format func(float64) string, light func(float64) bool) (*plotter.Labels, error) {
	var xyl plotter.XYLabels
	var colors []color.Color
	for r, row := range z {
		for c, v := range row {
			xyl.XYs = append(xyl.XYs, plotter.XY{X: float64(c), Y: float64(len(z) - 1 - r)})
			xyl.Labels = append(xyl.Labels, format(v))
			if light(v) {
				colors = append(colors, color.White)
			} else {
				colors = append(colors, color.Black)
			}
		}
	}
	l, err := plotter.NewLabels(xyl)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Color = colors[i]
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YCenter
	}
	return l, nil
}

// PlotConfusion writes the confusion matrix as a PNG heat map: rows are
// the true classes, columns the predictions, each cell the fraction of its
// row (its count written in it).
func (r *ClassifyResult) PlotConfusion(out io.Writer) error { return r.plotConfusion(out, "png") }

func (r *ClassifyResult) plotConfusion(out io.Writer, format string) error {
	n := len(r.Classes)
	z := make([][]float64, n)
	counts := make([][]float64, n)
	for i, row := range r.Confusion {
		total := 0
		for _, v := range row {
			total += v
		}
		z[i] = make([]float64, n)
		counts[i] = make([]float64, n)
		for j, v := range row {
			counts[i][j] = float64(v)
			if total > 0 {
				z[i][j] = float64(v) / float64(total)
			}
		}
	}
	p := plot.New()
	acc := fmt.Sprintf("accuracy %.4f", r.Accuracy)
	if r.Folds > 1 {
		acc += fmt.Sprintf(" ± %.4f over %d splits", r.AccuracyStd, r.Folds)
	}
	p.Title.Text = fmt.Sprintf("Confusion matrix of %s: %s\n%s", shortName(r.Data), acc, r.Protocol)
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	cm := palette.Reverse(moreland.BlackBody())
	cm.SetMin(0)
	cm.SetMax(1)
	h := plotter.NewHeatMap(grid{z: z, min: 0, max: 1}, cm.Palette(256))
	p.Add(h)
	labels, err := cellLabels(counts, func(v float64) string { return strconv.Itoa(int(v)) },
		func(v float64) bool { return false })
	if err != nil {
		return fmt.Errorf("experiment: confusion plot: %w", err)
	}
	// Dark cells (a high fraction) get white numbers.
	for k := range labels.TextStyle {
		i, j := k/n, k%n
		if z[i][j] > 0.6 {
			labels.TextStyle[k].Color = color.White
		}
	}
	p.Add(labels)
	p.X.Tick.Marker = classTicks{names: r.Classes}
	p.Y.Tick.Marker = classTicks{names: r.Classes, reversed: true}
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	side := 5.5 * vg.Inch
	f := figure.Figure{Width: side + figure.ColorBarWidth, Height: side + 0.2*vg.Inch, Draw: func(dc draw.Canvas) error {
		figure.Beside(dc, p, figure.ColorBar(cm, "fraction of the true class"))
		return nil
	}}
	if err := f.Write(out, format); err != nil {
		return fmt.Errorf("experiment: rendering the confusion matrix: %w", err)
	}
	return nil
}

// shortName is the last element of a data source's path, for titles.
func shortName(spec string) string {
	scheme, rest, _ := strings.Cut(spec, ":")
	rest, _, _ = strings.Cut(rest, "?")
	rest = strings.TrimRight(rest, "/")
	if k := strings.LastIndexByte(rest, '/'); k >= 0 {
		rest = rest[k+1:]
	}
	if rest == "" {
		return spec
	}
	return scheme + ":" + rest
}

// PlotSimilarity writes the cross-modal similarity matrices of the seen
// and the unseen test pairs as one PNG: two heat maps side by side, audio
// queries down, images across, both ordered by class.
func (r *ZeroShotResult) PlotSimilarity(out io.Writer) error { return r.plotSimilarity(out, "png") }

func (r *ZeroShotResult) plotSimilarity(out io.Writer, format string) error {
	const panelW, panelH = 4.6 * vg.Inch, 4.6 * vg.Inch
	var plots, bars []*plot.Plot
	for _, g := range []struct {
		name string
		ret  Retrieval
	}{{"seen", r.Seen}, {"unseen", r.Unseen}} {
		p, cm, err := similarityPlot(g.name, g.ret)
		if err != nil {
			return err
		}
		plots, bars = append(plots, p), append(bars, figure.ColorBar(cm, "similarity"))
	}
	w := panelW + figure.ColorBarWidth
	f := figure.Figure{Width: 2 * w, Height: panelH, Draw: func(dc draw.Canvas) error {
		for i := range plots {
			figure.Beside(draw.Crop(dc, vg.Length(i)*w, -vg.Length(1-i)*w, 0, 0), plots[i], bars[i])
		}
		return nil
	}}
	if err := f.Write(out, format); err != nil {
		return fmt.Errorf("experiment: rendering the similarity plot: %w", err)
	}
	return nil
}

// similarityPlot draws one group's similarity matrix and returns its
// colour map.
func similarityPlot(name string, ret Retrieval) (*plot.Plot, palette.ColorMap, error) {
	if ret.Similarity == nil {
		return nil, nil, fmt.Errorf("experiment: no similarity matrix for the %s classes", name)
	}
	rows, cols := ret.Similarity.Dims()
	z := make([][]float64, rows)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range z {
		z[i] = mat.Row(nil, i, ret.Similarity)
		for _, v := range z[i] {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	p := plot.New()
	n := ret.Names
	p.Title.Text = fmt.Sprintf("%s classes %s: %s %.3f, %s %.3f", name, classRange(ret.Classes), n.Arrow(true), ret.Top1.BToA, n.Arrow(false), ret.Top1.AToB)
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.Text = n.A + " (gallery), by class"
	p.Y.Label.Text = n.B + " (query), by class"
	cm := moreland.SmoothBlueRed()
	cm.SetMin(lo)
	cm.SetMax(hi)
	h := plotter.NewHeatMap(grid{z: z, min: lo, max: hi}, cm.Palette(256))
	// Cells are vector rectangles (crisp in SVG and PDF) unless the matrix
	// is so large that its file would bloat (assumption: 250,000 cells,
	// about 25 MB of SVG).
	h.Rasterized = rows*cols > 250_000
	p.Add(h)
	// Class blocks: pairs come class by class.
	starts := []int{0}
	for k := 1; k < len(ret.Labels); k++ {
		if ret.Labels[k] != ret.Labels[k-1] {
			starts = append(starts, k)
		}
	}
	starts = append(starts, len(ret.Labels))
	names := make([]string, len(starts)-1)
	for i := range names {
		names[i] = ret.Classes[ret.Labels[starts[i]]]
	}
	for _, s := range starts[1 : len(starts)-1] {
		lx, err := plotter.NewLine(plotter.XYs{{X: float64(s) - 0.5, Y: -0.5}, {X: float64(s) - 0.5, Y: float64(rows) - 0.5}})
		if err != nil {
			return nil, nil, err
		}
		ly, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: float64(rows-s) - 0.5}, {X: float64(cols) - 0.5, Y: float64(rows-s) - 0.5}})
		if err != nil {
			return nil, nil, err
		}
		lx.Color, ly.Color = color.Black, color.Black
		lx.Width, ly.Width = vg.Points(0.6), vg.Points(0.6)
		p.Add(lx, ly)
	}
	p.X.Tick.Marker = spanTicks{names: names, starts: starts}
	p.Y.Tick.Marker = spanTicks{names: names, starts: starts, rows: true}
	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	return p, cm, nil
}

// writeFigure writes a plot produced by draw to the file at path, in the
// format its extension names (.png, .svg or .pdf; any other is refused),
// atomically.
func writeFigure(path string, draw func(io.Writer, string) error) error {
	format, err := figure.Format(path)
	if err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return draw(w, format) }); err != nil {
		return fmt.Errorf("experiment: %w", err)
	}
	return nil
}

// PlotConfusionFile writes the confusion matrix to path: PNG, SVG or PDF
// by its extension.
func (r *ClassifyResult) PlotConfusionFile(path string) error {
	return writeFigure(path, r.plotConfusion)
}

// PlotSimilarityFile writes the similarity matrices to path: PNG, SVG or
// PDF by its extension.
func (r *ZeroShotResult) PlotSimilarityFile(path string) error {
	return writeFigure(path, r.plotSimilarity)
}

// Colours and dashes of the zero-shot diagnostics (assumption: the
// colour-blind-safe blue and vermilion of Okabe & Ito 2008; seen blue,
// unseen vermilion; audio→image solid, image→audio dashed).
var (
	colorSeen   = color.NRGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}
	colorUnseen = color.NRGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}
	colorChance = color.NRGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
	dashI2A     = []vg.Length{vg.Points(5), vg.Points(3)}
	dashChance  = []vg.Length{vg.Points(2), vg.Points(2)}
)

// legendWidth is the panel right of a diagnostic plot that holds its
// legend, so the legend never hides data.
const legendWidth = 2.3 * vg.Inch

// renderWithLegend draws p at w×h with legend l in a panel on its right.
func renderWithLegend(p *plot.Plot, l plot.Legend, w, h vg.Length, out io.Writer, format string) error {
	f := figure.Figure{Width: w, Height: h, Draw: func(dc draw.Canvas) error {
		p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
		l.Top, l.Left = true, true
		l.TextStyle.Font.Size = vg.Points(9)
		panel := draw.Crop(dc, w-legendWidth+vg.Millimeter*3, 0, 0, -vg.Millimeter*12)
		l.Draw(panel)
		return nil
	}}
	if err := f.Write(out, format); err != nil {
		return fmt.Errorf("experiment: rendering %q: %w", p.Title.Text, err)
	}
	return nil
}

// hline is a horizontal line segment from x0 to x1 at y.
func hline(x0, x1, y float64, c color.Color, dashes []vg.Length) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return nil, err
	}
	l.Color, l.Dashes, l.Width = c, dashes, vg.Points(1.2)
	return l, nil
}

// PlotSweep writes the seed sweep as a PNG strip plot: for seen and unseen
// classes in both directions, one dot per seed over a box plot of the
// seeds (median, quartiles, whiskers at 1.5 IQR), with each group's chance
// level as a dashed line. It fails if the result has no sweep.
func (r *ZeroShotResult) PlotSweep(out io.Writer) error { return r.plotSweep(out, "png") }

func (r *ZeroShotResult) plotSweep(out io.Writer, format string) error {
	s := r.Sweep
	if s == nil || len(s.Runs) == 0 {
		return fmt.Errorf("experiment: the result has no seed sweep (set ZeroShotConfig.Seeds)")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Seed sweep (scope %v): %d seeds, %s", s.Scope, len(s.Seeds), seedList(s.Seeds))
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.Text = "top-1 retrieval accuracy"
	p.Y.Min, p.Y.Max = 0, 1.02
	p.Y.Tick.Marker = accuracyTicks
	p.X.Min, p.X.Max = -0.6, 3.6
	n := r.Modalities
	p.NominalX("seen\n"+n.Arrow(true), "seen\n"+n.Arrow(false), "unseen\n"+n.Arrow(true), "unseen\n"+n.Arrow(false))
	p.Add(plotter.NewGrid())
	groups := []struct {
		get    func(SweepRun) float64
		chance float64
		col    color.Color
	}{
		{func(r SweepRun) float64 { return r.Seen.BToA }, s.Seen.BToA.Chance, colorSeen},
		{func(r SweepRun) float64 { return r.Seen.AToB }, s.Seen.AToB.Chance, colorSeen},
		{func(r SweepRun) float64 { return r.Unseen.BToA }, s.Unseen.BToA.Chance, colorUnseen},
		{func(r SweepRun) float64 { return r.Unseen.AToB }, s.Unseen.AToB.Chance, colorUnseen},
	}
	l := plot.NewLegend()
	var chance *plotter.Line
	for g, grp := range groups {
		x := float64(g)
		vals := make(plotter.Values, len(s.Runs))
		pts := make(plotter.XYs, len(s.Runs))
		for k, run := range s.Runs {
			vals[k] = grp.get(run)
			// Deterministic jitter (golden-ratio sequence) spreads the dots.
			j := math.Mod(float64(k)*0.6180339887, 1) - 0.5
			pts[k] = plotter.XY{X: x + 0.45*j, Y: vals[k]}
		}
		box, err := plotter.NewBoxPlot(vg.Points(44), x, vals)
		if err != nil {
			return fmt.Errorf("experiment: sweep plot: %w", err)
		}
		box.BoxStyle.Color, box.MedianStyle.Color, box.WhiskerStyle.Color = colorChance, color.Black, colorChance
		box.MedianStyle.Width = vg.Points(1.5)
		box.GlyphStyle.Radius = 0 // the dots show every seed
		dots, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("experiment: sweep plot: %w", err)
		}
		dots.GlyphStyle = draw.GlyphStyle{Color: grp.col, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		line, err := hline(x-0.42, x+0.42, grp.chance, colorChance, dashChance)
		if err != nil {
			return err
		}
		line.Width = vg.Points(1.6)
		p.Add(box, line, dots)
		switch g {
		case 0:
			l.Add("one seed, seen classes", dots)
		case 2:
			l.Add("one seed, unseen classes", dots)
		}
		chance = line
	}
	l.Add("chance", chance)
	return renderWithLegend(p, l, 8.2*vg.Inch, 4.8*vg.Inch, out, format)
}

// PlotTrace writes the per-epoch trace as a PNG: seen and unseen top-1
// retrieval in both directions against the training epoch, with the chance
// levels, and — marked as selected on the test set — the epochs the
// paper's rule (SelectLikePaper) would pick. It fails if the result has no
// trace.
func (r *ZeroShotResult) PlotTrace(out io.Writer) error { return r.plotTrace(out, "png") }

func (r *ZeroShotResult) plotTrace(out io.Writer, format string) error {
	t := r.Trace
	if t == nil || len(t.Epochs) == 0 {
		return fmt.Errorf("experiment: the result has no per-epoch trace (set ZeroShotConfig.Trace)")
	}
	n := len(t.Epochs)
	nm := r.Modalities
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Retrieval after every training epoch (seed %d; the last epoch is the result)", r.Seed)
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.Text = "training epoch"
	p.Y.Label.Text = "top-1 retrieval accuracy"
	p.Y.Min, p.Y.Max = 0, 1.02
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	p.X.Tick.Marker, p.Y.Tick.Marker = epochTicks(n), accuracyTicks
	p.Add(plotter.NewGrid())
	l := plot.NewLegend()
	for _, c := range []struct {
		name string
		y    float64
		col  color.Color
	}{{"chance, seen", t.ChanceSeen.BToA, colorSeen}, {"chance, unseen", t.ChanceUnseen.BToA, colorUnseen}} {
		line, err := hline(0.5, float64(n)+0.5, c.y, c.col, dashChance)
		if err != nil {
			return err
		}
		line.Width = vg.Points(1)
		p.Add(line)
		l.Add(c.name, line)
	}
	for _, s := range []struct {
		name   string
		get    func(EpochRetrieval) float64
		col    color.Color
		dashes []vg.Length
	}{
		{"seen, " + nm.Arrow(true), func(e EpochRetrieval) float64 { return e.Seen.BToA }, colorSeen, nil},
		{"seen, " + nm.Arrow(false), func(e EpochRetrieval) float64 { return e.Seen.AToB }, colorSeen, dashI2A},
		{"unseen, " + nm.Arrow(true), func(e EpochRetrieval) float64 { return e.Unseen.BToA }, colorUnseen, nil},
		{"unseen, " + nm.Arrow(false), func(e EpochRetrieval) float64 { return e.Unseen.AToB }, colorUnseen, dashI2A},
	} {
		xys := make(plotter.XYs, n)
		for k, e := range t.Epochs {
			xys[k] = plotter.XY{X: float64(e.Epoch), Y: s.get(e)}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("experiment: trace plot: %w", err)
		}
		line.Color, line.Dashes, line.Width = s.col, s.dashes, vg.Points(1.6)
		p.Add(line)
		l.Add(s.name, line)
	}
	if pp := r.PaperProtocol; pp != nil {
		for _, d := range []struct {
			name  string
			sel   PaperSelection
			shape draw.GlyphDrawer
		}{{nm.Short(true), pp.Rule.BToA, draw.TriangleGlyph{}}, {nm.Short(false), pp.Rule.AToB, draw.SquareGlyph{}}} {
			if d.sel.Selected == nil {
				l.Add(fmt.Sprintf("paper rule %s: no epoch", d.name))
				l.Add("   qualifies")
				continue
			}
			e := d.sel.Selected
			pts, err := plotter.NewScatter(plotter.XYs{{X: float64(e.Epoch), Y: e.Seen}, {X: float64(e.Epoch), Y: e.Unseen}})
			if err != nil {
				return fmt.Errorf("experiment: trace plot: %w", err)
			}
			pts.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4.5), Shape: d.shape}
			p.Add(pts)
			l.Add(fmt.Sprintf("paper rule %s, epoch %d", d.name, e.Epoch), pts)
		}
		l.Add("(picked on the TEST set:")
		l.Add(" a diagnostic, not a result)")
	}
	return renderWithLegend(p, l, 8.6*vg.Inch, 4.8*vg.Inch, out, format)
}

// PlotSweepFile writes the seed sweep to path: PNG, SVG or PDF by its
// extension.
func (r *ZeroShotResult) PlotSweepFile(path string) error { return writeFigure(path, r.plotSweep) }

// PlotTraceFile writes the per-epoch trace to path: PNG, SVG or PDF by its
// extension.
func (r *ZeroShotResult) PlotTraceFile(path string) error { return writeFigure(path, r.plotTrace) }

// stepTicks are ticks at every multiple of Major (labelled with Format)
// and of Minor (unlabelled), so an axis reads at a glance.
type stepTicks struct {
	Major, Minor float64
	Format       string
}

func (t stepTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	const eps = 1e-9
	if t.Minor > 0 {
		for v := math.Ceil(lo/t.Minor-eps) * t.Minor; v <= hi+eps; v += t.Minor {
			if math.Abs(v/t.Major-math.Round(v/t.Major)) > 1e-6 {
				out = append(out, plot.Tick{Value: v})
			}
		}
	}
	for v := math.Ceil(lo/t.Major-eps) * t.Major; v <= hi+eps; v += t.Major {
		out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf(t.Format, v+0)})
	}
	return out
}

// niceStep is the 1-2-5 step that divides span into about n parts.
func niceStep(span float64, n int) float64 {
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// epochTicks label every niceStep epochs, with a minor tick per epoch up
// to 100 epochs.
func epochTicks(n int) stepTicks {
	major := max(niceStep(float64(n), 10), 1)
	minor := 1.0
	if n > 100 {
		minor = major / 5
	}
	return stepTicks{Major: major, Minor: minor, Format: "%.0f"}
}

// accuracyTicks label every 0.1 of an accuracy axis, minor ticks every 0.05.
var accuracyTicks = stepTicks{Major: 0.1, Minor: 0.05, Format: "%.1f"}
