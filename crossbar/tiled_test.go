package crossbar

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/units"
)

// unevenGrid returns a 3×3 grid of small lin2025 models with uneven tile
// sizes (rows 10, 6, 5; columns 9, 7, 11), tile k seeded TileSeed(seed, k).
func unevenGrid(t testing.TB, preset string, seed uint64, workers int) *Tiled {
	t.Helper()
	heights, widths := []int{10, 6, 5}, []int{9, 7, 11}
	var tiles []Array
	for i, h := range heights {
		for j, w := range widths {
			p := mustPreset(t, preset)
			p.Rows, p.Cols = h, w
			m, err := NewModel(p, TileSeed(seed, i*len(widths)+j))
			if err != nil {
				t.Fatal(err)
			}
			tiles = append(tiles, m)
		}
	}
	a, err := NewTiled(len(heights), len(widths), tiles, &TiledOptions{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestTiledGeometry(t *testing.T) {
	a := unevenGrid(t, "lin2025", 1, 0)
	if g := a.Geometry(); g != (Geometry{Rows: 21, Cols: 27}) {
		t.Fatalf("Geometry = %+v, want 21×27", g)
	}
	if r := a.TileRegion(5); r != (Region{Row: 10, Col: 16, Rows: 6, Cols: 11}) {
		t.Errorf("TileRegion(5) = %+v", r)
	}
	if gr, gc := a.Grid(); gr != 3 || gc != 3 {
		t.Errorf("Grid = %d×%d", gr, gc)
	}
}

func TestNewTiledRejects(t *testing.T) {
	mk := func(rows, cols int) Array {
		p := mustPreset(t, "lin2025")
		p.Rows, p.Cols = rows, cols
		m, err := NewModel(p, 1)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := mk(4, 4)
	quiet := mustPreset(t, "lin2025")
	quiet.Rows, quiet.Cols, quiet.ReadVoltage = 4, 4, quiet.ReadVoltage/2
	mq, err := NewModel(quiet, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		rows, cols int
		tiles      []Array
		want       string
	}{
		{"count", 2, 2, []Array{mk(4, 4)}, "needs 4 arrays"},
		{"nil", 1, 2, []Array{mk(4, 4), nil}, "nil"},
		{"same", 1, 2, []Array{m, m}, "same array"},
		{"height", 1, 2, []Array{mk(4, 4), mk(5, 4)}, "rows"},
		{"width", 2, 1, []Array{mk(4, 4), mk(4, 5)}, "columns"},
		{"vread", 1, 2, []Array{mk(4, 4), mq}, "read voltage"},
	} {
		if _, err := NewTiled(c.rows, c.cols, c.tiles, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", c.name, err, c.want)
		}
	}
}

// The tiled MVM is exactly the sum, in tile-row order, of the tiles'
// own MVMs of their parts: checked against a twin grid (same seeds) whose
// tiles are driven one by one.
func TestTiledMVMIsSumOfTiles(t *testing.T) {
	a := unevenGrid(t, "lin2025", 3, 0)
	twin := unevenGrid(t, "lin2025", 3, 1)
	r := Region{Row: 2, Col: 1, Rows: 18, Cols: 24}
	for _, g := range []*Tiled{a, twin} {
		if err := g.Program(bg, g.Geometry().All(), DefaultForming(mustPreset(t, "lin2025"))); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	y := make([]units.Amps, r.Cols)
	for it := range 6 {
		x := randomBinary(rng, r.Rows, 0.3)
		if it%2 == 1 { // multi-bit in some row tiles only
			for i := range x {
				if i < 6 && x[i] != 0 {
					x[i] = 0.5
				}
			}
		}
		if it == 4 { // no driven row in the last tile row
			for i := 14; i < r.Rows; i++ {
				x[i] = 0
			}
		}
		sat, err := a.MVM(bg, r, x, y)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]units.Amps, r.Cols)
		wantSat := 0
		for _, jb := range twin.split(r, nil) {
			xs := x[jb.di : jb.di+jb.r.Rows]
			if !anyNonZero(xs) {
				continue
			}
			ys := make([]units.Amps, jb.r.Cols)
			s, err := twin.tiles[jb.k].MVM(bg, jb.r, xs, ys)
			if err != nil {
				t.Fatal(err)
			}
			wantSat += s
			for j, v := range ys {
				want[jb.dj+j] += v
			}
		}
		if !slices.Equal(y, want) || sat != wantSat {
			t.Fatalf("step %d: tiled MVM differs from the sum of the tiles' MVMs:\n %v\n %v", it, y, want)
		}
	}
	if c := a.Counters(); c.MVMs != 6 {
		t.Errorf("MVMs = %d after 6 tiled MVMs", c.MVMs)
	}
}

// Reads, MVMs and reservoir runs do not depend on how many tiles are asked
// at once.
func TestTiledWorkersDeterministic(t *testing.T) {
	l := ReservoirLayout{Region: Region{Row: 1, Col: 2, Rows: 16, Cols: 24}, In: 4, N: 12}
	run := ReservoirRun{Layout: l, Steps: 20, Decay: 0.9, Threshold: 1, Gain: 0.05}
	rng := rand.New(rand.NewPCG(3, 4))
	input := make([][]uint16, run.Steps)
	for s := range input {
		for i := range l.In {
			if rng.Float64() < 0.5 {
				input[s] = append(input[s], uint16(i))
			}
		}
	}
	results := func(workers int) ([]units.Siemens, []uint16, Counters) {
		a := unevenGrid(t, "lin2025", 9, workers)
		if err := a.Program(bg, l.Region, DefaultForming(mustPreset(t, "lin2025"))); err != nil {
			t.Fatal(err)
		}
		g := make([]units.Siemens, l.Region.Cells())
		if err := a.Read(bg, l.Region, g); err != nil {
			t.Fatal(err)
		}
		var counts []uint16
		for range 3 {
			c := make([]uint16, l.N)
			if err := a.RunReservoir(bg, run, input, c); err != nil {
				t.Fatal(err)
			}
			counts = append(counts, c...)
		}
		return g, counts, a.Counters()
	}
	g1, c1, k1 := results(1)
	g0, c0, k0 := results(0) // the default: sequential for simulated macros
	g3, c3, k3 := results(3) // three goroutines
	if g9 := unevenGrid(t, "lin2025", 9, 0); g9.workers != 1 {
		t.Errorf("a grid of simulated macros defaults to %d workers, want 1", g9.workers)
	}
	if !slices.Equal(g1, g0) || !slices.Equal(g1, g3) {
		t.Error("reads differ between worker counts")
	}
	if !slices.Equal(c1, c0) || !slices.Equal(c1, c3) {
		t.Errorf("spike counts differ between worker counts:\n %v\n %v\n %v", c1, c0, c3)
	}
	if k1 != k0 || k1 != k3 {
		t.Errorf("counters differ between worker counts:\n %+v\n %+v\n %+v", k1, k0, k3)
	}
	var total int
	for _, c := range c1 {
		total += int(c)
	}
	if total == 0 {
		t.Error("no neuron spiked: the test drives too weakly to compare anything")
	}
}

// A reservoir spread over tiles runs on the host: its spike counts follow
// the LIF equations on the column currents the tiles deliver. Without read
// noise ("ideal") the currents are those of the conductances read once up
// to ADC rounding, so the counts must agree with a float64 reference on
// the read weights for almost every neuron.
func TestTiledRunReservoirFollowsWeights(t *testing.T) {
	a := unevenGrid(t, "ideal", 5, 0)
	l := ReservoirLayout{Region: Region{Row: 0, Col: 0, Rows: 21, Cols: 26}, In: 8, N: 13}
	if err := a.Program(bg, l.Region, DefaultForming(mustPreset(t, "ideal"))); err != nil {
		t.Fatal(err)
	}
	g := make([]units.Siemens, l.Region.Cells())
	if err := a.Read(bg, l.Region, g); err != nil {
		t.Fatal(err)
	}
	win, wrec := DifferentialWeights(g, l)
	run := ReservoirRun{Layout: l, Steps: 40, Decay: 0.9, Threshold: 1, Gain: 0.4}
	rng := rand.New(rand.NewPCG(7, 8))
	input := make([][]uint16, run.Steps)
	for s := range input {
		for i := range l.In {
			if rng.Float64() < 0.4 {
				input[s] = append(input[s], uint16(i))
			}
		}
	}
	counts := make([]uint16, l.N)
	if err := a.RunReservoir(bg, run, input, counts); err != nil {
		t.Fatal(err)
	}
	// Reference: the same equations on the read weights.
	v := make([]float64, l.N)
	s, prev := make([]bool, l.N), make([]bool, l.N)
	ref := make([]int, l.N)
	for _, frame := range input {
		s, prev = prev, s
		for j := range l.N {
			var cur float64
			for _, i := range frame {
				cur += float64(win[int(i)*l.N+j])
			}
			for k, sp := range prev {
				if sp {
					cur += float64(wrec[k*l.N+j])
				}
			}
			cur *= run.Gain
			if prev[j] {
				v[j] = cur
			} else {
				v[j] = run.Decay*v[j] + cur
			}
			s[j] = v[j] > run.Threshold
			if s[j] {
				ref[j]++
			}
		}
	}
	off, total := 0, 0
	for j := range counts {
		total += ref[j]
		if d := int(counts[j]) - ref[j]; d > 2 || d < -2 {
			off++
		}
	}
	if total < l.N || total > l.N*run.Steps*9/10 {
		t.Fatalf("reference fires %d spikes: the test does not exercise the threshold", total)
	}
	t.Logf("reference %d spikes; %d neurons off; counts %v ref %v", total, off, counts, ref)
	if off > 1 {
		t.Errorf("%d of %d neurons differ by more than 2 spikes from the reference: %v vs %v", off, l.N, counts, ref)
	}
}

// A layout on a single tile runs on that tile's own ReservoirRunner, and
// so equals the model's result.
func TestTiledRunReservoirDelegates(t *testing.T) {
	a := unevenGrid(t, "lin2025", 2, 0)
	twin := unevenGrid(t, "lin2025", 2, 0)
	// Tile 4 (grid 1,1) holds logical rows 10..15, columns 9..15.
	l := ReservoirLayout{Region: Region{Row: 10, Col: 9, Rows: 6, Cols: 6}, In: 3, N: 3}
	lt := ReservoirLayout{Region: Region{Rows: 6, Cols: 6}, In: 3, N: 3}
	form := DefaultForming(mustPreset(t, "lin2025"))
	if err := a.Program(bg, l.Region, form); err != nil {
		t.Fatal(err)
	}
	m := twin.tiles[4].(*Model)
	if err := m.Program(bg, lt.Region, form); err != nil {
		t.Fatal(err)
	}
	input := [][]uint16{{0, 1, 2}, {1}, {}, {0, 2}, {0, 1, 2}}
	run := ReservoirRun{Layout: l, Steps: 5, Decay: 0.9, Threshold: 1, Gain: 0.2}
	got := make([]uint16, 3)
	if err := a.RunReservoir(bg, run, input, got); err != nil {
		t.Fatal(err)
	}
	run.Layout = lt
	want := make([]uint16, 3)
	if err := m.RunReservoir(bg, run, input, want); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("tiled run %v, the tile's own run %v", got, want)
	}
	if c := a.Counters(); c.MVMs != 0 {
		t.Errorf("a delegated run made %d tiled MVMs", c.MVMs)
	}
}

// strictTile is a model whose firmware allows a lower forming amplitude.
type strictTile struct {
	*Model
	maxForm units.Volts
}

func (s *strictTile) Limits() Limits {
	l := s.Model.Limits()
	l.MaxAmplitude[Form] = s.maxForm
	return l
}

func (s *strictTile) Program(ctx context.Context, r Region, p Pulse) error {
	if err := s.Limits().Check(p, r.Cells()); err != nil {
		return err
	}
	return s.Model.Program(ctx, r, p)
}

// A pulse beyond one tile's limits is refused before any tile is touched.
func TestTiledProgramChecksEveryTile(t *testing.T) {
	form := DefaultForming(mustPreset(t, "lin2025"))
	var tiles []Array
	for k := range 2 {
		p := mustPreset(t, "lin2025")
		p.Rows, p.Cols = 8, 8
		m, err := NewModel(p, uint64(k))
		if err != nil {
			t.Fatal(err)
		}
		if k == 1 {
			tiles = append(tiles, &strictTile{m, form.Amplitude * 0.9})
		} else {
			tiles = append(tiles, m)
		}
	}
	a, err := NewTiled(1, 2, tiles, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.workers != 2 {
		t.Errorf("a grid with a tile that is not a simulated macro defaults to %d workers, want one per tile", a.workers)
	}
	err = a.Program(bg, a.Geometry().All(), form)
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("Program beyond tile 1's limit: %v, want ErrLimit", err)
	}
	for k, c := range a.TileCounters() {
		if c.Pulses != 0 {
			t.Errorf("tile %d took %d pulses from a refused Program", k, c.Pulses)
		}
	}
	if lim := a.Limits(); lim.MaxAmplitude[Form] != form.Amplitude*0.9 {
		t.Errorf("tiled limits %v, want the tighter tile's %v", lim.MaxAmplitude[Form], form.Amplitude*0.9)
	}
	// The left tile alone accepts it.
	if err := a.Program(bg, Region{Rows: 8, Cols: 8}, form); err != nil {
		t.Errorf("Program on the permissive tile only: %v", err)
	}
}

func TestTiledClockAndCounters(t *testing.T) {
	a := unevenGrid(t, "lin2025", 4, 0)
	form := DefaultForming(mustPreset(t, "lin2025"))
	if err := a.Program(bg, Region{Rows: 3, Cols: 3}, form); err != nil {
		t.Fatal(err)
	}
	if now := a.Now(); now != form.Width {
		t.Errorf("Now = %v after one pulse of %v on tile 0", now, form.Width)
	}
	if err := a.Wait(bg, 1); err != nil {
		t.Fatal(err)
	}
	for k, tl := range a.Tiles() {
		want := units.Seconds(1)
		if k == 0 {
			want += form.Width
		}
		if got := tl.(Clock).Now(); math.Abs(float64(got-want)) > 1e-12 {
			t.Errorf("tile %d clock %v, want %v", k, got, want)
		}
	}
	tc := a.TileCounters()
	if tc[0].Pulses != 9 || tc[1].Pulses != 0 {
		t.Errorf("tile pulses %d, %d, want 9, 0", tc[0].Pulses, tc[1].Pulses)
	}
	if c := a.Counters(); c.Pulses != 9 {
		t.Errorf("total pulses %d", c.Pulses)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if err := a.Wait(ctx, 1); err == nil {
		t.Error("Wait with a cancelled context succeeded")
	}
}

// geomArray is an Array that only has a geometry: enough for placements
// of the paper's large reservoirs without simulating their cells.
type geomArray struct{ g Geometry }

func (a *geomArray) Geometry() Geometry                           { return a.g }
func (a *geomArray) Program(context.Context, Region, Pulse) error { return errors.ErrUnsupported }
func (a *geomArray) Read(context.Context, Region, []units.Siemens) error {
	return errors.ErrUnsupported
}
func (a *geomArray) MVM(context.Context, Region, []float64, []units.Amps) (int, error) {
	return 0, errors.ErrUnsupported
}
func (a *geomArray) Close() error { return nil }

func geomGrid(t *testing.T, rows, cols int, tile Geometry) *Tiled {
	t.Helper()
	tiles := make([]Array, rows*cols)
	for k := range tiles {
		tiles[k] = &geomArray{tile}
	}
	a, err := NewTiled(rows, cols, tiles, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The paper's BTV encoders (Lin et al. 2025, the authors' run scripts) on 512×512 macros: 192+2048
// rows × 4096 columns need 5×8 = 40 macros, 784+2048 rows 6×8 = 48.
func TestPlacementBTV(t *testing.T) {
	macro := Geometry{Rows: 512, Cols: 512}
	for _, c := range []struct {
		in, n, arrays int
		util          float64
	}{
		{192, 2048, 40, float64(2240*4096) / float64(40*512*512)},
		{784, 2048, 48, float64(2832*4096) / float64(48*512*512)},
	} {
		need := Geometry{Rows: c.in + c.n, Cols: 2 * c.n}
		gr, gc := GridFor(macro, need)
		if gr*gc != c.arrays {
			t.Errorf("%d→%d: GridFor = %d×%d, want %d arrays", c.in, c.n, gr, gc, c.arrays)
		}
		a := geomGrid(t, gr, gc, macro)
		l := ReservoirLayout{Region: Region{Rows: need.Rows, Cols: need.Cols}, In: c.in, N: c.n}
		p := PlacementOf(a, l)
		if p.Arrays != c.arrays || p.UsedArrays != c.arrays || p.UsedCells != need.Cells() || math.Abs(p.Utilization-c.util) > 1e-12 {
			t.Errorf("%d→%d: placement %v", c.in, c.n, p)
		}
		// Every weight is on exactly one tile: the holds' spans cover
		// inputs, recurrent rows and neurons exactly.
		cells := 0
		for _, tp := range p.Tiles {
			for _, h := range tp.Holds {
				cells += h.Cells
				rows := 0
				if h.Inputs != nil {
					rows += h.Inputs.Len()
				}
				if h.Recurrent != nil {
					rows += h.Recurrent.Len()
				}
				if rows*2*h.Neurons.Len() != h.Cells {
					t.Errorf("tile %d: hold %+v: %d rows × %d neurons ≠ %d cells", tp.Tile, h, rows, h.Neurons.Len(), h.Cells)
				}
			}
		}
		if cells != need.Cells() {
			t.Errorf("holds cover %d cells, want %d", cells, need.Cells())
		}
		// Tile 1 of the neural grid (grid row 0, column 1) holds inputs
		// 0..191 and recurrent rows of neurons 0..319 onto neurons 256..511.
		if c.in == 192 {
			h := p.Tiles[1].Holds[0]
			if *h.Inputs != (Span{0, 192}) || *h.Recurrent != (Span{0, 320}) || *h.Neurons != (Span{256, 512}) {
				t.Errorf("tile 1 holds %v %v %v", h.Inputs, h.Recurrent, h.Neurons)
			}
		}
	}
}

// Overlapping layouts (reservoirs time-sharing cells) count their cells
// once.
func TestPlacementOverlap(t *testing.T) {
	a := geomGrid(t, 2, 2, Geometry{Rows: 10, Cols: 10})
	big := ReservoirLayout{Region: Region{Rows: 15, Cols: 14}, In: 8, N: 7}
	small := ReservoirLayout{Region: Region{Rows: 12, Cols: 12}, In: 6, N: 6}
	p := PlacementOf(a, big, small)
	if p.UsedCells != 15*14 || len(p.Tiles[0].Holds) != 2 {
		t.Errorf("placement %v, tile 0 %+v", p, p.Tiles[0])
	}
	single := PlacementOf(&geomArray{Geometry{Rows: 20, Cols: 20}}, small)
	if single.Arrays != 1 || single.UsedCells != 144 || single.Utilization != 144.0/400 {
		t.Errorf("single-array placement %v", single)
	}
}

func TestTileSeed(t *testing.T) {
	if TileSeed(42, 0) != 42 {
		t.Error("tile 0 does not keep the experiment's seed")
	}
	seen := map[uint64]bool{}
	for s := range uint64(4) {
		for k := range 100 {
			v := TileSeed(s, k)
			if seen[v] {
				t.Fatalf("TileSeed(%d, %d) = %d repeats", s, k, v)
			}
			seen[v] = true
		}
	}
}

// Tiles that subtract column pairs before their ADCs make a tiled array
// that does too: each pair's difference, summed over row tiles, on its even
// column. Mixed conventions and tiles that split a pair are refused.
func TestTiledAnalogDiff(t *testing.T) {
	mk := func(rows, cols int, diff int, seed uint64) Array {
		p := mustPreset(t, "ideal")
		p.Rows, p.Cols, p.AnalogDiff = rows, cols, diff
		m, err := NewModel(p, seed)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	var tiles []Array
	for k := range 4 {
		tiles = append(tiles, mk(8, 6, 1, TileSeed(3, k)))
	}
	a, err := NewTiled(2, 2, tiles, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !a.AnalogDiff() {
		t.Fatal("a grid of analog-differencing tiles does not say so")
	}
	r := Region{Rows: 16, Cols: 12}
	if err := a.Program(bg, r, DefaultForming(mustPreset(t, "ideal"))); err != nil {
		t.Fatal(err)
	}
	g := make([]units.Siemens, r.Cells())
	if err := a.Read(bg, r, g); err != nil {
		t.Fatal(err)
	}
	x := make([]float64, r.Rows)
	for i := range x {
		x[i] = float64(i % 2)
	}
	y := make([]units.Amps, r.Cols)
	if _, err := a.MVM(bg, r, x, y); err != nil {
		t.Fatal(err)
	}
	v := float64(a.ReadVoltage())
	for k := 0; k < r.Cols; k += 2 {
		var want float64
		for i := 1; i < r.Rows; i += 2 {
			want += float64(g[i*r.Cols+k]-g[i*r.Cols+k+1]) * v
		}
		if y[k+1] != 0 || math.Abs(float64(y[k])-want) > 0.05*math.Abs(want)+4*float64(NewPeriphery(mustPreset(t, "ideal")).LSB) {
			t.Errorf("pair %d: MVM %v, %v; Σ x·(G⁺−G⁻)·V from Read %v", k/2, y[k], y[k+1], units.Amps(want))
		}
	}
	if _, err := NewTiled(1, 2, []Array{mk(8, 6, 1, 1), mk(8, 6, 0, 2)}, nil); err == nil || !strings.Contains(err.Error(), "analog_diff") {
		t.Errorf("mixed conventions: %v", err)
	}
	if _, err := NewTiled(1, 2, []Array{mk(8, 5, 1, 1), mk(8, 5, 1, 2)}, nil); err == nil || !strings.Contains(err.Error(), "whole column pairs") {
		t.Errorf("odd widths: %v", err)
	}
}
