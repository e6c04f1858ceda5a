package events

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
)

// Len returns the number of samples.
func (d *Dataset) Len() int { return len(d.Samples) }

// ClassCounts returns the number of samples of each class, indexed like
// d.Classes.
func (d *Dataset) ClassCounts() []int {
	c := make([]int, len(d.Classes))
	for i := range d.Samples {
		if l := d.Samples[i].Label; l >= 0 && l < len(c) {
			c[l]++
		}
	}
	return c
}

// Validate checks the invariants every reader and converter of this
// package guarantees: unique non-empty class names, labels that index
// Classes, events that fit the sensor (pixels inside Width×Height, channels
// below Channels, polarity below max(Polarities, 1)) and time-ordered events.
func (d *Dataset) Validate() error {
	s := d.Sensor
	if s.Width < 0 || s.Height < 0 || s.Channels < 0 || s.Polarities < 0 {
		return fmt.Errorf("events: dataset %q: negative sensor size %+v", d.Name, s)
	}
	seen := make(map[string]bool, len(d.Classes))
	for _, c := range d.Classes {
		if c == "" {
			return fmt.Errorf("events: dataset %q: empty class name", d.Name)
		}
		if seen[c] {
			return fmt.Errorf("events: dataset %q: class %q listed twice", d.Name, c)
		}
		seen[c] = true
	}
	pols := max(s.Polarities, 1)
	for i := range d.Samples {
		sm := &d.Samples[i]
		bad := func(format string, args ...any) error {
			return fmt.Errorf("events: dataset %q: sample %d (%s): %s", d.Name, i, sm.ID, fmt.Sprintf(format, args...))
		}
		if sm.Label < 0 || sm.Label >= len(d.Classes) {
			return bad("label %d outside the %d classes", sm.Label, len(d.Classes))
		}
		if len(sm.Events2D) > 0 && !s.Is2D() {
			return bad("2-D events from a sensor without pixels (%+v)", s)
		}
		if len(sm.Events1D) > 0 && s.Channels == 0 {
			return bad("1-D events from a sensor without channels (%+v)", s)
		}
		var last uint32
		for j, e := range sm.Events2D {
			if int(e.X) >= s.Width || int(e.Y) >= s.Height || int(e.P) >= pols {
				return bad("event %d %+v outside the %d×%d×%d sensor", j, e, s.Width, s.Height, pols)
			}
			if e.T < last {
				return bad("event %d at %d µs before the previous one at %d µs", j, e.T, last)
			}
			last = e.T
		}
		last = 0
		for j, e := range sm.Events1D {
			if int(e.Ch) >= s.Channels || int(e.P) >= pols {
				return bad("event %d %+v outside the %d channels × %d polarities", j, e, s.Channels, pols)
			}
			if e.T < last {
				return bad("event %d at %d µs before the previous one at %d µs", j, e.T, last)
			}
			last = e.T
		}
	}
	return nil
}

// Subset returns a dataset holding the samples at indices, in that order.
// Like every method that selects samples it keeps Classes (and so every
// Label) unchanged, and the new Samples share event slices and Meta maps with
// d: treat events as read-only. It panics if an index is out of range.
func (d *Dataset) Subset(indices []int) *Dataset {
	out := &Dataset{Name: d.Name, Sensor: d.Sensor, Classes: d.Classes, Samples: make([]Sample, len(indices))}
	for k, i := range indices {
		out.Samples[k] = d.Samples[i]
	}
	return out
}

// CanonicalDigit maps a spoken or written digit class name to its digit
// "0".."9": digits map to themselves, English words ("zero", "one", ...,
// "nine") to their digit, and N-TIDIGITS' letters "z" (zero) and "o" ("oh")
// both to "0" (Lin et al. 2025, the authors' input binning: the supervised code keeps z and o as two of
// its 11 classes; §5.2: the zero-shot code excludes both as digit 0). Case
// and surrounding space are ignored. ok is false for other names.
func CanonicalDigit(name string) (digit string, ok bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "z", "o", "oh", "zero":
		return "0", true
	}
	words := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	for i, w := range words {
		if n == w || n == string(rune('0'+i)) {
			return string(rune('0' + i)), true
		}
	}
	return "", false
}

