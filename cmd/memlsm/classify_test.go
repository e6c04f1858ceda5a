package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events"
)

// writeSynthetic writes a small synthetic dataset in memlsm's compact
// format and returns its source spec "mev:FILE". Images: N-MNIST-shaped
// (34×34, ON/OFF), each class on its own 30 pixels; audio: 64 channels,
// each class sweeping its own three channel bands, 3 speakers. Class
// patterns are fixed, samples drawn from seed: two files of different
// seeds share their classes.
func writeSynthetic(t *testing.T, kind string, classes, perClass int, seed uint64) string {
	t.Helper()
	pr := rand.New(rand.NewPCG(0, 1))
	r := rand.New(rand.NewPCG(seed, 2))
	d := &events.Dataset{}
	for c := range classes {
		d.Classes = append(d.Classes, fmt.Sprint(c))
	}
	switch kind {
	case "images":
		d.Sensor = events.NMNISTSensor
		strokes := make([][][2]uint16, classes)
		for c := range strokes {
			for range 30 {
				strokes[c] = append(strokes[c], [2]uint16{uint16(6 + pr.IntN(22)), uint16(6 + pr.IntN(22))})
			}
		}
		for k := range perClass {
			for c := range classes {
				ev := make([]events.Event2D, 500)
				for i := range ev {
					t := uint32(r.IntN(300_000))
					p := strokes[c][(int(t)*30/300_000+r.IntN(4))%30]
					if r.Float64() < 0.2 {
						p = [2]uint16{uint16(r.IntN(34)), uint16(r.IntN(34))}
					}
					ev[i] = events.Event2D{T: t, X: p[0], Y: p[1], P: uint8(r.IntN(2))}
				}
				slices.SortStableFunc(ev, func(a, b events.Event2D) int { return int(a.T) - int(b.T) })
				d.Samples = append(d.Samples, events.Sample{Label: c, ID: fmt.Sprintf("i%d-%d", c, k), Events2D: ev})
			}
		}
	case "audio":
		d.Sensor = events.Sensor{Name: "synthetic cochlea", Channels: 64, Polarities: 1}
		bands := make([][3]int, classes)
		for c := range bands {
			for k := range 3 {
				bands[c][k] = 4 + pr.IntN(52)
			}
		}
		for k := range perClass {
			for c := range classes {
				ev := make([]events.Event1D, 300)
				for i := range ev {
					t := uint32(r.IntN(450_000))
					ch := bands[c][int(t)*3/450_000] + k%3 - 1 + r.IntN(5) - 2
					if r.Float64() < 0.15 {
						ch = r.IntN(64)
					}
					ev[i] = events.Event1D{T: t, Ch: uint16(min(max(ch, 0), 63))}
				}
				slices.SortStableFunc(ev, func(a, b events.Event1D) int { return int(a.T) - int(b.T) })
				d.Samples = append(d.Samples, events.Sample{Label: c, ID: fmt.Sprintf("a%d-%d", c, k), Speaker: fmt.Sprintf("spk%d", k%3), Events1D: ev})
			}
		}
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%d.mev", kind, seed))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := events.WriteDataset(f, d); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return "mev:" + path
}

// jsonObject decodes stdout, which must hold exactly one JSON object.
func jsonObject(t *testing.T, stdout string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", stdout)
	}
	return m
}

// number returns the number at a dotted key path of a decoded object.
func number(t *testing.T, m map[string]any, path string) float64 {
	t.Helper()
	var v any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", path, v)
		}
		if v, ok = o[k]; !ok {
			t.Fatalf("JSON lacks the key %q", path)
		}
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%s = %v is not a number", path, v)
	}
	return f
}

