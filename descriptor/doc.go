// Package descriptor holds class side information for zero-shot learning:
// a descriptor vector for every class, seen and unseen alike, that says
// what the class is in a form a model can relate to its data without ever
// seeing an example of it — the role attributes play for animals (Lampert
// et al., CVPR 2009) and word embeddings for video classes (Mercea et al.,
// AVCA, CVPR 2022).
//
// # The sets
//
// A Set is named components (Features) and one vector per class. Two sets
// are built in, for the digit tasks, each describing the modality it
// belongs to:
//
//   - Phonetic ("phonetic", for audio) describes the spoken names "zero" …
//     "nine" by articulation: for the onset (consonants before the stressed
//     vowel), the nucleus (the stressed vowel's start and end on the IPA
//     vowel chart, length, diphthong, r-colouring) and the coda
//     (everything after), the consonants' voicing, place, manner and
//     sibilance (see FromIPA). The transcriptions come from espeak-ng
//     (`espeak-ng -v VOICE -q -x --ipa --sep=_ WORD`, voices en-us and
//     en-gb averaged) and are stored in the set, so it can be rebuilt and
//     checked without espeak-ng.
//   - Shape ("shape", for images) describes the written digits 0 … 9 by
//     the skeleton of their strokes: loops, free ends and junctions, where
//     loops and ends lie, stroke directions and curvature, how the ink is
//     spread over the box, aspect and symmetry (see FromStrokes). The
//     skeletons are a documented table (DigitGlyphs) of the common
//     handwritten forms; no image of any digit is used.
//
// Both are generated data: `go generate` in this directory runs
// internal/gen, which calls espeak-ng and writes data/*.json; the files
// are embedded, so memlsm needs neither espeak-ng nor the generator to
// run. The tests rebuild both sets from the stored transcriptions and the
// glyph table and fail if the embedded files differ, and compare the
// transcriptions with espeak-ng when it is installed.
//
// # Using them
//
// A Set implements projection.Describer: projection's descriptor heads map
// one modality's features into its descriptor space, trained on the seen
// classes only, and score any class — an unseen one included — by how
// well a prediction matches its descriptor. experiment uses them for
// zero-shot retrieval and classification through side information. Class
// names match exactly or as digits ("8", "eight", and N-TIDIGITS' "z" and
// "o" for zero). Load reads a set of one's own in the same JSON format.
package descriptor
