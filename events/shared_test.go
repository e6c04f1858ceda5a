package events

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the folder of real recordings used by tests:
// $MEMLSM_SHARED_DATA if set, else ../shared/data beside the repository
// root (the directory holding go.mod). It skips the test when sub (a path
// inside that folder) does not exist. Exported for package events_test.
func SharedData(t testing.TB, sub string) string {
	t.Helper()
	dir := os.Getenv("MEMLSM_SHARED_DATA")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(wd, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(wd)
			if parent == wd {
				t.Skip("real data: repository root (go.mod) not found")
			}
			wd = parent
		}
		dir = filepath.Join(wd, "..", "shared", "data")
	}
	p := filepath.Join(dir, sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real data %s absent (set MEMLSM_SHARED_DATA or provide ../shared/data): %v", p, err)
	}
	return p
}
