package calibrate_test

import (
	"context"
	"fmt"
	"os"

	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
)

// Characterise a simulated macro and fit its device model: the
// form-finder and the read-noise experiment on a 128×256 array, then Fit.
func Example() {
	p, _ := crossbar.Preset("lin2025")
	p.Rows, p.Cols = 128, 256
	m, _ := crossbar.NewModel(p, 1)
	defer m.Close()
	dir, _ := os.MkdirTemp("", "calibrate-example")
	defer os.RemoveAll(dir)

	cfg := calibrate.Config{Form: calibrate.FormConfig{Rows: 16, Cols: 32}}
	if _, err := calibrate.Run(context.Background(), m, dir, cfg, []string{"form", "noise"},
		calibrate.Options{Base: p, BaseName: "lin2025", Seed: 1}); err != nil {
		fmt.Println(err)
		return
	}
	fitted, rep, err := calibrate.FitDir(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("breakdown voltage %.2f ± %.2f V\n", fitted.VbdMean, fitted.VbdStd)
	fmt.Printf("read noise %.3f\n", fitted.ReadNoise)
	f, _ := rep.Field("lrs_mean")
	fmt.Println("lrs_mean:", f.Source)
	// Output:
	// breakdown voltage 3.62 ± 0.12 V
	// read noise 0.020
	// lrs_mean: inherited from lin2025
}

// Plan an experiment without touching an array: the dry run lists every
// pulse and checks it against the limits.
func ExampleDryRun() {
	p, _ := crossbar.Preset("lin2025")
	plans, err := calibrate.DryRun(p.Geometry(), p.Limits(), "", calibrate.Config{}, []string{"form"}, calibrate.Options{Base: p})
	if err != nil {
		fmt.Println(err)
		return
	}
	t := plans[0].Totals
	fmt.Printf("%s on %v: %d ramp steps, at most %d cell pulses, highest %v\n",
		plans[0].Experiment, plans[0].Region, t.Pulses, t.PulseCells, t.MaxForm)
	// Output:
	// form on rows 0..31 × cols 0..31: 31 ramp steps, at most 31744 cell pulses, highest 4.35V
}
