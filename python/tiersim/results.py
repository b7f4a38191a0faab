"""Results of a run: the results document as pandas DataFrames and a text report.

The document itself (``to_dict()`` / ``to_json()``) is exactly what
``tiersim run --json`` prints; the DataFrames are flat views of it.
"""

from __future__ import annotations

import copy
import html
import json
import math
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import report

__all__ = ["Results", "STATION_COLUMNS", "POOL_COLUMNS", "CLASS_COLUMNS", "STEP_COLUMNS", "OPERATION_COLUMNS",
           "REPLICA_COLUMNS"]

_STATION_METRICS = ["utilization", "throughput", "mean_in_system", "mean_queue_length", "mean_wait",
                    "mean_response", "mean_service", "losses"]
_STATION_CI = ["utilization", "throughput", "mean_in_system", "mean_queue_length", "mean_wait", "mean_response"]
_POOL_METRICS = ["utilization", "mean_wait", "mean_held", "throughput", "mean_queue_length"]
_POOL_CI = ["utilization", "mean_wait"]
_RESPONSE = ["mean", "p50", "p90", "p95", "p99", "p999", "max"]

STATION_COLUMNS: list[str] = (["name", "discipline", "servers", *_STATION_METRICS]
                              + [f"{m}_{e}" for m in _STATION_CI for e in ("lo", "hi")])
"""Columns of :attr:`Results.stations`."""
POOL_COLUMNS: list[str] = (["name", "capacity", *_POOL_METRICS]
                           + [f"{m}_{e}" for m in _POOL_CI for e in ("lo", "hi")])
"""Columns of :attr:`Results.pools`."""
_PERCENTILES = ["p50", "p90", "p95", "p99", "p999"]
CLASS_COLUMNS: list[str] = (["name", "type", "throughput", "throughput_lo", "throughput_hi", "arrivals",
                             "completions", "losses", "loss_probability"]
                            + [f"response_{p}" for p in _RESPONSE] + ["response_mean_lo", "response_mean_hi"]
                            + [f"response_{p}_{e}" for p in _PERCENTILES for e in ("lo", "hi")])
"""Columns of :attr:`Results.classes`; ``response_p95_lo`` … are the percentiles' 95% intervals
(from the spread of the replications' own percentiles; equal to the value with one replication)."""
OPERATION_COLUMNS: list[str] = (["service", "operation", "replicas", "threads", "busy_threads",
                                  "throughput", "throughput_lo", "throughput_hi"]
                                 + [f"{m}{x}" for m in ("response", "thread_wait", "phase1", "phase2")
                                    for x in ("", "_lo", "_hi")])
"""Columns of :attr:`Results.operations`."""
REPLICA_COLUMNS: list[str] = ["kind", "service", "replica", "resource", "name", "utilization", "throughput",
                              "mean_queue_length", "mean_wait"]
"""Columns of :attr:`Results.replicas`."""
STEP_COLUMNS: list[str] = ["class", "id", "kind", "target", "visits", "wait", "service", "residence"]
WINDOW_COLUMNS: list[str] = ["window_start", "window_end", "kind", "name", "metric", "value", "lo", "hi"]
"""Columns of :attr:`Results.steps`; ``residence`` is ``wait + service`` per request."""

_HTML_STATION = ["name", "discipline", "servers", *_STATION_METRICS]
_HTML_POOL = ["name", "capacity", *_POOL_METRICS]
_HTML_CLASS = ["name", "type", "throughput", "loss_probability", "response_mean", "response_p50", "response_p95",
               "response_p99"]


