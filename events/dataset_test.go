package events

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// toyDataset has n samples per class, classes given; sample IDs are
// "<class>/<k>" and speakers cycle through spk.
func toyDataset(classes []string, perClass []int, spk ...string) *Dataset {
	d := &Dataset{Name: "toy", Sensor: Sensor{Channels: 1}, Classes: classes}
	k := 0
	for round := 0; ; round++ {
		added := false
		for c, n := range perClass {
			if round < n {
				s := Sample{Label: c, ID: fmt.Sprintf("%s/%d", classes[c], round)}
				if len(spk) > 0 {
					s.Speaker = spk[k%len(spk)]
				}
				k++
				d.Samples = append(d.Samples, s)
				added = true
			}
		}
		if !added {
			return d
		}
	}
}

func ids(d *Dataset) []string {
	var out []string
	for _, s := range d.Samples {
		out = append(out, s.ID)
	}
	return out
}

func TestCanonicalDigit(t *testing.T) {
	// Lin et al. 2025, the authors' input binning/§5.2: N-TIDIGITS 'z' (zero) and 'o' ("oh") are both digit 0.
	for in, want := range map[string]string{"z": "0", "o": "0", "O": "0", "oh": "0", "zero": "0", "0": "0", " 7 ": "7", "Nine": "9", "one": "1"} {
		if got, ok := CanonicalDigit(in); !ok || got != want {
			t.Errorf("CanonicalDigit(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "10", "1z3", "a", "?"} {
		if got, ok := CanonicalDigit(in); ok {
			t.Errorf("CanonicalDigit(%q) = %q, want not a digit", in, got)
		}
	}
	if !ClassMatches("z", "0") || !ClassMatches("cat", "cat") || ClassMatches("z", "o") == false || ClassMatches("1", "7") {
		t.Error("ClassMatches")
	}
}

func TestFilterKeepsLabels(t *testing.T) {
	d := toyDataset(NTIDIGITSClasses, []int{2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 3})
	f, err := d.Filter("0", "2")
	if err != nil {
		t.Fatal(err)
	}
	// "0" keeps z and o; order is dataset order; labels and classes unchanged.
	want := []string{"z/0", "2/0", "o/0", "z/1", "o/1", "o/2"}
	if !reflect.DeepEqual(ids(f), want) || !reflect.DeepEqual(f.Classes, d.Classes) {
		t.Errorf("Filter(0, 2) = %v", ids(f))
	}
	if got := f.ClassCounts(); got[0] != 2 || got[10] != 3 || got[1] != 0 || got[2] != 1 {
		t.Errorf("class counts %v", got)
	}
	if _, err := d.Filter("cat"); err == nil {
		t.Error("unknown class accepted")
	}
	if _, err := d.Filter(); err == nil {
		t.Error("empty filter accepted")
	}
}

func TestSubsetHeadWhere(t *testing.T) {
	d := toyDataset([]string{"a", "b"}, []int{3, 2})
	if got := ids(d.Subset([]int{4, 0})); !reflect.DeepEqual(got, []string{"a/2", "a/0"}) {
		t.Errorf("Subset = %v", got)
	}
	if got := ids(d.Head(1)); !reflect.DeepEqual(got, []string{"a/0", "b/0"}) {
		t.Errorf("Head(1) = %v", got)
	}
	d.Samples[1].Meta = map[string]string{"split": "test"}
	if got := ids(d.Where("split", "test")); !reflect.DeepEqual(got, []string{"b/0"}) {
		t.Errorf("Where = %v", got)
	}
}

func TestSplitStratifiedDeterministic(t *testing.T) {
	d := toyDataset([]string{"a", "b", "c"}, []int{10, 7, 1})
	train, test, err := d.Split(42, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	// round(0.3·n_c): 3 of 10, 2 of 7 (2.1), 0 of 1 (closed form).
	if got := test.ClassCounts(); !reflect.DeepEqual(got, []int{3, 2, 0}) {
		t.Errorf("test class counts %v", got)
	}
	if train.Len()+test.Len() != d.Len() {
		t.Errorf("%d + %d samples", train.Len(), test.Len())
	}
	all := append(ids(train), ids(test)...)
	slices.Sort(all)
	want := ids(d)
	slices.Sort(want)
	if !reflect.DeepEqual(all, want) {
		t.Error("train ∪ test ≠ dataset")
	}
	_, test2, _ := d.Split(42, 0.3)
	if !reflect.DeepEqual(ids(test), ids(test2)) {
		t.Error("same seed, different split")
	}
	differs := false
	for seed := uint64(0); seed < 5; seed++ {
		_, t3, _ := d.Split(seed, 0.3)
		differs = differs || !reflect.DeepEqual(ids(t3), ids(test))
	}
	if !differs {
		t.Error("the seed does not change the split")
	}
	// A class is split the same way after Filter (streams keyed by class name).
	fa, _ := d.Filter("a")
	_, ta, _ := fa.Split(42, 0.3)
	aOnly, _ := test.Filter("a")
	if !reflect.DeepEqual(ids(ta), ids(aOnly)) {
		t.Errorf("Filter then Split %v ≠ Split then Filter %v", ids(ta), ids(aOnly))
	}
	for _, f := range []float64{-0.1, 1.5, math.NaN()} {
		if _, _, err := d.Split(1, f); err == nil {
			t.Errorf("fraction %v accepted", f)
		}
	}
}

func TestSplitBySpeaker(t *testing.T) {
	d := toyDataset([]string{"a", "b"}, []int{3, 3}, "theo", "george", "nicolas")
	if got := d.Speakers(); !reflect.DeepEqual(got, []string{"george", "nicolas", "theo"}) {
		t.Errorf("Speakers = %v", got)
	}
	train, test, err := d.SplitBySpeaker("theo")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range test.Samples {
		if s.Speaker != "theo" {
			t.Errorf("test holds %s of %s", s.ID, s.Speaker)
		}
	}
	if test.Len() != 2 || train.Len() != 4 {
		t.Errorf("%d train, %d test", train.Len(), test.Len())
	}
	if _, _, err := d.SplitBySpeaker("lucas"); err == nil {
		t.Error("absent speaker accepted")
	}
}

func TestFolds(t *testing.T) {
	d := toyDataset([]string{"a", "b", "c"}, []int{10, 7, 5})
	folds, err := d.Folds(4, 7)
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, d.Len())
	for _, f := range folds {
		if len(f.Train)+len(f.Test) != d.Len() {
			t.Errorf("fold of %d + %d", len(f.Train), len(f.Test))
		}
		// Stratified: ⌊n_c/k⌋ or ⌈n_c/k⌉ of each class per fold.
		for c, n := range d.Subset(f.Test).ClassCounts() {
			nc := d.ClassCounts()[c]
			if n < nc/4 || n > (nc+3)/4 {
				t.Errorf("class %d: %d in a test fold of k=4 from %d", c, n, nc)
			}
		}
		for _, i := range f.Test {
			seen[i]++
		}
		if !slices.IsSorted(f.Test) || !slices.IsSorted(f.Train) {
			t.Error("fold indices not ascending")
		}
	}
	sizes := []int{}
	for _, f := range folds {
		sizes = append(sizes, len(f.Test))
	}
	if slices.Max(sizes)-slices.Min(sizes) > 1 {
		t.Errorf("fold sizes %v differ by more than one", sizes)
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("sample %d in %d test folds", i, n)
		}
	}
	again, _ := d.Folds(4, 7)
	if !reflect.DeepEqual(folds, again) {
		t.Error("Folds is not deterministic")
	}
	for _, k := range []int{1, 23} {
		if _, err := d.Folds(k, 1); err == nil {
			t.Errorf("k=%d accepted", k)
		}
	}
}

func TestPairPaperRule(t *testing.T) {
	// Lin et al. 2025, the zero-shot protocol of the authors' scripts: per class, the first n_c of each dataset in order,
	// n_c = min of the two counts, paired index by index; "0" pairs images
	// of 0 with both z and o.
	img := toyDataset(digitClasses(), []int{3, 4, 1, 0, 0, 0, 0, 0, 0, 0})
	aud := toyDataset(NTIDIGITSClasses, []int{1, 2, 5, 0, 0, 0, 0, 0, 0, 0, 1})
	pairs, err := Pair(img, aud, []string{"1", "2", "0"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pairs {
		got = append(got, img.Samples[p.A].ID+"~"+aud.Samples[p.B].ID+fmt.Sprint(p.Class))
	}
	want := []string{"1/0~1/00", "1/1~1/10", "2/0~2/01", "0/0~z/02", "0/1~o/02"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pairs %v\nwant  %v", got, want)
	}
	if _, err := Pair(img, aud, []string{"5"}); err == nil {
		t.Error("pairing an empty class accepted")
	}
}

func TestValidate(t *testing.T) {
	ok := &Dataset{Sensor: NMNISTSensor, Classes: []string{"0"}, Samples: []Sample{{Events2D: []Event2D{{T: 1, X: 33, Y: 33, P: 1}}}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(d *Dataset){
		"empty class":     func(d *Dataset) { d.Classes = []string{""} },
		"negative sensor": func(d *Dataset) { d.Sensor.Width = -1 },
		"polarity":        func(d *Dataset) { d.Samples[0].Events2D[0].P = 2 },
		"label":           func(d *Dataset) { d.Samples[0].Label = -1 },
		"1-D on 2-D":      func(d *Dataset) { d.Samples[0].Events1D = []Event1D{{}} },
	} {
		d := *ok
		d.Classes = slices.Clone(ok.Classes)
		d.Samples = []Sample{{Events2D: slices.Clone(ok.Samples[0].Events2D)}}
		mut(&d)
		if err := d.Validate(); err == nil || !strings.HasPrefix(err.Error(), "events: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatsNoPolarity(t *testing.T) {
	d := &Dataset{Sensor: CochleaAMS1bSensor, Classes: []string{"z"}, Samples: []Sample{
		{Events1D: []Event1D{{T: 10, Ch: 1}, {T: 30, Ch: 1}}},
		{Events1D: []Event1D{{T: 5, Ch: 63}}},
		{},
	}}
	st := d.Stats()
	// Closed form: 3 events; durations 20, 0, 0 µs; 2 active channels.
	if st.Events != 3 || st.EventsOn != 0 || st.EventsOff != 0 || st.HasPolarity || st.EventsMin != 0 || st.EventsMax != 2 ||
		st.TMinUS != 5 || st.TMaxUS != 30 || st.DurationMaxUS != 20 || math.Abs(st.DurationMeanUS-20.0/3) > 1e-12 || st.Pixels != 2 {
		t.Errorf("%+v", st)
	}
}
