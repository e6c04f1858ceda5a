package sweep_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/sweep"
)

// The scripts are written for the missing shards only, with N spelled out.
func TestSlurmScripts(t *testing.T) {
	p := mustPlan(t, runBase+"axes: [{name: adc_bits, values: [8, 10, 12, 14]}]")
	dir := t.TempDir()
	var calls [][]string
	fake := func(ctx context.Context, name string, args ...string) ([]byte, error) {
		calls = append(calls, append([]string{name}, args...))
		switch name {
		case "squeue":
			return nil, nil
		case "sbatch":
			return []byte(fmt.Sprintf("%d;cluster\n", 100+len(calls))), nil
		}
		return nil, fmt.Errorf("unexpected command %s", name)
	}
	o := sweep.SlurmOptions{Spec: "spec.yaml", Dir: dir, Tasks: 4, Partition: "short", Time: "1:00:00", CPUsPerTask: 2, Binary: "/opt/memlsm", Workdir: "/data", Exec: fake}
	job, err := sweep.Submit(context.Background(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	arr := string(read(t, job.Scripts[0]))
	for _, want := range []string{"#SBATCH --array=0-3", "#SBATCH --partition=short", "#SBATCH --time=1:00:00", "#SBATCH --cpus-per-task=2",
		"#SBATCH --chdir=/data", `--shard "${SLURM_ARRAY_TASK_ID}/4"`, "'/opt/memlsm' sweep"} {
		if !strings.Contains(arr, want) {
			t.Errorf("array script lacks %q:\n%s", want, arr)
		}
	}
	if job.Array != "102" || job.Merge != "103" || !slices.Equal(calls[2], []string{"sbatch", "--parsable", "--dependency=afterany:102", job.Scripts[1]}) {
		t.Errorf("job %+v, calls %q", job, calls)
	}
	// Shards 0 and 2 are done: only 1 and 3 are submitted again.
	for _, i := range []int{0, 2} {
		if err := os.WriteFile(filepath.Join(dir, "parts", fmt.Sprintf("part-%d-of-4.jsonl", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	job, err = sweep.WriteSlurm(p, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(job.Shards, []int{1, 3}) || !strings.Contains(string(read(t, job.Scripts[0])), "#SBATCH --array=1,3\n") {
		t.Errorf("resubmission shards %v:\n%s", job.Shards, read(t, job.Scripts[0]))
	}
	// Still queued: refused.
	busy := func(ctx context.Context, name string, args ...string) ([]byte, error) { return []byte("77_1\n"), nil }
	o.Exec = busy
	if _, err := sweep.Submit(context.Background(), p, o); err == nil || !strings.Contains(err.Error(), "still queued") {
		t.Errorf("submitting while queued: %v", err)
	}
}

// slurmCluster finds a Slurm cluster for the test: one the environment
// already reaches (sinfo answers), or else a single-node cluster that
// scripts/slurm-single-node.sh brings up in a temporary folder and takes
// down when the test ends. It skips, saying why, where neither can be had.
func slurmCluster(t *testing.T) {
	t.Helper()
	if os.Getenv("MEMLSM_SLURM") == "off" {
		t.Skip("MEMLSM_SLURM=off")
	}
	for _, c := range []string{"sbatch", "squeue", "scontrol", "sinfo"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("Slurm is not installed (no %s): install the Debian packages slurm-wlm and munge, as .ci/run does", c)
		}
	}
	if os.Getenv("SLURM_CONF") != "" || fileExists("/etc/slurm/slurm.conf") {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%t").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
			t.Logf("using the Slurm cluster the environment names (sinfo: %s)", bytes.TrimSpace(out))
			return
		}
	}
	if os.Getuid() != 0 {
		t.Skip("no Slurm cluster answers, and starting the single-node one (scripts/slurm-single-node.sh) needs root")
	}
	for _, c := range []string{"munged", "slurmctld", "slurmd"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("no Slurm cluster answers, and %s is missing to start one: install slurm-wlm and munge", c)
		}
	}
	script, err := filepath.Abs("../scripts/slurm-single-node.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "memlsm-slurm-test-")
	if err != nil {
		t.Fatal(err)
	}
	// A port pair of its own, so that two test processes (two developers on
	// one machine) can each run a cluster.
	port := 20000 + 2*(os.Getpid()%10000)
	env := append(os.Environ(), "MEMLSM_SLURM_DIR="+dir, fmt.Sprintf("MEMLSM_SLURM_PORT=%d", port))
	run := func(arg string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", script, arg)
		cmd.Env = env
		return cmd.CombinedOutput()
	}
	t.Cleanup(func() {
		if out, err := run("down"); err != nil {
			t.Errorf("stopping the test cluster: %v\n%s", err, out)
		}
		os.RemoveAll(dir)
	})
	if out, err := run("up"); err != nil {
		t.Fatalf("starting the single-node cluster: %v\n%s", err, out)
	}
	t.Setenv("SLURM_CONF", filepath.Join(dir, "slurm.conf"))
	t.Logf("started a single-node Slurm cluster in %s", dir)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// A real job array on a real Slurm: the merged table is byte for byte the
// one the same sweep gives in one process, Slurm reports every array task
// COMPLETED, and a re-submission after a lost part submits that shard only.
func TestSlurmJobArray(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the Slurm integration test")
	}
	slurmCluster(t)
	tmp := t.TempDir()
	// The memlsm binary the array tasks run.
	bin := filepath.Join(tmp, "memlsm")
	build := exec.Command("go", "build", "-o", bin, "github.com/memlsm/memlsm/cmd/memlsm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Data every task reads: a small synthetic set in memlsm's event format.
	dataPath := filepath.Join(tmp, "data.mev")
	var buf bytes.Buffer
	if err := events.WriteDataset(&buf, synthetic(3, 10)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dataPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(tmp, "spec.yaml")
	spec := strings.Replace(smallSpec, "synthetic:10", "mev:"+dataPath, 1)
	if err := os.WriteFile(specPath, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	p := mustPlan(t, spec)

	// The same sweep in this process.
	local := filepath.Join(tmp, "local")
	if _, err := sweep.Run(context.Background(), p, sweep.Options{Dir: local, Data: sweep.NewData(source.Open)}); err != nil {
		t.Fatal(err)
	}
	want := read(t, filepath.Join(local, sweep.ResultsCSV))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	o := sweep.SlurmOptions{Spec: specPath, Dir: filepath.Join(tmp, "slurm"), Tasks: 2, Binary: bin, Workdir: tmp,
		Poll: 500 * time.Millisecond, Log: &log, CPUsPerTask: 1}
	submitAndWait := func(wantShards []int) {
		t.Helper()
		job, err := sweep.Submit(ctx, p, o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(job.Shards, wantShards) {
			t.Fatalf("submitted shards %v, want %v", job.Shards, wantShards)
		}
		rep, err := sweep.Wait(ctx, p, job, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("array job %s, merge job %s: tasks %+v, merge %s", job.Array, job.Merge, rep.Tasks, rep.MergeState)
		if len(rep.FailedShards) > 0 || !rep.Merged {
			out, _ := os.ReadFile(filepath.Join(o.Dir, "slurm", "merge.out"))
			t.Fatalf("failed shards %v, merged %v\nmerge.out:\n%s\nwait log:\n%s", rep.FailedShards, rep.Merged, out, log.String())
		}
		var got []int
		for _, ts := range rep.Tasks {
			if ts.State != "COMPLETED" {
				t.Errorf("array task %d: %s", ts.Task, ts.State)
			}
			got = append(got, ts.Task)
		}
		if len(rep.Tasks) > 0 && !slices.Equal(got, wantShards) {
			t.Errorf("Slurm reports array tasks %v, want %v", got, wantShards)
		}
		if rep.MergeState != "" && rep.MergeState != "COMPLETED" {
			t.Errorf("merge job %s", rep.MergeState)
		}
		if got := read(t, filepath.Join(o.Dir, sweep.ResultsCSV)); !bytes.Equal(got, want) {
			t.Errorf("the Slurm table differs from the local one:\n%s\nlocal:\n%s", got, want)
		}
	}
	submitAndWait([]int{0, 1})

	// Lose shard 1's part (as if its task had failed): only it goes again.
	if err := os.Remove(filepath.Join(o.Dir, "parts", "part-1-of-2.jsonl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(o.Dir, sweep.ResultsCSV)); err != nil {
		t.Fatal(err)
	}
	submitAndWait([]int{1})
}
