//go:build unix

// Package hostile generates memlsm's adversarial corpus: small files (and
// a few non-files) built to exhaust a naive reader's memory or time, each
// with the command that must now refuse it with one clear error. Every file
// is made by code here, not committed, so the corpus documents how each
// attack is built and can be regenerated at any size.
//
// The cases reproduce the defects an adversarial probe found in memlsm's
// readers (see Case.Before for what each did before it was fixed) and add
// variants of our own. cmd/memlsm's TestHostileCorpus runs every case as a
// separate process under a time and memory ceiling; "go run
// ./internal/hostile/gen -out DIR" writes the corpus for measuring it by
// hand (e.g. with /usr/bin/time -v).
package hostile

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Scale chooses the size of the generated files.
type Scale int

const (
	// CI makes files small enough to generate in well under a second each
	// while still exceeding every old limit that mattered.
	CI Scale = iota
	// Issue makes the files at the sizes the probe reported.
	Issue
)

// Case is one hostile input.
type Case struct {
	Name   string // short identifier, also the file or folder name
	What   string // what the file does
	Before string // what it did before the fix (probe measurement), "" for our own cases
	// Make writes the input under dir and returns the memlsm arguments
	// that read it.
	Make func(dir string, s Scale) (args []string, err error)
	// Want is a substring of the error memlsm must now print.
	Want string
	// Exit is the expected exit code (1 for a runtime failure, 2 for usage).
	Exit int
}

// Cases returns the corpus.
func Cases() []Case {
	return []Case{
		{Name: "hdf5-shared-dataset", What: "N-TIDIGITS HDF5 whose 200 ids all link to one chunked dataset that inflates to 10 MB",
			Before: "9 KB file → > 11 GB RSS (the dataset decoded once per id)", Make: makeH5SharedDataset,
			Want: "are the same HDF5 dataset as", Exit: 1},
		{Name: "hdf5-shared-chunk", What: "N-TIDIGITS HDF5 whose 200 ids have their own datasets, all pointing to one compressed chunk",
			Make: makeH5SharedChunk, Want: "expansion limit", Exit: 1},
		{Name: "hdf5-float64-expansion", What: "N-TIDIGITS HDF5 with a 1 GiB never-written chunked uint8 dataset (Float64s would ask for 8 GiB)",
			Before: "1 MB file → one 8 GiB allocation: fatal out of memory", Make: makeH5Float64Expansion,
			Want: "larger than the", Exit: 1},
		{Name: "hdf5-chunk-duplicates", What: "HDF5 chunk B-tree listing one compressed 1 MB chunk thousands of times",
			Before: "78 KB → 31 s CPU; 2 MB → minutes", Make: makeH5ChunkDuplicates, Want: "listed twice in its index", Exit: 1},
		{Name: "hdf5-continuations", What: "HDF5 object header whose continuation blocks all overlap one 1.25 MB region",
			Before: "1.25 MB → 36 s (quadratic parsing)", Make: makeH5Continuations, Want: "continuation blocks", Exit: 1},
		{Name: "hdf5-heap-names", What: "HDF5 group whose 20,000 names all run into one 1 MB unterminated string",
			Make: makeH5HeapNames, Want: "overlaps the name", Exit: 1},
		{Name: "mev-bomb", What: ".mev declaring a 2 GB payload for 2 MB of compressed bytes",
			Before: "2 MB → 2 GB RSS", Make: makeMEVBomb, Want: "decompression bomb", Exit: 1},
		{Name: "mev-valid-huge", What: "valid .mev of all-zero events whose payload inflates 1000:1",
			Before: "0.97 MB → 3.8 GB RSS, 63 s", Make: makeMEVValid, Want: "decompression bomb", Exit: 1},
		{Name: "wav-200mb", What: "a 200 MB WAV (sparse) in an FSDD folder",
			Before: "1.8 GB RSS before its length check", Make: makeWAVHuge, Want: "over the read limit", Exit: 1},
		{Name: "wav-dev-zero", What: "a symbolic link to /dev/zero named like a WAV in an FSDD folder",
			Before: "fatal out of memory", Make: makeWAVDevZero, Want: "not a regular file (a character device)", Exit: 1},
		{Name: "wav-fifo", What: "a FIFO named like a WAV in an FSDD folder",
			Before: "hangs forever", Make: makeWAVFIFO, Want: "not a regular file (a FIFO)", Exit: 1},
		{Name: "nmnist-fifo", What: "a FIFO named like a recording in N-MNIST's Train/0",
			Make: makeNMNISTFIFO, Want: "not a regular file (a FIFO)", Exit: 1},
		{Name: "nmnist-sparse-bs2", What: "a sparse 64 GB .bs2 in a slayer folder",
			Before: "fatal out of memory", Make: makeNMNISTSparse, Want: "over the read limit", Exit: 1},
		{Name: "nmnist-label-list", What: "a sparse 4 GB label list in a slayer folder",
			Make: makeNMNISTList, Want: "over the read limit", Exit: 1},
		{Name: "nmnist-time-wrap", What: "N-MNIST .bin with 600,000 timestamp-overflow markers (time 4,915,200,006 µs)",
			Before: "t_max_us 620,232,710 (wrapped at 2^32), exit 0", Make: makeNMNISTWrap,
			Want: "exceeds the 2^32−1 µs an event holds", Exit: 1},
		{Name: "mnist-gz-limit", What: "MNIST idx.gz pair declaring 1.7 million images (1.35 GB of zeros), read with limit=10",
			Before: "1.1 MB → 1.35 GB RSS (the limit applied after reading every image)", Make: makeMNISTLimit,
			Want: `"samples": 10`, Exit: 0},
		{Name: "mnist-gz-bomb", What: "the same MNIST idx.gz pair read without a limit",
			Make: makeMNISTBomb, Want: "over the read limit", Exit: 1},
		{Name: "png-huge", What: "an 875 KB PNG of 30000 × 30000 pixels in a png: class folder",
			Before: "accepted, 811 MB RSS", Make: makePNGHuge, Want: "over the read limit", Exit: 1},
		{Name: "png-fifo", What: "a FIFO named like a PNG in a png: class folder",
			Make: makePNGFIFO, Want: "not a regular file (a FIFO)", Exit: 1},
		{Name: "show-bins", What: "data show --frames --bins 100000 on one N-MNIST recording",
			Before: "3.9 GB, ignored SIGINT and SIGTERM", Make: makeShowBins, Want: "at most 1000 time steps", Exit: 2},
	}
}

