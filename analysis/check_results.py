#!/usr/bin/python3
"""Check a racksim results file against docs/results-schema.md.

Usage: check_results.py FILE.h5 [--expect-jobs N]

Checks the groups, the /jobs and /timeseries field names and dtypes, the /meta and /summary attributes (and the
units and directions /meta gives for /summary), and
recomputes jobs_completed, mean_jct_s and makespan_s from /jobs with pandas to compare with /summary (relative
tolerance 1e-9); when /collectives is present, its fields and nccl-tests' algbw = bytes / time_s and
busbw = algbw x bus factor of each row. Prints one OK line and exits 0, or prints one line per problem on stderr and exits 1
(2 for usage errors or a file that cannot be opened).

Run it with Debian's /usr/bin/python3 (python3-h5py, python3-pandas).
"""

import argparse
import json
import math
import sys

import h5py
import numpy as np
import pandas as pd

SCHEMA_VERSION = 1

# (name, numpy dtype) in file order; these lead the compound type (later versions may append fields).
JOB_FIELDS = [
    ("id", "<i8"),
    ("kind", "S16"),
    ("submit_s", "<f8"),
    ("start_s", "<f8"),
    ("end_s", "<f8"),
    ("gpus", "<i4"),
    ("status", "S16"),
    ("restarts", "<i4"),
    ("queue_s", "<f8"),
    ("compute_s", "<f8"),
    ("comm_s", "<f8"),
    ("checkpoint_s", "<f8"),
    ("lost_gpu_s", "<f8"),
    ("energy_j", "<f8"),
    ("nodes", "<i4"),
    ("racks", "<i4"),
    ("timing", "S16"),
    ("mfu", "<f8"),
    ("tokens_per_s", "<f8"),
]

EVENT_FIELDS = [
    ("time_s", "<f8"),
    ("kind", "S16"),
    ("component", "S16"),
    ("job", "<i8"),
    ("value", "<f8"),
    ("cause", "S16"),
]
EVENT_KINDS = {"failure", "repair", "interrupt", "restart", "swap", "shrink", "job_failed", "preempt",
               "replica_down", "replica_up", "alert_raise", "alert_clear"}

COLLECTIVE_FIELDS = [
    ("job", "<i8"),
    ("op", "S16"),
    ("algorithm", "S16"),
    ("bytes", "<i8"),
    ("ranks", "<i4"),
    ("start_s", "<f8"),
    ("time_s", "<f8"),
    ("algbw_Bps", "<f8"),
    ("busbw_Bps", "<f8"),
    ("ideal_s", "<f8"),
    ("nodes", "<i4"),
    ("racks", "<i4"),
]

# nccl-tests' bus bandwidth factors (docs/results-schema.md).
BUS_FACTOR = {
    "allreduce": lambda n: 2 * (n - 1) / n,
    "allgather": lambda n: (n - 1) / n,
    "reducescatter": lambda n: (n - 1) / n,
    "alltoall": lambda n: (n - 1) / n,
    "broadcast": lambda n: 1.0,
}

SAMPLE_FIELDS = [("time_s", "<f8"), ("value", "<f8")]

META_STRINGS = ["racksim_version", "git_sha", "simgrid_version", "scenario_yaml", "calibration", "started_utc"]

SUMMARY_NAMES = [
    "jobs_total", "jobs_completed", "jobs_unfinished", "makespan_s",
    "mean_jct_s", "p50_jct_s", "p90_jct_s", "p99_jct_s",
    "mean_queue_s", "p50_queue_s", "p99_queue_s",
    "gpu_utilization", "gpu_hours_allocated",
    "mean_compute_s", "mean_comm_s", "mean_checkpoint_s", "comm_fraction",
]

REL_TOL = 1e-9
# Values that should be 0 may come out as 1e-13 after summing in a different order.
ABS_TOL = 1e-9


def is_string(value):
    return isinstance(value, (str, bytes, np.bytes_, np.str_))


def is_scalar_number(value, kinds):
    arr = np.asarray(value)
    return arr.shape in ((), (1,)) and arr.dtype.kind in kinds


def check_fields(where, dtype, expected, problems):
    if dtype.names is None:
        problems.append(f"{where} is not a compound dataset (dtype {dtype})")
        return
    names = list(dtype.names)
    for i, (name, want) in enumerate(expected):
        if name not in dtype.fields:
            problems.append(f"{where} lacks field '{name}'")
            continue
        got = dtype.fields[name][0]
        if got != np.dtype(want):
            problems.append(f"{where} field '{name}' has dtype {got.str}, expected {np.dtype(want).str}")
        if i >= len(names) or names[i] != name:
            problems.append(f"{where} field '{name}' is not at position {i} (fields: {', '.join(names)})")


