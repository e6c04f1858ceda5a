package experiment_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
)

// toyImages is a tiny N-MNIST-shaped dataset: class c's events fall on a
// 4×4 block of pixels whose position depends on c, over 300 ms.
func toyImages(classes, perClass int) *events.Dataset {
	d := &events.Dataset{Name: "toy images", Sensor: events.NMNISTSensor}
	for c := range classes {
		d.Classes = append(d.Classes, fmt.Sprint(c))
	}
	for k := range perClass {
		for c := range classes {
			var ev []events.Event2D
			for i := range 200 {
				x := 6 + 2*c + (i+k)%4
				y := 8 + (3*c+i/4)%16
				ev = append(ev, events.Event2D{T: uint32(i * 1500), X: uint16(x), Y: uint16(y), P: uint8(i % 2)})
			}
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: fmt.Sprintf("%d/%d", c, k), Events2D: ev})
		}
	}
	return d
}

// Classify runs the whole pipeline on the simulated lin2025 macro:
// binning, reservoir weights formed and read once, gain calibrated on the
// training folds, spike-rate features, a linear probe.
func ExampleClassify() {
	res, err := experiment.Classify(context.Background(), experiment.ClassifyConfig{
		Data:  toyImages(4, 9),
		Folds: 3,
		Seed:  experiment.DefaultSeed,
	})
	if err != nil {
		log.Fatal(err)
	}
	c := res.Encoder.Reservoir
	fmt.Println(res.Protocol)
	fmt.Printf("%d train / %d test samples per split\n", res.TrainSamples, res.TestSamples/res.Folds)
	fmt.Printf("reservoir: %d inputs → %d neurons, T = %d, %d windows\n", c.Inputs, c.Neurons, c.Steps, c.Windows)
	fmt.Println("weights:", res.Macro.Placement)
	fmt.Println("accuracy ≥ 0.9:", res.Accuracy >= 0.9)
	fmt.Println("operation counts reported:", res.SynOpsPerSample > 0 && res.DenseMACsPerSample > res.SynOpsPerSample)
	// Output:
	// 3-fold stratified cross-validation
	// 24 train / 12 test samples per split
	// reservoir: 242 inputs → 200 neurons, T = 50, 5 windows
	// weights: one reservoir at rows 0..441 × cols 0..399
	// accuracy ≥ 0.9: true
	// operation counts reported: true
}

// A trained model saves to one JSON document and reloads to score new data
// bit-identically.
func ExampleModel_Save() {
	ctx := context.Background()
	train, test := toyImages(3, 8), toyImages(3, 3)
	res, err := experiment.Classify(ctx, experiment.ClassifyConfig{Data: train, Test: test, Seed: 1, KeepModel: true})
	if err != nil {
		log.Fatal(err)
	}
	var file bytes.Buffer
	if err := res.Model.Save(&file); err != nil {
		log.Fatal(err)
	}
	m, err := experiment.LoadModel(&file)
	if err != nil {
		log.Fatal(err)
	}
	acc, _, err := m.Evaluate(ctx, test, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Task, m.Classes, "seed", m.Seed)
	fmt.Println("reloaded model scores identically:", acc == res.Accuracy)
	// Output:
	// classify [0 1 2] seed 1
	// reloaded model scores identically: true
}

// The default binning of a 2-D sensor pools both polarities of the 33×33
// window so that 242 inputs and 200 neurons fit the 512 rows of one macro;
// the paper's binning is available as PaperBinning.
func ExampleDefaultBinning() {
	for _, b := range []experiment.Binning{experiment.DefaultBinning(events.NMNISTSensor), experiment.PaperBinning(events.NMNISTSensor)} {
		bn, err := b.Binner()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d inputs × %d steps\n", b, bn.Inputs(), bn.Steps())
	}
	// Output:
	// grid: both polarity, crop x 1..33 y 1..33, 50 bins of 6ms, pooled 3×3: 242 inputs × 50 steps
	// grid: off polarity, crop x 9..24 y 9..24, 50 bins of 6ms: 256 inputs × 50 steps
}

// toyAudio is a tiny cochlea-shaped dataset: class c's events climb
// through the channels from a class-specific start.
func toyAudio(classes, perClass int) *events.Dataset {
	d := &events.Dataset{Name: "toy audio", Sensor: events.Sensor{Name: "toy cochlea", Channels: 64, Polarities: 1}}
	for c := range classes {
		d.Classes = append(d.Classes, fmt.Sprint(c))
	}
	for k := range perClass {
		for c := range classes {
			var ev []events.Event1D
			for i := range 150 {
				ch := (5*c + i/10 + k%3) % 64
				ev = append(ev, events.Event1D{T: uint32(i * 3000), Ch: uint16(ch)})
			}
			d.Samples = append(d.Samples, events.Sample{Label: c, ID: fmt.Sprintf("%d/%d", c, k), Speaker: fmt.Sprint(k % 3), Events1D: ev})
		}
	}
	return d
}

// ZeroShot trains a contrastive head on image–audio pairs of digits 1–7
// and measures retrieval both ways on held-out 1–7 and on the unseen 8–9
// (Lin et al. 2025, the zero-shot protocol of the authors' scripts), the two LSMs time-sharing one simulated macro.
func ExampleZeroShot() {
	res, err := experiment.ZeroShot(context.Background(), experiment.ZeroShotConfig{
		A:    experiment.Side{Data: toyImages(10, 10)},
		B:    experiment.Side{Data: toyAudio(10, 10)},
		Seed: experiment.DefaultSeed,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("seen", res.SeenClasses, "unseen", res.UnseenClasses)
	fmt.Printf("%d training pairs; test pairs: %d seen, %d unseen\n", res.TrainPairs, res.Seen.Pairs, res.Unseen.Pairs)
	fmt.Printf("chance: %.4f seen, %.4f unseen\n", res.Seen.Chance.BToA, res.Unseen.Chance.BToA)
	fmt.Println("seen retrieval above chance both ways:",
		res.Seen.Top1.BToA > res.Seen.Chance.BToA && res.Seen.Top1.AToB > res.Seen.Chance.AToB)
	fmt.Println("weights:", res.Macro.Placement)
	// Output:
	// seen [1 2 3 4 5 6 7] unseen [8 9]
	// 56 training pairs; test pairs: 14 seen, 20 unseen
	// chance: 0.1429 seen, 0.5000 unseen
	// seen retrieval above chance both ways: true
	// weights: one reservoir at rows 0..441 × cols 0..399; audio reservoir time-shares the cells rows 0..263 × cols 0..399
}
