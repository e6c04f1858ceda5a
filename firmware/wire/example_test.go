package wire_test

import (
	"fmt"

	"github.com/memlsm/memlsm/firmware/wire"
)

// A HELLO request as it goes on the line, and back.
func ExampleEncode() {
	line := make([]byte, wire.MaxWire)
	n, err := wire.Encode(line, wire.Header{Op: wire.OpHello, Seq: 1}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", line[:n])

	var s wire.Splitter
	_, enc, _ := s.Next(line[:n])
	dst := make([]byte, wire.MaxFrame)
	f, err := wire.Decode(dst, enc)
	fmt.Println(f.Op, f.Seq, f.Resp, err)

	enc[5] ^= 0x40 // damage one byte
	_, err = wire.Decode(dst, enc)
	fmt.Println(err)
	// Output:
	// 02 01 02 01 02 01 01 01 05 0c 0e 61 f7 00 00
	// HELLO 1 false <nil>
	// wire: bad frame at byte 0: CRC mismatch
}
