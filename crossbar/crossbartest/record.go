package crossbartest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/units"
)

// ErrDivergence is wrapped by every Playback error caused by a call that
// does not match the log.
var ErrDivergence = errors.New("crossbartest: playback diverged from the recording")

// Entry is one line of a recording: one call with its arguments and
// results. Op is "geometry" (the header line), "program", "read", "mvm" or
// "close".
type Entry struct {
	Op        string           `json:"op"`
	Rows      int              `json:"rows,omitempty"` // geometry
	Cols      int              `json:"cols,omitempty"` // geometry
	Region    *crossbar.Region `json:"region,omitempty"`
	Pulse     *Pulse           `json:"pulse,omitempty"`
	X         Floats           `json:"x,omitempty"`         // mvm input
	N         int              `json:"n,omitempty"`         // length of the caller's g or y
	Out       Floats           `json:"out,omitempty"`       // g (siemens) or y (amperes), on success
	Saturated int              `json:"saturated,omitempty"` // mvm
	Err       string           `json:"err,omitempty"`       // the error's text, if any
	Kind      string           `json:"kind,omitempty"`      // the sentinel it wrapped, if known
}

// Pulse is a crossbar.Pulse as recorded.
type Pulse struct {
	Mode      uint8 `json:"mode"`
	Amplitude Float `json:"amplitude"`
	Width     Float `json:"width"`
	Gate      Float `json:"gate"`
}

func toPulse(p crossbar.Pulse) *Pulse {
	return &Pulse{Mode: uint8(p.Mode), Amplitude: Float(p.Amplitude), Width: Float(p.Width), Gate: Float(p.Gate)}
}

// Float is a float64 that survives JSON exactly, NaN and infinities
// included (as the strings "NaN", "+Inf", "-Inf").
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = Float(math.NaN())
		return nil
	case `"+Inf"`:
		*f = Float(math.Inf(1))
		return nil
	case `"-Inf"`:
		*f = Float(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("crossbartest: bad number %q", b)
	}
	*f = Float(v)
	return nil
}

// Floats is a slice of Float.
type Floats []Float

// same reports bit equality (NaN equal to NaN).
func (f Float) same(g float64) bool {
	return math.Float64bits(float64(f)) == math.Float64bits(g) || (math.IsNaN(float64(f)) && math.IsNaN(g))
}

// sentinels maps an error to the sentinel it wraps, for the log.
var sentinels = []struct {
	name string
	err  error
}{
	{"canceled", context.Canceled},
	{"deadline", context.DeadlineExceeded},
	{"closed", crossbar.ErrClosed},
	{"limit", crossbar.ErrLimit},
}

func errEntry(e *Entry, err error) {
	if err == nil {
		return
	}
	e.Err = err.Error()
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			e.Kind = s.name
			return
		}
	}
}

// replayedError is a recorded error: its text, wrapping the recorded
// sentinel.
type replayedError struct {
	msg  string
	kind error
}

func (e *replayedError) Error() string { return e.msg }
func (e *replayedError) Unwrap() error { return e.kind }

func entryErr(e *Entry) error {
	if e.Err == "" {
		return nil
	}
	r := &replayedError{msg: e.Err}
	for _, s := range sentinels {
		if s.name == e.Kind {
			r.kind = s.err
		}
	}
	return r
}

// Recorder is an Array that forwards every call to another Array and logs
// it (see Record). It implements only crossbar.Array.
type Recorder struct {
	a   crossbar.Array
	mu  sync.Mutex
	w   *bufio.Writer
	enc *json.Encoder
	err error
}

var _ crossbar.Array = (*Recorder)(nil)

// Record returns an Array that forwards to a and writes every call, with
// its arguments and results, to w as one JSON line (Entry). The first line
// records a's geometry. The log is flushed after every call; Err reports
// the first write error.
func Record(a crossbar.Array, w io.Writer) *Recorder {
	bw := bufio.NewWriter(w)
	r := &Recorder{a: a, w: bw, enc: json.NewEncoder(bw)}
	g := a.Geometry()
	r.log(&Entry{Op: "geometry", Rows: g.Rows, Cols: g.Cols})
	return r
}

