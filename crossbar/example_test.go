package crossbar_test

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// Form a 64×64 corner of the simulated macro with the default pulse and
// summarise one read of it.
func ExampleNewModel() {
	p, _ := crossbar.Preset("lin2025")
	m, err := crossbar.NewModel(p, 1)
	if err != nil {
		panic(err)
	}
	defer m.Close()
	ctx := context.Background()
	r := crossbar.Region{Rows: 64, Cols: 64}
	if err := m.Program(ctx, r, crossbar.DefaultForming(p)); err != nil {
		panic(err)
	}
	g := make([]units.Siemens, r.Cells())
	if err := m.Read(ctx, r, g); err != nil {
		panic(err)
	}
	st := crossbar.Summarize(g, p.FormedThreshold)
	fmt.Printf("pulse: %v\n", crossbar.DefaultForming(p))
	fmt.Printf("formed %d of %d cells, mean %.1f µS, std %.1f µS\n", st.Formed, st.Cells, st.MeanUS, st.StdUS)
	// Output:
	// pulse: form 4.12V × 1µs, gate 1.2V
	// formed 4091 of 4096 cells, mean 14.2 µS, std 2.5 µS
}

// The forming pulse sets the sparsity of the random weights and their
// conductances: one pulse at V forms the fraction
// Φ((V − VbdMean)/VbdStd) of the cells, and a cell that breaks down
// earlier in the pulse grows a larger filament (PredictForming gives the
// model's closed-form prediction).
func ExampleModel_Program() {
	p, _ := crossbar.Preset("ideal")
	p.Rows, p.Cols = 200, 200
	ctx := context.Background()
	for _, v := range []units.Volts{3.5, 3.65, 3.8, 4.12} {
		m, _ := crossbar.NewModel(p, 1)
		pulse := crossbar.DefaultForming(p)
		pulse.Amplitude = v
		_ = m.Program(ctx, m.Geometry().All(), pulse)
		g := make([]units.Siemens, 200*200)
		_ = m.Read(ctx, m.Geometry().All(), g)
		st := crossbar.Summarize(g, p.FormedThreshold)
		pr := crossbar.PredictForming(p, pulse)
		fmt.Printf("%v: %.3f formed, %.2f ± %.2f µS (predicted %.3f, %.2f ± %.2f µS)\n", v,
			st.FormedFraction, st.MeanUS, st.StdUS, pr.FormedFraction, pr.ReadMeanUS, pr.ReadStdUS)
	}
	// Output:
	// 3.5V: 0.156 formed, 12.81 ± 2.31 µS (predicted 0.155, 12.83 ± 2.33 µS)
	// 3.65V: 0.581 formed, 13.22 ± 2.38 µS (predicted 0.579, 13.23 ± 2.37 µS)
	// 3.8V: 0.920 formed, 13.70 ± 2.41 µS (predicted 0.921, 13.69 ± 2.40 µS)
	// 4.12V: 1.000 formed, 14.19 ± 2.44 µS (predicted 1.000, 14.18 ± 2.44 µS)
}

// A binary MVM returns column currents Σ G·V_read; Periphery converts
// between ADC codes and amperes.
func ExampleModel_MVM() {
	p, _ := crossbar.Preset("ideal")
	m, _ := crossbar.NewModel(p, 3)
	ctx := context.Background()
	r := crossbar.Region{Rows: 8, Cols: 2}
	_ = m.Program(ctx, r, crossbar.DefaultForming(p))
	y := make([]units.Amps, 2)
	sat, _ := m.MVM(ctx, r, []float64{1, 1, 1, 1, 0, 0, 0, 0}, y)
	per := m.Periphery()
	fmt.Printf("LSB %v at V_read %v\n", per.LSB, per.ReadVoltage)
	fmt.Printf("columns %.1f µA and %.1f µA, saturated %d\n", float64(y[0])*1e6, float64(y[1])*1e6, sat)
	// Output:
	// LSB 39.2369nA at V_read 199.966mV
	// columns 10.7 µA and 11.8 µA, saturated 0
}

