package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/units"
)

// dataCommand is one subcommand of "memlsm data". run gets the arguments
// after the subcommand's name and follows the CLI contract (--json prints
// one JSON object on stdout; exit codes through usagef and errors).
type dataCommand struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// dataCommands maps a subcommand name to its implementation. data.go
// registers stats and show; other files of this package add theirs in
// init, e.g. data_convert.go:
//
//	func init() { dataCommands["convert"] = dataCommand{summary: "...", run: runDataConvert} }
var dataCommands = map[string]dataCommand{
	"stats": {summary: "summarise a data source: samples, classes, events, polarity, timing", run: runDataStats},
	"show":  {summary: "plot one sample (events or binned frames) to a PNG file", run: runDataShow},
}

func init() {
	register(command{name: "data", summary: "inspect and convert event data (stats, show, convert)", run: runData})
}

const dataSources = `Data sources (SRC): nmnist:DIR[?split=train|test]  nmnist:DIR/LIST.txt
  ntidigits:FILE.hdf5[?split=train|test&all=1]  slayer1d:FILE.bs1[?label=NAME]
  mev:FILE.mev (memlsm's compact format)  fsdd:DIR  embedded:images  embedded:audio`

func dataUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: memlsm data <command> SRC [flags]\n\nCommands:")
	for _, n := range slices.Sorted(maps.Keys(dataCommands)) {
		fmt.Fprintf(w, "  %-8s %s\n", n, dataCommands[n].summary)
	}
	fmt.Fprintf(w, "\n%s\n\nRun 'memlsm data <command> -h' for a command's flags.\n", dataSources)
}

