package projection

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// stepper is one optimiser step of a head on a fixed batch.
type stepper struct {
	obj    objective
	params []float64
	grad   []float64
	opt    *adam
	idx    []int
}

func (s *stepper) step() {
	clear(s.grad)
	s.obj.loss(s.idx, s.grad, true)
	s.opt.step(s.params, s.grad)
}

func resolved(t testing.TB, def Training) Training {
	c, err := Training{}.resolve(def)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// linearStepper: batch rows, d features, classes outputs, standardised.
func linearStepper(t testing.TB, batch, d, classes int, hidden []int, dropout float64) *stepper {
	x, y := blobs(batch, d, classes, 0.3, 1)
	g := x.RawMatrix()
	n := newNet(d, append(append([]int(nil), hidden...), classes), ActGELU, false)
	n.dropout = dropout
	params := make([]float64, n.numParams())
	n.bind(params)
	n.initParams(newRand(1, streamInit))
	n.fitStandardizer(generalRows{g}, seq(batch))
	return &stepper{
		obj:    newClsObjective(n, generalRows{g}, y, batch, newRand(1, streamDropout)),
		params: params, grad: make([]float64, len(params)),
		opt: newAdam(len(params), resolved(t, LinearDefaults), n.weightRanges(0, nil)),
		idx: seq(batch),
	}
}

// clipStepper: batch pairs of d features in both modalities, projection pd.
func clipStepper(t testing.TB, loss Loss, batch, d, pd int) *stepper {
	m := newModalities(10, 8, d, d, 1)
	xa, xb, y := m.pairs([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, (batch+9)/10)
	ga, gb := xa.RawMatrix(), xb.RawMatrix()
	p, params := newPair(ga, gb, seq(batch), pd, 1, ActGELU, true, true, 1, 1)
	params[len(params)-1] = -math.Log(0.07)
	obj := &clipObjective{
		pairObjective: newPairObjective(p, ga, gb, y, batch, 1),
		kind:          loss, normalize: true, learn: true, theta: len(params) - 1, params: params,
	}
	obj.alloc(batch)
	return &stepper{
		obj: obj, params: params, grad: make([]float64, len(params)),
		opt: newAdam(len(params), resolved(t, CLIPDefaults), p.decayRanges()),
		idx: seq(batch),
	}
}

func protoStepper(t testing.TB, batch, d, pd int) *stepper {
	m := newModalities(7, 8, d, d, 1)
	xa, xb, y := m.pairs([]int{0, 1, 2, 3, 4, 5, 6}, (batch+6)/7)
	ga, gb := xa.RawMatrix(), xb.RawMatrix()
	p, params := newPair(ga, gb, seq(batch), pd, 1, ActIdentity, true, true, 0, 1)
	return &stepper{
		obj:    newProtoObjective(newPairObjective(p, ga, gb, y, batch, 1), 7, 0.5, batch),
		params: params, grad: make([]float64, len(params)),
		opt: newAdam(len(params), resolved(t, ProtoDefaults), p.decayRanges()),
		idx: seq(batch),
	}
}

// TestTrainStepAllocs checks that a training step (forward, loss, backward,
// optimiser) allocates nothing once its buffers exist. The sizes keep every
// matrix product below 4 blocks of 64×64, where gonum's Dgemm runs serially;
// larger products are split over goroutines by gonum, which costs a few
// small allocations per product (about 20 per step for d 200, pd 64,
// batch 64) and is worth it.
func TestTrainStepAllocs(t *testing.T) {
	for name, s := range map[string]*stepper{
		"linear":        linearStepper(t, 100, 150, 10, nil, 0),
		"mlp+dropout":   linearStepper(t, 64, 50, 10, []int{32, 16}, 0.2),
		"clip/softclip": clipStepper(t, SoftCLIP, 16, 30, 8),
		"clip/infonce":  clipStepper(t, InfoNCE, 16, 30, 8),
		"clip/supcon":   clipStepper(t, SupCon, 64, 100, 64),
		"proto":         protoStepper(t, 70, 30, 8),
	} {
		if a := testing.AllocsPerRun(10, s.step); a != 0 {
			t.Errorf("%s: %v allocations per step", name, a)
		}
	}
}

func BenchmarkLinearTrainStep(b *testing.B) {
	s := linearStepper(b, 100, 200, 10, nil, 0)
	b.ReportAllocs()
	for b.Loop() {
		s.step()
	}
}

func BenchmarkCLIPTrainStep(b *testing.B) {
	for _, batch := range []int{8, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := clipStepper(b, SupCon, batch, 200, 64)
			b.ReportAllocs()
			for b.Loop() {
				s.step()
			}
		})
	}
}

func BenchmarkProtoTrainStep(b *testing.B) {
	s := protoStepper(b, 1568, 200, 64)
	b.ReportAllocs()
	for b.Loop() {
		s.step()
	}
}

func BenchmarkPredict(b *testing.B) {
	x, y := blobs(1000, 200, 10, 0.3, 1)
	h, _, err := TrainLinear(context.Background(), x, y, 10, LinearConfig{Training: Training{Epochs: 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("linear/n=1000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.Predict(x)
		}
	})
	m := newModalities(10, 8, 200, 200, 1)
	xa, xb, py := m.pairs([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10)
	c, _, err := TrainCLIP(context.Background(), xa, xb, py, CLIPConfig{Training: Training{Epochs: 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("clip-embed/n=100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.EmbedA(xa)
		}
	})
}

// BenchmarkTrainLinear2000x1000 trains the default linear probe for one
// epoch on 2000 rows of 1000 features (the shape of LSM features: 200
// neurons × 5 windows).
func BenchmarkTrainLinear2000x1000(b *testing.B) {
	x, y := blobs(2000, 1000, 10, 0.4, 3)
	cfg := LinearConfig{Training: Training{Epochs: 1}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := TrainLinear(context.Background(), x, y, 10, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainDescriptors560x1000: both descriptor heads of a zero-shot
// design are fits like this one: 560 training items (NMNISTsmall's seen
// training part) of 1000 features (200 neurons × 5 windows) onto 24
// descriptor components, five ridge penalties from one decomposition.
func BenchmarkTrainDescriptors560x1000(b *testing.B) {
	cls := []string{"1", "2", "3", "4", "5", "6", "7"}
	desc, x, labels := attributeData(cls, 80, 24, 1000, 1, 1)
	ridges := []float64{0.01, 0.1, 1, 10, 100}
	for b.Loop() {
		if _, err := TrainDescriptors(context.Background(), x, labels, desc, ridges, false); err != nil {
			b.Fatal(err)
		}
	}
}
