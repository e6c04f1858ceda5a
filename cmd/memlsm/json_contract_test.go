package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The JSON contract (docs/json.md): every command's --json prints one
// object whose keys are snake_case, whose enumerations are strings and
// whose physical quantities carry their unit in the key name.

// snake is a JSON key of the contract.
var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// freeMaps are objects keyed by data rather than by the schema: class
// names, split names, parameter and quantity names, experiment names,
// sides of a comparison. Their keys are checked by the schema that names
// them (docs/json.md), not here.
var freeMaps = map[string]bool{"class_counts": true, "splits": true, "summary": true, "fitted": true, "params": true, "experiments": true}

// enumKeys hold enumerations: they must be strings, never numbers.
var enumKeys = map[string]bool{"mode": true, "polarity": true, "method": true, "act": true, "loss": true, "metric": true,
	"scope": true, "kind": true, "status": true, "speaker_norm": true, "converter": true, "task": true, "op": true, "protocol": true}

// bareQuantity are names of physical quantities: a key that is one of
// them, or ends in "_" and one of them, lacks its unit.
var bareQuantity = []string{"energy", "latency", "area", "voltage", "current", "conductance", "resistance", "power",
	"amplitude", "width_time", "delay", "stall", "duration", "bin_width", "resolution", "frequency", "capacitance"}

// checkContract walks v and reports every key that breaks the contract.
func checkContract(t *testing.T, cmd string, v any, path string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := path + "." + k
			if !freeMaps[lastKey(path)] {
				if !snake.MatchString(k) {
					t.Errorf("%s: key %s is not snake_case", cmd, p)
				}
				if _, isNum := e.(float64); isNum && enumKeys[k] {
					t.Errorf("%s: enumeration %s is a number (%v), not a string", cmd, p, e)
				}
				for _, q := range bareQuantity {
					if k == q || strings.HasSuffix(k, "_"+q) {
						if _, isNum := e.(float64); isNum {
							t.Errorf("%s: quantity %s has no unit in its name", cmd, p)
						}
					}
				}
			}
			checkContract(t, cmd, e, p)
		}
	case []any:
		for _, e := range x {
			checkContract(t, cmd, e, path+"[]")
		}
	}
}

func lastKey(path string) string {
	path = strings.TrimSuffix(path, "[]")
	return path[strings.LastIndexByte(path, '.')+1:]
}

