package projection

import (
	"context"
	"math"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// f32Rows is Rows over float32 features with a square root, as an
// experiment keeps them.
type f32Rows struct {
	x    []float32
	d    int
	idx  []int
	sqrt bool
}

func (r f32Rows) Dims() (int, int) { return len(r.idx), r.d }

func (r f32Rows) Row(dst []float64, i int) {
	for j, v := range r.x[r.idx[i]*r.d : (r.idx[i]+1)*r.d] {
		dst[j] = float64(v)
		if r.sqrt {
			dst[j] = math.Sqrt(max(dst[j], 0))
		}
	}
}

// dense is the matrix of r's rows.
func (r f32Rows) dense() *mat.Dense {
	n, d := r.Dims()
	m := mat.NewDense(n, d, nil)
	for i := range n {
		r.Row(m.RawRowView(i), i)
	}
	return m
}

// TestTrainRowsIdentical checks that a linear probe trained on Rows, whose
// steps run in parallel, is the probe trained serially on the matrix of the
// same values, to the last bit (parameters, scaler, log, predictions), for
// the default, the paper's and a validation-split configuration.
func TestTrainRowsIdentical(t *testing.T) {
	x, y := blobs(700, 130, 10, 0.4, 3)
	raw := x.RawMatrix()
	f := make([]float32, len(raw.Data))
	for i, v := range raw.Data {
		f[i] = float32(math.Abs(v))
	}
	all := make([]int, 700)
	for i := range all {
		all[i] = i
	}
	rows := f32Rows{x: f, d: 130, idx: all[:600], sqrt: true}
	test := f32Rows{x: f, d: 130, idx: all[600:], sqrt: true}
	paper := LinearNMNIST()
	paper.Epochs = 5
	for name, cfg := range map[string]LinearConfig{
		"default":    {Training: Training{Epochs: 4}},
		"paper":      paper,
		"validation": {Training: Training{Epochs: 6, Validation: 0.2, Patience: 2, Batch: 50}},
	} {
		prev := runtime.GOMAXPROCS(1)
		serial, slog, err := TrainLinear(context.Background(), rows.dense(), y[:600], 10, cfg)
		runtime.GOMAXPROCS(max(prev, 2))
		if err != nil {
			t.Fatal(err)
		}
		par, plog, err := TrainLinearRows(context.Background(), rows, y[:600], 10, cfg)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(serial.net.params, par.net.params) || !slices.Equal(serial.net.shift, par.net.shift) || !slices.Equal(serial.net.scale, par.net.scale) {
			t.Errorf("%s: parameters differ between serial and parallel Rows training", name)
		}
		if slog.Steps != plog.Steps || !slices.Equal(slog.History, plog.History) || slog.BestEpoch != plog.BestEpoch {
			t.Errorf("%s: logs differ: %+v vs %+v", name, slog, plog)
		}
		if a, b := serial.Predict(test.dense()), PredictRows(par, test); !slices.Equal(a, b) {
			t.Errorf("%s: PredictRows differs from Predict", name)
		}
	}
}

// TestParallelStepAllocs checks that a parallel linear step allocates
// nothing.
func TestParallelStepAllocs(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one CPU: no parallel steps")
	}
	s := linearStepper(t, 32, 300, 10, nil, 0)
	o := s.obj.(*clsObjective)
	o.team = newTeam(2, o.work)
	defer o.team.stop()
	step := func() {
		clear(s.grad)
		o.loss(s.idx, s.grad, true)
		o.step(s.opt, s.params, s.grad)
	}
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Errorf("%v allocations per parallel step", a)
	}
}
