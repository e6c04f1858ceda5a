package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"golang.org/x/term"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// Options configure Run. The zero value runs the whole sweep, one point
// at a time, quietly; Dir and Data are required.
type Options struct {
	// Dir is the results folder.
	Dir string
	// Shard is the part of the tasks to run; the zero Shard is All.
	Shard Shard
	// Jobs is how many tasks run at once (0 → 1). Each is deterministic
	// whatever the others do, so Jobs changes only the wall time; it
	// pays in in-memory mode, whose encoding is one goroutine per task.
	Jobs int
	// Workers bounds each task's encoding goroutines; 0 → GOMAXPROCS/Jobs.
	Workers int
	// Data holds the datasets, opened once for every point.
	Data *Data
	// Progress, if set, receives one line per finished task (points done,
	// rate, ETA), or one line redrawn in place on a terminal.
	Progress io.Writer
	// Host labels the records' provenance; "" → os.Hostname.
	Host string
}

// Report says what Run did.
type Report struct {
	Shard    Shard
	Tasks    int // of the shard
	Resumed  int // already in the journal
	Ran      int
	Seconds  float64
	Complete bool // the shard's part file is written
	// Table is the merged table when the run covered the whole sweep.
	Table *Table
}

// Run runs a shard of the plan's tasks through the library, journalling
// each finished task atomically in Dir/runs, so that a run killed at any
// moment and started again skips what was finished and ends with the same
// table. When every task of the shard is done it writes the shard's part;
// when the shard is the whole sweep it also writes the table, summary and
// plots (as Merge does).
func Run(ctx context.Context, p *Plan, opt Options) (*Report, error) {
	if opt.Shard == (Shard{}) {
		opt.Shard = All
	}
	if err := opt.Shard.Validate(); err != nil {
		return nil, err
	}
	if opt.Data == nil {
		return nil, errors.New("sweep: Options.Data is required")
	}
	jobs := max(opt.Jobs, 1)
	workers := opt.Workers
	if workers == 0 {
		workers = max(runtime.GOMAXPROCS(0)/jobs, 1)
	}
	host := opt.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	st := Store{opt.Dir}
	if err := st.Init(p); err != nil {
		return nil, err
	}
	tasks := opt.Shard.Tasks(p)
	st.cleanTemp(tasks)
	rep := &Report{Shard: opt.Shard, Tasks: len(tasks)}
	var todo []Task
	for _, t := range tasks {
		if st.Done(t) {
			rep.Resumed++
		} else {
			todo = append(todo, t)
		}
	}
	start := time.Now()
	pr := newProgress(opt.Progress, p, opt.Shard, len(tasks), rep.Resumed)
	pr.begin()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		next     int
		wg       sync.WaitGroup
	)
	take := func() (Task, bool) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || next >= len(todo) || ctx.Err() != nil {
			return Task{}, false
		}
		t := todo[next]
		next++
		return t, true
	}
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for range jobs {
		wg.Go(func() {
			for {
				t, ok := take()
				if !ok {
					return
				}
				t0 := time.Now()
				res, err := p.Execute(ctx, opt.Data, t, workers)
				var te *TaskError
				if err != nil && !errors.As(err, &te) {
					fail(fmt.Errorf("sweep: %s (%s): %w", t, p.describe(p.Points[t.Point]), err))
					return
				}
				r := &Record{Point: t.Point, Seed: t.Seed, Values: p.Points[t.Point].Values, Result: res,
					Seconds: time.Since(t0).Seconds(), Host: host, Shard: opt.Shard.String()}
				if te != nil {
					r.Error = te.Error()
				}
				if err := st.writeRun(r); err != nil {
					fail(fmt.Errorf("sweep: journalling %s: %w", t, err))
					return
				}
				mu.Lock()
				rep.Ran++
				pr.done(r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	pr.end()
	rep.Seconds = time.Since(start).Seconds()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		// Another goroutine's cancellation error is not the cause.
		return rep, firstErr
	}
	if err := st.WritePart(p, opt.Shard); err != nil {
		return rep, err
	}
	rep.Complete = true
	if opt.Shard.N == 1 {
		t, err := Merge(opt.Dir, p)
		if err != nil {
			return rep, err
		}
		rep.Table = t
	}
	return rep, nil
}

// Output file names in a results folder.
const (
	ResultsCSV     = "results.csv"
	ResultsParquet = "results.parquet"
	SummaryCSV     = "summary.csv"
	TimingsCSV     = "timings.csv"
	PlotsDir       = "plots"
)

// Merge reads the part files of dir, checks that together they hold every
// task of the sweep exactly once, and writes the table (results.csv,
// results.parquet), the per-point summary (summary.csv), the task timings
// (timings.csv) and the plots. p may be nil: the folder's own plan is used.
// The table depends only on the records, never on how the tasks were
// sharded, so a merged sharded sweep and a local one give the same bytes.
func Merge(dir string, p *Plan) (*Table, error) {
	st := Store{dir}
	if p == nil {
		var err error
		if p, err = st.LoadPlan(); err != nil {
			return nil, err
		}
	}
	recs, missing, err := st.Collect(p)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		parts, _ := st.Parts()
		return nil, &IncompleteError{Dir: dir, Missing: missing, Parts: parts, Plan: p}
	}
	t, err := NewTable(p, recs)
	if err != nil {
		return nil, err
	}
	write := func(name string, f func(io.Writer) error) error {
		if err := atomicfile.Write(filepath.Join(dir, name), f); err != nil {
			return fmt.Errorf("sweep: writing %s: %w", name, err)
		}
		return nil
	}
	if err := write(ResultsCSV, func(w io.Writer) error { return WriteCSV(w, t.Frame) }); err != nil {
		return nil, err
	}
	if err := write(ResultsParquet, func(w io.Writer) error { return WriteParquet(w, t.Frame) }); err != nil {
		return nil, err
	}
	if err := write(SummaryCSV, func(w io.Writer) error { return WriteCSV(w, t.Summary()) }); err != nil {
		return nil, err
	}
	if err := write(TimingsCSV, func(w io.Writer) error { return WriteCSV(w, timings(recs)) }); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, PlotsDir), 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	plots, err := t.Plots(p)
	if err != nil {
		return nil, err
	}
	for _, pl := range plots {
		if err := write(filepath.Join(PlotsDir, pl.Name), pl.WriteTo); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// IncompleteError is Merge's error when tasks are missing.
type IncompleteError struct {
	Dir     string
	Missing []Task
	Parts   []Shard
	Plan    *Plan
}

func (e *IncompleteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sweep: %s is missing %d of %d tasks", e.Dir, len(e.Missing), len(e.Plan.Tasks()))
	ns := map[int]bool{}
	for _, s := range e.Parts {
		ns[s.N] = true
	}
	for n := range ns {
		fmt.Fprintf(&b, "; of %d shards, missing %v", n, missingShards(e.Plan, e.Missing, n))
	}
	if len(e.Parts) == 0 {
		b.WriteString("; no part files yet")
	}
	k := min(len(e.Missing), 5)
	ts := make([]string, k)
	for i := range k {
		ts[i] = e.Missing[i].String()
	}
	fmt.Fprintf(&b, " (first: %s)", strings.Join(ts, ", "))
	return b.String()
}

// MissingShards lists the shards of an N-way sharding that are not
// complete.
func (e *IncompleteError) MissingShards(n int) []int { return missingShards(e.Plan, e.Missing, n) }

// timings is the wall time of every task.
func timings(recs []*Record) dataframe.DataFrame {
	n := len(recs)
	pts, seeds := make([]int, n), make([]int, n)
	secs := make([]float64, n)
	hosts, shards := make([]string, n), make([]string, n)
	for i, r := range recs {
		pts[i], seeds[i], secs[i], hosts[i], shards[i] = r.Point, int(r.Seed), r.Seconds, r.Host, r.Shard
	}
	return dataframe.New(
		series.New(pts, series.Int, "point"), series.New(seeds, series.Int, "seed"),
		series.New(secs, series.Float, "seconds"), series.New(hosts, series.String, "host"),
		series.New(shards, series.String, "shard"))
}

// progress prints the sweep's progress: one line per finished task, or on
// a terminal one line redrawn in place.
type progress struct {
	w        io.Writer
	tty      bool
	name     string
	shard    Shard
	total    int
	resumed  int
	ran      int
	start    time.Time
	metric   string
	describe func(Point) string
	points   []Point
}

func newProgress(w io.Writer, p *Plan, sh Shard, total, resumed int) *progress {
	pr := &progress{w: w, name: orName(p.Spec.Name), shard: sh, total: total, resumed: resumed,
		metric: p.metric(), describe: p.describe, points: p.Points}
	if f, ok := w.(interface{ Fd() uintptr }); ok {
		pr.tty = term.IsTerminal(int(f.Fd()))
	}
	return pr
}

func (pr *progress) prefix() string {
	s := "sweep " + pr.name
	if pr.shard.N > 1 {
		s += " shard " + pr.shard.String()
	}
	return s
}

func (pr *progress) begin() {
	pr.start = time.Now()
	if pr.w == nil {
		return
	}
	fmt.Fprintf(pr.w, "%s: %d runs, %d already done\n", pr.prefix(), pr.total, pr.resumed)
}

func (pr *progress) done(r *Record) {
	pr.ran++
	if pr.w == nil {
		return
	}
	doneN := pr.resumed + pr.ran
	el := time.Since(pr.start)
	per := el / time.Duration(pr.ran)
	eta := per * time.Duration(pr.total-doneN)
	val := ""
	if r.Error != "" {
		val = " failed: " + r.Error
	} else if fs, err := Flatten(r.Result); err == nil {
		for _, f := range fs {
			if f.Name == pr.metric {
				val = fmt.Sprintf(" %s %.4g", f.Name, f.Value)
			}
		}
	}
	line := fmt.Sprintf("%s: %d/%d runs (%.0f %%) · point %d seed %d (%s)%s · %.1f s/run, %.0f runs/h · elapsed %s · ETA %s",
		pr.prefix(), doneN, pr.total, 100*float64(doneN)/float64(max(pr.total, 1)), r.Point, r.Seed, pr.describe(pr.points[r.Point]), val,
		per.Seconds(), 3600/per.Seconds(), el.Round(time.Second), eta.Round(time.Second))
	if pr.tty {
		fmt.Fprintf(pr.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(pr.w, line)
	}
}

func (pr *progress) end() {
	if pr.w != nil && pr.tty && pr.ran > 0 {
		fmt.Fprintln(pr.w)
	}
}

// metric is the column the progress lines and plots show.
func (p *Plan) metric() string {
	if p.Spec.Metric != "" {
		return p.Spec.Metric
	}
	if e, _ := p.Spec.Run["experiment"].(string); e == "zeroshot" {
		return "unseen.audio_to_image"
	}
	return "accuracy"
}
