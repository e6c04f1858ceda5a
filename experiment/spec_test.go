package experiment_test

import (
	"slices"
	"testing"

	"github.com/memlsm/memlsm/experiment"
)

func TestParseClasses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"1-7", []string{"1", "2", "3", "4", "5", "6", "7"}, true},
		{"8,9", []string{"8", "9"}, true},
		{"1-3,7", []string{"1", "2", "3", "7"}, true},
		{"z", []string{"z"}, true},
		{"", nil, false},
		{"5-3", nil, false},
		{"a-b", []string{"a", "b"}, true},
		{"s-v,x", []string{"s", "t", "u", "v", "x"}, true},
		{"v-s", nil, false},
		{"a-3", nil, false},
	}
	for _, tc := range tests {
		got, err := experiment.ParseClasses(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("experiment.ParseClasses(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want []uint64
		ok   bool
	}{
		{"1-5", []uint64{1, 2, 3, 4, 5}, true},
		{"1,5,9", []uint64{1, 5, 9}, true},
		{"1-3, 7", []uint64{1, 2, 3, 7}, true},
		{"", nil, true},
		{"none", nil, true},
		{"18446744073709551615", []uint64{18446744073709551615}, true}, // the largest uint64 ends its range without overflow
		{"5-3", nil, false},
		{"1-3,2", nil, false}, // 2 twice
		{"a", nil, false},
		{"-1", nil, false},
		{"1-1000000", nil, false}, // above maxSweepSeeds
	}
	for _, tc := range tests {
		got, err := experiment.ParseSeeds(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("experiment.ParseSeeds(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