def check_meta(f, problems):
    if not isinstance(f.get("meta"), h5py.Group):
        problems.append("no /meta group")
        return
    attrs = f["meta"].attrs
    for name in META_STRINGS:
        if name not in attrs:
            problems.append(f"/meta lacks attribute '{name}'")
        elif not is_string(attrs[name]):
            problems.append(f"/meta@{name} is not a string")
    if "seed" not in attrs:
        problems.append("/meta lacks attribute 'seed'")
    elif not is_scalar_number(attrs["seed"], "u") or np.asarray(attrs["seed"]).dtype.itemsize != 8:
        problems.append(f"/meta@seed is not a uint64 (dtype {np.asarray(attrs['seed']).dtype})")
    if "wall_seconds" not in attrs:
        problems.append("/meta lacks attribute 'wall_seconds'")
    elif not is_scalar_number(attrs["wall_seconds"], "f"):
        problems.append("/meta@wall_seconds is not a float")
    if "schema_version" not in attrs:
        problems.append("/meta lacks attribute 'schema_version'")
    elif not is_scalar_number(attrs["schema_version"], "iu"):
        problems.append("/meta@schema_version is not an integer")
    elif int(attrs["schema_version"]) != SCHEMA_VERSION:
        problems.append(f"/meta@schema_version is {int(attrs['schema_version'])}, this checker knows {SCHEMA_VERSION}")


def check_timeseries(f, problems):
    group = f.get("timeseries")
    if not isinstance(group, h5py.Group):
        problems.append("no /timeseries group")
        return 0
    count = 0
    for name, obj in group.items():
        where = f"/timeseries/{name}"
        if not isinstance(obj, h5py.Dataset):
            problems.append(f"{where} is not a dataset")
            continue
        count += 1
        check_fields(where, obj.dtype, SAMPLE_FIELDS, problems)
        if obj.ndim != 1:
            problems.append(f"{where} is not one-dimensional")
        if "unit" not in obj.attrs or not is_string(obj.attrs["unit"]):
            problems.append(f"{where} lacks a string attribute 'unit'")
        if "interval_s" not in obj.attrs or not is_scalar_number(obj.attrs["interval_s"], "f"):
            problems.append(f"{where} lacks a float attribute 'interval_s'")
            continue
        if obj.dtype.names is None or "time_s" not in obj.dtype.names or obj.shape[0] < 2:
            continue
        interval = float(obj.attrs["interval_s"])
        times = obj["time_s"]
        expected = np.arange(len(times)) * interval
        if not np.allclose(times, expected, rtol=REL_TOL, atol=ABS_TOL):
            problems.append(f"{where}: time_s is not i * interval_s (interval_s = {interval})")
    return count


def recompute(jobs):
    """The three summary metrics this checker recomputes independently (formulas: docs/results-schema.md)."""
    completed = jobs[jobs["status"] == "completed"]
    if completed.empty:
        return {"jobs_completed": 0.0, "mean_jct_s": 0.0, "makespan_s": 0.0}
    return {
        "jobs_completed": float(len(completed)),
        "mean_jct_s": float((completed["end_s"] - completed["submit_s"]).mean()),
        "makespan_s": float(completed["end_s"].max() - jobs["submit_s"].min()),
    }


def check_collectives(f, problems):
    ds = f.get("collectives")
    if ds is None:
        return 0  # files written before /collectives existed
    before = len(problems)
    check_fields("/collectives", ds.dtype, COLLECTIVE_FIELDS, problems)
    if len(problems) > before:
        return 0
    for i, row in enumerate(ds[()]):
        op = row["op"].decode("utf-8")
        if op not in BUS_FACTOR:
            problems.append(f"/collectives row {i}: unknown op '{op}'")
            continue
        t, n = float(row["time_s"]), int(row["ranks"])
        algbw = float(row["bytes"]) / t if t > 0 else 0.0
        if not math.isclose(float(row["algbw_Bps"]), algbw, rel_tol=REL_TOL):
            problems.append(f"/collectives row {i}: algbw_Bps {row['algbw_Bps']!r} != bytes / time_s = {algbw!r}")
        busbw = algbw * BUS_FACTOR[op](n)
        if not math.isclose(float(row["busbw_Bps"]), busbw, rel_tol=REL_TOL):
            problems.append(f"/collectives row {i}: busbw_Bps {row['busbw_Bps']!r} != algbw x factor = {busbw!r}")
    return len(ds)


