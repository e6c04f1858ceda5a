package lsm

// The reservoir's inner loops. Both the fused dense kernel and the generic
// path compute, for every neuron j, in float32 and in this order:
//
//	a    = Σ_{r∈rows} w[r][j]            (rows in the order listed, starting from 0;
//	                                      valued rows add float32(val·w))
//	x    = float32(decay·u[j]) + (a + bias)
//	s    = x > threshold
//	u[j] = 0 if s else x
//
// where u is the membrane potential after the hard reset, v·(1−s): storing
// it makes the paper's decay·v[t−1]·(1−s[t−1]) a single multiplication. Every
// product is converted to float32 explicitly, which forbids the compiler from
// fusing it into an FMA (the Go spec's rule), so all kernels, the dense
// reference in the tests and every architecture give bit-identical results.

// lifParams are the LIF constants in the kernels' precision. kernel_amd64.s
// reads decay, bias and th at byte offsets 0, 4 and 8: keep the order.
type lifParams struct {
	decay, bias, th float32
}

// stepDense is the fused event-driven step of the read-once mode. w holds
// the gain-scaled weight rows; offs lists the offsets in w of the rows to sum
// this step (active inputs, then the neurons that spiked at the previous
// step, each in increasing order); vals, when non-nil, holds the values of
// the first len(vals) rows. It updates u, writes the indices of the neurons
// that spike to spk (in increasing order), increments their counts and
// returns how many spiked.
//
// It is a variable so that an architecture can install a vector kernel
// (kernel_amd64.go); every kernel gives bit-identical results.
var stepDense = stepDenseGo

// kernel names the fused kernel in use (see Kernel).
var kernel = "go"

// Kernel names the fused read-once kernel in use: "avx2" (amd64 assembly,
// on CPUs with AVX2) or "go" (portable; elsewhere, or when built with
// -tags purego). All kernels give bit-identical results.
func Kernel() string { return kernel }

// stepDenseGo is the portable kernel. It works on blocks of eight neurons
// whose partial sums stay in registers while the block walks down all the
// listed rows, so each weight is loaded once and each sum stored once, and
// the LIF update runs on the block right away (no current vector is written).
func stepDenseGo(w []float32, offs []int32, vals []float32, u []float32, p lifParams, spk, counts []int32) int {
	return stepDenseRange(w, offs, vals, u, p, spk, counts, 0, 0)
}

// stepDenseRange runs the portable kernel on neurons [j0, len(u)), appending
// spikes to spk after the first ns entries; it returns the new spike count.
func stepDenseRange(w []float32, offs []int32, vals []float32, u []float32, p lifParams, spk, counts []int32, j0, ns int) int {
	n := len(u)
	counts = counts[:n]
	valOffs, binOffs := offs[:len(vals)], offs[len(vals):]
	j := j0
	for ; j+8 <= n; j += 8 {
		var a0, a1, a2, a3, a4, a5, a6, a7 float32
		for k, o := range valOffs {
			x := vals[k]
			r := (*[8]float32)(w[int(o)+j:])
			a0 += float32(x * r[0])
			a1 += float32(x * r[1])
			a2 += float32(x * r[2])
			a3 += float32(x * r[3])
			a4 += float32(x * r[4])
			a5 += float32(x * r[5])
			a6 += float32(x * r[6])
			a7 += float32(x * r[7])
		}
		for _, o := range binOffs {
			r := (*[8]float32)(w[int(o)+j:])
			a0 += r[0]
			a1 += r[1]
			a2 += r[2]
			a3 += r[3]
			a4 += r[4]
			a5 += r[5]
			a6 += r[6]
			a7 += r[7]
		}
		acc := [8]float32{a0, a1, a2, a3, a4, a5, a6, a7}
		ub := (*[8]float32)(u[j:])
		for l := range 8 {
			x := float32(p.decay*ub[l]) + (acc[l] + p.bias)
			if x > p.th {
				spk[ns] = int32(j + l)
				ns++
				counts[j+l]++
				x = 0
			}
			ub[l] = x
		}
	}
	for ; j < n; j++ {
		var a float32
		for k, o := range valOffs {
			a += float32(vals[k] * w[int(o)+j])
		}
		for _, o := range binOffs {
			a += w[int(o)+j]
		}
		x := float32(p.decay*u[j]) + (a + p.bias)
		if x > p.th {
			spk[ns] = int32(j)
			ns++
			counts[j]++
			x = 0
		}
		u[j] = x
	}
	return ns
}

// lif is the LIF update of the generic path on precomputed currents cur
// (gain applied). It has the same arithmetic as stepDense.
func lif(cur, u []float32, p lifParams, spk, counts []int32) int {
	cur = cur[:len(u)]
	counts = counts[:len(u)]
	ns := 0
	for j := range u {
		x := float32(p.decay*u[j]) + (cur[j] + p.bias)
		if x > p.th {
			spk[ns] = int32(j)
			ns++
			counts[j]++
			x = 0
		}
		u[j] = x
	}
	return ns
}
