"""Parameter sweeps: run many variants of a model in parallel, on local cores or a cluster.

:func:`sweep` runs one *point* per model variant and returns
:class:`SweepResults` (one :class:`~tiersim.Results` per point, and the
stations / pools / classes tables of every point stacked, with the swept value
as the first column). :func:`load_sweep` is the common case: the same model at
increasing arrival rates (open) or numbers of users (closed).

Points run concurrently; the replications of one point run one after the
other inside it (``threads=1``), so the parallelism is across points. By
default a thread pool with one thread per core runs them (the core releases
the GIL); any :class:`concurrent.futures.Executor` or a Dask
``distributed.Client`` can be given instead. A point's results depend only on
its model and seed, never on where or in which order it ran.

>>> import tiersim
>>> m = tiersim.Model("mm1").station("cpu")
>>> _ = m.open_class("jobs", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
>>> s = tiersim.load_sweep(m, rates=[0.2, 0.5, 0.8], until=5000, replications=2, seed=1, progress=False)
>>> s.classes[["rate", "name"]].values.tolist()
[[0.2, 'jobs'], [0.5, 'jobs'], [0.8, 'jobs']]
>>> bool(s.classes["response_mean"].is_monotonic_increasing)
True
"""

from __future__ import annotations

import concurrent.futures as cf
import html
import json
import math
import os
import sys
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import report
from .errors import ModelError, translate_core_errors
from .model import Model, ProgressLike
from .results import CLASS_COLUMNS, POOL_COLUMNS, STATION_COLUMNS, STEP_COLUMNS, Results

__all__ = ["sweep", "load_sweep", "SweepResults", "run_point"]

_TABLES = ("stations", "pools", "classes", "steps")


def run_point(model_json: str, overrides_json: str = "{}") -> str:
    """Runs one sweep point: model JSON and run overrides in, the results document as JSON out.

    Module-level and plain text in and out, so it travels to worker processes
    and cluster workers (they need tiersim installed). Raises
    :class:`~tiersim.ModelError` for a model that cannot run.

    >>> import json, tiersim
    >>> m = tiersim.Model("m").station("cpu")
    >>> _ = m.open_class("q", 2.0).visit("cpu", 1.0)
    >>> out = run_point(m.to_json(), json.dumps({"until": 100, "threads": 1}))
    >>> round(json.loads(out)["stations"][0]["utilization"], 2)
    0.49
    """
    from . import _core

    with translate_core_errors():
        return _core.run_json(model_json, overrides_json, None)


# -- where the points run ----------------------------------------------------


class _Stopped(Exception):
    """Raised inside a point's progress callback to stop it after its current replication (Ctrl-C)."""


class _LocalProgress:
    """Replications finished across the points running in this process, and a stop switch.

    Points on threads of this process get :meth:`callback` as their progress
    hook: the bar then moves with every replication, not only every point, and
    a Ctrl-C stops each running point after its current replication. (Only
    the main thread sees Ctrl-C; worker threads learn of it here.)
    """

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.done: dict[int, int] = {}
        self.stop = threading.Event()

    def callback(self, index: int) -> Callable[[int, int], None]:
        def on_replication(done: int, total: int) -> None:
            with self.lock:
                self.done[index] = done
            if self.stop.is_set():
                raise _Stopped()

        return on_replication

    def replications(self) -> int:
        with self.lock:
            return sum(self.done.values())


def _run_point_local(model_json: str, overrides_json: str, progress: Callable[[int, int], None]) -> str:
    from . import _core

    with translate_core_errors():
        return _core.run_json(model_json, overrides_json, progress)


def _is_dask_client(obj: Any) -> bool:
    """A ``distributed.Client`` (duck-typed: it has ``get_executor``, ``submit`` and ``gather``)."""
    return all(callable(getattr(obj, a, None)) for a in ("get_executor", "submit", "gather"))


