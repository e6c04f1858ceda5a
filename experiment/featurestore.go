package experiment

import (
	"math"
	"sync"

	"github.com/memlsm/memlsm/projection"
)

// featureStore holds the LSM features of n samples, f per sample, in a
// compact but exact form. LSM features are spike rates, a spike count over
// a window's steps, so a whole data set takes a few dozen distinct float32
// values: while there are at most 256 the store keeps one byte per feature,
// an index into the table of those values (a quarter of the float32
// memory: 60 MB instead of 240 MB for 60,000 samples of 1000 features);
// past 256 it falls back to float32. Values are matched by their bits, so
// every feature comes back exactly as the encoder wrote it.
type featureStore struct {
	n, f  int
	codes []uint8          // n×f, while len(table) ≤ 256
	table []float32        // value of each code
	index map[uint32]uint8 // float32 bits → code
	flat  []float32        // n×f, after the fallback
}

func newFeatureStore(n, f int) *featureStore {
	return &featureStore{n: n, f: f, codes: make([]uint8, n*f), index: map[uint32]uint8{}}
}

// put stores the features of samples lo, lo+1, … (f each, row-major).
func (s *featureStore) put(lo int, feats []float32) {
	off := lo * s.f
	if s.flat != nil {
		copy(s.flat[off:], feats)
		return
	}
	for j, v := range feats {
		b := math.Float32bits(v)
		c, ok := s.index[b]
		if !ok {
			if len(s.table) == 256 {
				s.spill()
				copy(s.flat[off+j:], feats[j:])
				return
			}
			c = uint8(len(s.table))
			s.table = append(s.table, v)
			s.index[b] = c
		}
		s.codes[off+j] = c
	}
}

// spill turns the store into float32 storage.
func (s *featureStore) spill() {
	s.flat = make([]float32, s.n*s.f)
	for i, c := range s.codes {
		s.flat[i] = s.table[c]
	}
	s.codes, s.table, s.index = nil, nil, nil
}

// row returns the features of sample i (into dst, which it may return
// when the store is float32).
func (s *featureStore) row(dst []float32, i int) []float32 {
	if s.flat != nil {
		return s.flat[i*s.f : (i+1)*s.f]
	}
	dst = dst[:s.f]
	for j, c := range s.codes[i*s.f : (i+1)*s.f] {
		dst[j] = s.table[c]
	}
	return dst
}

// floats returns every feature as float32, n×f row-major.
func (s *featureStore) floats() []float32 {
	if s.flat != nil {
		return s.flat
	}
	out := make([]float32, len(s.codes))
	for i, c := range s.codes {
		out[i] = s.table[c]
	}
	return out
}

// rows returns the features of samples idx as projection rows: each value
// v as float64(v), or √max(v, 0) with sqrt, as features.matrix computes
// them. With codes it looks the converted value of each code up instead of
// converting every feature at every read.
func (s *featureStore) rows(idx []int, sqrt bool) *featureRows {
	r := &featureRows{store: s, d: s.f, idx: idx, sqrt: sqrt}
	if s.flat == nil {
		r.conv = make([]float64, len(s.table))
		for c, v := range s.table {
			r.conv[c] = convertFeature(v, sqrt)
		}
	}
	return r
}

// convertFeature is one feature as the head sees it: float64(v), or its
// square root (of 0 for a negative v) with sqrt.
func convertFeature(v float32, sqrt bool) float64 {
	x := float64(v)
	if sqrt {
		x = math.Sqrt(max(x, 0))
	}
	return x
}

// featureRows are the rows idx of a featureStore as projection.Rows.
type featureRows struct {
	store *featureStore
	d     int
	idx   []int
	sqrt  bool
	conv  []float64 // the converted value of every code (coded stores)

	// The standardised value of every (feature, code) for one shift and
	// scale, built on the first ScaledRow with them.
	mu            sync.Mutex
	scaled        []float64 // d × len(conv), feature-major
	scaledFor     *float64  // &shift[0] of the table
	scaledForScal *float64  // &scale[0]
}

var _ projection.ScaledRows = (*featureRows)(nil)

func (r *featureRows) Dims() (int, int) { return len(r.idx), r.d }

// ScaledRow writes row i standardised: from a table of (conv[c] −
// shift[j])·scale[j] for every feature j and code c, the arithmetic a head
// does on Row's values, done once per table entry instead of once per
// feature read.
func (r *featureRows) ScaledRow(dst []float64, i int, shift, scale []float64) {
	s, k := r.store, r.idx[i]
	dst = dst[:r.d]
	if s.flat != nil || r.d == 0 {
		r.Row(dst, i)
		for j, v := range dst {
			dst[j] = (v - shift[j]) * scale[j]
		}
		return
	}
	tab := r.table(shift, scale)
	nc := len(r.conv)
	for j, c := range s.codes[k*r.d : (k+1)*r.d] {
		dst[j] = tab[j*nc+int(c)]
	}
}

// table returns the standardised table for shift and scale, building it
// once.
func (r *featureRows) table(shift, scale []float64) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.scaledFor != &shift[0] || r.scaledForScal != &scale[0] {
		nc := len(r.conv)
		r.scaled = make([]float64, r.d*nc)
		for j := range r.d {
			for c, v := range r.conv {
				r.scaled[j*nc+c] = (v - shift[j]) * scale[j]
			}
		}
		r.scaledFor, r.scaledForScal = &shift[0], &scale[0]
	}
	return r.scaled
}

func (r *featureRows) Row(dst []float64, i int) {
	s, k := r.store, r.idx[i]
	dst = dst[:r.d]
	if s.flat == nil {
		for j, c := range s.codes[k*r.d : (k+1)*r.d] {
			dst[j] = r.conv[c]
		}
		return
	}
	for j, v := range s.flat[k*r.d : (k+1)*r.d] {
		dst[j] = convertFeature(v, r.sqrt)
	}
}

// flatStore wraps float32 features, f per sample (row-major), as a store.
func flatStore(feats []float32, f int) *featureStore {
	n := 0
	if f > 0 {
		n = len(feats) / f
	}
	return &featureStore{n: n, f: f, flat: feats}
}
