package calibrate

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// The standard normal, from gonum's distuv.
var (
	normCDF      = distuv.UnitNormal.CDF      // Φ(z)
	normSF       = distuv.UnitNormal.Survival // 1 − Φ(z), without cancellation in the upper tail
	normPDF      = distuv.UnitNormal.Prob     // φ(z)
	normQuantile = distuv.UnitNormal.Quantile // Φ⁻¹(p)
	// z95 is the two-sided 95 % quantile, Φ⁻¹(0.975) ≈ 1.95996, used for
	// every confidence interval.
	z95 = distuv.UnitNormal.Quantile(0.975)
)

// logFloor keeps logarithms of vanishing probabilities finite, so a fit
// that starts far away still has a direction to move in.
const logFloor = 1e-300

// normMass returns Φ(b) − Φ(a) for a ≤ b, using the tail that avoids
// cancellation.
func normMass(a, b float64) float64 {
	if a > 0 {
		return normSF(a) - normSF(b)
	}
	return normCDF(b) - normCDF(a)
}

// NormalFit is a normal distribution fitted to a sample.
type NormalFit struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std"`     // sample standard deviation (n−1)
	KS     float64 `json:"ks"`      // Kolmogorov–Smirnov distance of the sample to N(Mean, Std)
	LogLik float64 `json:"log_lik"` // at the maximum-likelihood estimates
}

// fitNormal fits a normal distribution by its moments (the maximum-
// likelihood mean; the unbiased standard deviation) and measures the fit.
func fitNormal(x []float64) NormalFit {
	f := NormalFit{N: len(x)}
	if len(x) == 0 {
		return f
	}
	f.Mean, f.Std = stat.MeanStdDev(x, nil)
	if len(x) < 2 {
		f.Std = 0
		return f
	}
	f.KS = ksDistance(x, func(v float64) float64 { return normCDF((v - f.Mean) / f.Std) })
	f.LogLik = normalLogLik(x, f.Mean)
	return f
}

// normalLogLik is the log-likelihood of x under the normal with mean mu and
// the maximum-likelihood variance (divisor n).
func normalLogLik(x []float64, mu float64) float64 {
	n := float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mu) * (v - mu)
	}
	v := ss / n
	if v <= 0 {
		return math.Inf(1)
	}
	return -n/2*math.Log(2*math.Pi*v) - n/2
}

// ksDistance is the Kolmogorov–Smirnov statistic sup|Fₙ − F| of the
// sample x against the CDF cdf.
func ksDistance(x []float64, cdf func(float64) float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	n := float64(len(s))
	var d float64
	for i, v := range s {
		f := cdf(v)
		d = max(d, math.Abs(float64(i+1)/n-f), math.Abs(f-float64(i)/n))
	}
	return d
}

// DistFit compares a normal and a log-normal model of a positive sample
// by their maximum likelihood and the Akaike information criterion (both
// have two parameters, so AIC ranks them by likelihood alone).
type DistFit struct {
	Normal       NormalFit `json:"normal"`
	LogMean      float64   `json:"log_mean"` // mean of ln x (x in the sample's unit)
	LogStd       float64   `json:"log_std"`  // standard deviation of ln x
	LogNormalKS  float64   `json:"lognormal_ks"`
	LogNormalLL  float64   `json:"lognormal_log_lik"`
	AICNormal    float64   `json:"aic_normal"`
	AICLogNormal float64   `json:"aic_lognormal"`
	Best         string    `json:"best"` // "normal" or "lognormal": the lower AIC
}

// fitNormalOrLogNormal fits both models to x (every value must be > 0).
func fitNormalOrLogNormal(x []float64) DistFit {
	f := DistFit{Normal: fitNormal(x)}
	if len(x) < 3 {
		f.Best = "normal"
		return f
	}
	lx := make([]float64, len(x))
	var sumLog float64
	for i, v := range x {
		lx[i] = math.Log(v)
		sumLog += lx[i]
	}
	f.LogMean, f.LogStd = stat.MeanStdDev(lx, nil)
	f.LogNormalKS = ksDistance(lx, func(v float64) float64 { return normCDF((v - f.LogMean) / f.LogStd) })
	// The log-normal density of x is the normal density of ln x over x.
	f.LogNormalLL = normalLogLik(lx, f.LogMean) - sumLog
	f.AICNormal = 2*2 - 2*f.Normal.LogLik
	f.AICLogNormal = 2*2 - 2*f.LogNormalLL
	f.Best = "normal"
	if f.AICLogNormal < f.AICNormal {
		f.Best = "lognormal"
	}
	return f
}

// minimize minimises f from x0 with Nelder–Mead and returns the minimiser
// and the standard errors of its coordinates from the inverse of the
// numerical Hessian of f there (f is a negative log-likelihood, so that
// inverse is the asymptotic covariance). A standard error is NaN when the
// Hessian is not positive definite (an unidentified direction).
func minimize(f func(x []float64) float64, x0 []float64) (x, se []float64, err error) {
	res, err := optimize.Minimize(optimize.Problem{Func: f}, x0,
		&optimize.Settings{FuncEvaluations: 20000, Converger: &optimize.FunctionConverge{Absolute: 1e-10, Iterations: 200}},
		&optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, nil, err
	}
	x = res.X
	if v := f(x); math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, nil, errors.New("calibrate: likelihood is not finite at the optimum")
	}
	se = make([]float64, len(x))
	for i := range se {
		se[i] = math.NaN()
	}
	var h mat.SymDense
	fd.Hessian(&h, f, x, nil)
	var ch mat.Cholesky
	if ch.Factorize(&h) {
		var cov mat.SymDense
		if ch.InverseTo(&cov) == nil {
			for i := range se {
				if v := cov.At(i, i); v > 0 {
					se[i] = math.Sqrt(v)
				}
			}
		}
	}
	return x, se, nil
}

