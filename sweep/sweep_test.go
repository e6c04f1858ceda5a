package sweep_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/sweep"
)

// synthetic returns a small, seeded 2-D event dataset shaped like N-MNIST
// (34×34, ON/OFF, 300 ms): each class's events fall mostly on its own 30
// "stroke" pixels, visited in a class-specific order. Easy to classify: a
// sanity set for the sweep machinery, not a model of real data.
func synthetic(classes, perClass int) *events.Dataset {
	d := &events.Dataset{Name: "synthetic", Sensor: events.NMNISTSensor}
	pr := rand.New(rand.NewPCG(0, 1))
	strokes := make([][][2]uint16, classes)
	for c := range strokes {
		d.Classes = append(d.Classes, fmt.Sprint(c))
		for range 30 {
			strokes[c] = append(strokes[c], [2]uint16{uint16(6 + pr.IntN(22)), uint16(6 + pr.IntN(22))})
		}
	}
	r := rand.New(rand.NewPCG(2, 3))
	for k := range perClass {
		for c := range classes {
			ev := make([]events.Event2D, 400)
			for i := range ev {
				t := uint32(r.IntN(300_000))
				x, y := uint16(r.IntN(34)), uint16(r.IntN(34))
				if r.Float64() < 0.8 {
					j := (int(t)*len(strokes[c])/300_000 + r.IntN(5)) % len(strokes[c])
					x, y = strokes[c][j][0], strokes[c][j][1]
				}
				ev[i] = events.Event2D{T: t, X: x, Y: y, P: uint8(r.IntN(2))}
			}
			slices.SortStableFunc(ev, func(a, b events.Event2D) int { return int(a.T) - int(b.T) })
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: fmt.Sprintf("s%d-%d", c, k), Events2D: ev})
		}
	}
	return d
}

// testData opens "synthetic:N" as N samples per class of 3 classes, and
// counts the opens.
type testData struct {
	mu    sync.Mutex
	opens int
}

func (td *testData) open(ctx context.Context, spec string) (*events.Dataset, error) {
	td.mu.Lock()
	td.opens++
	td.mu.Unlock()
	var n int
	if _, err := fmt.Sscanf(spec, "synthetic:%d", &n); err != nil {
		return nil, fmt.Errorf("no such test source %q", spec)
	}
	return synthetic(3, n), nil
}

const smallSpec = `
name: test
run:
  experiment: classify
  data: synthetic:10
  head: {linear: {epochs: 15}}
  encoder: {calibration_samples: 12}
axes:
  - name: read_noise
    values: [0.02, 0.1]
  - name: lsm.neurons
    values: [40, 60]
seeds: [1, 2]
`

