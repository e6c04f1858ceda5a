package crossbar

import (
	"errors"
	"fmt"
	"math"

	"github.com/memlsm/memlsm/units"
)

// The forming model: which cells a pulse breaks down, and what conductance
// the broken-down cells are left with.
//
// Breakdown (which cells form) is the E-model of time-dependent dielectric
// breakdown: a cell with breakdown voltage Vbd under amplitude V accumulates
// damage at the rate exp((V − Vbd)/FormAccel)/RefWidth per second and breaks
// down when its damage reaches 1, at
//
//	t_bd = (1 − D₀)·RefWidth·exp(−(V − Vbd)/FormAccel)
//
// into the pulse (D₀: damage from earlier pulses). A pulse of width w forms
// the fresh cells with Vbd ≤ V + FormAccel·ln(w/RefWidth).
//
// Conductance (what the filament becomes) is set by the charge that flows
// through the cell after it broke down. Two well-documented effects of the
// oxide-RRAM literature are combined:
//
//   - The filament grows at the compliance current I_cc until the voltage
//     across it has fallen to the one at which further growth would take
//     longer than the time already spent: field-driven growth makes that
//     voltage fall logarithmically with time (Ielmini, IEEE TED 58, 4309
//     (2011): set voltage rising logarithmically with the sweep rate, and the
//     "universal" R_LRS·I_C = V_C). With V_C = ComplianceRef/LRSMean the
//     holding voltage after time t at compliance is
//
//     V_hold(t) = V_C − GrowthAccel·ln(t/RefWidth)
//
//     and the conductance G = I_cc/V_hold(t): one RefWidth at compliance
//     gives the measured LRSMean at GateRef.
//
//   - At breakdown the line capacitance charged to the pulse amplitude
//     discharges through the new filament (current overshoot): more charge,
//     a larger filament (Ambrogio et al., IEEE EDL 37, 1268 (2016); Shrestha
//     et al., Solid-State Electron. (2018): the overshoot's duration and
//     charge, not its peak, matter). Its charge C·(V − V_C) counts as
//     C·(V − V_C)/I_cc of extra time at compliance.
//
// So a cell that broke down t_bd into a pulse of width w and amplitude V is
// left with
//
//	t_eff = (w − t_bd) + ParasiticCap·(V − V_C)/I_cc
//	G     = k·LRSMean · V_C/V_hold(t_eff) · (1 + cv·z)
//
// where k = ((gate − Vth)/(GateRef − Vth))^α is the compliance law and
// (1 + cv·z) the measured device-to-device and cycle-to-cycle spread
// (cv = LRSStd/LRSMean). Higher amplitude forms more cells, earlier, with
// more overshoot: conductance rises with it. A longer pulse forms more cells
// and leaves each longer at compliance: conductance rises logarithmically
// with width. Cells that only just break down (Vbd near the pulse's
// threshold) spend little time at compliance, so a pulse that forms a
// fraction of the array leaves a lower mean and a wider relative spread
// than one that forms it all. V_hold is kept within [V_C/100, V] (a cell never holds
// more than the applied amplitude). The functional forms are the cited
// papers' mechanisms; their combination and the values of GrowthAccel and
// ParasiticCap are assumptions (Params.Table).
type growth struct {
	vc       float64 // holding voltage at one RefWidth: ComplianceRef/LRSMean
	accel    float64 // GrowthAccel
	cap      float64 // ParasiticCap
	iccRef   float64 // ComplianceRef
	refWidth float64
}

func newGrowth(p Params) growth {
	return growth{
		vc: float64(p.ComplianceRef) / float64(p.LRSMean), accel: float64(p.GrowthAccel),
		cap: float64(p.ParasiticCap), iccRef: float64(p.ComplianceRef), refWidth: float64(p.RefWidth),
	}
}

// factor returns V_C/V_hold(t_eff): the formed conductance relative to
// k·LRSMean, for a cell that spent tcc at the compliance current icc after
// breaking down under amplitude v.
func (g growth) factor(v, tcc, icc float64) float64 {
	teff := max(tcc, 0)
	if icc > 0 {
		teff += g.cap * max(v-g.vc, 0) / icc
	}
	vh := v
	if teff > 0 {
		vh = g.vc - g.accel*math.Log(teff/g.refWidth)
	}
	vh = min(max(vh, g.vc/100), max(v, g.vc/100))
	return g.vc / vh
}

