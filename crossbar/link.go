package crossbar

import "context"

// LinkStats count what the line between a host and a board went through:
// an optional report of arrays that are boards (Linker), recorded in
// results so that a run on a noisy link shows what it cost.
type LinkStats struct {
	Requests  int64 `json:"requests"`   // transactions started (pieces included)
	Resends   int64 `json:"resends"`    // requests sent again after a timeout, a NAK or a corrupt frame
	Timeouts  int64 `json:"timeouts"`   // attempts that timed out
	NAKs      int64 `json:"naks"`       // NAKs received (the board got a corrupt frame)
	BadFrames int64 `json:"bad_frames"` // frames from the board that failed to decode
	Stale     int64 `json:"stale"`      // valid responses to an earlier request, ignored
	Pieces    int64 `json:"pieces"`     // STAGE and FETCH transactions of ranged transfers
	Restarts  int64 `json:"restarts"`   // ranged transfers staged or fetched again after a whole-payload CRC mismatch
	BytesOut  int64 `json:"bytes_out"`  // bytes written to the line
	BytesIn   int64 `json:"bytes_in"`   // bytes read from the line
	Chunk     int   `json:"chunk"`      // current piece size of ranged transfers (adapts to the error rate), 0 without them
}

// Linker is an Array reached over a link that reports its statistics.
type Linker interface {
	LinkStats() LinkStats
}

// ArrayState is an array's own account of how it has been programmed since
// it started (a board: since power-up). A board's cells keep their state
// across sessions and hosts, so a second experiment on the same board meets
// the cells the first one formed; experiments and calibrations read the
// state before they form cells, refuse cells that are not pristine, and
// record the state before and after in their results.
type ArrayState struct {
	Pulses     int64 `json:"pulses"`      // pulses applied since the array started
	PulseCells int64 `json:"pulse_cells"` // Σ cells over those pulses
	// History identifies the sequence of pulses applied (a CRC-32C chaining
	// every pulse request, in hex): equal histories mean identical
	// programming, "00000000" none.
	History string `json:"history"`
}

// Stater is an Array that reports its ArrayState.
type Stater interface {
	State(ctx context.Context) (ArrayState, error)
}
