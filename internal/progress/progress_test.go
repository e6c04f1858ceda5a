package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newBar(w *bytes.Buffer, mode Mode, total int) (*Bar, *clock) {
	c := &clock{t: time.Unix(1000, 0)}
	b := New(WithMode(w, mode), total, "encoding")
	b.now, b.start = c.now, c.t
	return b, c
}

func TestQuickWorkIsSilent(t *testing.T) {
	for _, m := range []Mode{TTY, Plain, None} {
		var buf bytes.Buffer
		b, _ := newBar(&buf, m, 100)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 25 {
					b.Add(1)
				}
			})
		}
		wg.Wait()
		b.Done()
		if b.done != 100 && m != None || buf.Len() != 0 {
			t.Errorf("%v: done %d, drew %q", m, b.done, buf.String())
		}
	}
	var nilBar *Bar
	nilBar.Add(1)
	nilBar.SetTotal(3)
	nilBar.Done()
}

// TestPlain: off a terminal, a line after Delay, then one per Interval,
// and a last line with the total and the time.
func TestPlain(t *testing.T) {
	var buf bytes.Buffer
	b, c := newBar(&buf, Plain, 0)
	b.SetTotal(200)
	c.t = c.t.Add(2 * time.Second)
	b.Add(50) // first line
	c.t = c.t.Add(time.Second)
	b.Add(50) // within Interval: nothing
	c.t = c.t.Add(Interval)
	b.Add(50) // second line
	b.Done()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		"encoding: 50/200 (25 %), 2.0 s, about 6.0 s left",
		"encoding: 150/200 (75 %), 13.0 s, about 4.3 s left",
		"encoding: 150/200 in 13.0 s",
	}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestTTY(t *testing.T) {
	var buf bytes.Buffer
	b, c := newBar(&buf, TTY, 10)
	c.t = c.t.Add(2 * time.Second)
	b.Add(5)
	b.Done()
	if got := buf.String(); got != "\rencoding [============            ] 5/10 (50 %), 2.0 s, about 2.0 s left\x1b[K\r\x1b[K" {
		t.Errorf("%q", got)
	}
}

func TestMode(t *testing.T) {
	var m Mode
	for _, s := range []string{"auto", "tty", "plain", "none"} {
		if err := m.Set(s); err != nil || m.String() != s {
			t.Errorf("%s: %v, %v", s, m, err)
		}
	}
	if err := m.Set("loud"); err == nil {
		t.Error("loud: no error")
	}
	// A buffer is not a terminal: auto draws plain lines.
	if b := New(&bytes.Buffer{}, 1, "x"); b.mode != Plain {
		t.Errorf("auto on a buffer: %v", b.mode)
	}
}
