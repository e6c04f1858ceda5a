package projection_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/memlsm/memlsm/projection"
	"gonum.org/v1/gonum/mat"
)

// clusters draws n rows of d features around one random centre per class
// (centres ~ N(0, 1), noise ~ N(0, 0.5²)); row i has class i mod classes.
func clusters(n, d, classes int, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centre := make([]float64, classes*d)
	for i := range centre {
		centre[i] = rng.NormFloat64()
	}
	x := mat.NewDense(n, d, nil)
	y := make([]int, n)
	for i := range n {
		y[i] = i % classes
		for j := range d {
			x.Set(i, j, centre[y[i]*d+j]+0.5*rng.NormFloat64())
		}
	}
	return x, y
}

func ExampleTrainLinear() {
	x, y := clusters(300, 20, 3, 1)
	train, test := x.Slice(0, 200, 0, 20).(*mat.Dense), x.Slice(200, 300, 0, 20).(*mat.Dense)

	probe, log, err := projection.TrainLinear(context.Background(), train, y[:200], 3, projection.LinearConfig{Training: projection.Training{Seed: 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	pred := probe.Predict(test)
	fmt.Printf("%d epochs, %d steps\n", len(log.History), log.Steps)
	fmt.Printf("test accuracy %.2f\n", projection.Accuracy(y[200:], pred))
	fmt.Println("confusion:", projection.Confusion(y[200:], pred, 3))
	// Output:
	// 60 epochs, 420 steps
	// test accuracy 1.00
	// confusion: [[33 0 0] [0 33 0] [0 0 34]]
}

// Two modalities observe the same six classes through different random
// maps. The heads are trained on pairs from classes 0–3 only, then asked to
// match audio to images of the never-seen classes 4 and 5.
func ExampleTrainCLIP() {
	rng := rand.New(rand.NewPCG(2, 2))
	latent := make([][]float64, 6) // one 4-D latent per class
	for c := range latent {
		latent[c] = []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	}
	view := func(d int) *mat.Dense { // a random linear map latent → d features
		m := mat.NewDense(d, 4, nil)
		for i := range d {
			for j := range 4 {
				m.Set(i, j, rng.NormFloat64())
			}
		}
		return m
	}
	mapA, mapB := view(30), view(20)
	sample := func(classes []int, per int) (a, b *mat.Dense, y []int) {
		n := len(classes) * per
		a, b = mat.NewDense(n, 30, nil), mat.NewDense(n, 20, nil)
		for i := range n {
			c := classes[i%len(classes)]
			y = append(y, c)
			for _, v := range []struct {
				m   *mat.Dense
				dst *mat.Dense
			}{{mapA, a}, {mapB, b}} {
				z := mat.NewVecDense(4, nil)
				for j := range 4 {
					z.SetVec(j, latent[c][j]+0.3*rng.NormFloat64())
				}
				var out mat.VecDense
				out.MulVec(v.m, z)
				for j := range out.Len() {
					v.dst.Set(i, j, out.AtVec(j)+0.3*rng.NormFloat64())
				}
			}
		}
		return a, b, y
	}
	a, b, y := sample([]int{0, 1, 2, 3}, 50)
	ua, ub, uy := sample([]int{4, 5}, 50)

	h, _, err := projection.TrainCLIP(context.Background(), a, b, y, projection.CLIPConfig{Dim: 16, Training: projection.Training{Seed: 1, Epochs: 30}})
	if err != nil {
		fmt.Println(err)
		return
	}
	aToB, bToA := projection.CrossRetrieval(h, ua, ub, uy, uy, 1)
	fmt.Printf("loss %v, metric %v\n", h.Loss(), h.Metric())
	fmt.Printf("unseen classes: a→b %.2f, b→a %.2f (chance %.2f)\n", aToB, bToA, projection.Chance(uy, uy, 1))
	// Output:
	// loss supcon, metric cosine
	// unseen classes: a→b 0.97, b→a 0.95 (chance 0.50)
}

func ExampleRetrieval() {
	// Three audio queries and four image embeddings in a shared 2-D space.
	// The third query's nearest image is of class 0; its own class comes
	// second.
	audio := mat.NewDense(3, 2, []float64{1, 0, 0, 1, 1, 0.2})
	images := mat.NewDense(4, 2, []float64{0.9, 0.1, 0.1, 0.9, -1, 0, 0.6, 0.8})
	audioLabels, imageLabels := []int{0, 1, 2}, []int{0, 1, 1, 2}

	for _, k := range []int{1, 2} {
		acc := projection.Retrieval(audio, images, audioLabels, imageLabels, k, projection.Cosine)
		fmt.Printf("top-%d %.2f (chance %.2f)\n", k, acc, projection.Chance(audioLabels, imageLabels, k))
	}
	// Output:
	// top-1 0.67 (chance 0.33)
	// top-2 1.00 (chance 0.61)
}

func ExampleSave() {
	x, y := clusters(90, 5, 3, 3)
	probe, _, err := projection.TrainLinear(context.Background(), x, y, 3, projection.LinearConfig{Training: projection.Training{Seed: 7, Epochs: 5}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Provenance travels with the weights.
	meta := map[string]any{"reservoir": 200, "macro": "lin2025", "seed": 7}
	var file bytes.Buffer
	if err := projection.Save(&file, probe, meta); err != nil {
		fmt.Println(err)
		return
	}

	head, raw, err := projection.Load(&file)
	if err != nil {
		fmt.Println(err)
		return
	}
	loaded := head.(*projection.Linear)
	same := mat.Equal(probe.Scores(x), loaded.Scores(x))
	var m struct{ Macro string }
	_ = json.Unmarshal(raw, &m)
	fmt.Println("classes", loaded.Classes(), "inputs", loaded.Dim(), "identical scores", same, "macro", m.Macro)
	// Output:
	// classes 3 inputs 5 identical scores true macro lin2025
}
