// Package figure writes gonum/plot figures in the format their file name
// asks for: .png (raster, at DPI dots per inch), .svg and .pdf (vector,
// for papers). A file whose extension names no supported format is
// refused before anything is drawn, never written in another format.
package figure

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// DPI is the resolution of PNG figures (assumption: 150 dpi is sharp on
// screen and in a draft without making files large).
const DPI = 150

// Formats lists the supported formats (file extensions without the dot).
var Formats = []string{"png", "svg", "pdf"}

// Format returns the format path's extension names ("png", "svg" or
// "pdf"), or an error naming the supported ones.
func Format(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	for _, f := range Formats {
		if ext == f {
			return f, nil
		}
	}
	if ext == "" {
		return "", fmt.Errorf("figure %q has no extension: want .png, .svg or .pdf", path)
	}
	return "", fmt.Errorf("figure %q: .%s is not a figure format memlsm writes (want .png, .svg or .pdf)", path, ext)
}

// Figure is a drawing of a given size.
type Figure struct {
	Width, Height vg.Length
	Draw          func(c draw.Canvas) error
}

// WriteTo writes the figure to w in format ("png", "svg" or "pdf").
func (f Figure) Write(w io.Writer, format string) error {
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(DPI))}
	case "svg":
		c = vgsvg.New(f.Width, f.Height)
	case "pdf":
		p := vgpdf.New(f.Width, f.Height)
		p.EmbedFonts(true)
		c = p
	default:
		return fmt.Errorf("figure: unknown format %q (want png, svg or pdf)", format)
	}
	if err := f.Draw(draw.New(c)); err != nil {
		return err
	}
	if format == "svg" {
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err != nil {
			return err
		}
		_, err := w.Write(fixSVGImages(b.Bytes()))
		return err
	}
	_, err := c.WriteTo(w)
	return err
}

// fixSVGImages repairs the raster images gonum/plot's vgsvg embeds (heat
// maps drawn as images): it labels their PNG data "image/jpg", which
// renderers such as librsvg refuse, and lets renderers smooth them, which
// blurs the cells of a matrix. The images get their true type and
// nearest-neighbour scaling.
func fixSVGImages(svg []byte) []byte {
	svg = bytes.ReplaceAll(svg, []byte(`xlink:href="data:image/jpg;base64,iVBOR`), []byte(`xlink:href="data:image/png;base64,iVBOR`))
	return bytes.ReplaceAll(svg, []byte("<image "), []byte(`<image image-rendering="optimizeSpeed" style="image-rendering:pixelated" `))
}

// Save writes the figure to path, in the format of its extension,
// atomically: a failed or interrupted write leaves no half file.
func (f Figure) Save(path string) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return f.Write(w, format) })
}

// ColorBarWidth is the strip right of a plot that holds its colour bar.
const ColorBarWidth = 1.05 * vg.Inch

// ColorBar returns a vertical colour bar of cm, labelled, to draw beside
// a heat map (Beside).
func ColorBar(cm palette.ColorMap, label string) *plot.Plot {
	pc := plot.New()
	pc.Add(colorStrip{cm})
	pc.HideX()
	pc.Y.Label.Text = label
	pc.Y.Padding = 0
	pc.Title.Text = " " // aligns the bar with the plot under its title
	return pc
}

// Beside draws p on dc with bar (a ColorBar) in a strip on its right.
func Beside(dc draw.Canvas, p, bar *plot.Plot) {
	bar.Title.Text = strings.Repeat(" \n", strings.Count(p.Title.Text, "\n")) + " "
	bar.Title.TextStyle.Font.Size = p.Title.TextStyle.Font.Size
	w := dc.Max.X - dc.Min.X
	p.Draw(draw.Crop(dc, 0, -ColorBarWidth, 0, 0))
	bar.Draw(draw.Crop(dc, w-ColorBarWidth+0.12*vg.Inch, 0, 0.45*vg.Inch, 0))
}

// colorStrip is a vertical colour bar drawn as filled rectangles, so it
// stays vector in SVG and PDF (plotter.ColorBar embeds a raster image,
// which some SVG renderers do not show).
type colorStrip struct{ cm palette.ColorMap }

// colorSteps is the number of bands of a colour bar: finer than the eye
// can tell apart at figure size.
const colorSteps = 128

func (s colorStrip) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	lo, hi := s.cm.Min(), s.cm.Max()
	for k := range colorSteps {
		a := lo + (hi-lo)*float64(k)/colorSteps
		b := lo + (hi-lo)*float64(k+1)/colorSteps
		col, err := s.cm.At((a + b) / 2)
		if err != nil {
			continue
		}
		y0, y1 := ty(a), ty(b)
		c.FillPolygon(col, []vg.Point{{X: tx(0), Y: y0}, {X: tx(1), Y: y0}, {X: tx(1), Y: y1 + 0.3}, {X: tx(0), Y: y1 + 0.3}})
	}
}

func (s colorStrip) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, 1, s.cm.Min(), s.cm.Max()
}
