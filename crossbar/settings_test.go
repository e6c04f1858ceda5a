package crossbar

import (
	"bytes"
	"flag"
	"math"
	"strings"
	"testing"
)

var _ flag.Value = (*Settings)(nil)

func TestSetUnits(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		get        func(Params) float64
		want       float64
	}{
		{"wire_resistance", "2ohm", func(p Params) float64 { return float64(p.WireResistance) }, 2},
		{"wire_resistance", "2Ω", func(p Params) float64 { return float64(p.WireResistance) }, 2},
		{"wire_resistance", "0.5", func(p Params) float64 { return float64(p.WireResistance) }, 0.5},
		{"form_width", "100ns", func(p Params) float64 { return float64(p.FormWidth) }, 100e-9},
		{"form_amplitude", "3.5V", func(p Params) float64 { return float64(p.FormAmplitude) }, 3.5},
		{"form_amplitude", "3500mV", func(p Params) float64 { return float64(p.FormAmplitude) }, 3.5},
		{"lrs_mean", "14uS", func(p Params) float64 { return float64(p.LRSMean) }, 14e-6},
		{"lrs_mean", "14µS", func(p Params) float64 { return float64(p.LRSMean) }, 14e-6},
		{"parasitic_cap", "50fF", func(p Params) float64 { return float64(p.ParasiticCap) }, 50e-15},
		{"compliance_ref", "5uA", func(p Params) float64 { return float64(p.ComplianceRef) }, 5e-6},
		{"energy_adc", "60nJ", func(p Params) float64 { return float64(p.EnergyADC) }, 60e-9},
		{"read_noise", "0.05", func(p Params) float64 { return p.ReadNoise }, 0.05},
		{"read_noise", "5%", func(p Params) float64 { return p.ReadNoise }, 0.05},
		{"adc_bits", "8", func(p Params) float64 { return float64(p.ADCBits) }, 8},
		{"analog_diff", "1", func(p Params) float64 { return float64(p.AnalogDiff) }, 1},
		{"analog_diff", "true", func(p Params) float64 { return float64(p.AnalogDiff) }, 1},
		{"analog_diff", "off", func(p Params) float64 { return float64(p.AnalogDiff) }, 0},
	} {
		p := mustPreset(t, "lin2025")
		if err := p.Set(tc.key, tc.value); err != nil {
			t.Errorf("Set(%s, %s): %v", tc.key, tc.value, err)
			continue
		}
		if got := tc.get(p); math.Abs(got-tc.want) > 1e-12*math.Abs(tc.want) {
			t.Errorf("Set(%s, %s) gave %g, want %g", tc.key, tc.value, got, tc.want)
		}
	}
}

// Every bad setting is one error that names the key and says what was
// wanted; p is left unchanged.
func TestSetErrors(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       []string
	}{
		{"adc_bit", "6", []string{`"adc_bit"`, "did you mean", "adc_bits"}},
		{"wire_resistence", "2ohm", []string{"wire_resistance"}},
		{"noise", "0.1", []string{"read_noise"}},
		{"zzzzzzzzzzzzzz", "1", []string{"unknown parameter", "macro info"}},
		{"adc_bits", "6.5", []string{"adc_bits", "integer"}},
		{"adc_bits", "40", []string{"adc_bits", "outside", "24"}},
		{"adc_bits", "2", []string{"adc_bits", "outside"}},
		{"read_noise", "-0.1", []string{"read_noise", "outside"}},
		{"read_noise", "lots", []string{"read_noise", "plain number"}},
		{"wire_resistance", "2V", []string{"wire_resistance", "Ω", "2ohm"}},
		{"form_amplitude", "3.5A", []string{"form_amplitude", "V"}},
		{"form_width", "0s", []string{"form_width", "outside", "("}},
		{"analog_diff", "2", []string{"analog_diff", "outside"}},
		{"analog_diff", "maybe", []string{"analog_diff", "0 or 1"}},
		{"read_noise", "NaN", []string{"read_noise"}},
	} {
		p := mustPreset(t, "lin2025")
		before := p
		err := p.Set(tc.key, tc.value)
		if err == nil {
			t.Errorf("Set(%s, %s): no error", tc.key, tc.value)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Set(%s, %s): error %q does not mention %q", tc.key, tc.value, err, w)
			}
		}
		if strings.Count(err.Error(), "\n") != 0 || !strings.HasPrefix(err.Error(), "crossbar: ") {
			t.Errorf("Set(%s, %s): want one line with the package prefix, got %q", tc.key, tc.value, err)
		}
		if p != before {
			t.Errorf("Set(%s, %s) changed p despite the error", tc.key, tc.value)
		}
	}
}

