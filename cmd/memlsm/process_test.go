package main

import (
	"os"
	"testing"
)

// TestMain lets tests run this test binary as the memlsm command itself
// (environment MEMLSM_TEST_AS_CLI=1), so signal, exit-status and memory
// tests see a real process without building the binary.
func TestMain(m *testing.M) {
	if os.Getenv("MEMLSM_TEST_AS_CLI") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}
