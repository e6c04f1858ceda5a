package crossbar

import (
	"encoding/json"
	"fmt"

	"github.com/memlsm/memlsm/units"
)

// The JSON forms of the seam's types follow memlsm's contract: snake_case
// keys, enums as strings, units in the key names. Files written before it
// (Go field names, modes as numbers) still read.

// MarshalText writes the mode's name ("form", "set", "reset"; "" for the
// zero Mode, no pulse).
func (m Mode) MarshalText() ([]byte, error) {
	if m == 0 {
		return []byte{}, nil
	}
	if m > Reset {
		return nil, fmt.Errorf("crossbar: no pulse mode %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a mode's name ("" is the zero Mode).
func (m *Mode) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*m = 0
		return nil
	}
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

type pulseJSON struct {
	Mode      Mode    `json:"mode"`
	Amplitude float64 `json:"amplitude_v"`
	Width     float64 `json:"width_s"`
	Gate      float64 `json:"gate_v"`
}

// MarshalJSON writes {"mode", "amplitude_v", "width_s", "gate_v"}.
func (p Pulse) MarshalJSON() ([]byte, error) {
	return json.Marshal(pulseJSON{p.Mode, float64(p.Amplitude), float64(p.Width), float64(p.Gate)})
}

// UnmarshalJSON reads what MarshalJSON writes, or the older form with Go
// field names and the mode as a number.
func (p *Pulse) UnmarshalJSON(b []byte) error {
	var legacy struct {
		Mode                   *uint8
		Amplitude, Width, Gate *float64
	}
	if json.Unmarshal(b, &legacy) == nil && legacy.Mode != nil && legacy.Amplitude != nil {
		*p = Pulse{Mode: Mode(*legacy.Mode), Amplitude: units.Volts(*legacy.Amplitude), Width: units.Seconds(deref(legacy.Width)), Gate: units.Volts(deref(legacy.Gate))}
		return nil
	}
	var j pulseJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("crossbar: pulse: %w", err)
	}
	*p = Pulse{Mode: j.Mode, Amplitude: units.Volts(j.Amplitude), Width: units.Seconds(j.Width), Gate: units.Volts(j.Gate)}
	return nil
}

func deref(x *float64) float64 {
	if x == nil {
		return 0
	}
	return *x
}

type limitsJSON struct {
	MaxForm  float64 `json:"max_form_v"`
	MaxSet   float64 `json:"max_set_v"`
	MaxReset float64 `json:"max_reset_v"`
	MinWidth float64 `json:"min_width_s"`
	MaxWidth float64 `json:"max_width_s"`
	MaxGate  float64 `json:"max_gate_v"`
	MaxDuty  float64 `json:"max_duty"`
	MaxCells int     `json:"max_cells"`
}

// MarshalJSON writes the limits with one key per pulse mode.
func (l Limits) MarshalJSON() ([]byte, error) {
	return json.Marshal(limitsJSON{float64(l.MaxAmplitude[Form]), float64(l.MaxAmplitude[Set]), float64(l.MaxAmplitude[Reset]),
		float64(l.MinWidth), float64(l.MaxWidth), float64(l.MaxGate), l.MaxDuty, l.MaxCells})
}

// UnmarshalJSON reads what MarshalJSON writes, or the older form with Go
// field names (MaxAmplitude indexed by mode).
func (l *Limits) UnmarshalJSON(b []byte) error {
	var legacy struct {
		MaxAmplitude *[4]float64
		MinWidth     float64
		MaxWidth     float64
		MaxGate      float64
		MaxDuty      float64
		MaxCells     int
	}
	if json.Unmarshal(b, &legacy) == nil && legacy.MaxAmplitude != nil {
		*l = Limits{MinWidth: units.Seconds(legacy.MinWidth), MaxWidth: units.Seconds(legacy.MaxWidth), MaxGate: units.Volts(legacy.MaxGate),
			MaxDuty: legacy.MaxDuty, MaxCells: legacy.MaxCells}
		for i, v := range legacy.MaxAmplitude {
			l.MaxAmplitude[i] = units.Volts(v)
		}
		return nil
	}
	var j limitsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("crossbar: limits: %w", err)
	}
	*l = Limits{MinWidth: units.Seconds(j.MinWidth), MaxWidth: units.Seconds(j.MaxWidth), MaxGate: units.Volts(j.MaxGate), MaxDuty: j.MaxDuty, MaxCells: j.MaxCells}
	l.MaxAmplitude[Form], l.MaxAmplitude[Set], l.MaxAmplitude[Reset] = units.Volts(j.MaxForm), units.Volts(j.MaxSet), units.Volts(j.MaxReset)
	return nil
}

// UnmarshalJSON reads {"region", "inputs", "neurons"}, or the older form
// with Go field names (Region, In, N).
func (l *ReservoirLayout) UnmarshalJSON(b []byte) error {
	var j struct {
		Region  Region `json:"region"`
		Inputs  *int   `json:"inputs"`
		Neurons *int   `json:"neurons"`
		In, N   *int
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("crossbar: reservoir layout: %w", err)
	}
	*l = ReservoirLayout{Region: j.Region}
	for _, v := range []struct {
		dst *int
		src []*int
	}{{&l.In, []*int{j.Inputs, j.In}}, {&l.N, []*int{j.Neurons, j.N}}} {
		for _, s := range v.src {
			if s != nil {
				*v.dst = *s
			}
		}
	}
	return nil
}
