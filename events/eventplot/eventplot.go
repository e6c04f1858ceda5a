// Package eventplot draws event samples and their binned frames: what
// "memlsm data show" writes, in PNG, SVG or PDF by the file's extension.
//
// A 2-D sample is drawn as one panel per polarity, each event at its pixel
// (row 0 at the top, as the camera sees it) coloured by its time; a 1-D
// sample as a raster of (time, channel) dots, ON and OFF in two colours.
// Frames are drawn as the LSM sees them: a grid of small images, one per
// time step (2-D), or a channel × step image (1-D).
package eventplot

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/internal/figure"
	"github.com/memlsm/memlsm/units"
)

// Save draws sample s of a dataset from sensor to path (.png, .svg or
// .pdf) under title.
func Save(path string, s *events.Sample, sensor events.Sensor, title string) error {
	f, err := sampleFigure(s, sensor, title)
	if err != nil {
		return err
	}
	return f.Save(path)
}

// SaveFrames draws frames f, binned by b, to path under title.
func SaveFrames(path string, f *events.Frames, b events.Binner, title string) error {
	var fig figure.Figure
	var err error
	if g, ok := b.(events.GridBinner); ok {
		fig, err = plotGrid(f, g, title)
	} else {
		fig, err = plotChunks(f, title)
	}
	if err != nil {
		return err
	}
	return fig.Save(path)
}

// Write draws sample s to w in format ("png", "svg" or "pdf").
func Write(w io.Writer, format string, s *events.Sample, sensor events.Sensor, title string) error {
	f, err := sampleFigure(s, sensor, title)
	if err != nil {
		return err
	}
	return f.Write(w, format)
}

func sampleFigure(s *events.Sample, sensor events.Sensor, title string) (figure.Figure, error) {
	if sensor.Is2D() {
		return plotEvents2D(s, sensor, title)
	}
	return plotEvents1D(s, sensor, title)
}

// Title is the usual title of a sample: the source's short name, the
// sample's index, ID and class, and its event count.
func Title(spec string, index int, s *events.Sample, class string) string {
	return fmt.Sprintf("%s: sample %d (%s), class %s, %d events", shortSource(spec), index, s.ID, class, s.Len())
}

// Colours of ON and OFF events in rasters.
var (
	colorON  = color.RGBA{R: 200, G: 30, B: 30, A: 255}
	colorOFF = color.RGBA{R: 30, G: 70, B: 200, A: 255}
)

// shortSource returns the last element of a source's path, for titles.
func shortSource(spec string) string {
	scheme, rest, _ := strings.Cut(spec, ":")
	rest, _, _ = strings.Cut(rest, "?")
	rest = strings.TrimRight(rest, "/")
	if k := strings.LastIndexByte(rest, '/'); k >= 0 {
		rest = rest[k+1:]
	}
	return scheme + ":" + rest
}

// plotEvents2D draws the events of each polarity in its own panel, at their
// pixel (row 0 at the top, as the camera sees it), coloured by time from
// blue (first event) to red (last).
func plotEvents2D(s *events.Sample, sensor events.Sensor, title string) (figure.Figure, error) {
	pal := moreland.SmoothBlueRed()
	var tmax float64
	if n := len(s.Events2D); n > 0 {
		tmax = float64(s.Events2D[n-1].T)
	}
	pal.SetMax(max(tmax, 1))
	type panel struct {
		name string
		keep func(e events.Event2D) bool
	}
	panels := []panel{{"all events", func(events.Event2D) bool { return true }}}
	if sensor.Polarities >= 2 {
		panels = []panel{{"OFF", func(e events.Event2D) bool { return e.P == 0 }}, {"ON", func(e events.Event2D) bool { return e.P != 0 }}}
	}
	row := make([]*plot.Plot, len(panels))
	for k, pn := range panels {
		p := plot.New()
		p.X.Label.Text = "x (pixel)"
		p.Y.Label.Text = "y (pixel)"
		p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
		p.X.Min, p.X.Max = -0.5, float64(sensor.Width)-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(sensor.Height)-0.5
		var xy plotter.XYs
		var col []color.Color
		for _, e := range s.Events2D {
			if pn.keep(e) {
				xy = append(xy, plotter.XY{X: float64(e.X), Y: float64(e.Y)})
				c, err := pal.At(float64(e.T))
				if err != nil {
					c = color.Black
				}
				col = append(col, c)
			}
		}
		p.Title.Text = fmt.Sprintf("%s: %d events, coloured by time", pn.name, len(xy))
		p.Title.TextStyle.Font.Size = vg.Points(9)
		if len(xy) > 0 {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return figure.Figure{}, err
			}
			sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
				return draw.GlyphStyle{Color: col[i], Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}}
			}
			p.Add(sc)
		}
		row[k] = p
	}
	// One colour bar of the time, in ms, for all panels.
	bar := moreland.SmoothBlueRed()
	bar.SetMin(0)
	bar.SetMax(max(tmax, 1) / 1e3)
	w, h := vg.Length(len(row))*4.5*vg.Inch+figure.ColorBarWidth, 5*vg.Inch
	return figure.Figure{Width: w, Height: h, Draw: func(dc draw.Canvas) error {
		drawTitledGrid(draw.Crop(dc, 0, -figure.ColorBarWidth, 0, 0), [][]*plot.Plot{row}, title, w-figure.ColorBarWidth, h)
		cb := figure.ColorBar(bar, "event time (ms)")
		cb.Title.Text = " \n "
		cb.Draw(draw.Crop(dc, w-figure.ColorBarWidth+0.12*vg.Inch, 0, 0.45*vg.Inch, -0.4*vg.Inch))
		return nil
	}}, nil
}

