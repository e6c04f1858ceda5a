// Package atomicfile writes files so that a reader never sees half of one:
// the data goes to a temporary file in the same folder, which is renamed
// over the target only once it is complete. A failed or interrupted write
// leaves the target as it was and no temporary file behind.
package atomicfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
)

// Perm is the permission of the files written (os.CreateTemp's 0600 would
// make results private to their writer).
const Perm = 0o644

// Write writes the output of write to path atomically.
func Write(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(Perm); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return err
	}
	// Sync before the rename, so that after a crash of the machine the
	// target is the old file or the whole new one, never an empty one.
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}
