package board

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/memlsm/memlsm/crossbar"
)

// Opener opens tile k of a macro made of several arrays, with the seed the
// experiment gives it (experiment.Macro.Tiles).
type Opener = func(ctx context.Context, k int, seed uint64) (crossbar.Array, error)

// Tiles returns the opener of the arrays a --board value names, for a
// macro that may need several of them: an experiment whose reservoir does
// not fit one array asks for tiles k = 0, 1, … of a grid (row-major), each
// with seed crossbar.TileSeed(its seed, k), until the reservoir fits.
//
//   - "sim" or "": nil, meaning the experiment's own simulated macros
//     (crossbar.NewModel with p), as many as needed.
//   - "emu": as many in-process emulated boards as needed, board k
//     carrying crossbar.NewModel(p, its tile seed) — the same macro as
//     simulated tile k, so results equal "sim"'s bit for bit.
//   - a serial device path: that one board.
//   - a comma-separated list of these ("emu,emu", "/dev/ttyUSB0,/dev/ttyUSB1"):
//     exactly those arrays, item k being tile k. A reservoir that needs
//     more arrays than the list names cannot run; the experiment says how
//     many it needs. An emulated board served by `memlsm board emulate
//     --seed S --tile K` is the simulated tile K of seed S.
//
// Simulated items make a fresh macro at every call; a serial board is
// opened once — it is formed once, so it cannot hold the macro of a second
// seed (a seed sweep that re-forms the macro fails on it).
//
// The spec is checked here, before any port is opened: an empty item or
// one starting with "-" matches ErrSpec.
func Tiles(spec string, p crossbar.Params) (Opener, error) {
	items := strings.Split(spec, ",")
	for i, it := range items {
		items[i] = strings.TrimSpace(it)
		if items[i] == "" && len(items) > 1 {
			return nil, fmt.Errorf("%w %q: item %d of the list is empty", ErrSpec, spec, i+1)
		}
		if strings.HasPrefix(items[i], "-") {
			return nil, fmt.Errorf("%w %q: want sim, emu, a serial device path or a comma-separated list of them", ErrSpec, spec)
		}
	}
	if len(items) == 1 {
		switch items[0] {
		case "", "sim":
			return nil, nil
		case "emu":
			return func(ctx context.Context, _ int, seed uint64) (crossbar.Array, error) {
				return Open(ctx, "emu", p, seed)
			}, nil
		}
	}
	var mu sync.Mutex
	opened := map[int]bool{}
	return func(ctx context.Context, k int, seed uint64) (crossbar.Array, error) {
		if k >= len(items) {
			return nil, fmt.Errorf("--board names %d array(s) (%s); the reservoir needs more", len(items), spec)
		}
		if !Simulated(items[k]) {
			mu.Lock()
			again := opened[k]
			opened[k] = true
			mu.Unlock()
			if again {
				return nil, fmt.Errorf("board %s is already formed: one board holds the macro of one seed", items[k])
			}
		}
		return Open(ctx, items[k], p, seed)
	}, nil
}
