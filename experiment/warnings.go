package experiment

import (
	"fmt"
	"math"
)

// Thresholds of the degenerate-setting warnings (assumptions: below them a
// result says more about the setting than about the data).
const (
	// WarnMinInputs: a reservoir fed by fewer inputs sees hardly anything
	// of a sample (e.g. pooling 34×34 pixels into 2 inputs): its features
	// collapse onto a few values whatever the class.
	WarnMinInputs = 8
	// WarnMinSteps: with fewer time steps the reservoir has no dynamics to
	// speak of; the LSM degenerates into a random projection of one frame.
	WarnMinSteps = 3
	// WarnMinTestPerClassFold: a fold that tests fewer samples of a class
	// gives that class's accuracy in steps of 100 %.
	WarnMinTestPerClassFold = 2
)

// ClassifyWarnings returns what is degenerate about cfg before it runs:
// features that will collapse (too few inputs or time steps), folds or
// hold-outs with at most one test sample of a class, a class without
// training samples. An empty list means nothing looks wrong. cfg.Data must
// be set; errors in cfg are left to Classify.
func ClassifyWarnings(cfg ClassifyConfig) []string {
	var w []string
	d := index(cfg.Data)
	if d == nil || d.Len() == 0 {
		return nil
	}
	if ec, _, err := cfg.Encoder.resolve(d.Sensor); err == nil {
		r := ec.Reservoir
		if r.Inputs < WarnMinInputs {
			w = append(w, fmt.Sprintf("the binning (%s) leaves %d inputs to the reservoir: its features will collapse onto a few values whatever the class (fewer than %d inputs; reduce --pool or widen --crop)", ec.Binning, r.Inputs, WarnMinInputs))
		}
		if r.Steps < WarnMinSteps {
			w = append(w, fmt.Sprintf("%d time step(s) per sample: the reservoir has no dynamics, the LSM is a random projection of one frame (fewer than %d; raise --bins)", r.Steps, WarnMinSteps))
		}
	}
	counts := d.ClassCounts()
	minC, minName := math.MaxInt, ""
	for c, n := range counts {
		if n < minC {
			minC, minName = n, d.Classes[c]
		}
	}
	switch {
	case index(cfg.Test) != nil:
	case cfg.Folds > 1:
		if minC < cfg.Folds {
			w = append(w, fmt.Sprintf("class %s has %d samples for %d folds: some folds test none of it and their training sets lack it", minName, minC, cfg.Folds))
		} else if minC < WarnMinTestPerClassFold*cfg.Folds {
			w = append(w, fmt.Sprintf("class %s has %d samples for %d folds: folds test one sample of it each, so its accuracy moves in steps of 100 %%", minName, minC, cfg.Folds))
		}
	case cfg.BySpeaker:
	default:
		frac := cfg.TestFraction
		if frac == 0 {
			frac = DefaultTestFraction
		}
		if float64(minC)*frac < 1 {
			w = append(w, fmt.Sprintf("class %s has %d samples: a %.0f %% hold-out tests none of it", minName, minC, 100*frac))
		} else if float64(minC)*(1-frac) < 2 {
			w = append(w, fmt.Sprintf("class %s has %d samples: the head trains on at most one of it", minName, minC))
		}
	}
	return w
}

// ResultWarnings returns what is degenerate about a finished
// classification: a reservoir that never spiked (every feature 0), an
// accuracy at chance, or ADC conversions that clipped (MacroInfo.Warnings).
func (r *ClassifyResult) ResultWarnings() []string {
	w := r.Macro.Warnings()
	if r.MeanRate == 0 {
		w = append(w, "the reservoir never spiked: every feature is 0 and the head can only guess (raise --gain or lower --vth)")
	}
	if n := len(r.Classes); n > 1 && r.TestSamples > 0 && r.Accuracy <= 1/float64(n) {
		w = append(w, fmt.Sprintf("accuracy %.4f is at or below chance (%.4f for %d classes)", r.Accuracy, 1/float64(n), n))
	}
	return w
}
