package main

import (
	"bytes"
	"os"
	"strconv"
	"testing"
)

// TestMain lets tests run this test binary as the memlsm command itself
// (environment MEMLSM_TEST_AS_CLI=1), so signal, exit-status and memory
// tests see a real process without building the binary. With
// MEMLSM_TEST_RSS_FILE set, the process writes its peak resident set
// (VmHWM, bytes) there before exiting: the rusage of a child started by
// os/exec also counts its parent's pages (Linux starts it with vfork), so
// it cannot measure a small child of a large test process.
func TestMain(m *testing.M) {
	if os.Getenv("MEMLSM_TEST_AS_CLI") == "1" {
		code := mainCode()
		if f := os.Getenv("MEMLSM_TEST_RSS_FILE"); f != "" {
			os.WriteFile(f, []byte(strconv.FormatInt(peakRSS(), 10)), 0o644)
		}
		os.Exit(code)
	}
	code := m.Run()
	if fsddMEV.dir != "" {
		os.RemoveAll(fsddMEV.dir)
	}
	os.Exit(code)
}

// peakRSS returns the process's peak resident set in bytes (VmHWM of
// /proc/self/status), or -1 where that is not available.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(v)
			if len(f) >= 1 {
				if kb, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return -1
}
