package main

// memlsm data stats|show|convert: inspect and convert event data.

import (
	"context"
	"fmt"
	"github.com/memlsm/memlsm/internal/cli"
	"io"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/eventplot"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/internal/figure"
	"github.com/memlsm/memlsm/units"
)

// dataSources is the list of data sources every data command prints.
var dataSources = func() string {
	var b strings.Builder
	b.WriteString("Data sources (SRC = scheme:path[?option=value&...]):\n")
	for _, s := range source.Schemes() {
		fmt.Fprintf(&b, "  %-10s %s\n", s+":", source.Summary(s))
	}
	b.WriteString("  e.g. fsdd:DIR?speakers=theo,george  nmnist:DIR?split=test  mnist:train?per_class=100")
	return b.String()
}()

var dataGroup = cli.NewGroup("memlsm data", "", dataSources)

func init() {
	dataGroup.Register(cli.Command{Name: "stats", Summary: "summarise a data source: samples, classes, events, polarity, timing", Run: runDataStats})
	dataGroup.Register(cli.Command{Name: "show", Summary: "plot one sample (events or binned frames) to a PNG, SVG or PDF file", Run: runDataShow})
	register(dataGroup.AsCommand("inspect and convert event data (stats, show, convert)"))
}

func runDataStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data stats", "data stats SRC [--json]\n\n"+dataSources+
		"\n\nWith --json, one object on stdout with keys samples, classes, class_counts,\n"+
		"events, events_on, events_off (both 0 when the sensor has no polarity, see\n"+
		"has_polarity), t_max_us, sensor, and more.")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, err := fs.ParseArgs(args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one SRC, got %d arguments", len(pos))
	}
	d, err := openSource(ctx, "data", pos[0], stderr)
	if err != nil {
		return err
	}
	return emit(stdout, *asJSON, d.Summarize(pos[0]))
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
	fs := newFlagSet("data show", "data show SRC --index N --out FILE.png|.svg|.pdf [--frames] [--polarity P] [--bins N] [--bin-width D] [--json]")
	index := fs.Int("index", 0, "sample to show (0-based)")
	out := fs.String("out", "", "figure to write: .png, .svg or .pdf (required)")
	frames := fs.Bool("frames", false, "plot the binned frames the LSM sees instead of the raw events")
	pol := events.PolarityOFF
	fs.Var(&pol, "polarity", "2-D frames: events used, off (paper, channel 0), on, both or any")
	bins := fs.Int("bins", 0, "frames: number of time steps (0: the paper's, 50 for 2-D, 129 for 1-D)")
	var binWidth units.Seconds
	fs.Var(&binWidth, "bin-width", "2-D frames: bin width, e.g. 6ms (0: the default 6 ms)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, err := fs.ParseArgs(args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return usagef("want one SRC, got %d arguments", len(pos))
	case *out == "":
		return usagef("--out FILE.png is required")
	case *bins < 0 || binWidth < 0:
		return usagef("--bins and --bin-width must not be negative")
	case *index < 0:
		return usagef("--index %d must not be negative", *index)
	}
	if _, err := figure.Format(*out); err != nil {
		return usagef("--out: %v", err)
	}
	d, err := openSource(ctx, "data", pos[0], stderr)
	if err != nil {
		return err
	}
	if *index >= d.Len() {
		return usagef("--index %d outside the %d samples of %s", *index, d.Len(), pos[0])
	}
	s := &d.Samples[*index]
	label := d.Classes[s.Label]
	title := eventplot.Title(pos[0], *index, s, label)
	res := dataShowResult{Source: pos[0], Index: *index, ID: s.ID, Label: label, Events: s.Len(), Frames: *frames, Out: *out}
	if *frames {
		var b events.Binner = events.ChunkBinner{Channels: d.Sensor.Channels, Bins: *bins}
		if d.Sensor.Is2D() {
			b = events.GridBinner{Width: d.Sensor.Width, Height: d.Sensor.Height, Polarity: pol, Bins: *bins, BinWidth: binWidth}
		}
		var f events.Frames
		if err := b.Bin(s, &f); err != nil {
			return err
		}
		res.Steps, res.Inputs, res.Active = f.Steps(), f.Inputs, f.NNZ()
		err = eventplot.SaveFrames(*out, &f, b, title)
	} else {
		err = eventplot.Save(*out, s, d.Sensor, title)
	}
	if err != nil {
		return fmt.Errorf("data show: %w", err)
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", *out, title)
	return nil
}
