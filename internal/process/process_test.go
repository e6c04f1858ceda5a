package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// The tests re-run this test binary as a child that plays one role
// (TestMain reads PROCESS_TEST_ROLE), send it signals and check how it ends.
func TestMain(m *testing.M) {
	if role := os.Getenv("PROCESS_TEST_ROLE"); role != "" {
		os.Exit(child(role))
	}
	os.Exit(m.Run())
}

func child(role string) int {
	switch role {
	case "cooperative", "stuck":
		ctx, h := Notify(context.Background(), Options{Grace: 2 * time.Second})
		defer h.Stop()
		// A pending temporary file that a hard exit must remove.
		dir := os.Getenv("PROCESS_TEST_DIR")
		go atomicfile.Write(filepath.Join(dir, "out.txt"), func(w io.Writer) error {
			w.Write([]byte("partial"))
			select {} // never completes
		})
		fmt.Println("ready")
		if role == "cooperative" {
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond) // unwinding
			if h.Signal() == nil {
				return 3
			}
			return ExitCode(h.Signal())
		}
		select {} // ignores ctx: only a second signal or the watchdog ends it
	case "panic-goroutine":
		CrashOnFatal()
		done := make(chan bool)
		go func() { defer close(done); panic("boom") }()
		<-done
		time.Sleep(time.Second)
	case "fatal":
		CrashOnFatal()
		debug.SetMaxStack(1 << 16)
		var rec func(int) int
		rec = func(n int) int { var pad [64]byte; return rec(n+1) + int(pad[n%64]) }
		rec(0)
	case "recover":
		err := Recover(func() error { var m map[string]int; m["x"] = 1; return nil })
		var pe *PanicError
		if errors.As(err, &pe) && strings.Contains(err.Error(), "assignment to entry in nil map") {
			return 1
		}
		return 4
	}
	return 5
}

type run struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	dir    string
}

func start(t *testing.T, role string) *run {
	t.Helper()
	r := &run{dir: t.TempDir()}
	r.cmd = exec.Command(os.Args[0], "-test.run=^$")
	r.cmd.Env = append(os.Environ(), "PROCESS_TEST_ROLE="+role, "PROCESS_TEST_DIR="+r.dir)
	r.cmd.Env = slicesDeleteEnv(r.cmd.Env, "GOTRACEBACK")
	r.cmd.Stderr = &r.stderr
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if role == "cooperative" || role == "stuck" {
		buf := make([]byte, 6)
		if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
			t.Fatalf("child did not start: %q %v", buf, err)
		}
	}
	return r
}

func slicesDeleteEnv(env []string, key string) []string {
	out := env[:0]
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}

// wait returns the exit code (−signal if killed by one) and how long after
// since the child ended.
func (r *run) wait(t *testing.T, since time.Time) (int, time.Duration) {
	t.Helper()
	err := r.cmd.Wait()
	d := time.Since(since)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	st := r.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if st.Signaled() {
		return -int(st.Signal()), d
	}
	return st.ExitStatus(), d
}

func (r *run) noTemp(t *testing.T) {
	t.Helper()
	ents, _ := os.ReadDir(r.dir)
	for _, e := range ents {
		t.Errorf("left behind: %s", e.Name())
	}
}

func TestFirstSignalCancels(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		r := start(t, "cooperative")
		t0 := time.Now()
		r.cmd.Process.Signal(sig)
		code, d := r.wait(t, t0)
		if code != 128+int(sig) || d > time.Second {
			t.Errorf("%v: exit %d after %v; want %d within 1 s (stderr %q)", sig, code, d, 128+int(sig), r.stderr.String())
		}
		if !strings.Contains(r.stderr.String(), "stopping") {
			t.Errorf("%v: stderr %q lacks the notice", sig, r.stderr.String())
		}
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	r := start(t, "stuck")
	t0 := time.Now()
	r.cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(100 * time.Millisecond)
	r.cmd.Process.Signal(syscall.SIGINT)
	code, d := r.wait(t, t0)
	if code != 130 || d > time.Second {
		t.Errorf("exit %d after %v; want 130 at once (stderr %q)", code, d, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "again: exiting now") {
		t.Errorf("stderr %q", r.stderr.String())
	}
	r.noTemp(t)
}

func TestWatchdog(t *testing.T) {
	r := start(t, "stuck")
	t0 := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM)
	code, d := r.wait(t, t0)
	if code != 143 || d < 2*time.Second || d > 4*time.Second {
		t.Errorf("exit %d after %v; want 143 after the 2 s grace (stderr %q)", code, d, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "still running") {
		t.Errorf("stderr %q", r.stderr.String())
	}
	r.noTemp(t)
}

// TestCrashIsNotUsage: a panic on another goroutine and a fatal runtime
// error must not exit with 2, the usage-error status.
func TestCrashIsNotUsage(t *testing.T) {
	for _, role := range []string{"panic-goroutine", "fatal"} {
		r := start(t, role)
		code, _ := r.wait(t, time.Now())
		if code != -int(syscall.SIGABRT) {
			t.Errorf("%s: exit %d, want killed by SIGABRT (stderr %.300q)", role, code, r.stderr.String())
		}
	}
	r := start(t, "recover")
	if code, _ := r.wait(t, time.Now()); code != 1 {
		t.Errorf("recover: exit %d, want 1 (stderr %.300q)", code, r.stderr.String())
	}
}

func TestExitCode(t *testing.T) {
	if ExitCode(os.Interrupt) != 130 || ExitCode(syscall.SIGTERM) != 143 {
		t.Error(ExitCode(os.Interrupt), ExitCode(syscall.SIGTERM))
	}
}
