package experiment

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/memlsm/memlsm/projection"
)

// SideInfo configures zero-shot through class side information
// (ZeroShotConfig.SideInfo): a descriptor for every class, seen and
// unseen (package descriptor), and for each modality a
// projection.Descriptor head that maps its features into its own
// descriptor space, fitted on the seen classes only — the standard
// zero-shot setting (Lampert et al. 2009; Xian et al. 2017). Nothing
// pairs the two modalities: each meets the classes through its own side
// information, so an unseen class is reached through its descriptor, not
// through similarities between modalities.
//
// An item's class posterior over a set of candidate classes is the
// softmax of its head's cosines to their descriptors divided by
// Temperature. Retrieval scores a query and an item by the dot product of
// their posteriors over the classes of the search set (the unseen
// classes for the classic figure, every class under the generalised
// protocol); classification takes the most probable class. Calibrated
// stacking subtracts β from the cosines of the seen classes, for queries
// and items alike (the class-space form of Chao et al. 2016).
type SideInfo struct {
	// A and B describe the classes of each modality, e.g.
	// descriptor.Shape() for images and descriptor.Phonetic() for audio.
	// Both are required and must describe every class of the experiment.
	A, B projection.Describer
	// Ridge is the ridge penalty of both heads (see
	// projection.DescriptorConfig); 0 → projection.DescriptorDefaultRidge.
	Ridge float64
	// Ridges are the penalties a Selection with Head chooses among; nil →
	// DefaultRidges.
	Ridges []float64
	// Temperature τ of the class posteriors; 0 → DefaultSideTemperature.
	Temperature float64
}

// DefaultRidges are the ridge penalties a selection tries (assumption: a
// decade apart around projection.DescriptorDefaultRidge, from nearly
// unregularised to strongly shrunk).
var DefaultRidges = []float64{0.01, 0.1, 1, 10, 100}

// DefaultSideTemperature is the τ of descriptor posteriors (assumption:
// cosines lie in [−1, 1], so τ = 0.1 lets a clear match dominate the
// posterior while a near tie stays shared).
const DefaultSideTemperature = 0.1

// sideKind trains descriptor heads.
type sideKind struct {
	cfg    SideInfo
	names  Modalities
	ridges []float64 // the candidates of a selection
}

func newSideKind(si SideInfo, names Modalities, classes []string, sel *Selection) (*sideKind, error) {
	if si.A == nil || si.B == nil {
		return nil, fmt.Errorf("experiment: side information needs descriptors for both modalities")
	}
	for k, d := range []projection.Describer{si.A, si.B} {
		name := names.A
		if k == 1 {
			name = names.B
		}
		for _, c := range classes {
			if _, ok := d.Describe(c); !ok {
				return nil, fmt.Errorf("experiment: the %s side information has no descriptor for class %q (it describes %v)", name, c, d.ClassNames())
			}
		}
	}
	if si.Ridge == 0 {
		si.Ridge = projection.DescriptorDefaultRidge
	}
	if si.Temperature == 0 {
		si.Temperature = DefaultSideTemperature
	}
	if !(si.Temperature > 0) || math.IsInf(si.Temperature, 0) {
		return nil, fmt.Errorf("experiment: side-information temperature %v must be positive and finite", si.Temperature)
	}
	k := &sideKind{cfg: si, names: names, ridges: si.Ridges}
	if k.ridges == nil {
		k.ridges = DefaultRidges
	}
	for _, r := range append(slices.Clone(k.ridges), si.Ridge) {
		if !(r > 0) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("experiment: ridge penalty %v must be positive and finite", r)
		}
	}
	return k, nil
}

