package events

import (
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
)

func TestDecodeSlayer1DReal(t *testing.T) {
	p := SharedData(t, "ntidigits/slayerPytorch/test/test_files/binarySpikeTestFiles/NTIDIGITS_1.bs1")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := DecodeSlayer1D(p, b, 64, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Expected: the ntidigits data notes ("Decoded: 898 events ...").
	want5 := []Event1D{{T: 0, Ch: 63, P: 1}, {T: 1024, Ch: 63, P: 1}, {T: 2304, Ch: 63, P: 1}, {T: 3328, Ch: 63, P: 1}, {T: 378880, Ch: 6, P: 1}}
	if len(ev) != 898 || !reflect.DeepEqual(ev[:5], want5) || ev[len(ev)-1].T != 1_079_040 {
		t.Errorf("%d events, first %+v, last t %d", len(ev), ev[:5], ev[len(ev)-1].T)
	}
	chans := map[uint16]bool{}
	for _, e := range ev {
		chans[e.Ch] = true
	}
	if len(chans) != 44 {
		t.Errorf("%d distinct channels, want 44", len(chans))
	}
	back, err := EncodeSlayer1D(nil, ev)
	if err != nil || string(back) != string(b) {
		t.Errorf("re-encoding differs (err %v)", err)
	}
}

func TestDecodeSlayer1DRejects(t *testing.T) {
	ok := []byte{0, 5, 0x80, 0, 9}
	cases := []struct {
		name    string
		b       []byte
		off     int64
		wantEOF bool
	}{
		{"empty", nil, 0, true},
		{"truncated", append(append([]byte{}, ok...), 0, 1), 5, true},
		{"channel out of range", append(append([]byte{}, ok...), 0, 64, 0, 0, 9), 5, false},
		{"time goes back", append(append([]byte{}, ok...), 0, 1, 0, 0, 8), 5, false},
		{"wrong format", []byte("\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00"), 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeSlayer1D("s.bs1", c.b, 64, nil)
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != "s.bs1" || fe.Offset != c.off {
				t.Fatalf("error %v, want a FormatError at s.bs1:%d", err, c.off)
			}
			if c.wantEOF != errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("errors.Is(ErrUnexpectedEOF) = %v (%v)", !c.wantEOF, err)
			}
		})
	}
	if _, err := EncodeSlayer1D(nil, []Event1D{{T: 1 << 23}}); err == nil {
		t.Error("encoded a timestamp of 2^23 µs")
	}
}

func FuzzDecodeSlayer1D(f *testing.F) {
	f.Add([]byte{0, 5, 0x80, 0, 9, 0, 6, 0, 0, 9})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := DecodeSlayer1D("fuzz.bs1", b, 64, nil)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if len(ev) != len(b)/5 {
			t.Fatalf("%d events from %d bytes", len(ev), len(b))
		}
		back, err := EncodeSlayer1D(nil, ev)
		if err != nil || string(back) != string(b) {
			t.Fatalf("round trip differs (%v)", err)
		}
	})
}
