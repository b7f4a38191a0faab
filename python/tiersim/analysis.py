"""The bottleneck finder: where throughput saturates, why, and what comes next.

* :func:`operational` — demands, utilizations, asymptotic bounds, N* and MVA
  for any model, without simulating it (the C++ core computes them).
* :func:`compare` — the simulation next to that theory, with the reasons the
  two may differ when the model is not product form.
* :func:`breakdown` — where a class's response time goes: service and
  waiting per resource, pools and locks included.
* :func:`find_knee` — the saturation point of a load sweep, and the resource
  that saturates first.
* :func:`migrate` — fix the bottleneck, find the next one, and repeat.
* :func:`what_if` — several variants of one model as one experiment: one
  table, one figure, and the cheapest variant that meets an SLO.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import translate_core_errors
from .layered import LayeredSolution, NotApplicable, solve_layered
from .model import Model
from .results import Results

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .sweep import SweepResults

__all__ = ["OperationalAnalysis", "operational", "compare", "breakdown", "Knee", "find_knee",
           "migrate", "WhatIf", "what_if"]


def _f(x: Any) -> float:
    return float("nan") if x is None else float(x)


# -- operational analysis -----------------------------------------------------

@dataclass(frozen=True)
class OperationalAnalysis:
    """Operational analysis of a model (no simulation): the numbers a capacity
    planner computes by hand, for every class and station.

    ``demands`` has one row per class and station (``visits``, ``demand`` =
    visits × mean service time, ``demand_per_server``); ``stations`` the
    utilization the open classes put on each station and, for closed models,
    MVA's utilization, queue length and residence time; ``classes`` the
    asymptotic bounds (``throughput_upper`` = min(N/(D+Z), 1/D_max) closed or
    1/D_max open, ``response_lower``, ``n_star`` = (D+Z)/D_max) and MVA's
    throughput and response. ``caveats`` says why a simulation of this model
    may differ (pools, non-exponential FCFS service, priorities, ...).

    >>> import tiersim
    >>> m = tiersim.Model("shop").station("cpu", servers=2).station("disk")
    >>> _ = m.closed_class("users", 30, think=tiersim.Exponential(mean=2.0)).visit(
    ...     "cpu", tiersim.Exponential(mean=0.1)).visit("disk", tiersim.Exponential(mean=0.08))
    >>> a = operational(m)
    >>> a.bottleneck, round(float(a.classes.loc[0, "n_star"]), 1)
    ('disk', 27.2)
    """

    bottleneck: str
    demands: pd.DataFrame
    stations: pd.DataFrame
    classes: pd.DataFrame
    mva_method: str
    caveats: list[str] = field(default_factory=list)
    #: The layered solver's predictions (threads, connections, locks included), or None
    #: when the model is outside its class (``layered_note`` says why).
    layered: LayeredSolution | None = None
    layered_note: str = ""
    #: The kind of :attr:`bottleneck`: "station", "pool" or "lock" (the resource with the
    #: lowest ceiling, the definition ``tiersim run`` uses).
    bottleneck_kind: str = "station"

    def summary(self) -> str:
        """A text report of the analysis."""
        from .report import describe_resource

        lines = [f"Operational analysis (no simulation); bottleneck: "
                 f"{describe_resource(self.bottleneck_kind, self.bottleneck)}"]
        for _, c in self.classes.iterrows():
            if not c["max_demand"] > 0:
                lines.append(f"  class {c['name']!r} ({c['type']}): no queueing station on its route: "
                             "the stations set no ceiling (see the layered solver for its pools)")
            elif c["type"] == "open":
                lines.append(f"  class {c['name']!r} (open, {c['arrival_rate']:.4g}/s): D = {c['total_demand']:.4g} s, "
                             f"D_max = {c['max_demand']:.4g} s at {c['bottleneck']!r}; "
                             f"the stations alone saturate at {c['throughput_upper']:.4g}/s")
            else:
                mva = (f"; MVA X = {c['mva_throughput']:.4g}/s, R = {c['mva_response']:.4g} s"
                       if not math.isnan(c["mva_throughput"]) else "")
                lines.append(f"  class {c['name']!r} (closed, N = {int(c['population'])}, Z = {c['think']:.4g} s): "
                             f"D = {c['total_demand']:.4g} s, D_max = {c['max_demand']:.4g} s at {c['bottleneck']!r}; "
                             f"X <= {c['throughput_upper']:.4g}/s, R >= {c['response_lower']:.4g} s, "
                             f"N* = {c['n_star']:.3g}{mva}")
        for c in self.caveats:
            lines.append(f"  note: {c}")
        if self.layered is not None:
            lines += ["", f"Layered solver ({self.layered.method})"]
            lines += format_layered(self.layered)
        elif self.layered_note:
            lines += ["", f"Layered solver: not applied ({self.layered_note})"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def operational(model: Model) -> OperationalAnalysis:
    """Operational analysis of ``model``: see :class:`OperationalAnalysis`."""
    from . import _core

    with translate_core_errors():
        data = json.loads(_core.analyze_json(model._json_for_core()))
    a = _analysis_from_dict(data)
    structure = data.get("structure")
    if structure is None:
        return a
    try:
        sol = solve_layered(structure)
    except NotApplicable as e:
        return replace(a, layered_note=str(e))
    # One definition of the bottleneck: the lowest ceiling, pools and locks included.
    has_pools = any(p["on_full"] != "overcommit" for p in structure["pools"])
    if sol.bottleneck and (has_pools or not a.bottleneck):
        return replace(a, layered=sol, bottleneck=sol.bottleneck, bottleneck_kind=sol.bottleneck_kind)
    return replace(a, layered=sol)


def _analysis_from_dict(data: Mapping[str, Any]) -> OperationalAnalysis:
    demand_rows, class_rows = [], []
    mva = data.get("mva") or {}
    mva_x = mva.get("throughput") or []
    mva_r = mva.get("response") or []
    for i, c in enumerate(data.get("classes", [])):
        for d in c.get("demands", []):
            demand_rows.append({"class": c["name"], "station": d["station"], "servers": d["servers"],
                                "visits": _f(d["visits"]), "demand": _f(d["demand"]),
                                "demand_per_server": _f(d["demand_per_server"])})
        class_rows.append({"name": c["name"], "type": c["type"], "arrival_rate": _f(c["arrival_rate"]),
                           "population": _f(c["population"]), "think": _f(c["think"]),
                           "total_demand": _f(c["total_demand"]), "bottleneck": c["bottleneck"],
                           "max_demand": _f(c["max_demand"]),
                           # No queueing station (pools and delays alone): the stations set no ceiling.
                           "throughput_upper": (_f(c["throughput_upper"]) if _f(c["max_demand"]) > 0
                                                else math.inf),
                           "response_lower": _f(c["response_lower"]), "n_star": _f(c["n_star"]),
                           "mva_throughput": _f(mva_x[i]) if i < len(mva_x) else math.nan,
                           "mva_response": _f(mva_r[i]) if i < len(mva_r) else math.nan})
    station_rows = [{"name": s["name"], "servers": s["servers"], "open_utilization": _f(s["open_utilization"]),
                     "mva_utilization": _f(s["mva_utilization"]), "mva_queue_length": _f(s["mva_queue_length"]),
                     "mva_residence": _f(s["mva_residence"])} for s in data.get("stations", [])]
    demands = pd.DataFrame(demand_rows, columns=["class", "station", "servers", "visits", "demand",
                                                 "demand_per_server"]).astype({"servers": "Int64"})
    stations = pd.DataFrame(station_rows, columns=["name", "servers", "open_utilization", "mva_utilization",
                                                   "mva_queue_length", "mva_residence"]).astype({"servers": "Int64"})
    classes = pd.DataFrame(class_rows, columns=["name", "type", "arrival_rate", "population", "think",
                                                "total_demand", "bottleneck", "max_demand", "throughput_upper",
                                                "response_lower", "n_star", "mva_throughput", "mva_response"])
    return OperationalAnalysis(bottleneck=data.get("bottleneck", ""), demands=demands, stations=stations,
                               classes=classes, mva_method=mva.get("method", ""),
                               caveats=list(data.get("caveats", [])))


# -- text in the report's style --------------------------------------------------

def _rate(x: float) -> str:
    from .report import format_number

    return "unbounded" if not math.isfinite(x) else f"{format_number(x)}/s"


def _secs(x: float) -> str:
    from .report import format_number

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return format_number(x)


def format_layered(sol: LayeredSolution) -> list[str]:
    """The layered solver's predictions as the report's aligned tables (s, /s, %)."""
    from .report import _table, describe_resource, format_number

    rows = [[str(c["name"]), str(c["type"]), format_number(c["throughput"]), _secs(c["response"])]
            for _, c in sol.classes.iterrows()]
    lines = _table(["class", "type", "X (/s)", "R (s)"], rows, left=2)
    rows = []
    for _, r in sol.resources.iterrows():
        util = r["utilization"]
        rows.append([describe_resource(r["kind"], r["name"]),
                     "-" if util != util else f"{100 * util:.1f}%",
                     _secs(r["wait"]), _secs(r["holding"]), _rate(float(r["ceiling"]))])
    lines += ["", *_table(["resource", "util", "wait (s)", "held (s)", "ceiling"], rows)]
    lines.append(f"  bottleneck (lowest ceiling): {describe_resource(sol.bottleneck_kind, sol.bottleneck)}")
    for n in sol.notes:
        lines.append(f"  note: {n}")
    return lines


def verdict_words(row: Mapping[str, Any]) -> str:
    """A comparison row's verdict in words: "inside the interval", "outside, by 3%", ...

    >>> verdict_words({"simulated": 1.0, "lo": 0.98, "hi": 1.02, "analytic": 1.01, "source": "MVA"})
    'inside the interval'
    >>> verdict_words({"simulated": 1.0, "lo": 0.98, "hi": 1.02, "analytic": 1.03, "source": "MVA"})
    'outside, by 3.0%'
    >>> verdict_words({"simulated": 5.0, "lo": 4.9, "hi": 5.1, "analytic": 6.0, "source": "upper bound"})
    'respects the bound'
    """
    source = str(row.get("source", ""))
    sim, lo, hi, ana = (float(row.get(k, math.nan)) for k in ("simulated", "lo", "hi", "analytic"))
    if source == "upper bound":
        return "respects the bound" if lo <= ana * (1 + 1e-9) else "VIOLATES the bound"
    if source == "lower bound":
        return "respects the bound" if hi >= ana * (1 - 1e-9) else "VIOLATES the bound"
    if math.isnan(lo) or math.isnan(hi) or math.isnan(ana):
        return "-"
    if lo - 1e-12 <= ana <= hi + 1e-12:
        return "inside the interval"
    if sim == 0 or math.isnan(sim):
        return "outside"
    return f"outside, by {100 * abs(ana / sim - 1):.1f}%"


def format_comparison(table: pd.DataFrame) -> list[str]:
    """:func:`compare`'s table in the report's style, with its verdicts in words."""
    from .report import _table, format_estimate, format_number

    rows = []
    for _, r in table.iterrows():
        q = str(r["quantity"])
        pct = q == "utilization"
        if pct:
            sim = f"{100 * r['simulated']:.1f}%" + (f"±{100 * (r['hi'] - r['lo']) / 2:.1f}"
                                                     if r["hi"] > r["lo"] else "")
            ana = f"{100 * r['analytic']:.1f}%"
        else:
            sim = format_estimate(r["simulated"], [r["lo"], r["hi"]])
            ana = format_number(r["analytic"])
        unit = {"throughput": "/s", "response": "s", "wait": "s"}.get(q, "")
        rows.append([f"{q}{' (' + unit + ')' if unit else ''}", str(r["name"]), sim, ana, str(r["source"]),
                     verdict_words(r)])
    return _table(["quantity", "name", "simulated", "theory", "source", "verdict"], rows, left=2)


def format_breakdown(parts: pd.DataFrame) -> list[str]:
    """:func:`breakdown`'s table in the report's style (seconds per request, shares in %)."""
    from .report import _table, format_number

    rows = [[str(r["class"]), str(r["resource"]), str(r["kind"]), format_number(r["visits"]),
             format_number(r["wait"]), format_number(r["service"]), format_number(r["total"]),
             "-" if r["share"] != r["share"] else f"{100 * r['share']:.1f}%"] for _, r in parts.iterrows()]
    return _table(["class", "resource", "kind", "visits", "wait (s)", "service (s)", "total (s)", "share"],
                  rows, left=3)


def format_chain(chain: pd.DataFrame) -> list[str]:
    """:func:`migrate`'s chain in the report's style: each bottleneck, its ceiling, the change to make next."""
    from .report import _table, describe_resource, format_number

    rows = []
    for _, r in chain.iterrows():
        row = [str(r["step"]), describe_resource(r.get("kind", "station"), r["bottleneck"]),
               _rate(float(r["ceiling_throughput"])), str(r.get("next_remedy", ""))]
        if "simulated_throughput" in chain.columns:
            row += [format_number(r["simulated_throughput"]), describe_resource(
                r.get("simulated_kind", "station"), r.get("simulated_bottleneck", ""))]
        rows.append(row)
    headers = ["step", "bottleneck", "ceiling", "change to make next"]
    if "simulated_throughput" in chain.columns:
        headers += ["simulated X (/s)", "simulation's verdict"]
    return _table(headers, rows, left=2)


# -- simulation next to theory --------------------------------------------------

def compare(model: Model, results: Results) -> pd.DataFrame:
    """Simulated values next to the analytic ones, one row per quantity.

    Columns ``quantity, name, simulated, lo, hi, analytic, source, inside``:
    station utilizations against the open-class prediction (λ × demand) or
    MVA, class throughputs against MVA and the asymptotic bound, class
    responses against MVA and the lower bound. ``inside`` says whether the
    analytic value lies in the simulated 95% interval (bounds: whether the
    simulation respects them). When the model is not product form the
    differences are expected; :func:`operational` lists why.

    >>> import tiersim
    >>> m = tiersim.Model("mm1").station("cpu")
    >>> _ = m.open_class("q", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
    >>> r = m.run(until=20000, replications=8, seed=1, progress=False)
    >>> row = compare(m, r).iloc[0]
    >>> row["quantity"], float(row["analytic"]), bool(row["inside"])
    ('utilization', 0.5, True)
    """
    a = operational(model)
    rows: list[dict[str, Any]] = []
    lay = a.layered
    # Station-only MVA ignores pools held across steps: where there are pools, the
    # layered solver speaks for the classes instead.
    pooled = lay is not None and (lay.resources["kind"] != "station").any()
    st = results.stations.set_index("name")
    for _, s in a.stations.iterrows():
        if pd.isna(s["servers"]) or s["name"] not in st.index:
            continue
        sim = st.loc[s["name"]]
        if not math.isnan(s["mva_utilization"]):
            value, source = s["mva_utilization"], f"MVA ({a.mva_method})"
        elif s["open_utilization"] > 0:
            value, source = s["open_utilization"], "utilization law (λ × D / c)"
        else:
            continue
        rows.append(_row("utilization", s["name"], sim["utilization"], sim["utilization_lo"],
                         sim["utilization_hi"], value, source))
    cl = results.classes.set_index("name")
    for _, c in a.classes.iterrows():
        if c["name"] not in cl.index:
            continue
        sim = cl.loc[c["name"]]
        if not math.isnan(c["mva_throughput"]) and not pooled:
            rows.append(_row("throughput", c["name"], sim["throughput"], sim["throughput_lo"], sim["throughput_hi"],
                             c["mva_throughput"], f"MVA ({a.mva_method})"))
            rows.append(_row("response", c["name"], sim["response_mean"], sim["response_mean_lo"],
                             sim["response_mean_hi"], c["mva_response"], f"MVA ({a.mva_method})"))
        if math.isfinite(c["throughput_upper"]):
            rows.append(_row("throughput", c["name"], sim["throughput"], sim["throughput_lo"], sim["throughput_hi"],
                             c["throughput_upper"], "upper bound", bound="upper"))
        rows.append(_row("response", c["name"], sim["response_mean"], sim["response_mean_lo"],
                         sim["response_mean_hi"], c["response_lower"], "lower bound", bound="lower"))
    if lay is not None and (pooled or c_open(a)):
        source = "layered" if pooled else "open network (M/G/c per station)"
        for _, c in lay.classes.iterrows():
            if c["name"] not in cl.index:
                continue
            sim = cl.loc[c["name"]]
            if c["type"] == "closed":
                rows.append(_row("throughput", c["name"], sim["throughput"], sim["throughput_lo"],
                                 sim["throughput_hi"], c["throughput"], source))
            rows.append(_row("response", c["name"], sim["response_mean"], sim["response_mean_lo"],
                             sim["response_mean_hi"], c["response"], source))
        pl = results.pools.set_index("name") if len(results.pools) else None
        for _, r in lay.resources.iterrows():
            if r["kind"] == "station" or pl is None or r["name"] not in pl.index:
                continue
            sim = pl.loc[r["name"]]
            rows.append(_row("utilization", r["name"], sim["utilization"], sim["utilization_lo"],
                             sim["utilization_hi"], r["utilization"], source))
            if not math.isnan(r["wait"]):
                rows.append(_row("wait", r["name"], sim["mean_wait"], sim["mean_wait_lo"], sim["mean_wait_hi"],
                                 r["wait"], source))
    return pd.DataFrame(rows, columns=["quantity", "name", "simulated", "lo", "hi", "analytic", "source", "inside"])


def c_open(a: OperationalAnalysis) -> bool:
    """Whether every class of the analysed model is open (Jackson / M/M/c territory)."""
    return len(a.classes) > 0 and bool((a.classes["type"] == "open").all())


def _row(quantity: str, name: str, sim: float, lo: float, hi: float, analytic: float, source: str,
         bound: str | None = None) -> dict[str, Any]:
    if bound == "upper":
        inside = bool(lo <= analytic * (1 + 1e-9))
    elif bound == "lower":
        inside = bool(hi >= analytic * (1 - 1e-9))
    else:
        # (An absolute 1e-12 lets a predicted wait of 1e-200 match a simulated 0.)
        inside = bool(lo - 1e-12 <= analytic <= hi + 1e-12) if not (math.isnan(lo) or math.isnan(hi)) else False
    return {"quantity": quantity, "name": name, "simulated": float(sim), "lo": float(lo), "hi": float(hi),
            "analytic": float(analytic), "source": source, "inside": inside}


# -- response-time breakdown ---------------------------------------------------------

def breakdown(results: Results, cls: str | None = None) -> pd.DataFrame:
    """Where each class's response time goes, per resource: service and waiting.

    One row per class and resource (a station, a pool, or ``(delay)``) with
    ``kind`` (``station``, ``pool``, ``delay``, ``parallel``), ``visits`` per
    request, ``wait`` and ``service`` per request, their ``total`` and its
    ``share`` of the class's mean response. Waiting for a pool (threads,
    connections, a row lock) is its own row, so "which layer is slow"
    includes software resources. Steps that visit the same resource add up.

    >>> import tiersim
    >>> m = tiersim.Model("mm1").station("cpu")
    >>> _ = m.open_class("q", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
    >>> b = breakdown(m.run(until=20000, replications=4, seed=1, progress=False))
    >>> b[["resource", "kind"]].values.tolist()
    [['cpu', 'station']]
    >>> round(float(b["share"].sum()), 2)
    1.0
    """
    steps = results.steps
    classes = results.classes.set_index("name")
    names = [cls] if cls is not None else list(classes.index)
    rows = []
    for name in names:
        s = steps[steps["class"] == name]
        total_response = float(classes.loc[name, "response_mean"]) if name in classes.index else math.nan
        groups: dict[tuple[str, str], dict[str, float]] = {}
        for _, st in s.iterrows():
            kind = {"visit": "station", "acquire": "pool", "delay": "delay", "fork": "parallel"}.get(st["kind"])
            if kind is None:
                continue  # releases, choices, branches and joins take no time
            resource = st["target"] if kind in ("station", "pool") else ("(delay)" if kind == "delay" else st["id"])
            g = groups.setdefault((resource, kind), {"visits": 0.0, "wait": 0.0, "service": 0.0})
            g["visits"] += _nz(st["visits"])
            g["wait"] += _nz(st["wait"])
            g["service"] += _nz(st["service"])
        for (resource, kind), g in groups.items():
            total = g["wait"] + g["service"]
            rows.append({"class": name, "resource": resource, "kind": kind, "visits": g["visits"],
                         "wait": g["wait"], "service": g["service"], "total": total,
                         "share": total / total_response if total_response > 0 else math.nan})
    df = pd.DataFrame(rows, columns=["class", "resource", "kind", "visits", "wait", "service", "total", "share"])
    return df.sort_values(["class", "total"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _nz(x: Any) -> float:
    return 0.0 if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# -- the knee of a load sweep -------------------------------------------------------

@dataclass(frozen=True)
class Knee:
    """The saturation point of a load sweep.

    ``load`` is where throughput stops following load: for a closed model the
    population N_knee, for an open one the arrival rate. ``throughput`` is the
    plateau, ``resource`` the bottleneck the run names at the heaviest load (a
    station, a pool or a lock table), ``method`` says how it was found.
    """

    label: str
    load: float
    throughput: float
    resource: str
    method: str
    sweep: Any = field(repr=False, compare=False, default=None)

    def plot(self, ax: Axes | None = None, cls: str | None = None) -> Axes:
        """Throughput against load with the knee and its asymptotes marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7.0, 4.5))
        c = self.sweep.classes
        if cls is not None:
            c = c[c["name"] == cls]
        x = c.groupby(self.label)["throughput"].sum()
        ax.plot(x.index.astype(float), x.values, "o-", label="simulated throughput")
        ax.axvline(self.load, color="tab:red", linestyle="--",
                   label=f"knee: {self.label} = {self.load:.3g} ({self.resource} saturates)")
        ax.axhline(self.throughput, color="grey", linestyle=":", label=f"plateau {self.throughput:.3g}/s")
        ax.set_xlabel("users (N)" if self.label == "users" else f"{self.label} (requests/s)")
        ax.set_ylabel("throughput (requests/s)")
        ax.set_title("Where throughput saturates")
        ax.legend(loc="lower right")
        return ax


