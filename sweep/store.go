package sweep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// A results folder holds one sweep:
//
//	sweep.json                the plan (spec, points, seeds, ID)
//	runs/p000012-s2.json      one finished task (a Record), written atomically
//	parts/part-0-of-4.jsonl   a finished shard: its Records, one per line
//	results.csv, .parquet     the table; summary.csv; timings.csv; plots/
//
// runs/ is the journal a restarted shard resumes from; parts/ are what
// Merge reads, so a shard run elsewhere contributes by copying its part.

// Record is one finished task: the point's axis values, the experiment's
// result JSON and how long it took.
type Record struct {
	Point  int             `json:"point"`
	Seed   uint64          `json:"seed"`
	Values []any           `json:"values"`
	Result json.RawMessage `json:"result,omitempty"`
	// Error is the experiment's error when it failed on its own terms
	// (TaskError); Result is then empty.
	Error string `json:"error,omitempty"`
	// Seconds is the task's wall time; Host and Shard say where it ran.
	// They are provenance, not table columns (a table must not depend on
	// where or how fast it was made).
	Seconds float64 `json:"seconds"`
	Host    string  `json:"host"`
	Shard   string  `json:"shard"`
}

// Task returns the record's task.
func (r *Record) Task() Task { return Task{r.Point, r.Seed} }

// maxRecordBytes bounds one record file or part line.
const maxRecordBytes = 64 << 20

// Store is a results folder.
type Store struct{ Dir string }

func (s Store) planPath() string { return filepath.Join(s.Dir, "sweep.json") }
func (s Store) runPath(t Task) string {
	return filepath.Join(s.Dir, "runs", fmt.Sprintf("p%06d-s%d.json", t.Point, t.Seed))
}
func (s Store) partPath(sh Shard) string {
	return filepath.Join(s.Dir, "parts", fmt.Sprintf("part-%d-of-%d.jsonl", sh.I, sh.N))
}

// planFile is sweep.json.
type planFile struct {
	Format int     `json:"format"`
	ID     string  `json:"id"`
	Spec   *Spec   `json:"spec"`
	Points []Point `json:"points"`
	Seeds  []uint64
}

const planFormat = 1

// Init creates the folder for plan, or checks that it already holds the
// same sweep (a restart or another shard). A folder of another sweep is an
// error: its results must not be mixed with these.
func (s Store) Init(p *Plan) error {
	for _, d := range []string{s.Dir, filepath.Join(s.Dir, "runs"), filepath.Join(s.Dir, "parts")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	old, err := s.LoadPlan()
	switch {
	case err == nil:
		if old.ID != p.ID {
			return fmt.Errorf("sweep: %s holds another sweep (%s, id %.12s; this spec is id %.12s): its runs would be mixed with these; use another --out or remove it",
				s.Dir, orName(old.Spec.Name), old.ID, p.ID)
		}
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	b, err := json.MarshalIndent(planFile{planFormat, p.ID, p.Spec, p.Points, p.Seeds}, "", " ")
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return atomicfile.WriteFile(s.planPath(), append(b, '\n'))
}

func orName(n string) string {
	if n == "" {
		return "unnamed"
	}
	return n
}

// LoadPlan reads the folder's plan back (for Merge and Status).
func (s Store) LoadPlan() (*Plan, error) {
	b, err := os.ReadFile(s.planPath())
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sweep: %s is not a sweep results folder (no sweep.json): %w", s.Dir, err)
		}
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var pf planFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", s.planPath(), err)
	}
	if pf.Format != planFormat {
		return nil, fmt.Errorf("sweep: %s: format %d, want %d", s.planPath(), pf.Format, planFormat)
	}
	if pf.Spec == nil {
		return nil, fmt.Errorf("sweep: %s: no spec", s.planPath())
	}
	p, err := NewPlan(pf.Spec)
	if err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", s.planPath(), err)
	}
	if p.ID != pf.ID {
		return nil, fmt.Errorf("sweep: %s: the spec gives id %.12s, the file says %.12s (edited by hand, or written by another version)", s.planPath(), p.ID, pf.ID)
	}
	return p, nil
}

// Done reports whether a task's record is in the journal.
func (s Store) Done(t Task) bool {
	r, err := s.readRun(t)
	return err == nil && r.Task() == t
}

func (s Store) readRun(t Task) (*Record, error) {
	f, err := os.Open(s.runPath(t))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRecordBytes {
		return nil, fmt.Errorf("sweep: %s: larger than %d bytes", f.Name(), maxRecordBytes)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", f.Name(), err)
	}
	return &r, nil
}

// writeRun journals a finished task atomically.
func (s Store) writeRun(r *Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.runPath(r.Task()), append(b, '\n'))
}