def _submit_all(executor: Any, jobs: list[tuple[str, str]],
                local: _LocalProgress | None = None) -> tuple[list[Any], Callable[[], None]]:
    """Submits every point; returns the futures and a function that cancels what has not started.

    With ``local`` (a thread pool of this process), each point reports its replications to it.
    """
    if local is not None and isinstance(executor, cf.ThreadPoolExecutor):
        futures = [executor.submit(_run_point_local, *job, local.callback(i)) for i, job in enumerate(jobs)]
    elif isinstance(executor, cf.Executor):
        futures = [executor.submit(run_point, *job) for job in jobs]
    elif _is_dask_client(executor):
        # The client's concurrent.futures view: real cf.Futures, so progress works the same way.
        # pure=False: each point is its own task even when two points are the same model.
        ex = executor.get_executor(pure=False)
        futures = [ex.submit(run_point, *job) for job in jobs]
    elif callable(getattr(executor, "submit", None)):
        futures = [executor.submit(run_point, *job) for job in jobs]
    else:
        raise TypeError("executor: expected a concurrent.futures.Executor, a dask distributed.Client, "
                        f"or an object with submit(fn, *args), got {type(executor).__name__}")

    def cancel() -> None:
        for f in futures:
            if hasattr(f, "cancel"):
                f.cancel()

    return futures, cancel


def _progress(progress: ProgressLike, total: int, desc: str,
              replications: int = 0) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """``tick(points_done, replications_done)`` and ``close()`` for a tqdm bar, a user callback, or nothing.

    With ``replications`` (the total over all points, when they run in this process) the bar counts
    replications, so it moves while long points run, and shows the points done beside it.
    """
    if callable(progress):
        last = [0]

        def call(done: int, _reps: int) -> None:
            while last[0] < done:  # once per finished point, as before
                last[0] += 1
                progress(last[0], total)

        return call, (lambda: None)
    if not progress or total < 1:
        return (lambda done, _reps: None), (lambda: None)
    from tqdm.auto import tqdm

    # disable=None: no bar when stderr is not a terminal (logs, CI, pipes); a notebook shows one.
    if replications > total:
        bar = tqdm(total=replications, desc=desc, unit="replication", disable=None, file=sys.stderr, leave=False)
    else:
        bar = tqdm(total=total, desc=desc, unit="point", disable=None, file=sys.stderr, leave=False)

    def tick(done: int, reps: int) -> None:
        if replications > total:
            bar.n = max(reps, bar.n)
            bar.set_postfix_str(f"{done}/{total} points", refresh=False)
        else:
            bar.n = done
        bar.refresh()

    return tick, bar.close


# -- the sweep ---------------------------------------------------------------


