// Package shareddata locates the real recordings that tests use and that the
// project never ships: $MEMLSM_SHARED_DATA if set, else ../shared/data beside
// the repository root (the folder holding go.mod). Tests that need them skip
// with a clear message when they are absent, so `go test ./...` passes on a
// fresh clone without them. Set MEMLSM_SHARED_DATA to an empty folder to
// exercise that path with the data present.
package shareddata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of sub inside the shared data folder, and an error
// if it does not exist.
func Path(sub string) (string, error) {
	dir := os.Getenv("MEMLSM_SHARED_DATA")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "..", "shared", "data")
	}
	p := filepath.Join(dir, sub)
	if _, err := os.Stat(p); err != nil {
		return p, fmt.Errorf("real data %s absent (set MEMLSM_SHARED_DATA or provide ../shared/data beside the repository): %w", p, err)
	}
	return p, nil
}

// Dir returns the path of sub inside the shared data folder, or skips t
// with a message saying what is missing.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	p, err := Path(sub)
	if err != nil {
		t.Skip(err)
	}
	return p
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("real data: repository root (go.mod) not found")
		}
		dir = parent
	}
}