// titledGrid lays plots out in a grid under a title line.
func titledGrid(plots [][]*plot.Plot, title string, width, height vg.Length) figure.Figure {
	return figure.Figure{Width: width, Height: height, Draw: func(dc draw.Canvas) error {
		drawTitledGrid(dc, plots, title, width, height)
		return nil
	}}
}

func drawTitledGrid(dc draw.Canvas, plots [][]*plot.Plot, title string, width, height vg.Length) {
	band := 0.4 * vg.Inch // title band at the top
	dc.FillText(draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 10), Handler: plot.DefaultTextHandler, XAlign: text.XCenter},
		vg.Point{X: dc.Min.X + width/2, Y: dc.Max.Y - band*0.6}, title)
	body := draw.Crop(dc, 0, 0, 0, -band)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Points(4), PadY: vg.Points(4)}
	canvases := plot.Align(plots, tiles, body)
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(canvases[r][c])
		}
	}
}

// plotEvents1D draws the raster: one dot per event at (time, channel).
func plotEvents1D(s *events.Sample, sensor events.Sensor, title string) (figure.Figure, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (ms)"
	p.Y.Label.Text = "channel"
	p.Y.Min, p.Y.Max = -0.5, float64(sensor.Channels)-0.5
	p.X.Min = 0 // the recording's time origin, which the binning also uses
	for _, on := range []bool{false, true} {
		var xy plotter.XYs
		for _, e := range s.Events1D {
			if (e.P != 0) == on {
				xy = append(xy, plotter.XY{X: float64(e.T) / 1e3, Y: float64(e.Ch)})
			}
		}
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return figure.Figure{}, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(1), Shape: draw.CircleGlyph{}}
		if sensor.Polarities >= 2 {
			sc.GlyphStyle.Color = colorOFF
			name := "OFF"
			if on {
				sc.GlyphStyle.Color, name = colorON, "ON"
			}
			p.Legend.Add(fmt.Sprintf("%s (%d)", name, len(xy)), sc)
		}
		p.Add(sc)
	}
	p.Legend.Top = true
	return figure.Figure{Width: 7 * vg.Inch, Height: 4 * vg.Inch, Draw: func(c draw.Canvas) error { p.Draw(c); return nil }}, nil
}

// plotChunks draws 1-D frames as a channel × step image.
func plotChunks(f *events.Frames, title string) (figure.Figure, error) {
	img := image.NewRGBA(image.Rect(0, 0, f.Steps(), f.Inputs))
	fillFrame(img, f, maxValue(f), -1, 0, f.Inputs, func(step, input int) (int, int) { return step, f.Inputs - 1 - input })
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = "channel"
	p.Add(plotter.NewImage(img, 0, 0, float64(f.Steps()), float64(f.Inputs)))
	return figure.Figure{Width: 7 * vg.Inch, Height: 4 * vg.Inch, Draw: func(c draw.Canvas) error { p.Draw(c); return nil }}, nil
}

// MaxSteps bounds the time steps a frames plot draws (a grid of 2-D
// frames draws one panel per step).
const MaxSteps = 1000

// maxValue returns the largest count of f (at least 1).
func maxValue(f *events.Frames) float32 {
	maxV := float32(1)
	for t := range f.Steps() {
		for _, v := range f.Values(t) {
			maxV = max(maxV, v)
		}
	}
	return maxV
}

// fillFrame paints white, then the active inputs of step (all steps when
// step < 0) whose index is in [lo, hi), darker for larger counts (maxV is
// the darkest).
func fillFrame(img *image.RGBA, f *events.Frames, maxV float32, step, lo, hi int, at func(step, input int) (x, y int)) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			img.Set(x, y, color.White)
		}
	}
	first, last := 0, f.Steps()
	if step >= 0 {
		first, last = step, step+1
	}
	for t := first; t < last; t++ {
		vals := f.Values(t)
		for k, i := range f.Active(t) {
			if int(i) < lo || int(i) >= hi {
				continue
			}
			v := float32(1)
			if vals != nil {
				v = vals[k]
			}
			shade := uint8(200 - 200*v/maxV)
			x, y := at(t, int(i)-lo)
			img.Set(x, y, color.RGBA{R: shade, G: shade, B: shade, A: 255})
		}
	}
}

