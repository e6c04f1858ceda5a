package audio_test

import (
	"testing"

	"github.com/memlsm/memlsm/audio"
)

func BenchmarkMFCC1s(b *testing.B) {
	x := vowel(1, 0.3)
	m, err := audio.NewMFCCExtractor(audio.DefaultMFCCParams(), rate)
	if err != nil {
		b.Fatal(err)
	}
	var dst []float64
	for b.Loop() {
		dst = m.Append(dst[:0], x)
	}
}

func BenchmarkTimeStretch1s(b *testing.B) {
	x := vowel(1, 0.3)
	for b.Loop() {
		audio.TimeStretch(x, rate, 0.85)
	}
}

func BenchmarkResample1s(b *testing.B) {
	x := vowel(1, 0.3)
	for b.Loop() {
		audio.Resample(x, 1.1)
	}
}

func BenchmarkEndpoints3s(b *testing.B) {
	x := make([]float64, 3*rate)
	copy(x[rate:], vowel(0.5, 0.3))
	p := audio.DefaultEndpointParams()
	for b.Loop() {
		if _, _, err := audio.Endpoints(x, rate, p); err != nil {
			b.Fatal(err)
		}
	}
}