// RandomWeights gives the differential weights the LSM sees (before its
// gain): mean ≈ 0, σ ≈ √2·2.45 µS-units (a little more with stuck cells).
func ExampleRandomWeights() {
	p, _ := crossbar.Preset("lin2025")
	m, _ := crossbar.NewModel(p, 10)
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: 256 + 200, Cols: 400}, In: 256, N: 200}
	win, wrec, err := crossbar.RandomWeights(context.Background(), m, l, crossbar.DefaultForming(p))
	if err != nil {
		panic(err)
	}
	var s, s2 float64
	for _, w := range append(win, wrec...) {
		s += float64(w)
		s2 += float64(w) * float64(w)
	}
	n := float64(len(win) + len(wrec))
	fmt.Printf("%d input and %d recurrent weights, mean %.2f, σ %.1f\n", len(win), len(wrec), s/n, math.Sqrt(s2/n-s*s/n/n))
	// Output:
	// 51200 input and 40000 recurrent weights, mean 0.01, σ 3.5
}

// A reservoir too large for one macro on a grid of them: 100 inputs and
// 300 neurons need 400 rows × 600 columns, here on 256×256 macros (a 2×3
// grid). The grid is one Array: the reservoir's weights are formed, read
// and multiplied through it as through a single macro, and the placement
// says which weights sit on which macro.
func ExampleTiled() {
	p, _ := crossbar.Preset("lin2025")
	p.Rows, p.Cols = 256, 256
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: 400, Cols: 600}, In: 100, N: 300}
	gr, gc := crossbar.GridFor(p.Geometry(), l.Region.Geometry())
	a, err := crossbar.NewTiledModels(p, gr, gc, 1, nil)
	if err != nil {
		panic(err)
	}
	defer a.Close()
	win, wrec, err := crossbar.RandomWeights(context.Background(), a, l, crossbar.DefaultForming(p))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d + %d weights\n", len(win), len(wrec))
	pl := crossbar.PlacementOf(a, l)
	fmt.Println(pl)
	for _, t := range pl.Tiles[:2] {
		h := t.Holds[0]
		fmt.Printf("macro %d: inputs %v, recurrent rows of neurons %v, onto neurons %v\n", t.Tile, h.Inputs, h.Recurrent, h.Neurons)
	}
	// Output:
	// 30000 + 90000 weights
	// 2×3 grid, 6 arrays (6 used), 240000 of 393216 cells used (61.0 %)
	// macro 0: inputs 0..99, recurrent rows of neurons 0..155, onto neurons 0..127
	// macro 1: inputs 0..99, recurrent rows of neurons 0..155, onto neurons 128..255
}

// Parameters are overridden one key at a time, in their units; a
// parameter file may name its base preset and give only what differs.
func ExampleParams_Set() {
	p, _ := crossbar.Preset("lin2025")
	var set crossbar.Settings // the repeatable --set flag
	for _, kv := range []string{"adc_bits=8", "wire_resistance=2ohm", "form_width=100ns", "read_noise=5%"} {
		if err := set.Set(kv); err != nil {
			panic(err)
		}
	}
	if err := p.Apply(set...); err != nil {
		panic(err)
	}
	fmt.Println(p.ADCBits, p.WireResistance, p.FormWidth, p.ReadNoise)
	fmt.Println(p.Set("adc_bit", "6"))
	fmt.Println(p.Set("adc_bits", "40"))

	q, base, _ := crossbar.ReadParams(strings.NewReader(`{"preset": "lin2025", "adc_bits": 6, "read_voltage": "150mV"}`))
	fmt.Println(base, q.ADCBits, q.ReadVoltage)
	// Output:
	// 8 2Ω 100ns 0.05
	// crossbar: unknown parameter "adc_bit": did you mean adc_bits?
	// crossbar: param adc_bits: 40 outside [4, 24]
	// lin2025 6 150mV
}