// ---- HDF5 (N-TIDIGITS layout: train_labels, train_addresses/<id>, train_timestamps/<id>)

// ntidigits writes a file with the given ids; addr(i) and ts(i) give the
// object header addresses of sample i's datasets.
func ntidigits(w *h5, labels uint64, ids []string, addr, ts []uint64) []byte {
	ga := w.group(ids, addr)
	gt := w.group(ids, ts)
	root := w.group([]string{"train_addresses", "train_labels", "train_timestamps"}, []uint64{ga, labels, gt})
	return w.finish(root)
}

func sampleIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("man-%05d-1", i)
	}
	return ids
}

// zeroChunkDataset appends a float64 dataset of n elements stored as one
// deflate-compressed chunk of zeros at chunk (written when 0) and returns
// its header address and the chunk's address and size.
func (w *h5) zeroChunkDataset(n int, chunk uint64, csize uint32) (hdr, at uint64, size uint32) {
	if chunk == 0 {
		z := zlibBytes(make([]byte, 8*n))
		chunk, csize = w.put(z), uint32(len(z))
	}
	tree := w.chunkTree(1, []chunkKey{{size: csize, offset: []uint64{0}, child: chunk}})
	hdr = w.object(dataspace(uint64(n)), float64Type(), chunked(tree, 8, uint32(n)), deflateFilter())
	return hdr, chunk, csize
}

func h5Args(dir, name string, b []byte) ([]string, error) {
	p := filepath.Join(dir, name+".hdf5")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return nil, err
	}
	return []string{"data", "stats", "ntidigits:" + p + "?split=train"}, nil
}

