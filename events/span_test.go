package events

import (
	"slices"
	"testing"
)

// regularUtterance returns the events of an utterance lasting dur µs from
// start: channel c fires every (1+c%4) ms while the utterance is between
// c/64·0.6 and c/64·0.6+0.4 of its own duration — a spectrum that moves
// through the word, with firing rates that depend on the sound, not on how
// fast it is spoken (as a cochlea's do).
func regularUtterance(start, dur uint32) []Event1D {
	var ev []Event1D
	for c := range 64 {
		a := start + uint32(float64(dur)*float64(c)/64*0.6)
		b := a + uint32(float64(dur)*0.4)
		for t := a; t < b; t += uint32(1000 * (1 + c%4)) {
			ev = append(ev, Event1D{T: t, Ch: uint16(c)})
		}
	}
	slices.SortStableFunc(ev, func(x, y Event1D) int { return int(x.T) - int(y.T) })
	return ev
}

// TestSpanBinnerTempoInvariance: the same utterance spoken slower or
// faster, and starting later, fills the same steps with the same rates —
// the time base is the utterance's own. Counting whole events per step
// leaves an error of about one event per step and channel (of 8–40 here).
func TestSpanBinnerTempoInvariance(t *testing.T) {
	b := SpanBinner{Bins: 10, Counts: true, Trim: -1}
	var ref Frames
	if err := b.Bin(&Sample{ID: "a", Events1D: regularUtterance(0, 400_000)}, &ref); err != nil {
		t.Fatal(err)
	}
	rd := ref.Dense()
	for _, f := range []float64{0.85, 1.15, 0.5} {
		var got Frames
		if err := b.Bin(&Sample{ID: "b", Events1D: regularUtterance(250_000, uint32(400_000/f))}, &got); err != nil {
			t.Fatal(err)
		}
		gd := got.Dense()
		worst := float32(0)
		for s := range rd {
			for c := range rd[s] {
				if d := abs32(gd[s][c] - rd[s][c]); d > worst {
					worst = d
				}
			}
		}
		// One event in a 40 ms step is 0.025 per ms (Unit); a channel
		// that fires every 1 ms has rate 1.
		if worst > 0.15 {
			t.Errorf("tempo %g: rates differ by up to %.3f per ms", f, worst)
		}
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// TestSpanBinnerRates checks the rate scale (closed form: n events in a
// step of w µs are n·Unit/w per Unit), the trim that ignores stray events,
// binary frames and the errors.
func TestSpanBinnerRates(t *testing.T) {
	// One event every 1 ms on channel 3 from 0 to 99 ms: span 99 ms + 1 µs,
	// 10 steps of 9.9 ms, ~10 events each → ~1.01 events per ms.
	var ev []Event1D
	for k := range 100 {
		ev = append(ev, Event1D{T: uint32(k * 1000), Ch: 3})
	}
	b := SpanBinner{Bins: 10, Counts: true, Trim: -1}
	var f Frames
	if err := b.Bin(&Sample{ID: "r", Events1D: ev}, &f); err != nil {
		t.Fatal(err)
	}
	total := float32(0)
	for s := range f.Steps() {
		if a := f.Active(s); len(a) != 1 || a[0] != 3 {
			t.Fatalf("step %d active %v", s, a)
		}
		total += f.Values(s)[0]
	}
	// Σ rate·step = events: Σ values × 9.9 ms = 100.
	if got := total * 99.001 / 10; abs32(got-100) > 0.01 {
		t.Errorf("Σ values × step = %.3f events, want 100", got)
	}
	// A stray event 2 s later is trimmed (Trim 1 % of 101 events = 1).
	stray := append(slices.Clone(ev), Event1D{T: 2_000_000, Ch: 5})
	lo, hi, _ := SpanBinner{Trim: 0.01}.Span(stray)
	if lo != 1000 || hi != 99_000 {
		t.Errorf("span with a stray event [%d, %d], want [1000, 99000]", lo, hi)
	}
	// Binary frames, empty samples, and errors.
	if err := (SpanBinner{Bins: 10}).Bin(&Sample{Events1D: ev}, &f); err != nil || f.Value != nil || f.Steps() != 10 {
		t.Errorf("binary: err %v, values %v, steps %d", err, f.Value != nil, f.Steps())
	}
	if err := (SpanBinner{Bins: 7}).Bin(&Sample{}, &f); err != nil || f.Steps() != 7 || f.NNZ() != 0 {
		t.Errorf("empty sample: err %v, %d steps, %d entries", err, f.Steps(), f.NNZ())
	}
	for _, tc := range []struct {
		b SpanBinner
		s Sample
	}{
		{SpanBinner{Channels: 2}, Sample{Events1D: ev}},
		{SpanBinner{}, Sample{Events1D: []Event1D{{T: 5}, {T: 1}}}},
		{SpanBinner{}, Sample{Events2D: []Event2D{{}}}},
		{SpanBinner{Trim: 0.6}, Sample{Events1D: ev}},
		{SpanBinner{Bins: -1}, Sample{Events1D: ev}},
	} {
		if err := tc.b.Bin(&tc.s, &f); err == nil {
			t.Errorf("%+v accepted", tc.b)
		}
	}
}
