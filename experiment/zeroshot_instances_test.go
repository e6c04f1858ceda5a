package experiment

import (
	"context"
	"fmt"
	"testing"

	"github.com/memlsm/memlsm/events"
)

// withInstances names the items of d: sample k of class c is item
// "item-c-k" (k counted per class in dataset order), for k < n.
func withInstances(d *events.Dataset, n int) *events.Dataset {
	seen := map[int]int{}
	for i := range d.Samples {
		s := &d.Samples[i]
		k := seen[s.Label]
		seen[s.Label]++
		if k < n {
			s.Meta = map[string]string{events.MetaInstance: fmt.Sprintf("item-%d-%d", s.Label, k)}
		}
	}
	return d
}

// TestZeroShotKeepsInstancesApart: items recorded in both modalities are
// used in one only, balanced, and no pair or test set joins two
// recordings of one item.
func TestZeroShotKeepsInstancesApart(t *testing.T) {
	for _, c := range []struct {
		name             string
		nImg, nAud       int // samples per class
		sharedImg        int // first sharedImg images per class share items with the first audio samples
		wantImg, wantAud int // shared items kept per side (9 classes)
		testImg, testAud int // test sources without items, per class (0: none)
	}{
		{"all shared", 20, 20, 20, 90, 90, 0, 0},
		{"images to spare", 40, 20, 20, 0, 180, 0, 0},
		{"nothing shared", 20, 20, 0, 0, 0, 0, 0},
		// Unequal test sources do not tilt the training items.
		{"test sources", 20, 20, 20, 90, 90, 5, 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := withInstances(syntheticImages(10, c.nImg, 1), c.sharedImg)
			aud := withInstances(syntheticAudio(10, c.nAud, 2, 2), c.nAud)
			cfg := ZeroShotConfig{A: Side{Data: img}, B: Side{Data: aud}, Seed: 3}
			if c.testImg > 0 {
				cfg.A.Test, cfg.B.Test = syntheticImages(10, c.testImg, 5), syntheticAudio(10, c.testAud, 2, 6)
			}
			p, err := newZSPlan(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.bin(context.Background()); err != nil {
				t.Fatal(err)
			}
			if c.wantImg+c.wantAud == 0 {
				if p.instances != nil {
					t.Fatalf("report %v with nothing shared", p.instances)
				}
			} else if p.instances == nil || p.instances.Shared != c.wantImg+c.wantAud || p.instances.Kept["image"] != c.wantImg || p.instances.Kept["audio"] != c.wantAud {
				t.Fatalf("report %+v, want %d shared, %d kept as image, %d as audio", p.instances, c.wantImg+c.wantAud, c.wantImg, c.wantAud)
			}
			sp, err := p.split(p.parts(), p.seen, p.unseen, 3)
			if err != nil {
				t.Fatal(err)
			}
			inst := func(k, f int) string {
				s := p.sides[k]
				r := s.refs[f]
				return s.src[r.src].Samples[r.i].Instance()
			}
			used := [2]map[string]bool{{}, {}}
			for _, ps := range [][]events.IndexPair{sp.train, sp.seenTest, sp.unseenTest} {
				for _, pr := range ps {
					a, b := inst(0, pr.A), inst(1, pr.B)
					if a != "" && a == b {
						t.Fatalf("pair of one item %s", a)
					}
					used[0][a], used[1][b] = true, true
				}
			}
			for in := range used[0] {
				if in != "" && used[1][in] {
					t.Fatalf("item %s used by both modalities", in)
				}
			}
		})
	}
}
