package events

import (
	"fmt"
	"math"

	"github.com/memlsm/memlsm/units"
)

// Defaults of SpanBinner.
const (
	// DefaultSpanSteps is the number of steps of a SpanBinner: the paper's
	// 129 N-TIDIGITS steps (Lin et al. 2025; docs/method.md, "Input binning"), so the reservoir's leak per
	// step (decay 0.97) spans the same fraction of an utterance.
	DefaultSpanSteps = 129
	// DefaultSpanTrim is the fraction of a sample's events left out at
	// each end when its span is found: 0.5 %, so that a few spontaneous
	// events before or after the utterance (a cochlea's background rate,
	// about 10 events/s over 64 channels) do not stretch it.
	DefaultSpanTrim = 0.005
	// DefaultSpanUnit is the time unit of SpanBinner's rates: 1 ms, the
	// raster of the paper's N-TIDIGITS binning, so a channel firing once per
	// millisecond throughout a step has value 1 there, as one active raster
	// column would.
	DefaultSpanUnit = units.Seconds(1e-3)
)

// SpanBinner bins 1-D channel events over the sample's own time span,
// normalising both time and rate to the utterance: the span from its first
// to its last event (after leaving out a fraction Trim of the events at
// either end) is cut into exactly Bins equal steps, and each step's value
// for a channel is that channel's event rate over the step, in events per
// Unit. A slower or faster rendering of the same utterance therefore fills
// the same steps with the same values, up to how the utterance itself
// changes — the time base is the utterance's own. (ChunkBinner instead
// cuts a fixed 1 ms raster into ⌈D/129⌉-column chunks with torch.chunk
// semantics: utterances of 259 ms and 258 ms fill 87 and 129 steps, and
// a chunk's count grows with its width.)
//
// Events outside the span are dropped. A sample without events gives
// empty frames. Without Counts the frames are binary (a channel is active
// in a step if it fired there).
type SpanBinner struct {
	// Channels is the number of inputs; 0 means 64 (CochleaAMS1b).
	Channels int `json:"channels"`
	// Bins is the number of steps; 0 means DefaultSpanSteps.
	Bins int `json:"bins"`
	// Trim is the fraction of events left out at each end to find the
	// span; 0 means DefaultSpanTrim, a negative value none.
	Trim float64 `json:"trim"`
	// Unit is the time unit of the rates; 0 means DefaultSpanUnit.
	Unit units.Seconds `json:"unit_s"`
	// Counts gives every active input its rate as Value; false gives
	// binary frames.
	Counts bool `json:"counts"`
}

var _ Binner = SpanBinner{}

func (b SpanBinner) resolved() SpanBinner {
	if b.Channels == 0 {
		b.Channels = CochleaAMS1bSensor.Channels
	}
	if b.Bins == 0 {
		b.Bins = DefaultSpanSteps
	}
	if b.Trim == 0 {
		b.Trim = DefaultSpanTrim
	}
	if b.Trim < 0 {
		b.Trim = 0
	}
	if b.Unit == 0 {
		b.Unit = DefaultSpanUnit
	}
	return b
}

// Inputs returns the number of channels.
func (b SpanBinner) Inputs() int { return b.resolved().Channels }

// Steps returns the number of steps.
func (b SpanBinner) Steps() int { return b.resolved().Bins }

// Span returns the time span [lo, hi] (µs) that Bin divides into steps for
// the time-ordered events ev, and false when ev is empty.
func (b SpanBinner) Span(ev []Event1D) (lo, hi int64, ok bool) {
	if len(ev) == 0 {
		return 0, 0, false
	}
	b = b.resolved()
	k := int(b.Trim * float64(len(ev)))
	k = min(k, (len(ev)-1)/2)
	lo, hi = int64(ev[k].T), int64(ev[len(ev)-1-k].T)
	return lo, hi, true
}

// Bin bins the 1-D events of s into dst.
func (b SpanBinner) Bin(s *Sample, dst *Frames) error {
	b = b.resolved()
	switch {
	case b.Channels < 1 || b.Channels > math.MaxInt32 || b.Bins < 1 || b.Bins > 1<<20:
		return fmt.Errorf("events: span binner: %d channels, %d bins (want ≥ 1 each, bins ≤ 2^20)", b.Channels, b.Bins)
	case !(b.Trim < 0.5) || !(b.Unit > 0) || math.IsInf(float64(b.Unit), 0):
		return fmt.Errorf("events: span binner: trim %v (want < 0.5), unit %v (want > 0)", b.Trim, b.Unit)
	case len(s.Events2D) > 0:
		return fmt.Errorf("events: span binner: sample %q holds 2-D events; use a GridBinner", s.ID)
	}
	dst.reset(b.Channels, b.Bins, len(s.Events1D), b.Counts)
	ev := s.Events1D
	lo, hi, ok := b.Span(ev)
	if !ok {
		dst.padTo(b.Bins)
		return nil
	}
	if hi < lo {
		return fmt.Errorf("events: span binner: sample %q is not time-ordered", s.ID)
	}
	// The span covers [lo, hi] inclusive: hi−lo+1 µs.
	width := hi - lo + 1
	bins := int64(b.Bins)
	step := int64(0)
	prevT := int64(-1)
	for _, e := range ev {
		t := int64(e.T)
		if int(e.Ch) >= b.Channels {
			return fmt.Errorf("events: span binner: sample %q: channel %d outside %d channels", s.ID, e.Ch, b.Channels)
		}
		if t < prevT {
			return fmt.Errorf("events: span binner: sample %q is not time-ordered", s.ID)
		}
		prevT = t
		if t < lo {
			continue
		}
		if t > hi {
			break
		}
		k := (t - lo) * bins / width
		for ; step < k; step++ {
			dst.closeStep()
		}
		dst.Index = append(dst.Index, int32(e.Ch))
	}
	dst.closeStep()
	dst.padTo(b.Bins)
	if dst.Value != nil {
		// Counts → events per Unit: a step lasts width/Bins µs.
		scale := float32(float64(b.Unit) * 1e6 * float64(bins) / float64(width))
		for i := range dst.Value {
			dst.Value[i] *= scale
		}
	}
	return nil
}
