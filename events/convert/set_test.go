package convert_test

import (
	"strings"
	"testing"

	"github.com/memlsm/memlsm/events/convert"
)

func TestSetParam(t *testing.T) {
	c := convert.DefaultCochleaParams()
	for k, v := range map[string]string{"channels": "32", "freq_low_hz": "300Hz", "tap_q": "2.5", "agc_time_s": "20ms"} {
		if err := convert.SetParam(&c, k, v); err != nil {
			t.Fatalf("%s=%s: %v", k, v, err)
		}
	}
	if c.Channels != 32 || c.FreqLow != 300 || c.TapQ != 2.5 || c.AGCTime != 0.02 {
		t.Errorf("got channels %d, freq_low %v, tap_q %v, agc_time %v", c.Channels, c.FreqLow, c.TapQ, c.AGCTime)
	}
	s := convert.DefaultSaccadeParams()
	if err := convert.SetParam(&s, "inverted", "true"); err != nil || !s.Inverted {
		t.Errorf("inverted: %v, %v", s.Inverted, err)
	}
	for _, tc := range []struct{ key, value, msg string }{
		{"colour", "red", "unknown parameter"},
		{"channels", "many", "is not a int"},
		{"freq_low_hz", "loud", "cannot parse"},
		{"moves", "1", "cannot be set from text"},
	} {
		var err error
		if tc.key == "moves" {
			err = convert.SetParam(&s, tc.key, tc.value)
		} else {
			err = convert.SetParam(&c, tc.key, tc.value)
		}
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s=%s: error %v, want %q", tc.key, tc.value, err, tc.msg)
		}
	}
}
