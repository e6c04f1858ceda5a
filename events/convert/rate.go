package convert

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/units"
)

// RateSensor describes rate-coded images: one event per spike at the
// pixel that spiked, without polarity (P = 0). Width and Height are the
// image's.
var RateSensor = events.Sensor{Name: "rate-coded image", Width: 28, Height: 28, Polarities: 1}

// RateParams configures RateCode, the spike code of the image encoder of
// Lin et al.'s neural↔visual (BTV) task (Lin et al. 2025, the authors' input binning, E-MNIST):
// transformRate(x, N_ts = 50, max_is_present_for = 20), where x is the
// image normalised to [−1, 1] (Normalize(0.5, 0.5)) and a pixel spikes at
// a step with probability x·MaxSpikes/Steps, so background pixels
// (x ≤ 0, grey level ≤ ½) never spike and a white pixel spikes at 40 % of
// the steps, 20 spikes on average over the 50.
type RateParams struct {
	// Steps is N_ts, the number of time steps coded; 0 means 50
	// [REPO:LSM-CLIP-BTV]. The BTV LSM runs the first 49 (its time window
	// is N_ts − 1).
	Steps int `json:"steps"`
	// MaxSpikes is max_is_present_for, the expected spike count of a white
	// pixel over the Steps; 0 means 20 [REPO:LSM-CLIP-BTV].
	MaxSpikes float64 `json:"max_spikes"`
	// Step is the time one step lasts; 0 means DefaultRateStep. The code
	// itself has no time unit.
	Step units.Seconds `json:"step_s"`
}

// DefaultRateStep is the duration of one rate-code step: 6 ms. Assumption:
// the BTV rate code has no physical time; taking the paper's N-MNIST bin
// width (events.DefaultGridBinWidth) lets one binning — 49 bins of 6 ms,
// 294 ms — serve both rate-coded images and event-camera recordings of
// digits (≈ 300 ms each).
const DefaultRateStep = events.DefaultGridBinWidth

func (p RateParams) resolved() RateParams {
	if p.Steps == 0 {
		p.Steps = 50
	}
	if p.MaxSpikes == 0 {
		p.MaxSpikes = 20
	}
	if p.Step == 0 {
		p.Step = DefaultRateStep
	}
	return p
}

// Validate reports a parameter out of range.
func (p RateParams) Validate() error {
	r := p.resolved()
	switch {
	case r.Steps < 1 || r.Steps > 1<<16:
		return fmt.Errorf("convert: rate code: %d steps outside 1..65536", r.Steps)
	case !(r.MaxSpikes > 0 && r.MaxSpikes <= float64(r.Steps)):
		return fmt.Errorf("convert: rate code: max spikes %g outside (0, steps=%d]", r.MaxSpikes, r.Steps)
	case !(r.Step > 0) || float64(r.Step)*float64(r.Steps) > 3600:
		return fmt.Errorf("convert: rate code: step %v must be positive and the code at most an hour long", r.Step)
	case float64(r.Step)*1e6 < 1:
		return fmt.Errorf("convert: rate code: step %v is below the events' 1 µs resolution", r.Step)
	}
	return nil
}

// RateCode converts a grey-scale image (0 = black background, 255 = white
// stroke, as MNIST) into its rate code: at step k (time k·Step) pixel (x,
// y) of grey level g spikes, as one event (P = 0), with probability
// max(0, 2g/255 − 1)·MaxSpikes/Steps. The events are time-ordered, row-major
// within a step. The draws come from a PCG generator seeded with seed, so
// (img, p, seed) fixes the result. (The paper's public copies of
// transformRate re-seed their generator with 0 on every call, so every
// image shares one noise pattern; RateCode gives each seed its own.)
func RateCode(img *image.Gray, p RateParams, seed uint64) ([]events.Event2D, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.resolved()
	b := img.Bounds()
	if b.Dx() > math.MaxUint16 || b.Dy() > math.MaxUint16 {
		return nil, fmt.Errorf("convert: rate code: a %d×%d image is beyond the events' 16-bit coordinates", b.Dx(), b.Dy())
	}
	// Spike probability of every pixel; most are background.
	type pix struct {
		x, y uint16
		p    float64
	}
	var lit []pix
	for y := range b.Dy() {
		for x := range b.Dx() {
			g := float64(img.GrayAt(b.Min.X+x, b.Min.Y+y).Y) / 255
			if q := (2*g - 1) * p.MaxSpikes / float64(p.Steps); q > 0 {
				lit = append(lit, pix{uint16(x), uint16(y), q})
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x72617465)) // stream "rate"
	step := float64(p.Step) * 1e6
	var ev []events.Event2D
	for k := range p.Steps {
		t := uint32(math.Round(float64(k) * step))
		for _, px := range lit {
			if rng.Float64() < px.p {
				ev = append(ev, events.Event2D{T: t, X: px.x, Y: px.y})
			}
		}
	}
	return ev, nil
}
