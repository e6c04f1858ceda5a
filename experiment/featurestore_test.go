package experiment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFeatureStoreExact checks that the store gives back every feature bit
// for bit, coded (few distinct values, ±0, NaN) and after spilling to
// float32 (more than 256 values, mid-chunk), and that its rows are the
// head's conversion of those features.
func TestFeatureStoreExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, f = 300, 40
	for _, distinct := range []int{12, 256, 257, 5000} {
		want := make([]float32, n*f)
		for i := range want {
			k := r.IntN(distinct)
			want[i] = float32(k) / 7
			switch k {
			case 0:
				want[i] = float32(math.Copysign(0, -1))
			case 1:
				want[i] = float32(math.NaN())
			case 2:
				want[i] = -0.5
			}
		}
		s := newFeatureStore(n, f)
		for lo := 0; lo < n; lo += 64 {
			hi := min(lo+64, n)
			s.put(lo, want[lo*f:hi*f])
		}
		if coded := s.flat == nil; coded != (distinct <= 256) {
			t.Errorf("%d distinct values: coded %v", distinct, coded)
		}
		buf := make([]float32, f)
		row := make([]float64, f)
		all := make([]int, n)
		for i := range all {
			all[i] = n - 1 - i
		}
		shift, scale := make([]float64, f), make([]float64, f)
		for j := range f {
			shift[j], scale[j] = r.NormFloat64(), 1+r.Float64()
		}
		scaled := make([]float64, f)
		for _, sqrt := range []bool{false, true} {
			rows := s.rows(all, sqrt)
			for k, i := range all {
				got := s.row(buf, i)
				rows.Row(row, k)
				rows.ScaledRow(scaled, k, shift, scale)
				for j := range f {
					if w := (row[j] - shift[j]) * scale[j]; math.Float64bits(scaled[j]) != math.Float64bits(w) {
						t.Fatalf("%d distinct, sqrt %v: scaled value (%d, %d) = %v, want %v", distinct, sqrt, i, j, scaled[j], w)
					}
				}
				for j := range f {
					w := want[i*f+j]
					if math.Float32bits(got[j]) != math.Float32bits(w) {
						t.Fatalf("%d distinct: feature (%d, %d) = %v, want %v", distinct, i, j, got[j], w)
					}
					if c := convertFeature(w, sqrt); math.Float64bits(row[j]) != math.Float64bits(c) {
						t.Fatalf("%d distinct, sqrt %v: row value (%d, %d) = %v, want %v", distinct, sqrt, i, j, row[j], c)
					}
				}
			}
		}
		for i, v := range s.floats() {
			if math.Float32bits(v) != math.Float32bits(want[i]) {
				t.Fatalf("%d distinct: floats()[%d] = %v, want %v", distinct, i, v, want[i])
			}
		}
	}
}
