"""The figures of analysis/report.py (matplotlib, Agg backend): one function per plot.

Each plot function takes the data and a path, writes one PNG atomically (temporary file + rename) and returns a dict
of the numbers it drew (for summary.json), or raises Skip with the reason when the data is not there.

Run with Debian's /usr/bin/python3 (python3-matplotlib, python3-numpy, python3-pandas).
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend choice)
import numpy as np  # noqa: E402

DPI = 110
NOT_JOBS = ("inference", "collective")  # /jobs kinds that are replicas or collective groups, not submitted jobs


class Skip(Exception):
    """A plot whose data is absent; the message says why (shown on the page)."""


def save(fig, path):
    """Writes the figure as PNG atomically: a temporary file in the same directory, then rename."""
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight")  # keeps legends placed outside the axes
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)


def time_scale(max_s):
    """(divisor, unit label) for a time axis whose largest value is max_s seconds."""
    if max_s < 1e-3:
        return 1e-6, "µs"
    if max_s < 1:
        return 1e-3, "ms"
    if max_s <= 300:
        return 1.0, "s"
    if max_s <= 3 * 3600:
        return 60.0, "min"
    if max_s <= 3 * 86400:
        return 3600.0, "h"
    return 86400.0, "days"


def value_scale(unit, max_value):
    """(divisor, label) to show a series in readable units: W as kW or MW, B/s as GB/s, ..."""
    if unit == "W":
        if max_value >= 1e6:
            return 1e6, "MW"
        if max_value >= 1e3:
            return 1e3, "kW"
    if unit == "B/s":
        return 1e9, "GB/s"
    return 1.0, unit


def ecdf(values):
    """Sorted values and their empirical CDF i/n, i = 1..n."""
    x = np.sort(np.asarray(values, dtype=float))
    return x, np.arange(1, x.size + 1) / x.size


def percentiles(values):
    """p50, p90, p99 with numpy's linear method (the one /summary uses)."""
    x = np.asarray(values, dtype=float)
    return {f"p{p}": float(np.percentile(x, p)) for p in (50, 90, 99)}


def _cdf_axes(ax, x, y, label):
    """Step CDF; log x when the positive values span more than two decades."""
    ax.step(x, y, where="post", label=label)
    positive = x[x > 0]
    if positive.size and positive.max() / positive.min() > 100:
        ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("fraction of jobs")
    ax.grid(True, alpha=0.3)


def completed_jobs(jobs):
    """Completed submitted jobs (not inference replicas or collective groups); raises Skip with the reason."""
    if jobs is None or len(jobs) == 0:
        raise Skip("/jobs has no rows")
    done = jobs[jobs["status"] == "completed"]
    if len(done) == 0:
        raise Skip("no job completed")
    real = done[~done["kind"].isin(NOT_JOBS)]
    if len(real) == 0:
        kinds = ", ".join(sorted(set(done["kind"])))
        raise Skip(f"the /jobs rows are {kinds} rows (replicas or collective groups), not submitted jobs")
    return real


