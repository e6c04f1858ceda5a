package experiment

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/lsm"
	"github.com/memlsm/memlsm/projection"
)

func TestZZNeuralPilot(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("ZZN"))
	neurons, _ := strconv.Atoi(os.Getenv("ZZNEUR"))
	ctx := context.Background()
	st := time.Now()
	neu, err := source.Open(ctx, "strokes:/work/shared/data/strokes?per_class="+strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
	}
	img, err := source.Open(ctx, "mnist:train?code=rate&per_class="+strconv.Itoa(2*n))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("data %v", time.Since(st))
	side := func(name string, preset string, d interface{}) Side { return Side{} }
	_ = side
	bi, _ := PresetBinning("btv-emnist", img.Sensor)
	bn, _ := PresetBinning("btv-neural", neu.Sensor)
	ci, _ := lsm.Preset("btv-emnist")
	cn, _ := lsm.Preset("btv-neural")
	ci.Windows, cn.Windows = 1, 1
	if os.Getenv("ZZWIN") != "" {
		w, _ := strconv.Atoi(os.Getenv("ZZWIN"))
		ci.Windows, cn.Windows = w, w
	}
	if neurons > 0 {
		ci.Neurons, cn.Neurons = neurons, neurons
	}
	if os.Getenv("ZZGAIN") == "auto" {
		ci.Gain, cn.Gain = 0, 0
	}
	head := projection.CLIPBTV()
	if e := os.Getenv("ZZEP"); e != "" {
		head.Epochs, _ = strconv.Atoi(e)
	}
	cfg := ZeroShotConfig{
		A:      Side{Name: "image", Data: img, Encoder: EncoderConfig{Binning: bi, Reservoir: ci}},
		B:      Side{Name: "neural", Data: neu, Encoder: EncoderConfig{Binning: bn, Reservoir: cn}},
		Seen:   []string{"0", "1", "2", "3", "4", "5"},
		Unseen: []string{"6", "7", "8", "9"},
		Head:   &head, Seed: 1,
	}
	st = time.Now()
	res, err := ZeroShot(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v seen %.3f/%.3f unseen %.3f/%.3f  inst %v  tau %.3f", time.Since(st), res.Seen.Top1.BToA, res.Seen.Top1.AToB, res.Unseen.Top1.BToA, res.Unseen.Top1.AToB, res.Instances, res.Temperature)
	for _, e := range res.Encoders {
		t.Logf("%s gain %v rate %.4f enc/s %.1f", e.Name, e.Config.Reservoir.Gain, e.MeanRate, e.SamplesPerS)
	}
	t.Logf("macro %+v", res.Macro.Placements)
}
