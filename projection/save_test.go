package projection

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// trainedHeads returns one small trained head of every kind with the data
// to score them on.
func trainedHeads(t testing.TB) (heads []Head, a, b *mat.Dense) {
	x, y := blobs(60, 6, 3, 0.5, 1)
	lin, _, err := TrainLinear(context.Background(), x, y, 3, LinearConfig{Training: Training{Epochs: 3}})
	if err != nil {
		t.Fatal(err)
	}
	mlp, _, err := TrainMLP(context.Background(), x, y, 3, MLPConfig{Training: Training{Epochs: 3}, Hidden: []int{5, 4}, Dropout: 0.2, Act: ActTanh})
	if err != nil {
		t.Fatal(err)
	}
	m := newModalities(3, 2, 6, 5, 2)
	a, b, py := m.pairs([]int{0, 1, 2}, 20)
	clip, _, err := TrainCLIP(context.Background(), a, b, py, CLIPConfig{Training: Training{Epochs: 3}, Dim: 4, Layers: 2})
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := TrainCLIP(context.Background(), a, b, py, CLIPATV())
	if err != nil {
		t.Fatal(err)
	}
	proto, _, err := TrainProto(context.Background(), a, b, py, ProtoConfig{Training: Training{Epochs: 3}, Dim: 4})
	if err != nil {
		t.Fatal(err)
	}
	return []Head{lin, mlp, clip, raw, proto}, a, b
}

// outputs is what a head computes on the test data: scores for
// classifiers, both embeddings for cross-modal heads.
func outputs(h Head, x, a, b *mat.Dense) []float64 {
	switch h := h.(type) {
	case Classifier:
		return h.Scores(x).RawMatrix().Data
	case CrossModal:
		return append(slices.Clone(h.EmbedA(a).RawMatrix().Data), h.EmbedB(b).RawMatrix().Data...)
	}
	panic("unknown head")
}

func TestSaveLoadRoundTrip(t *testing.T) {
	heads, a, b := trainedHeads(t)
	x, _ := blobs(60, 6, 3, 0.5, 9)
	type meta struct {
		Reservoir int    `json:"reservoir"`
		Seed      uint64 `json:"seed"`
	}
	for _, h := range heads {
		var buf bytes.Buffer
		if err := Save(&buf, h, meta{200, 42}); err != nil {
			t.Fatal(err)
		}
		got, raw, err := Load(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", h.kind(), err)
		}
		var m meta
		if err := json.Unmarshal(raw, &m); err != nil || m != (meta{200, 42}) {
			t.Errorf("%s: meta %s (%v)", h.kind(), raw, err)
		}
		if got.kind() != h.kind() {
			t.Fatalf("kind %s, want %s", got.kind(), h.kind())
		}
		// Bit-identical outputs, not merely close.
		if w, g := outputs(h, x, a, b), outputs(got, x, a, b); !slices.Equal(w, g) {
			t.Errorf("%s: reloaded head scores differently", h.kind())
		}
		if c, ok := h.(*CLIP); ok {
			gc := got.(*CLIP)
			if gc.Loss() != c.Loss() || gc.Temperature() != c.Temperature() || gc.Metric() != c.Metric() {
				t.Errorf("CLIP settings changed: %v %v %v", gc.Loss(), gc.Temperature(), gc.Metric())
			}
		}
		// Saving the reloaded head gives the same bytes.
		var again bytes.Buffer
		if err := Save(&again, got, meta{200, 42}); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
			t.Errorf("%s: re-saved file differs (%v)", h.kind(), err)
		}
	}

	path := filepath.Join(t.TempDir(), "head.json")
	if err := SaveFile(path, heads[0], nil); err != nil {
		t.Fatal(err)
	}
	h, raw, err := LoadFile(path)
	if err != nil || raw != nil || h.kind() != "linear" {
		t.Errorf("LoadFile: %v, %s, %v", h, raw, err)
	}
}

