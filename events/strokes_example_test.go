package events_test

import (
	"context"
	"fmt"
	"os"

	"github.com/memlsm/memlsm/events"
)

// A "7" as a pen trajectory: one stroke to the right, then down-left;
// written in E. D. de Jong's layout and read back.
func ExampleReadStrokes() {
	dir, err := os.MkdirTemp("", "strokes")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	seven := events.Trajectory{X0: 8, Y0: 6}
	for range 10 {
		seven.Moves = append(seven.Moves, events.PenMove{DX: 1})
	}
	for range 12 {
		seven.Moves = append(seven.Moves, events.PenMove{DX: -0.5, DY: 1})
	}
	if err := events.WriteStrokeFiles(dir, "test", []events.Trajectory{seven}, []int{7}, 0); err != nil {
		panic(err)
	}
	set, err := events.ReadStrokes(context.Background(), dir, "test", nil)
	if err != nil {
		panic(err)
	}
	t := set.Trajectories[0]
	fmt.Printf("label %d: %d moves, %d stroke, %.1f px of pen path\n", set.Labels[0], len(t.Moves), t.Strokes(), t.Length())
	// Output:
	// label 7: 22 moves, 1 stroke, 23.4 px of pen path
}
