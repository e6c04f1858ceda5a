package crossbar

import (
	"context"
	"fmt"
	"math"

	"github.com/memlsm/memlsm/units"
)

// convert performs one binary read: the rows listed in rows (absolute
// indices, ascending) sit at the read voltage, the others are off, and the
// n columns from c0 are converted in parallel, one ADC code each, into
// codes. It is the one read path: Read, MVM, MVMCodes and RunReservoir all
// go through it. Rows must be refreshed. It returns the saturated
// conversions.
//
// Each column's current is Σ G·V plus read noise: with independent
// multiplicative noise σ on every cell the sum is exactly normal with
// standard deviation σ·sqrt(Σ I²) over the cells' currents I = G·V, so one
// normal per column per read, keyed by the column and its conversion
// count, is drawn. With wire resistance the cells' currents come from the
// IR-drop network (irdrop.go) for exactly these rows, and the noise is
// taken to first order around them; with a transistor on-resistance and
// ideal wires each cell is G/(1 + G·R_on).
//
// With diff (MVMs when Params.AnalogDiff is set) the columns are
// converted in pairs (2k, 2k+1), absolute: the pair's TIA subtracts the
// two currents before one conversion, whose code goes to the even column;
// the odd column's code is 0 and costs no conversion. The region must
// hold whole pairs (checked by the callers). lsb is the column current
// per code: m.lsb in MVMs, m.rlsb in conductance reads (Periphery.ReadLSB).
func (m *Model) convert(rows []int32, c0, n int, codes []int32, diff bool, lsb float64) int {
	s := m.sumG[:n]
	s2 := m.sumG2[:n]
	// cur(j) = scale·s[j] and its noise nsc·sqrt(s2[j]): conductance sums
	// times V (ideal wires) or the network's currents.
	scale, nsc := m.vread, m.sigma*m.vread
	// Read energy: V²·ΣG·t with ideal wires, V·ΣI·t from the drivers with
	// the network (ΣG or ΣI accumulated in the conversion loop).
	ev := m.vread // V·ΣG·V·t (the last V comes with ΣG) …
	switch {
	case m.wires != nil:
		m.wires.solve(m.gnow, rows, c0, n, m.vread, s, s2)
		scale, nsc = 1, m.sigma
		ev = 1 // … or V·ΣI·t
	default:
		clear(s)
		clear(s2)
		if ron := m.ron; ron > 0 {
			for _, i := range rows {
				off := int(i)*m.cols + c0
				g := m.gnow[off : off+n : off+n]
				for j, v := range g {
					v /= 1 + v*ron
					s[j] += v
					s2[j] += v * v
				}
			}
		} else {
			for _, i := range rows {
				off := int(i)*m.cols + c0
				g := m.gnow[off : off+n : off+n]
				for j, v := range g {
					s[j] += v
					s2[j] += v * v
				}
			}
		}
	}
	codes = codes[:n]
	sat := 0
	ops := m.colOps[c0 : c0+n]
	cmin, cmax := float64(m.per.CodeMin), float64(m.per.CodeMax)
	conv := n
	step := 1
	if diff {
		step = 2
		conv = n / 2
	}
	var gsum float64
	for j := 0; j < n; j += step {
		gsum += s[j]
		cur := scale * s[j]
		q := s2[j]
		if diff {
			gsum += s[j+1]
			cur -= scale * s[j+1]
			q += s2[j+1]
			codes[j+1] = 0
		}
		if nsc > 0 && q > 0 {
			cur += nsc * math.Sqrt(q) * m.key.normal(streamRead, c0+j, ops[j])
		}
		ops[j]++
		// Periphery.ADCCode, inlined: round to nearest, clamp.
		c := math.Round(cur / lsb)
		if c > cmax {
			c = cmax
			sat++
		} else if c < cmin {
			c = cmin
			sat++
		}
		codes[j] = int32(c)
	}
	m.counters.CellReads += int64(len(rows) * n)
	m.counters.ADCConversions += int64(conv)
	m.counters.Saturations += int64(sat)
	m.counters.Energy += units.Joules(m.vread*ev*gsum*m.tread + m.eConv*float64(conv))
	return sat
}

// Read implements Array. It is one one-hot binary read per row of r, rows
// in ascending order, every column of r converted in parallel; each code is
// turned into siemens by Periphery.Siemens. Reading does not advance the
// virtual clock (a read lasts microseconds, relaxation acts over seconds,
// and a clock that only pulses and Wait move keeps a board and the
// simulator in step).
func (m *Model) Read(ctx context.Context, r Region, g []units.Siemens) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx); err != nil {
		return err
	}
	if err := m.checkRegion(r); err != nil {
		return err
	}
	if len(g) != r.Cells() {
		return fmt.Errorf("crossbar: Read of %v needs %d values, got a slice of %d", r, r.Cells(), len(g))
	}
	for i := range r.Rows {
		row := r.Row + i
		m.refreshRow(row)
		m.one[0] = int32(row)
		m.convert(m.one[:], r.Col, r.Cols, m.codes, false, m.rlsb)
		out := g[i*r.Cols : (i+1)*r.Cols]
		for j, c := range m.codes[:r.Cols] {
			out[j] = m.per.Siemens(c)
		}
	}
	return nil
}

