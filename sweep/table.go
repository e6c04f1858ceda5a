package sweep

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
	"github.com/parquet-go/parquet-go"
)

// Table is the sweep's tidy table: one row per task (point, seed) in task
// order, with the columns point and seed, one column per axis, then one
// per result field in the order the results first show them. A result
// field named like an axis becomes "result.<name>". Numbers are float64
// (NaN where a row's result lacks the field); an axis whose values are not
// all numbers (or quantities such as "100ns", which are given in base SI
// units) is a string column. The last column, error, holds the error of a
// task whose experiment failed (its result columns are then missing) and
// is empty otherwise.
type Table struct {
	// Frame holds the columns: point and seed are series.Int, the rest
	// series.Float or series.String.
	Frame dataframe.DataFrame
	// Axes and Metrics name the axis and result columns.
	Axes, Metrics []string
}

// axisColumn returns an axis's values as table cells: float64 when every
// value is a number or a quantity, else strings.
func axisColumn(p *Plan, i int) (floats []float64, strs []string, numeric bool) {
	numeric = true
	floats = make([]float64, len(p.Points))
	for k, pt := range p.Points {
		switch v := pt.Values[i].(type) {
		case float64:
			floats[k] = v
		case string:
			f, unit, err := ParseQuantity(v)
			if err != nil || unit == "" {
				numeric = false
			}
			floats[k] = f
		default:
			numeric = false
		}
	}
	if numeric {
		return floats, nil, true
	}
	strs = make([]string, len(p.Points))
	for k, pt := range p.Points {
		strs[k] = formatValue(pt.Values[i])
	}
	return nil, strs, false
}

// NewTable builds the table of a complete set of records (Collect's, in
// task order).
func NewTable(p *Plan, recs []*Record) (*Table, error) {
	sel := p.Spec.Columns.selector()
	axisNames := map[string]bool{}
	for _, a := range p.Spec.Axes {
		axisNames[a.Name] = true
	}
	var names []string
	index := map[string]int{}
	rows := make([]map[int]float64, len(recs))
	for r, rec := range recs {
		rows[r] = map[int]float64{}
		if rec.Error != "" {
			continue
		}
		fs, err := Flatten(rec.Result)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rec.Task(), err)
		}
		for _, f := range fs {
			if !sel.keep(f.Name) {
				continue
			}
			name := f.Name
			if axisNames[name] || reserved(name) {
				name = "result." + name
			}
			j, ok := index[name]
			if !ok {
				j = len(names)
				index[name] = j
				names = append(names, name)
			}
			rows[r][j] = f.Value
		}
	}
	cols := []series.Series{}
	points := make([]int, len(recs))
	seeds := make([]int, len(recs))
	for r, rec := range recs {
		if rec.Seed > math.MaxInt64 {
			return nil, fmt.Errorf("sweep: seed %d does not fit a table column", rec.Seed)
		}
		points[r], seeds[r] = rec.Point, int(rec.Seed)
	}
	cols = append(cols, series.New(points, series.Int, "point"), series.New(seeds, series.Int, "seed"))
	t := &Table{}
	for i, a := range p.Spec.Axes {
		fl, st, num := axisColumn(p, i)
		if num {
			v := make([]float64, len(recs))
			for r, rec := range recs {
				v[r] = fl[rec.Point]
			}
			cols = append(cols, series.New(v, series.Float, a.Name))
		} else {
			v := make([]string, len(recs))
			for r, rec := range recs {
				v[r] = st[rec.Point]
			}
			cols = append(cols, series.New(v, series.String, a.Name))
		}
		t.Axes = append(t.Axes, a.Name)
	}
	for j, n := range names {
		v := make([]float64, len(recs))
		for r := range recs {
			x, ok := rows[r][j]
			if !ok {
				x = math.NaN()
			}
			v[r] = x
		}
		cols = append(cols, series.New(v, series.Float, n))
	}
	errs := make([]string, len(recs))
	for r, rec := range recs {
		errs[r] = rec.Error
	}
	cols = append(cols, series.New(errs, series.String, "error"))
	t.Metrics = names
	t.Frame = dataframe.New(cols...)
	if t.Frame.Err != nil {
		return nil, fmt.Errorf("sweep: building the table: %w", t.Frame.Err)
	}
	return t, nil
}

// WriteCSV writes a DataFrame as CSV with a header row. gota's own writer
// prints floats with %f (six decimals, so 2e-9 J would read 0.000000);
// here every float is in its shortest form that reads back to the same
// float64, and a missing value (NaN) is an empty field, which pandas and
// polars read as missing.
func WriteCSV(w io.Writer, df dataframe.DataFrame) error {
	if df.Err != nil {
		return df.Err
	}
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
			rec[j] = cell(c, i)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cell(c series.Series, i int) string {
	e := c.Elem(i)
	switch c.Type() {
	case series.Float:
		f := e.Float()
		if math.IsNaN(f) {
			return ""
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	case series.Int:
		v, err := e.Int()
		if err != nil {
			return ""
		}
		return strconv.Itoa(v)
	}
	return e.String()
}

// WriteParquet writes a DataFrame as one Parquet file (Snappy-compressed
// columns, one row group), which pandas (read_parquet), polars, DuckDB
// and Spark open directly. Int columns are INT64, float columns optional
// DOUBLE (NaN written as null), string columns UTF-8. Column order is the
// frame's.
func WriteParquet(w io.Writer, df dataframe.DataFrame) error {
	if df.Err != nil {
		return df.Err
	}
	names := df.Names()
	types := df.Types()
	// A struct type with one field per column keeps the column order (a
	// parquet.Group would sort the columns by name).
	fields := make([]reflect.StructField, len(names))
	for j, n := range names {
		var t reflect.Type
		tag := n
		switch types[j] {
		case series.Int:
			t = reflect.TypeFor[int64]()
		case series.Float:
			t = reflect.TypeFor[*float64]()
			tag += ",optional"
		default:
			t = reflect.TypeFor[string]()
		}
		fields[j] = reflect.StructField{Name: fmt.Sprintf("C%d", j), Type: t, Tag: reflect.StructTag(fmt.Sprintf("parquet:%q", tag))}
	}
	rowType := reflect.StructOf(fields)
	schema := parquet.SchemaOf(reflect.New(rowType).Interface())
	pw := parquet.NewGenericWriter[any](w, schema, parquet.Compression(&parquet.Snappy))
	cols := make([]series.Series, len(names))
	for j, n := range names {
		cols[j] = df.Col(n)
	}
	rows := make([]any, df.Nrow())
	for i := range rows {
		v := reflect.New(rowType).Elem()
		for j, c := range cols {
			e := c.Elem(i)
			switch types[j] {
			case series.Int:
				x, err := e.Int()
				if err != nil {
					return fmt.Errorf("sweep: column %s row %d: %w", names[j], i, err)
				}
				v.Field(j).SetInt(int64(x))
			case series.Float:
				if f := e.Float(); !math.IsNaN(f) {
					v.Field(j).Set(reflect.ValueOf(&f))
				}
			default:
				v.Field(j).SetString(e.String())
			}
		}
		rows[i] = v.Addr().Interface()
	}
	if _, err := pw.Write(rows); err != nil {
		return fmt.Errorf("sweep: writing parquet: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("sweep: writing parquet: %w", err)
	}
	return nil
}
