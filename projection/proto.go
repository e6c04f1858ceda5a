package projection

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// ProtoConfig configures TrainProto. Each modality gets a projection tower
// of Layers affine layers of width Dim (each followed by Act).
type ProtoConfig struct {
	Training
	Dim    int        `json:"dim"`    // projection dimension pd; 0 → 64 (PAPER §4.4: pd 64…1024)
	Layers int        `json:"layers"` // 1 or 2; 0 → 1 (PAPER §4.4: one Linear per modality)
	Act    Activation `json:"act"`    // ActDefault → ActIdentity (PAPER §4.4: no activation)
	// Temperature τ divides the squared distances: scores are −‖e − p‖²/τ.
	// 0 → ProtoDefaultTemperature.
	Temperature   float64 `json:"temperature"`
	NoStandardize bool    `json:"no_standardize"`
}

// ProtoDefaults are the training settings TrainProto uses for zero
// fields: PAPER §4.4's lr 1e-3 as AdamW with PyTorch's default decay 0.01,
// in batches of 64 pairs for 20 epochs rather than one batch of all 1568
// pairs for 100 epochs. Assumption: on the synthetic zero-shot benchmark
// (see TrainCLIP) held-out retrieval fell as training went on (batch 64:
// 0.978, 0.970, 0.961 after 10, 20, 30 epochs at medium noise), and a
// full-batch step costs ≈ 20 ms at n 1568, d 200 (BenchmarkProtoTrainStep);
// 20 epochs keeps enough steps for smaller training sets.
var ProtoDefaults = Training{Method: AdamW, LR: 1e-3, WeightDecay: 1e-2, Epochs: 20, Batch: 64}

// ProtoDefaultTemperature is the default τ (assumption: squared distances
// between unit vectors span only [0, 4], so τ below 1 lets the softmax
// become confident; on the synthetic zero-shot benchmark τ 0.1, 0.2, 0.5
// and 1 were within 0.01 of each other, 0.5 the best on average).
const ProtoDefaultTemperature = 0.5

// ProtoATV is the paper's LSM prototypical-network baseline (PAPER §4.4):
// one Linear(d, 64) per modality without activation, Adam lr 1e-3, batch
// 1568, 100 epochs, raw features, τ = 1.
func ProtoATV() ProtoConfig {
	return ProtoConfig{
		Training: Training{Method: Adam, LR: 1e-3, WeightDecay: -1, Epochs: 100, Batch: 1568},
		Dim:      64, Layers: 1, Act: ActIdentity, Temperature: 1, NoStandardize: true,
	}
}

// Proto is a prototypical-network head (Snell et al. 2017) across two
// modalities: each tower embeds its modality; embeddings are L2
// normalised; within a batch, the class prototypes of one modality are the
// means of its embeddings per class, and every item of the other modality
// is classified by softmax over −‖e − p_c‖²/τ. Retrieval compares
// embeddings by cosine, which ranks like Euclidean distance on L2-normalised
// embeddings (PAPER §4.4). It is safe for concurrent use.
type Proto struct{ pair }

var _ CrossModal = (*Proto)(nil)

// TrainProto trains a prototypical head on n labelled pairs: row i of a and
// row i of b both belong to class labels[i]. Each batch needs at least two
// classes.
//
// The paper's exact loss is not published; here A queries are scored
// against prototypes built from the batch's B embeddings and B queries
// against A prototypes, so the prototypes tie the modalities together and no
// query is part of its own prototype (assumption, PAPER §4.4: "CE on query
// scores for the concatenation [image queries; audio queries]").
func TrainProto(ctx context.Context, a, b *mat.Dense, labels []int, cfg ProtoConfig) (*Proto, TrainLog, error) {
	ga, gb, err := checkPairs(a, b, labels)
	if err != nil {
		return nil, TrainLog{}, err
	}
	if labels == nil {
		return nil, TrainLog{}, fmt.Errorf("projection: a prototypical head needs labels")
	}
	classes := slices.Compact(slices.Sorted(slices.Values(labels)))
	if len(classes) < 2 {
		return nil, TrainLog{}, fmt.Errorf("projection: a prototypical head needs at least 2 classes, have %d", len(classes))
	}
	dense := make([]int, len(labels))
	for i, y := range labels {
		dense[i], _ = slices.BinarySearch(classes, y)
	}
	dim, layers, act, err := towerShape(cfg.Dim, cfg.Layers, cfg.Act, ActIdentity)
	if err != nil {
		return nil, TrainLog{}, err
	}
	tau := cfg.Temperature
	if tau == 0 {
		tau = ProtoDefaultTemperature
	}
	if !(tau > 0) || math.IsInf(tau, 0) {
		return nil, TrainLog{}, fmt.Errorf("projection: temperature %v must be positive and finite", tau)
	}
	t, err := cfg.Training.resolve(ProtoDefaults)
	if err != nil {
		return nil, TrainLog{}, err
	}
	trainIdx, valIdx, err := split(ga.Rows, labels, t.Validation, t.Seed)
	if err != nil {
		return nil, TrainLog{}, err
	}
	p, params := newPair(ga, gb, trainIdx, dim, layers, act, true, !cfg.NoStandardize, 0, t.Seed)
	batch := min(t.Batch, len(trainIdx))
	obj := newProtoObjective(newPairObjective(p, ga, gb, dense, batch, t.Seed), len(classes), tau, batch)
	log, err := fit(ctx, obj, params, p.decayRanges(), trainIdx, valIdx, t, nil)
	if err != nil {
		return nil, log, err
	}
	p.metric = Cosine
	return &Proto{p}, log, nil
}

