package cost_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/units"
)

// TestCountedAgreesInMemory runs a small reservoir in in-memory mode on
// the simulated macro and checks that the array's own counters over the
// encoding match the workload built from lsm.Stats: the same ADC
// conversions and cell reads exactly (binary inputs: one read per step
// with events, every column converted), and the cells' read energy within
// 5 % (the model prices every cell at the layout's mean conductance, the
// counters at each cell's own). With analog_diff the macro converts one
// difference per column pair, and so does the model: half the
// conversions, the same cell reads.
func TestCountedAgreesInMemory(t *testing.T) {
	for _, adiff := range []int{0, 1} {
		t.Run(fmt.Sprintf("analog_diff=%d", adiff), func(t *testing.T) { countedAgrees(t, adiff) })
	}
}

// countedAgrees is TestCountedAgreesInMemory on a macro with the given
// analog_diff.
func countedAgrees(t *testing.T, adiff int) {
	ctx := context.Background()
	p, _ := crossbar.Preset("lin2025")
	p.AnalogDiff = adiff
	m, err := crossbar.NewModel(p, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const in, n = 32, 40
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: in + n, Cols: 2 * n}, In: in, N: n}
	if err := m.Program(ctx, l.Region, crossbar.DefaultForming(p)); err != nil {
		t.Fatal(err)
	}
	g := make([]units.Siemens, l.Region.Cells())
	if err := m.Read(ctx, l.Region, g); err != nil {
		t.Fatal(err)
	}
	before := m.Counters()

	// 12 samples of 30 steps: a few inputs per step, and silent stretches
	// so that some steps have neither events nor spikes.
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := make([]lsm.Input, 12)
	for s := range inputs {
		r := make(lsm.Raster, 30)
		for t := range r {
			if t%10 >= 6 {
				continue
			}
			for i := range in {
				if rng.Float64() < 0.1 {
					r[t] = append(r[t], int32(i))
				}
			}
		}
		inputs[s] = r
	}
	cfg := lsm.Config{Inputs: in, Neurons: n, Steps: 30, Decay: 0.9, Threshold: 5, Gain: 0.5}
	enc, err := lsm.New(cfg, crossbar.NewSynapses(m, l), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := enc.Encode(ctx, inputs, make([]float32, len(inputs)*cfg.Features()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Spikes == 0 || st.ActiveSteps == st.Steps {
		t.Fatalf("test needs spikes and idle steps: %+v", st)
	}
	after := m.Counters()
	w := cost.Workload{
		Reservoirs: []cost.Reservoir{cost.NewReservoir("", st, cost.EventDriven, p.InputBits, cost.MeanConductance(g))},
		Macro:      cost.MacroOf(p),
	}
	c := cost.Count(cost.Diff(after, before), w, p)
	if math.Abs(c.ADCConversionsError) > 1e-12 || math.Abs(c.CellReadsError) > 1e-12 {
		t.Errorf("conversions %d vs model %g, cell reads %d vs model %g: want equal (up to rounding)", c.ADCConversions, c.ModelADCConversions, c.CellReads, c.ModelCellReads)
	}
	if math.Abs(c.ArrayEnergyError) > 0.05 || !c.Agree {
		t.Errorf("array energy %g J vs model %g J (error %.3f), agree %v", c.ArrayEnergyJ, c.ModelArrayEnergyJ, c.ArrayEnergyError, c.Agree)
	}
	if c.MVMs != st.ActiveSteps {
		t.Errorf("%d MVMs, want the %d active steps", c.MVMs, st.ActiveSteps)
	}
	t.Logf("%.1f reads per inference; over the run %d conversions, %d cell reads, array energy %.4g J (model %.4g J, error %+.4f)",
		w.Reservoirs[0].Reads, c.ADCConversions, c.CellReads, c.ArrayEnergyJ, c.ModelArrayEnergyJ, c.ArrayEnergyError)
	// One read per active step, converting 2N columns or N pairs.
	if want := st.ActiveSteps * int64(2*n/(1+adiff)); c.ADCConversions != want {
		t.Errorf("%d conversions, want %d active steps × %d", c.ADCConversions, st.ActiveSteps, 2*n/(1+adiff))
	}

	// The on-board runner reads every step: the every-step schedule
	// predicts its conversions exactly.
	frames := make([][]uint16, cfg.Steps)
	counts := make([]uint16, n)
	before = m.Counters()
	var ob lsm.Stats
	for _, x := range inputs {
		var events int64
		for t := range frames {
			frames[t] = frames[t][:0]
			for _, i := range x.Active(t) {
				frames[t] = append(frames[t], uint16(i))
			}
			events += int64(len(frames[t]))
		}
		run := crossbar.ReservoirRun{Layout: l, Steps: cfg.Steps, Decay: cfg.Decay, Threshold: cfg.Threshold, Gain: cfg.Gain}
		if err := m.RunReservoir(ctx, run, frames, counts); err != nil {
			t.Fatal(err)
		}
		ob.Add(lsm.Stats{Samples: 1, Steps: int64(cfg.Steps), InputEvents: events, Inputs: in, Neurons: n})
	}
	after = m.Counters()
	w.Reservoirs[0] = cost.NewReservoir("", ob, cost.EveryStep, p.InputBits, cost.MeanConductance(g))
	c = cost.Count(cost.Diff(after, before), w, p)
	if math.Abs(c.ADCConversionsError) > 1e-12 {
		t.Errorf("on-board conversions %d vs every-step model %g", c.ADCConversions, c.ModelADCConversions)
	}
}
