package emu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/wire"
)

// DefaultName is the name an emulated board reports in HELLO.
const DefaultName = "memlsm-emu"

// Options configures an emulated board. The zero value is a fault-free
// board named DefaultName.
type Options struct {
	Name   string // reported by HELLO; DefaultName if empty
	Faults Faults
	// Seed seeds the fault injection (a PCG per direction): the same seed and
	// the same byte streams give the same faults.
	Seed uint64
}

// Faults are the link faults an emulated board injects. The zero value
// injects none.
type Faults struct {
	ToBoard Link // on bytes from the host to the board
	ToHost  Link // on bytes from the board to the host
	// StallProb is the probability that the board, having decoded a
	// request, stalls for Stall before handling it (a busy MCU, a USB
	// hiccup).
	StallProb float64
	Stall     time.Duration
	// DisconnectAfter, if positive, makes the board hang up (an unplugged
	// cable) instead of answering once it has sent that many frames: the
	// host gets every one of them, then nothing. Serve returns
	// ErrDisconnected.
	DisconnectAfter int
}

// Link are per-byte faults of one direction.
type Link struct {
	Drop    float64       // probability that a byte is lost
	Corrupt float64       // probability that a byte is replaced by a random other value
	Delay   float64       // probability that the stream stalls before a byte …
	MaxTime time.Duration // … for a uniform random time up to MaxTime
}

func (l Link) active() bool { return l.Drop > 0 || l.Corrupt > 0 || (l.Delay > 0 && l.MaxTime > 0) }

// Validate checks that every probability is in [0, 1] and every duration ≥ 0.
func (f Faults) Validate() error {
	for _, c := range []struct {
		name string
		p    float64
	}{
		{"to-board drop", f.ToBoard.Drop}, {"to-board corrupt", f.ToBoard.Corrupt}, {"to-board delay", f.ToBoard.Delay},
		{"to-host drop", f.ToHost.Drop}, {"to-host corrupt", f.ToHost.Corrupt}, {"to-host delay", f.ToHost.Delay},
		{"stall", f.StallProb},
	} {
		if !(c.p >= 0 && c.p <= 1) {
			return fmt.Errorf("emu: %s probability %g outside [0, 1]", c.name, c.p)
		}
	}
	if f.ToBoard.MaxTime < 0 || f.ToHost.MaxTime < 0 || f.Stall < 0 {
		return errors.New("emu: negative fault duration")
	}
	if f.DisconnectAfter < 0 {
		return errors.New("emu: negative disconnect-after count")
	}
	return nil
}

// ErrDisconnected is returned by Serve when the board hangs up as
// Faults.DisconnectAfter asked.
var ErrDisconnected = errors.New("emu: board disconnected (fault injection)")

// Board is an emulated board: the real firmware dispatcher on a Frontend
// backed by a crossbar.Model, served over any byte stream, with seeded
// fault injection on the link.
type Board struct {
	fw   *firmware.Firmware
	fe   *Frontend
	opts Options

	serving sync.Mutex // one Serve at a time: the firmware is single-threaded
	fwMu    sync.Mutex // guards fw between Serve and Status
	frames  atomic.Int64
	stats   Stats
	statsMu sync.Mutex
}

// Stats counts what the fault injection did.
type Stats struct {
	Frames    int64 // frames the board sent
	Dropped   int64 // bytes dropped (both directions)
	Corrupted int64 // bytes corrupted (both directions)
	Delays    int64 // delays inserted
	Stalls    int64 // stalls before handling a request
}

// New returns an emulated board carrying m. The board owns m from now on:
// it must not be used directly while the board serves.
func New(m *crossbar.Model, opts *Options) (*Board, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = DefaultName
	}
	if err := o.Faults.Validate(); err != nil {
		return nil, err
	}
	cfg, err := Config(m, o.Name)
	if err != nil {
		return nil, err
	}
	fe := NewFrontend(m)
	fw, err := firmware.New(fe, cfg)
	if err != nil {
		return nil, fmt.Errorf("emu: %w", err)
	}
	return &Board{fw: fw, fe: fe, opts: o}, nil
}

// Status returns the firmware's STATUS (counters, replays, clock). It is
// safe to call while the board serves.
func (b *Board) Status() wire.BoardStatus {
	b.fwMu.Lock()
	defer b.fwMu.Unlock()
	return b.fw.Status()
}

// Stats returns the fault-injection counts so far.
func (b *Board) Stats() Stats {
	b.statsMu.Lock()
	defer b.statsMu.Unlock()
	s := b.stats
	s.Frames = b.frames.Load()
	return s
}

// injector applies one direction's faults.
type injector struct {
	l     Link
	rng   *rand.Rand
	board *Board
}

