package descriptor_test

import (
	"fmt"

	"github.com/memlsm/memlsm/descriptor"
)

// The built-in shape descriptors count the loops, free ends and junctions
// of each digit's skeleton.
func ExampleShape() {
	s := descriptor.Shape()
	for _, d := range []string{"6", "8", "9"} {
		v, _ := s.Describe(d)
		fmt.Printf("%s: %s %.0f, %s %.0f, %s %.0f\n", d, s.Features[0], v[0], s.Features[1], v[1], s.Features[2], v[2])
	}
	// Output:
	// 6: loops 1, ends 1, junctions 1
	// 8: loops 2, ends 0, junctions 1
	// 9: loops 1, ends 1, junctions 1
}

// The built-in phonetic descriptors are made from espeak-ng's
// transcriptions of the digit names, which the set keeps.
func ExamplePhonetic() {
	s := descriptor.Phonetic()
	fmt.Println(s.Words["9"], s.Transcriptions["9"]["en-us"], s.Dim(), "components")
	// Output:
	// nine n_ˈaɪ_n 36 components
}
