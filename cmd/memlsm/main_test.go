package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the CLI in-process and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code := exitCode(err, nil, &errb)
	return out.String(), errb.String(), code
}

func TestUsageExitCodes(t *testing.T) {
	if _, _, code := runCLI(t); code != 2 {
		t.Errorf("no args: exit %d, want 2", code)
	}
	if _, stderr, code := runCLI(t, "no-such-command"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, stderr)
	}
	if out, _, code := runCLI(t, "help"); code != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("help: exit %d, out %q", code, out)
	}
}