// TestJSONContract runs every command that prints JSON on small inputs
// and checks its one object against the contract.
func TestJSONContract(t *testing.T) {
	dir := t.TempDir()
	audio := writeSynthetic(t, "audio", 3, 6, 1)
	images := writeSynthetic(t, "images", 10, 3, 2)
	audio10 := writeSynthetic(t, "audio", 10, 3, 3)
	for c := range 2 {
		writeTone(t, filepath.Join(dir, "wav", string(rune('a'+c)), "x.wav"), 200+100*float64(c))
	}
	model, zmodel, cal := filepath.Join(dir, "m.json"), filepath.Join(dir, "z.json"), filepath.Join(dir, "cal")
	result := filepath.Join(dir, "result.json") // the first classify's JSON, priced again by cost price
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"form": {"rows": 4, "cols": 4}, "noise": {"rows": 2, "cols": 2, "reads": 5}}`), 0o644)
	small := []string{"--neurons", "20", "--epochs", "3"}
	spec := filepath.Join(dir, "s.yaml")
	os.WriteFile(spec, []byte("run: {experiment: classify, data: \""+audio+"\", head: {linear: {epochs: 3}}, encoder: {calibration_samples: 8}}\naxes: [{name: read_noise, values: [0.02]}]\nseeds: [3]\n"), 0o644)
	runs := [][]string{
		{"data", "stats", audio},
		{"data", "show", audio, "--out", filepath.Join(dir, "s.svg")},
		{"data", "convert", "wav:" + filepath.Join(dir, "wav"), "--out", filepath.Join(dir, "w.mev")},
		append([]string{"classify", "--data", audio, "--save", model}, small...),
		{"classify", "--load", model, "--data", audio},
		{"zeroshot", "--images", images, "--audio", audio10, "--epochs", "3", "--image-neurons", "20", "--audio-neurons", "20", "--save", zmodel, "--seen", "1-7", "--unseen", "8-9"},
		{"zeroshot", "--load", zmodel, "--images", images, "--audio", audio10},
		append([]string{"encode", "--data", audio, "--out", filepath.Join(dir, "f.npz")}, small[:2]...),
		append([]string{"bench", "encode", "--data", audio}, small[:2]...),
		{"macro", "info"},
		{"macro", "sample"},
		{"macro", "params", "--set", "adc_bits=8"},
		{"calibrate", "form,noise", "--out", cal, "--config", cfg},
		{"calibrate", "form", "--out", filepath.Join(dir, "dry"), "--dry-run"},
		{"calibrate", "fit", cal},
		{"calibrate", "report", cal},
		{"calibrate", "compare", cal, "--out", filepath.Join(dir, "cal2")},
		{"cost", "params"},
		{"cost", "price", result},
		{"demo", "--skip", "classification,zero_shot,sweep,board"}, // the macro part; the demo's tests run the others
		{"sweep", spec, "--out", filepath.Join(dir, "sweep")},
		{"sweep", "merge", filepath.Join(dir, "sweep")},
		{"sweep", "slurm", spec, "--tasks", "2", "--dry-run", "--out", filepath.Join(dir, "slurm")},
	}
	covered := map[string]bool{"board emulate": true} // run below
	for _, args := range runs {
		covered[commandOf(t, args)] = true
		stdout, stderr, code := runCLI(t, append(args, "--json")...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
			continue
		}
		if args[0] == "classify" && args[1] == "--data" {
			os.WriteFile(result, []byte(stdout), 0o644)
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(stdout))
		if err := dec.Decode(&v); err != nil || dec.More() {
			t.Errorf("%v: stdout is not one JSON object (%v): %.200s", args, err, stdout)
			continue
		}
		if _, ok := v.(map[string]any); !ok {
			t.Errorf("%v: JSON is a %T, not an object", args, v)
		}
		root := ""
		if commandOf(t, args) == "macro params" {
			root = ".params" // a parameter file: the keys of --set (docs/json.md, rule 4)
		}
		checkContract(t, commandOf(t, args), v, root)
	}
	for _, c := range everyCommand(t) {
		if !covered[c] {
			t.Errorf("memlsm %s: not covered by the JSON contract test (add a run above)", c)
		}
	}

	// board emulate --json prints its object first, then serves until
	// cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		run(ctx, []string{"board", "emulate", "--json", "--faults", "drop=0.01,stall=5ms"}, pw, io.Discard)
		pw.Close()
		close(done)
	}()
	var v map[string]any
	if err := json.NewDecoder(bufio.NewReader(pr)).Decode(&v); err != nil {
		t.Errorf("board emulate --json: %v", err)
	} else {
		checkContract(t, "board emulate", v, "")
		if v["path"] == nil || v["faults"] == nil {
			t.Errorf("board emulate --json: %v", v)
		}
	}
	cancel()
	go io.Copy(io.Discard, pr)
	<-done
}

// subcommands are the subcommands of the commands that dispatch them
// themselves (the first argument may also be a file or an experiment):
// "" is the command with no subcommand word.
var subcommands = map[string][]string{"calibrate": {"", "fit", "report", "compare"}, "sweep": {"", "merge", "slurm"}}

// everyCommand lists every command and subcommand of the CLI: the
// top-level commands, the commands each group lists in its -h, and the
// self-dispatched subcommands above.
func everyCommand(t *testing.T) []string {
	var all []string
	for _, top := range memlsm.Names() {
		if subs, ok := subcommands[top]; ok {
			for _, s := range subs {
				all = append(all, strings.TrimSpace(top+" "+s))
			}
			continue
		}
		help, _, _ := runCLI(t, top, "-h")
		_, list, isGroup := strings.Cut(help, "\nCommands:\n")
		if !isGroup {
			all = append(all, top)
			continue
		}
		for _, line := range strings.Split(list, "\n") {
			f := strings.Fields(line)
			if !strings.HasPrefix(line, "  ") || len(f) == 0 {
				break
			}
			all = append(all, top+" "+f[0])
		}
	}
	return all
}

// commandOf names the command a JSON-contract run exercises.
func commandOf(t *testing.T, args []string) string {
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		if subs, ok := subcommands[args[0]]; ok {
			if slices.Contains(subs, args[1]) {
				return args[0] + " " + args[1]
			}
			return args[0]
		}
		help, _, _ := runCLI(t, args[0], "-h")
		if strings.Contains(help, "\n  "+args[1]+" ") {
			return args[0] + " " + args[1]
		}
	}
	return args[0]
}
