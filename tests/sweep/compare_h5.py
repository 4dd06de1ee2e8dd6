#!/usr/bin/python3
"""Compares two HDF5 files recursively: the same objects, equal datasets (NaN == NaN) and equal attributes, except
the wall-clock attributes of a run's /meta (started_utc, wall_seconds) and, with --ignore, more attribute names.
Exit 0 when equal, 1 with the differences listed. Usage: compare_h5.py A.h5 B.h5 [--ignore NAME ...]"""
import sys

import h5py
import numpy as np

WALL_CLOCK = {"started_utc", "wall_seconds"}


def equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.names:
        return all(equal(a[n], b[n]) for n in a.dtype.names)
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def compare(fa, fb, ignore):
    diffs = []

    def attrs(path, oa, ob):
        ka, kb = set(oa.attrs) - ignore, set(ob.attrs) - ignore
        if path.endswith("/meta") or path == "meta":
            ka, kb = ka - WALL_CLOCK, kb - WALL_CLOCK
        if ka != kb:
            diffs.append(f"{path}: attributes {sorted(ka ^ kb)} in one file only")
        for k in sorted(ka & kb):
            if not equal(oa.attrs[k], ob.attrs[k]):
                diffs.append(f"{path}@{k}: {oa.attrs[k]!r} != {ob.attrs[k]!r}")

    def walk(path, ga, gb):
        attrs(path or "/", ga, gb)
        if set(ga) != set(gb):
            diffs.append(f"{path or '/'}: members {sorted(set(ga) ^ set(gb))} in one file only")
        for name in sorted(set(ga) & set(gb)):
            a, b, p = ga[name], gb[name], f"{path}/{name}"
            if isinstance(a, h5py.Group) != isinstance(b, h5py.Group):
                diffs.append(f"{p}: group in one file, dataset in the other")
            elif isinstance(a, h5py.Group):
                walk(p, a, b)
            else:
                attrs(p, a, b)
                if not equal(a[()], b[()]):
                    diffs.append(f"{p}: dataset differs")

    walk("", fa, fb)
    return diffs


def main(argv):
    args = argv[1:]
    ignore = set()
    while "--ignore" in args:
        i = args.index("--ignore")
        ignore.add(args[i + 1])
        del args[i : i + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with h5py.File(args[0], "r") as fa, h5py.File(args[1], "r") as fb:
        diffs = compare(fa, fb, ignore)
    for d in diffs[:50]:
        print(d)
    if diffs:
        print(f"{len(diffs)} differences between {args[0]} and {args[1]}")
        return 1
    print(f"equal: {args[0]} {args[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
