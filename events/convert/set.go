package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// SetParam sets the field of a parameter struct (*SaccadeParams,
// *CochleaParams, *RateParams or *MotorParams) whose JSON name is key from its text form: a number, a
// boolean, or a quantity with its unit for the unit-typed fields ("300Hz",
// "6ms"). An unknown key or a value that does not parse is an error naming
// the known keys; the range is left to the struct's Validate.
func SetParam(params any, key, value string) error {
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("convert: SetParam of %T, want a pointer to a parameter struct", params))
	}
	s := v.Elem()
	var names []string
	for i := range s.NumField() {
		name, _, _ := strings.Cut(s.Type().Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		if name != key {
			continue
		}
		f := s.Field(i)
		if u, ok := f.Addr().Interface().(interface{ Set(string) error }); ok {
			if err := u.Set(value); err != nil {
				return fmt.Errorf("convert: %s=%s: %w", key, value, err)
			}
			return nil
		}
		var err error
		switch f.Kind() {
		case reflect.Int:
			var n int64
			if n, err = strconv.ParseInt(value, 10, 0); err == nil {
				f.SetInt(n)
			}
		case reflect.Float64:
			var x float64
			if x, err = strconv.ParseFloat(value, 64); err == nil {
				f.SetFloat(x)
			}
		case reflect.Bool:
			var b bool
			if b, err = strconv.ParseBool(value); err == nil {
				f.SetBool(b)
			}
		default:
			return fmt.Errorf("convert: %s cannot be set from text (edit it in a --params file)", key)
		}
		if err != nil {
			return fmt.Errorf("convert: %s=%q is not a %s", key, value, f.Kind())
		}
		return nil
	}
	slices.Sort(names)
	return fmt.Errorf("convert: unknown parameter %q of %s (known: %s)", key, s.Type().Name(), strings.Join(names, ", "))
}

// NewParams returns the parameters of a converter, kind "cochlea"
// (*CochleaParams), "saccade" (*SaccadeParams), "rate" (*RateParams) or
// "motor" (*MotorParams): the defaults, replaced
// by the JSON document in file when file is not "" (unknown fields are
// errors), then each key=value of sets applied in order (SetParam), then
// validated.
func NewParams(kind, file string, sets [][2]string) (any, error) {
	var p interface{ Validate() error }
	switch kind {
	case "cochlea":
		c := DefaultCochleaParams()
		p = &c
	case "saccade":
		s := DefaultSaccadeParams()
		p = &s
	case "rate":
		r := RateParams{}.resolved()
		p = &r
	case "motor":
		m := DefaultMotorParams()
		p = &m
	default:
		return nil, fmt.Errorf("convert: unknown converter %q (want cochlea, saccade, rate or motor)", kind)
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
			return nil, fmt.Errorf("convert: %s: %w", file, err)
		}
	}
	for _, kv := range sets {
		if err := SetParam(p, kv[0], kv[1]); err != nil {
			return nil, paramError{err}
		}
	}
	if err := p.Validate(); err != nil {
		return nil, paramError{err}
	}
	return p, nil
}

// ErrParams marks parameters that are out of range or do not parse
// (NewParams), as opposed to a file that cannot be read.
var ErrParams = errors.New("convert: invalid parameters")

type paramError struct{ error }

func (e paramError) Is(target error) bool { return target == ErrParams }
func (e paramError) Unwrap() error        { return e.error }
