package crossbartest_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/crossbar/crossbartest"
	"github.com/memlsm/memlsm/units"
)

func newModel(t *testing.T, preset string, rows, cols int) *crossbar.Model {
	t.Helper()
	return newModelSeed(t, preset, rows, cols, 1)
}

func newModelSeed(t *testing.T, preset string, rows, cols int, seed uint64) *crossbar.Model {
	t.Helper()
	p, err := crossbar.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	if rows > 0 {
		p.Rows, p.Cols = rows, cols
	}
	m, err := crossbar.NewModel(p, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestArrayModel(t *testing.T) {
	for _, tc := range []struct {
		preset     string
		rows, cols int
	}{{"lin2025", 0, 0}, {"ideal", 16, 16}, {"lin2025", 40, 24}} {
		t.Run(tc.preset, func(t *testing.T) {
			crossbartest.TestArray(t, newModel(t, tc.preset, tc.rows, tc.cols))
		})
	}
}

// A session recorded through Record replays through Playback: the suite
// passes on both and the replay consumes the whole log.
func TestRecordPlayback(t *testing.T) {
	var log bytes.Buffer
	rec := crossbartest.Record(newModel(t, "lin2025", 32, 32), &log)
	crossbartest.TestArray(t, rec)
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	p, err := crossbartest.Playback(bytes.NewReader(log.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	crossbartest.TestArray(t, p)
	if n := p.Remaining(); n != 0 {
		t.Errorf("%d recorded calls were not replayed", n)
	}
}

func TestPlaybackDivergence(t *testing.T) {
	var log bytes.Buffer
	m := newModel(t, "lin2025", 16, 16)
	rec := crossbartest.Record(m, &log)
	ctx := context.Background()
	r := crossbar.Region{Rows: 2, Cols: 3}
	form := m.DefaultForming()
	if err := rec.Program(ctx, r, form); err != nil {
		t.Fatal(err)
	}
	g := make([]units.Siemens, 6)
	if err := rec.Read(ctx, r, g); err != nil {
		t.Fatal(err)
	}
	y := make([]units.Amps, 3)
	if _, err := rec.MVM(ctx, r, []float64{1, 0.5}, y); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.MVM(ctx, r, []float64{1}, y); err == nil {
		t.Fatal("short x accepted")
	}

	replay := func() *crossbartest.Player {
		p, err := crossbartest.Playback(bytes.NewReader(log.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	other := form
	other.Amplitude += 1e-9
	for name, f := range map[string]func(p *crossbartest.Player) error{
		"pulse":  func(p *crossbartest.Player) error { return p.Program(ctx, r, other) },
		"region": func(p *crossbartest.Player) error { return p.Program(ctx, crossbar.Region{Rows: 2, Cols: 4}, form) },
		"op":     func(p *crossbartest.Player) error { return p.Read(ctx, r, g) },
		"close":  func(p *crossbartest.Player) error { return p.Close() },
		"x": func(p *crossbartest.Player) error {
			_ = p.Program(ctx, r, form)
			_ = p.Read(ctx, r, g)
			_, err := p.MVM(ctx, r, []float64{1, 0.25}, y)
			return err
		},
		"length": func(p *crossbartest.Player) error {
			_ = p.Program(ctx, r, form)
			return p.Read(ctx, r, make([]units.Siemens, 5))
		},
		"beyond the end": func(p *crossbartest.Player) error {
			_ = p.Program(ctx, r, form)
			_ = p.Read(ctx, r, g)
			_, _ = p.MVM(ctx, r, []float64{1, 0.5}, y)
			_, _ = p.MVM(ctx, r, []float64{1}, y)
			return p.Close()
		},
	} {
		if err := f(replay()); !errors.Is(err, crossbartest.ErrDivergence) {
			t.Errorf("%s: %v, want ErrDivergence", name, err)
		}
	}
	// The faithful replay returns the recorded values and errors.
	p := replay()
	if err := p.Program(ctx, r, form); err != nil {
		t.Fatal(err)
	}
	g2 := make([]units.Siemens, 6)
	if err := p.Read(ctx, r, g2); err != nil || !equal(g, g2) {
		t.Errorf("replayed read %v (%v), recorded %v", g2, err, g)
	}
	if _, err := p.MVM(ctx, r, []float64{1, 0.5}, y); err != nil {
		t.Fatal(err)
	}
	if _, err := p.MVM(ctx, r, []float64{1}, y); err == nil || !strings.Contains(err.Error(), "crossbar:") {
		t.Errorf("replayed error %v", err)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPlaybackRejectsBadLogs(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"no header":    `{"op":"close"}`,
		"unknown op":   `{"op":"geometry","rows":2,"cols":2}` + "\n" + `{"op":"erase"}`,
		"no region":    `{"op":"geometry","rows":2,"cols":2}` + "\n" + `{"op":"read","n":1,"out":[1]}`,
		"short result": `{"op":"geometry","rows":2,"cols":2}` + "\n" + `{"op":"read","region":{"Row":0,"Col":0,"Rows":1,"Cols":2},"n":2,"out":[1]}`,
		"no pulse":     `{"op":"geometry","rows":2,"cols":2}` + "\n" + `{"op":"program","region":{"Row":0,"Col":0,"Rows":1,"Cols":2}}`,
		"unknown key":  `{"op":"geometry","rows":2,"cols":2,"colour":1}`,
		"bad number":   `{"op":"geometry","rows":2,"cols":2}` + "\n" + `{"op":"mvm","region":{"Row":0,"Col":0,"Rows":1,"Cols":1},"x":["one"],"n":1,"out":[1]}`,
		"truncated":    `{"op":"geometry","rows":2,`,
	} {
		if _, err := crossbartest.Playback(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzPlayback(f *testing.F) {
	f.Add([]byte(`{"op":"geometry","rows":2,"cols":2}` + "\n" + `{"op":"mvm","region":{"Row":0,"Col":0,"Rows":1,"Cols":1},"x":["NaN"],"n":1,"out":[1e-6]}` + "\n" + `{"op":"close"}`))
	f.Add([]byte(`{"op":"geometry","rows":1,"cols":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := crossbartest.Playback(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Replaying anything never panics.
		ctx := context.Background()
		r := crossbar.Region{Rows: 1, Cols: 1}
		_, _ = p.MVM(ctx, r, []float64{1}, make([]units.Amps, 1))
		_ = p.Read(ctx, r, make([]units.Siemens, 1))
		_ = p.Program(ctx, r, crossbar.Pulse{Mode: crossbar.Form})
		_ = p.Close()
	})
}

// A grid of simulated macros is itself an Array: the suite's regions
// straddle tiles of uneven sizes, so every operation is split, digitised per
// tile and accumulated.
func TestArrayTiled(t *testing.T) {
	for _, workers := range []int{4, 1} {
		t.Run(map[int]string{4: "parallel", 1: "sequential"}[workers], func(t *testing.T) {
			heights, widths := []int{10, 6, 5}, []int{9, 7, 11}
			var tiles []crossbar.Array
			for i, h := range heights {
				for j, w := range widths {
					tiles = append(tiles, newModelSeed(t, "lin2025", h, w, crossbar.TileSeed(1, i*len(widths)+j)))
				}
			}
			a, err := crossbar.NewTiled(len(heights), len(widths), tiles, &crossbar.TiledOptions{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			crossbartest.TestArray(t, a)
		})
	}
}
