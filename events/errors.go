package events

import (
	"errors"
	"fmt"
)

// ErrFormat is matched (with errors.Is) by every *FormatError: the input is
// not a well-formed file of the format being read.
var ErrFormat = errors.New("malformed input")

// FormatError reports malformed input: which file, where in it, and what was
// wrong. Every reader of this package returns one for truncated, empty,
// wrong-format or out-of-range input, and never panics.
type FormatError struct {
	Format string // "N-MNIST .bin", "WAV", "memlsm events"...
	File   string // the file name, or "" for an anonymous reader
	Offset int64  // byte offset of the problem in the file (see the format's doc for its base)
	Msg    string // what was wrong
	Err    error  // the underlying cause, if any
}

func (e *FormatError) Error() string {
	file := e.File
	if file == "" {
		file = "<input>"
	}
	s := fmt.Sprintf("events: %s: %s: byte offset %d: %s", e.Format, file, e.Offset, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, so errors.Is(err, io.ErrUnexpectedEOF) and
// similar work.
func (e *FormatError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrFormat, e.Err}
	}
	return []error{ErrFormat}
}

func formatErr(format, file string, off int64, err error, msg string, args ...any) *FormatError {
	return &FormatError{Format: format, File: file, Offset: off, Msg: fmt.Sprintf(msg, args...), Err: err}
}

// fileNamer is implemented by *os.File: readers that take an io.Reader use it
// to name the file in their errors.
type fileNamer interface{ Name() string }

func readerName(r any) string {
	if n, ok := r.(fileNamer); ok {
		return n.Name()
	}
	return ""
}
