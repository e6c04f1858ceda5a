package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Volts is an electric potential in volts.
type Volts float64

// Amps is an electric current in amperes.
type Amps float64

// Siemens is an electric conductance in siemens.
type Siemens float64

// Ohms is an electric resistance in ohms.
type Ohms float64

// Seconds is a duration in seconds. It is a float64 rather than a
// time.Duration because device physics spans 1e-9 s pulses and 1e7 s
// retention with the same relative precision.
type Seconds float64

// Joules is an energy in joules.
type Joules float64

// Hertz is a frequency in hertz.
type Hertz float64

// Watts is a power in watts.
type Watts float64

// Farads is a capacitance in farads.
type Farads float64

func (v Volts) String() string   { return format(float64(v), "V") }
func (a Amps) String() string    { return format(float64(a), "A") }
func (g Siemens) String() string { return format(float64(g), "S") }
func (r Ohms) String() string    { return format(float64(r), "Ω") }
func (s Seconds) String() string { return format(float64(s), "s") }
func (e Joules) String() string  { return format(float64(e), "J") }
func (f Hertz) String() string   { return format(float64(f), "Hz") }
func (p Watts) String() string   { return format(float64(p), "W") }
func (c Farads) String() string  { return format(float64(c), "F") }

// Set parses s (see the package documentation) into v.
func (v *Volts) Set(s string) error { return set((*float64)(v), s, "V") }

// Set parses s (see the package documentation) into a.
func (a *Amps) Set(s string) error { return set((*float64)(a), s, "A") }

// Set parses s (see the package documentation) into g.
func (g *Siemens) Set(s string) error { return set((*float64)(g), s, "S") }

// Set parses s (see the package documentation) into r. "ohm" is accepted
// for "Ω".
func (r *Ohms) Set(s string) error { return set((*float64)(r), s, "Ω", "ohm", "Ohm") }

// Set parses s (see the package documentation) into d.
func (d *Seconds) Set(s string) error { return set((*float64)(d), s, "s") }

// Set parses s (see the package documentation) into e.
func (e *Joules) Set(s string) error { return set((*float64)(e), s, "J") }

// Set parses s (see the package documentation) into f.
func (f *Hertz) Set(s string) error { return set((*float64)(f), s, "Hz") }

// Set parses s (see the package documentation) into p.
func (p *Watts) Set(s string) error { return set((*float64)(p), s, "W") }

// Set parses s (see the package documentation) into c.
func (c *Farads) Set(s string) error { return set((*float64)(c), s, "F") }

// Calendar units ParseDuration accepts besides seconds with an SI prefix.
// A year is the Julian year of 365.25 days (the IAU's light-year year).
var calendar = []struct {
	sym   string
	scale float64
}{{"min", 60}, {"h", 3600}, {"d", 86400}, {"w", 7 * 86400}, {"y", 365.25 * 86400}}

// ParseDuration parses a duration that may be long: either a Seconds value
// as Set reads it ("100ns", "2.5ks", "1e3", "1s") or a number followed by
// one of min, h, d, w (week) or y (Julian year, 365.25 d): "1h", "1.5d",
// "1y". The result is finite and ≥ 0. "m" alone means milli, as in every
// other unit, so a minute is "1min".
func ParseDuration(s string) (Seconds, error) {
	t := strings.TrimSpace(s)
	for _, c := range calendar {
		if num, ok := strings.CutSuffix(t, c.sym); ok && num != "" && strings.TrimSpace(num) == num {
			if x, err := strconv.ParseFloat(num, 64); err == nil {
				return checkDuration(s, x*c.scale)
			}
		}
	}
	var d Seconds
	if err := d.Set(t); err != nil {
		return 0, fmt.Errorf("units: cannot parse %q as a duration (want e.g. \"100ns\", \"1s\", \"30min\", \"1h\", \"1d\", \"1y\")", s)
	}
	return checkDuration(s, float64(d))
}

func checkDuration(in string, x float64) (Seconds, error) {
	if !(x >= 0) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("units: duration %q: want a finite duration ≥ 0", in)
	}
	return Seconds(x), nil
}

// Micro returns g in microsiemens, the unit conductances are quoted in.
func (g Siemens) Micro() float64 { return float64(g) * 1e6 }

// Ohms returns the resistance 1/g.
func (g Siemens) Ohms() Ohms { return Ohms(1 / float64(g)) }

// Siemens returns the conductance 1/r.
func (r Ohms) Siemens() Siemens { return Siemens(1 / float64(r)) }

type prefix struct {
	sym   string
	scale float64
}

// prefixes in descending order, used by format.
var prefixes = []prefix{
	{"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}, {"", 1},
	{"m", 1e-3}, {"µ", 1e-6}, {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15},
}

func format(x float64, unit string) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', -1, 64) + unit
	}
	ax := math.Abs(x)
	for _, p := range prefixes {
		if ax >= p.scale*(1-1e-12) {
			return strconv.FormatFloat(x/p.scale, 'g', 6, 64) + p.sym + unit
		}
	}
	p := prefixes[len(prefixes)-1]
	return strconv.FormatFloat(x/p.scale, 'g', 6, 64) + p.sym + unit
}

var parsePrefix = map[string]float64{
	"T": 1e12, "G": 1e9, "M": 1e6, "k": 1e3, "K": 1e3,
	"m": 1e-3, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15,
}

func set(dst *float64, s string, units ...string) error {
	in := s
	s = strings.TrimSpace(s)
	// Strip the unit symbol, if any.
	for _, u := range units {
		if strings.HasSuffix(s, u) {
			s = strings.TrimSpace(strings.TrimSuffix(s, u))
			break
		}
	}
	// Longest numeric prefix that parses.
	num := s
	scale := 1.0
	if s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		if p, ok := parsePrefix[string(r)]; ok {
			// "1e-3m" is fine, but a bare "m" is not a number.
			num, scale = strings.TrimSpace(s[:len(s)-size]), p
		}
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("units: cannot parse %q as %s (want a number with an optional SI prefix, e.g. \"3.2%s\" or \"100m%s\")", in, units[0], units[0], units[0])
	}
	*dst = x * scale
	return nil
}

// Age is a time span that reads long durations as well as SI ones ("1h",
// "1d", "1y", "300ms"; ParseDuration); it is a flag.Value.
type Age Seconds

func (a *Age) String() string { return Seconds(*a).String() }

// Set parses s with ParseDuration.
func (a *Age) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*a = Age(d)
	return nil
}
