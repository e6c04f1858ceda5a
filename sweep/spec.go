package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Spec is a sweep: the base run every point starts from, the axes that vary,
// how points are drawn from them, and the replicate seeds. It is read from
// YAML or JSON (Parse, Load); see the package documentation for the format.
type Spec struct {
	// Name labels the sweep in plots and progress lines.
	Name string `yaml:"name" json:"name,omitempty"`
	// Run is the base experiment as a document of run keys (RunKeys):
	// "experiment" (classify or zeroshot), its data and protocol, the
	// macro, the encoder and the head. Every point is Run with its axis
	// values written in.
	Run map[string]any `yaml:"run" json:"run"`
	// Axes are the knobs that vary, in column order.
	Axes []Axis `yaml:"axes" json:"axes"`
	// Design draws the points from the axes (grid by default).
	Design Design `yaml:"design" json:"design"`
	// Seeds are the replicate seeds: every point runs once per seed, and
	// the seed is the experiment's seed (macro draw, folds, head).
	Seeds Seeds `yaml:"seeds" json:"seeds"`
	// Metric is the column the plots show; "" → "accuracy" for classify,
	// "unseen.audio_to_image" for zero-shot.
	Metric string `yaml:"metric" json:"metric,omitempty"`
	// Energy is the cost column of the accuracy–energy Pareto front; "" →
	// the first column of DefaultEnergyColumns the table has.
	Energy string `yaml:"energy" json:"energy,omitempty"`
	// Columns chooses which result fields become table columns.
	Columns Columns `yaml:"columns" json:"columns"`
}

// Axis is one knob that varies. Its values are an explicit list or a
// range; Name is the table column and, unless Keys is given, the knob.
type Axis struct {
	Name string `yaml:"name" json:"name"`
	// Keys are the knobs the axis sets, all to the same value (e.g. both
	// stuck-cell rates); empty → Name.
	Keys []string `yaml:"keys" json:"keys,omitempty"`
	// Values lists the values: numbers, booleans, or strings (a unit-
	// bearing quantity such as "100ns", or a choice such as "in-memory").
	Values []any `yaml:"values" json:"values,omitempty"`
	// Range spans numbers instead of a list.
	Range *Range `yaml:"range" json:"range,omitempty"`
	// Int rounds every value to the nearest integer (range axes of
	// integer knobs, e.g. adc_bits in a random design).
	Int bool `yaml:"int" json:"int,omitempty"`
}

// Range spans From…To (inclusive), linearly or (Log) geometrically. On a
// grid it gives N evenly spaced values, or the values From, From+Step, …
// up to To; random and Latin-hypercube designs draw continuously between
// From and To (log-uniformly with Log) and ignore N and Step. From and To
// are numbers or quantities with units ("100ns", "3.2V", "1d"), both in
// the same unit; values are in base SI units.
type Range struct {
	From any     `yaml:"from" json:"from"`
	To   any     `yaml:"to" json:"to"`
	N    int     `yaml:"n" json:"n,omitempty"`
	Step float64 `yaml:"step" json:"step,omitempty"`
	Log  bool    `yaml:"log" json:"log,omitempty"`
}

// Design kinds.
const (
	Grid   = "grid"   // every combination of the axes' values
	Random = "random" // Points independent uniform draws
	LHS    = "lhs"    // a Latin hypercube of Points draws
)

// Design says how points are drawn from the axes. In YAML it may be just
// the kind ("design: grid").
type Design struct {
	Kind   string `yaml:"kind" json:"kind"`
	Points int    `yaml:"points" json:"points,omitempty"` // random, lhs
	Seed   uint64 `yaml:"seed" json:"seed,omitempty"`     // random, lhs
}

// UnmarshalYAML accepts a bare kind or a mapping.
func (d *Design) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&d.Kind)
	}
	type plain Design
	return n.Decode((*plain)(d))
}

// Seeds are the replicate seeds. In YAML: a list ("seeds: [1, 2]"), a
// count ("seeds: 3" → 1, 2, 3) or {first: F, n: N}.
type Seeds []uint64

// UnmarshalYAML accepts a list, a count or {first, n}.
func (s *Seeds) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var c int
		if err := n.Decode(&c); err != nil {
			return err
		}
		return s.fill(1, c, n.Line)
	case yaml.MappingNode:
		var r struct {
			First uint64 `yaml:"first"`
			N     int    `yaml:"n"`
		}
		if err := n.Decode(&r); err != nil {
			return err
		}
		return s.fill(max(r.First, 1), r.N, n.Line)
	}
	var l []uint64
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

func (s *Seeds) fill(first uint64, n, line int) error {
	if n < 1 {
		return fmt.Errorf("line %d: seeds: want at least one seed, got %d", line, n)
	}
	*s = make(Seeds, n)
	for i := range *s {
		(*s)[i] = first + uint64(i)
	}
	return nil
}

