package emu_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"testing"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/emu"
	"github.com/memlsm/memlsm/firmware/wire"
	"github.com/memlsm/memlsm/units"
)

func newModel(t testing.TB, seed uint64) *crossbar.Model {
	t.Helper()
	p, err := crossbar.Preset("lin2025")
	if err != nil {
		t.Fatal(err)
	}
	m, err := crossbar.NewModel(p, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConfig: the firmware limits are the model's limits in codes and
// nanoseconds; the calibration table is the model's periphery bit for bit.
func TestConfig(t *testing.T) {
	m := newModel(t, 1)
	c, err := emu.Config(m, "x")
	if err != nil {
		t.Fatal(err)
	}
	per, i := m.Periphery(), c.Info
	// DACCode(V) = round(V/5·65536), clamped to 65535 (periphery.go).
	if i.MaxAmplitude != [3]uint16{65535, 39322, 39322} || i.MaxGate != 32768 {
		t.Errorf("amplitude limits %v, gate %d", i.MaxAmplitude, i.MaxGate)
	}
	if i.MinWidthNs != 100 || i.MaxWidthNs != 10_000_000 || i.MaxDutyPPM != 1_000_000 || i.MaxCells != 0 {
		t.Errorf("width %d..%d ns, duty %d ppm, cells %d", i.MinWidthNs, i.MaxWidthNs, i.MaxDutyPPM, i.MaxCells)
	}
	if math.Float64frombits(i.ADCLSB) != float64(per.LSB) || math.Float64frombits(i.ReadVoltage) != float64(per.ReadVoltage) ||
		c.ReadCode != uint16(per.ReadCode) || int(i.ADCBits) != per.ADCBits || int(i.InputBits) != per.InputBits {
		t.Errorf("calibration table differs from the periphery: %+v", i)
	}
	if _, err := emu.Config(m, string(make([]byte, 33))); err == nil {
		t.Error("33-byte name accepted")
	}
	p, _ := crossbar.Preset("lin2025")
	p.Rows = 600
	big, err := crossbar.NewModel(p, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Config(big, "x"); err == nil {
		t.Error("600-row model accepted by a 512-row firmware")
	}
}

// TestPulseAtTheLimit: the set limit 3 V is DAC code 39322 = 3.00003 V; the
// firmware accepts the code and the emulated front end must still get the
// pulse past the model's own volt check (it hands the model 3 V, which
// quantises to the same code).
func TestPulseAtTheLimit(t *testing.T) {
	m := newModel(t, 2)
	c, _ := emu.Config(m, "x")
	fe := emu.NewFrontend(m)
	fe.SetDAC(firmware.ChanSource, c.Info.MaxAmplitude[1])
	fe.SetDAC(firmware.ChanGate, c.Info.MaxGate)
	fe.Select(wire.Region{Rows: 1, Cols: 1}, nil)
	if err := fe.Pulse(wire.ModeSet, 100); err != nil {
		t.Fatalf("pulse at the limit code: %v", err)
	}
	fe.Select(wire.Region{Rows: 2, Cols: 1}, []byte{1})
	if err := fe.Pulse(wire.ModeSet, 100); err == nil {
		t.Error("masked pulse accepted")
	}
	if fe.Now() != 100 {
		t.Errorf("clock %d ns after one 100 ns pulse (and a refused one)", fe.Now())
	}
	fe.Idle(1_000_000)
	if got := m.Now(); got != units.Seconds(float64(1_000_100)/1e9) {
		t.Errorf("model clock %v after Idle", got)
	}
}

// scripted is a host that sends a fixed byte stream and records what comes
// back; its Read returns io.EOF at the end, which ends Serve. No timing is
// involved, so a run is exactly reproducible.
type scripted struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (s *scripted) Read(p []byte) (int, error)  { return s.in.Read(p[:min(len(p), 100)]) }
func (s *scripted) Write(p []byte) (int, error) { return s.out.Write(p) }

// session sends 40 STATUS requests through a board with link faults and
// returns every byte the host got back.
func session(t *testing.T, seed uint64) ([]byte, emu.Stats) {
	t.Helper()
	link := emu.Link{Drop: 0.02, Corrupt: 0.02}
	b, err := emu.New(newModel(t, 3), &emu.Options{Seed: seed, Faults: emu.Faults{ToBoard: link, ToHost: link}})
	if err != nil {
		t.Fatal(err)
	}
	var in []byte
	line := make([]byte, wire.MaxWire)
	for k := range 40 {
		n, _ := wire.Encode(line, wire.Header{Op: wire.OpStatus, Seq: uint16(k)}, nil)
		in = append(in, line[:n]...)
	}
	host := &scripted{in: bytes.NewReader(in)}
	if err := b.Serve(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	return host.out.Bytes(), b.Stats()
}

// TestFaultsReproducible: the same seed and byte stream give the same
// faults; another seed other faults.
func TestFaultsReproducible(t *testing.T) {
	a, sa := session(t, 7)
	b, sb := session(t, 7)
	c, sc := session(t, 8)
	if sa.Dropped == 0 || sa.Corrupted == 0 {
		t.Fatalf("no faults injected: %+v", sa)
	}
	if !bytes.Equal(a, b) || sa != sb {
		t.Errorf("seed 7 twice: %d vs %d bytes, %+v vs %+v", len(a), len(b), sa, sb)
	}
	if bytes.Equal(a, c) && sa == sc {
		t.Error("seeds 7 and 8 injected the same faults")
	}
}

func TestFaultValidation(t *testing.T) {
	for _, f := range []emu.Faults{
		{ToBoard: emu.Link{Drop: -0.1}}, {ToHost: emu.Link{Corrupt: 2}}, {StallProb: math.NaN()},
		{Stall: -time.Second}, {DisconnectAfter: -1},
	} {
		if _, err := emu.New(newModel(t, 1), &emu.Options{Faults: f}); err == nil {
			t.Errorf("faults %+v accepted", f)
		}
	}
}

// TestServeStops: cancelling the context ends Serve over a pipe and over a
// pty, and a pty closes twice without harm.
func TestServeStops(t *testing.T) {
	b, err := emu.New(newModel(t, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, done := emu.Pipe(ctx, b)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve over a pipe did not stop")
	}
	pt, err := emu.ServePTY(context.Background(), b)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	stopped := make(chan struct{})
	go func() { pt.Close(); pt.Close(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("closing the pty hung")
	}
	if pt.Err() != nil {
		t.Errorf("Err after Close: %v", pt.Err())
	}
}

// TestDisconnectAfter: the board answers N frames, then hangs up.
func TestDisconnectAfter(t *testing.T) {
	b, _ := emu.New(newModel(t, 5), &emu.Options{Faults: emu.Faults{DisconnectAfter: 2}})
	host, done := emu.Pipe(context.Background(), b)
	line := make([]byte, wire.MaxWire)
	buf := make([]byte, 4096)
	for k := range 3 {
		n, _ := wire.Encode(line, wire.Header{Op: wire.OpStatus, Seq: uint16(k)}, nil)
		if _, err := host.Write(line[:n]); err != nil {
			if k < 2 {
				t.Fatal(err)
			}
			break
		}
		if k < 2 {
			if _, err := host.Read(buf); err != nil {
				t.Fatalf("frame %d: %v", k, err)
			}
		}
	}
	if err := <-done; !errors.Is(err, emu.ErrDisconnected) {
		t.Fatalf("Serve returned %v", err)
	}
	if _, err := host.Read(buf); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("host read after the disconnect: %v", err)
	}
}
