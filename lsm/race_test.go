//go:build race

package lsm_test

// raceEnabled: the race detector slows the kernels ~70×, so the heaviest
// tests shrink or skip, and sync.Pool drops items on purpose, so the
// allocation test skips.
const raceEnabled = true