// WritePart gathers a finished shard's records from the journal into its
// part file.
func (s Store) WritePart(p *Plan, sh Shard) error {
	var buf bytes.Buffer
	for _, t := range sh.Tasks(p) {
		r, err := s.readRun(t)
		if err != nil {
			return fmt.Errorf("sweep: shard %s is not finished: %s: %w", sh, t, err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return atomicfile.WriteFile(s.partPath(sh), buf.Bytes())
}

var partName = regexp.MustCompile(`^part-(\d+)-of-(\d+)\.jsonl$`)

// Parts lists the shards whose part files exist.
func (s Store) Parts() ([]Shard, error) {
	ents, err := os.ReadDir(filepath.Join(s.Dir, "parts"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var out []Shard
	for _, e := range ents {
		m := partName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		if (Shard{i, n}).Validate() == nil {
			out = append(out, Shard{i, n})
		}
	}
	slices.SortFunc(out, func(a, b Shard) int {
		if a.N != b.N {
			return a.N - b.N
		}
		return a.I - b.I
	})
	return out, nil
}

// readPart reads a part file's records.
func (s Store) readPart(sh Shard) ([]*Record, error) {
	f, err := os.Open(s.partPath(sh))
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), maxRecordBytes)
	var out []*Record
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("sweep: %s line %d: %w", f.Name(), line, err)
		}
		out = append(out, &r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", f.Name(), err)
	}
	return out, nil
}

// Collect gathers the records of every part file, checks them against the
// plan (each task exactly once; duplicates from overlapping shardings must
// agree) and returns them in task order. missing lists the tasks no part
// holds.
func (s Store) Collect(p *Plan) (recs []*Record, missing []Task, err error) {
	parts, err := s.Parts()
	if err != nil {
		return nil, nil, err
	}
	byTask := map[Task]*Record{}
	valid := map[Task]bool{}
	for _, t := range p.Tasks() {
		valid[t] = true
	}
	for _, sh := range parts {
		rs, err := s.readPart(sh)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			t := r.Task()
			if !valid[t] {
				return nil, nil, fmt.Errorf("sweep: %s holds %s, which is not in this sweep's plan", s.partPath(sh), t)
			}
			if err := p.checkValues(r); err != nil {
				return nil, nil, fmt.Errorf("sweep: %s: %w", s.partPath(sh), err)
			}
			if old, dup := byTask[t]; dup {
				if !bytes.Equal(compactJSON(old.Result), compactJSON(r.Result)) && !sameColumns(p, old, r) {
					return nil, nil, fmt.Errorf("sweep: %s appears in two parts with different results (is the experiment deterministic? were they made by different versions?)", t)
				}
				continue
			}
			byTask[t] = r
		}
	}
	for _, t := range p.Tasks() {
		if r, ok := byTask[t]; ok {
			recs = append(recs, r)
		} else {
			missing = append(missing, t)
		}
	}
	return recs, missing, nil
}

// checkValues checks that a record's axis values are its point's.
func (p *Plan) checkValues(r *Record) error {
	want, _ := json.Marshal(p.Points[r.Point].Values)
	got, _ := json.Marshal(r.Values)
	if !bytes.Equal(want, got) {
		return fmt.Errorf("%s has values %s, the plan says %s", r.Task(), got, want)
	}
	return nil
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// sameColumns reports whether two records of a task give the same table
// row (they may differ in wall-clock fields).
func sameColumns(p *Plan, a, b *Record) bool {
	sel := p.Spec.Columns.selector()
	fa, _ := Flatten(a.Result)
	fb, _ := Flatten(b.Result)
	keep := func(fs []Field) []Field {
		var out []Field
		for _, f := range fs {
			if sel.keep(f.Name) {
				out = append(out, f)
			}
		}
		return out
	}
	return slices.Equal(keep(fa), keep(fb))
}

// missingShards lists the shards of an N-way sharding that hold a missing
// task.
func missingShards(p *Plan, missing []Task, n int) []int {
	miss := map[Task]bool{}
	for _, t := range missing {
		miss[t] = true
	}
	var out []int
	for i := range n {
		for _, t := range (Shard{i, n}).Tasks(p) {
			if miss[t] {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// cleanTemp removes the temporary files that a killed writer of one of
// tasks left in runs/. Only this shard's tasks: another shard may be
// writing its own right now.
func (s Store) cleanTemp(tasks []Task) {
	dir := filepath.Join(s.Dir, "runs")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	mine := map[string]bool{}
	for _, t := range tasks {
		mine[filepath.Base(s.runPath(t))] = true
	}
	for _, e := range ents {
		base, _, ok := strings.Cut(strings.TrimPrefix(e.Name(), "."), ".tmp-")
		if ok && strings.HasPrefix(e.Name(), ".") && mine[base] {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
