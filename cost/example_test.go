package cost_test

import (
	"fmt"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
)

// Price one N-MNIST-sized inference — 242 inputs, 200 neurons, 50 steps,
// about 20 input events and 16 spikes per step, a linear head over 5
// windows × 200 rates to 10 classes — on the board as built, the projected
// chip with 14-bit and 8-bit ADCs, and the digital baselines.
func Example() {
	p, _ := crossbar.Preset("lin2025")
	st := lsm.Stats{Samples: 1, Steps: 50, InputEvents: 1000, Spikes: 800, ActiveSteps: 50,
		EffectiveACs: (1000 + 784) * 200, DenseMACs: 50 * 442 * 200, Inputs: 242, Neurons: 200}
	w := cost.Workload{
		Reservoirs: []cost.Reservoir{cost.NewReservoir("image", st, cost.EventDriven, p.InputBits, 13.5e-6)},
		HeadMACs:   1000 * 10, HeadParams: 1000*10 + 10,
		Macro: cost.MacroOf(p),
	}
	for _, bits := range []string{"0", "8"} { // 0: the macro's own 14-bit ADC
		tech := cost.Default()
		if err := tech.Set("cost.chip.adc_bits", bits); err != nil {
			panic(err)
		}
		r, err := cost.Evaluate(w, tech)
		if err != nil {
			panic(err)
		}
		fmt.Printf("chip with %d-bit ADCs: %.3g J, %.3g s, %.3g mm²; reservoir GPU/chip %.3g, dense digital/chip %.3g\n",
			r.ChipADCBits, r.Chip.EnergyJ, r.Chip.LatencyS, r.Chip.AreaMM2, r.Ratios.ReservoirGPUOverChip, r.Ratios.ReservoirDigitalDenseOverChip)
		if bits == "0" {
			fmt.Printf("board: %.3g J, %.3g s\n", r.Board.EnergyJ, r.Board.LatencyS)
			fmt.Printf("digital: %.3g J event-driven, %.3g J dense; GPU %.3g J\n", r.Digital.EnergyJ, r.DigitalDense.EnergyJ, r.GPU.EnergyJ)
		}
	}
	// Output:
	// chip with 14-bit ADCs: 3.45e-06 J, 7.36e-06 s, 1.53 mm²; reservoir GPU/chip 0.647, dense digital/chip 50.3
	// board: 0.0222 J, 0.00775 s
	// digital: 1.23e-05 J event-driven, 0.000166 J dense; GPU 2.13e-06 J
	// chip with 8-bit ADCs: 2.22e-07 J, 4.96e-06 s, 0.185 mm²; reservoir GPU/chip 32.6, dense digital/chip 2.53e+03
}
