# The Python builder and the distribution classes: plain data out, the same data back in.
from __future__ import annotations

import doctest
import importlib
import json
import math

import pytest
import tiersim
from tiersim import (
    Deterministic,
    Empirical,
    Erlang,
    Exponential,
    Hyperexponential,
    Lognormal,
    Model,
    ModelError,
    Pareto,
    Uniform,
    distribution_from_dict,
)


def three_tier() -> Model:
    m = (Model("shop")
         .station("web", servers=4, discipline="ps")
         .station("app", servers=2, speed=2.0)
         .station("db", capacity=50)
         .station("lan", discipline="delay")
         .pool("threads", capacity=16))
    (m.open_class("browse", Exponential(rate=20), priority=1)
      .acquire("threads")
      .visit("web", Exponential(mean=0.002))
      .visit("app", {"dist": "erlang", "k": 2, "mean": 0.01}, next=[("db", 0.6), ("release threads", 0.4)])
      .visit("db", Hyperexponential(mean=0.005, scv=4), id="db", next="app")
      .release("threads")
      .delay(Uniform(0.001, 0.003)))
    (m.closed_class("batch", population=5, think=Exponential(mean=2.0))
      .visit("db", 0.02, next=[{"to": "lan", "p": 1.0}])
      .visit("lan", 0.001, next="exit"))
    return m


def test_builder_produces_the_model_file_form_with_defaults_left_out() -> None:
    m = Model("m").station("cpu").station("disk", servers=2, discipline="priority", speed=0.5, capacity=10)
    m.pool("threads", 8)
    m.open_class("q", 2.0).visit("cpu", 0.5).acquire("threads", tokens=2).release("threads", tokens=2)
    assert m.to_dict() == {
        "name": "m",
        "stations": [
            {"name": "cpu"},
            {"name": "disk", "discipline": "priority", "servers": 2, "speed": 0.5, "capacity": 10},
        ],
        "pools": [{"name": "threads", "capacity": 8}],
        "classes": [{
            "name": "q", "type": "open", "interarrival": 2.0,
            "steps": [
                {"visit": "cpu", "service": 0.5},
                {"acquire": "threads", "tokens": 2},
                {"release": "threads", "tokens": 2},
            ],
        }],
    }


def test_station_and_pool_chain_and_classes_return_builders() -> None:
    m = Model()
    assert m.station("a") is m
    assert m.pool("p", 1) is m
    c = m.open_class("q", 1.0)
    assert isinstance(c, tiersim.ClassBuilder)
    assert c.visit("a", 1.0) is c and c.delay(0.1) is c and c.model is m
    assert m.get_class("q").name == "q"
    with pytest.raises(KeyError):
        m.get_class("nope")


def test_next_accepts_exit_a_step_id_tuples_and_dicts() -> None:
    c = (Model().station("a").open_class("q", 1.0)
         .visit("a", 1.0, id="first", next=[("a2", 0.5), {"to": "exit", "p": 0.5}])
         .visit("a", 1.0, id="a2", next="first")
         .visit("a", 1.0, next="exit"))
    steps = c.to_dict()["steps"]
    assert steps[0] == {"id": "first", "visit": "a", "service": 1.0,
                        "next": [{"to": "a2", "p": 0.5}, {"to": "exit", "p": 0.5}]}
    assert steps[1]["next"] == "first"
    assert steps[2]["next"] == "exit"
    with pytest.raises(TypeError, match="next"):
        Model().open_class("q", 1.0).visit("a", 1.0, next=[("a", 0.5, "extra")])


def test_distributions_may_be_objects_dicts_or_numbers() -> None:
    c = (Model().open_class("q", {"dist": "exponential", "mean": 2})
         .visit("a", Lognormal(mean=1.0, cv=0.5))
         .visit("a", {"dist": "uniform", "low": 0, "high": 1})
         .visit("a", 3))
    d = c.to_dict()
    assert d["interarrival"] == {"dist": "exponential", "mean": 2}
    assert [s["service"] for s in d["steps"]] == [
        {"dist": "lognormal", "mean": 1.0, "cv": 0.5}, {"dist": "uniform", "low": 0, "high": 1}, 3]
    with pytest.raises(TypeError, match="distribution"):
        Model().open_class("q", "fast")  # type: ignore[arg-type]


def test_to_dict_returns_a_copy() -> None:
    m = three_tier()
    d = m.to_dict()
    d["stations"].clear()
    assert m.to_dict()["stations"]


def test_round_trip_through_dict_json_and_yaml() -> None:
    m = three_tier().set_run(until=100, warmup="mser5", replications=3, seed=9)
    d = m.to_dict()
    assert Model.from_dict(d) == m
    assert Model.from_dict(d).to_dict() == d
    assert tiersim.loads(m.to_json(), format="json") == m
    assert tiersim.loads(m.to_yaml()) == m
    assert json.loads(m.to_json(indent=2)) == d


def test_from_dict_rejects_a_non_mapping() -> None:
    with pytest.raises(ModelError) as info:
        Model.from_dict(["stations"])  # type: ignore[arg-type]
    assert info.value.path == ""


def test_set_run_and_names() -> None:
    m = three_tier().set_run(until=10).set_run(seed=3)
    assert m.run_settings == {"until": 10, "seed": 3}
    assert m.to_dict()["run"] == {"until": 10, "seed": 3}
    assert list(m.to_dict())[:2] == ["name", "run"]
    assert m.station_names == ["web", "app", "db", "lan"]
    assert m.pool_names == ["threads"]
    assert m.class_names == ["browse", "batch"]
    assert repr(m) == "<Model 'shop': 4 stations, 1 pool, 2 classes>"


