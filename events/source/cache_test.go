package source_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/memlsm/memlsm/events/source"
)

// TestCache: a second open reads the converted events back from the cache
// (identical to a fresh conversion), and anything the events depend on —
// an input file, the seed, the converter — makes a new entry.
func TestCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("MEMLSM_CACHE_DIR", cache)
	if source.CacheDir() != cache {
		t.Fatalf("CacheDir %q, want %q", source.CacheDir(), cache)
	}
	dir := writeFSDD(t)
	ctx := context.Background()
	entries := func() int {
		m, _ := filepath.Glob(filepath.Join(cache, "*.mev"))
		return len(m)
	}
	first, err := source.Open(ctx, "fsdd:"+dir+"?per_class=2")
	if err != nil {
		t.Fatal(err)
	}
	if entries() != 1 {
		t.Fatalf("%d cache entries after one conversion", entries())
	}
	// The cached dataset equals the converted one, sample by sample.
	again, err := source.Open(ctx, "fsdd:"+dir+"?per_class=2")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := source.OpenWith(ctx, "fsdd:"+dir+"?per_class=2", source.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range first.Samples {
		a, b, c := first.Samples[i], again.Samples[i], fresh.Samples[i]
		if a.ID != b.ID || !slices.Equal(a.Events1D, b.Events1D) || !slices.Equal(b.Events1D, c.Events1D) || b.Speaker != a.Speaker || b.Meta["seed"] != a.Meta["seed"] {
			t.Fatalf("sample %d: cached %s (%d events), converted %s (%d events)", i, b.ID, len(b.Events1D), a.ID, len(a.Events1D))
		}
	}
	if again.Name != "fsdd:"+dir+"?per_class=2" || entries() != 1 {
		t.Errorf("name %q, %d entries", again.Name, entries())
	}
	// Another seed, another selection, a touched file: new entries.
	for _, spec := range []string{"?per_class=2&seed=7", "?per_class=1"} {
		if _, err := source.Open(ctx, "fsdd:"+dir+spec); err != nil {
			t.Fatal(err)
		}
	}
	if entries() != 3 {
		t.Errorf("%d entries after two other keys, want 3", entries())
	}
	// A perturbation, its seed and endpoint detection are keys too: a
	// perturbed source never reads the clean events back (and vice versa).
	perturbed := map[string]int{}
	for _, spec := range []string{"?per_class=2&perturb=noise=20dB", "?per_class=2&perturb=noise=20dB&perturb_seed=3", "?per_class=2&endpoint=off"} {
		d, err := source.Open(ctx, "fsdd:"+dir+spec)
		if err != nil {
			t.Fatal(err)
		}
		for i := range d.Samples {
			if !slices.Equal(d.Samples[i].Events1D, first.Samples[i].Events1D) {
				perturbed[spec]++
			}
		}
	}
	if entries() != 6 {
		t.Errorf("%d entries after perturb, perturb_seed and endpoint keys, want 6", entries())
	}
	for spec, n := range perturbed {
		if n == 0 && spec != "?per_class=2&endpoint=off" {
			t.Errorf("%s: every sample equals the clean conversion", spec)
		}
	}
	// keep_audio converts afresh (the event format holds no waveforms).
	if d, err := source.Open(ctx, "fsdd:"+dir+"?per_class=2&keep_audio=1"); err != nil || d.Samples[0].Audio == nil || entries() != 6 {
		t.Errorf("keep_audio: %v, audio kept %v, %d entries (want 6)", err, err == nil && d.Samples[0].Audio != nil, entries())
	}
	f := filepath.Join(dir, first.Samples[0].ID+".wav")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(f, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := source.Open(ctx, "fsdd:"+dir+"?per_class=2"); err != nil {
		t.Fatal(err)
	}
	if entries() != 7 {
		t.Errorf("%d entries after touching an input, want 7", entries())
	}
	// A damaged entry is converted again, and NoCache writes nothing.
	m, _ := filepath.Glob(filepath.Join(cache, "*.mev"))
	for _, p := range m {
		os.WriteFile(p, []byte("garbage"), 0o644)
	}
	if d, err := source.Open(ctx, "fsdd:"+dir+"?per_class=2"); err != nil || d.Len() != first.Len() {
		t.Fatalf("after damage: %v", err)
	}
	if _, err := source.OpenWith(ctx, "fsdd:"+dir+"?per_class=3", source.Options{NoCache: true}); err != nil || entries() != 7 {
		t.Errorf("NoCache: %v, %d entries", err, entries())
	}
}

// TestCacheOffInTests: a test binary without MEMLSM_CACHE_DIR never
// touches the user's cache.
func TestCacheOffInTests(t *testing.T) {
	t.Setenv("MEMLSM_CACHE_DIR", "")
	if d := source.CacheDir(); d != "" {
		t.Errorf("CacheDir %q in a test binary", d)
	}
}
