package device

import (
	"context"
	"fmt"

	"go.bug.st/serial"
)

// Open opens the serial port at path (e.g. /dev/ttyACM0, or the pty that
// `memlsm board emulate` prints) with go.bug.st/serial at Options.BaudRate
// (default 921,600) 8N1, no flow control, and talks to the board on it.
// The Board owns the port: Close closes it. The port's read timeout is set
// to 50 ms, so a read with nothing to read returns (0, nil) — the
// go.bug.st/serial convention — and the driver's reader loops instead of
// blocking forever; closing the port unblocks it at once. Stale bytes in
// the port's input buffer are discarded before HELLO.
func Open(path string, opts *Options) (*Board, error) {
	return OpenContext(context.Background(), path, opts)
}

// OpenContext is Open with a context bounding the HELLO exchange.
func OpenContext(ctx context.Context, path string, opts *Options) (*Board, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	mode := &serial.Mode{BaudRate: o.baud(), DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	port, err := serial.Open(path, mode)
	if err != nil {
		return nil, &OpError{Op: "open", Port: path, Err: fmt.Errorf("%w: %w", ErrNoBoard, err)}
	}
	if err := port.SetReadTimeout(readPoll); err != nil {
		port.Close()
		return nil, &OpError{Op: "open", Port: path, Err: err}
	}
	if err := port.ResetInputBuffer(); err != nil {
		port.Close()
		return nil, &OpError{Op: "open", Port: path, Err: err}
	}
	return newBoard(ctx, port, port, path, &o)
}
