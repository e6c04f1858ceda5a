package main

// memlsm demo: the main job — the whole co-design loop on the embedded
// data (package demo).

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/memlsm/memlsm/demo"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/cli"
)

func init() {
	register(cli.Command{Name: "demo", Summary: "the main job: the co-design loop (macro, classification, zero-shot, sweep, board) on the embedded data", Run: runDemo})
}

const demoUsage = `demo [--seed N] [--json] [--report DIR] [--skip PARTS] [--workers N]

Runs the whole co-design loop on the data embedded in the binary
(saccade-MNIST images, spoken digits) and the simulated lin2025 macro, and
prints one screen of tables:

  1. macro           the formed conductance distribution of the whole macro
                     beside Lin et al. 2025's 14.25 ± 2.46 µS, formed fraction
  2. classification  images and audio with the reservoir on that macro,
                     5-fold cross-validation: accuracy ± SD over folds
  3. zero_shot       unseen audio↔image retrieval over every pair of unseen
                     digits (generalised protocol: S, U, H) with its CI,
                     beside the paper's figure, in plain words
  4. sweep           ADC bits × read noise in in-memory mode: accuracy,
                     energy and latency per inference on the projected chip
                     and on digital hardware, and the Pareto front
  5. board           the audio classification again through the emulated
                     board on a pty (real firmware, serial driver): the same
                     figures to the last digit

--json prints every figure as one JSON object; --report DIR (a new or empty
folder) also writes a self-contained HTML report (index.html: figures,
tables and, per part, the commands that reproduce it and run it at full
scale), the figures as PNG, demo.json, demo.txt and the sweep's folder.
--skip leaves parts out (a comma-separated list of the names above).`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", demoUsage)
	seed := fs.Uint64("seed", experiment.DefaultSeed, "seed of the simulated macro, folds and heads")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	report := fs.String("report", "", "write the HTML report, figures, JSON and sweep table into DIR (new or empty)")
	skip := fs.String("skip", "", "leave out these parts: "+strings.Join(demo.Parts, ","))
	workers := fs.Int("workers", 0, "encoding goroutines per part (default GOMAXPROCS)")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	cfg := demo.Config{Seed: *seed, Workers: *workers, Log: stderr}
	var err error
	if cfg.Skip, err = demo.ParseParts(*skip); err != nil {
		return usagef("--skip: %v", err)
	}
	if *report != "" {
		if err := demo.CheckReportDir(*report); err != nil {
			return usagef("--report: %v", err)
		}
	}
	fmt.Fprintf(stderr, "memlsm demo: %s + %s, simulated lin2025 macro, seed %d; the parts run side by side\n", demo.ImagesSource, demo.AudioSource, *seed)
	var res *demo.Result
	if *report == "" {
		res, err = demo.Run(ctx, cfg)
	} else {
		var files []string
		if res, files, err = demo.RunReport(ctx, cfg, *report); err == nil {
			fmt.Fprintf(stderr, "memlsm demo: report %s (%d files: %s)\n", filepath.Join(*report, demo.ReportHTML), len(files), strings.Join(files, ", "))
		}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(stdout, res)
	}
	return res.WriteText(stdout)
}
