package calibrate

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// Tables are gota DataFrames written as CSV with a header row. gota's own
// writer prints floats with %f (six decimals), which would turn a 100 ns
// pulse width into 0.000000, so writeCSV formats floats in the shortest
// form that reads back to the same float64 ('g', -1), and readCSV checks
// the header and parses every field itself to name the line and column of
// a bad value.

// col is one column of a table's schema.
type col struct {
	name string
	typ  series.Type // series.Float, series.Int or series.String
}

// schema is the ordered list of a table's columns.
type schema []col

func (s schema) names() []string {
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = c.name
	}
	return out
}

// frame builds a DataFrame from columns given in schema order: []float64,
// []int or []string.
func frame(s schema, cols ...any) dataframe.DataFrame {
	if len(cols) != len(s) {
		panic(fmt.Sprintf("calibrate: frame: %d columns for a schema of %d", len(cols), len(s)))
	}
	ss := make([]series.Series, len(s))
	for i, c := range s {
		ss[i] = series.New(cols[i], c.typ, c.name)
	}
	df := dataframe.New(ss...)
	if df.Err != nil {
		panic(df.Err)
	}
	return df
}

// writeCSV writes df with every float in its shortest exact form.
func writeCSV(w io.Writer, df dataframe.DataFrame) error {
	cw := csv.NewWriter(w)
	names := df.Names()
	if err := cw.Write(names); err != nil {
		return err
	}
	cols := make([]series.Series, len(names))
	for j, n := range names {
		cols[j] = df.Col(n)
	}
	rec := make([]string, len(names))
	for i := range df.Nrow() {
		for j, c := range cols {
			e := c.Elem(i)
			switch c.Type() {
			case series.Float:
				rec[j] = strconv.FormatFloat(e.Float(), 'g', -1, 64)
			case series.Int:
				v, err := e.Int()
				if err != nil {
					return fmt.Errorf("calibrate: column %s row %d: %w", names[j], i, err)
				}
				rec[j] = strconv.Itoa(v)
			default:
				rec[j] = e.String()
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// readCSV reads a table written by writeCSV (or by another instrument in
// the same layout): the header must hold every column of s (extra columns
// are ignored) and every field must parse as its column's type. Errors
// name the file, line and column.
func readCSV(r io.Reader, name string, s schema) (dataframe.DataFrame, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return dataframe.DataFrame{}, fmt.Errorf("calibrate: %s: empty file (want a header with %s)", name, strings.Join(s.names(), ","))
		}
		return dataframe.DataFrame{}, fmt.Errorf("calibrate: %s: %w", name, err)
	}
	idx := make([]int, len(s))
	var missing []string
	for i, c := range s {
		idx[i] = -1
		for j, h := range header {
			if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == c.name {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return dataframe.DataFrame{}, fmt.Errorf("calibrate: %s line 1: missing column(s) %s", name, strings.Join(missing, ", "))
	}
	floats := make([][]float64, len(s))
	ints := make([][]int, len(s))
	strs := make([][]string, len(s))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return dataframe.DataFrame{}, fmt.Errorf("calibrate: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		for i, c := range s {
			f := strings.TrimSpace(rec[idx[i]])
			switch c.typ {
			case series.Float:
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					return dataframe.DataFrame{}, fmt.Errorf("calibrate: %s line %d column %s: %q is not a number", name, line, c.name, f)
				}
				floats[i] = append(floats[i], v)
			case series.Int:
				v, err := strconv.Atoi(f)
				if err != nil {
					return dataframe.DataFrame{}, fmt.Errorf("calibrate: %s line %d column %s: %q is not an integer", name, line, c.name, f)
				}
				ints[i] = append(ints[i], v)
			default:
				strs[i] = append(strs[i], f)
			}
		}
	}
	cols := make([]any, len(s))
	for i, c := range s {
		switch c.typ {
		case series.Float:
			cols[i] = orEmpty(floats[i])
		case series.Int:
			cols[i] = orEmpty(ints[i])
		default:
			cols[i] = orEmpty(strs[i])
		}
	}
	return frame(s, cols...), nil
}

func orEmpty[T any](x []T) []T {
	if x == nil {
		return []T{}
	}
	return x
}

// floats returns a float column of df (NaN for a missing column, which
// the schema check on reading rules out).
func floats(df dataframe.DataFrame, name string) []float64 {
	return df.Col(name).Float()
}

// ints returns an int column of df.
func ints(df dataframe.DataFrame, name string) []int {
	v, err := df.Col(name).Int()
	if err != nil {
		panic(fmt.Sprintf("calibrate: column %s: %v", name, err))
	}
	return v
}

// strs returns a string column of df.
func strs(df dataframe.DataFrame, name string) []string {
	return df.Col(name).Records()
}

// finite reports whether every value is finite.
func finite(x ...float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// JSONSafe returns v as plain maps, slices and scalars that encoding/json
// can always encode: every NaN or infinite float becomes null (JSON has
// no NaN, and an analysis reports "not measured" as NaN). Struct fields
// follow their json tags ("-" skipped, omitempty honoured for zero
// values).
func JSONSafe(v any) any { return jsonSafe(reflect.ValueOf(v)) }

func jsonSafe(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if m, ok := v.Interface().(json.Marshaler); ok && v.Kind() != reflect.Pointer {
		return m
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonSafe(v.Elem())
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return f
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := v.Field(i)
			if strings.Contains(opts, "omitempty") && fv.IsZero() {
				continue
			}
			out[name] = jsonSafe(fv)
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonSafe(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		it := v.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = jsonSafe(it.Value())
		}
		return out
	}
	return v.Interface()
}
