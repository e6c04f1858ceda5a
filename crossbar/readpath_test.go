package crossbar

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/units"
)

func formedModel(t testing.TB, preset string, rows, cols int, seed uint64, edit func(*Params)) *Model {
	t.Helper()
	m := newTestModel(t, preset, rows, cols, seed, edit)
	mustProgram(t, m, m.Geometry().All(), DefaultForming(m.Params()))
	return m
}

func randomBinary(rng *rand.Rand, n int, density float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		if rng.Float64() < density {
			x[i] = 1
		}
	}
	return x
}

// Without read noise a binary MVM is Σ G·V_read rounded to the nearest ADC
// code: within half an LSB of the exact column current.
func TestMVMBinaryExact(t *testing.T) {
	m := formedModel(t, "ideal", 64, 48, 2, nil)
	r := Region{Row: 4, Col: 3, Rows: 50, Cols: 40}
	g := trueG(m, r)
	per := m.Periphery()
	v := float64(per.ReadVoltage)
	rng := rand.New(rand.NewPCG(1, 2))
	y := make([]units.Amps, r.Cols)
	for _, density := range []float64{0.02, 0.1, 0.3} {
		x := randomBinary(rng, r.Rows, density)
		sat, err := m.MVM(bg, r, x, y)
		if err != nil {
			t.Fatal(err)
		}
		for j := range y {
			var want float64
			for i := range x {
				want += x[i] * g[i*r.Cols+j]
			}
			want *= v
			if sat == 0 && math.Abs(float64(y[j])-want) > float64(per.LSB)/2*(1+1e-9) {
				t.Errorf("density %.2f column %d: %v, want %v ± LSB/2", density, j, y[j], units.Amps(want))
			}
			// The read path's ADC is exactly Periphery.ADCCode.
			if c, _ := per.ADCCode(units.Amps(want)); y[j] != per.Amps(c) {
				t.Errorf("density %.2f column %d: %v, Periphery.ADCCode gives code %d", density, j, y[j], c)
			}
		}
	}
}

// With read noise, a binary MVM matches Σ G·V_read of a prior Read within
// the noise and quantisation budget.
func TestMVMBinaryMatchesRead(t *testing.T) {
	m := formedModel(t, "lin2025", 64, 64, 4, nil)
	r := m.Geometry().All()
	g := mustRead(t, m, r)
	per := m.Periphery()
	v := float64(per.ReadVoltage)
	x := randomBinary(rand.New(rand.NewPCG(3, 4)), r.Rows, 0.25)
	k := 0
	for _, xi := range x {
		if xi == 1 {
			k++
		}
	}
	y := make([]units.Amps, r.Cols)
	if _, err := m.MVM(bg, r, x, y); err != nil {
		t.Fatal(err)
	}
	for j := range y {
		var want, noise2 float64
		for i := range x {
			gi := float64(g[i*r.Cols+j])
			want += x[i] * gi * v
			noise2 += x[i] * gi * gi * v * v
		}
		// Budget: 5σ of the combined read noise of the MVM and of the k
		// reads (σ·√ΣG²V² each), plus (k+1)/2 LSB of quantisation.
		tol := 5*m.Params().ReadNoise*math.Sqrt(2*noise2) + float64(k+1)/2*float64(per.LSB)
		if math.Abs(float64(y[j])-want) > tol {
			t.Errorf("column %d: MVM %v, Σ G·V %v (tolerance %v)", j, y[j], units.Amps(want), units.Amps(tol))
		}
	}
}

