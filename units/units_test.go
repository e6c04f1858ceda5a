package units

import (
	"flag"
	"math"
	"testing"
)

var (
	_ flag.Value = (*Volts)(nil)
	_ flag.Value = (*Amps)(nil)
	_ flag.Value = (*Siemens)(nil)
	_ flag.Value = (*Ohms)(nil)
	_ flag.Value = (*Seconds)(nil)
	_ flag.Value = (*Joules)(nil)
	_ flag.Value = (*Hertz)(nil)
	_ flag.Value = (*Watts)(nil)
	_ flag.Value = (*Farads)(nil)
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"1s", 1}, {"100ns", 100e-9}, {"2.5ks", 2500}, {"1e3", 1000}, {"1ms", 1e-3},
		{"30min", 1800}, {"1h", 3600}, {"1.5d", 1.5 * 86400}, {"2w", 14 * 86400},
		{"1y", 365.25 * 86400}, {" 10y ", 3652.5 * 86400}, {"0", 0},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tc.in, err)
			continue
		}
		if math.Abs(float64(got)-tc.want) > 1e-12*tc.want {
			t.Errorf("ParseDuration(%q) = %g, want %g", tc.in, float64(got), tc.want)
		}
	}
	for _, in := range []string{"", "h", "-1s", "-1y", "1 y", "1yr", "1hh", "inf", "NaN", "1V", "y1"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestSetParses(t *testing.T) {
	for _, tc := range []struct {
		in   string
		set  func(string) (float64, error)
		want float64
	}{
		{"3.2V", volts, 3.2},
		{"3.2", volts, 3.2},
		{" 250 mV ", volts, 0.25},
		{"-1.5V", volts, -1.5},
		{"100ns", secs, 100e-9},
		{"1e-3", secs, 1e-3},
		{"2.5us", secs, 2.5e-6},
		{"2.5µs", secs, 2.5e-6},
		{"10MΩ", ohms, 10e6},
		{"10Mohm", ohms, 10e6},
		{"20k", ohms, 20e3},
		{"14.25uS", siemens, 14.25e-6},
		{"14.25µS", siemens, 14.25e-6},
		{"100uA", amps, 100e-6},
		{"8kHz", hertz, 8000},
	} {
		got, err := tc.set(tc.in)
		if err != nil {
			t.Errorf("Set(%q): %v", tc.in, err)
			continue
		}
		if math.Abs(got-tc.want) > 1e-12*math.Abs(tc.want) {
			t.Errorf("Set(%q) = %g, want %g", tc.in, got, tc.want)
		}
	}
}

func TestSetRejects(t *testing.T) {
	for _, in := range []string{"", "V", "m", "abc", "3.2A", "NaN", "Inf", "1..2V", "3 V V"} {
		if _, err := volts(in); err == nil {
			t.Errorf("Set(%q) succeeded, want error", in)
		}
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, x := range []float64{0, 1, -1, 3.2, 14.25e-6, 10e6, 100e-9, 0.999999e-3, 123456, 1e-16, 2e13} {
		s := Siemens(x).String()
		var back Siemens
		if err := back.Set(s); err != nil {
			t.Fatalf("Set(%q): %v", s, err)
		}
		if math.Abs(float64(back)-x) > 1e-5*math.Abs(x) {
			t.Errorf("%g -> %q -> %g", x, s, float64(back))
		}
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Volts(3.2).String(), "3.2V"},
		{Siemens(14.25e-6).String(), "14.25µS"},
		{Seconds(100e-9).String(), "100ns"},
		{Ohms(10e6).String(), "10MΩ"},
		{Amps(-2.5e-3).String(), "-2.5mA"},
		{Volts(0).String(), "0V"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func volts(s string) (float64, error)   { var v Volts; err := v.Set(s); return float64(v), err }
func secs(s string) (float64, error)    { var v Seconds; err := v.Set(s); return float64(v), err }
func ohms(s string) (float64, error)    { var v Ohms; err := v.Set(s); return float64(v), err }
func siemens(s string) (float64, error) { var v Siemens; err := v.Set(s); return float64(v), err }
func amps(s string) (float64, error)    { var v Amps; err := v.Set(s); return float64(v), err }
func hertz(s string) (float64, error)   { var v Hertz; err := v.Set(s); return float64(v), err }
