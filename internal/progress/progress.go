// Package progress reports the progress of long work on stderr, in the
// form the reader can use: a bar redrawn in place on a terminal, plain
// periodic lines when stderr is a file or a pipe (a batch job's log), or
// nothing. Work shorter than Delay draws nothing at all, so quick
// commands and their logs stay clean.
//
// A Bar counts finished units out of a total; every bar has one (SetTotal
// fills it in when it is learnt late, e.g. the epochs of a training run).
// A Bar is safe for concurrent use, so parallel workers can share one.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Mode is how a bar is drawn.
type Mode int

// Modes of drawing. Auto is TTY on a terminal, else Plain.
const (
	Auto  Mode = iota // tty on a terminal, plain otherwise
	TTY               // one line redrawn in place, cleared at the end
	Plain             // a line every Interval, and one at the end
	None              // nothing
)

var modeNames = []string{"auto", "tty", "plain", "none"}

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Set parses a mode name (auto, tty, plain, none); Mode is a flag.Value.
func (m *Mode) Set(s string) error {
	for i, n := range modeNames {
		if s == n {
			*m = Mode(i)
			return nil
		}
	}
	return fmt.Errorf("want auto, tty, plain or none")
}

// Timing of the bars (assumptions: a second is the threshold below which
// a report is noise; a line every 10 s keeps a batch log readable).
const (
	Delay    = time.Second
	Interval = 10 * time.Second
	redraw   = 100 * time.Millisecond
)

// Sink is a writer with the mode its bars use: commands wrap their stderr
// in one after parsing a --progress flag (WithMode), and New finds it.
type Sink struct {
	io.Writer
	Mode Mode
}

// WithMode returns w with bars drawn in mode m.
func WithMode(w io.Writer, m Mode) io.Writer { return &Sink{Writer: w, Mode: m} }

// Bar counts finished units of work out of a known total.
type Bar struct {
	mu          sync.Mutex
	w           io.Writer
	mode        Mode
	desc        string
	total, done int
	start, last time.Time
	drawn       bool
	now         func() time.Time
}

// New returns a bar for total units of work (≤ 0: not known yet, see
// SetTotal), described by desc, drawn on w in w's mode (Auto unless w is a
// Sink). A nil *Bar is valid and does nothing.
func New(w io.Writer, total int, desc string) *Bar {
	m := Auto
	if s, ok := w.(*Sink); ok {
		m, w = s.Mode, s.Writer
	}
	if m == Auto {
		m = Plain
		if isTerminal(w) {
			m = TTY
		}
	}
	b := &Bar{w: w, mode: m, desc: desc, total: total, now: time.Now}
	b.start = b.now()
	return b
}

// SetTotal sets the total when it is learnt after the bar started.
func (b *Bar) SetTotal(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.total = n
	b.mu.Unlock()
}

// Add records n more finished units.
func (b *Bar) Add(n int) {
	if b == nil || b.mode == None {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	t := b.now()
	if t.Sub(b.start) < Delay {
		return
	}
	switch {
	case b.mode == TTY && t.Sub(b.last) >= redraw:
		fmt.Fprintf(b.w, "\r%s\x1b[K", b.line(t))
	case b.mode == Plain && (!b.drawn || t.Sub(b.last) >= Interval):
		fmt.Fprintf(b.w, "%s\n", b.line(t))
	default:
		return
	}
	b.drawn, b.last = true, t
}

// Done finishes the bar: a terminal bar is cleared, a plain one that
// reported anything ends with a last line.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.drawn {
		return
	}
	if b.mode == TTY {
		fmt.Fprint(b.w, "\r\x1b[K")
	} else {
		fmt.Fprintf(b.w, "%s: %s in %s\n", b.desc, b.count(), seconds(b.now().Sub(b.start)))
	}
	b.drawn = false
}

// count is "done/total", or "done" when the total is not known.
func (b *Bar) count() string {
	if b.total > 0 {
		return fmt.Sprintf("%d/%d", b.done, b.total)
	}
	return fmt.Sprintf("%d", b.done)
}

// line is the bar's report at time t.
func (b *Bar) line(t time.Time) string {
	el := t.Sub(b.start)
	var s strings.Builder
	s.WriteString(b.desc)
	if b.mode == TTY && b.total > 0 {
		const width = 24
		k := min(width, width*b.done/b.total)
		fmt.Fprintf(&s, " [%s%s]", strings.Repeat("=", k), strings.Repeat(" ", width-k))
	} else {
		s.WriteString(":")
	}
	fmt.Fprintf(&s, " %s", b.count())
	if b.total > 0 {
		fmt.Fprintf(&s, " (%.0f %%)", 100*float64(b.done)/float64(b.total))
	}
	fmt.Fprintf(&s, ", %s", seconds(el))
	if b.total > 0 && b.done > 0 && b.done < b.total {
		left := time.Duration(float64(el) * float64(b.total-b.done) / float64(b.done))
		fmt.Fprintf(&s, ", about %s left", seconds(left))
	}
	return s.String()
}

func seconds(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
