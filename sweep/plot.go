package sweep

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-gota/gota/series"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Figure resolution of every PNG (assumption: sharp on screen, small
// enough to attach to a report).
const figDPI = 110

// Plot is one figure of a sweep, rendered as PNG.
type Plot struct {
	Name    string // file name, e.g. "accuracy_vs_adc_bits.png"
	WriteTo func(w io.Writer) error
}

// DefaultEnergyColumns are the columns the Pareto plot takes as the energy
// axis, the first one present winning, when Spec.Energy is empty.
var DefaultEnergyColumns = []string{
	"cost.chip.energy_j", "cost.board.energy_j", "cost.energy_j",
	"macro.counters.0.energy_j",
}

// Plots draws the metric against each axis (the main effect: the mean of
// every run at each value, with its 95 % t-interval, over the other axes
// and the seeds; each point's own mean and interval over its seeds beside
// it) and the metric–energy Pareto front when the table has an energy
// column.
func (t *Table) Plots(p *Plan) ([]Plot, error) {
	metric := p.metric()
	if !slices.Contains(t.Metrics, metric) {
		if t.failures() == t.Frame.Nrow() {
			return nil, nil // every run failed: nothing to draw
		}
		return nil, fmt.Errorf("sweep: the plot metric %q is not a column of the table (columns: %s)", metric, strings.Join(t.Metrics, ", "))
	}
	var out []Plot
	for i, a := range p.Spec.Axes {
		pl, err := t.axisPlot(p, i, metric)
		if err != nil {
			return nil, fmt.Errorf("sweep: plotting %s: %w", a.Name, err)
		}
		out = append(out, Plot{Name: fileName(metric + "_vs_" + a.Name), WriteTo: pngWriter(pl, 6*vg.Inch, 4*vg.Inch)})
	}
	if e := t.energyColumn(p); e != "" {
		pl, err := t.paretoPlot(p, metric, e)
		if err != nil {
			return nil, fmt.Errorf("sweep: plotting the Pareto front: %w", err)
		}
		out = append(out, Plot{Name: fileName(metric + "_energy_pareto"), WriteTo: pngWriter(pl, 6*vg.Inch, 4.5*vg.Inch)})
	}
	return out, nil
}

// energyColumn is the Pareto plot's energy column ("" if none).
func (t *Table) energyColumn(p *Plan) string {
	if p.Spec.Energy != "" {
		if slices.Contains(t.Metrics, p.Spec.Energy) {
			return p.Spec.Energy
		}
		return ""
	}
	for _, c := range DefaultEnergyColumns {
		if slices.Contains(t.Metrics, c) {
			return c
		}
	}
	return ""
}

func fileName(s string) string {
	r := strings.NewReplacer("/", "_", " ", "_", ":", "_")
	return r.Replace(s) + ".png"
}

func pngWriter(p *plot.Plot, w, h vg.Length) func(io.Writer) error {
	return func(out io.Writer) error {
		c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(figDPI))}
		p.Draw(draw.New(c))
		_, err := c.WriteTo(out)
		return err
	}
}

// dodge is the share of the smallest gap between two levels over which
// the points of one level are spread.
const dodge = 0.3

// failures counts the rows whose experiment failed.
func (t *Table) failures() int {
	n := 0
	for _, e := range t.Frame.Col("error").Records() {
		if e != "" {
			n++
		}
	}
	return n
}

// axisX returns the x position of each row for axis i: the value for a
// numeric axis, the level's index for a string one (with tick labels).
func (t *Table) axisX(p *Plan, i int) (x []float64, labels []string, logX bool) {
	a := p.Spec.Axes[i]
	col := t.Frame.Col(a.Name)
	n := t.Frame.Nrow()
	x = make([]float64, n)
	if col.Type() == series.Float {
		copy(x, col.Float())
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
		}
		logX = a.Range != nil && a.Range.Log || lo > 0 && hi/lo >= 50
		return x, nil, logX
	}
	idx := map[string]int{}
	for r := range n {
		s := col.Elem(r).String()
		k, ok := idx[s]
		if !ok {
			k = len(labels)
			idx[s] = k
			labels = append(labels, s)
		}
		x[r] = float64(k)
	}
	return x, labels, false
}

type levelTicks []string

func (l levelTicks) Ticks(min, max float64) []plot.Tick {
	out := make([]plot.Tick, len(l))
	for i, s := range l {
		out[i] = plot.Tick{Value: float64(i), Label: s}
	}
	return out
}

var (
	mainColor  = color.RGBA{R: 0x1f, G: 0x5f, B: 0xaf, A: 0xff}
	pointColor = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
	frontColor = color.RGBA{R: 0xc0, G: 0x30, B: 0x20, A: 0xff}
)