func makeH5SharedDataset(dir string, _ Scale) ([]string, error) {
	w := newH5()
	ids := sampleIDs(200)
	labels := w.strings(ids)
	ds, _, _ := w.zeroChunkDataset(1<<17*10, 0, 0) // 10 MiB of zeros
	same := make([]uint64, len(ids))
	for i := range same {
		same[i] = ds
	}
	return h5Args(dir, "hdf5-shared-dataset", ntidigits(w, labels, ids, same, same))
}

func makeH5SharedChunk(dir string, _ Scale) ([]string, error) {
	w := newH5()
	ids := sampleIDs(200)
	labels := w.strings(ids)
	const n = 1 << 17 * 10
	a := make([]uint64, len(ids))
	t := make([]uint64, len(ids))
	var chunk uint64
	var csize uint32
	for i := range ids {
		a[i], chunk, csize = w.zeroChunkDataset(n, chunk, csize)
		t[i], _, _ = w.zeroChunkDataset(n, chunk, csize)
	}
	return h5Args(dir, "hdf5-shared-chunk", ntidigits(w, labels, ids, a, t))
}

func makeH5Float64Expansion(dir string, _ Scale) ([]string, error) {
	w := newH5()
	ids := sampleIDs(1)
	labels := w.strings(ids)
	tree := w.chunkTree(1, nil) // no chunk ever written
	big := w.object(dataspace(1<<30), uint8Type(), chunked(tree, 1, 1<<20))
	w.b = append(w.b, make([]byte, 1<<20-len(w.b)%(1<<20))...) // pad to 1 MB as the probe's file
	return h5Args(dir, "hdf5-float64-expansion", ntidigits(w, labels, ids, []uint64{big}, []uint64{big}))
}

func makeH5ChunkDuplicates(dir string, s Scale) ([]string, error) {
	w := newH5()
	ids := sampleIDs(1)
	labels := w.strings(ids)
	const n = 1 << 17 // 1 MiB of float64 zeros
	z := zlibBytes(make([]byte, 8*n))
	chunk := w.put(z)
	dups := 1500 // ~78 KB
	if s == Issue {
		dups = 50000 // ~2 MB
	}
	keys := make([]chunkKey, dups)
	for i := range keys {
		keys[i] = chunkKey{size: uint32(len(z)), offset: []uint64{0}, child: chunk}
	}
	tree := w.chunkTree(1, keys)
	ds := w.object(dataspace(n), float64Type(), chunked(tree, 8, n), deflateFilter())
	ts := w.float64s(make([]float64, n))
	return h5Args(dir, "hdf5-chunk-duplicates", ntidigits(w, labels, ids, []uint64{ds}, []uint64{ts}))
}

func makeH5Continuations(dir string, _ Scale) ([]string, error) {
	w := newH5()
	ids := sampleIDs(1)
	// A region of continuation messages, each 24 bytes, message i pointing
	// at the block that starts with message i+1 and runs to the region's
	// end: parsing every block once is quadratic in the region's size.
	const k = 52000 // 1.25 MB
	start := w.align()
	end := start + 24*k
	var region []byte
	for i := range uint64(k) {
		next := start + 24*(i+1)
		if i == k-1 {
			region = append(region, rawMessages(msg{0, make([]byte, 16)})...)
			continue
		}
		region = append(region, rawMessages(continuation(next, end-next))...)
	}
	w.put(region)
	var data []byte
	for _, id := range ids {
		data = append(data, id...)
	}
	at := w.put(data)
	labels := w.object(dataspace(uint64(len(ids))), stringType(len(ids[0])), contiguous(at, uint64(len(data))), continuation(start, end-start))
	ds, ts := w.float64s([]float64{0}), w.float64s([]float64{0})
	return h5Args(dir, "hdf5-continuations", ntidigits(w, labels, ids, []uint64{ds}, []uint64{ts}))
}

