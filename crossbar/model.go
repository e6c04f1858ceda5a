package crossbar

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/memlsm/memlsm/units"
)

// Errors a caller may branch on.
var (
	// ErrClosed is returned by every call on a closed array.
	ErrClosed = errors.New("crossbar: array is closed")
	// ErrLimit wraps the refusal of a pulse beyond the safety limits.
	ErrLimit = errors.New("crossbar: pulse beyond the safety limits")
)

// Cell states and fault flags, packed in one byte per cell.
const (
	statePristine uint8 = 0
	stateLRS      uint8 = 1
	stateHRS      uint8 = 2
	stateMask     uint8 = 3
	flagStuckHRS  uint8 = 4 // never forms or sets
	flagStuckLRS  uint8 = 8 // born conducting, ignores pulses
)

// Model is the simulated macro: a Rows×Cols 1T1R array with its periphery,
// following Params (see the package documentation for the physics). It
// implements Array, Limiter, Clock, Counter, ReservoirRunner and
// ReadVoltager, and is safe for concurrent use (one mutex; operations are
// serialised, and the order in which they arrive fixes the noise of each
// column).
type Model struct {
	mu     sync.Mutex
	p      Params
	per    Periphery
	seed   uint64
	key    keyer
	closed bool

	rows, cols int

	// Per cell (index row·cols+col).
	state  []uint8
	g0     []float64 // conductance right after the last state change (S)
	tprog  []float64 // virtual time of that change (s)
	nu     []float32 // relaxation exponent of the current state
	damage []float64 // accumulated breakdown damage of a pristine cell
	pulses []uint32  // pulses received: the counter of per-pulse draws

	// Read path.
	gnow     []float64 // effective conductance at clock (relaxation, IR drop), row-major
	rowEpoch []uint64  // epoch at which each row of gnow was computed
	epoch    uint64    // bumped whenever clock or g0 changes
	colOps   []uint64  // conversions per column: the counter of read-noise draws

	clock    float64 // virtual time (s)
	counters Counters

	// Scratch for the allocation-free read path and reservoir runs.
	sumG, sumG2        []float64 // Σ G and Σ G² per column of one read
	codes, plane, acc  []int32   // per column
	rcodes             []int32   // per column, for RunReservoir
	active, planeRows  []int32   // rows driven in an MVM / in one bit plane
	q                  []uint32  // quantised input per row
	one                [1]int32  // the row of a one-hot read
	rx                 []float64 // RunReservoir: input vector
	rv                 []float64 // RunReservoir: membrane potentials
	rspike, rspikePrev []bool    // RunReservoir: spikes now and at t−1

	// Constants derived from p.
	vread, lsb, tread  float64 // read voltage (quantised), A per code (MVM), read pulse width
	rlsb               float64 // A per code in a conductance read (Periphery.ReadLSB)
	sigma              float64 // relative read noise
	eConv              float64 // J per column conversion (ADC + TIA)
	gateScale          float64 // GateRef − Vth: denominator of the compliance law
	cvLRS, aD2D, bC2C  float64 // LRS coefficient of variation; √d2d, √(1−d2d)
	nuFacS, driftT0    float64 // σ of ln of the relaxation factor; t0
	formAccel, swAccel float64
	vbdMean, vbdStd    float64
	refWidth           float64
	grow               growth // forming: conductance versus charge after breakdown
	wires              *wires // IR-drop network solver; nil with ideal wires
	ron                float64
	analogDiff         bool // column pairs subtracted before the ADC in MVMs
}

// Interfaces the Model implements.
var (
	_ Array           = (*Model)(nil)
	_ Limiter         = (*Model)(nil)
	_ Clock           = (*Model)(nil)
	_ Counter         = (*Model)(nil)
	_ ReservoirRunner = (*Model)(nil)
	_ ReadVoltager    = (*Model)(nil)
	_ AnalogDiffer    = (*Model)(nil)
)