def find_knee(sweep: SweepResults, cls: str | None = None) -> Knee:
    """Finds the saturation point of a load sweep (see :func:`~tiersim.sweep.load_sweep`).

    **Closed models** (label ``users``): the knee is where the light-load
    asymptote X = N/(R₁ + Z) meets the heavy-load plateau X_max, i.e.
    N_knee = X_max · (R₁ + Z), with R₁ the response and Z the think time
    (from N/X − R) at the lightest load, and X_max the highest simulated
    throughput. For a product-form model this is N* = (D + Z)/D_max.

    **Open models** (label ``rate``): every unsaturated point's verdict
    gives the bottleneck's ceiling (for a station λ / U, by the utilization
    law U = λ·D); the knee is the median of those estimates (robust to noisy
    points), capped by the highest throughput seen when the sweep went past
    saturation.

    Both use every point's mean over replications; the resource is the
    bottleneck the simulation names at the heaviest load (the same verdict
    as ``tiersim run``: a pool or a lock table as well as a station).

    >>> import tiersim
    >>> from tiersim.sweep import load_sweep
    >>> m = tiersim.Model("mm1").station("cpu")
    >>> _ = m.open_class("q", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=0.1))
    >>> s = load_sweep(m, rates=[2, 4, 6, 8], until=2000, replications=2, seed=1, progress=False)
    >>> k = find_knee(s)
    >>> k.resource, round(k.load)
    ('cpu', 10)
    """
    label = sweep.label
    classes = sweep.classes
    if cls is not None:
        classes = classes[classes["name"] == cls]
    per_point = classes.groupby(label, sort=False).agg(
        throughput=("throughput", "sum"),
        response=("response_mean", "mean")).reset_index()
    per_point["load"] = per_point[label].astype(float)
    per_point = per_point.sort_values("load")
    st = sweep.stations
    queueing = st[st["servers"].notna()]
    heaviest = per_point["load"].iloc[-1]
    at_heaviest = queueing[queueing[label].astype(float) == heaviest]
    resource = str(at_heaviest.loc[at_heaviest["utilization"].idxmax(), "name"]) if len(at_heaviest) else ""
    # The resource is the run's own verdict at the heaviest load (the one definition: a pool
    # or a lock table as well as a station); the busiest station when the verdict names none.
    verdicts = sweep.bottlenecks
    verdicts = verdicts.assign(load=verdicts[label].astype(float))
    named = verdicts[verdicts["load"] == heaviest]["station"]
    if len(named) and str(named.iloc[0]):
        resource = str(named.iloc[0])
    x_max = float(per_point["throughput"].max())
    if label == "users":
        first = per_point.iloc[0]
        n1, x1, r1 = float(first["load"]), float(first["throughput"]), float(first["response"])
        think = max(0.0, n1 / x1 - r1) if x1 > 0 else 0.0
        load = x_max * (r1 + think)
        method = "closed: X_max · (R₁ + Z), where the light-load asymptote meets the plateau"
    else:
        estimates = []
        for _, p in per_point.iterrows():
            lam = float(p["load"])
            # Each unsaturated point's verdict on that resource gives its ceiling (for a
            # station λ / U by the utilization law; for a pool, capacity over its own holding).
            v = verdicts[(verdicts["load"] == lam) & (verdicts["station"] == resource)]
            u = v["utilization"]
            if len(u) and 0.05 < float(u.iloc[0]) < 0.97 and p["throughput"] >= 0.97 * lam:
                ceiling = float(v["saturation_throughput"].iloc[0])
                estimates.append(ceiling if math.isfinite(ceiling) and ceiling > 0 else lam / float(u.iloc[0]))
        if estimates:
            load = float(np.median(estimates))
            if per_point["throughput"].iloc[-1] < 0.97 * heaviest:  # the sweep went past saturation
                load = min(load, x_max * 1.02)
            method = "open: median over unsaturated points of the bottleneck's ceiling (λ / U for a station)"
        else:
            load = x_max
            method = "open: highest throughput seen (no unsaturated point to extrapolate from)"
    plateau = x_max if label == "users" else load
    return Knee(label=label, load=load, throughput=plateau, resource=resource, method=method, sweep=sweep)


