package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/experiment"
)

// Plan is a spec made concrete: its points and seeds, every point's run
// checked. Tasks are the (point, seed) pairs in point-major order; Shard
// deals them out.
type Plan struct {
	Spec   *Spec   `json:"spec"`
	Points []Point `json:"points"`
	Seeds  []uint64
	// ID identifies the sweep's work (run, axes, points and seeds; not the
	// column or plot choices): a results folder belongs to one ID.
	ID string `json:"id"`
}

// Task is one experiment run: a point with a replicate seed.
type Task struct {
	Point int    `json:"point"`
	Seed  uint64 `json:"seed"`
}

func (t Task) String() string { return fmt.Sprintf("point %d seed %d", t.Point, t.Seed) }

// NewPlan draws the spec's points and checks every point's run: an
// unknown key or a value out of range is reported here, before anything
// runs.
func NewPlan(s *Spec) (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	pts, err := s.points()
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	seeds := []uint64(s.Seeds)
	if len(seeds) == 0 {
		seeds = []uint64{experiment.DefaultSeed}
	}
	p := &Plan{Spec: s, Points: pts, Seeds: seeds}
	// Check each distinct value of each axis once on the base run, then
	// every point (points combine values, so e.g. a params set may only
	// fail in combination).
	for _, pt := range pts {
		if _, err := p.run(pt); err != nil {
			return nil, fmt.Errorf("sweep: point %d (%s): %w", pt.Index, p.describe(pt), err)
		}
	}
	id := struct {
		Run    map[string]any `json:"run"`
		Axes   []Axis         `json:"axes"`
		Points []Point        `json:"points"`
		Seeds  []uint64       `json:"seeds"`
	}{s.Run, s.Axes, pts, seeds}
	b, err := json.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	sum := sha256.Sum256(b)
	p.ID = hex.EncodeToString(sum[:])
	return p, nil
}

// run returns the checked run configuration of a point.
func (p *Plan) run(pt Point) (*runConfig, error) {
	doc, err := p.withValues(pt)
	if err != nil {
		return nil, err
	}
	rc, err := decodeRun(doc)
	if err != nil {
		return nil, err
	}
	if err := rc.check(); err != nil {
		return nil, err
	}
	return rc, nil
}

// Tasks returns every task in point-major order.
func (p *Plan) Tasks() []Task {
	out := make([]Task, 0, len(p.Points)*len(p.Seeds))
	for _, pt := range p.Points {
		for _, s := range p.Seeds {
			out = append(out, Task{pt.Index, s})
		}
	}
	return out
}

// Shard is part I of N (0 ≤ I < N) of a sweep's tasks.
type Shard struct{ I, N int }

// All is the whole sweep as one shard.
var All = Shard{0, 1}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// ParseShard reads "I/N" (0 ≤ I < N).
func ParseShard(v string) (Shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("sweep: shard %q: want I/N, e.g. 0/4 (I counts from 0)", v)
	}
	s := Shard{i, n}
	return s, s.Validate()
}

// Validate checks 0 ≤ I < N.
func (s Shard) Validate() error {
	if s.N < 1 || s.I < 0 || s.I >= s.N {
		return fmt.Errorf("sweep: shard %d/%d: want 0 ≤ I < N (I counts from 0)", s.I, s.N)
	}
	return nil
}

// Tasks deals the plan's tasks round-robin: task k belongs to shard k mod
// N, which spreads every axis's costly end over the shards.
func (s Shard) Tasks(p *Plan) []Task {
	var out []Task
	for k, t := range p.Tasks() {
		if k%s.N == s.I {
			out = append(out, t)
		}
	}
	return out
}

// describe prints a point's axis values.
func (p *Plan) describe(pt Point) string {
	parts := make([]string, len(p.Spec.Axes))
	for i, a := range p.Spec.Axes {
		parts[i] = a.Name + "=" + formatValue(pt.Values[i])
	}
	return strings.Join(parts, " ")
}
