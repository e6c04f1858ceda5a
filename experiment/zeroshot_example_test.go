package experiment_test

import (
	"fmt"

	"github.com/memlsm/memlsm/experiment"
)

// SelectLikePaper shows what the paper's test-set epoch selection (PAPER.md
// §5.2) makes of a trace: it reports the epoch with the best seen accuracy
// among those that pass both thresholds, however unrepresentative that
// epoch is of training as a whole. Here only epoch 2, a brief excursion of
// the unseen accuracy, passes in the audio→image direction.
func ExampleSelectLikePaper() {
	trace := []experiment.EpochRetrieval{
		{Epoch: 1, Seen: experiment.Top1{AudioToImage: 0.60, ImageToAudio: 0.62}, Unseen: experiment.Top1{AudioToImage: 0.55, ImageToAudio: 0.50}},
		{Epoch: 2, Seen: experiment.Top1{AudioToImage: 0.66, ImageToAudio: 0.68}, Unseen: experiment.Top1{AudioToImage: 0.86, ImageToAudio: 0.58}},
		{Epoch: 3, Seen: experiment.Top1{AudioToImage: 0.70, ImageToAudio: 0.74}, Unseen: experiment.Top1{AudioToImage: 0.45, ImageToAudio: 0.48}},
	}
	pp := experiment.SelectLikePaper(trace)
	fmt.Println("audio→image:", pp.AudioToImage.Result)
	fmt.Println("image→audio:", pp.ImageToAudio.Result)
	fmt.Println("final epoch, the honest result: seen", trace[2].Seen.AudioToImage, "unseen", trace[2].Unseen.AudioToImage)
	// Output:
	// audio→image: seen 0.6600, unseen 0.8600 at epoch 2 (test-selected)
	// image→audio: no epoch qualifies
	// final epoch, the honest result: seen 0.7 unseen 0.45
}
