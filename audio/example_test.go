package audio_test

import (
	"fmt"
	"math"
	"slices"

	"github.com/memlsm/memlsm/audio"
)

// A new recording of the same word: 20 dB quieter, 15 % slower, in white
// noise 20 dB below the speech — each change deterministic for the seed.
func ExampleChain() {
	word := vowel(0.4, 0.3)
	c, err := audio.ParseChain("level=-20dB,tempo=0.85,noise=20dB")
	if err != nil {
		panic(err)
	}
	y, err := c.Apply(word, 8000, 1)
	if err != nil {
		panic(err)
	}
	before, _, _ := audio.ActiveLevel(word, 8000)
	after, _, _ := audio.ActiveLevel(y, 8000)
	fmt.Println(c)
	fmt.Printf("%.3f s → %.3f s, active level %.0f dB → %.0f dB\n", float64(len(word))/8000, float64(len(y))/8000, before, after)
	// Output:
	// level=-20dB,tempo=0.85,noise=20dB
	// 0.400 s → 0.471 s, active level -25 dB → -44 dB
}

// Endpoint detection finds a word recorded with a second of silence before
// it and half a second after (30 ms of margin kept on either side).
func ExampleEndpoints() {
	x := slices.Concat(make([]float64, 8000), vowel(0.4, 0.3), make([]float64, 4000))
	for i := range x {
		x[i] += 1e-4 * math.Sin(float64(i)) // a faint background
	}
	s, e, err := audio.Endpoints(x, 8000, audio.DefaultEndpointParams())
	if err != nil {
		panic(err)
	}
	fmt.Printf("word from %.2f s to %.2f s of %.2f s\n", float64(s)/8000, float64(e)/8000, float64(len(x))/8000)
	// Output:
	// word from 0.97 s to 1.43 s of 1.90 s
}
