package device_test

import (
	"io"
	"math"
	"net"
	"sync"
	"testing"

	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/fwtest"
	"github.com/memlsm/memlsm/firmware/wire"
)

// idealInfo is a 32×32 board with the lin2025 periphery numbers: 16-bit DAC
// over 5 V, 14-bit ADC, LSB 1.8 V/8192/5600 Ω, read voltage 0.2 V.
func idealInfo() wire.Info {
	i := wire.Info{Rows: 32, Cols: 32, DACBits: 16, ADCBits: 14, InputBits: 4,
		MaxAmplitude: [3]uint16{65535, 39322, 39322}, MaxGate: 32768,
		MinWidthNs: 100, MaxWidthNs: 10_000_000, MaxDutyPPM: 1_000_000, MaxCells: 0,
		DACFullScale: math.Float64bits(5), ReadVoltage: math.Float64bits(0.2),
		TIAGain: math.Float64bits(5600), ADCFullScale: math.Float64bits(1.8),
		ADCLSB: math.Float64bits(1.8 / 8192 / 5600), EnergyConv: math.Float64bits(1e-7),
		EnergyDAC: math.Float64bits(2e-8), NameLen: 5}
	copy(i.Name[:], "ideal")
	return i
}

// rig is a firmware on an ideal array, served on one end of a net.Pipe.
type rig struct {
	fw   *firmware.Firmware
	arr  *fwtest.Ideal
	rec  *fwtest.Recorder
	host net.Conn

	mu sync.Mutex
	// filter, if set, sees every encoded response before it is sent and
	// may return a replacement (nil drops it).
	filter func(out []byte) []byte
}

func newRig(t testing.TB, info wire.Info) *rig {
	t.Helper()
	arr := fwtest.NewIdeal(int(info.Rows), int(info.Cols), int(info.ADCBits))
	rec := &fwtest.Recorder{Next: arr}
	fw, err := firmware.New(rec, firmware.Config{Info: info, ReadCode: 2621})
	if err != nil {
		t.Fatal(err)
	}
	host, board := net.Pipe()
	r := &rig{fw: fw, arr: arr, rec: rec, host: host}
	go r.serve(board)
	t.Cleanup(func() { host.Close(); board.Close() })
	return r
}

func (r *rig) serve(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		for p := buf[:n]; len(p) > 0; {
			r.mu.Lock()
			k, out := r.fw.Feed(p)
			out = append([]byte(nil), out...)
			if len(out) == 0 {
				out = nil
			}
			f := r.filter
			r.mu.Unlock()
			p = p[k:]
			if out != nil && f != nil {
				out = f(out)
			}
			if out != nil {
				if _, err := c.Write(out); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// status reads the firmware's status between requests.
func (r *rig) status() wire.BoardStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fw.Status()
}

func (r *rig) setFilter(f func([]byte) []byte) {
	r.mu.Lock()
	r.filter = f
	r.mu.Unlock()
}

// board opens the driver on the rig.
func (r *rig) board(t testing.TB, o *device.Options) *device.Board {
	t.Helper()
	b, err := device.New(r.host, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// silent is a link to a board that reads everything and never answers.
func silent(t testing.TB) net.Conn {
	host, board := net.Pipe()
	go io.Copy(io.Discard, board)
	t.Cleanup(func() { host.Close(); board.Close() })
	return host
}

// decodeReq decodes a request frame from the line bytes (two delimiters).
func decodeReq(line []byte) (wire.Frame, error) {
	return wire.Decode(make([]byte, wire.MaxFrame), line[:len(line)-2])
}
