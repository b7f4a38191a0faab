"""The human-readable text report of a run: pure functions of the results dict.

Used by ``tiersim run`` and :meth:`tiersim.Results.summary`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "format_report",
    "format_number",
    "format_half_width",
    "format_estimate",
    "bottleneck_sentence",
    "verdict_lines",
    "describe_resource",
    "saturation_warning",
    "deadlock_warning",
]

_RULE = "!" * 72


def _f(value: Any) -> float:
    """A float from a JSON value (``None``, the JSON form of NaN, becomes NaN)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def format_number(value: Any, digits: int = 4) -> str:
    """``value`` to about ``digits`` significant digits, without exponents for everyday sizes.

    >>> format_number(0.49912), format_number(20000), format_number(1.0), format_number(1234567.0)
    ('0.4991', '20000', '1', '1.235e+06')
    >>> format_number(None), format_number(float("inf")), format_number(0.000012345), format_number(-9.8e-17)
    ('-', 'inf', '1.234e-05', '0')
    """
    x = _f(value)
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) < 1e-12:  # zero, or rounding noise around it (a wait of -1e-17)
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude >= 6 or magnitude < -4:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - magnitude)
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_half_width(ci: Any) -> str:
    """``"±h"`` for a ``[lo, hi]`` interval (2 significant digits), ``""`` when there is none.

    >>> format_half_width([1.9, 2.1]), format_half_width([2.0, 2.0]), format_half_width(None)
    ('±0.1', '', '')
    """
    if not isinstance(ci, Sequence) or len(ci) != 2:
        return ""
    half = (_f(ci[1]) - _f(ci[0])) / 2
    if not math.isfinite(half) or half <= 0:
        return ""
    return "±" + format_number(half, 2)


def _percent(value: Any) -> str:
    x = _f(value)
    return "-" if math.isnan(x) else f"{100 * x:.1f}%"


def format_estimate(value: Any, ci: Any) -> str:
    """``value±half-width``, the value rounded to the precision of its half-width.

    >>> format_estimate(0.50644, [0.4964, 0.5165]), format_estimate(2.0, [1.96, 2.04])
    ('0.506±0.010', '2.000±0.040')
    >>> format_estimate(12345.6, [12200, 12490]), format_estimate(3.5, None)
    ('12346±145', '3.5')
    """
    hw = format_half_width(ci)
    x = _f(value)
    if not hw or not math.isfinite(x) or x == 0 or not -4 <= math.floor(math.log10(abs(x))) < 6:
        return format_number(value) + hw
    half = (_f(ci[1]) - _f(ci[0])) / 2
    # Two significant digits of the half-width set the decimals; at most 6 significant digits of the value.
    decimals = max(0, 1 - math.floor(math.log10(half)))
    decimals = min(decimals, max(0, 5 - math.floor(math.log10(abs(x)))))
    return f"{x:.{decimals}f}±{half:.{decimals}f}" if decimals > 0 or half >= 1 else format_number(value) + hw


