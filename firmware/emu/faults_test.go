package emu

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFaultsSetList(t *testing.T) {
	var f Faults
	set, err := f.SetList("drop=0.01, corrupt=0.02,stall=300ms,disconnect-after=9", nil)
	if err != nil || len(set) != 4 {
		t.Fatalf("set %v, %v", set, err)
	}
	if f.ToBoard.Drop != 0.01 || f.ToHost.Drop != 0.01 || f.ToHost.Corrupt != 0.02 || f.Stall != 300*time.Millisecond || f.DisconnectAfter != 9 {
		t.Errorf("faults %+v", f)
	}
	f.Defaults()
	if f.StallProb != 0.01 {
		t.Errorf("stall alone: probability %v", f.StallProb)
	}
	b, _ := json.Marshal(f)
	if !strings.Contains(string(b), `"stall_s":0.3`) || !strings.Contains(string(b), `"drop":0.01`) {
		t.Errorf("JSON %s", b)
	}
	for list, msg := range map[string]string{
		"drop":                "not name=value",
		"wobble=1":            "unknown fault",
		"drop=lots":           "want a number",
		"delay=5":             "duration",
		"drop=0.1,drop=0.2":   "given twice",
		"corrupt=0.1,stall=1": "",
	} {
		var g Faults
		_, err := g.SetList(list, []string{"stall"})
		if msg == "" {
			msg = "also as --stall"
		}
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", list, err, msg)
		}
	}
}
