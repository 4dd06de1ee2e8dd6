#!/usr/bin/python3
"""Tests of `racksim report` (analysis/report.py), run by CTest (analysis/CMakeLists.txt).

  test_report.py --racksim BIN single FILE.h5 OUT_DIR --expect jct_cdf,queue_cdf,...
      racksim report FILE.h5 -o OUT_DIR; the expected PNGs are valid, non-blank PNGs and the others are listed as
      skipped with a reason; index.html references only local files that exist; every /summary attribute and the
      /meta facts in summary.json and index.html equal the file's exactly; the numbers behind the plots agree with
      /summary where both define them.
  test_report.py --racksim BIN sweep OUT_DIR WORK_DIR FILE.h5=VALUE ...
      assembles a merged sweep file (make_sweep_fixture.py), reports it and checks one group's mean and 95%
      interval half-width against a hand computation with the closed-form t quantile for 2 degrees of freedom;
      --run and --metric.
  test_report.py --racksim BIN extras FILE.h5 WORK_DIR
      a copy of FILE.h5 with a power_w series (W) and alert_raise/alert_clear events appended: both are plotted.
  test_report.py --racksim BIN errors FILE.h5 WORK_DIR
      missing file, not HDF5, HDF5 but not racksim, DIR not creatable, script or interpreter missing, a Python
      module missing: non-zero exit codes and messages naming the problem.

Prints one OK line per case and exits 0; an assertion failure exits 1 with its message. /usr/bin/python3.
"""

import argparse
import html.parser
import json
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ALL_PLOTS = ["jct_cdf", "queue_cdf", "timeseries", "collectives_busbw", "request_latency", "events"]


