package events

// Event2D is one address event of a 2-D event camera (ATIS, DVS): a pixel
// whose log intensity changed by more than its threshold.
type Event2D struct {
	T uint32 // microseconds since the start of the recording
	X uint16 // column, 0 at the left
	Y uint16 // row, 0 at the top
	P uint8  // polarity: 1 = ON (brighter), 0 = OFF (darker)
}

// Event1D is one address event of a 1-D channel sensor such as a silicon
// cochlea: a spike on one frequency channel.
type Event1D struct {
	T  uint32 // microseconds since the start of the recording
	Ch uint16 // channel (cochlea: 0 = highest best frequency, as CochleaAMS)
	P  uint8  // polarity where the sensor has one, else 0
}

// Sensor describes the sensor a recording came from (or the model of it
// that a converter used).
type Sensor struct {
	Name       string `json:"name"`       // e.g. "ATIS", "CochleaAMS1b", "saccade-ATIS model"
	Width      int    `json:"width"`      // pixels, 2-D sensors (0 for 1-D)
	Height     int    `json:"height"`     // pixels, 2-D sensors (0 for 1-D)
	Channels   int    `json:"channels"`   // channels, 1-D sensors (0 for 2-D)
	Polarities int    `json:"polarities"` // 2 for ON/OFF sensors, 1 if polarity is absent
}

// Is2D reports whether the sensor is a 2-D pixel array.
func (s Sensor) Is2D() bool { return s.Width > 0 && s.Height > 0 }

// Sample is one labelled recording.
type Sample struct {
	Label int    // index into Dataset.Classes
	ID    string // where it came from: file name, HDF5 id, generator key
	// Speaker is the source that group-wise splits hold out together: the
	// speaker of a spoken digit, the voice of a synthetic one; empty for
	// images unless a converter sets it.
	Speaker string
	// Meta holds further provenance (converter parameters, source index...).
	// Meta[MetaInstance] names the item the recording was made of.
	Meta map[string]string

	Events2D []Event2D // 2-D sensors, time-ordered
	Events1D []Event1D // 1-D sensors, time-ordered

	// Audio is the waveform the events were converted from, for front
	// ends that work on audio (the MFCC baseline); nil unless the source
	// was asked to keep it (fsdd:DIR?keep_audio=1).
	Audio *Waveform
}

// Waveform is mono audio: Samples in [−1, 1] at Rate Hz.
type Waveform struct {
	Rate    int
	Samples []float32
}

// Float64 returns the samples as float64s.
func (w *Waveform) Float64() []float64 {
	out := make([]float64, len(w.Samples))
	for i, v := range w.Samples {
		out[i] = float64(v)
	}
	return out
}

// Len returns the number of events of the sample.
func (s *Sample) Len() int { return len(s.Events2D) + len(s.Events1D) }

// Dataset is an in-memory labelled collection of recordings from one sensor.
type Dataset struct {
	Name    string   // the source it was opened from
	Sensor  Sensor   // common to every sample
	Classes []string // class names; Sample.Label indexes this
	Samples []Sample
}

// MetaInstance is the Sample.Meta key that names the item a recording was
// made of, the same in every modality: "mnist-train-13" is MNIST training
// digit 13, as an image (source mnist:) and as the pen trajectory traced
// from it (source strokes:). Cross-modal experiments use it to keep the
// modalities' items distinct, so that no pair or retrieval matches a
// recording with another recording of the very same item.
const MetaInstance = "instance"

// Instance returns the sample's Meta[MetaInstance], "" if it has none.
func (s *Sample) Instance() string { return s.Meta[MetaInstance] }
