package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/memlsm/memlsm/projection"
)

// Protocol is a zero-shot evaluation protocol. It is a flag.Value ("zsl",
// "gzsl").
//
//   - ProtocolZSL (the zero value): unseen queries search among unseen
//     items only — the classic zero-shot figure, and the paper's.
//   - ProtocolGZSL: the generalised protocol of Xian et al. (CVPR 2017;
//     TPAMI 2019), as Mercea et al. (AVCA, CVPR 2022) apply it to
//     audio-visual data: the search set holds the test items of every
//     class, seen and unseen, so seen classes are distractors for unseen
//     queries and vice versa. It reports, per direction, the per-class
//     mean top-1 accuracy on seen (S) and unseen (U) queries and their
//     harmonic mean H, with and without calibrated stacking (Chao et al.,
//     ECCV 2016) at a penalty β chosen on validation classes, the area
//     under the seen–unseen curve (AUSUC) and the unseen-only ZSL figure.
type Protocol int

const (
	// ProtocolZSL searches unseen items only (the default).
	ProtocolZSL Protocol = iota
	// ProtocolGZSL searches the test items of all classes.
	ProtocolGZSL
)

var protocolNames = []string{"zsl", "gzsl"}

func (p Protocol) String() string {
	if p >= 0 && int(p) < len(protocolNames) {
		return protocolNames[p]
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// Set parses "zsl" or "gzsl".
func (p *Protocol) Set(s string) error {
	for i, n := range protocolNames {
		if s == n {
			*p = Protocol(i)
			return nil
		}
	}
	return fmt.Errorf("experiment: protocol %q is not one of %s", s, strings.Join(protocolNames, ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (p Protocol) MarshalText() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return []byte(protocolNames[p]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Protocol) UnmarshalText(b []byte) error { return p.Set(string(b)) }

func (p Protocol) check() error {
	if p < 0 || int(p) >= len(protocolNames) {
		return fmt.Errorf("experiment: unknown protocol %d", int(p))
	}
	return nil
}

// SUH is one operating point of the generalised protocol: per-class mean
// top-1 accuracy over the seen classes' queries (S) and over the unseen
// classes' queries (U), the search set holding every test item, and
// their harmonic mean H = 2SU/(S+U) (Xian et al.).
type SUH struct {
	Seen   float64 `json:"seen"`
	Unseen float64 `json:"unseen"`
	H      float64 `json:"h"`
}

func newSUH(s, u float64) SUH {
	h := 0.0
	if s+u > 0 {
		h = 2 * s * u / (s + u)
	}
	return SUH{Seen: s, Unseen: u, H: h}
}

// SUPoint is one point of the seen–unseen curve: the operating point at a
// calibrated-stacking penalty Beta.
type SUPoint struct {
	Beta float64 `json:"beta"`
	SUH
}

// GZSLChance are the chance levels of the generalised figures: a query of
// class c is answered correctly by a random ranking with probability
// (items of c in the search set)/(search set size), averaged over seen
// (S) or unseen (U) classes; ZSL over the unseen items only.
type GZSLChance struct {
	Seen   float64 `json:"seen"`
	Unseen float64 `json:"unseen"`
	ZSL    float64 `json:"zsl"`
}

// GZSL is the generalised zero-shot evaluation of one retrieval direction
// (Protocol).
//
// Calibrated stacking (Chao et al. 2016) subtracts a penalty β from the
// scores of seen candidates. In retrieval the candidates are gallery
// items whose classes are unknown at test time, so the penalty falls on
// how seen an item looks: for a CLIP head, its cosine to the nearest
// seen-class centroid of the gallery modality's training embeddings; for
// a descriptor head, on the seen classes' logits of both query and item
// (the class-space form of Chao et al.). β is dimensionless (see the
// heads: for a CLIP head, at β = 1 an item counts by how much closer it is
// to the query than to the nearest seen-class centroid). It is chosen
// on validation classes (Selection), never on test classes; β = 0 is the
// head's own ranking (Plain). AUSUC is the area under the curve of U
// against S as β sweeps from strongly favouring seen items to strongly
// favouring unseen ones (Chao et al. 2016); it does not depend on β.
type GZSL struct {
	Plain      SUH        `json:"plain"`      // β = 0
	Calibrated SUH        `json:"calibrated"` // at Beta
	Beta       float64    `json:"beta"`       // chosen on validation classes
	ZSL        float64    `json:"zsl"`        // unseen queries among unseen items, per-class mean
	AUSUC      float64    `json:"ausuc"`
	Chance     GZSLChance `json:"chance"`
	// Curve is the seen–unseen curve AUSUC integrates (for plots).
	Curve []SUPoint `json:"-"`
}

// selectionBetas are the penalties the selection tries: −3…3 in steps of
// 0.05 (assumption: β is a ratio of scores of like magnitude, so a few
// units cover every useful trade-off; a choice at the grid's ends is
// reported as such, so a user can see if it was too narrow).
func selectionBetas() []float64 {
	var out []float64
	for k := -60; k <= 60; k++ {
		out = append(out, float64(k)*0.05)
	}
	return out
}

// curveBetas are the penalties AUSUC integrates over: the selection grid
// and tails out to ±10⁴, where one side's items rank first for every
// query.
func curveBetas() []float64 {
	out := selectionBetas()
	for _, t := range []float64{3.5, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 300, 1e3, 1e4} {
		out = append(out, t, -t)
	}
	slices.Sort(out)
	return out
}

// stacker ranks one direction's queries against its gallery at a
// calibrated-stacking penalty.
type stacker interface {
	// argmax writes, for every query, the gallery index with the highest
	// score at penalty beta (ties: the lowest index).
	argmax(beta float64, out []int)
}

// biasStacker scores base − β·bias, bias on gallery items.
type biasStacker struct {
	base *mat.Dense // queries × gallery
	bias []float64  // per gallery item
}

func (s *biasStacker) argmax(beta float64, out []int) {
	r := s.base.RawMatrix()
	for i := range r.Rows {
		row := r.Data[i*r.Stride : i*r.Stride+r.Cols]
		best, bv := 0, math.Inf(-1)
		for j, v := range row {
			if v -= beta * s.bias[j]; v > bv {
				best, bv = j, v
			}
		}
		out[i] = best
	}
}

// gzslScoring is what the generalised evaluation needs of a trained head
// on one split: both directions' stackers over the search set (the seen
// test pairs, then the unseen ones), the class of each item, and the
// unseen-only ZSL rankings.
type gzslScoring struct {
	names  Modalities
	dirs   [2]stacker // B→A, A→B
	labels []int      // class of each test pair: seen 0…S−1, unseen S…
	nSeen  int
	nAll   int
	// zsl holds, per direction, the top-1 gallery index among the unseen
	// items of every unseen query (indices into the unseen part).
	zsl [2][]int
}

// points evaluates both directions at every beta.
func (g *gzslScoring) points(betas []float64) [2][]SUPoint {
	var out [2][]SUPoint
	top := make([]int, len(g.labels))
	for d, st := range g.dirs {
		for _, b := range betas {
			st.argmax(b, top)
			s, u := g.perClass(top, g.labels, 0)
			out[d] = append(out[d], SUPoint{Beta: b, SUH: newSUH(s, u)})
		}
	}
	return out
}

// perClass returns the per-class mean top-1 accuracy over the seen and
// the unseen classes; top are gallery indices (into labels after offset).
func (g *gzslScoring) perClass(top, qLabels []int, offset int) (seen, unseen float64) {
	hit := make([]float64, g.nAll)
	n := make([]float64, g.nAll)
	for i, j := range top {
		c := qLabels[i]
		n[c]++
		if g.labels[offset+j] == c {
			hit[c]++
		}
	}
	var ns, nu int
	for c := range g.nAll {
		if n[c] == 0 {
			continue
		}
		if c < g.nSeen {
			seen += hit[c] / n[c]
			ns++
		} else {
			unseen += hit[c] / n[c]
			nu++
		}
	}
	if ns > 0 {
		seen /= float64(ns)
	}
	if nu > 0 {
		unseen /= float64(nu)
	}
	return seen, unseen
}

// zslTop1 is the per-class mean top-1 of direction d's unseen queries
// among the unseen items.
func (g *gzslScoring) zslTop1(d int) float64 {
	first := slices.Index(g.labels, g.nSeen)
	if first < 0 {
		return 0
	}
	_, u := g.perClass(g.zsl[d], g.labels[first:], first)
	return u
}

// chance returns the chance levels of the search set (both directions
// share it: the test pairs give each side the same classes).
func (g *gzslScoring) chance() GZSLChance {
	count := make([]float64, g.nAll)
	for _, c := range g.labels {
		count[c]++
	}
	n := float64(len(g.labels))
	var ch GZSLChance
	var ns, nu, nUnseenItems float64
	for c := range g.nAll {
		if count[c] == 0 {
			continue
		}
		if c < g.nSeen {
			ch.Seen += count[c] / n
			ns++
		} else {
			ch.Unseen += count[c] / n
			nUnseenItems += count[c]
			nu++
		}
	}
	for c := g.nSeen; c < g.nAll; c++ {
		if count[c] > 0 {
			ch.ZSL += count[c] / nUnseenItems
		}
	}
	if ns > 0 {
		ch.Seen /= ns
	}
	if nu > 0 {
		ch.Unseen /= nu
		ch.ZSL /= nu
	}
	return ch
}

// gzslOf evaluates the generalised protocol in both directions; β comes
// from the selection (0 without one).
func gzslOf(g *gzslScoring, sel *SelectionReport) Dirs[GZSL] {
	betas := curveBetas()
	curves := g.points(betas)
	out := Dirs[GZSL]{Names: g.names}
	ch := g.chance()
	for d := range 2 {
		beta := 0.0
		if sel != nil && sel.Beta != nil {
			beta = sel.Beta.Get(d == 0)
		}
		var plain, cal SUH
		for _, pt := range curves[d] {
			if pt.Beta == 0 {
				plain = pt.SUH
			}
		}
		pts := g.points([]float64{beta})
		cal = pts[d][0].SUH
		r := GZSL{Plain: plain, Calibrated: cal, Beta: beta, ZSL: g.zslTop1(d), AUSUC: ausuc(curves[d]), Chance: ch, Curve: curves[d]}
		if d == 0 {
			out.BToA = r
		} else {
			out.AToB = r
		}
	}
	return out
}

// ausuc integrates U over S along the curve (trapezoids over the points
// sorted by S; points of equal S keep their best U), closed at S = 0 with
// the highest U reached there or beyond and at U = 0 with the highest S.
func ausuc(pts []SUPoint) float64 {
	type su struct{ s, u float64 }
	var xs []su
	for _, p := range pts {
		xs = append(xs, su{p.Seen, p.Unseen})
	}
	slices.SortFunc(xs, func(a, b su) int {
		switch {
		case a.s < b.s:
			return -1
		case a.s > b.s:
			return 1
		case a.u > b.u:
			return -1
		case a.u < b.u:
			return 1
		}
		return 0
	})
	// Upper envelope: U is non-increasing in S on the attainable frontier.
	var env []su
	for i := len(xs) - 1; i >= 0; i-- {
		if len(env) == 0 || xs[i].u > env[len(env)-1].u {
			env = append(env, xs[i])
		}
	}
	slices.Reverse(env)
	if len(env) == 0 {
		return 0
	}
	area := env[0].s * env[0].u // from S = 0 at the first point's U
	for i := 1; i < len(env); i++ {
		area += (env[i].s - env[i-1].s) * (env[i].u + env[i-1].u) / 2
	}
	return area
}

// newCLIPScoring prepares the generalised evaluation of a contrastive head
// on f. An item's seen score is its similarity (the head's metric) to the
// nearest seen-class centroid of its own modality's training embeddings,
// and the stacked score of a query and an item is their similarity minus
// β times the item's seen score: at β = 1 an item counts by how much
// closer it is to the query than to anything the head was trained on.
func newCLIPScoring(h projection.CrossModal, f *zsFeatures) *gzslScoring {
	nSeen := len(f.sp.seen)
	g := &gzslScoring{names: f.names, nSeen: nSeen, nAll: nSeen + len(f.sp.unseen)}
	for _, c := range f.seenLabels {
		g.labels = append(g.labels, c)
	}
	for _, c := range f.unseenLabels {
		g.labels = append(g.labels, nSeen+c)
	}
	ea := h.EmbedA(stackRows(f.seenA, f.unseenA))
	eb := h.EmbedB(stackRows(f.seenB, f.unseenB))
	m := h.Metric()
	seenA := seenScores(h.EmbedA(f.trainA), f.trainLabels, nSeen, ea, m)
	seenB := seenScores(h.EmbedB(f.trainB), f.trainLabels, nSeen, eb, m)
	ba := projection.Similarity(eb, ea, m)
	var ab mat.Dense
	ab.CloneFrom(ba.T())
	g.dirs[0] = &biasStacker{base: ba, bias: seenA}
	g.dirs[1] = &biasStacker{base: &ab, bias: seenB}
	// ZSL: the unseen block alone, at β = 0.
	ns := len(f.seenLabels)
	for d, base := range []*mat.Dense{ba, &ab} {
		r, c := base.Dims()
		sub := base.Slice(ns, r, ns, c).(*mat.Dense)
		top := make([]int, r-ns)
		(&biasStacker{base: sub, bias: make([]float64, c-ns)}).argmax(0, top)
		g.zsl[d] = top
	}
	return g
}

// seenScores returns every row of test's similarity (metric m) to the
// nearest centroid of the training embeddings of the seen classes.
func seenScores(train *mat.Dense, labels []int, nSeen int, test *mat.Dense, m projection.Metric) []float64 {
	_, d := train.Dims()
	cent := mat.NewDense(nSeen, d, nil)
	n := make([]float64, nSeen)
	for i, c := range labels {
		row := cent.RawRowView(c)
		for j, v := range train.RawRowView(i) {
			row[j] += v
		}
		n[c]++
	}
	for c := range nSeen {
		if n[c] > 0 {
			row := cent.RawRowView(c)
			for j := range row {
				row[j] /= n[c]
			}
		}
	}
	s := projection.Similarity(test, cent, m)
	r, _ := s.Dims()
	out := make([]float64, r)
	for i := range r {
		out[i] = slices.Max(s.RawRowView(i))
	}
	return out
}

// stackRows returns a above b.
func stackRows(a, b *mat.Dense) *mat.Dense {
	ra, c := a.Dims()
	rb, _ := b.Dims()
	out := mat.NewDense(ra+rb, c, nil)
	out.Slice(0, ra, 0, c).(*mat.Dense).Copy(a)
	out.Slice(ra, ra+rb, 0, c).(*mat.Dense).Copy(b)
	return out
}

// gzslMarkdown renders the generalised figures of both directions as a
// table shaped like a zero-shot paper's (S, U, H, ZSL, AUSUC).
func gzslMarkdown(g Dirs[GZSL], seen, unseen []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Generalised protocol (Xian et al. 2017): search set = test items of seen %s and unseen %s; per-class mean top-1.\n\n",
		classRange(seen), classRange(unseen))
	b.WriteString("| direction | S | U | H | β (validation) | S at β | U at β | H at β | ZSL | AUSUC |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, bToA := range []bool{true, false} {
		r := g.Get(bToA)
		fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.4f | %+.2f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", g.Names.Arrow(bToA),
			r.Plain.Seen, r.Plain.Unseen, r.Plain.H, r.Beta, r.Calibrated.Seen, r.Calibrated.Unseen, r.Calibrated.H, r.ZSL, r.AUSUC)
	}
	c := g.BToA.Chance
	fmt.Fprintf(&b, "| chance | %.4f | %.4f | %.4f | | | | | %.4f | |\n", c.Seen, c.Unseen, newSUH(c.Seen, c.Unseen).H, c.ZSL)
	return b.String()
}
