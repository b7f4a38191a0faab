"""The figures people expect from a queueing study, drawn with matplotlib.

Load curves from a :class:`~tiersim.SweepResults` (response and throughput
vs load — the "hockey stick" — and utilization vs load), and views of one
:class:`~tiersim.Results` (utilization bars, response-time breakdown,
distribution of response times, time series). Every function draws on the
``ax`` it is given (a new figure's axes otherwise), labels the axes with
their units and returns the axes; none calls ``plt.show()``.

Times are in seconds and rates per second, the model-file convention.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import tiersim
>>> from tiersim import plots
>>> m = tiersim.Model("mm1").station("cpu")
>>> _ = m.open_class("jobs", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
>>> s = tiersim.load_sweep(m, rates=[0.3, 0.6, 0.9], until=5000, replications=3, seed=1, progress=False)
>>> ax = plots.response_vs_load(s, slo=5.0)
>>> ax.get_xlabel(), ax.get_ylabel()
('arrival rate (requests/s)', 'response time (s)')
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .report import format_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .results import Results
    from .sweep import SweepResults

__all__ = [
    "response_vs_load",
    "throughput_vs_load",
    "utilization_vs_load",
    "utilization_bars",
    "response_breakdown",
    "response_distribution",
    "time_series",
]

_BOTTLENECK_COLOR = "tab:red"
_SATURATED_COLOR = "tab:red"
_PERCENTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p999": 0.999}
_X_LABELS = {"rate": "arrival rate (requests/s)", "users": "users (closed population)",
             "servers": "servers", "speed": "speed factor"}


# -- shared helpers ------------------------------------------------------------


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _x_positions(sweep: SweepResults, ax: Axes) -> dict[Any, float]:
    """Where each sweep label goes on the x axis: its value when numeric, else its position (ticks labelled)."""
    values = list(sweep.values)
    if values and all(_is_number(v) for v in values):
        ax.set_xlabel(_X_LABELS.get(sweep.label, sweep.label))
        return {_key(v): float(v) for v in values}
    ax.set_xticks(range(len(values)), [str(v) for v in values])
    ax.set_xlabel(sweep.label)
    return {_key(v): float(i) for i, v in enumerate(values)}


def _key(v: Any) -> Any:
    try:
        hash(v)
        return v
    except TypeError:
        return repr(v)


def _class_names(df: pd.DataFrame, cls: str | None, column: str = "name") -> list[str]:
    names = list(dict.fromkeys(df[column].tolist()))
    if cls is None:
        return names
    if cls not in names:
        raise KeyError(f"no class named {cls!r} (have: {', '.join(names) or 'none'})")
    return [cls]


def _yerr(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Asymmetric error bars from CI bounds; 0 where a bound is missing."""
    below = np.where(np.isfinite(lo), y - lo, 0.0)
    above = np.where(np.isfinite(hi), hi - y, 0.0)
    return np.clip(np.vstack([below, above]), 0.0, None)


def _series_name(name: str | None, cls: str, n_classes: int) -> str:
    """The legend text of one class's curve: the class, or the caller's name for the sweep."""
    if not name:
        return cls
    return name if n_classes == 1 else f"{name}: {cls}"


def _percentile_column(percentile: Any) -> tuple[str, str]:
    """``response_pNN`` and its display name from 95, 99.9, 0.95 or "p95"."""
    if isinstance(percentile, str):
        key = percentile.lower()
        key = key if key.startswith("p") else f"p{key}"
    elif _is_number(percentile):
        q = float(percentile)
        q = q * 100 if q < 1 else q
        key = {50.0: "p50", 90.0: "p90", 95.0: "p95", 99.0: "p99", 99.9: "p999"}.get(round(q, 6), "")
    else:
        key = ""
    if key not in _PERCENTILES:
        raise ValueError(f"percentile: {percentile!r} is not recorded; expected one of 50, 90, 95, 99, 99.9")
    return f"response_{key}", key


def _legend(ax: Axes, order: Sequence[Any] = (), only: bool = False) -> None:
    """A legend with ``order``'s artists first, in drawing order; with ``only``, exactly those artists."""
    if only:
        shown = [a for a in order if a is not None and a.get_visible() and not a.get_label().startswith("_")]
        if shown:
            ax.legend(shown, [a.get_label() for a in shown], fontsize="small")
        return
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    # Curves drawn by earlier calls on the same axes keep their place in front.
    order = [*getattr(ax, "_tiersim_legend_order", []), *order]
    ax._tiersim_legend_order = order  # type: ignore[attr-defined]
    rank = {id(h): i for i, h in enumerate(order)}
    pairs = sorted(zip(handles, labels), key=lambda hl: rank.get(id(hl[0]), len(rank)))
    ax.legend([h for h, _ in pairs], [lab for _, lab in pairs], fontsize="small")


