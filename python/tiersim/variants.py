"""Model transformations for what-if studies and sweeps: each returns a changed copy.

Every function takes a :class:`~tiersim.Model` and returns a *new* model with
one thing changed (arrival rate, population, servers, speed, pool size); the
model passed in is never modified. They compose, and they are what
:func:`tiersim.sweep` calls as ``vary``.

>>> import tiersim
>>> from tiersim.variants import with_servers, with_speed
>>> m = tiersim.Model("shop").station("db")
>>> _ = m.open_class("q", tiersim.Exponential(rate=50)).visit("db", tiersim.Exponential(mean=0.015))
>>> bigger = with_speed(with_servers(m, "db", 2), "db", 1.5)
>>> bigger.to_dict()["stations"], m.to_dict()["stations"]
([{'name': 'db', 'servers': 2, 'speed': 1.5}], [{'name': 'db'}])
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any, TypeVar

from .distributions import distribution_from_dict
from .errors import ModelError
from .model import Model

__all__ = [
    "with_arrival_rate",
    "scale_load",
    "with_population",
    "with_servers",
    "with_replicas",
    "with_speed",
    "with_pool_capacity",
    "with_run",
    "arrival_rate",
    "scale_distribution",
    "at_time",
    "peak_time",
]

M = TypeVar("M", bound=Model)


# -- helpers on the plain data ---------------------------------------------


def _copy(model: M) -> tuple[dict[str, Any], type[M]]:
    if not isinstance(model, Model):
        raise TypeError(f"expected a tiersim.Model, got {type(model).__name__}")
    return model.to_dict(), type(model)


def _named(data: dict[str, Any], section: str, name: str) -> tuple[int, dict[str, Any]]:
    """The index and entry of ``section`` (stations, pools, classes) called ``name``; KeyError otherwise."""
    items = data.get(section)
    entries = items if isinstance(items, list) else []
    names = [str(e.get("name")) for e in entries if isinstance(e, Mapping)]
    for i, e in enumerate(entries):
        if isinstance(e, dict) and e.get("name") == name:
            return i, e
    # A service's own station or pool, as results name it: "app.cpu" or "app[3].cpu".
    if section in ("stations", "pools") and "." in str(name):
        head, _, local = str(name).partition(".")
        service = head.split("[", 1)[0]
        for sv in data.get("services") or []:
            if isinstance(sv, dict) and sv.get("name") == service:
                for i, e in enumerate(sv.get(section) or []):
                    if isinstance(e, dict) and e.get("name") == local:
                        return i, e
    what = {"stations": "station", "pools": "pool", "classes": "class"}[section]
    close = difflib.get_close_matches(str(name), names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else (f" (have: {', '.join(names)})" if names else "")
    raise KeyError(f"no {what} named {name!r}{hint}")


def _classes_of(data: dict[str, Any], kind: str, cls: str | None) -> list[tuple[int, dict[str, Any]]]:
    """The open or closed classes to change: the one named ``cls``, else all of that kind."""
    if cls is not None:
        i, c = _named(data, "classes", cls)
        if c.get("type", "open") != kind:
            raise ModelError(f"class {cls!r} is {c.get('type', 'open')}, not {kind}", path=f"classes[{i}].type")
        return [(i, c)]
    found = [(i, c) for i, c in enumerate(data.get("classes") or [])
             if isinstance(c, dict) and c.get("type", "open") == kind]
    if not found:
        other = "with_population" if kind == "open" else "with_arrival_rate or scale_load"
        raise ModelError(f"the model has no {kind} class (use {other} for the other kind)", path="classes")
    return found


def _positive_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


def _count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return value


def _mean(dist: Any, path: str) -> float:
    try:
        return distribution_from_dict(dist).mean
    except ModelError as e:
        raise ModelError(e.message, path=f"{path}.{e.path}" if e.path else path) from None


def scale_distribution(dist: Any, factor: float) -> Any:
    """A distribution's plain-data form with every time multiplied by ``factor`` (shape kept).

    The mean becomes ``factor`` × the old mean and the SCV stays the same, for
    every family: deterministic ``value``, exponential ``mean`` (or ``rate`` /
    factor), uniform ``low`` / ``high``, erlang, lognormal and pareto ``mean``,
    hyperexponential ``mean`` (or ``mean1`` and ``mean2``), empirical
    ``samples`` or the ``x`` of each ``cdf`` point.

    >>> scale_distribution({"dist": "uniform", "low": 1, "high": 3}, 0.5)
    {'dist': 'uniform', 'low': 0.5, 'high': 1.5}
    >>> scale_distribution({"dist": "exponential", "rate": 4}, 2)
    {'dist': 'exponential', 'rate': 2.0}
    >>> scale_distribution(0.25, 4)
    1.0
    """
    factor = _positive_number("factor", factor)
    if isinstance(dist, (int, float)) and not isinstance(dist, bool):
        return dist * factor
    if not isinstance(dist, Mapping):
        raise ModelError(f"expected a number or a mapping with 'dist', got {type(dist).__name__}")
    d = dict(dist)
    kind = d.get("dist")
    if kind == "deterministic":
        keys = ["value"]
    elif kind == "exponential":
        if "rate" in d:
            d["rate"] = d["rate"] / factor
        keys = ["mean"]
    elif kind == "uniform":
        keys = ["low", "high"]
    elif kind in ("erlang", "lognormal", "pareto"):
        keys = ["mean"]
    elif kind == "hyperexponential":
        keys = ["mean", "mean1", "mean2"]
    elif kind == "empirical":
        if "samples" in d:
            d["samples"] = [v * factor for v in d["samples"]]
        if "cdf" in d:
            d["cdf"] = [[p[0] * factor, p[1]] for p in d["cdf"]]
        keys = []
    else:
        raise ModelError(f"cannot scale unknown distribution {kind!r}", path="dist")
    for k in keys:
        if k in d:
            d[k] = d[k] * factor
    return d


def _with_mean(dist: Any, mean: float, path: str) -> Any:
    """``dist`` (plain data) with its mean set to ``mean``, same family and SCV."""
    if isinstance(dist, Mapping):
        kind = dist.get("dist")
        # Set the parameter directly where there is one, so the value is exact.
        if kind == "exponential":
            return {"dist": "exponential", "rate": 1.0 / mean} if "rate" in dist else {"dist": "exponential",
                                                                                      "mean": mean}
        if kind == "deterministic":
            return {**dist, "value": mean}
        if kind in ("erlang", "lognormal", "pareto") or (kind == "hyperexponential" and "mean" in dist):
            return {**dist, "mean": mean}
    elif isinstance(dist, (int, float)) and not isinstance(dist, bool):
        return mean
    old = _mean(dist, path)
    if not old > 0:
        raise ModelError(f"the mean is {old:g}; a distribution with mean 0 cannot be rescaled", path=path)
    return scale_distribution(dist, mean / old)


def arrival_rate(model: Model, cls: str | None = None) -> float:
    """The arrival rate (1 / mean interarrival) of open class ``cls``, or of all open classes together.

    A class with a rate schedule counts with its mean rate over the cycle
    (without a cycle, the rate of its last piece, which it keeps for ever).

    >>> import tiersim
    >>> m = tiersim.Model().station("s")
    >>> _ = m.open_class("a", tiersim.Exponential(rate=3)).visit("s", 0.1)
    >>> _ = m.open_class("b", tiersim.Uniform(0.1, 0.3)).visit("s", 0.1)
    >>> arrival_rate(m), arrival_rate(m, "a")
    (8.0, 3.0)
    """
    data, _ = _copy(model)
    return sum(_open_rate(c, i) for i, c in _classes_of(data, "open", cls))


def _scheduled(c: Mapping[str, Any]) -> bool:
    return isinstance(c.get("schedule"), list)


def _schedule_rate(c: Mapping[str, Any], path: str) -> float:
    """A rate schedule's mean rate: its mass over one cycle / the cycle, or without a cycle the
    last piece's rate (the rate it keeps for ever), as the core takes it for demands."""
    pieces = c["schedule"]
    try:
        starts = [float(p["from"]) for p in pieces]
        rates = [float(p["rate"]) for p in pieces]
    except (KeyError, TypeError, ValueError):
        raise ModelError("every piece needs a numeric 'from' and 'rate'", path=f"{path}.schedule") from None
    if not rates:
        raise ModelError("needs at least one {from, rate}", path=f"{path}.schedule")
    cycle = c.get("cycle")
    if isinstance(cycle, (int, float)) and not isinstance(cycle, bool) and cycle > 0:
        ends = starts[1:] + [float(cycle)]
        return sum(r * (e - s) for s, e, r in zip(starts, ends, rates)) / float(cycle)
    return rates[-1] if rates[-1] > 0 else max(rates)


