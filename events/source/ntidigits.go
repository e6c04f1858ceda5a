package source

import (
	"context"
	"net/url"

	"github.com/memlsm/memlsm/events"
)

func init() {
	register("ntidigits", NoConverter, "N-TIDIGITS n-tidigits.hdf5", openNTIDIGITS)
}

// openNTIDIGITS opens "ntidigits:FILE", N-TIDIGITS' n-tidigits.hdf5.
// Options: split=train|test keeps one partition (default both, train
// first); all=1 keeps multi-digit sequences as extra classes (default: the
// 11 single digits z,1..9,o, as the paper).
func openNTIDIGITS(ctx context.Context, path string, query url.Values, _ *Options) (*events.Dataset, error) {
	if err := checkOptions("ntidigits", query, "split", "all"); err != nil {
		return nil, err
	}
	all, err := boolOption("ntidigits", query, "all")
	if err != nil {
		return nil, err
	}
	return events.ReadNTIDIGITS(ctx, path, events.NTIDIGITSOptions{Split: query.Get("split"), All: all})
}
