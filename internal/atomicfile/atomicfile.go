// Package atomicfile writes files so that a reader never sees half of one,
// even across a crash or a power loss: the data goes to a temporary file in
// the same folder, which is flushed to stable storage (fsync) and only then
// renamed over the target; the folder itself is then synced so that the
// rename is durable too. A failed or interrupted write leaves the target as
// it was and no temporary file behind.
//
// Temporary files and folders still being written are tracked, so that a
// process that must exit at once (a second Ctrl-C) can remove them with
// RemovePending before it calls os.Exit.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
)

// Perm is the permission of the files written (os.CreateTemp's 0600 would
// make results private to their writer).
const Perm = 0o644

// DirPerm is the permission of the folders written.
const DirPerm = 0o755

var (
	pendingMu sync.Mutex
	pending   = map[string]bool{}
)

func track(path string) {
	pendingMu.Lock()
	pending[path] = true
	pendingMu.Unlock()
}

func untrack(path string) {
	pendingMu.Lock()
	delete(pending, path)
	pendingMu.Unlock()
}

// RemovePending removes every temporary file and folder that a write of
// this package has created and not yet committed or removed. It is meant for
// a process about to exit without unwinding (os.Exit skips deferred calls);
// writes still running afterwards fail.
func RemovePending() {
	pendingMu.Lock()
	defer pendingMu.Unlock()
	for p := range pending {
		os.RemoveAll(p)
		delete(pending, p)
	}
}

// Write writes the output of write to path atomically and durably.
func Write(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	track(f.Name())
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
		untrack(f.Name())
	}()
	if err = f.Chmod(Perm); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// WriteFile writes data to path atomically and durably.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// SyncDir flushes a folder's entries (names created, renamed or removed in
// it) to stable storage. On platforms where folders cannot be synced
// (Windows) it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && (errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EINVAL)) {
		return nil // some file systems (e.g. some FUSE ones) cannot sync folders
	}
	return err
}

// Dir is a folder being written: files go into its temporary path, and
// Commit renames it over the target. Until then it is tracked for
// RemovePending.
type Dir struct {
	Path   string // the temporary folder; write files here
	target string
	done   bool
}

// NewDir starts writing the folder target: it creates a temporary folder
// beside it (same parent, so the final rename stays on one file system).
func NewDir(target string) (*Dir, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-")
	if err != nil {
		return nil, err
	}
	track(tmp)
	if err := os.Chmod(tmp, DirPerm); err != nil { // MkdirTemp makes it private
		os.RemoveAll(tmp)
		untrack(tmp)
		return nil, err
	}
	return &Dir{Path: tmp, target: target}, nil
}

// WriteFile writes one file of the folder (durably; the folder is not yet
// visible under its target name).
func (d *Dir) WriteFile(name string, data []byte) error {
	f, err := os.OpenFile(filepath.Join(d.Path, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, Perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Commit syncs the temporary folder and renames it to the target. An
// existing target is moved aside first and removed only once the new
// folder is in place, so a failure never leaves neither.
func (d *Dir) Commit() error {
	if d.done {
		return errors.New("atomicfile: folder already committed or removed")
	}
	if err := SyncDir(d.Path); err != nil {
		return err
	}
	parent := filepath.Dir(d.target)
	var old string
	if _, err := os.Lstat(d.target); err == nil {
		old = d.Path + ".old"
		if err := os.Rename(d.target, old); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(d.Path, d.target); err != nil {
		if old != "" {
			if rerr := os.Rename(old, d.target); rerr != nil {
				return fmt.Errorf("%w (and the previous %s is left at %s: %v)", err, d.target, old, rerr)
			}
		}
		return err
	}
	d.done = true
	untrack(d.Path)
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return err
		}
	}
	return SyncDir(parent)
}

// Remove deletes the temporary folder unless it was committed; it is safe
// to call (deferred) after Commit.
func (d *Dir) Remove() {
	if d.done {
		return
	}
	d.done = true
	os.RemoveAll(d.Path)
	untrack(d.Path)
}