# -- bottleneck migration -------------------------------------------------------------

def _add_server(model: Model, station: str) -> Model:
    from .variants import with_servers

    data = model.to_dict()
    for s in data["stations"]:
        if s["name"] == station:
            return with_servers(model, station, int(s.get("servers", 1) or 1) + 1)
    # A service's station ("app.cpu", "app[3].cpu"): scale the tier out by a replica.
    from .variants import with_replicas

    service = station.partition(".")[0].split("[", 1)[0]
    for sv in data.get("services") or []:
        if sv.get("name") == service:
            return with_replicas(model, service, int(sv.get("replicas", 1)) + 1)
    raise KeyError(f"no station named {station!r}")


def _mix_demand(a: OperationalAnalysis, station: str) -> float:
    """Per-server demand at ``station`` for one request of the class mix."""
    if not station:
        return math.nan
    weights = {}
    for _, c in a.classes.iterrows():
        weights[c["name"]] = c["arrival_rate"] if c["type"] == "open" else c["population"]
    total = sum(w for w in weights.values() if not math.isnan(w)) or 1.0
    d = a.demands[a.demands["station"] == station]
    return float(sum(row["demand_per_server"] * weights.get(row["class"], 0.0) / total for _, row in d.iterrows()))


def _remedy(model: Model, kind: str, name: str) -> tuple[Model, str]:
    """The change that relieves a bottleneck of this kind, applied: (new model, what was done)."""
    from .variants import _copy

    if kind == "station":
        data = model.to_dict()
        servers = next((s.get("servers", 1) for s in data.get("stations", []) if s["name"] == name), None)
        if servers is not None:
            return _add_server(model, name), f"one more server at station {name!r} ({servers or 1} -> {(servers or 1) + 1})"
        service = name.partition(".")[0].split("[", 1)[0]
        replicas = next((int(sv.get("replicas", 1)) for sv in data.get("services") or []
                         if sv.get("name") == service), 1)
        return _add_server(model, name), f"one more replica of service {service!r} ({replicas} -> {replicas + 1})"
    data, cls = _copy(model)
    pool = next((p for p in data.get("pools", []) if p["name"] == name), None)
    if pool is None:  # a service's pool: its threads, or a template pool
        service, _, local = name.partition(".")
        sv = next(sv for sv in data.get("services") or [] if sv.get("name") == service)
        if local == "threads":
            before = int(sv.get("threads", 1))
            sv["threads"] = 2 * before
            return cls.from_dict(data), (f"twice the threads of service {service!r} ({before} -> {2 * before}; "
                                         "or async calls where they only wait)")
        pool = next(p for p in sv.get("pools", []) if p["name"] == local)
    if kind == "lock":
        # Split the hot row(s): twice as many hot keys share the same traffic.
        split = ""
        for c in data.get("classes", []):
            for st in c.get("steps", []):
                if st.get("acquire") == name and (st.get("key") or {}).get("hot_fraction", 0) > 0:
                    before = st["key"].get("hot_keys", 1)
                    st["key"]["hot_keys"] = min(2 * before, pool["keys"])
                    split = f"split the hot row of lock table {name!r} ({before} -> {st['key']['hot_keys']} rows)"
        if split:
            return cls.from_dict(data), split
        pool["keys"] = 2 * pool["keys"]
        return cls.from_dict(data), f"twice the keys in lock table {name!r} (shard it)"
    before = int(pool.get("capacity", 1))
    pool["capacity"] = 2 * before
    return cls.from_dict(data), f"a bigger pool {name!r} ({before} -> {2 * before}; or async I/O where its holders only wait)"


