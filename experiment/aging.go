package experiment

import (
	"context"
	"fmt"
	"math"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/units"
)

// AgingInfo records an aged experiment in MacroInfo.
type AgingInfo struct {
	AgeS      float64       `json:"age_s"`
	DriftComp bool          `json:"drift_comp"`
	Arrays    []ArrayAgeing `json:"arrays"` // one per array holding reservoirs
}

// ArrayAgeing is the relaxation of one array's reservoir cells between the
// reference reads right after forming and at Age.
type ArrayAgeing struct {
	// GMeanRatio is the mean conductance of the formed cells at Age over
	// that right after forming.
	GMeanRatio float64 `json:"g_mean_ratio"`
	// WeightRatio is mean|G⁺ − G⁻| at Age over right after forming.
	WeightRatio float64 `json:"weight_ratio"`
	// Scale is the drift-compensation factor α applied to the currents
	// (1/WeightRatio with DriftComp, 1 without).
	Scale float64                   `json:"scale"`
	AtAge crossbar.ConductanceStats `json:"at_age"` // the reference read at Age, as Regions
}

// Saturation is the share of ADC conversions that clipped at full scale
// while encoding (in-memory and on-board modes: every multiply's
// conversions).
type Saturation struct {
	Conversions int64   `json:"conversions"`
	Clipped     int64   `json:"clipped"`
	Fraction    float64 `json:"fraction"`
	// Warning is set when Fraction exceeds SaturationWarnFraction.
	Warning string `json:"warning,omitempty"`
}

// SaturationWarnFraction is the clipped share of ADC conversions above
// which a result warns: beyond 1 % the column currents that carry the
// reservoir's largest inputs are systematically cut (assumption: a
// threshold, not a physical constant).
const SaturationWarnFraction = 0.01

func newSaturation(conv, clipped int64) *Saturation {
	if conv == 0 {
		return nil
	}
	s := &Saturation{Conversions: conv, Clipped: clipped, Fraction: float64(clipped) / float64(conv)}
	if s.Fraction > SaturationWarnFraction {
		s.Warning = fmt.Sprintf("%.2f %% of the ADC conversions clipped at full scale (more than %.0f %%): "+
			"the column currents exceed the ADC range (lower the read voltage or tia_gain, raise adc_full_scale, or use analog_diff=1)",
			100*s.Fraction, 100*SaturationWarnFraction)
	}
	return s
}

// Warnings returns the warnings of the experiment on the macro (ADC
// saturation), one line each, for a CLI to print on stderr.
func (mi MacroInfo) Warnings() []string {
	if mi.Saturation != nil && mi.Saturation.Warning != "" {
		return []string{mi.Saturation.Warning}
	}
	return nil
}

// counts returns a's ADC conversion and saturation counters, if it counts.
func adcCounts(a crossbar.Array) (conv, sat int64, ok bool) {
	c, ok := a.(crossbar.Counter)
	if !ok {
		return 0, 0, false
	}
	n := c.Counters()
	return n.ADCConversions, n.Saturations, true
}

// aging reports whether the experiment ages its arrays before inference.
func (m *macroRun) aging() bool { return m.cfg.Age > 0 && !m.cfg.Software }

