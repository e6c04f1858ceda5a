package descriptor

import (
	"fmt"
	"math"
	"slices"
)

// Shape descriptors describe a written character by the skeleton of its
// strokes: topology (closed loops, free stroke ends, junctions where
// strokes meet or cross), where the loops and ends lie, the direction and
// curvature of the strokes, how the ink is spread over the box, its
// aspect and its symmetry. They are computed by FromStrokes from a
// Glyph per class — for the digits from DigitGlyphs, a table of skeletons
// drawn in the common handwritten form of the MNIST digits.

// Point is a position in a glyph's unit box: x to the right, y down, both
// in [0, 1].
type Point struct{ X, Y float64 }

// Stroke is a polyline; Closed strokes return to their first point.
type Stroke struct {
	Points []Point
	Closed bool
}

// Glyph is the skeleton of a character.
type Glyph []Stroke

// line returns the points of a straight segment.
func line(x0, y0, x1, y1 float64) []Point {
	n := max(2, int(math.Ceil(math.Hypot(x1-x0, y1-y0)/0.01))+1)
	out := make([]Point, n)
	for i := range out {
		t := float64(i) / float64(n-1)
		out[i] = Point{x0 + t*(x1-x0), y0 + t*(y1-y0)}
	}
	return out
}

// arc returns the points of an elliptic arc around (cx, cy) with radii rx,
// ry from angle a0 to a1 (degrees, counter-clockwise as seen, 0 to the
// right).
func arc(cx, cy, rx, ry, a0, a1 float64) []Point {
	// Points about every 0.005 along the arc (Ramanujan's perimeter
	// approximation, scaled to the swept angle).
	h := (rx - ry) * (rx - ry) / ((rx + ry) * (rx + ry))
	perim := math.Pi * (rx + ry) * (1 + 3*h/(10+math.Sqrt(4-3*h)))
	n := max(8, int(math.Ceil(perim*math.Abs(a1-a0)/360/0.005))+1)
	out := make([]Point, n)
	for i := range out {
		a := (a0 + (a1-a0)*float64(i)/float64(n-1)) * math.Pi / 180
		out[i] = Point{cx + rx*math.Cos(a), cy - ry*math.Sin(a)}
	}
	return out
}

// join concatenates pieces of one stroke (each piece starting where the
// previous ends).
func join(pieces ...[]Point) []Point {
	var out []Point
	for k, p := range pieces {
		if k > 0 {
			p = p[1:]
		}
		out = append(out, p...)
	}
	return out
}

func open(p []Point) Stroke   { return Stroke{Points: p} }
func closed(p []Point) Stroke { return Stroke{Points: p[:len(p)-1], Closed: true} }

// DigitGlyphs returns the skeletons of the written digits 0–9 in the
// common handwritten form of the MNIST digits (LeCun et al. 1998): 1 a
// single stroke, 4 open at the top with a crossing stem, 7 without a
// crossbar, 9 a loop on a straight stem. Assumption: one canonical form
// per digit; real handwriting varies (a closed 4, a 7 with a bar), which
// the descriptors do not see.
func DigitGlyphs() map[string]Glyph {
	return map[string]Glyph{
		"0": {closed(arc(0.5, 0.5, 0.28, 0.45, 0, 360))},
		"1": {open(line(0.5, 0.05, 0.5, 0.95))},
		"2": {open(join(arc(0.5, 0.3, 0.28, 0.25, 160, -30), line(0.5+0.28*math.Cos(-math.Pi/6), 0.3+0.25*math.Sin(math.Pi/6), 0.2, 0.95),
			line(0.2, 0.95, 0.82, 0.95)))},
		"3": {open(join(arc(0.5, 0.28, 0.26, 0.23, 150, -90), arc(0.5, 0.73, 0.28, 0.22, 90, -150)))},
		"4": {open(join(line(0.35, 0.05, 0.2, 0.62), line(0.2, 0.62, 0.82, 0.62))), open(line(0.65, 0.12, 0.65, 0.95))},
		"5": {open(join(line(0.78, 0.06, 0.32, 0.06), line(0.32, 0.06, 0.5+0.27*math.Cos(0.75*math.Pi), 0.68-0.25*math.Sin(0.75*math.Pi)),
			arc(0.5, 0.68, 0.27, 0.25, 135, -150)))},
		"6": {open(arc(0.75, 0.72, 0.5, 0.67, 110, 180)), closed(arc(0.5, 0.72, 0.25, 0.23, 180, 540))},
		"7": {open(join(line(0.2, 0.06, 0.8, 0.06), line(0.8, 0.06, 0.42, 0.95)))},
		"8": {closed(arc(0.5, 0.27, 0.21, 0.22, -90, 270)), closed(arc(0.5, 0.72, 0.25, 0.23, 90, 450))},
		"9": {closed(arc(0.5, 0.3, 0.25, 0.24, 0, 360)), open(line(0.75, 0.3, 0.76, 0.95))},
	}
}