def _open_rate(c: Mapping[str, Any], i: int) -> float:
    """An open class's rate: 1 / mean interarrival, or a schedule's mean rate."""
    if _scheduled(c):
        return _schedule_rate(c, f"classes[{i}]")
    return 1.0 / _mean(c.get("interarrival"), f"classes[{i}].interarrival")


def _scale_schedule(c: dict[str, Any], factor: float) -> None:
    """Every period of a rate schedule ``factor`` times as busy (same shape, same cycle)."""
    c["schedule"] = [{**p, "rate": p["rate"] * factor} for p in c["schedule"]]


# -- the transformations ----------------------------------------------------


def with_arrival_rate(model: M, rate: float, cls: str | None = None) -> M:
    """A copy whose open class ``cls`` arrives at ``rate`` per time unit, same interarrival family.

    An exponential interarrival gets ``rate`` (kept in the ``mean`` form if it
    was written so); any other family keeps its shape (SCV) and has its mean
    set to 1 / ``rate``: a deterministic ``value``, the ``mean`` of erlang,
    lognormal, pareto or hyperexponential, and for uniform, the phases of a
    hyperexponential and empirical samples or CDF points, every time scaled.

    With ``cls=None`` and one open class, that class gets ``rate``; with
    several, ``rate`` is the total and each class keeps its share of it (the
    class mix is unchanged). A class with a rate schedule is scaled as a
    whole: every period's rate is multiplied by the same factor, so its mean
    rate (see :func:`arrival_rate`) becomes ``rate`` and the shape of its
    day is kept. Raises ``KeyError`` for an unknown class and
    :class:`~tiersim.ModelError` when the class is closed.

    >>> import tiersim
    >>> m = tiersim.Model("mm1").station("cpu")
    >>> _ = m.open_class("jobs", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
    >>> with_arrival_rate(m, 0.8).to_dict()["classes"][0]["interarrival"]
    {'dist': 'exponential', 'rate': 0.8}
    >>> m.to_dict()["classes"][0]["interarrival"]       # the original is unchanged
    {'dist': 'exponential', 'rate': 0.5}
    >>> m2 = tiersim.Model().station("cpu")
    >>> _ = m2.open_class("jobs", tiersim.Uniform(1, 3)).visit("cpu", 0.5)
    >>> with_arrival_rate(m2, 1.0).to_dict()["classes"][0]["interarrival"]
    {'dist': 'uniform', 'low': 0.5, 'high': 1.5}
    """
    rate = _positive_number("rate", rate)
    data, kind = _copy(model)
    classes = _classes_of(data, "open", cls)
    if len(classes) == 1:
        shares = [1.0]
    else:
        rates = [_open_rate(c, i) for i, c in classes]
        shares = [r / sum(rates) for r in rates]
    for (i, c), share in zip(classes, shares):
        if _scheduled(c):
            _scale_schedule(c, rate * share / _schedule_rate(c, f"classes[{i}]"))
            continue
        path = f"classes[{i}].interarrival"
        if "interarrival" not in c:
            raise ModelError("an open class needs an interarrival distribution", path=path)
        c["interarrival"] = _with_mean(c["interarrival"], 1.0 / (rate * share), path)
    return kind.from_dict(data)


