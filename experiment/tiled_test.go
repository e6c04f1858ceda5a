package experiment

import (
	"context"
	"math"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/lsm"
)

// A reservoir larger than one macro (242 inputs + 300 neurons = 542 rows ×
// 600 columns) runs on a 2×2 grid of simulated macros in all three modes,
// with no change to the experiment's configuration, and classifies the easy
// set as well as in read-once mode (tolerance as TestClassifyModes). The
// grid the experiment builds equals one the caller builds with
// crossbar.NewTiledModels from the same seed.
func TestClassifyTiled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the reservoir through simulated arrays (skipped with -short)")
	}
	ctx := context.Background()
	d := syntheticImages(3, 8, 5)
	test := syntheticImages(3, 4, 6)
	enc := EncoderConfig{Reservoir: lsm.Config{Neurons: 300, Windows: 1}, CalibrationSamples: 10}
	acc := map[Mode]float64{}
	for _, m := range []Mode{ReadOnce, InMemory, OnBoard} {
		r, err := Classify(ctx, ClassifyConfig{Data: d, Test: test, Seed: 2, Head: fastHead, Macro: Macro{Mode: m}, Encoder: enc})
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		acc[m] = r.Accuracy
		pl := r.Macro.Placements
		if len(pl) != 1 || pl[0].Arrays != 4 || pl[0].UsedCells != 542*600 {
			t.Fatalf("%v: placements %+v", m, pl)
		}
		var tileMVMs int64
		for _, tp := range pl[0].Tiles {
			if tp.Counters == nil {
				t.Fatalf("%v: tile %d has no counters", m, tp.Tile)
			}
			tileMVMs += tp.Counters.MVMs
		}
		if m != ReadOnce && tileMVMs == 0 {
			t.Errorf("%v: no tile ran an MVM", m)
		}
		// The cost prices four macros; every read converts both tile rows'
		// 600 columns, an upper bound of what the grid converts (it skips
		// a tile row with no driven row).
		if c := r.Cost; c == nil || c.Workload.Reservoirs[0].TileRows != 2 || c.Workload.Reservoirs[0].TileCols != 2 {
			t.Errorf("%v: cost of the grid %+v", m, c)
		} else if m != ReadOnce && (c.Counted == nil || float64(c.Counted.ADCConversions) > c.Counted.ModelADCConversions) {
			t.Errorf("%v: counted conversions above the model's upper bound: %+v", m, c.Counted)
		}
	}
	for m, a := range acc {
		if math.Abs(a-acc[ReadOnce]) > 0.2 {
			t.Errorf("%v: accuracy %.3f, read-once %.3f", m, a, acc[ReadOnce])
		}
	}

	p, _ := crossbar.Preset("lin2025")
	grid, err := crossbar.NewTiledModels(p, 2, 2, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer grid.Close()
	r, err := Classify(ctx, ClassifyConfig{Data: d, Test: test, Seed: 2, Head: fastHead, Macro: Macro{Array: grid}, Encoder: enc})
	if err != nil {
		t.Fatal(err)
	}
	if r.Accuracy != acc[ReadOnce] || r.Macro.Regions[0] != *regionOf(t, ctx, enc) {
		t.Errorf("a caller's grid of the same seed: accuracy %.3f, regions %+v; the experiment's: %.3f", r.Accuracy, r.Macro.Regions[0], acc[ReadOnce])
	}
}

// regionOf returns the conductance statistics of the reservoir the
// experiment places for enc (242 inputs) with seed 2.
func regionOf(t *testing.T, ctx context.Context, enc EncoderConfig) *crossbar.ConductanceStats {
	t.Helper()
	mr, err := openMacro(Macro{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer mr.close()
	if _, err := mr.place(ctx, 242, enc.Reservoir.Neurons, false); err != nil {
		t.Fatal(err)
	}
	return &mr.info.Regions[0]
}
