package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/internal/shareddata"
)

const fixture = "../testdata/ntidigits_small.hdf5"

func TestOpenNTIDIGITS(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "ntidigits:"+fixture)
	if err != nil {
		t.Fatal(err)
	}
	// gen_ntidigits.py: 12 single-digit train ids and 6 test ids.
	if d.Len() != 18 || d.Name != "ntidigits:"+fixture {
		t.Errorf("%d samples, name %q", d.Len(), d.Name)
	}
	for spec, want := range map[string]int{"?split=test": 6, "?split=train&all=1": 14, "?all": 20, "?all=0": 18} {
		d, err := Open(ctx, "ntidigits:"+fixture+spec)
		if err != nil || d.Len() != want {
			t.Errorf("%s: %v samples, %v; want %d", spec, d, err, want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for spec, msg := range map[string]string{
		"nofile":                                "not scheme:path",
		"nosuch:x":                              "unknown scheme",
		"ntidigits:" + fixture + "?x=1":         "unknown option",
		"ntidigits:" + fixture + "?all=x":       "not a boolean",
		"ntidigits:" + fixture + "?all=1&all=0": "given 2 times",
		"slayer1d:x.bs1?channels=0":             "channels",
		"slayer1d:x.bs1?label=":                 "empty label",
		"nmnist:.?workers=-1":                   "workers",
		"mev:/nonexistent.mev":                  "no such file",
		"ntidigits:/nonexistent.hdf5":           "no such file",
	} {
		if _, err := Open(ctx, spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want one mentioning %q", spec, err, msg)
		}
	}
}

func TestOpenCompactSplit(t *testing.T) {
	d := &events.Dataset{Sensor: events.Sensor{Channels: 2}, Classes: []string{"a"}, Samples: []events.Sample{
		{ID: "x", Meta: map[string]string{"split": "train"}}, {ID: "y", Meta: map[string]string{"split": "test"}},
	}}
	path := filepath.Join(t.TempDir(), "d.mev")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := events.WriteDataset(f, d); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := Open(context.Background(), "mev:"+path+"?split=test")
	if err != nil || got.Len() != 1 || got.Samples[0].ID != "y" {
		t.Errorf("%+v, %v", got, err)
	}
	if _, err := Open(context.Background(), "mev:"+path+"?split=dev"); err == nil {
		t.Error("empty split accepted")
	}
}

// sharedData returns ../shared/data/sub (or $MEMLSM_SHARED_DATA/sub), or skips
// the test when it is absent.
func sharedData(t *testing.T, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}

func TestOpenRealData(t *testing.T) {
	dir := sharedData(t, "nmnist/NMNISTsmall")
	ctx := context.Background()
	for spec, want := range map[string]int{
		"nmnist:" + dir:                            1000,
		"nmnist:" + dir + "/train1K.txt":           1000,
		"nmnist:" + dir + "?split=train&workers=1": 1000,
	} {
		d, err := Open(ctx, spec)
		if err != nil || d.Len() != want {
			t.Errorf("%s: %v, %v", spec, d.Len(), err)
		}
	}
	bs1 := sharedData(t, "ntidigits/slayerPytorch/test/test_files/binarySpikeTestFiles/NTIDIGITS_1.bs1")
	d, err := Open(ctx, "slayer1d:"+bs1+"?label=unknown")
	if err != nil || d.Len() != 1 || d.Classes[0] != "unknown" || len(d.Samples[0].Events1D) != 898 {
		t.Errorf("slayer1d: %v", err)
	}
}
