package main

// memlsm bench encode: LSM encoding throughput.

import (
	"context"
	"fmt"
	"io"

	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/cli"
)

var benchGroup = cli.NewGroup("memlsm bench", "", "")

func init() {
	benchGroup.Register(cli.Command{Name: "encode", Summary: "LSM encoding throughput on a data source", Run: runBenchEncode})
	register(benchGroup.AsCommand("benchmarks: bench encode measures LSM encoding throughput"))
}

const benchUsage = `bench encode --data SRC [--repeat N] [--json] [flags]

Measures encoding alone: the data are read and binned first (not timed),
the weights are formed and read once from the macro, and then Repeat
copies of the data are encoded in one batch on every core and timed. By
default the network is the paper's (the nmnist LSM preset for 2-D data:
16×16 crop of OFF events, 50 bins of 6 ms, 256 → 200 neurons, T = 50,
decay 0.9, Vth 5, const 0.07; the ntidigits preset for 1-D data), the
network a PyTorch re-implementation of the paper runs, so the two can be
timed on the same work. --tuned benches the default encoder of classify
instead; every encoder flag applies.`

func runBenchEncode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench encode", benchUsage)
	data := fs.String("data", "", "data source SRC")
	repeat := fs.Int("repeat", 1, "encode the data this many times in one batch")
	tuned := fs.Bool("tuned", false, "bench classify's default encoder instead of the paper's network")
	var ef experimentFlags
	ef.register(fs)
	var enc encoderFlags
	enc.register(fs, "", "")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	if *repeat < 1 {
		return usagef("--repeat %d must be at least 1", *repeat)
	}
	if err := cli.FirstErr(checkSource("data", *data), ef.check(fs), enc.check(fs)); err != nil {
		return err
	}
	stderr = ef.stderr(stderr)
	d, err := openSource(ctx, ef.runFlags, "data", *data, stderr)
	if err != nil {
		return err
	}
	if !*tuned && enc.spec.Preset == "" {
		enc.spec.Preset = "ntidigits"
		if d.Sensor.Is2D() {
			enc.spec.Preset = "nmnist"
		}
	}
	ec, err := enc.config(d.Sensor)
	if err != nil {
		return err
	}
	m, closeMacro, err := ef.openMacro(ctx, fs)
	if err != nil {
		return err
	}
	defer closeMacro()
	fmt.Fprintf(stderr, "memlsm bench encode: %d samples of %s × %d\n", d.Len(), d.Name, *repeat)
	res, err := experiment.BenchEncode(ctx, experiment.BenchConfig{
		Data: d, Encoder: ec, Macro: m, Repeat: *repeat, Seed: ef.seed, Workers: ef.workers,
	})
	if err != nil {
		return err
	}
	if s := res.Saturation; s != nil && s.Warning != "" {
		warn(stderr, "bench", []string{s.Warning})
	}
	return cli.Emit(stdout, ef.asJSON, res)
}