def migrate(model: Model, steps: int = 3, remedy: Callable[[Model, str], Model] | None = None, *,
            simulate: bool = False, **run: Any) -> pd.DataFrame:
    """The chain of bottlenecks: fix the current one, find the next, repeat.

    At each step the bottleneck — the resource with the lowest ceiling, a
    station, a pool (threads, connections) or a lock table, from the layered
    solver (:mod:`tiersim.layered`; station demands alone when the model is
    outside its class) — is named with its ``ceiling_throughput`` and, for a
    station, its per-server demand D_b (averaged over the class mix: arrival
    rates for open classes, populations for closed ones; the ceiling is
    1/D_b). For a closed model ``population_limit`` = Σ N/(D+Z) is the other
    ceiling (the users cannot ask for more). ``next_remedy`` is the change to
    make next, then applied: one more server at a station, a pool twice as
    big, a hot row split in two (``remedy(model, name)`` replaces them). With
    ``simulate=True`` each step is also simulated (``run`` is passed to
    :meth:`Model.run`) and the simulated throughput, the bottleneck's
    simulated utilization and the simulation's own verdict are added.

    >>> import tiersim
    >>> m = tiersim.Model("chain").station("a").station("b").station("c")
    >>> q = m.open_class("q", tiersim.Exponential(rate=10))
    >>> _ = q.visit("a", tiersim.Exponential(mean=0.04)).visit("b", tiersim.Exponential(mean=0.03))
    >>> _ = q.visit("c", tiersim.Exponential(mean=0.025))
    >>> chain = migrate(m, steps=2)
    >>> chain["bottleneck"].tolist(), chain["ceiling_throughput"].round(2).tolist()
    (['a', 'b', 'c'], [25.0, 33.33, 40.0])
    """
    rows: list[dict[str, Any]] = []
    current = model
    for step in range(steps + 1):
        a = operational(current)
        st = a.stations.set_index("name")
        kind, name = a.bottleneck_kind, a.bottleneck
        closed = a.classes[a.classes["type"] == "closed"]
        population_limit = (float((closed["population"] / (closed["total_demand"] + closed["think"])).sum())
                            if len(closed) == len(a.classes) else math.nan)
        if kind == "station":
            d_b = _mix_demand(a, name)
            ceiling = 1.0 / d_b if d_b > 0 else math.inf
            servers = int(st.loc[name, "servers"]) if name else 0
        else:
            res = a.layered.resources.set_index("name").loc[name] if a.layered is not None else None
            ceiling = float(res["ceiling"]) if res is not None else math.nan
            d_b = 1.0 / ceiling if ceiling > 0 else math.nan
            pool = next(p for p in current.to_dict().get("pools", []) if p["name"] == name)
            servers = int(pool.get("capacity", 1))
        row: dict[str, Any] = {"step": step, "bottleneck": name, "kind": kind, "servers": servers,
                               "demand_per_server": d_b, "ceiling_throughput": ceiling,
                               "population_limit": population_limit,
                               "remedy": "" if step == 0 else rows[-1]["next_remedy"]}
        nxt, what = current, ""
        if name:
            if remedy is not None:
                nxt, what = remedy(current, name), f"remedy at {name!r}"
            else:
                nxt, what = _remedy(current, kind, name)
        row["next_remedy"] = what
        if simulate:
            r = current.run(progress=False, **run)
            row["simulated_throughput"] = float(r.classes["throughput"].sum())
            util = r.resources.set_index("name")["utilization"] if len(r.resources) else pd.Series(dtype=float)
            row["simulated_utilization"] = float(util.get(name, math.nan))
            row["simulated_bottleneck"] = r.bottleneck.get("station", "")
            row["simulated_kind"] = r.bottleneck.get("kind", "station")
        rows.append(row)
        if step < steps and name:
            current = nxt
    return pd.DataFrame(rows)


