//go:build unix

package events

import (
	"os"
	"syscall"
)

// openNonblock opens path for reading with O_NONBLOCK, so that opening a
// FIFO without a writer returns at once instead of blocking; for regular
// files the flag changes nothing (POSIX: reads of regular files never
// block on it).
func openNonblock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// clearNonblock is a no-op: O_NONBLOCK has no effect on regular files.
func clearNonblock(*os.File) error { return nil }
