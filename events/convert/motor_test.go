package convert_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// line is a straight pen-down trajectory of n one-pixel moves in direction
// th (radians, image coordinates: x right, y down).
func line(th float64, n int) *events.Trajectory {
	t := &events.Trajectory{X0: 14, Y0: 14}
	for range n {
		t.Moves = append(t.Moves, events.PenMove{DX: float32(math.Cos(th)), DY: float32(math.Sin(th))})
	}
	return t
}

func newMotor(t testing.TB, p convert.MotorParams) *convert.MotorModel {
	t.Helper()
	m, err := convert.NewMotorModel(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMotorDeterministic(t *testing.T) {
	m := newMotor(t, convert.DefaultMotorParams())
	tr := line(0.3, 30)
	a := m.Convert(tr, 7)
	var wg sync.WaitGroup
	for range 4 { // safe for concurrent use, same result
		wg.Go(func() {
			if b := m.Convert(tr, 7); !reflect.DeepEqual(a, b) {
				t.Error("same seed, different events")
			}
		})
	}
	wg.Wait()
	if reflect.DeepEqual(a, m.Convert(tr, 8)) {
		t.Fatal("different seeds, same events")
	}
	// Ordered by time then channel, inside the trial, on the bin grid.
	p := m.Params()
	for i, e := range a {
		if int(e.Ch) >= p.Channels || e.T%10000 != 0 || e.T >= uint32(p.Bins)*10000 {
			t.Fatalf("event %d %+v outside the 192 × 201 × 10 ms grid", i, e)
		}
		if i > 0 && (e.T < a[i-1].T || e.T == a[i-1].T && e.Ch < a[i-1].Ch) {
			t.Fatalf("events %d, %d out of order", i-1, i)
		}
	}
	// The population (the sensor seed) is fixed by the parameters alone.
	if !reflect.DeepEqual(m.Channels(), newMotor(t, convert.DefaultMotorParams()).Channels()) {
		t.Fatal("two models of the same parameters have different channels")
	}
}

// TestMotorPopulation checks the drawn tuning against its documented
// distribution: log-normal baselines and depths with the given medians,
// the tuned fraction, uniform preferred directions.
func TestMotorPopulation(t *testing.T) {
	p := convert.DefaultMotorParams()
	p.Channels = 20000 // large n for the statistics; tolerances below are several standard errors
	ch := newMotor(t, p).Channels()
	var lb, ld []float64
	var cx, cy float64
	untuned := 0
	for _, c := range ch {
		lb = append(lb, math.Log(c.BaselineHz))
		if c.DepthHz == 0 {
			untuned++
			continue
		}
		ld = append(ld, math.Log(c.DepthHz))
		cx += math.Cos(c.PreferredRad)
		cy += math.Sin(c.PreferredRad)
	}
	med := func(x []float64) float64 { s := slices.Clone(x); slices.Sort(s); return s[len(s)/2] }
	sd := func(x []float64) float64 {
		var m, v float64
		for _, a := range x {
			m += a
		}
		m /= float64(len(x))
		for _, a := range x {
			v += (a - m) * (a - m)
		}
		return math.Sqrt(v / float64(len(x)-1))
	}
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"median baseline Hz", math.Exp(med(lb)), p.BaselineHz, 0.05 * p.BaselineHz},
		{"σ ln baseline", sd(lb), p.BaselineSigma, 0.02},
		{"median depth Hz", math.Exp(med(ld)), p.DepthHz, 0.05 * p.DepthHz},
		{"σ ln depth", sd(ld), p.DepthSigma, 0.02},
		{"tuned fraction", 1 - float64(untuned)/float64(len(ch)), p.TunedFraction, 0.01},
		// Resultant length of uniform directions: ~1/√n.
		{"preferred-direction resultant", math.Hypot(cx, cy) / float64(len(ld)), 0, 0.03},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %.4f, want %.4f ± %.4f", c.name, c.got, c.want, c.tol)
		}
	}
}

