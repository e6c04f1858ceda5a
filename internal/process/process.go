// Package process decides how the memlsm process ends: what Ctrl-C and
// SIGTERM do, and which exit status a crash gets.
//
// # Signals
//
// Notify returns a context that the first SIGINT (Ctrl-C) or SIGTERM
// cancels. Every long-running library call takes that context and returns
// promptly with an error wrapping context.Canceled; the command then exits
// with 128 + the signal number (130 for SIGINT, 143 for SIGTERM), the shell
// convention for "stopped by a signal". Outputs are written through
// internal/atomicfile, so an interrupted command leaves no partial file.
//
// A second signal exits at once: pending temporary files are removed
// (atomicfile.RemovePending) and the process exits with the same status,
// without waiting for the work to unwind. If the work has not returned
// Grace after the first signal (a call that does not check its context is a
// bug), the process exits the same way and says so.
//
// # Crashes
//
// Go's runtime exits with status 2 on an unrecovered panic or a fatal error
// (out of memory, stack overflow, concurrent map writes), which is also the
// CLI's usage-error status. CrashOnFatal makes the runtime abort with
// SIGABRT instead (GOTRACEBACK=crash), so a crash is never mistaken for a
// usage error: shells report status 134, os/exec a signal. Panics on the
// command's own goroutine are recovered by Recover and become an ordinary
// failure (status 1) with the panic value and stack in the message.
// Memory exhaustion by hostile input is prevented where it starts, in the
// readers (each bounded by a byte budget), not here.
package process

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// DefaultGrace is how long the first signal waits for the work to stop
// before the process exits anyway. Cooperative cancellation takes well under
// a second (tests hold every reader, converter, encoder and training loop to
// that); the margin covers a loaded machine.
const DefaultGrace = 3 * time.Second

// Options configures Notify. The zero value is the CLI's behaviour.
type Options struct {
	// Stderr receives the one-line notices; nil → os.Stderr.
	Stderr io.Writer
	// Name prefixes the notices ("memlsm").
	Name string
	// Grace is the watchdog delay after the first signal; 0 → DefaultGrace,
	// negative → no watchdog.
	Grace time.Duration
	// Signals are the signals handled; nil → SIGINT and SIGTERM.
	Signals []os.Signal
	// Exit ends the process at once; nil → atomicfile.RemovePending, then
	// os.Exit.
	Exit func(code int)
}

// Handler is the signal handling set up by Notify.
type Handler struct {
	opt    Options
	cancel context.CancelCauseFunc
	ch     chan os.Signal
	quit   chan struct{}
	once   sync.Once

	mu    sync.Mutex
	first os.Signal
}

// Interrupted is the cause (context.Cause) of a context cancelled by a
// signal.
type Interrupted struct{ Signal os.Signal }

func (e Interrupted) Error() string { return "interrupted by " + signalName(e.Signal) }

// Notify starts handling signals: the first cancels the returned context,
// a second (or the watchdog) exits the process. Call Stop when the work has
// returned.
func Notify(parent context.Context, opt Options) (context.Context, *Handler) {
	if opt.Stderr == nil {
		opt.Stderr = os.Stderr
	}
	if opt.Name == "" {
		opt.Name = "memlsm"
	}
	if opt.Grace == 0 {
		opt.Grace = DefaultGrace
	}
	if opt.Signals == nil {
		opt.Signals = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	if opt.Exit == nil {
		opt.Exit = func(code int) {
			atomicfile.RemovePending()
			os.Exit(code)
		}
	}
	ctx, cancel := context.WithCancelCause(parent)
	h := &Handler{opt: opt, cancel: cancel, ch: make(chan os.Signal, 2), quit: make(chan struct{})}
	signal.Notify(h.ch, opt.Signals...)
	go h.loop()
	return ctx, h
}

func (h *Handler) loop() {
	var watchdog <-chan time.Time
	for {
		select {
		case <-h.quit:
			return
		case s := <-h.ch:
			h.mu.Lock()
			first := h.first == nil
			if first {
				h.first = s
			}
			h.mu.Unlock()
			if !first {
				fmt.Fprintf(h.opt.Stderr, "%s: %s again: exiting now\n", h.opt.Name, signalName(s))
				h.opt.Exit(ExitCode(h.Signal()))
				return
			}
			fmt.Fprintf(h.opt.Stderr, "%s: %s: stopping (press Ctrl-C again to quit at once)\n", h.opt.Name, signalName(s))
			h.cancel(Interrupted{s})
			if h.opt.Grace > 0 {
				watchdog = time.After(h.opt.Grace)
			}
		case <-watchdog:
			fmt.Fprintf(h.opt.Stderr, "%s: still running %v after %s: exiting now\n", h.opt.Name, h.opt.Grace, signalName(h.Signal()))
			h.opt.Exit(ExitCode(h.Signal()))
			return
		}
	}
}

// Signal returns the first signal received, or nil.
func (h *Handler) Signal() os.Signal {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.first
}

// Stop stops handling signals (a later signal gets the default action) and
// the watchdog. It is safe to call twice.
func (h *Handler) Stop() {
	h.once.Do(func() {
		signal.Stop(h.ch)
		close(h.quit)
		h.cancel(context.Canceled)
	})
}

// ExitCode is the exit status of a process stopped by sig: 128 + its
// number (130 for SIGINT, 143 for SIGTERM), or 1 if sig has no number.
func ExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "interrupt"
	case syscall.SIGTERM:
		return "terminated"
	case nil:
		return "signal"
	}
	return s.String()
}

// CrashOnFatal makes an unrecovered panic or a fatal runtime error abort
// the process with SIGABRT (and a full traceback) instead of exiting with
// status 2, the CLI's usage-error status. It does nothing if the user has
// set GOTRACEBACK.
func CrashOnFatal() {
	if _, set := os.LookupEnv("GOTRACEBACK"); set {
		return
	}
	debug.SetTraceback("crash")
}

// PanicError is a panic recovered by Recover.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error (a bug, please report it with this message): panic: %v\n%s", e.Value, e.Stack)
}

// Recover runs fn and turns a panic on its goroutine into a *PanicError.
func Recover(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}
