package experiment

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
)

// DeviceScore is a classification with the default encoder and head on one
// device, for comparing devices on the same data and seed (the measured
// board against the simulator fitted to it).
type DeviceScore struct {
	Array       string                      `json:"array"`  // how the array was named, e.g. "--board emu"
	Params      string                      `json:"params"` // its parameters (preset, file or fit)
	Accuracy    float64                     `json:"accuracy"`
	AccuracyStd float64                     `json:"accuracy_std"`
	MeanRate    float64                     `json:"mean_rate"`
	Regions     []crossbar.ConductanceStats `json:"regions"`
}

// ScoreDevice classifies d on macro m (the default protocol, encoder and
// head, seed) and keeps what a device comparison needs.
func ScoreDevice(ctx context.Context, d *events.Dataset, m Macro, seed uint64, array, params string, progress ProgressFunc) (DeviceScore, error) {
	res, err := Classify(ctx, ClassifyConfig{Data: d, Macro: m, Seed: seed, Progress: progress})
	if err != nil {
		return DeviceScore{}, fmt.Errorf("experiment: %s: %w", array, err)
	}
	return DeviceScore{Array: array, Params: params, Accuracy: res.Accuracy, AccuracyStd: res.AccuracyStd,
		MeanRate: res.MeanRate, Regions: res.Macro.Regions}, nil
}

// WriteDeviceComparison writes two device scores side by side: accuracy,
// spike rate and each reservoir's formed fraction and conductances.
func WriteDeviceComparison(w io.Writer, data string, seed uint64, a, b DeviceScore) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nclassification of %s, seed %d\t%s (%s)\t%s (%s)\n", data, seed, a.Array, a.Params, b.Array, b.Params)
	fmt.Fprintf(tw, "accuracy\t%.4f ± %.4f\t%.4f ± %.4f\n", a.Accuracy, a.AccuracyStd, b.Accuracy, b.AccuracyStd)
	fmt.Fprintf(tw, "mean spike rate\t%.4g\t%.4g\n", a.MeanRate, b.MeanRate)
	for i := range min(len(a.Regions), len(b.Regions)) {
		fmt.Fprintf(tw, "reservoir %d: formed fraction\t%.4f\t%.4f\n", i+1, a.Regions[i].FormedFraction, b.Regions[i].FormedFraction)
		fmt.Fprintf(tw, "reservoir %d: G mean ± std (µS)\t%.3f ± %.3f\t%.3f ± %.3f\n", i+1, a.Regions[i].MeanUS, a.Regions[i].StdUS, b.Regions[i].MeanUS, b.Regions[i].StdUS)
	}
	return tw.Flush()
}