// train fits both heads for every penalty of ridges.
func (k *sideKind) train(ctx context.Context, f *zsFeatures, ridges []float64) ([]*descHeads, error) {
	var hs [2][]*projection.Descriptor
	for s, d := range []projection.Describer{k.cfg.A, k.cfg.B} {
		var err error
		if hs[s], err = projection.TrainDescriptors(ctx, f.part[s], f.partClass[s], d, slices.Clone(ridges), false); err != nil {
			return nil, fmt.Errorf("experiment: the %s descriptor head: %w", f.sides()[s], err)
		}
	}
	out := make([]*descHeads, len(ridges))
	for r := range ridges {
		out[r] = &descHeads{a: hs[0][r], b: hs[1][r], tau: k.cfg.Temperature, names: k.names, kind: k}
	}
	return out, nil
}

func (k *sideKind) candidates(ctx context.Context, f *zsFeatures, all bool) ([]float64, func(context.Context, int) (zsHead, error), error) {
	ridges := []float64{k.cfg.Ridge}
	if all {
		ridges = k.ridges
	}
	hs, err := k.train(ctx, f, ridges)
	if err != nil {
		return nil, nil, err
	}
	scores := make([]float64, len(hs))
	for r, h := range hs {
		b, a := zslOf(h, f)
		scores[r] = (b + a) / 2
	}
	return scores, func(_ context.Context, cand int) (zsHead, error) { return hs[cand], nil }, nil
}

func (k *sideKind) fit(ctx context.Context, f *zsFeatures, cand int, _ func()) (zsHead, projection.TrainLog, error) {
	r := k.cfg.Ridge
	if cand >= 0 {
		r = k.ridges[cand]
	}
	hs, err := k.train(ctx, f, []float64{r})
	if err != nil {
		return nil, projection.TrainLog{}, err
	}
	return hs[0], projection.TrainLog{}, nil
}

func (k *sideKind) describe(cand int, rep *SelectionReport, gc *GainChoice) {
	if rep != nil {
		rep.Ridge = k.ridges[cand]
	}
	if gc != nil {
		gc.Ridge = k.ridges[cand]
	}
}

// descHeads are the two descriptor heads of a design.
type descHeads struct {
	a, b  *projection.Descriptor
	tau   float64
	names Modalities
	kind  *sideKind
}

// posteriors returns every row's class posterior over classes, the
// cosines of the classes marked in seen lowered by beta.
func (h *descHeads) posteriors(d *projection.Descriptor, x *mat.Dense, classes []string, seen []bool, beta float64) *mat.Dense {
	s, err := d.Scores(x, classes)
	if err != nil {
		panic(err) // every class was checked by newSideKind
	}
	softmaxRows(s, seen, beta, h.tau)
	return s
}

// softmaxRows turns cosines into posteriors in place: softmax of
// (cos − β·seen)/τ per row.
func softmaxRows(s *mat.Dense, seen []bool, beta, tau float64) {
	r, c := s.Dims()
	for i := range r {
		row := s.RawRowView(i)
		m := math.Inf(-1)
		for j := range c {
			if seen != nil && seen[j] {
				row[j] -= beta
			}
			row[j] /= tau
			m = math.Max(m, row[j])
		}
		sum := 0.0
		for j := range c {
			row[j] = math.Exp(row[j] - m)
			sum += row[j]
		}
		for j := range c {
			row[j] /= sum
		}
	}
}

// posteriorPair is the pair as a cross-modal embedding over fixed classes.
type posteriorPair struct {
	h       *descHeads
	classes []string
}

func (p posteriorPair) EmbedA(x *mat.Dense) *mat.Dense {
	return p.h.posteriors(p.h.a, x, p.classes, nil, 0)
}
func (p posteriorPair) EmbedB(x *mat.Dense) *mat.Dense {
	return p.h.posteriors(p.h.b, x, p.classes, nil, 0)
}
func (p posteriorPair) Metric() projection.Metric { return projection.Dot }

func (h *descHeads) over(classes []string) projection.CrossModal {
	return posteriorPair{h: h, classes: classes}
}

// descStacker ranks with posteriors recomputed at every penalty.
type descStacker struct {
	h        *descHeads
	qs, gs   *mat.Dense // cosines of queries and items to every class
	seen     []bool
	sim, tmp mat.Dense
}

