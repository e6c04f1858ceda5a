package events

import (
	"fmt"
	"image"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/memlsm/memlsm/units"
)

// refGridBin is GridBinner.Bin as it was before BinMapped (sort and merge
// each step's events): the reference the bitset binning must reproduce.
func refGridBin(g GridBinner, s *Sample, dst *Frames) error {
	g = g.resolved()
	width, start := usTicks(g.BinWidth), usTicks(g.Start)
	switch {
	case g.Crop.Min.X < 0 || g.Crop.Min.Y < 0 || g.Crop.Max.X > g.Width || g.Crop.Max.Y > g.Height:
		return fmt.Errorf("events: grid binner: crop %v outside the %d×%d sensor", g.Crop, g.Width, g.Height)
	case g.Bins < 0 || width < 1 || start < 0:
		return fmt.Errorf("events: grid binner: %d bins of %v from %v (want bins ≥ 0, width ≥ 1 µs, start ≥ 0)", g.Bins, g.BinWidth, g.Start)
	case g.Polarity < PolarityOFF || g.Polarity > PolarityAny:
		return fmt.Errorf("events: grid binner: unknown polarity %d", g.Polarity)
	case len(s.Events1D) > 0:
		return fmt.Errorf("events: grid binner: sample %q holds 1-D events; use a ChunkBinner", s.ID)
	}
	cw, n := int32(g.Crop.Dx()), int32(g.Crop.Dx()*g.Crop.Dy())
	x0, y0, x1, y1 := g.Crop.Min.X, g.Crop.Min.Y, g.Crop.Max.X, g.Crop.Max.Y
	dst.reset(g.Inputs(), g.Bins, len(s.Events2D), g.Counts)
	step := int64(0)
	for _, e := range s.Events2D {
		x, y := int(e.X), int(e.Y)
		if x < x0 || x >= x1 || y < y0 || y >= y1 || int64(e.T) < start {
			continue
		}
		on := e.P != 0
		var ch int32
		switch g.Polarity {
		case PolarityOFF:
			if on {
				continue
			}
		case PolarityON:
			if !on {
				continue
			}
		case PolarityBoth:
			if on {
				ch = 1
			}
		}
		k := (int64(e.T) - start) / width
		if k >= int64(g.Bins) {
			break // time-ordered: every later event is past the last step too
		}
		if k < step {
			return fmt.Errorf("events: grid binner: sample %q is not time-ordered", s.ID)
		}
		for ; step < k; step++ {
			dst.closeStep()
		}
		dst.Index = append(dst.Index, ch*n+int32(y-y0)*cw+int32(x-x0))
	}
	if len(dst.Offsets) <= g.Bins {
		dst.closeStep()
	}
	dst.padTo(g.Bins)
	return nil
}

// TestGridBinMatchesReference checks that the bitset binning gives exactly
// the frames of the sort-and-merge binning it replaced, over crops,
// polarities, counts, starts, bin counts and widths, on random time-ordered
// samples (including events outside the sensor).
func TestGridBinMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	binners := []GridBinner{
		{}, {Counts: true}, {Polarity: PolarityBoth}, {Polarity: PolarityON, Counts: true}, {Polarity: PolarityAny},
		{Crop: image.Rect(0, 0, 34, 34), Polarity: PolarityBoth, Counts: true},
		{Crop: image.Rect(1, 1, 34, 34), Polarity: PolarityBoth, Bins: 7, BinWidth: units.Seconds(40e-3)},
		{Width: 20, Height: 10, Crop: image.Rect(3, 2, 17, 9), Start: units.Seconds(5e-3), Counts: true},
		{Bins: 1, BinWidth: units.Seconds(1e-6)}, {Bins: 0},
	}
	var got, want Frames
	for trial := range 60 {
		n := r.IntN(5000)
		s := &Sample{ID: "r", Events2D: make([]Event2D, n)}
		tt := 0
		for i := range s.Events2D {
			tt += r.IntN(150)
			s.Events2D[i] = Event2D{T: uint32(tt), X: uint16(r.IntN(36)), Y: uint16(r.IntN(36)), P: uint8(r.IntN(3))}
		}
		for _, b := range binners {
			errG, errW := b.Bin(s, &got), refGridBin(b, s, &want)
			if (errG != nil) != (errW != nil) {
				t.Fatalf("trial %d %+v: error %v, reference %v", trial, b, errG, errW)
			}
			if errG != nil {
				continue
			}
			if got.Inputs != want.Inputs || !reflect.DeepEqual(got.Offsets, want.Offsets) || !reflect.DeepEqual(got.Index, want.Index) ||
				(got.Value == nil) != (want.Value == nil) || len(got.Value) > 0 && !reflect.DeepEqual(got.Value, want.Value) {
				t.Fatalf("trial %d %+v: frames differ from the reference", trial, b)
			}
		}
	}
	// Unordered events are refused like before.
	s := &Sample{ID: "u", Events2D: []Event2D{{T: 20000, X: 17, Y: 17}, {T: 10, X: 17, Y: 17}}}
	if (GridBinner{}).Bin(s, &got) == nil || refGridBin(GridBinner{}, s, &want) == nil {
		t.Error("unordered events binned")
	}
}
