// Package firmware is the board-side command dispatcher of memlsm's
// hardware-in-the-loop path: the program that runs on the MCU or FPGA-SoC
// next to the RRAM macro, and, unchanged, inside the emulated board
// (firmware/emu).
//
// # Concepts
//
// The board's main loop reads bytes from its serial port and hands them to
// Feed; Feed finds frames (firmware/wire), checks them, executes the
// request and returns the encoded response to transmit. Requests are those
// of firmware/PROTOCOL.md: HELLO (identity, safety limits, calibration
// table), STATUS, HALT, WAIT, PULSE (form, set, reset a region), READ (the
// cells of a region, row by row), MVM (binary and bit-serial multi-bit
// inputs → ADC codes), and LSM (a whole reservoir sample on the board: T
// input frames in, spike counts out, as the paper's FPGA did).
//
// The firmware drives the analogue periphery through a Frontend: set a DAC
// channel, select rows and columns, apply a pulse, convert the selected
// columns' currents. Everything crosses it as integer codes; the firmware
// never converts to volts or amperes (the host does, from the calibration
// table HELLO reports).
//
// Safety limits — maximum amplitude per mode, pulse width range, maximum
// gate (compliance) voltage, cells per pulse, duty cycle over any 1 ms
// window — are part of the firmware's Config and are checked on every
// PULSE before the Frontend is touched: an out-of-limit request gets a
// StatusLimit response and changes nothing, whatever the host sends.
//
// Retries are safe: the firmware keeps the last request's identity and
// its encoded response, and answers a repeated request (same sequence
// number, same bytes) from that cache without executing it again, so a
// pulse whose response was lost is never applied twice. A frame that fails
// to decode is answered with a NAK so the host resends at once.
//
// # TinyGo
//
// The package is TinyGo-compatible Go: it imports only errors, math and
// firmware/wire (a test enforces this with go list -deps), starts no
// goroutine, allocates nothing after New (every buffer is a fixed array in
// the Firmware struct; tested with testing.AllocsPerRun), and every loop is
// bounded by the geometry or the frame size. It is tested on GOARCH=386 (or
// GOARCH=arm under qemu-user, where the kernel cannot run 386 binaries) to
// catch 32-bit int assumptions. The LSM step uses float64 arithmetic so
// that its spike counts equal the simulator's (see runLSM); an MCU without
// a double-precision FPU pays for that in soft-float.
package firmware
