// Package figure writes gonum/plot figures in the format their file name
// asks for: .png (raster, at DPI dots per inch), .svg and .pdf (vector,
// for papers). A file whose extension names no supported format is
// refused before anything is drawn, never written in another format.
package figure

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
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
	_, err := c.WriteTo(w)
	return err
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
	pc.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
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
