package lsm_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/memlsm/memlsm/lsm"
)

// Encode a tiny synthetic sample: 8 inputs, a reservoir of 6 neurons with
// seeded differential Gaussian weights (the paper's software LSM), 10 steps.
func ExampleEncoder() {
	cfg := lsm.Config{Inputs: 8, Neurons: 6, Steps: 10, Decay: 0.9, Threshold: 5, Gain: 1}
	syn := lsm.Gaussian(8, 6, lsm.GaussianMean, lsm.GaussianStd, true, 10)
	enc, err := lsm.New(cfg, syn, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Inputs 0–3 fire on even steps, inputs 4–7 on odd steps.
	in := make(lsm.Raster, 10)
	for t := range in {
		for i := int32(t % 2 * 4); i < int32(t%2*4+4); i++ {
			in[t] = append(in[t], i)
		}
	}
	rates := make([]float32, enc.Features())
	st, err := enc.EncodeSample(context.Background(), in, rates)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print("spike counts:")
	for _, r := range rates {
		fmt.Printf(" %.0f", r*float32(cfg.Steps))
	}
	fmt.Printf("\nspikes %d, synaptic ops %d (dense %d), activation sparsity %.2f\n",
		st.Spikes, st.SynOps(), st.DenseMACs, st.ActivationSparsity())
	// Output:
	// spike counts: 3 0 0 1 2 0
	// spikes 6, synaptic ops 270 (dense 840), activation sparsity 0.90
}

// The paper's per-task settings (Lin et al. 2025, the authors' run scripts); every field can be changed.
func ExamplePreset() {
	cfg, err := lsm.Preset("ntidigits")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Windows = 4 // rates per quarter of the sample: 4·200 features
	fmt.Printf("%s: %d inputs → %d neurons, T %d, decay %v, Vth %v, const %v, %d features\n",
		cfg.Name, cfg.Inputs, cfg.Neurons, cfg.Steps, cfg.Decay, cfg.Threshold, cfg.Gain, cfg.Features())
	fmt.Println(lsm.Presets())
	// Output:
	// ntidigits: 64 inputs → 200 neurons, T 129, decay 0.97, Vth 5.3, const 0.08, 800 features
	// [btv-emnist btv-neural nmnist ntidigits zeroshot-audio zeroshot-image]
}

// Calibrate the gain so that the reservoir fires in DefaultBand on a small
// calibration set, instead of grid-searching the paper's const.
func ExampleCalibrate() {
	cfg, _ := lsm.Preset("nmnist")
	syn := lsm.Gaussian(256, 200, lsm.GaussianMean, lsm.GaussianStd, true, 10)
	// 20 synthetic samples with N-MNIST's input density (8.7 % of the 256
	// inputs active per step); real use passes ~50–100 binned training samples.
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := make([]lsm.Input, 20)
	for k := range inputs {
		r := make(lsm.Raster, 50)
		for t := range r {
			for i := range int32(256) {
				if rng.Float64() < 0.087 {
					r[t] = append(r[t], i)
				}
			}
		}
		inputs[k] = r
	}
	cal, err := lsm.Calibrate(context.Background(), syn, cfg, inputs, lsm.Band{}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("target %v in [%v, %v]\n", cal.Band.Metric, cal.Band.Lo, cal.Band.Hi)
	for _, p := range cal.Trace {
		fmt.Printf("gain %.4f → rate %.4f\n", p.Gain, p.Value)
	}
	fmt.Printf("chosen gain %.4f (paper const %v)\n", cal.Gain, cfg.Gain)
	// Output:
	// target mean-rate in [0.04, 0.12]
	// gain 0.0700 → rate 0.0157
	// gain 0.2800 → rate 0.1534
	// gain 0.1400 → rate 0.0602
	// chosen gain 0.1400 (paper const 0.07)
}
