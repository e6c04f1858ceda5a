package crossbar

import (
	"context"
	"fmt"

	"github.com/memlsm/memlsm/units"
)

// RunReservoir implements ReservoirRunner: a whole LIF reservoir sample run
// next to the array, the way the paper's FPGA did, through the same read
// path as MVM. Step t applies one binary read over run.Layout.Region with
// the rows of the inputs in input[t] and of the neurons that spiked at
// step t−1 active, exactly as MVMCodes would, and then, in float64:
//
//	scale = run.Gain * (LSB / (V_read * GUnit))         once per run
//	I_j   = float64(code[2j] − code[2j+1]) * scale
//	v_j   = I_j                       if neuron j spiked at t−1
//	v_j   = run.Decay*v_j + I_j       otherwise
//	s_j   = v_j > run.Threshold
//
// input must hold exactly run.Steps frames of input indices (< In;
// duplicates count once); counts (length N) receives the spike counts. The
// context is checked before every step.
func (m *Model) RunReservoir(ctx context.Context, run ReservoirRun, input [][]uint16, counts []uint16) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx); err != nil {
		return err
	}
	l := run.Layout
	if err := l.Validate(); err != nil {
		return err
	}
	if err := m.checkRegion(l.Region); err != nil {
		return err
	}
	if err := checkRun(run, input, counts); err != nil {
		return err
	}

	scale := run.Gain * (m.lsb / (m.vread * float64(GUnit)))
	x := m.rx[:l.Region.Rows]
	v := m.rv[:l.N]
	s, prev := m.rspike[:l.N], m.rspikePrev[:l.N]
	clear(x)
	clear(v)
	clear(s)
	clear(counts)
	codes := m.rcodes[:l.Region.Cols]
	for t, frame := range input {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("crossbar: reservoir run stopped at step %d: %w", t, err)
		}
		s, prev = prev, s
		for _, i := range frame {
			x[i] = 1
		}
		for k, sp := range prev {
			if sp {
				x[l.In+k] = 1
			}
		}
		if _, _, err := m.mvm(l.Region, x, codes); err != nil {
			return err // cannot happen: x is binary and sized to the region
		}
		clear(x)
		lifStep(run, codes, scale, v, s, prev, counts)
	}
	return nil
}

// lifStep is one step of the reservoir's LIF neurons from the column
// outputs y of the step's read (neuron j's current is the difference of
// its column pair, y[2j] − y[2j+1], times scale): a neuron that spiked on
// the previous step (prev) restarts from the current, the others leak by
// run.Decay; a neuron above run.Threshold spikes (s) and is counted. One
// home for the simulated macro's and the grid's reservoir runs, so their
// arithmetic stays identical.
func lifStep[T int32 | units.Amps](run ReservoirRun, y []T, scale float64, v []float64, s, prev []bool, counts []uint16) {
	for j := range v {
		cur := float64(y[2*j]-y[2*j+1]) * scale
		if prev[j] {
			v[j] = cur
		} else {
			v[j] = run.Decay*v[j] + cur
		}
		s[j] = v[j] > run.Threshold
		if s[j] {
			counts[j]++
		}
	}
}
