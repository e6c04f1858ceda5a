package experiment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/internal/shareddata"
	"github.com/memlsm/memlsm/lsm"
)

// syntheticImages returns a small, seeded 2-D event dataset shaped like
// N-MNIST (34×34 ATIS, ON/OFF, ~300 ms): each class has its own set of 30
// "stroke" pixels in the centre (the same for every seed, so datasets of
// different seeds share their classes), and a sample's 600 events fall on those
// pixels (80 %) or anywhere in the window (20 %, noise), with the class's
// strokes visited in a class-specific temporal order. It is easy to
// classify (a sanity set for tests), not a model of real data.
func syntheticImages(classes, perClass int, seed uint64) *events.Dataset {
	d := &events.Dataset{Name: fmt.Sprintf("synthetic-images(%d×%d, seed %d)", classes, perClass, seed), Sensor: events.NMNISTSensor}
	pr := rand.New(rand.NewPCG(0, 0x696d67)) // class patterns: fixed
	strokes := make([][][2]uint16, classes)
	for c := range strokes {
		d.Classes = append(d.Classes, fmt.Sprint(c))
		for range 30 {
			strokes[c] = append(strokes[c], [2]uint16{uint16(6 + pr.IntN(22)), uint16(6 + pr.IntN(22))})
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x696d67))
	for k := range perClass {
		for c := range classes {
			ev := make([]events.Event2D, 600)
			for i := range ev {
				t := uint32(r.IntN(300_000))
				var x, y uint16
				if r.Float64() < 0.8 {
					// The stroke pixels are visited in order over the recording.
					j := int(t) * len(strokes[c]) / 300_000
					j = (j + r.IntN(5)) % len(strokes[c])
					x, y = strokes[c][j][0], strokes[c][j][1]
				} else {
					x, y = uint16(r.IntN(34)), uint16(r.IntN(34))
				}
				ev[i] = events.Event2D{T: t, X: x, Y: y, P: uint8(r.IntN(2))}
			}
			slices.SortStableFunc(ev, func(a, b events.Event2D) int { return int(a.T) - int(b.T) })
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: fmt.Sprintf("img-%d-%d", c, k), Events2D: ev})
		}
	}
	return d
}

// syntheticAudio returns a small, seeded 1-D event dataset shaped like
// cochlea output (64 channels, ~0.5 s): class c sweeps through three
// channel bands in a class-specific order (the same for every seed); each of speakers shifts every
// channel by its own offset (−2…+2), so speaker-wise splits have something
// to generalise over.
func syntheticAudio(classes, perClass, speakers int, seed uint64) *events.Dataset {
	d := &events.Dataset{Name: fmt.Sprintf("synthetic-audio(%d×%d, seed %d)", classes, perClass, seed),
		Sensor: events.Sensor{Name: "synthetic cochlea", Channels: 64, Polarities: 1}}
	pr := rand.New(rand.NewPCG(0, 0x617564)) // class patterns: fixed
	bands := make([][3]int, classes)
	for c := range bands {
		d.Classes = append(d.Classes, fmt.Sprint(c))
		for k := range 3 {
			bands[c][k] = 4 + pr.IntN(52)
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x617564))
	for k := range perClass {
		for c := range classes {
			sp := k % speakers
			shift := sp%5 - 2
			ev := make([]events.Event1D, 400)
			for i := range ev {
				t := uint32(r.IntN(480_000))
				var ch int
				if r.Float64() < 0.85 {
					ch = bands[c][int(t)*3/480_000] + shift + r.IntN(5) - 2
				} else {
					ch = r.IntN(64)
				}
				ch = min(max(ch, 0), 63)
				ev[i] = events.Event1D{T: t, Ch: uint16(ch)}
			}
			slices.SortStableFunc(ev, func(a, b events.Event1D) int { return int(a.T) - int(b.T) })
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: fmt.Sprintf("aud-%d-%d", c, k), Speaker: fmt.Sprintf("s%d", sp), Events1D: ev})
		}
	}
	return d
}

// sharedData returns ../shared/data/sub (or $MEMLSM_SHARED_DATA/sub), or skips
// the test when it is absent.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}

// lsmWindows returns a reservoir configuration that only sets the number
// of time windows (0: the default).
func lsmWindows(w int) lsm.Config { return lsm.Config{Windows: w} }
