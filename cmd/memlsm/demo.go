package main

// memlsm demo: the main job — the whole co-design loop on the embedded
// data (package demo).

import (
	"context"
	"fmt"
	"io"
	"os"
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

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) (retErr error) {
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
	if *skip != "" {
		for _, s := range strings.Split(*skip, ",") {
			if !contains(demo.Parts, s) {
				return usagef("--skip %s: no part %q%s (parts: %s)", *skip, s, cli.DidYouMean(s, demo.Parts), strings.Join(demo.Parts, ", "))
			}
			cfg.Skip = append(cfg.Skip, s)
		}
	}
	if *report != "" {
		created, err := emptyDir(*report)
		if err != nil {
			return usagef("--report %s: %v", *report, err)
		}
		// A run that fails or is stopped leaves no partial report.
		defer func() {
			if retErr != nil {
				if created {
					os.RemoveAll(*report)
				} else {
					removeContents(*report)
				}
			}
		}()
		cfg.SweepDir = filepath.Join(*report, demo.SweepSubdir)
	}
	fmt.Fprintf(stderr, "memlsm demo: %s + %s, simulated lin2025 macro, seed %d; the parts run side by side\n", demo.ImagesSource, demo.AudioSource, *seed)
	res, err := demo.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *report != "" {
		files, err := res.WriteReport(*report)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "memlsm demo: report %s%c%s (%d files: %s)\n", *report, os.PathSeparator, demo.ReportHTML, len(files), strings.Join(files, ", "))
	}
	if *asJSON {
		return cli.WriteJSON(stdout, res)
	}
	return res.WriteText(stdout)
}

// emptyDir makes dir if it does not exist (created) and refuses one that
// holds anything: the report never replaces a user's files.
func emptyDir(dir string) (created bool, err error) {
	ents, err := os.ReadDir(dir)
	switch {
	case os.IsNotExist(err):
		return true, os.MkdirAll(dir, 0o755)
	case err != nil:
		return false, err
	case len(ents) > 0:
		return false, fmt.Errorf("the folder is not empty (%d entries); give a new or empty folder", len(ents))
	}
	return false, nil
}

// removeContents empties dir (a report folder that was empty before).
func removeContents(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
