package experiment

import (
	"fmt"
	"image"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/memlsm/memlsm/events"
)

// refPoolBin is PoolBinner.Bin as it was before the pooled pixel map:
// the grid's frames, then every step's inputs pooled, sorted and merged.
func refPoolBin(p PoolBinner, s *events.Sample, dst *events.Frames) error {
	if p.Factor < 1 {
		return fmt.Errorf("experiment: pool factor %d must be at least 1", p.Factor)
	}
	// The grid binning is checked against its own reference in package events.
	if err := p.Grid.Bin(s, dst); err != nil {
		return err
	}
	if p.Factor == 1 {
		return nil
	}
	cw, n, pw, pn := p.shape()
	k := int32(p.Factor)
	idx, val := dst.Index, dst.Value
	w := int32(0)
	start := int32(0)
	for t := 0; t+1 < len(dst.Offsets); t++ {
		lo, hi := start, dst.Offsets[t+1]
		start = hi
		seg := idx[lo:hi]
		for i, v := range seg {
			ch, r := v/int32(n), v%int32(n)
			y, x := r/int32(cw), r%int32(cw)
			seg[i] = ch*int32(pn) + (y/k)*int32(pw) + x/k
		}
		var vs []float32
		if val != nil {
			vs = val[lo:hi]
		}
		sortPairs(seg, vs)
		out := w
		for i, v := range seg {
			if out > w && idx[out-1] == v {
				if vs != nil {
					val[out-1] += vs[i]
				}
				continue
			}
			idx[out] = v
			if vs != nil {
				val[out] = vs[i]
			}
			out++
		}
		w = out
		dst.Offsets[t+1] = w
	}
	dst.Index = idx[:w]
	if val != nil {
		dst.Value = val[:w]
	}
	dst.Inputs = p.Inputs()
	return nil
}

// sortPairs sorts idx ascending, moving vals (if non-nil) along. Steps hold
// tens to hundreds of entries, so an insertion sort is enough.
func sortPairs(idx []int32, vals []float32) {
	for i := 1; i < len(idx); i++ {
		v := idx[i]
		var f float32
		if vals != nil {
			f = vals[i]
		}
		j := i
		for ; j > 0 && idx[j-1] > v; j-- {
			idx[j] = idx[j-1]
			if vals != nil {
				vals[j] = vals[j-1]
			}
		}
		idx[j] = v
		if vals != nil {
			vals[j] = f
		}
	}
}

// TestPoolBinMatchesReference checks that binning through the pooled pixel
// map gives exactly the frames of pooling the grid's frames, as before.
func TestPoolBinMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var binners []PoolBinner
	for _, k := range []int{1, 2, 3, 5} {
		for _, g := range []events.GridBinner{
			*DefaultBinning(events.NMNISTSensor).Grid,
			{Polarity: events.PolarityBoth, Counts: true},
			{Crop: image.Rect(0, 0, 34, 34), Polarity: events.PolarityAny},
			{Crop: image.Rect(2, 3, 31, 33), Polarity: events.PolarityON, Counts: true, Bins: 9},
		} {
			binners = append(binners, PoolBinner{Grid: g, Factor: k})
		}
	}
	var got, want events.Frames
	for trial := range 40 {
		s := &events.Sample{ID: fmt.Sprint(trial), Events2D: make([]events.Event2D, r.IntN(6000))}
		tt := 0
		for i := range s.Events2D {
			tt += r.IntN(120)
			s.Events2D[i] = events.Event2D{T: uint32(tt), X: uint16(r.IntN(34)), Y: uint16(r.IntN(34)), P: uint8(r.IntN(2))}
		}
		for _, b := range binners {
			if err := b.Bin(s, &got); err != nil {
				t.Fatal(err)
			}
			if err := refPoolBin(b, s, &want); err != nil {
				t.Fatal(err)
			}
			if got.Inputs != want.Inputs || got.Inputs != b.Inputs() || !reflect.DeepEqual(got.Offsets, want.Offsets) || !reflect.DeepEqual(got.Index, want.Index) ||
				(got.Value == nil) != (want.Value == nil) || len(got.Value) > 0 && !reflect.DeepEqual(got.Value, want.Value) {
				t.Fatalf("trial %d %+v: frames differ from the reference", trial, b)
			}
		}
	}
}
