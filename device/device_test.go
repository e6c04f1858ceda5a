package device_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware/wire"
	"github.com/memlsm/memlsm/firmware/wire/wiretest"
	"github.com/memlsm/memlsm/units"
)

var update = flag.Bool("update", false, "rewrite testdata/session.txt")

func TestHelloAndUnits(t *testing.T) {
	r := newRig(t, idealInfo())
	b := r.board(t, nil)
	if b.Name() != "ideal" || b.Geometry() != (crossbar.Geometry{Rows: 32, Cols: 32}) {
		t.Fatalf("name %q geometry %v", b.Name(), b.Geometry())
	}
	l := b.Limits()
	// The top DAC code admits the full scale; 39322 is 3.000030518 V (DAC80508
	// transfer function V = code·5/65536).
	if l.MaxAmplitude[crossbar.Form] != 5 || l.MaxAmplitude[crossbar.Set] != units.Volts(39322*5.0/65536) ||
		l.MinWidth != 100e-9 || l.MaxWidth != 10e-3 || l.MaxDuty != 1 || l.MaxGate != 2.5 {
		t.Errorf("limits %+v", l)
	}
	if b.ReadVoltage() != 0.2 {
		t.Errorf("read voltage %v", b.ReadVoltage())
	}
	// Ideal cell codes become siemens as code·LSB/V_read, exactly.
	for i := range r.arr.G {
		r.arr.G[i] = int32(i % 500)
	}
	reg := crossbar.Region{Row: 1, Col: 2, Rows: 3, Cols: 4}
	g := make([]units.Siemens, reg.Cells())
	if err := b.Read(context.Background(), reg, g); err != nil {
		t.Fatal(err)
	}
	lsb := 1.8 / 8192 / 5600.0
	for i := range 3 {
		for j := range 4 {
			code := r.arr.G[(1+i)*32+2+j]
			if want := units.Siemens(float64(code) * lsb / 0.2); g[i*4+j] != want {
				t.Fatalf("cell (%d,%d) = %v, want %v", i, j, g[i*4+j], want)
			}
		}
	}
	// MVM: binary → code·LSB; multi-bit → Σ q·code·LSB/15.
	x := []float64{1, 0, 1}
	y := make([]units.Amps, 4)
	if _, err := b.MVM(context.Background(), reg, x, y); err != nil {
		t.Fatal(err)
	}
	for j := range 4 {
		code := r.arr.G[1*32+2+j] + r.arr.G[3*32+2+j]
		if want := units.Amps(float64(code) * lsb); y[j] != want {
			t.Fatalf("binary MVM col %d = %v, want %v", j, y[j], want)
		}
	}
	x = []float64{1, 0.2, 7.0 / 15}
	if _, err := b.MVM(context.Background(), reg, x, y); err != nil {
		t.Fatal(err)
	}
	for j := range 4 {
		code := 15*r.arr.G[1*32+2+j] + 3*r.arr.G[2*32+2+j] + 7*r.arr.G[3*32+2+j]
		if want := units.Amps(float64(code) * lsb / 15); y[j] != want {
			t.Fatalf("4-bit MVM col %d = %v, want %v", j, y[j], want)
		}
	}
	c := b.Counters()
	if c.MVMs != 2 || c.ADCConversions != 12+4+16 || c.Energy != units.Joules(32*1e-7) {
		t.Errorf("counters %+v", c)
	}
}