func (t *Table) axisPlot(p *Plan, i int, metric string) (*plot.Plot, error) {
	a := p.Spec.Axes[i]
	x, labels, logX := t.axisX(p, i)
	y := t.Frame.Col(metric).Float()
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s vs %s (%s)", metric, a.Name, orName(p.Spec.Name))
	pl.X.Label.Text = a.Name
	pl.Y.Label.Text = metric
	if f := t.failures(); f > 0 {
		pl.Title.Text += fmt.Sprintf("\n%d of %d runs failed (no %s; see the error column)", f, t.Frame.Nrow(), metric)
	}
	if labels != nil {
		pl.X.Tick.Marker = levelTicks(labels)
		pl.X.Min, pl.X.Max = -0.5, float64(len(labels))-0.5
	}
	if logX {
		pl.X.Scale = plot.LogScale{}
		pl.X.Tick.Marker = plot.LogTicks{Prec: 2}
	}
	// Levels in increasing x.
	var levels []float64
	for _, v := range x {
		if !slices.Contains(levels, v) {
			levels = append(levels, v)
		}
	}
	slices.Sort(levels)
	if labels == nil && len(levels) > 0 {
		// Every level on the axis, even one whose runs all failed.
		pad := 0.05 * (levels[len(levels)-1] - levels[0])
		if logX {
			pl.X.Min, pl.X.Max = levels[0]/1.15, levels[len(levels)-1]*1.15
		} else if pad > 0 {
			pl.X.Min, pl.X.Max = levels[0]-pad, levels[len(levels)-1]+pad
		}
	}
	// Dodge points of one level apart: a fraction of the gap between
	// levels (multiplicative on a log axis).
	gap := 1.0
	for k := 1; k < len(levels); k++ {
		d := levels[k] - levels[k-1]
		if logX {
			d = math.Log(levels[k] / levels[k-1])
		}
		if k == 1 || d < gap {
			gap = d
		}
	}
	rows, stats := t.PointStats(metric)
	perLevel := map[float64]int{}
	countAt := map[float64]int{}
	for _, r := range rows {
		countAt[x[r]]++
	}
	var pts plotter.XYs
	var errs plotter.YErrors
	for k, r := range rows {
		s := stats[k]
		if math.IsNaN(s.Mean) {
			continue
		}
		j := perLevel[x[r]]
		perLevel[x[r]]++
		off := (float64(j)+0.5)/float64(countAt[x[r]]) - 0.5 // in (−½, ½)
		px := x[r]
		if logX {
			px *= math.Exp(dodge * gap * off)
		} else {
			px += dodge * gap * off
		}
		pts = append(pts, plotter.XY{X: px, Y: s.Mean})
		h := s.HalfWidth
		if math.IsNaN(h) {
			h = 0
		}
		errs = append(errs, struct{ Low, High float64 }{h, h})
	}
	if len(pts) > 0 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Color = pointColor
		sc.GlyphStyle.Radius = vg.Points(2)
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, errs})
		if err != nil {
			return nil, err
		}
		eb.LineStyle.Color = pointColor
		pl.Add(eb, sc)
		pl.Legend.Add(fmt.Sprintf("each point: mean ± 95 %% CI over %d seeds", len(p.Seeds)), sc)
	}
	// Main effect: every run at each level.
	var main plotter.XYs
	var mainErr plotter.YErrors
	for _, lv := range levels {
		var ys []float64
		for r := range y {
			if x[r] == lv {
				ys = append(ys, y[r])
			}
		}
		s := MeanCI(ys)
		if math.IsNaN(s.Mean) {
			continue
		}
		h := s.HalfWidth
		if math.IsNaN(h) {
			h = 0
		}
		main = append(main, plotter.XY{X: lv, Y: s.Mean})
		mainErr = append(mainErr, struct{ Low, High float64 }{h, h})
	}
	if len(main) > 0 {
		ln, sc, err := plotter.NewLinePoints(main)
		if err != nil {
			return nil, err
		}
		ln.Color, ln.Width = mainColor, vg.Points(1.5)
		sc.Color, sc.Shape, sc.Radius = mainColor, draw.CircleGlyph{}, vg.Points(3.5)
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{main, mainErr})
		if err != nil {
			return nil, err
		}
		eb.LineStyle.Color, eb.LineStyle.Width = mainColor, vg.Points(1.5)
		pl.Add(ln, eb, sc)
		pl.Legend.Add("main effect: mean ± 95 % CI of all runs at the value", ln, sc)
	}
	pl.Legend.Top = false
	pl.Legend.Left = true
	pl.Legend.TextStyle.Font.Size = vg.Points(8)
	pl.Add(plotter.NewGrid())
	return pl, nil
}

// ParetoFront returns the indices of the points not dominated in (lower
// energy, higher metric), sorted by energy; NaN points are never on it.
func ParetoFront(energy, metric []float64) []int { return paretoFront(energy, metric) }

// paretoFront is ParetoFront.
func paretoFront(energy, metric []float64) []int {
	idx := make([]int, 0, len(energy))
	for i := range energy {
		if !math.IsNaN(energy[i]) && !math.IsNaN(metric[i]) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if energy[a] != energy[b] {
			if energy[a] < energy[b] {
				return -1
			}
			return 1
		}
		if metric[a] != metric[b] {
			if metric[a] > metric[b] {
				return -1
			}
			return 1
		}
		return 0
	})
	var front []int
	best := math.Inf(-1)
	for _, i := range idx {
		if metric[i] > best {
			front = append(front, i)
			best = metric[i]
		}
	}
	return front
}