def check_events(f, summary, problems):
    """/events: fields, kinds, time order per kind, and the summary counts it implies (docs/results-schema.md)."""
    ds = f.get("events")
    if ds is None:
        return 0  # files written before /events existed
    check_fields("/events", ds.dtype, EVENT_FIELDS, problems)
    rows = ds[()]
    kinds = [k.decode("utf-8") for k in rows["kind"]] if len(rows) else []
    for i, k in enumerate(kinds):
        if k not in EVENT_KINDS:
            problems.append(f"/events row {i}: unknown kind '{k}'")
    failures = [t for t, k in zip(rows["time_s"] if len(rows) else [], kinds) if k == "failure"]
    if any(b < a for a, b in zip(failures, failures[1:])):
        problems.append("/events: failures are not in time order")
    counts = {"failures": kinds.count("failure"), "preemptions": kinds.count("preempt"),
              "restarts": kinds.count("restart") + kinds.count("swap") + kinds.count("shrink"),
              "jobs_failed": kinds.count("job_failed"), "alerts_raised": kinds.count("alert_raise")}
    # Alerts (docs/alerts.md): alert.<rule>.raised counts that rule's alert_raise rows (component = the rule).
    components = [c.decode("utf-8") for c in rows["component"]] if len(rows) else []
    for name in summary:
        if name.startswith("alert.") and name.endswith(".raised"):
            rule = name[len("alert."):-len(".raised")]
            counts[name] = sum(1 for k, c in zip(kinds, components) if k == "alert_raise" and c == rule)
    for name, value in counts.items():
        if name in summary and summary[name] != value:
            problems.append(f"/summary@{name} is {summary[name]:g} but /events gives {value}")
    return len(rows)


DIRECTIONS = {"lower_is_better", "higher_is_better", "descriptive"}


def check_summary_description(f, problems):
    """/meta@summary_units and /meta@summary_directions (absent in older files): JSON objects naming exactly the
    /summary attributes, in their order, with string units and known directions."""
    meta = f["meta"].attrs if isinstance(f.get("meta"), h5py.Group) else {}
    names = list(f["summary"].attrs) if isinstance(f.get("summary"), h5py.Group) else []
    for attr, valid in (("summary_units", None), ("summary_directions", DIRECTIONS)):
        if attr not in meta:
            continue
        value = meta[attr]
        try:
            mapping = json.loads(value.decode() if isinstance(value, bytes) else str(value))
        except ValueError as e:
            problems.append(f"/meta@{attr} is not JSON ({e})")
            continue
        if not isinstance(mapping, dict) or list(mapping) != names:
            problems.append(f"/meta@{attr} does not list the /summary attributes in their order")
            continue
        for name, v in mapping.items():
            if not isinstance(v, str) or (valid is not None and v not in valid):
                problems.append(f"/meta@{attr}: '{name}' has {v!r}")


def check(path, expect_jobs):
    """Returns (problems, OK line)."""
    problems = []
    with h5py.File(path, "r") as f:
        check_meta(f, problems)

        jobs_ds = f.get("jobs")
        if not isinstance(jobs_ds, h5py.Dataset):
            problems.append("no /jobs dataset: not a racksim results file")
            return problems, ""
        jobs_problems = []
        check_fields("/jobs", jobs_ds.dtype, JOB_FIELDS, jobs_problems)
        if jobs_ds.ndim != 1:
            jobs_problems.append("/jobs is not one-dimensional")
        problems += jobs_problems
        n_series = check_timeseries(f, problems)
        n_collectives = check_collectives(f, problems)

        summary = {}
        if not isinstance(f.get("summary"), h5py.Group):
            problems.append("no /summary group")
        else:
            for name in SUMMARY_NAMES:
                if name not in f["summary"].attrs:
                    problems.append(f"/summary lacks attribute '{name}'")
            for name, value in f["summary"].attrs.items():
                if not is_scalar_number(value, "iuf"):
                    problems.append(f"/summary@{name} is not a number")
                else:
                    summary[name] = float(np.asarray(value).reshape(()))
        check_summary_description(f, problems)
        n_events = check_events(f, summary, problems)
        if jobs_problems:
            return problems, ""  # the recomputation below needs a well-formed /jobs
        jobs = pd.DataFrame(jobs_ds[()])
        for column in ("kind", "status"):
            jobs[column] = jobs[column].str.decode("utf-8")

    if expect_jobs is not None and len(jobs) != expect_jobs:
        problems.append(f"/jobs has {len(jobs)} rows, expected {expect_jobs}")
    if "jobs_total" in summary and summary["jobs_total"] != len(jobs):
        problems.append(f"/summary@jobs_total is {summary['jobs_total']:g} but /jobs has {len(jobs)} rows")
    recomputed = recompute(jobs)
    for name, value in recomputed.items():
        if name in summary and not math.isclose(summary[name], value, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            problems.append(f"/summary@{name} is {summary[name]!r} but /jobs gives {value!r}")
    ok_line = (f"{path}: OK: {len(jobs)} jobs ({int(recomputed['jobs_completed'])} completed), {n_series} time "
               f"series, {n_collectives} collectives, {n_events} events, {len(summary)} summary metrics, schema v{SCHEMA_VERSION}")
    return problems, ok_line


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check a racksim results file against docs/results-schema.md.")
    parser.add_argument("file", help="results file (.h5) written by racksim")
    parser.add_argument("--expect-jobs", type=int, metavar="N", help="fail unless /jobs has exactly N rows")
    args = parser.parse_args(argv)
    try:
        problems, ok_line = check(args.file, args.expect_jobs)
    except OSError as e:
        print(f"{args.file}: cannot open as HDF5: {e}", file=sys.stderr)
        return 2
    if problems:
        for problem in problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        return 1
    print(ok_line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