def sweep(model: Model | Sequence[Model] | Mapping[Hashable, Model],
          points: Sequence[Model] | Mapping[Hashable, Model] | None = None, *,
          vary: Callable[[Model, Any], Model] | None = None, values: Sequence[Any] | None = None,
          replications: int | None = None, until: float | None = None, warmup: float | str | None = None,
          seed: int | None = None, executor: Any = None, progress: ProgressLike = True,
          label: str = "value", overrides: Mapping[str, Any] | None = None) -> SweepResults:
    """Runs several variants of a model concurrently and returns their :class:`SweepResults`.

    The points are either ``vary(model, v)`` for each ``v`` in ``values``
    (labelled by ``v``), or given directly as ``points``: a mapping
    ``{label: model}`` or a sequence of models (labelled 0, 1, …). ``model``
    is the base model; with ``points`` it only names the sweep, and it may be
    left out (``sweep({"a": m1, "b": m2})``).

    ``replications``, ``until``, ``warmup`` and ``seed`` override every point's
    ``run`` section; otherwise each point runs as its model says. Every point
    uses its model's seed, so the points see common random numbers: a
    difference between two points is the change, not the noise.

    ``executor`` decides where points run: ``None`` is a thread pool with one
    thread per core; a :class:`concurrent.futures.Executor` (threads or
    processes) is used as it is and left open; a Dask ``distributed.Client``
    runs the points on its cluster. The results are identical whichever is
    used, and come back in point order. ``progress=True`` shows a tqdm bar
    (one tick per point) on a terminal or in a notebook; a callable receives
    ``(done, total)``.

    ``label`` names the column holding each point's label in the tables.
    ``overrides`` sets any other key of the ``run`` section for every point
    (``{"max_completions": 50000}``, ``{"batches": 30}``); ``threads`` is
    always 1.

    >>> import tiersim
    >>> from tiersim.variants import with_servers
    >>> m = tiersim.Model("mmc").station("cpu")
    >>> _ = m.open_class("q", tiersim.Exponential(rate=1.5)).visit("cpu", tiersim.Exponential(mean=1.0))
    >>> s = sweep(m, vary=lambda m, c: with_servers(m, "cpu", c), values=[2, 3, 4], label="cpus",
    ...           until=2000, replications=2, seed=3, progress=False)
    >>> s.stations["cpus"].tolist()
    [2, 3, 4]
    >>> (s.stations["cpus"] * s.stations["utilization"]).round(1).tolist()   # busy servers: lambda/mu
    [1.5, 1.5, 1.5]
    """
    base: Model | None
    if isinstance(model, Model):
        base = model
    elif points is None and vary is None and isinstance(model, (Sequence, Mapping)):
        base, points = None, model
    else:
        raise TypeError(f"model: expected a tiersim.Model, got {type(model).__name__}")

    _check_label(label)
    labels, models = _points(base, points, vary, values)

    run: dict[str, Any] = dict(overrides or {})
    for key, value in (("replications", replications), ("until", until), ("warmup", warmup), ("seed", seed)):
        if value is not None:
            run[key] = value
    run["threads"] = 1  # parallel across points; within a point the replications run in turn
    overrides_json = json.dumps(run)
    from . import _core

    jobs = []
    for lab, m in zip(labels, models):
        # Checked here, in this process, so a bad point fails before anything runs and names itself.
        try:
            text = m._json_for_core()
            with translate_core_errors():
                _core.check_json(text, overrides_json)
        except ModelError as e:
            raise ModelError(f"{e.message} (sweep point {label}={lab!r})", path=e.path) from None
        jobs.append((text, overrides_json))

    name = base.name if base is not None else (models[0].name if models else "sweep")
    own = executor is None
    if own:
        executor = cf.ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1) or 1,
                                         thread_name_prefix="tiersim-sweep")
    local = _LocalProgress() if isinstance(executor, cf.ThreadPoolExecutor) else None
    per_point = [int(json.loads(t).get("run", {}).get("replications", 1) or 1) for t, _ in jobs]
    if "replications" in run:
        per_point = [int(run["replications"])] * len(jobs)
    tick, close = _progress(progress, len(jobs), f"{name} sweep", sum(per_point) if local is not None else 0)
    texts: list[str | None] = [None] * len(jobs)
    futures: list[Any] = []
    cancel: Callable[[], None] = lambda: None  # noqa: E731
    interrupted = False
    try:
        futures, cancel = _submit_all(executor, jobs, local)
        done = 0
        pending = set(range(len(futures)))
        while pending:
            # Wake up now and then to move the bar with the replications of running points.
            for i in _finished(futures, pending, timeout=0.25):
                texts[i] = futures[i].result()
                pending.discard(i)
                done += 1
            tick(done, local.replications() if local is not None else 0)
    except KeyboardInterrupt:
        # Ctrl-C: keep the finished points, stop the rest (pending ones never start; running ones on
        # this process's threads stop after their current replication), and say so in the results.
        interrupted = True
        if local is not None:
            local.stop.set()
        cancel()
    except BaseException:
        if local is not None:
            local.stop.set()
        cancel()
        raise
    finally:
        close()
        if own:
            executor.shutdown(wait=False, cancel_futures=True)
    kept = [i for i, t in enumerate(texts) if t is not None]
    results = [Results.from_json(texts[i]) for i in kept]  # type: ignore[arg-type]
    for r, i in zip(results, kept):
        r.source = models[i]  # each point knows its model: diagrams, reports, plots' theory bounds
    out = SweepResults(results, [labels[i] for i in kept], label=label, model=name)
    if interrupted:
        out.interrupted = True
        import warnings

        warnings.warn(f"the sweep was interrupted: {len(kept)} of {len(jobs)} points finished; "
                      "the results hold those", RuntimeWarning, stacklevel=2)
    return out


