package device

import (
	"fmt"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware/wire"
)

// sentinel is an exported error value that also matches a crossbar error,
// so code written against crossbar.Array can branch on crossbar.ErrLimit
// or crossbar.ErrClosed whatever implementation it holds.
type sentinel struct {
	msg  string
	also error
}

func (s *sentinel) Error() string        { return s.msg }
func (s *sentinel) Is(target error) bool { return s.also != nil && target == s.also }

// Errors callers branch on (errors.Is). Every error a Board returns is an
// *OpError wrapping one of these or a lower-level cause.
var (
	// ErrTimeout: no valid response within the attempt timeouts and
	// retries, or the context's deadline passed.
	ErrTimeout error = &sentinel{msg: "device: timed out"}
	// ErrProtocol: the board answered, but not as the protocol says
	// (malformed payload, wrong version, a request the firmware could not
	// parse, too many corrupt frames).
	ErrProtocol error = &sentinel{msg: "device: protocol error"}
	// ErrLimit: the firmware refused a pulse beyond its safety limits, or
	// the request could not be expressed within the DAC's range; nothing
	// was touched. It also matches crossbar.ErrLimit.
	ErrLimit error = &sentinel{msg: "device: pulse refused by the board's safety limits", also: crossbar.ErrLimit}
	// ErrNoBoard: nothing answers: the port cannot be opened, the link
	// closed, or no valid frame ever came back.
	ErrNoBoard error = &sentinel{msg: "device: no board"}
	// ErrClosed: the Board was closed. It also matches crossbar.ErrClosed.
	ErrClosed error = &sentinel{msg: "device: board is closed", also: crossbar.ErrClosed}
)

// OpError is the error of one Board operation, like os.PathError: the
// operation, the port (empty for a borrowed stream), and the cause.
type OpError struct {
	Op   string // "hello", "program", "read", "mvm", "reservoir", "wait", "status", "halt", "open"
	Port string
	Err  error
}

func (e *OpError) Error() string {
	s := "device: " + e.Op
	if e.Port != "" {
		s += " " + e.Port
	}
	return s + ": " + trimPrefix(e.Err.Error())
}

func (e *OpError) Unwrap() error { return e.Err }

// inner wraps err for nesting inside another device error: same chain,
// message without the repeated "device: " prefix.
type inner struct{ err error }

func (e inner) Error() string { return trimPrefix(e.err.Error()) }
func (e inner) Unwrap() error { return e.err }

func trimPrefix(s string) string {
	const p = "device: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// StatusError is a request the firmware answered with a non-OK status. It
// matches ErrLimit for StatusLimit, ErrProtocol for malformed requests and
// unknown opcodes.
type StatusError struct {
	Op     wire.Op
	Status wire.Status
	Info   wire.ErrorInfo
	detail string // the limit in SI units, when known
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("device: board answered %v with %q (%v", e.Op, e.Status.String(), e.Info.Detail)
	if e.detail != "" {
		s += ": " + e.detail
	} else if e.Info.Got != 0 || e.Info.Limit != 0 {
		s += fmt.Sprintf(": got %d, limit %d", e.Info.Got, e.Info.Limit)
	}
	if e.Info.Offset != 0 {
		s += fmt.Sprintf(", payload byte %d", e.Info.Offset)
	}
	return s + ")"
}

// Is matches the sentinel a status means.
func (e *StatusError) Is(target error) bool {
	switch e.Status {
	case wire.StatusLimit:
		return target == ErrLimit || target == crossbar.ErrLimit
	case wire.StatusBadRequest, wire.StatusUnknownOp, wire.StatusState:
		return target == ErrProtocol
	}
	return false
}
