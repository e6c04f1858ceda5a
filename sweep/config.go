package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/projection"
	"github.com/memlsm/memlsm/units"
)

// runConfig is a run document decoded: the keys of Spec.Run, which are the
// run keys (RunKeys). Encoder and head sections stay raw until the data's
// sensor is known, because their defaults depend on it.
type runConfig struct {
	Experiment string `json:"experiment"`

	// classify
	Data         string  `json:"data"`
	Test         string  `json:"test"`
	CV           int     `json:"cv"`
	Split        string  `json:"split"`
	TestFraction float64 `json:"test_fraction"`
	PerClass     int     `json:"per_class"`

	// zeroshot
	Images       string    `json:"images"`
	Audio        string    `json:"audio"`
	TestImages   string    `json:"test_images"`
	TestAudio    string    `json:"test_audio"`
	Seen         classList `json:"seen"`
	Unseen       classList `json:"unseen"`
	PairAll      bool      `json:"pair_all"`
	TestPerClass int       `json:"test_per_class"`

	// the macro
	Preset   string          `json:"preset"`
	Params   string          `json:"params"`
	Set      map[string]any  `json:"set"`
	Mode     experiment.Mode `json:"mode"`
	Software bool            `json:"software"`
	// Age runs the experiment on the array as it is this long after
	// forming ("1h", "1d", "1y", or seconds); DriftComp adds the global
	// drift compensation (experiment.Macro).
	Age       any  `json:"age"`
	DriftComp bool `json:"drift_comp"`

	// encoders and head
	LSMPreset    string          `json:"lsm_preset"`
	Binning      string          `json:"binning"`
	Encoder      json.RawMessage `json:"encoder"`
	ImageEncoder json.RawMessage `json:"image_encoder"`
	AudioEncoder json.RawMessage `json:"audio_encoder"`
	Head         json.RawMessage `json:"head"`
	Features     json.RawMessage `json:"features"`

	Workers int `json:"workers"`
}

// RunKeys lists the keys of a run document (Spec.Run), each of which is
// also an axis name: an axis named by a run key sets it, one named
// "key.sub.field" sets a field inside it (encoder, head, features), and
// "lsm.field" is short for "encoder.reservoir.field", and "cost.section.key"
// sets the technology the results are priced with (package cost). Any
// other name is a macro parameter (a crossbar.Params JSON name such as
// adc_bits, set as with --set).
func RunKeys() []string {
	var out []string
	for _, f := range jsonFields(runConfig{}) {
		out = append(out, f)
	}
	return out
}

// jsonFields lists the JSON names of a struct's fields.
func jsonFields(v any) []string {
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	return slices.Sorted(maps.Keys(m))
}

// classList is a list of class names, written as a list ("[1, 2, 3]") or a
// range string ("1-7", "1,2,5-7").
type classList []string

func (c *classList) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		l, err := parseClassList(s)
		*c = l
		return err
	}
	var xs []any
	if err := json.Unmarshal(b, &xs); err != nil {
		return fmt.Errorf("want a list of classes or a string such as \"1-7\"")
	}
	*c = make(classList, len(xs))
	for i, x := range xs {
		(*c)[i] = formatValue(x)
	}
	return nil
}

// parseClassList reads "1-7" or "1,2,5-7" (numeric ranges expand) or
// plain names separated by commas.
func parseClassList(s string) (classList, error) {
	var out classList
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, ok := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if ok && err1 == nil && err2 == nil {
			if b < a || b-a > 1000 {
				return nil, fmt.Errorf("class range %q", part)
			}
			for k := a; k <= b; k++ {
				out = append(out, strconv.Itoa(k))
			}
			continue
		}
		out = append(out, part)
	}
	return out, nil
}

// keyPath resolves an axis key to a path in the run document.
func keyPath(key string) ([]string, error) {
	parts := strings.Split(key, ".")
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("key %q has an empty part", key)
		}
	}
	if parts[0] == "lsm" && len(parts) > 1 {
		return append([]string{"encoder", "reservoir"}, parts[1:]...), nil
	}
	if slices.Contains(RunKeys(), parts[0]) {
		if len(parts) > 1 && !slices.Contains(nestedKeys, parts[0]) {
			return nil, fmt.Errorf("key %q: %s is a plain run key with no fields", key, parts[0])
		}
		return parts, nil
	}
	if cost.IsKey(key) {
		return []string{"set", key}, nil // a cost-model key (memlsm cost params), set with the macro's
	}
	if len(parts) > 1 {
		return nil, fmt.Errorf("key %q: %q is not a run key (%s) nor lsm nor cost", key, parts[0], strings.Join(RunKeys(), ", "))
	}
	return []string{"set", key}, nil
}

// nestedKeys are the run keys whose value is an object with fields.
var nestedKeys = []string{"encoder", "image_encoder", "audio_encoder", "head", "features", "set"}

