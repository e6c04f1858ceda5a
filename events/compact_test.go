package events

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"testing"
)

// smallDatasets are round-trip cases covering both sensor kinds, metadata,
// empty samples and large values.
func smallDatasets() []*Dataset {
	return []*Dataset{
		{
			Sensor:  NMNISTSensor,
			Classes: []string{"0", "1", "2"},
			Samples: []Sample{
				{Label: 2, ID: "a.bin", Meta: map[string]string{"split": "train", "file": "a.bin"},
					Events2D: []Event2D{{T: 0, X: 1, Y: 2, P: 1}, {T: 0, X: 33, Y: 33}, {T: 4_000_000_000, X: 5, Y: 6, P: 1}}},
				{Label: 0, ID: "empty"},
				{Label: 1, ID: "b", Speaker: "theo", Events2D: []Event2D{{T: 7, X: 3, Y: 4}}},
			},
		},
		{
			Sensor:  Sensor{Name: "CochleaAMS1b", Channels: 64, Polarities: 1},
			Classes: []string{"z", "1", "o"},
			Samples: []Sample{
				{Label: 2, ID: "man-ae-o", Speaker: "man-ae", Events1D: []Event1D{{T: 10, Ch: 63}, {T: 10, Ch: 0}, {T: 1 << 31, Ch: 5}}},
				{Label: 0, ID: "woman-x-z", Speaker: "woman-x", Meta: map[string]string{"": "empty key", "k": ""}},
			},
		},
		{Sensor: Sensor{Name: "wide", Width: 65536, Height: 1, Polarities: 256}, Classes: []string{"only"},
			Samples: []Sample{{Events2D: []Event2D{{T: 1, X: 65535, Y: 0, P: 255}}}}},
		{Sensor: Sensor{Name: "no samples", Channels: 1}},
	}
}

func TestCompactRoundTrip(t *testing.T) {
	for i, d := range smallDatasets() {
		var buf bytes.Buffer
		if err := WriteDataset(&buf, d); err != nil {
			t.Fatalf("case %d: write: %v", i, err)
		}
		got, err := ReadDataset(context.Background(), &buf)
		if err != nil {
			t.Fatalf("case %d: read: %v", i, err)
		}
		// Reading gives nil for empty slices and maps; normalise the input likewise.
		want := *d
		want.Samples = append([]Sample(nil), d.Samples...)
		for j := range want.Samples {
			if len(want.Samples[j].Meta) == 0 {
				want.Samples[j].Meta = nil
			}
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("case %d: round trip\n got %+v\nwant %+v", i, got, &want)
		}
	}
}

func TestCompactWriteRejectsInvalid(t *testing.T) {
	bad := []*Dataset{
		{Sensor: NMNISTSensor, Classes: []string{"0"}, Samples: []Sample{{Events2D: []Event2D{{X: 34}}}}},
		{Sensor: NMNISTSensor, Classes: []string{"0"}, Samples: []Sample{{Label: 1}}},
		{Sensor: NMNISTSensor, Classes: []string{"0"}, Samples: []Sample{{Events2D: []Event2D{{T: 5}, {T: 4}}}}},
		{Sensor: NMNISTSensor, Classes: []string{"0", "0"}},
		{Sensor: NMNISTSensor, Classes: []string{"0"}, Samples: []Sample{{Events1D: []Event1D{{Ch: 1}}}}},
		{Sensor: Sensor{Channels: 4}, Classes: []string{"0"}, Samples: []Sample{{Events1D: []Event1D{{Ch: 1, P: 1}}}}},
	}
	for i, d := range bad {
		var buf bytes.Buffer
		if err := WriteDataset(&buf, d); err == nil {
			t.Errorf("case %d: wrote an invalid dataset", i)
		} else if buf.Len() != 0 {
			t.Errorf("case %d: wrote %d bytes before failing", i, buf.Len())
		}
	}
}