func makeH5HeapNames(dir string, _ Scale) ([]string, error) {
	w := newH5()
	const n = 20000
	heap := make([]byte, 8, 8+1<<20+8)
	heap = append(heap, bytes.Repeat([]byte("a"), 1<<20)...)
	heap = append(heap, 0, 0, 0, 0, 0, 0, 0, 0)
	offs := make([]uint64, n)
	addrs := make([]uint64, n)
	ds := w.float64s([]float64{0})
	for i := range offs {
		offs[i], addrs[i] = uint64(8+i), ds
	}
	ga := w.groupRaw(heap, offs, addrs)
	labels := w.strings([]string{"man-a-1"})
	root := w.group([]string{"train_addresses", "train_labels", "train_timestamps"}, []uint64{ga, labels, ga})
	return h5Args(dir, "hdf5-heap-names", w.finish(root))
}

// ---- memlsm's .mev

// mevHeader returns the 24-byte header of a .mev file.
func mevHeader(crc uint32, n uint64) []byte {
	h := []byte("\x89MEV\r\n\x1a\n\x01\x00\x00\x00")
	h = binary.LittleEndian.AppendUint32(h, crc)
	return binary.LittleEndian.AppendUint64(h, n)
}

func mevArgs(dir, name string) []string {
	return []string{"data", "stats", "mev:" + filepath.Join(dir, name+".mev")}
}

func makeMEVBomb(dir string, s Scale) ([]string, error) {
	size := 2 << 20
	if s == CI {
		size = 256 << 10
	}
	f, err := os.Create(filepath.Join(dir, "mev-bomb.mev"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The largest payload the old reader accepted for this many compressed
	// bytes (1032:1), which it allocated before decompressing anything.
	f.Write(mevHeader(0, uint64(size)*1000))
	// Compressed-looking bytes: the old reader allocated the declared
	// payload before it found out they do not inflate.
	junk := make([]byte, size)
	for i := range junk {
		junk[i] = byte(i*2654435761>>13 ^ i)
	}
	f.Write(junk)
	return mevArgs(dir, "mev-bomb"), f.Close()
}

func makeMEVValid(dir string, s Scale) ([]string, error) {
	samples, per := 1000, 250_000 // 250 M events: a 1 GB payload
	if s == CI {
		samples = 100
	}
	uv := func(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
	str := func(b []byte, s string) []byte { return append(uv(b, uint64(len(s))), s...) }
	var table []byte
	table = str(table, "ATIS (N-MNIST)")
	table = uv(uv(uv(uv(table, 34), 34), 0), 2)
	table = str(uv(table, 1), "0")
	table = uv(table, uint64(samples))
	for i := range samples {
		table = uv(table, 0)
		table = str(table, fmt.Sprintf("s%d", i))
		table = str(table, "")
		table = uv(table, 0)
		table = uv(uv(table, uint64(per)), 0)
	}
	n := uint64(len(table)) + 4*uint64(samples*per)
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	p := filepath.Join(dir, "mev-valid-huge.mev")
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 24)); err != nil {
		return nil, err
	}
	fw, _ := flate.NewWriter(f, level(s))
	out := io.MultiWriter(fw, crc)
	out.Write(table)
	zeros := make([]byte, 1<<20)
	for left := 4 * uint64(samples*per); left > 0; {
		k := min(left, uint64(len(zeros)))
		out.Write(zeros[:k])
		left -= k
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	if _, err := f.WriteAt(mevHeader(crc.Sum32(), n), 0); err != nil {
		return nil, err
	}
	return mevArgs(dir, "mev-valid-huge"), f.Close()
}

// ---- WAV / FSDD folders

func fsddDir(dir, name string) (string, error) {
	d := filepath.Join(dir, name)
	return d, os.MkdirAll(d, 0o755)
}

func makeWAVHuge(dir string, _ Scale) ([]string, error) {
	d, err := fsddDir(dir, "wav-200mb")
	if err != nil {
		return nil, err
	}
	const size = 200 << 20
	h := []byte("RIFF")
	h = binary.LittleEndian.AppendUint32(h, size-8)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint32(h, 8000)
	h = binary.LittleEndian.AppendUint32(h, 16000)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, size-44)
	p := filepath.Join(d, "0_big_0.wav")
	if err := os.WriteFile(p, h, 0o644); err != nil {
		return nil, err
	}
	if err := os.Truncate(p, size); err != nil { // sparse: no disk space used
		return nil, err
	}
	return []string{"data", "stats", "fsdd:" + d}, nil
}

func makeWAVDevZero(dir string, _ Scale) ([]string, error) {
	d, err := fsddDir(dir, "wav-dev-zero")
	if err != nil {
		return nil, err
	}
	if err := os.Symlink("/dev/zero", filepath.Join(d, "0_zero_0.wav")); err != nil {
		return nil, err
	}
	return []string{"data", "stats", "fsdd:" + d}, nil
}

func makeWAVFIFO(dir string, _ Scale) ([]string, error) {
	d, err := fsddDir(dir, "wav-fifo")
	if err != nil {
		return nil, err
	}
	if err := syscall.Mkfifo(filepath.Join(d, "0_pipe_0.wav"), 0o644); err != nil {
		return nil, err
	}
	return []string{"data", "stats", "fsdd:" + d}, nil
}

// ---- N-MNIST

func nmnistDir(dir, name string) (string, error) {
	d := filepath.Join(dir, name, "Train", "0")
	return filepath.Join(dir, name), os.MkdirAll(d, 0o755)
}

func makeNMNISTFIFO(dir string, _ Scale) ([]string, error) {
	d, err := nmnistDir(dir, "nmnist-fifo")
	if err != nil {
		return nil, err
	}
	if err := syscall.Mkfifo(filepath.Join(d, "Train", "0", "1.bin"), 0o644); err != nil {
		return nil, err
	}
	return []string{"data", "stats", "nmnist:" + d}, nil
}

func makeNMNISTSparse(dir string, _ Scale) ([]string, error) {
	d := filepath.Join(dir, "nmnist-sparse-bs2")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(d, "train.txt"), []byte("#sample #class\n1\t0\n"), 0o644); err != nil {
		return nil, err
	}
	p := filepath.Join(d, "1.bs2")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		return nil, err
	}
	return []string{"data", "stats", "nmnist:" + d}, os.Truncate(p, 64<<30)
}