def _f(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _ci(ci: Any) -> tuple[float, float]:
    if isinstance(ci, (list, tuple)) and len(ci) == 2:
        return _f(ci[0]), _f(ci[1])
    return math.nan, math.nan


def _frame(rows: list[dict[str, Any]], columns: list[str], text: list[str],
           ints: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A DataFrame with exactly ``columns``: ``text`` as strings, ``ints`` as given, the rest float64."""
    df = pd.DataFrame(rows, columns=columns)
    dtypes: dict[str, Any] = {c: "float64" for c in columns if c not in text and c not in (ints or {})}
    dtypes.update(ints or {})
    df = df.astype(dtypes)
    for c in text:
        df[c] = df[c].astype(str) if len(df) else pd.Series([], dtype=str)
    return df


class Results:
    """What a run measured, as DataFrames and as the results document.

    Made by :meth:`tiersim.Model.run`, or from a saved document with
    :meth:`from_json` / :meth:`from_dict`.

    >>> import tiersim
    >>> m = tiersim.Model("mm1").station("cpu")
    >>> _ = m.open_class("q", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
    >>> r = m.run(until=2000, replications=2, seed=1, progress=False)
    >>> list(r.stations["name"]), r.bottleneck["station"]
    (['cpu'], 'cpu')
    >>> tiersim.Results.from_json(r.to_json()).to_dict() == r.to_dict()
    True
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data: dict[str, Any] = copy.deepcopy(dict(data))
        self.source: Any = None
        """The Model or infra System that produced these results (set by ``run``), or None."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Results:
        """Results from a results document already parsed into a dict.

        >>> Results.from_dict({"model": "m", "stations": []}).model
        'm'
        """
        return cls(data)

    @classmethod
    def from_json(cls, text: str) -> Results:
        """Results from the JSON text of a results document (``run_json`` or ``tiersim run --json``).

        >>> Results.from_json('{"model": "m"}').model
        'm'
        """
        return cls(json.loads(text))

    # -- the document -----------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the results document.

        >>> Results({"model": "m"}).to_dict()
        {'model': 'm'}
        """
        return copy.deepcopy(self._data)

    def to_json(self, indent: int | None = None) -> str:
        """The results document as JSON; ``tiersim run --json`` prints ``to_json(indent=2)``.

        >>> Results({"model": "m", "run": {"seed": 1}}).to_json()
        '{"model": "m", "run": {"seed": 1}}'
        """
        return json.dumps(self._data, indent=indent)

    @property
    def model(self) -> str:
        """The model's name."""
        return str(self._data.get("model", ""))

    @property
    def run_info(self) -> dict[str, Any]:
        """How the run went: replications, until, warmup, seed, threads, simulated_time, events, wall_seconds, interrupted.

        >>> Results({"run": {"replications": 4}}).run_info
        {'replications': 4}
        """
        return dict(self._data.get("run") or {})

    @property
    def bottleneck(self) -> dict[str, Any]:
        """The verdict: the resource that limits throughput (a station, pool or lock table).

        ``{"station", "kind", "utilization", "saturation_throughput", "resource", "problem",
        "share", "reason", "symptoms", "response"}``: ``station`` (= ``resource``) names the
        cause, ``saturation_throughput`` is its ceiling (docs/guides/finding-bottlenecks.md).

        >>> Results({"bottleneck": {"station": "db", "utilization": 0.9, "saturation_throughput": 11.1}}).bottleneck
        {'station': 'db', 'utilization': 0.9, 'saturation_throughput': 11.1}
        """
        return dict(self._data.get("bottleneck") or {})

    @property
    def resources(self) -> pd.DataFrame:
        """Every station, pool and lock table judged on one scale, one row each.

        Columns: name, kind, utilization (per unit of capacity; a lock table's hottest key),
        demand_utilization (what its own work keeps busy), ceiling (total throughput at which
        that reaches 1), share and wait_share (of the response time), queue, waits_on,
        waits_on_share (pools: where their holders wait most, as a share of holding time),
        waiting_share (all their waiting), role ("cause", "symptom" or ""), points_to.

        >>> Results({"resources": [{"name": "db", "kind": "station", "utilization": 0.5,
        ...                         "demand_utilization": 0.5, "ceiling": 20.0, "role": "cause"}]}
        ...         ).resources[["name", "ceiling", "role"]].to_dict("records")
        [{'name': 'db', 'ceiling': 20.0, 'role': 'cause'}]
        """
        rows = [dict(r) for r in self._data.get("resources") or []]
        columns = ["name", "kind", "utilization", "demand_utilization", "ceiling", "share", "wait_share",
                   "queue", "waits_on", "waits_on_share", "waiting_share", "role", "points_to"]
        frame = pd.DataFrame(rows, columns=columns)
        for col in ("utilization", "demand_utilization", "ceiling", "share", "wait_share", "queue",
                    "waits_on_share", "waiting_share"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        return frame

    @property
    def saturation(self) -> dict[str, Any]:
        """Whether the run stopped because a queue kept growing: ``{"saturated", "station", "reason"}``.

        >>> Results({"saturation": {"saturated": False, "station": "", "reason": ""}}).saturated
        False
        """
        return dict(self._data.get("saturation") or {"saturated": False, "station": "", "reason": ""})

    @property
    def saturated(self) -> bool:
        """``saturation["saturated"]``."""
        return bool(self.saturation.get("saturated"))

    @property
    def deadlock(self) -> dict[str, Any]:
        """Whether requests blocked each other forever on pools: ``{"detected", "time", "pools", "reason"}``.

        >>> Results({}).deadlock["detected"]
        False
        """
        return dict(self._data.get("deadlock") or {"detected": False, "time": None, "pools": [], "reason": ""})

    # -- tables -----------------------------------------------------------

    @cached_property
    def stations(self) -> pd.DataFrame:
        """One row per station; ``servers`` is nullable ``Int64`` (``<NA>`` for a delay station).

        CI bounds are ``<metric>_lo`` / ``<metric>_hi`` (see :data:`STATION_COLUMNS`).

        >>> r = Results({"stations": [{"name": "think", "discipline": "delay", "servers": None,
        ...                            "utilization": 3.2, "ci95": {"utilization": [3.1, 3.3]}}]})
        >>> r.stations.loc[0, ["servers", "utilization", "utilization_hi"]].tolist()
        [<NA>, 3.2, 3.3]
        """
        rows = []
        for s in self._data.get("stations") or []:
            ci = s.get("ci95") or {}
            row: dict[str, Any] = {"name": s.get("name"), "discipline": s.get("discipline"),
                                   "servers": s.get("servers")}
            row.update({m: _f(s.get(m)) for m in _STATION_METRICS})
            for m in _STATION_CI:
                row[f"{m}_lo"], row[f"{m}_hi"] = _ci(ci.get(m))
            rows.append(row)
        return _frame(rows, STATION_COLUMNS, text=["name", "discipline"], ints={"servers": "Int64"})

    @cached_property
    def pools(self) -> pd.DataFrame:
        """One row per pool (see :data:`POOL_COLUMNS`); ``capacity`` is ``Int64``.

        >>> Results({"pools": []}).pools.columns[:3].tolist()
        ['name', 'capacity', 'utilization']
        """
        rows = []
        for p in self._data.get("pools") or []:
            ci = p.get("ci95") or {}
            row: dict[str, Any] = {"name": p.get("name"), "capacity": p.get("capacity")}
            row.update({m: _f(p.get(m)) for m in _POOL_METRICS})
            for m in _POOL_CI:
                row[f"{m}_lo"], row[f"{m}_hi"] = _ci(ci.get(m))
            rows.append(row)
        return _frame(rows, POOL_COLUMNS, text=["name"], ints={"capacity": "Int64"})

    @cached_property
    def classes(self) -> pd.DataFrame:
        """One row per request class, with ``response_mean``, ``response_p50`` … ``response_max`` columns.

        >>> Results({"classes": [{"name": "q", "type": "open", "response": {"mean": 2.0, "ci95": [1.9, 2.1]}}]}
        ...         ).classes.loc[0, ["response_mean", "response_mean_lo"]].tolist()
        [2.0, 1.9]
        """
        rows = []
        for c in self._data.get("classes") or []:
            resp = c.get("response") or {}
            row: dict[str, Any] = {"name": c.get("name"), "type": c.get("type"),
                                   "throughput": _f(c.get("throughput"))}
            row["throughput_lo"], row["throughput_hi"] = _ci(c.get("throughput_ci95"))
            for m in ("arrivals", "completions", "losses", "loss_probability"):
                row[m] = _f(c.get(m))
            for p in _RESPONSE:
                row[f"response_{p}"] = _f(resp.get(p))
            row["response_mean_lo"], row["response_mean_hi"] = _ci(resp.get("ci95"))
            pci = resp.get("percentiles_ci95") or {}
            for p in _PERCENTILES:
                row[f"response_{p}_lo"], row[f"response_{p}_hi"] = _ci(pci.get(p))
            rows.append(row)
        return _frame(rows, CLASS_COLUMNS, text=["name", "type"])

    @cached_property
    def windows(self) -> pd.DataFrame:
        """Per-window time series in long form: one row per window, entity and metric.

        Columns ``window_start, window_end, kind ('station'|'pool'|'class'), name,
        metric, value, lo, hi``: ``value`` is the mean over replications and
        ``lo`` / ``hi`` its 95% interval across them (equal to ``value`` with
        one replication). Empty (with those columns) unless the run had ``window=``.

        >>> w = Results({"windows": {"length": 10, "start": [0, 10], "end": [10, 20],
        ...     "series": [{"kind": "station", "name": "cpu", "metric": "utilization",
        ...                 "values": [0.5, 0.7]}]}}).windows
        >>> w[["window_start", "name", "metric", "value"]].values.tolist()
        [[0.0, 'cpu', 'utilization', 0.5], [10.0, 'cpu', 'utilization', 0.7]]
        """
        data = self._data.get("windows") or {}
        rows = []
        starts, ends = data.get("start", []), data.get("end", [])
        for s in data.get("series", []):
            lo, hi = s.get("lo") or [], s.get("hi") or []
            for i, v in enumerate(s.get("values", [])):
                rows.append({"window_start": starts[i], "window_end": ends[i], "kind": s["kind"],
                             "name": s["name"], "metric": s["metric"], "value": _f(v),
                             "lo": _f(lo[i]) if i < len(lo) else _f(v), "hi": _f(hi[i]) if i < len(hi) else _f(v)})
        return _frame(rows, WINDOW_COLUMNS, text=["kind", "name", "metric"])

    @property
    def peak(self) -> dict[str, Any] | None:
        """The peak window (``run.window``): ``{"index", "start", "end", "station", "utilization"}``.

        The window in which a queueing station is busiest, and that station (the
        bottleneck of the peak); ``None`` without windows. See :mod:`tiersim.windows`.

        >>> Results({"stations": [{"name": "cpu", "servers": 1, "discipline": "fcfs"}],
        ...          "windows": {"start": [0, 10], "end": [10, 20], "series": [{"kind": "station",
        ...              "name": "cpu", "metric": "utilization", "values": [0.3, 0.6]}]}}).peak["start"]
        10.0
        """
        from .windows import peak_window

        return peak_window(self._data)

    @property
    def precision(self) -> dict[str, Any] | None:
        """What ``run.precision`` asked and got: ``{"met", "replications", "max_replications",
        "confidence", "reason", "targets": [{"metric", "target", "mean", "half_width", "relative",
        "met"}]}``; ``None`` when the run did not ask for a precision.

        >>> Results({"precision": None}).precision is None
        True
        """
        p = self._data.get("precision")
        return copy.deepcopy(p) if p else None

    @property
    def samples(self) -> dict[str, np.ndarray] | None:
        """Response-time samples per class (``run(samples=N)``), or ``None`` when not asked for.

        >>> Results({"samples": {"web": [0.1, 0.3]}}).samples["web"].tolist()
        [0.1, 0.3]
        """
        data = self._data.get("samples")
        if not data:
            return None
        return {name: np.asarray([np.nan if v is None else v for v in values], dtype=float)
                for name, values in data.items()}

    @cached_property
    def operations(self) -> pd.DataFrame:
        """One row per operation of each service: its calls per unit time, the response its
        callers see (call to reply), the wait for a thread, and both phases (thread granted to
        reply, reply to end), with 95% intervals as ``<metric>_lo`` / ``<metric>_hi``.

        >>> Results({"services": [{"name": "db", "replicas": 4, "threads": 8,
        ...     "busy_threads": {"mean": 3.1, "ci95": [3.0, 3.2]},
        ...     "operations": [{"name": "query", "throughput": 40.0, "response": {"mean": 0.02,
        ...                     "ci95": [0.019, 0.021]}}]}]}).operations.loc[0, ["service", "operation",
        ...     "replicas", "response", "response_hi"]].astype(str).tolist()
        ['db', 'query', '4', '0.02', '0.021']
        """
        rows = []
        for sv in self._data.get("services") or []:
            busy = sv.get("busy_threads") or {}
            for op in sv.get("operations") or []:
                row: dict[str, Any] = {"service": sv.get("name"), "operation": op.get("name"),
                                       "replicas": sv.get("replicas"), "threads": sv.get("threads"),
                                       "busy_threads": _f(busy.get("mean")),
                                       "throughput": _f(op.get("throughput"))}
                row["throughput_lo"], row["throughput_hi"] = _ci(op.get("throughput_ci95"))
                for m in ("response", "thread_wait", "phase1", "phase2"):
                    est = op.get(m) or {}
                    row[m] = _f(est.get("mean"))
                    row[f"{m}_lo"], row[f"{m}_hi"] = _ci(est.get("ci95"))
                rows.append(row)
        return _frame(rows, OPERATION_COLUMNS, text=["service", "operation"],
                      ints={"replicas": "Int64", "threads": "Int64"})

    @cached_property
    def replicas(self) -> pd.DataFrame:
        """Services' stations and pools replica by replica (``app[3].cpu``); :attr:`stations`
        and :attr:`pools` hold them folded into one row per service resource (``app.cpu``).

        >>> Results({"replicas": {"stations": [{"name": "app[1].cpu", "service": "app",
        ...     "utilization": 0.7, "throughput": 35.0}], "pools": []}}).replicas.loc[0, ["kind",
        ...     "service", "replica", "resource", "utilization"]].astype(str).tolist()
        ['station', 'app', '1', 'cpu', '0.7']
        """
        data = self._data.get("replicas") or {}
        rows = []
        for kind, items in (("station", data.get("stations") or []), ("pool", data.get("pools") or [])):
            for it in items:
                name = str(it.get("name", ""))
                head, _, resource = name.partition(".")
                replica = int(head[head.index("[") + 1:-1]) if "[" in head else 0
                rows.append({"kind": kind, "service": it.get("service"), "replica": replica,
                             "resource": resource, "name": name, "utilization": _f(it.get("utilization")),
                             "throughput": _f(it.get("throughput")),
                             "mean_queue_length": _f(it.get("mean_queue_length")),
                             "mean_wait": _f(it.get("mean_wait"))})
        return _frame(rows, REPLICA_COLUMNS, text=["kind", "service", "resource", "name"],
                      ints={"replica": "Int64"})

    @cached_property
    def steps(self) -> pd.DataFrame:
        """One row per class × step: visits, wait and service per request, and their sum ``residence``.

        ``target`` is the station or pool, ``""`` for a delay step.

        >>> Results({"classes": [{"name": "q", "steps": [{"id": "cpu", "kind": "visit", "target": "cpu",
        ...          "visits": 1.0, "wait": 0.5, "service": 1.0}]}]}).steps.loc[0, "residence"]
        np.float64(1.5)
        """
        rows = []
        for c in self._data.get("classes") or []:
            for s in c.get("steps") or []:
                wait, service = _f(s.get("wait")), _f(s.get("service"))
                rows.append({"class": c.get("name"), "id": s.get("id"), "kind": s.get("kind"),
                             "target": s.get("target") or "", "visits": _f(s.get("visits")),
                             "wait": wait, "service": service, "residence": wait + service})
        return _frame(rows, STEP_COLUMNS, text=["class", "id", "kind", "target"])

    def to_csv(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Writes stations.csv, pools.csv, classes.csv and steps.csv into ``directory`` (made if missing),
        and windows.csv (:attr:`windows`, long form) when the run had windows.

        >>> import tempfile
        >>> [p.name for p in Results({"model": "m"}).to_csv(tempfile.mkdtemp())]
        ['stations.csv', 'pools.csv', 'classes.csv', 'steps.csv']
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        written = []
        names = ["stations", "pools", "classes", "steps"] + (["windows"] if self._data.get("windows") else [])
        for name in names:
            path = d / f"{name}.csv"
            getattr(self, name).to_csv(path, index=False)
            written.append(path)
        return written

    # -- reports ----------------------------------------------------------

    def summary(self) -> str:
        """The text report (stations, pools, classes, bottleneck, saturation warning).

        >>> print(Results({"model": "m", "run": {"replications": 1}}).summary())
        tiersim results for model 'm'
          1 replication
        """
        return report.format_report(self._data)

    def __repr__(self) -> str:
        return self.summary()

    def diagram(self, model: Any = None) -> Any:
        """The architecture coloured by these results: utilization per resource, the bottleneck outlined.

        ``model`` (a Model, an infra System or a model file's data) defaults to the one that ran.
        Returns a :class:`tiersim.diagram.Diagram`, shown inline in Jupyter.

        >>> import tiersim
        >>> m = tiersim.Model("mm1").station("cpu")
        >>> _ = m.open_class("q", tiersim.Exponential(rate=0.9)).visit("cpu", tiersim.Exponential(mean=1.0))
        >>> "BOTTLENECK" in m.run(until=2000, replications=2, seed=1, progress=False).diagram().source
        True
        """
        from .diagram import diagram

        model = model if model is not None else self.source
        if model is None:
            raise ValueError("these results do not know their model (they were not made by run()): "
                             "pass it, results.diagram(model)")
        return diagram(model, self)

    def to_html(self, path: str | os.PathLike[str] | None = None, model: Any = None, sweep: Any = None) -> str:
        """A self-contained HTML report (diagram, verdict, tables, the model); written to ``path`` if given.

        See :func:`tiersim.html_report.html_report`. Returns the HTML text.

        >>> import tiersim, tempfile, pathlib
        >>> m = tiersim.Model("mm1").station("cpu")
        >>> _ = m.open_class("q", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "report.html"
        >>> text = m.run(until=2000, replications=2, seed=1, progress=False).to_html(path)
        >>> path.read_text() == text, "<svg" in text
        (True, True)
        """
        from .html_report import html_report

        text = html_report(self, model=model if model is not None else self.source, sweep=sweep)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        parts = [f"<h4>tiersim results for model <code>{html.escape(self.model)}</code></h4>"]
        header = report.format_report({"model": self.model, "run": self.run_info}).splitlines()[1:]
        if header:
            parts.append("<p style='font-size:smaller'>" + "<br>".join(html.escape(h.strip()) for h in header) + "</p>")
        warning = report.saturation_warning(self._data)
        if warning:
            body = "<br>".join(html.escape(line.strip("! ")) for line in warning if line.strip("!"))
            parts.append(f"<div style='border:2px solid #c00;color:#c00;padding:4px'><b>{body}</b></div>")
        # The point estimates only: the full frames (with CI bounds) are .stations, .pools, .classes.
        tables = (("Stations", self.stations, _HTML_STATION), ("Pools", self.pools, _HTML_POOL),
                  ("Classes", self.classes, _HTML_CLASS))
        for title, df, columns in tables:
            if len(df):
                parts.append(f"<h5>{title}</h5>")
                parts.append(df[columns].to_html(index=False, na_rep="-", float_format=report.format_number))
        sentence = report.bottleneck_sentence(self._data)
        if sentence:
            parts.append(f"<p><b>{html.escape(sentence)}</b></p>")
        return "\n".join(parts)