// ReadCodes is one binary read of every row of r with every column of r
// converted single-ended (column pairs are never subtracted in a read,
// whatever AnalogDiff says), returning raw signed ADC codes: what Read
// does for one row, and the entry point of a board emulator's READ.
func (m *Model) ReadCodes(ctx context.Context, r Region, codes []int32) (saturated int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx); err != nil {
		return 0, err
	}
	if err := m.checkRegion(r); err != nil {
		return 0, err
	}
	if len(codes) != r.Cols {
		return 0, fmt.Errorf("crossbar: ReadCodes over %v needs %d codes, got a slice of %d", r, r.Cols, len(codes))
	}
	rows := m.active[:0]
	for i := r.Row; i < r.Row+r.Rows; i++ {
		m.refreshRow(i)
		rows = append(rows, int32(i))
	}
	m.active = rows
	return m.convert(rows, r.Col, r.Cols, codes, false, m.rlsb), nil
}

// MVM implements Array; y[j] = Periphery.MVMAmps(code, binary) of the codes
// MVMCodes would return.
func (m *Model) MVM(ctx context.Context, r Region, x []float64, y []units.Amps) (saturated int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx); err != nil {
		return 0, err
	}
	if err := m.checkRegion(r); err != nil {
		return 0, err
	}
	if len(y) != r.Cols {
		return 0, fmt.Errorf("crossbar: MVM over %v needs %d outputs, got a slice of %d", r, r.Cols, len(y))
	}
	sat, binary, err := m.mvm(r, x, m.acc)
	if err != nil {
		return 0, err
	}
	for j, c := range m.acc[:r.Cols] {
		y[j] = m.per.MVMAmps(c, binary)
	}
	return sat, nil
}

// MVMCodes is MVM returning raw signed ADC codes: for a binary x the code of
// each column's one conversion; for a multi-bit x the digital shift-add
// Σ_b 2^b·code_b over the InputBits bit planes. Periphery.MVMAmps turns a
// code into the amperes MVM reports. It is the entry point of a board
// emulator whose firmware talks in codes.
func (m *Model) MVMCodes(ctx context.Context, r Region, x []float64, codes []int32) (saturated int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx); err != nil {
		return 0, err
	}
	if err := m.checkRegion(r); err != nil {
		return 0, err
	}
	if len(codes) != r.Cols {
		return 0, fmt.Errorf("crossbar: MVMCodes over %v needs %d codes, got a slice of %d", r, r.Cols, len(codes))
	}
	sat, _, err := m.mvm(r, x, codes)
	return sat, err
}

// mvm validates x, then applies it to the rows of r: one binary read if x
// is binary, else InputBits binary reads of its bit planes (LSB first),
// shift-added into out. It changes nothing if x is invalid.
func (m *Model) mvm(r Region, x []float64, out []int32) (sat int, binary bool, err error) {
	if len(x) != r.Rows {
		return 0, false, fmt.Errorf("crossbar: MVM over %v needs %d inputs, got a slice of %d", r, r.Rows, len(x))
	}
	if m.analogDiff && (r.Col%2 != 0 || r.Cols%2 != 0) {
		return 0, false, fmt.Errorf("crossbar: MVM over %v: with analog_diff the column pairs (2k, 2k+1) are subtracted before the ADC, so a region must start on an even column and span whole pairs", r)
	}
	binary = true
	active := m.active[:0]
	for i, v := range x {
		if !(v >= 0 && v <= 1) {
			return 0, false, fmt.Errorf("crossbar: MVM input x[%d] = %g outside [0, 1]", i, v)
		}
		if v != 0 {
			if v != 1 {
				binary = false
			}
			active = append(active, int32(r.Row+i))
		}
	}
	m.active = active
	for _, i := range active {
		m.refreshRow(int(i))
	}
	m.counters.MVMs++
	if binary {
		return m.convert(active, r.Col, r.Cols, out, m.analogDiff, m.lsb), true, nil
	}
	for _, i := range active {
		m.q[i] = m.per.Quantize(x[int(i)-r.Row])
	}
	acc := out[:r.Cols]
	clear(acc)
	for b := range m.per.InputBits {
		rows := m.planeRows[:0]
		for _, i := range active {
			if m.q[i]>>b&1 != 0 {
				rows = append(rows, i)
			}
		}
		m.planeRows = rows
		sat += m.convert(rows, r.Col, r.Cols, m.plane, m.analogDiff, m.lsb)
		for j, c := range m.plane[:r.Cols] {
			acc[j] += c << b
		}
	}
	return sat, false, nil
}
