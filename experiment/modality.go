package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/memlsm/memlsm/events"
)

// Side is one modality of a cross-modal zero-shot task: its name, its data
// and its encoder. A zero-shot task has two sides, A and B (ZeroShotConfig):
// A is the image side (the gallery of the paper's audio→image retrieval and
// the first tower of the head), B the other one — audio for the paper's
// audio↔image task, neural activity for its neural↔image task.
type Side struct {
	// Name names the modality in results and JSON keys ("image", "audio",
	// "neural"): retrieval in each direction is keyed "<b>_to_<a>" and
	// "<a>_to_<b>" (audio_to_image, image_to_audio). Empty → "image" for
	// A, "audio" for B. It must be a lower-case word (letters, digits).
	Name string
	// Data is the training source; without Test it also gives the test
	// pairs (see ZeroShotConfig).
	Data *events.Dataset
	// Test is an explicit test source; both sides have one or neither.
	Test *events.Dataset
	// Encoder configures this side's LSM; zero fields are the defaults for
	// the sensor of Data (EncoderConfig).
	Encoder EncoderConfig
}

// Modalities names the two sides of a task.
type Modalities struct {
	A string `json:"a"`
	B string `json:"b"`
}

// DefaultModalities are the paper's audio↔image task's: A images, B audio.
var DefaultModalities = Modalities{A: "image", B: "audio"}

// BToA is the JSON key of the B→A direction ("audio_to_image").
func (m Modalities) BToA() string { return m.B + "_to_" + m.A }

// AToB is the JSON key of the A→B direction ("image_to_audio").
func (m Modalities) AToB() string { return m.A + "_to_" + m.B }

// Arrow writes a direction for people: "audio → image" (bToA) or
// "image → audio".
func (m Modalities) Arrow(bToA bool) string {
	if bToA {
		return m.B + " → " + m.A
	}
	return m.A + " → " + m.B
}

// To writes a direction without spaces: "audio→image" (bToA).
func (m Modalities) To(bToA bool) string {
	if bToA {
		return m.B + "→" + m.A
	}
	return m.A + "→" + m.B
}

// Short writes a direction compactly: "a→i" for audio → image.
func (m Modalities) Short(bToA bool) string {
	first := func(s string) string {
		if s == "" {
			return "?"
		}
		return s[:1]
	}
	if bToA {
		return first(m.B) + "→" + first(m.A)
	}
	return first(m.A) + "→" + first(m.B)
}

func (m Modalities) check() error {
	for _, n := range []string{m.A, m.B} {
		if n == "" || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789") != "" || n[0] < 'a' {
			return fmt.Errorf("experiment: modality name %q: want a lower-case word (letters and digits, starting with a letter)", n)
		}
	}
	if m.A == m.B {
		return fmt.Errorf("experiment: both modalities are named %q", m.A)
	}
	return nil
}

// Dirs holds one value per retrieval direction between two named
// modalities. In JSON it is an object with the keys "<b>_to_<a>" (BToA)
// and "<a>_to_<b>" (AToB), e.g. {"audio_to_image": …, "image_to_audio": …}.
type Dirs[T any] struct {
	Names Modalities `json:"-"`
	// BToA: B items query a gallery of A items (audio → image).
	BToA T
	// AToB: A items query a gallery of B items (image → audio).
	AToB T
}

// Get returns the value of one direction.
func (d Dirs[T]) Get(bToA bool) T {
	if bToA {
		return d.BToA
	}
	return d.AToB
}

// MarshalJSON writes {"<b>_to_<a>": BToA, "<a>_to_<b>": AToB}.
func (d Dirs[T]) MarshalJSON() ([]byte, error) {
	return marshalKeyed([]keyed{{d.Names.BToA(), d.BToA}, {d.Names.AToB(), d.AToB}})
}

// UnmarshalJSON reads the two direction keys of any pair of modalities
// and sets Names from them.
func (d *Dirs[T]) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	names, err := namesFromKeys(raw, "")
	if err != nil {
		return err
	}
	d.Names = names
	if err := json.Unmarshal(raw[names.BToA()], &d.BToA); err != nil {
		return fmt.Errorf("experiment: %s: %w", names.BToA(), err)
	}
	if err := json.Unmarshal(raw[names.AToB()], &d.AToB); err != nil {
		return fmt.Errorf("experiment: %s: %w", names.AToB(), err)
	}
	return nil
}

// namesFromKeys finds the modality names of a pair of direction keys
// "<b>_to_<a>" and "<a>_to_<b>" (after prefix) among the keys of raw; the
// first of the two in key order decides nothing, both must be present.
func namesFromKeys(raw map[string]json.RawMessage, prefix string) (Modalities, error) {
	for k := range raw {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		from, to, ok := strings.Cut(rest, "_to_")
		if !ok || from == "" || to == "" || strings.Contains(to, "_to_") {
			continue
		}
		if _, back := raw[prefix+to+"_to_"+from]; !back {
			continue
		}
		// Either orientation names the same pair; A is the side that
		// DefaultModalities calls A when it is one of them, else the one
		// that sorts first, so that unmarshalling is deterministic.
		m := Modalities{A: to, B: from}
		if from == DefaultModalities.A || (to != DefaultModalities.A && from < to) {
			m = Modalities{A: from, B: to}
		}
		return m, nil
	}
	return Modalities{}, fmt.Errorf("experiment: no pair of direction keys %s<b>_to_<a> and %s<a>_to_<b>", prefix, prefix)
}

// keyed is one key and value of a JSON object written in order.
type keyed struct {
	key string
	val any
}

// marshalKeyed writes a JSON object with the keys in the given order.
func marshalKeyed(kvs []keyed) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range kvs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv.val)
		if err != nil {
			return nil, fmt.Errorf("experiment: %s: %w", kv.key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
