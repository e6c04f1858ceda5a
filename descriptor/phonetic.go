package descriptor

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Phonetic descriptors describe a spoken word by the articulation of its
// sounds, in three slots that follow the word through time: the onset
// (the consonants before the stressed vowel), the nucleus (the stressed
// vowel, where it starts and where it ends — the two differ in a
// diphthong) and the coda (everything after the nucleus).
//
// Consonants are described by distinctive features of the IPA chart
// (International Phonetic Association, Handbook of the IPA, 1999): voicing;
// place — labial, dental, alveolar, post-alveolar/palatal, velar,
// glottal; manner — stop, fricative, nasal, approximant; and sibilance. A
// slot holds the mean over its consonants and a presence flag. Vowels are
// placed on the IPA vowel chart: height (close 1 … open 0), backness
// (front 0 … back 1) and rounding, plus length (ː), diphthong and
// r-colouring flags. Unstressed vowels after the nucleus count as extra
// syllables. Assumption: the chart positions of the symbols are the
// textbook ones; a voice's actual vowels vary around them.

// consonantFeatures are the features of a consonant slot (after
// "present").
var consonantFeatures = []string{"voiced", "labial", "dental", "alveolar", "postalveolar", "velar", "glottal",
	"stop", "fricative", "nasal", "approximant", "sibilant"}

// consonants maps IPA consonant symbols to their consonantFeatures.
var consonants = map[string][]string{
	"p": {"labial", "stop"}, "b": {"voiced", "labial", "stop"},
	"t": {"alveolar", "stop"}, "d": {"voiced", "alveolar", "stop"},
	"k": {"velar", "stop"}, "ɡ": {"voiced", "velar", "stop"}, "g": {"voiced", "velar", "stop"},
	"ʔ": {"glottal", "stop"},
	"f": {"labial", "fricative"}, "v": {"voiced", "labial", "fricative"},
	"θ": {"dental", "fricative"}, "ð": {"voiced", "dental", "fricative"},
	"s": {"alveolar", "fricative", "sibilant"}, "z": {"voiced", "alveolar", "fricative", "sibilant"},
	"ʃ": {"postalveolar", "fricative", "sibilant"}, "ʒ": {"voiced", "postalveolar", "fricative", "sibilant"},
	"h":  {"glottal", "fricative"},
	"tʃ": {"postalveolar", "stop", "fricative", "sibilant"}, "dʒ": {"voiced", "postalveolar", "stop", "fricative", "sibilant"},
	"m": {"voiced", "labial", "nasal"}, "n": {"voiced", "alveolar", "nasal"}, "ŋ": {"voiced", "velar", "nasal"},
	"w": {"voiced", "labial", "velar", "approximant"}, "j": {"voiced", "postalveolar", "approximant"},
	"ɹ": {"voiced", "alveolar", "approximant"}, "r": {"voiced", "alveolar", "approximant"},
	"l": {"voiced", "alveolar", "approximant"}, "ɾ": {"voiced", "alveolar", "stop"},
}

// vowel is a position on the IPA vowel chart.
type vowel struct{ height, back, round float64 }

// vowels maps IPA vowel symbols to their chart positions (height: close
// 1, near-close 0.83, close-mid 0.67, mid 0.5, open-mid 0.33, near-open
// 0.17, open 0; backness: front 0, near-front 0.17, central 0.5,
// near-back 0.83, back 1).
var vowels = map[string]vowel{
	"i": {1, 0, 0}, "y": {1, 0, 1}, "ɪ": {0.83, 0.17, 0}, "e": {0.67, 0, 0}, "ɛ": {0.33, 0, 0},
	"æ": {0.17, 0, 0}, "a": {0, 0, 0}, "ɐ": {0.17, 0.5, 0}, "ə": {0.5, 0.5, 0}, "ɜ": {0.33, 0.5, 0},
	"ɚ": {0.5, 0.5, 0}, "ɝ": {0.33, 0.5, 0},
	"ʌ": {0.33, 1, 0}, "ɑ": {0, 1, 0}, "ɒ": {0, 1, 1}, "ɔ": {0.33, 1, 1}, "o": {0.67, 1, 1},
	"ʊ": {0.83, 0.83, 1}, "u": {1, 1, 1},
}

// nucleusFeatures are the features of the nucleus slot.
var nucleusFeatures = []string{"start_height", "start_back", "start_round", "end_height", "end_back", "end_round",
	"long", "diphthong", "rhotic"}

// PhoneticFeatures returns the names of the components of a phonetic
// descriptor.
func PhoneticFeatures() []string {
	out := []string{"onset_present"}
	for _, f := range consonantFeatures {
		out = append(out, "onset_"+f)
	}
	for _, f := range nucleusFeatures {
		out = append(out, "nucleus_"+f)
	}
	out = append(out, "coda_present")
	for _, f := range consonantFeatures {
		out = append(out, "coda_"+f)
	}
	return append(out, "extra_syllables")
}

