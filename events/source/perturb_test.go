package source_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events/source"
)

// TestFSDDPerturbAndAudio: perturb= changes every recording before the
// cochlea (deterministically for perturb_seed), keep_audio=1 keeps the
// waveform the cochlea heard, endpoint=off|on switches endpoint detection,
// and OpenPerturbed opens the same samples perturbed.
func TestFSDDPerturbAndAudio(t *testing.T) {
	dir := writeFSDD(t)
	ctx := context.Background()
	clean, err := source.Open(ctx, "fsdd:"+dir+"?keep_audio=1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range clean.Samples {
		if s.Audio == nil || s.Audio.Rate != 8000 || len(s.Audio.Samples) != 2000 {
			t.Fatalf("sample %s: audio %+v", s.ID, s.Audio)
		}
	}
	slow, err := source.Open(ctx, "fsdd:"+dir+"?keep_audio=1&perturb=tempo=0.8")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(slow.Samples[0].Audio.Samples); n != 2500 || slow.Samples[0].Meta["perturb"] != "tempo=0.8" {
		t.Errorf("tempo 0.8: %d samples (want 2500), meta %v", n, slow.Samples[0].Meta)
	}
	a, err := source.OpenPerturbed(ctx, "fsdd:"+dir, audio.Chain{{Kind: audio.Noise, Value: 10}}, 1, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := source.OpenPerturbed(ctx, "fsdd:"+dir, audio.Chain{{Kind: audio.Noise, Value: 10}}, 1, source.Options{})
	c, _ := source.OpenPerturbed(ctx, "fsdd:"+dir, audio.Chain{{Kind: audio.Noise, Value: 10}}, 2, source.Options{})
	if a.Len() != clean.Len() || !strings.Contains(a.Name, "perturb=noise%3D10dB") {
		t.Fatalf("perturbed: %d samples, name %q", a.Len(), a.Name)
	}
	same, other := true, true
	for i := range a.Samples {
		if a.Samples[i].ID != clean.Samples[i].ID {
			t.Fatalf("perturbed sample %d is %s, clean %s", i, a.Samples[i].ID, clean.Samples[i].ID)
		}
		same = same && slices.Equal(a.Samples[i].Events1D, b.Samples[i].Events1D)
		other = other && slices.Equal(a.Samples[i].Events1D, c.Samples[i].Events1D)
	}
	if !same || other {
		t.Errorf("same perturb seed gives the same events: %v; another seed the same events: %v", same, other)
	}
	// 1 s of silence either side: with endpoint detection the cochlea hears
	// the word alone, without it the whole recording.
	on, err := source.Open(ctx, "fsdd:"+dir+"?keep_audio=1&perturb=pad=1s&endpoint=on")
	if err != nil {
		t.Fatal(err)
	}
	off, err := source.Open(ctx, "fsdd:"+dir+"?keep_audio=1&perturb=pad=1s&endpoint=off")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(off.Samples[0].Audio.Samples); n != 18000 {
		t.Errorf("endpoint=off kept %d samples, want 18000", n)
	}
	// The word, 30 ms of margin either side and up to a frame (20 ms) of
	// framing either side: at most 2000 + 2·240 + 2·160 samples.
	if n := len(on.Samples[0].Audio.Samples); n < 2000 || n > 2800 {
		t.Errorf("endpoint=on kept %d samples of a 2000-sample word in 2 s of silence", n)
	}
	for _, bad := range []string{"?perturb=loud", "?endpoint=maybe", "?keep_audio=perhaps", "?perturb_seed=-1"} {
		if _, err := source.Open(ctx, "fsdd:"+dir+bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := source.OpenPerturbed(ctx, "embedded:audio", audio.Chain{{Kind: audio.Level, Value: 1}}, 1, source.Options{}); err == nil {
		t.Error("embedded:audio perturbed")
	}
	if s, err := source.WithOptions("fsdd:d?speakers=a", "perturb", "level=-20dB"); err != nil || s != "fsdd:d?perturb=level%3D-20dB&speakers=a" {
		t.Errorf("WithOptions: %q %v", s, err)
	}
	if _, err := source.WithOptions("fsdd:d", "odd"); err == nil {
		t.Error("WithOptions took an odd list")
	}
}
