package wire

// CRC-32C (Castagnoli): polynomial 0x1EDC6F41 (reflected 0x82F63B78),
// initial value 0xFFFFFFFF, input and output reflected, final XOR
// 0xFFFFFFFF; check value CRC("123456789") = 0xE3069283 (the "CRC-32/ISCSI"
// entry of the Williams/Cook CRC catalogue). It is the CRC of iSCSI, SCTP,
// ext4 and Btrfs, and hash/crc32.Castagnoli in the standard library (the
// tests cross-check against it). Why this one and not CRC-16: a frame may
// carry up to MaxFrame bytes; CRC-32C keeps Hamming distance 6 up to 5,243
// bits (655 bytes, every command frame but bulk reads) and 4 beyond
// (Koopman, "32-bit cyclic redundancy codes for Internet applications",
// DSN 2002), and lets an undetected corrupt frame through with probability
// 2⁻³² rather than CRC-16's 2⁻¹⁶ — which matters when a fault-injection run
// corrupts thousands of frames. Many MCUs (and every x86/ARMv8 host) compute
// it in hardware.
//
// Why not hash/crc32: this package must build with TinyGo for the board,
// and hash/crc32 is not among the standard packages TinyGo's own test
// suite runs (its Makefile lists hash/adler32, hash/crc64 and hash/fnv as
// passing, not hash/crc32, whose amd64/arm64/s390x paths dispatch on CPU
// features). A 256-entry table is 20 lines; the host side (package events,
// the tests here) uses hash/crc32 and the tests check the two agree.

const crcPoly = 0x82F63B78 // reflected 0x1EDC6F41

// crcTable is the byte-at-a-time table, filled at package init (no
// allocation: it is a fixed-size array).
var crcTable [256]uint32

func init() {
	for i := range crcTable {
		c := uint32(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ crcPoly
			} else {
				c >>= 1
			}
		}
		crcTable[i] = c
	}
}

// CRC32C returns the CRC-32C of p.
func CRC32C(p []byte) uint32 { return ^crcUpdate(^uint32(0), p) }

// CRC32CUpdate returns the CRC-32C of a's bytes followed by p, given
// crc = CRC32C(a) (CRC32CUpdate(0, p) = CRC32C(p)).
func CRC32CUpdate(crc uint32, p []byte) uint32 { return ^crcUpdate(^crc, p) }

// crcUpdate feeds p into the running (pre-inverted) CRC register c.
func crcUpdate(c uint32, p []byte) uint32 {
	for _, b := range p {
		c = crcTable[byte(c)^b] ^ c>>8
	}
	return c
}
