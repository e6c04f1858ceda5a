package cost_test

import (
	"bytes"
	"flag"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
)

// TestSpecsCoverEveryField: every Tech field has exactly one table row, in
// declaration order, and every row names a source.
func TestSpecsCoverEveryField(t *testing.T) {
	var fields []string
	tt := reflect.TypeFor[cost.Tech]()
	for i := range tt.NumField() {
		sec := tt.Field(i)
		for j := range sec.Type.NumField() {
			fields = append(fields, sec.Tag.Get("json")+"."+sec.Type.Field(j).Tag.Get("json"))
		}
	}
	if !reflect.DeepEqual(fields, cost.Keys()) {
		t.Fatalf("table keys %v\nstruct fields %v", cost.Keys(), fields)
	}
	for _, p := range cost.Default().Table() {
		if p.Source == "" || p.Description == "" {
			t.Errorf("%s: empty description or source", p.Key)
		}
		if p.Assumption != strings.HasPrefix(p.Source, "assumption") {
			t.Errorf("%s: assumption flag %v but source %q", p.Key, p.Assumption, p.Source)
		}
	}
	if err := cost.Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSet(t *testing.T) {
	tech := cost.Default()
	for _, c := range []struct {
		kv   string
		key  string
		want float64
	}{
		{"cost.chip.adc_fom_j=10fJ", "chip.adc_fom_j", 10e-15},
		{"chip.adc_fom_j=5e-15", "chip.adc_fom_j", 5e-15},
		{"cost.board.adc_rate_hz=100kHz", "board.adc_rate_hz", 100e3},
		{"cost.board.soc_power_w=2W", "board.soc_power_w", 2},
		{"cost.board.settle_s=2us", "board.settle_s", 2e-6},
		{"cost.board.shift_cpd_f=50pF", "board.shift_cpd_f", 50e-12},
		{"cost.board.channels=32", "board.channels", 32},
		{"cost.digital.sram_capacity_bytes=1048576", "digital.sram_capacity_bytes", 1 << 20},
		{"cost.chip.cell_area_f2=12F²", "chip.cell_area_f2", 12},
	} {
		if err := tech.ParseSetting(c.kv); err != nil {
			t.Errorf("%s: %v", c.kv, err)
			continue
		}
		got, ok := tech.Value(c.key)
		if !ok || math.Abs(got-c.want) > 1e-12*c.want { // SI prefixes multiply: a last-bit difference
			t.Errorf("%s: %s = %v, want %v", c.kv, c.key, got, c.want)
		}
		if got2, _ := tech.Value("cost." + c.key); got2 != got {
			t.Errorf("Value with and without the prefix differ for %s", c.key)
		}
	}
	for _, c := range []struct{ kv, want string }{
		{"cost.chip.adc_fom=1", `unknown key "chip.adc_fom" (did you mean "cost.chip.adc_fom_j"?`},
		{"cost.zzz=1", "unknown key \"zzz\" (`memlsm cost params` lists every key)"},
		{"cost.board.channels=0", "board.channels = 0 outside [1, 4096]"},
		{"cost.board.channels=2.5", "board.channels = 2.5 must be a whole number"},
		{"cost.chip.adc_fom_j=lots", `cost: chip.adc_fom_j: units: cannot parse "lots"`},
		{"cost.board.soc_power_w", "not key=value"},
		{"cost.digital.sram_efficiency=NaN", "outside"},
	} {
		err := tech.ParseSetting(c.kv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.kv, err, c.want)
		}
	}
	if !cost.IsKey("cost.chip.adc_bits") || cost.IsKey("adc_bits") {
		t.Error("IsKey must recognise the cost. prefix only")
	}
}

func TestLoadTech(t *testing.T) {
	// A partial file merges over the defaults.
	tech, err := cost.LoadTech(strings.NewReader(`{"chip": {"adc_bits": 8, "adc_share": 4}, "gpu": {"die_area_mm2": 600}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := cost.Default()
	want.Chip.ADCBits, want.Chip.ADCShare, want.GPU.DieAreaMM2 = 8, 4, 600
	if tech != want {
		t.Errorf("partial load: %+v, want %+v", tech, want)
	}
	// A full file written by WriteJSON reads back exactly.
	var buf bytes.Buffer
	if err := tech.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := cost.LoadTech(&buf)
	if err != nil || back != tech {
		t.Errorf("round trip: %v, %+v", err, back)
	}
	for _, c := range []struct{ in, want string }{
		{`{"chip": {"adc_bitz": 8}}`, `unknown key "chip.adc_bitz"`},
		{`{"chipz": {"adc_bits": 8}}`, `unknown key "chipz.adc_bits"`},
		{`{"chip": {"adc_bits": "8"}}`, "chip.adc_bits: want a number"},
		{`{"chip": {"adc_bits": 99}}`, "chip.adc_bits = 99 outside"},
		{`{"chip": {"adc_bits": 8},}`, "byte offset"},
		{`[1, 2]`, "want an object of sections"},
	} {
		_, err := cost.LoadTech(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

func TestTechMarkdown(t *testing.T) {
	tech := cost.Default()
	if err := tech.Set("cost.chip.adc_bits", "8"); err != nil {
		t.Fatal(err)
	}
	md := tech.Markdown()
	if !strings.Contains(md, "| cost.chip.adc_bits | 8 (changed; default 0) |") {
		t.Errorf("changed value not marked:\n%s", md)
	}
	if n := strings.Count(md, "\n| cost."); n != len(cost.Keys()) {
		t.Errorf("%d rows, want %d", n, len(cost.Keys()))
	}
}

// TestSettings: one --set flag feeds both the macro's parameters and the
// cost technology, and refuses a bad key of either kind as it parses.
func TestSettings(t *testing.T) {
	var s cost.Settings
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&s, "set", "")
	if err := fs.Parse([]string{"--set", "adc_bits=8", "--set", "cost.chip.adc_share=4", "--set", "read_noise=0.05"}); err != nil {
		t.Fatal(err)
	}
	if len(s.Macro) != 2 || len(s.Cost) != 1 {
		t.Fatalf("macro %v, cost %v", s.Macro, s.Cost)
	}
	p, _ := crossbar.Preset("lin2025")
	if err := p.Apply(s.Macro...); err != nil || p.ADCBits != 8 || p.ReadNoise != 0.05 {
		t.Errorf("macro settings: %v, adc_bits %d, read_noise %g", err, p.ADCBits, p.ReadNoise)
	}
	tech, err := cost.Configure(nil, s.Cost)
	if err != nil || tech.Chip.ADCShare != 4 {
		t.Errorf("cost settings: %v, adc_share %g", err, tech.Chip.ADCShare)
	}
	for _, bad := range []string{"cost.chip.adc_sharez=4", "adc_bitz=8", "cost.chip.adc_share=0"} {
		if err := s.Set(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if got := s.String(); got != "adc_bits=8 read_noise=0.05 cost.chip.adc_share=4" {
		t.Errorf("String() = %q", got)
	}
}
