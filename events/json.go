package events

import (
	"encoding/json"
	"fmt"
	"image"

	"github.com/memlsm/memlsm/units"
)

// The JSON forms of the binners follow memlsm's contract: snake_case keys,
// the polarity by name, units in the key names. Files written before it
// (Go field names, the polarity as a number) still read.

// MarshalText writes the polarity's name.
func (p Polarity) MarshalText() ([]byte, error) {
	if p < 0 || int(p) >= len(polarityNames) {
		return nil, fmt.Errorf("events: no polarity %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads a polarity's name.
func (p *Polarity) UnmarshalText(b []byte) error { return p.Set(string(b)) }

// cropJSON is a crop window: pixels x0 ≤ x < x1, y0 ≤ y < y1.
type cropJSON struct {
	X0 int `json:"x0"`
	Y0 int `json:"y0"`
	X1 int `json:"x1"`
	Y1 int `json:"y1"`
}

type gridJSON struct {
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	Crop     *cropJSON `json:"crop,omitempty"` // absent: the default centred crop
	Polarity Polarity  `json:"polarity"`
	Bins     int       `json:"bins"`
	BinWidth float64   `json:"bin_width_s"`
	Start    float64   `json:"start_s"`
	Counts   bool      `json:"counts"`
}

// MarshalJSON writes the binner with snake_case keys.
func (g GridBinner) MarshalJSON() ([]byte, error) {
	j := gridJSON{g.Width, g.Height, nil, g.Polarity, g.Bins, float64(g.BinWidth), float64(g.Start), g.Counts}
	if !g.Crop.Empty() {
		j.Crop = &cropJSON{g.Crop.Min.X, g.Crop.Min.Y, g.Crop.Max.X, g.Crop.Max.Y}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes, or the older form with Go
// field names.
func (g *GridBinner) UnmarshalJSON(b []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("events: grid binner: %w", err)
	}
	if _, legacy := keys["BinWidth"]; legacy {
		var l struct {
			Width, Height   int
			Crop            image.Rectangle
			Polarity        int
			Bins            int
			BinWidth, Start float64
			Counts          bool
		}
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("events: grid binner: %w", err)
		}
		*g = GridBinner{Width: l.Width, Height: l.Height, Crop: l.Crop, Polarity: Polarity(l.Polarity), Bins: l.Bins,
			BinWidth: units.Seconds(l.BinWidth), Start: units.Seconds(l.Start), Counts: l.Counts}
		return nil
	}
	var j gridJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("events: grid binner: %w", err)
	}
	*g = GridBinner{Width: j.Width, Height: j.Height, Polarity: j.Polarity, Bins: j.Bins, BinWidth: units.Seconds(j.BinWidth), Start: units.Seconds(j.Start), Counts: j.Counts}
	if j.Crop != nil {
		g.Crop = image.Rect(j.Crop.X0, j.Crop.Y0, j.Crop.X1, j.Crop.Y1)
	}
	return nil
}

type chunkJSON struct {
	Channels   int     `json:"channels"`
	Bins       int     `json:"bins"`
	Resolution float64 `json:"resolution_s"`
	Counts     bool    `json:"counts"`
}

// MarshalJSON writes the binner with snake_case keys.
func (c ChunkBinner) MarshalJSON() ([]byte, error) {
	return json.Marshal(chunkJSON{c.Channels, c.Bins, float64(c.Resolution), c.Counts})
}

// UnmarshalJSON reads what MarshalJSON writes, or the older form with Go
// field names.
func (c *ChunkBinner) UnmarshalJSON(b []byte) error {
	var j struct {
		chunkJSON
		Legacy *float64 `json:"Resolution"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("events: chunk binner: %w", err)
	}
	*c = ChunkBinner{Channels: j.Channels, Bins: j.Bins, Resolution: units.Seconds(j.Resolution), Counts: j.Counts}
	if j.Legacy != nil {
		c.Resolution = units.Seconds(*j.Legacy)
	}
	return nil
}
