package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/eventplot"
	"github.com/memlsm/memlsm/internal/shareddata"
)

// sharedData returns ../shared/data/sub (or $MEMLSM_SHARED_DATA/sub), or skips
// the test when it is absent.
func sharedData(t *testing.T, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}

// fsddMEV is the shared FSDD recordings converted once per test binary
// (fsddEvents).
var fsddMEV struct {
	once      sync.Once
	dir, path string
	err       string
}

// fsddEvents converts the shared FSDD recordings (2500 WAV files) once per
// test binary with memlsm data convert and returns the mev: source of the
// result, which gives exactly the events, labels and speakers of the
// fsdd: source (the same cochlea model and seed): the tests of the real
// spoken-digit figures share it instead of converting the recordings each
// (about 7 s of CPU a time). It skips when the data are absent.
func fsddEvents(t *testing.T) string {
	t.Helper()
	dir := sharedData(t, "fsdd/recordings")
	fsddMEV.once.Do(func() {
		tmp, err := os.MkdirTemp("", "memlsm-test-fsdd-")
		if err != nil {
			fsddMEV.err = err.Error()
			return
		}
		fsddMEV.dir = tmp
		path := filepath.Join(tmp, "fsdd.mev")
		if _, stderr, code := runCLI(t, "data", "convert", "fsdd:"+dir, "--out", path); code != 0 {
			fsddMEV.err = fmt.Sprintf("data convert fsdd:%s: exit %d: %s", dir, code, stderr)
			return
		}
		fsddMEV.path = path
	})
	if fsddMEV.err != "" {
		t.Fatal(fsddMEV.err)
	}
	return "mev:" + fsddMEV.path
}

const ntidigitsFixture = "../../events/testdata/ntidigits_small.hdf5"

func statsJSON(t *testing.T, src string) events.Summary {
	t.Helper()
	stdout, stderr, code := runCLI(t, "data", "stats", src, "--json")
	if code != 0 {
		t.Fatalf("data stats %s: exit %d: %s", src, code, stderr)
	}
	var r events.Summary
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", stdout)
	}
	return r
}

// TestDataStatsNMNISTSmall checks the numbers the brief asks for (counted
// independently in Python, the nmnist data notes).
func TestDataStatsNMNISTSmall(t *testing.T) {
	dir := sharedData(t, "nmnist/NMNISTsmall")
	r := statsJSON(t, "nmnist:"+dir)
	if r.Samples != 1000 || r.Events != 4_133_231 || r.EventsOn != 2_059_426 || r.EventsOff != 2_073_805 ||
		r.TMaxUS != 315_109 || len(r.Classes) != 10 || len(r.ClassCounts) != 10 {
		t.Errorf("stats %+v", r)
	}
	// Train-split label counts: SOURCE.md's counts of all 1100 minus the test 100.
	if r.ClassCounts["0"] != 97 || r.ClassCounts["8"] != 87 || r.Sensor.Width != 34 || r.Sensor.Polarities != 2 {
		t.Errorf("class counts %v, sensor %+v", r.ClassCounts, r.Sensor)
	}
	// The raw JSON carries the contract's keys.
	stdout, _, _ := runCLI(t, "data", "stats", "nmnist:"+dir, "--json")
	var raw map[string]any
	json.Unmarshal([]byte(stdout), &raw)
	for _, k := range []string{"samples", "classes", "class_counts", "events", "events_on", "events_off", "t_max_us", "sensor"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks key %q", k)
		}
	}
}

func TestDataStatsNTIDIGITSFixture(t *testing.T) {
	r := statsJSON(t, "ntidigits:"+ntidigitsFixture)
	// gen_ntidigits.py: 12 single-digit train + 6 test samples; sample i has
	// 3 + 2·(i mod 7) events (multi-digit samples 11, 12 are skipped).
	var events int64
	for i := range 20 {
		if i != 11 && i != 12 {
			events += int64(3 + 2*(i%7))
		}
	}
	if r.Samples != 18 || len(r.Classes) != 11 || r.Events != events || r.HasPolarity || r.EventsOn != 0 || r.EventsOff != 0 ||
		r.Sensor.Channels != 64 || r.Speakers != 4 || r.Splits["train"] != 12 || r.Splits["test"] != 6 {
		t.Errorf("stats %+v (want %d events)", r, events)
	}
	if r.ClassCounts["o"] != 3 || r.ClassCounts["z"] != 2 { // o: train ids 3 and 13, test id 3
		t.Errorf("class counts %v", r.ClassCounts)
	}
	stdout, _, code := runCLI(t, "data", "stats", "ntidigits:"+ntidigitsFixture+"?split=test")
	if code != 0 || !strings.Contains(stdout, "samples        6 in 11 classes") || !strings.Contains(stdout, "polarity       none") {
		t.Errorf("text output (exit %d):\n%s", code, stdout)
	}
}

