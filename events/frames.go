package events

import (
	"fmt"
	"image"
	"math"
	mbits "math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/memlsm/memlsm/units"
)

// Frames is one sample binned into time steps: at each step, the sorted
// indices of the inputs that are active, and for count binning how many
// times. It is a CSR (compressed sparse row) layout: a whole sample lives in
// two slices (three with counts), and a Frames reused across samples
// allocates nothing once its slices have grown.
//
// The LSM consumes a Frames through Steps, Active and Values.
type Frames struct {
	// Inputs is the number of inputs; every index is in [0, Inputs).
	Inputs int
	// Offsets has Steps()+1 entries: step t is Index[Offsets[t]:Offsets[t+1]].
	Offsets []int32
	// Index holds the active inputs of all steps, ascending within a step.
	Index []int32
	// Value is nil for binary frames, else parallel to Index (counts).
	Value []float32
}

// Steps returns the number of time steps T.
func (f *Frames) Steps() int { return max(len(f.Offsets)-1, 0) }

// Active returns the sorted indices of the inputs active at step t. The
// slice aliases f: do not modify it.
func (f *Frames) Active(t int) []int32 { return f.Index[f.Offsets[t]:f.Offsets[t+1]] }

// Values returns the values of the inputs of Active(t), in the same order,
// or nil for binary frames (every active input is 1).
func (f *Frames) Values(t int) []float32 {
	if f.Value == nil {
		return nil
	}
	return f.Value[f.Offsets[t]:f.Offsets[t+1]]
}

// NNZ returns the number of (step, input) entries.
func (f *Frames) NNZ() int { return len(f.Index) }

// Dense returns the frames as a Steps()×Inputs matrix (for tests and plots).
func (f *Frames) Dense() [][]float32 {
	out := make([][]float32, f.Steps())
	for t := range out {
		out[t] = make([]float32, f.Inputs)
		v := f.Values(t)
		for k, i := range f.Active(t) {
			if v != nil {
				out[t][i] = v[k]
			} else {
				out[t][i] = 1
			}
		}
	}
	return out
}

// reset empties f for a sample of the given shape, keeping capacity and
// growing it to hold entries (an upper bound: one per event) at once.
func (f *Frames) reset(inputs, steps, entries int, counts bool) {
	f.Inputs = inputs
	f.Offsets = append(slices.Grow(f.Offsets[:0], steps+1), 0)
	f.Index = slices.Grow(f.Index[:0], entries)
	if counts {
		f.Value = slices.Grow(f.Value[:0], entries)
		if f.Value == nil {
			f.Value = []float32{}
		}
	} else {
		f.Value = nil
	}
}

// closeStep ends the current step, whose entries are the indices appended
// to Index since the last close, one per event: it sorts them and merges
// duplicates, recording their multiplicity in Value when f counts.
func (f *Frames) closeStep() {
	start := int(f.Offsets[len(f.Offsets)-1])
	seg := f.Index[start:]
	slices.Sort(seg)
	if f.Value == nil {
		seg = slices.Compact(seg)
	} else {
		w := 0
		for r := 0; r < len(seg); r++ {
			if w > 0 && seg[w-1] == seg[r] {
				f.Value[len(f.Value)-1]++
				continue
			}
			seg[w] = seg[r]
			f.Value = append(f.Value, 1)
			w++
		}
		seg = seg[:w]
	}
	f.Index = f.Index[:start+len(seg)]
	f.Offsets = append(f.Offsets, int32(len(f.Index)))
}

// padTo closes empty steps until f has steps steps.
func (f *Frames) padTo(steps int) {
	for len(f.Offsets) < steps+1 {
		f.Offsets = append(f.Offsets, int32(len(f.Index)))
	}
}

// Binner turns a sample into Frames. GridBinner (2-D sensors) and
// ChunkBinner (1-D sensors) implement it, so an experiment can take either.
type Binner interface {
	// Inputs is the number of inputs of every Frames the binner produces.
	Inputs() int
	// Steps is the number of time steps of every Frames it produces.
	Steps() int
	// Bin bins s into dst, reusing dst's memory. The sample's events must be
	// time-ordered, as every reader of this package guarantees.
	Bin(s *Sample, dst *Frames) error
}

var (
	_ Binner = GridBinner{}
	_ Binner = ChunkBinner{}
)

// Polarity selects which events of an ON/OFF sensor a GridBinner uses and
// how. It is a flag.Value ("off", "on", "both", "any").
type Polarity int