def _state(ax: Axes) -> dict[str, Any]:
    """What earlier tiersim calls drew on these axes (for overlays): titles, y extent, sweeps, legend."""
    st = getattr(ax, "_tiersim_state", None)
    if st is None:
        st = {"names": [], "ymax": 0.0, "top": None, "sweeps": [], "offered": None, "order": []}
        ax._tiersim_state = st  # type: ignore[attr-defined]
    return st


def _overlay_title(ax: Axes, what: str, sweep: SweepResults, name: str | None) -> None:
    """The title names every sweep drawn on the axes (by ``name`` when given), not only the last."""
    names = _state(ax)["names"]
    who = name or sweep.model
    if who and who not in names:
        names.append(who)
    ax.set_title(f"{what} — {' vs '.join(names)}" if names else what)


def _band(ax: Axes, x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, label: str,
          color: Any = None, marker: str = "o", linestyle: str = "-") -> tuple[Any, Any]:
    """A line with its 95% confidence interval as a shaded band (where the bounds are known)."""
    kwargs = {"color": color} if color is not None else {}
    (line,) = ax.plot(x, y, marker=marker, linestyle=linestyle, label=label, markersize=4, **kwargs)
    ok = np.isfinite(lo) & np.isfinite(hi)
    band = None
    if ok.any():
        band = ax.fill_between(x, np.where(ok, lo, y), np.where(ok, hi, y), color=line.get_color(), alpha=0.18,
                               linewidth=0, label="_nolegend_")
    return line, band


def _grow_ylim(ax: Axes, values: Any, top: float | None = None) -> None:
    """y from 0 to above everything any tiersim call drew on these axes (or to ``top``, the lowest asked).

    Recomputed on every call, so a second sweep drawn on the same axes is never clipped by the first's limit.
    """
    st = _state(ax)
    finite = [float(v) for v in np.ravel(np.asarray(values, dtype=float)) if math.isfinite(v)]
    if finite:
        st["ymax"] = max(st["ymax"], max(finite))
    if top is not None:
        st["top"] = max(st["top"] or 0.0, top)
    upper = st["top"] if st["top"] is not None else st["ymax"] * 1.08
    ax.set_ylim(0, upper if upper > 0 else 1.0)


def _saturated_labels(sweep: SweepResults) -> set[Any]:
    return {_key(v) for v, r in zip(sweep.values, sweep.points) if r.saturated}


# -- load curves (from a sweep) --------------------------------------------------


def response_vs_load(sweep_results: SweepResults, cls: str | None = None, percentile: Any = None,
                     slo: float | None = None, name: str | None = None, clip: bool = True,
                     bounds: bool = False, ax: Axes | None = None) -> Axes:
    """Mean response time against load, its 95% confidence interval shaded: the hockey stick.

    One line per class (or only ``cls``). ``percentile`` (95, 99, "p99", …)
    adds that percentile as a dashed line; ``slo`` draws a horizontal
    service-level line. Points where the run saturated are marked with a red
    triangle: their response time only measures how long the run lasted (the
    queue kept growing), so unless ``clip=False`` the y axis is scaled to the
    points that did not saturate and those curves leave the top of the plot.
    ``name`` replaces the class name in the legend, to tell apart several
    sweeps drawn on the same axes (the title then names them all).

    ``bounds=True`` adds the theory of the swept model (operational analysis,
    no simulation): the asymptotic lower bound on response time — max(D, N·D_max − Z)
    for a closed class, D for an open one — the saturation point N* = (D + Z)/D_max
    (closed) or the rate 1/D_max (open), and the knee found in the simulated
    curve (:func:`tiersim.analysis.find_knee`).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from tiersim.results import Results
    >>> from tiersim.sweep import SweepResults
    >>> pts = [Results({"classes": [{"name": "q", "response": {"mean": r, "p95": 3 * r, "ci95": [r * .9, r * 1.1]}}]})
    ...        for r in (1.4, 2.0, 3.3, 10.0)]
    >>> ax = response_vs_load(SweepResults(pts, [0.3, 0.5, 0.7, 0.9], label="rate"), percentile=95, slo=8)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['q mean', 'q p95', 'SLO 8 s']
    """
    ax = _axes(ax)
    xs = _x_positions(sweep_results, ax)
    saturated = _saturated_labels(sweep_results)
    df = sweep_results.classes
    label = sweep_results.label
    pcol, pname = _percentile_column(percentile) if percentile is not None else ("", "")
    order: list[Any] = []
    classes = _class_names(df, cls)
    steady: list[float] = []  # every value drawn at a point that did not saturate
    flagged: list[tuple[np.ndarray, np.ndarray]] = []
    for cname in classes:
        sub = df[df["name"] == cname]
        series = _series_name(name, cname, len(classes))
        sat = np.array([_key(v) in saturated for v in sub[label]], dtype=bool)
        x = np.array([xs[_key(v)] for v in sub[label]])
        y = sub["response_mean"].to_numpy(float)
        lo, hi = sub["response_mean_lo"].to_numpy(float), sub["response_mean_hi"].to_numpy(float)
        line, _ = _band(ax, x, y, lo, hi, f"{series} mean")
        order.append(line)
        steady += list(np.where(np.isfinite(hi), hi, y)[~sat])
        color = line.get_color()
        if pcol:
            p = sub[pcol].to_numpy(float)
            order += ax.plot(x, p, marker="s", markersize=4, linestyle="--", color=color, label=f"{series} {pname}")
            steady += list(p[~sat])
        if sat.any():
            flagged.append((x[sat], y[sat]))
    if slo is not None:
        order.append(ax.axhline(slo, color="black", linestyle=(0, (5, 3)), linewidth=1.5,
                                label=f"SLO {format_number(slo)} s"))
        steady.append(float(slo))
    if bounds:
        order += _response_bounds(sweep_results, classes[0] if classes else None, xs, ax, steady)
    finite = [v for v in steady if math.isfinite(v)]
    top = 1.15 * max(finite) if clip and flagged and finite else None
    for i, (x, y) in enumerate(flagged):
        shown = y if top is None else np.minimum(y, 0.97 * top)
        order += ax.plot(x, shown, "^" if top is not None else "X", color=_SATURATED_COLOR, markersize=10,
                         linestyle="none", label="_nolegend_" if i else "saturated")
        if top is not None:
            for xi, yi, si in zip(x, y, shown):
                if yi > si:  # off the scale: say how far
                    ax.annotate(f"{format_number(yi, 2)} s", (xi, si), xytext=(0, -16), textcoords="offset points",
                                ha="center", fontsize="x-small", color=_SATURATED_COLOR)
    ax.set_ylabel("response time (s)")
    _grow_ylim(ax, finite if top is not None else [*finite, *[v for _, y in flagged for v in y]], top)
    _overlay_title(ax, "Response time vs load", sweep_results, name)
    ax.grid(True, alpha=0.3)
    _legend(ax, order)
    return ax


