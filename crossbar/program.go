package crossbar

import (
	"context"
	"fmt"
	"math"

	"github.com/memlsm/memlsm/units"
)

// Program implements Array: one pulse on every cell of r at once.
//
// The amplitude and the gate voltage are first quantised by the DAC. If the
// gate is at or below TransistorVth the access transistors stay off and no
// cell changes. Otherwise, cell by cell (each with its own draws, see the
// package documentation):
//
//   - Form and Set pulses (positive): a pristine cell accumulates breakdown
//     damage D += (w/RefWidth)·exp((V − Vbd)/FormAccel) and forms when D ≥ 1;
//     its new conductance is set by the compliance of the gate voltage and
//     by the charge that flowed after it broke down (the forming model of
//     forming.go: the rest of the pulse at compliance plus the overshoot).
//     An HRS cell sets if V + SwitchAccel·ln(w/RefWidth) reaches its SET
//     threshold, at the conductance the compliance sets (no growth term);
//     an LRS cell is left as it is.
//   - Reset pulses (negative): an LRS cell resets to HRS if V +
//     SwitchAccel·ln(w/RefWidth) reaches its RESET threshold; other cells
//     are left as they are.
//
// Stuck cells ignore every pulse. The virtual clock advances by the width.
func (m *Model) Program(ctx context.Context, r Region, p Pulse) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx); err != nil {
		return err
	}
	if err := m.checkRegion(r); err != nil {
		return err
	}
	if err := m.p.Limits().Check(p, r.Cells()); err != nil {
		return fmt.Errorf("%w: %w", ErrLimit, err)
	}
	v := float64(m.per.DACVolts(m.per.DACCode(p.Amplitude)))
	gate := float64(m.per.DACVolts(m.per.DACCode(p.Gate)))
	w := float64(p.Width)

	m.clock += w
	m.epoch++
	m.counters.Pulses += int64(r.Cells())
	m.counters.DACUpdates += 2 // amplitude channel and word-line channel
	energy := 2 * float64(m.p.EnergyDAC)

	if gate > float64(m.p.TransistorVth) {
		k := m.complianceFactor(gate)
		icc := float64(m.p.ComplianceRef) * k
		lnw := math.Log(w / m.refWidth)
		for i := r.Row; i < r.Row+r.Rows; i++ {
			for j := r.Col; j < r.Col+r.Cols; j++ {
				energy += m.pulseCell(i*m.cols+j, p.Mode, v, w, lnw, k, icc)
			}
		}
	} else {
		for i := r.Row; i < r.Row+r.Rows; i++ {
			for j := r.Col; j < r.Col+r.Cols; j++ {
				m.pulses[i*m.cols+j]++
			}
		}
	}
	m.counters.Energy += units.Joules(energy)
	return nil
}

// complianceFactor is the formed conductance at gate voltage gate relative
// to the one at GateRef: the alpha-power-law saturation current of the
// access transistor, ((gate − Vth)/(GateRef − Vth))^α, with G ∝ I_cc.
func (m *Model) complianceFactor(gate float64) float64 {
	return math.Pow((gate-float64(m.p.TransistorVth))/m.gateScale, m.p.TransistorAlpha)
}

// pulseCell applies one pulse (amplitude v, width w, ln(w/RefWidth) lnw,
// compliance factor k and current icc) to cell c and returns its energy.
func (m *Model) pulseCell(c int, mode Mode, v, w, lnw, k, icc float64) float64 {
	ctr := uint64(m.pulses[c])
	m.pulses[c]++
	st := m.state[c]
	g := m.g0[c]
	if st&(flagStuckHRS|flagStuckLRS) != 0 {
		return v * min(v*g, icc) * w
	}
	switch mode {
	case Form, Set:
		switch st & stateMask {
		case statePristine:
			vbd := m.vbdMean + m.vbdStd*m.key.normal(streamVbd, c, 0)
			rate := math.Exp((v-vbd)/m.formAccel) / m.refWidth // damage per second
			d0 := m.damage[c]
			m.damage[c] += w * rate
			if m.damage[c] >= 1 {
				// Broke down t_bd into the pulse; the rest of it at
				// compliance, plus the overshoot, grows the filament.
				tbd := min((1-d0)/rate, w)
				m.toLRS(c, k*m.grow.factor(v, w-tbd, icc), ctr)
				return v*v*g*tbd + v*icc*(w-tbd) + 0.5*m.grow.cap*v*v
			}
		case stateHRS:
			thr := float64(m.p.VSetMean) + float64(m.p.VSetStd)*m.key.normal(streamVSet, c, 0) +
				float64(m.p.VSetC2C)*m.key.normal(streamPulseV, c, ctr)
			if v+m.swAccel*lnw >= thr {
				m.toLRS(c, k, ctr)
				return v * icc * w
			}
		case stateLRS:
			return v * min(v*g, icc) * w
		}
	case Reset:
		if st&stateMask == stateLRS {
			thr := float64(m.p.VResetMean) + float64(m.p.VResetStd)*m.key.normal(streamVReset, c, 0) +
				float64(m.p.VResetC2C)*m.key.normal(streamPulseV, c, ctr)
			e := v * min(v*g, icc) * w
			if v+m.swAccel*lnw >= thr {
				m.state[c] = stateHRS
				m.g0[c] = m.hrsDraw(c, m.key.normal(streamPulseG, c, ctr))
				m.tprog[c] = m.clock
				m.nu[c] = float32(m.p.DriftNuHRS * m.nuFactor(c))
			}
			return e
		}
	}
	return v * v * g * w
}

// toLRS forms or sets cell c at compliance factor k with pulse counter ctr.
func (m *Model) toLRS(c int, k float64, ctr uint64) {
	m.state[c] = stateLRS
	m.g0[c] = m.lrsDraw(c, k, m.key.normal(streamPulseG, c, ctr))
	m.tprog[c] = m.clock
	m.damage[c] = 0
	m.nu[c] = float32(m.p.DriftNuLRS * m.nuFactor(c))
}
