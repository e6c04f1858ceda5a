package crossbartest

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// peripheral is the optional method that reports the code conversion table.
type peripheral interface {
	Periphery() crossbar.Periphery
}

// defaultFormer is the optional method that reports a default forming pulse.
type defaultFormer interface {
	DefaultForming() crossbar.Pulse
}

// suite carries what the subtests share.
type suite struct {
	a      crossbar.Array
	geom   crossbar.Geometry
	form   crossbar.Pulse
	vread  float64 // V
	lsb    float64 // A per code; an estimate when a does not say
	formed crossbar.Region
	fresh  crossbar.Region
	g      []units.Siemens // last read of formed
}

// Thresholds of the macro's scales (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023): pristine ≈ 0.1 µS,
// formed ≈ 14 µS.
const (
	formedAbove   = 1e-6 // S: a cell reading above this is formed
	pristineBelow = 1e-6 // S: a pristine cell reads below this
	maxPlausible  = 1e-3 // S: no cell of this macro conducts 1 mS
)

// TestArray runs the conformance suite on a and closes it at the end.
//
// It uses two regions in the bottom-right corner: "formed", the last 8 rows
// × last 16 columns, which it forms once with a's DefaultForming() pulse
// (or crossbar.DefaultForming of lin2025, clamped to a's Limits), and
// "fresh", the 8 × 16 cells just above it, which it only reads and which
// must never have been programmed. The array must have at least 16 rows
// and 16 columns. Tolerances allow the read noise and ADC quantisation of
// the lin2025 macro with a wide margin; an Array with a Periphery() method
// gets checks tightened to its ADC step.
func TestArray(t *testing.T, a crossbar.Array) {
	t.Helper()
	s := &suite{a: a, geom: a.Geometry()}
	if s.geom.Rows < 16 || s.geom.Cols < 16 {
		t.Fatalf("crossbartest: array is %d×%d; the suite needs at least 16×16", s.geom.Rows, s.geom.Cols)
	}
	s.formed = crossbar.Region{Row: s.geom.Rows - 8, Col: s.geom.Cols - 16, Rows: 8, Cols: 16}
	s.fresh = crossbar.Region{Row: s.geom.Rows - 16, Col: s.geom.Cols - 16, Rows: 8, Cols: 16}
	s.vread = float64(crossbar.DefaultReadVoltage)
	if rv, ok := a.(crossbar.ReadVoltager); ok {
		s.vread = float64(rv.ReadVoltage())
	}
	s.lsb = 0.25e-6 * s.vread // assumption: 0.25 µS per code, coarser than the lin2025 read path (0.196 µS)
	if p, ok := a.(peripheral); ok {
		s.lsb = float64(p.Periphery().LSB)
	}
	s.form = s.formingPulse()

	steps := []struct {
		name string
		f    func(*testing.T)
	}{
		{"Geometry", s.testGeometry},
		{"Limits", s.testLimits},
		{"ReadPristine", s.testReadPristine},
		{"FormAndRead", s.testFormAndRead},
		{"ReadRepeatable", s.testReadRepeatable},
		{"MVMBinary", s.testMVMBinary},
		{"MVMMultiBit", s.testMVMMultiBit},
		{"InvalidCallsChangeNothing", s.testInvalid},
		{"Context", s.testContext},
		{"Clock", s.testClock},
		{"Counter", s.testCounter},
		{"ReservoirRunner", s.testReservoirRunner},
		{"Concurrent", s.testConcurrent},
		{"Close", s.testClose},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.f) && st.name == "FormAndRead" {
			t.Fatal("crossbartest: forming failed; the remaining checks need formed cells")
		}
	}
}

func (s *suite) formingPulse() crossbar.Pulse {
	var p crossbar.Pulse
	if f, ok := s.a.(defaultFormer); ok {
		p = f.DefaultForming()
	} else {
		lin, _ := crossbar.Preset("lin2025")
		p = crossbar.DefaultForming(lin)
	}
	if l, ok := s.a.(crossbar.Limiter); ok {
		lim := l.Limits()
		p.Amplitude = min(p.Amplitude, lim.MaxAmplitude[crossbar.Form])
		p.Width = min(max(p.Width, lim.MinWidth), lim.MaxWidth)
		p.Gate = min(p.Gate, lim.MaxGate)
	}
	return p
}