const (
	// PolarityOFF uses OFF events (P == 0) only. It is the default because
	// the paper uses channel 0 of the pre-binned N-MNIST .mat files
	// (Lin et al. 2025, the authors' input binning); that channel 0 holds OFF events is an assumption,
	// shared with PyTorch re-implementations of the paper's LSM.
	PolarityOFF Polarity = iota
	// PolarityON uses ON events (P != 0) only.
	PolarityON
	// PolarityBoth uses both as separate channels: OFF events on inputs
	// [0, n) and ON events on [n, 2n), n being the crop's pixel count (the
	// .mat layout's 2 polarity channels).
	PolarityBoth
	// PolarityAny uses every event on one channel, whatever its polarity.
	PolarityAny
)

var polarityNames = []string{"off", "on", "both", "any"}

func (p Polarity) String() string {
	if p >= 0 && int(p) < len(polarityNames) {
		return polarityNames[p]
	}
	return fmt.Sprintf("Polarity(%d)", int(p))
}

// Set parses "off", "on", "both" or "any".
func (p *Polarity) Set(s string) error {
	i := slices.Index(polarityNames, strings.ToLower(s))
	if i < 0 {
		return fmt.Errorf("events: polarity %q is not one of %s", s, strings.Join(polarityNames, ", "))
	}
	*p = Polarity(i)
	return nil
}

// Defaults of GridBinner.
const (
	// DefaultGridSteps is Tw = 50 time steps (Lin et al. 2025, the authors' input binning: the LSM uses the
	// first 50 bins).
	DefaultGridSteps = 50
	// DefaultGridCrop is the 16×16 centre crop (Lin et al. 2025, the authors' input binning).
	DefaultGridCrop = 16
	// DefaultGridBinWidth is 6 ms. Assumption: the paper's N-MNIST bin width
	// is unknown (Lin et al. 2025, the authors' input binning, NOT FOUND); 50 bins of 6 ms cover the first
	// 300 ms, i.e. N-MNIST's three ~100 ms saccades (Orchard et al. 2015).
	DefaultGridBinWidth = units.Seconds(6e-3)
)

// GridBinner bins 2-D events into frames of a cropped pixel window: event
// (x, y, p, t) sets input (y-y0)·w + (x-x0) (plus w·h for ON events with
// PolarityBoth) at step ⌊(t-Start)/BinWidth⌋. Events outside the crop, of an
// unused polarity, before Start or after the last step are dropped. The zero
// value is the paper's N-MNIST binning (Lin et al. 2025, the authors' input binning).
type GridBinner struct {
	// Width and Height of the sensor; 0 means 34 (N-MNIST, Orchard et al. 2015, the N-MNIST format).
	Width, Height int
	// Crop is the pixel window used; the zero Rectangle means the centred
	// 16×16 window starting at ⌈(Width-16)/2⌉, i.e. pixels 9..24 of 34
	// (Lin et al. 2025, the authors' input binning). Use image.Rect(0, 0, Width, Height) for the full sensor.
	Crop image.Rectangle
	// Polarity selects the events used; the zero value is PolarityOFF.
	Polarity Polarity
	// Bins is the number of time steps; 0 means DefaultGridSteps (50).
	Bins int
	// BinWidth is the duration of one step; 0 means DefaultGridBinWidth (6 ms).
	BinWidth units.Seconds
	// Start is the time of the first step's start (default 0: the recording's
	// own time origin, as the peer benchmark).
	Start units.Seconds
	// Counts makes Values report how many events fell on an input in a step;
	// otherwise the frames are binary.
	Counts bool
}

// resolved returns the binner with defaults filled in.
func (g GridBinner) resolved() GridBinner {
	if g.Width == 0 {
		g.Width = NMNISTSensor.Width
	}
	if g.Height == 0 {
		g.Height = NMNISTSensor.Height
	}
	if g.Crop.Empty() {
		x0 := (g.Width - DefaultGridCrop + 1) / 2 // ⌈(W−16)/2⌉
		y0 := (g.Height - DefaultGridCrop + 1) / 2
		g.Crop = image.Rect(x0, y0, x0+DefaultGridCrop, y0+DefaultGridCrop)
	}
	if g.Bins == 0 {
		g.Bins = DefaultGridSteps
	}
	if g.BinWidth == 0 {
		g.BinWidth = DefaultGridBinWidth
	}
	return g
}

// Window returns the pixel window the binner uses: Crop, or the default
// centred 16×16 window when Crop is empty.
func (g GridBinner) Window() image.Rectangle { return g.resolved().Crop }

