package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPathHonoursEnv(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "x"), 0o755)
	t.Setenv("MEMLSM_SHARED_DATA", dir)
	if p, err := Path("x"); err != nil || p != filepath.Join(dir, "x") {
		t.Errorf("Path(x) = %q, %v", p, err)
	}
	if _, err := Path("missing"); err == nil {
		t.Error("missing folder reported present")
	}
	skipped := false
	t.Run("skip", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Dir(t, "missing")
	})
	if !skipped {
		t.Error("Dir did not skip for a missing folder")
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("root %s has no go.mod", root)
	}
}
