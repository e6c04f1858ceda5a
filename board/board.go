// Package board opens the crossbar.Array that a user names with one word,
// the --board of every memlsm command:
//
//   - "sim" (or ""): the simulated macro, crossbar.NewModel(p, seed).
//   - "emu": the emulated board in process — a crossbar.NewModel(p, seed)
//     behind the real firmware dispatcher (firmware/emu), served over a
//     net.Pipe and reached through the real host driver (device.New), so
//     every request crosses the wire protocol, framing and CRC. Its
//     results equal "sim"'s for the same p and seed (the model's
//     randomness is keyed by cell and column, not by call order).
//   - anything else: a serial device path opened with device.Open — a real
//     board, or the pty that "memlsm board emulate" serves. p and seed do
//     not apply: the board is what it is. Link options may follow a "?",
//     as in data sources: PATH?retries=500&chunk=64&timeout=100ms (see
//     Options).
//
// A reservoir larger than one array runs on a grid of them
// (crossbar.Tiled); Tiles turns a --board value — one of the words above,
// or a comma-separated list of them — into the opener of those arrays that
// experiments take (experiment.Macro.Tiles).
//
// The package sits above device and firmware/emu and below the commands,
// so that neither the driver nor the emulator depends on the other.
package board

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware/emu"
)

// ErrSpec marks a board name that cannot name a board (found before any
// port is opened).
var ErrSpec = errors.New("board: bad board name")

// OpenTimeout bounds opening a serial board: HELLO and its retries
// (assumption: 30 s covers them on any working board, even on a line that
// damages one byte in fifty).
const OpenTimeout = 30 * time.Second

// Open opens the array spec names. The caller must Close it; for "emu"
// that also stops the emulator.
func Open(ctx context.Context, spec string, p crossbar.Params, seed uint64) (crossbar.Array, error) {
	switch spec {
	case "", "sim":
		m, err := crossbar.NewModel(p, seed)
		if err != nil {
			return nil, fmt.Errorf("board sim: %w", err)
		}
		return m, nil
	case "emu":
		m, err := crossbar.NewModel(p, seed)
		if err != nil {
			return nil, fmt.Errorf("board emu: %w", err)
		}
		eb, err := emu.New(m, nil)
		if err != nil {
			return nil, fmt.Errorf("board emu: %w", err)
		}
		ectx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		host, done := emu.Pipe(ectx, eb)
		b, err := device.New(host, nil)
		if err != nil {
			cancel()
			host.Close()
			<-done
			return nil, fmt.Errorf("board emu: %w", err)
		}
		return &emuArray{Board: b, host: host, cancel: cancel, done: done}, nil
	}
	if strings.HasPrefix(spec, "-") {
		return nil, fmt.Errorf("%w %q: want sim, emu or a serial device path", ErrSpec, spec)
	}
	path, opts, err := Options(spec)
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, OpenTimeout)
	defer cancel()
	b, err := device.OpenContext(octx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("board %s (want sim, emu or a serial device path): %w", spec, err)
	}
	return b, nil
}

// Options splits a serial board spec "PATH[?key=value&...]" into the path
// and the driver's link options (device.Options): retries=N (resends of
// one frame), chunk=N (largest frame payload of ranged transfers; -1 turns
// them off), payload=N (largest request the driver builds), timeout=D (per
// attempt, e.g. 100ms), silence=N (attempts without a byte from the board
// before it is declared gone), baud=N. A spec without "?" gives nil
// options (every default).
func Options(spec string) (string, *device.Options, error) {
	path, query, ok := strings.Cut(spec, "?")
	if !ok {
		return spec, nil, nil
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return "", nil, fmt.Errorf("%w %q: bad options %q: %v", ErrSpec, spec, query, err)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var o device.Options
	for _, k := range keys {
		v := vals[k]
		if len(v) != 1 {
			return "", nil, fmt.Errorf("%w %q: option %s given %d times", ErrSpec, spec, k, len(v))
		}
		var dst *int
		switch k {
		case "retries":
			dst = &o.Retries
		case "chunk":
			dst = &o.Chunk
		case "payload":
			dst = &o.MaxPayload
		case "silence":
			dst = &o.Silence
		case "baud":
			dst = &o.BaudRate
		case "timeout":
			d, err := time.ParseDuration(v[0])
			if err != nil || d <= 0 {
				return "", nil, fmt.Errorf("%w %q: timeout=%q is not a positive duration", ErrSpec, spec, v[0])
			}
			o.Timeout = d
			continue
		default:
			return "", nil, fmt.Errorf("%w %q: unknown option %q (known: baud, chunk, payload, retries, silence, timeout)", ErrSpec, spec, k)
		}
		n, err := strconv.Atoi(v[0])
		if err != nil || (n < 0 && k != "chunk" && k != "retries") {
			return "", nil, fmt.Errorf("%w %q: %s=%q is not a count", ErrSpec, spec, k, v[0])
		}
		*dst = n
	}
	return path, &o, nil
}

// Simulated reports whether spec names a simulated array (sim or emu),
// whose parameters and seed are the caller's to choose.
func Simulated(spec string) bool { return spec == "" || spec == "sim" || spec == "emu" }

// Label describes the array spec names for reports: params names the
// simulated device's parameters (a preset or a file).
func Label(spec, params string, seed uint64) string {
	switch spec {
	case "", "sim":
		return fmt.Sprintf("simulated macro (%s, seed %d)", params, seed)
	case "emu":
		return fmt.Sprintf("emulated board through the wire protocol (%s, seed %d)", params, seed)
	}
	if strings.Contains(spec, ",") {
		return fmt.Sprintf("arrays %s, one per macro (%s, seed %d for the simulated ones)", spec, params, seed)
	}
	return "board at " + spec
}

// emuArray is the in-process emulated board: the host driver plus the
// emulator goroutine it talks to. Embedding *device.Board keeps every
// optional interface (Limiter, Clock, Counter, ReservoirRunner,
// ReadVoltager) visible to type assertions.
type emuArray struct {
	*device.Board
	host   net.Conn
	cancel context.CancelFunc
	done   <-chan error
}

// Close closes the driver, then stops the emulator. Safe to call twice.
func (e *emuArray) Close() error {
	err := e.Board.Close()
	e.cancel()
	e.host.Close()
	<-e.done
	e.done = closedErrChan
	return err
}

var closedErrChan = func() <-chan error {
	c := make(chan error)
	close(c)
	return c
}()
