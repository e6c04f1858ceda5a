package lsm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/lsm"
)

// FuzzEncode feeds arbitrary active lists (any indices, any order, any
// number of steps, optional values) to both encoder paths. It must never
// panic; a malformed sample must give an "lsm: " error from both paths; a
// well-formed one must give the dense reference's spikes exactly on both
// paths (the gain 0.5 is a power of two, so the generic path's
// float32(g·Σw) equals the fast path's Σ float32(g·w)).
//
// Bytes decode as: 0xFF ends a step; 0xFE toggles values on (each index
// byte is then followed by its value byte); any other byte b is the index
// int8(b) (so negative and out-of-range indices occur).
func FuzzEncode(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0xFF, 3, 0xFF, 0xFF, 15})
	f.Add([]byte{0xFE, 0, 3, 5, 1, 0xFF, 7, 2})
	f.Add([]byte{2, 1})
	f.Add([]byte{16})
	f.Add([]byte{0x80})
	f.Add([]byte{})
	const in, n = 16, 12
	cfg := lsm.Config{Inputs: in, Neurons: n, Steps: 8, Decay: 0.75, Threshold: 1, Gain: 0.5, Windows: 8}
	d := lsm.Gaussian(in, n, 0.2, 1, false, 1)
	fast, err := lsm.New(cfg, d, nil)
	if err != nil {
		f.Fatal(err)
	}
	gen, err := lsm.New(cfg, &opaque{d: d}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := valued{Raster: lsm.Raster{nil}, vals: [][]float32{nil}}
		hasVals := false
		for k := 0; k < len(data); k++ {
			last := len(v.Raster) - 1
			switch b := data[k]; b {
			case 0xFF:
				v.Raster = append(v.Raster, nil)
				v.vals = append(v.vals, nil)
			case 0xFE:
				hasVals = !hasVals
			default:
				v.Raster[last] = append(v.Raster[last], int32(int8(b)))
				val := float32(1)
				if hasVals && k+1 < len(data) {
					k++
					val = float32(data[k]) / 16
				}
				v.vals[last] = append(v.vals[last], val)
			}
		}
		var input lsm.Input = v.Raster
		if hasVals {
			input = v
		}
		ctx := context.Background()
		f1 := make([]float32, fast.Features())
		f2 := make([]float32, gen.Features())
		_, err1 := fast.EncodeSample(ctx, input, f1)
		_, err2 := gen.EncodeSample(ctx, input, f2)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("paths disagree: fast %v, generic %v", err1, err2)
		}
		if err1 != nil {
			if !strings.HasPrefix(err1.Error(), "lsm: ") || err1.Error() != err2.Error() {
				t.Fatalf("errors %q and %q", err1, err2)
			}
			return
		}
		want := reference(cfg, d, input)
		for s := range cfg.Steps {
			for j := range n {
				w := float32(0)
				if want[s][j] {
					w = 1
				}
				if f1[s*n+j] != w || f2[s*n+j] != w {
					t.Fatalf("step %d neuron %d: fast path %v, generic path %v, reference %v", s, j, f1[s*n+j], f2[s*n+j], w)
				}
			}
		}
	})
}
