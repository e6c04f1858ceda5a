package experiment_test

import (
	"fmt"

	"github.com/memlsm/memlsm/experiment"
)

// SelectLikePaper shows what the paper's test-set epoch selection (Lin et al. 2025
// §5.2) makes of a trace: it reports the epoch with the best seen accuracy
// among those that pass both thresholds, however unrepresentative that
// epoch is of training as a whole. Here only epoch 2, a brief excursion of
// the unseen accuracy, passes in the audio→image direction.
func ExampleSelectLikePaper() {
	trace := []experiment.EpochRetrieval{
		{Epoch: 1, Seen: experiment.Top1{BToA: 0.60, AToB: 0.62}, Unseen: experiment.Top1{BToA: 0.55, AToB: 0.50}},
		{Epoch: 2, Seen: experiment.Top1{BToA: 0.66, AToB: 0.68}, Unseen: experiment.Top1{BToA: 0.86, AToB: 0.58}},
		{Epoch: 3, Seen: experiment.Top1{BToA: 0.70, AToB: 0.74}, Unseen: experiment.Top1{BToA: 0.45, AToB: 0.48}},
	}
	pp := experiment.SelectLikePaper(trace)
	fmt.Println("audio→image:", pp.Rule.BToA.Result)
	fmt.Println("image→audio:", pp.Rule.AToB.Result)
	fmt.Println("final epoch, the honest result: seen", trace[2].Seen.BToA, "unseen", trace[2].Unseen.BToA)
	// Output:
	// audio→image: seen 0.6600, unseen 0.8600 at epoch 2 (test-selected)
	// image→audio: no epoch qualifies
	// final epoch, the honest result: seen 0.7 unseen 0.45
}