// TestMotorCosineTuning runs the centre-out task of Georgopoulos et al.
// (1982) on the model — straight moves in eight directions — and recovers
// every tuned channel's preferred direction from its spike counts by their
// cosine regression D = b0 + b1 sin θ + b2 cos θ.
func TestMotorCosineTuning(t *testing.T) {
	p := convert.DefaultMotorParams()
	p.OnsetJitter, p.SpeedJitter = 0, 0 // align the movement epochs
	m := newMotor(t, p)
	const trials = 40
	n := p.Channels
	onBin := int(float64(p.Onset)/float64(p.Bin)) - 5
	offBin := onBin + 40
	rate := make([][8]float64, n)
	for d := range 8 {
		th := float64(d) * math.Pi / 4
		tr := line(th, 30) // 0.5 s at 60 px/s
		for k := range trials {
			for _, e := range m.Convert(tr, uint64(1000*d+k)) {
				if b := int(e.T / 10000); b >= onBin && b < offBin {
					rate[e.Ch][d]++
				}
			}
		}
	}
	var errs []float64
	for c, ch := range m.Channels() {
		if ch.DepthHz < p.DepthHz { // the well-tuned half
			continue
		}
		var s, co float64
		for d := range 8 {
			th := float64(d) * math.Pi / 4
			s += rate[c][d] * math.Sin(th)
			co += rate[c][d] * math.Cos(th)
		}
		e := math.Abs(math.Remainder(math.Atan2(s, co)-ch.PreferredRad, 2*math.Pi))
		errs = append(errs, e*180/math.Pi)
	}
	slices.Sort(errs)
	if med := errs[len(errs)/2]; med > 10 {
		t.Fatalf("median preferred-direction error %.1f° over %d well-tuned channels, want < 10°", med, len(errs))
	}
}

// TestMotorBaselineRates: before the pen moves, channels fire at their
// baselines (Poisson, 10 ms bins).
func TestMotorBaselineRates(t *testing.T) {
	p := convert.DefaultMotorParams()
	p.OnsetJitter = 0
	m := newMotor(t, p)
	const trials = 200
	bins := int(float64(p.Onset-p.Lead-3*p.Smooth) / float64(p.Bin)) // before any lead-shifted velocity
	var got, want float64
	for k := range trials {
		for _, e := range m.Convert(line(1, 20), uint64(k)) {
			if int(e.T/10000) < bins {
				got++
			}
		}
	}
	for _, c := range m.Channels() {
		want += c.BaselineHz * float64(p.Bin) * float64(bins) * trials
	}
	// Poisson: σ = √want ≈ 0.3 % of want here.
	if math.Abs(got-want) > 4*math.Sqrt(want) {
		t.Fatalf("%v crossings before the movement, want %.0f ± %.0f", got, want, 4*math.Sqrt(want))
	}
}

// TestMotorVelocity: the encoded velocity integrates to the pen's
// displacement (smoothing and the lead only move it in time); pen-up moves
// are encoded like pen-down ones; a faster trial is shorter and stronger.
func TestMotorVelocity(t *testing.T) {
	p := convert.DefaultMotorParams()
	m := newMotor(t, p)
	tr := &events.Trajectory{Moves: []events.PenMove{{DX: 1}, {DX: 1}, {DY: 1}, {DX: -6, DY: 4, Up: true}, {DY: 1}}}
	nominal := convert.Trial{Onset: p.Onset, Speed: 1, Gain: 1}
	vx, vy := m.Velocity(tr, nominal)
	var sx, sy float64
	for k := range vx {
		sx += vx[k] * float64(p.Bin)
		sy += vy[k] * float64(p.Bin)
	}
	if math.Abs(sx-(-4)) > 1e-3 || math.Abs(sy-6) > 1e-3 {
		t.Errorf("∫v dt = (%.4f, %.4f), want the displacement (-4, 6)", sx, sy)
	}
	down := *tr
	down.Moves = slices.Clone(tr.Moves)
	down.Moves[3].Up = false
	if dx, dy := m.Velocity(&down, nominal); !reflect.DeepEqual(dx, vx) || !reflect.DeepEqual(dy, vy) {
		t.Error("a pen-up move is encoded unlike the same move with the pen down")
	}
	// Speed ×2: the same displacement in half the time, twice the peak.
	fast := nominal
	fast.Speed = 2
	fx, _ := m.Velocity(line(0, 60), fast)
	sx2, _ := m.Velocity(line(0, 60), nominal)
	if r := slices.Max(fx) / slices.Max(sx2); math.Abs(r-2) > 0.05 {
		t.Errorf("peak speed ratio %.3f at double speed, want 2", r)
	}
	active := func(v []float64) (n int) {
		for _, x := range v {
			if x > 30 { // half the nominal speed
				n++
			}
		}
		return n
	}
	if a, b := active(sx2), active(fx); math.Abs(float64(a)/float64(b)-2) > 0.15 {
		t.Errorf("moving for %d bins at speed 1 and %d at speed 2, want a 2:1 ratio", a, b)
	}
}