func TestParseSettingAndApply(t *testing.T) {
	var ss Settings
	for _, s := range []string{"read_noise=0.05", "adc_bits=8", " wire_resistance = 2ohm ", "adc_bits=6"} {
		if err := ss.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if got := ss.String(); got != "read_noise=0.05 adc_bits=8 wire_resistance=2ohm adc_bits=6" {
		t.Errorf("String() = %q", got)
	}
	p := mustPreset(t, "lin2025")
	if err := p.Apply(ss...); err != nil {
		t.Fatal(err)
	}
	if p.ReadNoise != 0.05 || p.ADCBits != 6 || p.WireResistance != 2 {
		t.Errorf("applied %+v", p)
	}
	for _, bad := range []string{"read_noise", "=1", "read_noise=", "nope=1", "adc_bits=1e3"} {
		if _, err := ParseSetting(bad); err == nil {
			t.Errorf("ParseSetting(%q): no error", bad)
		}
	}
	// Cross-field constraints are checked once everything is applied, and
	// leave p unchanged when they fail.
	p = mustPreset(t, "lin2025")
	before := p
	err := p.Apply(Setting{"lrs_std", "20uS"})
	if err == nil || !strings.Contains(err.Error(), "lrs_std") || p != before {
		t.Errorf("lrs_std above lrs_mean: err %v, changed %v", err, p != before)
	}
	err = p.Apply(Setting{"form_amplitude", "5.5V"})
	if err == nil || !strings.Contains(err.Error(), "form_amplitude") {
		t.Errorf("form_amplitude above max_form_v: %v", err)
	}
	// …but a constraint broken by one setting and repaired by a later one
	// is fine.
	if err := p.Apply(Setting{"max_form_v", "5V"}, Setting{"form_amplitude", "4.9V"}); err != nil {
		t.Error(err)
	}
}

// A partial file merges over its preset and equals the full file that
// WriteJSONPreset writes for the same parameters.
func TestPartialParamsFile(t *testing.T) {
	p, preset, err := ReadParams(strings.NewReader(`{"preset": "lin2025", "adc_bits": 6, "wire_resistance": "2ohm", "form_width": 1e-5}`))
	if err != nil {
		t.Fatal(err)
	}
	want := mustPreset(t, "lin2025")
	want.ADCBits, want.WireResistance, want.FormWidth = 6, 2, 1e-5
	if p != want || preset != "lin2025" {
		t.Errorf("partial file gave %+v (preset %q)", p, preset)
	}
	var full bytes.Buffer
	if err := p.WriteJSONPreset(&full, "lin2025"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(full.String(), "{\n  \"preset\": \"lin2025\",\n  \"rows\": 512,") {
		t.Errorf("full file starts %q", full.String()[:min(60, full.Len())])
	}
	q, preset, err := ReadParams(&full)
	if err != nil || q != p || preset != "lin2025" {
		t.Errorf("full file read back: %v, equal %v, preset %q", err, q == p, preset)
	}
	// The ideal preset as base.
	q, _, err = ReadParams(strings.NewReader(`{"preset":"ideal","read_noise":0.01}`))
	if err != nil || q.ReadNoise != 0.01 || q.DriftNuLRS != 0 {
		t.Errorf("over ideal: %v %+v", err, q)
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"preset":"lin2024","adc_bits":6}`, []string{"unknown preset", "lin2025"}},
		{`{"preset":7}`, []string{"preset", "string"}},
		{`{"preset":"lin2025","adc_bit":6}`, []string{"adc_bit", "did you mean", "adc_bits"}},
		{`{"preset":"lin2025","adc_bits":60}`, []string{"adc_bits", "outside"}},
		{`{"preset":"lin2025","adc_bits":"six"}`, []string{"adc_bits", "integer"}},
		{`{"preset":"lin2025","lrs_std":2e-5}`, []string{"lrs_std", "lrs_mean"}},
		{`{"adc_bits":6}`, []string{"missing field", "rows", `"preset"`}},
		{`null`, []string{"params"}},
	} {
		_, _, err := ReadParams(strings.NewReader(tc.in))
		if err == nil {
			t.Errorf("%s: no error", tc.in)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.in, err, w)
			}
		}
	}
}