func (t *Table) paretoPlot(p *Plan, metric, energy string) (*plot.Plot, error) {
	_, ms := t.PointStats(metric)
	rows, es := t.PointStats(energy)
	e := make([]float64, len(es))
	m := make([]float64, len(ms))
	for k := range es {
		e[k], m[k] = es[k].Mean, ms[k].Mean
	}
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s–energy Pareto front (%s)", metric, orName(p.Spec.Name))
	pl.X.Label.Text = energy
	pl.Y.Label.Text = metric + " (mean over seeds)"
	lo, hi := math.Inf(1), math.Inf(-1)
	var all plotter.XYs
	var errs plotter.YErrors
	for k := range e {
		if math.IsNaN(e[k]) || math.IsNaN(m[k]) {
			continue
		}
		lo, hi = min(lo, e[k]), max(hi, e[k])
		all = append(all, plotter.XY{X: e[k], Y: m[k]})
		h := ms[k].HalfWidth
		if math.IsNaN(h) {
			h = 0
		}
		errs = append(errs, struct{ Low, High float64 }{h, h})
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no point has both %s and %s", metric, energy)
	}
	if lo > 0 && hi/lo >= 10 {
		pl.X.Scale = plot.LogScale{}
		pl.X.Tick.Marker = plot.LogTicks{Prec: 2}
		pl.X.Min, pl.X.Max = lo/1.3, hi*4 // room for the labels on the right
	} else if hi > lo {
		pl.X.Min, pl.X.Max = lo-0.05*(hi-lo), hi+0.6*(hi-lo)
	}
	sc, err := plotter.NewScatter(all)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle.Color, sc.GlyphStyle.Radius = pointColor, vg.Points(2.5)
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYer
		plotter.YErrorer
	}{all, errs})
	if err != nil {
		return nil, err
	}
	eb.LineStyle.Color = pointColor
	pl.Add(plotter.NewGrid(), eb, sc)
	pl.Legend.Add(fmt.Sprintf("point: mean ± 95 %% CI over %d seeds", len(p.Seeds)), sc)
	front := paretoFront(e, m)
	var fxy, lxy plotter.XYs
	var names []string
	// The drawn y span, error bars included: labels closer than a few
	// per cent of it would overprint.
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for i, xy := range all {
		ylo, yhi = min(ylo, xy.Y-errs[i].Low), max(yhi, xy.Y+errs[i].High)
	}
	for _, k := range front {
		fxy = append(fxy, plotter.XY{X: e[k], Y: m[k]})
		// Label a front point unless it would sit on the previous label
		// (points of nearly equal energy and accuracy).
		if n := len(lxy); n > 0 && math.Abs(m[k]-lxy[n-1].Y) < 0.035*(yhi-ylo+1e-12) && xFrac(pl, lxy[n-1].X, e[k]) < 0.45 {
			continue
		}
		lxy = append(lxy, plotter.XY{X: e[k], Y: m[k]})
		names = append(names, shortDescribe(p, p.Points[t.pointAt(rows[k])]))
	}
	ln, fsc, err := plotter.NewLinePoints(fxy)
	if err != nil {
		return nil, err
	}
	ln.Color, ln.Width = frontColor, vg.Points(1.5)
	fsc.Color, fsc.Shape, fsc.Radius = frontColor, draw.CircleGlyph{}, vg.Points(3.5)
	pl.Add(ln, fsc)
	pl.Legend.Add("Pareto front (no point is better in both)", ln, fsc)
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: lxy, Labels: names})
	if err != nil {
		return nil, err
	}
	for i := range lb.TextStyle {
		lb.TextStyle[i].Font.Size = vg.Points(7)
		lb.TextStyle[i].XAlign = draw.XLeft
	}
	lb.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(-3)}
	pl.Add(lb)
	pl.Legend.Top = false
	pl.Legend.Left = false
	pl.Legend.TextStyle.Font.Size = vg.Points(8)
	return pl, nil
}

// pointAt returns the point index of table row r.
func (t *Table) pointAt(r int) int {
	v, _ := t.Frame.Col("point").Elem(r).Int()
	return v
}

// shortDescribe labels a point by its axis values, compactly.
func shortDescribe(p *Plan, pt Point) string {
	parts := make([]string, len(p.Spec.Axes))
	for i, a := range p.Spec.Axes {
		v := pt.Values[i]
		s := formatValue(v)
		if f, ok := v.(float64); ok {
			s = strconv.FormatFloat(f, 'g', 3, 64)
		}
		parts[i] = a.Name + "=" + s
	}
	return strings.Join(parts, " ")
}

// xFrac is the distance from a to b as a fraction of the x axis's width.
func xFrac(pl *plot.Plot, a, b float64) float64 {
	if _, ok := pl.X.Scale.(plot.LogScale); ok {
		return math.Abs(math.Log(b/a)) / math.Log(pl.X.Max/pl.X.Min)
	}
	return math.Abs(b-a) / (pl.X.Max - pl.X.Min)
}