// TestLimits: the firmware's refusal reaches the caller as ErrLimit (and
// crossbar.ErrLimit) with the limit in volts; a voltage beyond the DAC's
// range is refused before anything is sent.
func TestLimits(t *testing.T) {
	r := newRig(t, idealInfo())
	b := r.board(t, nil)
	ctx := context.Background()
	reg := crossbar.Region{Rows: 2, Cols: 2}
	err := b.Program(ctx, reg, crossbar.Pulse{Mode: crossbar.Set, Amplitude: 3.1, Width: 1e-6, Gate: 1})
	var se *device.StatusError
	if !errors.Is(err, device.ErrLimit) || !errors.Is(err, crossbar.ErrLimit) || !errors.As(err, &se) || se.Info.Detail != wire.LimitAmplitude {
		t.Fatalf("set at 3.1 V: %v", err)
	}
	if !strings.Contains(err.Error(), "3.09998V > 3.00003V") {
		t.Errorf("message %q does not give the limit in volts", err)
	}
	r.rec.Reset()
	before := r.status().FramesOK
	for _, p := range []crossbar.Pulse{
		{Mode: crossbar.Form, Amplitude: 5.5, Width: 1e-6, Gate: 1},
		{Mode: crossbar.Form, Amplitude: -1, Width: 1e-6, Gate: 1},
		{Mode: crossbar.Form, Amplitude: 1, Width: 1e-6, Gate: 7},
		{Mode: crossbar.Mode(9), Amplitude: 1, Width: 1e-6, Gate: 1},
		{Mode: crossbar.Form, Amplitude: 1, Width: 10, Gate: 1},
	} {
		if err := b.Program(ctx, reg, p); !errors.Is(err, device.ErrLimit) {
			t.Errorf("%v: %v, want ErrLimit", p, err)
		}
	}
	if r.status().FramesOK != before || len(r.rec.Calls()) != 0 {
		t.Error("a pulse the DAC cannot express was sent")
	}
	// Exactly the full scale clamps to the top code, as crossbar.Periphery does.
	if err := b.Program(ctx, reg, crossbar.Pulse{Mode: crossbar.Form, Amplitude: 5, Width: 1e-6, Gate: 1}); err != nil {
		t.Errorf("form at full scale: %v", err)
	}
	if err := b.Program(ctx, crossbar.Region{Rows: 40, Cols: 1}, crossbar.Pulse{Mode: crossbar.Form, Amplitude: 1, Width: 1e-6, Gate: 1}); err == nil || errors.Is(err, device.ErrLimit) {
		t.Errorf("region outside the array: %v", err)
	}
}

func TestErrorTypes(t *testing.T) {
	err := error(&device.OpError{Op: "read", Port: "/dev/ttyACM0", Err: device.ErrTimeout})
	if err.Error() != "device: read /dev/ttyACM0: timed out" || !errors.Is(err, device.ErrTimeout) {
		t.Errorf("%q", err)
	}
	if !errors.Is(device.ErrClosed, crossbar.ErrClosed) || !errors.Is(device.ErrLimit, crossbar.ErrLimit) || errors.Is(device.ErrTimeout, crossbar.ErrLimit) {
		t.Error("sentinels do not match their crossbar counterparts")
	}
	se := &device.StatusError{Op: wire.OpLSM, Status: wire.StatusBadRequest, Info: wire.ErrorInfo{Detail: wire.DetailField, Offset: 20}}
	if !errors.Is(se, device.ErrProtocol) || errors.Is(se, device.ErrLimit) || !strings.Contains(se.Error(), "payload byte 20") {
		t.Errorf("%v", se)
	}
}

// TestRetryDoesNotRepeatPulse: the response to a PULSE is lost; the driver
// resends it with the same sequence number after its timeout and the
// firmware answers from its replay cache: the pulse is applied once. With
// testing/synctest the timeout costs no real time, and the retry happens
// exactly one attempt timeout after the request.
func TestRetryDoesNotRepeatPulse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, idealInfo())
		b := r.board(t, &device.Options{Timeout: 100 * time.Millisecond, BaudRate: 1 << 40})
		var dropped atomic.Bool
		r.setFilter(func(out []byte) []byte {
			if f, err := decodeReq(out); err == nil && f.Op == wire.OpPulse && !dropped.Load() {
				dropped.Store(true)
				return nil
			}
			return out
		})
		r.rec.Reset()
		start := time.Now()
		if err := b.Program(context.Background(), crossbar.Region{Rows: 2, Cols: 2}, crossbar.Pulse{Mode: crossbar.Form, Amplitude: 4, Width: 1e-6, Gate: 1}); err != nil {
			t.Fatal(err)
		}
		// Tolerance: line times at 2⁴⁰ baud, under 1 µs.
		if d := time.Since(start); d < 100*time.Millisecond || d > 100*time.Millisecond+time.Microsecond {
			t.Errorf("retry after %v, want the 100 ms attempt timeout", d)
		}
		pulses := 0
		for _, c := range r.rec.Calls() {
			if c.Method == "Pulse" {
				pulses++
			}
		}
		if pulses != 1 || r.status().Replays != 1 {
			t.Fatalf("%d pulses applied, %d replays", pulses, r.status().Replays)
		}
		if s := b.Stats(); s.Timeouts != 1 || s.Resends != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

