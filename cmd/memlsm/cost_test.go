package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/cost"
)

func TestCost(t *testing.T) {
	stdout, stderr, code := runCLI(t, "cost", "params", "--json", "--set", "cost.chip.adc_bits=8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		Keys []cost.ParamInfo `json:"keys"`
	}
	decodeOne(t, stdout, &out)
	table := out.Keys
	if len(table) != len(cost.Keys()) {
		t.Fatalf("%d rows, want %d", len(table), len(cost.Keys()))
	}
	for _, p := range table {
		if (p.Key == "chip.adc_bits") != p.Changed {
			t.Errorf("row %+v: only chip.adc_bits was changed", p)
		}
	}

	// A result's "cost" block priced again with an 8-bit chip ADC.
	w := cost.Workload{
		Reservoirs: []cost.Reservoir{{Inputs: 16, Neurons: 20, Rows: 36, Columns: 40, Samples: 1, TileRows: 1, TileCols: 1,
			Steps: 10, Reads: 8, RowActivations: 40, SynACs: 800, DenseMACs: 7200, NeuronUpdates: 200, MeanG: 14e-6}},
		HeadMACs: 200, HeadParams: 210,
		Macro: cost.Macro{Rows: 512, Cols: 512, ReadVoltage: 0.2, GateVoltage: 1.2, ADCBits: 14, InputBits: 4},
	}
	r, err := cost.Evaluate(w, cost.Default())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"task": "classify", "cost": r})
	file := filepath.Join(t.TempDir(), "result.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = runCLI(t, "cost", "price", file, "--set", "cost.chip.adc_bits=8", "--json")
	if code != 0 {
		t.Fatalf("price: exit %d: %s", code, stderr)
	}
	var r8 cost.Report
	decodeOne(t, stdout, &r8)
	if r8.ChipADCBits != 8 || !(r8.Chip.EnergyJ < r.Chip.EnergyJ) || r8.Board.EnergyJ != r.Board.EnergyJ {
		t.Errorf("8-bit chip: %d bits, %g J (14-bit %g J); board %g J, want unchanged %g J", r8.ChipADCBits, r8.Chip.EnergyJ, r.Chip.EnergyJ, r8.Board.EnergyJ, r.Board.EnergyJ)
	}
	if text, _, code := runCLI(t, "cost", "price", file); code != 0 || !strings.Contains(text, "### Cost per inference") {
		t.Errorf("price as Markdown (exit %d):\n%s", code, text)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"cost"}, 2, "no command given (want params, price)"},
		{[]string{"cost", "-h"}, 0, ""},
		{[]string{"cost", "prise"}, 2, "did you mean 'memlsm cost price'?"},
		{[]string{"cost", "params", "--set", "cost.chip.adc_bitz=8"}, 2, `did you mean "cost.chip.adc_bits"`},
		{[]string{"cost", "params", "--set", "cost.board.channels=0"}, 2, "outside [1, 4096]"},
		{[]string{"cost", "price"}, 2, "want one result file"},
		{[]string{"cost", "price", filepath.Join(t.TempDir(), "missing.json")}, 1, "no such file"},
		{[]string{"cost", "price", "--tech", file, file}, 2, "want an object of sections"},
	} {
		_, stderr, code := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