def scale_load(model: M, factor: float) -> M:
    """A copy with every open class arriving ``factor`` times as fast (interarrival times / ``factor``).

    A class with a rate schedule has every period's rate multiplied by
    ``factor`` (the shape of its day kept). Closed classes are left alone
    (see :func:`with_population`).

    >>> import tiersim
    >>> m = tiersim.Model().station("cpu")
    >>> _ = m.open_class("a", tiersim.Exponential(mean=2.0)).visit("cpu", 0.5)
    >>> _ = m.open_class("b", 4.0).visit("cpu", 0.5)
    >>> [c["interarrival"] for c in scale_load(m, 2).to_dict()["classes"]]
    [{'dist': 'exponential', 'mean': 1.0}, 2.0]
    """
    factor = _positive_number("factor", factor)
    data, kind = _copy(model)
    for i, c in _classes_of(data, "open", None):
        if _scheduled(c):
            _scale_schedule(c, factor)
            continue
        if "interarrival" not in c:
            raise ModelError("an open class needs an interarrival distribution", path=f"classes[{i}].interarrival")
        c["interarrival"] = scale_distribution(c["interarrival"], 1.0 / factor)
    return kind.from_dict(data)


def _rate_at(c: Mapping[str, Any], t: float) -> float:
    """A schedule's rate at time ``t`` (modulo its cycle)."""
    cycle = c.get("cycle")
    if isinstance(cycle, (int, float)) and not isinstance(cycle, bool) and cycle > 0:
        t = t % float(cycle)
    rate = 0.0
    for p in c["schedule"]:
        if float(p["from"]) <= t:
            rate = float(p["rate"])
    return rate


