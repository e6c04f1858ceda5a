package crossbar

import (
	"encoding/json"
	"testing"
)

func TestJSONContract(t *testing.T) {
	p := Pulse{Mode: Set, Amplitude: 1.5, Width: 1e-7, Gate: 1.2}
	b, err := json.Marshal(p)
	if err != nil || string(b) != `{"mode":"set","amplitude_v":1.5,"width_s":1e-7,"gate_v":1.2}` {
		t.Fatalf("%s %v", b, err)
	}
	var q Pulse
	if err := json.Unmarshal(b, &q); err != nil || q != p {
		t.Errorf("round trip %+v %v", q, err)
	}
	// The older form still reads.
	if err := json.Unmarshal([]byte(`{"Mode":1,"Amplitude":3.2,"Width":1e-5,"Gate":1.1}`), &q); err != nil || q.Mode != Form || q.Amplitude != 3.2 {
		t.Errorf("legacy pulse %+v %v", q, err)
	}
	l := Limits{MinWidth: 1e-8, MaxWidth: 1e-3, MaxGate: 2, MaxDuty: 0.5, MaxCells: 64}
	l.MaxAmplitude[Form], l.MaxAmplitude[Set], l.MaxAmplitude[Reset] = 5, 3, 3.5
	b, _ = json.Marshal(l)
	var m Limits
	if err := json.Unmarshal(b, &m); err != nil || m != l {
		t.Errorf("limits %s → %+v %v", b, m, err)
	}
	if err := json.Unmarshal([]byte(`{"MaxAmplitude":[0,5,3,3.5],"MinWidth":1e-8,"MaxWidth":0.001,"MaxGate":2,"MaxDuty":0.5,"MaxCells":64}`), &m); err != nil || m != l {
		t.Errorf("legacy limits %+v %v", m, err)
	}
	if err := json.Unmarshal([]byte(`"reset"`), new(Mode)); err != nil {
		t.Error(err)
	}
}

func TestLayoutJSON(t *testing.T) {
	l := ReservoirLayout{Region: Region{Row: 1, Col: 2, Rows: 30, Cols: 40}, In: 10, N: 20}
	b, _ := json.Marshal(l)
	var m ReservoirLayout
	if err := json.Unmarshal(b, &m); err != nil || m != l || string(b) != `{"region":{"row":1,"col":2,"rows":30,"cols":40},"inputs":10,"neurons":20}` {
		t.Errorf("%s → %+v %v", b, m, err)
	}
	if err := json.Unmarshal([]byte(`{"Region":{"Row":1,"Col":2,"Rows":30,"Cols":40},"In":10,"N":20}`), &m); err != nil || m != l {
		t.Errorf("legacy %+v %v", m, err)
	}
}
