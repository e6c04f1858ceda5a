package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"gonum.org/v1/gonum/mat"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/floatenc"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/projection"
)

// Model is a trained pipeline: the binning and reservoir of each encoder
// with the weights read from the macro, the gain used, the trained head,
// and the provenance (macro, seeds, data). Save writes it; LoadModel reads
// it back; a reloaded model encodes and scores bit-identically, because the
// read-once weights are stored exactly (float32) and the head is stored
// exactly (projection.Save).
//
// A reloaded model always encodes in read-once mode on its stored weights:
// a model trained in in-memory or on-board mode rescored this way sees the
// conductances as read once after forming, not fresh read noise.
type Model struct {
	Task     string         `json:"task"` // "classify" or "zeroshot"
	Data     string         `json:"data"` // the training source(s)
	Classes  []string       `json:"classes,omitempty"`
	Seen     []string       `json:"seen,omitempty"`
	Unseen   []string       `json:"unseen,omitempty"`
	Seed     uint64         `json:"seed"`
	Encoders []EncoderState `json:"encoders"`
	// Features is the post-processing of a classifier's features.
	Features FeatureConfig `json:"features"`
	Macro    MacroInfo     `json:"macro"`
	// Head is *projection.Linear or *projection.MLP for "classify",
	// *projection.CLIP for "zeroshot".
	Head projection.Head `json:"-"`
}

// EncoderState is one encoder of a Model.
type EncoderState struct {
	Name string `json:"name,omitempty"` // the modality in a zero-shot model: "image", then "audio" (or another)
	// Config is the resolved configuration; Config.Reservoir.Gain is the
	// gain the head was trained with.
	Config EncoderConfig            `json:"config"`
	Layout crossbar.ReservoirLayout `json:"layout"`
	// Win (In×N) and Wrec (N×N), row-major, before the gain: the weights as
	// read once from the macro.
	Win  float32s `json:"w_in"`
	Wrec float32s `json:"w_rec"`
}

func newEncoderState(name string, ec EncoderConfig, c lsm.Config, r *reservoir) EncoderState {
	ec.Reservoir = c
	win, wrec := r.dense.Weights()
	l := r.layout
	if l.N == 0 {
		l = crossbar.ReservoirLayout{In: c.Inputs, N: c.Neurons}
	}
	return EncoderState{Name: name, Config: ec, Layout: l, Win: win, Wrec: wrec}
}

// float32s stores weights bit-exactly (base64 of little-endian bytes).
type float32s = floatenc.Float32s

// Model files are projection files (projection.Save) whose meta is a
// modelMeta.
const (
	modelFormat  = "memlsm/experiment-model"
	modelVersion = 1
)

type modelMeta struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Model   *Model `json:"model"`
}

// Save writes m as one JSON document: a projection head file whose meta
// holds the rest of the model.
func (m *Model) Save(w io.Writer) error {
	if m.Head == nil {
		return errors.New("experiment: save: model has no head")
	}
	if err := projection.Save(w, m.Head, modelMeta{Format: modelFormat, Version: modelVersion, Model: m}); err != nil {
		return fmt.Errorf("experiment: save: %w", err)
	}
	return nil
}

// SaveFile writes m to a new file at path.
func (m *Model) SaveFile(path string) error {
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b.Bytes()); err != nil {
		return fmt.Errorf("experiment: save: %w", err)
	}
	return nil
}

// LoadModel reads a model written by Save. It is strict: a file that is not
// a model, of another version, or whose weights, layouts and heads do not
// fit together is an error naming what is wrong.
func LoadModel(r io.Reader) (*Model, error) {
	h, raw, err := projection.Load(r)
	if err != nil {
		return nil, fmt.Errorf("experiment: load model: %w", err)
	}
	if raw == nil {
		return nil, errors.New("experiment: load model: a projection head without a model (no meta)")
	}
	var meta modelMeta
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("experiment: load model: meta: byte %d: %w", se.Offset, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("experiment: load model: meta: field %s at byte %d: %w", te.Field, te.Offset, err)
		}
		return nil, fmt.Errorf("experiment: load model: meta: %w", err)
	}
	if meta.Format != modelFormat {
		return nil, fmt.Errorf("experiment: load model: format %q, want %q", meta.Format, modelFormat)
	}
	if meta.Version != modelVersion {
		return nil, fmt.Errorf("experiment: load model: version %d not supported (this build reads %d)", meta.Version, modelVersion)
	}
	m := meta.Model
	if m == nil {
		return nil, errors.New("experiment: load model: no model in the meta")
	}
	m.Head = h
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("experiment: load model: %w", err)
	}
	return m, nil
}

