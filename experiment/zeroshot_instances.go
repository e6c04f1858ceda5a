package experiment

import (
	"fmt"
	"sort"
)

// InstanceReport says how a zero-shot plan kept its two modalities' items
// apart. Two recordings of the same item (events.MetaInstance: an MNIST
// digit as an image and the pen trajectory traced from it) are never both
// used: such a pair, or a query whose own item waits in the gallery, would
// reward recognising the item rather than the class. Each item recorded in
// both modalities is kept in one of them only — the one that, in that
// class, has fewer items so far (alternating on ties) — so the modalities
// stay as balanced as the data allow, and every pair and every retrieval
// matches different items of one class. Training and test sources are
// balanced separately: an item shared by two training sources goes to the
// side with fewer training items of its class.
type InstanceReport struct {
	// Shared counts the items recorded in both modalities (among the
	// classes of the experiment).
	Shared int `json:"shared"`
	// Kept says, per modality, how many of the shared items it kept.
	Kept map[string]int `json:"kept"`
}

// separateInstances decides which samples of each side's sources to leave
// out so that no item (Sample.Instance) is used by both sides; drop[k][j]
// is indexed like side k's source j (nil for an absent source). It records
// what it did in p.instances (nil when the sides share nothing).
func (p *zsPlan) separateInstances() (drop [2][2][]bool) {
	type item struct{ j, i int }
	for k, s := range p.sides {
		for j, d := range s.src {
			if d != nil {
				drop[k][j] = make([]bool, d.Len())
			}
		}
	}
	// Items of each side, by instance, over the plan's classes.
	var byInst [2]map[string][]item
	var order [2][]string // instances in first-seen order, per side
	classOf := map[string]string{}
	for k, s := range p.sides {
		byInst[k] = map[string][]item{}
		for _, c := range p.classesToBin {
			for j, d := range s.src {
				if d == nil {
					continue
				}
				for _, i := range indicesOf(d, c) {
					in := d.Samples[i].Instance()
					if in == "" {
						continue
					}
					if _, seen := byInst[k][in]; !seen {
						order[k] = append(order[k], in)
						if k == 0 {
							classOf[in] = c
						}
					}
					byInst[k][in] = append(byInst[k][in], item{j, i})
				}
			}
		}
	}
	rep := &InstanceReport{Kept: map[string]int{p.names.A: 0, p.names.B: 0}}
	// Per class: the items each source holds apart from the shared ones;
	// each shared item goes to the side whose source of it (training or
	// test) has fewer so far, so training pairs and test pairs both stay
	// as balanced as the data allow.
	count := func(k, j int, c string) int {
		if d := p.sides[k].src[j]; d != nil {
			return len(indicesOf(d, c))
		}
		return 0
	}
	shared := map[string][]string{} // class → shared instances in A's order
	for _, in := range order[0] {
		if _, ok := byInst[1][in]; ok {
			shared[classOf[in]] = append(shared[classOf[in]], in)
		}
	}
	classes := make([]string, 0, len(shared))
	for c := range shared {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		ins := shared[c]
		var n [2][2]int // side, source
		for k := range 2 {
			for j := range 2 {
				n[k][j] = count(k, j, c)
			}
			for _, in := range ins {
				for _, it := range byInst[k][in] {
					n[k][it.j]--
				}
			}
		}
		for t, in := range ins {
			ja, jb := byInst[0][in][0].j, byInst[1][in][0].j
			keep := 1 // B
			switch {
			case n[0][ja] < n[1][jb]:
				keep = 0
			case n[0][ja] == n[1][jb] && t%2 == 1:
				keep = 0
			}
			other := 1 - keep
			for _, it := range byInst[other][in] {
				drop[other][it.j][it.i] = true
			}
			for _, it := range byInst[keep][in] {
				n[keep][it.j]++
			}
			rep.Shared++
			rep.Kept[[2]string{p.names.A, p.names.B}[keep]]++
		}
	}
	if rep.Shared > 0 {
		p.instances = rep
	}
	return drop
}

// String describes the report in one line.
func (r *InstanceReport) String() string {
	if r == nil {
		return "no item recorded in both modalities"
	}
	names := make([]string, 0, len(r.Kept))
	for n := range r.Kept {
		names = append(names, n)
	}
	sort.Strings(names)
	s := fmt.Sprintf("%d items recorded in both modalities, each used in one only (", r.Shared)
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d as %s", r.Kept[n], n)
	}
	return s + ")"
}
