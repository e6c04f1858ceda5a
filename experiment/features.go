package experiment

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/events"
	"github.com/memlsm/memlsm/lsm"
)

// EncodeConfig configures Encode: the LSM features of one dataset, for other
// tools.
type EncodeConfig struct {
	Data    *events.Dataset
	Encoder EncoderConfig
	Macro   Macro
	// Seed seeds the simulated macro.
	Seed     uint64
	Workers  int
	Progress ProgressFunc
}

// Features are the LSM features of a dataset: row i of X (Dim values) is
// sample i's spike rates, window-major (lsm.Config.Windows).
type Features struct {
	Data        string           `json:"data"`
	Samples     int              `json:"samples"`
	Dim         int              `json:"features"`
	X           []float32        `json:"-"`
	Labels      []int            `json:"-"`
	IDs         []string         `json:"-"`
	Classes     []string         `json:"classes"`
	Encoder     EncoderConfig    `json:"encoder"` // resolved, with the gain used
	Calibration *lsm.Calibration `json:"calibration,omitempty"`
	Macro       MacroInfo        `json:"macro"`
	Seed        uint64           `json:"seed"`
	Encode      EncodeStats      `json:"encode"`

	SynOpsPerSample float64 `json:"synops_per_sample"`
	MeanRate        float64 `json:"mean_rate"`
	SamplesPerS     float64 `json:"encode_samples_per_s"`

	// Cost is one encoding (no head) priced on the test board, the
	// projected chip and digital hardware (package cost).
	Cost *cost.Report `json:"cost"`
}

// Encode bins and encodes every sample of cfg.Data. A zero gain is
// calibrated on samples taken evenly from the whole dataset: features
// meant for a held-out evaluation elsewhere should fix the gain (or be
// calibrated on the training part only).
func Encode(ctx context.Context, cfg EncodeConfig) (*Features, error) {
	d := cfg.Data
	if d == nil || d.Len() == 0 {
		return nil, fmt.Errorf("experiment: encode: no data")
	}
	enc, mr, err := placeEncoder(ctx, cfg.Encoder, cfg.Macro, cfg.Seed, cfg.Workers, d.Sensor)
	if err != nil {
		return nil, err
	}
	defer mr.close()
	ec := enc.cfg
	p := cfg.Progress.start("binning", d.Len())
	frames, err := binAll(ctx, enc.binner, d, nil, cfg.Workers, p)
	p.Done()
	if err != nil {
		return nil, err
	}
	all := seq(len(frames))
	c, cal, err := enc.calibrate(ctx, frames, all, cfg.Progress)
	if err != nil {
		return nil, err
	}
	if err := mr.age(ctx); err != nil { // the features are those at Macro.Age
		return nil, err
	}
	x, st, err := enc.encodeAged(ctx, c, frames, all, cfg.Progress, "encoding")
	if err != nil {
		return nil, err
	}
	if err := mr.close(); err != nil {
		return nil, fmt.Errorf("experiment: closing the macro: %w", err)
	}
	st.Inputs, st.Neurons = c.Inputs, c.Neurons
	ec.Reservoir = c
	rep, err := mr.costReport([]costEncoding{{name: "", res: enc.res, stats: st.Stats}}, headWork{})
	if err != nil {
		return nil, err
	}
	f := &Features{Cost: rep,
		Data: d.Name, Samples: d.Len(), Dim: c.Features(), X: x, Classes: d.Classes,
		Encoder: ec, Calibration: cal, Macro: mr.info, Seed: cfg.Seed, Encode: st,
		SynOpsPerSample: st.SynOpsPerSample(), MeanRate: st.MeanRate(), SamplesPerS: st.SamplesPerSecond(),
	}
	f.Labels = make([]int, d.Len())
	f.IDs = make([]string, d.Len())
	for i := range d.Samples {
		f.Labels[i], f.IDs[i] = d.Samples[i].Label, d.Samples[i].ID
	}
	return f, nil
}

// placeEncoder resolves cfg for a sensor, opens the macro of m with seed
// and places one reservoir on it: the set-up Encode and BenchEncode share.
// The caller closes the macro.
func placeEncoder(ctx context.Context, cfg EncoderConfig, m Macro, seed uint64, workers int, s events.Sensor) (*encoder, *macroRun, error) {
	ec, binner, err := cfg.resolve(s)
	if err != nil {
		return nil, nil, err
	}
	mr, err := openMacro(m, seed)
	if err != nil {
		return nil, nil, err
	}
	r, err := mr.place(ctx, ec.Reservoir.Inputs, ec.Reservoir.Neurons, false)
	if err != nil {
		mr.close()
		return nil, nil, err
	}
	return &encoder{cfg: ec, binner: binner, res: r, mode: m.Mode, workers: workers}, mr, nil
}

