package calibrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// ErrLimit wraps the refusal, by calibrate itself, of a pulse beyond the
// array's safety limits. Nothing is sent to the array when it is returned.
var ErrLimit = errors.New("calibrate: pulse beyond the array's safety limits")

// Ops counts what an experiment did to the array.
type Ops struct {
	Pulses     int64         `json:"pulses"`      // Program calls
	PulseCells int64         `json:"pulse_cells"` // cells pulsed, summed over calls
	Reads      int64         `json:"reads"`       // Read calls
	ReadCells  int64         `json:"read_cells"`  // cells read, summed over calls
	MVMs       int64         `json:"mvms"`        // MVM calls
	Waited     units.Seconds `json:"waited_s"`    // time spent in Wait (the array's clock)
}

// session is the only way an experiment touches an array. It checks every
// pulse against the limits before sending it, splits pulses larger than
// Limits.MaxCells, paces pulses to keep Limits.MaxDuty, and counts what it
// does.
type session struct {
	a     crossbar.Array
	lim   crossbar.Limits
	clk   crossbar.Clock // nil: wall-clock fallback
	vread units.Volts
	start time.Time
	ops   Ops
	bar   Progress
}

// newSession wraps a. lim are the limits to enforce: the array's own when
// it is a crossbar.Limiter, else fallback.
func newSession(a crossbar.Array, fallback crossbar.Limits) *session {
	s := &session{a: a, lim: fallback, start: time.Now(), vread: crossbar.DefaultReadVoltage}
	if l, ok := a.(crossbar.Limiter); ok {
		s.lim = l.Limits()
	}
	if c, ok := a.(crossbar.Clock); ok {
		s.clk = c
	}
	if rv, ok := a.(crossbar.ReadVoltager); ok {
		s.vread = rv.ReadVoltage()
	}
	return s
}

// arrayLimits returns the limits calibrate enforces on a: its own if it is
// a crossbar.Limiter, else those of base.
func arrayLimits(a crossbar.Array, base crossbar.Params) crossbar.Limits {
	if l, ok := a.(crossbar.Limiter); ok {
		return l.Limits()
	}
	return base.Limits()
}

// checkPulse reports whether p on n cells is within lim, counting the
// split into MaxCells chunks that session.program makes.
func checkPulse(lim crossbar.Limits, p crossbar.Pulse, n int) error {
	if lim.MaxCells > 0 {
		n = min(n, lim.MaxCells)
	}
	if err := lim.Check(p, n); err != nil {
		return fmt.Errorf("%w: %v: %w", ErrLimit, p, err)
	}
	return nil
}

// program applies p to every cell of r, in chunks of at most MaxCells.
func (s *session) program(ctx context.Context, r crossbar.Region, p crossbar.Pulse) error {
	if err := checkPulse(s.lim, p, r.Cells()); err != nil {
		return err
	}
	for _, c := range chunks(r, s.lim.MaxCells) {
		if err := s.pace(ctx, p.Width); err != nil {
			return err
		}
		if err := s.a.Program(ctx, c, p); err != nil {
			return fmt.Errorf("calibrate: %v on %v: %w", p, c, err)
		}
		s.ops.Pulses++
		s.ops.PulseCells += int64(c.Cells())
	}
	return nil
}

// programMask applies p to the cells of r whose mask entry (row-major over
// r) is true, one pulse per run of consecutive selected cells in a row.
func (s *session) programMask(ctx context.Context, r crossbar.Region, mask []bool, p crossbar.Pulse) error {
	for i := range r.Rows {
		j := 0
		for j < r.Cols {
			if !mask[i*r.Cols+j] {
				j++
				continue
			}
			k := j
			for k < r.Cols && mask[i*r.Cols+k] {
				k++
			}
			run := crossbar.Region{Row: r.Row + i, Col: r.Col + j, Rows: 1, Cols: k - j}
			if err := s.program(ctx, run, p); err != nil {
				return err
			}
			j = k
		}
	}
	return nil
}

