package wire

import "testing"

func BenchmarkCRC32C4096(b *testing.B) {
	p := make([]byte, 4096)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		CRC32C(p)
	}
}

func BenchmarkEncode4096(b *testing.B) {
	p := make([]byte, MaxPayload)
	for i := range p {
		p[i] = byte(i)
	}
	line := make([]byte, MaxWire)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := Encode(line, Header{Op: OpRead, Seq: 1}, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnpack4096(b *testing.B) {
	p := make([]byte, MaxPayload)
	for i := range p {
		p[i] = byte(i)
	}
	line := make([]byte, MaxWire)
	n, _ := Encode(line, Header{Op: OpRead, Seq: 1}, p)
	var dst [MaxFrame]byte
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, _, err := Unpack(dst[:], line[:n-2]); err != nil {
			b.Fatal(err)
		}
	}
}