// segment is one phoneme of a transcription.
type segment struct {
	sym      string
	stressed bool
	vowel    bool
	v        []vowel // the qualities of a vowel (two for a diphthong)
	long     bool
	rhotic   bool
}

// parsePhonemes reads one transcription: phonemes separated by '_' (what
// `espeak-ng -q -x --ipa --sep=_` prints), primary stress 'ˈ' and
// secondary stress 'ˌ' before a phoneme, length 'ː' after a vowel.
func parsePhonemes(tr string) ([]segment, error) {
	var out []segment
	for _, ph := range strings.Split(strings.TrimSpace(tr), "_") {
		if ph == "" {
			continue
		}
		var sg segment
		if rest, ok := strings.CutPrefix(ph, "ˈ"); ok {
			sg.stressed, ph = true, rest
		} else if rest, ok := strings.CutPrefix(ph, "ˌ"); ok {
			ph = rest
		}
		sg.sym = ph
		if _, ok := consonants[ph]; ok {
			out = append(out, sg)
			continue
		}
		// A vowel: one or two chart symbols, optional length marks and a
		// final r-colouring.
		for ph != "" {
			r, n := utf8.DecodeRuneInString(ph)
			s := string(r)
			ph = ph[n:]
			switch {
			case s == "ː":
				sg.long = true
			case s == "ɹ" || s == "r" || s == "˞":
				sg.rhotic = true
			default:
				v, ok := vowels[s]
				if !ok {
					return nil, fmt.Errorf("descriptor: unknown phoneme %q (symbol %q) in %q", sg.sym, s, tr)
				}
				if s == "ɚ" || s == "ɝ" {
					sg.rhotic = true
				}
				sg.v = append(sg.v, v)
			}
		}
		if len(sg.v) == 0 || len(sg.v) > 2 {
			return nil, fmt.Errorf("descriptor: phoneme %q in %q is neither a consonant nor a vowel of one or two qualities", sg.sym, tr)
		}
		sg.vowel = true
		out = append(out, sg)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("descriptor: empty transcription %q", tr)
	}
	return out, nil
}

// phoneticVector describes one transcription.
func phoneticVector(tr string) ([]float64, error) {
	segs, err := parsePhonemes(tr)
	if err != nil {
		return nil, err
	}
	nuc := slices.IndexFunc(segs, func(s segment) bool { return s.vowel && s.stressed })
	if nuc < 0 {
		nuc = slices.IndexFunc(segs, func(s segment) bool { return s.vowel })
	}
	if nuc < 0 {
		return nil, fmt.Errorf("descriptor: %q has no vowel", tr)
	}
	slot := func(ss []segment) []float64 {
		out := make([]float64, 1+len(consonantFeatures))
		n := 0
		for _, s := range ss {
			if s.vowel {
				continue
			}
			n++
			for _, f := range consonants[s.sym] {
				out[1+slices.Index(consonantFeatures, f)]++
			}
		}
		if n > 0 {
			out[0] = 1
			for i := 1; i < len(out); i++ {
				out[i] /= float64(n)
			}
		}
		return out
	}
	v := slot(segs[:nuc])
	s := segs[nuc]
	first, last := s.v[0], s.v[len(s.v)-1]
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	v = append(v, first.height, first.back, first.round, last.height, last.back, last.round,
		b2f(s.long || len(s.v) == 2), b2f(len(s.v) == 2), b2f(s.rhotic))
	v = append(v, slot(segs[nuc+1:])...)
	extra := 0
	for _, x := range segs[nuc+1:] {
		if x.vowel {
			extra++
		}
	}
	return append(v, float64(extra)), nil
}

// FromIPA makes a phonetic set: every class's transcriptions (one per
// voice, in the form parsePhonemes reads) are described and the vectors
// of its voices averaged. words are the classes' spoken names (recorded
// in the set).
func FromIPA(name, source string, words map[string]string, transcriptions map[string]map[string]string) (*Set, error) {
	s := &Set{Name: name, Describes: "audio", Source: source, Features: PhoneticFeatures(), Words: words, Transcriptions: transcriptions}
	for c := range transcriptions {
		s.Classes = append(s.Classes, c)
	}
	slices.Sort(s.Classes)
	for _, c := range s.Classes {
		voices := transcriptions[c]
		if len(voices) == 0 {
			return nil, fmt.Errorf("descriptor: class %q has no transcription", c)
		}
		names := make([]string, 0, len(voices))
		for v := range voices {
			names = append(names, v)
		}
		slices.Sort(names)
		mean := make([]float64, s.Dim())
		for _, v := range names {
			x, err := phoneticVector(voices[v])
			if err != nil {
				return nil, fmt.Errorf("%w (class %q, voice %s)", err, c, v)
			}
			for i := range mean {
				mean[i] += x[i] / float64(len(names))
			}
		}
		s.Vectors = append(s.Vectors, mean)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}
