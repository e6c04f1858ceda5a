package events

import (
	"context"
	"image"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
)

func TestGridBinnerPaperDefaults(t *testing.T) {
	var g GridBinner
	// Lin et al. 2025, the authors' input binning: 16×16 crop → 256 inputs, Tw = 50 steps.
	if g.Inputs() != 256 || g.Steps() != 50 {
		t.Fatalf("inputs %d, steps %d; want 256, 50", g.Inputs(), g.Steps())
	}
	if r := g.resolved().Crop; r != image.Rect(9, 9, 25, 25) {
		t.Errorf("crop %v, want pixels 9..24 (Lin et al. 2025, the authors' input binning)", r)
	}
	s := &Sample{Events2D: []Event2D{
		{T: 0, X: 9, Y: 9},          // step 0, input 0
		{T: 0, X: 9, Y: 9},          // duplicate: collapses
		{T: 10, X: 8, Y: 9},         // outside the crop
		{T: 20, X: 10, Y: 9, P: 1},  // ON: dropped by default
		{T: 5999, X: 24, Y: 24},     // step 0, input 255
		{T: 6000, X: 10, Y: 10},     // step 1, input 17
		{T: 299_999, X: 12, Y: 9},   // step 49, input 3
		{T: 300_000, X: 12, Y: 9},   // past step 49
		{T: 900_000, X: 12, Y: 900}, // past, and never looked at
	}}
	var f Frames
	if err := g.Bin(s, &f); err != nil {
		t.Fatal(err)
	}
	if f.Steps() != 50 || f.Inputs != 256 {
		t.Fatalf("steps %d inputs %d", f.Steps(), f.Inputs)
	}
	want := map[int][]int32{0: {0, 255}, 1: {17}, 49: {3}}
	for step := range 50 {
		if got := f.Active(step); !reflect.DeepEqual(got, want[step]) && (len(got) != 0 || want[step] != nil) {
			t.Errorf("step %d: active %v, want %v", step, got, want[step])
		}
		if f.Values(step) != nil {
			t.Errorf("binary frames have values")
		}
	}

	g.Counts, g.Polarity = true, PolarityBoth
	if err := g.Bin(s, &f); err != nil {
		t.Fatal(err)
	}
	if g.Inputs() != 512 || f.Inputs != 512 {
		t.Errorf("both polarities: %d inputs, want 512", g.Inputs())
	}
	if a, v := f.Active(0), f.Values(0); !reflect.DeepEqual(a, []int32{0, 255, 256 + 1}) || !reflect.DeepEqual(v, []float32{2, 1, 1}) {
		t.Errorf("step 0: active %v values %v", a, v)
	}
}

func TestGridBinnerOptions(t *testing.T) {
	s := &Sample{Events2D: []Event2D{{T: 1000, X: 0, Y: 0, P: 1}, {T: 2500, X: 33, Y: 33}, {T: 2600, X: 1, Y: 0, P: 1}}}
	g := GridBinner{Crop: image.Rect(0, 0, 34, 34), Polarity: PolarityAny, Bins: 3, BinWidth: 1e-3, Start: 1e-3}
	var f Frames
	if err := g.Bin(s, &f); err != nil {
		t.Fatal(err)
	}
	want := [][]int32{{0}, {1, 33*34 + 33}, nil}
	for step, w := range want {
		if got := f.Active(step); len(got) != len(w) || (len(w) > 0 && !reflect.DeepEqual(got, w)) {
			t.Errorf("step %d: %v, want %v", step, got, w)
		}
	}
	g.Polarity = PolarityON
	g.Bin(s, &f)
	if f.NNZ() != 2 {
		t.Errorf("ON only: %d entries, want 2", f.NNZ())
	}
	for _, bad := range []GridBinner{
		{Crop: image.Rect(20, 20, 40, 40)},
		{BinWidth: 1e-9},
		{Start: -1},
		{Polarity: 7},
	} {
		if err := bad.Bin(s, &f); err == nil {
			t.Errorf("%+v binned without error", bad)
		}
	}
	if err := (GridBinner{}).Bin(&Sample{Events1D: []Event1D{{}}}, &f); err == nil {
		t.Error("grid binner took 1-D events")
	}
	if err := (GridBinner{}).Bin(&Sample{Events2D: []Event2D{{T: 7000, X: 9, Y: 9}, {T: 1, X: 9, Y: 9}}}, &f); err == nil {
		t.Error("grid binner took unordered events")
	}
	var p Polarity
	if err := p.Set("BOTH"); err != nil || p != PolarityBoth || p.String() != "both" {
		t.Errorf("Polarity.Set: %v %v", p, err)
	}
	if err := p.Set("up"); err == nil {
		t.Error("Polarity.Set accepted up")
	}
}

// peerBin is the binning of the PyTorch peer benchmark written out
// densely: events in the 9..24 window of polarity pol with t < 300 ms set
// frame ⌊t·50/300000⌋ at (y−9)·16 + (x−9).
func peerBin(ev []Event2D, pol uint8) [][]float32 {
	out := make([][]float32, 50)
	for i := range out {
		out[i] = make([]float32, 256)
	}
	for _, e := range ev {
		if e.X >= 9 && e.X <= 24 && e.Y >= 9 && e.Y <= 24 && e.P == pol && e.T < 300_000 {
			out[int(e.T)*50/300_000][(int(e.Y)-9)*16+int(e.X)-9] = 1
		}
	}
	return out
}

