package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2},
		{"kitten", "sitting", 3}, // the textbook example
		{"classify", "clasify", 1},
		{"zeroshot", "zerohsot", 1}, // adjacent swap
		{"seed", "seed", 0},
		{"µs", "us", 1}, // runes, not bytes
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	cmds := []string{"bench", "board", "calibrate", "classify", "data", "demo", "encode", "macro", "zeroshot"}
	for word, want := range map[string]string{
		"clasify":  "classify",
		"zeroshto": "zeroshot",
		"dmeo":     "demo",
		"macor":    "macro",
		"xyz":      "",
		"calibrat": "calibrate",
		"train":    "",
	} {
		if got := Closest(word, cmds); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}
