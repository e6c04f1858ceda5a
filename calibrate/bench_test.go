package calibrate

import (
	"context"
	"math"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
)

// BenchmarkFormRamp32x32 runs the form-finder's default ramp over 32×32
// pristine cells of a fresh 32×32 simulated array (making the array is
// part of each iteration: a formed array cannot be ramped again).
func BenchmarkFormRamp32x32(b *testing.B) {
	p := mustPreset(b)
	p.Rows, p.Cols = 32, 32
	cfg, err := Config{}.Resolve(p, p.Limits())
	if err != nil {
		b.Fatal(err)
	}
	r := crossbar.Region{Rows: 32, Cols: 32}
	for b.Loop() {
		m, err := crossbar.NewModel(p, 1)
		if err != nil {
			b.Fatal(err)
		}
		s := newSession(m, p.Limits())
		s.bar = nopProgress{}
		if _, err := cfg.Form.run(context.Background(), s, r, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitProbit25 fits a normal CDF to 25 amplitudes (the switch
// experiment's default grid).
func BenchmarkFitProbit25(b *testing.B) {
	v, n, k := make([]float64, 25), make([]int, 25), make([]int, 25)
	for i := range v {
		v[i] = 3.2 + 0.05*float64(i)
		n[i] = 64
		k[i] = int(math.Round(64 * normCDF((v[i]-3.8)/0.2)))
	}
	for b.Loop() {
		if _, err := fitProbit(v, n, k); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeForm1024 analyses a 32×32 form-finder table.
func BenchmarkAnalyzeForm1024(b *testing.B) {
	p := mustPreset(b)
	p.Rows, p.Cols = 32, 32
	cfg, _ := Config{}.Resolve(p, p.Limits())
	m, _ := crossbar.NewModel(p, 1)
	s := newSession(m, p.Limits())
	s.bar = nopProgress{}
	tables, err := cfg.Form.run(context.Background(), s, crossbar.Region{Rows: 32, Cols: 32}, 1)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := AnalyzeForm(cfg.Form, tables["cells"], 0); err != nil {
			b.Fatal(err)
		}
	}
}
