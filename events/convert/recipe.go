package convert

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/memlsm/memlsm/events"
)

// RecipeFormat names version 1 of the recipe format.
const RecipeFormat = "memlsm saccade recipe v1"

// Recipe is a saccade dataset stored as its ingredients rather than its
// events: grey-scale images, the converter's parameters and one seed per
// image. Converting every image with NewSaccadeModel(Params) and its seed
// regenerates the dataset's events exactly; real N-MNIST compresses to
// about 3 bytes per event and 3000 digits hold some 12 million events,
// while their pixels compress to a few hundred kilobytes.
//
// A recipe is two streams: a JSON document (this struct, human-readable)
// and the pixels, gzip-compressed, Width×Height bytes per image in sample
// order, row by row.
type Recipe struct {
	Format  string         `json:"format"`  // RecipeFormat
	Source  string         `json:"source"`  // where the images come from
	Rule    string         `json:"rule"`    // how they were chosen
	Classes []string       `json:"classes"` // class names; RecipeSample.Label indexes them
	Width   int            `json:"width"`   // image size in pixels
	Height  int            `json:"height"`
	Params  SaccadeParams  `json:"params"`
	Samples []RecipeSample `json:"samples"`
}

// RecipeSample is one image of a Recipe.
type RecipeSample struct {
	Label int               `json:"label"`
	ID    string            `json:"id"`
	Seed  uint64            `json:"seed"`
	Meta  map[string]string `json:"meta,omitempty"`
}

const formatRecipe = "saccade recipe pixels"

// maxRecipeImages bounds a recipe (assumption: far above any embedded set,
// small enough that a corrupt header cannot ask for gigabytes).
const maxRecipeImages = 1 << 20

// Validate checks the recipe's header against itself.
func (r *Recipe) Validate() error {
	switch {
	case r.Format != RecipeFormat:
		return fmt.Errorf("convert: recipe format %q, want %q", r.Format, RecipeFormat)
	case r.Width <= 0 || r.Height <= 0 || r.Width > maxIDXSide || r.Height > maxIDXSide:
		return fmt.Errorf("convert: recipe image size %d×%d out of range 1..%d", r.Width, r.Height, maxIDXSide)
	case len(r.Samples) > maxRecipeImages:
		return fmt.Errorf("convert: recipe has %d images, more than %d", len(r.Samples), maxRecipeImages)
	case len(r.Classes) == 0:
		return fmt.Errorf("convert: recipe has no classes")
	}
	for i, s := range r.Samples {
		if s.Label < 0 || s.Label >= len(r.Classes) {
			return fmt.Errorf("convert: recipe sample %d (%s): label %d outside the %d classes", i, s.ID, s.Label, len(r.Classes))
		}
	}
	return r.Params.Validate()
}

// WriteRecipe writes r's JSON document to doc and images (one per sample,
// each Width×Height) to pix.
func WriteRecipe(doc, pix io.Writer, r *Recipe, images []*image.Gray) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if len(images) != len(r.Samples) {
		return fmt.Errorf("convert: recipe: %d images for %d samples", len(images), len(r.Samples))
	}
	z, err := gzip.NewWriterLevel(pix, gzip.BestCompression)
	if err != nil {
		return err
	}
	for i, g := range images {
		if g.Rect.Dx() != r.Width || g.Rect.Dy() != r.Height {
			return fmt.Errorf("convert: recipe: image %d is %v, want %d×%d", i, g.Rect.Size(), r.Width, r.Height)
		}
		for y := range r.Height {
			row := g.Pix[y*g.Stride : y*g.Stride+r.Width]
			if _, err := z.Write(row); err != nil {
				return fmt.Errorf("convert: recipe: %w", err)
			}
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("convert: recipe: %w", err)
	}
	// The header indented, then one sample per line: readable and diffable.
	h := *r
	h.Samples = nil
	head, err := json.MarshalIndent(&h, "", " ")
	if err != nil {
		return fmt.Errorf("convert: recipe: %w", err)
	}
	head, ok := bytes.CutSuffix(head, []byte("\"samples\": null\n}"))
	if !ok {
		return fmt.Errorf("convert: recipe: unexpected JSON layout")
	}
	var b bytes.Buffer
	b.Write(head)
	b.WriteString("\"samples\": [")
	for i := range r.Samples {
		line, err := json.Marshal(&r.Samples[i])
		if err != nil {
			return fmt.Errorf("convert: recipe: %w", err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n  ")
		b.Write(line)
	}
	b.WriteString("\n ]\n}\n")
	if _, err := doc.Write(b.Bytes()); err != nil {
		return fmt.Errorf("convert: recipe: %w", err)
	}
	return nil
}

// ReadRecipe reads a recipe written by WriteRecipe: the JSON document from
// doc and the compressed pixels from pix. name labels errors; byte offsets
// in pixel errors count in the decompressed stream.
func ReadRecipe(doc, pix io.Reader, name string) (*Recipe, []*image.Gray, error) {
	var r Recipe
	dec := json.NewDecoder(doc)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, nil, fmt.Errorf("convert: recipe %s: %w", name, err)
	}
	if err := r.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%w (in %s)", err, name)
	}
	z, err := gzip.NewReader(pix)
	if err != nil {
		return nil, nil, &events.FormatError{Format: formatRecipe, File: name, Offset: 0, Msg: "bad gzip header", Err: err}
	}
	size := r.Width * r.Height
	images := make([]*image.Gray, 0, min(len(r.Samples), 4096))
	var off int64
	for i := range r.Samples {
		g := image.NewGray(image.Rect(0, 0, r.Width, r.Height))
		if k, err := io.ReadFull(z, g.Pix); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, &events.FormatError{Format: formatRecipe, File: name, Offset: off + int64(k),
				Msg: fmt.Sprintf("truncated at image %d of %d", i, len(r.Samples)), Err: err}
		}
		images = append(images, g)
		off += int64(size)
	}
	var one [1]byte
	if k, err := z.Read(one[:]); k > 0 || err != nil && !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, nil, &events.FormatError{Format: formatRecipe, File: name, Offset: off,
				Msg: fmt.Sprintf("more pixels than %d images", len(r.Samples))}
		}
		return nil, nil, &events.FormatError{Format: formatRecipe, File: name, Offset: off, Msg: "bad compressed data", Err: err}
	}
	return &r, images, nil
}

// ReadRecipeBytes is ReadRecipe on two byte slices.
func ReadRecipeBytes(doc, pix []byte, name string) (*Recipe, []*image.Gray, error) {
	return ReadRecipe(bytes.NewReader(doc), bytes.NewReader(pix), name)
}
