package hwtests_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware/emu"
	"github.com/memlsm/memlsm/units"
)

// TestParityKnobs: every physics knob of crossbar.Params reaches the
// emulated board exactly as the simulator: for each setting the board over
// a pipe and a simulator with the same parameters and seed form the same
// reservoir, read the same weights, return the same MVM currents (binary
// and multi-bit), run the same on-board reservoir samples and count the
// same conversions and clips, before and after a year of ageing (the
// board's clock, crossbar.Clock).
func TestParityKnobs(t *testing.T) {
	for _, set := range [][]string{
		{"form_amplitude=3.7V", "form_width=300ns", "form_gate=1.4V"},
		{"wire_resistance=1ohm"},
		{"wire_resistance=2ohm", "transistor_ron=5kohm"},
		{"transistor_ron=8kohm"},
		{"analog_diff=1"},
		// A board reports one ADC LSB: conductance reads at the MVM gain.
		{"analog_diff=1", "wire_resistance=1ohm", "adc_bits=8", "read_tia_gain=5.6kohm"},
		{"parasitic_cap=200fF", "growth_accel=50mV"},
	} {
		t.Run(set[0], func(t *testing.T) {
			p := params(t)
			for _, kv := range set {
				s, err := crossbar.ParseSetting(kv)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Apply(s); err != nil {
					t.Fatal(err)
				}
			}
			knobParity(t, p, 21)
		})
	}
}

func knobParity(t *testing.T, p crossbar.Params, seed uint64) {
	ctx := context.Background()
	newModel := func() *crossbar.Model {
		m, err := crossbar.NewModel(p, seed)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	sim := newModel()
	eb, err := emu.New(newModel(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	host, done := emu.Pipe(cctx, eb)
	b, err := device.New(host, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); cancel(); host.Close(); <-done })

	form := crossbar.DefaultForming(p)
	win, wrec, err := crossbar.RandomWeights(ctx, b, nmnist, form)
	if err != nil {
		t.Fatal(err)
	}
	swin, swrec, err := crossbar.RandomWeights(ctx, sim, nmnist, form)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(win, swin) || !slices.Equal(wrec, swrec) {
		t.Fatal("weights through the board differ from the simulator's")
	}
	compare := func(when string) {
		rng := rand.New(rand.NewPCG(seed, 1))
		r := nmnist.Region
		x := make([]float64, r.Rows)
		yb, ys := make([]units.Amps, r.Cols), make([]units.Amps, r.Cols)
		for k := range 6 {
			for i := range x {
				x[i] = 0
				if rng.Float64() < 0.1 {
					x[i] = 1
					if k%2 == 1 {
						x[i] = rng.Float64()
					}
				}
			}
			sb, err := b.MVM(ctx, r, x, yb)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := sim.MVM(ctx, r, x, ys)
			if err != nil {
				t.Fatal(err)
			}
			if sb != ss || !slices.Equal(yb, ys) {
				t.Fatalf("%s: MVM %d: board differs from the simulator (saturated %d vs %d)", when, k, sb, ss)
			}
		}
		cb, cs := make([]uint16, nmnist.N), make([]uint16, nmnist.N)
		for k, in := range synthInputs(2, nmnist.In, nmnistRun.Steps, 0.04, seed) {
			if err := b.RunReservoir(ctx, nmnistRun, in, cb); err != nil {
				t.Fatal(err)
			}
			if err := sim.RunReservoir(ctx, nmnistRun, in, cs); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cb, cs) {
				t.Fatalf("%s: reservoir sample %d: board counts differ from the simulator's", when, k)
			}
		}
		bc, sc := b.Counters(), sim.Counters()
		if bc.ADCConversions != sc.ADCConversions || bc.Saturations != sc.Saturations || bc.MVMs != sc.MVMs {
			t.Errorf("%s: counters: board %+v, simulator %+v", when, bc, sc)
		}
	}
	compare("fresh")
	const year = units.Seconds(365.25 * 86400)
	if err := b.Wait(ctx, year); err != nil {
		t.Fatal(err)
	}
	if err := sim.Wait(ctx, year); err != nil {
		t.Fatal(err)
	}
	g1, g2 := make([]units.Siemens, nmnist.Region.Cells()), make([]units.Siemens, nmnist.Region.Cells())
	if err := b.Read(ctx, nmnist.Region, g1); err != nil {
		t.Fatal(err)
	}
	if err := sim.Read(ctx, nmnist.Region, g2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g1, g2) {
		t.Fatal("a year later: reads through the board differ from the simulator's")
	}
	compare("a year later")
}
