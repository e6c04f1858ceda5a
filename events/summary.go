package events

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Summary is a dataset's Stats in the form commands print: JSON with
// snake_case keys and units in their names, or an aligned text table
// (WriteText).
type Summary struct {
	Source      string         `json:"source"`
	Samples     int            `json:"samples"`
	Classes     []string       `json:"classes"`
	ClassCounts map[string]int `json:"class_counts"`
	Events      int64          `json:"events"`
	// EventsOn and EventsOff count P = 1 and P = 0 events of sensors with
	// polarity; both are 0 when the sensor has none (HasPolarity false).
	EventsOn       int64   `json:"events_on"`
	EventsOff      int64   `json:"events_off"`
	HasPolarity    bool    `json:"has_polarity"`
	EventsMin      int     `json:"events_min"`
	EventsMax      int     `json:"events_max"`
	EventsMean     float64 `json:"events_mean"`
	TMinUS         uint32  `json:"t_min_us"`
	TMaxUS         uint32  `json:"t_max_us"`
	DurationMeanUS float64 `json:"duration_mean_us"`
	DurationMaxUS  uint32  `json:"duration_max_us"`
	// ActiveInputs counts distinct pixels or channels with an event.
	ActiveInputs int    `json:"active_inputs"`
	Sensor       Sensor `json:"sensor"`
	Speakers     int    `json:"speakers"`
	// Splits counts samples per Meta["split"].
	Splits map[string]int `json:"splits,omitempty"`
}

// Summarize returns the summary of d, naming it source.
func (d *Dataset) Summarize(source string) Summary {
	st := d.Stats()
	r := Summary{
		Source: source, Samples: st.Samples, Classes: st.Classes, ClassCounts: map[string]int{},
		Events: st.Events, EventsOn: st.EventsOn, EventsOff: st.EventsOff, HasPolarity: st.HasPolarity,
		EventsMin: st.EventsMin, EventsMax: st.EventsMax, EventsMean: st.EventsMean,
		TMinUS: st.TMinUS, TMaxUS: st.TMaxUS, DurationMeanUS: st.DurationMeanUS, DurationMaxUS: st.DurationMaxUS,
		ActiveInputs: st.Pixels, Speakers: len(d.Speakers()), Sensor: st.Sensor,
	}
	for i, c := range st.Classes {
		r.ClassCounts[c] = st.ClassCounts[i]
	}
	for i := range d.Samples {
		if s, ok := d.Samples[i].Meta["split"]; ok {
			if r.Splits == nil {
				r.Splits = map[string]int{}
			}
			r.Splits[s]++
		}
	}
	return r
}

// WriteText writes the summary as an aligned table.
func (r Summary) WriteText(out io.Writer) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "source\t%s\n", r.Source)
	fmt.Fprintf(w, "sensor\t%s\n", r.Sensor.Describe())
	fmt.Fprintf(w, "samples\t%d in %d classes\n", r.Samples, len(r.Classes))
	var counts []string
	for _, c := range r.Classes {
		counts = append(counts, fmt.Sprintf("%s:%d", c, r.ClassCounts[c]))
	}
	fmt.Fprintf(w, "class counts\t%s\n", strings.Join(counts, " "))
	fmt.Fprintf(w, "events\t%d; per sample mean %.1f, min %d, max %d\n", r.Events, r.EventsMean, r.EventsMin, r.EventsMax)
	if r.HasPolarity && r.Events > 0 {
		fmt.Fprintf(w, "polarity\tON %d (%.1f%%), OFF %d (%.1f%%)\n", r.EventsOn, 100*float64(r.EventsOn)/float64(r.Events),
			r.EventsOff, 100*float64(r.EventsOff)/float64(r.Events))
	} else {
		fmt.Fprintf(w, "polarity\tnone (the sensor records none)\n")
	}
	fmt.Fprintf(w, "time\t%d .. %d µs; duration mean %.1f ms, max %.1f ms\n", r.TMinUS, r.TMaxUS, r.DurationMeanUS/1e3, float64(r.DurationMaxUS)/1e3)
	fmt.Fprintf(w, "active inputs\t%d\n", r.ActiveInputs)
	if r.Speakers > 0 {
		fmt.Fprintf(w, "speakers\t%d\n", r.Speakers)
	}
	if len(r.Splits) > 0 {
		var sp []string
		for _, k := range slices.Sorted(maps.Keys(r.Splits)) {
			sp = append(sp, fmt.Sprintf("%s:%d", k, r.Splits[k]))
		}
		fmt.Fprintf(w, "splits\t%s\n", strings.Join(sp, " "))
	}
	return w.Flush()
}

// Describe says what the sensor is in a few words: "ATIS, 34×34 pixels,
// 2 polarities".
func (s Sensor) Describe() string {
	var b strings.Builder
	b.WriteString(s.Name)
	if s.Is2D() {
		fmt.Fprintf(&b, ", %d×%d pixels", s.Width, s.Height)
	} else {
		fmt.Fprintf(&b, ", %d channels", s.Channels)
	}
	if p := max(s.Polarities, 1); p == 1 {
		b.WriteString(", 1 polarity")
	} else {
		fmt.Fprintf(&b, ", %d polarities", p)
	}
	return b.String()
}

// PerClass keeps the first n samples of every class (all when n ≤ 0),
// naming the result after d. A nil d stays nil.
func (d *Dataset) PerClass(n int) *Dataset {
	if n <= 0 || d == nil {
		return d
	}
	h := d.Head(n)
	h.Name = fmt.Sprintf("%s (first %d per class)", d.Name, n)
	return h
}
