package device

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware/wire"
	"github.com/memlsm/memlsm/units"
)

// Geometry implements crossbar.Array.
func (b *Board) Geometry() crossbar.Geometry { return b.geom }

// Limits implements crossbar.Limiter: the firmware's limits, converted from
// DAC codes and nanoseconds. The firmware enforces them on the codes and
// whole nanoseconds a request is quantised to.
func (b *Board) Limits() crossbar.Limits { return b.limits }

// ReadVoltage implements crossbar.ReadVoltager.
func (b *Board) ReadVoltage() units.Volts { return b.per.ReadVoltage }

// Counters implements crossbar.Counter, counted on the host from the
// requests the board acknowledged, the way crossbar.Model counts. Energy
// is an estimate from the board's calibration table: ADC conversions ×
// EnergyConv + DAC updates × EnergyDAC. The energy spent in the cells
// themselves (V²·G·t per read, V·I_cc·t per formed cell) is left out: the
// board cannot know it exactly, and at the lin2025 values (≈ 3 pJ per cell
// read against ≈ 170 nJ per conversion) it is five orders of magnitude
// smaller.
func (b *Board) Counters() crossbar.Counters {
	b.statsMu.Lock()
	defer b.statsMu.Unlock()
	c := b.counters
	c.Energy = units.Joules(float64(c.ADCConversions)*b.eConv + float64(c.DACUpdates)*b.eDAC)
	return c
}

func (b *Board) tally(f func(c *crossbar.Counters)) {
	b.statsMu.Lock()
	f(&b.counters)
	b.statsMu.Unlock()
}

func (b *Board) region(r crossbar.Region) (wire.Region, error) {
	if !b.geom.Contains(r) {
		return wire.Region{}, fmt.Errorf("device: region %v is empty or outside the %d×%d array", r, b.geom.Rows, b.geom.Cols)
	}
	return wire.Region{Row: uint16(r.Row), Col: uint16(r.Col), Rows: uint16(r.Rows), Cols: uint16(r.Cols)}, nil
}

// dacCode converts a pulse voltage to a DAC code with
// crossbar.Periphery.DACCode (round to nearest; up to the full scale clamps
// to the top code). A voltage below 0 or above full scale cannot be
// expressed and is refused here, before anything is sent.
func (b *Board) dacCode(what string, v units.Volts) (uint16, error) {
	if !(v >= 0 && v <= b.per.DACFullScale) {
		return 0, fmt.Errorf("%w: %s %v outside the DAC's range [0, %v]", ErrLimit, what, v, b.per.DACFullScale)
	}
	return uint16(b.per.DACCode(v)), nil
}

