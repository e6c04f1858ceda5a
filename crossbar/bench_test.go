package crossbar

import (
	"math/rand/v2"
	"testing"

	"github.com/memlsm/memlsm/units"
)

// benchModel is a formed full-size lin2025 macro.
func benchModel(b *testing.B) *Model {
	b.Helper()
	return formedModel(b, "lin2025", 512, 512, 1, nil)
}

// BenchmarkMVMBinary512 is one binary MVM over the full 512×512 array:
// "sparse" is a realistic LSM step (5 % of the rows active: N-MNIST input
// density 3–5 % plus ~10 % of the reservoir spiking), "dense" drives every
// row.
func BenchmarkMVMBinary512(b *testing.B) {
	m := benchModel(b)
	r := m.Geometry().All()
	y := make([]units.Amps, 512)
	for _, bc := range []struct {
		name    string
		density float64
	}{{"sparse", 0.05}, {"dense", 1}} {
		x := randomBinary(rand.New(rand.NewPCG(1, 2)), 512, bc.density)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := m.MVM(bg, r, x, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMVMMultiBit512 is a 4-bit-plane MVM with 20 % of the rows
// active.
func BenchmarkMVMMultiBit512(b *testing.B) {
	m := benchModel(b)
	r := m.Geometry().All()
	y := make([]units.Amps, 512)
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 512)
	for i := range x {
		if rng.Float64() < 0.2 {
			x[i] = rng.Float64()
		}
	}
	for b.Loop() {
		if _, err := m.MVM(bg, r, x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForm512 forms the whole pristine 512×512 array with one pulse
// (a fresh model per iteration, made outside the timer).
func BenchmarkForm512(b *testing.B) {
	p := mustPreset(b, "lin2025")
	pulse := DefaultForming(p)
	for b.Loop() {
		b.StopTimer()
		m, err := NewModel(p, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := m.Program(bg, m.Geometry().All(), pulse); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewModel512 makes a fresh 512×512 model.
func BenchmarkNewModel512(b *testing.B) {
	p := mustPreset(b, "lin2025")
	for b.Loop() {
		if _, err := NewModel(p, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead512 reads the whole formed array (512 one-hot reads).
func BenchmarkRead512(b *testing.B) {
	m := benchModel(b)
	g := make([]units.Siemens, 512*512)
	for b.Loop() {
		if err := m.Read(bg, m.Geometry().All(), g); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunReservoirNMNIST runs one N-MNIST-sized sample (256 inputs,
// 200 neurons, 50 steps, 4 % input density) next to the array.
func BenchmarkRunReservoirNMNIST(b *testing.B) {
	m := benchModel(b)
	l := ReservoirLayout{Region: Region{Rows: 456, Cols: 400}, In: 256, N: 200}
	rng := rand.New(rand.NewPCG(5, 6))
	input := make([][]uint16, 50)
	for t := range input {
		for i := range 256 {
			if rng.Float64() < 0.04 {
				input[t] = append(input[t], uint16(i))
			}
		}
	}
	run := ReservoirRun{Layout: l, Steps: 50, Decay: 0.9, Threshold: 5, Gain: 0.07}
	counts := make([]uint16, 200)
	for b.Loop() {
		if err := m.RunReservoir(bg, run, input, counts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTiledMVMNeural2048 is one in-memory time step of the paper's
// BTV neural encoder (192 inputs + 2048 neurons = 2240 rows × 4096 columns,
// Lin et al. 2025, the authors' run scripts) on a 5×8 grid of lin2025 macros: 5 % of the rows driven,
// every tile converting its columns and the host summing the row tiles'
// partial currents. "sequential" asks the 40 tiles one after the other
// (the default for simulated macros), "two" on two goroutines, "per-tile"
// on one goroutine per tile (the default for boards).
func BenchmarkTiledMVMNeural2048(b *testing.B) {
	p := mustPreset(b, "lin2025")
	r := Region{Rows: 192 + 2048, Cols: 2 * 2048}
	gr, gc := GridFor(p.Geometry(), r.Geometry())
	x := randomBinary(rand.New(rand.NewPCG(1, 2)), r.Rows, 0.05)
	y := make([]units.Amps, r.Cols)
	for _, bc := range []struct {
		name    string
		workers int
	}{{"sequential", 1}, {"two", 2}, {"per-tile", gr * gc}} {
		b.Run(bc.name, func(b *testing.B) {
			a, err := NewTiledModels(p, gr, gc, 1, &TiledOptions{Workers: bc.workers})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			if err := a.Program(bg, r, DefaultForming(p)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := a.MVM(bg, r, x, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMVMWires512 is BenchmarkMVMBinary512 with 1 Ω per wire segment:
// the IR-drop network solved for the driven rows of every read.
func BenchmarkMVMWires512(b *testing.B) {
	m := formedModel(b, "lin2025", 512, 512, 1, func(p *Params) { p.WireResistance = 1 })
	r := m.Geometry().All()
	y := make([]units.Amps, 512)
	for _, bc := range []struct {
		name    string
		density float64
	}{{"sparse", 0.05}, {"113rows", 113.0 / 512}, {"dense", 1}} {
		x := randomBinary(rand.New(rand.NewPCG(1, 2)), 512, bc.density)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := m.MVM(bg, r, x, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRunReservoirWiresNMNIST is BenchmarkRunReservoirNMNIST with
// 1 Ω per wire segment.
func BenchmarkRunReservoirWiresNMNIST(b *testing.B) {
	m := formedModel(b, "lin2025", 512, 512, 1, func(p *Params) { p.WireResistance = 1 })
	l := ReservoirLayout{Region: Region{Rows: 456, Cols: 400}, In: 256, N: 200}
	rng := rand.New(rand.NewPCG(5, 6))
	input := make([][]uint16, 50)
	for t := range input {
		for i := range 256 {
			if rng.Float64() < 0.04 {
				input[t] = append(input[t], uint16(i))
			}
		}
	}
	run := ReservoirRun{Layout: l, Steps: 50, Decay: 0.9, Threshold: 5, Gain: 0.07}
	counts := make([]uint16, 200)
	for b.Loop() {
		if err := m.RunReservoir(bg, run, input, counts); err != nil {
			b.Fatal(err)
		}
	}
}