# -- what-if comparisons -------------------------------------------------------------------

@dataclass
class WhatIf:
    """Several variants of one model under the same loads: one table, one figure.

    What is *scaled* and what is *judged* are separate: ``scaled`` says which
    load the ``load`` column sets (``"the whole mix"`` or ``"class 'buy'"``),
    ``judged`` which class the SLO is judged on (``"class 'buy'"``, or
    ``"the worst class"``: every class must meet it). ``table`` has one row
    per variant and load: ``throughput`` (all classes), ``judged_class`` (for
    the worst class, the one that was worst), its ``mean`` and ``percentile``
    response, ``meets_slo`` and ``cost``.
    """

    table: pd.DataFrame
    label: str
    slo: float | None
    percentile: str
    scaled: str = "the whole mix"
    judged: str = "the worst class"

    def cheapest(self, load: float | None = None) -> str | None:
        """The cheapest variant meeting the SLO at ``load`` (default: the heaviest), or None."""
        t = self.table
        if load is None:
            load = float(t["load"].max())
        ok = t[(t["load"] == load) & t["meets_slo"]]
        if ok.empty:
            return None
        return str(ok.sort_values(["cost", "variant"]).iloc[0]["variant"])

    def plot(self, fig: Figure | None = None) -> Figure:
        """Throughput and the SLO percentile against load, one line per variant, with the SLO line;
        the axes say what was scaled and what is judged."""
        import matplotlib.pyplot as plt

        if fig is None:
            fig = plt.figure(figsize=(11.0, 4.5))
        ax1, ax2 = fig.subplots(1, 2)
        for name, g in self.table.groupby("variant", sort=False):
            ax1.plot(g["load"], g["throughput"], "o-", label=str(name))
            ax2.plot(g["load"], g[self.percentile], "o-", label=str(name))
        xlabel = (f"users (N) of {self.scaled}" if self.label == "users"
                  else f"arrival rate of {self.scaled} (requests/s)")
        ax1.set_xlabel(xlabel)
        ax1.set_ylabel("throughput, all classes (requests/s)")
        ax1.set_title("Throughput")
        ax2.set_xlabel(xlabel)
        ax2.set_ylabel(f"{self.percentile} response of {self.judged} (s)")
        ax2.set_title(f"SLO judged on {self.judged}: {self.percentile} response")
        # Log scale: a saturated design's seconds would squash every viable one at the bottom.
        ax2.set_yscale("log")
        if self.slo is not None:
            # Black, thick and dashed, with the region above it shaded: never mistaken for a design.
            ax2.axhline(self.slo, color="black", linestyle=(0, (6, 3)), linewidth=2, label=f"SLO {self.slo:g} s")
            top = max(ax2.get_ylim()[1], self.slo * 2)
            ax2.axhspan(self.slo, top, color="0.85", alpha=0.5, zorder=0, label="_nolegend_")
            ax2.set_ylim(top=top)
        ax1.legend()
        ax2.legend()
        fig.tight_layout()
        return fig