def peak_time(model: Model) -> float:
    """The time at which the scheduled classes together arrive fastest (the earliest such piece start).

    Unscheduled classes do not move the peak. Raises :class:`~tiersim.ModelError` when no class has
    a rate schedule.

    >>> import tiersim
    >>> m = tiersim.Model.from_dict({"stations": [{"name": "s"}], "classes": [{"name": "c", "cycle": 86400,
    ...     "schedule": [{"from": 0, "rate": 2}, {"from": 50400, "rate": 15}, {"from": 61200, "rate": 6}],
    ...     "steps": [{"visit": "s", "service": 0.01}]}]})
    >>> peak_time(m)
    50400.0
    """
    data, _ = _copy(model)
    scheduled = [c for _, c in _classes_of(data, "open", None) if _scheduled(c)]
    if not scheduled:
        raise ModelError("no class has a rate schedule: the load is the same at every time", path="classes")
    starts = sorted({float(p["from"]) for c in scheduled for p in c["schedule"]})
    return max(starts, key=lambda t: (sum(_rate_at(c, t) for c in scheduled), -t))


def at_time(model: M, t: float | str) -> M:
    """A copy whose scheduled classes arrive as a Poisson stream at the rate they have at time ``t``.

    ``t`` is seconds (modulo each class's cycle), ``"HH:MM"`` (a time of day, in seconds from 0) or
    ``"peak"`` (:func:`peak_time`). The steady-state analysis of the copy (``operational``, ``tiersim
    analyze --at``) is then the analysis of that moment, e.g. the afternoon peak rather than the day's
    mean. A class with no arrivals at ``t`` is left out of the copy; when that leaves no class,
    :class:`~tiersim.ModelError` says so.

    >>> import tiersim
    >>> m = tiersim.Model.from_dict({"stations": [{"name": "s"}], "classes": [{"name": "c", "cycle": 86400,
    ...     "schedule": [{"from": 0, "rate": 2}, {"from": 50400, "rate": 15}, {"from": 61200, "rate": 6}],
    ...     "steps": [{"visit": "s", "service": 0.01}]}]})
    >>> at_time(m, "peak").to_dict()["classes"][0]["interarrival"]
    {'dist': 'exponential', 'rate': 15.0}
    >>> arrival_rate(at_time(m, "17:30")), arrival_rate(at_time(m, 3600))
    (6.0, 2.0)
    """
    if isinstance(t, str):
        text = t.strip().lower()
        if text == "peak":
            t = peak_time(model)
        else:
            hh, sep, mm = text.partition(":")
            try:
                t = 3600.0 * int(hh) + 60.0 * int(mm) if sep else float(text)
            except ValueError:
                raise ValueError(f"t: expected seconds, 'HH:MM' or 'peak', got {t!r}") from None
    t = float(t)
    if not math.isfinite(t) or t < 0:
        raise ValueError(f"t: expected a time >= 0, got {t!r}")
    data, kind = _copy(model)
    idle = set()
    for i, c in _classes_of(data, "open", None):
        if not _scheduled(c):
            continue
        rate = _rate_at(c, t)
        c.pop("schedule")
        c.pop("cycle", None)
        c["interarrival"] = {"dist": "exponential", "rate": rate}
        if rate <= 0:
            idle.add(i)
    if idle:
        if len(idle) == len(data["classes"]):
            raise ModelError(f"no request arrives at t = {t:g}: every class's scheduled rate is 0 then",
                             path="classes")
        data["classes"] = [c for i, c in enumerate(data["classes"]) if i not in idle]
    return kind.from_dict(data)


