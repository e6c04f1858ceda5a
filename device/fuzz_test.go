package device_test

import (
	"context"
	"testing"
	"time"

	"github.com/memlsm/memlsm/device"
	"github.com/memlsm/memlsm/firmware/wire"
)

// FuzzResponses: whatever bytes a board sends back to a request, the
// driver neither panics nor hangs, and it accepts an answer only if it is
// a well-formed frame for that request.
func FuzzResponses(f *testing.F) {
	line := make([]byte, wire.MaxWire)
	n, _ := wire.Encode(line, wire.Header{Op: wire.OpStatus, Seq: 2, Resp: true}, make([]byte, wire.StatusSize))
	f.Add(append([]byte(nil), line[:n]...))
	n, _ = wire.Encode(line, wire.Header{Op: wire.OpStatus, Seq: 2, Resp: true, Status: wire.StatusLimit}, make([]byte, 3))
	f.Add(append([]byte(nil), line[:n]...))
	f.Add([]byte{0, 1, 2, 0, 0})
	f.Fuzz(func(t *testing.T, reply []byte) {
		r := newRig(t, idealInfo())
		b := r.board(t, &device.Options{Chunk: -1}) // STATUS in one frame
		r.setFilter(func(out []byte) []byte {
			if f, err := decodeReq(out); err == nil && f.Op == wire.OpStatus {
				return append([]byte(nil), reply...)
			}
			return out
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		st, err := b.Status(ctx)
		if d := time.Since(start); d > 5*time.Second { // the 20 ms deadline, with generous slack for a loaded machine
			t.Fatalf("Status took %v", d)
		}
		if err == nil {
			var s wire.Splitter
			dst := make([]byte, wire.MaxFrame)
			ok := false
			for p := reply; len(p) > 0; {
				k, enc, _ := s.Next(p)
				p = p[k:]
				if fr, _, e := wire.Unpack(dst, enc); enc != nil && e == nil && fr.Resp && fr.Op == wire.OpStatus && fr.Seq == 2 && fr.Status == wire.StatusOK && len(fr.Payload) == wire.StatusSize {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("accepted %+v from a reply that holds no valid STATUS response", st)
			}
		}
	})
}
