"""Reading racksim results files for analysis/report.py, and the statistics the sweep page shows.

A single-run file follows docs/results-schema.md; a merged sweep file has a /sweep group with an /sweep/index table
and one /runs/<name> group per run holding that run's whole results file (docs/report.md, "Sweep files"). Both are
read into plain pandas/numpy objects here so the plotting code never touches h5py.

Run with Debian's /usr/bin/python3 (python3-h5py, python3-numpy, python3-pandas).
"""

import json
import math
from dataclasses import dataclass, field

import h5py
import numpy as np
import pandas as pd


class ReportInputError(Exception):
    """The input file is missing, not HDF5, or not a racksim results or sweep file (exit code 2)."""


@dataclass
class Series:
    name: str
    unit: str
    interval_s: float
    data: pd.DataFrame  # columns time_s, value


@dataclass
class Run:
    """Everything the report reads from one run (a results file, or /runs/<name> of a sweep file)."""
    meta: dict
    summary: dict  # attribute name -> float, in file order
    jobs: pd.DataFrame
    series: list = field(default_factory=list)  # of Series, in file order
    collectives: pd.DataFrame = None
    requests: pd.DataFrame = None
    events: pd.DataFrame = None
    units: dict = field(default_factory=dict)  # /summary attribute -> unit, from /meta@summary_units ({} if absent)


@dataclass
class Sweep:
    attrs: dict        # /sweep attributes
    parameters: list   # parameter keys, in order
    index: pd.DataFrame  # /sweep/index with strings decoded
    metrics: list      # float members of the index (the /summary attributes), in order
    has_variant: bool

    @property
    def keys(self):
        """The index members that tell groups apart: the parameters, then variant (if not one of them)."""
        return list(self.parameters) + (["variant"] if self.has_variant and "variant" not in self.parameters else [])


def _decode_strings(df):
    """Fixed-length byte strings (S16 ...) to str; numpy already drops the NUL padding."""
    for col in df.columns:
        if df[col].dtype.kind == "S" or (df[col].dtype == object and len(df) and isinstance(df[col].iloc[0], bytes)):
            df[col] = df[col].str.decode("utf-8")
    return df


def _table(group, name):
    """A compound dataset as a DataFrame (strings decoded); None when absent."""
    if name not in group or not isinstance(group[name], h5py.Dataset):
        return None
    return _decode_strings(pd.DataFrame(group[name][()]))


def plain(value):
    """numpy scalars and bytes to Python values (for JSON and HTML)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_run(group, where):
    """Reads one run from an h5py group (the file root or /runs/<name>). where names it in error messages."""
    if "jobs" not in group:
        raise ReportInputError(f"{where}: not a racksim results file (no /jobs)")
    meta = {k: plain(v) for k, v in group["meta"].attrs.items()} if "meta" in group else {}
    summary = {k: float(v) for k, v in group["summary"].attrs.items()} if "summary" in group else {}
    series = []
    if "timeseries" in group:
        for name, ds in group["timeseries"].items():
            if not isinstance(ds, h5py.Dataset):
                continue
            series.append(Series(name, str(plain(ds.attrs.get("unit", ""))), float(ds.attrs.get("interval_s", 0.0)),
                                 pd.DataFrame(ds[()])))
    return Run(meta=meta, summary=summary, jobs=_table(group, "jobs"), series=series,
               collectives=_table(group, "collectives"), requests=_table(group, "requests"),
               events=_table(group, "events"), units=summary_units(meta))


def summary_units(meta):
    """The units of the /summary attributes, from /meta@summary_units (a JSON object written from racksim's metric
    table, sim/results/metrics.cpp); {} for files written before it existed or an unreadable value."""
    try:
        units = json.loads(str(meta.get("summary_units", "{}")))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in units.items()} if isinstance(units, dict) else {}


def read_sweep(f, where):
    """Reads /sweep and /sweep/index of a merged sweep file."""
    sweep = f["sweep"]
    attrs = {k: plain(v) for k, v in sweep.attrs.items()}
    if "index" not in sweep:
        raise ReportInputError(f"{where}: a sweep file without /sweep/index")
    index = _decode_strings(pd.DataFrame(sweep["index"][()]))
    for col in ("run", "name", "seed", "status"):
        if col not in index.columns:
            raise ReportInputError(f"{where}: /sweep/index has no '{col}' member")
    parameters = [p for p in str(attrs.get("parameters", "")).split(",") if p]
    for p in parameters:
        if p not in index.columns:
            raise ReportInputError(f"{where}: /sweep/index has no member for parameter '{p}'")
    fixed = {"run", "name", "seed", "status", "variant", *parameters}
    metrics = [c for c in index.columns if c not in fixed and index[c].dtype.kind == "f"]
    return Sweep(attrs=attrs, parameters=parameters, index=index, metrics=metrics,
                 has_variant="variant" in index.columns)


# ---------------------------------------------------------------------------------------------------------------
# Statistics: Student-t intervals of a group mean.

def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes 3rd ed., 6.4)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def betainc_regularized(a, b, x):
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf_builtin(t, df):
    """Student-t CDF: 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0 (Abramowitz & Stegun 26.7.1)."""
    tail = 0.5 * betainc_regularized(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile_builtin(p, df):
    """Student-t quantile by bisection of t_cdf_builtin (to the last bit of a double)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    if p < 0.5:
        return -t_quantile_builtin(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf_builtin(hi, df) < p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if t_cdf_builtin(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def t_quantile(p, df):
    """(value, source): scipy.stats.t.ppf when python3-scipy is installed, else the built-in bisection."""
    try:
        from scipy import stats
    except ImportError:
        return t_quantile_builtin(p, df), "built-in (regularized incomplete beta + bisection)"
    return float(stats.t.ppf(p, df)), "scipy.stats.t.ppf"


def mean_ci(values, confidence=0.95):
    """n, mean, sample sd, t quantile and half-width t_{(1+c)/2, n-1} * sd / sqrt(n) of the finite values.

    With fewer than two values the sd, t and half-width are None (no interval)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    n = int(x.size)
    out = {"n": n, "mean": float(x.mean()) if n else None, "sd": None, "t": None, "half_width": None,
           "t_source": None}
    if n >= 2:
        sd = float(x.std(ddof=1))
        t, source = t_quantile(0.5 + confidence / 2.0, n - 1)
        out.update(sd=sd, t=t, half_width=t * sd / math.sqrt(n), t_source=source)
    return out


def group_sweep(sweep, metrics, confidence=0.95):
    """Groups the completed runs of a sweep by parameter values (and variant): runs that differ only in seed.

    Returns a list of dicts {key: {param: value}, runs: [names], seeds: [...], stats: {metric: mean_ci(...)}} in the
    order the groups first appear in the index."""
    keys = sweep.keys
    done = sweep.index[sweep.index["status"] == "completed"]
    groups = []
    by_key = {}
    for _, row in done.iterrows():
        key = tuple(str(row[k]) for k in keys)
        if key not in by_key:
            by_key[key] = {"key": dict(zip(keys, key)), "runs": [], "seeds": []}
            groups.append(by_key[key])
        by_key[key]["runs"].append(str(row["name"]))
        by_key[key]["seeds"].append(int(row["seed"]))
    for g in groups:
        rows = done[done["name"].isin(g["runs"])]
        g["stats"] = {m: mean_ci(rows[m].to_numpy(dtype=float), confidence) for m in metrics}
    return groups