func TestClassifyCLI(t *testing.T) {
	data := writeSynthetic(t, "images", 3, 12, 1)
	test := writeSynthetic(t, "images", 3, 6, 2)
	dir := t.TempDir()
	model, plot, md := filepath.Join(dir, "m.json"), filepath.Join(dir, "c.png"), filepath.Join(dir, "r.md")
	stdout, stderr, code := runCLI(t, "classify", "--data", data, "--cv", "3", "--json", "--seed", "4", "--epochs", "15")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := jsonObject(t, stdout)
	// The CLI contract's keys (docs/cli.md).
	for _, k := range []string{"accuracy", "accuracy_std", "folds", "train_samples", "test_samples", "seed", "synops_per_sample", "encode_samples_per_s"} {
		number(t, m, k)
	}
	if number(t, m, "folds") != 3 || number(t, m, "seed") != 4 || number(t, m, "test_samples") != 36 || number(t, m, "train_samples") != 24 {
		t.Errorf("folds %v seed %v test %v train %v", m["folds"], m["seed"], m["test_samples"], m["train_samples"])
	}
	if acc := number(t, m, "accuracy"); acc < 0.9 {
		t.Errorf("accuracy %v on the easy synthetic set", acc)
	}
	// Same seed, same accuracy to the last digit.
	again, _, _ := runCLI(t, "classify", "--data", data, "--cv", "3", "--json", "--seed", "4", "--epochs", "15")
	if a, b := number(t, m, "accuracy"), number(t, jsonObject(t, again), "accuracy"); a != b {
		t.Errorf("same seed: accuracy %v then %v", a, b)
	}

	// Train/test, save, plot, Markdown; then the saved model scores the
	// test set identically.
	stdout, stderr, code = runCLI(t, "classify", "--data", data, "--test", test, "--json", "--epochs", "15",
		"--save", model, "--plot", plot, "--md", md)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	trained := number(t, jsonObject(t, stdout), "accuracy")
	for _, f := range []string{model, plot, md} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	stdout, stderr, code = runCLI(t, "classify", "--load", model, "--data", test, "--json")
	if code != 0 {
		t.Fatalf("--load: exit %d: %s", code, stderr)
	}
	if got := number(t, jsonObject(t, stdout), "accuracy"); got != trained {
		t.Errorf("saved model scores %v, trained %v", got, trained)
	}

	// Human output: the Markdown report on stdout.
	stdout, _, code = runCLI(t, "classify", "--data", data, "--epochs", "5", "--neurons", "50", "--windows", "2")
	if code != 0 || !strings.Contains(stdout, "**Accuracy") || !strings.Contains(stdout, "→ 50 neurons") {
		t.Errorf("exit %d, report:\n%s", code, stdout)
	}

	// Speaker-wise splits on 1-D data, the paper's LSM preset and fixed gain.
	audio := writeSynthetic(t, "audio", 3, 9, 3)
	stdout, stderr, code = runCLI(t, "classify", "--data", audio, "--split", "speaker", "--lsm", "ntidigits", "--json", "--epochs", "10")
	if code != 0 {
		t.Fatalf("speaker split: exit %d: %s", code, stderr)
	}
	m = jsonObject(t, stdout)
	if number(t, m, "folds") != 3 || number(t, m, "encoder.reservoir.gain") != 0.08 {
		t.Errorf("speaker split: folds %v, gain %v (want 3 and the preset's 0.08)", m["folds"], number(t, m, "encoder.reservoir.gain"))
	}
}

func TestClassifyCLIUsage(t *testing.T) {
	data := writeSynthetic(t, "images", 2, 4, 1)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no data", []string{"classify"}, 2, "--data"},
		{"one fold", []string{"classify", "--data", data, "--cv", "1"}, 2, "--cv"},
		{"bad split", []string{"classify", "--data", data, "--split", "voice"}, 2, "--split"},
		{"bad head", []string{"classify", "--data", data, "--head", "svm"}, 2, "head \"svm\""},
		{"bad gain", []string{"classify", "--data", data, "--gain", "-1"}, 2, "--gain"},
		{"bad band", []string{"classify", "--data", data, "--band", "0.5"}, 2, "band \"0.5\""},
		{"bad preset", []string{"classify", "--data", data, "--lsm", "nope"}, 2, "preset"},
		{"pool on audio", []string{"classify", "--data", writeSynthetic(t, "audio", 2, 3, 1), "--pool", "2"}, 2, "2-D"},
		{"bad flag", []string{"classify", "--nope"}, 2, "nope"},
		{"bad source", []string{"classify", "--data", "nosuch:x"}, 2, "unknown scheme"},
		{"missing file", []string{"classify", "--data", "mev:/nonexistent.mev"}, 1, "nonexistent"},
		{"too big for the boards", []string{"classify", "--data", data, "--neurons", "300", "--board", "emu,emu"}, 1, "needs more"},
		{"bad model", []string{"classify", "--load", "/nonexistent.json", "--data", data}, 1, "nonexistent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout not empty on failure: %q", stdout)
			}
		})
	}
	if stdout, _, code := runCLI(t, "classify", "-h"); code != 0 || !strings.Contains(stdout, "Usage: memlsm classify") {
		t.Errorf("-h: exit %d, %q", code, stdout)
	}
}