func (s *suite) read(t *testing.T, r crossbar.Region) []units.Siemens {
	t.Helper()
	g := make([]units.Siemens, r.Cells())
	if err := s.a.Read(context.Background(), r, g); err != nil {
		t.Fatalf("Read(%v): %v", r, err)
	}
	for i, v := range g {
		if math.IsNaN(float64(v)) || math.Abs(float64(v)) > maxPlausible {
			t.Fatalf("Read(%v): cell %d reads %v", r, i, v)
		}
	}
	return g
}

func (s *suite) mvm(t *testing.T, r crossbar.Region, x []float64) []units.Amps {
	t.Helper()
	y := make([]units.Amps, r.Cols)
	sat, err := s.a.MVM(context.Background(), r, x, y)
	if err != nil {
		t.Fatalf("MVM(%v): %v", r, err)
	}
	if sat < 0 || sat > r.Cols*16 {
		t.Errorf("MVM(%v): saturated = %d", r, sat)
	}
	return y
}

func (s *suite) testGeometry(t *testing.T) {
	g := s.a.Geometry()
	if g != s.geom || g.Cells() != g.Rows*g.Cols || g.All() != (crossbar.Region{Rows: g.Rows, Cols: g.Cols}) {
		t.Errorf("Geometry() = %+v, unstable or inconsistent (first %+v)", g, s.geom)
	}
}

func (s *suite) testLimits(t *testing.T) {
	l, ok := s.a.(crossbar.Limiter)
	if !ok {
		t.Skip("not a crossbar.Limiter")
	}
	lim := l.Limits()
	for _, m := range []crossbar.Mode{crossbar.Form, crossbar.Set, crossbar.Reset} {
		if !(lim.MaxAmplitude[m] > 0) {
			t.Errorf("MaxAmplitude[%v] = %v", m, lim.MaxAmplitude[m])
		}
	}
	if !(lim.MinWidth > 0 && lim.MaxWidth >= lim.MinWidth && lim.MaxGate > 0 && lim.MaxDuty > 0 && lim.MaxDuty <= 1 && lim.MaxCells >= 0) {
		t.Errorf("implausible limits %+v", lim)
	}
	if err := lim.Check(s.form, s.formed.Cells()); err != nil {
		t.Errorf("the suite's forming pulse %v is outside the limits: %v", s.form, err)
	}
}

func (s *suite) testReadPristine(t *testing.T) {
	g := s.read(t, s.fresh)
	sorted := slices.Clone(g)
	slices.Sort(sorted)
	if med := sorted[len(sorted)/2]; med > pristineBelow {
		t.Errorf("median of the unprogrammed region %v is %v, want < %v (pristine ≈ 10 MΩ)", s.fresh, med, units.Siemens(pristineBelow))
	}
}

func (s *suite) testFormAndRead(t *testing.T) {
	if err := s.a.Program(context.Background(), s.formed, s.form); err != nil {
		t.Fatalf("Program(%v, %v): %v", s.formed, s.form, err)
	}
	s.g = s.read(t, s.formed)
	n := 0
	for _, v := range s.g {
		if v > formedAbove {
			n++
		}
	}
	if n < s.formed.Cells()*3/4 {
		t.Errorf("%d of %d cells formed by %v, want most", n, s.formed.Cells(), s.form)
	}
	// The unprogrammed region is untouched by the pulse.
	g := s.read(t, s.fresh)
	for i, v := range g {
		if v > formedAbove {
			t.Errorf("cell %d of the unprogrammed region %v reads %v after forming %v", i, s.fresh, v, s.formed)
			break
		}
	}
}

