package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// Slurm back-end: the same runner as on a laptop, as a job array. The
// array's task I runs `memlsm sweep SPEC --shard I/N --out DIR`, and a
// merge job that depends on the array runs `memlsm sweep merge DIR`. The
// scripts are written to DIR/slurm/ for review; Submit hands them to
// sbatch. Nothing here talks to Slurm but through its commands (sbatch,
// squeue, scontrol), so any cluster that has them works, and DIR must be
// on a file system every node sees (as home and project folders are).

// SlurmOptions configure WriteSlurm and Submit.
type SlurmOptions struct {
	// Spec is the spec file and Dir the results folder; both are made
	// absolute in the scripts.
	Spec, Dir string
	// Tasks is the number of array tasks (shards), N.
	Tasks int
	// Partition, Time (e.g. "2:00:00") and Mem (e.g. "4G") are passed to
	// sbatch when set; CPUsPerTask defaults to 1.
	Partition, Time, Mem string
	CPUsPerTask          int
	// Jobs is runs at once in each task; 0 → CPUsPerTask.
	Jobs int
	// Binary is the memlsm executable the tasks run; "" → this one.
	Binary string
	// Workdir is where the tasks run (relative data paths in the spec
	// resolve from it); "" → the current folder.
	Workdir string
	// Exec runs a Slurm command and returns its standard output; nil →
	// os/exec (the commands find the cluster as usual, e.g. through
	// SLURM_CONF).
	Exec func(ctx context.Context, name string, args ...string) ([]byte, error)
	// Poll is Wait's interval; 0 → 10 s.
	Poll time.Duration
	// Log receives Wait's progress lines.
	Log io.Writer
}

// SlurmJob is one submission.
type SlurmJob struct {
	Dir      string     `json:"dir"`      // the results folder
	Array    string     `json:"array"`    // the array job's id ("" if no shard was missing)
	Merge    string     `json:"merge"`    // the merge job's id
	Shards   []int      `json:"shards"`   // the shards submitted
	Scripts  []string   `json:"scripts"`  // array, merge and submit scripts
	JobName  string     `json:"job_name"` // of the array; the merge job's adds "-merge"
	Tasks    int        `json:"tasks"`    // N
	DryRun   bool       `json:"dry_run"`
	Commands [][]string `json:"commands"` // the sbatch commands, in order
}

func (o *SlurmOptions) resolve() error {
	if o.Tasks < 1 {
		return fmt.Errorf("sweep: slurm: --tasks must be at least 1, got %d", o.Tasks)
	}
	if o.CPUsPerTask == 0 {
		o.CPUsPerTask = 1
	}
	if o.CPUsPerTask < 0 || o.Jobs < 0 {
		return errors.New("sweep: slurm: cpus-per-task and jobs must not be negative")
	}
	if o.Jobs == 0 {
		o.Jobs = o.CPUsPerTask
	}
	var err error
	abs := func(p *string) {
		if err == nil && *p != "" {
			*p, err = filepath.Abs(*p)
		}
	}
	if o.Binary == "" {
		if o.Binary, err = os.Executable(); err != nil {
			return fmt.Errorf("sweep: slurm: %w", err)
		}
	}
	if o.Workdir == "" {
		if o.Workdir, err = os.Getwd(); err != nil {
			return fmt.Errorf("sweep: slurm: %w", err)
		}
	}
	abs(&o.Spec)
	abs(&o.Dir)
	abs(&o.Binary)
	abs(&o.Workdir)
	if err != nil {
		return fmt.Errorf("sweep: slurm: %w", err)
	}
	for _, v := range []string{o.Partition, o.Time, o.Mem} {
		if strings.ContainsAny(v, "\n\r\"'` $;") {
			return fmt.Errorf("sweep: slurm: option %q holds a character a script would misread", v)
		}
	}
	if o.Exec == nil {
		o.Exec = execCommand
	}
	if o.Poll == 0 {
		o.Poll = 10 * time.Second
	}
	return nil
}

func execCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(string(out))
		}
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return out, nil
}

