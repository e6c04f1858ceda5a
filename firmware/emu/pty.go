//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package emu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// PTY is an emulated board served on a pseudo-terminal: programs open
// Path() as they would a board's USB serial port.
type PTY struct {
	master, slave *os.File
	path          string
	cancel        context.CancelFunc
	done          chan struct{}
	err           error
	closeOnce     sync.Once
}

// ServePTY opens a pty pair, puts it in raw mode (no echo, no line
// editing, no CR/LF translation: a binary link), and serves b on the master
// side until ctx is done, Close is called or the board disconnects. The
// emulator keeps the slave side open itself, so a host may open, close and
// reopen Path() without the master seeing a hang-up.
func ServePTY(ctx context.Context, b *Board) (*PTY, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("emu: opening a pty: %w", err)
	}
	if _, err := term.MakeRaw(int(slave.Fd())); err != nil {
		master.Close()
		slave.Close()
		return nil, fmt.Errorf("emu: raw mode on %s: %w", slave.Name(), err)
	}
	// pty.Open leaves the master in blocking mode (it calls Fd), where Close
	// cannot interrupt a pending Read. A non-blocking duplicate goes through
	// the runtime poller instead, so stopping the board never hangs.
	master, err = pollable(master)
	if err != nil {
		slave.Close()
		return nil, fmt.Errorf("emu: pty master: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &PTY{master: master, slave: slave, path: slave.Name(), cancel: cancel, done: make(chan struct{})}
	go func() {
		err := b.Serve(ctx, master)
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		p.err = err
		p.shut()
		close(p.done)
	}()
	return p, nil
}

// Path is the device path of the slave side, e.g. /dev/pts/3.
func (p *PTY) Path() string { return p.path }

// Done is closed when the board stopped serving.
func (p *PTY) Done() <-chan struct{} { return p.done }

// Err returns why the board stopped (nil for Close or ctx, ErrDisconnected
// for an injected disconnect), once Done is closed.
func (p *PTY) Err() error {
	<-p.done
	return p.err
}

func (p *PTY) shut() {
	p.closeOnce.Do(func() {
		p.master.Close()
		p.slave.Close()
	})
}

// Close stops the board and closes the pty; it is safe to call twice.
func (p *PTY) Close() error {
	p.cancel()
	p.shut()
	<-p.done
	return nil
}

// pollable returns a non-blocking duplicate of f, registered with the
// runtime poller, and closes f.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}
