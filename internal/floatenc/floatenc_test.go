package floatenc

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestRoundTripBitExact(t *testing.T) {
	in32 := Float32s{0, -0, 1.5, float32(math.Inf(-1)), math.SmallestNonzeroFloat32, math.MaxFloat32, float32(math.NaN())}
	in64 := Float64s{0, 1.0 / 3, -2.5e-300, math.Inf(1), math.NaN()}
	b32, err := json.Marshal(in32)
	if err != nil {
		t.Fatal(err)
	}
	b64, err := json.Marshal(in64)
	if err != nil {
		t.Fatal(err)
	}
	var out32 Float32s
	var out64 Float64s
	if err := json.Unmarshal(b32, &out32); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b64, &out64); err != nil {
		t.Fatal(err)
	}
	for i := range in32 {
		if math.Float32bits(in32[i]) != math.Float32bits(out32[i]) {
			t.Errorf("float32 %d: %v -> %v", i, in32[i], out32[i])
		}
	}
	for i := range in64 {
		if math.Float64bits(in64[i]) != math.Float64bits(out64[i]) {
			t.Errorf("float64 %d: %v -> %v", i, in64[i], out64[i])
		}
	}
}

func TestRejects(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[1,2]`, "base64 string"},
		{`"%%%"`, "illegal base64"},
		{`"AAAAAAA="`, "not a multiple of 4"}, // 5 bytes
	} {
		var f Float32s
		err := json.Unmarshal([]byte(tc.in), &f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.want)
		}
	}
	var f Float64s
	if err := json.Unmarshal([]byte(`"AAAAAA=="`), &f); err == nil || !strings.Contains(err.Error(), "multiple of 8") {
		t.Errorf("float64 length: %v", err)
	}
}
