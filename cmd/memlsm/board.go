package main

// memlsm board emulate: serve the emulated board on a pseudo-terminal.

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/memlsm/memlsm/board"
	"github.com/memlsm/memlsm/firmware/emu"
	"github.com/memlsm/memlsm/internal/cli"
)

var boardGroup = cli.NewGroup("memlsm board", "", "")

func init() {
	boardGroup.Register(cli.Command{Name: "emulate", Summary: "serve the emulated board (the real firmware on the simulated macro) on a pty", Run: runBoardEmulate})
	register(boardGroup.AsCommand("hardware-in-the-loop: serve the emulated board on a pty"))
}

const boardUsage = `board emulate [--preset NAME] [--params FILE] [--set KEY=VALUE ...] [--seed N] [--tile K] [--drop P] [--corrupt P]
                     [--delay-prob P --delay D] [--stall-prob P --stall D] [--disconnect-after N]
                     [--faults LIST] [--name NAME] [--json]

Serves the emulated board (the real firmware on the simulated macro) on a
pseudo-terminal and prints its device path on stdout, alone on one line
(with --json, one JSON object: path, name, rows, cols, source, seed,
faults). Give that path to any command's --board flag, e.g.:

    memlsm board emulate --seed 7 > board.path &
    sleep 1; memlsm classify ... --board "$(cat board.path)"

A reservoir larger than one macro runs on a grid of boards, --board
PATH0,PATH1,... (board k is tile k). --tile K makes this board tile K of a
grid whose experiment seed is --seed (its macro is seeded
crossbar.TileSeed(seed, K)), so a grid of such boards matches --board sim
and --board emu with that --seed bit for bit.

Fault injection (both directions, seeded by --seed): --drop and --corrupt are
per-byte probabilities; --delay-prob P holds the stream before a byte with
probability P for up to --delay; --stall-prob P makes the board stall for
--stall before answering a request; --disconnect-after N answers N frames,
then hangs up and exits. --faults sets them in one list, e.g.
--faults drop=0.01,corrupt=0.01. Runs until Ctrl-C.`

func runBoardEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("board emulate", boardUsage)
	var pf macroParamFlags
	pf.register(fs)
	seed := fs.Uint64("seed", 1, "seed of the simulated array and of the fault injection")
	tile := fs.Int("tile", -1, "serve tile K of a grid of macros: the macro is seeded crossbar.TileSeed(seed, K)")
	name := fs.String("name", emu.DefaultName, "board name reported by HELLO")
	var f emu.Faults
	for _, n := range emu.FaultNames {
		fs.Func(n, board.FaultHelp[n], func(v string) error { return f.Set(n, v) })
	}
	faults := fs.String("faults", "", "the fault flags in one list, e.g. drop=0.01,corrupt=0.01,stall=300ms (names as the flags; a flag given on its own must not repeat one)")
	asJSON := fs.Bool("json", false, "print one JSON object (the path and the board) on stdout instead of the bare path")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	var given []string
	fs.Visit(func(fl *flag.Flag) { given = append(given, fl.Name) })
	if _, err := f.SetList(*faults, given); err != nil {
		return usagef("--faults: %v", err)
	}
	p, source, err := pf.load(fs)
	if err != nil {
		return err
	}
	f.Defaults()
	if err := f.Validate(); err != nil {
		return cli.UsageError{Err: err}
	}
	if *tile < -1 {
		return usagef("--tile %d must be a tile index ≥ 0", *tile)
	}
	e, err := board.Emulate(ctx, board.EmulatorConfig{Params: p, Source: source, Seed: *seed, Tile: *tile, Name: *name, Faults: f})
	if err != nil {
		return err
	}
	defer e.Close()
	if *asJSON {
		err = cli.WriteJSON(stdout, e.Info)
	} else {
		_, err = fmt.Fprintln(stdout, e.Info.Path)
	}
	if err != nil {
		return err
	}
	if s, ok := stdout.(interface{ Sync() error }); ok {
		s.Sync()
	}
	fmt.Fprintf(stderr, "memlsm board emulate: %v; Ctrl-C stops it\n", e)
	end, err := e.Wait(ctx)
	if end != "" {
		fmt.Fprintf(stderr, "memlsm board emulate: %s\n", end)
	}
	return err
}
