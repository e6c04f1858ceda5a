package wire

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestProtocolExamples parses every worked example frame in
// firmware/PROTOCOL.md and checks it against the encoder: the raw frame
// (header, payload, CRC) and the bytes on the line must be exactly what
// Marshal and Encode produce from the listed fields, and the line must
// decode back to them. It also checks that every opcode has a request and
// a response example and that the corrupted example is rejected.
func TestProtocolExamples(t *testing.T) {
	f, err := os.Open("../PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type block struct {
		kind   string
		line   int
		fields map[string]string
	}
	var blocks []block
	sc := bufio.NewScanner(f)
	var cur *block
	key := ""
	for n := 1; sc.Scan(); n++ {
		s := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(s, "```") && len(s) > 3:
			cur = &block{kind: s[3:], line: n, fields: map[string]string{}}
			key = ""
		case cur != nil && s == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil && strings.HasPrefix(s, "#"):
		case cur != nil && cur.kind == "corrupt":
			cur.fields["line"] += " " + s
		case cur != nil && strings.HasPrefix(s, " ") && key != "":
			cur.fields[key] += " " + strings.TrimSpace(s)
		case cur != nil:
			k, v, ok := strings.Cut(s, ":")
			if !ok {
				t.Fatalf("PROTOCOL.md:%d: want 'field: value', got %q", n, s)
			}
			key = k
			cur.fields[k] = strings.TrimSpace(v)
		}
	}
	unhex := func(b block, k string) []byte {
		p, err := hex.DecodeString(strings.ReplaceAll(b.fields[k], " ", ""))
		if err != nil {
			t.Fatalf("PROTOCOL.md:%d: %s: %v", b.line, k, err)
		}
		return p
	}
	num := func(b block, k string) uint64 {
		v, err := strconv.ParseUint(b.fields[k], 0, 16)
		if err != nil {
			t.Fatalf("PROTOCOL.md:%d: %s: %v", b.line, k, err)
		}
		return v
	}
	seen := map[Op][2]bool{}
	frames := 0
	for _, b := range blocks {
		switch b.kind {
		case "corrupt":
			line := unhex(b, "line")
			var dst [MaxFrame]byte
			if _, _, err := Unpack(dst[:], bytes.TrimRight(line, "\x00")); !errors.Is(err, ErrCRC) {
				t.Errorf("PROTOCOL.md:%d: corrupted example: %v, want ErrCRC", b.line, err)
			}
			continue
		case "frame":
		default:
			continue
		}
		frames++
		h := Header{Op: Op(num(b, "op")), Status: Status(num(b, "status")), Seq: uint16(num(b, "seq")), Resp: b.fields["resp"] == "true"}
		payload := unhex(b, "payload")
		raw := make([]byte, MaxFrame)
		n, err := Marshal(raw, h, payload)
		if err != nil {
			t.Fatalf("PROTOCOL.md:%d: %v", b.line, err)
		}
		if want := unhex(b, "raw"); !bytes.Equal(raw[:n], want) {
			t.Errorf("PROTOCOL.md:%d: raw frame\n  doc % x\n code % x", b.line, want, raw[:n])
		}
		line := make([]byte, MaxWire)
		m, _ := Encode(line, h, payload)
		want := unhex(b, "line")
		if !bytes.Equal(line[:m], want) {
			t.Errorf("PROTOCOL.md:%d: line bytes\n  doc % x\n code % x", b.line, want, line[:m])
		}
		var dst [MaxFrame]byte
		fr, err := Decode(dst[:], want[:len(want)-2])
		if err != nil || fr.Header != h || !bytes.Equal(fr.Payload, payload) {
			t.Errorf("PROTOCOL.md:%d: the documented line does not decode to its fields: %v", b.line, err)
		}
		s := seen[h.Op]
		if h.Resp {
			s[1] = true
		} else {
			s[0] = true
		}
		seen[h.Op] = s
	}
	if frames < 20 {
		t.Fatalf("found only %d example frames in PROTOCOL.md", frames)
	}
	for _, op := range []Op{OpHello, OpStatus, OpHalt, OpWait, OpStage, OpExec, OpFetch, OpPulse, OpRead, OpMVM, OpLSM} {
		if s := seen[op]; !s[0] || !s[1] {
			t.Errorf("PROTOCOL.md has no request and response example of %v", op)
		}
	}
	if s := seen[OpNak]; !s[1] {
		t.Error("PROTOCOL.md has no NAK example")
	}
}
