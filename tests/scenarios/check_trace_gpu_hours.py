#!/usr/bin/env python3
"""Trace replay check: the GPU-hours racksim allocated equal the trace's own sum of gpus x duration.

Usage: check_trace_gpu_hours.py RESULTS.h5 TRACE.csv GPUS_COLUMN DURATION_COLUMN REL_TOL

Rows asking for 0 GPUs are left out (racksim skips them). With checkpoints off and jobs placed well on a
non-blocking fabric, every job keeps its trace duration, so the two sums agree; the tolerance says how well.
"""
import csv
import sys

import h5py


def main():
    results, trace, gpus_col, dur_col, rel_tol = sys.argv[1:6]
    rel_tol = float(rel_tol)
    expected_s, rows = 0.0, 0
    with open(trace, newline="") as f:
        for row in csv.DictReader(f):
            gpus = int(row[gpus_col])
            if gpus > 0:
                expected_s += gpus * float(row[dur_col])
                rows += 1
    with h5py.File(results, "r") as h5:
        summary = h5["summary"].attrs
        got = float(summary["gpu_hours_allocated"]) * 3600
        completed = int(summary["jobs_completed"])
    err = abs(got - expected_s) / expected_s
    print(f"trace {rows} jobs, {expected_s / 3600:.3f} GPU-h; racksim {completed} completed, {got / 3600:.3f} GPU-h; "
          f"relative error {err:.2e} (tolerance {rel_tol:g})")
    if completed != rows:
        sys.exit(f"FAIL: {completed} jobs completed, the trace has {rows} runnable rows")
    if err > rel_tol:
        sys.exit("FAIL: GPU-hours differ from the trace by more than the tolerance")


if __name__ == "__main__":
    main()
