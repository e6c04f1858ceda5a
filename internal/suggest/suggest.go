// Package suggest finds the name a user probably meant: "did you mean"
// for mistyped commands, flags, schemes and options.
package suggest

// Closest returns the candidate nearest to word in edit distance
// (Levenshtein: insertions, deletions and substitutions of one rune each,
// plus a swap of two adjacent runes, the commonest typo), or "" when none
// is near enough: within one edit for words up to four runes, two up to
// eight, three beyond (assumption: closer than that a guess helps, further
// it misleads). Ties go to the earlier candidate.
func Closest(word string, candidates []string) string {
	w := []rune(word)
	limit := 1
	switch {
	case len(w) > 8:
		limit = 3
	case len(w) > 4:
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == word {
			return c
		}
		if d := Distance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the optimal-string-alignment distance between a and b: the
// fewest single-rune insertions, deletions, substitutions and adjacent
// transpositions that turn a into b.
func Distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	// Three rows of the dynamic-programming table are enough.
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