// Inputs returns the crop's pixel count, doubled for PolarityBoth.
func (g GridBinner) Inputs() int {
	g = g.resolved()
	n := g.Crop.Dx() * g.Crop.Dy()
	if g.Polarity == PolarityBoth {
		n *= 2
	}
	return n
}

// Steps returns the number of time steps.
func (g GridBinner) Steps() int { return g.resolved().Bins }

// Bin bins the 2-D events of s into dst: BinMapped with the binner's own
// map (Map).
func (g GridBinner) Bin(s *Sample, dst *Frames) error {
	if err := g.check(); err != nil {
		return err
	}
	return g.BinMapped(s, dst, g.cachedMap())
}

// check reports a binner that cannot bin.
func (g GridBinner) check() error {
	g = g.resolved()
	width, start := usTicks(g.BinWidth), usTicks(g.Start)
	switch {
	case g.Crop.Min.X < 0 || g.Crop.Min.Y < 0 || g.Crop.Max.X > g.Width || g.Crop.Max.Y > g.Height:
		return fmt.Errorf("events: grid binner: crop %v outside the %d×%d sensor", g.Crop, g.Width, g.Height)
	case g.Bins < 0 || width < 1 || start < 0:
		return fmt.Errorf("events: grid binner: %d bins of %v from %v (want bins ≥ 0, width ≥ 1 µs, start ≥ 0)", g.Bins, g.BinWidth, g.Start)
	case g.Polarity < PolarityOFF || g.Polarity > PolarityAny:
		return fmt.Errorf("events: grid binner: unknown polarity %d", g.Polarity)
	}
	return nil
}

// PixelMap sends every pixel and polarity of a 2-D sensor to an input of
// the frames, or drops its events: a GridBinner's crop and polarity
// choice, or that followed by pooling blocks of pixels into one input.
type PixelMap struct {
	// Inputs is the number of inputs; every non-negative entry of Index
	// is below it.
	Inputs int
	// Index holds 2·Width·Height entries: the input of OFF events at
	// pixel (x, y) is Index[y·Width+x], that of ON events
	// Index[(Height+y)·Width+x]; a negative entry drops those events.
	Index []int32
}

// Map returns the pixel map of the binner: event (x, y, p) inside the crop
// goes to input (y-y0)·w + (x-x0), plus w·h for ON events with
// PolarityBoth; events outside the crop or of an unused polarity are
// dropped.
func (g GridBinner) Map() PixelMap {
	g = g.resolved()
	m := PixelMap{Inputs: g.Inputs(), Index: make([]int32, 2*g.Width*g.Height)}
	cw, n := int32(g.Crop.Dx()), int32(g.Crop.Dx()*g.Crop.Dy())
	for p := range 2 {
		for y := range g.Height {
			for x := range g.Width {
				v := int32(-1)
				in := image.Pt(x, y).In(g.Crop)
				on := p == 1
				switch {
				case !in:
				case g.Polarity == PolarityOFF && on, g.Polarity == PolarityON && !on:
				default:
					v = int32(y-g.Crop.Min.Y)*cw + int32(x-g.Crop.Min.X)
					if g.Polarity == PolarityBoth && on {
						v += n
					}
				}
				m.Index[(p*g.Height+y)*g.Width+x] = v
			}
		}
	}
	return m
}

// mapCache holds the maps of the grid binners used so far (a process uses
// a handful), so Bin does not rebuild its map for every sample. It is
// copied on write; reading it takes no lock and boxes nothing.
var mapCache atomic.Pointer[[]cachedMap]

type cachedMap struct {
	g GridBinner
	m PixelMap
}

// maxCachedMaps bounds the cache; binners beyond it build their map per
// sample.
const maxCachedMaps = 64

func (g GridBinner) cachedMap() PixelMap {
	old := mapCache.Load()
	if old != nil {
		for i := range *old {
			if (*old)[i].g == g {
				return (*old)[i].m
			}
		}
	}
	m := g.Map()
	if old == nil || len(*old) < maxCachedMaps {
		var next []cachedMap
		if old != nil {
			next = append(next, *old...)
		}
		next = append(next, cachedMap{g, m})
		mapCache.CompareAndSwap(old, &next) // a lost race only costs a rebuild later
	}
	return m
}

// binScratch is the per-call scratch of BinMapped: the step's bitset and
// counts, pooled so that binning allocates nothing once warm.
type binScratch struct {
	bits   []uint64
	counts []uint32
}

var binScratchPool = sync.Pool{New: func() any { return new(binScratch) }}

