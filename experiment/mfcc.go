package experiment

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/memlsm/memlsm/audio"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/events/source"
)

// FeatureKind names the features a classification head is trained on.
type FeatureKind string

const (
	// FeaturesLSM are the LSM's spike rates (the default).
	FeaturesLSM FeatureKind = "lsm"
	// FeaturesMFCC are MFCC statistics of each sample's waveform
	// (events.Sample.Audio): the baseline a speech engineer would try
	// first (MFCCConfig).
	FeaturesMFCC FeatureKind = "mfcc"
)

// ParseFeatureKinds parses a comma-separated list such as "lsm,mfcc".
func ParseFeatureKinds(s string) ([]FeatureKind, error) {
	var out []FeatureKind
	for _, p := range strings.Split(s, ",") {
		k := FeatureKind(strings.ToLower(strings.TrimSpace(p)))
		switch k {
		case FeaturesLSM, FeaturesMFCC:
		default:
			return nil, fmt.Errorf("experiment: features %q: want lsm or mfcc (or a comma-separated list)", p)
		}
		for _, o := range out {
			if o == k {
				return nil, fmt.Errorf("experiment: features %q listed twice", k)
			}
		}
		out = append(out, k)
	}
	return out, nil
}

// MFCC summaries: how a recording's frames become one feature vector.
const (
	// MFCCStats is the mean and the standard deviation of every
	// coefficient over the recording's frames (2·13 values).
	MFCCStats = "stats"
	// MFCCSegments is the mean of every coefficient over each of
	// MFCCConfig.Segments equal parts of the recording (its own time base,
	// like the LSM's time windows).
	MFCCSegments = "segments"
	// MFCCBoth is both, concatenated.
	MFCCBoth = "both"
)

// DefaultMFCCSummary and DefaultMFCCSegments are the MFCC baseline's
// defaults; see MFCCConfig.
const (
	DefaultMFCCSummary  = MFCCBoth
	DefaultMFCCSegments = DefaultWindows
)

// MFCCConfig configures the MFCC baseline: MFCCs of every frame
// (audio.MFCC), summarised per recording, standardised and classified by
// the same head as the LSM's features (for the default linear probe:
// multinomial logistic regression).
type MFCCConfig struct {
	// Params of the MFCC analysis; the zero value means
	// audio.DefaultMFCCParams (HTK's recipe, 13 coefficients).
	Params audio.MFCCParams `json:"params"`
	// Summary is MFCCStats, MFCCSegments or MFCCBoth; "" means
	// DefaultMFCCSummary.
	Summary string `json:"summary"`
	// Segments is the number of equal parts for MFCCSegments; 0 means
	// DefaultMFCCSegments.
	Segments int `json:"segments"`
}

func (c MFCCConfig) resolve() (MFCCConfig, error) {
	if c.Params == (audio.MFCCParams{}) {
		c.Params = audio.DefaultMFCCParams()
	}
	if err := c.Params.Validate(); err != nil {
		return c, err
	}
	if c.Summary == "" {
		c.Summary = DefaultMFCCSummary
	}
	switch c.Summary {
	case MFCCStats, MFCCSegments, MFCCBoth:
	default:
		return c, fmt.Errorf("experiment: mfcc summary %q: want %s, %s or %s", c.Summary, MFCCStats, MFCCSegments, MFCCBoth)
	}
	if c.Segments == 0 {
		c.Segments = DefaultMFCCSegments
	}
	if c.Segments < 1 || c.Segments > 1000 {
		return c, fmt.Errorf("experiment: mfcc segments %d not in 1..1000", c.Segments)
	}
	return c, nil
}

// dim returns the length of one summary.
func (c MFCCConfig) dim() int {
	nc := c.Params.Coefficients
	switch c.Summary {
	case MFCCStats:
		return 2 * nc
	case MFCCSegments:
		return c.Segments * nc
	}
	return (2 + c.Segments) * nc
}

// String describes the baseline in one line.
func (c MFCCConfig) String() string {
	p := c.Params
	s := fmt.Sprintf("%d MFCCs (%d mel filters, %g ms frames every %g ms)", p.Coefficients, p.Filters, p.Window*1e3, p.Hop*1e3)
	switch c.Summary {
	case MFCCStats:
		return s + ", mean and std over the recording"
	case MFCCSegments:
		return s + fmt.Sprintf(", means over %d equal parts of the recording", c.Segments)
	}
	return s + fmt.Sprintf(", mean and std over the recording and means over %d equal parts", c.Segments)
}

