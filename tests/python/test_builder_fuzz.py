# Issue 18: hypothesis drives the Python builder (and from_dict, for the route
# structures the builder has no method for) with adversarial values: numbers
# at the edges of double, numpy scalars, NaN, names with control characters,
# random fork/join wiring. Whatever it builds, check() and a capped run either
# succeed or raise ModelError with a path; results never hold a percentile
# outside [0, max]; no other exception, crash or hang.
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tiersim
from tiersim import ModelError

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=True, max_examples=150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

EDGE_TIMES = [0.0, 5e-324, 1e-300, 1e-9, 0.01, 0.5, 1.0, 3.0, 1e6, 1e150, 1e300, 1.7976931348623157e308,
              float("nan"), float("inf"), -1.0, -0.0]
NAMES = ["a", "b", "cpu", "a\nb", "x\x1b[2J", "\u009b", "é", "exit", "", " "]

# Half the models are hostile (edge values, bad names, numpy scalars
# anywhere); the other half sane, so that many of them run.
_sane_times = st.one_of(st.floats(min_value=1e-3, max_value=1.0), st.floats(min_value=1e-3, max_value=1.0).map(np.float64))
_hostile_times = st.one_of(_sane_times, st.sampled_from(EDGE_TIMES), st.sampled_from(EDGE_TIMES).map(np.float64))
_sane_counts = st.one_of(st.integers(1, 4), st.integers(1, 4).map(np.int64))
_hostile_counts = st.one_of(_sane_counts, st.sampled_from([0, 2**31, 2**53 + 1, -1, 1.5, float("nan")]))
_sane_names = st.sampled_from(["a", "b", "cpu"])
_hostile_names = st.one_of(_sane_names, st.sampled_from(NAMES))
@st.composite
def distributions(draw: Any, times: Any, counts: Any) -> Any:
    kind = draw(st.sampled_from(["number", "exponential", "exponential", "exponential", "uniform", "lognormal",
                                 "hyper", "erlang", "empirical", "pareto"]))
    if kind == "number":
        return draw(times)
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(times)}
    if kind == "uniform":
        return {"dist": "uniform", "low": draw(times), "high": draw(times)}
    if kind == "lognormal":
        return {"dist": "lognormal", "mean": draw(times), "cv": draw(st.sampled_from([0.5, 1e3, 1e4, 1e200]))}
    if kind == "hyper":
        return {"dist": "hyperexponential", "mean": draw(times), "scv": draw(st.sampled_from([1, 4, 1e6, 1e7]))}
    if kind == "erlang":
        return {"dist": "erlang", "k": draw(counts), "mean": draw(times)}
    if kind == "pareto":
        return {"dist": "pareto", "alpha": draw(st.sampled_from([1.0000000000000002, 1.5, 3.0])), "mean": draw(times)}
    return {"dist": "empirical", "samples": draw(st.lists(times, min_size=1, max_size=3))}


@st.composite
def models(draw: Any) -> tiersim.Model:
    hostile = draw(st.booleans())
    times = _hostile_times if hostile else _sane_times
    counts = _hostile_counts if hostile else _sane_counts
    names = _hostile_names if hostile else _sane_names
    m = tiersim.Model(draw(names))
    stations = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    for name in stations:
        discipline = draw(st.sampled_from(["fcfs", "ps", "delay", "priority"]))
        if discipline == "delay" and not hostile:
            m.station(name, discipline="delay")
        else:
            m.station(name, servers=draw(counts), speed=draw(times), discipline=discipline)
    if draw(st.booleans()):
        m.pool("pool", capacity=draw(counts))
    for i in range(draw(st.integers(1, 2))):
        if draw(st.booleans()):
            c = m.open_class(f"c{i}", draw(distributions(times, counts)))
        else:
            c = m.closed_class(f"c{i}", population=draw(counts), think=draw(distributions(times, counts)))
        for _ in range(draw(st.integers(1, 3))):
            c.visit(draw(st.sampled_from(stations)), draw(distributions(times, counts)))
    data = m.to_dict()
    if draw(st.integers(0, 2)) == 0:
        # Random fork/join wiring over a few steps: the structure rules must
        # refuse what the engine cannot run, and nothing may crash.
        ids = ["s0", "s1", "s2", "f", "j"]
        targets = st.sampled_from(ids + ["exit"])
        steps: list[dict[str, Any]] = [{"id": "f", "fork": draw(st.lists(st.sampled_from(ids), min_size=1,
                                                                           max_size=3))}]
        for sid in ["s0", "s1", "s2"]:
            steps.append({"id": sid, "visit": stations[0], "service": 0.1,
                          "next": [{"to": draw(targets), "p": 0.5}, {"to": draw(targets), "p": 0.5}]})
        steps.append({"id": "j", "join": "f", "next": draw(targets)})
        if draw(st.booleans()):
            steps.insert(0, steps.pop(draw(st.integers(0, len(steps) - 1))))
        data["classes"][0]["steps"] = steps
    if draw(st.booleans()):
        data.setdefault("run", {})["seed"] = draw(counts)
    return tiersim.Model.from_dict(data)


def _percentiles_are_sound(results: tiersim.Results) -> None:
    for cls in results.to_dict()["classes"]:
        r = cls["response"]
        top = r["max"]
        for key in ("p50", "p90", "p95", "p99", "p999"):
            value = r[key]
            if value is None:
                continue
            assert top is not None and 0 <= value <= top, (key, r)
        if r["mean"] is not None:
            assert math.isfinite(r["mean"]) and r["mean"] >= 0, r


@settings(**SETTINGS)
@given(models())
def test_the_builder_never_crashes_and_errors_name_a_field(model: tiersim.Model) -> None:
    try:
        model.check()
    except ModelError as e:
        assert e.message
        assert "\x1b" not in str(e) and "\n" not in str(e)
        event("refused by check")
        return
    try:
        results = model.run(until=5, max_completions=300, max_in_system=200, replications=1, threads=1,
                            warmup=0, progress=False)
    except ModelError as e:
        assert e.message
        event("refused by run")
        return
    event("ran")
    _percentiles_are_sound(results)
