package calibrate

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Figure size and resolution of every PNG (assumption: large enough to
// read on screen and in the HTML report, small enough to inline).
const (
	figW   = 6.5 * vg.Inch
	figH   = 4.2 * vg.Inch
	figDPI = 110
)

// Colours of the figures (Okabe–Ito, distinguishable with colour-blindness).
var (
	colBlue   = color.RGBA{0, 114, 178, 255}
	colOrange = color.RGBA{230, 159, 0, 255}
	colGreen  = color.RGBA{0, 158, 115, 255}
	colRed    = color.RGBA{213, 94, 0, 255}
	colPurple = color.RGBA{204, 121, 167, 255}
	colSky    = color.RGBA{86, 180, 233, 255}
	colGrey   = color.RGBA{150, 150, 150, 255}
	palette6  = []color.Color{colBlue, colOrange, colGreen, colRed, colPurple, colSky}
)

// newPlot returns a plot with a title, axis labels and a grid.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.X.Tick.Marker = plainTicks{}
	p.Y.Tick.Marker = plainTicks{}
	return p
}

// plainTicks are gonum/plot's default ticks labelled in the shortest
// form ("250", not "250.00").
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 6, 64)
		}
	}
	return ts
}

// render draws p as a PNG, its legend in a band below the axes, where it
// can never hide data.
func render(p *plot.Plot) ([]byte, error) {
	l := p.Legend
	p.Legend = plot.NewLegend()
	band := legendBand(l)
	h := figH + band
	c := vgimg.NewWith(vgimg.UseWH(figW, h), vgimg.UseDPI(figDPI))
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, 0, 0, band, 0))
	if band > 0 {
		l.Top, l.Left, l.XOffs, l.YOffs, l.Padding = true, true, 0, 0, vg.Points(2)
		l.Draw(draw.Crop(dc, legendIndent, 0, 0, -(h - band)))
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("calibrate: rendering %q: %w", p.Title.Text, err)
	}
	return b.Bytes(), nil
}

// legendIndent moves the legend band's entries under the plot's y axis.
const legendIndent = 0.55 * vg.Inch

// legendBand is the height of the band below a figure that holds legend
// l, 0 for an empty legend.
func legendBand(l plot.Legend) vg.Length {
	r := l.Rectangle(draw.New(vgimg.New(figW, figH)))
	if r.Size().Y <= 0 || r.Size().X <= vg.Points(1) {
		return 0
	}
	return r.Size().Y + 0.15*vg.Inch
}

// curve is a function drawn over a histogram or a scatter.
type curve struct {
	label  string
	f      func(float64) float64
	colour color.Color
	dashed bool
}

func addCurve(p *plot.Plot, c curve, xmin, xmax float64) {
	fn := plotter.NewFunction(c.f)
	fn.XMin, fn.XMax = xmin, xmax
	fn.Samples = 400
	fn.Color = c.colour
	fn.Width = vg.Points(2)
	if c.dashed {
		fn.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	}
	p.Add(fn)
	if c.label != "" {
		p.Legend.Add(c.label, fn)
	}
}

// histFigure draws a histogram of x in bins of width bw starting at lo,
// in counts, with density curves scaled to counts (density × n × bw).
//
// The x axis spans at least [lo, hiX]; the y axis leaves the top third
// free for the legend.
func histFigure(title, xlabel string, x []float64, lo, hiX, bw float64, label string, curves ...curve) ([]byte, error) {
	p := newPlot(title, xlabel, "cells")
	if len(x) == 0 {
		return render(p)
	}
	hi := lo
	for _, v := range x {
		hi = max(hi, v)
	}
	nb := int(math.Floor((hi-lo)/bw)) + 1
	vals := plotter.Values(x)
	h, err := plotter.NewHist(vals, nb)
	if err != nil {
		return nil, fmt.Errorf("calibrate: histogram %q: %w", title, err)
	}
	// Rebin on the requested grid (NewHist bins over the data range).
	bins := make([]plotter.HistogramBin, nb)
	for i := range bins {
		bins[i].Min, bins[i].Max = lo+float64(i)*bw, lo+float64(i+1)*bw
	}
	for _, v := range x {
		i := int(math.Floor((v - lo) / bw))
		if i >= 0 && i < nb {
			bins[i].Weight++
		}
	}
	h.Bins, h.Width = bins, bw
	h.FillColor = color.RGBA{170, 200, 230, 255}
	h.LineStyle.Color = color.RGBA{90, 120, 160, 255}
	p.Add(h)
	if label != "" {
		p.Legend.Add(label, h)
	}
	n := float64(len(x))
	xmin, xmax := lo, max(lo+float64(nb)*bw, hiX)
	for _, c := range curves {
		f := c.f
		c.f = func(v float64) float64 { return f(v) * n * bw }
		addCurve(p, c, xmin, xmax)
	}
	p.X.Min, p.X.Max = xmin, xmax
	p.Y.Min = 0
	var top float64
	for _, b := range bins {
		top = max(top, b.Weight)
	}
	for _, c := range curves {
		for k := range 200 {
			top = max(top, c.f(xmin+(xmax-xmin)*float64(k)/199)*n*bw)
		}
	}
	p.Y.Max = 1.5 * top
	return render(p)
}

