// Package wire is the frame codec of the memlsm board protocol, shared by
// the board's firmware and the host driver. firmware/PROTOCOL.md documents
// every byte; this package is its executable form.
//
// # Concepts
//
// The host and the board exchange frames over a serial byte stream. A
// frame is an 8-byte header (protocol version, flags with the response
// bit, opcode, status, sequence number, payload length), a payload of at
// most MaxPayload bytes, and a CRC-32C over both — little-endian
// throughout. On the line each frame is COBS-encoded, which removes every
// 0x00 byte, and followed by 0x00 delimiters, so a receiver finds frame
// boundaries in a damaged stream by looking for 0x00 alone (Splitter).
//
// Decoding is strict: every length and field is checked and only the
// canonical encoding of a frame is accepted, so a corrupted frame is
// rejected (with the byte offset of the problem) rather than
// misunderstood, and no input panics (fuzzed). Encoding and decoding write
// into caller buffers and never allocate, which the firmware needs.
//
// The message payloads (Info for HELLO, PulseReq, LSMReq, ErrorInfo, …)
// have Put and Parse functions here too, so both sides share one layout.
//
// The package imports only errors: it is TinyGo-compatible, like firmware.
// Sequence numbers, retries and the replay cache that make retries safe
// are the firmware's and the driver's business; PROTOCOL.md describes
// them.
package wire
