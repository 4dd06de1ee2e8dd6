#!/usr/bin/python3
"""Write an HTML report of a racksim results file (or a merged sweep file): PNG plots, index.html, summary.json.

Usage: report.py FILE.h5 -o DIR [--run NAME] [--metric M ...]
(also `racksim report FILE.h5 -o DIR ...`, which runs this script; docs/report.md)

DIR gets one PNG per plot whose data exists, a self-contained index.html (inline CSS, images by relative path)
and summary.json with the numbers the page shows. Exit codes: 0 written, 2 bad input (missing file, not a racksim
file, unknown --run or --metric), 1 anything else (DIR not creatable, a Python module missing).

Run with Debian's /usr/bin/python3 (python3-h5py, python3-numpy, python3-pandas, python3-matplotlib).
"""

import argparse
import html
import importlib
import json
import math
import os
import sys

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1

# Module -> the Debian package that provides it for /usr/bin/python3.
DEBIAN_PACKAGES = [("numpy", "python3-numpy"), ("pandas", "python3-pandas"), ("h5py", "python3-h5py"),
                   ("matplotlib", "python3-matplotlib")]

HEADLINE = ["mean_jct_s", "p99_jct_s", "mean_queue_s", "gpu_utilization", "makespan_s", "energy_kwh", "cost_usd",
            "co2_kg"]


def fail(code, message):
    print(f"racksim report: error: {message}", file=sys.stderr)
    sys.exit(code)


def require_modules(names):
    """Imports the modules the report needs; a missing one names the Debian package to install."""
    for module, package in DEBIAN_PACKAGES:
        if module not in names:
            continue
        try:
            importlib.import_module(module)
        except ImportError as e:
            fail(EXIT_FAILURE, f"Python module '{module}' cannot be imported by {sys.executable} ({e}); "
                               f"install it with: apt install {package}")


def unit_of(name, units):
    """The unit of a /summary attribute: from the file (units = /meta@summary_units, written from racksim's metric
    table), else, for files written before that attribute existed, guessed from the name by unit_from_name."""
    return units[name] if name in units else unit_from_name(name)


def unit_from_name(name):
    """Fallback for old files: the unit from the attribute's name (docs/results-schema.md naming)."""
    rules = [("_Bps", "B/s"), ("_rps", "requests/s"), ("tokens_per_s", "tokens/s"), ("_kwh", "kWh"),
             ("_usd", "USD"), ("_kg", "kg"), ("_w", "W"), ("gpu_hours", "GPU·h"), ("_s", "s")]
    fractions = {"gpu_utilization", "comm_fraction", "goodput", "mean_ettr", "availability", "mean_mfu",
                 "inference_slo_attainment", "littles_law_relative_error"}
    if name in fractions:
        return "fraction"
    for suffix, unit in rules:
        if name.endswith(suffix):
            return unit
    return ""