func (r *Recorder) log(e *Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if err := r.enc.Encode(e); err != nil {
		r.err = fmt.Errorf("crossbartest: recording: %w", err)
		return
	}
	if err := r.w.Flush(); err != nil {
		r.err = fmt.Errorf("crossbartest: recording: %w", err)
	}
}

// Err returns the first error writing the log, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Geometry implements crossbar.Array (not logged: the header records it).
func (r *Recorder) Geometry() crossbar.Geometry { return r.a.Geometry() }

// Program implements crossbar.Array.
func (r *Recorder) Program(ctx context.Context, reg crossbar.Region, p crossbar.Pulse) error {
	err := r.a.Program(ctx, reg, p)
	e := &Entry{Op: "program", Region: &reg, Pulse: toPulse(p)}
	errEntry(e, err)
	r.log(e)
	return err
}

// Read implements crossbar.Array.
func (r *Recorder) Read(ctx context.Context, reg crossbar.Region, g []units.Siemens) error {
	err := r.a.Read(ctx, reg, g)
	e := &Entry{Op: "read", Region: &reg, N: len(g)}
	if err == nil {
		e.Out = make(Floats, len(g))
		for i, v := range g {
			e.Out[i] = Float(v)
		}
	}
	errEntry(e, err)
	r.log(e)
	return err
}

// MVM implements crossbar.Array.
func (r *Recorder) MVM(ctx context.Context, reg crossbar.Region, x []float64, y []units.Amps) (int, error) {
	sat, err := r.a.MVM(ctx, reg, x, y)
	e := &Entry{Op: "mvm", Region: &reg, N: len(y), X: make(Floats, len(x)), Saturated: sat}
	for i, v := range x {
		e.X[i] = Float(v)
	}
	if err == nil {
		e.Out = make(Floats, len(y))
		for i, v := range y {
			e.Out[i] = Float(v)
		}
	}
	errEntry(e, err)
	r.log(e)
	return sat, err
}

// Close implements crossbar.Array.
func (r *Recorder) Close() error {
	err := r.a.Close()
	e := &Entry{Op: "close"}
	errEntry(e, err)
	r.log(e)
	return err
}

// Player is an Array that replays a recording (see Playback). It is safe
// for concurrent use; concurrent calls are matched in arrival order.
type Player struct {
	mu      sync.Mutex
	geom    crossbar.Geometry
	entries []Entry
	next    int
}

var _ crossbar.Array = (*Player)(nil)

// Playback reads a log written by Record and returns an Array that replays
// it. Each call must match the next entry exactly — operation, region,
// pulse and input values bit for bit, buffer lengths — and returns the
// recorded results and error; a call that does not match returns an error
// wrapping ErrDivergence and consumes nothing.
func Playback(r io.Reader) (*Player, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	p := &Player{}
	for line := 1; ; line++ {
		var e Entry
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("crossbartest: recording entry %d (byte offset %d): %w", line, dec.InputOffset(), err)
		}
		if line == 1 {
			if e.Op != "geometry" || e.Rows <= 0 || e.Cols <= 0 {
				return nil, fmt.Errorf("crossbartest: recording does not start with a geometry entry")
			}
			p.geom = crossbar.Geometry{Rows: e.Rows, Cols: e.Cols}
			continue
		}
		switch e.Op {
		case "program", "read", "mvm":
			if e.Region == nil {
				return nil, fmt.Errorf("crossbartest: recording entry %d: %s without a region", line, e.Op)
			}
		case "close":
		default:
			return nil, fmt.Errorf("crossbartest: recording entry %d: unknown op %q", line, e.Op)
		}
		if e.Op == "program" && e.Pulse == nil {
			return nil, fmt.Errorf("crossbartest: recording entry %d: program without a pulse", line)
		}
		if e.Err == "" && (e.Op == "read" || e.Op == "mvm") && len(e.Out) != e.N {
			return nil, fmt.Errorf("crossbartest: recording entry %d: %d results for a buffer of %d", line, len(e.Out), e.N)
		}
		p.entries = append(p.entries, e)
	}
	if p.geom.Rows == 0 {
		return nil, fmt.Errorf("crossbartest: empty recording")
	}
	return p, nil
}

