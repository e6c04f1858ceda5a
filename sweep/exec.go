package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/experiment"
)

// OpenFunc opens a data source ("nmnist:DIR", "fsdd:DIR", …); the CLI
// passes events/source.Open.
type OpenFunc func(ctx context.Context, spec string) (*events.Dataset, error)

// Data holds a sweep's datasets, each opened once and shared by every
// point (experiments only read them).
type Data struct {
	open OpenFunc
	mu   sync.Mutex
	sets map[string]*dataEntry
}

type dataEntry struct {
	once sync.Once
	d    *events.Dataset
	err  error
}

// NewData returns an empty cache that opens sources with open.
func NewData(open OpenFunc) *Data {
	return &Data{open: open, sets: map[string]*dataEntry{}}
}

// Get opens spec once; later calls share the dataset.
func (c *Data) Get(ctx context.Context, spec string) (*events.Dataset, error) {
	c.mu.Lock()
	e, ok := c.sets[spec]
	if !ok {
		e = &dataEntry{}
		c.sets[spec] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.d, e.err = c.open(ctx, spec)
		if e.err == nil && (e.d == nil || e.d.Len() == 0) {
			e.err = fmt.Errorf("sweep: data %s holds no samples", spec)
		}
	})
	return e.d, e.err
}

// perClass keeps the first n samples of every class (n ≤ 0: all).
func perClass(d *events.Dataset, n int) *events.Dataset {
	if n <= 0 || d == nil {
		return d
	}
	h := d.Head(n)
	h.Name = fmt.Sprintf("%s (first %d per class)", d.Name, n)
	return h
}

// Execute runs one task through the library and returns the experiment's
// result as JSON. workers bounds its encoding goroutines (0: GOMAXPROCS).
func (p *Plan) Execute(ctx context.Context, data *Data, t Task, workers int) (json.RawMessage, error) {
	if t.Point < 0 || t.Point >= len(p.Points) {
		return nil, fmt.Errorf("sweep: no point %d", t.Point)
	}
	rc, err := p.run(p.Points[t.Point])
	if err != nil {
		return nil, err
	}
	if rc.Workers > 0 {
		workers = rc.Workers
	}
	macro, err := rc.macro()
	if err != nil {
		return nil, err
	}
	get := func(spec string) (*events.Dataset, error) {
		if spec == "" {
			return nil, nil
		}
		d, err := data.Get(ctx, spec)
		return perClass(d, rc.PerClass), err
	}
	var res any
	switch rc.Experiment {
	case "classify":
		d, err := get(rc.Data)
		if err != nil {
			return nil, err
		}
		td, err := get(rc.Test)
		if err != nil {
			return nil, err
		}
		ec, err := rc.encoder(d.Sensor, rc.Encoder)
		if err != nil {
			return nil, err
		}
		head, err := rc.classifyHead(d.Sensor)
		if err != nil {
			return nil, err
		}
		feat, err := rc.features()
		if err != nil {
			return nil, err
		}
		r, err := experiment.Classify(ctx, experiment.ClassifyConfig{
			Data: d, Test: td, Folds: rc.CV, BySpeaker: rc.Split == "speaker", TestFraction: rc.TestFraction,
			Encoder: ec, Macro: macro, Features: feat, Head: head, Seed: t.Seed, Workers: workers,
		})
		if err != nil {
			return nil, taskError(ctx, err)
		}
		res = r
	case "zeroshot":
		var ds [4]*events.Dataset
		for i, s := range []string{rc.Images, rc.Audio, rc.TestImages, rc.TestAudio} {
			if ds[i], err = get(s); err != nil {
				return nil, err
			}
		}
		ie, err := rc.encoder(ds[0].Sensor, rc.Encoder, rc.ImageEncoder)
		if err != nil {
			return nil, err
		}
		ae, err := rc.encoder(ds[1].Sensor, rc.Encoder, rc.AudioEncoder)
		if err != nil {
			return nil, err
		}
		head, err := rc.zeroShotHead()
		if err != nil {
			return nil, err
		}
		r, err := experiment.ZeroShot(ctx, experiment.ZeroShotConfig{
			A:    experiment.Side{Data: ds[0], Test: ds[2], Encoder: ie},
			B:    experiment.Side{Data: ds[1], Test: ds[3], Encoder: ae},
			Seen: rc.Seen, Unseen: rc.Unseen, PairAll: rc.PairAll, TestFraction: rc.TestFraction, TestPerClass: rc.TestPerClass,
			Macro: macro, Head: head, Seed: t.Seed, Workers: workers,
		})
		if err != nil {
			return nil, taskError(ctx, err)
		}
		res = r
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("sweep: %s: encoding the result: %w", t, err)
	}
	return b, nil
}

// TaskError is an experiment that failed on its own terms (e.g. no gain
// puts a reservoir read through a 6-bit ADC into its activity band): an
// outcome of the point, deterministic like a result, so Run journals it
// (Record.Error, the table's error column) and goes on. Any other error
// (data that cannot be read, a cancelled context) stops the run.
type TaskError struct{ Err error }

func (e *TaskError) Error() string { return e.Err.Error() }
func (e *TaskError) Unwrap() error { return e.Err }

// taskError classifies an experiment's error: a cancellation stays an
// error of the run, anything else is the task's outcome.
func taskError(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &TaskError{err}
}
