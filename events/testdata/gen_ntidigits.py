#!/usr/bin/python3
"""Write a small HDF5 file with the layout of N-TIDIGITS' n-tidigits.hdf5.

Layout (Anumula et al. 2018, the N-TIDIGITS18 release as read by tonic NTIDIGITS18 and ebdataset NTidigits): datasets
train_labels and test_labels hold the sample ids as byte strings; groups
train_addresses, train_timestamps, test_addresses, test_timestamps hold one
dataset per id: the channel (0..63) and the time in SECONDS of every event.
The label of a sample is the text after the last '-' of its id.

The content is a closed-form function of the sample's position, which the Go
tests recompute: sample i (0-based, train then test) has 3 + 2*(i % 7) events;
event j is on channel (7*i + 5*j) % 64 at (4*i + j)/64 s, a time that every
float type (even float16) holds exactly, i.e. 15625*(4*i + j) microseconds.

Usage: gen_ntidigits.py OUT.hdf5 [--variant NAME]
       gen_ntidigits.py OUTDIR --variant all     (writes OUTDIR/<variant>.hdf5 for every variant)
Variants exercise the HDF5 features the Go reader must handle:
  default   h5py defaults: superblock v0, symbol-table groups, contiguous data
  chunked   chunked datasets with gzip + shuffle + fletcher32
  latest    libver='latest': superblock v3, v2 object headers, link messages
  latestchunked  libver='latest' and chunked+gzip (layout v4 chunk indexes)
  vlen      labels as variable-length UTF-8 strings (global heap)
  many      300 train samples: multi-level symbol-table B-trees
  dense     libver='latest' with 300 samples: dense link storage (fractal heap)
  dtypes    addresses and timestamps in many integer/float types and byte orders
  badts     one negative timestamp (the reader must reject it)
  badch     one channel of 64 (the reader must reject it)
The committed fixture ntidigits_small.hdf5 is the default variant.
"""
import argparse
import os

import h5py
import numpy as np

SPEAKERS = ["man-ae", "woman-bc", "boy-cd", "girl-de"]
# Single digits (z and o both zero), plus multi-digit sequences that the
# single-digit filter must drop.
LABELS = ["1", "z", "2", "o", "3", "4", "5", "6", "7", "8", "9", "1z3", "55", "o"]


def ids(partition, n):
    out = []
    for k in range(n):
        lab = LABELS[k % len(LABELS)]
        spk = SPEAKERS[k % len(SPEAKERS)]
        # Real ids are unique; add the repetition as a letter after the speaker.
        out.append("%s%s-%s" % (spk, chr(ord("a") + k // len(LABELS)) if k >= len(LABELS) else "", lab))
    return out


def events(i):
    n = 3 + 2 * (i % 7)
    j = np.arange(n)
    ch = (7 * i + 5 * j) % 64
    t = (4 * i + j) / 64.0
    return ch, t


ADDR_TYPES = ["<u2", "u1", ">i2", "<i4", ">i8", "<u4", "<f4"]
TS_TYPES = ["<f8", "<f4", ">f8", "<f2", ">f4"]


VARIANTS = ["default", "chunked", "latest", "latestchunked", "vlen", "many", "dense", "dtypes", "badts", "badch"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--variant", default="default", choices=VARIANTS + ["all"])
    a = ap.parse_args()
    if a.variant == "all":
        for v in VARIANTS:
            write(os.path.join(a.out, v + ".hdf5"), v)
    else:
        write(a.out, a.variant)


def write(out, v):
    libver = "latest" if v in ("latest", "latestchunked", "dense") else "earliest"
    ntrain = 300 if v in ("many", "dense") else 14
    ntest = 6
    opts = {}
    if v == "chunked":
        opts = dict(chunks=(4,), compression="gzip", shuffle=True, fletcher32=True)
    elif v == "latestchunked":
        opts = dict(chunks=(4,), compression="gzip", compression_opts=9, shuffle=True)
    with h5py.File(out, "w", libver=libver) as f:
        i = 0
        for part, n in (("train", ntrain), ("test", ntest)):
            names = ids(part, n)
            if v == "vlen":
                f.create_dataset(part + "_labels", data=np.array(names, dtype=object), dtype=h5py.string_dtype())
            else:
                f.create_dataset(part + "_labels", data=np.array([s.encode() for s in names]), **opts)
            ga = f.create_group(part + "_addresses")
            gt = f.create_group(part + "_timestamps")
            for k, name in enumerate(names):
                ch, t = events(i)
                adt, tdt = "<u2", "<f8"
                if v == "dtypes":
                    adt, tdt = ADDR_TYPES[i % len(ADDR_TYPES)], TS_TYPES[i % len(TS_TYPES)]
                if v == "badts" and i == 3:
                    t = t.copy()
                    t[1] = -0.5
                if v == "badch" and i == 3:
                    ch = ch.copy()
                    ch[2] = 64
                # Chunks larger than a small dataset are clipped to it (single chunk).
                o = dict(opts)
                if "chunks" in o and len(ch) < 4:
                    o["chunks"] = (len(ch),)
                ga.create_dataset(name, data=np.asarray(ch, dtype=adt), **o)
                gt.create_dataset(name, data=np.asarray(t, dtype=tdt), **o)
                i += 1


if __name__ == "__main__":
    main()
