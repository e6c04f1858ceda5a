package sweep_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/sweep"
)

const runBase = "run: {experiment: classify, data: \"synthetic:4\"}\n"

func points(t *testing.T, spec string) [][]any {
	t.Helper()
	p := mustPlan(t, spec)
	var out [][]any
	for _, pt := range p.Points {
		out = append(out, pt.Values)
	}
	return out
}

func TestGridOrderAndRanges(t *testing.T) {
	got := points(t, runBase+`
axes:
  - {name: adc_bits, values: [8, 14]}
  - {name: read_noise, range: {from: 0.01, to: 1, n: 3, log: true}}
`)
	want := [][]any{{8.0, 0.01}, {8.0, 0.1}, {8.0, 1.0}, {14.0, 0.01}, {14.0, 0.1}, {14.0, 1.0}}
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			g, w := got[i][j].(float64), want[i][j].(float64)
			if math.Abs(g-w) > 1e-12*w { // closed form: 10^(−2 + k)
				t.Errorf("point %d axis %d: %v, want %v", i, j, g, w)
			}
		}
	}
	// A stepped range with units; int rounding merges levels.
	got = points(t, runBase+`
axes:
  - {name: wire_resistance, range: {from: 0ohm, to: 2ohm, step: 0.5}}
`)
	if len(got) != 5 || got[4][0] != 2.0 {
		t.Errorf("stepped range: %v, want 0, 0.5, …, 2", got)
	}
	got = points(t, runBase+`
axes:
  - {name: adc_bits, int: true, range: {from: 6, to: 8, n: 5}}
`)
	if fmt.Sprint(got) != "[[6] [7] [8]]" {
		t.Errorf("int range: %v, want 6, 7, 8 (6, 6.5→7, 7, 7.5→8, 8 merged)", got)
	}
}

// A Latin hypercube puts exactly one draw in each of n equal strata of
// every axis; the design depends on its seed alone.
func TestLatinHypercube(t *testing.T) {
	spec := runBase + `
axes:
  - {name: read_noise, range: {from: 0, to: 0.1}}
  - {name: stuck_hrs_rate, range: {from: 0.0001, to: 0.01, log: true}}
design: {kind: lhs, points: 20, seed: 7}
`
	pts := points(t, spec)
	if len(pts) != 20 {
		t.Fatalf("%d points", len(pts))
	}
	for axis, tr := range []func(float64) float64{
		func(x float64) float64 { return x / 0.1 },
		func(x float64) float64 { return (math.Log(x) - math.Log(1e-4)) / (math.Log(1e-2) - math.Log(1e-4)) },
	} {
		strata := make([]int, 20)
		for _, p := range pts {
			strata[min(int(tr(p[axis].(float64))*20), 19)]++
		}
		for k, c := range strata {
			if c != 1 {
				t.Errorf("axis %d stratum %d holds %d points, want 1", axis, k, c)
			}
		}
	}
	if again := points(t, spec); fmt.Sprint(again) != fmt.Sprint(pts) {
		t.Error("the same seed drew another design")
	}
	if other := points(t, strings.Replace(spec, "seed: 7", "seed: 8", 1)); fmt.Sprint(other) == fmt.Sprint(pts) {
		t.Error("another seed drew the same design")
	}
	// Random: list axes draw from their values.
	rnd := points(t, runBase+`
axes: [{name: mode, values: [read-once, in-memory]}]
design: {kind: random, points: 30, seed: 1}
`)
	seen := map[any]int{}
	for _, p := range rnd {
		seen[p[0]]++
	}
	if len(seen) != 2 {
		t.Errorf("random draws over a list of two: %v", seen)
	}
}

// Every mistake is one error naming the place, before anything runs.
func TestSpecErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{runBase + "axes: [{name: adc_bits, values: [6], colour: red}]", "colour"},
		{runBase + "axis: []", "axis"},
		{runBase + "axes: [{name: adc_bits}]", "no values and no range"},
		{runBase + "axes: [{name: adc_bits, values: [1], range: {from: 1, to: 2, n: 2}}]", "not both"},
		{runBase + "axes: [{name: adc_bit, values: [6]}]", `unknown parameter "adc_bit": did you mean adc_bits`},
		{runBase + "axes: [{name: read_noise, values: [-1]}]", "read_noise"},
		{runBase + "axes: [{name: lsm.nuerons, values: [6]}]", "nuerons"},
		{runBase + "axes: [{name: cost.chip.adc_bitz, values: [6]}]", `did you mean "cost.chip.adc_bits"`},
		{runBase + "axes: [{name: cost.board.channels, values: [0]}]", "board.channels = 0 outside"},
		{runBase + "axes: [{name: mode, values: [sideways]}]", "sideways"},
		{runBase + "axes: [{name: seed, values: [1]}]", "reserved"},
		{runBase + "axes: [{name: x, keys: [cv], values: [1]}]", "cv 1"},
		{runBase + "axes: [{name: read_noise, range: {from: 0, to: 1, log: true, n: 3}}]", "positive"},
		{runBase + "axes: [{name: form_width, range: {from: 1us, to: 2V, n: 3}}]", "different units"},
		{runBase + "design: {kind: lhs}", "points"},
		{runBase + "design: sobol", "sobol"},
		{runBase + "seeds: [1, 1]", "twice"},
		{runBase + "axes: [{name: drift_comp, values: [true]}]", "drift_comp needs an age"},
		{runBase + "axes: [{name: age, values: [soon]}]", "age"},
		{runBase + "axes: [{name: form_amplitude, values: [99V]}]", "form_amplitude"},
		{"run: {experiment: classify}", "needs data"},
		{"run: {experiment: regress, data: x}", "regress"},
		{"axes: []", "no run"},
		{"", "empty"},
	} {
		s, err := sweep.Parse([]byte(c.spec), "bad.yaml")
		if err == nil {
			_, err = sweep.NewPlan(s)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("spec %q: error %v, want one mentioning %q", c.spec, err, c.want)
		}
	}
}

