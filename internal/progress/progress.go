// Package progress shows progress bars on stderr for work that takes longer
// than a second, and nothing otherwise.
//
// A Bar is created for every long loop; it draws only when its writer is a
// terminal and only once the work has run for Delay, so quick commands and
// logs stay clean. It is safe for concurrent use, so parallel workers can
// share one Bar.
package progress

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Delay is how long work must run before its bar appears.
const Delay = time.Second

// Bar counts finished units of work out of a known total.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	desc    string
	total   int
	done    int
	start   time.Time
	bar     *progressbar.ProgressBar
	enabled bool
}

// New returns a bar for total units of work, described by desc, that draws on
// w if w is a terminal. A nil *Bar is valid and does nothing.
func New(w io.Writer, total int, desc string) *Bar {
	return &Bar{w: w, desc: desc, total: total, start: time.Now(), enabled: isTerminal(w)}
}

// Add records n more finished units.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if !b.enabled {
		return
	}
	if b.bar == nil {
		if time.Since(b.start) < Delay {
			return
		}
		b.bar = progressbar.NewOptions(b.total,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(b.desc),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		_ = b.bar.Set(b.done)
		return
	}
	_ = b.bar.Set(b.done)
}

// Done finishes the bar and clears it from the terminal.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		_ = b.bar.Finish()
		b.bar = nil
	}
	b.enabled = false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