def test_a_built_model_passes_the_core_check(make_mm1) -> None:
    three_tier().check()
    make_mm1().check()


def test_run_overrides_the_run_section_for_that_run_only(make_mm1) -> None:
    m = make_mm1(until=20000, warmup=10, replications=8)
    r = m.run(until=300, replications=2, seed=5, progress=False)
    assert r.run_info["replications"] == 2
    assert r.run_info["until"] == 300
    assert r.run_info["seed"] == 5
    assert m.run_settings["replications"] == 8


def test_same_seed_same_results(make_mm1) -> None:
    m = make_mm1(until=500, replications=2, seed=11)
    a = m.run(progress=False).to_dict()
    b = m.run(progress=False).to_dict()
    for r in (a, b):
        r["run"].pop("wall_seconds")
    assert a == b


def test_progress_callback_sees_every_replication(make_mm1) -> None:
    calls: list[tuple[int, int]] = []
    make_mm1(until=200, replications=3).run(progress=lambda done, total: calls.append((done, total)))
    assert calls, "progress was never called"
    assert calls[-1] == (3, 3)
    assert all(total == 3 for _, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_an_error_raised_by_the_progress_callback_is_not_swallowed(make_mm1) -> None:
    def boom(done: int, total: int) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        make_mm1(until=200, replications=2).run(progress=boom)


# -- distributions ----------------------------------------------------------

@pytest.mark.parametrize("dist, mean, scv", [
    (Deterministic(2.0), 2.0, 0.0),
    (Exponential(mean=0.5), 0.5, 1.0),
    (Exponential(rate=4), 0.25, 1.0),
    (Uniform(0, 2), 1.0, 1 / 3),
    (Erlang(k=4, mean=2.0), 2.0, 0.25),
    (Hyperexponential(mean=1.0, scv=5.0), 1.0, 5.0),
    (Hyperexponential.from_phases(0.5, 1.0, 3.0), 2.0, 1.5),
    (Lognormal(mean=3.0, cv=0.5), 3.0, 0.25),
    (Pareto(alpha=3, mean=1.5), 1.5, 1 / 3),
    (Pareto(alpha=2, mean=1.0), 1.0, math.inf),
    (Empirical(samples=[1, 2, 3, 6]), 3.0, 3.5 / 9),
    (Empirical(cdf=[(0, 0), (1, 0.5), (3, 1)]), 1.25, (14 / 6 - 1.25**2) / 1.25**2),
])
def test_distribution_moments_and_round_trip(dist: tiersim.Distribution, mean: float, scv: float) -> None:
    assert dist.mean == pytest.approx(mean)
    assert dist.scv == pytest.approx(scv)
    data = dist.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert distribution_from_dict(data) == dist
    assert distribution_from_dict(data).to_dict() == data


def test_hyperexponential_balanced_fit_has_the_asked_moments() -> None:
    h = Hyperexponential(mean=2.0, scv=9.0)
    assert h.p * h.mean1 == pytest.approx((1 - h.p) * h.mean2)  # balanced means
    alt = Hyperexponential.from_phases(h.p, h.mean1, h.mean2)
    assert alt.mean == pytest.approx(2.0) and alt.scv == pytest.approx(9.0)


@pytest.mark.parametrize("make, words", [
    (lambda: Exponential(), "exactly one of mean or rate"),
    (lambda: Exponential(mean=1, rate=1), "exactly one of mean or rate"),
    (lambda: Exponential(rate=-2), "rate = -2"),
    (lambda: Uniform(2, 1), "high >= low"),
    (lambda: Erlang(k=0, mean=1), "k = 0"),
    (lambda: Hyperexponential(mean=1, scv=0.5), "scv = 0.5"),
    (lambda: Pareto(alpha=1, mean=1), "alpha = 1"),
    (lambda: Empirical(samples=[]), "samples is empty"),
    (lambda: Empirical(cdf=[(0, 0), (1, 0.9)]), r"F\[last\] = 0.9"),
    (lambda: Deterministic("1"), "expected a number"),  # type: ignore[arg-type]
])
def test_bad_distribution_parameters_raise_model_error(make, words: str) -> None:
    with pytest.raises(ModelError, match=words):
        make()


def test_distribution_from_dict_names_unknown_forms() -> None:
    assert distribution_from_dict(0.25) == Deterministic(0.25)
    with pytest.raises(ModelError, match="unknown distribution 'gamma'"):
        distribution_from_dict({"dist": "gamma", "mean": 1})
    with pytest.raises(ModelError, match="unknown parameter 'rate'"):
        distribution_from_dict({"dist": "erlang", "k": 2, "rate": 1})


@pytest.mark.parametrize("module", ["errors", "distributions", "model", "io", "results", "report", "cli"])
def test_docstring_examples_run(module: str) -> None:
    mod = importlib.import_module(f"tiersim.{module}")
    failed, tried = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert tried > 0
    assert failed == 0


def test_package_exports() -> None:
    from tiersim import _core

    assert tiersim.__version__ == _core.__version__
    for name in ("Model", "ClassBuilder", "load", "loads", "Results", "ModelError", "Exponential", "Empirical",
                 "distribution_from_dict"):
        assert name in tiersim.__all__ and hasattr(tiersim, name), name
    assert tiersim.ModelError is tiersim.errors.ModelError
    if "analytic" in tiersim.__all__:  # tiersim.analytic is imported on first use
        assert tiersim.analytic.__name__ == "tiersim.analytic"
    with pytest.raises(AttributeError):
        tiersim.no_such_name  # noqa: B018
