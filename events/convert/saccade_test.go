package convert_test

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/units"
)

// nmnistStats are the statistics on which converted and real N-MNIST are
// compared.
type nmnistStats struct {
	events    float64     // mean events per sample
	per100    [4]float64  // mean events per 100 ms window
	on        float64     // fraction of ON events
	occupancy float64     // mean fraction of the 34×34 pixels with an event
	rate      [64]float64 // mean events per 5 ms bin
	col, row  [34]float64 // mean events per column / row
	maps      [][34 * 34]float64
}

func statsOf(samples [][]events.Event2D) *nmnistStats {
	s := &nmnistStats{}
	var n, on float64
	for _, ev := range samples {
		var m [34 * 34]float64
		for _, e := range ev {
			m[int(e.Y)*34+int(e.X)]++
			on += float64(e.P)
			if e.T < 400_000 {
				s.per100[e.T/100_000]++
			}
			if e.T/5000 < 64 {
				s.rate[e.T/5000]++
			}
			s.col[e.X]++
			s.row[e.Y]++
		}
		for _, c := range m {
			if c > 0 {
				s.occupancy++
			}
		}
		n += float64(len(ev))
		s.maps = append(s.maps, m)
	}
	k := float64(len(samples))
	s.events, s.on, s.occupancy = n/k, on/n, s.occupancy/k/(34*34)
	for i := range s.per100 {
		s.per100[i] /= k
	}
	for i := range s.rate {
		s.rate[i] /= k
	}
	for i := range s.col {
		s.col[i] /= k
		s.row[i] /= k
	}
	return s
}

