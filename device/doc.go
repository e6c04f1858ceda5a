// Package device is the host driver of a memlsm board: *Board implements
// crossbar.Array (and Limiter, Clock, Counter, ReservoirRunner,
// ReadVoltager) over the board protocol of firmware/PROTOCOL.md, so
// everything above crossbar runs unchanged on a real RRAM board, on the
// emulated board (firmware/emu), or — through crossbar.Model — on no board
// at all.
//
// # Concepts
//
// A Board borrows a byte stream (New: a net.Pipe end, a wiretest
// Playback, anything) or opens a serial port with go.bug.st/serial (Open,
// which then owns it). It sends HELLO first and learns the board's
// geometry, safety limits and calibration table; every conversion between
// DAC/ADC codes and SI units is made from that table with
// crossbar.Periphery's formulas (one place, Board.setInfo), so a board and
// the simulator with the same table produce bit-identical float64 values.
//
// Every operation is one or more request/response transactions. A
// transaction waits for its response at most the attempt timeout (plus
// the line time of its bytes at the baud rate), then resends the same
// request with the same sequence number; a NAK or a corrupt frame triggers
// the resend at once. The firmware answers a duplicate from its replay
// cache instead of executing it again, so a retried pulse is applied once.
// A context's deadline bounds the whole call. A reader goroutine drains
// the stream into a fixed pool of frame buffers and never blocks, so a
// board writing into a synchronous pipe never waits on the host; a serial
// read that times out returns (0, nil) (go.bug.st/serial's convention),
// which the reader treats as "nothing yet" — it never hangs and never
// spins. Close unblocks a pending call at once and is safe twice.
//
// Errors are *OpError values (operation, port, cause) wrapping sentinels a
// caller can branch on with errors.Is: ErrTimeout, ErrProtocol, ErrLimit
// (also crossbar.ErrLimit), ErrNoBoard, ErrClosed (also
// crossbar.ErrClosed). A refusal by the firmware is a *StatusError that
// names the limit in SI units.
//
// Large reads, wide MVMs and long LSM samples are split into requests of
// at most the board's maximum payload (or Options.MaxPayload). On a
// firmware-1.1 board, a request or response longer than half the current
// piece size then moves as a ranged transfer (PROTOCOL.md: STAGE, EXEC,
// FETCH): the payload is staged and the response fetched in pieces, each a
// frame with its own CRC and resends, and the whole is checked against a
// CRC-32C, so a damaged byte costs one piece, not a 4 KiB frame. The piece
// size adapts to the line (about √(h/e) for h bytes of framing and a
// damaged-byte rate e the driver estimates from its resends), and a piece
// the line has shown to be too long is sent again shorter: on a line that
// damages 2 % of the bytes every call still completes, only slower. Retries
// (Options.Retries, default 200) bound the attempts of one frame; a board
// that sends nothing at all for Options.Silence attempts in a row (default
// 8) is declared gone. Stats (also crossbar.Linker) reports requests,
// resends, pieces and bytes; State (crossbar.Stater) the board's pulse
// count and history hash. The on-board
// LSM run (RunReservoir) sends each time step's active inputs as sparse
// indices or a bitmap, whichever is smaller, and gets the spike counts
// back in one response: one round trip per sample instead of one per step.
package device