def exact(v):
    """The shortest text that reads back as the same double (Python's repr); integers without '.0'."""
    if v is None:
        return "—"
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def json_safe(obj):
    """NaN and infinities to null (summary.json is strict JSON)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def write_atomic(path, text):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def scenario_name(meta):
    for line in str(meta.get("scenario_yaml", "")).splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip().strip('"')
    return ""


# ---------------------------------------------------------------------------------------------------------------
# One run: plots and the numbers behind them.

PLOT_TITLES = {
    "jct_cdf": "Job completion time CDF",
    "queue_cdf": "Queueing delay CDF",
    "timeseries": "GPU allocation, queue length and other series over time",
    "collectives_busbw": "Collective bus bandwidth vs message size",
    "request_latency": "Request latency (TTFT, TPOT, end-to-end, wait)",
    "events": "Events over time",
}

PLOT_CAPTIONS = {
    "jct_cdf": "Empirical CDF of end_s − submit_s over completed jobs of /jobs (inference replicas and collective "
               "groups excluded); dotted and dashed lines at the p50 and p99.",
    "queue_cdf": "Empirical CDF of queue_s (start_s − submit_s) over the same completed jobs.",
    "timeseries": "Each /timeseries series on its own panel, as the step function sampled every interval_s; power "
                  "in kW or MW when large. The dashed line on gpus_allocated is the platform's GPU count.",
    "collectives_busbw": "nccl-tests bus bandwidth of each /collectives size, mean over the groups that ran it, one "
                         "line per op, algorithm and rank count; dashed: the same collective alone on the platform "
                         "(from ideal_s), drawn only where contention made them differ.",
    "request_latency": "Left: p50/p90/p99 of TTFT, TPOT, end-to-end latency and admission wait over completed "
                       "requests of /requests. Right: their CDFs for TTFT and end-to-end.",
    "events": "One row per /events kind (failures, repairs, interruptions, restarts, preemptions, alerts...), a tick "
              "at each event's time; the count of each kind in brackets.",
}


def run_plots(run, out_dir, prefix=""):
    """Draws every plot the run has data for. Returns (plots, skipped, numbers)."""
    import report_plots as rp

    total_gpus = run.summary.get("total_gpus")
    jobs = [
        ("jct_cdf", lambda p: rp.plot_jct_cdf(run.jobs, p)),
        ("queue_cdf", lambda p: rp.plot_queue_cdf(run.jobs, p)),
        ("timeseries", lambda p: rp.plot_timeseries(run.series, total_gpus, p)),
        ("collectives_busbw", lambda p: rp.plot_collectives(run.collectives, p)),
        ("request_latency", lambda p: rp.plot_requests(run.requests, p)),
        ("events", lambda p: rp.plot_events(run.events, run.summary.get("simulated_s"), p)),
    ]
    plots, skipped, numbers = [], [], {}
    for key, draw in jobs:
        fname = f"{prefix}{key}.png"
        try:
            numbers[key] = draw(os.path.join(out_dir, fname))
            plots.append({"key": key, "file": fname, "title": PLOT_TITLES[key], "caption": PLOT_CAPTIONS[key]})
        except rp.Skip as why:
            skipped.append({"key": key, "title": PLOT_TITLES[key], "reason": str(why)})
    return plots, skipped, numbers


META_FACTS = ["racksim_version", "git_sha", "simgrid_version", "seed", "calibration", "started_utc", "wall_seconds",
              "schema_version"]


def run_section(run, out_dir, prefix, heading):
    """The JSON and the HTML of one run."""
    plots, skipped, numbers = run_plots(run, out_dir, prefix)
    meta = {"scenario_name": scenario_name(run.meta)}
    meta.update({k: run.meta[k] for k in META_FACTS if k in run.meta})
    units = {k: unit_of(k, run.units) for k in run.summary}
    data = {"meta": meta, "summary": run.summary, "units": units, "plots": plots, "skipped": skipped,
            "numbers": numbers}

    h = [f"<h2>{html.escape(heading)}</h2>"]
    h.append('<table class="facts" id="meta">')
    for k, v in meta.items():
        h.append(f'<tr id="meta-{html.escape(k)}"><th>{html.escape(k)}</th>'
                 f'<td class="value">{html.escape(exact(v))}</td></tr>')
    h.append("</table>")
    h.append("<h3>Summary (every /summary attribute, exact values)</h3>")
    h.append('<table class="summary" id="summary"><tr><th>attribute</th><th>value</th><th>unit</th></tr>')
    for k, v in run.summary.items():
        h.append(f'<tr id="summary-{html.escape(k)}"><th>{html.escape(k)}</th>'
                 f'<td class="value">{html.escape(exact(v))}</td><td>{html.escape(units[k])}</td></tr>')
    h.append("</table>")
    for p in plots:
        h.append(f'<figure><h3>{html.escape(p["title"])}</h3><img src="{html.escape(p["file"])}" '
                 f'alt="{html.escape(p["title"])}"><figcaption>{html.escape(p["caption"])}</figcaption></figure>')
    if skipped:
        h.append('<h3>Not plotted</h3><ul class="skipped">')
        for s in skipped:
            h.append(f'<li><b>{html.escape(s["title"])}</b>: {html.escape(s["reason"])}</li>')
        h.append("</ul>")
    if run.meta.get("scenario_yaml"):
        h.append("<details><summary>Resolved scenario (/meta/scenario_yaml)</summary><pre>"
                 f"{html.escape(str(run.meta['scenario_yaml']))}</pre></details>")
    return data, "\n".join(h)


# ---------------------------------------------------------------------------------------------------------------
# A sweep: table of runs, grouped statistics, bar charts.

def sweep_section(sweep, groups, metrics, out_dir, units):
    """units: the chosen run's /meta@summary_units (every run of a sweep comes from the same racksim)."""
    import report_plots as rp

    plots, skipped = [], []
    for m in metrics:
        fname = f"sweep_{m}.png"
        try:
            rp.plot_sweep_metric(groups, sweep.parameters, m, unit_of(m, units), os.path.join(out_dir, fname))
            plots.append({"key": f"sweep_{m}", "file": fname, "title": f"{m} by {sweep.parameters[0]}"
                          if sweep.parameters else m})
        except rp.Skip as why:
            skipped.append({"key": f"sweep_{m}", "title": m, "reason": str(why)})

    keys = sweep.keys
    h = ["<h2>Sweep</h2>", '<table class="facts" id="sweep">']
    for k, v in sweep.attrs.items():
        if k == "sweep_yaml":
            continue
        h.append(f"<tr><th>{html.escape(k)}</th><td>{html.escape(exact(v))}</td></tr>")
    h.append("</table>")
    t_sources = sorted({s["t_source"] for g in groups for s in g["stats"].values() if s["t_source"]})
    h.append(f"<h3>Groups: runs that differ only in seed</h3><p>Mean over the completed runs of each group ± the "
             f"half-width of its 95% Student-t confidence interval, t<sub>0.975, n−1</sub>·s/√n (t quantile from "
             f"{html.escape(', '.join(t_sources) or 'none: no group has two runs')}).</p>")
    not_done = sweep.index[sweep.index["status"] != "completed"]
    if len(not_done):
        h.append(f"<p>Left out of the groups: {len(not_done)} run(s) not completed "
                 f"({html.escape(', '.join(str(n) for n in not_done['name']))}).</p>")
    h.append('<table class="groups" id="groups"><tr>' + "".join(f"<th>{html.escape(k)}</th>" for k in keys) +
             "<th>n</th>" + "".join(f"<th>{html.escape(m)}</th>" for m in metrics) + "</tr>")
    for g in groups:
        cells = "".join(f"<td>{html.escape(g['key'][k])}</td>" for k in keys)
        n = len(g["runs"])
        stats = []
        for m in metrics:
            s = g["stats"][m]
            text = "—" if s["mean"] is None else f"{s['mean']:.6g}"
            if s["half_width"] is not None:
                text += f" ± {s['half_width']:.3g}"
            stats.append(f"<td>{html.escape(text)}</td>")
        h.append(f"<tr>{cells}<td>{n}</td>{''.join(stats)}</tr>")
    h.append("</table>")
    for p in plots:
        h.append(f'<figure><h3>{html.escape(p["title"])}</h3><img src="{html.escape(p["file"])}" '
                 f'alt="{html.escape(p["title"])}"><figcaption>Bars: group means over seeds, x = '
                 f'{html.escape(sweep.parameters[0] if sweep.parameters else "all runs")}, one bar per value of the '
                 f'other parameters; whiskers: 95% Student-t interval (none for a group of one run).'
                 f'</figcaption></figure>')
    if skipped:
        h.append('<h3>Not plotted</h3><ul class="skipped">')
        for s in skipped:
            h.append(f'<li><b>{html.escape(s["title"])}</b>: {html.escape(s["reason"])}</li>')
        h.append("</ul>")
    # The table of runs.
    shown = [m for m in metrics]
    h.append('<h3>Runs</h3><table class="runs" id="runs"><tr><th>run</th><th>name</th><th>seed</th><th>status</th>' +
             "".join(f"<th>{html.escape(k)}</th>" for k in keys) +
             "".join(f"<th>{html.escape(m)}</th>" for m in shown) + "</tr>")
    for _, row in sweep.index.iterrows():
        cells = [str(int(row["run"])), str(row["name"]), str(int(row["seed"])), str(row["status"])]
        cells += [str(row[k]) for k in keys]
        cells += [exact(float(row[m])) if math.isfinite(float(row[m])) else "—" for m in shown]
        h.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    h.append("</table>")
    if sweep.attrs.get("sweep_yaml"):
        h.append("<details><summary>Sweep definition (/sweep@sweep_yaml)</summary><pre>"
                 f"{html.escape(str(sweep.attrs['sweep_yaml']))}</pre></details>")
    return plots, skipped, "\n".join(h)