func TestDataStatsCompactAndSlayer(t *testing.T) {
	d := &events.Dataset{
		Sensor:  events.Sensor{Name: "test", Channels: 4, Polarities: 2},
		Classes: []string{"a", "b"},
		Samples: []events.Sample{
			{Label: 1, ID: "s0", Speaker: "x", Events1D: []events.Event1D{{T: 5, Ch: 3, P: 1}, {T: 9, Ch: 0}}},
			{Label: 1, ID: "s1", Speaker: "y", Meta: map[string]string{"split": "test"}},
		},
	}
	path := filepath.Join(t.TempDir(), "d.mev")
	var buf bytes.Buffer
	if err := events.WriteDataset(&buf, d); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, buf.Bytes(), 0o644)
	r := statsJSON(t, "mev:"+path)
	if r.Samples != 2 || r.Events != 2 || r.EventsOn != 1 || r.EventsOff != 1 || r.ClassCounts["b"] != 2 || r.TMaxUS != 9 || r.Speakers != 2 {
		t.Errorf("mev stats %+v", r)
	}
	if p := sharedDataOrSkip(t, "ntidigits/slayerPytorch/test/test_files/binarySpikeTestFiles/NTIDIGITS_1.bs1"); p != "" {
		// SOURCE.md: 898 events, all of polarity 1, t up to 1,079,040 µs.
		r := statsJSON(t, "slayer1d:"+p)
		if r.Events != 898 || r.EventsOn != 898 || r.TMaxUS != 1_079_040 || r.Classes[0] != "?" {
			t.Errorf("slayer1d stats %+v", r)
		}
	}
}

func sharedDataOrSkip(t *testing.T, sub string) (p string) {
	t.Run("shared", func(t *testing.T) { p = sharedData(t, sub) })
	return p
}

func TestDataShow(t *testing.T) {
	dir := t.TempDir()
	// A tiny N-MNIST folder in the official layout, written with the encoder.
	ev := []events.Event2D{{T: 100, X: 10, Y: 12, P: 1}, {T: 7000, X: 20, Y: 20}, {T: 13000, X: 5, Y: 30, P: 1}}
	b, _ := events.EncodeNMNIST(nil, ev)
	os.MkdirAll(filepath.Join(dir, "nm", "Test", "4"), 0o755)
	os.WriteFile(filepath.Join(dir, "nm", "Test", "4", "1.bin"), b, 0o644)
	cases := []struct {
		args []string
		w, h int // expected PNG size in pixels (figure.DPI, 150 dpi)
	}{
		{[]string{"nmnist:" + filepath.Join(dir, "nm")}, 1508, 750}, // two 4.5 in panels and a 1.05 in colour bar
		{[]string{"nmnist:" + filepath.Join(dir, "nm"), "--frames"}, 1200, 660},
		{[]string{"nmnist:" + filepath.Join(dir, "nm"), "--frames", "--polarity", "both", "--bins", "20", "--bin-width", "1ms"}, 2100, 300},
		{[]string{"ntidigits:" + ntidigitsFixture, "--index", "17"}, 1050, 600},
		{[]string{"ntidigits:" + ntidigitsFixture, "--index", "2", "--frames"}, 1050, 600},
	}
	for i, c := range cases {
		out := filepath.Join(dir, "out.png")
		os.Remove(out)
		args := append([]string{"data", "show"}, c.args...)
		stdout, stderr, code := runCLI(t, append(args, "--out", out, "--json")...)
		if code != 0 {
			t.Fatalf("case %d: exit %d: %s", i, code, stderr)
		}
		var res eventplot.Shown
		if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Out != out || res.Events == 0 {
			t.Errorf("case %d: result %s (%v)", i, stdout, err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != c.w || cfg.Height != c.h {
			t.Errorf("case %d: PNG %dx%d (%v), want %dx%d", i, cfg.Width, cfg.Height, err, c.w, c.h)
		}
	}
}

func TestDataUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"data"}, 2, "no command given"},
		{[]string{"data", "nope"}, 2, "unknown command"},
		{[]string{"data", "stat"}, 2, "did you mean 'memlsm data stats'?"},
		{[]string{"data", "stats"}, 2, "want one SRC"},
		{[]string{"data", "stats", "a:", "b:"}, 2, "want one SRC"},
		{[]string{"data", "stats", "nosuch:x"}, 2, "unknown scheme"},
		{[]string{"data", "stats", "ntidigits:" + ntidigitsFixture + "?spilt=train"}, 2, "did you mean split?"},
		{[]string{"data", "show", "ntidigits:" + ntidigitsFixture}, 2, "--out"},
		{[]string{"data", "show", "ntidigits:" + ntidigitsFixture, "--out", "x.png", "--index", "18"}, 2, "outside the 18 samples"},
		{[]string{"data", "show", "ntidigits:" + ntidigitsFixture, "--out", "x.png", "--polarity", "up"}, 2, "polarity"},
	}
	for _, c := range cases {
		_, stderr, code := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.msg)
		}
	}
	if stdout, _, code := runCLI(t, "data", "help"); code != 0 || !strings.Contains(stdout, "stats") || !strings.Contains(stdout, "show") {
		t.Errorf("data help: exit %d\n%s", code, stdout)
	}
}

// TestDataStatsBadFile: a reader error names the file and byte offset.
func TestDataStatsBadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.bs1")
	os.WriteFile(p, []byte{0, 1, 0, 0, 5, 0, 2, 0}, 0o644) // one event and 3 stray bytes
	_, stderr, code := runCLI(t, "data", "stats", "slayer1d:"+p)
	if code != 1 || !strings.Contains(stderr, p) || !strings.Contains(stderr, "byte offset 5") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
