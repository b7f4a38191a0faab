"""Time windows of a run (``run.window``): the peak window, its bottleneck, and their text.

Pure functions of the results document (the dict ``tiersim run --json``
prints), used by the text report and :class:`~tiersim.Results`.

The *peak* window is the one in which some queueing station is busiest (a
delay station never queues); its *bottleneck* is that station. Without a
queueing station, the peak is the window with the highest total arrival rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["series", "peak_window", "peak_lines", "precision_lines", "clock"]

DAY = 86400.0


def _f(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def series(results: Mapping[str, Any], kind: str, name: str, metric: str) -> list[float]:
    """The values of one window series (NaN where a window has none), ``[]`` when absent.

    >>> doc = {"windows": {"series": [{"kind": "station", "name": "cpu", "metric": "utilization",
    ...                                "values": [0.2, None]}]}}
    >>> series(doc, "station", "cpu", "utilization")
    [0.2, nan]
    """
    for s in (results.get("windows") or {}).get("series") or []:
        if s.get("kind") == kind and s.get("name") == name and s.get("metric") == metric:
            return [_f(v) for v in s.get("values") or []]
    return []


def _interval(results: Mapping[str, Any], kind: str, name: str, metric: str, i: int) -> tuple[float, float]:
    for s in (results.get("windows") or {}).get("series") or []:
        if s.get("kind") == kind and s.get("name") == name and s.get("metric") == metric:
            lo, hi = s.get("lo") or [], s.get("hi") or []
            if i < len(lo) and i < len(hi):
                return _f(lo[i]), _f(hi[i])
    return math.nan, math.nan


def _queueing(station: Mapping[str, Any]) -> bool:
    return station.get("servers") is not None and station.get("discipline") != "delay"


def peak_window(results: Mapping[str, Any]) -> dict[str, Any] | None:
    """The peak window: ``{"index", "start", "end", "station", "utilization"}``, or ``None`` without windows.

    ``station`` is the bottleneck of the peak (``""`` when no station queues).

    >>> doc = {"stations": [{"name": "cpu", "servers": 1, "discipline": "fcfs"},
    ...                     {"name": "net", "servers": None, "discipline": "delay"}],
    ...        "windows": {"start": [0, 10, 20], "end": [10, 20, 30], "series": [
    ...            {"kind": "station", "name": "cpu", "metric": "utilization", "values": [0.2, 0.9, 0.4]},
    ...            {"kind": "station", "name": "net", "metric": "utilization", "values": [5, 1, 1]}]}}
    >>> peak_window(doc)
    {'index': 1, 'start': 10.0, 'end': 20.0, 'station': 'cpu', 'utilization': 0.9}
    """
    w = results.get("windows") or {}
    starts, ends = w.get("start") or [], w.get("end") or []
    if not starts:
        return None
    best: tuple[float, int, str] | None = None
    for s in results.get("stations") or []:
        if not _queueing(s):
            continue
        for i, u in enumerate(series(results, "station", str(s.get("name")), "utilization")):
            if math.isfinite(u) and (best is None or u > best[0]):
                best = (u, i, str(s.get("name")))
    if best is None:  # no queueing station: the window with the most arrivals
        total = [0.0] * len(starts)
        for c in results.get("classes") or []:
            for i, x in enumerate(series(results, "class", str(c.get("name")), "arrival_rate")):
                if i < len(total) and math.isfinite(x):
                    total[i] += x
        i = max(range(len(total)), key=lambda k: total[k])
        return {"index": i, "start": _f(starts[i]), "end": _f(ends[i]), "station": "", "utilization": math.nan}
    u, i, name = best
    return {"index": i, "start": _f(starts[i]), "end": _f(ends[i]), "station": name, "utilization": u}


def clock(t: float) -> str:
    """Time of day ``HH:MM`` of ``t`` seconds (modulo a day).

    >>> clock(50400), clock(86400 + 3600 * 9.5)
    ('14:00', '09:30')
    """
    s = int(round(t)) % int(DAY)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def _when(start: float, end: float, span: float) -> str:
    from .report import format_number

    text = f"{format_number(start)}-{format_number(end)} s"
    if span >= DAY / 4:  # a run of hours: say the time of day too
        text += f" ({clock(start)}-{clock(end)})"
    return text


def _pm(value: float, lo: float, hi: float, percent: bool = False) -> str:
    from .report import format_estimate

    if not math.isfinite(value):
        return "-"
    half = (hi - lo) / 2
    if percent:
        text = f"{100 * value:.1f}%"
        return text + (f"±{100 * half:.1f}" if math.isfinite(half) and 100 * half >= 0.05 else "")
    return format_estimate(value, [lo, hi])


def peak_lines(results: Mapping[str, Any]) -> list[str]:
    """The report's peak section: each queueing station and class over the whole run and in the
    peak window (with 95% intervals across replications), then the peak's bottleneck. ``[]``
    without windows, or with a single window (the whole run already says it).
    """
    from .report import _table

    peak = peak_window(results)
    w = results.get("windows") or {}
    starts, ends = w.get("start") or [], w.get("end") or []
    if peak is None or len(starts) < 2:
        return []
    i = peak["index"]
    span = _f(ends[-1]) - _f(starts[0])
    rows: list[list[str]] = []
    for s in results.get("stations") or []:
        if not _queueing(s):
            continue
        name = str(s.get("name"))
        ci = s.get("ci95") or {}
        for metric, label, pct in (("utilization", "util", True), ("mean_response", "R (s)", False)):
            lo, hi = (ci.get(metric) or [math.nan, math.nan])[:2]
            v = series(results, "station", name, metric)
            rows.append([f"station {name}", label, _pm(_f(s.get(metric)), _f(lo), _f(hi), pct),
                         _pm(v[i] if i < len(v) else math.nan, *_interval(results, "station", name, metric, i), pct)])
    for c in results.get("classes") or []:
        name = str(c.get("name"))
        resp = c.get("response") or {}
        lo, hi = (c.get("throughput_ci95") or [math.nan, math.nan])[:2]
        v = series(results, "class", name, "throughput")
        rows.append([f"class {name}", "X (/s)", _pm(_f(c.get("throughput")), _f(lo), _f(hi)),
                     _pm(v[i] if i < len(v) else math.nan, *_interval(results, "class", name, "throughput", i))])
        lo, hi = (resp.get("ci95") or [math.nan, math.nan])[:2]
        v = series(results, "class", name, "mean_response")
        rows.append([f"class {name}", "R (s)", _pm(_f(resp.get("mean")), _f(lo), _f(hi)),
                     _pm(v[i] if i < len(v) else math.nan, *_interval(results, "class", name, "mean_response", i))])
    lines = [f"Peak window {i + 1} of {len(starts)}: {_when(peak['start'], peak['end'], span)}",
             *_table(["", "metric", "whole run", "peak window"], rows, left=2)]
    if peak["station"]:
        whole = next((_f(s.get("utilization")) for s in results.get("stations") or []
                      if s.get("name") == peak["station"]), math.nan)
        lines.append(f"Bottleneck of the peak: station {peak['station']!r} at {100 * peak['utilization']:.1f}% "
                     f"utilization (whole run: {100 * whole:.1f}%)")
    return lines


def precision_lines(results: Mapping[str, Any]) -> list[str]:
    """The report's precision section (``run.precision``): each target, met or not, and how the run stopped.

    >>> print("\\n".join(precision_lines({"precision": {"met": True, "replications": 12, "confidence": 0.95,
    ...     "reason": "every target met after 12 replications", "targets": [{"metric": "classes.q.response.mean",
    ...     "target": 0.01, "mean": 2.0, "half_width": 0.018, "relative": 0.009, "met": True}]}})))
    Precision (95% intervals): every target met after 12 replications
      classes.q.response.mean: 2±0.018 (0.90% of the mean, target 1.00%) met
    """
    from .report import format_number

    p = results.get("precision")
    if not p:
        return []
    conf = _f(p.get("confidence"))
    lines = [f"Precision ({100 * conf:.4g}% intervals): {p.get('reason', '')}"]
    for t in p.get("targets") or []:
        rel = _f(t.get("relative"))
        rel_text = f"{100 * rel:.2f}%" if math.isfinite(rel) else "-"
        lines.append(f"  {t.get('metric')}: {format_number(t.get('mean'))}±{format_number(t.get('half_width'), 2)} "
                     f"({rel_text} of the mean, target {100 * _f(t.get('target')):.2f}%) "
                     f"{'met' if t.get('met') else 'NOT met'}")
    return lines