// A multi-bit MVM is exactly its binary bit planes, LSB first, shifted and
// added — read noise included, because each plane is one conversion per
// column on a twin model with the same history.
func TestMVMBitSerialEqualsPlanes(t *testing.T) {
	a := formedModel(t, "lin2025", 32, 24, 6, nil)
	b := formedModel(t, "lin2025", 32, 24, 6, nil)
	r := Region{Row: 1, Col: 2, Rows: 30, Cols: 20}
	per := a.Periphery()
	levels := float64(per.InputLevels())
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, r.Rows)
	for i := range x {
		x[i] = float64(rng.IntN(per.InputLevels()+1)) / levels
	}
	x[0], x[1] = 0.5, 0.03 // rounded to 8/15 and 0/15
	codes := make([]int32, r.Cols)
	if _, err := a.MVMCodes(bg, r, x, codes); err != nil {
		t.Fatal(err)
	}
	want := make([]int32, r.Cols)
	plane := make([]float64, r.Rows)
	pc := make([]int32, r.Cols)
	for bit := range per.InputBits {
		for i := range x {
			q := uint32(math.Round(x[i] * levels))
			plane[i] = float64(q >> bit & 1)
		}
		if _, err := b.MVMCodes(bg, r, plane, pc); err != nil {
			t.Fatal(err)
		}
		for j := range want {
			want[j] += pc[j] << bit
		}
	}
	for j := range codes {
		if codes[j] != want[j] {
			t.Errorf("column %d: multi-bit code %d, planes give %d", j, codes[j], want[j])
		}
	}
	// And MVM reports codes·LSB/levels.
	c := formedModel(t, "lin2025", 32, 24, 6, nil)
	y := make([]units.Amps, r.Cols)
	if _, err := c.MVM(bg, r, x, y); err != nil {
		t.Fatal(err)
	}
	for j := range y {
		if y[j] != per.MVMAmps(codes[j], false) {
			t.Errorf("column %d: MVM %v, codes give %v", j, y[j], per.MVMAmps(codes[j], false))
		}
	}
}

// Read values are exactly code·LSB/V_read, and MVM values exactly code·LSB:
// the board parity contract.
func TestCodesToUnitsExact(t *testing.T) {
	a := formedModel(t, "lin2025", 8, 8, 8, nil)
	b := formedModel(t, "lin2025", 8, 8, 8, nil)
	per := a.Periphery()
	r := a.Geometry().All()
	g := mustRead(t, a, r)
	codes := make([]int32, r.Cols)
	x := make([]float64, r.Rows)
	for i := range r.Rows {
		clear(x)
		x[i] = 1
		if _, err := b.MVMCodes(bg, r, x, codes); err != nil {
			t.Fatal(err)
		}
		for j, c := range codes {
			if g[i*r.Cols+j] != per.Siemens(c) {
				t.Fatalf("cell %d,%d: Read %v, one-hot code %d gives %v", i, j, g[i*r.Cols+j], c, per.Siemens(c))
			}
		}
	}
	x = []float64{1, 0, 1, 1, 0, 0, 1, 0}
	y := make([]units.Amps, r.Cols)
	if _, err := a.MVM(bg, r, x, y); err != nil {
		t.Fatal(err)
	}
	if _, err := b.MVMCodes(bg, r, x, codes); err != nil {
		t.Fatal(err)
	}
	for j := range y {
		if y[j] != units.Amps(float64(codes[j])*float64(per.LSB)) {
			t.Errorf("column %d: MVM %v ≠ code %d × LSB", j, y[j], codes[j])
		}
	}
}