// age lets Macro.Age pass on every array holding reservoirs (once), takes
// the reference reads at Age and prepares every reservoir for inference:
// its read-once weights at Age and, with DriftComp, the compensation scale.
// Calling it again does nothing.
func (m *macroRun) age(ctx context.Context) error {
	if !m.aging() || m.aged {
		return nil
	}
	m.aged = true
	info := &AgingInfo{AgeS: float64(m.cfg.Age), DriftComp: m.cfg.DriftComp}
	scale := map[crossbar.Array]float64{}
	for _, a := range m.counted {
		clk, ok := a.(crossbar.Clock)
		if !ok {
			return fmt.Errorf("experiment: ageing by %v needs an array with a clock (crossbar.Clock); %T has none", m.cfg.Age, a)
		}
		if err := clk.Wait(ctx, m.cfg.Age); err != nil {
			return fmt.Errorf("experiment: ageing the array by %v: %w", m.cfg.Age, err)
		}
		var w0, w1, g0, g1 float64
		var n0, n1 int
		var last crossbar.ConductanceStats
		var aged []regionRead
		var c0 crossbar.Counters
		if c, ok := a.(crossbar.Counter); ok {
			c0 = c.Counters()
		}
		for _, rd := range m.reads[a] {
			g := make([]units.Siemens, rd.r.Cells())
			if err := a.Read(ctx, rd.r, g); err != nil {
				return fmt.Errorf("experiment: reference read at age %v of %v: %w", m.cfg.Age, rd.r, err)
			}
			aged = append(aged, regionRead{rd.r, g})
			w0 += sumAbsPairs(rd.g, rd.r.Cols)
			w1 += sumAbsPairs(g, rd.r.Cols)
			s0 := crossbar.Summarize(rd.g, m.params.FormedThreshold)
			s1 := crossbar.Summarize(g, m.params.FormedThreshold)
			g0 += s0.MeanUS * float64(s0.Formed)
			g1 += s1.MeanUS * float64(s1.Formed)
			n0 += s0.Formed
			n1 += s1.Formed
			last = s1
		}
		m.agedReads[a] = aged
		if c, ok := a.(crossbar.Counter); ok {
			m.ageReads[a] = cost.Diff(c.Counters(), c0)
		}
		ar := ArrayAgeing{Scale: 1, AtAge: last}
		if n0 > 0 && n1 > 0 && g0 > 0 {
			ar.GMeanRatio = (g1 / float64(n1)) / (g0 / float64(n0))
		}
		if w0 > 0 {
			ar.WeightRatio = w1 / w0
		}
		if m.cfg.DriftComp && w1 > 0 {
			ar.Scale = w0 / w1
		}
		scale[a] = ar.Scale
		info.Arrays = append(info.Arrays, ar)
	}
	for _, r := range m.placed {
		gs, ok := cut(m.agedReads[r.array], r.layout.Region)
		if !ok {
			return fmt.Errorf("experiment: no reference read at age covers %v", r.layout.Region) // cannot happen: place reads every region
		}
		win, wrec := crossbar.DifferentialWeights(gs, r.layout)
		r.agedDense = lsm.NewDense(r.layout.In, r.layout.N, win, wrec)
		r.scale = scale[r.array]
		r.aged = true
	}
	m.info.Aging = info
	return nil
}

// sumAbsPairs is Σ|G⁺ − G⁻| over the column pairs (2k, 2k+1) of a
// row-major read of cols columns, in siemens.
func sumAbsPairs(g []units.Siemens, cols int) float64 {
	var s float64
	for i := 0; i+cols <= len(g); i += cols {
		row := g[i : i+cols]
		for j := 0; j+1 < cols; j += 2 {
			s += math.Abs(float64(row[j] - row[j+1]))
		}
	}
	return s
}

// cut returns the conductances of r from a list of reads holding it.
func cut(reads []regionRead, r crossbar.Region) ([]units.Siemens, bool) {
	for _, rd := range reads {
		f := rd.r
		if r.Row < f.Row || r.Col < f.Col || r.Row+r.Rows > f.Row+f.Rows || r.Col+r.Cols > f.Col+f.Cols {
			continue
		}
		g := make([]units.Siemens, r.Cells())
		for i := range r.Rows {
			src := rd.g[(r.Row-f.Row+i)*f.Cols+(r.Col-f.Col):]
			copy(g[i*r.Cols:(i+1)*r.Cols], src[:r.Cols])
		}
		return g, true
	}
	return nil, false
}

// weights returns the read-once synapses of an encoding right after
// forming or (aged) at Macro.Age, and the factor on the gain (drift
// compensation). Before ageing, both are the weights right after forming.
func (r *reservoir) weights(aged bool) (*lsm.Dense, float64) {
	if aged && r.aged {
		return r.agedDense, r.scale
	}
	return r.dense, 1
}

// scaleGain multiplies every gain of c by s.
func scaleGain(c lsm.Config, s float64) lsm.Config {
	if s == 1 {
		return c
	}
	c.Gain *= s
	c.InGain *= s
	c.RecGain *= s
	return c
}