// ShapeFeatures returns the names of the components of a shape descriptor.
func ShapeFeatures() []string {
	return []string{
		"loops", "ends", "junctions", "loops_upper", "loops_lower",
		"ends_top", "ends_middle", "ends_bottom", "ends_left", "ends_centre", "ends_right",
		"horizontal", "rising", "vertical", "falling", "curvature",
		"ink_top", "ink_middle", "ink_bottom", "ink_left", "ink_centre", "ink_right",
		"aspect", "symmetry_lr", "symmetry_tb",
	}
}

// contactEps is how close two strokes must come to touch (in units of the
// glyph's height; assumption: a pen width).
const contactEps = 0.02

// contact is a place where strokes meet: the strokes and whether each
// meets it at one of its ends.
type contact struct {
	at     Point
	degree int // branches leaving the contact
	ends   map[[2]int]bool
}

// shapeVector describes one glyph.
func shapeVector(g Glyph) ([]float64, error) {
	if len(g) == 0 {
		return nil, fmt.Errorf("descriptor: empty glyph")
	}
	for k, s := range g {
		if len(s.Points) < 2 {
			return nil, fmt.Errorf("descriptor: stroke %d has %d points", k, len(s.Points))
		}
	}
	dist := func(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
	// Contacts between different strokes: every place (clustered within
	// 5 pen widths) where they come within contactEps.
	var contacts []*contact
	// stroke k's contacts as positions along it (point index).
	along := make([][]int, len(g))
	atEnd := func(s Stroke, i int) (int, bool) {
		if s.Closed {
			return 0, false
		}
		if i <= 1 {
			return 0, true
		}
		if i >= len(s.Points)-2 {
			return 1, true
		}
		return 0, false
	}
	type pair struct{ i, j int }
	for a := range g {
		for b := a + 1; b < len(g); b++ {
			// Close point pairs, clustered within 5 pen widths; a cluster
			// meets a stroke at its end if any of its points is one (a
			// stroke that runs into another tangentially comes close
			// before it ends there).
			var clusters [][]pair
			for i, p := range g[a].Points {
				for j, q := range g[b].Points {
					if dist(p, q) >= contactEps {
						continue
					}
					k := slices.IndexFunc(clusters, func(cl []pair) bool {
						return slices.ContainsFunc(cl, func(x pair) bool { return dist(g[a].Points[x.i], p) < 5*contactEps })
					})
					if k < 0 {
						clusters = append(clusters, nil)
						k = len(clusters) - 1
					}
					clusters[k] = append(clusters[k], pair{i, j})
				}
			}
			for _, cl := range clusters {
				c := &contact{at: g[a].Points[cl[0].i], ends: map[[2]int]bool{}}
				contacts = append(contacts, c)
				for _, m := range []struct {
					k   int
					idx func(pair) int
				}{{a, func(x pair) int { return x.i }}, {b, func(x pair) int { return x.j }}} {
					pos, end := m.idx(cl[0]), -1
					for _, x := range cl {
						if e, ok := atEnd(g[m.k], m.idx(x)); ok {
							pos, end = m.idx(x), e
						}
					}
					along[m.k] = append(along[m.k], pos)
					if end >= 0 {
						c.ends[[2]int{m.k, end}] = true
						c.degree++
					} else {
						c.degree += 2
					}
				}
			}
		}
	}
	v := map[string]float64{}
	// Free ends: open stroke ends in no contact.
	for k, s := range g {
		if s.Closed {
			continue
		}
		for e, p := range []Point{s.Points[0], s.Points[len(s.Points)-1]} {
			free := true
			for _, c := range contacts {
				if c.ends[[2]int{k, e}] {
					free = false
				}
			}
			if !free {
				continue
			}
			v["ends"]++
			switch {
			case p.Y < 1.0/3:
				v["ends_top"]++
			case p.Y > 2.0/3:
				v["ends_bottom"]++
			default:
				v["ends_middle"]++
			}
			switch {
			case p.X < 1.0/3:
				v["ends_left"]++
			case p.X > 2.0/3:
				v["ends_right"]++
			default:
				v["ends_centre"]++
			}
		}
	}
	for _, c := range contacts {
		if c.degree >= 3 {
			v["junctions"]++
		}
	}
	// Loops: the cyclomatic number E − V + C of the stroke graph, whose
	// nodes are the contacts and free ends (a closed stroke without
	// contacts has one node of its own), and whose edges are the stroke
	// pieces between them.
	nodes, edges := len(contacts), 0
	for k, s := range g {
		n := len(slices.Compact(slices.Sorted(slices.Values(along[k]))))
		if s.Closed {
			if n == 0 {
				nodes++
				n = 1
			}
			edges += n
			continue
		}
		// Ends that are not contacts are nodes too.
		ends := 0
		for e := range 2 {
			in := false
			for _, c := range contacts {
				if c.ends[[2]int{k, e}] {
					in = true
				}
			}
			if !in {
				ends++
			}
		}
		nodes += ends
		edges += n + ends - 1
	}
	comps := components(g, contacts, along)
	loops := float64(edges - nodes + comps)
	v["loops"] = loops
	// Where the loops lie: the share of each loop's points above and below
	// the middle (a 0 spans both halves, an 8 has one loop in each).
	closedLoops := 0.0
	for _, s := range g {
		if !s.Closed {
			continue
		}
		closedLoops++
		for _, p := range s.Points {
			if p.Y < 0.5 {
				v["loops_upper"] += 1 / float64(len(s.Points))
			} else {
				v["loops_lower"] += 1 / float64(len(s.Points))
			}
		}
	}
	if closedLoops != loops {
		return nil, fmt.Errorf("descriptor: %v loops in the stroke graph but %v closed strokes: draw every loop as one closed stroke", loops, closedLoops)
	}
	// Direction, curvature and ink spread, weighted by length.
	total, turn := 0.0, 0.0
	for _, s := range g {
		pts := s.Points
		if s.Closed {
			pts = append(slices.Clone(pts), pts[0], pts[1])
		}
		for i := 1; i < len(pts); i++ {
			if s.Closed && i == len(pts)-1 {
				// only the turn at the closing point
			} else {
				a, b := pts[i-1], pts[i]
				l := dist(a, b)
				total += l
				ang := math.Atan2(-(b.Y-a.Y), b.X-a.X) * 180 / math.Pi
				ang = math.Mod(ang+180, 180)
				switch {
				case ang < 22.5 || ang >= 157.5:
					v["horizontal"] += l
				case ang < 67.5:
					v["rising"] += l
				case ang < 112.5:
					v["vertical"] += l
				default:
					v["falling"] += l
				}
				m := Point{(a.X + b.X) / 2, (a.Y + b.Y) / 2}
				switch {
				case m.Y < 1.0/3:
					v["ink_top"] += l
				case m.Y > 2.0/3:
					v["ink_bottom"] += l
				default:
					v["ink_middle"] += l
				}
				switch {
				case m.X < 1.0/3:
					v["ink_left"] += l
				case m.X > 2.0/3:
					v["ink_right"] += l
				default:
					v["ink_centre"] += l
				}
			}
			if i >= 2 {
				a, b, c := pts[i-2], pts[i-1], pts[i]
				d := math.Atan2(c.Y-b.Y, c.X-b.X) - math.Atan2(b.Y-a.Y, b.X-a.X)
				d = math.Abs(math.Remainder(d, 2*math.Pi))
				turn += d
			}
		}
	}
	for _, f := range []string{"horizontal", "rising", "vertical", "falling", "ink_top", "ink_middle", "ink_bottom", "ink_left", "ink_centre", "ink_right"} {
		v[f] /= total
	}
	v["curvature"] = turn / total
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range g {
		for _, p := range s.Points {
			minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
			minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
		}
	}
	v["aspect"] = (maxX - minX) / math.Max(maxY-minY, 1e-9)
	lr, tb := symmetry(g, minX, maxX, minY, maxY)
	v["symmetry_lr"], v["symmetry_tb"] = lr, tb
	out := make([]float64, 0, len(ShapeFeatures()))
	for _, f := range ShapeFeatures() {
		out = append(out, v[f])
	}
	return out, nil
}

// components counts the connected components of the glyph's strokes
// (strokes joined by contacts).
func components(g Glyph, contacts []*contact, along [][]int) int {
	parent := make([]int, len(g))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	dist := func(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
	for a := range g {
		for b := a + 1; b < len(g); b++ {
			for _, c := range contacts {
				near := func(k int) bool {
					for _, p := range g[k].Points {
						if dist(p, c.at) < 5*contactEps {
							return true
						}
					}
					return false
				}
				if near(a) && near(b) {
					parent[find(a)] = find(b)
				}
			}
		}
	}
	n := 0
	for i := range parent {
		if find(i) == i {
			n++
		}
	}
	return n
}

// symmetry rasterises the glyph (33×33 over a square around its bounding
// box, strokes three pixels wide) and returns the overlap (intersection over union) of
// the picture with its left–right and its top–bottom mirror image.
func symmetry(g Glyph, minX, maxX, minY, maxY float64) (lr, tb float64) {
	const n = 33 // odd, so that the middle column is the centre
	var px [n][n]bool
	// A square frame around the bounding box's centre keeps the aspect
	// (a 1 stays a thin vertical stroke in the middle).
	side := math.Max(math.Max(maxX-minX, maxY-minY), 1e-9)
	x0, y0 := (minX+maxX-side)/2, (minY+maxY-side)/2
	for _, s := range g {
		for _, p := range s.Points {
			cx := (p.X - x0) / side * (n - 1)
			cy := (p.Y - y0) / side * (n - 1)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					x, y := int(math.Round(cx))+dx, int(math.Round(cy))+dy
					if x >= 0 && x < n && y >= 0 && y < n {
						px[y][x] = true
					}
				}
			}
		}
	}
	iou := func(mirror func(x, y int) (int, int)) float64 {
		inter, union := 0, 0
		for y := range n {
			for x := range n {
				mx, my := mirror(x, y)
				a, b := px[y][x], px[my][mx]
				if a && b {
					inter++
				}
				if a || b {
					union++
				}
			}
		}
		return float64(inter) / float64(union)
	}
	return iou(func(x, y int) (int, int) { return n - 1 - x, y }), iou(func(x, y int) (int, int) { return x, n - 1 - y })
}

// FromStrokes makes a shape set: one descriptor per glyph (see the
// package documentation for the components).
func FromStrokes(name, source string, glyphs map[string]Glyph) (*Set, error) {
	s := &Set{Name: name, Describes: "image", Source: source, Features: ShapeFeatures()}
	for c := range glyphs {
		s.Classes = append(s.Classes, c)
	}
	slices.Sort(s.Classes)
	for _, c := range s.Classes {
		x, err := shapeVector(glyphs[c])
		if err != nil {
			return nil, fmt.Errorf("%w (class %q)", err, c)
		}
		s.Vectors = append(s.Vectors, x)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}
