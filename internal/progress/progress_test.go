package progress

import (
	"bytes"
	"sync"
	"testing"
)

func TestNonTerminalIsSilent(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, 100, "encode")
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
	if b.done != 100 {
		t.Errorf("done = %d, want 100", b.done)
	}
	if buf.Len() != 0 {
		t.Errorf("bar drew on a non-terminal: %q", buf.String())
	}
	var nilBar *Bar
	nilBar.Add(1)
	nilBar.Done()
}
