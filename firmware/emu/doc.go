// Package emu is the emulated board: the real firmware dispatcher
// (package firmware) running on a Frontend backed by the simulator
// (crossbar.Model), served over any byte stream — a net.Pipe for tests
// and the in-process `--board emu`, or a pseudo-terminal that programs
// open like a USB serial port (`memlsm board emulate`).
//
// # Concepts
//
// Frontend maps the firmware's integer world onto the model: a DAC code
// becomes volts through the model's Periphery (the DAC80508 transfer
// function), a PULSE becomes Model.Program, a conversion becomes one
// binary Model.MVMCodes over the selected rows, and the board's clock is
// the model's virtual clock (WAIT advances it). Config derives the
// firmware's limits and calibration table from the model's Params. Because
// the model's randomness is keyed by cell and column counters, the
// firmware's row-by-row reads, bit planes and LSM steps give bit-identical
// numbers to the model's own Read, MVM and RunReservoir: a host cannot tell
// the emulated board from the simulator except through the protocol.
//
// Board.Serve runs the firmware on a stream and injects link faults, seeded
// and per direction: dropped, corrupted and delayed bytes, board stalls,
// and a disconnect after a number of frames. Drop and corrupt decisions
// depend only on the byte sequence and the seed, not on timing, so a fault
// pattern is reproducible. ServePTY opens a pty pair in raw mode, serves
// the master side, and hands out the slave's path; Pipe serves one end of a
// net.Pipe.
package emu
