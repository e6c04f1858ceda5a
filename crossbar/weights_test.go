package crossbar

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/memlsm/memlsm/units"
)

// The N-MNIST reservoir of Lin et al. 2025, the authors' run scripts (256 inputs, 200 neurons) on the
// lin2025 macro: differential weights have mean ≈ 0 and σ ≈ √2·2.46.
func TestRandomWeightsStatistics(t *testing.T) {
	m := newTestModel(t, "lin2025", 512, 512, 10, nil)
	l := ReservoirLayout{Region: Region{Row: 0, Col: 0, Rows: 456, Cols: 400}, In: 256, N: 200}
	win, wrec, err := RandomWeights(bg, m, l, DefaultForming(m.Params()))
	if err != nil {
		t.Fatal(err)
	}
	if len(win) != 256*200 || len(wrec) != 200*200 {
		t.Fatalf("lengths %d, %d", len(win), len(wrec))
	}
	for name, w := range map[string][]float32{"win": win, "wrec": wrec} {
		var s, s2 float64
		for _, v := range w {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		n := float64(len(w))
		mean := s / n
		sd := math.Sqrt(s2/n - mean*mean)
		// Closed form: G± ~ N(14.25, 2.46) µS independent → difference
		// N(0, √2·2.46 = 3.48); 5σ of the mean is 5·3.48/√n ≈ 0.08 (win)
		// and ≈ 0.09 (wrec). Stuck cells (0.1 % each) and read noise widen
		// σ by ≈ 2 %: tolerance 0.2.
		const wantSD, tolSD = math.Sqrt2 * 2.4624, 0.2
		if math.Abs(mean) > 5*wantSD/math.Sqrt(n) {
			t.Errorf("%s mean %.4f, want 0", name, mean)
		}
		if math.Abs(sd-wantSD) > tolSD {
			t.Errorf("%s σ %.4f, want %.4f ± %.1f", name, sd, wantSD, tolSD)
		}
	}
	// The layout: win[i*N+j] = (G[i][2j] − G[i][2j+1])/GUnit, wrec rows In+k.
	g := trueG(m, l.Region)
	for _, c := range []struct{ i, j int }{{0, 0}, {255, 199}, {256, 3}, {455, 199}} {
		want := (g[c.i*400+2*c.j] - g[c.i*400+2*c.j+1]) / float64(GUnit)
		var got float32
		if c.i < 256 {
			got = win[c.i*200+c.j]
		} else {
			got = wrec[(c.i-256)*200+c.j]
		}
		// One read of each cell: 2 % noise on ~14 µS plus quantisation.
		if math.Abs(float64(got)-want) > 5*0.02*20+0.2 {
			t.Errorf("weight row %d neuron %d = %v, true %v", c.i, c.j, got, want)
		}
	}
}

func TestRandomWeightsErrors(t *testing.T) {
	m := newTestModel(t, "lin2025", 16, 16, 1, nil)
	if _, _, err := RandomWeights(bg, m, ReservoirLayout{Region: Region{Rows: 5, Cols: 4}, In: 2, N: 2}, DefaultForming(m.Params())); err == nil {
		t.Error("inconsistent layout accepted")
	}
	p := DefaultForming(m.Params())
	p.Amplitude = 100
	if _, _, err := RandomWeights(bg, m, ReservoirLayout{Region: Region{Rows: 4, Cols: 4}, In: 2, N: 2}, p); !errors.Is(err, ErrLimit) {
		t.Errorf("over-limit forming pulse: %v", err)
	}
}

// Synapses.Current is one MVM per step: without read noise it equals the
// read-once weights summed over the active rows, within the quantisation.
func TestSynapsesCurrent(t *testing.T) {
	m := newTestModel(t, "ideal", 64, 64, 21, nil)
	l := ReservoirLayout{Region: Region{Row: 2, Col: 4, Rows: 40, Cols: 40}, In: 20, N: 20}
	win, wrec, err := RandomWeights(bg, m, l, DefaultForming(m.Params()))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSynapses(m, l)
	if s.Inputs() != 20 || s.Neurons() != 20 {
		t.Fatalf("Inputs %d Neurons %d", s.Inputs(), s.Neurons())
	}
	lsbW := float64(m.Periphery().LSB) / float64(m.ReadVoltage()) / float64(GUnit) // weight units per code
	cur := make([]float32, 20)
	in, rec := []int32{0, 3, 19}, []int32{2, 7}
	if err := s.Current(bg, in, nil, rec, cur); err != nil {
		t.Fatal(err)
	}
	for j := range cur {
		var want float64
		for _, i := range in {
			want += float64(win[int(i)*20+j])
		}
		for _, k := range rec {
			want += float64(wrec[int(k)*20+j])
		}
		// Each of the 5 read weights and the 2 MVM columns is off by ≤ ½ LSB
		// per cell: ≤ (2·5 + 2)/2 LSB.
		if math.Abs(float64(cur[j])-want) > 6*lsbW {
			t.Errorf("neuron %d: current %v, weights give %v", j, cur[j], want)
		}
	}
	// Values: inputs at 1/3 and 2/3 through bit-serial planes.
	if err := s.Current(bg, []int32{5, 6}, []float32{1.0 / 3, 2.0 / 3}, nil, cur); err != nil {
		t.Fatal(err)
	}
	for j := range cur {
		want := float64(win[5*20+j])/3 + 2*float64(win[6*20+j])/3
		if math.Abs(float64(cur[j])-want) > 6*lsbW {
			t.Errorf("neuron %d: valued current %v, weights give %v", j, cur[j], want)
		}
	}
	if err := s.Current(bg, []int32{20}, nil, nil, cur); err == nil {
		t.Error("input 20 of 20 accepted")
	}
	if err := s.Current(bg, nil, nil, []int32{-1}, cur); err == nil {
		t.Error("neuron -1 accepted")
	}
	if err := s.Current(bg, []int32{1}, []float32{2}, nil, cur); err == nil {
		t.Error("input value 2 accepted")
	}
}

// An Array that is not a ReadVoltager gets DefaultReadVoltage.
type plainArray struct{ Array }

func TestSynapsesDefaultReadVoltage(t *testing.T) {
	m := newTestModel(t, "lin2025", 8, 8, 1, nil)
	s := NewSynapses(plainArray{m}, ReservoirLayout{Region: Region{Rows: 6, Cols: 4}, In: 4, N: 2})
	if want := 1 / (float64(m.ReadVoltage()) * float64(GUnit)); s.scale != want {
		t.Errorf("scale %v, want %v (lin2025 read voltage)", s.scale, want)
	}
}

// RunReservoir is the LIF loop of ReservoirRun on the codes of MVMCodes: a
// twin model driven step by step through MVMCodes gives identical counts.
func TestRunReservoirMatchesMVMCodes(t *testing.T) {
	const in, n, steps = 32, 24, 40
	l := ReservoirLayout{Region: Region{Row: 3, Col: 5, Rows: in + n, Cols: 2 * n}, In: in, N: n}
	a := newTestModel(t, "lin2025", 64, 64, 33, nil)
	b := newTestModel(t, "lin2025", 64, 64, 33, nil)
	for _, m := range []*Model{a, b} {
		if _, _, err := RandomWeights(bg, m, l, DefaultForming(m.Params())); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	input := make([][]uint16, steps)
	for t := range input {
		for i := range in {
			if rng.Float64() < 0.1 {
				input[t] = append(input[t], uint16(i))
			}
		}
	}
	run := ReservoirRun{Layout: l, Steps: steps, Decay: 0.9, Threshold: 5, Gain: 0.3}
	counts := make([]uint16, n)
	if err := a.RunReservoir(bg, run, input, counts); err != nil {
		t.Fatal(err)
	}
	// Reference loop, written from the documented formula.
	per := b.Periphery()
	scale := run.Gain * (float64(per.LSB) / (float64(per.ReadVoltage) * float64(GUnit)))
	v := make([]float64, n)
	s := make([]bool, n)
	want := make([]uint16, n)
	codes := make([]int32, 2*n)
	total := 0
	for t := range steps {
		x := make([]float64, in+n)
		for _, i := range input[t] {
			x[i] = 1
		}
		for k := range n {
			if s[k] {
				x[in+k] = 1
			}
		}
		if _, err := b.MVMCodes(bg, l.Region, x, codes); err != nil {
			panic(err)
		}
		for j := range n {
			cur := float64(codes[2*j]-codes[2*j+1]) * scale
			if s[j] {
				v[j] = cur
			} else {
				v[j] = run.Decay*v[j] + cur
			}
			s[j] = v[j] > run.Threshold
			if s[j] {
				want[j]++
				total++
			}
		}
	}
	for j := range counts {
		if counts[j] != want[j] {
			t.Errorf("neuron %d: %d spikes on the runner, %d step by step", j, counts[j], want[j])
		}
	}
	if total == 0 {
		t.Error("no neuron spiked: the test exercises nothing")
	}
	// Validation.
	bad := []struct {
		name   string
		run    ReservoirRun
		input  [][]uint16
		counts []uint16
	}{
		{"steps mismatch", run, input[:10], counts},
		{"input index", run, append([][]uint16{{uint16(in)}}, input[1:]...), counts},
		{"counts length", run, input, counts[:3]},
		{"decay", ReservoirRun{Layout: l, Steps: steps, Decay: 1.5, Threshold: 5, Gain: 1}, input, counts},
		{"threshold", ReservoirRun{Layout: l, Steps: steps, Decay: 0.5, Threshold: math.NaN(), Gain: 1}, input, counts},
		{"layout", ReservoirRun{Layout: ReservoirLayout{Region: l.Region, In: in, N: n + 1}, Steps: steps, Decay: 0.5, Threshold: 1, Gain: 1}, input, counts},
	}
	for _, tc := range bad {
		if err := a.RunReservoir(bg, tc.run, tc.input, tc.counts); err == nil {
			t.Errorf("%s accepted", tc.name)
		}
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if err := a.RunReservoir(ctx, run, input, counts); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

func TestMVMAllocationFree(t *testing.T) {
	m := formedModel(t, "lin2025", 64, 64, 1, nil)
	r := m.Geometry().All()
	xb := randomBinary(rand.New(rand.NewPCG(1, 1)), 64, 0.1)
	xm := make([]float64, 64)
	xm[3], xm[9] = 0.4, 1
	y := make([]units.Amps, 64)
	g := make([]units.Siemens, 64*64)
	s := NewSynapses(m, ReservoirLayout{Region: Region{Rows: 48, Cols: 32}, In: 32, N: 16})
	cur := make([]float32, 16)
	for name, f := range map[string]func(){
		"binary MVM":       func() { m.MVM(bg, r, xb, y) },
		"multi-bit MVM":    func() { m.MVM(bg, r, xm, y) },
		"Read":             func() { m.Read(bg, r, g) },
		"Synapses.Current": func() { s.Current(bg, []int32{1, 5}, nil, []int32{3}, cur) },
	} {
		if a := testing.AllocsPerRun(20, f); a != 0 {
			t.Errorf("%s allocates %.0f times per call", name, a)
		}
	}
	// The IR-drop network and analogue subtraction allocate their scratch
	// once, on the first read.
	w := formedModel(t, "lin2025", 64, 64, 1, func(p *Params) { p.WireResistance, p.TransistorRon, p.AnalogDiff = 1, 5e3, 1 })
	for name, f := range map[string]func(){
		"binary MVM with wires":    func() { w.MVM(bg, r, xb, y) },
		"multi-bit MVM with wires": func() { w.MVM(bg, r, xm, y) },
		"Read with wires":          func() { w.Read(bg, r, g) },
	} {
		f()
		if a := testing.AllocsPerRun(20, f); a != 0 {
			t.Errorf("%s allocates %.0f times per call", name, a)
		}
	}
}
