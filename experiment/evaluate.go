package experiment

import (
	"context"
	"fmt"
	"io"

	"github.com/memlsm/memlsm/events"
)

// Evaluation is the score of a saved classification model on a dataset:
// what "memlsm classify --load" prints.
type Evaluation struct {
	Model       string   `json:"model"` // the model file
	Data        string   `json:"data"`
	Accuracy    float64  `json:"accuracy"`
	TestSamples int      `json:"test_samples"`
	Classes     []string `json:"classes"`
	Seed        uint64   `json:"seed"` // the model's
	// Confusion[t][p] counts samples of the model's class t predicted as p.
	Confusion [][]int `json:"confusion"`
}

// EvaluateReport scores a classification model on d; file names the model
// in the report.
func (m *Model) EvaluateReport(ctx context.Context, d *events.Dataset, file string, workers int) (*Evaluation, error) {
	if m.Task != "classify" {
		return nil, fmt.Errorf("experiment: %s is a %s model, not a classifier", file, m.Task)
	}
	acc, pred, err := m.Evaluate(ctx, d, workers)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Model: file, Data: d.Name, Accuracy: acc, TestSamples: d.Len(), Classes: m.Classes, Seed: m.Seed}
	ev.Confusion = make([][]int, len(m.Classes))
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, len(m.Classes))
	}
	for i := range d.Samples {
		for j, c := range m.Classes {
			if events.ClassMatches(c, d.Classes[d.Samples[i].Label]) {
				ev.Confusion[j][pred[i]]++
				break
			}
		}
	}
	return ev, nil
}

// RetrievalEvaluation is the score of a saved zero-shot model: what
// "memlsm zeroshot --load" prints.
type RetrievalEvaluation struct {
	Model         string     `json:"model"` // the model file
	Modalities    Modalities `json:"modalities"`
	Seen          Retrieval  `json:"seen"`
	Unseen        Retrieval  `json:"unseen"`
	SeenClasses   []string   `json:"seen_classes"`
	UnseenClasses []string   `json:"unseen_classes"`
	Seed          uint64     `json:"seed"` // the model's
}

// RetrieveReport scores a zero-shot model on the seen and the unseen
// classes of its two modalities a and b (Retrieve for each); file names
// the model.
func (m *Model) RetrieveReport(ctx context.Context, a, b *events.Dataset, seen, unseen []string, file string, workers int) (*RetrievalEvaluation, error) {
	if m.Task != "zeroshot" {
		return nil, fmt.Errorf("experiment: %s is a %s model, not a zero-shot model", file, m.Task)
	}
	out := &RetrievalEvaluation{Model: file, Modalities: m.Modalities(), SeenClasses: seen, UnseenClasses: unseen, Seed: m.Seed}
	var err error
	if out.Seen, err = m.Retrieve(ctx, a, b, seen, workers); err != nil {
		return nil, err
	}
	if out.Unseen, err = m.Retrieve(ctx, a, b, unseen, workers); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteText writes the scores in both directions, one line per class
// group.
func (r *RetrievalEvaluation) WriteText(w io.Writer) error {
	n := r.Modalities
	for _, g := range []struct {
		name    string
		classes []string
		r       Retrieval
	}{{"seen", r.SeenClasses, r.Seen}, {"unseen", r.UnseenClasses, r.Unseen}} {
		if _, err := fmt.Fprintf(w, "%s %v: %s %.4f, %s %.4f (chance %.4f, %d pairs)\n", g.name, g.classes, n.To(true), g.r.Top1.BToA, n.To(false), g.r.Top1.AToB, g.r.Chance.BToA, g.r.Pairs); err != nil {
			return err
		}
	}
	return nil
}