def _response_bounds(sweep: SweepResults, cls: str | None, xs: Mapping[Any, float], ax: Axes,
                     steady: list[float]) -> list[Any]:
    """The asymptotic bound, N* (or 1/D_max) and the knee on a response-vs-load plot; returns the artists."""
    from .analysis import find_knee, operational

    model = next((p.source for p in sweep.points if getattr(p, "source", None) is not None), None)
    if model is None or not hasattr(model, "to_dict"):
        raise ValueError("bounds=True needs the swept model: use a sweep made by tiersim.sweep or load_sweep "
                         "in this session (a sweep read back from JSON does not carry it)")
    theory = operational(model).classes
    row = theory[theory["name"] == cls].iloc[0] if cls is not None and (theory["name"] == cls).any() \
        else theory.iloc[0]
    D, Dmax, Z = float(row["total_demand"]), float(row["max_demand"]), float(row["think"])
    out: list[Any] = []
    numeric = [float(v) for v in sweep.values if _is_number(v)]
    if not numeric or not (D > 0 and Dmax > 0):
        return out
    grid = np.linspace(0.0, max(numeric), 200)
    gray = "0.35"
    if sweep.label == "users":
        Z = Z if math.isfinite(Z) else 0.0
        lower = np.maximum(D, grid * Dmax - Z)
        out += ax.plot(grid, lower, color=gray, linestyle="-.", linewidth=1.2,
                       label=f"bound max(D, N·D_max − Z): D = {format_number(D, 3)} s")
        n_star = (D + Z) / Dmax
        if n_star <= max(numeric) * 1.05:
            out.append(ax.axvline(n_star, color=gray, linestyle=":", linewidth=1.2,
                                  label=f"N* = (D + Z)/D_max ≈ {format_number(n_star, 3)} users"))
        steady += [float(v) for v in lower[grid <= max(numeric)]]
    elif sweep.label == "rate":
        out.append(ax.axhline(D, color=gray, linestyle="-.", linewidth=1.2,
                              label=f"bound R ≥ D = {format_number(D, 3)} s"))
        lam = 1.0 / Dmax
        if lam <= max(numeric) * 1.5:
            out.append(ax.axvline(lam, color=gray, linestyle=":", linewidth=1.2,
                                  label=f"saturation 1/D_max ≈ {format_number(lam, 3)}/s"))
        steady.append(D)
    try:
        knee = find_knee(sweep, cls)
    except (ValueError, KeyError):
        knee = None
    if knee is not None and math.isfinite(knee.load):
        out.append(ax.axvline(knee.load, color=_BOTTLENECK_COLOR, linestyle="--", linewidth=1.2,
                              label=f"knee ≈ {format_number(knee.load, 3)} ({knee.resource})"))
    return out