// plotGrid draws 2-D frames as a grid of small images, one per step (both
// polarities side by side with PolarityBoth).
func plotGrid(f *events.Frames, g events.GridBinner, title string) (figure.Figure, error) {
	steps := f.Steps()
	if steps > MaxSteps {
		return figure.Figure{}, fmt.Errorf("eventplot: the binning gives %d time steps; a plot shows at most %d (fewer bins)", steps, MaxSteps)
	}
	maxV := maxValue(f)
	cols := 10
	rows := (steps + cols - 1) / cols
	crop := g.Window()
	cw, ch := crop.Dx(), crop.Dy()
	planes := f.Inputs / (cw * ch)
	plots := make([][]*plot.Plot, rows)
	for r := range rows {
		plots[r] = make([]*plot.Plot, cols)
		for c := range cols {
			t := r*cols + c
			p := plot.New()
			p.HideAxes()
			if t < steps {
				img := image.NewRGBA(image.Rect(0, 0, cw*planes+planes-1, ch))
				for pl := 1; pl < planes; pl++ { // grey separator between polarity planes
					for y := range ch {
						img.Set(pl*(cw+1)-1, y, color.Gray{Y: 160})
					}
				}
				for pl := range planes {
					sub := img.SubImage(image.Rect(pl*(cw+1), 0, pl*(cw+1)+cw, ch)).(*image.RGBA)
					fillFrame(sub, f, maxV, t, pl*cw*ch, (pl+1)*cw*ch, func(_, i int) (int, int) { return pl*(cw+1) + i%cw, i / cw })
				}
				p.Add(plotter.NewImage(img, 0, 0, float64(img.Bounds().Dx()), float64(ch)))
				p.Title.Text = fmt.Sprintf("t%d", t)
				p.Title.TextStyle.Font.Size = vg.Points(7)
			}
			plots[r][c] = p
		}
	}
	width := vg.Length(cols) * vg.Inch * vg.Length(0.6*float64(planes)+0.2)
	height := vg.Length(rows)*0.8*vg.Inch + 0.4*vg.Inch
	return titledGrid(plots, title, width, height), nil
}

// ShowOptions choose what Show draws.
type ShowOptions struct {
	Index int // the sample, 0-based
	// Frames draws the binned frames the LSM sees instead of the raw
	// events: 2-D samples binned with Polarity, Bins steps of BinWidth
	// (zero: events.GridBinner's defaults); 1-D with Bins chunks.
	Frames   bool
	Polarity events.Polarity
	Bins     int
	BinWidth units.Seconds
}

// Shown describes what Show drew: what "memlsm data show --json" prints.
type Shown struct {
	Source string `json:"source"`
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Label  string `json:"label"`
	Events int    `json:"events"`
	Frames bool   `json:"frames"`
	Steps  int    `json:"steps,omitempty"`
	Inputs int    `json:"inputs,omitempty"`
	Active int    `json:"active,omitempty"` // (step, input) entries of the frames
	Out    string `json:"out"`
	Title  string `json:"title"`
}

// WriteText says in one line what was drawn where.
func (s *Shown) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "wrote %s: %s\n", s.Out, s.Title)
	return err
}

// Show draws one sample of d (opened from the source spec) to path.
func Show(d *events.Dataset, spec, path string, o ShowOptions) (*Shown, error) {
	if o.Index < 0 || o.Index >= d.Len() {
		return nil, fmt.Errorf("eventplot: index %d outside the %d samples of %s", o.Index, d.Len(), spec)
	}
	s := &d.Samples[o.Index]
	res := &Shown{Source: spec, Index: o.Index, ID: s.ID, Label: d.Classes[s.Label], Events: s.Len(), Frames: o.Frames, Out: path}
	res.Title = Title(spec, o.Index, s, res.Label)
	if !o.Frames {
		return res, Save(path, s, d.Sensor, res.Title)
	}
	var b events.Binner = events.ChunkBinner{Channels: d.Sensor.Channels, Bins: o.Bins}
	if d.Sensor.Is2D() {
		b = events.GridBinner{Width: d.Sensor.Width, Height: d.Sensor.Height, Polarity: o.Polarity, Bins: o.Bins, BinWidth: o.BinWidth}
	}
	var f events.Frames
	if err := b.Bin(s, &f); err != nil {
		return nil, err
	}
	res.Steps, res.Inputs, res.Active = f.Steps(), f.Inputs, f.NNZ()
	return res, SaveFrames(path, &f, b, res.Title)
}