// Program implements crossbar.Array. The amplitude and gate become DAC
// codes (crossbar.Periphery.DACCode), the width whole nanoseconds; the
// firmware checks them against its limits and refuses (ErrLimit) or
// applies the pulse.
func (b *Board) Program(ctx context.Context, r crossbar.Region, p crossbar.Pulse) error {
	reg, err := b.region(r)
	if err != nil {
		return b.opErr("program", err)
	}
	if p.Mode < crossbar.Form || p.Mode > crossbar.Reset {
		return b.opErr("program", fmt.Errorf("%w: pulse mode %d is not form, set or reset", ErrLimit, p.Mode))
	}
	amp, err := b.dacCode("amplitude", p.Amplitude)
	if err != nil {
		return b.opErr("program", err)
	}
	gate, err := b.dacCode("gate voltage", p.Gate)
	if err != nil {
		return b.opErr("program", err)
	}
	ns := math.Round(float64(p.Width) * 1e9)
	if !(ns >= 0 && ns <= math.MaxUint32) {
		return b.opErr("program", fmt.Errorf("%w: pulse width %v outside what the board can time", ErrLimit, p.Width))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	wire.PulseReq{Region: reg, Mode: uint8(p.Mode), Amplitude: amp, Gate: gate, WidthNs: uint32(ns)}.Put(b.req[:])
	if _, err := b.do(ctx, "program", wire.OpPulse, wire.PulseReqSize, 0); err != nil {
		return err
	}
	b.tally(func(c *crossbar.Counters) {
		c.Pulses += int64(r.Cells())
		c.DACUpdates += 2
	})
	return nil
}

// Read implements crossbar.Array: one one-hot read per row, in as many
// READ requests as the board's frame size needs (whole rows, or column
// strips of rows when a row alone does not fit); each code becomes siemens
// through crossbar.Periphery.Siemens.
func (b *Board) Read(ctx context.Context, r crossbar.Region, g []units.Siemens) error {
	if _, err := b.region(r); err != nil {
		return b.opErr("read", err)
	}
	if len(g) != r.Cells() {
		return b.opErr("read", fmt.Errorf("device: Read of %v needs %d values, got a slice of %d", r, r.Cells(), len(g)))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	room := (b.maxLoad - wire.ReadRespHeader) / 2 // codes per response
	cw := min(r.Cols, room)
	for c0 := 0; c0 < r.Cols; c0 += cw {
		cols := min(cw, r.Cols-c0)
		rh := max(1, room/cols)
		for r0 := 0; r0 < r.Rows; r0 += rh {
			rows := min(rh, r.Rows-r0)
			reg := wire.Region{Row: uint16(r.Row + r0), Col: uint16(r.Col + c0), Rows: uint16(rows), Cols: uint16(cols)}
			reg.Put(b.req[:])
			p, err := b.do(ctx, "read", wire.OpRead, wire.RegionSize, wire.ReadRespHeader+2*rows*cols)
			if err != nil {
				return err
			}
			if len(p) != wire.ReadRespHeader+2*rows*cols {
				return b.opErr("read", fmt.Errorf("%w: READ of %d cells answered with %d bytes", ErrProtocol, rows*cols, len(p)))
			}
			sat := int64(wire.U32(p))
			for i := range rows {
				out := g[(r0+i)*r.Cols+c0:]
				for j := range cols {
					out[j] = b.per.Siemens(int32(int16(wire.U16(p[wire.ReadRespHeader+2*(i*cols+j):]))))
				}
			}
			b.tally(func(c *crossbar.Counters) {
				c.CellReads += int64(rows * cols)
				c.ADCConversions += int64(rows * cols)
				c.Saturations += sat
			})
		}
	}
	return nil
}

// MVM implements crossbar.Array. A binary x goes as a row bitmap, any
// other x as codes round(x·(2^InputBits−1)) that the firmware applies bit
// plane by bit plane; the codes come back as amperes through
// crossbar.Periphery.MVMAmps. Regions wider than one response frame are
// done in column strips with the same input.
func (b *Board) MVM(ctx context.Context, r crossbar.Region, x []float64, y []units.Amps) (saturated int, err error) {
	if _, err := b.region(r); err != nil {
		return 0, b.opErr("mvm", err)
	}
	if len(x) != r.Rows {
		return 0, b.opErr("mvm", fmt.Errorf("device: MVM over %v needs %d inputs, got a slice of %d", r, r.Rows, len(x)))
	}
	if len(y) != r.Cols {
		return 0, b.opErr("mvm", fmt.Errorf("device: MVM over %v needs %d outputs, got a slice of %d", r, r.Cols, len(y)))
	}
	active := 0
	for i, v := range x {
		if !(v >= 0 && v <= 1) {
			return 0, b.opErr("mvm", fmt.Errorf("device: MVM input x[%d] = %g outside [0, 1]", i, v))
		}
		if v != 0 {
			active++
		}
	}
	if b.pairs && (r.Col%2 != 0 || r.Cols%2 != 0) {
		return 0, b.opErr("mvm", fmt.Errorf("device: MVM over %v: the board subtracts column pairs (2k, 2k+1) before the ADC, so a region must start on an even column and span whole pairs", r))
	}
	binary := crossbar.IsBinary(x)
	b.mu.Lock()
	defer b.mu.Unlock()
	bits, xlen := 1, wire.BitmapLen(r.Rows)
	if !binary {
		bits, xlen = b.per.InputBits, 2*r.Rows
	}
	if wire.MVMReqHeader+xlen > b.maxLoad {
		return 0, b.opErr("mvm", fmt.Errorf("device: an MVM over %d rows does not fit %d-byte frames", r.Rows, b.maxLoad))
	}
	in := b.req[wire.MVMReqHeader : wire.MVMReqHeader+xlen]
	if binary {
		clear(in)
		for i, v := range x {
			if v == 1 {
				in[i>>3] |= 1 << (i & 7)
			}
		}
	} else {
		levels := float64(b.per.InputLevels())
		for i, v := range x {
			wire.PutU16(in[2*i:], uint16(math.Round(v*levels)))
		}
	}
	cw := min(r.Cols, (b.maxLoad-wire.MVMRespHeader)/4)
	if b.pairs {
		cw &^= 1 // strips of whole pairs
	}
	for c0 := 0; c0 < r.Cols; c0 += cw {
		cols := min(cw, r.Cols-c0)
		wire.Region{Row: uint16(r.Row), Col: uint16(r.Col + c0), Rows: uint16(r.Rows), Cols: uint16(cols)}.Put(b.req[:])
		b.req[8], b.req[9] = byte(bits), 0
		p, err := b.do(ctx, "mvm", wire.OpMVM, wire.MVMReqHeader+xlen, wire.MVMRespHeader+4*cols)
		if err != nil {
			return saturated, err
		}
		if len(p) != wire.MVMRespHeader+4*cols {
			return saturated, b.opErr("mvm", fmt.Errorf("%w: MVM of %d columns answered with %d bytes", ErrProtocol, cols, len(p)))
		}
		sat := int(wire.U32(p))
		saturated += sat
		for j := range cols {
			y[c0+j] = b.per.MVMAmps(int32(wire.U32(p[wire.MVMRespHeader+4*j:])), binary)
		}
		b.tally(func(c *crossbar.Counters) {
			planes := int64(bits)
			c.ADCConversions += planes * int64(b.conversions(cols))
			c.CellReads += int64(active * cols) // an upper bound for multi-bit inputs (rows whose code is 0 in a plane are idle)
			c.Saturations += int64(sat)
		})
	}
	b.tally(func(c *crossbar.Counters) { c.MVMs++ })
	return saturated, nil
}

// RunReservoir implements crossbar.ReservoirRunner with the firmware's LSM
// command: the sample's frames go in as few LSM requests as the board's
// frame size allows (each frame in its smallest encoding: empty, sparse
// indices or bitmap) and the spike counts come back with the last one. The
// arithmetic on the board is crossbar.Model's (firmware/lsm.go), so the
// counts equal the simulator's for the same codes.
func (b *Board) RunReservoir(ctx context.Context, run crossbar.ReservoirRun, input [][]uint16, counts []uint16) error {
	l := run.Layout
	if err := l.Validate(); err != nil {
		return b.opErr("reservoir", err)
	}
	reg, err := b.region(l.Region)
	if err != nil {
		return b.opErr("reservoir", err)
	}
	switch {
	case b.pairs && l.Region.Col%2 != 0:
		return b.opErr("reservoir", fmt.Errorf("device: reservoir at %v: the board subtracts column pairs (2k, 2k+1), so the layout must start on an even column", l.Region))
	case run.Steps <= 0 || run.Steps > math.MaxUint16:
		return b.opErr("reservoir", fmt.Errorf("device: reservoir run of %d steps: want 1..%d", run.Steps, math.MaxUint16))
	case len(input) != run.Steps:
		return b.opErr("reservoir", fmt.Errorf("device: reservoir run of %d steps got %d input frames", run.Steps, len(input)))
	case len(counts) != l.N:
		return b.opErr("reservoir", fmt.Errorf("device: reservoir of %d neurons needs %d counts, got a slice of %d", l.N, l.N, len(counts)))
	case !(run.Decay >= 0 && run.Decay <= 1):
		return b.opErr("reservoir", fmt.Errorf("device: reservoir decay %g outside [0, 1]", run.Decay))
	case math.IsNaN(run.Threshold) || math.IsInf(run.Threshold, 0):
		return b.opErr("reservoir", fmt.Errorf("device: reservoir threshold %g is not finite", run.Threshold))
	case math.IsNaN(run.Gain) || math.IsInf(run.Gain, 0):
		return b.opErr("reservoir", fmt.Errorf("device: reservoir gain %g is not finite", run.Gain))
	case l.N > (b.maxLoad-wire.LSMRespHeader)/2:
		return b.opErr("reservoir", fmt.Errorf("device: %d neurons' counts do not fit the board's frames", l.N))
	}
	for t, frame := range input {
		for k, i := range frame {
			if int(i) >= l.In {
				return b.opErr("reservoir", fmt.Errorf("device: reservoir input frame %d entry %d: input %d ≥ %d inputs", t, k, i, l.In))
			}
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q := wire.LSMReq{Region: reg, In: uint16(l.In), N: uint16(l.N), Steps: uint16(run.Steps),
		Decay: math.Float64bits(run.Decay), Threshold: math.Float64bits(run.Threshold), Gain: math.Float64bits(run.Gain)}
	maxLoad := b.maxLoad
	for t0 := 0; t0 < run.Steps; {
		if err := ctx.Err(); err != nil {
			return b.opErr("reservoir", fmt.Errorf("%w: stopped at step %d: %w", ErrTimeout, t0, err))
		}
		n := wire.LSMReqHeader
		t := t0
		for ; t < run.Steps; t++ {
			act := b.sorted(input[t])
			size := wire.LSMFrameSize(l.In, len(act))
			if n+size > maxLoad {
				break
			}
			n += wire.PutLSMFrame(b.req[n:], l.In, act)
		}
		if t == t0 {
			return b.opErr("reservoir", fmt.Errorf("device: input frame %d does not fit one %d-byte frame", t0, maxLoad))
		}
		q.T0, q.Frames = uint16(t0), uint16(t-t0)
		q.Put(b.req[:])
		p, err := b.do(ctx, "reservoir", wire.OpLSM, n, wire.LSMRespHeader+2*l.N)
		if err != nil {
			return err
		}
		if len(p) < wire.LSMRespHeader || int(wire.U16(p)) != t {
			return b.opErr("reservoir", fmt.Errorf("%w: LSM chunk to step %d answered % x", ErrProtocol, t, p[:min(len(p), 8)]))
		}
		b.tally(func(c *crossbar.Counters) {
			c.MVMs += int64(t - t0)
			c.ADCConversions += int64((t - t0) * b.conversions(l.Region.Cols))
			c.Saturations += int64(wire.U32(p[4:]))
		})
		if t == run.Steps {
			if int(wire.U16(p[2:])) != l.N || len(p) != wire.LSMRespHeader+2*l.N {
				return b.opErr("reservoir", fmt.Errorf("%w: final LSM chunk carried %d bytes for %d neurons", ErrProtocol, len(p), l.N))
			}
			for j := range counts {
				counts[j] = wire.U16(p[wire.LSMRespHeader+2*j:])
			}
		}
		t0 = t
	}
	return nil
}

// sorted returns the frame's indices sorted and without duplicates (the
// wire wants strictly increasing indices; crossbar.ReservoirRun counts a
// duplicate once), in b's scratch buffer.
func (b *Board) sorted(frame []uint16) []uint16 {
	if slices.IsSorted(frame) {
		ok := true
		for i := 1; i < len(frame); i++ {
			if frame[i] == frame[i-1] {
				ok = false
				break
			}
		}
		if ok {
			return frame
		}
	}
	b.scratch = append(b.scratch[:0], frame...)
	slices.Sort(b.scratch)
	return slices.Compact(b.scratch)
}

// conversions is the number of ADC conversions of one MVM or LSM read of
// cols columns: one a pair on a board that subtracts pairs.
func (b *Board) conversions(cols int) int {
	if b.pairs {
		return cols / 2
	}
	return cols
}

// AnalogDiff implements crossbar.AnalogDiffer: the board reported
// wire.CapAnalogDiff.
func (b *Board) AnalogDiff() bool { return b.pairs }

// Now implements crossbar.Clock: the board's clock, from a STATUS
// request. Now has no context; it waits at most one Options.Timeout per
// attempt and returns the last known time if the board does not answer.
func (b *Board) Now() units.Seconds {
	st, err := b.Status(context.Background())
	b.statsMu.Lock()
	defer b.statsMu.Unlock()
	if err == nil {
		b.lastNow = units.Seconds(float64(st.NowNs) / 1e9)
	}
	return b.lastNow
}

// Wait implements crossbar.Clock: the board idles for d (rounded to whole
// nanoseconds). On the emulated board it advances the model's virtual
// clock at once; a real board really waits, so the response is awaited d
// longer than usual, and ctx should allow for d.
func (b *Board) Wait(ctx context.Context, d units.Seconds) error {
	ns := math.Round(float64(d) * 1e9)
	if !(ns >= 0) || ns > math.MaxUint64/2 {
		return b.opErr("wait", fmt.Errorf("device: wait of %v: want a finite duration ≥ 0", d))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	wire.PutU64(b.req[:], uint64(ns))
	busy := time.Duration(min(ns, float64(math.MaxInt64/2)))
	_, err := b.doBusy(ctx, "wait", wire.OpWait, wire.WaitSize, wire.WaitSize, busy)
	return err
}

// Status asks the board for its status: clock, counters, halted flag.
func (b *Board) Status(ctx context.Context) (wire.BoardStatus, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.do(ctx, "status", wire.OpStatus, 0, wire.StatusSize)
	if err != nil {
		return wire.BoardStatus{}, err
	}
	st, ok := wire.ParseStatus(p)
	if !ok {
		return st, b.opErr("status", fmt.Errorf("%w: malformed STATUS response of %d bytes", ErrProtocol, len(p)))
	}
	return st, nil
}

// Halt parks every DAC at 0 V; the board refuses everything but STATUS and
// HELLO until Resume (or a new session) sends HELLO.
func (b *Board) Halt(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err := b.do(ctx, "halt", wire.OpHalt, 0, 0)
	return err
}

// Resume sends HELLO, which re-arms a halted board.
func (b *Board) Resume(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hello(ctx)
}

// IsHalted reports whether err is the refusal of a halted board.
func IsHalted(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == wire.StatusHalted
}

// Name returns the board's name from HELLO.
func (b *Board) Name() string { return string(b.info.Name[:b.info.NameLen]) }

var _ crossbar.Stater = (*Board)(nil)

// State implements crossbar.Stater from a STATUS request (firmware 1.1; a
// 1.0 board reports no state and State fails).
func (b *Board) State(ctx context.Context) (crossbar.ArrayState, error) {
	st, err := b.Status(ctx)
	if err != nil {
		return crossbar.ArrayState{}, err
	}
	if !st.HasState {
		return crossbar.ArrayState{}, b.opErr("state", fmt.Errorf("%w: firmware %d.%d.%d reports no programming state", ErrProtocol, b.info.Firmware[0], b.info.Firmware[1], b.info.Firmware[2]))
	}
	return crossbar.ArrayState{Pulses: int64(st.Pulses), PulseCells: int64(st.PulseCells), History: fmt.Sprintf("%08x", st.History)}, nil
}
