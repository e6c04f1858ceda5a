package main

// memlsm data stats|show|convert: inspect and convert event data.

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/eventplot"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/internal/cli"
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
	var rf runFlags
	rf.register(fs)
	arg, err := fs.ParseOne(args, stdout, "SRC")
	if err != nil {
		return err
	}
	d, err := openSource(ctx, rf, "", arg, rf.stderr(stderr))
	if err != nil {
		return err
	}
	return cli.Emit(stdout, *asJSON, d.Summarize(arg))
}

func runDataShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data show", "data show SRC --index N --out FILE.png|.svg|.pdf [--frames] [--polarity P] [--bins N] [--bin-width D] [--json]")
	var o eventplot.ShowOptions
	fs.IntVar(&o.Index, "index", 0, "sample to show (0-based)")
	out := fs.String("out", "", "figure to write: .png, .svg or .pdf (required)")
	fs.BoolVar(&o.Frames, "frames", false, "plot the binned frames the LSM sees instead of the raw events")
	o.Polarity = events.PolarityOFF
	fs.Var(&o.Polarity, "polarity", "2-D frames: events used, off (paper, channel 0), on, both or any")
	fs.IntVar(&o.Bins, "bins", 0, "frames: number of time steps (0: the paper's, 50 for 2-D, 129 for 1-D)")
	fs.Var(&o.BinWidth, "bin-width", "2-D frames: bin width, e.g. 6ms (0: the default 6 ms)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	var rf runFlags
	rf.register(fs)
	arg, err := fs.ParseOne(args, stdout, "SRC")
	if err != nil {
		return err
	}
	switch {
	case *out == "":
		return usagef("--out FILE.png is required")
	case o.Bins < 0 || o.BinWidth < 0 || o.Index < 0:
		return usagef("--index, --bins and --bin-width must not be negative")
	case o.Frames && o.Bins > eventplot.MaxSteps:
		return usagef("--bins %d: a plot shows at most %d time steps", o.Bins, eventplot.MaxSteps)
	}
	if err := cli.FirstErr(cli.CheckFigure("out", *out), cli.CheckSources([]string{arg}, cli.Out{Flag: "out", Path: *out})); err != nil {
		return err
	}
	d, err := openSource(ctx, rf, "", arg, rf.stderr(stderr))
	if err != nil {
		return err
	}
	if o.Index >= d.Len() {
		return usagef("--index %d outside the %d samples of %s", o.Index, d.Len(), arg)
	}
	res, err := eventplot.Show(d, arg, *out, o)
	if err != nil {
		return fmt.Errorf("data show: %w", err)
	}
	return cli.Emit(stdout, *asJSON, res)
}