// TestNoBoard: nothing answers; New gives up with ErrNoBoard after
// (Retries+1) attempt timeouts — in fake time.
func TestNoBoard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, err := device.New(silent(t), &device.Options{Timeout: 50 * time.Millisecond, Retries: 3, BaudRate: 1 << 40})
		if !errors.Is(err, device.ErrNoBoard) || !errors.Is(err, device.ErrTimeout) ||
			err.Error() != "device: hello: no board: timed out: no valid response after 4 attempts" {
			t.Fatalf("silent board: %v", err)
		}
		// Tolerance: the line time of 4 frames at 2⁴⁰ baud, under 1 µs.
		if d := time.Since(start); d < 4*50*time.Millisecond || d > 4*50*time.Millisecond+time.Microsecond {
			t.Errorf("gave up after %v, want 4 × 50 ms", d)
		}
	})
}

// zeroReader returns (0, nil) forever, like a serial port whose read
// timeout expires with nothing received.
type zeroReader struct{ reads atomic.Int64 }

func (z *zeroReader) Read(p []byte) (int, error)  { z.reads.Add(1); return 0, nil }
func (z *zeroReader) Write(p []byte) (int, error) { return len(p), nil }

// TestZeroReadsNeverHang: (0, nil) reads neither hang the driver nor spin.
func TestZeroReadsNeverHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		z := &zeroReader{}
		_, err := device.New(z, &device.Options{Timeout: 100 * time.Millisecond, Retries: 1, BaudRate: 1 << 40})
		if !errors.Is(err, device.ErrNoBoard) {
			t.Fatalf("%v", err)
		}
		// 200 ms of fake time with a back-off of up to 10 ms per empty read.
		if n := z.reads.Load(); n > 100 {
			t.Errorf("%d reads in 200 ms: the reader spins", n)
		}
	})
}

// TestContext: a deadline shorter than the attempt timeout ends the call
// with ErrTimeout that also matches context.DeadlineExceeded; a cancelled
// context sends nothing.
func TestContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, idealInfo())
		b := r.board(t, nil)
		r.setFilter(func([]byte) []byte { return nil }) // the board goes silent
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		_, err := b.Status(ctx)
		if !errors.Is(err, device.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v", err)
		}
		before := r.status().FramesOK
		done, stop := context.WithCancel(context.Background())
		stop()
		if err := b.Wait(done, 1); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
		synctest.Wait()
		if r.status().FramesOK != before {
			t.Error("a call with a cancelled context was sent")
		}
	})
}

// TestCloseUnblocks: Close ends a call waiting on a silent board at once;
// Close is safe twice and later calls fail with ErrClosed.
func TestCloseUnblocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, idealInfo())
		b := r.board(t, &device.Options{Timeout: time.Hour})
		r.setFilter(func([]byte) []byte { return nil })
		errc := make(chan error, 1)
		go func() { _, err := b.Status(context.Background()); errc <- err }()
		synctest.Wait() // the call is blocked waiting for its response
		start := time.Now()
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !errors.Is(err, device.ErrClosed) || !errors.Is(err, crossbar.ErrClosed) {
			t.Errorf("pending call: %v", err)
		}
		if time.Since(start) != 0 {
			t.Error("Close waited")
		}
		if err := b.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := b.MVM(context.Background(), crossbar.Region{Rows: 1, Cols: 1}, []float64{1}, make([]units.Amps, 1)); !errors.Is(err, device.ErrClosed) {
			t.Errorf("after Close: %v", err)
		}
	})
}