// mangle drops and corrupts bytes of p in place and returns what is left.
func (in *injector) mangle(p []byte) []byte {
	if in.l.Drop == 0 && in.l.Corrupt == 0 {
		return p
	}
	out := p[:0]
	var dropped, corrupted int64
	for _, c := range p {
		if in.l.Drop > 0 && in.rng.Float64() < in.l.Drop {
			dropped++
			continue
		}
		if in.l.Corrupt > 0 && in.rng.Float64() < in.l.Corrupt {
			c ^= byte(1 + in.rng.IntN(255)) // any other value
			corrupted++
		}
		out = append(out, c)
	}
	in.board.statsMu.Lock()
	in.board.stats.Dropped += dropped
	in.board.stats.Corrupted += corrupted
	in.board.statsMu.Unlock()
	return out
}

// delays draws, for each of n bytes in turn, whether the stream stalls
// before byte i, and calls hold(i, d) for every stall.
func (in *injector) delays(n int, hold func(i int, d time.Duration) error) error {
	if in.l.Delay == 0 || in.l.MaxTime <= 0 {
		return nil
	}
	for i := range n {
		if in.rng.Float64() < in.l.Delay {
			in.board.statsMu.Lock()
			in.board.stats.Delays++
			in.board.statsMu.Unlock()
			if err := hold(i, time.Duration(in.rng.Int64N(int64(in.l.MaxTime)+1))); err != nil {
				return err
			}
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Serve runs the board on rw until ctx is done (it returns ctx.Err()), rw
// fails or reaches EOF (it returns nil for EOF), or the board disconnects
// (ErrDisconnected). When ctx is done Serve closes rw if it is an
// io.Closer, to unblock its Read. Serve may be called again, on another
// stream, once it returned; the board keeps its state (the array, the
// replay cache) across streams, as a real board does across host sessions.
func (b *Board) Serve(ctx context.Context, rw io.ReadWriter) error {
	b.serving.Lock()
	defer b.serving.Unlock()
	stop := context.AfterFunc(ctx, func() {
		if c, ok := rw.(io.Closer); ok {
			c.Close()
		}
	})
	defer stop()

	f := b.opts.Faults
	toBoard := &injector{l: f.ToBoard, rng: rand.New(rand.NewPCG(b.opts.Seed, 0x746f626f617264)), board: b}
	toHost := &injector{l: f.ToHost, rng: rand.New(rand.NewPCG(b.opts.Seed, 0x746f686f7374)), board: b}
	stall := rand.New(rand.NewPCG(b.opts.Seed, 0x7374616c6c))
	buf := make([]byte, 4096)
	out := make([]byte, 0, 2*len(buf))
	write := func(p []byte) error {
		q := toHost.mangle(p)
		start := 0
		err := toHost.delays(len(q), func(i int, d time.Duration) error {
			if _, err := rw.Write(q[start:i]); err != nil {
				return err
			}
			start = i
			return sleep(ctx, d)
		})
		if err != nil {
			return err
		}
		_, err = rw.Write(q[start:])
		return err
	}
	respond := func(reply []byte) error {
		if f.DisconnectAfter > 0 && b.frames.Load() >= int64(f.DisconnectAfter) {
			if c, ok := rw.(io.Closer); ok {
				c.Close()
			}
			return ErrDisconnected
		}
		if f.StallProb > 0 && stall.Float64() < f.StallProb {
			b.statsMu.Lock()
			b.stats.Stalls++
			b.statsMu.Unlock()
			if err := sleep(ctx, f.Stall); err != nil {
				return err
			}
		}
		if err := write(reply); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("emu: writing to the host: %w", err)
		}
		b.frames.Add(1)
		return nil
	}
	for {
		n, rerr := rw.Read(buf)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		data := toBoard.mangle(buf[:n])
		// A byte delayed on the way in holds back the bytes after it: the
		// board sleeps before processing the rest of what it read.
		processed := 0
		feed := func(end int) error {
			for processed < end {
				b.fwMu.Lock()
				k, reply := b.fw.Feed(data[processed:end])
				if reply != nil {
					out = append(out[:0], reply...) // the reply aliases the firmware's buffers
					reply = out
				}
				b.fwMu.Unlock()
				processed += k
				if reply == nil {
					continue
				}
				if err := respond(reply); err != nil {
					return err
				}
			}
			return nil
		}
		err := toBoard.delays(len(data), func(i int, d time.Duration) error {
			if err := feed(i); err != nil {
				return err
			}
			return sleep(ctx, d)
		})
		if err == nil {
			err = feed(len(data))
		}
		if err != nil {
			return err
		}
		if rerr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrClosedPipe) || errors.Is(rerr, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("emu: reading from the host: %w", rerr)
		}
	}
}

// Pipe serves b over one end of a net.Pipe until ctx is done or the host
// closes its end, which it returns. done receives Serve's result.
func Pipe(ctx context.Context, b *Board) (host net.Conn, done <-chan error) {
	h, d := net.Pipe()
	ch := make(chan error, 1)
	go func() { ch <- b.Serve(ctx, d); d.Close() }()
	return h, ch
}
