package convert

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// SetParam sets the field of a parameter struct (*SaccadeParams or
// *CochleaParams) whose JSON name is key from its text form: a number, a
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
