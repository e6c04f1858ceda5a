package projection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/floatenc"
)

// Head is any trained head: *Linear, *MLP, *CLIP or *Proto. Save writes
// one; Load returns one, to be recovered with a type switch.
type Head interface {
	kind() string
}

func (*Linear) kind() string { return "linear" }
func (*MLP) kind() string    { return "mlp" }
func (*CLIP) kind() string   { return "clip" }
func (*Proto) kind() string  { return "proto" }

// File format identification. Version 1 is the only version so far; Load
// refuses any other.
const (
	fileFormat  = "memlsm/projection"
	fileVersion = 1
)

// The on-disk layout. Float arrays are base64 of little-endian IEEE-754
// float64 (bit-exact, compact); scalars are JSON numbers, which Go writes
// in the shortest form that parses back to the same float64.
type fileJSON struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	Kind    string          `json:"kind"`
	Meta    json.RawMessage `json:"meta,omitempty"`
	Head    json.RawMessage `json:"head"`
}

type classifierJSON struct {
	Classes int     `json:"classes"`
	Net     netJSON `json:"net"`
}

type pairJSON struct {
	Loss       *Loss    `json:"loss,omitempty"`        // CLIP only
	LogitScale *float64 `json:"logit_scale,omitempty"` // CLIP only
	Metric     *Metric  `json:"metric"`
	A          netJSON  `json:"a"`
	B          netJSON  `json:"b"`
}

// netJSON is one net: input standardisation x' = (x − shift)·scale (both
// absent when disabled), then the layers; act follows every hidden layer and,
// with act_last, the last one.
type netJSON struct {
	In      int         `json:"in"`
	Act     Activation  `json:"act"`
	ActLast bool        `json:"act_last"`
	Dropout float64     `json:"dropout"`
	Shift   f64s        `json:"shift,omitempty"`
	Scale   f64s        `json:"scale,omitempty"`
	Layers  []layerJSON `json:"layers"`
}

type layerJSON struct {
	Out int  `json:"out"`
	W   f64s `json:"w"` // out×in, row-major (PyTorch's nn.Linear layout)
	B   f64s `json:"b"` // out
}

// f64s stores float64 arrays bit-exactly (base64 of little-endian bytes).
type f64s = floatenc.Float64s

func encodeNet(n *net) netJSON {
	j := netJSON{In: n.in, Act: n.act, ActLast: n.actLast, Dropout: n.dropout, Shift: n.shift, Scale: n.scale}
	for l, s := range n.sizes {
		j.Layers = append(j.Layers, layerJSON{Out: s, W: n.weight(n.params, l).Data, B: n.bias(n.params, l)})
	}
	return j
}

// Save writes h as one JSON object to w, with meta (any JSON-marshalable
// value, e.g. the LSM and macro configuration and seeds that produced the
// features; nil for none) stored verbatim beside it.
func Save(w io.Writer, h Head, meta any) error {
	f := fileJSON{Format: fileFormat, Version: fileVersion}
	if meta != nil {
		m, err := json.Marshal(meta)
		if err != nil {
			return fmt.Errorf("projection: save: meta: %w", err)
		}
		f.Meta = m
	}
	var body any
	switch h := h.(type) {
	case *Linear:
		body = classifierJSON{Classes: h.classes, Net: encodeNet(h.net)}
	case *MLP:
		body = classifierJSON{Classes: h.classes, Net: encodeNet(h.net)}
	case *CLIP:
		loss, scale := h.loss, h.logitScale
		body = pairJSON{Loss: &loss, LogitScale: &scale, Metric: &h.metric, A: encodeNet(h.a), B: encodeNet(h.b)}
	case *Proto:
		body = pairJSON{Metric: &h.metric, A: encodeNet(h.a), B: encodeNet(h.b)}
	default:
		return fmt.Errorf("projection: save: unsupported head %T", h)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("projection: save: %w", err)
	}
	f.Kind, f.Head = h.kind(), b
	out, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("projection: save: %w", err)
	}
	if _, err := w.Write(append(out, '\n')); err != nil {
		return fmt.Errorf("projection: save: %w", err)
	}
	return nil
}

