package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/units"
)

func TestBoardUsage(t *testing.T) {
	for _, args := range [][]string{
		{"board"},
		{"board", "nope"},
		{"board", "emulate", "--drop", "1.5"},
		{"board", "emulate", "extra"},
		{"board", "emulate", "--preset", "nope"},
		{"board", "emulate", "--faults", "drop"},
		{"board", "emulate", "--faults", "wobble=0.1"},
		{"board", "emulate", "--faults", "drop=lots"},
		{"board", "emulate", "--faults", "drop=0.1,drop=0.2"},
		{"board", "emulate", "--faults", "drop=0.1", "--drop", "0.2"},
		{"board", "emulate", "--faults", "corrupt=1.5"},
	} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if stdout, _, code := runCLI(t, "board", "-h"); code != 0 || !strings.Contains(stdout, "emulate") {
		t.Errorf("board -h: exit %d, %q", code, stdout)
	}
}

// TestBoardEmulate runs the command, reads the path from its stdout, drives
// the board through go.bug.st/serial, and stops it with the context (what
// Ctrl-C does).
func TestBoardEmulate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		err := run(ctx, []string{"board", "emulate", "--seed", "5", "--name", "cli-test"}, pw, &stderr)
		pw.Close()
		done <- exitCode(err, nil, io.Discard)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no path on stdout: %v", err)
	}
	path := strings.TrimSpace(line)
	if !strings.HasPrefix(path, "/dev/") {
		t.Fatalf("stdout line %q is not a device path", line)
	}
	b, err := device.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if name := b.Name(); name != "cli-test" {
		t.Errorf("board name %q", name)
	}
	g := make([]units.Siemens, 4)
	if err := b.Read(ctx, crossbar.Region{Rows: 2, Cols: 2}, g); err != nil {
		t.Fatal(err)
	}
	b.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after Ctrl-C; stderr %q", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("board emulate did not stop")
	}
	if !strings.Contains(stderr.String(), "stopped after") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// TestBoardEmulateDisconnect: --disconnect-after (or the same in a
// --faults list) ends the command on its own.
func TestBoardEmulateDisconnect(t *testing.T) {
	for _, flags := range [][]string{{"--disconnect-after", "2"}, {"--faults", "drop=0, disconnect-after=2"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			pr, pw := io.Pipe()
			var stderr strings.Builder
			done := make(chan int, 1)
			go func() {
				err := run(context.Background(), append([]string{"board", "emulate"}, flags...), pw, &stderr)
				pw.Close()
				done <- exitCode(err, nil, io.Discard)
			}()
			line, _ := bufio.NewReader(pr).ReadString('\n')
			b, err := device.Open(strings.TrimSpace(line), nil)
			if err != nil {
				t.Fatal(err) // HELLO is frame 1
			}
			defer b.Close()
			if _, err := b.Status(context.Background()); err != nil {
				t.Fatal(err) // frame 2, then the board hangs up
			}
			_, err = b.Status(context.Background())
			if !errors.Is(err, device.ErrNoBoard) && !errors.Is(err, device.ErrTimeout) {
				t.Errorf("after the disconnect: %v, want ErrNoBoard or ErrTimeout", err)
			}
			select {
			case code := <-done:
				if code != 0 || !strings.Contains(stderr.String(), "disconnected after 2 frames") {
					t.Fatalf("exit %d, stderr %q", code, stderr.String())
				}
			case <-time.After(5 * time.Second):
				t.Fatal("board emulate did not end after the disconnect")
			}
		})
	}
}
