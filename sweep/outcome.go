package sweep

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// LoadPlan reads a spec file (Load) and plans it (NewPlan).
func LoadPlan(path string) (*Plan, error) {
	s, err := Load(path)
	if err != nil {
		return nil, err
	}
	return NewPlan(s)
}

// DefaultDir is the results folder of a spec file when none is given: its
// base name with ".out" for the extension, in the current folder.
func DefaultDir(spec string) string {
	b := filepath.Base(spec)
	return strings.TrimSuffix(b, filepath.Ext(b)) + ".out"
}

// ShardFromEnv returns the shard "I/N" of value, else the one Slurm's job
// array gives this task (SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT), else
// All.
func ShardFromEnv(value string) (Shard, error) {
	if value != "" {
		return ParseShard(value)
	}
	id, count := os.Getenv("SLURM_ARRAY_TASK_ID"), os.Getenv("SLURM_ARRAY_TASK_COUNT")
	if id != "" && count != "" {
		s, err := ParseShard(id + "/" + count)
		if err != nil {
			return s, fmt.Errorf("SLURM_ARRAY_TASK_ID=%s, SLURM_ARRAY_TASK_COUNT=%s: %w", id, count, err)
		}
		return s, nil
	}
	return All, nil
}

// Outcome is what a sweep (or a merge) leaves, as "memlsm sweep --json"
// prints it.
type Outcome struct {
	Out      string   `json:"out"`
	ID       string   `json:"id"`
	Points   int      `json:"points"`
	Seeds    int      `json:"seeds"`
	Tasks    int      `json:"tasks"`
	Shard    string   `json:"shard,omitempty"`
	Ran      int      `json:"ran"`
	Resumed  int      `json:"resumed"`
	Seconds  float64  `json:"seconds"`
	Complete bool     `json:"complete"`
	Files    []string `json:"files,omitempty"`
	Columns  []string `json:"columns,omitempty"`
}

// NewOutcome describes the sweep of plan p in dir: its run report (nil
// for a merge) and its table (nil while shards are missing).
func NewOutcome(dir string, p *Plan, t *Table, rep *Report) Outcome {
	o := Outcome{Out: dir, ID: p.ID, Points: len(p.Points), Seeds: len(p.Seeds), Tasks: len(p.Tasks())}
	if rep != nil {
		o.Shard, o.Ran, o.Resumed, o.Seconds = rep.Shard.String(), rep.Ran, rep.Resumed, rep.Seconds
	}
	if t != nil {
		o.Complete = true
		o.Files = []string{ResultsCSV, ResultsParquet, SummaryCSV, TimingsCSV, PlotsDir}
		o.Columns = t.Frame.Names()
	}
	return o
}

// SlurmOutcome is a submission (or, dry, the scripts of one) and, when
// waited for, its outcome.
type SlurmOutcome struct {
	*SlurmJob
	Wait *WaitReport `json:"wait,omitempty"`
}

// RunSlurm writes the scripts of plan p and, unless dryRun, submits them;
// with wait it follows the jobs until they leave the queue. It logs what
// it does to o.Log. Failed shards, or a merge that wrote no table, are an
// error returned with the outcome.
func RunSlurm(ctx context.Context, p *Plan, o SlurmOptions, dryRun, wait bool) (*SlurmOutcome, error) {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	var job *SlurmJob
	var err error
	if dryRun {
		if job, err = WriteSlurm(p, o); err != nil {
			return nil, err
		}
		job.DryRun = true
		fmt.Fprintf(log, "memlsm sweep slurm: scripts in %s; shards to submit %v; submit with:\n", filepath.Join(job.Dir, "slurm"), job.Shards)
		for _, c := range job.Commands {
			fmt.Fprintf(log, "  %s\n", strings.Join(c, " "))
		}
		return &SlurmOutcome{SlurmJob: job}, nil
	}
	if job, err = Submit(ctx, p, o); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "memlsm sweep slurm: array job %s (shards %v of %d), merge job %s → %s\n", orDash(job.Array), job.Shards, job.Tasks, job.Merge, job.Dir)
	out := &SlurmOutcome{SlurmJob: job}
	if !wait {
		return out, nil
	}
	rep, err := Wait(ctx, p, job, o)
	if err != nil {
		return out, err
	}
	out.Wait = rep
	for _, t := range rep.Tasks {
		fmt.Fprintf(log, "  array task %d: %s (exit %s)\n", t.Task, t.State, t.ExitCode)
	}
	fmt.Fprintf(log, "  merge job: %s\n", orDash(rep.MergeState))
	if len(rep.FailedShards) > 0 {
		return out, fmt.Errorf("sweep slurm: shards %v of %d failed (no part file; logs in %s); run the same command again to resubmit only them",
			rep.FailedShards, job.Tasks, filepath.Join(job.Dir, "slurm"))
	}
	if !rep.Merged {
		return out, fmt.Errorf("sweep slurm: every shard finished but the merge job did not write the table (see %s)", filepath.Join(job.Dir, "slurm", "merge.out"))
	}
	fmt.Fprintf(log, "memlsm sweep slurm: done → %s\n", filepath.Join(job.Dir, ResultsCSV))
	return out, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
