#!/usr/bin/env python3
"""Write MAT-files in the layouts of Willett et al. 2021's singleLetters.mat.

usage: gen_willett.py OUTDIR

Writes OUTDIR/v5.mat (Level 5, uncompressed: scipy.io.savemat), v7.mat
(Level 5 with zlib-compressed variables, as MATLAB's default -v7 save) and
v73.mat / v73_contiguous.mat (MATLAB 7.3: HDF5 with MATLAB's 512-byte
header as a user block, each array stored with its dimensions reversed, as
MATLAB writes them; gzip-chunked and contiguous).

Every file holds neuralActivityCube_<c> for c in a, b, greaterThan: arrays
of 4 trials x 7 bins x 5 electrodes (float64) whose element (t, b, e) of
the c-th cube is (3*c + 5*t + 2*b + e) % 4 -- the closed form the Go test
compares with -- plus meansPerBlock (9 x 5) and a character array, which
the reader must skip.
"""
import sys

import numpy as np

CHARS = ["a", "b", "greaterThan"]
T, B, E = 4, 7, 5


def cube(ci):
    t, b, e = np.meshgrid(np.arange(T), np.arange(B), np.arange(E), indexing="ij")
    return ((3 * ci + 5 * t + 2 * b + e) % 4).astype(np.float64)


def variables():
    v = {"neuralActivityCube_" + c: cube(i) for i, c in enumerate(CHARS)}
    v["meansPerBlock"] = np.ones((9, E))
    v["note"] = "threshold crossings"
    return v


def main(out):
    import scipy.io

    scipy.io.savemat(out + "/v5.mat", variables(), do_compression=False)
    scipy.io.savemat(out + "/v7.mat", variables(), do_compression=True)
    try:
        import h5py
    except ImportError:
        return
    for name, comp in (("v73.mat", "gzip"), ("v73_contiguous.mat", None)):
        path = out + "/" + name
        with h5py.File(path, "w", userblock_size=512) as f:
            for k, a in variables().items():
                if isinstance(a, str):
                    d = f.create_dataset(k, data=np.frombuffer(a.encode("utf-16-le"), dtype=np.uint16).reshape(-1, 1))
                    d.attrs["MATLAB_class"] = np.bytes_("char")
                    continue
                kw = {"compression": comp, "chunks": True} if comp else {}
                d = f.create_dataset(k, data=np.ascontiguousarray(a.T), **kw)
                d.attrs["MATLAB_class"] = np.bytes_("double")
        text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
        hdr = text.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02" + b"IM"
        with open(path, "r+b") as f:
            f.write(hdr)


if __name__ == "__main__":
    main(sys.argv[1])
