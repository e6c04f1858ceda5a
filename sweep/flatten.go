package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Field is one numeric leaf of a result: its dotted name (object keys and
// array indices joined by dots, e.g. "macro.regions.0.g_mean_us") and
// value. Booleans are 0 or 1.
type Field struct {
	Name  string
	Value float64
}

// Flatten walks a JSON document in order and returns its numeric and
// boolean leaves as dotted names. Strings and nulls are skipped. Any result
// type works without the sweep knowing it: a new field of a result is a
// new column.
func Flatten(doc []byte) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var out []Field
	var walk func(prefix string) error
	walk = func(prefix string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		join := func(k string) string {
			if prefix == "" {
				return k
			}
			return prefix + "." + k
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return err
					}
					if err := walk(join(kt.(string))); err != nil {
						return err
					}
				}
			case '[':
				for i := 0; dec.More(); i++ {
					if err := walk(join(strconv.Itoa(i))); err != nil {
						return err
					}
				}
			}
			_, err := dec.Token() // the closing delimiter
			return err
		case json.Number:
			f, err := strconv.ParseFloat(string(t), 64)
			if err != nil {
				return fmt.Errorf("%s: %w", prefix, err)
			}
			out = append(out, Field{prefix, f})
		case bool:
			v := 0.0
			if t {
				v = 1
			}
			out = append(out, Field{prefix, v})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, fmt.Errorf("sweep: flattening a result: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("sweep: flattening a result: trailing data")
	}
	return out, nil
}

// DefaultExclude are the result fields that are not table columns by
// default: the run's configuration echoed back (it is the input; the axes
// are its columns), per-fold, per-class, per-calibration-step and
// per-macro (tile) detail, and wall-clock figures, which differ from run to
// run (Volatile).
var DefaultExclude = []string{
	"seed", "*.seed",
	"encoder.*", "image.config.*", "audio.config.*", "*.config.*", "head.*", "features.*",
	"macro.params.*", "macro.forming.*", "macro.layouts.*", "macro.software",
	"fold_results.*", "confusion.*", "gains.*", "calibrations.*", "*.calibration.*",
	"*.trace.*", "trace.*",
	"*placements.*.tiles.*", // one entry per macro of a tiled reservoir (48 for a BTV encoder)
}

// Volatile are the wall-clock result fields: they differ between two runs
// of the same task, so they never enter the table (whose bytes must not
// depend on where or how fast it was made); the time of every task is in
// timings.csv instead. TestDeterministicColumns fails when a result gains
// a field that differs between runs and is not listed here.
var Volatile = []string{"seconds", "*.seconds", "*samples_per_s", "*.samples_per_s"}

// selector decides which flattened fields are columns.
type selector struct{ include, exclude []string }

func (c Columns) selector() selector {
	s := selector{include: c.Include, exclude: append([]string(nil), c.Exclude...)}
	if !c.NoDefaults {
		s.exclude = append(s.exclude, DefaultExclude...)
	}
	s.exclude = append(s.exclude, Volatile...) // never, whatever Include says
	return s
}

func (s selector) keep(name string) bool {
	for _, v := range Volatile {
		if glob(v, name) {
			return false
		}
	}
	for _, p := range s.include {
		if glob(p, name) {
			return true
		}
	}
	for _, p := range s.exclude {
		if glob(p, name) {
			return false
		}
	}
	return true
}

// glob matches name against pattern, in which * matches any run of
// characters (dots included) and every other character itself.
func glob(pattern, name string) bool {
	for {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			return pattern == name
		}
		if !strings.HasPrefix(name, pattern[:star]) {
			return false
		}
		name = name[star:]
		pattern = pattern[star+1:]
		if pattern == "" {
			return true
		}
		// Try every position for the rest of the pattern.
		for i := 0; i <= len(name); i++ {
			if glob(pattern, name[i:]) {
				return true
			}
		}
		return false
	}
}