// BinMapped bins the 2-D events of s into dst through the pixel map m
// (whose Index must cover the binner's Width×Height sensor): event
// (x, y, p, t) sets input m's entry for it at step ⌊(t-Start)/BinWidth⌋.
// Events the map drops, outside the sensor, before Start or after the last
// step are dropped. Within a step the active inputs come out sorted, each
// once (binary frames) or with the number of its events (Counts).
func (g GridBinner) BinMapped(s *Sample, dst *Frames, m PixelMap) error {
	if err := g.check(); err != nil {
		return err
	}
	g = g.resolved()
	width, start := usTicks(g.BinWidth), usTicks(g.Start)
	if len(s.Events1D) > 0 {
		return fmt.Errorf("events: grid binner: sample %q holds 1-D events; use a ChunkBinner", s.ID)
	}
	if len(m.Index) != 2*g.Width*g.Height {
		return fmt.Errorf("events: grid binner: a pixel map of %d entries for a %d×%d sensor (want %d)", len(m.Index), g.Width, g.Height, 2*g.Width*g.Height)
	}
	// One entry per event is an upper bound of the frames' entries.
	dst.reset(m.Inputs, g.Bins, min(len(s.Events2D), g.Bins*m.Inputs), g.Counts)
	sc := binScratchPool.Get().(*binScratch)
	defer binScratchPool.Put(sc)
	words := (m.Inputs + 63) / 64
	if cap(sc.bits) < words {
		sc.bits = make([]uint64, words)
	}
	bits := sc.bits[:words]
	clear(bits)
	var counts []uint32
	if g.Counts {
		if cap(sc.counts) < m.Inputs {
			sc.counts = make([]uint32, m.Inputs)
		}
		counts = sc.counts[:m.Inputs]
		clear(counts)
	}
	W, H := g.Width, g.Height
	step := int64(0)
	lit := false // the current step has an active input
	for _, e := range s.Events2D {
		x, y := int(e.X), int(e.Y)
		if x >= W || y >= H {
			continue
		}
		p := 0
		if e.P != 0 {
			p = 1
		}
		v := m.Index[(p*H+y)*W+x]
		if v < 0 || int64(e.T) < start {
			continue
		}
		k := (int64(e.T) - start) / width
		if k >= int64(g.Bins) {
			break // time-ordered: every later event is past the last step too
		}
		if k < step {
			return fmt.Errorf("events: grid binner: sample %q is not time-ordered", s.ID)
		}
		for ; step < k; step++ {
			dst.flushBits(bits, counts, lit)
			lit = false
		}
		if int(v) >= m.Inputs {
			return fmt.Errorf("events: grid binner: pixel map sends (%d, %d) to input %d of %d", x, y, v, m.Inputs)
		}
		bits[v>>6] |= 1 << (uint(v) & 63)
		lit = true
		if counts != nil {
			counts[v]++
		}
	}
	if len(dst.Offsets) <= g.Bins {
		dst.flushBits(bits, counts, lit)
	}
	dst.padTo(g.Bins)
	return nil
}

// flushBits closes the current step, whose active inputs are the set bits
// of bits (and their counts, when counts is not nil): it appends them in
// ascending order and clears bits and counts. lit says whether any bit is
// set.
func (f *Frames) flushBits(bits []uint64, counts []uint32, lit bool) {
	if lit {
		for w, b := range bits {
			for b != 0 {
				i := int32(w*64 + mbits.TrailingZeros64(b))
				b &= b - 1
				f.Index = append(f.Index, i)
				if counts != nil {
					f.Value = append(f.Value, float32(counts[i]))
					counts[i] = 0
				}
			}
			bits[w] = 0
		}
	}
	f.Offsets = append(f.Offsets, int32(len(f.Index)))
}

// usTicks converts a duration to whole microseconds (rounded).
func usTicks(s units.Seconds) int64 {
	v := math.Round(float64(s) * 1e6)
	if !(v > -1<<62 && v < 1<<62) {
		return -1
	}
	return int64(v)
}

// Defaults of ChunkBinner.
const (
	// DefaultChunkSteps is the 129 pooled steps of the N-TIDIGITS code
	// (Lin et al. 2025, the authors' input binning).
	DefaultChunkSteps = 129
	// DefaultChunkResolution is the raster's Dt = 1 ms (Lin et al. 2025, the authors' input binning).
	DefaultChunkResolution = units.Seconds(1e-3)
)

