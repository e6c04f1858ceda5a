package experiment

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/memlsm/memlsm/internal/atomicfile"
)

// Feature files. Every export carries, beside the features, each sample's
// label and ID and everything needed to reproduce or interpret them: the
// data source, seed, resolved encoder (binning, reservoir, gain), macro
// and calibration. .npz holds it all in one file; .npy and .csv get a
// metadata sidecar, FILE.meta.json.

// FeatureFormats are the extensions Save writes.
var FeatureFormats = []string{".npz", ".npy", ".csv"}

// FeatureFormat checks that path names a feature file Save writes and
// returns its extension; the error (matching ErrConfig) says which do.
func FeatureFormat(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range FeatureFormats {
		if ext == f {
			return ext, nil
		}
	}
	return "", configErrorf("experiment: features %q: want a .npz (NumPy archive), .npy (NumPy array and a .meta.json sidecar) or .csv file", path)
}

// SidecarPath is the metadata file written beside a .npy or .csv export.
func SidecarPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".meta.json"
}

// Save writes the features to path in the format of its extension (see
// FeatureFormats), atomically, and returns the files written.
func (f *Features) Save(path string) ([]string, error) {
	ext, err := FeatureFormat(path)
	if err != nil {
		return nil, err
	}
	write := map[string]func(io.Writer) error{".npz": f.WriteNPZ, ".npy": f.WriteNPY, ".csv": f.WriteCSV}[ext]
	if err := atomicfile.Write(path, write); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	if ext == ".npz" {
		return []string{path}, nil
	}
	meta, err := f.Meta()
	if err != nil {
		return nil, err
	}
	side := SidecarPath(path)
	if err := atomicfile.WriteFile(side, meta); err != nil {
		return nil, fmt.Errorf("experiment: %w", err)
	}
	return []string{path, side}, nil
}

// Meta is the metadata of the features as indented JSON: what --json of
// "memlsm encode" prints, without the features themselves.
func (f *Features) Meta() ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("experiment: features metadata: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteNPZ writes a NumPy .npz archive:
//
//	features  float32 (samples × features)    ids      unicode (samples,)
//	labels    int32 (samples,)                classes  unicode (classes,)
//	meta      unicode 0-d: the metadata JSON (Meta)
//
// so that z = numpy.load(path); z["features"], z["labels"], z["ids"],
// json.loads(z["meta"][()]) give everything without pickles.
func (f *Features) WriteNPZ(w io.Writer) error {
	meta, err := f.Meta()
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	add := func(name string, write func(io.Writer) error) error {
		e, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Deflate})
		if err != nil {
			return err
		}
		return write(e)
	}
	labels := make([]int32, f.Samples)
	for i, l := range f.Labels {
		labels[i] = int32(l)
	}
	for _, a := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"features", func(w io.Writer) error { return writeNPYFloat32(w, f.X, f.Samples, f.Dim) }},
		{"labels", func(w io.Writer) error { return writeNPYInt32(w, labels) }},
		{"ids", func(w io.Writer) error { return writeNPYStrings(w, f.IDs, []int{len(f.IDs)}) }},
		{"classes", func(w io.Writer) error { return writeNPYStrings(w, f.Classes, []int{len(f.Classes)}) }},
		{"meta", func(w io.Writer) error { return writeNPYStrings(w, []string{string(meta)}, nil) }},
	} {
		if err := add(a.name, a.write); err != nil {
			return fmt.Errorf("experiment: writing .npz: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("experiment: writing .npz: %w", err)
	}
	return nil
}

func writeNPYFloat32(w io.Writer, x []float32, rows, cols int) error {
	if err := writeNPYHeader(w, "'<f4'", []int{rows, cols}); err != nil {
		return err
	}
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	_, err := w.Write(b)
	return err
}

func writeNPYInt32(w io.Writer, x []int32) error {
	if err := writeNPYHeader(w, "'<i4'", []int{len(x)}); err != nil {
		return err
	}
	return binary.Write(w, binary.LittleEndian, x)
}

// writeNPYStrings writes strings as a NumPy unicode array ('<Un', UTF-32
// little-endian, n the longest string in runes) of the given shape (nil:
// a 0-d array of one string).
func writeNPYStrings(w io.Writer, s []string, shape []int) error {
	n := 1
	for _, v := range s {
		n = max(n, utf8.RuneCountInString(v))
	}
	if err := writeNPYHeader(w, fmt.Sprintf("'<U%d'", n), shape); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	writeUTF32(bw, s, n)
	return bw.Flush()
}

// writeUTF32 writes each string as n UTF-32LE code points, zero-padded.
func writeUTF32(w io.Writer, s []string, n int) {
	var b [4]byte
	for _, v := range s {
		k := 0
		for _, r := range v {
			binary.LittleEndian.PutUint32(b[:], uint32(r))
			w.Write(b[:])
			k++
		}
		w.Write(bytes.Repeat([]byte{0}, 4*(n-k)))
	}
}