// LoadModelFile reads the model file at path; errors name the file.
func LoadModelFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("experiment: load model: %w", err)
	}
	defer f.Close()
	m, err := LoadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return m, nil
}

// check verifies that the parts of a loaded model fit together.
func (m *Model) check() error {
	want := 1
	switch m.Task {
	case "classify":
		if len(m.Classes) < 2 {
			return fmt.Errorf("classifier with %d classes", len(m.Classes))
		}
	case "zeroshot":
		want = 2
		if len(m.Seen) == 0 || len(m.Unseen) == 0 {
			return errors.New("zero-shot model without seen or unseen classes")
		}
		if len(m.Encoders) == 2 {
			if err := m.Modalities().check(); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown task %q", m.Task)
	}
	if len(m.Encoders) != want {
		return fmt.Errorf("%s model with %d encoders, want %d", m.Task, len(m.Encoders), want)
	}
	dims := make([]int, len(m.Encoders))
	for k, e := range m.Encoders {
		c := e.Config.Reservoir
		if err := c.Validate(); err != nil {
			return fmt.Errorf("encoder %d: %w", k, err)
		}
		b, err := e.Config.Binning.Binner()
		if err != nil {
			return fmt.Errorf("encoder %d: %w", k, err)
		}
		if b.Inputs() != c.Inputs {
			return fmt.Errorf("encoder %d: binning gives %d inputs, reservoir has %d", k, b.Inputs(), c.Inputs)
		}
		if len(e.Win) != c.Inputs*c.Neurons || len(e.Wrec) != c.Neurons*c.Neurons {
			return fmt.Errorf("encoder %d: %d+%d weights for %d inputs × %d neurons", k, len(e.Win), len(e.Wrec), c.Inputs, c.Neurons)
		}
		for i, w := range append(append([]float32(nil), e.Win...), e.Wrec...) {
			if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
				return fmt.Errorf("encoder %d: weight %d is %v", k, i, w)
			}
		}
		dims[k] = c.Features()
	}
	switch h := m.Head.(type) {
	case *projection.Linear:
		if m.Task != "classify" || h.Dim() != dims[0] || h.Classes() != len(m.Classes) {
			return fmt.Errorf("linear head of %d features × %d classes does not fit a %s model of %d features × %d classes", h.Dim(), h.Classes(), m.Task, dims[0], len(m.Classes))
		}
	case *projection.MLP:
		if m.Task != "classify" || h.Dim() != dims[0] || h.Classes() != len(m.Classes) {
			return fmt.Errorf("MLP head of %d features × %d classes does not fit a %s model of %d features × %d classes", h.Dim(), h.Classes(), m.Task, dims[0], len(m.Classes))
		}
	case *projection.CLIP:
		if m.Task != "zeroshot" || h.DimA() != dims[0] || h.DimB() != dims[1] {
			return fmt.Errorf("CLIP head of %d and %d features does not fit a %s model", h.DimA(), h.DimB(), m.Task)
		}
	default:
		return fmt.Errorf("head %T does not fit a %s model", m.Head, m.Task)
	}
	return nil
}

// encoder returns the encoder named name ("" for a classifier's only one).
func (m *Model) encoder(name string) (*EncoderState, error) {
	for k := range m.Encoders {
		if m.Encoders[k].Name == name {
			return &m.Encoders[k], nil
		}
	}
	return nil, fmt.Errorf("experiment: the %s model has no %q encoder", m.Task, name)
}

// Encode bins and encodes the samples of d with the encoder named name
// ("" for a classifier, a modality name such as "image" for a zero-shot model), on the
// stored weights at the stored gain, and returns one row per sample: the
// spike rates, before the post-processing of m.Features.
func (m *Model) Encode(ctx context.Context, name string, d *events.Dataset, workers int) (*mat.Dense, EncodeStats, error) {
	feats, dim, st, err := m.encode(ctx, name, d, workers)
	if err != nil {
		return nil, st, err
	}
	return matrix(feats, dim, seq(d.Len())), st, nil
}

