package demo

import (
	"context"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
)

// ZeroShotPart is part 3: zero-shot audio↔image retrieval, honestly
// (experiment.ZeroShotHeadline) — the mean over the unseen pairs of the
// digits 1–9 (the others seen) with its confidence interval, under the
// generalised protocol (seen classes stay in the search set: S, U and H),
// for the paper's approach (a contrastive head pairing the modalities)
// and through class side information, beside the paper's one figure
// (HeadlineResult.PaperUnseenTop1).
type ZeroShotPart struct {
	Headline *experiment.HeadlineResult `json:"headline"`
}

func runZeroShot(ctx context.Context, img, aud *events.Dataset, cfg Config) (*ZeroShotPart, error) {
	h, err := experiment.ZeroShotHeadline(ctx, experiment.HeadlineConfig{Images: img, Audio: aud, Seed: cfg.Seed,
		Pairs: cfg.ZeroShotPairs, Epochs: cfg.ZeroShotEpochs, Workers: cfg.Workers})
	if err != nil {
		return nil, err
	}
	return &ZeroShotPart{Headline: h}, nil
}
