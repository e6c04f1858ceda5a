package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// walk is one step of the walk-through: a command line a new user might
// type, the exit status it must end with and words its first line of
// output (stderr, or stdout for help) must hold.
type walk struct {
	args []string
	code int
	want string
}

// walkthrough visits every command and subcommand with the mistakes people
// make: typos in commands, subcommands, flags, schemes and options; values
// of the wrong type; missing or contradictory arguments; files in a format
// memlsm does not write; and a few runtime failures (exit 1) beside them.
// Every usage error (exit 2) must be found before any work and print one
// line plus one hint line, nothing on stdout.
func walkthrough(dir string) []walk {
	mev := filepath.Join(dir, "x.mev")
	return []walk{
		{nil, 2, "no command given"},
		{[]string{"clasify"}, 2, "did you mean 'memlsm classify'?"},
		{[]string{"help"}, 0, "memlsm: RRAM-based liquid state machine toolkit"},
		{[]string{"classify", "-h"}, 0, "Usage: memlsm classify"},

		{[]string{"demo", "--sed", "3"}, 2, "unknown flag --sed; did you mean --seed?"},
		{[]string{"demo", "--seed", "abc"}, 2, "--seed abc: not understood (want an unsigned integer)"},
		{[]string{"demo", "--skip", "sweeps"}, 2, "no part \"sweeps\"; did you mean sweep?"},
		{[]string{"demo", "extra"}, 2, "unexpected argument"},

		{[]string{"data"}, 2, "no command given (want convert, show, stats)"},
		{[]string{"data", "stat", "embedded:audio"}, 2, "did you mean 'memlsm data stats'?"},
		{[]string{"data", "stats"}, 2, "want one SRC"},
		{[]string{"data", "stats", "fsd:" + dir}, 2, "did you mean fsdd:?"},
		{[]string{"data", "stats", "embedded:imgaes"}, 2, "did you mean embedded:images?"},
		{[]string{"data", "stats", "embedded:audio?spilt=test"}, 2, "did you mean split?"},
		{[]string{"data", "stats", "mev:" + mev}, 1, "no such file"},
		{[]string{"data", "show", "embedded:audio", "--out", filepath.Join(dir, "x.gif")}, 2, ".gif is not a figure format"},
		{[]string{"data", "show", "embedded:audio", "--out", filepath.Join(dir, "x.png"), "--index", "99999"}, 2, "outside the"},
		{[]string{"data", "convert", "fsdd:" + dir, "--out", filepath.Join(dir, "x.npy")}, 2, "FILE.mev"},
		{[]string{"data", "convert", "fsdd:" + dir, "--out", mev, "--treshold", "0.2"}, 2, "did you mean --threshold?"},
		{[]string{"data", "convert", "fsdd:" + dir, "--out", mev, "--threshold", "0.2"}, 2, "applies to saccade conversions"},
		{[]string{"data", "convert", "embedded:audio", "--out", mev}, 2, "reads recorded events"},

		{[]string{"classify"}, 2, "--data SRC is required"},
		{[]string{"classify", "--data", "embedded:audio", "--cv", "1"}, 2, "want K ≥ 2"},
		{[]string{"classify", "--data", "embedded:audio", "--cv", "5", "--split", "speaker"}, 2, "two protocols"},
		{[]string{"classify", "--data", "embedded:audio", "--test-fraction", "1"}, 2, "want a fraction in (0, 1)"},
		{[]string{"classify", "--data", "embedded:audio", "--decay", "2"}, 2, "decay 2 outside [0, 1]"},
		{[]string{"classify", "--data", "embedded:audio", "--gain", "0"}, 2, "want a positive number or auto"},
		{[]string{"classify", "--data", "embedded:audio", "--head", "svm"}, 2, "want linear, mlp or paper"},
		{[]string{"classify", "--data", "embedded:audio", "--plot", filepath.Join(dir, "c.jpg")}, 2, "not a figure format"},
		{[]string{"classify", "--data", "embedded:audio", "--windows", "1000"}, 2, "windows 1000 outside"},
		{[]string{"classify", "--data", "embedded:audio", "--crop", "10"}, 2, "crop applies to 2-D sensors only"},
		{[]string{"classify", "--data", "embedded:images?per_class=2", "--crop", "100"}, 2, "crop 100 outside"},
		{[]string{"classify", "--data", "embedded:audio", "--board", "-x"}, 2, "want sim, emu, a serial device path"},

		{[]string{"zeroshot", "--imagse", "embedded:images"}, 2, "did you mean --images?"},
		{[]string{"zeroshot", "--images", "embedded:images", "--audio", "embedded:audio", "--seen", "1-7", "--unseen", "7-9"}, 2, "both seen and unseen"},
		{[]string{"zeroshot", "--images", "embedded:images", "--audio", "embedded:audio", "--test-images", "embedded:images"}, 2, "both --test-images and --test-audio"},
		{[]string{"zeroshot", "--images", "embedded:images", "--audio", "embedded:audio", "--sweep-plot", filepath.Join(dir, "s.png")}, 2, "--sweep-plot needs --seeds"},

		{[]string{"encode", "--data", "embedded:audio", "--out", filepath.Join(dir, "f.txt")}, 2, "want a .npz (NumPy archive)"},
		{[]string{"bench", "encod"}, 2, "did you mean 'memlsm bench encode'?"},
		{[]string{"bench", "encode", "--data", "embedded:audio", "--repeat", "0"}, 2, "--repeat 0 must be at least 1"},

		{[]string{"macro", "sampel"}, 2, "did you mean 'memlsm macro sample'?"},
		{[]string{"macro", "sample", "--vform", "9V"}, 2, "safety limits"},
		{[]string{"macro", "sample", "--vform", "high"}, 2, "cannot parse"},
		{[]string{"macro", "info", "--preset", "lin2024"}, 2, "unknown preset"},

		{[]string{"board", "emulat"}, 2, "did you mean 'memlsm board emulate'?"},
		{[]string{"board", "emulate", "--drop", "2"}, 2, "outside [0, 1]"},
		{[]string{"board", "emulate", "--faults", "wobble=1"}, 2, "unknown fault"},

		{[]string{"calibrate", "from", "--out", dir}, 2, "did you mean form?"},
		{[]string{"calibrate", "form"}, 2, "--out DIR is required"},
		{[]string{"calibrate", "fit"}, 2, "want one results folder"},
		{[]string{"calibrate", "report", filepath.Join(dir, "none")}, 1, "no such file"},
		{[]string{"calibrate", "compare", dir}, 2, "--out DIR2 is required"},

		{[]string{"sweep"}, 2, "want one SPEC file"},
		{[]string{"sweep", "merge"}, 2, "want one results folder"},
		{[]string{"sweep", "slurm", "x.yaml"}, 2, "--tasks N"},
		{[]string{"cost"}, 2, "no command given (want params, price)"},
		{[]string{"cost", "prise", "r.json"}, 2, "did you mean 'memlsm cost price'?"},
		{[]string{"cost", "params", "--set", "cost.chip.adc_bitz=8"}, 2, "did you mean"},
		{[]string{"cost", "price"}, 2, "want one result file"},
	}
}

