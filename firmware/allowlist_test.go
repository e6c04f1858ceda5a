package firmware_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// allowlist is every standard-library package the firmware may import
// directly. Each is supported by TinyGo and pulls in nothing but the
// runtime: errors for the handful of constructor errors, math for
// Float64frombits, MaxInt16 and friends. No fmt, reflect, sync, time, os
// or io: no goroutines, no allocation-heavy formatting, no host services.
var allowlist = []string{"errors", "math"}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Skipf("go command unavailable: %v", err)
	}
	return strings.Fields(string(out))
}

// TestImportAllowlist enforces the project rule that firmware and firmware/wire
// import only the allowlist (and each other), and their transitive
// dependencies are exactly what the allowlist itself depends on.
func TestImportAllowlist(t *testing.T) {
	const mod = "github.com/memlsm/memlsm/"
	ours := []string{mod + "firmware", mod + "firmware/wire"}
	for _, pkg := range ours {
		for _, imp := range goList(t, "-f", `{{join .Imports " "}}`, pkg) {
			if !slices.Contains(allowlist, imp) && !slices.Contains(ours, imp) {
				t.Errorf("%s imports %s, which is not on the firmware allowlist %v", pkg, imp, allowlist)
			}
		}
	}
	allowed := map[string]bool{}
	for _, p := range goList(t, append([]string{"-deps"}, allowlist...)...) {
		allowed[p] = true
	}
	for _, p := range ours {
		allowed[p] = true
	}
	for _, dep := range goList(t, append([]string{"-deps"}, ours...)...) {
		if !allowed[dep] {
			t.Errorf("firmware depends on %s, outside the closure of the allowlist", dep)
		}
	}
}