func runData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		dataUsage(stderr)
		return usagef("data: no subcommand given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		dataUsage(stdout)
		return nil
	}
	c, ok := dataCommands[args[0]]
	if !ok {
		dataUsage(stderr)
		return usagef("data: unknown subcommand %q", args[0])
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

// dataSensor is the JSON form of events.Sensor.
type dataSensor struct {
	Name       string `json:"name"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Channels   int    `json:"channels"`
	Polarities int    `json:"polarities"`
}

// dataStatsResult is the output of data stats.
type dataStatsResult struct {
	Source      string         `json:"source"`
	Samples     int            `json:"samples"`
	Classes     []string       `json:"classes"`
	ClassCounts map[string]int `json:"class_counts"`
	Events      int64          `json:"events"`
	// EventsOn and EventsOff count P = 1 and P = 0 events of sensors with
	// polarity; both are 0 when the sensor has none (HasPolarity false).
	EventsOn       int64          `json:"events_on"`
	EventsOff      int64          `json:"events_off"`
	HasPolarity    bool           `json:"has_polarity"`
	EventsMin      int            `json:"events_min"`
	EventsMax      int            `json:"events_max"`
	EventsMean     float64        `json:"events_mean"`
	TMinUS         uint32         `json:"t_min_us"`
	TMaxUS         uint32         `json:"t_max_us"`
	DurationMeanUS float64        `json:"duration_mean_us"`
	DurationMaxUS  uint32         `json:"duration_max_us"`
	ActiveInputs   int            `json:"active_inputs"` // distinct pixels or channels with an event
	Sensor         dataSensor     `json:"sensor"`
	Speakers       int            `json:"speakers"`
	Splits         map[string]int `json:"splits,omitempty"` // samples per Meta["split"]
}

func runDataStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data stats", "data stats SRC [--json]\n\n"+dataSources+
		"\n\nWith --json, one object on stdout with keys samples, classes, class_counts,\n"+
		"events, events_on, events_off (both 0 when the sensor has no polarity, see\n"+
		"has_polarity), t_max_us, sensor, and more.", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("data stats: want one SRC, got %d arguments", len(pos))
	}
	d, err := source.Open(ctx, pos[0])
	if err != nil {
		return err
	}
	st := d.Stats()
	r := dataStatsResult{
		Source: pos[0], Samples: st.Samples, Classes: st.Classes, ClassCounts: map[string]int{},
		Events: st.Events, EventsOn: st.EventsOn, EventsOff: st.EventsOff, HasPolarity: st.HasPolarity,
		EventsMin: st.EventsMin, EventsMax: st.EventsMax, EventsMean: st.EventsMean,
		TMinUS: st.TMinUS, TMaxUS: st.TMaxUS, DurationMeanUS: st.DurationMeanUS, DurationMaxUS: st.DurationMaxUS,
		ActiveInputs: st.Pixels, Speakers: len(d.Speakers()),
		Sensor: dataSensor{st.Sensor.Name, st.Sensor.Width, st.Sensor.Height, st.Sensor.Channels, st.Sensor.Polarities},
	}
	for i, c := range st.Classes {
		r.ClassCounts[c] = st.ClassCounts[i]
	}
	for i := range d.Samples {
		if s, ok := d.Samples[i].Meta["split"]; ok {
			if r.Splits == nil {
				r.Splits = map[string]int{}
			}
			r.Splits[s]++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "source\t%s\n", r.Source)
	fmt.Fprintf(w, "sensor\t%s\n", describeSensor(st.Sensor))
	fmt.Fprintf(w, "samples\t%d in %d classes\n", r.Samples, len(r.Classes))
	var counts []string
	for i, c := range st.Classes {
		counts = append(counts, fmt.Sprintf("%s:%d", c, st.ClassCounts[i]))
	}
	fmt.Fprintf(w, "class counts\t%s\n", strings.Join(counts, " "))
	fmt.Fprintf(w, "events\t%d; per sample mean %.1f, min %d, max %d\n", r.Events, r.EventsMean, r.EventsMin, r.EventsMax)
	if r.HasPolarity && r.Events > 0 {
		fmt.Fprintf(w, "polarity\tON %d (%.1f%%), OFF %d (%.1f%%)\n", r.EventsOn, 100*float64(r.EventsOn)/float64(r.Events),
			r.EventsOff, 100*float64(r.EventsOff)/float64(r.Events))
	} else {
		fmt.Fprintf(w, "polarity\tnone (the sensor records none)\n")
	}
	fmt.Fprintf(w, "time\t%d .. %d µs; duration mean %.1f ms, max %.1f ms\n", r.TMinUS, r.TMaxUS, r.DurationMeanUS/1e3, float64(r.DurationMaxUS)/1e3)
	fmt.Fprintf(w, "active inputs\t%d\n", r.ActiveInputs)
	if r.Speakers > 0 {
		fmt.Fprintf(w, "speakers\t%d\n", r.Speakers)
	}
	if len(r.Splits) > 0 {
		var sp []string
		for _, k := range slices.Sorted(maps.Keys(r.Splits)) {
			sp = append(sp, fmt.Sprintf("%s:%d", k, r.Splits[k]))
		}
		fmt.Fprintf(w, "splits\t%s\n", strings.Join(sp, " "))
	}
	return w.Flush()
}

func describeSensor(s events.Sensor) string {
	var b strings.Builder
	b.WriteString(s.Name)
	if s.Is2D() {
		fmt.Fprintf(&b, ", %d×%d pixels", s.Width, s.Height)
	} else {
		fmt.Fprintf(&b, ", %d channels", s.Channels)
	}
	if p := max(s.Polarities, 1); p == 1 {
		b.WriteString(", 1 polarity")
	} else {
		fmt.Fprintf(&b, ", %d polarities", p)
	}
	return b.String()
}

// dataShowResult is the output of data show --json.
type dataShowResult struct {
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
}

func runDataShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data show", "data show SRC --index N --out FILE.png [--frames] [--polarity P] [--bins N] [--bin-width D] [--json]", stderr)
	index := fs.Int("index", 0, "sample to show (0-based)")
	out := fs.String("out", "", "PNG file to write (required)")
	frames := fs.Bool("frames", false, "plot the binned frames the LSM sees instead of the raw events")
	pol := events.PolarityOFF
	fs.Var(&pol, "polarity", "2-D frames: events used, off (paper, channel 0), on, both or any")
	bins := fs.Int("bins", 0, "frames: number of time steps (0: the paper's, 50 for 2-D, 129 for 1-D)")
	var binWidth units.Seconds
	fs.Var(&binWidth, "bin-width", "2-D frames: bin width, e.g. 6ms (0: the default 6 ms)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("data show: want one SRC, got %d arguments", len(pos))
	}
	if *out == "" {
		return usagef("data show: --out FILE.png is required")
	}
	if *bins < 0 || binWidth < 0 {
		return usagef("data show: --bins and --bin-width must not be negative")
	}
	if *frames && *bins > maxShowSteps {
		return usagef("data show: --bins %d: a plot shows at most %d time steps", *bins, maxShowSteps)
	}
	d, err := source.Open(ctx, pos[0])
	if err != nil {
		return err
	}
	if *index < 0 || *index >= d.Len() {
		return usagef("data show: --index %d outside the %d samples of %s", *index, d.Len(), pos[0])
	}
	s := &d.Samples[*index]
	label := d.Classes[s.Label]
	title := fmt.Sprintf("%s: sample %d (%s), class %s, %d events", shortSource(pos[0]), *index, s.ID, label, s.Len())
	res := dataShowResult{Source: pos[0], Index: *index, ID: s.ID, Label: label, Events: s.Len(), Frames: *frames, Out: *out}
	var wt io.WriterTo
	if *frames {
		var b events.Binner
		if d.Sensor.Is2D() {
			b = events.GridBinner{Width: d.Sensor.Width, Height: d.Sensor.Height, Polarity: pol, Bins: *bins, BinWidth: binWidth}
		} else {
			b = events.ChunkBinner{Channels: d.Sensor.Channels, Bins: *bins}
		}
		var f events.Frames
		if err := b.Bin(s, &f); err != nil {
			return err
		}
		res.Steps, res.Inputs, res.Active = f.Steps(), f.Inputs, f.NNZ()
		if d.Sensor.Is2D() {
			if f.Steps() > maxShowSteps {
				return fmt.Errorf("data show: the binning gives %d time steps; a plot shows at most %d (set --bins)", f.Steps(), maxShowSteps)
			}
			wt, err = plotGrid(ctx, &f, b.(events.GridBinner), title)
		} else {
			wt, err = plotChunks(&f, title)
		}
	} else if d.Sensor.Is2D() {
		wt, err = plotEvents2D(s, d.Sensor, title)
	} else {
		wt, err = plotEvents1D(s, d.Sensor, title)
	}
	if err != nil {
		return err
	}
	if err := writeFile(*out, func(w io.Writer) error { _, err := wt.WriteTo(w); return err }); err != nil {
		return fmt.Errorf("data show: writing %s: %w", *out, err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", *out, title)
	return nil
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
func plotEvents2D(s *events.Sample, sensor events.Sensor, title string) (io.WriterTo, error) {
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
		p.Title.Text = fmt.Sprintf("%s: %d events (colour: time, blue→red = 0→%.0f ms)", pn.name, len(xy), tmax/1e3)
		p.Title.TextStyle.Font.Size = vg.Points(9)
		if len(xy) > 0 {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
				return draw.GlyphStyle{Color: col[i], Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}}
			}
			p.Add(sc)
		}
		row[k] = p
	}
	return titledGrid([][]*plot.Plot{row}, title, vg.Length(len(row))*4.5*vg.Inch, 5*vg.Inch), nil
}

// titledGrid lays plots out in a grid under a title line and returns the PNG.
func titledGrid(plots [][]*plot.Plot, title string, width, height vg.Length) io.WriterTo {
	canvas := vgimg.New(width, height)
	dc := draw.New(canvas)
	band := 0.4 * vg.Inch // title band at the top
	dc.FillText(draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 10), Handler: plot.DefaultTextHandler, XAlign: text.XCenter},
		vg.Point{X: width / 2, Y: height - band*0.6}, title)
	body := draw.Crop(dc, 0, 0, 0, -band)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Points(4), PadY: vg.Points(4)}
	canvases := plot.Align(plots, tiles, body)
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	return vgimg.PngCanvas{Canvas: canvas}
}

// plotEvents1D draws the raster: one dot per event at (time, channel).
func plotEvents1D(s *events.Sample, sensor events.Sensor, title string) (io.WriterTo, error) {
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
			return nil, err
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
	return p.WriterTo(7*vg.Inch, 4*vg.Inch, "png")
}

// plotChunks draws 1-D frames as a channel × step image.
func plotChunks(f *events.Frames, title string) (io.WriterTo, error) {
	img := image.NewRGBA(image.Rect(0, 0, f.Steps(), f.Inputs))
	fillFrame(img, f, maxValue(f), -1, 0, f.Inputs, func(step, input int) (int, int) { return step, f.Inputs - 1 - input })
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = "channel"
	p.Add(plotter.NewImage(img, 0, 0, float64(f.Steps()), float64(f.Inputs)))
	return p.WriterTo(7*vg.Inch, 4*vg.Inch, "png")
}

// maxShowSteps bounds the time steps data show draws (a grid of 2-D
// frames draws one panel per step).
const maxShowSteps = 1000

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
func plotGrid(ctx context.Context, f *events.Frames, g events.GridBinner, title string) (io.WriterTo, error) {
	steps := f.Steps()
	maxV := maxValue(f)
	cols := 10
	rows := (steps + cols - 1) / cols
	crop := g.Window()
	cw, ch := crop.Dx(), crop.Dy()
	planes := f.Inputs / (cw * ch)
	plots := make([][]*plot.Plot, rows)
	for r := range rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
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