func TestGridBinnerMatchesPeer(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var samples [][]Event2D
	for range 20 {
		ev := make([]Event2D, 3000)
		var tt uint32
		for i := range ev {
			tt += uint32(r.IntN(250))
			ev[i] = Event2D{T: tt, X: uint16(r.IntN(34)), Y: uint16(r.IntN(34)), P: uint8(r.IntN(2))}
		}
		samples = append(samples, ev)
	}
	if dir := sharedDataOrEmpty(t, "nmnist/NMNISTsmall"); dir != "" {
		d, err := ReadNMNIST(context.Background(), dir+"/train1K.txt", NMNISTOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.Samples[:50] {
			samples = append(samples, s.Events2D)
		}
	}
	var f Frames
	for i, ev := range samples {
		for _, pol := range []Polarity{PolarityOFF, PolarityON} {
			if err := (GridBinner{Polarity: pol}).Bin(&Sample{Events2D: ev}, &f); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Dense(), peerBin(ev, uint8(pol))) {
				t.Fatalf("sample %d polarity %v: frames differ from the peer benchmark's binning", i, pol)
			}
		}
	}
}

// sharedDataOrEmpty is SharedData without the skip.
func sharedDataOrEmpty(t *testing.T, sub string) (dir string) {
	ok := t.Run("shared-data-"+sub, func(t *testing.T) { dir = SharedData(t, sub) })
	if !ok {
		t.Fatal("looking up shared data failed")
	}
	return dir
}

func TestTorchChunks(t *testing.T) {
	// Closed form of torch.chunk: size ⌈d/n⌉, count ⌈d/size⌉ (Lin et al. 2025, the authors' input binning).
	cases := []struct{ d, n, size, count int }{
		{1, 129, 1, 1},
		{129, 129, 1, 129},
		{130, 129, 2, 65}, // the quirk named in Lin et al. 2025, the authors' input binning
		{258, 129, 2, 129},
		{259, 129, 3, 87},
		{1000, 129, 8, 125},
	}
	for _, c := range cases {
		if s, n := TorchChunks(c.d, c.n); s != c.size || n != c.count {
			t.Errorf("TorchChunks(%d, %d) = %d, %d; want %d, %d", c.d, c.n, s, n, c.size, c.count)
		}
	}
}

// paperChunk is the paper's N-TIDIGITS binning (Lin et al. 2025, the authors' input binning) written out
// densely: raster, torch.chunk, OR-pool (or sum), zero-pad to n.
func paperChunk(ev []Event1D, channels, n int, counts bool) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, channels)
	}
	if len(ev) == 0 {
		return out
	}
	maxMs := 0.0
	for _, e := range ev {
		maxMs = max(maxMs, float64(e.T)/1000)
	}
	d := int(ceil(maxMs)) + 1
	raster := make([][]bool, channels)
	for c := range raster {
		raster[c] = make([]bool, d)
	}
	for _, e := range ev {
		raster[e.Ch][int(float64(e.T)/1000)] = true
	}
	size := (d + n - 1) / n
	for k := 0; k*size < d; k++ {
		for c := range channels {
			sum := 0
			for col := k * size; col < min((k+1)*size, d); col++ {
				if raster[c][col] {
					sum++
				}
			}
			if sum > 0 {
				out[k][c] = 1
				if counts {
					out[k][c] = float32(sum)
				}
			}
		}
	}
	return out
}

func ceil(x float64) float64 {
	i := float64(int64(x))
	if i < x {
		return i + 1
	}
	return i
}

func TestChunkBinnerD130(t *testing.T) {
	// Last event at 129 ms: D = 130 → chunks of 2 columns, 65 of them, then
	// 64 zero steps (Lin et al. 2025, the authors' input binning).
	s := &Sample{Events1D: []Event1D{{T: 0, Ch: 1}, {T: 1999, Ch: 2}, {T: 2000, Ch: 3}, {T: 129_000, Ch: 63}}}
	var f Frames
	if err := (ChunkBinner{}).Bin(s, &f); err != nil {
		t.Fatal(err)
	}
	if f.Steps() != 129 || f.Inputs != 64 {
		t.Fatalf("steps %d inputs %d", f.Steps(), f.Inputs)
	}
	want := map[int][]int32{0: {1, 2}, 1: {3}, 64: {63}}
	for step := range 129 {
		if got := f.Active(step); !reflect.DeepEqual(got, want[step]) && (len(got) != 0 || want[step] != nil) {
			t.Errorf("step %d: %v, want %v", step, got, want[step])
		}
	}
}