def what_if(model: Model, variants: Mapping[str, Model | Callable[[Model], Model]], *,
            rates: Sequence[float] | None = None, users: Sequence[int] | None = None,
            slo: float | None = None, percentile: str = "p95", costs: Mapping[str, float] | None = None,
            cls: str | None = None, load_class: str | None = None, slo_class: str | None = None,
            **run: Any) -> WhatIf:
    """Runs every variant at every load as one experiment (one parallel sweep).

    ``variants`` maps a name to a model or to a function of the base model
    (e.g. ``lambda m: with_servers(m, "db", 2)``); the base itself is
    included as ``"baseline"`` unless a variant has that name. Give
    ``rates`` (open) or ``users`` (closed).

    What is scaled and what is judged are separate arguments. ``load_class``
    names the class whose load ``rates`` / ``users`` set; by default the
    whole mix is scaled (the total, each class keeping its share; a rate
    schedule as a whole). ``slo`` is the most the response ``percentile``
    (``"p95"``, ``"p99"``, ``"mean"``, ...) of ``slo_class`` may be, in
    seconds; without ``slo_class`` every class must meet it (the worst class
    is judged). ``cls`` is the older shorthand for both (load and judge one
    class). ``costs`` gives each variant's price so :meth:`WhatIf.cheapest`
    can name the cheapest that meets the SLO. ``run`` goes to
    :func:`~tiersim.sweep.sweep` (``until``, ``replications``, ``seed``,
    ``executor``, ``progress``, ...).

    >>> import tiersim
    >>> from tiersim.variants import with_servers
    >>> m = tiersim.Model("shop").station("db")
    >>> _ = m.open_class("q", tiersim.Exponential(rate=5)).visit("db", tiersim.Exponential(mean=0.15))
    >>> w = what_if(m, {"two disks": lambda m: with_servers(m, "db", 2)}, rates=[4, 6],
    ...             slo=1.0, costs={"baseline": 1, "two disks": 2}, until=3000, replications=2,
    ...             seed=1, progress=False)
    >>> w.cheapest(6), w.scaled, w.judged
    ('two disks', 'the whole mix', 'the worst class')
    """
    from .sweep import sweep
    from .variants import with_arrival_rate, with_population

    if (rates is None) == (users is None):
        raise TypeError("what_if: give exactly one of rates (open classes) or users (closed classes)")
    if cls is not None:
        if load_class is not None or slo_class is not None:
            raise TypeError("what_if: cls is the shorthand for load_class and slo_class together; give one or "
                            "the other")
        load_class = slo_class = cls
    if slo_class is not None and slo_class not in model.class_names:
        raise KeyError(f"slo_class: no class named {slo_class!r} (have: {', '.join(model.class_names)})")
    label, loads = ("rate", list(rates)) if rates is not None else ("users", list(users or []))
    built: dict[str, Model] = {}
    if "baseline" not in variants:
        built["baseline"] = model
    for name, v in variants.items():
        built[name] = v if isinstance(v, Model) else v(model)
    points: dict[str, Model] = {}
    keys = []
    for name, m in built.items():
        for load in loads:
            key = f"{name} @ {load}"
            points[key] = (with_arrival_rate(m, load, load_class) if label == "rate"
                           else with_population(m, int(load), load_class))
            keys.append((key, name, load))
    s = sweep(points, label="point", **run)
    cl = s.classes
    column = "response_mean" if percentile == "mean" else f"response_{percentile}"
    rows = []
    for key, name, load in keys:
        c = cl[cl["point"] == key]
        judged = c[c["name"] == slo_class] if slo_class is not None else c
        # The worst class (NaN, a class that completed nothing, counts as worst).
        order = judged[column].fillna(math.inf).to_numpy()
        row = judged.iloc[int(order.argmax())]
        value = float(row[column])
        rows.append({"variant": name, "load": float(load), "throughput": float(c["throughput"].sum()),
                     "judged_class": str(row["name"]), "mean": float(row["response_mean"]), percentile: value,
                     "meets_slo": bool(slo is None or value <= slo),
                     "cost": float((costs or {}).get(name, math.nan))})
    return WhatIf(table=pd.DataFrame(rows), label=label, slo=slo, percentile=percentile,
                  scaled="the whole mix" if load_class is None else f"class {load_class!r}",
                  judged="the worst class" if slo_class is None else f"class {slo_class!r}")