// ProbitFit is a normal CDF P(V) = Φ((V − V50)/Sigma) fitted by maximum
// likelihood to binomial counts: k of n cells switched at V.
type ProbitFit struct {
	V50     float64 `json:"v50"`      // V, 50 % point
	V50SE   float64 `json:"v50_se"`   // V, standard error from the Fisher information
	V50Lo   float64 `json:"v50_lo"`   // V, 95 % confidence interval
	V50Hi   float64 `json:"v50_hi"`   //
	Sigma   float64 `json:"sigma"`    // V, spread of the threshold
	SigmaSE float64 `json:"sigma_se"` // V
	LogLik  float64 `json:"log_lik"`
	Points  int     `json:"points"`
	Cells   int     `json:"cells"`
}

// fitProbit fits ProbitFit to the points (v[i], n[i] cells, k[i] switched).
func fitProbit(v []float64, n, k []int) (ProbitFit, error) {
	f := ProbitFit{Points: len(v)}
	var lo, hi bool // some point below 50 % and some above
	for i := range v {
		f.Cells += n[i]
		if n[i] > 0 {
			p := float64(k[i]) / float64(n[i])
			lo = lo || p < 0.5
			hi = hi || p > 0.5
		}
	}
	if len(v) < 2 || !lo || !hi {
		return f, errors.New("calibrate: switching probability does not cross 50 % inside the amplitude range; widen it")
	}
	nll := func(x []float64) float64 {
		mu, s := x[0], math.Exp(x[1])
		var ll float64
		for i := range v {
			z := (v[i] - mu) / s
			ll += float64(k[i])*math.Log(max(normCDF(z), logFloor)) + float64(n[i]-k[i])*math.Log(max(normSF(z), logFloor))
		}
		return -ll
	}
	// Start at the interpolated 50 % crossing with a spread of a quarter
	// of the range.
	mu0, s0 := crossing(v, n, k), (slices.Max(v)-slices.Min(v))/4
	x, se, err := minimize(nll, []float64{mu0, math.Log(max(s0, 1e-6))})
	if err != nil {
		return f, err
	}
	f.V50, f.Sigma = x[0], math.Exp(x[1])
	f.V50SE, f.SigmaSE = se[0], f.Sigma*se[1]
	f.V50Lo, f.V50Hi = f.V50-z95*f.V50SE, f.V50+z95*f.V50SE
	f.LogLik = -nll(x)
	return f, nil
}

// crossing is the first amplitude at which the switched fraction reaches
// 50 %, interpolated linearly (the fit's starting point).
func crossing(v []float64, n, k []int) float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmpFloat(v[a], v[b]) })
	prevV, prevP := v[idx[0]], 0.0
	for _, i := range idx {
		if n[i] == 0 {
			continue
		}
		p := float64(k[i]) / float64(n[i])
		if p >= 0.5 {
			if p == prevP {
				return v[i]
			}
			return prevV + (0.5-prevP)/(p-prevP)*(v[i]-prevV)
		}
		prevV, prevP = v[i], p
	}
	return v[idx[len(idx)-1]]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intervalNormal fits a normal distribution by maximum likelihood to
// interval-censored data: count[i] values are known only to lie in
// (lo[i], hi[i]] (lo may be −Inf, hi +Inf). It returns the mean and
// standard deviation with their standard errors.
func intervalNormal(lo, hi []float64, count []int, mu0, s0 float64) (mu, sigma, seMu, seSigma float64, err error) {
	nll := func(x []float64) float64 {
		m, s := x[0], math.Exp(x[1])
		var ll float64
		for i := range lo {
			if count[i] == 0 {
				continue
			}
			ll += float64(count[i]) * math.Log(max(normMass((lo[i]-m)/s, (hi[i]-m)/s), logFloor))
		}
		return -ll
	}
	x, se, err := minimize(nll, []float64{mu0, math.Log(max(s0, 1e-9))})
	if err != nil {
		return 0, 0, 0, 0, err
	}
	sigma = math.Exp(x[1])
	return x[0], sigma, se[0], sigma * se[1], nil
}

// wilson returns the 95 % Wilson score interval of a binomial proportion
// k/n (closed form; better than the normal approximation near 0 and 1).
func wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	p, nn, z2 := float64(k)/float64(n), float64(n), z95*z95
	c := (p + z2/(2*nn)) / (1 + z2/nn)
	h := z95 / (1 + z2/nn) * math.Sqrt(p*(1-p)/nn+z2/(4*nn*nn))
	return max(0, c-h), min(1, c+h)
}

// quantum estimates the step of a quantised sample (an ADC's LSB as it
// shows in converted values): the smallest gap between distinct values,
// refined as the median of the gaps within 1.5 times of it. It returns 0
// when the values are not visibly quantised (fewer than 3 distinct values,
// or a smallest gap below 1e-9 of the range).
func quantum(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	s = slices.Compact(s)
	if len(s) < 3 {
		return 0
	}
	span := s[len(s)-1] - s[0]
	var gaps []float64
	for i := 1; i < len(s); i++ {
		gaps = append(gaps, s[i]-s[i-1])
	}
	g := slices.Min(gaps)
	if g < 1e-9*span {
		return 0
	}
	var near []float64
	for _, d := range gaps {
		if d <= 1.5*g {
			near = append(near, d)
		}
	}
	slices.Sort(near)
	return near[len(near)/2]
}

// median returns the median of x (x is not modified).
func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	return stat.Quantile(0.5, stat.LinInterp, s, nil)
}

// quantile returns the p-quantile of x, linearly interpolated.
func quantile(x []float64, p float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return stat.Quantile(p, stat.LinInterp, s, nil)
}
