package wiretest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Dir is the direction of a chunk.
type Dir uint8

const (
	HostToBoard Dir = iota // written by the host
	BoardToHost            // read by the host
)

// Chunk is bytes that crossed the link in one direction at once.
type Chunk struct {
	Dir  Dir
	Data []byte
}

// Transcript is a recorded session.
type Transcript []Chunk

// WriteTo writes t as text: one chunk per line, "> " and hex for host to
// board, "< " and hex for board to host.
func (t Transcript) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	b.WriteString("# wiretest transcript: '>' host to board, '<' board to host, hex bytes\n")
	for _, c := range t {
		if c.Dir == HostToBoard {
			b.WriteString("> ")
		} else {
			b.WriteString("< ")
		}
		b.WriteString(hex.EncodeToString(c.Data))
		b.WriteByte('\n')
	}
	return b.WriteTo(w)
}

// ReadTranscript parses the text form WriteTo writes. Errors name the line.
func ReadTranscript(r io.Reader) (Transcript, error) {
	var t Transcript
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		var d Dir
		switch {
		case strings.HasPrefix(s, "> "):
			d = HostToBoard
		case strings.HasPrefix(s, "< "):
			d = BoardToHost
		default:
			return nil, fmt.Errorf("wiretest: line %d: want '> hex' or '< hex'", line)
		}
		data, err := hex.DecodeString(strings.TrimSpace(s[2:]))
		if err != nil {
			return nil, fmt.Errorf("wiretest: line %d: %w", line, err)
		}
		t = append(t, Chunk{d, data})
	}
	return t, sc.Err()
}

// Bytes returns the concatenated bytes of one direction.
func (t Transcript) Bytes(d Dir) []byte {
	var b []byte
	for _, c := range t {
		if c.Dir == d {
			b = append(b, c.Data...)
		}
	}
	return b
}

// Recorder is the host's end of a link that records what crosses it.
type Recorder struct {
	RW io.ReadWriter

	mu sync.Mutex
	t  Transcript
}

// Read reads from RW and records what it got.
func (r *Recorder) Read(p []byte) (int, error) {
	n, err := r.RW.Read(p)
	if n > 0 {
		r.add(BoardToHost, p[:n])
	}
	return n, err
}

// Write records p and writes it to RW.
func (r *Recorder) Write(p []byte) (int, error) {
	r.add(HostToBoard, p)
	return r.RW.Write(p)
}

func (r *Recorder) add(d Dir, p []byte) {
	r.mu.Lock()
	r.t = append(r.t, Chunk{d, append([]byte(nil), p...)})
	r.mu.Unlock()
}

// Transcript returns what was recorded so far.
func (r *Recorder) Transcript() Transcript {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(Transcript(nil), r.t...)
}

// ErrDiverged is returned by Playback.Write when the host writes bytes the
// transcript does not have at that point.
var ErrDiverged = errors.New("wiretest: host diverged from the transcript")

// Playback plays the board's side of a transcript. It is safe for one
// reader and one writer at a time (a driver's reader goroutine and its
// caller).
type Playback struct {
	host   []byte // expected host→board stream
	board  []byte // board→host stream
	gates  []int  // gates[i]: host bytes that must have been written before board byte i is readable (per chunk start)
	starts []int  // board stream offset where each board chunk starts

	mu      sync.Mutex
	cond    *sync.Cond
	hostPos int
	readPos int
	err     error
	closed  bool
}

// NewPlayback returns a Playback of t.
func NewPlayback(t Transcript) *Playback {
	p := &Playback{}
	p.cond = sync.NewCond(&p.mu)
	for _, c := range t {
		if c.Dir == HostToBoard {
			p.host = append(p.host, c.Data...)
			continue
		}
		p.starts = append(p.starts, len(p.board))
		p.gates = append(p.gates, len(p.host))
		p.board = append(p.board, c.Data...)
	}
	return p
}

// readable returns how many board bytes the host has unlocked.
func (p *Playback) readable() int {
	n := len(p.board)
	for i, g := range p.gates {
		if g > p.hostPos {
			n = p.starts[i]
			break
		}
	}
	return n
}

// Write checks p against the expected host stream.
func (p *Playback) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, io.ErrClosedPipe
	}
	if p.err != nil {
		return 0, p.err
	}
	rest := p.host[p.hostPos:]
	n := 0
	for n < len(b) && n < len(rest) && b[n] == rest[n] {
		n++
	}
	if n < len(b) {
		p.err = fmt.Errorf("%w at host byte %d: wrote %#02x, transcript has %s", ErrDiverged, p.hostPos+n, b[n], expect(rest, n))
		p.hostPos += n
		p.cond.Broadcast()
		return n, p.err
	}
	p.hostPos += n
	p.cond.Broadcast()
	return n, nil
}

func expect(rest []byte, n int) string {
	if n >= len(rest) {
		return "nothing more"
	}
	return fmt.Sprintf("%#02x", rest[n])
}

// Read returns board bytes once the host has written what precedes them;
// it blocks until then, or until Close (io.EOF) or a divergence (the
// divergence error).
func (p *Playback) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.closed {
			return 0, io.EOF
		}
		if p.err != nil {
			return 0, p.err
		}
		if avail := p.readable(); avail > p.readPos {
			n := copy(b, p.board[p.readPos:avail])
			p.readPos += n
			return n, nil
		}
		p.cond.Wait()
	}
}

// Close unblocks Read.
func (p *Playback) Close() error {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}

// Err returns the divergence, if any.
func (p *Playback) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Done reports whether the whole transcript was played: every host byte
// written and every board byte read.
func (p *Playback) Done() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hostPos == len(p.host) && p.readPos == len(p.board)
}
