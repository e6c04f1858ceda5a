//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memlsm/memlsm/events"
)

// TestSIGINT: Ctrl-C while memlsm reads, converts, encodes or trains stops
// it within a second with exit status 130, and leaves no output file and
// no temporary file behind.
func TestSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several memlsm processes")
	}
	big := bigNMNIST(t)
	wavs := noiseWAVs(t, 300)
	for _, c := range []struct {
		name  string
		args  func(out string) []string
		after time.Duration // when to interrupt
		phase string        // in the error that says where it stopped
	}{
		{"reading", func(string) []string { return []string{"data", "stats", "nmnist:" + big} }, time.Second, "context canceled"},
		{"converting", func(out string) []string {
			return []string{"data", "convert", "fsdd:" + wavs, "--out", filepath.Join(out, "x.mev")}
		}, time.Second, "context canceled"},
		{"encoding", func(out string) []string {
			return []string{"encode", "--data", "embedded:audio", "--out", filepath.Join(out, "f.npy"), "--mode", "in-memory"}
		}, 2 * time.Second, "context canceled"},
		{"training", func(out string) []string {
			return []string{"classify", "--data", "embedded:images?per_class=3", "--neurons", "20", "--head", "mlp", "--epochs", "100000000", "--save", filepath.Join(out, "m.json")}
		}, 3 * time.Second, "training"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd, _, stderr := startSelf(ctx, c.args(out)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(c.after)
			t0 := time.Now()
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
			d := time.Since(t0)
			code := exitStatus(cmd.ProcessState)
			t.Logf("exit %d (%v) %v after SIGINT: %q", code, cmd.ProcessState, d.Round(time.Millisecond), stderr.String())
			if code != 130 || d > time.Second {
				t.Errorf("exit %d after %v; want 130 within 1 s (stderr %q)", code, d, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.phase) {
				t.Errorf("stderr %q does not say it stopped in %s", stderr.String(), c.phase)
			}
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Errorf("left behind in the output folder: %v", ents)
			}
		})
	}
}

// noiseWAVs is an FSDD folder of n one-second recordings of noise:
// converting them to cochlea events takes seconds.
func noiseWAVs(t *testing.T, n int) string {
	dir := t.TempDir()
	x := make([]float64, 8000)
	for i := range x {
		x[i] = 0.3 * math.Sin(float64(i)*float64(i%97)/50)
	}
	var b bytes.Buffer
	if err := events.WriteWAV(&b, x, 8000, 16); err != nil {
		t.Fatal(err)
	}
	for k := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d_noise_%d.wav", k%10, k)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// bigNMNIST is an N-MNIST folder in the official layout with 30,000
// recordings of 4,000 events (hard links to one file): reading it takes
// seconds.
func bigNMNIST(t *testing.T) string {
	dir := t.TempDir()
	var b []byte
	for i := range 4000 {
		b = append(b, byte(i%34), byte(i/34%34), byte(i%2)<<7|byte(i*70>>16&0x7f), byte(i*70>>8), byte(i*70))
	}
	one := filepath.Join(dir, "one.bin")
	if err := os.WriteFile(one, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for d := range 10 {
		sub := filepath.Join(dir, "n", "Train", string(rune('0'+d)))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for k := range 3000 {
			if err := os.Link(one, filepath.Join(sub, strings.Repeat("", 0)+itoa(k)+".bin")); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(dir, "n")
}

func itoa(k int) string {
	s := ""
	for {
		s = string(rune('0'+k%10)) + s
		if k /= 10; k == 0 {
			return s
		}
	}
}