func TestLoadStrict(t *testing.T) {
	heads, _, _ := trainedHeads(t)
	var buf bytes.Buffer
	if err := Save(&buf, heads[2], map[string]int{"seed": 1}); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	var clipDoc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &clipDoc); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := Save(&buf, heads[0], nil); err != nil {
		t.Fatal(err)
	}
	linear := buf.String()

	// edit re-encodes the CLIP file after changing its decoded form.
	edit := func(f func(doc, head map[string]any)) string {
		doc := map[string]any{}
		b, _ := json.Marshal(clipDoc)
		_ = json.Unmarshal(b, &doc)
		f(doc, doc["head"].(map[string]any))
		out, _ := json.Marshal(doc)
		return string(out)
	}
	tower := func(head map[string]any) map[string]any { return head["a"].(map[string]any) }
	layer := func(head map[string]any) map[string]any {
		return tower(head)["layers"].([]any)[0].(map[string]any)
	}
	for _, tc := range []struct {
		name, file, want string
	}{
		{"empty", "", "truncated JSON at byte 0"},
		// `{\n "format": "memlsm/projection",\n "version";`: the 45th byte is wrong.
		{"syntax", strings.Replace(good, `"version":`, `"version";`, 1), "malformed JSON at byte 45"},
		{"truncated", good[:len(good)/2], "truncated JSON"},
		{"trailing", good + "{}", "trailing data"},
		{"unknown field", edit(func(d, _ map[string]any) { d["extra"] = 1 }), `unknown field "extra"`},
		{"format", edit(func(d, _ map[string]any) { d["format"] = "other" }), `format "other"`},
		{"version", edit(func(d, _ map[string]any) { d["version"] = 2 }), "version 2 not supported"},
		{"kind", edit(func(d, _ map[string]any) { d["kind"] = "svm" }), `unknown kind "svm"`},
		{"no head", edit(func(d, _ map[string]any) { delete(d, "head") }), "no head"},
		{"type", edit(func(d, _ map[string]any) { d["version"] = "1" }), "wrong type at byte"},
		{"metric", edit(func(_, h map[string]any) { delete(h, "metric") }), "missing metric"},
		{"bad metric", edit(func(_, h map[string]any) { h["metric"] = "hamming" }), `unknown metric "hamming"`},
		{"loss", edit(func(_, h map[string]any) { h["loss"] = "triplet" }), `unknown loss "triplet"`},
		{"scale", edit(func(_, h map[string]any) { h["logit_scale"] = -1 }), "logit scale -1"},
		{"activation", edit(func(_, h map[string]any) { tower(h)["act"] = "swish" }), `unknown activation "swish"`},
		{"base64", edit(func(_, h map[string]any) { layer(h)["w"] = "!!" }), "illegal base64"},
		{"float bytes", edit(func(_, h map[string]any) { layer(h)["b"] = "AAAA" }), "not a multiple of 8"},
		{"shape", edit(func(_, h map[string]any) { layer(h)["out"] = 5 }), "layer 0: 24 weights and 4 biases, want 6×5 and 5"},
		{"width", edit(func(_, h map[string]any) { tower(h)["in"] = 0 }), "input width 0"},
		{"huge", edit(func(_, h map[string]any) { layer(h)["out"] = 1 << 40 }), "width 1099511627776 outside"},
		{"nan", edit(func(_, h map[string]any) { layer(h)["b"] = "AAAAAAAA+H8AAAAAAAD4fwAAAAAAAPh/AAAAAAAA+H8=" }), "layer 0 biases[0] is NaN"},
		{"std", edit(func(_, h map[string]any) { delete(tower(h), "scale") }), "needs both shift and scale"},
		{"dims", edit(func(_, h map[string]any) { h["b"] = h["a"]; layer(h)["out"] = 3 }), "layer 0: 24 weights"},
		{"linear layers", strings.Replace(linear, `"classes": 3`, `"classes": 4`, 1), "4 classes but the output layer has 3 units"},
	} {
		_, _, err := Load(strings.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "projection: load") {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := LoadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: error %v does not name the file", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// FuzzLoad checks that Load never panics or hangs on arbitrary bytes, and
// that whatever it accepts saves and reloads to the same bytes.
func FuzzLoad(f *testing.F) {
	heads, _, _ := trainedHeads(f)
	for _, h := range heads {
		var buf bytes.Buffer
		if err := Save(&buf, h, map[string]any{"seed": 1}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte(`{"format":"memlsm/projection","version":1,"kind":"linear","head":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, meta, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		var a, b bytes.Buffer
		if err := Save(&a, h, meta); err != nil {
			t.Fatalf("accepted head does not save: %v", err)
		}
		h2, meta2, err := Load(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatalf("re-saved head does not load: %v", err)
		}
		if err := Save(&b, h2, meta2); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("save/load is not a fixed point (%v)", err)
		}
	})
}
