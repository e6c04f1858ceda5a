package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/internal/atomicfile"
)

// The conversion cache. Converting recordings is the slow part of opening
// a source (FSDD's 2500 recordings through the cochlea model take seconds
// on every core), so the converting schemes keep what they converted in
// the user's cache folder, in the compact event format, and open it from
// there the next time. An entry is keyed by everything its events depend
// on: the scheme and its selection, every input file's path, size and
// modification time, the converter's parameters, the base seed, and the
// memlsm binary itself (so a new build, whose converters may differ,
// never reads an old build's events). A stale or damaged entry is simply
// converted again.
//
// The folder is $MEMLSM_CACHE_DIR, else memlsm/sources under
// os.UserCacheDir (~/.cache on Linux). Options.NoCache converts afresh and
// leaves the cache alone; so does a test binary unless MEMLSM_CACHE_DIR is
// set, so tests never fill a user's cache. Removing the folder is always
// safe.

// CacheDir returns the folder of the conversion cache, or "" when caching
// is off (a test binary without MEMLSM_CACHE_DIR, or no user cache folder).
func CacheDir() string {
	if d := os.Getenv("MEMLSM_CACHE_DIR"); d != "" {
		return d
	}
	if testing.Testing() {
		return ""
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "memlsm", "sources")
}

// cacheFormat changes when the key or the stored form changes.
const cacheFormat = 1

// exeHash is the SHA-256 of the running executable, computed once.
var exeHash = sync.OnceValue(func() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// fileID is an input file's identity in a cache key.
type fileID struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime_ns"`
}

// cacheKey is everything a converted dataset depends on.
type cacheKey struct {
	Format    int      `json:"format"`
	Exe       string   `json:"exe"`
	Scheme    string   `json:"scheme"`
	Selection any      `json:"selection"`
	Files     []fileID `json:"files"`
	Params    any      `json:"params"`
	Seed      uint64   `json:"seed"`
}

// cached returns the dataset convert makes, from the cache when an entry
// for key exists, else converting and storing it. files are the inputs
// (their identity joins the key); with caching off it just converts.
func cached(ctx context.Context, o *Options, key cacheKey, files []string, convert func() (*events.Dataset, error)) (*events.Dataset, error) {
	dir := CacheDir()
	// The compact event format does not hold waveforms, so a conversion
	// that keeps them (KeepAudio) converts afresh.
	if o.NoCache || o.KeepAudio || dir == "" {
		return convert()
	}
	if key.Exe = exeHash(); key.Exe == "" {
		return convert()
	}
	key.Format, key.Seed = cacheFormat, o.seed()
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return convert()
		}
		st, err := os.Stat(abs)
		if err != nil {
			return convert() // the converter reports it
		}
		key.Files = append(key.Files, fileID{abs, st.Size(), st.ModTime().UnixNano()})
	}
	b, err := json.Marshal(key)
	if err != nil {
		return convert()
	}
	sum := sha256.Sum256(b)
	path := filepath.Join(dir, hex.EncodeToString(sum[:16])+".mev")
	if data, err := os.ReadFile(path); err == nil {
		if d, err := events.DecodeDataset(path, data); err == nil {
			return d, nil
		}
		os.Remove(path) // damaged: convert again
	}
	d, err := convert()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := events.WriteDataset(&buf, d); err == nil && os.MkdirAll(dir, 0o755) == nil {
		atomicfile.WriteFile(path, buf.Bytes()) // best effort: a cache that cannot be written only costs time
	}
	return d, ctx.Err()
}

// filePaths lists the Meta["file"] of the samples, the inputs of a
// folder conversion.
func filePaths(d *events.Dataset) []string {
	out := make([]string, 0, len(d.Samples))
	for _, s := range d.Samples {
		out = append(out, s.Meta["file"])
	}
	return slices.Clip(out)
}

// imageKey is the part of a cache key that says how images are converted:
// the code and its parameters.
func (o *Options) imageKey() any {
	if o.ImageCode == Rate {
		var rp convert.RateParams
		if o.RateCode != nil {
			rp = *o.RateCode
		}
		return []any{Rate, rp}
	}
	return []any{Saccade, o.saccade()}
}

// audioKey is the part of a cache key that says how recordings are heard:
// the perturbation (and its seed) and the cochlea's parameters (endpoint
// detection included).
func (o *Options) audioKey() any {
	return []any{o.Perturb.String(), o.PerturbSeed, o.cochlea()}
}
