package emu

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FaultNames are the names of the faults a user sets by name (Set,
// SetList): the same on both directions of the link.
var FaultNames = []string{"drop", "corrupt", "delay-prob", "delay", "stall-prob", "stall", "disconnect-after"}

// Set sets one fault by name (FaultNames) from text: probabilities as
// numbers, durations as Go durations ("5ms"), disconnect-after as a count.
// Link faults apply to both directions. Ranges are left to Validate.
func (f *Faults) Set(name, value string) error {
	var err error
	switch name {
	case "drop", "corrupt", "delay-prob", "stall-prob":
		var p float64
		if p, err = strconv.ParseFloat(value, 64); err == nil {
			switch name {
			case "drop":
				f.ToBoard.Drop, f.ToHost.Drop = p, p
			case "corrupt":
				f.ToBoard.Corrupt, f.ToHost.Corrupt = p, p
			case "delay-prob":
				f.ToBoard.Delay, f.ToHost.Delay = p, p
			default:
				f.StallProb = p
			}
		}
	case "delay", "stall":
		var d time.Duration
		if d, err = time.ParseDuration(value); err == nil {
			if name == "delay" {
				f.ToBoard.MaxTime, f.ToHost.MaxTime = d, d
			} else {
				f.Stall = d
			}
		}
	case "disconnect-after":
		f.DisconnectAfter, err = strconv.Atoi(value)
	default:
		return fmt.Errorf("emu: unknown fault %q (want one of %s)", name, strings.Join(FaultNames, ", "))
	}
	if err != nil {
		return fmt.Errorf("emu: fault %s=%q: want a %s", name, value, map[bool]string{true: "duration such as 5ms", false: "number"}[name == "delay" || name == "stall"])
	}
	return nil
}

// SetList sets the faults of a list "name=value,name=value" and returns
// the names it set. A name given twice, or one in except (set another
// way), is an error.
func (f *Faults) SetList(list string, except []string) ([]string, error) {
	var set []string
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	for _, kv := range strings.Split(list, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		k = strings.TrimSpace(k)
		switch {
		case !ok || k == "":
			return nil, fmt.Errorf("emu: %q is not name=value", kv)
		case slices.Contains(set, k):
			return nil, fmt.Errorf("emu: fault %s given twice", k)
		case slices.Contains(except, k):
			return nil, fmt.Errorf("emu: fault %s is set twice (also as --%s)", k, k)
		}
		if err := f.Set(k, strings.TrimSpace(v)); err != nil {
			return nil, err
		}
		set = append(set, k)
	}
	return set, nil
}

// Defaults fills in the implied probabilities: a delay alone is held with
// probability 0.001, a stall alone happens with probability 0.01
// (assumptions: a rare hold, as a USB bus under load shows; one request
// in a hundred).
func (f *Faults) Defaults() {
	if f.ToBoard.MaxTime > 0 && f.ToBoard.Delay == 0 {
		f.ToBoard.Delay, f.ToHost.Delay = 0.001, 0.001
	}
	if f.Stall > 0 && f.StallProb == 0 {
		f.StallProb = 0.01
	}
}

// MarshalJSON writes the faults with snake_case keys and units in their
// names (the host-to-board link's; SetList sets both alike).
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Drop            float64 `json:"drop"`
		Corrupt         float64 `json:"corrupt"`
		DelayProb       float64 `json:"delay_prob"`
		Delay           float64 `json:"delay_s"`
		StallProb       float64 `json:"stall_prob"`
		Stall           float64 `json:"stall_s"`
		DisconnectAfter int     `json:"disconnect_after"`
	}{f.ToBoard.Drop, f.ToBoard.Corrupt, f.ToBoard.Delay, f.ToBoard.MaxTime.Seconds(), f.StallProb, f.Stall.Seconds(), f.DisconnectAfter})
}