// ChunkBinner bins 1-D channel events exactly as the paper's N-TIDIGITS code
// (Lin et al. 2025, the authors' input binning): a binary raster of Dt columns (duplicates collapse), of
// D = ⌈max t/Dt⌉+1 columns, is cut into chunks with torch.chunk semantics
// (see TorchChunks) and OR-pooled; steps past the last chunk are zero
// (right zero-padding to Bins). With Counts, Values reports the raster's sum
// over a chunk — the quantity the paper thresholds at > 0. The zero value
// is the paper's binning of 64-channel N-TIDIGITS.
//
// Timestamps are whole microseconds, so t/Dt is exact; the paper computes it
// in floating point from seconds, which can put an event sitting exactly on
// a column edge one column later — immaterial at 1 ms columns.
type ChunkBinner struct {
	// Channels is the number of inputs; 0 means 64 (CochleaAMS1b, Anumula et al. 2018, N-TIDIGITS).
	Channels int
	// Bins is the number of chunks (time steps); 0 means DefaultChunkSteps (129).
	Bins int
	// Resolution is the raster's column width Dt; 0 means 1 ms.
	Resolution units.Seconds
	// Counts makes Values report the raster sum of each chunk.
	Counts bool
}

func (c ChunkBinner) resolved() ChunkBinner {
	if c.Channels == 0 {
		c.Channels = CochleaAMS1bSensor.Channels
	}
	if c.Bins == 0 {
		c.Bins = DefaultChunkSteps
	}
	if c.Resolution == 0 {
		c.Resolution = DefaultChunkResolution
	}
	return c
}

// Inputs returns the number of channels.
func (c ChunkBinner) Inputs() int { return c.resolved().Channels }

// Steps returns the number of chunks.
func (c ChunkBinner) Steps() int { return c.resolved().Bins }

// TorchChunks returns what torch.chunk(x, n) does to a dimension of length
// d ≥ 1: chunks of size ⌈d/n⌉ (the last one shorter), and how many there
// are, ⌈d/size⌉ ≤ n. For d = 130, n = 129 that is size 2 and only 65 chunks.
func TorchChunks(d, n int) (size, count int) {
	size = (d + n - 1) / n
	return size, (d + size - 1) / size
}

// Bin bins the 1-D events of s into dst.
func (c ChunkBinner) Bin(s *Sample, dst *Frames) error {
	c = c.resolved()
	dt := usTicks(c.Resolution)
	switch {
	case c.Channels < 1 || c.Bins < 1 || dt < 1:
		return fmt.Errorf("events: chunk binner: %d channels, %d bins, resolution %v (want ≥ 1, ≥ 1, ≥ 1 µs)", c.Channels, c.Bins, c.Resolution)
	case len(s.Events2D) > 0:
		return fmt.Errorf("events: chunk binner: sample %q holds 2-D events; use a GridBinner", s.ID)
	}
	dst.reset(c.Channels, c.Bins, len(s.Events1D), c.Counts)
	ev := s.Events1D
	if len(ev) == 0 {
		dst.padTo(c.Bins)
		return nil
	}
	tmax := int64(ev[len(ev)-1].T)
	d := (tmax+dt-1)/dt + 1 // D = ceil(max ts) + 1
	if d > math.MaxInt32 {
		return fmt.Errorf("events: chunk binner: sample %q spans %d raster columns (resolution %v too fine)", s.ID, d, c.Resolution)
	}
	size, _ := TorchChunks(int(d), c.Bins)
	// lastCol[ch] is the raster column of channel ch's previous event, so
	// that duplicates in one column count once (the raster is binary).
	var lastBuf [256]int64
	lastCol := lastBuf[:]
	if c.Channels > len(lastBuf) {
		lastCol = make([]int64, c.Channels)
	}
	lastCol = lastCol[:c.Channels]
	for i := range lastCol {
		lastCol[i] = -1
	}
	step := int64(0)
	prevT := int64(-1)
	for _, e := range ev {
		if int(e.Ch) >= c.Channels {
			return fmt.Errorf("events: chunk binner: sample %q: channel %d outside %d channels", s.ID, e.Ch, c.Channels)
		}
		if int64(e.T) < prevT {
			return fmt.Errorf("events: chunk binner: sample %q is not time-ordered", s.ID)
		}
		prevT = int64(e.T)
		col := int64(e.T) / dt
		if lastCol[e.Ch] == col {
			continue
		}
		lastCol[e.Ch] = col
		k := col / int64(size)
		for ; step < k; step++ {
			dst.closeStep()
		}
		dst.Index = append(dst.Index, int32(e.Ch))
	}
	dst.closeStep()
	dst.padTo(c.Bins)
	return nil
}