// ClassMatches reports whether the class name of a dataset matches a
// requested name: equal strings, or both canonical digits (see
// CanonicalDigit) of the same value, so "0" matches N-TIDIGITS' "z" and "o".
func ClassMatches(class, want string) bool {
	if class == want {
		return true
	}
	a, oka := CanonicalDigit(class)
	b, okb := CanonicalDigit(want)
	return oka && okb && a == b
}

// classesMatching returns the indices of d's classes that match want.
func (d *Dataset) classesMatching(want string) []int {
	var idx []int
	for i, c := range d.Classes {
		if ClassMatches(c, want) {
			idx = append(idx, i)
		}
	}
	return idx
}

// Filter returns the samples whose class matches one of classes (see
// ClassMatches: "0" keeps both "z" and "o" of N-TIDIGITS), in dataset order.
// Classes and labels stay unchanged, so labels remain comparable across
// datasets; ClassCounts of the result is zero for dropped classes. It fails
// if a name matches no class of d.
func (d *Dataset) Filter(classes ...string) (*Dataset, error) {
	if len(classes) == 0 {
		return nil, fmt.Errorf("events: dataset %q: Filter needs at least one class", d.Name)
	}
	keep := make([]bool, len(d.Classes))
	for _, c := range classes {
		m := d.classesMatching(c)
		if len(m) == 0 {
			return nil, fmt.Errorf("events: dataset %q has no class %q (classes: %s)", d.Name, c, strings.Join(d.Classes, ","))
		}
		for _, i := range m {
			keep[i] = true
		}
	}
	var idx []int
	for i := range d.Samples {
		if keep[d.Samples[i].Label] {
			idx = append(idx, i)
		}
	}
	return d.Subset(idx), nil
}

// Where returns the samples whose Meta[key] equals value, in dataset order
// (e.g. Where("split", "test")).
func (d *Dataset) Where(key, value string) *Dataset {
	var idx []int
	for i := range d.Samples {
		if v, ok := d.Samples[i].Meta[key]; ok && v == value {
			idx = append(idx, i)
		}
	}
	return d.Subset(idx)
}

// Head returns the first perClass samples of every class, in dataset order
// (Lin et al. 2025, the zero-shot protocol of the authors' scripts: the zero-shot test uses the first 100 per class of each
// test set). Classes with fewer samples keep all of theirs.
func (d *Dataset) Head(perClass int) *Dataset {
	return d.Subset(d.headIndices(perClass))
}

// byClass returns the sample indices of each class in dataset order.
func (d *Dataset) byClass() [][]int {
	out := make([][]int, len(d.Classes))
	for i := range d.Samples {
		l := d.Samples[i].Label
		out[l] = append(out[l], i)
	}
	return out
}

// classStream returns the random stream that shuffles one class: seeded by
// seed and the class name (FNV-1a), not its index, so a class is split the
// same way in every dataset that holds it, before or after Filter.
func classStream(seed uint64, class, purpose string) *rand.PCG {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(class))
	return rand.NewPCG(seed, h.Sum64())
}

// shuffle is a Fisher–Yates shuffle driven by r. It is written out (rather
// than rand.Shuffle) so that splits stay identical across Go releases: only
// PCG's output is specified.
func shuffle(idx []int, r *rand.PCG) {
	for i := len(idx) - 1; i > 0; i-- {
		j, _ := bits.Mul64(r.Uint64(), uint64(i+1)) // bias < 2^-40 for any realistic i
		idx[i], idx[j] = idx[j], idx[i]
	}
}

// Split divides d into train and test, stratified: of each class's n_c
// samples, round(testFraction·n_c) chosen at random (seeded per class, see
// classStream) go to test. Both keep dataset order. The same seed always
// gives the same split.
func (d *Dataset) Split(seed uint64, testFraction float64) (train, test *Dataset, err error) {
	all := make([]int, len(d.Samples))
	for i := range all {
		all[i] = i
	}
	tr, te, err := d.SplitIndices(all, seed, testFraction)
	if err != nil {
		return nil, nil, err
	}
	return d.Subset(tr), d.Subset(te), nil
}

