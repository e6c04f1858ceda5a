package crossbar

import (
	"context"
	"fmt"
	"math"

	"github.com/memlsm/memlsm/units"
)

// ReadVoltager is an Array that reports the read voltage its MVM applies,
// which turns column currents back into conductances (I/V_read).
type ReadVoltager interface {
	ReadVoltage() units.Volts
}

// DefaultReadVoltage is the read voltage assumed for an Array that is not a
// ReadVoltager: the lin2025 macro's, after DAC quantisation.
var DefaultReadVoltage = func() units.Volts {
	p, _ := Preset("lin2025")
	return NewPeriphery(p).ReadVoltage
}()

// readVoltage returns a's read voltage, or DefaultReadVoltage.
func readVoltage(a Array) units.Volts {
	if rv, ok := a.(ReadVoltager); ok {
		return rv.ReadVoltage()
	}
	return DefaultReadVoltage
}

// RandomWeights makes a reservoir's random weights the way the paper did
// (random weights by electroforming, Wang et al., Nat. Mach. Intell. 2023): one pulse form over the whole layout region, then one
// Read of the region. It returns the signed weights the LSM sees before its
// gain, (G⁺ − G⁻)/GUnit of each differential column pair: win is In×N
// row-major (win[i*N+j] from input i to neuron j) and wrec is N×N
// (wrec[k*N+j] from neuron k to neuron j). It works on any Array.
func RandomWeights(ctx context.Context, a Array, l ReservoirLayout, form Pulse) (win, wrec []float32, err error) {
	if err := l.Validate(); err != nil {
		return nil, nil, err
	}
	if err := a.Program(ctx, l.Region, form); err != nil {
		return nil, nil, fmt.Errorf("crossbar: forming the reservoir: %w", err)
	}
	g := make([]units.Siemens, l.Region.Cells())
	if err := a.Read(ctx, l.Region, g); err != nil {
		return nil, nil, fmt.Errorf("crossbar: reading the reservoir: %w", err)
	}
	win, wrec = DifferentialWeights(g, l)
	return win, wrec, nil
}

// Synapses runs a reservoir's synaptic currents on an Array, one MVM per
// time step (in-memory mode): the weights are never read out, every step
// sees fresh read noise, exactly as on the chip. It satisfies the
// lsm.Synapses interface. It is not safe for concurrent use (it owns
// scratch buffers), and an Array's noise is reproducible only when its
// operations come in a fixed order anyway.
type Synapses struct {
	a     Array
	l     ReservoirLayout
	x     []float64
	y     []units.Amps
	scale float64 // 1/(V_read·GUnit)
	sat   int64
}

// NewSynapses returns the synapses of layout l on a. The read voltage comes
// from a if it is a ReadVoltager, else DefaultReadVoltage. It panics if l
// is inconsistent (a programmer error).
func NewSynapses(a Array, l ReservoirLayout) *Synapses {
	if err := l.Validate(); err != nil {
		panic(err)
	}
	return &Synapses{
		a: a, l: l,
		x:     make([]float64, l.Region.Rows),
		y:     make([]units.Amps, l.Region.Cols),
		scale: 1 / (float64(readVoltage(a)) * float64(GUnit)),
	}
}

// Inputs returns the number of input rows, In.
func (s *Synapses) Inputs() int { return s.l.In }

// Neurons returns the number of neurons, N.
func (s *Synapses) Neurons() int { return s.l.N }

// Saturations returns the ADC conversions that clipped so far.
func (s *Synapses) Saturations() int64 { return s.sat }

