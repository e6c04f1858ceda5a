// Package crossbartest holds what every crossbar.Array implementation and
// every user of one needs for testing: the conformance suite TestArray, and
// the Record and Playback fakes.
//
// # Conformance
//
// TestArray(t, a) checks that a behaves as the crossbar.Array contract says,
// without knowing what a is: the simulator, the emulated board over a pipe
// or a pty, or a real board. It programs and reads a few small regions in
// the bottom-right corner of the array (listed in TestArray's
// documentation), so on real hardware it consumes those cells, and it
// closes a at the end. It assumes the macro's scales: pristine cells read
// well below 1 µS, formed cells well above. Optional capabilities
// (Limiter, Clock, Counter, ReservoirRunner, ReadVoltager, a
// Periphery() method, a DefaultForming() method) are tested when present
// and used to tighten the checks.
//
// # Fakes
//
// Record wraps an Array and logs every call with its arguments and results
// as JSON lines. Playback reads such a log and is an Array that replays it:
// every call must match the recorded one exactly (same operation, region,
// pulse, input values bit for bit, buffer lengths), and gets the recorded
// results; any divergence is an error wrapping ErrDivergence. Recording a
// run on real hardware and replaying it in CI turns a hardware session into
// a deterministic regression test of the code above the seam.
package crossbartest