// TestWalkthrough runs every step as its own process (this test binary
// acting as memlsm, see TestMain) and checks the exit status, the first
// line and, for usage errors, that the error is one line and a hint. With
// MEMLSM_WALKTHROUGH=FILE it writes the transcript (command, exit status,
// first lines) to FILE as Markdown.
func TestWalkthrough(t *testing.T) {
	dir := t.TempDir()
	var md strings.Builder
	md.WriteString("| command | exit | first lines of output |\n|---|---:|---|\n")
	for _, w := range walkthrough(dir) {
		cmd := exec.Command(os.Args[0], w.args...)
		cmd.Env = append(os.Environ(), "MEMLSM_TEST_AS_CLI=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if err != nil && code < 0 {
			t.Fatalf("%v: %v", w.args, err)
		}
		out := stderr.String()
		if code == 0 {
			out = stdout.String()
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		line := strings.ReplaceAll(strings.Join(args(w.args), " "), dir, "$TMP")
		fmt.Fprintf(&md, "| `memlsm %s` | %d | %s |\n", line, code, strings.ReplaceAll(strings.Join(lines[:min(2, len(lines))], "<br>"), dir, "$TMP"))
		if code != w.code || !strings.Contains(lines[0], w.want) {
			t.Errorf("memlsm %s: exit %d, first line %q; want exit %d and %q", line, code, lines[0], w.code, w.want)
		}
		if code == 2 {
			if len(lines) != 2 || !strings.HasPrefix(lines[1], "Run 'memlsm") || !strings.HasSuffix(lines[1], " -h' for usage.") || stdout.Len() > 0 {
				t.Errorf("memlsm %s: a usage error is one line and a hint; got stdout %q, stderr:\n%s", line, stdout.String(), out)
			}
		}
	}
	if f := os.Getenv("MEMLSM_WALKTHROUGH"); f != "" {
		if err := os.WriteFile(f, []byte(md.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// args quotes arguments holding spaces.
func args(a []string) []string {
	out := make([]string, len(a))
	for i, s := range a {
		if strings.ContainsAny(s, " |") {
			s = fmt.Sprintf("%q", s)
		}
		out[i] = strings.ReplaceAll(s, "|", `\|`)
	}
	return out
}