func compactBytes(t testing.TB, d *Dataset) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDataset(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawCompact builds a file around an arbitrary payload, bypassing Validate.
func rawCompact(t testing.TB, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := writeCompact(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCompactRejects(t *testing.T) {
	good := compactBytes(t, smallDatasets()[0])
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x40
		return b
	}
	outOfRange := smallDatasets()[0]
	outOfRange.Samples[0].Events2D[1].X = 34 // the N-MNIST sensor is 34 wide
	unknownLabel := smallDatasets()[1]
	unknownLabel.Samples[0].Label = 3
	cases := []struct {
		name    string
		b       []byte
		wantOff int64 // expected FormatError offset; -1: don't check
		wantEOF bool  // expect errors.Is(err, io.ErrUnexpectedEOF)
	}{
		{"empty", nil, 0, true},
		{"short magic", good[:5], 5, true},
		{"header only", good[:compactHeaderSize], -1, true},
		{"wrong format", []byte("RIFF\x24\x00\x00\x00WAVEfmt hello world, not events"), 0, false},
		{"version", flip(8), 8, false},
		{"reserved", flip(10), 9, false},
		{"checksum", flip(13), 12, false},
		{"length", flip(17), -1, false},
		{"truncated", good[:len(good)-3], -1, true},
		{"trailing", append(bytes.Clone(good), 0), int64(len(good)), false},
		{"corrupt deflate", flip(compactHeaderSize + 1), -1, false},
		{"pixel out of range", rawCompact(t, encodePayload(outOfRange)), compactHeaderSize, false},
		{"label out of range", rawCompact(t, encodePayload(unknownLabel)), -1, false},
		{"payload truncated", rawCompact(t, encodePayload(smallDatasets()[0])[:40]), -1, true},
		{"payload trailing", rawCompact(t, append(encodePayload(smallDatasets()[0]), 1)), -1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := DecodeDataset("x.mev", c.b)
			if err == nil {
				t.Fatalf("decoded bad input into %d samples", d.Len())
			}
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if fe.File != "x.mev" {
				t.Errorf("error names file %q", fe.File)
			}
			if c.wantOff >= 0 && fe.Offset != c.wantOff {
				t.Errorf("offset %d, want %d (%v)", fe.Offset, c.wantOff, err)
			}
			if c.wantEOF && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("error %v does not wrap io.ErrUnexpectedEOF", err)
			}
		})
	}
}

// TestCompactSizeNMNIST measures the format on real N-MNIST: the brief asks
// for at most about 2.5 bytes per event (the .bin format takes 5).
func TestCompactSizeNMNIST(t *testing.T) {
	dir := SharedData(t, "nmnist/NMNISTsmall")
	if testing.Short() {
		t.Skip("short")
	}
	d, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := compactBytes(t, d)
	st := d.Stats()
	perEvent := float64(len(b)) / float64(st.Events)
	t.Logf("NMNISTsmall: %d events in %d bytes: %.3f bytes/event", st.Events, len(b), perEvent)
	const maxBytesPerEvent = 2.5 // the brief's target
	if perEvent > maxBytesPerEvent {
		t.Errorf("%.3f bytes/event > %v", perEvent, maxBytesPerEvent)
	}
	back, err := DecodeDataset("nmnist.mev", b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Samples {
		if !slices.Equal(back.Samples[i].Events2D, d.Samples[i].Events2D) {
			t.Fatalf("sample %d differs after the round trip", i)
		}
	}
}

func FuzzDecodeDataset(f *testing.F) {
	for _, d := range smallDatasets() {
		f.Add(compactBytes(f, d))
	}
	f.Add([]byte(compactMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeDataset("fuzz.mev", b)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		// Whatever decodes must be valid and survive a round trip.
		again, err := DecodeDataset("again.mev", compactBytes(t, d))
		if err != nil {
			t.Fatalf("re-encoded dataset does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, d) {
			t.Fatal("round trip changed the dataset")
		}
	})
}

// BenchmarkDecodeDataset100 decodes 100 real N-MNIST recordings (about
// 410,000 events) from the compact format.
func BenchmarkDecodeDataset100(b *testing.B) {
	dir := SharedData(b, "nmnist/NMNISTsmall")
	d, err := ReadNMNIST(context.Background(), dir, NMNISTOptions{})
	if err != nil {
		b.Fatal(err)
	}
	first := make([]int, 100)
	for i := range first {
		first[i] = i
	}
	enc := compactBytes(b, d.Subset(first))
	b.SetBytes(int64(len(enc)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := DecodeDataset("bench.mev", enc); err != nil {
			b.Fatal(err)
		}
	}
}