// chunks splits r into regions of at most max cells (max ≤ 0: no split):
// blocks of whole rows, or pieces of one row when a row is too long.
func chunks(r crossbar.Region, max int) []crossbar.Region {
	if max <= 0 || r.Cells() <= max {
		return []crossbar.Region{r}
	}
	var out []crossbar.Region
	if r.Cols <= max {
		per := max / r.Cols
		for i := 0; i < r.Rows; i += per {
			out = append(out, crossbar.Region{Row: r.Row + i, Col: r.Col, Rows: min(per, r.Rows-i), Cols: r.Cols})
		}
		return out
	}
	for i := range r.Rows {
		for j := 0; j < r.Cols; j += max {
			out = append(out, crossbar.Region{Row: r.Row + i, Col: r.Col + j, Rows: 1, Cols: min(max, r.Cols-j)})
		}
	}
	return out
}

// dutyPulsesPerWindow is how many pulses pacing lets fall in one 1 ms
// duty window: half the 64 a board's firmware remembers
// (firmware.DutyRing), a margin for the host's clock running behind the
// board's. Assumption: a board that enforces a duty limit counts pulses
// the way firmware/ does.
const dutyPulsesPerWindow = 32

// dutyMargin is the share of the duty budget pacing uses (assumption: a
// 10 % margin for the host and board clocks disagreeing).
const dutyMargin = 0.9

// pace waits, before a pulse of width w, long enough that pulses keep the
// array's duty limit: after each pulse the array idles for
// w·(1/(dutyMargin·MaxDuty) − 1), and for at least 1 ms/dutyPulsesPerWindow
// whatever the duty limit — a board's firmware refuses a 65th pulse in any
// 1 ms window even without one (PROTOCOL.md, PULSE), and the simulator is
// paced the same way so that a board and the simulator see the same clock.
func (s *session) pace(ctx context.Context, w units.Seconds) error {
	if s.ops.Pulses == 0 {
		return nil
	}
	gap := units.Seconds(1e-3 / dutyPulsesPerWindow)
	if d := s.lim.MaxDuty; d > 0 && d < 1 {
		gap = max(w*units.Seconds(1/(dutyMargin*d)-1), gap)
	}
	return s.wait(ctx, gap)
}

// read reads the conductances of r into g.
func (s *session) read(ctx context.Context, r crossbar.Region, g []units.Siemens) error {
	if err := s.a.Read(ctx, r, g); err != nil {
		return fmt.Errorf("calibrate: reading %v: %w", r, err)
	}
	s.ops.Reads++
	s.ops.ReadCells += int64(r.Cells())
	return nil
}

// readMicro reads r and returns the conductances in µS.
func (s *session) readMicro(ctx context.Context, r crossbar.Region, buf []units.Siemens) ([]float64, error) {
	if err := s.read(ctx, r, buf); err != nil {
		return nil, err
	}
	out := make([]float64, len(buf))
	for i, g := range buf {
		out[i] = g.Micro()
	}
	return out, nil
}

// mvm runs one MVM.
func (s *session) mvm(ctx context.Context, r crossbar.Region, x []float64, y []units.Amps) (int, error) {
	sat, err := s.a.MVM(ctx, r, x, y)
	if err != nil {
		return 0, fmt.Errorf("calibrate: MVM over %v: %w", r, err)
	}
	s.ops.MVMs++
	return sat, nil
}

// now returns the array's clock, or the wall time since the session began
// for an array without one.
func (s *session) now() units.Seconds {
	if s.clk != nil {
		return s.clk.Now()
	}
	return units.Seconds(time.Since(s.start).Seconds())
}

// wait lets d pass with the array idle: through its Clock, or, for an
// array without one, by sleeping (cancelled with ctx).
func (s *session) wait(ctx context.Context, d units.Seconds) error {
	if d <= 0 {
		return nil
	}
	s.ops.Waited += d
	if s.clk != nil {
		if err := s.clk.Wait(ctx, d); err != nil {
			return fmt.Errorf("calibrate: waiting %v: %w", d, err)
		}
		return nil
	}
	t := time.NewTimer(time.Duration(float64(d) * float64(time.Second)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("calibrate: waiting %v: %w", d, ctx.Err())
	case <-t.C:
		return nil
	}
}

// Progress receives the progress of a long experiment. *progress.Bar of
// the memlsm command satisfies it.
type Progress interface {
	Add(n int)
	Done()
}

type nopProgress struct{}

func (nopProgress) Add(int) {}
func (nopProgress) Done()   {}