// Remaining returns the number of recorded calls not yet replayed; a test
// that replayed a whole session expects 0.
func (p *Player) Remaining() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries) - p.next
}

// take returns the next entry if match accepts it.
func (p *Player) take(op string, match func(*Entry) string) (*Entry, error) {
	if p.next >= len(p.entries) {
		return nil, fmt.Errorf("%w: call %d (%s) is beyond the end of the recording", ErrDivergence, p.next+1, op)
	}
	e := &p.entries[p.next]
	if e.Op != op {
		return nil, fmt.Errorf("%w: call %d is %s, the recording has %s", ErrDivergence, p.next+1, op, e.Op)
	}
	if why := match(e); why != "" {
		return nil, fmt.Errorf("%w: call %d (%s): %s", ErrDivergence, p.next+1, op, why)
	}
	p.next++
	return e, nil
}

func regionDiff(e *Entry, r crossbar.Region) string {
	if *e.Region != r {
		return fmt.Sprintf("region %v, recorded %v", r, *e.Region)
	}
	return ""
}

// Geometry implements crossbar.Array.
func (p *Player) Geometry() crossbar.Geometry { return p.geom }

// Program implements crossbar.Array.
func (p *Player) Program(_ context.Context, r crossbar.Region, pulse crossbar.Pulse) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, err := p.take("program", func(e *Entry) string {
		if d := regionDiff(e, r); d != "" {
			return d
		}
		rp := e.Pulse
		if rp.Mode != uint8(pulse.Mode) || !rp.Amplitude.same(float64(pulse.Amplitude)) ||
			!rp.Width.same(float64(pulse.Width)) || !rp.Gate.same(float64(pulse.Gate)) {
			return fmt.Sprintf("pulse %v, recorded mode %d %gV × %gs gate %gV", pulse, rp.Mode, rp.Amplitude, rp.Width, rp.Gate)
		}
		return ""
	})
	if err != nil {
		return err
	}
	return entryErr(e)
}

// Read implements crossbar.Array.
func (p *Player) Read(_ context.Context, r crossbar.Region, g []units.Siemens) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, err := p.take("read", func(e *Entry) string {
		if d := regionDiff(e, r); d != "" {
			return d
		}
		if len(g) != e.N {
			return fmt.Sprintf("buffer of %d, recorded %d", len(g), e.N)
		}
		return ""
	})
	if err != nil {
		return err
	}
	if err := entryErr(e); err != nil {
		return err
	}
	for i, v := range e.Out {
		g[i] = units.Siemens(v)
	}
	return nil
}

// MVM implements crossbar.Array.
func (p *Player) MVM(_ context.Context, r crossbar.Region, x []float64, y []units.Amps) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, err := p.take("mvm", func(e *Entry) string {
		if d := regionDiff(e, r); d != "" {
			return d
		}
		if len(y) != e.N {
			return fmt.Sprintf("output buffer of %d, recorded %d", len(y), e.N)
		}
		if len(x) != len(e.X) {
			return fmt.Sprintf("%d inputs, recorded %d", len(x), len(e.X))
		}
		for i, v := range x {
			if !e.X[i].same(v) {
				return fmt.Sprintf("x[%d] = %v, recorded %v", i, v, float64(e.X[i]))
			}
		}
		return ""
	})
	if err != nil {
		return 0, err
	}
	if err := entryErr(e); err != nil {
		return e.Saturated, err
	}
	for i, v := range e.Out {
		y[i] = units.Amps(v)
	}
	return e.Saturated, nil
}

// Close implements crossbar.Array.
func (p *Player) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, err := p.take("close", func(*Entry) string { return "" })
	if err != nil {
		return err
	}
	return entryErr(e)
}
