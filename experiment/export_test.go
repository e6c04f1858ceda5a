package experiment

// Synthetic data for the external tests and examples (see helpers_test.go).
var (
	SyntheticImages = syntheticImages
	SyntheticAudio  = syntheticAudio
)
