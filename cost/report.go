package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/memlsm/memlsm/crossbar"
)

// Report is the cost of one inference of a workload on every system, with
// the ratios between them and the assumptions behind them.
type Report struct {
	Workload     Workload `json:"workload"`
	Board        Figure   `json:"board"`         // the test board as built
	Chip         Figure   `json:"chip"`          // the projected 40 nm macro
	Digital      Figure   `json:"digital"`       // event-driven digital baseline (45 nm)
	DigitalDense Figure   `json:"digital_dense"` // dense digital baseline (45 nm)
	GPU          Figure   `json:"gpu"`
	Ratios       Ratios   `json:"ratios"`

	ChipADCBits    int     `json:"chip_adc_bits"`
	ChipADCEnergyJ float64 `json:"chip_adc_energy_j"`

	// Counted compares the model with the array's own counters when the
	// experiment ran on the array (in-memory or on-board modes).
	Counted *Counted `json:"counted,omitempty"`

	Assumptions []string `json:"assumptions"`
}

// Counted are an array's counters (crossbar.Counters) over the encoding of
// Samples inferences, per inference, beside what the workload model
// predicts for the same run.
type Counted struct {
	Samples int64 `json:"samples"`

	ADCConversions float64 `json:"adc_conversions"`
	CellReads      float64 `json:"cell_reads"`
	MVMs           float64 `json:"mvms"`
	Saturations    float64 `json:"saturations"`
	// EnergyJ is the simulator's own energy count (its parameters'
	// energy_adc and energy_tia per conversion plus V²·G·t of every cell
	// read); ArrayEnergyJ is its cell part.
	EnergyJ      float64 `json:"energy_j"`
	ArrayEnergyJ float64 `json:"array_energy_j"`

	ModelADCConversions float64 `json:"model_adc_conversions"`
	ModelCellReads      float64 `json:"model_cell_reads"`
	ModelArrayEnergyJ   float64 `json:"model_array_energy_j"`
	// Relative differences (counted − model)/model.
	ADCConversionsError float64 `json:"adc_conversions_error"`
	CellReadsError      float64 `json:"cell_reads_error"`
	ArrayEnergyError    float64 `json:"array_energy_error"`
	// Agree reports whether conversions match exactly (binary inputs: the
	// same reads by construction) and the array energy within 5 % (the
	// model prices the cells at their mean conductance).
	Agree bool   `json:"agree"`
	Note  string `json:"note,omitempty"`
}

// Count compares counters c of an array over an encoding of samples
// inferences with the workload w priced on the simulator's own parameters
// p (crossbar.Params: energy_adc, energy_tia, read_width). c must cover
// the encoding alone (counters after it minus counters before it), and w
// must describe that same run (its reservoirs on that array).
func Count(c crossbar.Counters, samples int64, w Workload, p crossbar.Params) *Counted {
	n := float64(max(samples, 1))
	k := &Counted{Samples: samples,
		ADCConversions: float64(c.ADCConversions) / n, CellReads: float64(c.CellReads) / n,
		MVMs: float64(c.MVMs) / n, Saturations: float64(c.Saturations) / n, EnergyJ: float64(c.Energy) / n,
	}
	vr := w.Macro.ReadVoltage
	for _, r := range w.Reservoirs {
		k.ModelADCConversions += r.Reads * float64(r.Columns)
		k.ModelCellReads += r.RowActivations * float64(r.Columns)
		k.ModelArrayEnergyJ += r.RowActivations * float64(r.Columns) * r.MeanG * vr * vr * float64(p.ReadWidth)
	}
	k.ArrayEnergyJ = k.EnergyJ - k.ADCConversions*float64(p.EnergyADC+p.EnergyTIA)
	rel := func(a, b float64) float64 {
		if b == 0 {
			if a == 0 {
				return 0
			}
			return math.Inf(1)
		}
		return (a - b) / b
	}
	k.ADCConversionsError = rel(k.ADCConversions, k.ModelADCConversions)
	k.CellReadsError = rel(k.CellReads, k.ModelCellReads)
	k.ArrayEnergyError = rel(k.ArrayEnergyJ, k.ModelArrayEnergyJ)
	k.Agree = math.Abs(k.ADCConversionsError) < 1e-9 && math.Abs(k.ArrayEnergyError) < 0.05
	if !k.Agree {
		k.Note = "counted and modelled reads differ: expected with count inputs (a read's bit planes are counted as half set) or separate input and recurrent gains (two reads per step)"
	}
	return k
}

// Markdown renders the report as a Markdown section.
func (r *Report) Markdown() string {
	var b strings.Builder
	b.WriteString("### Cost per inference\n\n")
	b.WriteString("| system | energy | reservoir | head | latency | area |\n|---|---:|---:|---:|---:|---:|\n")
	for _, s := range []struct {
		name string
		f    Figure
	}{
		{"test board as built (discrete DAC/TIA/ADC, Zynq)", r.Board},
		{fmt.Sprintf("projected 40 nm chip (%d-bit SAR ADCs)", r.ChipADCBits), r.Chip},
		{"digital 45 nm, event-driven", r.Digital},
		{"digital 45 nm, dense", r.DigitalDense},
		{"GPU-class", r.GPU},
	} {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", s.name, eng(s.f.EnergyJ, "J"), eng(s.f.ReservoirEnergyJ, "J"),
			eng(s.f.HeadEnergyJ, "J"), eng(s.f.LatencyS, "s"), areaStr(s.f.AreaMM2))
	}
	q := r.Ratios
	fmt.Fprintf(&b, "\nEnergy ratios (whole inference; reservoir alone in brackets): digital/chip %.3g (%.3g), "+
		"dense digital/chip %.3g (%.3g), GPU/chip %.3g (%.3g), board/chip %.3g, GPU/board %.3g (%.3g). "+
		"Lin et al. 2025 claim 23.34× and 160× over digital hardware.\n",
		q.DigitalOverChip, q.ReservoirDigitalOverChip, q.DigitalDenseOverChip, q.ReservoirDigitalDenseOverChip,
		q.GPUOverChip, q.ReservoirGPUOverChip, q.BoardOverChip, q.GPUOverBoard, q.ReservoirGPUOverBoard)
	if c := r.Counted; c != nil {
		fmt.Fprintf(&b, "\nArray counters per inference: %.6g ADC conversions (model %.6g), %.6g cell reads (model %.6g), "+
			"array energy %s (model %s); agree: %v\n", c.ADCConversions, c.ModelADCConversions, c.CellReads, c.ModelCellReads,
			eng(c.ArrayEnergyJ, "J"), eng(c.ModelArrayEnergyJ, "J"), c.Agree)
	}
	b.WriteString("\nAssumptions:\n\n")
	for _, a := range r.Assumptions {
		fmt.Fprintf(&b, "- %s\n", a)
	}
	return b.String()
}

// eng formats x with an SI prefix and 4 significant digits.
func eng(x float64, unit string) string {
	if x == 0 {
		return "0 " + unit
	}
	prefixes := []struct {
		s string
		f float64
	}{{"", 1}, {"m", 1e-3}, {"µ", 1e-6}, {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15}}
	for _, p := range prefixes {
		if math.Abs(x) >= p.f {
			return fmt.Sprintf("%.4g %s%s", x/p.f, p.s, unit)
		}
	}
	return fmt.Sprintf("%.4g %s", x, unit)
}

func areaStr(mm2 float64) string {
	if mm2 >= 100 {
		return fmt.Sprintf("%.4g cm²", mm2/100)
	}
	return fmt.Sprintf("%.4g mm²", mm2)
}