// TestClassifyNMNIST is the acceptance figure of issue 4 on the real
// recordings: 5-fold cross-validation on NMNISTsmall with a 200-neuron
// reservoir reaches ≥ 0.85 (the paper's own method reaches ~0.77 on these
// 1000 recordings; the default encoder's nested-CV estimate is 0.908).
func TestClassifyNMNIST(t *testing.T) {
	dir := sharedData(t, "nmnist/NMNISTsmall")
	stdout, stderr, code := runCLI(t, "classify", "--data", "nmnist:"+dir, "--cv", "5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := jsonObject(t, stdout)
	if acc := number(t, m, "accuracy"); acc < 0.85 {
		t.Errorf("5-fold accuracy %.4f < 0.85", acc)
	}
	if n := number(t, m, "encoder.reservoir.neurons"); n != 200 {
		t.Errorf("%v neurons, want 200", n)
	}
	t.Logf("NMNISTsmall 5-fold: accuracy %.4f ± %.4f, %.0f synops/sample, %.0f samples/s", number(t, m, "accuracy"),
		number(t, m, "accuracy_std"), number(t, m, "synops_per_sample"), number(t, m, "encode_samples_per_s"))
}

// TestClassifyFSDDSpeakers is the spoken-digit figure of issue 4: train on
// four FSDD speakers, test on the fifth, all five rotations. The inductive
// default (every test sample encoded and classified on its own) measures
// 0.777 at seed 10 (0.767 before the issue-16 front end) and is guarded at
// ≥ 0.74; the issue's ≥ 0.80 is reached only with the opt-in per-speaker
// normalisation (0.834; 0.856 before), which
// adapts to the test speaker's unlabelled samples, and is asserted for
// that configuration, which the JSON must label as such.
func TestClassifyFSDDSpeakers(t *testing.T) {
	if testing.Short() {
		t.Skip("converts 2500 recordings (skipped with -short)")
	}
	data := fsddEvents(t)
	for _, c := range []struct {
		norm string
		min  float64
	}{{"off", 0.74}, {"on", 0.80}} {
		stdout, stderr, code := runCLI(t, "classify", "--data", data, "--split", "speaker", "--speaker-norm", c.norm, "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		m := jsonObject(t, stdout)
		if acc := number(t, m, "accuracy"); acc < c.min {
			t.Errorf("speaker norm %s: speaker-wise accuracy %.4f < %.2f", c.norm, acc, c.min)
		}
		if number(t, m, "folds") != 5 {
			t.Errorf("%v rotations, want 5", m["folds"])
		}
		f, _ := m["features"].(map[string]any)
		if f["speaker_norm"] != c.norm {
			t.Errorf("features %v, want speaker_norm %q", f, c.norm)
		}
		t.Logf("FSDD speaker-wise, speaker norm %s: accuracy %.4f ± %.4f", c.norm, number(t, m, "accuracy"), number(t, m, "accuracy_std"))
	}
}

// TestClassifyBoards runs the pipeline on the emulated board, through the
// real wire protocol, in every mode: the weights formed and read over the
// protocol (read-once), every step's MVM on the board (in-memory), whole
// samples on the board's reservoir runner (on-board).
func TestClassifyBoards(t *testing.T) {
	data := writeSynthetic(t, "images", 2, 6, 5)
	for _, mode := range []string{"read-once", "in-memory", "on-board"} {
		t.Run(mode, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "classify", "--data", data, "--board", "emu", "--mode", mode,
				"--neurons", "16", "--windows", "1", "--calib", "4", "--epochs", "5", "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			m := jsonObject(t, stdout)
			macro, _ := m["macro"].(map[string]any)
			if macro["mode"] != mode || !strings.Contains(fmt.Sprint(macro["array"]), "emulated board") {
				t.Errorf("macro %v", macro)
			}
			if number(t, m, "test_samples") != 2 { // round(0.2·6) per class
				t.Errorf("test samples %v", m["test_samples"])
			}
		})
	}
}
