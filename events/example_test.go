package events_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/memlsm/memlsm/events"
)

// A dataset round-trips through the compact format with its metadata.
func ExampleWriteDataset() {
	d := &events.Dataset{
		Sensor:  events.NMNISTSensor,
		Classes: []string{"0", "1"},
		Samples: []events.Sample{{
			Label: 1, ID: "Train/1/00003.bin", Meta: map[string]string{"split": "train"},
			Events2D: []events.Event2D{{T: 893, X: 18, Y: 16, P: 1}, {T: 1200, X: 18, Y: 17}},
		}},
	}
	var buf bytes.Buffer
	if err := events.WriteDataset(&buf, d); err != nil {
		fmt.Println(err)
		return
	}
	back, err := events.ReadDataset(context.Background(), &buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := back.Samples[0]
	fmt.Println(back.Classes[s.Label], s.ID, s.Meta["split"], s.Events2D)
	// Output:
	// 1 Train/1/00003.bin train [{893 18 16 1} {1200 18 17 0}]
}

// The zero GridBinner is the paper's N-MNIST input: OFF events in the
// centred 16×16 window (pixels 9..24), 50 binary frames (6 ms each here).
func ExampleGridBinner() {
	s := &events.Sample{Events2D: []events.Event2D{
		{T: 100, X: 9, Y: 9},        // input 0 at step 0
		{T: 200, X: 9, Y: 9},        // the same input again: frames are binary
		{T: 300, X: 10, Y: 9, P: 1}, // ON: not used by default
		{T: 6500, X: 24, Y: 10},     // input 16+15 = 31 at step 1
		{T: 7000, X: 3, Y: 3},       // outside the crop
	}}
	var f events.Frames
	b := events.GridBinner{}
	if err := b.Bin(s, &f); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Inputs(), "inputs,", f.Steps(), "steps")
	for t := range 3 {
		fmt.Println(t, f.Active(t))
	}
	// Output:
	// 256 inputs, 50 steps
	// 0 [0]
	// 1 [31]
	// 2 []
}

// The N-TIDIGITS binning: a 1 ms raster cut into 129 chunks the way
// torch.chunk cuts it. A recording whose last event is at 129 ms has a
// 130-column raster: torch.chunk makes 65 chunks of 2 columns, and the
// other 64 steps stay empty.
func ExampleChunkBinner() {
	size, n := events.TorchChunks(130, 129)
	fmt.Println("chunk size", size, "chunks", n)
	s := &events.Sample{Events1D: []events.Event1D{{T: 0, Ch: 5}, {T: 1500, Ch: 5}, {T: 129_000, Ch: 63}}}
	var f events.Frames
	if err := (events.ChunkBinner{Counts: true}).Bin(s, &f); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Steps(), "steps; step 0:", f.Active(0), f.Values(0), "step 64:", f.Active(64), "step 65:", f.Active(65))
	// Output:
	// chunk size 2 chunks 65
	// 129 steps; step 0: [5] [2] step 64: [63] step 65: []
}

// Pair matches classes by name across modalities: "0" gathers N-TIDIGITS'
// "z" and "o", and each class pairs the first n_c samples of each side.
func ExamplePair() {
	images := &events.Dataset{Classes: []string{"0", "1"}, Samples: []events.Sample{
		{Label: 0, ID: "img0"}, {Label: 1, ID: "img1"}, {Label: 0, ID: "img2"}, {Label: 0, ID: "img3"},
	}}
	audio := &events.Dataset{Classes: events.NTIDIGITSClasses, Samples: []events.Sample{
		{Label: 10, ID: "oh"}, {Label: 1, ID: "one"}, {Label: 0, ID: "zero"},
	}}
	pairs, err := events.Pair(images, audio, []string{"0", "1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pairs {
		fmt.Println(images.Samples[p.A].ID, audio.Samples[p.B].ID)
	}
	// Output:
	// img0 oh
	// img2 zero
	// img1 one
}

// Split is stratified and reproducible: the same seed gives the same split.
func ExampleDataset_Split() {
	d := &events.Dataset{Classes: []string{"a", "b"}}
	for i := range 10 {
		d.Samples = append(d.Samples, events.Sample{Label: i % 2, ID: fmt.Sprint(i)})
	}
	train, test, err := d.Split(1, 0.2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Len(), test.Len(), test.ClassCounts())
	_, again, _ := d.Split(1, 0.2)
	fmt.Println(test.Samples[0].ID == again.Samples[0].ID && test.Samples[1].ID == again.Samples[1].ID)
	// Output:
	// 8 2 [1 1]
	// true
}

// An N-MNIST .bin file is 5 bytes per event; an event with y = 240 marks a
// timestamp overflow and shifts every later event by 2^13 µs.
func ExampleDecodeNMNIST() {
	raw := []byte{
		0x12, 0x10, 0x80, 0x03, 0x7d, // x=18 y=16 ON t=893 (the first event of NMNISTsmall/1.bs2)
		0x00, 0xf0, 0x00, 0x00, 0x00, // overflow marker
		0x05, 0x06, 0x00, 0x00, 0x01, // x=5 y=6 OFF t=1 → 8193
	}
	ev, err := events.DecodeNMNIST("example.bin", raw, nil)
	fmt.Println(ev, err)
	_, err = events.DecodeNMNIST("short.bin", raw[:7], nil)
	fmt.Println(err)
	// Output:
	// [{893 18 16 1} {8193 5 6 0}] <nil>
	// events: N-MNIST .bin: short.bin: byte offset 5: truncated event: 2 trailing bytes (events are 5 bytes): unexpected EOF
}

// FSDD names carry the digit, the speaker and the repetition; repetitions
// 0–4 form FSDD's official test split.
func ExampleParseFSDDName() {
	f, err := events.ParseFSDDName("recordings/7_theo_3.wav")
	fmt.Println(f.Digit, f.Speaker, f.Index, f.Split(), err)
	// Output:
	// 7 theo 3 test <nil>
}

// ExampleLazy makes each sample's events only when the stream is read:
// here a toy "converter" that turns sample k into k+1 events.
func ExampleLazy() {
	meta := &events.Dataset{Name: "toy", Sensor: events.NMNISTSensor, Classes: []string{"a", "b"}}
	for k := range 4 {
		meta.Samples = append(meta.Samples, events.Sample{Label: k % 2, ID: fmt.Sprint("toy-", k)})
	}
	s := events.NewLazy(meta, func(_ context.Context, k int, smp *events.Sample) error {
		for j := range k + 1 {
			smp.Events2D = append(smp.Events2D, events.Event2D{T: uint32(1000 * j), X: uint16(k), Y: 3})
		}
		return nil
	})
	counts := make([]int, 4)
	err := s.Each(context.Background(), 2, func(i int, smp *events.Sample) error {
		counts[i] = len(smp.Events2D) // smp is only valid during the call
		return nil
	})
	fmt.Println(counts, err)
	d, _ := s.PerClass(1).Load(context.Background(), 1)
	fmt.Println(d.Name, d.Len(), d.Samples[1].ID, len(d.Samples[1].Events2D))
	// Output:
	// [1 2 3 4] <nil>
	// toy (first 1 per class) 2 toy-1 2
}