// SplitIndices is Split on the samples idx of d (indices into d.Samples,
// each at most once): of each class's samples among idx, taken in the
// order of idx, round(testFraction·n_c) chosen by the same per-class
// stream as Split go to test. It returns the indices of both parts in the
// order of idx. Split(seed, f) equals SplitIndices over all samples, and
// the split of one class never depends on the other classes in idx.
func (d *Dataset) SplitIndices(idx []int, seed uint64, testFraction float64) (train, test []int, err error) {
	if !(testFraction >= 0 && testFraction <= 1) {
		return nil, nil, fmt.Errorf("events: split fraction %v outside [0, 1]", testFraction)
	}
	byClass := make([][]int, len(d.Classes))
	for k, i := range idx {
		if i < 0 || i >= len(d.Samples) {
			return nil, nil, fmt.Errorf("events: dataset %q: sample index %d outside 0..%d", d.Name, i, len(d.Samples)-1)
		}
		l := d.Samples[i].Label
		byClass[l] = append(byClass[l], k)
	}
	isTest := make([]bool, len(idx))
	for c, ks := range byClass {
		shuffle(ks, classStream(seed, d.Classes[c], "split"))
		for _, k := range ks[:int(math.Round(testFraction*float64(len(ks))))] {
			isTest[k] = true
		}
	}
	for k, i := range idx {
		if isTest[k] {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test, nil
}

// Speakers returns the distinct non-empty Sample.Speaker values, sorted.
func (d *Dataset) Speakers() []string {
	set := map[string]bool{}
	for i := range d.Samples {
		if s := d.Samples[i].Speaker; s != "" {
			set[s] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// SplitBySpeaker puts every sample of the named speakers in test and the
// rest in train, both in dataset order. It fails if a speaker has no
// samples.
func (d *Dataset) SplitBySpeaker(testSpeakers ...string) (train, test *Dataset, err error) {
	if len(testSpeakers) == 0 {
		return nil, nil, fmt.Errorf("events: dataset %q: SplitBySpeaker needs at least one speaker", d.Name)
	}
	want := map[string]bool{}
	for _, s := range testSpeakers {
		want[s] = false
	}
	var tr, te []int
	for i := range d.Samples {
		s := d.Samples[i].Speaker
		if _, ok := want[s]; ok {
			want[s] = true
			te = append(te, i)
		} else {
			tr = append(tr, i)
		}
	}
	for _, s := range testSpeakers {
		if !want[s] {
			return nil, nil, fmt.Errorf("events: dataset %q has no speaker %q (speakers: %s)", d.Name, s, strings.Join(d.Speakers(), ","))
		}
	}
	return d.Subset(tr), d.Subset(te), nil
}

// Fold is one fold of a cross-validation: sample indices (ascending) to
// train on and to test on. Use Dataset.Subset to get the datasets.
type Fold struct {
	Train, Test []int
}

// Folds returns k stratified cross-validation folds. Each class's samples
// are shuffled (seeded per class, see classStream) and dealt to the folds in
// turn, the dealing continuing from class to class, so every fold holds
// ⌊n_c/k⌋ or ⌈n_c/k⌉ samples of each class and fold sizes differ by at most
// one. Every sample is in exactly one Test. Deterministic for a seed.
func (d *Dataset) Folds(k int, seed uint64) ([]Fold, error) {
	if k < 2 || k > len(d.Samples) {
		return nil, fmt.Errorf("events: %d folds for %d samples (want 2 ≤ k ≤ samples)", k, len(d.Samples))
	}
	fold := make([]int, len(d.Samples))
	next := 0
	for c, idx := range d.byClass() {
		idx = slices.Clone(idx)
		shuffle(idx, classStream(seed, d.Classes[c], "folds"))
		for _, i := range idx {
			fold[i] = next
			next = (next + 1) % k
		}
	}
	out := make([]Fold, k)
	for i, f := range fold {
		for j := range out {
			if j == f {
				out[j].Test = append(out[j].Test, i)
			} else {
				out[j].Train = append(out[j].Train, i)
			}
		}
	}
	return out, nil
}

// IndexPair pairs sample A of one dataset with sample B of another, both of
// class Class (an index into the classes passed to Pair).
type IndexPair struct {
	A, B, Class int
}

// Pair implements the class-wise pairing of Lin et al. 2025, the zero-shot protocol of the authors' scripts: for each class c
// in classes, the first n_c samples of class c in a and in b (dataset
// order) are paired index by index, n_c being the smaller of the two counts.
// Classes are matched by name (ClassMatches), so "1" pairs N-MNIST's "1"
// with N-TIDIGITS' "1" and "0" gathers N-TIDIGITS' "z" and "o" (in dataset
// order). Pairs come class by class in the order of classes. It fails if a
// class has no sample in a or in b.
func Pair(a, b *Dataset, classes []string) ([]IndexPair, error) {
	var out []IndexPair
	for ci, c := range classes {
		ia, ib := a.indicesOf(c), b.indicesOf(c)
		if len(ia) == 0 || len(ib) == 0 {
			return nil, fmt.Errorf("events: pairing class %q: %d samples in %q, %d in %q", c, len(ia), a.Name, len(ib), b.Name)
		}
		for k := range min(len(ia), len(ib)) {
			out = append(out, IndexPair{A: ia[k], B: ib[k], Class: ci})
		}
	}
	return out, nil
}

// indicesOf returns the indices of the samples whose class matches want.
func (d *Dataset) indicesOf(want string) []int {
	match := make([]bool, len(d.Classes))
	for _, i := range d.classesMatching(want) {
		match[i] = true
	}
	var idx []int
	for i := range d.Samples {
		if l := d.Samples[i].Label; l >= 0 && l < len(match) && match[l] {
			idx = append(idx, i)
		}
	}
	return idx
}

// Stats summarises a dataset (memlsm data stats).
type Stats struct {
	Samples     int
	Classes     []string
	ClassCounts []int // indexed like Classes
	Sensor      Sensor

	Events               int64 // total over all samples
	EventsMin, EventsMax int   // per sample
	EventsMean           float64
	EventsOn, EventsOff  int64   // P != 0 and P == 0; both 0 when the sensor has no polarity
	HasPolarity          bool    // Sensor.Polarities ≥ 2
	TMinUS, TMaxUS       uint32  // earliest and latest event time over all samples
	DurationMeanUS       float64 // mean over samples of last minus first event time (0 if empty)
	DurationMaxUS        uint32  // of one sample: last minus first event time
	Pixels               int     // distinct pixels (2-D) or channels (1-D) with an event
}

// Stats computes the summary of d.
func (d *Dataset) Stats() Stats {
	st := Stats{Samples: len(d.Samples), Classes: d.Classes, ClassCounts: d.ClassCounts(), Sensor: d.Sensor,
		HasPolarity: d.Sensor.Polarities >= 2}
	used := make([]bool, max(d.Sensor.Width*d.Sensor.Height, d.Sensor.Channels))
	mark := func(i int) {
		if i >= 0 && i < len(used) {
			used[i] = true
		}
	}
	st.TMinUS = math.MaxUint32
	var durSum float64
	for i := range d.Samples {
		s := &d.Samples[i]
		n := s.Len()
		st.Events += int64(n)
		if i == 0 || n < st.EventsMin {
			st.EventsMin = n
		}
		st.EventsMax = max(st.EventsMax, n)
		first, last := uint32(0), uint32(0)
		if len(s.Events2D) > 0 {
			first, last = s.Events2D[0].T, s.Events2D[len(s.Events2D)-1].T
		}
		if len(s.Events1D) > 0 {
			first, last = s.Events1D[0].T, s.Events1D[len(s.Events1D)-1].T
		}
		if n > 0 {
			st.TMinUS = min(st.TMinUS, first)
			st.TMaxUS = max(st.TMaxUS, last)
			durSum += float64(last - first)
			st.DurationMaxUS = max(st.DurationMaxUS, last-first)
		}
		for _, e := range s.Events2D {
			if st.HasPolarity {
				if e.P != 0 {
					st.EventsOn++
				} else {
					st.EventsOff++
				}
			}
			mark(int(e.Y)*d.Sensor.Width + int(e.X))
		}
		for _, e := range s.Events1D {
			if st.HasPolarity {
				if e.P != 0 {
					st.EventsOn++
				} else {
					st.EventsOff++
				}
			}
			mark(int(e.Ch))
		}
	}
	if st.Events == 0 {
		st.TMinUS = 0
	}
	if st.Samples > 0 {
		st.EventsMean = float64(st.Events) / float64(st.Samples)
		st.DurationMeanUS = durSum / float64(st.Samples)
	}
	for _, u := range used {
		if u {
			st.Pixels++
		}
	}
	return st
}
