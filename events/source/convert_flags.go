package source

import (
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/convert"
)

// ConverterFlag is a command-line flag that sets single fields of one
// converter's parameters (the keys of convert.SetParam).
type ConverterFlag struct {
	Name string
	Conv Converter
	Keys []string
	Help string
}

// ConverterFlags are the single-field flags of "memlsm data convert";
// --threshold sets both thresholds.
var ConverterFlags = []ConverterFlag{
	{"threshold", Saccade, []string{"threshold_on", "threshold_off"}, "images: contrast threshold of the pixels, ln-intensity units (ON and OFF)"},
	{"black-level", Saccade, []string{"black_level"}, "images: display black level relative to white (1/contrast)"},
	{"blur", Saccade, []string{"blur_px"}, "images: σ of the optical blur in pixels"},
	{"mismatch", Saccade, []string{"threshold_mismatch"}, "images: relative σ of the per-pixel thresholds"},
	{"pixel-noise", Saccade, []string{"noise_rate_hz"}, "images: background events per pixel per second, e.g. 0.1Hz"},
	{"channels", Cochlea, []string{"channels"}, "audio: cochlea channels"},
	{"freq-low", Cochlea, []string{"freq_low_hz"}, "audio: best frequency of the last channel, e.g. 100Hz"},
	{"freq-high", Cochlea, []string{"freq_high_hz"}, "audio: best frequency of channel 0, e.g. 8kHz"},
	{"tap-q", Cochlea, []string{"tap_q"}, "audio: quality factor of the channels' band-pass filters"},
	{"level", Cochlea, []string{"level_db"}, "audio: active speech level (ITU-T P.56) recordings are scaled to, dB"},
	{"half-sat", Cochlea, []string{"half_sat"}, "audio: half-saturation level of the hair-cell compression"},
	{"max-rate", Cochlea, []string{"rate_hz"}, "audio: ganglion-cell drive at saturation, e.g. 500Hz"},
	{"channel-noise", Cochlea, []string{"noise_rate_hz"}, "audio: spontaneous events per channel per second"},
}

// ConverterParams builds conv's parameters: the defaults, or the
// parameter file (JSON; "" for none), then the ConverterFlags given in
// set (flag name → value). A flag of another converter is an error
// matching ErrSpec; bad values match convert.ErrParams.
func ConverterParams(conv Converter, file string, set map[string]string) (any, error) {
	var sets [][2]string
	for _, f := range ConverterFlags {
		if v, ok := set[f.Name]; ok {
			if f.Conv != conv {
				return nil, specErrorf("--%s applies to %s conversions, not %s", f.Name, f.Conv, conv)
			}
			for _, k := range f.Keys {
				sets = append(sets, [2]string{k, v})
			}
		}
	}
	return convert.NewParams(string(conv), file, sets)
}

// UseParams makes the conversions use params, one of the parameter types
// ConverterParams returns.
func (o *Options) UseParams(params any) {
	o.Cochlea, _ = params.(*convert.CochleaParams)
	o.Saccade, _ = params.(*convert.SaccadeParams)
	o.RateCode, _ = params.(*convert.RateParams)
	o.Motor, _ = params.(*convert.MotorParams)
}

// Conversion describes a converted data set as "memlsm data convert"
// reports it.
type Conversion struct {
	Source      string         `json:"source"`
	Out         string         `json:"out"`
	Converter   string         `json:"converter"` // "cochlea", "saccade", ...
	Samples     int            `json:"samples"`
	Classes     []string       `json:"classes"`
	ClassCounts map[string]int `json:"class_counts"`
	Events      int64          `json:"events"`
	Bytes       int            `json:"bytes"`
	Seed        uint64         `json:"seed"`
	Params      any            `json:"params"`
}

// NewConversion describes d, converted from spec by conv with params and
// seed and written to out in size bytes.
func NewConversion(d *events.Dataset, spec, out string, conv Converter, params any, seed uint64, size int) Conversion {
	sum := d.Summarize(spec)
	return Conversion{Source: spec, Out: out, Converter: string(conv), Samples: sum.Samples, Classes: sum.Classes,
		ClassCounts: sum.ClassCounts, Events: sum.Events, Bytes: size, Seed: seed, Params: params}
}