// Current overwrites cur (length N) with the synaptic current of every
// neuron, in weight units before the gain:
//
//	cur[j] = (I⁺ⱼ − I⁻ⱼ) / (V_read·GUnit)
//
// where I± are the currents of neuron j's column pair in one MVM with the
// rows of the active inputs in (each < In) and of the neurons that spiked
// at the previous step rec (each < N, row In+k) driven: at 1 (binary) when
// inVal is nil, else at inVal[k] (each in [0, 1], applied bit-serially).
func (s *Synapses) Current(ctx context.Context, in []int32, inVal []float32, rec []int32, cur []float32) error {
	if len(cur) != s.l.N {
		panic(fmt.Sprintf("crossbar: Synapses.Current: cur has length %d, want %d", len(cur), s.l.N))
	}
	if inVal != nil && len(inVal) != len(in) {
		panic(fmt.Sprintf("crossbar: Synapses.Current: %d values for %d inputs", len(inVal), len(in)))
	}
	defer clear(s.x)
	for k, i := range in {
		if i < 0 || int(i) >= s.l.In {
			return fmt.Errorf("crossbar: Synapses.Current: input %d outside [0, %d)", i, s.l.In)
		}
		if inVal == nil {
			s.x[i] = 1
		} else {
			s.x[i] = float64(inVal[k])
		}
	}
	for _, k := range rec {
		if k < 0 || int(k) >= s.l.N {
			return fmt.Errorf("crossbar: Synapses.Current: neuron %d outside [0, %d)", k, s.l.N)
		}
		s.x[s.l.In+int(k)] = 1
	}
	sat, err := s.a.MVM(ctx, s.l.Region, s.x, s.y)
	if err != nil {
		return err
	}
	s.sat += int64(sat)
	for j := range cur {
		cur[j] = float32(float64(s.y[2*j]-s.y[2*j+1]) * s.scale)
	}
	return nil
}

// ConductanceStats summarises one read of an array: how many cells count
// as formed and the statistics of the formed cells' conductances.
type ConductanceStats struct {
	Cells          int     `json:"cells"`
	Formed         int     `json:"formed"`
	FormedFraction float64 `json:"formed_fraction"`
	MeanUS         float64 `json:"g_mean_us"` // µS, over formed cells
	StdUS          float64 `json:"g_std_us"`  // µS, sample standard deviation (n−1)
	MinUS          float64 `json:"g_min_us"`
	MaxUS          float64 `json:"g_max_us"`
}

// Summarize computes the statistics of the conductances g, counting a cell
// as formed when it reads above threshold (Params.FormedThreshold). With no
// formed cell the conductance statistics are zero.
func Summarize(g []units.Siemens, threshold units.Siemens) ConductanceStats {
	st := ConductanceStats{Cells: len(g), MinUS: math.Inf(1), MaxUS: math.Inf(-1)}
	var mean, m2 float64 // Welford
	for _, v := range g {
		if v <= threshold {
			continue
		}
		st.Formed++
		us := v.Micro()
		d := us - mean
		mean += d / float64(st.Formed)
		m2 += d * (us - mean)
		st.MinUS = min(st.MinUS, us)
		st.MaxUS = max(st.MaxUS, us)
	}
	if st.Formed == 0 {
		st.MinUS, st.MaxUS = 0, 0
		return st
	}
	st.FormedFraction = float64(st.Formed) / float64(st.Cells)
	st.MeanUS = mean
	if st.Formed > 1 {
		st.StdUS = math.Sqrt(m2 / float64(st.Formed-1))
	}
	return st
}

// DifferentialWeights turns one read of a layout's region (g row-major over
// l.Region, as Array.Read returns it) into the signed weights the LSM sees
// before its gain: (G⁺ − G⁻)/GUnit of each column pair, win In×N and wrec
// N×N, row-major (win[i*N+j] is the weight from input i to neuron j).
func DifferentialWeights(g []units.Siemens, l ReservoirLayout) (win, wrec []float32) {
	if len(g) != l.Region.Cells() {
		panic(fmt.Sprintf("crossbar: DifferentialWeights: %d conductances for a %d-cell region", len(g), l.Region.Cells()))
	}
	win, wrec = make([]float32, l.In*l.N), make([]float32, l.N*l.N)
	cols := l.Region.Cols
	for r := range l.In + l.N {
		row := g[r*cols : (r+1)*cols]
		var dst []float32
		if r < l.In {
			dst = win[r*l.N : (r+1)*l.N]
		} else {
			k := r - l.In
			dst = wrec[k*l.N : (k+1)*l.N]
		}
		for j := range dst {
			dst[j] = float32((row[2*j] - row[2*j+1]) / GUnit)
		}
	}
	return win, wrec
}
