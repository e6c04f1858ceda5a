package crossbartest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/crossbar/crossbartest"
	"github.com/memlsm/memlsm/units"
)

// Record a short session on the simulator, then replay it: the replay
// returns the recorded values, and a call that differs is caught.
func ExampleRecord() {
	p, _ := crossbar.Preset("lin2025")
	p.Rows, p.Cols = 8, 8
	m, _ := crossbar.NewModel(p, 1)
	var log bytes.Buffer
	rec := crossbartest.Record(m, &log)

	ctx := context.Background()
	r := crossbar.Region{Rows: 2, Cols: 2}
	_ = rec.Program(ctx, r, crossbar.DefaultForming(p))
	g := make([]units.Siemens, 4)
	_ = rec.Read(ctx, r, g)
	_ = rec.Close()

	play, err := crossbartest.Playback(&log)
	if err != nil {
		panic(err)
	}
	_ = play.Program(ctx, r, crossbar.DefaultForming(p))
	g2 := make([]units.Siemens, 4)
	_ = play.Read(ctx, r, g2)
	fmt.Println("replayed read equals the recording:", g2[0] == g[0] && g2[3] == g[3])
	err = play.Read(ctx, r, g2) // the recording has Close next
	fmt.Println("divergence caught:", errors.Is(err, crossbartest.ErrDivergence))
	fmt.Println("calls left:", play.Remaining())
	// Output:
	// replayed read equals the recording: true
	// divergence caught: true
	// calls left: 1
}
