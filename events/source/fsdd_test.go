package source_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/internal/shareddata"
)

// writeFSDD writes a small FSDD-style folder: digits 0–2 spoken by two
// "speakers" (vowel-like harmonic tones) with repetitions 0, 5 and 6; the
// index-0 files are FSDD's test split (indices 0–4).
func writeFSDD(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for digit := range 3 {
		for si, speaker := range []string{"ann", "bob"} {
			for _, index := range []int{0, 5, 6} {
				const rate = 8000
				x := make([]float64, rate/4)
				f0 := 120.0 * float64(si+1)
				for i := range x {
					tt := float64(i) / rate
					for h := 1; h <= 8; h++ {
						// The digit sets a formant-like emphasis.
						w := math.Exp(-math.Abs(float64(h)-float64(2+3*digit)) / 2)
						x[i] += 0.05 * w * math.Sin(2*math.Pi*f0*float64(h)*tt+float64(index))
					}
				}
				name := filepath.Join(dir, strings.Join([]string{string(rune('0' + digit)), speaker, string(rune('0' + index))}, "_")+".wav")
				f, err := os.Create(name)
				if err != nil {
					t.Fatal(err)
				}
				if err := events.WriteWAV(f, x, rate, 16); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

func TestOpenFSDD(t *testing.T) {
	dir := writeFSDD(t)
	ctx := context.Background()
	d, err := source.Open(ctx, "fsdd:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 18 || len(d.Classes) != 10 || d.Classes[9] != "9" || d.Sensor.Channels != 64 {
		t.Fatalf("%d samples, classes %v, sensor %+v", d.Len(), d.Classes, d.Sensor)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Samples {
		if len(s.Events1D) == 0 || s.Speaker == "" || s.Meta["split"] == "" || s.Meta["rate"] != "8000" || s.Meta["seed"] == "" {
			t.Fatalf("sample %s: %d events, speaker %q, meta %v", s.ID, len(s.Events1D), s.Speaker, s.Meta)
		}
		if got := d.Classes[s.Label]; !strings.HasPrefix(s.ID, got+"_") {
			t.Errorf("sample %s has class %s", s.ID, got)
		}
	}
	// Options select, and a recording converts to the same events
	// whatever else is selected.
	byID := map[string][]events.Event1D{}
	for _, s := range d.Samples {
		byID[s.ID] = s.Events1D
	}
	for spec, want := range map[string]int{
		"?speakers=bob":                       9,
		"?exclude=bob":                        9,
		"?speakers=ann,bob&split=test":        6,
		"?split=train":                        12,
		"?per_class=2":                        6,
		"?per_class=1&speakers=ann":           3,
		"?workers=1":                          18,
		"?speakers=ann&exclude=bob&seed=2025": 9,
	} {
		sub, err := source.Open(ctx, "fsdd:"+dir+spec)
		if err != nil || sub.Len() != want {
			n := -1
			if sub != nil {
				n = sub.Len()
			}
			t.Errorf("%s: %d samples, err %v; want %d", spec, n, err, want)
			continue
		}
		for _, s := range sub.Samples {
			if !slices.Equal(s.Events1D, byID[s.ID]) {
				t.Errorf("%s: sample %s converted differently", spec, s.ID)
			}
		}
	}
	other, err := source.Open(ctx, "fsdd:"+dir+"?seed=7")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.Samples[0].Events1D, d.Samples[0].Events1D) {
		t.Error("seed=7 gave the same events as the default seed")
	}
	for spec, msg := range map[string]string{
		"?speakers=carol":                      "no recordings of speaker",
		"?split=dev":                           "not train or test",
		"?per_class=x":                         "non-negative integer",
		"?seed=-1":                             "unsigned integer",
		"?speakers=ann,":                       "empty name",
		"?color=red":                           "unknown option",
		"?split=test&speakers=ann&exclude=ann": "no recordings left",
	} {
		if _, err := source.Open(ctx, "fsdd:"+dir+spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want it to say %q", spec, err, msg)
		}
	}
	if _, err := source.Open(ctx, "fsdd:"+filepath.Join(dir, "nothing")); err == nil {
		t.Error("missing folder: no error")
	}
	// A canceled context stops the conversion.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := source.Open(cctx, "fsdd:"+dir); err == nil {
		t.Error("canceled context: no error")
	}
}

// TestFSDDOptions checks the library form: a non-default cochlea model.
func TestFSDDOptions(t *testing.T) {
	dir := writeFSDD(t)
	p := convert.DefaultCochleaParams()
	p.Channels = 32
	d, err := source.FSDD(context.Background(), dir, source.FSDDOptions{Options: source.Options{Cochlea: &p}, PerClass: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Sensor.Channels != 32 || d.Len() != 3 {
		t.Fatalf("sensor %+v, %d samples", d.Sensor, d.Len())
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
	p.TapQ = -1
	if _, err := source.FSDD(context.Background(), dir, source.FSDDOptions{Options: source.Options{Cochlea: &p}}); err == nil {
		t.Error("invalid cochlea parameters: no error")
	}
}

// recorder is a Progress that counts.
type recorder struct {
	mu          sync.Mutex
	desc        string
	total, done int
	finished    int
}

func (r *recorder) Add(n int) { r.mu.Lock(); r.done += n; r.mu.Unlock() }
func (r *recorder) Done()     { r.mu.Lock(); r.finished++; r.mu.Unlock() }

func TestWithProgress(t *testing.T) {
	dir := writeFSDD(t)
	r := &recorder{}
	ctx := source.WithProgress(context.Background(), func(desc string, total int) source.Progress {
		r.desc, r.total = desc, total
		return r
	})
	if _, err := source.Open(ctx, "fsdd:"+dir); err != nil {
		t.Fatal(err)
	}
	if r.total != 18 || r.done != 18 || r.finished != 1 || r.desc == "" {
		t.Errorf("progress %q: total %d, done %d, Done called %d times", r.desc, r.total, r.done, r.finished)
	}
}

// sharedDir returns ../shared/data/sub (or $MEMLSM_SHARED_DATA/sub), or skips
// the test when it is absent.
func sharedDir(t *testing.T, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}

// TestOpenFSDDReal opens the real FSDD recordings (five speakers, 2500
// files, the fsdd data notes).
func TestOpenFSDDReal(t *testing.T) {
	dir := sharedDir(t, "fsdd/recordings")
	d, err := source.Open(context.Background(), "fsdd:"+dir+"?per_class=20")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 200 {
		t.Fatalf("%d samples, want 200", d.Len())
	}
	speakers := map[string]bool{}
	for _, s := range d.Samples {
		speakers[s.Speaker] = true
	}
	// ListFSDD orders by digit, index, speaker: 20 per class take the
	// first four indices of all five speakers.
	if len(speakers) != 5 {
		t.Errorf("speakers %v, want all five", speakers)
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
	test, err := source.Open(context.Background(), "fsdd:"+dir+"?split=test&speakers=theo")
	if err != nil || test.Len() != 50 {
		t.Errorf("theo's test split: %v; want 50 samples (5 per digit)", err)
	}
}

// fsdd:…?channels=192 converts with a 192-channel cochlea over the same
// band: the sensor and every event have 192 channels, and the upper
// channels carry events (a 192-input encoder gets all of them).
func TestFSDDChannels(t *testing.T) {
	dir := sharedDir(t, "fsdd/recordings")
	d, err := source.Open(context.Background(), "fsdd:"+dir+"?speakers=theo&per_class=1&channels=192")
	if err != nil {
		t.Fatal(err)
	}
	if d.Sensor.Channels != 192 || d.Len() != 10 {
		t.Fatalf("sensor %+v, %d samples", d.Sensor, d.Len())
	}
	high := 0
	for _, s := range d.Samples {
		for _, e := range s.Events1D {
			if e.Ch >= 192 {
				t.Fatalf("%s: event on channel %d", s.ID, e.Ch)
			}
			if e.Ch >= 128 {
				high++
			}
		}
	}
	if high == 0 {
		t.Error("no event on channels 128..191")
	}
}