// Columns chooses the result fields that become columns. A result is
// flattened into dotted names (Flatten); a field is a column unless it
// matches an Exclude pattern and no Include pattern. Patterns are globs
// in which * matches any run of characters, dots included.
type Columns struct {
	// Include keeps fields that Exclude (or the defaults) would drop.
	Include []string `yaml:"include" json:"include,omitempty"`
	// Exclude drops fields; it adds to DefaultExclude unless NoDefaults.
	Exclude []string `yaml:"exclude" json:"exclude,omitempty"`
	// NoDefaults turns DefaultExclude off.
	NoDefaults bool `yaml:"no_defaults" json:"no_defaults,omitempty"`
}

// Load reads a spec from a YAML or JSON file.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	return Parse(b, path)
}

// maxSpecBytes bounds a spec file: a spec is a page of text.
const maxSpecBytes = 4 << 20

// Parse reads a spec from YAML or JSON (JSON is read as YAML, of which it
// is a subset); name labels errors. Unknown keys are errors.
func Parse(b []byte, name string) (*Spec, error) {
	if len(b) > maxSpecBytes {
		return nil, fmt.Errorf("sweep: %s: %d bytes; a spec is at most %d", name, len(b), maxSpecBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("sweep: %s: empty spec", name)
		}
		return nil, fmt.Errorf("sweep: %s: %w", name, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("sweep: %s: more than one YAML document; a spec is one", name)
	}
	run, err := normalize(s.Run)
	if err != nil {
		return nil, fmt.Errorf("sweep: %s: run: %w", name, err)
	}
	s.Run, _ = run.(map[string]any)
	for i := range s.Axes {
		for j, v := range s.Axes[i].Values {
			if s.Axes[i].Values[j], err = normalize(v); err != nil {
				return nil, fmt.Errorf("sweep: %s: axis %q: %w", name, s.Axes[i].Name, err)
			}
		}
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", name, err)
	}
	return &s, nil
}

// normalize turns a decoded YAML value into the JSON data model: maps with
// string keys, []any, float64 numbers (whole numbers stay exact), strings
// and booleans.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("key %v is not a string", k)
			}
			n, err := normalize(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ks, err)
			}
			out[ks] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value %v (%T)", v, v)
}

// Validate checks the spec's shape: axes, design and seeds. Whether every
// axis names a real knob is checked by Plan, which builds every point.
func (s *Spec) Validate() error {
	if len(s.Run) == 0 {
		return errors.New("no run: the base experiment (run: {experiment: classify, data: …}) is required")
	}
	names := map[string]bool{}
	for i, a := range s.Axes {
		if a.Name == "" {
			return fmt.Errorf("axis %d has no name", i+1)
		}
		if reserved(a.Name) {
			return fmt.Errorf("axis %q: the name is reserved for a table column (%s)", a.Name, strings.Join(reservedColumns, ", "))
		}
		if names[a.Name] {
			return fmt.Errorf("axis %q appears twice", a.Name)
		}
		names[a.Name] = true
		if err := a.validate(); err != nil {
			return fmt.Errorf("axis %q: %w", a.Name, err)
		}
	}
	switch s.Design.Kind {
	case "", Grid:
		if s.Design.Points != 0 {
			return fmt.Errorf("design: a grid has every combination of the axes; points (%d) applies to random and lhs", s.Design.Points)
		}
	case Random, LHS:
		if s.Design.Points < 1 {
			return fmt.Errorf("design %s: points must be at least 1", s.Design.Kind)
		}
		if s.Design.Points > maxPoints {
			return fmt.Errorf("design %s: %d points; at most %d", s.Design.Kind, s.Design.Points, maxPoints)
		}
		if len(s.Axes) == 0 {
			return fmt.Errorf("design %s: no axes to draw", s.Design.Kind)
		}
	default:
		return fmt.Errorf("design %q: want grid, random or lhs", s.Design.Kind)
	}
	seen := map[uint64]bool{}
	for _, x := range s.Seeds {
		if seen[x] {
			return fmt.Errorf("seeds: %d appears twice", x)
		}
		seen[x] = true
	}
	if len(s.Seeds) > maxSeeds {
		return fmt.Errorf("seeds: %d; at most %d", len(s.Seeds), maxSeeds)
	}
	return nil
}

// Limits that keep a mistyped spec from planning forever.
const (
	maxPoints     = 1_000_000
	maxSeeds      = 10_000
	maxAxisValues = 100_000
)

// reservedColumns are the table's own columns, which no axis may be named.
var reservedColumns = []string{"point", "seed", "error"}

func reserved(name string) bool { return slices.Contains(reservedColumns, name) }