// summarise appends the summary of frames (frame-major, nc values each) to
// dst. A recording without frames gives zeros.
func (c MFCCConfig) summarise(dst []float32, frames []float64, nc int) []float32 {
	n := len(frames) / nc
	if c.Summary != MFCCSegments {
		mean := make([]float64, nc)
		sq := make([]float64, nc)
		for f := range n {
			for k, v := range frames[f*nc : (f+1)*nc] {
				mean[k] += v
				sq[k] += v * v
			}
		}
		for k := range nc {
			if n > 0 {
				mean[k] /= float64(n)
				sq[k] = math.Sqrt(max(sq[k]/float64(n)-mean[k]*mean[k], 0))
			}
			dst = append(dst, float32(mean[k]))
		}
		for k := range nc {
			dst = append(dst, float32(sq[k])) // the standard deviation
		}
	}
	if c.Summary != MFCCStats {
		for s := range c.Segments {
			lo, hi := s*n/c.Segments, (s+1)*n/c.Segments
			if hi <= lo && n > 0 { // fewer frames than segments: the nearest frame
				lo = min(s*n/c.Segments, n-1)
				hi = lo + 1
			}
			for k := range nc {
				v := 0.0
				for f := lo; f < hi; f++ {
					v += frames[f*nc+k]
				}
				if hi > lo {
					v /= float64(hi - lo)
				}
				dst = append(dst, float32(v))
			}
		}
	}
	return dst
}

// mfccFeatures returns the MFCC summaries of every sample of d (d.Len() ×
// c.dim(), row-major), in parallel.
func mfccFeatures(ctx context.Context, d *events.Dataset, c MFCCConfig, workers int, prog Progress) ([]float32, error) {
	dim := c.dim()
	out := make([]float32, d.Len()*dim)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(min(workers, d.Len()), 1)
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	errAt := d.Len()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ex := map[int]*audio.MFCCExtractor{}
			var frames []float64
			var x []float64
			for {
				i := int(next.Add(1) - 1)
				if i >= d.Len() {
					return
				}
				fail := func(err error) {
					mu.Lock()
					if i < errAt {
						errAt, first = i, err
					}
					mu.Unlock()
					next.Store(int64(d.Len()))
				}
				if err := ctx.Err(); err != nil {
					fail(fmt.Errorf("experiment: mfcc: %w", err))
					return
				}
				s := &d.Samples[i]
				if s.Audio == nil {
					fail(fmt.Errorf("experiment: mfcc features need each sample's waveform, and sample %d (%s) of %s has none "+
						"(an fsdd: source keeps it with keep_audio=1; event recordings have none)", i, s.ID, d.Name))
					return
				}
				m := ex[s.Audio.Rate]
				if m == nil {
					var err error
					if m, err = audio.NewMFCCExtractor(c.Params, s.Audio.Rate); err != nil {
						fail(fmt.Errorf("experiment: mfcc: sample %s: %w", s.ID, err))
						return
					}
					ex[s.Audio.Rate] = m
				}
				x = x[:0]
				for _, v := range s.Audio.Samples {
					x = append(x, float64(v))
				}
				frames = m.Append(frames[:0], x)
				row := c.summarise(out[i*dim:i*dim:(i+1)*dim], frames, m.Coefficients())
				if len(row) != dim {
					panic("experiment: mfcc summary length") // programmer error
				}
				prog.Add(1)
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// SourceFor returns the data source spec to open for the features kinds:
// with FeaturesMFCC, an audio source (fsdd:, wav:) asked to keep the
// waveforms the cochlea heard (keep_audio=1); else spec unchanged.
func SourceFor(spec string, kinds []FeatureKind) string {
	if !slices.Contains(kinds, FeaturesMFCC) {
		return spec
	}
	if c, err := source.ConverterOf(spec); err != nil || c != source.Cochlea {
		return spec // not audio: Classify reports the missing waveforms
	}
	s, err := source.WithOptions(spec, "keep_audio", "1")
	if err != nil {
		return spec
	}
	return s
}

// PerturbedConditions opens the recordings of an audio source spec once
// per chain, perturbed before the cochlea (source.OpenPerturbed, the noise
// seeded by seed), keeping the first perClass samples of every class (all
// for 0) as Dataset.PerClass does: the test conditions of Classify for
// that source.
func PerturbedConditions(ctx context.Context, spec string, chains []audio.Chain, seed uint64, perClass int) ([]Condition, error) {
	var out []Condition
	for _, c := range chains {
		d, err := source.OpenPerturbed(ctx, spec, c, seed, source.Options{})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		out = append(out, Condition{Name: c.String(), Data: d.PerClass(perClass)})
	}
	return out, nil
}