// Counter-based noise: splitting a Read into sub-regions (rows ascending
// per column) or an MVM into column blocks gives bit-identical values.
func TestChunkingInvariance(t *testing.T) {
	a := formedModel(t, "lin2025", 64, 64, 10, nil)
	b := formedModel(t, "lin2025", 64, 64, 10, nil)
	r := Region{Row: 8, Col: 4, Rows: 32, Cols: 40}
	whole := mustRead(t, a, r)
	got := make([]units.Siemens, r.Cells())
	for _, q := range []Region{
		{Row: 8, Col: 4, Rows: 16, Cols: 20}, {Row: 8, Col: 24, Rows: 16, Cols: 20},
		{Row: 24, Col: 4, Rows: 16, Cols: 20}, {Row: 24, Col: 24, Rows: 16, Cols: 20},
	} {
		part := mustRead(t, b, q)
		for i := range q.Rows {
			for j := range q.Cols {
				got[(q.Row-r.Row+i)*r.Cols+q.Col-r.Col+j] = part[i*q.Cols+j]
			}
		}
	}
	for i := range whole {
		if whole[i] != got[i] {
			t.Fatalf("cell %d: one Read %v, four quadrant Reads %v", i, whole[i], got[i])
		}
	}
	// MVM in two column blocks.
	x := randomBinary(rand.New(rand.NewPCG(7, 8)), r.Rows, 0.3)
	y := make([]units.Amps, r.Cols)
	if _, err := a.MVM(bg, r, x, y); err != nil {
		t.Fatal(err)
	}
	left, right := Region{Row: r.Row, Col: r.Col, Rows: r.Rows, Cols: 15}, Region{Row: r.Row, Col: r.Col + 15, Rows: r.Rows, Cols: 25}
	y2 := make([]units.Amps, r.Cols)
	if _, err := b.MVM(bg, right, x, y2[15:]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.MVM(bg, left, x, y2[:15]); err != nil {
		t.Fatal(err)
	}
	for j := range y {
		if y[j] != y2[j] {
			t.Errorf("column %d: one MVM %v, column blocks %v", j, y[j], y2[j])
		}
	}
}

// Forming in blocks leaves the same cells as forming in one pulse.
func TestProgramChunkingInvariance(t *testing.T) {
	a := newTestModel(t, "ideal", 32, 32, 12, nil)
	b := newTestModel(t, "ideal", 32, 32, 12, nil)
	p := DefaultForming(a.Params())
	p.Amplitude = a.Params().VbdMean // half the cells
	mustProgram(t, a, a.Geometry().All(), p)
	for _, q := range []Region{{Rows: 32, Cols: 10}, {Col: 10, Rows: 32, Cols: 22}} {
		mustProgram(t, b, q, p)
	}
	ga, gb := mustRead(t, a, a.Geometry().All()), mustRead(t, b, b.Geometry().All())
	for i := range ga {
		if ga[i] != gb[i] {
			t.Fatalf("cell %d: %v formed in one pulse, %v in blocks", i, ga[i], gb[i])
		}
	}
}

// A dense input over formed columns overflows the ADC: saturation is a
// returned count, and the codes sit at full scale.
func TestMVMSaturation(t *testing.T) {
	m := formedModel(t, "ideal", 512, 8, 14, nil)
	r := m.Geometry().All()
	x := make([]float64, r.Rows)
	for i := range x {
		x[i] = 1
	}
	codes := make([]int32, r.Cols)
	sat, err := m.MVMCodes(bg, r, x, codes)
	if err != nil {
		t.Fatal(err)
	}
	// 512 cells × 14.25 µS × 0.2 V ≈ 1.46 mA ≫ full scale 1.8 V/5.6 kΩ = 321 µA.
	if sat != r.Cols {
		t.Errorf("saturated = %d, want %d", sat, r.Cols)
	}
	for _, c := range codes {
		if c != m.Periphery().CodeMax {
			t.Errorf("saturated code %d, want %d", c, m.Periphery().CodeMax)
		}
	}
	if got := m.Counters().Saturations; got != int64(r.Cols) {
		t.Errorf("Counters.Saturations = %d", got)
	}
}

func TestCounters(t *testing.T) {
	m := formedModel(t, "lin2025", 16, 16, 15, nil)
	p := m.Params()
	c0 := m.Counters()
	if c0.Pulses != 256 || c0.DACUpdates != 2 || c0.Energy <= 0 {
		t.Errorf("after forming: %+v", c0)
	}
	r := Region{Row: 0, Col: 0, Rows: 16, Cols: 10}
	x := make([]float64, 16)
	x[1], x[5], x[9] = 1, 1, 1
	if _, err := m.MVM(bg, r, x, make([]units.Amps, 10)); err != nil {
		t.Fatal(err)
	}
	c1 := m.Counters()
	if c1.MVMs-c0.MVMs != 1 || c1.ADCConversions-c0.ADCConversions != 10 || c1.CellReads-c0.CellReads != 30 {
		t.Errorf("binary MVM of 3 rows × 10 columns counted %+v", c1)
	}
	// Energy: the conversions plus V²·ΣG·t_read of the cells read.
	minE := 10 * float64(p.EnergyADC+p.EnergyTIA)
	if de := float64(c1.Energy - c0.Energy); de < minE || de > minE*1.01 {
		t.Errorf("MVM energy %g J, want just above %g J", de, minE)
	}
	x[1] = 0.5 // multi-bit: InputBits planes
	if _, err := m.MVM(bg, r, x, make([]units.Amps, 10)); err != nil {
		t.Fatal(err)
	}
	c2 := m.Counters()
	if c2.MVMs-c1.MVMs != 1 || c2.ADCConversions-c1.ADCConversions != int64(10*p.InputBits) {
		t.Errorf("multi-bit MVM counted %+v", c2)
	}
	mustRead(t, m, Region{Rows: 2, Cols: 3})
	if c3 := m.Counters(); c3.CellReads-c2.CellReads != 6 || c3.ADCConversions-c2.ADCConversions != 6 || c3.MVMs != c2.MVMs {
		t.Errorf("Read of 6 cells counted %+v", c3)
	}
}

func TestPeriphery(t *testing.T) {
	per := NewPeriphery(mustPreset(t, "lin2025"))
	// Closed forms from the DAC80508 and ADS8324 transfer functions.
	if want := 1.8 / 8192 / 5600; float64(per.LSB) != want {
		t.Errorf("LSB = %v, want %v", per.LSB, want)
	}
	if per.ReadCode != 2621 || float64(per.ReadVoltage) != 2621*5.0/65536 {
		t.Errorf("read voltage %v (code %d)", per.ReadVoltage, per.ReadCode)
	}
	if per.CodeMin != -8192 || per.CodeMax != 8191 {
		t.Errorf("code range %d..%d", per.CodeMin, per.CodeMax)
	}
	if c := per.DACCode(10); c != 65535 {
		t.Errorf("DAC clamps to %d", c)
	}
	if c := per.DACCode(-1); c != 0 {
		t.Errorf("DAC clamps negative to %d", c)
	}
	for _, tc := range []struct {
		i    units.Amps
		code int32
		sat  bool
	}{{0, 0, false}, {per.LSB * 0.49, 0, false}, {per.LSB * 0.51, 1, false}, {-per.LSB * 3, -3, false},
		{per.LSB * 9000, 8191, true}, {-per.LSB * 9000, -8192, true}} {
		if c, s := per.ADCCode(tc.i); c != tc.code || s != tc.sat {
			t.Errorf("ADCCode(%v) = %d, %v; want %d, %v", tc.i, c, s, tc.code, tc.sat)
		}
	}
}

func TestSummarize(t *testing.T) {
	g := []units.Siemens{0.1e-6, 10e-6, 20e-6, 0, 30e-6}
	st := Summarize(g, 1e-6)
	// Closed form: formed {10, 20, 30} µS, mean 20, sample std 10.
	if st.Cells != 5 || st.Formed != 3 || st.FormedFraction != 0.6 ||
		math.Abs(st.MeanUS-20) > 1e-12 || math.Abs(st.StdUS-10) > 1e-12 || st.MinUS != 10 || math.Abs(st.MaxUS-30) > 1e-12 {
		t.Errorf("Summarize = %+v", st)
	}
	if st := Summarize(g[:1], 1e-6); st.Formed != 0 || st.MinUS != 0 || st.MaxUS != 0 {
		t.Errorf("Summarize of nothing formed = %+v", st)
	}
}

// The counter-based normals are standard normal: moments, the ziggurat's
// tail beyond r, and a Kolmogorov–Smirnov test against Φ.
func TestNormalDraws(t *testing.T) {
	k := newKeyer(99)
	const n = 400000
	z := make([]float64, n)
	var s, s2, s4 float64
	tail, beyondR := 0, 0
	for i := range z {
		v := k.normal(streamRead, i%512, uint64(i/512))
		z[i] = v
		s += v
		s2 += v * v
		s4 += v * v * v * v
		if v > 2 {
			tail++
		}
		if math.Abs(v) > zigR {
			beyondR++
		}
	}
	mean, v := s/n, s2/n
	// 5σ bounds: mean ± 5/√n, variance ± 5√(2/n), kurtosis 3 ± 5√(96/n).
	if math.Abs(mean) > 5/math.Sqrt(n) || math.Abs(v-1) > 5*math.Sqrt(2.0/n) || math.Abs(s4/n-3) > 5*math.Sqrt(96.0/n) {
		t.Errorf("normal draws: mean %.4f var %.4f kurtosis %.4f", mean, v, s4/n)
	}
	for _, c := range []struct {
		name  string
		got   int
		wantP float64
	}{{"P(z > 2)", tail, 1 - phi(2)}, {"P(|z| > r)", beyondR, 2 * (1 - phi(zigR))}} {
		if f := float64(c.got) / n; math.Abs(f-c.wantP) > binomTol(c.wantP, n) {
			t.Errorf("%s = %.6f, want %.6f", c.name, f, c.wantP)
		}
	}
	slices.Sort(z)
	var d float64
	for i, v := range z {
		f := phi(v)
		d = max(d, math.Abs(f-float64(i)/n), math.Abs(f-float64(i+1)/n))
	}
	// Kolmogorov–Smirnov: √n·D < 1.95 at p = 0.001.
	if d*math.Sqrt(n) > 1.95 {
		t.Errorf("KS statistic √n·D = %.3f, want < 1.95", d*math.Sqrt(n))
	}
}

// The ziggurat tables equal the ones Go's math/rand prints (same
// Marsaglia–Tsang construction).
func TestZigguratTables(t *testing.T) {
	for _, c := range []struct {
		i    int
		want uint32
	}{{0, 0x76ad2212}, {1, 0}, {2, 0x600f1b53}, {3, 0x6ce447a6}, {126, 0x7a722176}, {127, 0x77d664e5}} {
		// Allow ±1 for the float32 vs float64 construction.
		if d := int64(zig.k[c.i]) - int64(c.want); d < -1 || d > 1 {
			t.Errorf("k[%d] = %#x, want %#x", c.i, zig.k[c.i], c.want)
		}
	}
}

// TestReadGainAutoRange: a conductance read switches the TIA to a higher
// gain (×2 steps) when one code at tia_gain is coarser than lrs_std/4, as
// far as full scale still holds lrs_max. lin2025's 14-bit ADC keeps
// tia_gain; with a 6-bit ADC the read gain is 8 × 5.6 kΩ (one code 6.3 µS,
// full scale 97 µS; a 4th doubling would hold only 49 µS < lrs_max), and
// a formed array then reads as formed, with its mean conductance, where at
// tia_gain every cell reads code 0. An explicit read_tia_gain is kept.
func TestReadGainAutoRange(t *testing.T) {
	ctx := context.Background()
	p, _ := Preset("lin2025")
	if g := ReadGain(p); g != p.TIAGain {
		t.Errorf("lin2025 read gain %v, want tia_gain %v", g, p.TIAGain)
	}
	if per := NewPeriphery(p); per.ReadLSB != per.LSB {
		t.Errorf("lin2025: read LSB %v differs from the MVM LSB %v", per.ReadLSB, per.LSB)
	}
	read := func(p Params) ConductanceStats {
		m, err := NewModel(p, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		r := Region{Rows: 64, Cols: 64}
		if err := m.Program(ctx, r, DefaultForming(p)); err != nil {
			t.Fatal(err)
		}
		g := make([]units.Siemens, r.Cells())
		if err := m.Read(ctx, r, g); err != nil {
			t.Fatal(err)
		}
		return Summarize(g, p.FormedThreshold)
	}
	ref := read(p)
	p6 := p
	p6.ADCBits = 6
	if g := ReadGain(p6); g != 8*p.TIAGain {
		t.Errorf("6-bit read gain %v, want 8 × %v", g, p.TIAGain)
	}
	per := NewPeriphery(p6)
	if fs := per.Siemens(per.CodeMax); fs < p.LRSMax || fs/2 >= p.LRSMax {
		t.Errorf("6-bit read full scale %v: want the last ×2 step holding lrs_max %v", fs, p.LRSMax)
	}
	got := read(p6)
	if got.FormedFraction < 0.99 || math.Abs(got.MeanUS-ref.MeanUS) > 1 {
		t.Errorf("6-bit auto-ranged read: formed %.4f, mean %.3f µS; 14-bit %.4f, %.3f µS", got.FormedFraction, got.MeanUS, ref.FormedFraction, ref.MeanUS)
	}
	t.Logf("6-bit read: %.3f µS per code, formed %.4f, %.3f ± %.3f µS (14-bit: %.3f ± %.3f µS)",
		per.Siemens(1).Micro(), got.FormedFraction, got.MeanUS, got.StdUS, ref.MeanUS, ref.StdUS)
	p6.ReadTIAGain = p.TIAGain
	if g := ReadGain(p6); g != p.TIAGain {
		t.Errorf("explicit read_tia_gain: %v, want %v", g, p.TIAGain)
	}
	if got := read(p6); got.Formed != 0 {
		t.Errorf("6-bit read at tia_gain: %d cells above the threshold, want 0 (50 µS per code)", got.Formed)
	}
}