// relClose reports |a−b| ≤ rel·max(|a|,|b|) + abs.
func relClose(a, b, rel, abs float64) bool {
	return math.Abs(a-b) <= rel*max(math.Abs(a), math.Abs(b))+abs
}

func (s *suite) testReadRepeatable(t *testing.T) {
	g1 := s.read(t, s.formed)
	g2 := s.read(t, s.formed)
	bad := 0
	for i := range g1 {
		// Two reads of a cell differ by read noise (2 % per read in
		// lin2025) and quantisation: allow 15 % + 2 LSB.
		if !relClose(float64(g1[i]), float64(g2[i]), 0.15, 2*s.lsb/s.vread) {
			bad++
		}
	}
	if bad > len(g1)/20 {
		t.Errorf("%d of %d cells changed by more than the read noise between two reads", bad, len(g1))
	}
	// Reading a sub-region returns the same cells (within noise).
	sub := crossbar.Region{Row: s.formed.Row + 2, Col: s.formed.Col + 3, Rows: 3, Cols: 5}
	gs := s.read(t, sub)
	for i := range sub.Rows {
		for j := range sub.Cols {
			whole := g1[(i+2)*s.formed.Cols+j+3]
			if !relClose(float64(gs[i*sub.Cols+j]), float64(whole), 0.15, 2*s.lsb/s.vread) {
				t.Errorf("sub-region cell %d,%d reads %v, the whole region %v", i, j, gs[i*sub.Cols+j], whole)
			}
		}
	}
}

// expect returns Σ x·g·V_read per column of the formed region and the
// number of active rows.
func (s *suite) expect(x []float64) ([]float64, int) {
	r := s.formed
	want := make([]float64, r.Cols)
	k := 0
	for i, xi := range x {
		if xi != 0 {
			k++
		}
		for j := range want {
			want[j] += xi * float64(s.g[i*r.Cols+j]) * s.vread
		}
	}
	return want, k
}

func (s *suite) checkMVM(t *testing.T, what string, x []float64, y []units.Amps, extraLSB float64) {
	t.Helper()
	want, k := s.expect(x)
	for j := range y {
		// Read noise of the MVM and of the earlier reads (≤ 10 %), plus
		// the quantisation of the k reads and of the MVM itself.
		tol := 0.10*want[j] + (float64(k)/2+1+extraLSB)*s.lsb
		if math.Abs(float64(y[j])-want[j]) > tol {
			t.Errorf("%s: column %d: MVM %v, Σ x·G·V_read from Read %v (tolerance %v)",
				what, j, y[j], units.Amps(want[j]), units.Amps(tol))
		}
	}
}

func (s *suite) testMVMBinary(t *testing.T) {
	r := s.formed
	for _, x := range [][]float64{
		{1, 0, 1, 0, 0, 1, 1, 0},
		{0, 0, 0, 1, 0, 0, 0, 0},
		{1, 1, 1, 1, 1, 1, 1, 1},
	} {
		s.checkMVM(t, "binary", x, s.mvm(t, r, x), 0)
	}
	y := s.mvm(t, r, make([]float64, r.Rows))
	for j, v := range y {
		if math.Abs(float64(v)) > s.lsb {
			t.Errorf("zero input: column %d carries %v", j, v)
		}
	}
	// A sub-region MVM sees only its rows and columns.
	sub := crossbar.Region{Row: r.Row + 1, Col: r.Col + 4, Rows: 4, Cols: 6}
	ys := s.mvm(t, sub, []float64{1, 0, 0, 1})
	for j := range ys {
		want := (float64(s.g[1*r.Cols+4+j]) + float64(s.g[4*r.Cols+4+j])) * s.vread
		if math.Abs(float64(ys[j])-want) > 0.1*want+3*s.lsb {
			t.Errorf("sub-region MVM column %d: %v, want %v", j, ys[j], units.Amps(want))
		}
	}
}