def throughput_vs_load(sweep_results: SweepResults, cls: str | None = None, capacity: bool = True,
                       name: str | None = None, ax: Axes | None = None) -> Axes:
    """Throughput against load, its 95% confidence interval shaded: where it stops following the load is the knee.

    One line per class (or only ``cls``), plus their total when there are
    several. In a sweep over arrival rate (label ``rate``) a dotted diagonal
    shows the offered load. ``capacity=True`` draws the bottleneck's
    saturation throughput (from the point where it is busiest) as a dashed
    horizontal line. ``name`` replaces the class name in the legend.

    Several sweeps drawn on the same axes (each with its ``name``) are
    compared by their totals: once a second sweep is drawn, the per-class
    lines of multi-class sweeps are hidden, and the legend holds one line
    and one capacity per sweep and the offered load once.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from tiersim.results import Results
    >>> from tiersim.sweep import SweepResults
    >>> pts = [Results({"classes": [{"name": "q", "throughput": x}],
    ...                 "bottleneck": {"station": "db", "utilization": x / 12.5, "saturation_throughput": 12.5}})
    ...        for x in (5.0, 10.0, 12.3)]
    >>> ax = throughput_vs_load(SweepResults(pts, [10, 50, 100], label="users"))
    >>> ax.get_ylabel(), ax.get_legend().get_texts()[-1].get_text()
    ('throughput (requests/s)', 'capacity ≈ 12.5/s (db)')
    """
    ax = _axes(ax)
    st = _state(ax)
    xs = _x_positions(sweep_results, ax)
    df = sweep_results.classes
    label = sweep_results.label
    names = _class_names(df, cls)
    record: dict[str, Any] = {"classes": [], "total": None, "capacity": None}
    drawn: list[float] = []
    for cname in names:
        sub = df[df["name"] == cname]
        x = np.array([xs[_key(v)] for v in sub[label]])
        y = sub["throughput"].to_numpy(float)
        hi = sub["throughput_hi"].to_numpy(float)
        record["classes"].append(_band(ax, x, y, sub["throughput_lo"].to_numpy(float), hi,
                                       _series_name(name, cname, len(names))))
        drawn += list(y) + list(hi)
    if cls is None and len(names) > 1:
        total = df.groupby(label, sort=False)["throughput"].sum()
        (record["total"],) = ax.plot([xs[_key(v)] for v in total.index], total.to_numpy(float), marker="o",
                                     markersize=4, color="black" if not st["sweeps"] else None,
                                     label=f"{name}: total" if name else "total")
        drawn += list(total.to_numpy(float))
    numeric = all(_is_number(v) for v in sweep_results.values)
    if sweep_results.label == "rate" and numeric and st["offered"] is None:
        lim = [0.0, max(float(v) for v in sweep_results.values)]
        (st["offered"],) = ax.plot(lim, lim, linestyle=":", color="gray", label="offered load")
    if capacity and cls is None:
        b = sweep_results.bottlenecks
        b = b[np.isfinite(b["saturation_throughput"]) & (b["saturation_throughput"] > 0)]
        if len(b):
            best = b.loc[b["utilization"].idxmax()]
            text = f"capacity ≈ {format_number(best['saturation_throughput'], 3)}/s ({best['station']})"
            main = record["total"] or record["classes"][0][0]
            record["capacity"] = ax.axhline(best["saturation_throughput"], color=main.get_color(),
                                            linestyle="--", linewidth=1, label=f"{name}: {text}" if name else text)
            drawn.append(float(best["saturation_throughput"]))
    st["sweeps"].append(record)
    order: list[Any] = []
    if len(st["sweeps"]) == 1:
        order = [line for line, _ in record["classes"]] + [a for a in (record["total"], st["offered"],
                                                                        record["capacity"]) if a]
    else:
        # Overlaid designs: compare totals; hide the per-class lines of multi-class sweeps.
        for rec in st["sweeps"]:
            if rec["total"] is not None:
                for line, band in rec["classes"]:
                    line.set_visible(False)
                    if band is not None:
                        band.set_visible(False)
                order.append(rec["total"])
            else:
                order += [line for line, _ in rec["classes"]]
            if rec["capacity"] is not None:
                order.append(rec["capacity"])
        if st["offered"] is not None:
            order.append(st["offered"])
    ax.set_ylabel("throughput (requests/s)")
    _grow_ylim(ax, drawn)
    _overlay_title(ax, "Throughput vs load", sweep_results, name)
    ax.grid(True, alpha=0.3)
    _legend(ax, order, only=True)
    return ax