func mustPlan(t *testing.T, spec string) *sweep.Plan {
	t.Helper()
	s, err := sweep.Parse([]byte(spec), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sweep.NewPlan(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The table of a sweep run whole, the same sweep run as three shards and
// merged, and the same sweep interrupted twice and resumed are the same
// bytes; the data are opened once per run.
func TestRunShardResumeIdentical(t *testing.T) {
	p := mustPlan(t, smallSpec)
	if got := len(p.Tasks()); got != 8 {
		t.Fatalf("%d tasks, want 2×2 points × 2 seeds = 8", got)
	}
	ctx := context.Background()
	base := t.TempDir()

	// Whole.
	whole := filepath.Join(base, "whole")
	td := &testData{}
	var log bytes.Buffer
	rep, err := sweep.Run(ctx, p, sweep.Options{Dir: whole, Data: sweep.NewData(td.open), Progress: &log})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ran != 8 || rep.Table == nil || !rep.Complete {
		t.Fatalf("report %+v", rep)
	}
	if td.opens != 1 {
		t.Errorf("data opened %d times, want once for all points", td.opens)
	}
	if n := strings.Count(log.String(), "ETA"); n != 8 {
		t.Errorf("%d progress lines with an ETA, want one per run (8):\n%s", n, log.String())
	}
	csvWhole := read(t, filepath.Join(whole, sweep.ResultsCSV))
	pqWhole := read(t, filepath.Join(whole, sweep.ResultsParquet))
	sumWhole := read(t, filepath.Join(whole, sweep.SummaryCSV))

	// Sharded 3 ways, run with two jobs each, then merged.
	sharded := filepath.Join(base, "sharded")
	td2 := &testData{}
	for i := range 3 {
		rep, err := sweep.Run(ctx, p, sweep.Options{Dir: sharded, Shard: sweep.Shard{I: i, N: 3}, Jobs: 2, Data: sweep.NewData(td2.open)})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Table != nil {
			t.Error("a shard wrote the table")
		}
		if i < 2 {
			_, err := sweep.Merge(sharded, nil)
			var inc *sweep.IncompleteError
			if !errors.As(err, &inc) {
				t.Fatalf("merge with %d of 3 shards: %v, want an IncompleteError", i+1, err)
			}
			if got := inc.MissingShards(3); !slices.Equal(got, seq(i+1, 3)) {
				t.Errorf("missing shards %v, want %v", got, seq(i+1, 3))
			}
		}
	}
	if _, err := sweep.Merge(sharded, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{sweep.ResultsCSV, sweep.ResultsParquet, sweep.SummaryCSV} {
		want := map[string][]byte{sweep.ResultsCSV: csvWhole, sweep.ResultsParquet: pqWhole, sweep.SummaryCSV: sumWhole}[f]
		if !bytes.Equal(read(t, filepath.Join(sharded, f)), want) {
			t.Errorf("%s of the merged shards differs from the whole run's", f)
		}
	}

	// Interrupted after 3 and after 3 more runs, then finished.
	resumed := filepath.Join(base, "resumed")
	for _, stopAfter := range []int{3, 3} {
		cctx, cancel := context.WithCancel(ctx)
		w := &cancelAfter{n: stopAfter, cancel: cancel}
		_, err := sweep.Run(cctx, p, sweep.Options{Dir: resumed, Data: sweep.NewData(td.open), Progress: w})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v, want context.Canceled", err)
		}
	}
	rep, err = sweep.Run(ctx, p, sweep.Options{Dir: resumed, Data: sweep.NewData(td.open)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Resumed < 6 || rep.Resumed+rep.Ran != 8 {
		t.Errorf("resumed %d, ran %d; want ≥ 6 resumed of 8", rep.Resumed, rep.Ran)
	}
	if !bytes.Equal(read(t, filepath.Join(resumed, sweep.ResultsCSV)), csvWhole) {
		t.Error("the resumed table differs from the uninterrupted one")
	}

	// A different spec is refused in the same folder.
	other := mustPlan(t, strings.Replace(smallSpec, "0.1]", "0.2]", 1))
	if _, err := sweep.Run(ctx, other, sweep.Options{Dir: whole, Data: sweep.NewData(td.open)}); err == nil || !strings.Contains(err.Error(), "another sweep") {
		t.Errorf("another spec in the same folder: %v, want a refusal", err)
	}

	// The Parquet file reads back as the CSV's columns and values.
	checkParquet(t, filepath.Join(whole, sweep.ResultsParquet), csvWhole)
}

func seq(lo, hi int) []int {
	var out []int
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// cancelAfter cancels once n progress lines with an ETA were written.
type cancelAfter struct {
	n, seen int
	cancel  func()
}

func (c *cancelAfter) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("ETA")) {
		c.seen++
		if c.seen == c.n {
			c.cancel()
		}
	}
	return len(b), nil
}

// checkParquet reads a Parquet file with parquet-go's generic reader and
// compares it with the CSV table, cell by cell.
func checkParquet(t *testing.T, path string, csvBytes []byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csvBytes)), "\n")
	header := strings.Split(lines[0], ",")
	var names []string
	for _, fl := range pf.Schema().Fields() {
		names = append(names, fl.Name())
	}
	if !slices.Equal(names, header) {
		t.Fatalf("parquet columns %v\nCSV columns %v", names, header)
	}
	if got := pf.NumRows(); got != int64(len(lines)-1) {
		t.Fatalf("parquet has %d rows, CSV %d", got, len(lines)-1)
	}
	rows := make([]parquet.Row, pf.NumRows())
	r := parquet.NewReader(pf)
	n, err := r.ReadRows(rows)
	if err != nil && n != len(rows) {
		t.Fatal(err)
	}
	for i, row := range rows[:n] {
		cells := strings.Split(lines[i+1], ",")
		for _, v := range row {
			c := v.Column()
			want := cells[c]
			var got string
			switch {
			case v.IsNull():
				got = ""
			case v.Kind() == parquet.Double:
				got = fmt.Sprint(v.Double())
			case v.Kind() == parquet.Int64:
				got = fmt.Sprint(v.Int64())
			default:
				got = string(v.ByteArray())
			}
			if got != want && !(strings.HasPrefix(want, `"`)) {
				t.Errorf("row %d column %s: parquet %q, CSV %q", i, header[c], got, want)
			}
		}
	}
}

// Two runs of one task give the same table row: every result field that
// differs between runs must be listed in sweep.Volatile (wall-clock
// figures), or the tables of a resumed or sharded sweep would differ.
func TestDeterministicColumns(t *testing.T) {
	p := mustPlan(t, smallSpec)
	td := &testData{}
	data := sweep.NewData(td.open)
	task := p.Tasks()[5]
	a, err := p.Execute(context.Background(), data, task, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Execute(context.Background(), data, task, 1) // other workers: same result
	if err != nil {
		t.Fatal(err)
	}
	fa, _ := sweep.Flatten(a)
	fb, _ := sweep.Flatten(b)
	if len(fa) != len(fb) {
		t.Fatalf("%d and %d fields", len(fa), len(fb))
	}
	var differ []string
	for i := range fa {
		if fa[i] != fb[i] {
			differ = append(differ, fa[i].Name)
		}
	}
	for _, n := range differ {
		volatile := false
		for _, v := range sweep.Volatile {
			volatile = volatile || globMatch(v, n)
		}
		if !volatile {
			t.Errorf("result field %s differs between two runs of %s and is not in sweep.Volatile", n, task)
		}
	}
}

// globMatch mirrors the package's glob for the test (only * is special).
func globMatch(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, parts[len(parts)-1])
}

// A task whose experiment fails on its own terms is a row with an error,
// not the end of the sweep.
func TestFailedTaskIsARow(t *testing.T) {
	p := mustPlan(t, `
run: {experiment: classify, data: "synthetic:6", encoder: {band: {metric: mean-rate, lo: 0.9, hi: 0.95}, calibration_samples: 6}, head: {linear: {epochs: 3}}}
axes: [{name: adc_bits, values: [14]}]
`)
	td := &testData{}
	rep, err := sweep.Run(context.Background(), p, sweep.Options{Dir: t.TempDir(), Data: sweep.NewData(td.open)})
	if err != nil {
		t.Fatal(err)
	}
	e := rep.Table.Frame.Col("error").Records()
	if len(e) != 1 || e[0] == "" {
		t.Errorf("error column %q, want the calibration failure", e)
	}
	if acc := rep.Table.Frame.Col("accuracy"); acc.Err == nil {
		t.Errorf("a failed run has an accuracy column: %v", acc)
	}
}

func TestResultJSONRoundTrip(t *testing.T) {
	// Records keep results as raw JSON; the flattened field order is the
	// document's.
	doc := []byte(`{"accuracy":0.5,"seen":{"a_to_b":0.25,"ok":true},"list":[{"x":1},{"x":2}],"name":"s","nil":null}`)
	fs, err := sweep.Flatten(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(fs)
	want := `[{"Name":"accuracy","Value":0.5},{"Name":"seen.a_to_b","Value":0.25},{"Name":"seen.ok","Value":1},{"Name":"list.0.x","Value":1},{"Name":"list.1.x","Value":2}]`
	if string(got) != want {
		t.Errorf("Flatten = %s\nwant %s", got, want)
	}
}