// testMVMMultiBit applies inputs k/15, exactly representable at 4, 8, 12
// or 16 input bits, and checks them against Σ x·G·V and against the
// weighted sum of the binary planes of 15·x.
func (s *suite) testMVMMultiBit(t *testing.T) {
	r := s.formed
	q := []int{15, 0, 7, 3, 12, 1, 8, 5}
	x := make([]float64, r.Rows)
	for i := range x {
		x[i] = float64(q[i]) / 15
	}
	y := s.mvm(t, r, x)
	s.checkMVM(t, "multi-bit", x, y, 4)
	sum := make([]float64, r.Cols)
	plane := make([]float64, r.Rows)
	for b := range 4 {
		for i := range plane {
			plane[i] = float64(q[i] >> b & 1)
		}
		yp := s.mvm(t, r, plane)
		for j := range sum {
			sum[j] += float64(int(1)<<b) / 15 * float64(yp[j])
		}
	}
	want, k := s.expect(x)
	for j := range y {
		tol := 0.10*want[j] + (float64(k)+8)*s.lsb
		if math.Abs(float64(y[j])-sum[j]) > tol {
			t.Errorf("column %d: multi-bit MVM %v, weighted binary planes %v", j, y[j], units.Amps(sum[j]))
		}
	}
}

// state is what a rejected call must not change.
type state struct {
	counters crossbar.Counters
	hasCount bool
}

func (s *suite) snapshot() state {
	if c, ok := s.a.(crossbar.Counter); ok {
		return state{counters: c.Counters(), hasCount: true}
	}
	return state{}
}

func (s *suite) checkUnchanged(t *testing.T, before state, what string) {
	t.Helper()
	if after := s.snapshot(); after != before {
		t.Errorf("%s changed the counters:\n before %+v\n after  %+v", what, before.counters, after.counters)
	}
}

func (s *suite) testInvalid(t *testing.T) {
	ctx := context.Background()
	g := s.geom
	before := s.snapshot()
	for _, r := range []crossbar.Region{
		{Row: -1, Col: 0, Rows: 2, Cols: 2},
		{Row: 0, Col: -3, Rows: 2, Cols: 2},
		{Row: g.Rows - 1, Col: 0, Rows: 2, Cols: 1},
		{Row: 0, Col: g.Cols - 1, Rows: 1, Cols: 2},
		{Row: 0, Col: 0, Rows: 0, Cols: 4},
		{Row: 0, Col: 0, Rows: 4, Cols: 0},
		{Row: g.Rows, Col: g.Cols, Rows: 1, Cols: 1},
	} {
		if err := s.a.Program(ctx, r, s.form); err == nil {
			t.Errorf("Program(%v) accepted", r)
		}
		if err := s.a.Read(ctx, r, make([]units.Siemens, max(r.Cells(), 0))); err == nil {
			t.Errorf("Read(%v) accepted", r)
		}
		if _, err := s.a.MVM(ctx, r, make([]float64, max(r.Rows, 0)), make([]units.Amps, max(r.Cols, 0))); err == nil {
			t.Errorf("MVM(%v) accepted", r)
		}
	}
	r := s.formed
	if err := s.a.Read(ctx, r, make([]units.Siemens, r.Cells()-1)); err == nil {
		t.Error("Read with a short slice accepted")
	}
	if err := s.a.Read(ctx, r, make([]units.Siemens, r.Cells()+1)); err == nil {
		t.Error("Read with a long slice accepted")
	}
	if _, err := s.a.MVM(ctx, r, make([]float64, r.Rows-1), make([]units.Amps, r.Cols)); err == nil {
		t.Error("MVM with a short x accepted")
	}
	if _, err := s.a.MVM(ctx, r, make([]float64, r.Rows), make([]units.Amps, r.Cols+1)); err == nil {
		t.Error("MVM with a long y accepted")
	}
	for _, v := range []float64{math.NaN(), -0.5, 1.5, math.Inf(1)} {
		x := make([]float64, r.Rows)
		x[3] = v
		if _, err := s.a.MVM(ctx, r, x, make([]units.Amps, r.Cols)); err == nil {
			t.Errorf("MVM with x[3] = %v accepted", v)
		}
	}
	bad := []crossbar.Pulse{
		{Mode: 0, Amplitude: s.form.Amplitude, Width: s.form.Width, Gate: s.form.Gate},
		{Mode: 17, Amplitude: s.form.Amplitude, Width: s.form.Width, Gate: s.form.Gate},
	}
	if l, ok := s.a.(crossbar.Limiter); ok {
		lim := l.Limits()
		f := s.form
		over := func(edit func(*crossbar.Pulse)) crossbar.Pulse { p := f; edit(&p); return p }
		bad = append(bad,
			over(func(p *crossbar.Pulse) { p.Amplitude = lim.MaxAmplitude[crossbar.Form] * 1.01 }),
			over(func(p *crossbar.Pulse) { p.Mode, p.Amplitude = crossbar.Set, lim.MaxAmplitude[crossbar.Set]*1.01 }),
			over(func(p *crossbar.Pulse) { p.Mode, p.Amplitude = crossbar.Reset, lim.MaxAmplitude[crossbar.Reset]*1.01 }),
			over(func(p *crossbar.Pulse) { p.Amplitude = -0.1 }),
			over(func(p *crossbar.Pulse) { p.Width = lim.MinWidth / 2 }),
			over(func(p *crossbar.Pulse) { p.Width = lim.MaxWidth * 2 }),
			over(func(p *crossbar.Pulse) { p.Gate = lim.MaxGate * 1.01 }),
		)
		if lim.MaxCells > 0 && lim.MaxCells < g.Cells() {
			if err := s.a.Program(ctx, g.All(), f); err == nil {
				t.Errorf("Program of %d cells accepted with MaxCells %d", g.Cells(), lim.MaxCells)
			}
		}
	}
	for _, p := range bad {
		if err := s.a.Program(ctx, r, p); err == nil {
			t.Errorf("Program(%v) accepted", p)
		}
	}
	s.checkUnchanged(t, before, "rejected calls")
	g2 := s.read(t, r)
	for i := range g2 {
		if !relClose(float64(g2[i]), float64(s.g[i]), 0.15, 2*s.lsb/s.vread) {
			t.Errorf("cell %d reads %v after rejected calls, %v before", i, g2[i], s.g[i])
		}
	}
}

