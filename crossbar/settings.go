package crossbar

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/units"
)

// Overriding parameters one at a time.
//
// Every field of Params has a key, its JSON name ("read_noise",
// "wire_resistance", "form_amplitude"), and Set changes one field from a
// string in the field's unit: an SI number with an optional prefix and the
// unit symbol ("2ohm", "2Ω", "100ns", "3.5V", "14uS", "20fF", "1e-6"), a
// percentage for dimensionless fractions ("2%"), an integer for counts, and
// 0/1 (or false/true, off/on) for switches. A command line's repeatable
// `--set key=value` is a Settings, applied over a preset or a parameter
// file by Apply.

// Setting is one key=value override of a Params field.
type Setting struct {
	Key, Value string
}

func (s Setting) String() string { return s.Key + "=" + s.Value }

// ParseSetting parses "key=value", checking that key names a parameter
// (the error suggests the nearest key) and that the value parses in its
// unit and lies in its range.
func ParseSetting(s string) (Setting, error) {
	k, v, ok := strings.Cut(s, "=")
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !ok || k == "" || v == "" {
		return Setting{}, fmt.Errorf("crossbar: setting %q: want key=value, e.g. read_noise=0.05 or wire_resistance=2ohm", s)
	}
	var p Params
	if err := p.Set(k, v); err != nil {
		return Setting{}, err
	}
	return Setting{Key: k, Value: v}, nil
}

// Settings is a list of overrides in command-line order; it is a
// flag.Value whose Set appends one "key=value", so a flag of this type is
// repeatable.
type Settings []Setting

func (s *Settings) String() string {
	if s == nil {
		return ""
	}
	parts := make([]string, len(*s))
	for i, x := range *s {
		parts[i] = x.String()
	}
	return strings.Join(parts, " ")
}

// Set parses and appends one "key=value" (flag.Value).
func (s *Settings) Set(v string) error {
	x, err := ParseSetting(v)
	if err != nil {
		return err
	}
	*s = append(*s, x)
	return nil
}

// Apply sets every override on p in order (a later one wins), then
// validates the result as a whole (cross-field constraints). Each error
// names the key.
func (p *Params) Apply(settings ...Setting) error {
	q := *p
	for _, s := range settings {
		if err := q.Set(s.Key, s.Value); err != nil {
			return err
		}
	}
	if err := q.Validate(); err != nil {
		return err
	}
	*p = q
	return nil
}

// Set changes the parameter named key (its JSON name) to value, parsed in
// the parameter's unit (see the package's notes on settings). An unknown
// key, a value that does not parse, and a value outside the parameter's
// range are each one error naming the key; p is unchanged on error.
// Constraints between fields (lrs_std below lrs_mean, the forming pulse
// within the limits …) are checked by Validate, which Apply calls.
func (p *Params) Set(key, value string) error {
	i, ok := fieldIndex[key]
	if !ok {
		return unknownKeyError(key)
	}
	s := specs[specIndex[key]]
	x, err := parseValue(s, value)
	if err != nil {
		return err
	}
	if err := s.check(x); err != nil {
		return err
	}
	f := reflect.ValueOf(p).Elem().Field(i)
	if f.CanInt() {
		f.SetInt(int64(x))
	} else {
		f.SetFloat(x)
	}
	return nil
}

// specIndex maps a JSON name to its index in specs.
var specIndex = func() map[string]int {
	m := make(map[string]int, len(specs))
	for i, s := range specs {
		m[s.name] = i
	}
	return m
}()

// check reports a value outside the spec's range.
func (s paramSpec) check(x float64) error {
	if math.IsNaN(x) || x < s.min || (s.minOpen && x == s.min) || x > s.max {
		lo := "["
		if s.minOpen {
			lo = "("
		}
		unit := ""
		if s.unit != "" {
			unit = " " + s.unit
		}
		return fmt.Errorf("crossbar: param %s: %g%s outside %s%g, %g]%s", s.name, x, unit, lo, s.min, s.max, unit)
	}
	return nil
}

// parseValue parses value in the unit of spec s.
func parseValue(s paramSpec, value string) (float64, error) {
	v := strings.TrimSpace(value)
	bad := func(want string) error {
		return fmt.Errorf("crossbar: param %s: cannot parse %q (want %s)", s.name, value, want)
	}
	if s.isInt() {
		switch strings.ToLower(v) {
		case "true", "on", "yes":
			if s.max == 1 {
				return 1, nil
			}
		case "false", "off", "no":
			if s.max == 1 {
				return 0, nil
			}
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			if s.max == 1 {
				return 0, bad("0 or 1")
			}
			return 0, bad("an integer")
		}
		return float64(n), nil
	}
	if s.unit == "" {
		num, pct := strings.CutSuffix(v, "%")
		x, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, bad(`a plain number, e.g. 0.05 or 5%`)
		}
		if pct {
			x /= 100
		}
		return x, nil
	}
	parse, ok := unitParsers[s.unit]
	if !ok {
		panic("crossbar: no parser for unit " + s.unit) // TestSpecsCoverEveryField checks every unit has one
	}
	x, err := parse(v)
	if err != nil {
		return 0, bad(fmt.Sprintf("a value in %s with an optional SI prefix, e.g. %s", s.unit, example(s.unit)))
	}
	return x, nil
}

func example(unit string) string {
	switch unit {
	case "V":
		return `"3.5V" or "250mV"`
	case "s":
		return `"100ns" or "1us"`
	case "S":
		return `"14uS"`
	case "Ω":
		return `"2ohm" or "10kΩ"`
	case "A":
		return `"5uA"`
	case "J":
		return `"60nJ"`
	case "F":
		return `"20fF"`
	}
	return `"1"`
}

// unitParsers parse a value in each unit of specs (units' Set: SI prefix,
// optional symbol).
var unitParsers = map[string]func(string) (float64, error){
	"V": func(v string) (float64, error) { var u units.Volts; err := u.Set(v); return float64(u), err },
	"s": func(v string) (float64, error) { var u units.Seconds; err := u.Set(v); return float64(u), err },
	"S": func(v string) (float64, error) { var u units.Siemens; err := u.Set(v); return float64(u), err },
	"Ω": func(v string) (float64, error) { var u units.Ohms; err := u.Set(v); return float64(u), err },
	"A": func(v string) (float64, error) { var u units.Amps; err := u.Set(v); return float64(u), err },
	"J": func(v string) (float64, error) { var u units.Joules; err := u.Set(v); return float64(u), err },
	"F": func(v string) (float64, error) { var u units.Farads; err := u.Set(v); return float64(u), err },
}

// unknownKeyError names the nearest keys to a mistyped one.
func unknownKeyError(key string) error {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	lk := strings.ToLower(key)
	for _, s := range specs {
		d := editDistance(lk, s.name)
		if strings.Contains(s.name, lk) || strings.Contains(lk, s.name) {
			d = min(d, 2)
		}
		cs = append(cs, cand{s.name, d})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	limit := max(2, len(key)/3)
	var near []string
	for _, c := range cs {
		if c.d > limit || len(near) == 3 {
			break
		}
		near = append(near, c.name)
	}
	if len(near) == 0 {
		return fmt.Errorf("crossbar: unknown parameter %q (memlsm macro info lists every parameter)", key)
	}
	return fmt.Errorf("crossbar: unknown parameter %q: did you mean %s?", key, strings.Join(near, ", "))
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
