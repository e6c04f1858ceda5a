package source_test

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/internal/shareddata"
)

func TestStrokesSource(t *testing.T) {
	dir := shareddata.Dir(t, "strokes")
	ctx := context.Background()
	d, err := source.Open(ctx, "strokes:"+dir+"?per_class=3")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 30 || d.Sensor.Channels != 192 || len(d.Classes) != 10 {
		t.Fatalf("%d samples, sensor %+v, classes %v", d.Len(), d.Sensor, d.Classes)
	}
	for c, n := range d.ClassCounts() {
		if n != 3 {
			t.Errorf("class %d: %d samples", c, n)
		}
	}
	s := d.Samples[0]
	// Trajectory 0 is MNIST training digit 1 (1-based, as mnist:'s IDs), a 5.
	if s.ID != "strokes-train-0" || s.Instance() != "mnist-train-1" || d.Classes[s.Label] != "5" || s.Meta["split"] != "train" || len(s.Events1D) == 0 {
		t.Fatalf("first sample %s %v, label %s, %d events", s.ID, s.Meta, d.Classes[s.Label], len(s.Events1D))
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	// A trajectory converts to the same events whatever else is selected;
	// another seed gives other events.
	one, err := source.Open(ctx, "strokes:"+dir+"?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Samples[0].Events1D, s.Events1D) {
		t.Error("strokes-train-0 converted differently under another selection")
	}
	other, err := source.Open(ctx, "strokes:"+dir+"?limit=1&seed=9")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.Samples[0].Events1D, s.Events1D) {
		t.Error("seed=9 changed nothing")
	}
}

// TestStrokesTraceMNIST checks the correspondence the instance key
// claims: trajectory i of the train files traces MNIST training digit
// i+1 — the pixels the pen visits are ink in that image, not in the next
// one. De Jong's coordinates are 1-based: the pen at (x, y) is on image
// pixel (x−1, y−1).
func TestStrokesTraceMNIST(t *testing.T) {
	dir := shareddata.Dir(t, "strokes")
	mdir, err := convert.MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	const n = 100
	imgs, _, err := convert.LoadMNIST(mdir, "train", n+1)
	if err != nil {
		t.Fatal(err)
	}
	set, err := events.ReadStrokes(context.Background(), dir, "train", func(i, _ int) bool { return i < n })
	if err != nil {
		t.Fatal(err)
	}
	onInk := func(tr *events.Trajectory, img *image.Gray) float64 {
		x, y := float64(tr.X0), float64(tr.Y0)
		hit, all := 0, 0
		for _, m := range tr.Moves {
			x += float64(m.DX)
			y += float64(m.DY)
			if m.Up {
				continue
			}
			all++
			if img.GrayAt(int(x)-1, int(y)-1).Y >= 64 {
				hit++
			}
		}
		return float64(hit) / float64(all)
	}
	var same, shifted float64
	for i := range n {
		same += onInk(&set.Trajectories[i], imgs[i]) / n
		shifted += onInk(&set.Trajectories[i], imgs[i+1]) / n
	}
	if same < 0.98 || shifted > 0.5 {
		t.Fatalf("pen on ink: %.3f of its pixels in its own image, %.3f in the next one; want ≥ 0.98 and ≤ 0.5", same, shifted)
	}
}

// TestStrokesUserSplit: a user's own split in the same layout (written
// here from two trajectories) opens with split=NAME.
func TestStrokesUserSplit(t *testing.T) {
	dir := t.TempDir()
	tr := []events.Trajectory{
		{X0: 10, Y0: 5, Moves: []events.PenMove{{DY: 1}, {DY: 1}, {DY: 1}}},
		{X0: 5, Y0: 5, Moves: []events.PenMove{{DX: 1}, {DX: 1}, {DX: -2, DY: 3, Up: true}, {DX: 1}}},
	}
	if err := events.WriteStrokeFiles(dir, "test", tr, []int{1, 7}, 0); err != nil {
		t.Fatal(err)
	}
	d, err := source.Open(context.Background(), "strokes:"+dir+"?split=test")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.Samples[1].ID != "strokes-test-1" || d.Samples[1].Instance() != "mnist-test-2" || d.Samples[1].Meta["strokes"] != "2" || d.Classes[d.Samples[1].Label] != "7" {
		t.Fatalf("%d samples, second %s %v", d.Len(), d.Samples[1].ID, d.Samples[1].Meta)
	}
	// traced=none: trajectories of no MNIST digit in file order.
	n, err := source.Open(context.Background(), "strokes:"+dir+"?split=test&traced=none")
	if err != nil || n.Samples[0].Instance() != "" {
		t.Fatalf("traced=none: %v, instance %q", err, n.Samples[0].Instance())
	}
	// The default split is train, which is not there: a clear error.
	if _, err := source.Open(context.Background(), "strokes:"+dir); err == nil || !strings.Contains(err.Error(), "train-padded-trailing") {
		t.Fatalf("missing train split: %v", err)
	}
}

func TestStrokesSpecErrors(t *testing.T) {
	ctx := context.Background()
	for spec, msg := range map[string]string{
		"strokes:":                "give the folder",
		"strokes:/x?split=../etc": "split=",
		"strokes:/x?per_clas=3":   "did you mean per_class?",
		"strokes:/x?limit=-1":     "non-negative integer",
		"strokes:/x?seed=z":       "unsigned integer",
		"stroke:/x":               "did you mean strokes:",
		"strokes:/x?traced=val":   "want train, test or none",
	} {
		_, err := source.Open(ctx, spec)
		if err == nil || !errors.Is(err, source.ErrSpec) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want a spec error saying %q", spec, err, msg)
		}
	}
	for spec, want := range map[string]source.Converter{"strokes:x": source.Motor, "mnist:train?code=rate": source.Rate,
		"mnist:test?code=saccade": source.Saccade, "png:x?code=rate": source.Rate, "png:x": source.Saccade} {
		if got, err := source.ConverterOf(spec); err != nil || got != want {
			t.Errorf("ConverterOf(%s) = %q, %v; want %q", spec, got, err, want)
		}
	}
}

// TestMNISTInstance: an MNIST digit's instance is its ID, in both codes.
func TestMNISTInstance(t *testing.T) {
	if _, err := convert.MNISTDir(); err != nil {
		t.Skip(err)
	}
	for _, spec := range []string{"mnist:train?limit=2", "mnist:test?limit=2&code=rate"} {
		d, err := source.Open(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.Samples {
			if s.Instance() == "" || s.Instance() != s.ID {
				t.Errorf("%s: %s has instance %q", spec, s.ID, s.Instance())
			}
		}
	}
}