// quote makes s one word of a POSIX shell command.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// arraySpec writes shard indices for --array: "0-3" or "1,3".
func arraySpec(shards []int) string {
	var parts []string
	for i := 0; i < len(shards); {
		j := i
		for j+1 < len(shards) && shards[j+1] == shards[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", shards[i], shards[j]))
		} else {
			parts = append(parts, strconv.Itoa(shards[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// WriteSlurm writes the job-array and merge scripts of a sweep into
// DIR/slurm/ for the shards that have no part yet, and returns the job
// (with the sbatch commands Submit would run). A shard whose part exists
// is done and is not submitted again.
func WriteSlurm(p *Plan, o SlurmOptions) (*SlurmJob, error) {
	if err := o.resolve(); err != nil {
		return nil, err
	}
	st := Store{o.Dir}
	if err := st.Init(p); err != nil {
		return nil, err
	}
	have := map[int]bool{}
	parts, err := st.Parts()
	if err != nil {
		return nil, err
	}
	for _, s := range parts {
		if s.N == o.Tasks {
			have[s.I] = true
		}
	}
	job := &SlurmJob{Dir: o.Dir, Tasks: o.Tasks, JobName: "memlsm-sweep-" + p.ID[:12]}
	for i := range o.Tasks {
		if !have[i] {
			job.Shards = append(job.Shards, i)
		}
	}
	sdir := filepath.Join(o.Dir, "slurm")
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	header := func(b *strings.Builder, what string) {
		fmt.Fprintf(b, "#!/bin/bash\n# %s of the memlsm sweep %q (id %.12s), %d points × %d seeds = %d runs in %d shards.\n",
			what, orName(p.Spec.Name), p.ID, len(p.Points), len(p.Seeds), len(p.Tasks()), o.Tasks)
		fmt.Fprintf(b, "# Written by `memlsm sweep slurm`; submitted as %s/submit.sh shows.\n", sdir)
		fmt.Fprintf(b, "#SBATCH --chdir=%s\n", o.Workdir)
		if o.Partition != "" {
			fmt.Fprintf(b, "#SBATCH --partition=%s\n", o.Partition)
		}
		if o.Time != "" {
			fmt.Fprintf(b, "#SBATCH --time=%s\n", o.Time)
		}
		if o.Mem != "" {
			fmt.Fprintf(b, "#SBATCH --mem=%s\n", o.Mem)
		}
	}
	var arr strings.Builder
	header(&arr, "Job array")
	fmt.Fprintf(&arr, "#SBATCH --job-name=%s\n#SBATCH --cpus-per-task=%d\n", job.JobName, o.CPUsPerTask)
	fmt.Fprintf(&arr, "#SBATCH --output=%s\n", filepath.Join(sdir, "shard-%a-of-"+strconv.Itoa(o.Tasks)+".out"))
	if len(job.Shards) > 0 {
		fmt.Fprintf(&arr, "#SBATCH --array=%s\n", arraySpec(job.Shards))
	}
	arr.WriteString("set -euo pipefail\n")
	arr.WriteString("# Shard I of N, I = the array task id; N is written out because a re-submission\n")
	arr.WriteString("# of missing shards is a smaller array (SLURM_ARRAY_TASK_COUNT would be wrong).\n")
	fmt.Fprintf(&arr, "exec %s sweep %s --out %s --shard \"${SLURM_ARRAY_TASK_ID}/%d\" --jobs %d --workers %d\n",
		quote(o.Binary), quote(o.Spec), quote(o.Dir), o.Tasks, o.Jobs, max(o.CPUsPerTask/o.Jobs, 1))
	var mrg strings.Builder
	header(&mrg, "Merge job")
	fmt.Fprintf(&mrg, "#SBATCH --job-name=%s-merge\n#SBATCH --cpus-per-task=1\n", job.JobName)
	fmt.Fprintf(&mrg, "#SBATCH --output=%s\n", filepath.Join(sdir, "merge.out"))
	mrg.WriteString("set -euo pipefail\n")
	fmt.Fprintf(&mrg, "exec %s sweep merge %s\n", quote(o.Binary), quote(o.Dir))

	arrPath, mrgPath := filepath.Join(sdir, "array.sbatch"), filepath.Join(sdir, "merge.sbatch")
	job.Commands = [][]string{
		{"sbatch", "--parsable", arrPath},
		// afterany: the merge runs however the tasks end, and its output
		// names any shard that is missing.
		{"sbatch", "--parsable", "--dependency=afterany:$ARRAY", mrgPath},
	}
	var sub strings.Builder
	sub.WriteString("#!/bin/bash\n# The submission `memlsm sweep slurm` makes (run it by hand after --dry-run).\nset -euo pipefail\n")
	if len(job.Shards) > 0 {
		fmt.Fprintf(&sub, "ARRAY=$(sbatch --parsable %s)\nARRAY=${ARRAY%%%%;*}\n", quote(arrPath))
		fmt.Fprintf(&sub, "sbatch --parsable --dependency=afterany:$ARRAY %s\n", quote(mrgPath))
	} else {
		fmt.Fprintf(&sub, "# Every shard has its part: only the merge is left.\nsbatch --parsable %s\n", quote(mrgPath))
		job.Commands = [][]string{{"sbatch", "--parsable", mrgPath}}
	}
	for path, text := range map[string]string{arrPath: arr.String(), mrgPath: mrg.String(), filepath.Join(sdir, "submit.sh"): sub.String()} {
		if err := atomicfile.WriteFile(path, []byte(text)); err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		if err := os.Chmod(path, 0o755); err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
	}
	job.Scripts = []string{arrPath, mrgPath, filepath.Join(sdir, "submit.sh")}
	return job, nil
}

// Submit writes the scripts (WriteSlurm) and submits them with sbatch:
// the array of the missing shards, then the merge job depending on it.
// It refuses while jobs of the same sweep are still queued, so a sweep is
// never running twice.
func Submit(ctx context.Context, p *Plan, o SlurmOptions) (*SlurmJob, error) {
	job, err := WriteSlurm(p, o)
	if err != nil {
		return nil, err
	}
	_ = o.resolve() // WriteSlurm checked it; fill Exec and Poll here too
	out, err := o.Exec(ctx, "squeue", "-h", "-n", job.JobName+","+job.JobName+"-merge", "-o", "%i")
	if err != nil {
		return nil, fmt.Errorf("sweep: slurm: %w", err)
	}
	if q := strings.Fields(string(out)); len(q) > 0 {
		return nil, fmt.Errorf("sweep: slurm: jobs of this sweep are still queued (%s): wait for them or scancel them", strings.Join(q, " "))
	}
	if len(job.Shards) > 0 {
		out, err := o.Exec(ctx, "sbatch", "--parsable", job.Scripts[0])
		if err != nil {
			return nil, fmt.Errorf("sweep: slurm: %w", err)
		}
		job.Array = parsableID(out)
		if job.Array == "" {
			return nil, fmt.Errorf("sweep: slurm: sbatch printed no job id (%q)", out)
		}
		out, err = o.Exec(ctx, "sbatch", "--parsable", "--dependency=afterany:"+job.Array, job.Scripts[1])
		if err != nil {
			return nil, fmt.Errorf("sweep: slurm: the array is job %s, but submitting the merge failed: %w", job.Array, err)
		}
		job.Merge = parsableID(out)
	} else {
		out, err := o.Exec(ctx, "sbatch", "--parsable", job.Scripts[1])
		if err != nil {
			return nil, fmt.Errorf("sweep: slurm: %w", err)
		}
		job.Merge = parsableID(out)
	}
	return job, nil
}

// parsableID reads sbatch --parsable's "ID" or "ID;cluster".
func parsableID(out []byte) string {
	s := strings.TrimSpace(string(out))
	s, _, _ = strings.Cut(s, ";")
	if _, err := strconv.Atoi(s); err != nil {
		return ""
	}
	return s
}

// TaskState is the final state of one array task as Slurm reports it.
type TaskState struct {
	Task     int    `json:"task"`
	State    string `json:"state"`
	ExitCode string `json:"exit_code"`
}

// WaitReport is what Wait found when the jobs had left the queue.
type WaitReport struct {
	Tasks      []TaskState `json:"tasks"`       // from scontrol show job, when Slurm still knows them
	MergeState string      `json:"merge_state"` // likewise
	// FailedShards are the submitted shards without a part file: the
	// ground truth, whatever the scheduler's records say.
	FailedShards []int `json:"failed_shards"`
	// Merged reports that the merge job wrote the table.
	Merged bool `json:"merged"`
}

// Wait follows a submitted sweep until its jobs leave the queue, printing
// how many are pending or running, then reports the state of every array
// task and which shards failed (no part file), reading the results folder.
func Wait(ctx context.Context, p *Plan, job *SlurmJob, o SlurmOptions) (*WaitReport, error) {
	if err := o.resolve(); err != nil {
		return nil, err
	}
	ids := slices.DeleteFunc([]string{job.Array, job.Merge}, func(s string) bool { return s == "" })
	if len(ids) == 0 {
		return nil, errors.New("sweep: slurm: nothing was submitted")
	}
	last := ""
	for {
		out, err := o.Exec(ctx, "squeue", "-h", "-r", "-j", strings.Join(ids, ","), "-o", "%i %T")
		if err != nil {
			// squeue fails for job ids it has forgotten: they are done.
			if !strings.Contains(err.Error(), "Invalid job id") {
				return nil, fmt.Errorf("sweep: slurm: %w", err)
			}
			out = nil
		}
		lines := strings.Fields(strings.TrimSpace(string(out)))
		if len(lines) == 0 {
			break
		}
		counts := map[string]int{}
		for k := 1; k < len(lines); k += 2 {
			counts[strings.ToLower(lines[k])]++
		}
		var b []string
		for _, s := range slices.Sorted(maps.Keys(counts)) {
			b = append(b, fmt.Sprintf("%d %s", counts[s], s))
		}
		msg := fmt.Sprintf("sweep slurm: jobs %s: %s", strings.Join(ids, ", "), strings.Join(b, ", "))
		if o.Log != nil && msg != last {
			fmt.Fprintln(o.Log, msg)
			last = msg
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.Poll):
		}
	}
	rep := &WaitReport{FailedShards: []int{}}
	if job.Array != "" {
		if out, err := o.Exec(ctx, "scontrol", "-o", "show", "job", job.Array); err == nil {
			rep.Tasks = parseScontrol(out)
		}
	}
	if job.Merge != "" {
		if out, err := o.Exec(ctx, "scontrol", "-o", "show", "job", job.Merge); err == nil {
			if ts := parseScontrol(out); len(ts) > 0 {
				rep.MergeState = ts[0].State
			}
		}
	}
	st := Store{job.Dir}
	parts, err := st.Parts()
	if err != nil {
		return nil, err
	}
	done := map[int]bool{}
	for _, s := range parts {
		if s.N == job.Tasks {
			done[s.I] = true
		}
	}
	for _, i := range job.Shards {
		if !done[i] {
			rep.FailedShards = append(rep.FailedShards, i)
		}
	}
	_, err = os.Stat(filepath.Join(job.Dir, ResultsCSV))
	rep.Merged = err == nil && len(rep.FailedShards) == 0
	return rep, nil
}

var (
	reTaskID   = regexp.MustCompile(`\bArrayTaskId=(\d+)`)
	reJobState = regexp.MustCompile(`\bJobState=(\S+)`)
	reExit     = regexp.MustCompile(`\bExitCode=(\S+)`)
)

// parseScontrol reads `scontrol -o show job` (one job a line).
func parseScontrol(out []byte) []TaskState {
	var ts []TaskState
	for _, line := range strings.Split(string(out), "\n") {
		st := reJobState.FindStringSubmatch(line)
		if st == nil {
			continue
		}
		t := TaskState{Task: -1, State: st[1]}
		if m := reTaskID.FindStringSubmatch(line); m != nil {
			t.Task, _ = strconv.Atoi(m[1])
		}
		if m := reExit.FindStringSubmatch(line); m != nil {
			t.ExitCode = m[1]
		}
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b TaskState) int { return a.Task - b.Task })
	return ts
}
