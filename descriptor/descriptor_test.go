package descriptor

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBuiltinSetsMatchTheirCode: the embedded files are what the code
// makes from the stored transcriptions and the glyph table.
func TestBuiltinSetsMatchTheirCode(t *testing.T) {
	ph := Phonetic()
	re, err := FromIPA(ph.Name, ph.Source, ph.Words, ph.Transcriptions)
	if err != nil {
		t.Fatal(err)
	}
	sh := Shape()
	rs, err := FromStrokes(sh.Name, sh.Source, DigitGlyphs())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ emb, code *Set }{{ph, re}, {sh, rs}} {
		a, err := p.emb.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.code.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the embedded set differs from the code's: run `go generate` in descriptor/", p.emb.Name)
		}
		if len(p.emb.Classes) != 10 || p.emb.Dim() != len(p.emb.Features) {
			t.Errorf("%s: %d classes, %d features", p.emb.Name, len(p.emb.Classes), p.emb.Dim())
		}
	}
	if !slices.Equal(Names(), []string{"phonetic", "shape"}) {
		t.Errorf("names %v", Names())
	}
}

// TestTranscriptionsMatchEspeak checks the stored transcriptions against
// the installed espeak-ng (they record the version that made them).
func TestTranscriptionsMatchEspeak(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed (Debian: apt-get install espeak-ng); the stored transcriptions are checked against the code only")
	}
	ph := Phonetic()
	for c, voices := range ph.Transcriptions {
		for v, want := range voices {
			out, err := exec.Command("espeak-ng", "-v", v, "-q", "-x", "--ipa", "--sep=_", ph.Words[c]).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(out)); got != want {
				t.Errorf("%s (%s): espeak-ng says %q, the set has %q (%s)", ph.Words[c], v, got, want, ph.Source)
			}
		}
	}
}

// TestPhoneticFeatures: hand-checked values from the IPA chart.
func TestPhoneticFeatures(t *testing.T) {
	f := PhoneticFeatures()
	get := func(v []float64, name string) float64 { return v[slices.Index(f, name)] }
	// "eight" /ˈeɪt/: no onset; nucleus from close-mid front e (0.67, 0)
	// to near-close near-front ɪ (0.83, 0.17), a diphthong; coda t.
	v, err := phoneticVector("ˈeɪ_t")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"onset_present": 0, "nucleus_start_height": 0.67, "nucleus_end_height": 0.83,
		"nucleus_end_back": 0.17, "nucleus_diphthong": 1, "coda_alveolar": 1, "coda_stop": 1, "coda_voiced": 0, "extra_syllables": 0} {
		if got := get(v, name); got != want {
			t.Errorf("eight: %s = %v, want %v", name, got, want)
		}
	}
	// "seven" /sˈɛvən/: onset s; coda v, n averaged; one extra syllable.
	v, _ = phoneticVector("s_ˈɛ_v_ə_n")
	for name, want := range map[string]float64{"onset_sibilant": 1, "nucleus_start_height": 0.33, "coda_labial": 0.5, "coda_nasal": 0.5,
		"coda_voiced": 1, "extra_syllables": 1, "nucleus_diphthong": 0} {
		if got := get(v, name); got != want {
			t.Errorf("seven: %s = %v, want %v", name, got, want)
		}
	}
	// "four" en-us /fˈoːɹ/: long, r-coloured.
	v, _ = phoneticVector("f_ˈoːɹ")
	if get(v, "nucleus_long") != 1 || get(v, "nucleus_rhotic") != 1 || get(v, "nucleus_start_round") != 1 {
		t.Errorf("four: %v", v)
	}
	for _, bad := range []string{"", "k_t", "ˈ#"} {
		if _, err := phoneticVector(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestShapeTopology: loops, free ends and junctions of the digits, as
// anyone counts them on the skeletons of DigitGlyphs.
func TestShapeTopology(t *testing.T) {
	s := Shape()
	want := map[string][3]float64{ // loops, ends, junctions
		"0": {1, 0, 0}, "1": {0, 2, 0}, "2": {0, 2, 0}, "3": {0, 2, 0}, "4": {0, 4, 1},
		"5": {0, 2, 0}, "6": {1, 1, 1}, "7": {0, 2, 0}, "8": {2, 0, 1}, "9": {1, 1, 1},
	}
	for c, w := range want {
		v, ok := s.Describe(c)
		if !ok {
			t.Fatalf("no %s", c)
		}
		if got := [3]float64{v[0], v[1], v[2]}; got != w {
			t.Errorf("%s: loops, ends, junctions %v, want %v", c, got, w)
		}
	}
	// 8 has a loop in each half, 9 its loop on top, 6 below.
	f := s.Features
	up := func(c string) float64 { v, _ := s.Describe(c); return v[slices.Index(f, "loops_upper")] }
	if !(up("9") > 0.5 && up("6") < 0.5 && up("8") > 0.9) {
		t.Errorf("loops upper: 9 %v, 6 %v, 8 %v", up("9"), up("6"), up("8"))
	}
	// A 1 is vertical and symmetric left–right; an 8 left–right.
	one, _ := s.Describe("1")
	eight, _ := s.Describe("eight")
	if one[slices.Index(f, "vertical")] != 1 || one[slices.Index(f, "symmetry_lr")] != 1 || eight[slices.Index(f, "symmetry_lr")] != 1 {
		t.Errorf("1 %v, 8 %v", one, eight)
	}
}

func TestDescribeAndLoad(t *testing.T) {
	ph := Phonetic()
	a, ok1 := ph.Describe("0")
	b, ok2 := ph.Describe("z")
	c, ok3 := ph.Describe("Zero")
	if !ok1 || !ok2 || !ok3 || !slices.Equal(a, b) || !slices.Equal(a, c) {
		t.Error("0, z and Zero are not the same class")
	}
	if _, ok := ph.Describe("x"); ok {
		t.Error("x described")
	}
	a[0] = 99
	if again, _ := ph.Describe("0"); again[0] == 99 {
		t.Error("Describe returns the set's own slice")
	}
	for _, bad := range []string{
		`{"name":"x","features":["a"],"classes":["1","2"],"vectors":[[1],[1]]}`,
		`{"name":"x","features":["a"],"classes":["1"],"vectors":[[1,2]]}`,
		`{"name":"x","features":["a"],"classes":["1"],"vectors":[[1]],"extra":1}`,
		`{"name":"x","features":["a"],"classes":["1"],"vectors":[[1]]} {}`,
		`{"name":"","features":["a"],"classes":["1"],"vectors":[[1]]}`,
	} {
		if _, err := Load(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "phonetic, shape") {
		t.Errorf("unknown set: %v", err)
	}
}
