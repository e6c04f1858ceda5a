package projection

// team runs one function in parts on persistent goroutines: run calls
// fn(part, parts) for every part, the caller doing part 0, and returns
// when all are done. Handing out a run costs a few channel operations and
// allocates nothing, so it suits work split at every optimiser step.
type team struct {
	parts int
	fn    func(part, parts int)
	start []chan struct{}
	done  chan struct{}
}

// newTeam returns a team of parts parts (at least 1) running fn. Call stop
// when done with it.
func newTeam(parts int, fn func(part, parts int)) *team {
	t := &team{parts: max(parts, 1), fn: fn, done: make(chan struct{})}
	for p := 1; p < t.parts; p++ {
		c := make(chan struct{})
		t.start = append(t.start, c)
		go func() {
			for range c {
				fn(p, t.parts)
				t.done <- struct{}{}
			}
		}()
	}
	return t
}

// run runs every part of fn and waits for them.
func (t *team) run() {
	for _, c := range t.start {
		c <- struct{}{}
	}
	t.fn(0, t.parts)
	for range t.start {
		<-t.done
	}
}

// stop ends the team's goroutines.
func (t *team) stop() {
	for _, c := range t.start {
		close(c)
	}
}