// WriteNPY writes the features as one NumPy .npy file (format version
// 1.0) holding a structured array of Samples records {id: unicode,
// label: int32, features: float32[Dim]}, little-endian, so that
//
//	a = numpy.load(path); a["features"], a["label"], a["id"]
//
// give the n×Dim matrix, the labels and the sample IDs. The metadata goes
// to a sidecar (Save).
func (f *Features) WriteNPY(w io.Writer) error {
	n := 1
	for _, id := range f.IDs {
		n = max(n, utf8.RuneCountInString(id))
	}
	descr := fmt.Sprintf("[('id', '<U%d'), ('label', '<i4'), ('features', '<f4', (%d,))]", n, f.Dim)
	if err := writeNPYHeader(w, descr, []int{f.Samples}); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	var b [4]byte
	for i := range f.Samples {
		writeUTF32(bw, f.IDs[i:i+1], n)
		binary.LittleEndian.PutUint32(b[:], uint32(int32(f.Labels[i])))
		bw.Write(b[:])
		for _, v := range f.X[i*f.Dim : (i+1)*f.Dim] {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:])
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("experiment: writing .npy: %w", err)
	}
	return nil
}

// writeNPYHeader writes the magic, version 1.0 and the header dictionary,
// padded with spaces and a newline so the data starts at a multiple of 64
// bytes (NumPy's format.py, NEP 1).
func writeNPYHeader(w io.Writer, descr string, shape []int) error {
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = strconv.Itoa(s)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := fmt.Sprintf("{'descr': %s, 'fortran_order': False, 'shape': (%s), }", descr, sh)
	const pre = 10 // magic (6) + version (2) + header length (2)
	total := (pre + len(dict) + 1 + 63) / 64 * 64
	if total-pre > math.MaxUint16 {
		return fmt.Errorf("experiment: .npy header of %d bytes exceeds version 1.0's 65535", total-pre)
	}
	h := make([]byte, 0, total)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, uint16(total-pre))
	h = append(h, dict...)
	for len(h) < total-1 {
		h = append(h, ' ')
	}
	h = append(h, '\n')
	if _, err := w.Write(h); err != nil {
		return fmt.Errorf("experiment: writing .npy: %w", err)
	}
	return nil
}

// WriteCSV writes one row per sample: label, class, id, then the Dim
// features f0…, with a header line.
func (f *Features) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("label,class,id")
	for j := range f.Dim {
		fmt.Fprintf(bw, ",f%d", j)
	}
	bw.WriteByte('\n')
	var buf []byte
	for i := range f.Samples {
		buf = strconv.AppendInt(buf[:0], int64(f.Labels[i]), 10)
		buf = append(buf, ',')
		buf = appendCSVField(buf, f.Classes[f.Labels[i]])
		buf = append(buf, ',')
		buf = appendCSVField(buf, f.IDs[i])
		for _, v := range f.X[i*f.Dim : (i+1)*f.Dim] {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("experiment: writing CSV: %w", err)
	}
	return nil
}

// appendCSVField quotes s if it holds a comma, a quote or a line break
// (RFC 4180).
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	return append(append(b, '"'), strings.ReplaceAll(s, `"`, `""`)+`"`...)
}

// BenchConfig configures BenchEncode.
type BenchConfig struct {
	Data    *events.Dataset
	Encoder EncoderConfig
	Macro   Macro
	// Repeat encodes the data this many times in one batch (like the torch
	// peer's --repeat); 0 → 1.
	Repeat  int
	Seed    uint64
	Workers int
}

// BenchResult is the encoding throughput of BenchEncode.
type BenchResult struct {
	Data         string  `json:"data"`
	Samples      int     `json:"samples"` // encoded: dataset × repeat
	Seconds      float64 `json:"seconds"` // encoding wall time only
	SamplesPerS  float64 `json:"samples_per_s"`
	Inputs       int     `json:"inputs"`
	Neurons      int     `json:"neurons"`
	Steps        int     `json:"steps"`
	Windows      int     `json:"windows"`
	Gain         float64 `json:"gain"`
	Workers      int     `json:"workers"`
	BinSeconds   float64 `json:"bin_seconds"` // binning the dataset once
	MeanRate     float64 `json:"mean_rate"`
	InputDensity float64 `json:"input_density"`
	SynOps       float64 `json:"synops_per_sample"`
	Mode         Mode    `json:"mode"`
	Binning      string  `json:"binning"`
	Seed         uint64  `json:"seed"`
	// Cost is one encoding (no head) priced on the test board, the
	// projected chip and digital hardware (package cost).
	Cost *cost.Report `json:"cost"`
	// Saturation of the ADC conversions of an in-memory or on-board run;
	// Aging, with Macro.Age, the relaxation the encoding ran at.
	Saturation *Saturation `json:"adc_saturation,omitempty"`
	Aging      *AgingInfo  `json:"aging,omitempty"`
}