def utilization_vs_load(sweep_results: SweepResults, pools: bool = True, ax: Axes | None = None) -> Axes:
    """Utilization of every queueing station and pool against load: the first to reach 100% is the bottleneck.

    Stations are solid lines, pools (threads, connections, locks) dashed and
    marked "(pool)"; 95% confidence intervals are shaded. Delay stations
    (whose "utilization" is a mean number in service) are left out.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from tiersim.results import Results
    >>> from tiersim.sweep import SweepResults
    >>> pts = [Results({"stations": [{"name": "cpu", "discipline": "ps", "servers": 1, "utilization": u / 2},
    ...                              {"name": "disk", "discipline": "fcfs", "servers": 1, "utilization": u}],
    ...                 "pools": [{"name": "conn", "capacity": 4, "utilization": u}]})
    ...        for u in (0.2, 0.6, 0.99)]
    >>> ax = utilization_vs_load(SweepResults(pts, [1, 3, 5], label="users"))
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('utilization (%)', ['cpu', 'disk', 'conn (pool)'])
    """
    ax = _axes(ax)
    xs = _x_positions(sweep_results, ax)
    label = sweep_results.label
    order: list[Any] = []
    frames = [(sweep_results.stations, "", "-", "o")]
    if pools:
        frames.append((sweep_results.pools, " (pool)", "--", "s"))
    for df, suffix, style, marker in frames:
        if not len(df):
            continue
        if "discipline" in df.columns:
            df = df[df["discipline"] != "delay"]
        for name in dict.fromkeys(df["name"]):
            sub = df[df["name"] == name]
            x = np.array([xs[_key(v)] for v in sub[label]])
            line, _ = _band(ax, x, 100 * sub["utilization"].to_numpy(float),
                            100 * sub["utilization_lo"].to_numpy(float), 100 * sub["utilization_hi"].to_numpy(float),
                            f"{name}{suffix}", marker=marker, linestyle=style)
            order.append(line)
    ax.axhline(100, color="black", linestyle="--", linewidth=1)
    ax.set_ylabel("utilization (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"Utilization vs load — {sweep_results.model}")
    ax.grid(True, alpha=0.3)
    _legend(ax, order)
    return ax


# -- one run ---------------------------------------------------------------------


def utilization_bars(results: Results, pools: bool = True, ax: Axes | None = None) -> Axes:
    """Utilization of each station (and pool) as bars, the bottleneck in red, a line at 100%.

    Delay stations are left out (their "utilization" is a mean number in
    service, not a fraction). Error bars are 95% confidence intervals.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from tiersim.results import Results
    >>> r = Results({"stations": [{"name": "web", "discipline": "ps", "servers": 4, "utilization": 0.3},
    ...                           {"name": "db", "discipline": "fcfs", "servers": 1, "utilization": 0.95}],
    ...              "pools": [{"name": "conn", "capacity": 10, "utilization": 0.6}],
    ...              "bottleneck": {"station": "db", "utilization": 0.95}})
    >>> ax = utilization_bars(r)
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
    (['web', 'db', 'conn (pool)'], 'utilization (%)')
    """
    ax = _axes(ax)
    st = results.stations
    st = st[st["discipline"] != "delay"]
    bottleneck = results.bottleneck.get("station")
    names: list[str] = []
    values: list[float] = []
    errs: list[tuple[float, float]] = []
    colors: list[str] = []
    hatches: list[str] = []
    for _, row in st.iterrows():
        names.append(str(row["name"]))
        u = float(row["utilization"])
        e = _yerr(np.array([u]), np.array([row["utilization_lo"]], float), np.array([row["utilization_hi"]], float))
        values.append(100 * u)
        errs.append((100 * e[0, 0], 100 * e[1, 0]))
        colors.append(_BOTTLENECK_COLOR if row["name"] == bottleneck else "tab:blue")
        hatches.append("")
    if pools:
        for _, row in results.pools.iterrows():
            names.append(f"{row['name']} (pool)")
            u = float(row["utilization"])
            e = _yerr(np.array([u]), np.array([row["utilization_lo"]], float),
                      np.array([row["utilization_hi"]], float))
            values.append(100 * u)
            errs.append((100 * e[0, 0], 100 * e[1, 0]))
            # The verdict may name a pool or a lock table: its bar is the red one then.
            colors.append(_BOTTLENECK_COLOR if row["name"] == bottleneck else "tab:gray")
            hatches.append("//")
    positions = np.arange(len(names))
    bars = ax.bar(positions, values, color=colors, yerr=np.array(errs).T if errs else None, capsize=3,
                  edgecolor="black", linewidth=0.5)
    for bar, hatch in zip(bars, hatches):
        bar.set_hatch(hatch)
    for x, v in zip(positions, values):
        if math.isfinite(v):
            ax.annotate(f"{v:.0f}%", (x, v), xytext=(0, 3), textcoords="offset points", ha="center",
                        fontsize="small")
    ax.axhline(100, color="black", linestyle="--", linewidth=1)
    ax.set_xticks(positions, names, rotation=30 if len(names) > 5 else 0, ha="right" if len(names) > 5 else "center")
    ax.set_xlabel("resource")
    ax.set_ylabel("utilization (%)")
    top = max([v for v in values if math.isfinite(v)] + [100.0])
    ax.set_ylim(0, top * 1.1)
    title = f"Utilization — {results.model}" if results.model else "Utilization"
    if bottleneck:
        title += f" (bottleneck: {bottleneck})"
    ax.set_title(title)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor="tab:blue", edgecolor="black", label="station"),
               Patch(facecolor=_BOTTLENECK_COLOR, edgecolor="black", label="bottleneck")]
    if pools and len(results.pools):
        handles.append(Patch(facecolor="tab:gray", edgecolor="black", hatch="//", label="pool"))
    ax.legend(handles=handles, fontsize="small", loc="upper left")
    return ax