// SaveFile is Save to a new file at path (replacing any old one).
func SaveFile(path string, h Head, meta any) error {
	var buf bytes.Buffer
	if err := Save(&buf, h, meta); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("projection: save: %w", err)
	}
	return nil
}

// maxLoadBytes bounds what Load reads (assumption: 1 GiB is far above any
// head in this project, e.g. 1600×1024 float64 towers are 17 MB).
const maxLoadBytes = 1 << 30

// Load reads a head written by Save. It is strict: an unknown format or
// version, unknown or missing fields, inconsistent shapes, non-finite
// numbers or trailing data are errors naming what is wrong (and the byte
// offset for malformed JSON). meta is the stored provenance, verbatim
// (nil if none).
func Load(r io.Reader) (h Head, meta json.RawMessage, err error) {
	data, err := io.ReadAll(io.LimitReader(r, maxLoadBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("projection: load: %w", err)
	}
	if len(data) > maxLoadBytes {
		return nil, nil, fmt.Errorf("projection: load: larger than %d bytes", maxLoadBytes)
	}
	var f fileJSON
	if err := strictDecode(data, &f); err != nil {
		return nil, nil, fmt.Errorf("projection: load: %w", err)
	}
	if f.Format != fileFormat {
		return nil, nil, fmt.Errorf("projection: load: format %q, want %q", f.Format, fileFormat)
	}
	if f.Version != fileVersion {
		return nil, nil, fmt.Errorf("projection: load: version %d not supported (this build reads version %d)", f.Version, fileVersion)
	}
	if len(f.Head) == 0 {
		return nil, nil, errors.New("projection: load: no head")
	}
	h, err = decodeHead(f.Kind, f.Head)
	if err != nil {
		return nil, nil, fmt.Errorf("projection: load: %s head: %w", f.Kind, err)
	}
	return h, f.Meta, nil
}

// LoadFile is Load from the file at path; errors name the file.
func LoadFile(path string) (Head, json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("projection: load: %w", err)
	}
	defer f.Close()
	h, meta, err := Load(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return h, meta, nil
}

// strictDecode decodes exactly one JSON value with no unknown fields and
// nothing after it.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("malformed JSON at byte %d: %w", se.Offset, err)
		case errors.As(err, &te):
			return fmt.Errorf("wrong type at byte %d: %w", te.Offset, err)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("truncated JSON at byte %d: %w", len(data), err)
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data at byte %d", dec.InputOffset())
	}
	return nil
}

func decodeHead(kind string, raw json.RawMessage) (Head, error) {
	switch kind {
	case "linear", "mlp":
		var c classifierJSON
		if err := strictDecode(raw, &c); err != nil {
			return nil, err
		}
		n, err := decodeNet(c.Net)
		if err != nil {
			return nil, err
		}
		if n.actLast {
			return nil, errors.New("a classifier's output layer has no activation")
		}
		if c.Classes < 2 || n.out() != c.Classes {
			return nil, fmt.Errorf("%d classes but the output layer has %d units", c.Classes, n.out())
		}
		if kind == "linear" {
			if len(n.sizes) != 1 {
				return nil, fmt.Errorf("a linear head has 1 layer, not %d", len(n.sizes))
			}
			return &Linear{classifier{net: n, classes: c.Classes}}, nil
		}
		if len(n.sizes) < 2 {
			return nil, errors.New("an MLP head needs a hidden layer")
		}
		return &MLP{classifier{net: n, classes: c.Classes}}, nil
	case "clip", "proto":
		var j pairJSON
		if err := strictDecode(raw, &j); err != nil {
			return nil, err
		}
		a, err := decodeNet(j.A)
		if err != nil {
			return nil, fmt.Errorf("tower a: %w", err)
		}
		b, err := decodeNet(j.B)
		if err != nil {
			return nil, fmt.Errorf("tower b: %w", err)
		}
		if a.out() != b.out() {
			return nil, fmt.Errorf("towers project to %d and %d dimensions", a.out(), b.out())
		}
		if j.Metric == nil {
			return nil, errors.New("missing metric")
		}
		p := pair{a: a, b: b, metric: *j.Metric}
		if kind == "proto" {
			if j.Loss != nil || j.LogitScale != nil {
				return nil, errors.New("a prototypical head has no loss or logit scale")
			}
			return &Proto{p}, nil
		}
		if j.Loss == nil || j.LogitScale == nil {
			return nil, errors.New("missing loss or logit_scale")
		}
		if *j.Loss < SoftCLIP || *j.Loss > SupCon {
			return nil, fmt.Errorf("loss %v", *j.Loss)
		}
		if s := *j.LogitScale; !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("logit scale %v must be positive and finite", s)
		}
		return &CLIP{pair: p, loss: *j.Loss, logitScale: *j.LogitScale}, nil
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}