// NewModel returns a fresh (all cells pristine, clock at zero) simulated
// macro with parameters p. Every random property of the array is a pure
// function of seed (see the package documentation).
func NewModel(p Params, seed uint64) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := p.Rows * p.Cols
	m := &Model{
		p: p, per: NewPeriphery(p), seed: seed, key: newKeyer(seed),
		rows: p.Rows, cols: p.Cols,
		state: make([]uint8, n), g0: make([]float64, n), tprog: make([]float64, n),
		nu: make([]float32, n), damage: make([]float64, n), pulses: make([]uint32, n),
		gnow: make([]float64, n), rowEpoch: make([]uint64, p.Rows), epoch: 1,
		colOps: make([]uint64, p.Cols),
		sumG:   make([]float64, p.Cols), sumG2: make([]float64, p.Cols),
		codes: make([]int32, p.Cols), plane: make([]int32, p.Cols), acc: make([]int32, p.Cols),
		rcodes: make([]int32, p.Cols),
		active: make([]int32, 0, p.Rows), planeRows: make([]int32, 0, p.Rows), q: make([]uint32, p.Rows),
		rx: make([]float64, p.Rows), rv: make([]float64, p.Cols/2+1),
		rspike: make([]bool, p.Cols/2+1), rspikePrev: make([]bool, p.Cols/2+1),
	}
	m.vread = float64(m.per.ReadVoltage)
	m.lsb = float64(m.per.LSB)
	m.rlsb = float64(m.per.ReadLSB)
	m.tread = float64(p.ReadWidth)
	m.sigma = p.ReadNoise
	if p.WireResistance > 0 {
		m.wires = newWires(p)
	}
	m.ron = float64(p.TransistorRon)
	m.analogDiff = p.AnalogDiff == 1
	m.eConv = float64(p.EnergyADC + p.EnergyTIA)
	m.gateScale = float64(p.GateRef - p.TransistorVth)
	m.cvLRS = float64(p.LRSStd / p.LRSMean)
	m.aD2D, m.bC2C = math.Sqrt(p.D2DFraction), math.Sqrt(1-p.D2DFraction)
	m.nuFacS = p.DriftNuSpread
	m.driftT0 = float64(p.DriftT0)
	m.formAccel, m.swAccel = float64(p.FormAccel), float64(p.SwitchAccel)
	m.vbdMean, m.vbdStd = float64(p.VbdMean), float64(p.VbdStd)
	m.refWidth = float64(p.RefWidth)
	m.grow = newGrowth(p)

	for c := range n {
		m.g0[c] = float64(p.PristineG) * math.Exp(p.PristineSpread*m.key.normal(streamPristine, c, 0))
		switch u := m.key.uniform(streamStuck, c, 0); {
		case u < p.StuckHRSRate:
			m.state[c] = statePristine | flagStuckHRS
		case u < p.StuckHRSRate+p.StuckLRSRate:
			m.state[c] = stateLRS | flagStuckLRS
			m.g0[c] = m.lrsDraw(c, 1, m.key.normal(streamStuckG, c, 0))
			m.nu[c] = float32(p.DriftNuLRS * m.nuFactor(c))
		}
	}
	return m, nil
}

// lrsDraw returns a new LRS conductance of cell c at compliance factor k
// (mean conductance relative to GateRef) with cycle draw ze.
func (m *Model) lrsDraw(c int, k, ze float64) float64 {
	zd := m.key.normal(streamLRSD2D, c, 0)
	g := float64(m.p.LRSMean) * k * (1 + m.cvLRS*(m.aD2D*zd+m.bC2C*ze))
	return min(max(g, float64(m.p.LRSMin)), float64(m.p.LRSMax))
}

// hrsDraw returns a new HRS conductance of cell c with cycle draw ze.
func (m *Model) hrsDraw(c int, ze float64) float64 {
	zd := m.key.normal(streamHRSD2D, c, 0)
	return float64(m.p.HRSMedian) * math.Exp(m.p.HRSSpread*(m.aD2D*zd+m.bC2C*ze))
}

