package source

import (
	"context"
	"fmt"
	"net/url"

	"github.com/memlsm/memlsm/events"
)

func init() {
	register("mev", NoConverter, "memlsm's compact event format (what data convert writes)", openCompact)
}

// openCompact opens "mev:FILE", a dataset in memlsm's compact event format
// (events.WriteDataset; what "memlsm data convert" writes). Option
// split=NAME keeps the samples whose Meta["split"] is NAME.
func openCompact(ctx context.Context, path string, query url.Values, _ *Options) (*events.Dataset, error) {
	if err := checkOptions("mev", query, "split"); err != nil {
		return nil, err
	}
	f, _, err := events.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("source: mev: %w", err)
	}
	defer f.Close()
	d, err := events.ReadDataset(ctx, f)
	if err != nil {
		return nil, err
	}
	if split := query.Get("split"); split != "" {
		if d = d.Where("split", split); d.Len() == 0 {
			return nil, fmt.Errorf("source: mev: %s: no samples with split %q", path, split)
		}
	}
	return d, ctx.Err()
}