// DeconvolveReadNoise returns the device-to-device σ of conductances whose
// measured σ (through a read path with multiplicative read noise of
// relative σ readNoise, G·(1 + readNoise·z)) is measuredStd around mean:
// var(read) = var(G)·(1 + r²) + r²·mean², so
//
//	σ_G = √((measuredStd² − (readNoise·mean)²)/(1 + readNoise²)).
//
// It returns 0 if the read noise alone explains the measured σ.
func DeconvolveReadNoise(measuredStd, mean units.Siemens, readNoise float64) units.Siemens {
	v := (float64(measuredStd)*float64(measuredStd) - readNoise*readNoise*float64(mean)*float64(mean)) / (1 + readNoise*readNoise)
	if v <= 0 {
		return 0
	}
	return units.Siemens(math.Sqrt(v))
}

// FormingPrediction is what the forming model predicts, in closed form,
// for one pulse on a pristine array: the formed fraction and the
// statistics of the formed cells' conductances, both of the devices and as
// one Read reports them (with read noise and ADC quantisation).
type FormingPrediction struct {
	FormedFraction float64 `json:"formed_fraction"`
	MeanUS         float64 `json:"g_mean_us"`      // µS, devices, formed cells
	StdUS          float64 `json:"g_std_us"`       // µS, devices, formed cells
	ReadMeanUS     float64 `json:"read_g_mean_us"` // µS, as read
	ReadStdUS      float64 `json:"read_g_std_us"`  // µS, as read
}

// PredictForming returns the model's prediction for pulse (Mode Form) on a
// pristine array with parameters p: the formed fraction
//
//	(1 − s_HRS − s_LRS)·Φ((V + FormAccel·ln(w/RefWidth) − VbdMean)/VbdStd) + s_LRS
//
// (stuck-LRS cells count as formed) and the conductance moments of the
// formed cells, the growth factor V_C/V_hold averaged over the breakdown
// voltages that form (a one-dimensional integral of closed-form terms,
// evaluated by Simpson's rule). It neglects the LRSMin/LRSMax clips (more
// than 4σ away for lin2025) and the DAC quantisation of the pulse. Read
// adds (ReadNoise·G)² and one ADC step²/12 to the variance, which holds
// while a step is small against the spread (not for a coarse ADC, whose
// reads round whole cells to 0).
func PredictForming(p Params, pulse Pulse) FormingPrediction {
	v, w := float64(pulse.Amplitude), float64(pulse.Width)
	g := newGrowth(p)
	a, mu, sd := float64(p.FormAccel), float64(p.VbdMean), float64(p.VbdStd)
	free := 1 - p.StuckHRSRate - p.StuckLRSRate
	var k float64
	if gate, vth := float64(pulse.Gate), float64(p.TransistorVth); gate > vth {
		k = math.Pow((gate-vth)/float64(p.GateRef-p.TransistorVth), p.TransistorAlpha)
	}
	icc := float64(p.ComplianceRef) * k
	cv := float64(p.LRSStd / p.LRSMean)
	base := float64(p.LRSMean) * 1e6 // µS

	zf := (v + a*math.Log(w/float64(p.RefWidth)) - mu) / sd // forms iff z ≤ zf
	pf := 0.0
	var m1, m2 float64 // E[h·1{formed}], E[h²·1{formed}]
	if k > 0 {
		pf = normCDF(zf)
		const lo, n = -9.0, 4000
		hi := min(zf, 9)
		if hi > lo {
			step := (hi - lo) / n
			for i := 0; i <= n; i++ {
				z := lo + float64(i)*step
				vbd := mu + sd*z
				tbd := float64(p.RefWidth) * math.Exp(-(v-vbd)/a)
				h := g.factor(v, w-tbd, icc)
				wt := 2.0
				switch {
				case i == 0 || i == n:
					wt = 1
				case i%2 == 1:
					wt = 4
				}
				d := wt * step / 3 * math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
				m1 += d * h
				m2 += d * h * h
			}
		}
	}
	// Mixture over the formed cells: free cells that formed (device draw at
	// compliance factor k and growth h) and stuck-LRS cells (factor 1).
	wn, wl := free*pf, p.StuckLRSRate
	pred := FormingPrediction{FormedFraction: wn + wl}
	if pred.FormedFraction == 0 {
		return pred
	}
	e1 := (free*base*k*m1 + wl*base) / pred.FormedFraction
	e2 := (free*base*base*k*k*m2*(1+cv*cv) + wl*base*base*(1+cv*cv)) / pred.FormedFraction
	pred.MeanUS = e1
	pred.StdUS = math.Sqrt(max(e2-e1*e1, 0))
	lsb := float64(NewPeriphery(p).Siemens(1)) * 1e6
	pred.ReadMeanUS = e1
	pred.ReadStdUS = math.Sqrt(max(e2*(1+p.ReadNoise*p.ReadNoise)-e1*e1+lsb*lsb/12, 0))
	return pred
}