func makeNMNISTList(dir string, _ Scale) ([]string, error) {
	d := filepath.Join(dir, "nmnist-label-list")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nil, err
	}
	p := filepath.Join(d, "train.txt")
	if err := os.WriteFile(p, []byte("#sample #class\n"), 0o644); err != nil {
		return nil, err
	}
	return []string{"data", "stats", "nmnist:" + d}, os.Truncate(p, 4<<30)
}

// nmnistEvent encodes one N-MNIST event.
func nmnistEvent(x, y, p byte, t uint32) []byte {
	return []byte{x, y, p<<7 | byte(t>>16&0x7f), byte(t >> 8), byte(t)}
}

func makeNMNISTWrap(dir string, _ Scale) ([]string, error) {
	d, err := nmnistDir(dir, "nmnist-time-wrap")
	if err != nil {
		return nil, err
	}
	b := nmnistEvent(1, 1, 1, 0)
	marker := nmnistEvent(0, 240, 0, 0)
	b = append(b, bytes.Repeat(marker, 600_000)...) // + 600,000 × 8192 µs
	b = append(b, nmnistEvent(2, 2, 1, 6)...)
	return []string{"data", "stats", "nmnist:" + d}, os.WriteFile(filepath.Join(d, "Train", "0", "1.bin"), b, 0o644)
}

func makeShowBins(dir string, _ Scale) ([]string, error) {
	d, err := nmnistDir(dir, "show-bins")
	if err != nil {
		return nil, err
	}
	var b []byte
	for i := range 1000 {
		b = append(b, nmnistEvent(byte(i%34), byte(i/34%34), byte(i%2), uint32(i*300))...)
	}
	if err := os.WriteFile(filepath.Join(d, "Train", "0", "1.bin"), b, 0o644); err != nil {
		return nil, err
	}
	return []string{"data", "show", "nmnist:" + d, "--index", "0", "--frames", "--bins", "100000", "--out", filepath.Join(dir, "show-bins.png")}, nil
}

