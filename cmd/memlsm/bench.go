package main

// memlsm bench encode: LSM encoding throughput, measured like the torch
// peer benchmark (../shared/bench/peer_lsm_torch.py).

import (
	"context"
	"fmt"
	"io"

	"github.com/memlsm/memlsm/experiment"
)

func init() {
	register(command{name: "bench", summary: "benchmarks: bench encode measures LSM encoding throughput", run: runBench})
}

const benchUsage = `bench encode --data SRC [--repeat N] [--json] [flags]

Measures encoding alone, like ../shared/bench/peer_lsm_torch.py: the data
are read and binned first (not timed), the weights are formed and read once
from the macro, and then Repeat copies of the data are encoded in one batch
on every core and timed. By default the network is the paper's (the nmnist
LSM preset for 2-D data: 16×16 crop of OFF events, 50 bins of 6 ms,
256 → 200 neurons, T = 50, decay 0.9, Vth 5, const 0.07 — the peer's
network; the ntidigits preset for 1-D data). --tuned benches the default
encoder of classify instead; every encoder flag applies.`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprintf(stderr, "Usage: memlsm %s\n", benchUsage)
		if len(args) == 0 {
			return usagef("bench: no benchmark given (want encode)")
		}
		return nil
	}
	if args[0] != "encode" {
		return usagef("bench: unknown benchmark %q (want encode)", args[0])
	}
	fs := newExperimentFlagSet("bench encode", benchUsage, stderr)
	data := fs.String("data", "", "data source SRC")
	repeat := fs.Int("repeat", 1, "encode the data this many times in one batch")
	tuned := fs.Bool("tuned", false, "bench classify's default encoder instead of the paper's network")
	var ef experimentFlags
	ef.register(fs)
	var enc encoderFlags
	enc.register(fs, "", "")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("bench encode: unexpected argument %q", pos[0])
	}
	if *repeat < 1 {
		return usagef("bench encode: --repeat %d must be at least 1", *repeat)
	}
	d, err := openSourceTo(ctx, "data", *data, stderr)
	if err != nil {
		return err
	}
	if !*tuned && enc.preset == "" {
		enc.preset = "ntidigits"
		if d.Sensor.Is2D() {
			enc.preset = "nmnist"
		}
	}
	ec, err := enc.config(fs, d.Sensor)
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
	if res.Saturation != nil && res.Saturation.Warning != "" {
		warnMacro(stderr, []string{res.Saturation.Warning})
	}
	if ef.asJSON {
		return writeJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "samples=%d seconds=%.3f samples_per_s=%.1f neurons=%d steps=%d inputs=%d workers=%d\n",
		res.Samples, res.Seconds, res.SamplesPerS, res.Neurons, res.Steps, res.Inputs, res.Workers)
	fmt.Fprintf(stdout, "binning: %s (%.3f s for %d samples); gain %.4g, mean rate %.4f, input density %.4f, %.0f synaptic operations per sample; %v mode\n",
		res.Binning, res.BinSeconds, d.Len(), res.Gain, res.MeanRate, res.InputDensity, res.SynOps, res.Mode)
	return nil
}
