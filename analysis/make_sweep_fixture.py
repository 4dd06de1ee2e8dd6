#!/usr/bin/python3
"""Assemble a merged sweep file from single-run results files, in the format `racksim sweep` writes.

Usage: make_sweep_fixture.py OUT.h5 --parameters KEY[,KEY...] FILE.h5=VALUE[,VALUE...] ... [--name NAME]

Each FILE.h5 is one `racksim run` results file; VALUE, ... are its values of the parameters, in order (e.g.
`--parameters policies.scheduler q-fifo-1.h5=fifo q-las-1.h5=las`). Runs are named r0000, r0001, ... in the order
given; the seed comes from each file's /meta.

Written (docs/report.md, "Sweep files"): group /sweep (attributes name, sweep_yaml, digest, runs, runs_total,
parameters, shard); dataset /sweep/index, one compound row per run: run (int64), name (S16), seed (int64), status
(S16, "completed"), one S64 member per parameter named exactly the key, then one float64 member per /summary
attribute (the union over runs, first-seen order; NaN where a run lacks it); group /runs/<name> = the complete
content of that run's file. For tests of analysis/report.py before the sweep command exists, and after, to build
small sweep files by hand. The output is written to a temporary file and renamed.

Run with Debian's /usr/bin/python3 (python3-h5py, python3-numpy).
"""

import argparse
import hashlib
import os
import sys

import h5py
import numpy as np


def copy_attrs(src, dst):
    """Attributes one by one, keeping their HDF5 types (variable-length UTF-8 strings stay so)."""
    for key in src.attrs:
        dst.attrs.create(key, src.attrs[key], dtype=src.attrs.get_id(key).dtype)


def copy_tree(src, dst):
    """The content of group src into group dst. H5Ocopy (h5py's Group.copy, h5copy) segfaults on /meta with HDF5
    1.10.8 (Debian 12): its variable-length string attributes are in dense storage (creation order tracked, more
    than 8 attributes), HDFGroup/hdf5 issue #2414, fixed in 1.14.4 (PR #3967). So groups and attributes are copied
    here and only dataset contents by H5Ocopy."""
    copy_attrs(src, dst)
    for key, obj in src.items():
        if isinstance(obj, h5py.Group):
            copy_tree(obj, dst.create_group(key, track_order=True))
        else:
            src.copy(obj, dst, name=key, without_attrs=True)
            copy_attrs(obj, dst[key])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output")
    parser.add_argument("--parameters", required=True, help="comma-separated parameter keys, in order")
    parser.add_argument("--name", default="fixture", help="the sweep's name (/sweep@name)")
    parser.add_argument("runs", nargs="+", help="FILE.h5=VALUE[,VALUE...] per run")
    args = parser.parse_args(argv)

    parameters = args.parameters.split(",")
    runs = []
    for spec in args.runs:
        path, sep, values = spec.rpartition("=")
        if not sep or not path:
            parser.error(f"'{spec}': expected FILE.h5=VALUE[,VALUE...]")
        values = values.split(",")
        if len(values) != len(parameters):
            parser.error(f"'{spec}': {len(values)} values for {len(parameters)} parameters")
        runs.append((path, values))

    # The union of the /summary attributes, in first-seen order.
    metrics, seeds, summaries = [], [], []
    for path, _ in runs:
        with h5py.File(path, "r") as f:
            summary = {k: float(v) for k, v in f["summary"].attrs.items()}
            seeds.append(int(f["meta"].attrs["seed"]))
        summaries.append(summary)
        metrics += [k for k in summary if k not in metrics]

    dtype = np.dtype([("run", "<i8"), ("name", "S16"), ("seed", "<i8"), ("status", "S16")] +
                     [(p, "S64") for p in parameters] + [(m, "<f8") for m in metrics])
    index = np.zeros(len(runs), dtype=dtype)
    names = [f"r{i:04d}" for i in range(len(runs))]
    for i, ((path, values), summary) in enumerate(zip(runs, summaries)):
        index[i]["run"] = i
        index[i]["name"] = names[i].encode()
        index[i]["seed"] = seeds[i]
        index[i]["status"] = b"completed"
        for p, v in zip(parameters, values):
            index[i][p] = v.encode()
        for m in metrics:
            index[i][m] = summary.get(m, np.nan)

    sweep_yaml = (f"name: {args.name}\n# assembled by analysis/make_sweep_fixture.py from:\n" +
                  "".join(f"#   {os.path.basename(p)} = {','.join(v)}\n" for p, v in runs))
    tmp = f"{args.output}.tmp.{os.getpid()}"
    try:
        with h5py.File(tmp, "w") as out:
            sweep = out.create_group("sweep")
            sweep.attrs["name"] = args.name
            sweep.attrs["sweep_yaml"] = sweep_yaml
            sweep.attrs["digest"] = hashlib.sha256(sweep_yaml.encode()).hexdigest()
            sweep.attrs["runs"] = np.int64(len(runs))
            sweep.attrs["runs_total"] = np.int64(len(runs))
            sweep.attrs["parameters"] = ",".join(parameters)
            sweep.attrs["shard"] = "1/1"
            sweep.create_dataset("index", data=index)
            group = out.create_group("runs")
            for name, (path, _) in zip(names, runs):
                with h5py.File(path, "r") as src:
                    copy_tree(src, group.create_group(name, track_order=True))
        os.replace(tmp, args.output)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"sweep fixture: {args.output} ({len(runs)} runs, parameters {', '.join(parameters)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