// encode is Encode's work: the features as float32, dim per sample.
func (m *Model) encode(ctx context.Context, name string, d *events.Dataset, workers int) ([]float32, int, EncodeStats, error) {
	e, err := m.encoder(name)
	if err != nil {
		return nil, 0, EncodeStats{}, err
	}
	if d.Len() == 0 {
		return nil, 0, EncodeStats{}, fmt.Errorf("experiment: %s holds no samples", d.Name)
	}
	c := e.Config.Reservoir
	b, err := e.Config.Binning.Binner()
	if err != nil {
		return nil, 0, EncodeStats{}, err
	}
	frames, err := binAll(ctx, b, d, nil, workers, noProgress{})
	if err != nil {
		return nil, 0, EncodeStats{}, err
	}
	enc := &encoder{cfg: e.Config, binner: b, workers: workers,
		res: &reservoir{layout: e.Layout, dense: lsm.NewDense(c.Inputs, c.Neurons, e.Win, e.Wrec)}}
	feats, st, err := enc.encode(ctx, c, frames, seq(len(frames)), nil, "")
	return feats, c.Features(), st, err
}

// seq returns 0, 1, …, n−1.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Predict classifies every sample of d with a classification model and
// returns class indices into m.Classes.
func (m *Model) Predict(ctx context.Context, d *events.Dataset, workers int) ([]int, error) {
	if m.Task != "classify" {
		return nil, fmt.Errorf("experiment: Predict needs a classification model, not %s", m.Task)
	}
	speakers := make([]string, d.Len())
	for i := range d.Samples {
		speakers[i] = d.Samples[i].Speaker
	}
	post, err := m.Features.resolve(false, speakers)
	if err != nil {
		return nil, err
	}
	feats, dim, _, err := m.encode(ctx, "", d, workers)
	if err != nil {
		return nil, err
	}
	return m.Head.(projection.Classifier).Predict(post.matrix(feats, dim, seq(d.Len()))), nil
}

// Evaluate classifies d and returns the accuracy against d's labels (its
// classes matched to the model's by name) and the predictions.
func (m *Model) Evaluate(ctx context.Context, d *events.Dataset, workers int) (float64, []int, error) {
	truth, err := mapLabels(d, &events.Dataset{Name: m.Data, Classes: m.Classes})
	if err != nil {
		return 0, nil, err
	}
	pred, err := m.Predict(ctx, d, workers)
	if err != nil {
		return 0, nil, err
	}
	return projection.Accuracy(truth, pred), pred, nil
}

// Retrieve scores a zero-shot model on data of its two modalities — a
// for its first encoder (A, the images), b for its second (B) — on the
// given classes: their samples are paired class-wise (events.Pair, the
// first DefaultTestPerClass of each class) and retrieval is measured both
// ways.
func (m *Model) Retrieve(ctx context.Context, a, b *events.Dataset, classes []string, workers int) (Retrieval, error) {
	if m.Task != "zeroshot" {
		return Retrieval{}, fmt.Errorf("experiment: Retrieve needs a zero-shot model, not %s", m.Task)
	}
	names := m.Modalities()
	fa, err := a.Filter(classes...)
	if err != nil {
		return Retrieval{}, fmt.Errorf("experiment: %w", err)
	}
	fb, err := b.Filter(classes...)
	if err != nil {
		return Retrieval{}, fmt.Errorf("experiment: %w", err)
	}
	fa, fb = fa.Head(DefaultTestPerClass), fb.Head(DefaultTestPerClass)
	ps, err := events.Pair(fa, fb, classes)
	if err != nil {
		return Retrieval{}, fmt.Errorf("experiment: %w", err)
	}
	ia, ib, labels := make([]int, len(ps)), make([]int, len(ps)), make([]int, len(ps))
	for k, p := range ps {
		ia[k], ib[k], labels[k] = p.A, p.B, p.Class
	}
	xa, _, err := m.Encode(ctx, m.Encoders[0].Name, fa.Subset(ia), workers)
	if err != nil {
		return Retrieval{}, err
	}
	xb, _, err := m.Encode(ctx, m.Encoders[1].Name, fb.Subset(ib), workers)
	if err != nil {
		return Retrieval{}, err
	}
	return evaluate(m.Head.(*projection.CLIP), xa, xb, labels, classes, names), nil
}

// Modalities names a zero-shot model's two modalities by its encoders
// (A first); a model of another task gets DefaultModalities.
func (m *Model) Modalities() Modalities {
	if m.Task != "zeroshot" || len(m.Encoders) != 2 {
		return DefaultModalities
	}
	return Modalities{A: m.Encoders[0].Name, B: m.Encoders[1].Name}
}