def racksim_report(racksim, *args, env=None, expect_rc=0):
    proc = subprocess.run([racksim, "report", *args], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == expect_rc, (f"racksim report {' '.join(args)}: exit {proc.returncode}, expected "
                                          f"{expect_rc}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


class Page(html.parser.HTMLParser):
    """Collects the local references and the summary/meta table cells of index.html."""

    def __init__(self):
        super().__init__()
        self.refs, self.values, self.row, self.in_value, self.text = [], {}, None, False, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a:
                self.refs.append(a[key])
        if tag == "tr" and a.get("id", "").startswith(("summary-", "meta-")):
            self.row = a["id"]
        if tag == "td" and a.get("class") == "value" and self.row:
            self.in_value, self.text = True, []
        if tag == "link" or tag == "script":
            self.refs.append(a.get("href") or a.get("src") or f"<{tag}>")

    def handle_data(self, data):
        if self.in_value:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self.in_value:
            self.values[self.row] = "".join(self.text)
            self.in_value, self.row = False, None


def check_png(path):
    import matplotlib.image as mpimg
    assert os.path.getsize(path) > 1000, f"{path}: too small for a plot ({os.path.getsize(path)} bytes)"
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300, f"{path}: odd shape {img.shape}"
    rgb = img[:, :, :3].reshape(-1, 3)
    assert np.ptp(rgb) > 0.5, f"{path}: a single colour"
    non_white = float(np.mean(np.any(rgb < 0.9, axis=1)))
    assert non_white > 0.01, f"{path}: {non_white:.2%} of pixels drawn: blank"


def check_page(out):
    page = Page()
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        page.feed(f.read())
    assert page.refs, "index.html references no image"
    for ref in page.refs:
        assert "://" not in ref and not ref.startswith(("/", "//", "<")), f"index.html: non-local reference {ref}"
        assert os.path.isfile(os.path.join(out, ref)), f"index.html references {ref}, which does not exist"
    return page


def same(a, b):
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b


def check_run_numbers(h5group, data, page, prefix_ok=""):
    """summary.json's run part and the page's tables against the HDF5 group, exactly."""
    attrs = {k: float(v) for k, v in h5group["summary"].attrs.items()}
    got = data["summary"]
    assert list(got) == list(attrs), f"/summary attributes {list(attrs)} but summary.json has {list(got)}"
    for k, v in attrs.items():
        j = float("nan") if got[k] is None else got[k]
        assert same(j, v), f"summary.json {k} = {got[k]!r}, file has {v!r}"
        cell = page.values.get(f"summary-{k}")
        assert cell is not None, f"index.html has no row for /summary {k}"
        assert same(float(cell), v) if cell != "—" else math.isnan(v), f"index.html {k} = {cell}, file has {v!r}"
    meta = h5group["meta"].attrs
    for k in ("racksim_version", "git_sha", "seed", "wall_seconds"):
        v = meta[k]
        v = v.item() if hasattr(v, "item") else v
        assert data["meta"][k] == v, f"summary.json meta {k} = {data['meta'][k]!r}, file has {v!r}"
        cell = page.values[f"meta-{k}"]
        assert (float(cell) == v) if isinstance(v, float) else (cell == str(v)), f"index.html meta {k} = {cell}"
    assert data["meta"]["scenario_name"], "no scenario name"
    if "summary_units" in meta:  # written from racksim's metric table: the page shows exactly these units
        units = json.loads(str(meta["summary_units"]))
        assert list(units) == list(attrs), f"/meta@summary_units lists {list(units)}, /summary has {list(attrs)}"
        assert data["units"] == units, f"summary.json units {data['units']} != /meta@summary_units {units}"
    return attrs


def rel_close(a, b, tol):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)


def cmd_single(args):
    expect = [p for p in args.expect.split(",") if p]
    shutil.rmtree(args.out, ignore_errors=True)
    racksim_report(args.racksim, args.h5, "-o", args.out)
    with open(os.path.join(args.out, "summary.json"), encoding="utf-8") as f:
        data = json.load(f)
    assert data["kind"] == "run"
    plotted = [p["key"] for p in data["plots"]]
    assert plotted == [p for p in ALL_PLOTS if p in expect], f"plotted {plotted}, expected {expect}"
    for key in expect:
        check_png(os.path.join(args.out, f"{key}.png"))
    skipped = {s["key"]: s["reason"] for s in data["skipped"]}
    assert sorted(skipped) == sorted(set(ALL_PLOTS) - set(expect)), f"skipped {sorted(skipped)}"
    page = check_page(args.out)
    with open(os.path.join(args.out, "index.html"), encoding="utf-8") as f:
        text = f.read()
    for reason in skipped.values():
        assert html_escape(reason) in text, f"index.html does not say why: {reason}"
    for key in ALL_PLOTS:
        if key not in expect:
            assert not os.path.exists(os.path.join(args.out, f"{key}.png")), f"{key}.png written but skipped"
    with h5py.File(args.h5, "r") as f:
        s = check_run_numbers(f, data, page)
        n = data["numbers"]
        # Numbers behind the plots, recomputed by the report from the rows, against the C++ /summary.
        if "jct_cdf" in n and s["jobs_completed"] == n["jct_cdf"]["jobs"]:
            for a, b in (("mean_s", "mean_jct_s"), ("p50_s", "p50_jct_s"), ("p99_s", "p99_jct_s")):
                assert rel_close(n["jct_cdf"][a], s[b], 1e-12), f"JCT {a} {n['jct_cdf'][a]} vs /summary {b} {s[b]}"
        if "request_latency" in n:
            r = n["request_latency"]
            for m in ("ttft", "tpot", "e2e", "wait"):
                for p in ("mean", "p50", "p90", "p99"):
                    got, want = r[m][f"{p}_s"], s[f"inference_{p}_{m}_s"]
                    assert rel_close(got, want, 1e-12), f"{m} {p}: {got} vs /summary {want}"
            assert r["by_status"].get("completed") == s["inference_completed"]
        if "events" in n:
            assert n["events"].get("failure", 0) == s["failures"], "failure count vs /summary failures"
            assert n["events"].get("preempt", 0) == s["preemptions"], "preempt count vs /summary preemptions"
        if "collectives_busbw" in n:
            peak = max(max(v["busbw_Bps"]) for v in n["collectives_busbw"].values())
            assert rel_close(peak, s["peak_busbw_Bps"], 1e-12), f"peak busbw {peak} vs {s['peak_busbw_Bps']}"
        if "timeseries" in n:
            assert n["timeseries"]["gpus_allocated"]["max"] <= s["total_gpus"]
    print(f"OK: report of {os.path.basename(args.h5)}: {len(expect)} plots, {len(skipped)} skipped with reasons, "
          f"{len(s)} summary values exact")


def html_escape(text):
    import html
    return html.escape(text)


def t975_df2():
    """t_{0.975, 2} in closed form: for 2 degrees of freedom t_p = (2p - 1) / sqrt(2 p (1 - p))."""
    p = 0.975
    return (2 * p - 1) / math.sqrt(2 * p * (1 - p))


def cmd_sweep(args):
    import report_data as rd
    # The built-in quantile (used when python3-scipy is absent) against closed forms: df 1 (Cauchy) and df 2.
    for p in (0.6, 0.9, 0.975, 0.995):
        assert rel_close(rd.t_quantile_builtin(p, 1), math.tan(math.pi * (p - 0.5)), 1e-12), f"t({p}, 1)"
        assert rel_close(rd.t_quantile_builtin(p, 2), (2 * p - 1) / math.sqrt(2 * p * (1 - p)), 1e-12), f"t({p}, 2)"

    os.makedirs(args.work, exist_ok=True)
    merged = os.path.join(args.work, "sweep.h5")
    subprocess.run([sys.executable, os.path.join(HERE, "make_sweep_fixture.py"), merged,
                    "--parameters", "policies.scheduler", "--name", "report-test", *args.runs], check=True,
                   stdout=subprocess.DEVNULL)
    shutil.rmtree(args.out, ignore_errors=True)
    racksim_report(args.racksim, merged, "-o", args.out)
    with open(os.path.join(args.out, "summary.json"), encoding="utf-8") as f:
        data = json.load(f)
    assert data["kind"] == "sweep" and data["parameters"] == ["policies.scheduler"]
    # The headline metrics, then energy, cost and carbon (every run has them since the energy model).
    assert data["metrics"] == ["mean_jct_s", "p99_jct_s", "mean_queue_s", "gpu_utilization", "makespan_s",
                               "energy_kwh", "cost_usd", "co2_kg"], data["metrics"]
    for m in data["metrics"]:
        check_png(os.path.join(args.out, f"sweep_{m}.png"))
    for key in ("jct_cdf", "queue_cdf", "timeseries"):
        check_png(os.path.join(args.out, f"r0000_{key}.png"))
    page = check_page(args.out)
    with h5py.File(merged, "r") as f:
        check_run_numbers(f["runs/r0000"], data["run"], page)
        index = f["sweep/index"][()]
        assert len(data["runs"]) == index.shape[0]
        for row, got in zip(index, data["runs"]):
            for m in data["metrics"]:
                assert same(float(row[m]), float("nan") if got[m] is None else got[m]), f"runs table {m}: {got[m]}"

    # Hand computation for the first group, from the single-run files (not the merged index).
    first_value = args.runs[0].rpartition("=")[2]
    files = [spec.rpartition("=")[0] for spec in args.runs if spec.rpartition("=")[2] == first_value]
    group = data["groups"][0]
    assert group["key"] == {"policies.scheduler": first_value} and len(group["runs"]) == len(files) == 3, group
    t = t975_df2()
    for metric in ("mean_jct_s", "gpu_utilization"):
        xs = []
        for path in files:
            with h5py.File(path, "r") as f:
                xs.append(float(f["summary"].attrs[metric]))
        n = len(xs)
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
        half = t * sd / math.sqrt(n)
        st = group["stats"][metric]
        assert st["n"] == 3 and rel_close(st["mean"], mean, 1e-13), f"{metric} mean {st['mean']} vs hand {mean}"
        assert rel_close(st["t"], t, 1e-9), f"t quantile {st['t']} vs closed form {t}"
        assert rel_close(st["half_width"], half, 1e-9), f"{metric} half-width {st['half_width']} vs hand {half}"
        print(f"  {metric}: mean {st['mean']:.9g} (hand {mean:.9g}), 95% half-width {st['half_width']:.9g} "
              f"(hand {half:.9g}, t = {t:.12g}; report used {st['t_source']})")

    # --run and --metric, with scipy hidden (a stand-in module that fails to import): the built-in t quantile.
    other = os.path.join(args.work, "report-r0003")
    shutil.rmtree(other, ignore_errors=True)
    fake = os.path.join(args.work, "no-scipy", "scipy")
    os.makedirs(fake, exist_ok=True)
    with open(os.path.join(fake, "__init__.py"), "w") as f:
        f.write("raise ImportError('scipy hidden by test_report.py')\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(fake))
    racksim_report(args.racksim, merged, "-o", other, "--run", "r0003", "--metric", "p50_jct_s", env=env)
    names = sorted(os.listdir(other))
    assert "sweep_p50_jct_s.png" in names and "sweep_mean_jct_s.png" not in names, names
    assert "r0003_jct_cdf.png" in names and not any(n.startswith("r0000_") for n in names), names
    with open(os.path.join(other, "summary.json"), encoding="utf-8") as f:
        data = json.load(f)
    assert data["run_name"] == "r0003"
    st = data["groups"][0]["stats"]["p50_jct_s"]
    xs = []
    for path in files:
        with h5py.File(path, "r") as f:
            xs.append(float(f["summary"].attrs["p50_jct_s"]))
    mean = sum(xs) / 3
    half = t * math.sqrt(sum((x - mean) ** 2 for x in xs) / 2) / math.sqrt(3)
    assert st["t_source"].startswith("built-in"), st["t_source"]
    assert rel_close(st["t"], t, 1e-12) and rel_close(st["half_width"], half, 1e-12), (st, half)
    print(f"  p50_jct_s without scipy: half-width {st['half_width']:.12g} (hand {half:.12g}, {st['t_source']})")
    print(f"OK: sweep report: {len(data['groups'])} groups, intervals match the hand computation")


def cmd_errors(args):
    os.makedirs(args.work, exist_ok=True)
    cases = []

    def expect(argv, rc, text, env=None):
        p = racksim_report(args.racksim, *argv, env=env, expect_rc=rc)
        assert text in p.stderr, f"racksim report {' '.join(argv)}: stderr lacks {text!r}: {p.stderr}"
        cases.append(text)

    out = os.path.join(args.work, "out")
    missing = os.path.join(args.work, "missing.h5")
    expect([missing, "-o", out], 2, f"{missing}: no such file")
    text_file = os.path.join(args.work, "not-hdf5.h5")
    with open(text_file, "w") as f:
        f.write("not an HDF5 file\n")
    expect([text_file, "-o", out], 2, f"{text_file}: not an HDF5 file")
    other_h5 = os.path.join(args.work, "other.h5")
    with h5py.File(other_h5, "w") as f:
        f.create_group("something")
    expect([other_h5, "-o", out], 2, f"{other_h5}: not a racksim results file (no /jobs)")
    blocker = os.path.join(args.work, "a-file")
    with open(blocker, "w") as f:
        f.write("x")
    expect([args.h5, "-o", os.path.join(blocker, "sub")], 1, "cannot create the output directory")
    expect([args.h5, "--run", "r0000", "-o", out], 2, "--run and --metric apply to sweep files only")
    env = dict(os.environ, RACKSIM_ANALYSIS_DIR=os.path.join(args.work, "no-analysis"))
    expect([args.h5, "-o", out], 1, f"looked for '{os.path.join(args.work, 'no-analysis', 'report.py')}'", env)
    env = dict(os.environ, RACKSIM_PYTHON=os.path.join(args.work, "no-python"))
    expect([args.h5, "-o", out], 1, "cannot start the Python interpreter", env)
    # A module that cannot be imported (shadowed by one that raises) names the Debian package.
    fake = os.path.join(args.work, "fake-modules", "h5py")
    os.makedirs(fake, exist_ok=True)
    with open(os.path.join(fake, "__init__.py"), "w") as f:
        f.write("raise ImportError('No module named h5py (test stand-in)')\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(fake))
    expect([args.h5, "-o", out], 1, "apt install python3-h5py", env)
    assert not os.path.exists(os.path.join(out, "index.html")), "a failed report wrote index.html"
    print(f"OK: {len(cases)} error cases exit non-zero with their messages")


def cmd_extras(args):
    """Series and event kinds that other parts of racksim add (power_w in W, alert_raise/alert_clear events): a
    copy of FILE.h5 with them appended must show them (power in kW)."""
    os.makedirs(args.work, exist_ok=True)
    copy = os.path.join(args.work, "with-power.h5")
    shutil.copyfile(args.h5, copy)
    with h5py.File(copy, "a") as f:
        gpus = f["timeseries/gpus_allocated"][()]
        power = np.zeros(gpus.shape, dtype=gpus.dtype)
        power["time_s"] = gpus["time_s"]
        power["value"] = 20000.0 + 700.0 * gpus["value"]  # idle floor + per-GPU power, in W
        if "power_w" in f["timeseries"]:  # racksim now writes its own; replace it with a known one
            del f["timeseries/power_w"]
        ds = f["timeseries"].create_dataset("power_w", data=power)
        ds.attrs["unit"] = "W"
        ds.attrs["interval_s"] = f["timeseries/gpus_allocated"].attrs["interval_s"]
        events = f["events"][()]
        extra = np.zeros(2, dtype=events.dtype)
        end = float(gpus["time_s"][-1])
        extra[0] = (0.25 * end, b"alert_raise", b"", -1, 0.9, b"gpu_utilization")
        extra[1] = (0.5 * end, b"alert_clear", b"", -1, 0.5, b"gpu_utilization")
        del f["events"]
        f.create_dataset("events", data=np.concatenate([events, extra]))
        if "summary_units" in f["meta"].attrs:  # as in a file written before racksim described /summary
            del f["meta"].attrs["summary_units"]
    out = os.path.join(args.work, "report")
    shutil.rmtree(out, ignore_errors=True)
    racksim_report(args.racksim, copy, "-o", out)
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        data = json.load(f)
    ts = data["numbers"]["timeseries"]
    assert list(ts)[:2] == ["gpus_allocated", "queue_length"] and "power_w" in ts, list(ts)
    assert ts["power_w"]["unit"] == "W" and ts["power_w"]["max"] == float(power["value"].max()), ts["power_w"]
    assert data["numbers"]["events"].get("alert_raise") == 1 and data["numbers"]["events"].get("alert_clear") == 1
    units = data["units"]
    assert units["mean_jct_s"] == "s" and units["co2_kg"] == "kg", f"units from the names: {units}"
    check_png(os.path.join(out, "timeseries.png"))
    check_png(os.path.join(out, "events.png"))
    check_page(out)
    print("OK: power_w and alert events are plotted")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--racksim", required=True)
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("single")
    s.add_argument("h5")
    s.add_argument("out")
    s.add_argument("--expect", required=True, help="comma-separated plot keys that must be drawn")
    w = sub.add_parser("sweep")
    w.add_argument("out")
    w.add_argument("work")
    w.add_argument("runs", nargs="+", help="FILE.h5=SCHEDULER; three runs of the first scheduler")
    e = sub.add_parser("errors")
    e.add_argument("h5")
    e.add_argument("work")
    x = sub.add_parser("extras")
    x.add_argument("h5")
    x.add_argument("work")
    args = parser.parse_args()
    try:
        {"single": cmd_single, "sweep": cmd_sweep, "errors": cmd_errors, "extras": cmd_extras}[args.cmd](args)
    except AssertionError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