def response_breakdown(results: Results, cls: str | None = None, by: Literal["step", "resource"] = "step",
                       ax: Axes | None = None) -> Axes:
    """Where the response time goes: per step (or per resource), service time and waiting time stacked.

    Horizontal bars in route order (``by="step"``) or, with
    ``by="resource"``, summed per station or pool, largest first. Waiting
    for a pool (threads, connections, a lock) shows as the wait of its
    acquire step. Each bar is labelled with its share of the mean response.
    With several classes and no ``cls``, every class's steps are shown,
    prefixed by the class name.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from tiersim.results import Results
    >>> r = Results({"classes": [{"name": "q", "response": {"mean": 0.5}, "steps": [
    ...     {"id": "acquire conn", "kind": "acquire", "target": "conn", "visits": 1, "wait": 0.2, "service": 0},
    ...     {"id": "db", "kind": "visit", "target": "db", "visits": 1, "wait": 0.1, "service": 0.2},
    ...     {"id": "release conn", "kind": "release", "target": "conn", "visits": 1, "wait": 0, "service": 0}]}]})
    >>> ax = response_breakdown(r)
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_xlabel()
    (['acquire conn', 'db'], 'time per request (s)')
    """
    if by not in ("step", "resource"):
        raise ValueError(f"by: expected 'step' or 'resource', got {by!r}")
    ax = _axes(ax)
    steps = results.steps
    names = _class_names(steps, cls, column="class")
    prefix = cls is None and len(names) > 1
    rows: list[tuple[str, float, float]] = []
    for name in names:
        sub = steps[steps["class"] == name].copy()
        sub["wait"] = sub["wait"].fillna(0.0).clip(lower=0.0)
        sub["service"] = sub["service"].fillna(0.0).clip(lower=0.0)
        if by == "resource":
            sub["target"] = [t if t else "delay" for t in sub["target"]]
            grouped = sub.groupby("target", sort=False)[["wait", "service"]].sum()
            grouped = grouped.loc[(grouped["wait"] + grouped["service"]).sort_values(ascending=False).index]
            items = [(str(t), float(g["wait"]), float(g["service"])) for t, g in grouped.iterrows()]
        else:
            items = [(str(s["id"]), float(s["wait"]), float(s["service"])) for _, s in sub.iterrows()]
        for label, wait, service in items:
            if wait + service > 0:
                rows.append((f"{name}: {label}" if prefix else label, wait, service))
    totals = results.classes.set_index("name")["response_mean"] if len(results.classes) else pd.Series(dtype=float)
    total = sum(w + s for _, w, s in rows)
    if len(names) == 1 and names[0] in totals.index and math.isfinite(totals[names[0]]):
        total = float(totals[names[0]])
    y = np.arange(len(rows))
    service = np.array([s for _, _, s in rows])
    wait = np.array([w for _, w, _ in rows])
    ax.barh(y, service, color="tab:blue", edgecolor="black", linewidth=0.5, label="service")
    ax.barh(y, wait, left=service, color="tab:orange", edgecolor="black", linewidth=0.5, hatch="//",
            label="waiting")
    for yi, (w, s) in enumerate(zip(wait, service)):
        if total > 0:
            ax.annotate(f"{100 * (w + s) / total:.0f}%", (w + s, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize="small")
    ax.set_yticks(y, [label for label, _, _ in rows])
    ax.invert_yaxis()  # route order, top to bottom
    ax.set_xlabel("time per request (s)")
    ax.set_ylabel("step" if by == "step" else "resource")
    right = max([w + s for w, s in zip(wait, service)] + [0.0])
    ax.set_xlim(0, right * 1.15 if right > 0 else 1)
    who = names[0] if len(names) == 1 else results.model
    ax.set_title(f"Response time breakdown — {who}" + (f" (mean {format_number(total)} s)" if total > 0 else ""))
    ax.legend(fontsize="small", loc="lower right")
    return ax


def _samples(results: Results, name: str) -> np.ndarray | None:
    """Raw response times of class ``name`` when the run recorded them (``run(samples=N)``), else None."""
    samples = getattr(results, "samples", None)
    if samples is None:
        return None
    values: Any = None
    if isinstance(samples, pd.DataFrame):
        if "class" in samples.columns and len(samples):
            column = "response" if "response" in samples.columns else samples.select_dtypes("number").columns[-1]
            values = samples.loc[samples["class"] == name, column]
    elif isinstance(samples, Mapping):
        values = samples.get(name)
    if values is None:
        return None
    arr = np.asarray(values, dtype=float).ravel()
    arr = arr[np.isfinite(arr)]
    return arr if arr.size else None


def response_distribution(results: Results, cls: str | None = None, kind: Literal["cdf", "hist"] = "cdf",
                          name: str | None = None, ax: Axes | None = None) -> Axes:
    """The distribution of end-to-end response time, as a CDF or a histogram, with percentiles marked.

    When the run kept raw samples (``results.samples``, from
    ``run(samples=N)``) they give the empirical CDF or a histogram. Otherwise
    the curve is drawn through the recorded percentiles (p50, p90, p95,
    p99, p99.9 and the maximum); the histogram is then the density between
    consecutive percentiles. p50, p95 and p99 are marked with vertical
    lines, the mean with a dashed one; their labels sit inside the axes.
    ``name`` prefixes the series in the legend; when another run's series of
    the same name is already on the axes, the model's name tells them apart.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from tiersim.results import Results
    >>> r = Results({"classes": [{"name": "q", "response": {"mean": 2, "p50": 1.4, "p90": 4.6, "p95": 6,
    ...                                                     "p99": 9.2, "p999": 13.8, "max": 20}}]})
    >>> ax = response_distribution(r)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('response time (s)', 'P(response ≤ t)')
    """
    if kind not in ("cdf", "hist"):
        raise ValueError(f"kind: expected 'cdf' or 'hist', got {kind!r}")
    ax = _axes(ax)
    df = results.classes
    names = _class_names(df, cls)
    from matplotlib.transforms import blended_transform_factory

    text_at = blended_transform_factory(ax.transData, ax.transAxes)
    marks: list[tuple[float, str, Any]] = []
    for cname in names:
        row = df[df["name"] == cname].iloc[0]
        data = _samples(results, cname)
        series = _distinct_series(ax, f"{name}: {cname}" if name else cname,
                                  f"{results.model}: {cname}" if results.model and not name else None)
        if data is not None:
            if kind == "cdf":
                xs = np.sort(data)
                line = ax.step(xs, np.arange(1, xs.size + 1) / xs.size, where="post",
                               label=f"{series} ({xs.size:,} samples)")[0]
            else:
                bins = int(min(100, max(10, math.sqrt(data.size))))
                patches = ax.hist(data, bins=bins, density=True, alpha=0.5, label=f"{series} ({data.size:,} samples)")[2]
                line = patches[0] if len(patches) else None
        else:
            qs = [(float(row[f"response_{k}"]), p) for k, p in _PERCENTILES.items()]
            qs.append((float(row["response_max"]), 1.0))
            qs = [(x, p) for x, p in qs if math.isfinite(x)]
            if not qs:
                continue
            xs = np.array([x for x, _ in qs])
            ps = np.array([p for _, p in qs])
            if kind == "cdf":
                line = ax.plot(xs, ps, marker="o", label=f"{series} (percentiles)")[0]
            else:
                edges = np.concatenate([[0.0], xs])
                mass = np.diff(np.concatenate([[0.0], ps]))
                width = np.diff(edges)
                density = np.divide(mass, width, out=np.zeros_like(mass), where=width > 0)
                line = ax.stairs(density, edges, fill=True, alpha=0.5, label=f"{series} (from percentiles)")
        color = _color_of(line)
        for key in ("p50", "p95", "p99"):
            x = float(row[f"response_{key}"])
            if math.isfinite(x):
                ax.axvline(x, color=color, linestyle=":", linewidth=1)
                marks.append((x, key, color))
        mean = float(row["response_mean"])
        if math.isfinite(mean):
            ax.axvline(mean, color=color, linestyle="--", linewidth=1, label=f"{series} mean {format_number(mean)} s")
    ax.set_xlabel("response time (s)")
    ax.set_ylabel("P(response ≤ t)" if kind == "cdf" else "density (1/s)")
    ax.set_xlim(left=0)
    right = ax.get_xlim()[1]
    if marks and max(x for x, _, _ in marks) > 0.9 * right:
        ax.set_xlim(0, max(x for x, _, _ in marks) / 0.9)  # room for the labels left of the last line
    for i, (x, key, color) in enumerate(sorted(marks)):
        # Inside the axes, left of their line, staggered so neighbours do not overlap; clipped to the axes.
        ax.text(x, 0.6 - 0.12 * (i % 3), f"{key} ", transform=text_at, rotation=90, va="center", ha="right",
                fontsize="x-small", color=color, clip_on=True,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    if kind == "cdf":
        ax.set_ylim(0, 1.02)
    ax.set_title(f"Response time distribution — {names[0] if len(names) == 1 else results.model}")
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return ax


def _distinct_series(ax: Axes, series: str, alternative: str | None) -> str:
    """``series``, unless a series of that name is already on the axes: then ``alternative``, or a number."""
    taken = {t.split(" (")[0] for t in ax.get_legend_handles_labels()[1]}
    if series not in taken:
        return series
    if alternative and alternative not in taken:
        return alternative
    k = 2
    while f"{series} #{k}" in taken:
        k += 1
    return f"{series} #{k}"


def _color_of(artist: Any) -> Any:
    for getter in ("get_color", "get_facecolor", "get_edgecolor"):
        f = getattr(artist, getter, None)
        if f is not None:
            c = f()
            if isinstance(c, np.ndarray) and c.ndim == 2:
                c = c[0]
            return c
    return "black"


def _metric_label(metric: str) -> str:
    m = metric.lower()
    if "utilization" in m:
        return f"{metric} (fraction busy)"
    if "throughput" in m or m.endswith("rate") or m in ("arrivals", "completions"):
        return f"{metric} (requests/s)"
    if any(k in m for k in ("response", "wait", "service", "p50", "p95", "p99")):
        return f"{metric} (s)"
    if any(k in m for k in ("queue", "in_system", "held", "population")):
        return f"{metric} (requests)"
    return metric


def time_series(results: Results, metric: str = "utilization", names: Sequence[str] | str | None = None,
                kind: Literal["station", "pool", "class"] | None = None, ax: Axes | None = None) -> Axes:
    """One metric over simulated time, window by window, for each station or class that records it.

    Needs the per-window series of a run made with ``window=...``
    (``results.windows``: columns ``window_start, window_end, kind, name,
    metric, value``, and ``lo``, ``hi`` drawn as a band when replications
    give an interval); raises ``ValueError`` otherwise. ``names`` and
    ``kind`` ("station", "pool" or "class") pick the series to draw. A run
    of six hours or more (a day cycle) has hours on the time axis.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from tiersim.results import Results
    >>> class Windowed(Results):
    ...     windows = pd.DataFrame({"window_start": [0.0, 10.0], "window_end": [10.0, 20.0],
    ...                             "kind": "station", "name": "cpu", "metric": "utilization", "value": [0.4, 0.8]})
    >>> ax = time_series(Windowed({"model": "m"}))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('simulated time (s)', 'utilization (fraction busy)')
    >>> time_series(Results({"model": "m"}))
    Traceback (most recent call last):
    ...
    ValueError: no time series in these results: run with window=... to get time series (e.g. model.run(window=10))
    """
    windows = getattr(results, "windows", None)
    if windows is None or not isinstance(windows, pd.DataFrame) or windows.empty:
        raise ValueError("no time series in these results: run with window=... to get time series "
                         "(e.g. model.run(window=10))")
    df = windows
    if kind is not None:
        if kind not in ("station", "pool", "class"):
            raise ValueError(f"kind: expected 'station', 'pool' or 'class', got {kind!r}")
        df = df[df["kind"] == kind]
    if names is not None:
        wanted = [names] if isinstance(names, str) else list(names)
        df = df[df["name"].isin(wanted)]
    available = sorted(set(df["metric"]))
    df = df[df["metric"] == metric]
    if df.empty:
        raise ValueError(f"no {metric!r} time series in these results; available metrics: "
                         f"{', '.join(available) or 'none'}")
    ax = _axes(ax, figsize=(9.0, 4.5))
    both_kinds = df["kind"].nunique() > 1
    # A run of hours (a day cycle) is drawn in hours; 95% intervals across replications as bands.
    hours = float(df["window_end"].max() - df["window_start"].min()) >= 6 * 3600
    unit = 3600.0 if hours else 1.0
    for (k, name), g in df.groupby(["kind", "name"], sort=False):
        g = g.sort_values("window_start")
        starts = g["window_start"].to_numpy(float) / unit
        ends = g["window_end"].to_numpy(float) / unit
        values = g["value"].to_numpy(float)
        label = f"{k} {name}" if both_kinds else str(name)
        lo = g["lo"].to_numpy(float) if "lo" in g else values
        hi = g["hi"].to_numpy(float) if "hi" in g else values
        band = bool(np.any(hi > lo))
        if len(starts) and np.allclose(starts[1:], ends[:-1]):
            edges = np.concatenate([starts, ends[-1:]])
            step = ax.stairs(values, edges, label=label, baseline=None, linewidth=1.5)
            if band:
                ax.stairs(hi, edges, baseline=lo, fill=True, alpha=0.2, color=step.get_edgecolor())
        else:
            (line,) = ax.plot((starts + ends) / 2, values, marker=".", label=label)
            if band:
                ax.fill_between((starts + ends) / 2, lo, hi, alpha=0.2, color=line.get_color())
    if hours:
        from matplotlib.ticker import MultipleLocator

        ax.xaxis.set_major_locator(MultipleLocator(3 if ax.get_xlim()[1] - ax.get_xlim()[0] <= 48 else 24))
    ax.set_xlabel("simulated time (hours; 95% bands across replications)" if hours else "simulated time (s)")
    ax.set_ylabel(_metric_label(metric))
    ax.set_title(f"{metric} over time — {results.model}" if results.model else f"{metric} over time")
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return ax
