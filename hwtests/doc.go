// Package hwtests is memlsm's hardware-in-the-loop suite. It has no API:
// its tests run the whole hardware path — host driver (device), serial
// port (go.bug.st/serial), framing (firmware/wire), firmware dispatcher
// (firmware) and analogue front end — and compare what comes back with the
// simulator.
//
// Without a board, every test starts the emulated board (firmware/emu: the
// real firmware on a crossbar.Model) on a pseudo-terminal and connects to
// it through go.bug.st/serial exactly as to a USB serial port, or over a
// net.Pipe where the port adds nothing; CI therefore exercises the hardware
// path on every run. With MEMLSM_PORT set to a device path (a real board,
// or the pty `memlsm board emulate` prints), the serial tests drive that
// port instead; tests that compare with the simulator's numbers, which
// only an emulated board can match bit for bit, then skip.
//
// What is checked:
//
//   - crossbartest.TestArray, the conformance suite, on the simulator, the
//     emulated board over a net.Pipe and over a pty (or MEMLSM_PORT).
//   - HIL parity: crossbar.RandomWeights, MVM (binary and multi-bit) and the
//     on-board LSM run give bit-identical results through the board and on
//     the simulator with the same seed. This holds because the model's
//     randomness is keyed by cell and column counters (not by call order),
//     the firmware reads row by row and converts bit planes exactly as the
//     model does, and the host converts codes with crossbar.Periphery's
//     formulas from the board's own calibration table.
//   - Faults: with bytes dropped and corrupted at 1 % in both directions
//     (and stalls, delays, disconnects), thousands of MVMs complete with
//     results identical to a fault-free reference and no hang: the CRC
//     rejects every damaged frame, the host resends by sequence number,
//     and the firmware's replay cache answers a duplicate without
//     executing it again: 10,000 MVMs over the pipe (1,000 over the pty;
//     MEMLSM_FAULT_N changes the count, -short caps it at 1,000).
//   - Tiling: a grid of emulated boards (crossbar.Tiled) passes the
//     conformance suite, and the N-MNIST reservoir spread over a 2×2 grid
//     of 256×256 macros gives the same weights, MVMs and on-board spike
//     counts, bit for bit, on simulated macros, on emulated boards over
//     pipes and on emulated boards over ptys, tile k seeded
//     crossbar.TileSeed(seed, k). BenchmarkTiledSampleBTVImage2048 times a
//     sample of the paper's 784→2048 encoder on-board over 48 macros.
//   - Throughput over the pty: BenchmarkMVMPTY and BenchmarkLSMSamplePTY
//     (the N-MNIST reservoir: 256 inputs, 200 neurons, 50 steps).
package hwtests