def with_population(model: M, n: int, cls: str | None = None) -> M:
    """A copy whose closed class ``cls`` has ``n`` users.

    With ``cls=None`` and one closed class, that class gets ``n``; with
    several, ``n`` is the total, shared in proportion to the current
    populations (largest remainders, at least one user each).

    >>> import tiersim
    >>> m = tiersim.Model().station("cpu")
    >>> _ = m.closed_class("users", 10, think=tiersim.Exponential(mean=5)).visit("cpu", 0.1)
    >>> with_population(m, 150).to_dict()["classes"][0]["population"]
    150
    """
    n = _count("n", n)
    data, kind = _copy(model)
    classes = _classes_of(data, "closed", cls)
    if len(classes) == 1:
        classes[0][1]["population"] = n
        return kind.from_dict(data)
    if n < len(classes):
        raise ValueError(f"n: {n} users cannot be shared among {len(classes)} closed classes (at least one each)")
    current = [c.get("population") for _, c in classes]
    if not all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in current):
        current = [1] * len(classes)
    # Largest remainders of the proportional shares, then at least one user each.
    total = sum(current)
    exact = [n * p / total for p in current]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(classes)), key=lambda j: (-(exact[j] - counts[j]), j))
    for j in order[: n - sum(counts)]:
        counts[j] += 1
    for j in range(len(counts)):
        if counts[j] == 0:
            counts[max(range(len(counts)), key=lambda k: counts[k])] -= 1
            counts[j] = 1
    for (_, c), k in zip(classes, counts):
        c["population"] = k
    return kind.from_dict(data)


def with_servers(model: M, station: str, n: int) -> M:
    """A copy where ``station`` has ``n`` servers (scale out: more cores, workers, disks).

    >>> import tiersim
    >>> with_servers(tiersim.Model().station("web"), "web", 4).to_dict()["stations"]
    [{'name': 'web', 'servers': 4}]
    """
    n = _count("n", n)
    data, kind = _copy(model)
    i, st = _named(data, "stations", station)
    if st.get("discipline") == "delay":
        raise ModelError(f"station {station!r} is a delay station: it has no servers to set",
                         path=f"stations[{i}].servers")
    st["servers"] = n
    return kind.from_dict(data)


def with_replicas(model: M, service: str, n: int) -> M:
    """A copy where ``service`` has ``n`` replicas (scale out: more servers in the tier).

    >>> import tiersim
    >>> m = tiersim.Model()
    >>> _ = m.service("app", replicas=2).station("cpu").operation("op").visit("cpu", 0.01)
    >>> with_replicas(m, "app", 8).to_dict()["services"][0]["replicas"]
    8
    """
    n = _count("n", n)
    data, kind = _copy(model)
    for sv in data.get("services") or []:
        if isinstance(sv, dict) and sv.get("name") == service:
            sv["replicas"] = n
            return kind.from_dict(data)
    names = [str(sv.get("name")) for sv in data.get("services") or [] if isinstance(sv, Mapping)]
    close = difflib.get_close_matches(str(service), names, n=1)
    raise KeyError(f"no service named {service!r}" + (f"; did you mean {close[0]!r}?" if close else ""))


def with_speed(model: M, station: str, speed: float) -> M:
    """A copy where ``station`` works at ``speed`` (scale up: service time = work / speed).

    ``speed`` replaces the station's speed factor (1 is the reference clock;
    2 is a CPU twice as fast).

    >>> import tiersim
    >>> with_speed(tiersim.Model().station("cpu", speed=1.2), "cpu", 2.0).to_dict()["stations"]
    [{'name': 'cpu', 'speed': 2.0}]
    """
    speed = _positive_number("speed", speed)
    data, kind = _copy(model)
    _, st = _named(data, "stations", station)
    st["speed"] = speed
    return kind.from_dict(data)


def with_pool_capacity(model: M, pool: str, n: int) -> M:
    """A copy where ``pool`` holds ``n`` tokens (threads, connections, locks).

    >>> import tiersim
    >>> with_pool_capacity(tiersim.Model().pool("threads", 10), "threads", 40).to_dict()["pools"]
    [{'name': 'threads', 'capacity': 40}]
    """
    n = _count("n", n)
    data, kind = _copy(model)
    _, p = _named(data, "pools", pool)
    p["capacity"] = n
    return kind.from_dict(data)


def with_run(model: M, **settings: Any) -> M:
    """A copy with keys of the ``run`` section set (``seed``, ``until``, ``replications``, ...).

    Unlike :meth:`Model.set_run <tiersim.Model.set_run>`, which changes the
    model in place, this leaves ``model`` alone. A value of ``None`` removes
    the key. The core checks the keys and values when the model runs.

    >>> import tiersim
    >>> m = tiersim.Model().set_run(until=100, seed=1)
    >>> with_run(m, seed=7, replications=4).run_settings, m.run_settings
    ({'until': 100, 'seed': 7, 'replications': 4}, {'until': 100, 'seed': 1})
    """
    data, kind = _copy(model)
    run = data.get("run")
    run = dict(run) if isinstance(run, Mapping) else {}
    for key, value in settings.items():
        if value is None:
            run.pop(key, None)
        else:
            run[key] = value
    data["run"] = run
    return kind.from_dict(data)
