//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memlsm/memlsm/internal/hostile"
)

// Ceilings of TestHostileCorpus. The must-show is < 1 s and < 256 MB per
// case on a quiet machine; the time ceiling leaves room for a loaded CI
// machine (the measured times are logged).
const (
	hostileMaxRSS  = 256 << 20
	hostileMaxTime = 5 * time.Second
)

// TestHostileCorpus runs memlsm on every file of the adversarial corpus as
// a separate process and checks that it fails with the expected clear error
// (naming the file), quickly and in bounded memory.
func TestHostileCorpus(t *testing.T) {
	for _, c := range hostile.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			args, err := c.Make(dir, hostile.CI)
			if err != nil {
				t.Fatal(err)
			}
			r := runSelf(t, 30*time.Second, args...)
			t.Logf("exit %d in %v, peak RSS %.1f MB: %s", r.code, r.wall.Round(time.Millisecond), float64(r.maxRSS)/(1<<20), firstLine(r.stderr))
			if r.code != c.Exit || !strings.Contains(r.stderr+r.stdout, c.Want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, c.Exit, c.Want)
			}
			if c.Exit == 1 && !strings.Contains(r.stderr, dir) {
				t.Errorf("the error does not name the file: %q", r.stderr)
			}
			if r.maxRSS < 0 && runtime.GOOS == "linux" {
				t.Error("the process did not report its peak RSS")
			}
			if r.wall > hostileMaxTime || r.maxRSS > hostileMaxRSS {
				t.Errorf("took %v and %.1f MB; ceilings %v and %d MB", r.wall, float64(r.maxRSS)/(1<<20), hostileMaxTime, hostileMaxRSS>>20)
			}
		})
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// selfRun is the outcome of one CLI process.
type selfRun struct {
	code           int // exit code, or 128+signal if killed
	stdout, stderr string
	wall           time.Duration
	maxRSS         int64 // bytes (VmHWM reported by the process), −1 if unknown
}

// startSelf starts this test binary as the memlsm CLI (see TestMain).
func startSelf(ctx context.Context, args ...string) (*exec.Cmd, *strings.Builder, *strings.Builder) {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "MEMLSM_TEST_AS_CLI=1")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, &out, &errb
}

// runSelf runs the CLI with args in a separate process.
func runSelf(t *testing.T, timeout time.Duration, args ...string) selfRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd, out, errb := startSelf(ctx, args...)
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd.Env = append(cmd.Env, "MEMLSM_TEST_RSS_FILE="+rssFile)
	t0 := time.Now()
	err := cmd.Run()
	r := selfRun{wall: time.Since(t0), stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("memlsm %v did not finish within %v", args, timeout)
	}
	r.code = exitStatus(cmd.ProcessState)
	r.maxRSS = -1
	if b, err := os.ReadFile(rssFile); err == nil {
		r.maxRSS, _ = strconv.ParseInt(string(b), 10, 64)
	}
	return r
}

func exitStatus(st *os.ProcessState) int {
	ws := st.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