func TestJSONSpecAndSeeds(t *testing.T) {
	p := mustPlan(t, `{"run": {"experiment": "classify", "data": "synthetic:4"},
		"axes": [{"name": "stuck", "keys": ["stuck_hrs_rate", "stuck_lrs_rate"], "values": [0.001, 0.01]}],
		"seeds": {"first": 5, "n": 3}}`)
	if !slices.Equal(p.Seeds, []uint64{5, 6, 7}) || len(p.Tasks()) != 6 {
		t.Errorf("seeds %v, %d tasks", p.Seeds, len(p.Tasks()))
	}
	if p2 := mustPlan(t, runBase+"seeds: 2"); !slices.Equal(p2.Seeds, []uint64{1, 2}) {
		t.Errorf("seeds: 2 → %v", p2.Seeds)
	}
}

func TestShards(t *testing.T) {
	p := mustPlan(t, runBase+"axes: [{name: adc_bits, values: [8, 10, 12, 14, 16]}]\nseeds: 2")
	seen := map[sweep.Task]int{}
	for i := range 3 {
		for _, task := range (sweep.Shard{I: i, N: 3}).Tasks(p) {
			seen[task]++
		}
	}
	if len(seen) != 10 {
		t.Errorf("3 shards cover %d of 10 tasks", len(seen))
	}
	for task, n := range seen {
		if n != 1 {
			t.Errorf("%s in %d shards", task, n)
		}
	}
	for _, bad := range []string{"3/3", "-1/2", "1", "a/b", "0/0"} {
		if _, err := sweep.ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	for _, c := range []struct {
		in   string
		v    float64
		unit string
	}{
		{"3.2", 3.2, ""}, {"100ns", 100e-9, "s"}, {"14uS", 14e-6, "S"}, {"2ohm", 2, "ohm"}, {"10MΩ", 10e6, "ohm"},
		{"3.5V", 3.5, "V"}, {"1d", 86400, "s"}, {"1y", 365.25 * 86400, "s"}, {"1e-3", 1e-3, ""}, {"5mV", 5e-3, "V"},
	} {
		v, u, err := sweep.ParseQuantity(c.in)
		if err != nil || math.Abs(v-c.v) > 1e-12*math.Abs(c.v) || u != c.unit {
			t.Errorf("ParseQuantity(%q) = %v %q %v, want %v %q", c.in, v, u, err, c.v, c.unit)
		}
	}
	for _, bad := range []string{"", "V", "3.2X", "1e", "fast"} {
		if _, _, err := sweep.ParseQuantity(bad); err == nil {
			t.Errorf("ParseQuantity(%q) accepted", bad)
		}
	}
}

// Student's t 95 % intervals: t₀.₉₇₅ with 1 degree of freedom is
// 12.7062, with 4 it is 2.7764 (standard tables).
func TestMeanCI(t *testing.T) {
	s := sweep.MeanCI([]float64{1, 3})
	if math.Abs(s.Mean-2) > 1e-12 || math.Abs(s.HalfWidth-12.7062*math.Sqrt2/math.Sqrt2) > 1e-3 {
		t.Errorf("MeanCI(1, 3) = %+v, want mean 2, half-width 12.706·√2/√2", s)
	}
	s = sweep.MeanCI([]float64{1, 2, 3, 4, 5, math.NaN()})
	want := 2.7764 * math.Sqrt(2.5) / math.Sqrt(5)
	if s.N != 5 || math.Abs(s.HalfWidth-want) > 1e-3 {
		t.Errorf("MeanCI(1…5) = %+v, want n 5, half-width %v", s, want)
	}
	if s := sweep.MeanCI([]float64{7}); s.Mean != 7 || !math.IsNaN(s.HalfWidth) {
		t.Errorf("one replicate: %+v", s)
	}
}

// A cost-model key is an axis like a macro parameter: it prices the
// results with another technology (package cost).
func TestCostAxis(t *testing.T) {
	got := points(t, runBase+"axes: [{name: cost.chip.adc_share, values: [1, 8]}, {name: adc_bits, values: [8]}]")
	if len(got) != 2 {
		t.Fatalf("points %v, want two", got)
	}
}
