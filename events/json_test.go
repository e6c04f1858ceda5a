package events

import (
	"encoding/json"
	"image"
	"testing"
)

func TestBinnerJSON(t *testing.T) {
	g := GridBinner{Width: 34, Height: 34, Crop: image.Rect(1, 2, 33, 34), Polarity: PolarityBoth, Bins: 20, BinWidth: 0.004, Counts: true}
	b, err := json.Marshal(g)
	if err != nil || string(b) != `{"width":34,"height":34,"crop":{"x0":1,"y0":2,"x1":33,"y1":34},"polarity":"both","bins":20,"bin_width_s":0.004,"start_s":0,"counts":true}` {
		t.Fatalf("%s %v", b, err)
	}
	var h GridBinner
	if err := json.Unmarshal(b, &h); err != nil || h != g {
		t.Errorf("round trip %+v %v", h, err)
	}
	legacy := `{"Width":34,"Height":34,"Crop":{"Min":{"X":1,"Y":2},"Max":{"X":33,"Y":34}},"Polarity":2,"Bins":20,"BinWidth":0.004,"Start":0,"Counts":true}`
	if err := json.Unmarshal([]byte(legacy), &h); err != nil || h != g {
		t.Errorf("legacy %+v %v", h, err)
	}
	c := ChunkBinner{Channels: 64, Bins: 129, Resolution: 0.001, Counts: true}
	b, _ = json.Marshal(c)
	var d ChunkBinner
	if err := json.Unmarshal(b, &d); err != nil || d != c || string(b) != `{"channels":64,"bins":129,"resolution_s":0.001,"counts":true}` {
		t.Errorf("chunk %s → %+v %v", b, d, err)
	}
	if err := json.Unmarshal([]byte(`{"Channels":64,"Bins":129,"Resolution":0.001,"Counts":true}`), &d); err != nil || d != c {
		t.Errorf("legacy chunk %+v %v", d, err)
	}
}