// BenchEncode measures encoding alone, the way a benchmark of a PyTorch
// implementation of the same network times it: the data are binned first
// (timed apart), the weights made, the gain calibrated if it is zero, and
// then one Encode of Repeat copies of the data is timed.
func BenchEncode(ctx context.Context, cfg BenchConfig) (*BenchResult, error) {
	d := cfg.Data
	if d == nil || d.Len() == 0 {
		return nil, fmt.Errorf("experiment: bench: no data")
	}
	rep := cfg.Repeat
	if rep == 0 {
		rep = 1
	}
	if rep < 0 {
		return nil, fmt.Errorf("experiment: bench: repeat %d", rep)
	}
	enc, mr, err := placeEncoder(ctx, cfg.Encoder, cfg.Macro, cfg.Seed, cfg.Workers, d.Sensor)
	if err != nil {
		return nil, err
	}
	defer mr.close()
	ec := enc.cfg
	t0 := time.Now()
	frames, err := binAll(ctx, enc.binner, d, nil, cfg.Workers, noProgress{})
	if err != nil {
		return nil, err
	}
	binSec := time.Since(t0).Seconds()
	all := seq(len(frames))
	c, _, err := enc.calibrate(ctx, frames, all, nil)
	if err != nil {
		return nil, err
	}
	if err := mr.age(ctx); err != nil { // encode at Macro.Age
		return nil, err
	}
	idx := make([]int, 0, rep*len(frames))
	for range rep {
		idx = append(idx, all...)
	}
	_, st, err := enc.encodeAged(ctx, c, frames, idx, nil, "")
	if err != nil {
		return nil, err
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0) // lsm.Options' default
	}
	if cfg.Macro.Mode != ReadOnce {
		workers = 1 // an array is driven from one goroutine
	}
	if err := mr.close(); err != nil {
		return nil, fmt.Errorf("experiment: closing the macro: %w", err)
	}
	priced, err := mr.costReport([]costEncoding{{name: "", res: enc.res, stats: st.Stats}}, headWork{})
	if err != nil {
		return nil, err
	}
	return &BenchResult{Cost: priced, Saturation: mr.info.Saturation, Aging: mr.info.Aging,
		Data: d.Name, Samples: len(idx), Seconds: st.Seconds, SamplesPerS: st.SamplesPerSecond(),
		Inputs: c.Inputs, Neurons: c.Neurons, Steps: c.Steps, Windows: c.NumWindows(), Gain: c.Gain, Workers: workers,
		BinSeconds: binSec, MeanRate: st.MeanRate(), InputDensity: st.InputDensity(), SynOps: st.SynOpsPerSample(),
		Mode: cfg.Macro.Mode, Binning: ec.Binning.String(), Seed: cfg.Seed,
	}, nil
}

// WriteText writes a short human summary of the features, written to out.
func (f *Features) WriteText(w io.Writer, out string) error {
	c := f.Encoder.Reservoir
	fmt.Fprintf(w, "encoded %d samples of %s into %d features each (%d windows × %d neurons) → %s\n",
		f.Samples, f.Data, f.Dim, c.NumWindows(), c.Neurons, out)
	fmt.Fprintf(w, "binning %s; %d inputs → %d neurons, T = %d, gain %.4g; seed %d\n",
		f.Encoder.Binning, c.Inputs, c.Neurons, c.Steps, c.Gain, f.Seed)
	_, err := fmt.Fprintf(w, "mean rate %.4f spikes/neuron/step, %.0f synaptic operations per sample, %.0f samples/s\n",
		f.MeanRate, f.SynOpsPerSample, f.SamplesPerS)
	return err
}

// WriteText writes the result as two human lines.
func (r *BenchResult) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "samples=%d seconds=%.3f samples_per_s=%.1f neurons=%d steps=%d inputs=%d workers=%d\n",
		r.Samples, r.Seconds, r.SamplesPerS, r.Neurons, r.Steps, r.Inputs, r.Workers)
	_, err := fmt.Fprintf(w, "binning: %s (%.3f s); gain %.4g, mean rate %.4f, input density %.4f, %.0f synaptic operations per sample; %v mode\n",
		r.Binning, r.BinSeconds, r.Gain, r.MeanRate, r.InputDensity, r.SynOps, r.Mode)
	return err
}
