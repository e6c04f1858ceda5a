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

// Counted are an array's counters (crossbar.Counters) over every encoding
// of an experiment on it, beside what the workload predicts for the same
// encodings (each reservoir's per-inference work times its Samples). All
// figures are totals over the run.
type Counted struct {
	ADCConversions int64 `json:"adc_conversions"`
	CellReads      int64 `json:"cell_reads"`
	MVMs           int64 `json:"mvms"`
	Saturations    int64 `json:"saturations"`
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
	// Agree reports whether the conversions match (up to rounding: binary
	// inputs give the same reads by construction) and the array energy
	// within 5 % (the model prices the cells at their mean conductance).
	Agree bool   `json:"agree"`
	Note  string `json:"note,omitempty"`
}

// Diff returns the counters accumulated between before and after.
func Diff(after, before crossbar.Counters) crossbar.Counters {
	return crossbar.Counters{
		Pulses: after.Pulses - before.Pulses, CellReads: after.CellReads - before.CellReads,
		MVMs: after.MVMs - before.MVMs, ADCConversions: after.ADCConversions - before.ADCConversions,
		DACUpdates: after.DACUpdates - before.DACUpdates, Saturations: after.Saturations - before.Saturations,
		Energy: after.Energy - before.Energy,
	}
}

// Count compares counters c of an array over the encodings of workload w
// (c must cover the encodings alone: Diff of the counters after and
// before them) with the model, priced with the simulator's own parameters
// p (energy_adc, energy_tia, read_width) so that the two energies are
// comparable.
func Count(c crossbar.Counters, w Workload, p crossbar.Params) *Counted {
	k := &Counted{ADCConversions: c.ADCConversions, CellReads: c.CellReads, MVMs: c.MVMs, Saturations: c.Saturations,
		EnergyJ: float64(c.Energy)}
	vr := w.Macro.ReadVoltage
	for _, r := range w.Reservoirs {
		n := float64(r.Samples)
		k.ModelADCConversions += n * r.conversions(w.Macro)
		k.ModelCellReads += n * r.RowActivations * float64(r.Columns)
		k.ModelArrayEnergyJ += n * r.RowActivations * float64(r.Columns) * r.MeanG * vr * vr * float64(p.ReadWidth)
	}
	k.ArrayEnergyJ = k.EnergyJ - float64(k.ADCConversions)*float64(p.EnergyADC+p.EnergyTIA)
	rel := func(a, b float64) float64 {
		if b == 0 {
			if a == 0 {
				return 0
			}
			return math.Inf(1)
		}
		return (a - b) / b
	}
	k.ADCConversionsError = rel(float64(k.ADCConversions), k.ModelADCConversions)
	k.CellReadsError = rel(float64(k.CellReads), k.ModelCellReads)
	k.ArrayEnergyError = rel(k.ArrayEnergyJ, k.ModelArrayEnergyJ)
	convOK, energyOK := math.Abs(k.ADCConversionsError) < 1e-9, math.Abs(k.ArrayEnergyError) < 0.05
	k.Agree = convOK && energyOK
	switch {
	case !convOK:
		k.Note = "counted and modelled reads differ: expected with count inputs (a count's bit planes are priced as half set), " +
			"separate input and recurrent gains (two reads per step) or an on-board run on a grid of macros (the host skips tile rows " +
			"without driven rows, which the model, not seeing the steps, prices as read)"
	case !energyOK:
		k.Note = fmt.Sprintf("the reads agree but the cells' energy differs by %+.1f %%: the model prices the cells at their mean "+
			"conductance as read once through the ADC, which a coarse ADC (an LSB near one cell's conductance) biases", 100*k.ArrayEnergyError)
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
		fmt.Fprintf(&b, "\nArray counters over the run: %d ADC conversions (model %.6g), %d cell reads (model %.6g), "+
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