_with_ci = format_estimate


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1, indent: str = "  ") -> list[str]:
    """Aligned columns: the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers), indent + "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _header(results: Mapping[str, Any]) -> list[str]:
    run = results.get("run") or {}
    reps = run.get("replications")
    warmup = run.get("warmup")
    lines = [f"tiersim results for model {results.get('model', 'model')!r}"]
    parts = []
    if reps is not None:
        parts.append(f"{reps} replication{'' if reps == 1 else 's'}")
    if run.get("simulated_time") is not None:
        parts.append(f"{format_number(run.get('simulated_time'))} s measured each")
    if run.get("until"):
        parts.append(f"until {format_number(run.get('until'))} s")
    if warmup:
        parts.append(f"warm-up {format_number(warmup)} s")
    if run.get("seed") is not None:
        parts.append(f"seed {run.get('seed')}")
    if parts:
        lines.append("  " + ", ".join(parts))
    cost = []
    if run.get("events") is not None:
        cost.append(f"{int(_f(run['events'])):,} events")
    if run.get("wall_seconds") is not None:
        cost.append(f"{format_number(run['wall_seconds'], 3)} s wall")
    if run.get("threads"):
        cost.append(f"{run['threads']} thread{'' if run['threads'] == 1 else 's'}")
    if cost:
        lines.append("  " + ", ".join(cost))
    if run.get("interrupted"):
        lines.append("  INTERRUPTED: the run was stopped early; these are partial results.")
    return lines


def _stations(stations: Sequence[Mapping[str, Any]]) -> list[str]:
    headers = ["station", "discipline", "servers", "util", "X (/s)", "L", "Lq", "W (s)", "R (s)", "lost"]
    rows = []
    for s in stations:
        ci = s.get("ci95") or {}
        delay = s.get("servers") is None or s.get("discipline") == "delay"
        util = "-" if delay else _percent(s.get("utilization")) + _pct_half_width(ci.get("utilization"))
        name = str(s.get("name", ""))
        if (s.get("replicas") or 1) > 1:
            # A service's station, folded over its replicas: the mean, and the busiest.
            name += f" x{s['replicas']}"
            if not delay:
                util += f" (max {_percent(s.get('utilization_max'))} #{s.get('busiest_replica')})"
        rows.append([
            name,
            str(s.get("discipline", "")),
            "inf" if delay else str(s.get("servers")),
            util,
            _with_ci(s.get("throughput"), ci.get("throughput")),
            format_number(s.get("mean_in_system")),
            format_number(s.get("mean_queue_length")),
            format_number(s.get("mean_wait")),
            _with_ci(s.get("mean_response"), ci.get("mean_response")),
            format_number(s.get("losses")),
        ])
    return ["Stations", *_table(headers, rows, left=2)]


def _services(services: Sequence[Mapping[str, Any]]) -> list[str]:
    headers = ["operation", "replicas", "threads", "X (/s)", "R (s)", "thread wait", "phase 1", "phase 2"]
    rows = []
    for sv in services:
        threads = sv.get("threads")
        for op in sv.get("operations") or []:
            resp = op.get("response") or {}
            rows.append([
                f"{sv.get('name', '')}.{op.get('name', '')}",
                str(sv.get("replicas", 1)),
                "unlimited" if threads is None else str(threads),
                _with_ci(op.get("throughput"), op.get("throughput_ci95")),
                _with_ci(resp.get("mean"), resp.get("ci95")),
                format_number((op.get("thread_wait") or {}).get("mean")),
                format_number((op.get("phase1") or {}).get("mean")),
                format_number((op.get("phase2") or {}).get("mean")),
            ])
    return ["Services", *_table(headers, rows, left=1)]


def _pct_half_width(ci: Any) -> str:
    if not isinstance(ci, Sequence) or len(ci) != 2:
        return ""
    half = 100 * (_f(ci[1]) - _f(ci[0])) / 2
    return f"±{half:.1f}" if math.isfinite(half) and half >= 0.05 else ""


def _pools(pools: Sequence[Mapping[str, Any]]) -> list[str]:
    headers = ["pool", "capacity", "util", "held", "wait (s)", "queue", "X (/s)"]
    rows = []
    for p in pools:
        ci = p.get("ci95") or {}
        rows.append([
            str(p.get("name", "")),
            "unlimited" if p.get("capacity") is None and p.get("service") else str(p.get("capacity")),
            _percent(p.get("utilization")) + _pct_half_width(ci.get("utilization")),
            format_number(p.get("mean_held")),
            _with_ci(p.get("mean_wait"), ci.get("mean_wait")),
            format_number(p.get("mean_queue_length")),
            format_number(p.get("throughput")),
        ])
    return ["Pools", *_table(headers, rows)]


def _classes(classes: Sequence[Mapping[str, Any]]) -> list[str]:
    headers = ["class", "type", "X (/s)", "loss", "R mean (s)", "p50", "p95", "p99"]
    rows = []
    for c in classes:
        resp = c.get("response") or {}
        pci = resp.get("percentiles_ci95") or {}
        loss = _f(c.get("loss_probability"))
        rows.append([
            str(c.get("name", "")),
            str(c.get("type", "")),
            _with_ci(c.get("throughput"), c.get("throughput_ci95")),
            "-" if math.isnan(loss) else (f"{100 * loss:.2f}%" if loss > 0 else "0%"),
            _with_ci(resp.get("mean"), resp.get("ci95")),
            format_number(resp.get("p50")),
            _with_ci(resp.get("p95"), pci.get("p95")),
            _with_ci(resp.get("p99"), pci.get("p99")),
        ])
    return ["Classes", *_table(headers, rows, left=2)]


_KIND_WORDS = {"lock": "lock table", "memory": "memory", "admission": "admission limit"}


def describe_resource(kind: Any, name: Any) -> str:
    """How the report names a resource: its kind in words, then its name.

    >>> describe_resource("pool", "db_conns"), describe_resource("lock", "db_stock")
    ("pool 'db_conns'", "lock table 'db_stock'")
    """
    kind = str(kind or "station")
    return f"{_KIND_WORDS.get(kind, kind)} {str(name)!r}"


def bottleneck_sentence(results: Mapping[str, Any]) -> str:
    """One sentence naming the bottleneck: the resource, its kind, its ceiling ("" when none).

    >>> bottleneck_sentence({"bottleneck": {"station": "disk", "utilization": 0.934,
    ...                                     "saturation_throughput": 10.71}})
    "Bottleneck: station 'disk' at 93.4% utilization; throughput saturates near 10.71/s"
    >>> bottleneck_sentence({"bottleneck": {"station": "db_conns", "kind": "pool", "utilization": 0.9,
    ...                                     "saturation_throughput": 377.2}})
    "Bottleneck: pool 'db_conns' at 90.0% utilization; throughput saturates near 377.2/s"
    >>> bottleneck_sentence({"bottleneck": {"station": "wan", "kind": "station", "utilization": 0.017,
    ...     "saturation_throughput": 29.4, "problem": "response"}})
    "Bottleneck: station 'wan' at 1.7% utilization; throughput saturates near 29.4/s (nothing is near its ceiling: a response-time problem)"
    """
    b = results.get("bottleneck") or {}
    station = b.get("station")
    if not station:
        return ""
    text = f"Bottleneck: {describe_resource(b.get('kind'), station)} at {_percent(b.get('utilization'))} utilization"
    sat = _f(b.get("saturation_throughput"))
    if math.isfinite(sat) and sat > 0:
        text += f"; throughput saturates near {format_number(sat)}/s"
    if b.get("problem") == "response":
        text += " (nothing is near its ceiling: a response-time problem)"
    return text


def verdict_lines(results: Mapping[str, Any]) -> list[str]:
    """The verdict under the bottleneck sentence: why, its symptoms, where the response time goes.

    >>> print("\\n".join(verdict_lines({"bottleneck": {"station": "db_stock", "kind": "lock",
    ...     "reason": "it is the hot row", "symptoms": ["app_threads"],
    ...     "response": [{"name": "db_stock", "kind": "lock", "share": 0.7, "wait_share": 0.7}]},
    ...     "resources": [{"name": "app_threads", "kind": "pool", "role": "symptom",
    ...                    "points_to": "lock table 'db_stock'", "waits_on_share": 0.8, "utilization": 0.95}]})))
      Why: it is the hot row
      Symptom: pool 'app_threads' 95.0% held, its holders waiting for lock table 'db_stock' 80% of the time
      Response time goes to: lock table 'db_stock' 70% (all waiting)
    """
    b = results.get("bottleneck") or {}
    lines = []
    if b.get("reason"):
        lines.append(f"  Why: {b['reason']}")
    for r in results.get("resources") or []:
        if r.get("role") != "symptom":
            continue
        what = describe_resource(r.get("kind"), r.get("name"))
        if r.get("kind") == "station":
            lines.append(f"  Symptom: {what} {_percent(r.get('utilization'))} busy, "
                         f"mostly with work caused by {r.get('points_to')}")
        else:
            total, most = _f(r.get("waiting_share")), _f(r.get("waits_on_share"))
            if math.isnan(total) or total <= most + 0.005:
                lines.append(f"  Symptom: {what} {_percent(r.get('utilization'))} held, its holders waiting "
                             f"for {r.get('points_to')} {100 * most:.0f}% of the time")
            else:
                lines.append(f"  Symptom: {what} {_percent(r.get('utilization'))} held, its holders waiting "
                             f"{100 * total:.0f}% of the time, most for {r.get('points_to')} ({100 * most:.0f}%)")
    spent = [t for t in b.get("response") or [] if _f(t.get("share")) >= 0.005]
    if spent:
        parts = []
        for t in spent:
            share, wait = _f(t.get("share")), _f(t.get("wait_share"))
            note = ""
            if share > 0 and wait >= 0.995 * share:
                note = " (all waiting)"
            elif wait > 0.005:
                note = f" ({100 * wait:.0f}% waiting)"
            parts.append(f"{describe_resource(t.get('kind'), t.get('name'))} {100 * share:.0f}%{note}")
        lines.append("  Response time goes to: " + ", ".join(parts))
    return lines


def saturation_warning(results: Mapping[str, Any]) -> list[str]:
    """The loud block printed when the run saturated (empty when it did not).

    >>> print("\\n".join(saturation_warning({"saturation": {"saturated": True, "station": "db",
    ...                                                      "reason": "more than 1000000 requests present"}})))
    ... # doctest: +ELLIPSIS
    !!!!...
    !! SATURATED at 'db': more than 1000000 requests present
    ...
    """
    s = results.get("saturation") or {}
    if not s.get("saturated"):
        return []
    where = f" at {s['station']!r}" if s.get("station") else ""
    reason = f": {s['reason']}" if s.get("reason") else ""
    predicted = s.get("predicted_utilization")
    offered = []
    if isinstance(predicted, (int, float)) and predicted >= 1 and s.get("predicted_station"):
        what = describe_resource(s.get("predicted_kind") or "station", s["predicted_station"])
        offered = [f"!! Offered load alone puts {what} at "
                   f"{predicted:.0%} utilization (arrival rate x demand per unit of capacity)."]
    return [
        _RULE,
        f"!! SATURATED{where}{reason}",
        *offered,
        "!! Requests arrive faster than the system can serve them: the queue was",
        "!! still growing when the run stopped, so the figures below describe a",
        "!! system that never reached steady state. Lower the load or add capacity",
        "!! at the bottleneck.",
        _RULE,
    ]


def deadlock_warning(results: Mapping[str, Any]) -> list[str]:
    """The loud block for a run that ended in a deadlock; empty otherwise.

    >>> print("\\n".join(deadlock_warning({"deadlock": {"detected": True, "time": 12.5,
    ...     "pools": ["row_a", "row_b"], "reason": "a cycle"}})))  # doctest: +ELLIPSIS
    !!!!...
    !! DEADLOCK at t = 12.5 on pools 'row_a', 'row_b': a cycle
    ...
    """
    d = results.get("deadlock") or {}
    if not d.get("detected"):
        return []
    pools = ", ".join(repr(p) for p in d.get("pools", []))
    return [
        _RULE,
        f"!! DEADLOCK at t = {format_number(d.get('time'))} on pools {pools}: {d.get('reason', '')}",
        "!! The run stopped there; the figures below cover the time before it.",
        "!! Typical causes: a tier calling itself while holding its own threads,",
        "!! or two classes taking the same locks in opposite orders.",
        _RULE,
    ]


def format_report(results: Mapping[str, Any]) -> str:
    """The full text report of a results dict (the document ``run_json`` returns).

    >>> text = format_report({"model": "mm1", "run": {"replications": 2, "seed": 1},
    ...     "stations": [{"name": "cpu", "discipline": "fcfs", "servers": 1, "utilization": 0.5,
    ...                   "throughput": 0.5, "mean_in_system": 1.0, "mean_queue_length": 0.5,
    ...                   "mean_wait": 1.0, "mean_response": 2.0, "losses": 0}],
    ...     "pools": [], "classes": [],
    ...     "bottleneck": {"station": "cpu", "utilization": 0.5, "saturation_throughput": 1.0}})
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    tiersim results for model 'mm1'
      2 replications, seed 1
    <BLANKLINE>
    Stations
      station  discipline  servers   util  X (/s)  L   Lq  W (s)  R (s)  lost
      -------  ----------  -------  -----  ------  -  ---  -----  -----  ----
      cpu      fcfs              1  50.0%     0.5  1  0.5      1      2     0
    <BLANKLINE>
    Bottleneck: station 'cpu' at 50.0% utilization; throughput saturates near 1/s
    """
    lines = _header(results)
    warning = saturation_warning(results) + deadlock_warning(results)
    if warning:
        lines += ["", *warning]
    stations = results.get("stations") or []
    if stations:
        lines += ["", *_stations(stations)]
    pools = results.get("pools") or []
    if pools:
        lines += ["", *_pools(pools)]
    services = results.get("services") or []
    if services:
        lines += ["", *_services(services)]
    classes = results.get("classes") or []
    if classes:
        lines += ["", *_classes(classes)]
    sentence = bottleneck_sentence(results)
    if sentence:
        lines += ["", sentence, *verdict_lines(results)]
    from .windows import peak_lines, precision_lines  # the time view (issue 16)

    for extra in (precision_lines(results), peak_lines(results)):
        if extra:
            lines += ["", *extra]
    return "\n".join(lines)