CSS = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; }
td.value { font-family: monospace; text-align: right; }
table.summary th, table.facts th { background: #f5f5f5; font-weight: normal; font-family: monospace; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; max-width: 60em; }
pre { background: #f8f8f8; padding: 1em; overflow-x: auto; font-size: 0.8em; }
ul.skipped li { color: #555; }
"""


def page(title, source, body):
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>\n<h1>{html.escape(title)}</h1>\n"
            f"<p>Source: <code>{html.escape(source)}</code>. Written by <code>racksim report</code> "
            f"(analysis/report.py; docs/report.md).</p>\n{body}\n</body></html>\n")


def open_input(path):
    """Opens FILE.h5 and says what it is: ("run", h5py.File) or ("sweep", h5py.File); exit 2 if neither."""
    import h5py
    if os.path.isdir(path):
        fail(EXIT_BAD_INPUT, f"{path}: is a directory, not a results file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(EXIT_BAD_INPUT, f"{path}: not an HDF5 file ({e})")
    if "sweep" in f and isinstance(f["sweep"], h5py.Group):
        return "sweep", f
    if "jobs" not in f:
        f.close()
        fail(EXIT_BAD_INPUT, f"{path}: not a racksim results file (no /jobs)")
    return "run", f


def main(argv=None):
    parser = argparse.ArgumentParser(prog="racksim report", description=__doc__.split("\n")[0])
    parser.add_argument("results", help="racksim results file or merged sweep file (HDF5)")
    parser.add_argument("-o", "--output", required=True, help="directory for index.html, summary.json, PNGs")
    parser.add_argument("--run", help="sweep files: the run to draw per-run plots for (default: the first)")
    parser.add_argument("--metric", action="append", default=[],
                        help="sweep files: a /summary metric to chart (repeatable; default: the headline ones)")
    args = parser.parse_args(argv)

    if not os.path.exists(args.results):  # before the (slow) imports
        fail(EXIT_BAD_INPUT, f"{args.results}: no such file")
    # Modules as they are needed, so that bad input fails fast: pandas and matplotlib are slow to import.
    require_modules({"numpy", "h5py"})
    kind, f = open_input(args.results)
    if kind == "run" and (args.run or args.metric):
        fail(EXIT_BAD_INPUT, f"{args.results}: --run and --metric apply to sweep files only")
    require_modules({"pandas"})
    import report_data as rd

    with f:
        try:
            if kind == "run":
                run = rd.read_run(f, args.results)
            else:
                sweep = rd.read_sweep(f, args.results)
                names = [str(n) for n in sweep.index["name"]]
                chosen = args.run or (names[0] if names else None)
                if chosen is None:
                    fail(EXIT_BAD_INPUT, f"{args.results}: the sweep has no runs")
                if chosen not in names or f"runs/{chosen}" not in f:
                    fail(EXIT_BAD_INPUT, f"{args.results}: no run '{chosen}' (runs: {', '.join(names)})")
                available = [m for m in sweep.metrics if sweep.index[m].notna().any()]
                if args.metric:
                    unknown = [m for m in args.metric if m not in sweep.metrics]
                    if unknown:
                        fail(EXIT_BAD_INPUT, f"{args.results}: unknown metric {', '.join(unknown)} "
                                             f"(metrics: {', '.join(available)})")
                    metrics = args.metric
                else:
                    metrics = [m for m in HEADLINE if m in available]
                run = rd.read_run(f[f"runs/{chosen}"], f"{args.results}:/runs/{chosen}")
        except rd.ReportInputError as e:
            fail(EXIT_BAD_INPUT, str(e))
        except (KeyError, ValueError, OSError) as e:
            fail(EXIT_BAD_INPUT, f"{args.results}: unreadable ({e})")

    try:
        os.makedirs(args.output, exist_ok=True)
    except OSError as e:
        fail(EXIT_FAILURE, f"{args.output}: cannot create the output directory ({e.strerror})")
    if not os.access(args.output, os.W_OK):
        fail(EXIT_FAILURE, f"{args.output}: the output directory is not writable")

    require_modules({"matplotlib"})
    source = os.path.abspath(args.results)
    try:
        if kind == "run":
            data, body = run_section(run, args.output, "", "Run")
            name = data["meta"]["scenario_name"] or os.path.basename(args.results)
            summary = {"kind": "run", "source": source, **data}
            title = f"racksim report: {name}"
        else:
            groups = rd.group_sweep(sweep, metrics)
            splots, sskipped, shtml = sweep_section(sweep, groups, metrics, args.output, run.units)
            data, rhtml = run_section(run, args.output, f"{chosen}_", f"Run {chosen} (per-run plots; --run to choose)")
            body = shtml + "\n" + rhtml
            summary = {"kind": "sweep", "source": source, "sweep": {k: v for k, v in sweep.attrs.items()},
                       "parameters": sweep.parameters, "metrics": metrics,
                       "runs": [{k: rd.plain(v) for k, v in row.items()}  # full precision (not to_json's 10 digits)
                                for row in sweep.index.to_dict(orient="records")],
                       "groups": groups, "plots": splots, "skipped": sskipped, "run_name": chosen, "run": data}
            title = f"racksim sweep report: {sweep.attrs.get('name', os.path.basename(args.results))}"
        write_atomic(os.path.join(args.output, "summary.json"),
                     json.dumps(json_safe(summary), indent=1, allow_nan=False) + "\n")
        write_atomic(os.path.join(args.output, "index.html"), page(title, source, body))
    except OSError as e:
        fail(EXIT_FAILURE, f"{args.output}: cannot write the report ({e})")
    print(f"report: {os.path.join(args.output, 'index.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
