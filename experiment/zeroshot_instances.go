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
// matches different items of one class.
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
	// Per class: items only A has, only B has, then the shared ones given
	// to the side with fewer so far.
	count := func(k int, c string) int {
		n := 0
		for _, d := range p.sides[k].src {
			if d != nil {
				n += len(indicesOf(d, c))
			}
		}
		return n
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
		var nItems [2]int
		for k := range 2 {
			nItems[k] = count(k, c)
			for _, in := range ins {
				nItems[k] -= len(byInst[k][in])
			}
		}
		for t, in := range ins {
			keep := 1 // B
			switch {
			case nItems[0] < nItems[1]:
				keep = 0
			case nItems[0] == nItems[1] && t%2 == 1:
				keep = 0
			}
			other := 1 - keep
			for _, it := range byInst[other][in] {
				drop[other][it.j][it.i] = true
			}
			nItems[keep] += len(byInst[keep][in])
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