func (s *descStacker) argmax(beta float64, out []int) {
	var q, g mat.Dense
	q.CloneFrom(s.qs)
	g.CloneFrom(s.gs)
	softmaxRows(&q, s.seen, beta, s.h.tau)
	softmaxRows(&g, s.seen, beta, s.h.tau)
	s.sim.Reset()
	s.sim.Mul(&q, g.T())
	r, _ := s.sim.Dims()
	for i := range r {
		row := s.sim.RawRowView(i)
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		out[i] = best
	}
}

// classesOf are the search set's classes: seen, then unseen.
func classesOf(f *zsFeatures) ([]string, []bool) {
	all := append(slices.Clone(f.sp.seen), f.sp.unseen...)
	seen := make([]bool, len(all))
	for i := range f.sp.seen {
		seen[i] = true
	}
	return all, seen
}

func (h *descHeads) scoring(f *zsFeatures) *gzslScoring {
	nSeen := len(f.sp.seen)
	g := &gzslScoring{names: f.names, nSeen: nSeen, nAll: nSeen + len(f.sp.unseen)}
	for _, c := range f.seenLabels {
		g.labels = append(g.labels, c)
	}
	for _, c := range f.unseenLabels {
		g.labels = append(g.labels, nSeen+c)
	}
	all, seen := classesOf(f)
	cos := func(d *projection.Descriptor, x *mat.Dense) *mat.Dense {
		s, err := d.Scores(x, all)
		if err != nil {
			panic(err)
		}
		return s
	}
	ca, cb := cos(h.a, stackRows(f.seenA, f.unseenA)), cos(h.b, stackRows(f.seenB, f.unseenB))
	g.dirs[0] = &descStacker{h: h, qs: cb, gs: ca, seen: seen}
	g.dirs[1] = &descStacker{h: h, qs: ca, gs: cb, seen: seen}
	// ZSL: posteriors over the unseen classes only.
	u := h.over(f.sp.unseen)
	ea, eb := u.EmbedA(f.unseenA), u.EmbedB(f.unseenB)
	for d, qg := range [][2]*mat.Dense{{eb, ea}, {ea, eb}} {
		s := projection.Similarity(qg[0], qg[1], projection.Dot)
		r, _ := s.Dims()
		top := make([]int, r)
		for i := range r {
			row := s.RawRowView(i)
			for j, v := range row {
				if v > row[top[i]] {
					top[i] = j
				}
			}
		}
		g.zsl[d] = top
	}
	return g
}

// DescriptorClassification is how well one modality's descriptor head
// classifies its test items through the classes' descriptors: seen items
// among the seen classes, unseen items among the unseen classes (ZSL),
// and every test item among every class (the generalised protocol, S, U
// and H without calibration, and the calibration-free AUSUC); per-class
// mean accuracies, with chance.
type DescriptorClassification struct {
	Seen   float64 `json:"seen"`
	ZSL    float64 `json:"zsl"`
	GZSL   SUH     `json:"gzsl"`
	AUSUC  float64 `json:"ausuc"`
	Chance struct {
		Seen float64 `json:"seen"`
		ZSL  float64 `json:"zsl"`
	} `json:"chance"`
}

