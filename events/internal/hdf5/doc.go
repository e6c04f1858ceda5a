// Package hdf5 reads the subset of HDF5 that h5py writes, enough for
// N-TIDIGITS' n-tidigits.hdf5 and files like it, in pure Go.
//
// # Why a reader of our own
//
// memlsm ships as one static binary that installs with "go install" and
// cross-compiles anywhere. The HDF Group's C library (through cgo, e.g.
// gonum.org/v1/hdf5) would need a C toolchain and libhdf5-dev on every
// machine that builds memlsm, and N-TIDIGITS only needs a small, read-only
// part of the format: a few groups of one-dimensional numeric datasets and
// a list of strings. This package implements that part, checks every
// offset and length against the file, verifies metadata checksums, and
// never panics on bad input (it is fuzzed).
//
// # What it reads
//
//   - superblock versions 0, 1 (h5py's default, libver="earliest") and 2, 3
//     (libver="latest"), with a user block before it;
//   - object headers version 1 and 2, with continuation blocks;
//   - groups stored as symbol tables (version-1 B-tree, symbol table nodes,
//     local heap), as link messages in the header ("compact"), or in dense
//     storage (fractal heap and version-2 B-tree name index);
//   - hard links (soft and external links are listed but not followed);
//   - datasets of any rank with contiguous, compact or chunked layout, the
//     chunks indexed by a version-1 B-tree, a single chunk, an implicit
//     index or an unpaged fixed array;
//   - the deflate (zlib), shuffle and Fletcher-32 filters;
//   - integers of 1–8 bytes (signed or not, either byte order), IEEE floats
//     of 2, 4 and 8 bytes (either byte order), fixed-length strings and
//     variable-length strings (global heap).
//
// Anything else (compound, enum and reference types, extensible-array and
// version-2 B-tree chunk indexes of datasets with unlimited dimensions,
// filtered fractal heaps, huge heap objects, virtual datasets, other
// filters) is reported with an error matching ErrUnsupported. Malformed
// input gives an error matching ErrFormat. Both are *Error values naming the
// file and the byte offset of the problem.
//
// The format is described in "HDF5 File Format Specification Version 3.0"
// (The HDF Group); field widths that the specification leaves to the
// library (v2 B-tree record counts, fractal heap ID lengths) follow the HDF5
// 1.10 sources, as cited where they are computed.
//
// The reader keeps the file open and reads each structure when asked for
// it: opening a group lists its links, opening a dataset reads its header,
// and Raw, Int64s, Float64s or Strings read its data.
package hdf5
