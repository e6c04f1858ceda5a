package hwtests_test

import (
	"context"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// Throughput of the hardware path. Each benchmark forms the N-MNIST
// reservoir's 456×400 region once (one pulse), then measures:
//
//   - MVM: one binary MVM over the region with an N-MNIST-like sparse
//     input (≈ 4 % of the 256 inputs and 10 % of the 200 neuron rows
//     active): what in-memory mode does once per time step.
//   - LSMSample: one whole N-MNIST reservoir sample (T = 50) as the board's
//     on-board LSM run (crossbar.ReservoirRunner): one request, one
//     response.
//   - LSMSampleHostLoop: the same sample driven from the host, one MVM
//     request per time step: what the on-board run saves.
//
// on the simulator itself (Model), the emulated board over a net.Pipe
// (Pipe) and over a pty through go.bug.st/serial (PTY).

func formed(b *testing.B, a crossbar.Array) {
	b.Helper()
	p := params(b)
	if err := a.Program(context.Background(), nmnist.Region, crossbar.DefaultForming(p)); err != nil {
		b.Fatal(err)
	}
}

func benchArrays(b *testing.B, f func(b *testing.B, a crossbar.Array)) {
	b.Run("Model", func(b *testing.B) { m := model(b, 31); formed(b, m); f(b, m) })
	b.Run("Pipe", func(b *testing.B) { a, _ := pipeBoard(b, 31, nil, nil); formed(b, a); f(b, a) })
	b.Run("PTY", func(b *testing.B) { a, _ := ptyBoard(b, 31, nil, nil); formed(b, a); f(b, a) })
}

func BenchmarkMVM456x400(b *testing.B) {
	benchArrays(b, func(b *testing.B, a crossbar.Array) {
		in := synthInputs(1, nmnist.In, 1, 0.04, 31)[0][0]
		x := make([]float64, nmnist.Region.Rows)
		for _, i := range in {
			x[i] = 1
		}
		for k := 0; k < nmnist.N; k += 10 {
			x[nmnist.In+k] = 1
		}
		y := make([]units.Amps, nmnist.Region.Cols)
		ctx := context.Background()
		for b.Loop() {
			if _, err := a.MVM(ctx, nmnist.Region, x, y); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "MVMs/s")
	})
}

// benchRun is nmnistRun at a gain whose firing rate on these inputs (≈ 0.07
// spikes per neuron per step) is what `memlsm classify` measures on real
// N-MNIST (mean_rate 0.0696 on NMNISTsmall): the recurrent rows active per
// step, and so the work per step, are realistic.
var benchRun = func() crossbar.ReservoirRun { r := nmnistRun; r.Gain = 0.15; return r }()

func BenchmarkLSMSampleNMNIST(b *testing.B) {
	benchArrays(b, func(b *testing.B, a crossbar.Array) {
		rr := a.(crossbar.ReservoirRunner)
		samples := synthInputs(16, nmnist.In, nmnistRun.Steps, 0.04, 32)
		counts := make([]uint16, nmnist.N)
		ctx := context.Background()
		k := 0
		for b.Loop() {
			if err := rr.RunReservoir(ctx, benchRun, samples[k%len(samples)], counts); err != nil {
				b.Fatal(err)
			}
			k++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "samples/s")
	})
}

func BenchmarkLSMSampleHostLoopNMNIST(b *testing.B) {
	benchArrays(b, func(b *testing.B, a crossbar.Array) {
		samples := synthInputs(16, nmnist.In, benchRun.Steps, 0.04, 32)
		syn := crossbar.NewSynapses(a, nmnist)
		cur := make([]float32, nmnist.N)
		v := make([]float64, nmnist.N)
		var spikes, next []int32
		ctx := context.Background()
		k := 0
		for b.Loop() {
			clear(v)
			spikes = spikes[:0]
			for _, frame := range samples[k%len(samples)] {
				in := make([]int32, len(frame))
				for i, f := range frame {
					in[i] = int32(f)
				}
				if err := syn.Current(ctx, in, nil, spikes, cur); err != nil {
					b.Fatal(err)
				}
				next = next[:0]
				for j := range v {
					v[j] = benchRun.Decay*v[j] + benchRun.Gain*float64(cur[j])
					if v[j] > benchRun.Threshold {
						next = append(next, int32(j))
						v[j] = 0
					}
				}
				spikes, next = next, spikes
			}
			k++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "samples/s")
	})
}

// BenchmarkStatusRoundTrip is one empty request and its 76-byte answer:
// the latency of the transport itself.
func BenchmarkStatusRoundTrip(b *testing.B) {
	b.Run("Pipe", func(b *testing.B) {
		a, _ := pipeBoard(b, 31, nil, nil)
		for b.Loop() {
			if _, err := a.Status(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PTY", func(b *testing.B) {
		a, _ := ptyBoard(b, 31, nil, nil)
		for b.Loop() {
			if _, err := a.Status(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTiledSampleBTVImage2048 is one sample of the paper's BTV image
// encoder (Lin et al. 2025, the authors' run scripts: 784 inputs, 2048 neurons, T = 49, decay 0.95,
// Vth 0.1) run on-board on the 6×8 grid of 48 lin2025 macros its
// 2832 × 4096 cells need: every step, each macro with driven rows converts
// its part (all macros at once) and the host sums the partial currents
// and runs the neurons (crossbar.Tiled.RunReservoir). Inputs: density 0.04
// (the rate-coded MNIST digits' measured input density, 0.039); gain
// 0.00116, what the experiment calibrates on them (mean rate ≈ 0.09). On
// simulated macros (Model) and on 48 emulated boards over net.Pipes (Pipe).
func BenchmarkTiledSampleBTVImage2048(b *testing.B) {
	p := params(b)
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: 784 + 2048, Cols: 2 * 2048}, In: 784, N: 2048}
	run := crossbar.ReservoirRun{Layout: l, Steps: 49, Decay: 0.95, Threshold: 0.1, Gain: 0.00116}
	gr, gc := crossbar.GridFor(p.Geometry(), l.Region.Geometry())
	samples := synthInputs(8, l.In, run.Steps, 0.04, 33)
	for _, pipe := range []bool{false, true} {
		b.Run(map[bool]string{false: "Model", true: "Pipe"}[pipe], func(b *testing.B) {
			var a *crossbar.Tiled
			if pipe {
				a = tiledBoards(b, p, gr, gc, 1, false)
			} else {
				var err error
				if a, err = crossbar.NewTiledModels(p, gr, gc, 1, nil); err != nil {
					b.Fatal(err)
				}
				defer a.Close()
			}
			ctx := context.Background()
			if err := a.Program(ctx, l.Region, crossbar.DefaultForming(p)); err != nil {
				b.Fatal(err)
			}
			counts := make([]uint16, l.N)
			spikes, k := 0, 0
			for b.Loop() {
				if err := a.RunReservoir(ctx, run, samples[k%len(samples)], counts); err != nil {
					b.Fatal(err)
				}
				for _, c := range counts {
					spikes += int(c)
				}
				k++
			}
			b.ReportMetric(float64(k)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(float64(spikes)/float64(k*l.N*run.Steps), "rate")
		})
	}
}
