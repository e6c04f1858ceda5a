package source_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memlsm/memlsm/events/source"
)

// TestEmbeddedImages regenerates saccade-MNIST from the embedded recipe
// twice: the events must be identical, and loading must be quick (it runs
// whenever a command opens embedded:images).
func TestEmbeddedImages(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	a, err := source.Open(ctx, "embedded:images")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	b, err := source.Open(ctx, "embedded:images?workers=1")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for i := range a.Samples {
		if !slices.Equal(a.Samples[i].Events2D, b.Samples[i].Events2D) || a.Samples[i].ID != b.Samples[i].ID {
			t.Fatalf("sample %d differs between two loads", i)
		}
		n += len(a.Samples[i].Events2D)
	}
	t.Logf("embedded:images: %d samples, %d events (%.0f per sample), loaded in %v", a.Len(), n, float64(n)/float64(a.Len()), took)
	// assumption: generous bound for a loaded 2-core CI machine; the
	// conversion measures ~0.3 ms per image per core.
	if took > 20*time.Second {
		t.Errorf("loading took %v", took)
	}
	if a.Len() != 3000 || a.Sensor.Width != 34 || a.Sensor.Height != 34 || a.Sensor.Polarities != 2 {
		t.Fatalf("%d samples, sensor %+v", a.Len(), a.Sensor)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	counts := a.ClassCounts()
	for c, k := range counts {
		if k != 300 {
			t.Errorf("class %s has %d samples, want 300", a.Classes[c], k)
		}
	}
	// The first samples are MNIST training digits 1, 2, 3 (labels 5 0 4).
	for i, want := range []struct {
		id    string
		label string
	}{{"mnist-train-1", "5"}, {"mnist-train-2", "0"}, {"mnist-train-3", "4"}} {
		s := a.Samples[i]
		if s.ID != want.id || a.Classes[s.Label] != want.label || s.Meta["mnist_index"] != strconv.Itoa(i+1) {
			t.Errorf("sample %d is %s (class %s, meta %v), want %s of class %s", i, s.ID, a.Classes[s.Label], s.Meta, want.id, want.label)
		}
	}
	// Mean events per sample near real N-MNIST's 4133 (see the convert
	// package's validation; these are other digits, so ±15 %).
	if mean := float64(n) / float64(a.Len()); mean < 3500 || mean > 4750 {
		t.Errorf("%.0f events per sample, want near N-MNIST's 4133", mean)
	}
	test, err := source.Open(ctx, "embedded:images?split=test&per_class=7")
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != 70 {
		t.Errorf("test split, 7 per class: %d samples", test.Len())
	}
	for _, s := range test.Samples {
		if s.Meta["split"] != "test" {
			t.Errorf("sample %s of split %q", s.ID, s.Meta["split"])
		}
	}
	train, err := source.Open(ctx, "embedded:images?split=train")
	if err != nil || train.Len() != 2400 {
		t.Errorf("train split: %v; want 2400 samples", err)
	}
}

func TestEmbeddedAudio(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	d, err := source.Open(ctx, "embedded:audio")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded:audio: %d samples loaded in %v", d.Len(), time.Since(start))
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.Sensor.Channels != 64 || len(d.Classes) != 10 {
		t.Fatalf("sensor %+v, classes %v", d.Sensor, d.Classes)
	}
	for c, k := range d.ClassCounts() {
		if k < 100 {
			t.Errorf("class %s has %d samples, want ≥ 100", d.Classes[c], k)
		}
	}
	voices := map[string]bool{}
	var n int
	for _, s := range d.Samples {
		voices[s.Speaker] = true
		n += len(s.Events1D)
		if s.Meta["voice"] != s.Speaker || s.Meta["pitch"] == "" || s.Meta["speed"] == "" || len(s.Events1D) == 0 {
			t.Fatalf("sample %s: speaker %q, meta %v, %d events", s.ID, s.Speaker, s.Meta, len(s.Events1D))
		}
	}
	t.Logf("embedded:audio: %d voices, %d events (%.0f per sample)", len(voices), n, float64(n)/float64(d.Len()))
	if len(voices) < 8 {
		t.Errorf("%d voices, want ≥ 8 for speaker-held-out splits", len(voices))
	}
	test, err := source.Open(ctx, "embedded:audio?split=test")
	if err != nil {
		t.Fatal(err)
	}
	testVoices := map[string]bool{}
	for _, s := range test.Samples {
		testVoices[s.Speaker] = true
	}
	train, err := source.Open(ctx, "embedded:audio?split=train&per_class=3")
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 30 {
		t.Errorf("train split, 3 per class: %d samples", train.Len())
	}
	for _, s := range train.Samples {
		if testVoices[s.Speaker] {
			t.Errorf("voice %s in both splits", s.Speaker)
		}
	}
	if len(testVoices) == 0 || test.Len()+len(d.Where("split", "train").Samples) != d.Len() {
		t.Errorf("test split holds voices %v, %d samples", testVoices, test.Len())
	}
}

func TestEmbeddedErrors(t *testing.T) {
	for spec, msg := range map[string]string{
		"embedded:video":              "no data set",
		"embedded:images?split=dev":   "not train or test",
		"embedded:audio?per_class=-1": "non-negative integer",
		"embedded:audio?speed=2":      "unknown option",
	} {
		if _, err := source.Open(context.Background(), spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want it to say %q", spec, err, msg)
		}
	}
}

// TestEmbeddedSize keeps the embedded data within its budget (~15 MB).
func TestEmbeddedSize(t *testing.T) {
	var total int64
	for _, name := range []string{"images.json", "images.pix.gz", "audio.mev"} {
		fi, err := os.Stat(filepath.Join("defaults", name))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("defaults/%s: %d bytes", name, fi.Size())
		total += fi.Size()
	}
	t.Logf("embedded total: %.2f MB", float64(total)/1e6)
	if total > 15e6 {
		t.Errorf("embedded data is %d bytes, over the 15 MB budget", total)
	}
}

func BenchmarkOpenEmbeddedImages3000(b *testing.B) {
	for b.Loop() {
		if _, err := source.Open(context.Background(), "embedded:images"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenEmbeddedAudio1080(b *testing.B) {
	for b.Loop() {
		if _, err := source.Open(context.Background(), "embedded:audio"); err != nil {
			b.Fatal(err)
		}
	}
}

func Example_embedded() {
	d, err := source.Open(context.Background(), "embedded:audio?split=test&per_class=2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Len(), "samples of", len(d.Classes), "classes from a", d.Sensor.Channels, "channel cochlea")
	s := d.Samples[0]
	fmt.Printf("first: class %s, voice %s, pitch %s, speed %s wpm\n", d.Classes[s.Label], s.Speaker, s.Meta["pitch"], s.Meta["speed"])
	// Output:
	// 20 samples of 10 classes from a 64 channel cochlea
	// first: class 0, voice en-029, pitch 35, speed 140 wpm
}
