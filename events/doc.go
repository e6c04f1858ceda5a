// Package events holds event-camera and silicon-cochlea recordings: their
// types, the file formats they come in, labelled datasets with
// reproducible splits, and the time binning that turns a recording into the
// input frames of a liquid state machine.
//
// # Events, samples, datasets
//
// An event sensor reports changes, not frames. A 2-D sensor (the ATIS
// camera of N-MNIST) emits Event2D{T, X, Y, P}: pixel (X, Y) saw its log
// intensity rise (P = 1, ON) or fall (P = 0, OFF) at T microseconds. A 1-D
// sensor (the 64-channel CochleaAMS1b of N-TIDIGITS) emits Event1D{T, Ch}:
// a spike on one frequency channel. A Sample is one labelled recording; a
// Dataset is many samples of one Sensor with a list of class names.
//
// Every reader and converter guarantees the invariants that
// Dataset.Validate checks: events are time-ordered and fit the sensor,
// labels index Classes, class names are unique. Selections (Filter, Subset,
// Head, Where, Split, SplitBySpeaker) never remap labels: a selection keeps
// the class list, so label 3 means the same class in every dataset cut from
// one source. They share event slices with their source, which callers
// treat as read-only.
//
// Class names match across datasets by name (ClassMatches): equal names, or
// names of the same digit (CanonicalDigit), so "0" matches N-TIDIGITS'
// "z" (zero) and "o" ("oh"). Pair implements the zero-shot pairing of the
// paper (Lin et al. 2025, the zero-shot protocol of the authors' scripts) on top of it.
//
// Randomness is explicit and stable: Split and Folds shuffle each class with
// a PCG stream seeded by the caller's seed and the class name, through a
// Fisher–Yates shuffle written out here, so a seed gives the same split on
// every platform and Go release.
//
// # File formats
//
//   - N-MNIST .bin (also slayer's .bs2): 5-byte events, with the
//     timestamp-overflow marker of some files (DecodeNMNIST); folders in the
//     official Train/Test/<digit> layout or slayer's numbered files with a
//     label list (ReadNMNIST).
//   - slayer .bs1: 5-byte 1-D events (DecodeSlayer1D).
//   - N-TIDIGITS n-tidigits.hdf5, through a pure-Go HDF5 reader
//     (ReadNTIDIGITS; events/internal/hdf5 explains why not cgo).
//   - PCM WAV (ReadWAV, WriteWAV) and folders named like the Free Spoken
//     Digit Dataset, <digit>_<speaker>_<index>.wav (ListFSDD).
//   - pen trajectories of MNIST digits as NumPy .npy arrays, plain or in
//     tar.gz archives (E. D. de Jong's stroke data: ReadStrokes,
//     WriteStrokeFiles); their events come from package convert's motor
//     model.
//   - Willett et al. 2021's singleLetters.mat (ReadWillett): threshold
//     crossings in 10 ms bins, MAT version 7.3 (HDF5) or 5/7 (a bounded
//     reader of its own, events/internal/mat5).
//   - memlsm's own compact format, .mev (WriteDataset, ReadDataset): a
//     whole dataset, metadata included, in about 2.3 bytes per N-MNIST
//     event.
//
// Readers are strict: truncated, empty, wrong-format and out-of-range input
// gives one *FormatError naming the file and the byte offset, and no input
// makes them panic (each binary decoder has a fuzz test). The package
// events/source opens any of them from a "scheme:path?options" string.
//
// # Binning
//
// A Binner turns a sample into Frames: for each of Steps() time steps, the
// sorted indices of the active inputs (and, for count binning, how often).
// Frames is a CSR layout — offsets per step and one index slice — so a
// sample is two or three allocations, and none once a Frames is reused.
// GridBinner reproduces the paper's N-MNIST input (16×16 centre crop,
// polarity channel 0, Tw = 50 binary frames; Lin et al. 2025, the authors' input binning) with the bin
// width, crop, polarity and counting as parameters; ChunkBinner reproduces
// its N-TIDIGITS input exactly (1 ms raster, 129 OR-pooled chunks with
// torch.chunk semantics, zero-padded). GridBinner bins through a
// PixelMap, a table from (pixel, polarity) to input, setting bits of a
// per-step bitset: one table look-up per event and no sorting, and a
// binner that pools blocks of pixels into one input (experiment's
// PoolBinner) is the same loop with another map (BinMapped).
//
// # Streams: samples made when they are read
//
// A Stream is what a pipeline that reads each sample once needs: the
// metadata of every sample (Index) and their events one at a time, on
// several goroutines (Each). A *Dataset is a Stream held in memory. A *Lazy
// holds only the metadata and a function that makes one sample's events
// (converts an image, decodes a record) when it is read, so a pipeline that
// reduces each sample as it comes — experiment.Classify bins it and keeps
// only its frames — never holds the events of the whole collection: 60,000
// saccade-converted MNIST digits are about 3 GB of events but 250 MB of
// frames. Lazy.Load makes them all into a Dataset, Subset and PerClass
// select without making anything, and a sample's events are the same
// whichever way it is read.
//
// # Test data
//
// Tests that read real recordings look for them in a data folder beside
// the repository (internal/shareddata), or in the folder named by the environment
// variable MEMLSM_SHARED_DATA (set it to an empty folder to test the
// fallback), and skip with a message when they are absent.
package events
