package board

import (
	"context"
	"errors"
	"fmt"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware/emu"
)

// FaultHelp documents the fault settings (emu.FaultNames) as flags.
var FaultHelp = map[string]string{
	"drop":             "probability that a byte is dropped (each direction)",
	"corrupt":          "probability that a byte is corrupted (each direction)",
	"delay-prob":       "probability that the stream stalls before a byte (each direction)",
	"delay":            "longest such stall, e.g. 5ms (with --delay-prob; alone it implies --delay-prob 0.001)",
	"stall-prob":       "probability that the board stalls before answering a request",
	"stall":            "length of a stall, e.g. 300ms (with --stall-prob; alone it implies --stall-prob 0.01)",
	"disconnect-after": "hang up after answering this many frames (0: never)",
}

// EmulatorConfig says which board to emulate.
type EmulatorConfig struct {
	Params crossbar.Params
	Source string // where Params came from: a preset or a parameter file
	Seed   uint64 // experiment seed; also seeds the fault injection
	Tile   int    // ≥ 0: serve tile Tile of a grid (macro seed crossbar.TileSeed(Seed, Tile)); -1: none
	Name   string // board name reported by HELLO ("": emu.DefaultName)
	Faults emu.Faults
}

// EmulatorInfo describes a served emulated board ("memlsm board emulate
// --json").
type EmulatorInfo struct {
	Path   string `json:"path"`
	Name   string `json:"name"`
	Rows   int    `json:"rows"`
	Cols   int    `json:"cols"`
	Source string `json:"source"` // preset or parameter file
	Seed   uint64 `json:"seed"`
	// Tile is the tile served (-1: none); MacroSeed the macro's seed.
	Tile      int        `json:"tile"`
	MacroSeed uint64     `json:"macro_seed"`
	Faults    emu.Faults `json:"faults"`
}

// Emulator is the real firmware on a simulated macro, served on a
// pseudo-terminal that any --board flag can name.
type Emulator struct {
	Info  EmulatorInfo
	board *emu.Board
	pty   *emu.PTY
}

// Emulate serves the board cfg describes on a new pty until ctx is done,
// Close is called or the board hangs up (Faults.DisconnectAfter).
func Emulate(ctx context.Context, cfg EmulatorConfig) (*Emulator, error) {
	if cfg.Tile < -1 {
		return nil, fmt.Errorf("board emulate: tile %d must be a tile index ≥ 0", cfg.Tile)
	}
	if cfg.Name == "" {
		cfg.Name = emu.DefaultName
	}
	macroSeed := cfg.Seed
	if cfg.Tile >= 0 {
		macroSeed = crossbar.TileSeed(cfg.Seed, cfg.Tile)
	}
	m, err := crossbar.NewModel(cfg.Params, macroSeed)
	if err != nil {
		return nil, fmt.Errorf("board emulate: %w", err)
	}
	b, err := emu.New(m, &emu.Options{Name: cfg.Name, Seed: cfg.Seed, Faults: cfg.Faults})
	if err != nil {
		return nil, fmt.Errorf("board emulate: %w", err)
	}
	pt, err := emu.ServePTY(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("board emulate: %w", err)
	}
	g := m.Geometry()
	return &Emulator{board: b, pty: pt, Info: EmulatorInfo{Path: pt.Path(), Name: cfg.Name, Rows: g.Rows, Cols: g.Cols,
		Source: cfg.Source, Seed: cfg.Seed, Tile: cfg.Tile, MacroSeed: macroSeed, Faults: cfg.Faults}}, nil
}

// String says what is served where, in one line.
func (e *Emulator) String() string {
	i, f := e.Info, e.Info.Faults
	s := fmt.Sprintf("%q, %d×%d macro (%s, seed %d) on %s", i.Name, i.Rows, i.Cols, i.Source, i.MacroSeed, i.Path)
	if i.Tile >= 0 {
		s += fmt.Sprintf("; tile %d of seed %d", i.Tile, i.Seed)
	}
	if f != (emu.Faults{}) {
		s += fmt.Sprintf("; faults: drop %g, corrupt %g, delay %g×%v, stall %g×%v, disconnect after %d",
			f.ToBoard.Drop, f.ToBoard.Corrupt, f.ToBoard.Delay, f.ToBoard.MaxTime, f.StallProb, f.Stall, f.DisconnectAfter)
	}
	return s
}

// Wait serves until ctx is done or the serving ends, and says how it
// ended ("" when the pty closed on its own); a hang-up the faults asked
// for is no error.
func (e *Emulator) Wait(ctx context.Context) (string, error) {
	select {
	case <-ctx.Done():
		e.pty.Close()
		return fmt.Sprintf("stopped after %d frames", e.board.Stats().Frames), nil
	case <-e.pty.Done():
	}
	if errors.Is(e.pty.Err(), emu.ErrDisconnected) {
		return fmt.Sprintf("disconnected after %d frames, as asked", e.board.Stats().Frames), nil
	}
	if err := e.pty.Err(); err != nil {
		return "", fmt.Errorf("board emulate: %w", err)
	}
	return "", nil
}

// Close stops serving.
func (e *Emulator) Close() error { return e.pty.Close() }