// grid is a row-major map of an array region for a heat map, placed at
// the region's array coordinates (r0, c0) and drawn with row r0 at the
// top.
type grid struct {
	rows, cols int
	r0, c0     int
	v          []float64
}

func (g grid) Dims() (c, r int)   { return g.cols, g.rows }
func (g grid) Z(c, r int) float64 { return g.v[r*g.cols+c] }
func (g grid) X(c int) float64    { return float64(g.c0 + c) }
func (g grid) Y(r int) float64    { return float64(g.r0 + r) }

// mapPlot returns a plot for an array map: array coordinates, rows
// growing downwards.
func mapPlot(title string) *plot.Plot {
	p := newPlot(title, "array column", "array row")
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	return p
}

// heatFigure draws a map of values (NaN cells grey) with a colour bar.
// r0, c0 are the array coordinates of the map's top-left cell.
func heatFigure(title, unit string, g grid) ([]byte, error) {
	pal := moreland.SmoothBlueRed()
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range g.v {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	if lo == hi {
		hi = lo + 1
	}
	pal.SetMin(lo)
	pal.SetMax(hi)
	hm := plotter.NewHeatMap(g, pal.Palette(255))
	hm.Min, hm.Max = lo, hi
	hm.NaN = colGrey
	p := mapPlot(title)
	p.Add(hm)

	cb := &plotter.ColorBar{ColorMap: pal, Vertical: true}
	pc := plot.New()
	pc.Add(cb)
	pc.HideX()
	pc.Y.Label.Text = unit
	pc.Y.Padding = 0
	pc.Title.Text = " "

	c := vgimg.NewWith(vgimg.UseWH(figW, figH), vgimg.UseDPI(figDPI))
	dc := draw.New(c)
	barW := 1.1 * vg.Inch
	p.Draw(draw.Crop(dc, 0, -barW, 0, 0))
	pc.Draw(draw.Crop(dc, figW-barW+0.15*vg.Inch, 0, 0.45*vg.Inch, 0))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("calibrate: rendering %q: %w", title, err)
	}
	return b.Bytes(), nil
}

// categoryFigure draws a map of categories (values 0..len(names)−1) with
// a legend of colour boxes.
func categoryFigure(title string, g grid, names []string, colours []color.Color, counts []int) ([]byte, error) {
	pal := discrete(colours)
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = -0.5, float64(len(names))-0.5
	p := mapPlot(title)
	p.Add(hm)
	for i, n := range names {
		p.Legend.Add(fmt.Sprintf("%s (%d)", n, counts[i]), box{colours[i]})
	}
	return render(p)
}

type discrete []color.Color

func (d discrete) Colors() []color.Color { return d }

var _ palette.Palette = discrete(nil)

// box is a legend thumbnail: a filled square.
type box struct{ c color.Color }

func (b box) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.c, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}

// xy is a plotter.XYer over two slices.
type xy struct{ x, y []float64 }

func (d xy) Len() int                    { return len(d.x) }
func (d xy) XY(i int) (float64, float64) { return d.x[i], d.y[i] }

// xyErr adds symmetric or asymmetric y error bars.
type xyErr struct {
	xy
	lo, hi []float64 // distances below and above y
}

func (d xyErr) YError(i int) (float64, float64) { return d.lo[i], d.hi[i] }

// scatter adds points in a colour with a legend entry.
func scatter(p *plot.Plot, label string, x, y []float64, c color.Color, shape draw.GlyphDrawer, radius vg.Length) error {
	s, err := plotter.NewScatter(xy{x, y})
	if err != nil {
		return fmt.Errorf("calibrate: scatter %q: %w", label, err)
	}
	s.GlyphStyle.Color = c
	s.GlyphStyle.Shape = shape
	s.GlyphStyle.Radius = radius
	p.Add(s)
	if label != "" {
		p.Legend.Add(label, s)
	}
	return nil
}

// line adds a polyline in a colour with a legend entry.
func line(p *plot.Plot, label string, x, y []float64, c color.Color, width vg.Length, dashed bool) error {
	l, err := plotter.NewLine(xy{x, y})
	if err != nil {
		return fmt.Errorf("calibrate: line %q: %w", label, err)
	}
	l.Color = c
	l.Width = width
	if dashed {
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	}
	p.Add(l)
	if label != "" {
		p.Legend.Add(label, l)
	}
	return nil
}
