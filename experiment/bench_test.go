package experiment

import (
	"context"
	"testing"

	"github.com/memlsm/memlsm/events"
)

// BenchmarkClassify300 runs a whole 3-fold classification of 300
// synthetic N-MNIST-shaped samples (10 classes): binning, forming and
// reading the reservoir on the simulated macro, gain calibration per fold,
// encoding and head training.
func BenchmarkClassify300(b *testing.B) {
	cfg := ClassifyConfig{Data: syntheticImages(10, 30, 1), Folds: 3, Seed: 1}
	ctx := context.Background()
	for b.Loop() {
		if _, err := Classify(ctx, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*300)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkPoolBin1 bins one 600-event sample with the default pooled
// binning (both polarities, 33×33 pooled 3×3, 50 bins).
func BenchmarkPoolBin1(b *testing.B) {
	d := syntheticImages(1, 1, 1)
	bn, err := DefaultBinning(d.Sensor).Binner()
	if err != nil {
		b.Fatal(err)
	}
	var f events.Frames
	for b.Loop() {
		if err := bn.Bin(&d.Samples[0], &f); err != nil {
			b.Fatal(err)
		}
	}
}