// TestMotorTrialJitter: the trial variability has the documented spread,
// and none at zero jitter.
func TestMotorTrialJitter(t *testing.T) {
	p := convert.DefaultMotorParams()
	m := newMotor(t, p)
	const n = 20000
	var ls, ls2, lg2, on, on2 float64
	for k := range n {
		tr := m.DrawTrial(uint64(k))
		l := math.Log(tr.Speed)
		ls += l
		ls2 += l * l
		lg2 += math.Log(tr.Gain) * math.Log(tr.Gain)
		on += float64(tr.Onset)
		on2 += float64(tr.Onset) * float64(tr.Onset)
	}
	sd := func(s, s2 float64) float64 { return math.Sqrt(s2/n - (s/n)*(s/n)) }
	if got := sd(ls, ls2); math.Abs(got-p.SpeedJitter) > 0.01 {
		t.Errorf("σ ln speed %.4f, want %.2f", got, p.SpeedJitter)
	}
	if got := math.Sqrt(lg2 / n); math.Abs(got-p.GainJitter) > 0.01 {
		t.Errorf("σ ln gain %.4f, want %.2f", got, p.GainJitter)
	}
	if got := sd(on, on2); math.Abs(got-float64(p.OnsetJitter)) > 0.002 {
		t.Errorf("σ onset %.4f s, want %v", got, p.OnsetJitter)
	}
	p.OnsetJitter, p.SpeedJitter, p.GainJitter = 0, 0, 0
	if tr := newMotor(t, p).DrawTrial(3); tr != (convert.Trial{Onset: p.Onset, Speed: 1, Gain: 1}) {
		t.Errorf("no jitter: trial %+v", tr)
	}
}

func TestMotorParamsValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*convert.MotorParams)
	}{
		{"channels", func(p *convert.MotorParams) { p.Channels = 0 }},
		{"bin", func(p *convert.MotorParams) { p.Bin = 0 }},
		{"bins", func(p *convert.MotorParams) { p.Bins = 0 }},
		{"speed", func(p *convert.MotorParams) { p.Speed = 0 }},
		{"NaN", func(p *convert.MotorParams) { p.DepthHz = math.NaN() }},
		{"tuned", func(p *convert.MotorParams) { p.TunedFraction = 1.5 }},
		{"jitter", func(p *convert.MotorParams) { p.SpeedJitter = -1 }},
		{"over an hour", func(p *convert.MotorParams) { p.Bin, p.Bins = 1, 3601 }},
	} {
		p := convert.DefaultMotorParams()
		c.set(&p)
		if _, err := convert.NewMotorModel(p); err == nil {
			t.Errorf("%s: accepted %+v", c.name, p)
		}
	}
	// Through the generic parameter API.
	pp, err := convert.NewParams("motor", "", [][2]string{{"depth_hz", "20"}, {"bin_s", "20ms"}})
	if err != nil {
		t.Fatal(err)
	}
	if mp := pp.(*convert.MotorParams); mp.DepthHz != 20 || mp.Bin != 0.02 {
		t.Fatalf("NewParams: %+v", mp)
	}
}

// ExampleMotorModel writes the digit "1" as a single downward stroke and
// counts the threshold crossings of the simulated motor-cortex population.
func ExampleMotorModel() {
	m, err := convert.NewMotorModel(convert.DefaultMotorParams())
	if err != nil {
		panic(err)
	}
	one := &events.Trajectory{X0: 14, Y0: 4}
	for range 20 {
		one.Moves = append(one.Moves, events.PenMove{DY: 1}) // y grows downwards
	}
	ev := m.Convert(one, 1)
	p := m.Params()
	fmt.Printf("%d channels × %d bins of %v\n", p.Channels, p.Bins, p.Bin)
	fmt.Printf("%d crossings, the first at %d µs on channel %d\n", len(ev), ev[0].T, ev[0].Ch)
	// Output:
	// 192 channels × 201 bins of 10ms
	// 5663 crossings, the first at 0 µs on channel 5
}

func BenchmarkMotorConvert192(b *testing.B) {
	m := newMotor(b, convert.DefaultMotorParams())
	tr := line(0.7, 40)
	k := uint64(0)
	for b.Loop() {
		m.Convert(tr, k)
		k++
	}
}