func (s *suite) testContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	before := s.snapshot()
	r := s.formed
	for _, c := range []struct {
		ctx  context.Context
		want error
	}{{cancelled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		if err := s.a.Program(c.ctx, r, s.form); !errors.Is(err, c.want) {
			t.Errorf("Program with a done context: %v, want %v", err, c.want)
		}
		if err := s.a.Read(c.ctx, r, make([]units.Siemens, r.Cells())); !errors.Is(err, c.want) {
			t.Errorf("Read with a done context: %v, want %v", err, c.want)
		}
		if _, err := s.a.MVM(c.ctx, r, make([]float64, r.Rows), make([]units.Amps, r.Cols)); !errors.Is(err, c.want) {
			t.Errorf("MVM with a done context: %v, want %v", err, c.want)
		}
	}
	s.checkUnchanged(t, before, "calls with a done context")
}

func (s *suite) testClock(t *testing.T) {
	c, ok := s.a.(crossbar.Clock)
	if !ok {
		t.Skip("not a crossbar.Clock")
	}
	ctx := context.Background()
	t0 := c.Now()
	if !(t0 >= 0) {
		t.Errorf("Now() = %v", t0)
	}
	const d = 2e-3
	if err := c.Wait(ctx, d); err != nil {
		t.Fatalf("Wait(%v): %v", units.Seconds(d), err)
	}
	if t1 := c.Now(); t1 < t0+d*(1-1e-9) {
		t.Errorf("Now() went from %v to %v over Wait(%v)", t0, t1, units.Seconds(d))
	}
	if err := c.Wait(ctx, -1); err == nil {
		t.Error("Wait(-1s) accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Wait(cancelled, d); err == nil {
		t.Error("Wait with a cancelled context succeeded")
	}
}

func (s *suite) testCounter(t *testing.T) {
	c, ok := s.a.(crossbar.Counter)
	if !ok {
		t.Skip("not a crossbar.Counter")
	}
	c0 := c.Counters()
	x := make([]float64, s.formed.Rows)
	x[0], x[5] = 1, 1
	s.mvm(t, s.formed, x)
	c1 := c.Counters()
	if c1.MVMs != c0.MVMs+1 {
		t.Errorf("MVMs went from %d to %d over one MVM", c0.MVMs, c1.MVMs)
	}
	if c1.ADCConversions < c0.ADCConversions+int64(s.formed.Cols) {
		t.Errorf("ADC conversions went from %d to %d over an MVM of %d columns", c0.ADCConversions, c1.ADCConversions, s.formed.Cols)
	}
	if c1.CellReads < c0.CellReads+2*int64(s.formed.Cols) || !(c1.Energy > c0.Energy) {
		t.Errorf("counters after an MVM of 2 rows: %+v (before %+v)", c1, c0)
	}
	if c1.Pulses < int64(s.formed.Cells()) {
		t.Errorf("Pulses = %d after forming %d cells", c1.Pulses, s.formed.Cells())
	}
}

func (s *suite) testReservoirRunner(t *testing.T) {
	rr, ok := s.a.(crossbar.ReservoirRunner)
	if !ok {
		t.Skip("not a crossbar.ReservoirRunner")
	}
	l := crossbar.ReservoirLayout{Region: crossbar.Region{Row: s.formed.Row, Col: s.formed.Col, Rows: 8, Cols: 8}, In: 4, N: 4}
	run := crossbar.ReservoirRun{Layout: l, Steps: 6, Decay: 0.9, Threshold: 1, Gain: 0.5}
	input := [][]uint16{{0, 1, 2, 3}, {0}, {}, {1, 3}, {0, 1, 2, 3}, {2}}
	counts := make([]uint16, l.N)
	if err := rr.RunReservoir(context.Background(), run, input, counts); err != nil {
		t.Fatalf("RunReservoir: %v", err)
	}
	for j, c := range counts {
		if int(c) > run.Steps {
			t.Errorf("neuron %d spiked %d times in %d steps", j, c, run.Steps)
		}
	}
	// Neuron j's first-step current is Σ over the 4 active inputs of
	// Gain·(G⁺ − G⁻)/µS, known from the earlier read: a neuron far above
	// threshold at step 0 must spike at least once.
	for j := range l.N {
		var w float64
		for i := range 4 {
			w += float64(s.g[i*s.formed.Cols+2*j]-s.g[i*s.formed.Cols+2*j+1]) / float64(crossbar.GUnit)
		}
		if run.Gain*w > 3*run.Threshold+2 && counts[j] == 0 {
			t.Errorf("neuron %d: step-0 current %.2f ≫ threshold %.1f but no spike", j, run.Gain*w, run.Threshold)
		}
	}
	bad := [][]uint16{{0}, {9}, {}, {}, {}, {}}
	if err := rr.RunReservoir(context.Background(), run, bad, counts); err == nil {
		t.Error("RunReservoir with input index 9 of 4 accepted")
	}
	if err := rr.RunReservoir(context.Background(), run, input[:3], counts); err == nil {
		t.Error("RunReservoir with 3 frames for 6 steps accepted")
	}
}

func (s *suite) testConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			g := make([]units.Siemens, s.formed.Cells())
			if err := s.a.Read(context.Background(), s.formed, g); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Read: %v", err)
	}
}

func (s *suite) testClose(t *testing.T) {
	if err := s.a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	r := s.formed
	if err := s.a.Program(ctx, r, s.form); err == nil {
		t.Error("Program after Close succeeded")
	}
	if err := s.a.Read(ctx, r, make([]units.Siemens, r.Cells())); err == nil {
		t.Error("Read after Close succeeded")
	}
	if _, err := s.a.MVM(ctx, r, make([]float64, r.Rows), make([]units.Amps, r.Cols)); err == nil {
		t.Error("MVM after Close succeeded")
	}
}
