package fwtest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/memlsm/memlsm/firmware"
	"github.com/memlsm/memlsm/firmware/wire"
)

// Call is one recorded Frontend call.
type Call struct {
	Method string // SetDAC, Select, Pulse, Convert, Idle (Now is not recorded: it reads a clock)
	Args   string
}

func (c Call) String() string { return c.Method + "(" + c.Args + ")" }

// Recorder is a Frontend that records every call that could change the
// hardware's state, then forwards it to Next (if not nil). Its clock is
// Clock, advanced by Pulse widths and Idle unless Next supplies Now.
type Recorder struct {
	Next  firmware.Frontend
	Clock uint64

	mu    sync.Mutex
	calls []Call
}

var _ firmware.Frontend = (*Recorder)(nil)

func (r *Recorder) log(m, format string, args ...any) {
	r.mu.Lock()
	r.calls = append(r.calls, Call{m, fmt.Sprintf(format, args...)})
	r.mu.Unlock()
}

// Calls returns the calls recorded so far.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Reset forgets the recorded calls.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.calls = nil
	r.mu.Unlock()
}

// String lists the calls, one per line.
func (r *Recorder) String() string {
	var b strings.Builder
	for _, c := range r.Calls() {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func (r *Recorder) SetDAC(ch firmware.Channel, code uint16) error {
	r.log("SetDAC", "%d, %d", ch, code)
	if r.Next != nil {
		return r.Next.SetDAC(ch, code)
	}
	return nil
}

func (r *Recorder) Select(reg wire.Region, rowMask []byte) error {
	r.log("Select", "%v, %x", reg, rowMask)
	if r.Next != nil {
		return r.Next.Select(reg, rowMask)
	}
	return nil
}

func (r *Recorder) Pulse(mode uint8, widthNs uint32) error {
	r.log("Pulse", "%d, %d", mode, widthNs)
	r.Clock += uint64(widthNs)
	if r.Next != nil {
		return r.Next.Pulse(mode, widthNs)
	}
	return nil
}

func (r *Recorder) Convert(codes []int32) (int, error) {
	r.log("Convert", "%d", len(codes))
	if r.Next != nil {
		return r.Next.Convert(codes)
	}
	for i := range codes {
		codes[i] = 0
	}
	return 0, nil
}

func (r *Recorder) Now() uint64 {
	if r.Next != nil {
		return r.Next.Now()
	}
	return r.Clock
}

func (r *Recorder) Idle(ns uint64) {
	r.log("Idle", "%d", ns)
	r.Clock += ns
	if r.Next != nil {
		r.Next.Idle(ns)
	}
}

// Ideal is a noise-free array whose cell (r, c) reads as the integer ADC
// code G[r*Cols+c] at the read voltage; a conversion returns, per column,
// the sum of the codes of the selected rows, clipped to the signed
// ADCBits range. A FORM or SET pulse sets each selected cell to
// (amplitude code>>8) + r + c (so a test can predict it); RESET sets it to
// 0. Its clock advances by pulse widths and Idle. It is not safe for
// concurrent use (neither is the firmware).
type Ideal struct {
	Rows, Cols int
	ADCBits    int
	G          []int32
	DAC        [firmware.NumChans]uint16
	Clock      uint64

	sel  wire.Region
	mask []byte
}

var _ firmware.Frontend = (*Ideal)(nil)

// NewIdeal returns an rows×cols Ideal array with every cell at code 0.
func NewIdeal(rows, cols, adcBits int) *Ideal {
	return &Ideal{Rows: rows, Cols: cols, ADCBits: adcBits, G: make([]int32, rows*cols)}
}

func (a *Ideal) SetDAC(ch firmware.Channel, code uint16) error {
	a.DAC[ch] = code
	return nil
}

func (a *Ideal) Select(r wire.Region, rowMask []byte) error {
	a.sel = r
	a.mask = append(a.mask[:0], rowMask...)
	if rowMask == nil {
		a.mask = nil
	}
	return nil
}

func (a *Ideal) selected(i int) bool {
	return a.mask == nil || a.mask[i>>3]>>(i&7)&1 != 0
}

func (a *Ideal) Pulse(mode uint8, widthNs uint32) error {
	a.Clock += uint64(widthNs)
	r := a.sel
	for i := 0; i < int(r.Rows); i++ {
		if !a.selected(i) {
			continue
		}
		row := int(r.Row) + i
		for j := 0; j < int(r.Cols); j++ {
			col := int(r.Col) + j
			switch mode {
			case wire.ModeForm, wire.ModeSet:
				a.G[row*a.Cols+col] = int32(a.DAC[firmware.ChanSource]>>8) + int32(row+col)
			case wire.ModeReset:
				a.G[row*a.Cols+col] = 0
			}
		}
	}
	return nil
}

func (a *Ideal) Convert(codes []int32) (int, error) {
	r := a.sel
	max := int32(1)<<(a.ADCBits-1) - 1
	min := -max - 1
	sat := 0
	for j := range codes {
		var s int64
		for i := 0; i < int(r.Rows); i++ {
			if a.selected(i) {
				s += int64(a.G[(int(r.Row)+i)*a.Cols+int(r.Col)+j])
			}
		}
		switch {
		case s > int64(max):
			s, sat = int64(max), sat+1
		case s < int64(min):
			s, sat = int64(min), sat+1
		}
		codes[j] = int32(s)
	}
	return sat, nil
}

func (a *Ideal) Now() uint64 { return a.Clock }

func (a *Ideal) Idle(ns uint64) { a.Clock += ns }
