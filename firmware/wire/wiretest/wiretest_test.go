package wiretest_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/memlsm/memlsm/firmware/wire/wiretest"
)

// echo serves an upper-casing board on c until it closes.
func echo(c net.Conn) {
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		c.Write(bytes.ToUpper(buf[:n]))
	}
}

func TestRecordPlayback(t *testing.T) {
	host, board := net.Pipe()
	go echo(board)
	rec := &wiretest.Recorder{RW: host}
	buf := make([]byte, 16)
	for _, s := range []string{"hello", "board"} {
		rec.Write([]byte(s))
		n, _ := io.ReadFull(rec, buf[:len(s)])
		if string(buf[:n]) != strings.ToUpper(s) {
			t.Fatalf("echo %q", buf[:n])
		}
	}
	host.Close()
	var text bytes.Buffer
	rec.Transcript().WriteTo(&text)
	tr, err := wiretest.ReadTranscript(&text)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(tr.Bytes(wiretest.BoardToHost)); got != "HELLOBOARD" {
		t.Fatalf("board bytes %q", got)
	}

	// The same host behaviour replays, in other chunkings.
	pb := wiretest.NewPlayback(tr)
	pb.Write([]byte("hel"))
	pb.Write([]byte("lo"))
	n, _ := io.ReadFull(pb, buf[:5])
	if string(buf[:n]) != "HELLO" {
		t.Fatalf("playback read %q", buf[:n])
	}
	pb.Write([]byte("board"))
	io.ReadFull(pb, buf[:5])
	if !pb.Done() || pb.Err() != nil {
		t.Fatalf("not done: %v", pb.Err())
	}

	// A diverging host is caught, and a blocked reader is released.
	pb = wiretest.NewPlayback(tr)
	if _, err := pb.Write([]byte("help")); !errors.Is(err, wiretest.ErrDiverged) || !strings.Contains(err.Error(), "host byte 3") {
		t.Fatalf("divergence: %v", err)
	}
	if _, err := pb.Read(buf); !errors.Is(err, wiretest.ErrDiverged) {
		t.Fatalf("read after divergence: %v", err)
	}
	// Board bytes are held back until the host wrote what precedes them.
	pb = wiretest.NewPlayback(tr)
	done := make(chan struct{})
	go func() { pb.Read(buf); close(done) }()
	select {
	case <-done:
		t.Fatal("read returned before the host wrote")
	default:
	}
	pb.Close()
	<-done
	if _, err := wiretest.ReadTranscript(strings.NewReader("? 00\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad line: %v", err)
	}
}

// FuzzReadTranscript: any text parses or fails cleanly, and what parses
// writes back to an equivalent transcript.
func FuzzReadTranscript(f *testing.F) {
	f.Add("> 0102\n< ff\n# comment\n")
	f.Add("> zz\n")
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := wiretest.ReadTranscript(strings.NewReader(s))
		if err != nil {
			return
		}
		var b bytes.Buffer
		tr.WriteTo(&b)
		again, err := wiretest.ReadTranscript(&b)
		if err != nil || len(again) != len(tr) {
			t.Fatalf("re-read: %v, %d vs %d chunks", err, len(again), len(tr))
		}
		for i := range tr {
			if tr[i].Dir != again[i].Dir || !bytes.Equal(tr[i].Data, again[i].Data) {
				t.Fatalf("chunk %d differs", i)
			}
		}
	})
}