func (a Axis) validate() error {
	switch {
	case len(a.Values) > 0 && a.Range != nil:
		return errors.New("give values or range, not both")
	case len(a.Values) == 0 && a.Range == nil:
		return errors.New("no values and no range")
	case len(a.Values) > maxAxisValues:
		return fmt.Errorf("%d values; at most %d", len(a.Values), maxAxisValues)
	}
	for _, k := range a.Keys {
		if k == "" {
			return errors.New("an empty key")
		}
	}
	for _, v := range a.Values {
		switch v.(type) {
		case float64, string, bool:
		default:
			return fmt.Errorf("value %v: want a number, string or boolean", v)
		}
	}
	if a.Int {
		for _, v := range a.Values {
			if f, ok := v.(float64); ok && f != math.Round(f) {
				return fmt.Errorf("int axis: value %v is not whole", f)
			}
		}
	}
	if r := a.Range; r != nil {
		lo, hi, _, err := r.bounds()
		if err != nil {
			return err
		}
		if r.Log && !(lo > 0 && hi > 0) {
			return fmt.Errorf("log range %v…%v: both ends must be positive", lo, hi)
		}
		if r.N < 0 || r.Step < 0 {
			return errors.New("range: n and step must not be negative")
		}
		if r.N > 0 && r.Step > 0 {
			return errors.New("range: give n or step, not both")
		}
		if r.Log && r.Step > 0 {
			return errors.New("range: a log range takes n, not step")
		}
		if r.N > maxAxisValues || r.Step > 0 && math.Abs(hi-lo)/r.Step > maxAxisValues {
			return fmt.Errorf("range: more than %d values", maxAxisValues)
		}
		if r.N == 1 && lo != hi {
			return errors.New("range: n = 1 needs from = to")
		}
	}
	return nil
}

// bounds returns the range's ends in base units and their unit ("" for
// plain numbers).
func (r *Range) bounds() (lo, hi float64, unit string, err error) {
	lo, u1, err := quantity(r.From)
	if err != nil {
		return 0, 0, "", fmt.Errorf("range from: %w", err)
	}
	hi, u2, err := quantity(r.To)
	if err != nil {
		return 0, 0, "", fmt.Errorf("range to: %w", err)
	}
	if u1 != u2 {
		return 0, 0, "", fmt.Errorf("range %v…%v: the ends have different units (%q, %q)", r.From, r.To, u1, u2)
	}
	return lo, hi, u1, nil
}

// quantity reads a number or a quantity string ("100ns", "3.2V", "1d")
// as a float in base SI units and its unit symbol.
func quantity(v any) (float64, string, error) {
	switch x := v.(type) {
	case float64:
		return x, "", nil
	case int:
		return float64(x), "", nil
	case string:
		return ParseQuantity(x)
	case nil:
		return 0, "", errors.New("missing")
	}
	return 0, "", fmt.Errorf("%v is not a number or quantity", v)
}

// ParseQuantity reads "3.2", "100ns", "14uS", "2ohm", "10MΩ", "1.5h", "1d"
// or "1y" as a float in base SI units (seconds for durations) and its
// base unit ("" for a bare number). The SI prefixes are p n u µ m k M G;
// durations take ms s min h d (86 400 s) and y (365.25 d).
func ParseQuantity(s string) (float64, string, error) {
	t := strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		return f, "", nil
	}
	// Split the leading number from the suffix.
	i := 0
	for i < len(t) && strings.ContainsRune("0123456789+-.eE", rune(t[i])) {
		// An 'e' followed by no digit is the start of a suffix, not an exponent.
		if (t[i] == 'e' || t[i] == 'E') && (i+1 >= len(t) || !strings.ContainsRune("0123456789+-", rune(t[i+1]))) {
			break
		}
		i++
	}
	num, suf := t[:i], strings.TrimSpace(t[i:])
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || suf == "" {
		return 0, "", fmt.Errorf("%q is not a number or a quantity with a unit", s)
	}
	if d, ok := durations[suf]; ok {
		return f * d, "s", nil
	}
	for _, u := range unitSymbols {
		for _, sym := range u.symbols {
			p, ok := strings.CutSuffix(suf, sym)
			if !ok {
				continue
			}
			m, ok := prefixes[p]
			if !ok {
				continue
			}
			return f * m, u.base, nil
		}
	}
	return 0, "", fmt.Errorf("%q: unknown unit %q (want V, A, S, Ω/ohm, s, J, Hz, W with an SI prefix, or min, h, d, y)", s, suf)
}

var prefixes = map[string]float64{"": 1, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}

var durations = map[string]float64{"min": 60, "h": 3600, "d": 86400, "y": 365.25 * 86400}

// unitSymbols in matching order: longer symbols first, so "ohm" is not
// read as a prefix before "m".
var unitSymbols = []struct {
	base    string
	symbols []string
}{
	{"ohm", []string{"ohm", "Ω"}},
	{"Hz", []string{"Hz"}},
	{"V", []string{"V"}},
	{"A", []string{"A"}},
	{"S", []string{"S"}},
	{"J", []string{"J"}},
	{"W", []string{"W"}},
	{"s", []string{"s"}},
}

// canonical returns the spec as canonical JSON (sorted map keys), which
// identifies a sweep: a results folder belongs to exactly one.
func (s *Spec) canonical() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("sweep: marshalling a parsed spec: %v", err)) // only JSON data model values
	}
	return b
}
