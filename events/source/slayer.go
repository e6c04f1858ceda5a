package source

import (
	"context"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/memlsm/memlsm/events"
)

func init() {
	register("slayer1d", NoConverter, "one slayer .bs1 recording of 1-D events", openSlayer1D)
}

// openSlayer1D opens "slayer1d:FILE", one recording in slayer's 1-D spike
// format (.bs1), as a one-sample dataset. The format carries no label, so
// the sample's class is "?" unless the option label=NAME names it; its
// Speaker is empty. Option channels=N (default 64, the CochleaAMS1b of
// N-TIDIGITS, Anumula et al. 2018, N-TIDIGITS) bounds the channel numbers. The sensor has 2
// polarities because the format has a polarity bit.
func openSlayer1D(ctx context.Context, path string, query url.Values, _ *Options) (*events.Dataset, error) {
	if err := checkOptions("slayer1d", query, "channels", "label"); err != nil {
		return nil, err
	}
	channels := events.CochleaAMS1bSensor.Channels
	if c := query.Get("channels"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > 1<<16 {
			return nil, specErrorf("source: slayer1d: channels=%q is not in 1..65536", c)
		}
		channels = n
	}
	label := "?"
	if query.Has("label") {
		if label = query.Get("label"); label == "" {
			return nil, specErrorf("source: slayer1d: empty label")
		}
	}
	ev, err := events.ReadSlayer1DFile(path, channels, events.Limits{})
	if err != nil {
		return nil, err
	}
	return &events.Dataset{
		Sensor:  events.Sensor{Name: "slayer 1-D spikes", Channels: channels, Polarities: 2},
		Classes: []string{label},
		Samples: []events.Sample{{ID: filepath.Base(path), Events1D: ev, Meta: map[string]string{"file": path}}},
	}, ctx.Err()
}
