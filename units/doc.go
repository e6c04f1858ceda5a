// Package units gives the physical quantities that cross memlsm's package
// boundaries a type: Volts, Amps, Siemens, Ohms, Seconds, Joules, Hertz, Watts and Farads.
//
// Each is a float64 in base SI units, so arithmetic stays plain Go
// arithmetic and no conversion factor hides in a call site: 14.25 µS is
// units.Siemens(14.25e-6), 100 ns is units.Seconds(100e-9).
//
// Every type prints with an SI prefix (String) and parses one (Set), which
// makes it a flag.Value: a command line reads
//
//	memlsm macro sample -vform 3.2V -width 100ns
//
// Set accepts a number with an optional SI prefix (p n u µ m k M G) and an
// optional unit symbol that must match the type ("3.2V", "3.2", "100ns",
// "10MΩ", "10Mohm", "14.25uS"). A bare number is in base units.
//
// ParseDuration reads the long durations of retention and ageing
// experiments as well: "1h", "1d", "1y" (a Julian year), "30min".
package units
