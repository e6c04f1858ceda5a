package audio

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/memlsm/memlsm/events"
)

func TestScratchEndpoint(t *testing.T) {
	if os.Getenv("STUDY") != "ep" {
		t.Skip()
	}
	for _, dir := range []string{"/work/shared/data/fsdd/recordings", "/work/shared/data/fsdd_extra/jason"} {
		files, _ := filepath.Glob(dir + "/*.wav")
		var cut, kept []float64
		whole := 0
		for _, f := range files {
			x, r, err := events.ReadWAVFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, e, err := Endpoints(x, r, DefaultEndpointParams())
			if err != nil {
				t.Fatal(err)
			}
			if s == 0 && e == len(x) {
				whole++
			}
			cut = append(cut, float64(len(x)-(e-s))/float64(r))
			kept = append(kept, float64(e-s)/float64(r))
			if dir[len(dir)-5:] == "jason" && len(kept)%50 == 0 {
				t.Logf("%s len %.2f kept [%.2f, %.2f]", filepath.Base(f), float64(len(x))/8000, float64(s)/8000, float64(e)/8000)
			}
		}
		sort.Float64s(cut)
		sort.Float64s(kept)
		q := func(a []float64, p float64) float64 { return a[int(p*float64(len(a)-1))] }
		t.Logf("%s: %d files, whole %d; cut s p50 %.3f p90 %.3f max %.3f; kept s p10 %.3f p50 %.3f p90 %.3f max %.3f",
			filepath.Base(dir), len(files), whole, q(cut, .5), q(cut, .9), q(cut, 1), q(kept, .1), q(kept, .5), q(kept, .9), q(kept, 1))
	}
}

func TestScratchEndpoint2(t *testing.T) {
	if os.Getenv("STUDY") != "ep2" {
		t.Skip()
	}
	files, _ := filepath.Glob("/work/shared/data/fsdd/recordings/*.wav")
	for _, f := range files {
		x, r, _ := events.ReadWAVFile(f)
		s, e, _ := Endpoints(x, r, DefaultEndpointParams())
		if c := float64(len(x)-(e-s)) / float64(r); c > 0.08 {
			t.Logf("%s len %.2f kept [%.2f, %.2f]", filepath.Base(f), float64(len(x))/8000, float64(s)/8000, float64(e)/8000)
		}
	}
}
