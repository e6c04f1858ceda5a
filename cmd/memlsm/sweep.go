package main

// memlsm sweep: design-space sweeps, locally, sharded or on Slurm.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/internal/cli"
	"github.com/memlsm/memlsm/sweep"
)

func init() {
	register(cli.Command{Name: "sweep", Summary: "design-space sweep of an experiment (grid, random, Latin hypercube) over seeds; merge; Slurm", Run: runSweep})
}

const sweepUsage = `sweep SPEC [--out DIR] [--shard I/N] [--jobs N] [--workers N] [--json]
       sweep merge DIR [--json]
       sweep slurm SPEC --tasks N [--out DIR] [--partition P] [--time T]
                   [--cpus-per-task C] [--mem M] [--dry-run] [--wait]

Runs every point of the sweep SPEC (YAML or JSON: a base run, axes, a
design and replicate seeds; see "go doc github.com/memlsm/memlsm/sweep")
once per seed through the library, journalling each finished run in DIR,
so a killed sweep started again resumes. When all runs are done it writes
DIR/results.csv and results.parquet (one row per point and seed),
summary.csv (mean, std and 95 % CI over seeds), timings.csv and plots/.

--shard I/N runs the I-th of N parts (0 ≤ I < N; under Slurm it defaults
to SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT) and writes its part file;
"sweep merge DIR" merges the parts into the table a single run gives.
"sweep slurm" writes DIR/sweep.sbatch (a job array, one task per shard,
then a merge job that depends on it), submits it unless --dry-run, and
with --wait follows it and reports failed tasks; submitted again it
submits only the shards whose part is missing.`

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "merge":
			return runSweepMerge(args[1:], stdout, stderr)
		case "slurm":
			return runSweepSlurm(ctx, args[1:], stdout, stderr)
		}
	}
	fs := newFlagSet("sweep", sweepUsage)
	out := fs.String("out", "", "results folder (default: the spec's name with .out, in the current folder)")
	shardFlag := fs.String("shard", "", "run part I/N of the tasks (0 ≤ I < N; default from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, else all)")
	jobs := fs.Int("jobs", 1, "runs at once (each deterministic; helps in-memory mode, whose encoding is one goroutine)")
	workers := fs.Int("workers", 0, "encoding goroutines per run (default GOMAXPROCS/jobs)")
	asJSON := fs.Bool("json", false, "print a JSON summary on stdout")
	var rf runFlags
	rf.register(fs)
	arg, err := fs.ParseOne(args, stdout, "SPEC file")
	if err != nil {
		return err
	}
	if *jobs < 1 || *workers < 0 {
		return usagef("sweep: --jobs must be at least 1 and --workers not negative")
	}
	plan, err := sweep.LoadPlan(arg)
	if err != nil {
		return err
	}
	shard, err := sweep.ShardFromEnv(*shardFlag)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	dir := *out
	if dir == "" {
		dir = sweep.DefaultDir(arg)
	}
	rep, err := sweep.Run(ctx, plan, sweep.Options{
		Dir: dir, Shard: shard, Jobs: *jobs, Workers: *workers, Progress: stderr,
		Data: sweep.NewData(func(ctx context.Context, spec string) (*events.Dataset, error) {
			return openSource(ctx, rf, "data", spec, rf.stderr(stderr))
		}),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "memlsm sweep: shard %s: %d runs (%d resumed, %d run now) in %.1f s → %s\n", rep.Shard, rep.Tasks, rep.Resumed, rep.Ran, rep.Seconds, dir)
	if rep.Table == nil {
		fmt.Fprintf(stderr, "memlsm sweep: part written; when every shard is done: memlsm sweep merge %s\n", dir)
	}
	if *asJSON {
		return cli.WriteJSON(stdout, sweep.NewOutcome(dir, plan, rep.Table, rep))
	}
	if rep.Table != nil {
		fmt.Fprintf(stdout, "%s\n", filepath.Join(dir, sweep.ResultsCSV))
	}
	return nil
}

func runSweepMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep merge", "sweep merge DIR [--json]")
	asJSON := fs.Bool("json", false, "print a JSON summary on stdout")
	arg, err := fs.ParseOne(args, stdout, "results folder DIR")
	if err != nil {
		return err
	}
	t, err := sweep.Merge(arg, nil)
	if err != nil {
		return err
	}
	p, err := sweep.Store{Dir: arg}.LoadPlan()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "memlsm sweep merge: %d rows × %d columns → %s\n", t.Frame.Nrow(), t.Frame.Ncol(), filepath.Join(arg, sweep.ResultsCSV))
	if *asJSON {
		return cli.WriteJSON(stdout, sweep.NewOutcome(arg, p, t, nil))
	}
	fmt.Fprintln(stdout, filepath.Join(arg, sweep.ResultsCSV))
	return nil
}

func runSweepSlurm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep slurm", "sweep slurm SPEC --tasks N [flags]")
	var o sweep.SlurmOptions
	fs.IntVar(&o.Tasks, "tasks", 0, "array tasks (shards)")
	fs.StringVar(&o.Dir, "out", "", "results folder, on a file system every node sees (default: the spec's name with .out)")
	fs.StringVar(&o.Partition, "partition", "", "Slurm partition")
	fs.StringVar(&o.Time, "time", "", "time limit of each task, e.g. 2:00:00")
	fs.StringVar(&o.Mem, "mem", "", "memory of each task, e.g. 4G")
	fs.IntVar(&o.CPUsPerTask, "cpus-per-task", 1, "cores of each task")
	fs.IntVar(&o.Jobs, "jobs", 0, "runs at once in each task (default: cpus-per-task)")
	dry := fs.Bool("dry-run", false, "write the scripts and print the sbatch commands; submit nothing")
	wait := fs.Bool("wait", false, "follow the jobs until they leave the queue and report failed tasks")
	poll := fs.Duration("poll", 10*time.Second, "how often --wait asks squeue")
	asJSON := fs.Bool("json", false, "print the submission (and with --wait its outcome) as JSON")
	arg, err := fs.ParseOne(args, stdout, "SPEC file")
	if err != nil {
		return err
	}
	if o.Tasks < 1 {
		return usagef("sweep slurm: --tasks N (at least 1) is required")
	}
	o.Spec, o.Poll, o.Log = arg, *poll, stderr
	if o.Dir == "" {
		o.Dir = sweep.DefaultDir(arg)
	}
	plan, err := sweep.LoadPlan(arg)
	if err != nil {
		return err
	}
	out, err := sweep.RunSlurm(ctx, plan, o, *dry, *wait)
	if *asJSON && out != nil {
		if jerr := cli.WriteJSON(stdout, out); err == nil {
			err = jerr
		}
	}
	return err
}
