package main

// memlsm board emulate: serve the emulated board on a pseudo-terminal.
//
//	memlsm board emulate [--preset lin2025] [--params FILE] [--seed N]
//	                     [--drop P] [--corrupt P] [--delay-prob P --delay D]
//	                     [--stall-prob P --stall D] [--disconnect-after N] [--faults LIST] [--name NAME]
//
// It prints the pty's device path on stdout, alone on one line, so a script
// can read it and pass it to any command's --board; everything else goes to
// stderr. It runs until Ctrl-C (or the injected disconnect).
//
// This file also holds openArray, the one implementation of the --board
// flag that every command taking a board uses.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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

func init() {
	register(command{name: "board", summary: "hardware-in-the-loop: serve the emulated board on a pty", run: runBoard})
}

const boardUsage = `board emulate [--preset NAME] [--params FILE] [--seed N] [--drop P] [--corrupt P]
                     [--delay-prob P --delay D] [--stall-prob P --stall D] [--disconnect-after N] [--faults LIST] [--name NAME]

Serves the emulated board (the real firmware on the simulated macro) on a
pseudo-terminal and prints its device path on stdout. Give that path to any
command's --board flag, e.g.:

    memlsm board emulate --seed 7 > board.path &
    sleep 1; memlsm classify ... --board "$(cat board.path)"

Fault injection (both directions, seeded by --seed): --drop and --corrupt are
per-byte probabilities; --delay-prob P holds the stream before a byte with
probability P for up to --delay; --stall-prob P makes the board stall for
--stall before answering a request; --disconnect-after N answers N frames,
then hangs up and exits. --faults sets them in one list, e.g.
--faults drop=0.01,corrupt=0.01. Runs until Ctrl-C.`

func runBoard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(stderr, "Usage: memlsm %s\n", boardUsage)
		if len(args) == 0 {
			return usagef("board: no subcommand (want emulate)")
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "emulate":
		return runBoardEmulate(ctx, args[1:], stdout, stderr)
	}
	return usagef("board: unknown subcommand %q (want emulate)", args[0])
}

// faultFlags are the flags --faults may set.
var faultFlags = []string{"drop", "corrupt", "delay-prob", "delay", "stall-prob", "stall", "disconnect-after"}

// setFaults applies a --faults list (name=value pairs separated by commas)
// to the fault flags of fs. A name outside faultFlags, a value the flag
// rejects, a repeated name, or a name also given as its own flag is a
// usage error.
func setFaults(fs *flag.FlagSet, list string) error {
	if strings.TrimSpace(list) == "" {
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	seen := map[string]bool{}
	for _, kv := range strings.Split(list, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		k = strings.TrimSpace(k)
		switch {
		case !ok || k == "":
			return usagef("board emulate: --faults: %q is not name=value", kv)
		case !slices.Contains(faultFlags, k):
			return usagef("board emulate: --faults: unknown fault %q (want one of %s)", k, strings.Join(faultFlags, ", "))
		case seen[k]:
			return usagef("board emulate: --faults: %s given twice", k)
		case given[k]:
			return usagef("board emulate: --faults sets %s, also given as --%s", k, k)
		}
		seen[k] = true
		if err := fs.Set(k, strings.TrimSpace(v)); err != nil {
			return usagef("board emulate: --faults: %s=%s: %v", k, v, err)
		}
	}
	return nil
}

func runBoardEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("board emulate", boardUsage, stderr)
	var pf macroParamFlags
	pf.register(fs)
	seed := fs.Uint64("seed", 1, "seed of the simulated array and of the fault injection")
	name := fs.String("name", emu.DefaultName, "board name reported by HELLO")
	drop := fs.Float64("drop", 0, "probability that a byte is dropped (each direction)")
	corrupt := fs.Float64("corrupt", 0, "probability that a byte is corrupted (each direction)")
	delayP := fs.Float64("delay-prob", 0, "probability that the stream stalls before a byte (each direction)")
	delay := fs.Duration("delay", 0, "longest such stall, e.g. 5ms (with --delay-prob; alone it implies --delay-prob 0.001)")
	stallP := fs.Float64("stall-prob", 0, "probability that the board stalls before answering a request")
	stall := fs.Duration("stall", 0, "length of a stall, e.g. 300ms (with --stall-prob; alone it implies --stall-prob 0.01)")
	disconnect := fs.Int("disconnect-after", 0, "hang up after answering this many frames (0: never)")
	faults := fs.String("faults", "", "the fault flags in one list, e.g. drop=0.01,corrupt=0.01,stall=300ms (names as the flags; a flag given on its own must not repeat one)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("board emulate: unexpected argument %q", pos[0])
	}
	if err := setFaults(fs, *faults); err != nil {
		return err
	}
	p, source, err := pf.load(fs)
	if err != nil {
		return err
	}
	if *delay > 0 && *delayP == 0 {
		*delayP = 0.001 // assumption: a rare hold, as a USB bus under load shows
	}
	if *stall > 0 && *stallP == 0 {
		*stallP = 0.01 // assumption: one request in a hundred
	}
	link := emu.Link{Drop: *drop, Corrupt: *corrupt, Delay: *delayP, MaxTime: *delay}
	opts := &emu.Options{Name: *name, Seed: *seed, Faults: emu.Faults{
		ToBoard: link, ToHost: link, StallProb: *stallP, Stall: *stall, DisconnectAfter: *disconnect,
	}}
	if err := opts.Faults.Validate(); err != nil {
		return usageError{err}
	}
	m, err := crossbar.NewModel(p, *seed)
	if err != nil {
		return fmt.Errorf("board emulate: %w", err)
	}
	b, err := emu.New(m, opts)
	if err != nil {
		return fmt.Errorf("board emulate: %w", err)
	}
	pt, err := emu.ServePTY(ctx, b)
	if err != nil {
		return fmt.Errorf("board emulate: %w", err)
	}
	defer pt.Close()
	fmt.Fprintln(stdout, pt.Path())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		f.Sync()
	}
	g := m.Geometry()
	fmt.Fprintf(stderr, "memlsm board emulate: %q, %d×%d macro (%s, seed %d) on %s", *name, g.Rows, g.Cols, source, *seed, pt.Path())
	if link != (emu.Link{}) || *stallP > 0 || *disconnect > 0 {
		fmt.Fprintf(stderr, "; faults: drop %g, corrupt %g, delay %g×%v, stall %g×%v, disconnect after %d",
			*drop, *corrupt, *delayP, *delay, *stallP, *stall, *disconnect)
	}
	fmt.Fprintln(stderr, "; Ctrl-C stops it")
	select {
	case <-ctx.Done():
		pt.Close()
		s := b.Stats()
		fmt.Fprintf(stderr, "memlsm board emulate: stopped after %d frames\n", s.Frames)
		return nil
	case <-pt.Done():
	}
	s := b.Stats()
	if errors.Is(pt.Err(), emu.ErrDisconnected) {
		fmt.Fprintf(stderr, "memlsm board emulate: disconnected after %d frames, as asked\n", s.Frames)
		return nil
	}
	if err := pt.Err(); err != nil {
		return fmt.Errorf("board emulate: %w", err)
	}
	return nil
}

