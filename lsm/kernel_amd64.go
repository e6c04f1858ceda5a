//go:build amd64 && !purego

package lsm

import "math/bits"

// On amd64 the default build runs the fused step in assembly
// (kernel_amd64.s) when the CPU and the OS support AVX2: blocks of 64
// neurons keep their sums in eight 256-bit registers while walking the
// listed rows, and the LIF update, the threshold and the reset run eight
// neurons per instruction, handing back a bit mask of the spikes. The
// arithmetic is the portable kernel's, lane by lane, so the results are
// bit-identical. Build with -tags purego to use the portable kernel.
func init() {
	if hasAVX2() {
		stepDense = stepDenseAVX2
		kernel = "avx2"
	}
}

// step64 runs one step on the 64 neurons whose weights start at w (the
// block's first column; offs are added to it): sums of the listed rows, LIF
// update of u, and the spike mask (bit l = neuron l spiked).
//
//go:noescape
func step64(w *float32, offs []int32, vals []float32, u *[64]float32, p *lifParams) uint64

// step8 is step64 for a block of 8 neurons.
//
//go:noescape
func step8(w *float32, offs []int32, vals []float32, u *[8]float32, p *lifParams) uint64

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
func xgetbv0() (eax uint32)

// hasAVX2 reports whether the CPU has AVX2 and the OS saves the YMM
// registers (Intel SDM vol. 1 §14.3: CPUID.1:ECX.OSXSAVE[27] and AVX[28],
// XCR0 bits 1–2, CPUID.(7,0):EBX.AVX2[5]).
func hasAVX2() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	if ecx1&(1<<27) == 0 || ecx1&(1<<28) == 0 || xgetbv0()&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

func stepDenseAVX2(w []float32, offs []int32, vals []float32, u []float32, p lifParams, spk, counts []int32) int {
	n := len(u)
	counts = counts[:n]
	// The assembly does no bounds checks: every listed row must lie in w.
	for _, o := range offs {
		if o < 0 || int(o) > len(w)-n {
			panic("lsm: weight row offset out of range")
		}
	}
	if len(vals) > len(offs) {
		panic("lsm: more values than rows")
	}
	ns := 0
	j := 0
	for ; j+64 <= n; j += 64 {
		m := step64(&w[j], offs, vals, (*[64]float32)(u[j:]), &p)
		for ; m != 0; m &= m - 1 {
			l := j + bits.TrailingZeros64(m)
			spk[ns] = int32(l)
			counts[l]++
			ns++
		}
	}
	for ; j+8 <= n; j += 8 {
		m := step8(&w[j], offs, vals, (*[8]float32)(u[j:]), &p)
		for ; m != 0; m &= m - 1 {
			l := j + bits.TrailingZeros64(m)
			spk[ns] = int32(l)
			counts[l]++
			ns++
		}
	}
	return stepDenseRange(w, offs, vals, u, p, spk, counts, j, ns)
}
