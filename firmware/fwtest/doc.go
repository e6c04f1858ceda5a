// Package fwtest provides fakes for testing code around the firmware: a
// Recorder that logs every Frontend call (to prove that a refused request
// touched nothing) and Ideal, a deterministic noise-free front end whose
// cells are integer ADC codes, for host-side tests that need exact
// expected values without the crossbar simulator.
package fwtest
