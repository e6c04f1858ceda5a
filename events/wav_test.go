package events

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// wavBytes builds a WAV file: a fmt chunk with the given fields, then the
// extra chunks (id → body, in order; odd bodies get their pad byte), then
// the data chunk.
func wavBytes(tag, channels uint16, rate uint32, bits uint16, data []byte, extra ...[2]string) []byte {
	var body []byte
	chunk := func(id string, c []byte) {
		body = append(body, id...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(c)))
		body = append(body, c...)
		if len(c)%2 == 1 {
			body = append(body, 0)
		}
	}
	align := channels * bits / 8
	var f []byte
	f = binary.LittleEndian.AppendUint16(f, tag)
	f = binary.LittleEndian.AppendUint16(f, channels)
	f = binary.LittleEndian.AppendUint32(f, rate)
	f = binary.LittleEndian.AppendUint32(f, rate*uint32(align))
	f = binary.LittleEndian.AppendUint16(f, align)
	f = binary.LittleEndian.AppendUint16(f, bits)
	if tag == 0xFFFE {
		f = binary.LittleEndian.AppendUint16(f, 22)
		f = binary.LittleEndian.AppendUint16(f, bits)
		f = binary.LittleEndian.AppendUint32(f, 3) // channel mask
		f = binary.LittleEndian.AppendUint16(f, 1) // sub-format: PCM
		f = append(f, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71"...)
	}
	for _, e := range extra {
		chunk(e[0], []byte(e[1]))
	}
	chunk("fmt ", f)
	chunk("data", data)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	out = append(out, "WAVE"...)
	return append(out, body...)
}

func le(vals ...any) []byte {
	var buf bytes.Buffer
	for _, v := range vals {
		binary.Write(&buf, binary.LittleEndian, v)
	}
	return buf.Bytes()
}

func TestDecodeWAVFormats(t *testing.T) {
	const tol = 1e-12 // exact binary fractions; only float rounding
	cases := []struct {
		name string
		b    []byte
		want []float64
	}{
		// Full scale is 2^(bits-1): closed-form expected values.
		{"8-bit unsigned", wavBytes(1, 1, 8000, 8, []byte{0, 128, 255}), []float64{-1, 0, 127.0 / 128}},
		{"16-bit", wavBytes(1, 1, 8000, 16, le(int16(-32768), int16(0), int16(16384))), []float64{-1, 0, 0.5}},
		{"24-bit", wavBytes(1, 1, 8000, 24, []byte{0, 0, 0x80, 0xff, 0xff, 0xff, 0, 0, 0x40}), []float64{-1, -1.0 / (1 << 23), 0.5}},
		{"32-bit int", wavBytes(1, 1, 8000, 32, le(int32(math.MinInt32), int32(1<<30))), []float64{-1, 0.5}},
		{"32-bit float, clamped", wavBytes(3, 1, 8000, 32, le(float32(0.25), float32(-2))), []float64{0.25, -1}},
		{"64-bit float", wavBytes(3, 1, 8000, 64, le(0.125)), []float64{0.125}},
		{"stereo to mono", wavBytes(1, 2, 8000, 16, le(int16(16384), int16(0), int16(-32768), int16(-16384))), []float64{0.25, -0.75}},
		{"extensible", wavBytes(0xFFFE, 2, 8000, 16, le(int16(16384), int16(16384))), []float64{0.5}},
		{"LIST and odd chunk before fmt", wavBytes(1, 1, 8000, 16, le(int16(8192)), [2]string{"LIST", "INFOabc"}, [2]string{"junk", ""}),
			[]float64{0.25}},
		{"empty data", wavBytes(1, 1, 8000, 16, nil), []float64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rate, err := DecodeWAV("t.wav", c.b)
			if err != nil {
				t.Fatal(err)
			}
			if rate != 8000 || len(got) != len(c.want) {
				t.Fatalf("rate %d, %d samples; want 8000, %d", rate, len(got), len(c.want))
			}
			for i := range got {
				if math.Abs(got[i]-c.want[i]) > tol {
					t.Errorf("sample %d = %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestWAVRoundTrip(t *testing.T) {
	in := []float64{0, 0.5, -0.5, 1, -1, 0.123, 2, -3}
	for _, bits := range []int{8, 16, 24, 32} {
		var buf bytes.Buffer
		if err := WriteWAV(&buf, in, 22050, bits); err != nil {
			t.Fatal(err)
		}
		got, rate, err := ReadWAV(&buf)
		if err != nil {
			t.Fatal(err)
		}
		// One quantisation step of the format: 2^-(bits-1).
		tol := 1 / float64(int64(1)<<(bits-1))
		if rate != 22050 || len(got) != len(in) {
			t.Fatalf("%d bits: rate %d, %d samples", bits, rate, len(got))
		}
		for i, v := range in {
			if want := max(-1, min(1, v)); math.Abs(got[i]-want) > tol {
				t.Errorf("%d bits: sample %d = %v, want %v ± %v", bits, i, got[i], want, tol)
			}
		}
	}
	if err := WriteWAV(io.Discard, in, 8000, 12); err == nil {
		t.Error("wrote 12-bit samples")
	}
}

func TestDecodeWAVRejects(t *testing.T) {
	good := wavBytes(1, 1, 8000, 16, le(int16(1), int16(2)))
	set := func(off int, v ...byte) []byte {
		b := bytes.Clone(good)
		copy(b[off:], v)
		return b
	}
	cases := []struct {
		name    string
		b       []byte
		off     int64
		wantEOF bool
	}{
		{"empty", nil, 0, true},
		{"short", good[:8], 8, true},
		{"not RIFF", []byte("\x12\x0a\x80\x03\x7d\x12\x0a\x80\x03\x7d\x12\x0a"), 0, false},
		{"truncated", good[:len(good)-1], int64(len(good) - 1), true},
		{"chunk too long", set(40, 0xff, 0xff), 36, true},
		{"odd data", set(40, 3), 44 + 2, true},
		{"no data", wavBytes(1, 1, 8000, 16, nil)[:36], -1, true},
		{"mu-law", set(20, 7), 20, false},
		{"zero channels", set(22, 0), 20, false},
		{"12-bit", set(34, 12), 20, false},
		{"bad align", set(32, 3), 20, false},
		{"NaN", wavBytes(3, 1, 8000, 32, le(float32(math.NaN()))), 44, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "no data" {
				binary.LittleEndian.PutUint32(c.b[4:], uint32(len(c.b)-8))
			}
			_, _, err := DecodeWAV("w.wav", c.b)
			var fe *FormatError
			if !errors.As(err, &fe) || fe.File != "w.wav" {
				t.Fatalf("error %v is not a FormatError for w.wav", err)
			}
			if c.off >= 0 && fe.Offset != c.off {
				t.Errorf("offset %d, want %d (%v)", fe.Offset, c.off, err)
			}
			if c.wantEOF != errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("errors.Is(ErrUnexpectedEOF) = %v (%v)", !c.wantEOF, err)
			}
		})
	}
}

func TestReadWAVReal(t *testing.T) {
	// Expected values: the fsdd data notes and audiomnist_samples/SOURCE.md
	// (confirmed there with Python's wave module).
	cases := []struct {
		file     string
		rate, n  int
		min, max int
	}{
		{"fsdd/recordings/0_george_0.wav", 8000, 2384, -9165, 10354},
		{"audiomnist_samples/data/01/0_01_0.wav", 48000, 35877, -630, 504},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			p := SharedData(t, c.file)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s, rate, err := ReadWAV(f)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := 0.0, 0.0
			for _, v := range s {
				lo, hi = min(lo, v), max(hi, v)
			}
			if rate != c.rate || len(s) != c.n || lo*32768 != float64(c.min) || hi*32768 != float64(c.max) {
				t.Errorf("rate %d, %d samples, range %v..%v; want %d, %d, %d..%d", rate, len(s), lo*32768, hi*32768, c.rate, c.n, c.min, c.max)
			}
		})
	}
}

func TestParseFSDDName(t *testing.T) {
	good := map[string]FSDDFile{
		"x/7_theo_49.wav":     {Path: "x/7_theo_49.wav", Digit: 7, Speaker: "theo", Index: 49},
		"0_01_0.wav":          {Path: "0_01_0.wav", Digit: 0, Speaker: "01", Index: 0},
		"3_de_voice_2_12.wav": {Path: "3_de_voice_2_12.wav", Digit: 3, Speaker: "de_voice_2", Index: 12},
	}
	for name, want := range good {
		got, err := ParseFSDDName(name)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v", name, got, err)
		}
	}
	for _, name := range []string{"7_theo_49.mp3", "10_theo_1.wav", "a_theo_1.wav", "7__1.wav", "7_theo.wav", "7_theo_x.wav", "7_theo_-1.wav"} {
		if f, err := ParseFSDDName(name); err == nil {
			t.Errorf("%s parsed as %+v", name, f)
		}
	}
	if (FSDDFile{Index: 4}).Split() != "test" || (FSDDFile{Index: 5}).Split() != "train" {
		t.Error("FSDD split: indices 0-4 are test, 5-49 train")
	}
}