// TestNoiseOnTheLine: stale responses, an echo of the request, garbage and
// a NAK before the real answer are all handled.
func TestNoiseOnTheLine(t *testing.T) {
	r := newRig(t, idealInfo())
	b := r.board(t, &device.Options{Chunk: -1}) // STATUS in one frame, as the filter expects
	var n atomic.Int32
	r.setFilter(func(out []byte) []byte {
		f, err := decodeReq(out)
		if err != nil || f.Op != wire.OpStatus || n.Add(1) > 1 {
			return out
		}
		line := make([]byte, wire.MaxWire)
		var junk []byte
		k, _ := wire.Encode(line, wire.Header{Op: wire.OpStatus, Seq: f.Seq - 1, Resp: true}, make([]byte, wire.StatusSize))
		junk = append(junk, line[:k]...) // a stale answer
		k, _ = wire.Encode(line, wire.Header{Op: wire.OpStatus, Seq: f.Seq}, nil)
		junk = append(junk, line[:k]...) // the request, echoed
		junk = append(junk, 0x13, 0x37, 0xFF, 0x00)
		k, _ = wire.Encode(line, wire.Header{Op: wire.OpNak, Status: wire.StatusBadFrame, Resp: true}, make([]byte, wire.ErrorInfoSize))
		junk = append(junk, line[:k]...) // a NAK: the driver resends at once
		return append(junk, out...)
	})
	if _, err := b.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := b.Stats()
	if s.Stale < 1 || s.BadFrames != 1 || s.NAKs != 1 || s.Resends < 1 {
		t.Errorf("stats %+v", s)
	}
	if _, err := b.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestProtocolMismatch: a board speaking another protocol version, or
// sending a malformed HELLO, is an ErrProtocol.
func TestProtocolMismatch(t *testing.T) {
	for name, mod := range map[string]func(p []byte) []byte{
		"version":   func(p []byte) []byte { p[0] = 2; return p },
		"truncated": func(p []byte) []byte { return p[:40] },
		"no LSB":    func(p []byte) []byte { clear(p[72:80]); return p },
	} {
		r := newRig(t, idealInfo())
		r.setFilter(func(out []byte) []byte {
			f, err := decodeReq(out)
			if err != nil || f.Op != wire.OpHello {
				return out
			}
			p := mod(append([]byte(nil), f.Payload...))
			line := make([]byte, wire.MaxWire)
			k, _ := wire.Encode(line, f.Header, p)
			return line[:k]
		})
		if _, err := device.New(r.host, nil); !errors.Is(err, device.ErrProtocol) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestChunking: with small frames (Options.MaxPayload) READ, MVM and LSM
// are split into many requests and give the same results.
func TestChunking(t *testing.T) {
	ctx := context.Background()
	type result struct {
		g      []units.Siemens
		y      []units.Amps
		counts []uint16
	}
	run := func(maxPayload int) (result, int64) {
		r := newRig(t, idealInfo())
		for i := range r.arr.G {
			r.arr.G[i] = int32((i*7919)%400) - 150
		}
		b := r.board(t, &device.Options{MaxPayload: maxPayload})
		var res result
		reg := crossbar.Region{Row: 0, Col: 0, Rows: 30, Cols: 32}
		res.g = make([]units.Siemens, reg.Cells())
		if err := b.Read(ctx, reg, res.g); err != nil {
			t.Fatal(err)
		}
		res.y = make([]units.Amps, 32)
		x := make([]float64, 30)
		for i := range x {
			x[i] = float64(i%4) / 3
		}
		if _, err := b.MVM(ctx, reg, x, res.y); err != nil {
			t.Fatal(err)
		}
		l := crossbar.ReservoirLayout{Region: crossbar.Region{Rows: 28, Cols: 16}, In: 20, N: 8}
		in := make([][]uint16, 40)
		for k := range in {
			in[k] = []uint16{uint16(k % 20), uint16((3 * k) % 20), uint16(k % 20)} // unsorted, with a duplicate
		}
		res.counts = make([]uint16, 8)
		if err := b.RunReservoir(ctx, crossbar.ReservoirRun{Layout: l, Steps: 40, Decay: 0.9, Threshold: 0.5, Gain: 0.2}, in, res.counts); err != nil {
			t.Fatal(err)
		}
		return res, b.Stats().Requests
	}
	big, nbig := run(0)
	small, nsmall := run(96) // the 30-row 4-bit MVM needs 70 bytes
	if !slices.Equal(big.g, small.g) || !slices.Equal(big.y, small.y) || !slices.Equal(big.counts, small.counts) {
		t.Fatal("results depend on the frame size")
	}
	if slices.Max(big.counts) == 0 {
		t.Fatal("no spikes: the LSM comparison is vacuous")
	}
	if nsmall < 3*nbig {
		t.Errorf("%d requests with 96-byte frames, %d with 4 KiB: not chunked", nsmall, nbig)
	}
}

func TestHaltResumeClock(t *testing.T) {
	r := newRig(t, idealInfo())
	b := r.board(t, nil)
	ctx := context.Background()
	if err := b.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	err := b.Program(ctx, crossbar.Region{Rows: 1, Cols: 1}, crossbar.Pulse{Mode: crossbar.Set, Amplitude: 1, Width: 1e-6, Gate: 1})
	if !device.IsHalted(err) {
		t.Fatalf("pulse on a halted board: %v", err)
	}
	if err := b.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(ctx, 2.5e-3); err != nil {
		t.Fatal(err)
	}
	if now := b.Now(); now != 2.5e-3 {
		t.Errorf("Now = %v after a 2.5 ms wait", now)
	}
	if err := b.Wait(ctx, -1); err == nil {
		t.Error("negative wait accepted")
	}
}

// TestTranscript replays a recorded session against the driver: the driver
// must send exactly the recorded bytes and reach the same results. The
// transcript was produced by running the driver against the firmware on
// an ideal array (go test -run TestTranscript -update rewrites it).
func TestTranscript(t *testing.T) {
	file := filepath.Join("testdata", "session.txt")
	session := func(b *device.Board) string {
		ctx := context.Background()
		var out bytes.Buffer
		reg := crossbar.Region{Row: 2, Col: 3, Rows: 4, Cols: 5}
		if err := b.Program(ctx, reg, crossbar.Pulse{Mode: crossbar.Form, Amplitude: 4.6, Width: 1e-6, Gate: 1.2}); err != nil {
			t.Fatal(err)
		}
		g := make([]units.Siemens, reg.Cells())
		if err := b.Read(ctx, reg, g); err != nil {
			t.Fatal(err)
		}
		y := make([]units.Amps, reg.Cols)
		if _, err := b.MVM(ctx, reg, []float64{1, 0, 0.5, 1}, y); err != nil {
			t.Fatal(err)
		}
		out.WriteString(strings.Trim(strings.Join(strings.Fields(strings.Trim(fmtVals(g, y), "[]")), " "), " "))
		return out.String()
	}
	if *update {
		r := newRig(t, idealInfo())
		rec := &wiretest.Recorder{RW: r.host}
		b, err := device.New(rec, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := session(b)
		var text bytes.Buffer
		text.WriteString("# result: " + want + "\n")
		rec.Transcript().WriteTo(&text)
		if err := os.WriteFile(file, text.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := wiretest.ReadTranscript(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pb := wiretest.NewPlayback(tr)
	b, err := device.New(pb, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := session(b)
	b.Close()
	pb.Close()
	if err := pb.Err(); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if want := strings.TrimPrefix(first, "# result: "); got != want {
		t.Fatalf("results from the transcript:\n got %s\nwant %s", got, want)
	}
	if !pb.Done() {
		t.Fatal("the driver did not play the whole transcript")
	}
}

func fmtVals(g []units.Siemens, y []units.Amps) string {
	var b strings.Builder
	for _, v := range g {
		b.WriteString(v.String() + " ")
	}
	for _, v := range y {
		b.WriteString(v.String() + " ")
	}
	return b.String()
}
