package firmware_test

import (
	"fmt"
	"math"

	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/fwtest"
	"github.com/memlsm/memlsm/firmware/wire"
)

// The firmware on an ideal 4×4 array: HELLO, then an MVM whose input
// selects rows 0 and 2.
func ExampleFirmware_Feed() {
	arr := fwtest.NewIdeal(4, 4, 14)
	for i := range arr.G {
		arr.G[i] = int32(i) // cell (r, c) reads as code 4r + c
	}
	info := wire.Info{Rows: 4, Cols: 4, DACBits: 16, ADCBits: 14, InputBits: 4,
		MaxAmplitude: [3]uint16{65535, 39322, 39322}, MaxGate: 32768,
		MinWidthNs: 100, MaxWidthNs: 10_000_000, MaxDutyPPM: 1_000_000,
		DACFullScale: math.Float64bits(5), ReadVoltage: math.Float64bits(0.2),
		ADCLSB: math.Float64bits(39e-9), NameLen: 4}
	copy(info.Name[:], "demo")
	fw, err := firmware.New(arr, firmware.Config{Info: info})
	if err != nil {
		panic(err)
	}
	// request feeds one request and decodes the response.
	request := func(op wire.Op, seq uint16, payload []byte) wire.Frame {
		line := make([]byte, wire.MaxWire)
		n, _ := wire.Encode(line, wire.Header{Op: op, Seq: seq}, payload)
		var out []byte
		for p := line[:n]; len(p) > 0; {
			k, o := fw.Feed(p)
			p = p[k:]
			if o != nil {
				out = o
			}
		}
		f, err := wire.Decode(make([]byte, wire.MaxFrame), out[:len(out)-2])
		if err != nil {
			panic(err)
		}
		return f
	}
	hello, _ := wire.ParseInfo(request(wire.OpHello, 1, nil).Payload)
	fmt.Printf("%s: %d×%d, firmware %d.%d.%d\n", hello.Name[:hello.NameLen], hello.Rows, hello.Cols,
		hello.Firmware[0], hello.Firmware[1], hello.Firmware[2])

	mvm := make([]byte, wire.MVMReqHeader+1)
	wire.Region{Rows: 4, Cols: 4}.Put(mvm)
	mvm[8] = 1       // binary input
	mvm[10] = 0b0101 // rows 0 and 2
	f := request(wire.OpMVM, 2, mvm)
	for j := range 4 {
		fmt.Print(int32(wire.U32(f.Payload[wire.MVMRespHeader+4*j:])), " ")
	}
	fmt.Println()
	// Output:
	// demo: 4×4, firmware 1.1.0
	// 8 10 12 14
}