// ---- MNIST idx.gz and PNG folders

// level is the compression level of the generated streams: the issue's
// sizes at the best compression, the CI corpus fast.
func level(s Scale) int {
	if s == Issue {
		return gzip.BestCompression
	}
	return gzip.BestSpeed
}

// gzipFile writes a gzip stream of head followed by n zero bytes.
func gzipFile(path string, head []byte, n int64, s Scale) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, level(s))
	zw.Write(head)
	zeros := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(zeros)))
		zw.Write(zeros[:k])
		n -= k
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// mnistBomb writes train-{images,labels} declaring 1.7 million digits of
// zeros (1.35 GB of pixels, ~1.3 MB of gzip; CI: 400,000, 314 MB).
func mnistBomb(d string, s Scale) error {
	n := uint32(1_720_000)
	if s == CI {
		n = 400_000
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	h := binary.BigEndian.AppendUint32(nil, 0x803)
	h = binary.BigEndian.AppendUint32(h, n)
	h = binary.BigEndian.AppendUint32(h, 28)
	h = binary.BigEndian.AppendUint32(h, 28)
	if err := gzipFile(filepath.Join(d, "train-images-idx3-ubyte.gz"), h, int64(n)*28*28, s); err != nil {
		return err
	}
	l := binary.BigEndian.AppendUint32(nil, 0x801)
	l = binary.BigEndian.AppendUint32(l, n)
	return gzipFile(filepath.Join(d, "train-labels-idx1-ubyte.gz"), l, int64(n), s)
}

func makeMNISTLimit(dir string, s Scale) ([]string, error) {
	d := filepath.Join(dir, "mnist-gz-limit")
	return []string{"data", "stats", "mnist:" + d + "?limit=10", "--json"}, mnistBomb(d, s)
}

func makeMNISTBomb(dir string, s Scale) ([]string, error) {
	d := filepath.Join(dir, "mnist-gz-bomb")
	return []string{"data", "stats", "mnist:" + d}, mnistBomb(d, s)
}

func makePNGHuge(dir string, s Scale) ([]string, error) {
	d := filepath.Join(dir, "png-huge")
	if err := os.MkdirAll(filepath.Join(d, "digit"), 0o755); err != nil {
		return nil, err
	}
	// A grey PNG written by hand: IHDR for 30000 × 30000, one IDAT of rows
	// of zeros (filter 0), IEND; image/png would need the whole image in
	// memory to encode it.
	var png bytes.Buffer
	png.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		png.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		png.WriteString(typ)
		png.Write(data)
		png.Write(binary.BigEndian.AppendUint32(nil, c.Sum32()))
	}
	side := uint32(30000)
	if s == CI {
		side = 9000 // 81 M pixels: 324 MiB as RGBA, over the 256 MiB limit
	}
	ihdr := binary.BigEndian.AppendUint32(nil, side)
	ihdr = binary.BigEndian.AppendUint32(ihdr, side)
	chunk("IHDR", append(ihdr, 8, 0, 0, 0, 0)) // 8-bit grey
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, level(s))
	row := make([]byte, side+1)
	for range side {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return []string{"data", "stats", "png:" + d}, os.WriteFile(filepath.Join(d, "digit", "big.png"), png.Bytes(), 0o644)
}

func makePNGFIFO(dir string, _ Scale) ([]string, error) {
	d := filepath.Join(dir, "png-fifo")
	if err := os.MkdirAll(filepath.Join(d, "digit"), 0o755); err != nil {
		return nil, err
	}
	return []string{"data", "stats", "png:" + d}, syscall.Mkfifo(filepath.Join(d, "digit", "pipe.png"), 0o644)
}

// Describe returns a one-line description of c for tables.
func (c Case) Describe() string {
	s := c.What
	if c.Before != "" {
		s += " (before: " + c.Before + ")"
	}
	return strings.TrimSpace(s)
}
