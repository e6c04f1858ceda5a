package fwtest_test

import (
	"slices"
	"testing"

	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/fwtest"
	"github.com/memlsm/memlsm/firmware/wire"
)

// TestIdeal checks the fake's documented semantics, since other tests
// derive expected values from them.
func TestIdeal(t *testing.T) {
	a := fwtest.NewIdeal(4, 4, 4) // 4-bit ADC: codes -8..7
	rec := &fwtest.Recorder{Next: a}
	rec.SetDAC(firmware.ChanSource, 0x0300)
	rec.Select(wire.Region{Row: 1, Col: 1, Rows: 2, Cols: 2}, nil)
	rec.Pulse(wire.ModeForm, 50)
	if a.G[1*4+1] != 3+1+1 || a.G[2*4+2] != 3+2+2 || a.G[0] != 0 {
		t.Fatalf("form: %v", a.G)
	}
	codes := make([]int32, 2)
	rec.Select(wire.Region{Row: 1, Col: 1, Rows: 2, Cols: 2}, []byte{0b11})
	sat, _ := rec.Convert(codes)
	// Column sums 5+6 = 11 and 6+7 = 13 both clip at the 4-bit maximum 7.
	if !slices.Equal(codes, []int32{7, 7}) || sat != 2 {
		t.Fatalf("convert %v, saturated %d", codes, sat)
	}
	rec.Select(wire.Region{Row: 1, Col: 1, Rows: 2, Cols: 2}, []byte{0b10})
	if sat, _ := rec.Convert(codes); !slices.Equal(codes, []int32{6, 7}) || sat != 0 {
		t.Fatalf("masked convert %v, saturated %d", codes, sat)
	}
	rec.Pulse(wire.ModeReset, 50) // resets only the masked row, absolute row 2
	if a.G[1*4+1] != 5 || a.G[2*4+2] != 0 || rec.Now() != 100 {
		t.Fatalf("reset: %v, clock %d", a.G, rec.Now())
	}
	if got := len(rec.Calls()); got != 8 || rec.Calls()[0].String() != "SetDAC(0, 768)" {
		t.Fatalf("recorded %v", rec.Calls())
	}
	rec.Reset()
	if rec.String() != "" {
		t.Fatal("Reset kept calls")
	}
}
