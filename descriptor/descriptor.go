package descriptor

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
)

//go:generate go run ./internal/gen -out data

//go:embed data/*.json
var builtin embed.FS

// A Set is side information for a set of classes: one descriptor vector
// per class, every vector with the same named components. It implements
// projection.Describer. A Set is immutable once made; its methods are safe
// for concurrent use.
type Set struct {
	// Name identifies the set ("phonetic", "shape").
	Name string `json:"name"`
	// Describes names the modality the set is meant for ("audio",
	// "image"): the one whose items the descriptors describe.
	Describes string `json:"describes"`
	// Source says in words how the vectors were made.
	Source string `json:"source"`
	// Features names each component of the vectors.
	Features []string `json:"features"`
	// Classes are the class names; Vectors[k] describes Classes[k].
	Classes []string    `json:"classes"`
	Vectors [][]float64 `json:"vectors"`
	// Words are the spoken names of the classes (phonetic sets).
	Words map[string]string `json:"words,omitempty"`
	// Transcriptions are the inputs of a phonetic set: per class, per
	// voice, the phonemes (FromIPA's input), so the set can be rebuilt
	// and checked without espeak-ng.
	Transcriptions map[string]map[string]string `json:"transcriptions,omitempty"`
}

// String returns the set's name.
func (s *Set) String() string { return s.Name }

// Dim is the number of components of every vector.
func (s *Set) Dim() int { return len(s.Features) }

// ClassNames returns the classes the set describes.
func (s *Set) ClassNames() []string { return slices.Clone(s.Classes) }

// Describe returns a copy of the vector of class c (matched exactly, or
// as the same digit: "8", "eight" and "Eight" are one class; "z", "o" and
// "zero" are digit 0), and whether the set has one.
func (s *Set) Describe(c string) ([]float64, bool) {
	for k, name := range s.Classes {
		if name == c || sameDigit(name, c) {
			return slices.Clone(s.Vectors[k]), true
		}
	}
	return nil, false
}

// check validates a set: names, one vector per class of the right length,
// finite values, distinct classes, and distinct vectors (two classes with
// the same descriptor cannot be told apart through it).
func (s *Set) check() error {
	if s.Name == "" || len(s.Features) == 0 || len(s.Classes) == 0 {
		return fmt.Errorf("descriptor: set %q needs a name, features and classes", s.Name)
	}
	if len(s.Vectors) != len(s.Classes) {
		return fmt.Errorf("descriptor: set %q has %d vectors for %d classes", s.Name, len(s.Vectors), len(s.Classes))
	}
	for k, v := range s.Vectors {
		if len(v) != len(s.Features) {
			return fmt.Errorf("descriptor: set %q: class %q has %d components, want %d", s.Name, s.Classes[k], len(v), len(s.Features))
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("descriptor: set %q: class %q, %s is %v", s.Name, s.Classes[k], s.Features[j], x)
			}
		}
		for i := range k {
			if s.Classes[i] == s.Classes[k] {
				return fmt.Errorf("descriptor: set %q: class %q given twice", s.Name, s.Classes[k])
			}
			if slices.Equal(s.Vectors[i], v) {
				return fmt.Errorf("descriptor: set %q: classes %q and %q have the same descriptor", s.Name, s.Classes[i], s.Classes[k])
			}
		}
	}
	return nil
}

// Load reads a set written as JSON (the format of the built-in sets) and
// validates it. Unknown fields are an error.
func Load(r io.Reader) (*Set, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Set
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("descriptor: reading a set: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("descriptor: reading a set: trailing data after the JSON object")
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Marshal writes s as indented JSON (the format Load reads).
func (s *Set) Marshal() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("descriptor: %w", err)
	}
	return b.Bytes(), nil
}

// Names returns the names of the built-in sets.
func Names() []string {
	ents, _ := builtin.ReadDir("data")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(out)
	return out
}

// Builtin returns the built-in set of that name ("phonetic", "shape").
func Builtin(name string) (*Set, error) {
	b, err := builtin.ReadFile("data/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("descriptor: no built-in set %q (have %s)", name, strings.Join(Names(), ", "))
	}
	s, err := Load(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w (built-in %s)", err, name)
	}
	return s, nil
}

// Phonetic is the built-in set of phonetic descriptors of the spoken
// digits "zero" … "nine" (see FromIPA and the package documentation).
func Phonetic() *Set { return must(Builtin("phonetic")) }

// Shape is the built-in set of shape descriptors of the written digits
// 0 … 9 (see FromStrokes and DigitGlyphs).
func Shape() *Set { return must(Builtin("shape")) }

func must(s *Set, err error) *Set {
	if err != nil {
		panic(err) // the embedded sets are checked by the tests
	}
	return s
}

// digitWords are the English names of the digits.
var digitWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// digitOf maps "7", "seven" (any case) to "7"; "z", "o" and "oh" to "0".
func digitOf(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "z", "o", "oh":
		return "0", true
	}
	for i, w := range digitWords {
		if n == w || n == string(rune('0'+i)) {
			return string(rune('0' + i)), true
		}
	}
	return "", false
}

func sameDigit(a, b string) bool {
	x, ok1 := digitOf(a)
	y, ok2 := digitOf(b)
	return ok1 && ok2 && x == y
}