// nuFactor is cell c's static log-normal factor on the relaxation exponent,
// with mean 1.
func (m *Model) nuFactor(c int) float64 {
	s := m.nuFacS
	return math.Exp(s*m.key.normal(streamNu, c, 0) - s*s/2)
}

// AnalogDiff implements AnalogDiffer: Params.AnalogDiff is set.
func (m *Model) AnalogDiff() bool { return m.analogDiff }

// Params returns the model's parameters.
func (m *Model) Params() Params { return m.p }

// Seed returns the seed the model was made with.
func (m *Model) Seed() uint64 { return m.seed }

// Geometry implements Array.
func (m *Model) Geometry() Geometry { return Geometry{Rows: m.rows, Cols: m.cols} }

// Limits implements Limiter.
func (m *Model) Limits() Limits { return m.p.Limits() }

// Periphery returns the code conversion table of the model's periphery.
func (m *Model) Periphery() Periphery { return m.per }

// ReadVoltage implements ReadVoltager: the DAC-quantised read voltage.
func (m *Model) ReadVoltage() units.Volts { return m.per.ReadVoltage }

// DefaultForming returns DefaultForming(m.Params()).
func (m *Model) DefaultForming() Pulse { return DefaultForming(m.p) }

// Now implements Clock: the virtual time, advanced only by pulse widths and
// Wait.
func (m *Model) Now() units.Seconds {
	m.mu.Lock()
	defer m.mu.Unlock()
	return units.Seconds(m.clock)
}

// Wait implements Clock: it advances the virtual clock by d at once.
func (m *Model) Wait(ctx context.Context, d units.Seconds) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx); err != nil {
		return err
	}
	if !(d >= 0) || math.IsInf(float64(d), 0) {
		return fmt.Errorf("crossbar: wait of %v: want a finite duration ≥ 0", d)
	}
	if d > 0 {
		m.clock += float64(d)
		m.epoch++
	}
	return nil
}

// Counters implements Counter.
func (m *Model) Counters() Counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counters
}

// Close implements Array. It frees the model's memory; it is safe to call
// twice, and every later call returns ErrClosed.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.state, m.g0, m.tprog, m.nu, m.damage, m.pulses, m.gnow = nil, nil, nil, nil, nil, nil, nil
	return nil
}

// usable checks, with m.mu held, that the model is open and ctx alive.
func (m *Model) usable(ctx context.Context) error {
	if m.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("crossbar: %w", err)
	}
	return nil
}

// checkRegion reports a region that is empty or not inside the array.
func (m *Model) checkRegion(r Region) error {
	if !m.Geometry().Contains(r) {
		return fmt.Errorf("crossbar: region %v (origin %d,%d size %d×%d) is empty or outside the %d×%d array",
			r, r.Row, r.Col, r.Rows, r.Cols, m.rows, m.cols)
	}
	return nil
}

// refreshRow recomputes the conductances of row i at the current clock:
// relaxation since each cell's last state change. (Wires and transistors
// are solved per read, by convert.)
func (m *Model) refreshRow(i int) {
	if m.rowEpoch[i] == m.epoch {
		return
	}
	m.rowEpoch[i] = m.epoch
	off := i * m.cols
	g0 := m.g0[off : off+m.cols]
	gn := m.gnow[off : off+m.cols]
	st := m.state[off : off+m.cols]
	tp := m.tprog[off : off+m.cols]
	nu := m.nu[off : off+m.cols]
	for j := range gn {
		g := g0[j]
		if nu[j] != 0 && st[j]&stateMask != statePristine {
			if dt := m.clock - tp[j]; dt > 0 {
				g *= math.Exp(-float64(nu[j]) * math.Log1p(dt/m.driftT0))
			}
		}
		gn[j] = g
	}
}
