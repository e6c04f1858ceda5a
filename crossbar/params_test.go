package crossbar

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func mustPreset(t testing.TB, name string) Params {
	t.Helper()
	p, err := Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPresetsValidate(t *testing.T) {
	names := Presets()
	if len(names) == 0 || names[0] != "ideal" || names[1] != "lin2025" {
		t.Fatalf("Presets() = %v", names)
	}
	for _, n := range names {
		p := mustPreset(t, n)
		if err := p.Validate(); err != nil {
			t.Errorf("preset %s: %v", n, err)
		}
		if PresetDescription(n) == "" {
			t.Errorf("preset %s has no description", n)
		}
	}
	if _, err := Preset("nope"); err == nil || !strings.Contains(err.Error(), "lin2025") {
		t.Errorf("unknown preset error %v should list the presets", err)
	}
}

// The lin2025 values that other engineers and tests rely on, each from its
// source.
func TestLin2025Values(t *testing.T) {
	p := mustPreset(t, "lin2025")
	tests := []struct {
		name      string
		got, want float64
	}{
		{"rows (the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023)", float64(p.Rows), 512},
		{"cols (the 40 nm macro of Lin et al. 2025; device stack as in Wang et al., Nat. Mach. Intell. 2023)", float64(p.Cols), 512},
		{"lrs_mean µS (ESGNN cond_mean)", p.LRSMean.Micro(), 14.2473},
		// ESGNN cond_std 2.4624 µS as read, read noise 0.02 deconvolved:
		// √((2.4624² − (0.02·14.2473)²)/(1 + 0.02²)).
		{"lrs_std µS (ESGNN cond_std, deconvolved)", p.LRSStd.Micro(), math.Sqrt((2.4624*2.4624 - 0.02*0.02*14.2473*14.2473) / (1 + 0.02*0.02))},
		{"pristine MΩ (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023)", float64(p.PristineG.Ohms()) / 1e6, 10},
		{"read_noise (ESGNN --noise)", p.ReadNoise, 0.02},
		{"dac_bits (DAC80508)", float64(p.DACBits), 16},
		{"adc_bits (ADS8324)", float64(p.ADCBits), 14},
	}
	const tol = 1e-9 // exact constants
	for _, tc := range tests {
		if d := tc.got - tc.want; d > tol || d < -tol {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestSpecsCoverEveryField(t *testing.T) {
	typ := reflect.TypeFor[Params]()
	if len(specs) != typ.NumField() {
		t.Fatalf("%d specs for %d fields", len(specs), typ.NumField())
	}
	for i, s := range specs {
		f := typ.Field(i)
		if f.Tag.Get("json") != s.name {
			t.Errorf("spec %d is %q but field %d is %s (json %q): keep them in declaration order", i, s.name, i, f.Name, f.Tag.Get("json"))
		}
		if s.desc == "" || s.source == "" {
			t.Errorf("spec %s lacks a description or a source", s.name)
		}
	}
}

func TestTable(t *testing.T) {
	p := mustPreset(t, "ideal")
	tab := p.Table()
	if len(tab) != len(specs) {
		t.Fatalf("Table has %d rows, want %d", len(tab), len(specs))
	}
	changed := map[string]bool{}
	for _, r := range tab {
		if r.Changed {
			changed[r.Name] = true
		}
	}
	for _, n := range []string{"read_noise", "drift_nu_lrs", "drift_nu_hrs", "stuck_hrs_rate", "stuck_lrs_rate"} {
		if !changed[n] {
			t.Errorf("ideal preset: %s not marked changed", n)
		}
	}
	if len(changed) != 5 {
		t.Errorf("ideal preset: changed = %v, want exactly 5 fields", changed)
	}
}

func TestParamsJSONRoundTrip(t *testing.T) {
	for _, n := range Presets() {
		p := mustPreset(t, n)
		var buf bytes.Buffer
		if err := p.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		q, err := LoadParams(&buf)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if q != p {
			t.Errorf("%s: round trip changed the parameters:\n%+v\n%+v", n, p, q)
		}
	}
}

func TestLoadParamsStrict(t *testing.T) {
	var buf bytes.Buffer
	if err := mustPreset(t, "lin2025").WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(map[string]any)) string {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		f(c)
		b, _ := json.Marshal(c)
		return string(b)
	}
	tests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"unknown", edit(func(c map[string]any) { c["vbd_mean_typo"] = 1.0 }), []string{"unknown", "vbd_mean_typo"}},
		{"missing", edit(func(c map[string]any) { delete(c, "lrs_std"); delete(c, "rows") }), []string{"missing", "rows", "lrs_std"}},
		{"out of range", edit(func(c map[string]any) { c["read_noise"] = -0.1 }), []string{"read_noise", "outside"}},
		{"two bad fields", edit(func(c map[string]any) { c["adc_bits"] = 40.0; c["vbd_std"] = 0.0 }), []string{"adc_bits", "vbd_std"}},
		{"cross field", edit(func(c map[string]any) { c["lrs_min"] = 2e-4 }), []string{"lrs_min", "lrs_max"}},
		{"default forming outside limits", edit(func(c map[string]any) { c["max_form_v"] = 4.0 }), []string{"form_amplitude", "max_form_v"}},
		{"wrong type", edit(func(c map[string]any) { c["rows"] = []int{1} }), []string{"rows", "offset"}},
		{"bad string", edit(func(c map[string]any) { c["rows"] = "many" }), []string{"rows", "integer"}},
		{"string in the wrong unit", edit(func(c map[string]any) { c["wire_resistance"] = "2V" }), []string{"wire_resistance", "Ω"}},
		{"fractional int", edit(func(c map[string]any) { c["rows"] = 1.5 }), []string{"rows"}},
		{"syntax", `{"rows": 512,`, []string{"offset"}},
		{"empty", ``, []string{"params"}},
		{"not an object", `[1,2]`, []string{"params"}},
		{"trailing", buf.String() + `{}`, []string{"offset"}},
		{"null", edit(func(c map[string]any) { c["vbd_mean"] = nil }), []string{"vbd_mean"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadParams(strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "crossbar: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestValidateReportsEachField(t *testing.T) {
	p := mustPreset(t, "lin2025")
	p.Rows, p.ReadNoise, p.TIAGain = 0, 2, -1
	err := p.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Errorf("want one line per bad field, got %q", lines)
	}
}

func FuzzLoadParams(f *testing.F) {
	var buf bytes.Buffer
	_ = mustPreset(f, "lin2025").WriteJSON(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"rows":1}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadParams(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("LoadParams accepted invalid params: %v", err)
		}
		var out bytes.Buffer
		if err := p.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		q, err := LoadParams(&out)
		if err != nil || q != p {
			t.Fatalf("round trip: %v", err)
		}
	})
}