// withValues returns a deep copy of the run document with the point's
// values written at their axes' keys.
func (p *Plan) withValues(pt Point) (map[string]any, error) {
	doc := deepCopy(p.Spec.Run).(map[string]any)
	for i, a := range p.Spec.Axes {
		keys := a.Keys
		if len(keys) == 0 {
			keys = []string{a.Name}
		}
		for _, k := range keys {
			path, err := keyPath(k)
			if err != nil {
				return nil, fmt.Errorf("axis %q: %w", a.Name, err)
			}
			if err := setPath(doc, path, pt.Values[i]); err != nil {
				return nil, fmt.Errorf("axis %q: %w", a.Name, err)
			}
		}
	}
	return doc, nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// setPath sets doc[path[0]][path[1]]… = v, creating objects on the way.
func setPath(doc map[string]any, path []string, v any) error {
	m := doc
	for i, k := range path[:len(path)-1] {
		next, ok := m[k]
		if !ok || next == nil {
			n := map[string]any{}
			m[k] = n
			m = n
			continue
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is %v, not an object with fields", strings.Join(path[:i+1], "."), next)
		}
		m = nm
	}
	m[path[len(path)-1]] = v
	return nil
}

// decodeRun decodes a run document strictly: an unknown key is an error.
func decodeRun(doc map[string]any) (*runConfig, error) {
	var rc runConfig
	if err := strictJSON(doc, &rc); err != nil {
		return nil, err
	}
	switch rc.Experiment {
	case "classify":
		if rc.Data == "" {
			return nil, errors.New("classify needs data (a source such as nmnist:DIR)")
		}
		if rc.Images != "" || rc.Audio != "" {
			return nil, errors.New("classify takes data (and test), not images/audio")
		}
		if rc.CV == 1 || rc.CV < 0 {
			return nil, fmt.Errorf("cv %d: want K ≥ 2", rc.CV)
		}
		switch rc.Split {
		case "", "speaker":
		default:
			return nil, fmt.Errorf("split %q: want speaker", rc.Split)
		}
	case "zeroshot":
		if rc.Images == "" || rc.Audio == "" {
			return nil, errors.New("zeroshot needs images and audio sources")
		}
		if rc.Data != "" || rc.CV != 0 || rc.Split != "" {
			return nil, errors.New("zeroshot takes images and audio, not data, cv or split")
		}
	case "":
		return nil, errors.New("no experiment (want classify or zeroshot)")
	default:
		return nil, fmt.Errorf("experiment %q: want classify or zeroshot", rc.Experiment)
	}
	if rc.PerClass < 0 || rc.Workers < 0 || rc.TestPerClass < 0 {
		return nil, errors.New("per_class, test_per_class and workers must not be negative")
	}
	switch rc.Binning {
	case "", "default", "paper":
	default:
		return nil, fmt.Errorf("binning %q: want default or paper", rc.Binning)
	}
	if rc.LSMPreset != "" {
		if _, err := lsm.Preset(rc.LSMPreset); err != nil {
			return nil, err
		}
	}
	return &rc, nil
}

// strictJSON decodes v (JSON data model) into dst, refusing unknown keys.
func strictJSON(v any, dst any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return strictUnmarshal(b, dst)
}

func strictUnmarshal(b []byte, dst any) error {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	return nil
}

// params builds the macro parameters: the preset, a params file over it,
// then the run's settings in key order.
func (rc *runConfig) params() (crossbar.Params, error) {
	name := rc.Preset
	if name == "" {
		name = "lin2025"
	}
	p, err := crossbar.Preset(name)
	if err != nil {
		return p, err
	}
	if rc.Params != "" {
		f, err := os.Open(rc.Params)
		if err != nil {
			return p, fmt.Errorf("params: %w", err)
		}
		p, _, err = crossbar.ReadParams(f) // a partial file merges over its "preset"
		f.Close()
		if err != nil {
			return p, fmt.Errorf("params %s: %w", rc.Params, err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rc.Set)) {
		if cost.IsKey(k) {
			continue // priced by macro's cost technology, not a macro parameter
		}
		if err := setParam(&p, k, formatValue(rc.Set[k])); err != nil {
			return p, err
		}
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

// setParam sets one macro parameter by its JSON name, exactly as the
// command line's --set does (crossbar.Params.Set: units, percentages and
// ranges checked, the nearest key suggested for a typo).
func setParam(p *crossbar.Params, key, value string) error {
	return p.Set(key, value)
}

// macro builds the experiment's Macro from the run.
func (rc *runConfig) macro() (experiment.Macro, error) {
	m := experiment.Macro{Mode: rc.Mode, Software: rc.Software, DriftComp: rc.DriftComp}
	switch a := rc.Age.(type) {
	case nil:
	case float64:
		m.Age = units.Seconds(a)
	case string:
		d, err := units.ParseDuration(a)
		if err != nil {
			return m, fmt.Errorf("age: %w", err)
		}
		m.Age = d
	default:
		return m, fmt.Errorf("age %v: want a duration such as 1d or a number of seconds", a)
	}
	if m.Age < 0 {
		return m, fmt.Errorf("age %v: must not be negative", rc.Age)
	}
	if m.DriftComp && m.Age == 0 {
		return m, errors.New("drift_comp needs an age (the compensation scales the array at that age)")
	}
	// cost.* settings choose the technology the results are priced with.
	tech, changed := cost.Default(), false
	for _, k := range slices.Sorted(maps.Keys(rc.Set)) {
		if cost.IsKey(k) {
			if err := tech.Set(k, formatValue(rc.Set[k])); err != nil {
				return m, err
			}
			changed = true
		}
	}
	if changed {
		m.Cost = &tech
	}
	if rc.Software {
		return m, nil
	}
	p, err := rc.params()
	if err != nil {
		return m, err
	}
	m.Params = p
	return m, nil
}

// encoder builds one encoder's configuration for a sensor: the binning
// (default or paper), the LSM preset, then the shared encoder section and
// the modality's own section over them.
func (rc *runConfig) encoder(s events.Sensor, sections ...json.RawMessage) (experiment.EncoderConfig, error) {
	var ec experiment.EncoderConfig
	if (rc.Binning == "paper" || rc.Binning == "") && rc.LSMPreset != "" {
		b, err := experiment.PresetBinning(rc.LSMPreset, s)
		if err != nil {
			return ec, err
		}
		ec.Binning = b
	} else if rc.Binning == "paper" {
		ec.Binning = experiment.PaperBinning(s)
	} else {
		ec.Binning = experiment.DefaultBinning(s)
	}
	if rc.LSMPreset != "" {
		c, err := lsm.Preset(rc.LSMPreset)
		if err != nil {
			return ec, err
		}
		if c.Windows == 0 {
			c.Windows = 1 // the paper's single rate
		}
		ec.Reservoir = c
	}
	for _, sec := range sections {
		if err := strictUnmarshal(sec, &ec); err != nil {
			return ec, fmt.Errorf("encoder: %w", err)
		}
	}
	return ec, nil
}

// classifyHead builds the classification head: "paper" starts from the
// paper's readout for the sensor, then the head section applies.
func (rc *runConfig) classifyHead(s events.Sensor) (experiment.HeadConfig, error) {
	var h experiment.HeadConfig
	var kind struct {
		Kind string `json:"kind"`
	}
	_ = json.Unmarshal(rc.Head, &kind)
	sec := rc.Head
	if kind.Kind == "paper" {
		h.Kind = "linear"
		h.Linear = projection.LinearNTIDIGITS()
		if s.Is2D() {
			h.Linear = projection.LinearNMNIST()
		}
		var m map[string]any
		_ = json.Unmarshal(rc.Head, &m)
		delete(m, "kind")
		sec, _ = json.Marshal(m)
	}
	if err := strictUnmarshal(sec, &h); err != nil {
		return h, fmt.Errorf("head: %w", err)
	}
	return h, nil
}

// features decodes the features section.
func (rc *runConfig) features() (experiment.FeatureConfig, error) {
	var f experiment.FeatureConfig
	if err := strictUnmarshal(rc.Features, &f); err != nil {
		return f, fmt.Errorf("features: %w", err)
	}
	return f, nil
}

// zeroShotHead builds the contrastive head: the default, then the head
// section over it.
func (rc *runConfig) zeroShotHead() (*projection.CLIPConfig, error) {
	h := experiment.DefaultZeroShotHead()
	if err := strictUnmarshal(rc.Head, &h); err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	return &h, nil
}

// check builds everything of a run that does not need its data, so that a
// bad key or value is reported before any point runs.
func (rc *runConfig) check() error {
	if _, err := rc.macro(); err != nil {
		return err
	}
	if _, err := rc.features(); err != nil {
		return err
	}
	var ec experiment.EncoderConfig
	for _, sec := range []json.RawMessage{rc.Encoder, rc.ImageEncoder, rc.AudioEncoder} {
		if err := strictUnmarshal(sec, &ec); err != nil {
			return fmt.Errorf("encoder: %w", err)
		}
	}
	if rc.Experiment == "zeroshot" {
		_, err := rc.zeroShotHead()
		return err
	}
	_, err := rc.classifyHead(events.Sensor{})
	return err
}

// sources lists the data sources the run reads.
func (rc *runConfig) sources() []string {
	var out []string
	for _, s := range []string{rc.Data, rc.Test, rc.Images, rc.Audio, rc.TestImages, rc.TestAudio} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
