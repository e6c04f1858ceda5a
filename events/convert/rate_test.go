package convert_test

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// The BTV rate code (Lin et al. 2025, the authors' input binning): a pixel of grey g spikes with
// probability max(0, 2g/255 − 1)·20/50 per step, so a white pixel fires 20
// times in 50 steps on average, a pixel at 3/4 grey 10 times, background
// never. Checked over many pixels (binomial σ: √(50·0.4·0.6) ≈ 3.5 per
// pixel; the mean of 400 pixels is within 4σ/20 ≈ 0.7).
func TestRateCode(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			switch {
			case y < 10:
				img.SetGray(x, y, grayOf(255))
			case y < 20:
				img.SetGray(x, y, grayOf(191)) // 2·191/255 − 1 ≈ 0.498
			default:
				img.SetGray(x, y, grayOf(120)) // below half: never spikes
			}
		}
	}
	ev, err := convert.RateCode(img, convert.RateParams{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 3)
	step := uint32(convert.DefaultRateStep * 1e6)
	for i, e := range ev {
		counts[e.Y/10]++
		if e.P != 0 || e.T%step != 0 || e.T/step >= 50 {
			t.Fatalf("event %d: %+v", i, e)
		}
		if i > 0 && e.T < ev[i-1].T {
			t.Fatal("events out of time order")
		}
	}
	for band, want := range []float64{20, 20 * (2*191.0/255 - 1), 0} {
		if got := float64(counts[band]) / 400; math.Abs(got-want) > 0.7 {
			t.Errorf("band %d: %.2f spikes per pixel, want %.2f", band, got, want)
		}
	}
	again, _ := convert.RateCode(img, convert.RateParams{}, 3)
	other, _ := convert.RateCode(img, convert.RateParams{}, 4)
	if !slices.Equal(ev, again) || slices.Equal(ev, other) {
		t.Error("the code is not a function of the seed")
	}
	// Binned the way the btv-emnist preset bins it: 49 bins of one step.
	g := events.GridBinner{Width: 40, Height: 30, Crop: img.Bounds(), Polarity: events.PolarityAny, Bins: 49, BinWidth: convert.DefaultRateStep}
	var f events.Frames
	if err := g.Bin(&events.Sample{Events2D: ev}, &f); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ev {
		if e.T/step < 49 {
			n++
		}
	}
	if f.Steps() != 49 || f.NNZ() != n {
		t.Errorf("binned into %d steps, %d active entries; want 49 and %d", f.Steps(), f.NNZ(), n)
	}
	for _, bad := range []convert.RateParams{{Steps: -1}, {MaxSpikes: 60}, {Step: -1}} {
		if _, err := convert.RateCode(img, bad, 1); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func grayOf(v uint8) color.Gray { return color.Gray{Y: v} }