func TestListFSDD(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"1_b_0.wav", "0_b_1.wav", "0_a_1.wav", "0_b_0.wav", "notes.txt", "sub/1_a_0.wav", ".hidden/9_z_0.wav"} {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ListFSDD(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range got {
		names = append(names, filepath.Base(f.Path))
	}
	want := []string{"0_b_0.wav", "0_a_1.wav", "0_b_1.wav", "1_a_0.wav", "1_b_0.wav"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("order %v, want %v", names, want)
	}
	os.WriteFile(filepath.Join(dir, "bad.wav"), nil, 0o644)
	if _, err := ListFSDD(dir); err == nil {
		t.Error("bad name listed without error")
	}
	if _, err := ListFSDD(t.TempDir()); err == nil {
		t.Error("empty folder listed without error")
	}
}

func TestListFSDDReal(t *testing.T) {
	dir := SharedData(t, "fsdd")
	files, err := ListFSDD(dir)
	if err != nil {
		t.Fatal(err)
	}
	// SOURCE.md: 2500 files of five speakers, 50 per digit per speaker.
	speakers := map[string]int{}
	for _, f := range files {
		speakers[f.Speaker]++
	}
	if len(files) != 2500 || len(speakers) != 5 || speakers["theo"] != 500 {
		t.Errorf("%d files, speakers %v", len(files), speakers)
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(wavBytes(1, 1, 8000, 16, le(int16(1), int16(2))))
	f.Add(wavBytes(0xFFFE, 2, 8000, 24, make([]byte, 12), [2]string{"LIST", "abc"}))
	f.Add(wavBytes(3, 1, 8000, 32, le(float32(0.5))))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, rate, err := DecodeWAV("fuzz.wav", b)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if rate <= 0 || len(s) > len(b) {
			t.Fatalf("rate %d, %d samples from %d bytes", rate, len(s), len(b))
		}
		for _, v := range s {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("sample %v outside [-1, 1]", v)
			}
		}
	})
}