def _finished(futures: list[Any], pending: set[int], timeout: float) -> list[int]:
    """Indices in ``pending`` whose futures are done, waiting up to ``timeout`` for one."""
    waiting = [futures[i] for i in pending]
    if all(isinstance(f, cf.Future) for f in waiting):
        done, _ = cf.wait(waiting, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        index = {id(futures[i]): i for i in pending}
        return sorted(index[id(f)] for f in done)
    # Other executors' futures: take them in order, blocking on each.
    i = min(pending)
    futures[i].result()
    return [i]


def _points(base: Model | None, points: Any, vary: Any,
            values: Any) -> tuple[list[Any], list[Model]]:
    if points is not None and (vary is not None or values is not None):
        raise TypeError("give either points, or vary and values, not both")
    if points is not None:
        if isinstance(points, Mapping):
            labels, models = list(points.keys()), list(points.values())
        elif isinstance(points, Sequence) and not isinstance(points, (str, bytes)):
            models = list(points)
            labels = list(range(len(models)))
        else:
            raise TypeError(f"points: expected a sequence of models or a {{label: model}} mapping, "
                            f"got {type(points).__name__}")
    else:
        if vary is None or values is None:
            raise TypeError("sweep needs points, or vary and values")
        if not callable(vary):
            raise TypeError(f"vary: expected a function (model, value) -> model, got {type(vary).__name__}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            values = list(values)
        assert base is not None
        labels = list(values)
        models = [vary(base, v) for v in labels]
    if not models:
        raise ValueError("the sweep has no points")
    for lab, m in zip(labels, models):
        if not isinstance(m, Model):
            raise TypeError(f"sweep point {lab!r}: expected a tiersim.Model, got {type(m).__name__}")
    return labels, models


def load_sweep(model: Model, rates: Sequence[float] | None = None, users: Sequence[int] | None = None, *,
               cls: str | None = None, replications: int | None = None, until: float | None = None,
               warmup: float | str | None = None, seed: int | None = None, executor: Any = None,
               progress: ProgressLike = True, overrides: Mapping[str, Any] | None = None) -> SweepResults:
    """The model at increasing load: open arrival ``rates`` (column ``rate``) or closed ``users`` (column ``users``).

    Give exactly one. ``rates`` go through
    :func:`~tiersim.variants.with_arrival_rate` (with several open classes and
    no ``cls``, each rate is the total and the class mix is kept); ``users``
    through :func:`~tiersim.variants.with_population`. The other arguments are
    those of :func:`sweep`.

    >>> import tiersim
    >>> m = tiersim.Model("interactive").station("cpu", discipline="ps").station("disk")
    >>> _ = (m.closed_class("users", 10, think=tiersim.Exponential(mean=1.0))
    ...       .visit("cpu", tiersim.Exponential(mean=0.02)).visit("disk", tiersim.Exponential(mean=0.05)))
    >>> s = load_sweep(m, users=[1, 20, 60], until=2000, replications=2, seed=1, progress=False)
    >>> s.bottlenecks["station"].tolist()
    ['disk', 'disk', 'disk']
    >>> bool((s.classes["throughput"] < 20.5).all())     # X <= 1/D_max = 20/s
    True
    """
    from .variants import with_arrival_rate, with_population

    if (rates is None) == (users is None):
        raise TypeError("load_sweep: give exactly one of rates (open classes) or users (closed classes)")
    vary: Callable[[Model, Any], Model]
    if rates is not None:
        values, label = list(rates), "rate"

        def vary(m: Model, v: Any) -> Model:
            return with_arrival_rate(m, v, cls)
    else:
        assert users is not None
        values, label = list(users), "users"

        def vary(m: Model, v: Any) -> Model:
            return with_population(m, v, cls)

    return sweep(model, vary=vary, values=values, replications=replications, until=until, warmup=warmup,
                 seed=seed, executor=executor, progress=progress, label=label, overrides=overrides)


# -- results -----------------------------------------------------------------


def _json_label(value: Any) -> Any:
    """A label as JSON can carry it (numbers, strings, booleans and None as they are; the rest as text)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    try:  # numpy scalars
        item = value.item()
        if isinstance(item, (int, float, str, bool)):
            return item
    except (AttributeError, ValueError):
        pass
    return str(value)


def _check_label(label: Any) -> None:
    if not label or not isinstance(label, str):
        raise ValueError(f"label: expected a non-empty column name, got {label!r}")
    taken = {"stations": STATION_COLUMNS, "pools": POOL_COLUMNS, "classes": CLASS_COLUMNS, "steps": STEP_COLUMNS}
    for table, columns in taken.items():
        if label in columns:
            raise ValueError(f"label: {label!r} is already a column of the {table} table; "
                             f"name the swept value otherwise (e.g. 'n_{label}')")


class SweepResults:
    """The results of a sweep: one :class:`~tiersim.Results` per point, and stacked tables.

    ``values[i]`` labels ``points[i]``. The tables (:attr:`stations`,
    :attr:`pools`, :attr:`classes`, :attr:`steps`) are the points' tables one
    after the other with the label column (named ``label``) first;
    :attr:`bottlenecks` has one row per point.

    >>> r = Results({"model": "m", "classes": [{"name": "q", "type": "open", "throughput": 1.0}]})
    >>> s = SweepResults([r, r], [10, 20], label="rate")
    >>> s.classes[["rate", "name", "throughput"]].values.tolist()
    [[10, 'q', 1.0], [20, 'q', 1.0]]
    >>> SweepResults.from_json(s.to_json()).values
    [10, 20]
    """

    def __init__(self, points: Sequence[Results], values: Sequence[Any], label: str = "value",
                 model: str | None = None) -> None:
        if len(points) != len(values):
            raise ValueError(f"{len(points)} results for {len(values)} labels")
        _check_label(label)
        self.points: list[Results] = list(points)
        """One :class:`~tiersim.Results` per point, in point order."""
        self.values: list[Any] = list(values)
        """The label of each point (the swept value)."""
        self.label: str = label
        """The name of the label column."""
        self.model: str = model if model is not None else (self.points[0].model if self.points else "")
        """The name of the swept model."""
        self.interrupted: bool = False
        """True when Ctrl-C ended the sweep early: the points are those that had finished."""
        self._frames: dict[str, pd.DataFrame] = {}

    # -- tables ---------------------------------------------------------------

    def _stack(self, table: str) -> pd.DataFrame:
        if table not in self._frames:
            frames = []
            for value, r in zip(self.values, self.points):
                df = getattr(r, table).copy()
                df.insert(0, self.label, [value] * len(df))
                frames.append(df)
            if frames:
                out = pd.concat(frames, ignore_index=True)
            else:
                out = getattr(Results({}), table).copy()
                out.insert(0, self.label, pd.Series([], dtype=object))
            self._frames[table] = out
        return self._frames[table].copy()

    @property
    def stations(self) -> pd.DataFrame:
        """Every point's :attr:`Results.stations <tiersim.Results.stations>`, label column first."""
        return self._stack("stations")

    @property
    def pools(self) -> pd.DataFrame:
        """Every point's :attr:`Results.pools <tiersim.Results.pools>`, label column first."""
        return self._stack("pools")

    @property
    def classes(self) -> pd.DataFrame:
        """Every point's :attr:`Results.classes <tiersim.Results.classes>`, label column first."""
        return self._stack("classes")

    @property
    def steps(self) -> pd.DataFrame:
        """Every point's :attr:`Results.steps <tiersim.Results.steps>`, label column first."""
        return self._stack("steps")

    @property
    def bottlenecks(self) -> pd.DataFrame:
        """One row per point: the bottleneck ``station``, its ``utilization``, ``saturation_throughput``, ``saturated``.

        >>> r = Results({"bottleneck": {"station": "db", "utilization": 0.5, "saturation_throughput": 20.0}})
        >>> SweepResults([r], [1], label="users").bottlenecks.values.tolist()
        [[1, 'db', 0.5, 20.0, False]]
        """
        rows = []
        for value, r in zip(self.values, self.points):
            b = r.bottleneck
            rows.append({self.label: value, "station": str(b.get("station") or ""),
                         "utilization": _float(b.get("utilization")),
                         "saturation_throughput": _float(b.get("saturation_throughput")),
                         "saturated": r.saturated})
        df = pd.DataFrame(rows, columns=[self.label, "station", "utilization", "saturation_throughput", "saturated"])
        return df.astype({"station": str, "utilization": "float64", "saturation_throughput": "float64",
                          "saturated": bool})

    def summary_frame(self) -> pd.DataFrame:
        """One row per point and class: throughput, mean and p95 response, and the bottleneck's utilization.

        >>> r = Results({"classes": [{"name": "q", "throughput": 2.0, "response": {"mean": 0.5, "p95": 1.5}}],
        ...              "bottleneck": {"station": "cpu", "utilization": 0.4}})
        >>> df = SweepResults([r], [1.0], label="rate").summary_frame()
        >>> df.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['rate', 'class', 'throughput', 'response_mean', 'response_p95', 'bottleneck',
         'bottleneck_utilization', 'saturated']
        >>> df.loc[0, "bottleneck"], float(df.loc[0, "response_p95"])
        ('cpu', 1.5)
        """
        bottlenecks = self.bottlenecks.drop(columns=[self.label, "saturation_throughput"])
        rows = []
        for i, (value, r) in enumerate(zip(self.values, self.points)):
            b = bottlenecks.iloc[i]
            for _, c in r.classes.iterrows():
                rows.append({self.label: value, "class": c["name"], "throughput": c["throughput"],
                             "response_mean": c["response_mean"], "response_p95": c["response_p95"],
                             "bottleneck": b["station"], "bottleneck_utilization": b["utilization"],
                             "saturated": bool(b["saturated"])})
        columns = [self.label, "class", "throughput", "response_mean", "response_p95", "bottleneck",
                   "bottleneck_utilization", "saturated"]
        return pd.DataFrame(rows, columns=columns)

    # -- access ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> Results:
        return self.points[index]

    def __iter__(self) -> Iterator[Results]:
        return iter(self.points)

    def result(self, value: Any) -> Results:
        """The :class:`~tiersim.Results` of the point labelled ``value``.

        >>> SweepResults([Results({"model": "a"})], ["x"]).result("x").model
        'a'
        """
        for v, r in zip(self.values, self.points):
            if v == value:
                return r
        raise KeyError(f"no sweep point with {self.label}={value!r}")

    # -- documents --------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """``{"model", "label", "values", "points": [results documents]}``."""
        out = {"model": self.model, "label": self.label, "values": [_json_label(v) for v in self.values],
               "points": [r.to_dict() for r in self.points]}
        if self.interrupted:
            out["interrupted"] = True
        return out

    def to_json(self, indent: int | None = None) -> str:
        """The sweep as JSON: :meth:`to_dict`, each point exactly as ``tiersim run --json`` prints it."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepResults:
        """A sweep from :meth:`to_dict`'s form."""
        points = [Results.from_dict(p) for p in data.get("points") or []]
        out = cls(points, list(data.get("values") or []), label=str(data.get("label") or "value"),
                  model=data.get("model"))
        out.interrupted = bool(data.get("interrupted", False))
        return out

    @classmethod
    def from_json(cls, text: str) -> SweepResults:
        """A sweep from :meth:`to_json`'s text."""
        return cls.from_dict(json.loads(text))

    def to_csv(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Writes stations.csv, pools.csv, classes.csv, steps.csv and bottlenecks.csv (label column first)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        written = []
        for name in (*_TABLES, "bottlenecks"):
            path = d / f"{name}.csv"
            getattr(self, name).to_csv(path, index=False)
            written.append(path)
        return written

    # -- reports ----------------------------------------------------------------

    def summary(self) -> str:
        """A text table: one row per point and class (throughput, mean and p95 response, bottleneck).

        >>> r = Results({"classes": [{"name": "q", "throughput": 2.0, "response": {"mean": 0.5, "p95": 1.5}}],
        ...              "bottleneck": {"station": "cpu", "utilization": 0.4}})
        >>> print(SweepResults([r], [1.0], label="rate", model="m").summary())
        sweep of model 'm' over rate (1 point)
          rate  class  X (/s)  R mean (s)  p95 (s)  bottleneck   util
          ----  -----  ------  ----------  -------  ----------  -----
             1  q           2         0.5      1.5  cpu         40.0%
        """
        headers = [self.label, "class", "X (/s)", "R mean (s)", "p95 (s)", "bottleneck", "util"]
        rows = []
        any_saturated = False
        for i, (value, r) in enumerate(zip(self.values, self.points)):
            b = r.bottleneck
            util = _float(b.get("utilization"))
            saturated = r.saturated
            any_saturated |= saturated
            classes = r.to_dict().get("classes") or []
            for c in classes or [{}]:
                resp = c.get("response") or {}
                rows.append([
                    _label_text(value),
                    str(c.get("name", "-")),
                    report.format_estimate(c.get("throughput"), c.get("throughput_ci95")),
                    report.format_estimate(resp.get("mean"), resp.get("ci95")),
                    report.format_number(resp.get("p95")),
                    str(b.get("station") or "-"),
                    ("-" if math.isnan(util) else f"{100 * util:.1f}%") + (" SATURATED" if saturated else ""),
                ])
        n = len(self.points)
        lines = [f"sweep of model {self.model!r} over {self.label} ({n} point{'' if n == 1 else 's'})"]
        lines += _table(headers, rows)
        if any_saturated:
            lines.append("SATURATED: the open load exceeded capacity at the marked points; their figures "
                         "describe a queue that was still growing.")
        if self.interrupted:
            lines.append("INTERRUPTED: Ctrl-C ended the sweep; only the points above had finished.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SweepResults of {self.model!r}: {len(self)} points over {self.label} {self.values!r}>"

    def _repr_html_(self) -> str:
        df = self.summary_frame()
        parts = [f"<h4>tiersim sweep of model <code>{html.escape(self.model)}</code> over "
                 f"<code>{html.escape(self.label)}</code> ({len(self)} points)</h4>"]
        if len(df):
            shown = df.copy()
            shown["bottleneck_utilization"] = [("-" if math.isnan(u) else f"{100 * u:.1f}%")
                                               for u in shown["bottleneck_utilization"]]
            parts.append(shown.to_html(index=False, na_rep="-", float_format=report.format_number))
        saturated = [v for v, r in zip(self.values, self.points) if r.saturated]
        if saturated:
            parts.append("<p style='color:#c00'><b>Saturated at " + html.escape(self.label) + " = "
                         + html.escape(", ".join(_label_text(v) for v in saturated)) + "</b></p>")
        return "\n".join(parts)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _label_text(value: Any) -> str:
    if isinstance(value, float):
        return report.format_number(value)
    return str(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns: the label and the numbers right-aligned, names left-aligned."""
    left = {1, 5}  # class, bottleneck
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return ("  " + "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                                  for i, (c, w) in enumerate(zip(cells, widths)))).rstrip()

    return [line(headers), "  " + "  ".join("-" * w for w in widths), *(line(r) for r in rows)]

