package experiment

import (
	"context"
	"math"
	"testing"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events"
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
		// The cost prices four macros. The encoder counts the tile rows
		// each read drives (the grid skips a tile row with no driven row),
		// so in-memory the model's conversions are the grid's exactly; the
		// on-board runner's steps are not seen, so there the model (every
		// tile row at every step) is an upper bound.
		if c := r.Cost; c == nil || c.Workload.Reservoirs[0].TileRows != 2 || c.Workload.Reservoirs[0].TileCols != 2 {
			t.Errorf("%v: cost of the grid %+v", m, c)
		} else if rs := c.Workload.Reservoirs[0]; m != OnBoard && !(rs.TileRowReads > rs.Reads && rs.TileRowReads < 2*rs.Reads) {
			t.Errorf("%v: %g tile-row reads for %g reads on 2 tile rows", m, rs.TileRowReads, rs.Reads)
		} else if m == InMemory && (c.Counted == nil || c.Counted.ADCConversionsError != 0) {
			t.Errorf("%v: counted conversions differ from the model: %+v", m, c.Counted)
		} else if m == OnBoard && (c.Counted == nil || float64(c.Counted.ADCConversions) > c.Counted.ModelADCConversions) {
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

// The BTV presets' binnings feed their reservoirs (Lin et al. 2025, the authors' run scripts): 784
// inputs × 49 steps for the image encoder, 192 × 201 for the neural one.
func TestPresetBinning(t *testing.T) {
	for _, c := range []struct {
		preset        string
		s             events.Sensor
		inputs, steps int
	}{
		{"btv-emnist", events.Sensor{Name: "rate", Width: 28, Height: 28, Polarities: 1}, 784, 49},
		{"btv-emnist", events.NMNISTSensor, 784, 49},
		{"btv-neural", events.Sensor{Name: "electrodes", Channels: 192}, 192, 201},
		{"nmnist", events.NMNISTSensor, 256, 50},
		{"ntidigits", events.CochleaAMS1bSensor, 64, 129},
	} {
		b, err := PresetBinning(c.preset, c.s)
		if err != nil {
			t.Fatalf("%s on %s: %v", c.preset, c.s.Name, err)
		}
		bn, err := b.Binner()
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := lsm.Preset(c.preset)
		if bn.Inputs() != c.inputs || bn.Steps() != c.steps || cfg.Inputs != c.inputs || cfg.Steps != c.steps {
			t.Errorf("%s on %s: binning %d×%d, preset %d×%d, want %d×%d", c.preset, c.s.Name, bn.Inputs(), bn.Steps(), cfg.Inputs, cfg.Steps, c.inputs, c.steps)
		}
	}
	if b, _ := PresetBinning("btv-emnist", events.NMNISTSensor); b.Grid.Crop.Min.X != 3 {
		t.Errorf("34×34 sensor: crop %v, want the centred 28×28 from pixel 3", b.Grid.Crop)
	}
	for _, c := range []struct {
		preset string
		s      events.Sensor
	}{
		{"btv-emnist", events.CochleaAMS1bSensor},
		{"btv-neural", events.NMNISTSensor},
		{"btv-emnist", events.Sensor{Name: "small", Width: 16, Height: 16}},
		{"no-such", events.NMNISTSensor},
	} {
		if _, err := PresetBinning(c.preset, c.s); err == nil {
			t.Errorf("%s on %s accepted", c.preset, c.s.Name)
		}
	}
}

// Zero-shot with one encoder too large for a macro (242 + 300 rows × 600
// columns) opens one grid of macros for both encoders before placing the
// first: the smaller audio reservoir time-shares the image reservoir's
// cells on the same 2×2 grid.
func TestZeroShotTiled(t *testing.T) {
	img, aud, _, _ := zeroShotData()
	cfg := ZeroShotConfig{A: Side{Data: img, Encoder: EncoderConfig{Reservoir: lsm.Config{Neurons: 300}, CalibrationSamples: 20}},
		B: Side{Data: aud, Encoder: EncoderConfig{CalibrationSamples: 20}}, Seed: 3, Head: fastCLIP}
	r, err := ZeroShot(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pl := r.Macro.Placements
	if len(pl) != 1 || pl[0].Arrays != 4 || pl[0].UsedCells != 542*600 || len(pl[0].Tiles[0].Holds) != 2 {
		t.Errorf("placements %+v", pl)
	}
}
