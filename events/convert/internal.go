package convert

import (
	"cmp"
	"slices"
	"sync"

	"github.com/memlsm/memlsm/events"
)

// PCG stream numbers: one seed drives independent streams for independent
// purposes, so adding draws to one never shifts another.
const (
	streamFixedPattern = 1 // per-pixel / per-channel mismatch of a sensor
	streamRecording    = 2 // per-recording randomness
)

// pool is a typed sync.Pool of scratch space.
type pool[T any] struct{ p sync.Pool }

func (p *pool[T]) get(newT func() *T) *T {
	if v, ok := p.p.Get().(*T); ok {
		return v
	}
	return newT()
}

func (p *pool[T]) put(v *T) { p.p.Put(v) }

// sortEvents2D sorts ev by time, stably (ties keep their order): a
// two-pass radix sort when every timestamp fits 24 bits (16.7 s), else a
// comparison sort. buf is scratch space; the grown buffer is returned.
func sortEvents2D(ev, buf []events.Event2D) []events.Event2D {
	return sortByTime(ev, buf, func(e *events.Event2D) uint32 { return e.T })
}

// sortEvents1D is sortEvents2D for 1-D events.
func sortEvents1D(ev, buf []events.Event1D) []events.Event1D {
	return sortByTime(ev, buf, func(e *events.Event1D) uint32 { return e.T })
}

// sortByTime is the radix sort of sortEvents2D and sortEvents1D; t reads
// an event's timestamp.
func sortByTime[E any](ev, buf []E, t func(*E) uint32) []E {
	if len(ev) < 2 {
		return buf
	}
	if cap(buf) < len(ev) {
		buf = make([]E, len(ev))
	}
	buf = buf[:len(ev)]
	var c0, c1 [1 << 12]int32
	for i := range ev {
		ti := t(&ev[i])
		if ti >= 1<<24 {
			slices.SortStableFunc(ev, func(a, b E) int { return cmp.Compare(t(&a), t(&b)) })
			return buf
		}
		c0[ti&0xfff]++
		c1[ti>>12&0xfff]++
	}
	prefix(&c0)
	prefix(&c1)
	for i := range ev {
		k := t(&ev[i]) & 0xfff
		buf[c0[k]] = ev[i]
		c0[k]++
	}
	for i := range buf {
		k := t(&buf[i]) >> 12 & 0xfff
		ev[c1[k]] = buf[i]
		c1[k]++
	}
	return buf
}

// prefix turns counts into start offsets.
func prefix(c *[1 << 12]int32) {
	var sum int32
	for i, n := range c {
		c[i] = sum
		sum += n
	}
}