func TestChunkBinnerMatchesPaper(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var samples [][]Event1D
	for _, span := range []int{1, 50, 128_000, 129_000, 129_500, 130_000, 258_000, 1_300_000} {
		ev := make([]Event1D, 400)
		for i := range ev {
			ev[i] = Event1D{T: uint32(r.IntN(span + 1)), Ch: uint16(r.IntN(64))}
		}
		sortEvents1D(ev)
		samples = append(samples, ev)
	}
	samples = append(samples, nil)
	if dir := sharedDataOrEmpty(t, "ntidigits"); dir != "" {
		b, err := os.ReadFile(dir + "/slayerPytorch/test/test_files/binarySpikeTestFiles/NTIDIGITS_1.bs1")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := DecodeSlayer1D("NTIDIGITS_1.bs1", b, 64, nil)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, ev)
	}
	var f Frames
	for i, ev := range samples {
		for _, counts := range []bool{false, true} {
			if err := (ChunkBinner{Counts: counts}).Bin(&Sample{Events1D: ev}, &f); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Dense(), paperChunk(ev, 64, 129, counts)) {
				t.Fatalf("sample %d counts=%v: frames differ from the paper's binning", i, counts)
			}
		}
	}
}

func sortEvents1D(ev []Event1D) {
	for i := 1; i < len(ev); i++ {
		for j := i; j > 0 && ev[j].T < ev[j-1].T; j-- {
			ev[j], ev[j-1] = ev[j-1], ev[j]
		}
	}
}

func TestChunkBinnerRejects(t *testing.T) {
	var f Frames
	if err := (ChunkBinner{Channels: 4}).Bin(&Sample{Events1D: []Event1D{{Ch: 4}}}, &f); err == nil {
		t.Error("channel 4 of 4 binned")
	}
	if err := (ChunkBinner{}).Bin(&Sample{Events1D: []Event1D{{T: 5}, {T: 4}}}, &f); err == nil {
		t.Error("unordered events binned")
	}
	if err := (ChunkBinner{}).Bin(&Sample{Events2D: []Event2D{{}}}, &f); err == nil {
		t.Error("2-D events binned")
	}
	if err := (ChunkBinner{Bins: -1}).Bin(&Sample{}, &f); err == nil {
		t.Error("negative bins accepted")
	}
}

func TestFramesReuseAllocatesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s2 := &Sample{Events2D: make([]Event2D, 4000)}
	for i := range s2.Events2D {
		s2.Events2D[i] = Event2D{T: uint32(i * 75), X: uint16(r.IntN(34)), Y: uint16(r.IntN(34)), P: uint8(r.IntN(2))}
	}
	s1 := &Sample{Events1D: make([]Event1D, 900)}
	for i := range s1.Events1D {
		s1.Events1D[i] = Event1D{T: uint32(i * 1200), Ch: uint16(r.IntN(64))}
	}
	var f Frames
	for _, c := range []struct {
		b Binner
		s *Sample
	}{{GridBinner{}, s2}, {GridBinner{Counts: true, Polarity: PolarityBoth}, s2}, {ChunkBinner{}, s1}, {ChunkBinner{Counts: true}, s1}} {
		c.b.Bin(c.s, &f) // grow
		if n := testing.AllocsPerRun(20, func() { c.b.Bin(c.s, &f) }); n != 0 {
			t.Errorf("%T: %v allocations per reused Bin, want 0", c.b, n)
		}
	}
	var fresh Frames
	if n := testing.AllocsPerRun(20, func() { fresh = Frames{}; (GridBinner{}).Bin(s2, &fresh) }); n > 3 {
		t.Errorf("fresh Frames: %v allocations, want ≤ 3", n)
	}
}

func BenchmarkGridBin4000(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	s := &Sample{Events2D: make([]Event2D, 4000)}
	for i := range s.Events2D {
		s.Events2D[i] = Event2D{T: uint32(i * 75), X: uint16(r.IntN(34)), Y: uint16(r.IntN(34)), P: uint8(r.IntN(2))}
	}
	var f Frames
	for b.Loop() {
		if err := (GridBinner{}).Bin(s, &f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChunkBin900(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	s := &Sample{Events1D: make([]Event1D, 900)}
	for i := range s.Events1D {
		s.Events1D[i] = Event1D{T: uint32(i * 1200), Ch: uint16(r.IntN(64))}
	}
	var f Frames
	for b.Loop() {
		if err := (ChunkBinner{}).Bin(s, &f); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGridBinnerWindow(t *testing.T) {
	// ⌈(W−16)/2⌉ (Lin et al. 2025, the authors' input binning): 9 for 34 pixels, 0 for 16, and an
	// explicit Crop is kept.
	cases := []struct {
		g    GridBinner
		want image.Rectangle
	}{
		{GridBinner{}, image.Rect(9, 9, 25, 25)},
		{GridBinner{Width: 16, Height: 16}, image.Rect(0, 0, 16, 16)},
		{GridBinner{Width: 35, Height: 34}, image.Rect(10, 9, 26, 25)},
		{GridBinner{Crop: image.Rect(1, 2, 5, 6)}, image.Rect(1, 2, 5, 6)},
	}
	for _, c := range cases {
		if got := c.g.Window(); got != c.want {
			t.Errorf("%+v: window %v, want %v", c.g, got, c.want)
		}
	}
}
