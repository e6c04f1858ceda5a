package main

import (
	"context"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// TestZeroShotNeuralCLI runs the neural↔visual task on real data, small:
// pen trajectories of MNIST digits (strokes:) through the motor-cortex
// model against rate-coded MNIST images, then with explicit test sources —
// a test split written here in the same layout from held-out training
// trajectories (indices 45000+; the stroke data has no test split).
func TestZeroShotNeuralCLI(t *testing.T) {
	dir := sharedData(t, "strokes")
	if _, err := convert.MNISTDir(); err != nil {
		t.Skip(err)
	}
	small := []string{"--json", "--epochs", "5", "--seen", "0-5", "--unseen", "6-9", "--image-neurons", "64", "--neural-neurons", "64",
		"--image-calib", "20", "--neural-calib", "20"}
	args := append([]string{"zeroshot", "--images", "mnist:train?code=rate&per_class=16", "--neural", "strokes:" + dir + "?per_class=8"}, small...)
	stdout, stderr, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := jsonObject(t, stdout)
	for _, k := range []string{"seen.neural_to_image", "seen.image_to_neural", "unseen.neural_to_image", "unseen.image_to_neural"} {
		if v := number(t, m, k); v < 0 || v > 1 {
			t.Errorf("%s = %v", k, v)
		}
	}
	if c := number(t, m, "unseen.chance_neural_to_image"); c != 0.25 {
		t.Errorf("unseen chance %v, want 0.25 (four balanced classes)", c)
	}
	// The first 8 trajectories of each digit trace the first 8 images of
	// it: those items stay neural (the images have 8 more of their own).
	if n := number(t, m, "instances.shared"); n != 80 || number(t, m, "instances.kept.neural") != 80 {
		t.Errorf("instances: %v", m["instances"])
	}

	// Explicit test sources.
	set, err := events.ReadStrokes(context.Background(), dir, "train", func(i, _ int) bool { return i >= 45000 && i < 45200 })
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(set.Index))
	for k, i := range set.Index {
		labels[k] = set.Labels[i]
	}
	test := t.TempDir()
	if err := events.WriteStrokeFiles(test, "test", set.Trajectories, labels, 0); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"zeroshot", "--images", "mnist:train?code=rate&per_class=16", "--neural", "strokes:" + dir + "?per_class=8",
		"--test-images", "mnist:test?code=rate&per_class=6", "--test-neural", "strokes:" + test + "?split=test&traced=none"}, small...)
	stdout, stderr, code = runCLI(t, args...)
	if code != 0 {
		t.Fatalf("test sources: exit %d: %s", code, stderr)
	}
	m = jsonObject(t, stdout)
	if td, _ := m["test_data"].(map[string]any); td == nil || !strings.Contains(td["neural"].(string), "split=test") {
		t.Errorf("test_data %v", m["test_data"])
	}
	if p := number(t, m, "unseen.pairs"); p != 24 {
		t.Errorf("unseen test pairs %v, want 24 (6 per class of 4)", p)
	}

	// Usage errors before any work.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--images", "x:y", "--audio", "fsdd:a", "--neural", "strokes:b"}, "not both"},
		{[]string{"--images", "mnist:train", "--neural", "strokes:b", "--test-images", "mnist:test", "--test-audio", "fsdd:c"}, "--test-audio goes with --audio"},
		{[]string{"--images", "mnist:train", "--neural", "strokes:b", "--audio-lsm", "btv-neural"}, "use --neural-lsm"},
		{[]string{"--images", "mnist:train", "--neural", "strokes:b", "--test-images", "mnist:test"}, "--test-neural"},
		{[]string{"--images", "mnist:train", "--audio", "fsdd:b", "--test-neural", "strokes:c"}, "--test-neural goes with --neural"},
	} {
		_, stderr, code := runCLI(t, append([]string{"zeroshot"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
