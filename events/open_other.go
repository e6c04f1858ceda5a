//go:build !unix

package events

import "os"

// openNonblock opens path for reading (platforms without FIFOs that block
// on open).
func openNonblock(path string) (*os.File, error) { return os.Open(path) }

func clearNonblock(*os.File) error { return nil }