def plot_jct_cdf(jobs, path):
    done = completed_jobs(jobs)
    jct = (done["end_s"] - done["submit_s"]).to_numpy()
    div, unit = time_scale(jct.max())
    x, y = ecdf(jct / div)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    _cdf_axes(ax, x, y, "JCT")
    pct = percentiles(jct)
    for name, style in (("p50", ":"), ("p99", "--")):
        ax.axvline(pct[name] / div, color="grey", linestyle=style, label=f"{name} = {pct[name] / div:.4g} {unit}")
    ax.set_xlabel(f"job completion time, end − submit ({unit})")
    ax.set_title(f"Job completion time CDF ({len(jct)} completed jobs)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    save(fig, path)
    return {"jobs": int(len(jct)), "mean_s": float(jct.mean()), **{k + "_s": v for k, v in pct.items()}}


def plot_queue_cdf(jobs, path):
    done = completed_jobs(jobs)
    q = done["queue_s"].to_numpy()
    zero = float(np.mean(q == 0))
    div, unit = time_scale(q.max()) if q.max() > 0 else (1.0, "s")
    x, y = ecdf(q / div)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    _cdf_axes(ax, x, y, "queueing delay")
    pct = percentiles(q)
    ax.axvline(pct["p99"] / div, color="grey", linestyle="--", label=f"p99 = {pct['p99'] / div:.4g} {unit}")
    log_note = " (log scale hides the 0 s jobs: the curve starts at their share)" if ax.get_xscale() == "log" else ""
    ax.set_xlabel(f"queueing delay, start − submit ({unit}){log_note}")
    ax.set_title(f"Queueing delay CDF ({len(q)} completed jobs, {zero:.0%} started at once)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    save(fig, path)
    return {"jobs": int(len(q)), "mean_s": float(q.mean()), "share_zero": zero,
            **{k + "_s": v for k, v in pct.items()}}


FIRST_SERIES = ("gpus_allocated", "queue_length")


def plot_timeseries(series, total_gpus, path):
    """One panel per series, sharing the time axis: GPUs allocated and queue length first, then the others."""
    present = [s for s in series if len(s.data) > 0]
    if not present:
        raise Skip("/timeseries has no series with samples")
    order = sorted(present, key=lambda s: FIRST_SERIES.index(s.name) if s.name in FIRST_SERIES else len(FIRST_SERIES))
    t_max = max(float(s.data["time_s"].max()) for s in order)
    div, t_unit = time_scale(t_max)
    fig, axes = plt.subplots(len(order), 1, figsize=(8.5, 2.0 + 1.7 * len(order)), sharex=True, squeeze=False)
    drawn = {}
    for ax, s in zip(axes[:, 0], order):
        v = s.data["value"].to_numpy(dtype=float)
        vdiv, vunit = value_scale(s.unit, float(np.nanmax(np.abs(v))) if v.size else 0.0)
        ax.step(s.data["time_s"].to_numpy() / div, v / vdiv, where="post", linewidth=1.0)
        if s.name == "gpus_allocated" and total_gpus:
            ax.axhline(total_gpus, color="grey", linestyle="--", linewidth=0.8, label=f"{total_gpus:g} GPUs in total")
            ax.legend(loc="upper right", fontsize="small")
        if v.size and np.nanmin(v) >= 0:
            ax.set_ylim(bottom=0)
        ax.set_ylabel(f"{s.name}\n({vunit})" if vunit else s.name, fontsize="small")
        ax.grid(True, alpha=0.3)
        drawn[s.name] = {"unit": s.unit, "samples": int(v.size), "interval_s": s.interval_s,
                         "max": float(np.nanmax(v)) if v.size else None,
                         "mean_of_samples": float(np.nanmean(v)) if v.size else None}
    axes[-1, 0].set_xlabel(f"simulated time ({t_unit})")
    axes[0, 0].set_title("Time series (value holding at each sample)")
    fig.tight_layout()
    save(fig, path)
    return drawn


def _format_bytes(b):
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= size:
            return f"{b / size:g} {unit}"
    return f"{b:g} B"


def plot_collectives(coll, path):
    """busbw vs message size, one line per (op, algorithm, ranks); groups of the same size averaged."""
    if coll is None or len(coll) == 0:
        raise Skip("/collectives has no rows (not a collective workload)")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    lines = {}
    for (op, alg, ranks), g in coll.groupby(["op", "algorithm", "ranks"], sort=False):
        by_size = g.groupby("bytes", sort=True)
        size = np.array(list(by_size.groups.keys()), dtype=float)
        busbw = by_size["busbw_Bps"].mean().to_numpy()
        ideal = (by_size["busbw_Bps"].mean() * by_size["time_s"].mean() / by_size["ideal_s"].mean()).to_numpy()
        label = f"{op} {alg}, {ranks} ranks"
        (line,) = ax.plot(size, busbw / 1e9, marker="o", label=label)
        if not np.allclose(ideal, busbw, rtol=1e-9):
            ax.plot(size, ideal / 1e9, linestyle="--", color=line.get_color(), label=f"{label}: alone (ideal)")
        lines[label] = {"bytes": [int(s) for s in size], "busbw_Bps": [float(b) for b in busbw]}
    ax.set_xscale("log", base=2)
    sizes = sorted(set(int(b) for b in coll["bytes"]))
    if len(sizes) <= 12:
        ax.set_xticks(sizes)
        ax.set_xticklabels([_format_bytes(s) for s in sizes], fontsize="small")
    ax.set_xlabel("message size per rank (nccl-tests 'size')")
    ax.set_ylabel("bus bandwidth (GB/s)")
    ax.set_ylim(bottom=0)
    ax.set_title("Collective bus bandwidth vs message size (mean over groups)")
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(fontsize="small")
    fig.tight_layout()
    save(fig, path)
    return lines


def request_latencies(req):
    """TTFT, TPOT, e2e and wait of the completed requests (docs/results-schema.md, /summary inference rows)."""
    if req is None or len(req) == 0:
        raise Skip("/requests has no rows (not an inference workload)")
    done = req[req["status"] == "completed"]
    if len(done) == 0:
        raise Skip("no request completed")
    multi = done[done["output_tokens"] > 1]
    return {
        "ttft": (done["first_token_s"] - done["arrival_s"]).to_numpy(),
        "tpot": ((multi["finish_s"] - multi["first_token_s"]) / (multi["output_tokens"] - 1)).to_numpy(),
        "e2e": (done["finish_s"] - done["arrival_s"]).to_numpy(),
        "wait": (done["start_s"] - done["arrival_s"]).to_numpy(),
    }


def plot_requests(req, path):
    lat = request_latencies(req)
    names = [k for k in ("ttft", "tpot", "e2e", "wait") if lat[k].size]
    stats = {k: {"mean_s": float(lat[k].mean()), **{p + "_s": v for p, v in percentiles(lat[k]).items()}}
             for k in names}
    top = max(stats[k]["p99_s"] for k in names)
    div, unit = time_scale(top)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    width = 0.26
    xs = np.arange(len(names))
    for i, p in enumerate(("p50", "p90", "p99")):
        vals = [stats[k][p + "_s"] / div for k in names]
        bars = left.bar(xs + (i - 1) * width, vals, width, label=p)
        left.bar_label(bars, fmt="%.3g", fontsize="x-small", rotation=90, padding=2)
    left.set_xticks(xs)
    left.set_xticklabels([k.upper() for k in names])
    left.set_ylabel(f"latency ({unit})")
    left.set_title(f"Request latency percentiles ({int(lat['e2e'].size)} completed)")
    left.margins(y=0.2)
    left.legend()
    left.grid(True, axis="y", alpha=0.3)
    for k in ("ttft", "e2e"):
        x, y = ecdf(lat[k] / div)
        right.step(x, y, where="post", label=k.upper())
    right.set_xscale("log")
    right.set_xlabel(f"latency ({unit})")
    right.set_ylabel("fraction of completed requests")
    right.set_ylim(0, 1.02)
    right.set_title("CDF: time to first token and end-to-end")
    right.grid(True, alpha=0.3, which="both")
    right.legend(loc="lower right")
    fig.tight_layout()
    save(fig, path)
    status = req["status"].value_counts()
    return {"requests": int(len(req)), "by_status": {str(k): int(v) for k, v in status.items()}, **stats}


def plot_events(events, end_s, path):
    """A strip over the whole run [0, end_s]: one row per event kind, a tick per event at its time; counts in the
    row labels."""
    if events is None or len(events) == 0:
        raise Skip("/events has no rows (no failures, preemptions or alerts in this run)")
    kinds = list(dict.fromkeys(events["kind"]))  # first-appearance order
    counts = events["kind"].value_counts()
    end = max(float(end_s or 0.0), float(events["time_s"].max()))
    div, unit = time_scale(end)
    fig, ax = plt.subplots(figsize=(8.5, 1.2 + 0.45 * len(kinds)))
    for i, k in enumerate(kinds):
        t = events.loc[events["kind"] == k, "time_s"].to_numpy() / div
        ax.scatter(t, np.full(t.size, i), marker="|", s=180, linewidths=1.2)
    ax.set_yticks(range(len(kinds)))
    ax.set_yticklabels([f"{k} ({counts[k]})" for k in kinds], fontsize="small")
    ax.set_ylim(-0.6, len(kinds) - 0.4)
    ax.invert_yaxis()
    if end > 0:
        ax.set_xlim(-0.01 * end / div, 1.01 * end / div)
    ax.set_xlabel(f"simulated time ({unit})")
    ax.set_title(f"Events over time ({len(events)} rows of /events; count per kind in brackets)")
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    save(fig, path)
    return {str(k): int(counts[k]) for k in kinds}


def plot_sweep_metric(groups, parameters, metric, unit, path):
    """Bars of a metric's group means with 95% Student-t intervals: x = the first parameter's values, one bar per
    combination of the other parameters (and variant)."""
    usable = [g for g in groups if g["stats"][metric]["n"] > 0]
    if not usable:
        raise Skip(f"no completed run has a value for {metric}")
    keys = list(usable[0]["key"].keys())
    first = keys[0] if keys else None
    rest = keys[1:]
    x_values = list(dict.fromkeys(g["key"][first] for g in usable)) if first else [""]
    def hue_of(g):  # one other parameter: its value (the key is the legend title); more: key=value pairs
        return str(g["key"][rest[0]]) if len(rest) == 1 else ", ".join(f"{k}={g['key'][k]}" for k in rest)

    hues = list(dict.fromkeys(hue_of(g) for g in usable))
    fig, ax = plt.subplots(figsize=(max(6.5, 1.2 * len(x_values) * max(1, len(hues)) + 2), 4.5))
    width = 0.8 / max(1, len(hues))
    ns = set()
    for j, hue in enumerate(hues):
        means, errs = [], []
        for xv in x_values:
            g = next((g for g in usable if (not first or g["key"][first] == xv)
                      and hue_of(g) == hue), None)
            s = g["stats"][metric] if g else {"mean": np.nan, "half_width": None, "n": 0}
            means.append(s["mean"] if s["mean"] is not None else np.nan)
            errs.append(s["half_width"] if s["half_width"] is not None else 0.0)
            if g:
                ns.add(s["n"])
        pos = np.arange(len(x_values)) + (j - (len(hues) - 1) / 2) * width
        ax.bar(pos, means, width, yerr=errs, capsize=4, label=hue or None)
    ax.set_xticks(np.arange(len(x_values)))
    ax.set_xticklabels(x_values)
    ax.set_xlabel(first or "all runs")
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
    n_text = ", ".join(str(n) for n in sorted(ns))
    ax.set_title(f"{metric}: mean over seeds ± 95% Student-t interval (n = {n_text})", fontsize="medium")
    ax.grid(True, axis="y", alpha=0.3)
    if any(hues):
        ax.legend(fontsize="small", title=rest[0] if len(rest) == 1 else None, title_fontsize="small",
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    save(fig, path)
