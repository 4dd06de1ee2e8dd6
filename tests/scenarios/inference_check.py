#!/usr/bin/python3
"""Check the /requests dataset of an inference run against docs/results-schema.md and docs/inference.md.

Usage: inference_check.py FILE.h5 [--expect-requests N]

Checks the field names, order and dtypes of /requests, the status values and the time order of each row
(arrival <= start < first token <= finish for completed requests), then recomputes from the rows with numpy and
compares with /summary (relative tolerance 1e-9): inference_requests, _completed, _dropped, _rejected,
_throughput_rps, _mean_e2e_s, _p50/_p99_ttft_s, _mean_tpot_s; and Little's law: inference_mean_in_system equals
throughput x mean e2e when every request that entered the system finished. Exits 0 with one OK line, 1 with one
line per problem on stderr. Run with Debian's /usr/bin/python3 (python3-h5py).
"""

import argparse
import math
import sys

import h5py
import numpy as np

REQUEST_FIELDS = [
    ("id", "<i8"),
    ("service", "S16"),
    ("replica", "<i4"),
    ("arrival_s", "<f8"),
    ("start_s", "<f8"),
    ("first_token_s", "<f8"),
    ("finish_s", "<f8"),
    ("status", "S16"),
    ("prompt_tokens", "<i4"),
    ("output_tokens", "<i4"),
]
STATUSES = {b"completed", b"dropped", b"rejected", b"queued", b"running"}
REL_TOL = 1e-9


def close(a, b):
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def check(path, expect):
    problems = []
    with h5py.File(path, "r") as f:
        ds = f.get("requests")
        if not isinstance(ds, h5py.Dataset):
            return ["no /requests dataset"], ""
        names = list(ds.dtype.names or [])
        for i, (name, dtype) in enumerate(REQUEST_FIELDS):
            if i >= len(names) or names[i] != name:
                problems.append(f"/requests field {i} is {names[i] if i < len(names) else None!r}, expected {name!r}")
            elif ds.dtype.fields[name][0] != np.dtype(dtype):
                problems.append(f"/requests field {name} has dtype {ds.dtype.fields[name][0].str}, expected {dtype}")
        if problems:
            return problems, ""
        r = ds[()]
        summary = {k: float(np.asarray(v).reshape(())) for k, v in f["summary"].attrs.items()}
    n = len(r)
    if expect is not None and n != expect:
        problems.append(f"/requests has {n} rows, expected {expect}")
    bad = set(r["status"]) - STATUSES
    if bad:
        problems.append(f"unknown status values {sorted(bad)}")
    if n and not np.all(r["id"] == np.arange(n)):
        problems.append("ids are not 0..n-1 in order")
    if n and np.any(np.diff(r["arrival_s"]) < 0):
        problems.append("rows are not in arrival order")
    done = r[r["status"] == b"completed"]
    if np.any(done["start_s"] < done["arrival_s"]) or np.any(done["first_token_s"] < done["start_s"]) or np.any(
            done["finish_s"] < done["first_token_s"]):
        problems.append("a completed request has times out of order")
    end = summary.get("simulated_s", 0.0)
    e2e = done["finish_s"] - done["arrival_s"]
    ttft = done["first_token_s"] - done["arrival_s"]
    multi = done[done["output_tokens"] > 1]
    tpot = (multi["finish_s"] - multi["first_token_s"]) / (multi["output_tokens"] - 1)
    expected = {
        "inference_requests": float(n),
        "inference_completed": float(len(done)),
        "inference_dropped": float(np.sum(r["status"] == b"dropped")),
        "inference_rejected": float(np.sum(r["status"] == b"rejected")),
        "inference_throughput_rps": len(done) / end if end > 0 else 0.0,
        "inference_mean_e2e_s": float(e2e.mean()) if len(done) else 0.0,
        "inference_p50_ttft_s": float(np.percentile(ttft, 50)) if len(done) else 0.0,
        "inference_p99_ttft_s": float(np.percentile(ttft, 99)) if len(done) else 0.0,
        "inference_mean_tpot_s": float(tpot.mean()) if len(multi) else 0.0,
    }
    for name, value in expected.items():
        if name not in summary:
            problems.append(f"/summary lacks {name}")
        elif not close(summary[name], value):
            problems.append(f"/summary@{name} is {summary[name]!r} but /requests gives {value!r}")
    entered = np.isin(r["status"], [b"completed", b"queued", b"running"])
    if np.all(r["status"][entered] == b"completed") and end > 0:
        little = expected["inference_throughput_rps"] * expected["inference_mean_e2e_s"]
        if not close(summary.get("inference_mean_in_system", -1.0), little):
            problems.append(f"Little's law: inference_mean_in_system {summary.get('inference_mean_in_system')!r} "
                            f"!= throughput x mean e2e = {little!r}")
    ok = (f"{path}: OK: {n} requests ({len(done)} completed), p99 TTFT {expected['inference_p99_ttft_s']:.4g} s, "
          f"Little's law holds")
    return problems, ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--expect-requests", type=int)
    args = parser.parse_args(argv)
    try:
        problems, ok = check(args.file, args.expect_requests)
    except OSError as e:
        print(f"{args.file}: cannot open as HDF5: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"{args.file}: {p}", file=sys.stderr)
    if problems:
        return 1
    print(ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