// normCDF is the standard normal distribution function.
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// normQuantile is the inverse of normCDF (bisection on Erfc to 1e-12).
func normQuantile(p float64) float64 {
	lo, hi := -40.0, 40.0
	for range 200 {
		mid := (lo + hi) / 2
		if normCDF(mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// AmplitudeForFraction returns the forming amplitude at which one pulse of
// the given width forms the fraction of a pristine array (stuck-LRS cells
// included) — sparsity set by the pulse, as the group chose its programming
// voltage from the measured breakdown distribution (Wang et al., Nat. Mach.
// Intell. 2023):
//
//	V = VbdMean + VbdStd·Φ⁻¹((fraction − s_LRS)/(1 − s_HRS − s_LRS)) − FormAccel·ln(width/RefWidth)
//
// It fails for a fraction the stuck cells make unreachable.
func AmplitudeForFraction(p Params, fraction float64, width units.Seconds) (units.Volts, error) {
	free := 1 - p.StuckHRSRate - p.StuckLRSRate
	q := (fraction - p.StuckLRSRate) / free
	if !(q > 0 && q < 1) || !(width > 0) {
		return 0, fmt.Errorf("crossbar: a formed fraction of %g is not reachable (stuck cells fix it to (%g, %g)); width %v", fraction,
			p.StuckLRSRate, p.StuckLRSRate+free, width)
	}
	v := float64(p.VbdMean) + float64(p.VbdStd)*normQuantile(q) - float64(p.FormAccel)*math.Log(float64(width/p.RefWidth))
	return units.Volts(v), nil
}

// Ramp is a staircase voltage sweep used to measure breakdown voltages:
// Start, Start+Step, … each held for Dwell, the cell's breakdown voltage
// being the level of the step during which it broke down.
type Ramp struct {
	Start units.Volts
	Step  units.Volts
	Dwell units.Seconds
}

// RampMoments returns the mean and standard deviation of the breakdown
// voltages ramp r records on fresh cells whose single-pulse breakdown
// voltages are N(vbdMean, vbdStd) at RefWidth, under the model's E-model
// with acceleration formAccel: a cell has broken down by step k when its
// damage Σ_{i≤k} (Dwell/RefWidth)·exp((V_i − Vbd)/formAccel) reaches 1,
// i.e. when Vbd ≤ formAccel·ln((Dwell/RefWidth)·Σ_{i≤k} exp(V_i/formAccel)).
func RampMoments(r Ramp, vbdMean, vbdStd, formAccel units.Volts, refWidth units.Seconds) (mean, std units.Volts) {
	a, mu, sd := float64(formAccel), float64(vbdMean), float64(vbdStd)
	lnScale := math.Log(float64(r.Dwell / refWidth))
	var s1, s2, prev, lse float64
	lse = math.Inf(-1) // log Σ exp(V_i/a), accumulated stably
	for k := 0; ; k++ {
		vk := float64(r.Start) + float64(k)*float64(r.Step)
		x := vk / a
		lse = max(lse, x) + math.Log1p(math.Exp(-math.Abs(lse-x)))
		b := a * (lse + lnScale)
		c := normCDF((b - mu) / sd)
		pk := c - prev
		prev = c
		s1 += pk * vk
		s2 += pk * vk * vk
		if (b-mu)/sd > 12 || k > 1e6 {
			break
		}
	}
	return units.Volts(s1), units.Volts(math.Sqrt(max(s2-s1*s1, 0)))
}

// FitRampBreakdown converts breakdown voltages measured with ramp r (their
// mean and standard deviation) to the model's single-pulse parameters at
// RefWidth: the VbdMean and VbdStd for which RampMoments gives the measured
// moments. The conversion uses p's FormAccel and RefWidth. lin2025's
// VbdMean and VbdStd are this conversion of Wang et al., Nat. Mach. Intell.
// 5, 104 (2023), Extended Data Fig. 1.
func FitRampBreakdown(mean, std units.Volts, r Ramp, p Params) (vbdMean, vbdStd units.Volts, err error) {
	if !(std > 0) || !(r.Step > 0) || !(r.Dwell > 0) || !(p.FormAccel > 0) || !(p.RefWidth > 0) {
		return 0, 0, errors.New("crossbar: ramp fit needs σ, step, dwell, form_accel and ref_width > 0")
	}
	if mean <= r.Start {
		return 0, 0, fmt.Errorf("crossbar: ramp fit: mean breakdown %v is not above the ramp's start %v", mean, r.Start)
	}
	mu, sd := mean, std
	for range 500 {
		m, s := RampMoments(r, mu, sd, p.FormAccel, p.RefWidth)
		dm, ds := mean-m, float64(std)/float64(s)
		mu += dm
		sd = units.Volts(float64(sd) * ds)
		if math.Abs(float64(dm)) < 1e-12 && math.Abs(ds-1) < 1e-12 {
			return mu, sd, nil
		}
	}
	return 0, 0, fmt.Errorf("crossbar: ramp fit of %v ± %v did not converge", mean, std)
}
