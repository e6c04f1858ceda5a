package convert_test

import (
	"bytes"
	"errors"
	"image"
	"slices"
	"testing"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

func smallRecipe() (*convert.Recipe, []*image.Gray) {
	r := &convert.Recipe{
		Format: convert.RecipeFormat, Source: "test", Rule: "two strokes",
		Classes: []string{"a", "b"}, Width: 5, Height: 4,
		Params: convert.DefaultSaccadeParams(),
		Samples: []convert.RecipeSample{
			{Label: 0, ID: "s0", Seed: 1, Meta: map[string]string{"split": "train"}},
			{Label: 1, ID: "s1", Seed: 1<<63 + 5},
		},
	}
	var imgs []*image.Gray
	for i := range r.Samples {
		g := image.NewGray(image.Rect(0, 0, 5, 4))
		for j := range g.Pix {
			g.Pix[j] = uint8(j * (i + 1) * 11)
		}
		imgs = append(imgs, g)
	}
	return r, imgs
}

func TestRecipeRoundTrip(t *testing.T) {
	r, imgs := smallRecipe()
	var doc, pix bytes.Buffer
	if err := convert.WriteRecipe(&doc, &pix, r, imgs); err != nil {
		t.Fatal(err)
	}
	got, gimgs, err := convert.ReadRecipeBytes(doc.Bytes(), pix.Bytes(), "small")
	if err != nil {
		t.Fatal(err)
	}
	if got.Samples[1].Seed != r.Samples[1].Seed || got.Samples[0].Meta["split"] != "train" || got.Params.Moves[2] != r.Params.Moves[2] {
		t.Errorf("recipe changed in the round trip: %+v", got.Samples)
	}
	for i := range imgs {
		if !bytes.Equal(gimgs[i].Pix, imgs[i].Pix) {
			t.Errorf("image %d changed", i)
		}
	}
	// The events regenerate identically from the read recipe.
	m1, _ := convert.NewSaccadeModel(r.Params)
	m2, _ := convert.NewSaccadeModel(got.Params)
	if !slices.Equal(m1.Convert(imgs[1], r.Samples[1].Seed), m2.Convert(gimgs[1], got.Samples[1].Seed)) {
		t.Error("events differ after the round trip")
	}

	// Damage.
	p := pix.Bytes()
	for _, tc := range []struct {
		name     string
		doc, pix []byte
	}{
		{"truncated pixels", doc.Bytes(), p[:len(p)-12]},
		{"no pixels", doc.Bytes(), nil},
		{"extra pixels", doc.Bytes(), gz(make([]byte, 2*20+1))},
		{"bad JSON", doc.Bytes()[:20], p},
		{"unknown field", []byte(`{"format": "memlsm saccade recipe v1", "extra": 1}`), p},
		{"wrong format", bytes.Replace(doc.Bytes(), []byte("recipe v1"), []byte("recipe v9"), 1), p},
		{"label out of range", bytes.Replace(doc.Bytes(), []byte(`"label":1`), []byte(`"label":7`), 1), p},
	} {
		if _, _, err := convert.ReadRecipeBytes(tc.doc, tc.pix, tc.name); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, _, err := convert.ReadRecipeBytes(doc.Bytes(), p[:len(p)-12], "x"); !errors.Is(err, events.ErrFormat) {
		t.Errorf("truncated pixels: %v is not an events.ErrFormat", err)
	}
	if err := convert.WriteRecipe(&doc, &pix, r, imgs[:1]); err == nil {
		t.Error("WriteRecipe with too few images: no error")
	}
}

func FuzzReadRecipe(f *testing.F) {
	r, imgs := smallRecipe()
	var doc, pix bytes.Buffer
	if err := convert.WriteRecipe(&doc, &pix, r, imgs); err != nil {
		f.Fatal(err)
	}
	f.Add(doc.Bytes(), pix.Bytes())
	f.Add(doc.Bytes(), []byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, d, p []byte) {
		rec, imgs, err := convert.ReadRecipeBytes(d, p, "fuzz")
		if err != nil {
			return
		}
		if len(imgs) != len(rec.Samples) {
			t.Fatalf("%d images for %d samples", len(imgs), len(rec.Samples))
		}
		if err := rec.Validate(); err != nil {
			t.Fatalf("accepted an invalid recipe: %v", err)
		}
	})
}