// openArray opens the crossbar.Array that a --board flag names; every
// command that takes --board calls it. spec is:
//
//   - "sim" or "": the simulator, crossbar.NewModel(p, seed).
//   - "emu": the emulated board in-process: a crossbar.NewModel(p, seed)
//     behind the real firmware dispatcher, served over a net.Pipe and
//     reached through the real host driver (device.New), so every request
//     crosses the wire protocol, framing and CRC. Its results equal "sim"'s
//     for the same p and seed (the model's randomness is keyed by cell and
//     column, not by call order).
//   - anything else: a serial device path, opened with device.Open — a
//     real board, or the pty that `memlsm board emulate` prints. p and seed
//     do not apply: the board is what it is (a command should record the
//     board's name and geometry instead). Link options may follow a "?",
//     as in data sources: PATH?retries=500&chunk=64&timeout=100ms
//     (boardOptions).
//
// The caller must Close the array; for "emu" that also stops the emulator.
func openArray(ctx context.Context, spec string, p crossbar.Params, seed uint64) (crossbar.Array, error) {
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
		return nil, usagef("--board %q: want sim, emu or a serial device path", spec)
	}
	path, opts, err := boardOptions(spec)
	if err != nil {
		return nil, err
	}
	// Assumption: 30 s covers HELLO and its retries on any working board,
	// even on a line that damages one byte in fifty.
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := device.OpenContext(octx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("--board %s (want sim, emu or a serial device path): %w", spec, err)
	}
	return b, nil
}

// boardOptions splits a serial --board spec "PATH[?key=value&...]" into
// the path and the driver's link options (device.Options): retries=N
// (resends per request), chunk=N (largest frame payload of ranged
// transfers; -1 turns them off), payload=N (largest request the
// driver builds), timeout=D (per attempt), silence=N (silent attempts
// before giving up), baud=N.
func boardOptions(spec string) (string, *device.Options, error) {
	path, query, ok := strings.Cut(spec, "?")
	if !ok {
		return spec, nil, nil
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return "", nil, usagef("--board %s: bad options %q: %v", spec, query, err)
	}
	var o device.Options
	for k, v := range vals {
		if len(v) != 1 {
			return "", nil, usagef("--board %s: option %s given %d times", spec, k, len(v))
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
				return "", nil, usagef("--board %s: timeout=%q is not a positive duration", spec, v[0])
			}
			o.Timeout = d
			continue
		default:
			return "", nil, usagef("--board %s: unknown option %q (known: retries, chunk, payload, timeout, silence, baud)", spec, k)
		}
		n, err := strconv.Atoi(v[0])
		if err != nil || (n < 0 && k != "chunk" && k != "retries") {
			return "", nil, usagef("--board %s: %s=%q is not a count", spec, k, v[0])
		}
		*dst = n
	}
	return path, &o, nil
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