func pearson(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var ab, aa, bb float64
	for i := range a {
		ab += (a[i] - ma) * (b[i] - mb)
		aa += (a[i] - ma) * (a[i] - ma)
		bb += (b[i] - mb) * (b[i] - mb)
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// TestSaccadeMatchesNMNIST converts MNIST training digits 1–1000 and
// compares them with their real N-MNIST recordings, NMNISTsmall/<k>.bs2
// (the nmnist data notes: <k>.bs2 is MNIST training sample k).
func TestSaccadeMatchesNMNIST(t *testing.T) {
	dir := sharedData(t, "nmnist/NMNISTsmall")
	const n = 1000
	imgs, _ := mnistTrain(t, n)
	real := make([][]events.Event2D, n)
	for k := 1; k <= n; k++ {
		path := filepath.Join(dir, strconv.Itoa(k)+".bs2")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if real[k-1], err = events.DecodeNMNIST(path, b, nil); err != nil {
			t.Fatal(err)
		}
	}
	m, err := convert.NewSaccadeModel(convert.DefaultSaccadeParams())
	if err != nil {
		t.Fatal(err)
	}
	conv := make([][]events.Event2D, n)
	parallelFor(n, func(i int) { conv[i] = m.Convert(imgs[i], uint64(i+1)) })
	R, C := statsOf(real), statsOf(conv)
	var mapCorr float64
	for i := range R.maps {
		mapCorr += pearson(R.maps[i][:], C.maps[i][:])
	}
	mapCorr /= n

	// Tolerances: the model was fitted to these recordings' means (see
	// DefaultSaccadeParams), so the means must agree to within what a
	// model with 3 straight saccades can give: 10 % on counts (the real
	// per-sample counts spread 1069–7152, but the standard error of their
	// mean is < 1 %), 0.03 on fractions. The correlations measure shape:
	// they must stay near the fitted 0.95 (per-digit maps) and 0.97 (rate
	// curve).
	type row struct {
		metric     string
		real, conv float64
		ok         bool
		tolerance  string
	}
	rel := func(a, b, tol float64) bool { return math.Abs(b-a) <= tol*a }
	rows := []row{
		{"events per sample", R.events, C.events, rel(R.events, C.events, 0.10), "±10 %"},
		{"events 0–100 ms", R.per100[0], C.per100[0], rel(R.per100[0], C.per100[0], 0.15), "±15 %"},
		{"events 100–200 ms", R.per100[1], C.per100[1], rel(R.per100[1], C.per100[1], 0.15), "±15 %"},
		{"events 200–300 ms", R.per100[2], C.per100[2], rel(R.per100[2], C.per100[2], 0.15), "±15 %"},
		{"events 300–400 ms", R.per100[3], C.per100[3], C.per100[3] < 50, "< 50"},
		{"ON fraction", R.on, C.on, math.Abs(R.on-C.on) <= 0.03, "±0.03"},
		{"pixel occupancy", R.occupancy, C.occupancy, math.Abs(R.occupancy-C.occupancy) <= 0.03, "±0.03"},
		{"per-digit map correlation", 1, mapCorr, mapCorr >= 0.90, "≥ 0.90"},
		{"column profile correlation", 1, pearson(R.col[:], C.col[:]), pearson(R.col[:], C.col[:]) >= 0.97, "≥ 0.97"},
		{"row profile correlation", 1, pearson(R.row[:], C.row[:]), pearson(R.row[:], C.row[:]) >= 0.97, "≥ 0.97"},
		{"rate per 5 ms correlation", 1, pearson(R.rate[:], C.rate[:]), pearson(R.rate[:], C.rate[:]) >= 0.93, "≥ 0.93"},
	}
	t.Logf("%-28s %10s %10s  %s", "metric (1000 digits)", "N-MNIST", "converted", "tolerance")
	for _, r := range rows {
		t.Logf("%-28s %10.3f %10.3f  %s", r.metric, r.real, r.conv, r.tolerance)
		if !r.ok {
			t.Errorf("%s: converted %.3f vs real %.3f, outside %s", r.metric, r.conv, r.real, r.tolerance)
		}
	}
	// The example of SOURCE.md: 1.bs2 has 1891/1667/1119/4 events per 100 ms.
	var one [4]int
	for _, e := range conv[0] {
		if e.T < 400_000 {
			one[e.T/100_000]++
		}
	}
	t.Logf("MNIST train 1 (a 5): real 1891/1667/1119/4 per 100 ms, converted %d/%d/%d/%d", one[0], one[1], one[2], one[3])
}

// TestSaccadeEdgeClosedForm checks the contrast-threshold physics on a
// straight edge. A DVS pixel (Lichtsteiner et al. 2008) fires ON each time
// its log intensity L rises θ above its reference. The model starts the
// reference uniformly between the two thresholds (an unknown last reset),
// so L − ref starts uniform in (−θ, θ] and a rise by ΔL gives
// ⌊(ΔL + U(−θ, θ])/θ⌋ ON events: ΔL/θ − 1/2 on average, and no OFF event.
func TestSaccadeEdgeClosedForm(t *testing.T) {
	p := convert.DefaultSaccadeParams()
	p.Blur, p.ThresholdMismatch, p.Refractory, p.Jitter, p.Latency, p.NoiseRate = 0, 0, 0, 0, 0, 0
	p.OriginX, p.OriginY = 3, 3
	p.Moves = []convert.Move{{Start: 0.01, Duration: 0.1, DX: 6}}
	for _, th := range []float64{0.1, 0.15, 0.3} {
		p.ThresholdOn, p.ThresholdOff = th, th
		m, err := convert.NewSaccadeModel(p)
		if err != nil {
			t.Fatal(err)
		}
		// White (0) on the left, black ink (255) from image column 14.
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for y := range 28 {
			for x := 14; x < 28; x++ {
				img.Pix[y*img.Stride+x] = 255
			}
		}
		// Sensor column x sees image column x − 3 − dx, dx going 0 → 6:
		// columns 17–22 see the whole black→white transition between
		// image columns 14 and 13 go by, getting brighter.
		var off, on, pixels float64
		const seeds = 20
		for seed := range uint64(seeds) {
			var cnt [34][2]float64
			for _, e := range m.Convert(img, seed) {
				if e.Y >= 3 && e.Y < 31 && e.X >= 17 && e.X <= 22 {
					cnt[e.X][e.P]++
				}
			}
			for x := 17; x <= 22; x++ {
				off += cnt[x][0]
				on += cnt[x][1]
				pixels += 28
			}
		}
		// ΔL = ln(1) − ln(BlackLevel) (Inverted: ink is black).
		want := math.Log(1/p.BlackLevel)/th - 0.5
		got := on / pixels
		// Each pixel fires one of at most three adjacent counts: σ < 1
		// per pixel, so the mean of 3360 pixels is within 0.05 (> 5σ).
		if math.Abs(got-want) > 0.05 || off != 0 {
			t.Errorf("θ=%g: %.3f ON and %.0f OFF events per pixel, want ln(1/%g)/θ − 1/2 = %.3f ON and no OFF", th, got, off, p.BlackLevel, want)
		}
	}
}

func TestSaccadeDeterministic(t *testing.T) {
	imgs, _ := mnistTrain(t, 3)
	m, err := convert.NewSaccadeModel(convert.DefaultSaccadeParams())
	if err != nil {
		t.Fatal(err)
	}
	a := m.Convert(imgs[0], 7)
	b := m.Convert(imgs[0], 7)
	if !slices.Equal(a, b) {
		t.Error("same image and seed gave different events")
	}
	if c := m.Convert(imgs[0], 8); slices.Equal(a, c) {
		t.Error("another seed gave identical events")
	}
	// Concurrent use gives the same events as sequential use.
	var got [8][]events.Event2D
	parallelFor(len(got), func(i int) { got[i] = m.Convert(imgs[i%3], uint64(i)) })
	for i := range got {
		if want := m.Convert(imgs[i%3], uint64(i)); !slices.Equal(got[i], want) {
			t.Errorf("conversion %d differs when run concurrently", i)
		}
	}
	// The one-call form and Append agree with Convert.
	one, err := convert.Saccade(imgs[1], convert.DefaultSaccadeParams(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one, m.Convert(imgs[1], 3)) {
		t.Error("Saccade and SaccadeModel.Convert differ")
	}
	prefix := []events.Event2D{{T: 1}}
	if app := m.Append(prefix, imgs[1], 3); !slices.Equal(app[1:], one) || app[0] != prefix[0] {
		t.Error("Append did not append")
	}
	// Time order, sensor bounds, 23-bit timestamps.
	for i := 1; i < len(a); i++ {
		if a[i].T < a[i-1].T {
			t.Fatalf("event %d out of time order", i)
		}
	}
	for _, e := range a {
		if e.X >= 34 || e.Y >= 34 || e.P > 1 || e.T >= 1<<23 {
			t.Fatalf("event %+v outside the sensor", e)
		}
	}
}

// TestSaccadeNoise checks the background: a blank image gives only noise
// events, a Poisson process of NoiseRate per pixel.
func TestSaccadeNoise(t *testing.T) {
	p := convert.DefaultSaccadeParams()
	blank := image.NewGray(image.Rect(0, 0, 28, 28))
	p.NoiseRate = 0
	if ev, err := convert.Saccade(blank, p, 1); err != nil || len(ev) != 0 {
		t.Fatalf("blank image without noise: %d events, err %v", len(ev), err)
	}
	p.NoiseRate = 100
	ev, err := convert.Saccade(blank, p, 1)
	if err != nil {
		t.Fatal(err)
	}
	// λ = rate × pixels × length; Poisson σ = √λ; 5σ tolerance.
	lambda := float64(p.NoiseRate) * 34 * 34 * float64(p.Length)
	if d := math.Abs(float64(len(ev)) - lambda); d > 5*math.Sqrt(lambda) {
		t.Errorf("%d noise events, want %.0f ± %.0f", len(ev), lambda, 5*math.Sqrt(lambda))
	}
	var on int
	for _, e := range ev {
		on += int(e.P)
	}
	// Polarity is a fair coin: binomial σ = √n/2.
	if d := math.Abs(float64(on) - float64(len(ev))/2); d > 5*math.Sqrt(float64(len(ev)))/2 {
		t.Errorf("%d of %d noise events are ON, want half", on, len(ev))
	}
}

// TestSaccadeStepConverges checks that the path sampling step of 0.25 px
// is fine enough: halving it twice changes the event count by < 2 % and
// keeps the event maps alike.
func TestSaccadeStepConverges(t *testing.T) {
	imgs, _ := mnistTrain(t, 50)
	count := func(step float64) ([]float64, float64) {
		p := convert.DefaultSaccadeParams()
		p.Step = step
		m, err := convert.NewSaccadeModel(p)
		if err != nil {
			t.Fatal(err)
		}
		var maps []float64
		var n float64
		for i, img := range imgs {
			var mp [34 * 34]float64
			for _, e := range m.Convert(img, uint64(i)) {
				mp[int(e.Y)*34+int(e.X)]++
				n++
			}
			maps = append(maps, mp[:]...)
		}
		return maps, n
	}
	coarse, nc := count(0.25)
	fine, nf := count(0.0625)
	if math.Abs(nc-nf) > 0.02*nf {
		t.Errorf("step 0.25 px: %.0f events, step 0.0625 px: %.0f (> 2 %% apart)", nc, nf)
	}
	if c := pearson(coarse, fine); c < 0.97 {
		t.Errorf("event maps of steps 0.25 and 0.0625 px correlate %.3f, want ≥ 0.97", c)
	}
}

func TestSaccadeParamsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *convert.SaccadeParams)
	}{
		{"zero width", func(p *convert.SaccadeParams) { p.Width = 0 }},
		{"huge sensor", func(p *convert.SaccadeParams) { p.Height = 1 << 16 }},
		{"no moves", func(p *convert.SaccadeParams) { p.Moves = nil }},
		{"NaN length", func(p *convert.SaccadeParams) { p.Length = units.Seconds(math.NaN()) }},
		{"long recording", func(p *convert.SaccadeParams) { p.Length = 9 }},
		{"zero gamma", func(p *convert.SaccadeParams) { p.Gamma = 0 }},
		{"black level 1", func(p *convert.SaccadeParams) { p.BlackLevel = 1 }},
		{"negative blur", func(p *convert.SaccadeParams) { p.Blur = -1 }},
		{"zero threshold", func(p *convert.SaccadeParams) { p.ThresholdOff = 0 }},
		{"mismatch 1", func(p *convert.SaccadeParams) { p.ThresholdMismatch = 1 }},
		{"negative refractory", func(p *convert.SaccadeParams) { p.Refractory = -1 }},
		{"negative noise", func(p *convert.SaccadeParams) { p.NoiseRate = -1 }},
		{"tiny step", func(p *convert.SaccadeParams) { p.Step = 0.001 }},
		{"NaN origin", func(p *convert.SaccadeParams) { p.OriginX = math.NaN() }},
		{"overlapping moves", func(p *convert.SaccadeParams) { p.Moves[1].Start = p.Moves[0].Start }},
		{"move past the end", func(p *convert.SaccadeParams) { p.Moves[2].Duration = 1 }},
		{"NaN move", func(p *convert.SaccadeParams) { p.Moves[0].DX = math.NaN() }},
	} {
		p := convert.DefaultSaccadeParams()
		tc.edit(&p)
		if _, err := convert.NewSaccadeModel(p); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	p := convert.DefaultSaccadeParams()
	if err := p.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func BenchmarkSaccadeMNIST1(b *testing.B) {
	imgs, _ := mnistTrain(b, 16)
	m, err := convert.NewSaccadeModel(convert.DefaultSaccadeParams())
	if err != nil {
		b.Fatal(err)
	}
	var dst []events.Event2D
	var n, i int
	for b.Loop() {
		dst = m.Append(dst[:0], imgs[i%len(imgs)], uint64(i))
		n += len(dst)
		i++
	}
	b.ReportMetric(float64(n)/float64(i), "events/image")
}

func ExampleSaccade() {
	// A "1": one vertical stroke, stored as MNIST stores digits (0 =
	// background, 255 = ink) and shown dark on a bright display.
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 4; y < 24; y++ {
		for x := 13; x < 16; x++ {
			img.Pix[y*img.Stride+x] = 255
		}
	}
	ev, err := convert.Saccade(img, convert.DefaultSaccadeParams(), 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	var per100 [3]int
	var on int
	for _, e := range ev {
		if e.T < 300_000 {
			per100[e.T/100_000]++
		}
		on += int(e.P)
	}
	fmt.Println("sensor:", convert.SaccadeSensor.Width, "×", convert.SaccadeSensor.Height)
	fmt.Println("events in each 100 ms saccade:", per100[0] > 100, per100[1] > 100, per100[2] > 100)
	fmt.Println("both polarities:", on > len(ev)/4 && on < 3*len(ev)/4)
	// Output:
	// sensor: 34 × 34
	// events in each 100 ms saccade: true true true
	// both polarities: true
}