// classification classifies both modalities' test items.
func (h *descHeads) classification(f *zsFeatures, _ *SelectionReport) map[string]*DescriptorClassification {
	out := map[string]*DescriptorClassification{}
	all, seenMask := classesOf(f)
	nSeen := len(f.sp.seen)
	for s, d := range []*projection.Descriptor{h.a, h.b} {
		seenX, unseenX := f.seenA, f.unseenA
		if s == 1 {
			seenX, unseenX = f.seenB, f.unseenB
		}
		c := &DescriptorClassification{}
		c.Chance.Seen, c.Chance.ZSL = 1/float64(nSeen), 1/float64(len(f.sp.unseen))
		acc := func(x *mat.Dense, classes []string, labels []int, offset int) float64 {
			p, err := d.Classify(x, classes)
			if err != nil {
				panic(err)
			}
			return perClassAccuracy(p, labels, offset)
		}
		c.Seen = acc(seenX, f.sp.seen, f.seenLabels, 0)
		c.ZSL = acc(unseenX, f.sp.unseen, f.unseenLabels, 0)
		// Generalised: all items among all classes, over a sweep of β.
		xs := stackRows(seenX, unseenX)
		labels := append(slices.Clone(f.seenLabels), make([]int, len(f.unseenLabels))...)
		for i, l := range f.unseenLabels {
			labels[len(f.seenLabels)+i] = nSeen + l
		}
		cos, err := d.Scores(xs, all)
		if err != nil {
			panic(err)
		}
		var pts []SUPoint
		for _, beta := range curveBetas() {
			pred := make([]int, len(labels))
			r, _ := cos.Dims()
			for i := range r {
				row := cos.RawRowView(i)
				best, bv := 0, math.Inf(-1)
				for j, v := range row {
					if seenMask[j] {
						v -= beta
					}
					if v > bv {
						best, bv = j, v
					}
				}
				pred[i] = best
			}
			sAcc := perClassAccuracy(pred[:len(f.seenLabels)], labels[:len(f.seenLabels)], 0)
			uAcc := perClassAccuracy(pred[len(f.seenLabels):], labels[len(f.seenLabels):], 0)
			pt := SUPoint{Beta: beta, SUH: newSUH(sAcc, uAcc)}
			if beta == 0 {
				c.GZSL = pt.SUH
			}
			pts = append(pts, pt)
		}
		c.AUSUC = ausuc(pts)
		name := h.names.A
		if s == 1 {
			name = h.names.B
		}
		out[name] = c
	}
	return out
}

// perClassAccuracy is the mean over the classes present in labels of the
// share of their rows predicted right (pred indexes classes, labels too,
// after offset).
func perClassAccuracy(pred, labels []int, offset int) float64 {
	hit, n := map[int]float64{}, map[int]float64{}
	for i, l := range labels {
		n[l]++
		if pred[i]+offset == l {
			hit[l]++
		}
	}
	sum := 0.0
	for l, k := range n {
		sum += hit[l] / k
	}
	if len(n) == 0 {
		return 0
	}
	return sum / float64(len(n))
}

// SideInfoReport describes the descriptor heads of a result.
type SideInfoReport struct {
	// Descriptors names each modality's side information.
	Descriptors map[string]string `json:"descriptors"`
	Ridge       float64           `json:"ridge"`
	Temperature float64           `json:"temperature"`
	// Components is the number of descriptor components each head
	// predicts (those that vary over the seen classes).
	Components map[string]int `json:"components"`
	// Classification is each modality's classification through the
	// descriptors.
	Classification map[string]*DescriptorClassification `json:"classification"`
}

// describerName names a Describer in reports: its String method if it has
// one (descriptor.Set's is its name), else its type.
func describerName(d projection.Describer) string {
	if n, ok := d.(fmt.Stringer); ok {
		return n.String()
	}
	return fmt.Sprintf("%T", d)
}

func (h *descHeads) report(class map[string]*DescriptorClassification) *SideInfoReport {
	return &SideInfoReport{
		Descriptors: map[string]string{h.names.A: describerName(h.kind.cfg.A), h.names.B: describerName(h.kind.cfg.B)},
		Ridge:       h.a.Ridge(), Temperature: h.tau,
		Components:     map[string]int{h.names.A: h.a.Components(), h.names.B: h.b.Components()},
		Classification: class,
	}
}

// work is the digital work of one inference: both heads' linear maps.
func (h *descHeads) work() headWork {
	var w headWork
	for _, d := range []*projection.Descriptor{h.a, h.b} {
		w.macs += float64(d.Dim() * d.Components())
		w.params += float64((d.Dim() + 1) * d.Components())
	}
	return w
}