// maxWidth bounds layer widths read from a file (assumption: far above the
// 2048-neuron reservoirs of PAPER §2.2; keeps in·out from overflowing).
const maxWidth = 1 << 20

func decodeNet(j netJSON) (*net, error) {
	if j.In < 1 || j.In > maxWidth {
		return nil, fmt.Errorf("input width %d outside [1, %d]", j.In, maxWidth)
	}
	if !j.Act.valid() {
		return nil, fmt.Errorf("activation %v", j.Act)
	}
	if !(j.Dropout >= 0 && j.Dropout < 1) {
		return nil, fmt.Errorf("dropout %v outside [0, 1)", j.Dropout)
	}
	if len(j.Layers) == 0 {
		return nil, errors.New("no layers")
	}
	if (j.Shift == nil) != (j.Scale == nil) {
		return nil, errors.New("standardisation needs both shift and scale")
	}
	if j.Shift != nil && (len(j.Shift) != j.In || len(j.Scale) != j.In) {
		return nil, fmt.Errorf("standardisation has %d shifts and %d scales for %d inputs", len(j.Shift), len(j.Scale), j.In)
	}
	if err := finite("shift", j.Shift); err != nil {
		return nil, err
	}
	if err := finite("scale", j.Scale); err != nil {
		return nil, err
	}
	sizes := make([]int, len(j.Layers))
	for l, lj := range j.Layers {
		if lj.Out < 1 || lj.Out > maxWidth {
			return nil, fmt.Errorf("layer %d: width %d outside [1, %d]", l, lj.Out, maxWidth)
		}
		sizes[l] = lj.Out
	}
	// Check every layer's data against its shape before allocating, so a
	// file cannot claim more than it holds.
	total, in := 0, j.In
	for l, lj := range j.Layers {
		if len(lj.W) != in*lj.Out || len(lj.B) != lj.Out {
			return nil, fmt.Errorf("layer %d: %d weights and %d biases, want %d×%d and %d", l, len(lj.W), len(lj.B), in, lj.Out, lj.Out)
		}
		if err := finite(fmt.Sprintf("layer %d weights", l), lj.W); err != nil {
			return nil, err
		}
		if err := finite(fmt.Sprintf("layer %d biases", l), lj.B); err != nil {
			return nil, err
		}
		total += len(lj.W) + len(lj.B)
		in = lj.Out
	}
	n := newNet(j.In, sizes, j.Act, j.ActLast)
	n.dropout = j.Dropout
	if j.Shift != nil {
		n.shift, n.scale = j.Shift, j.Scale
	}
	params := make([]float64, 0, total)
	for _, lj := range j.Layers {
		params = append(params, lj.W...)
		params = append(params, lj.B...)
	}
	n.bind(params)
	return n, nil
}

func finite(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d] is %v", what, i, x)
		}
	}
	return nil
}