// protoObjective is the cross-modal prototypical loss.
type protoObjective struct {
	pairObjective
	tau float64

	local    []int     // class → index among the batch's present classes, or −1
	present  []int     // present classes in order
	cnt      []float64 // rows per present class
	pa, pb   []float64 // prototypes K×pd
	dpa, dpb []float64 // gradients w.r.t. the prototypes
	sa, sb   []float64 // n×K scores, then gradients w.r.t. them
}

func newProtoObjective(po pairObjective, classes int, tau float64, batch int) *protoObjective {
	pd := po.p.a.out()
	local := make([]int, classes)
	for i := range local {
		local[i] = -1
	}
	return &protoObjective{
		pairObjective: po, tau: tau, local: local, present: make([]int, 0, classes),
		cnt: make([]float64, classes),
		pa:  make([]float64, classes*pd), pb: make([]float64, classes*pd),
		dpa: make([]float64, classes*pd), dpb: make([]float64, classes*pd),
		sa: make([]float64, batch*classes), sb: make([]float64, batch*classes),
	}
}

func (o *protoObjective) loss(idx []int, grad []float64, _ bool) float64 {
	n := len(idx)
	pd := o.p.a.out()
	ea, eb := o.embed(idx, true)

	// Present classes and their prototypes (means of normalised embeddings).
	for _, c := range o.present {
		o.local[c] = -1
	}
	o.present = o.present[:0]
	for _, r := range idx {
		if c := o.y[r]; o.local[c] < 0 {
			o.local[c] = len(o.present)
			o.present = append(o.present, c)
		}
	}
	k := len(o.present)
	pa, pb := gen(o.pa, k, pd), gen(o.pb, k, pd)
	clear(pa.Data)
	clear(pb.Data)
	clear(o.cnt[:k])
	for i, r := range idx {
		c := o.local[o.y[r]]
		o.cnt[c]++
		blas64.Axpy(1, vec(ea, i), vec(pa, c))
		blas64.Axpy(1, vec(eb, i), vec(pb, c))
	}
	for c := range k {
		blas64.Scal(1/o.cnt[c], vec(pa, c))
		blas64.Scal(1/o.cnt[c], vec(pb, c))
	}

	inv := 1 / (2 * float64(n))
	sa, sb := gen(o.sa, n, k), gen(o.sb, n, k)
	loss := o.scores(idx, ea, pb, sa, inv) + o.scores(idx, eb, pa, sb, inv)
	if grad == nil || k < 2 {
		return loss
	}

	// With g = ∂L/∂s (rows sum to 0) and s_ic = −‖e_i − p_c‖²/τ:
	// ∂L/∂e_i = (2/τ)·Σ_c g_ic·p_c and ∂L/∂p_c = (2/τ)·Σ_i g_ic·(e_i − p_c).
	f := 2 / o.tau
	dea, deb := gen(o.dea, n, pd), gen(o.deb, n, pd)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, f, sa, pb, 0, dea)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, f, sb, pa, 0, deb)
	dpa, dpb := gen(o.dpa, k, pd), gen(o.dpb, k, pd)
	blas64.Gemm(blas.Trans, blas.NoTrans, f, sb, eb, 0, dpa)
	blas64.Gemm(blas.Trans, blas.NoTrans, f, sa, ea, 0, dpb)
	for c := range k {
		ga, gb := 0.0, 0.0
		for i := range n {
			ga += sb.Data[i*k+c]
			gb += sa.Data[i*k+c]
		}
		blas64.Axpy(-f*ga, vec(pa, c), vec(dpa, c))
		blas64.Axpy(-f*gb, vec(pb, c), vec(dpb, c))
	}
	// p_c is the mean of its class's rows: each row gets ∂L/∂p_c / count.
	for i, r := range idx {
		c := o.local[o.y[r]]
		blas64.Axpy(1/o.cnt[c], vec(dpa, c), vec(dea, i))
		blas64.Axpy(1/o.cnt[c], vec(dpb, c), vec(deb, i))
	}
	o.backward(n, true, grad)
	return loss
}

// scores fills s (n×K) with −‖e_i − p_c‖²/τ, returns the cross-entropy sum
// scaled by inv and overwrites s with its gradient ∂L/∂s.
func (o *protoObjective) scores(idx []int, e, p, s blas64.General, inv float64) float64 {
	n, k := e.Rows, p.Rows
	// ‖e − p‖² = ‖e‖² + ‖p‖² − 2e·p.
	blas64.Gemm(blas.NoTrans, blas.Trans, 2/o.tau, e, p, 0, s)
	loss := 0.0
	for i := range n {
		ee := blas64.Dot(vec(e, i), vec(e, i))
		for c := range k {
			pc := vec(p, c)
			s.Data[i*k+c] -= (ee + blas64.Dot(pc, pc)) / o.tau
		}
	}
	for i, r := range idx {
		row := s.Data[i*k : (i+1)*k]
		lse := logSumExp(row)
		t := o.local[o.y[r]]
		loss += (lse - row[t]) * inv
		for c, v := range row {
			row[c] = math.Exp(v-lse) * inv
		}
		row[t] -= inv
	}
	return loss
}

func vec(g blas64.General, i int) blas64.Vector {
	return blas64.Vector{N: g.Cols, Inc: 1, Data: g.Data[i*g.Stride : i*g.Stride+g.Cols]}
}
