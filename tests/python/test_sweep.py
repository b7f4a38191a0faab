# Model variants, parameter sweeps on every kind of executor, the hockey stick against M/M/1 theory,
# and the `tiersim sweep` command.
from __future__ import annotations

import concurrent.futures as cf
import doctest
import importlib
import json
import math
from typing import Any

import pandas as pd
import pytest

import tiersim
from tiersim import ModelError, SweepResults, load_sweep, sweep
from tiersim.distributions import distribution_from_dict
from tiersim.variants import (
    arrival_rate,
    scale_distribution,
    scale_load,
    with_arrival_rate,
    with_pool_capacity,
    with_population,
    with_servers,
    with_speed,
)

from conftest import TINY_YAML, mm1_model


def comparable(s: SweepResults) -> dict[str, Any]:
    """The sweep document without wall-clock times (the only field that may differ between runs)."""
    d = s.to_dict()
    for p in d["points"]:
        p["run"].pop("wall_seconds", None)
    return d


def open_model(interarrival: Any) -> tiersim.Model:
    m = tiersim.Model("one").station("cpu")
    m.open_class("q", interarrival).visit("cpu", tiersim.Exponential(mean=0.1))
    return m.set_run(until=1000, seed=3)


CLOSED = tiersim.Model("closed").station("cpu", discipline="ps").station("disk").pool("conn", 4)
(CLOSED.closed_class("users", 10, think=tiersim.Exponential(mean=1.0))
 .acquire("conn").visit("cpu", tiersim.Exponential(mean=0.02)).visit("disk", tiersim.Exponential(mean=0.05))
 .release("conn"))
CLOSED.set_run(until=400, warmup=40, replications=2, seed=5)


# -- variants ----------------------------------------------------------------------


INTERARRIVALS = [
    tiersim.Exponential(rate=2.0),
    tiersim.Exponential(mean=0.5),
    tiersim.Deterministic(0.5),
    0.5,
    tiersim.Uniform(0.2, 0.8),
    tiersim.Erlang(k=3, mean=0.5),
    tiersim.Hyperexponential(mean=0.5, scv=4),
    tiersim.Hyperexponential.from_phases(0.9, 0.3, 2.3),
    tiersim.Lognormal(mean=0.5, cv=2.0),
    tiersim.Pareto(alpha=2.5, mean=0.5),
    tiersim.Empirical(samples=[0.2, 0.4, 0.9]),
    tiersim.Empirical(cdf=[(0.1, 0), (0.5, 0.5), (1.0, 1)]),
]


@pytest.mark.parametrize("interarrival", INTERARRIVALS, ids=lambda d: getattr(d, "dist", "number"))
def test_with_arrival_rate_sets_the_rate_and_keeps_the_family_and_shape(interarrival: Any) -> None:
    m = open_model(interarrival)
    before = m.to_dict()
    old = distribution_from_dict(before["classes"][0]["interarrival"])
    out = with_arrival_rate(m, 8.0)
    assert m.to_dict() == before  # never mutates
    assert isinstance(out, tiersim.Model) and out is not m
    new_data = out.to_dict()["classes"][0]["interarrival"]
    new = distribution_from_dict(new_data)
    assert new.mean == pytest.approx(1 / 8.0, rel=1e-12)
    assert type(new) is type(old)
    assert new.scv == pytest.approx(old.scv, rel=1e-9)
    assert arrival_rate(out) == pytest.approx(8.0)
    if isinstance(interarrival, tiersim.Exponential) and "rate" in interarrival.to_dict():
        assert new_data == {"dist": "exponential", "rate": 8.0}
    out.check()  # still a valid model


def test_scale_distribution_multiplies_every_time() -> None:
    assert scale_distribution({"dist": "hyperexponential", "p": 0.5, "mean1": 1, "mean2": 3}, 2) == {
        "dist": "hyperexponential", "p": 0.5, "mean1": 2, "mean2": 6}
    assert scale_distribution({"dist": "empirical", "cdf": [[1, 0], [2, 1]]}, 3) == {
        "dist": "empirical", "cdf": [[3, 0], [6, 1]]}
    assert scale_distribution({"dist": "erlang", "k": 2, "mean": 1.5}, 2) == {"dist": "erlang", "k": 2, "mean": 3.0}
    with pytest.raises(ModelError, match="gamma"):
        scale_distribution({"dist": "gamma", "mean": 1}, 2)
    with pytest.raises(ValueError, match="factor"):
        scale_distribution(1.0, 0)


def test_arrival_rate_of_several_open_classes_keeps_the_mix() -> None:
    m = tiersim.Model().station("s")
    m.open_class("a", tiersim.Exponential(rate=1.0)).visit("s", 0.01)
    m.open_class("b", tiersim.Uniform(0.25, 0.75)).visit("s", 0.01)  # rate 2
    m.closed_class("c", 3, think=1.0).visit("s", 0.01)
    out = with_arrival_rate(m, 30.0)
    assert arrival_rate(out, "a") == pytest.approx(10.0)
    assert arrival_rate(out, "b") == pytest.approx(20.0)
    only_a = with_arrival_rate(m, 5.0, cls="a")
    assert arrival_rate(only_a, "a") == pytest.approx(5.0) and arrival_rate(only_a, "b") == pytest.approx(2.0)
    scaled = scale_load(m, 3)
    assert arrival_rate(scaled) == pytest.approx(9.0)
    assert scaled.to_dict()["classes"][2] == m.to_dict()["classes"][2]  # closed class untouched
    with pytest.raises(ModelError, match="closed") as e:
        with_arrival_rate(m, 1.0, cls="c")
    assert e.value.path == "classes[2].type"
    with pytest.raises(KeyError, match="did you mean 'a'"):
        with_arrival_rate(m, 1.0, cls="aa")
    with pytest.raises(ValueError, match="rate"):
        with_arrival_rate(m, -1.0)
    with pytest.raises(ModelError, match="no open class"):
        scale_load(CLOSED, 2)


def test_population_servers_speed_and_pools_change_only_their_field() -> None:
    before = CLOSED.to_dict()
    assert with_population(CLOSED, 150).to_dict()["classes"][0]["population"] == 150
    two = with_servers(CLOSED, "disk", 2)
    fast = with_speed(CLOSED, "cpu", 2.5)
    big = with_pool_capacity(CLOSED, "conn", 16)
    assert CLOSED.to_dict() == before
    assert [s.get("servers", 1) for s in two.to_dict()["stations"]] == [1, 2]
    assert fast.to_dict()["stations"][0]["speed"] == 2.5
    assert big.to_dict()["pools"] == [{"name": "conn", "capacity": 16}]
    for changed in (two, fast, big):
        d = changed.to_dict()
        assert d["classes"] == before["classes"]
    with pytest.raises(KeyError, match="no station named 'dsk'; did you mean 'disk'"):
        with_servers(CLOSED, "dsk", 2)
    with pytest.raises(KeyError, match="no pool"):
        with_pool_capacity(CLOSED, "threads", 2)
    with pytest.raises(ValueError, match="n: expected an integer >= 1"):
        with_servers(CLOSED, "disk", 0)
    with pytest.raises(ModelError, match="no closed class"):
        with_population(mm1_model(), 5)
    delay = tiersim.Model().station("net", discipline="delay")
    with pytest.raises(ModelError, match="delay station"):
        with_servers(delay, "net", 2)


def test_population_of_several_closed_classes_is_shared_in_proportion() -> None:
    m = tiersim.Model().station("s")
    m.closed_class("a", 10, think=1.0).visit("s", 0.01)
    m.closed_class("b", 30, think=1.0).visit("s", 0.01)
    pops = [c["population"] for c in with_population(m, 100).to_dict()["classes"]]
    assert pops == [25, 75]
    pops = [c["population"] for c in with_population(m, 3).to_dict()["classes"]]
    assert sum(pops) == 3 and min(pops) >= 1
    assert [c["population"] for c in with_population(m, 7, cls="a").to_dict()["classes"]] == [7, 30]


def test_variants_compose_and_run() -> None:
    m = with_speed(with_servers(with_arrival_rate(mm1_model(until=2000, replications=2), 1.5), "cpu", 2), "cpu", 1.0)
    r = m.run(progress=False)
    assert r.stations.loc[0, "utilization"] == pytest.approx(0.75, abs=0.05)


# -- sweeps ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial_sweep() -> SweepResults:
    return load_sweep(CLOSED, users=[2, 10, 30], executor=cf.ThreadPoolExecutor(1), progress=False)


def test_sweep_is_identical_on_threads_processes_and_serially(serial_sweep: SweepResults) -> None:
    default = load_sweep(CLOSED, users=[2, 10, 30], progress=False)
    with cf.ProcessPoolExecutor(2) as pool:
        processes = load_sweep(CLOSED, users=[2, 10, 30], executor=pool, progress=False)
    assert comparable(default) == comparable(serial_sweep)
    assert comparable(processes) == comparable(serial_sweep)
    # Each point runs with one thread, with the model's own seed.
    assert {p.run_info["threads"] for p in serial_sweep.points} == {1}
    assert {p.run_info["seed"] for p in serial_sweep.points} == {5}


def test_a_point_equals_the_same_model_run_alone(serial_sweep: SweepResults) -> None:
    alone = with_population(CLOSED, 10).run(threads=2, progress=False).to_dict()
    in_sweep = serial_sweep.result(10).to_dict()
    for d in (alone, in_sweep):
        d["run"].pop("wall_seconds")
        d["run"].pop("threads")
    assert alone == in_sweep


def test_sweep_tables_have_the_label_first(serial_sweep: SweepResults) -> None:
    s = serial_sweep
    assert s.label == "users" and s.values == [2, 10, 30] and len(s) == 3
    for name, single in (("stations", s[0].stations), ("pools", s[0].pools), ("classes", s[0].classes),
                         ("steps", s[0].steps)):
        df = getattr(s, name)
        assert list(df.columns) == ["users", *single.columns]
        assert len(df) == 3 * len(single)
        assert df.dtypes.drop("users").equals(single.dtypes)
    assert s.stations["users"].tolist() == [2, 2, 10, 10, 30, 30]
    assert s.bottlenecks.columns.tolist() == ["users", "station", "utilization", "saturation_throughput",
                                              "saturated"]
    assert s.bottlenecks["station"].tolist() == ["disk"] * 3
    x = s.classes["throughput"].tolist()
    assert x[0] < x[1] < x[2] <= 20.5  # X <= 1/D_max = 20/s
    assert s.summary_frame()["class"].tolist() == ["users"] * 3


def test_sweep_documents_round_trip(serial_sweep: SweepResults, tmp_path) -> None:
    s = serial_sweep
    again = SweepResults.from_json(s.to_json())
    assert again.to_dict() == s.to_dict()
    pd.testing.assert_frame_equal(again.classes, s.classes)
    assert json.loads(s.to_json())["points"][1] == json.loads(s[1].to_json())
    written = s.to_csv(tmp_path / "out")
    assert [p.name for p in written] == ["stations.csv", "pools.csv", "classes.csv", "steps.csv", "bottlenecks.csv"]
    assert pd.read_csv(written[2]).columns[0] == "users"
    html = s._repr_html_()
    assert "<table" in html and "closed" in html
    text = s.summary()
    assert "users" in text and "disk" in text and len(text.splitlines()) == 1 + 2 + 3
    assert "3 points over users" in repr(s)


def test_sweep_with_explicit_points_and_vary() -> None:
    base = mm1_model(until=2000, replications=2)
    by_label = sweep(base, {"slow": with_speed(base, "cpu", 0.8), "fast": with_speed(base, "cpu", 2.0)},
                     label="variant", progress=False)
    assert by_label.values == ["slow", "fast"]
    u = by_label.stations.set_index("variant")["utilization"]
    assert u["slow"] == pytest.approx(0.625, abs=0.05) and u["fast"] == pytest.approx(0.25, abs=0.03)
    no_base = sweep([base, with_speed(base, "cpu", 2.0)], progress=False)
    assert no_base.values == [0, 1] and no_base.model == "mm1"
    varied = sweep(base, vary=lambda m, n: with_servers(m, "cpu", n), values=(1, 2), label="cpus",
                   overrides={"max_completions": 500}, progress=False)
    assert varied.classes["completions"].tolist() == [500.0, 500.0]


def test_sweep_overrides_apply_to_every_point() -> None:
    s = load_sweep(mm1_model(), rates=[0.2, 0.4], until=500, warmup=50, replications=3, seed=11, progress=False)
    for p in s.points:
        assert p.run_info["until"] == 500 and p.run_info["replications"] == 3 and p.run_info["seed"] == 11


def test_sweep_reports_progress_per_point() -> None:
    calls: list[tuple[int, int]] = []
    load_sweep(mm1_model(until=300, replications=1), rates=[0.1, 0.2, 0.3], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_sweep_rejects_bad_input_before_running() -> None:
    m = mm1_model()
    with pytest.raises(ModelError, match=r"sweep point rate=0\.5") as e:
        load_sweep(m, rates=[0.5], warmup=50000, progress=False)
    assert e.value.path.startswith("run")
    with pytest.raises(TypeError, match="exactly one"):
        load_sweep(m, rates=[1], users=[1])
    with pytest.raises(TypeError, match="vary and values"):
        sweep(m, vary=lambda m, v: m)
    with pytest.raises(ValueError, match="already a column"):
        sweep(m, vary=with_servers, values=[1], label="servers")
    with pytest.raises(ValueError, match="no points"):
        sweep(m, [])
    with pytest.raises(TypeError, match="executor"):
        sweep(m, [m], executor=object(), progress=False)
    with pytest.raises(TypeError, match="sweep point 0"):
        sweep(m, [m.to_dict()])  # type: ignore[list-item]


def test_saturated_points_are_reported_not_fatal() -> None:
    m = mm1_model(until=3000, replications=1)
    s = load_sweep(m, rates=[0.5, 1.5], progress=False)
    assert s.bottlenecks["saturated"].tolist() == [False, True]
    assert "SATURATED" in s.summary()


# -- the hockey stick against theory ------------------------------------------------------


def test_mm1_hockey_stick_matches_theory_within_ci() -> None:
    # M/M/1 with mu = 1: R(lambda) = 1/(1 - lambda); at rho = 0.9 the relaxation time is a few hundred
    # time units, so replications are long.
    rates = [0.3, 0.5, 0.7, 0.9]
    s = load_sweep(mm1_model(until=60000, warmup=2000, replications=10, seed=1), rates=rates, progress=False)
    c = s.classes
    assert c["rate"].tolist() == rates
    assert c["response_mean"].is_monotonic_increasing
    for _, row in c.iterrows():
        theory = 1 / (1 - row["rate"])
        assert row["response_mean_lo"] <= theory <= row["response_mean_hi"], (row["rate"], theory, row.to_dict())
        assert row["throughput"] == pytest.approx(row["rate"], rel=0.02)
    u = s.stations["utilization"].to_numpy()
    assert u == pytest.approx(rates, rel=0.02)


# -- docstrings and the command line ------------------------------------------------------------


@pytest.mark.parametrize("module", ["variants", "sweep", "plots"])
def test_docstring_examples_run(module: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    mod = importlib.import_module(f"tiersim.{module}")
    failed, tried = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert tried > 0
    assert failed == 0


def test_package_exports_sweeps() -> None:
    for name in ("sweep", "load_sweep", "SweepResults", "variants", "plots"):
        assert name in tiersim.__all__ and hasattr(tiersim, name)


def test_cli_sweep_prints_a_table_per_load(run_cli, write_model) -> None:
    path = write_model(TINY_YAML)
    p = run_cli("sweep", path, "--rates", "0.5,1:2:0.5", "--until", "500", "--replications", "2")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "sweep of model 'tiny' over rate (4 points)"
    assert lines[1].split() == ["rate", "class", "X", "(/s)", "R", "mean", "(s)", "p95", "(s)", "bottleneck", "util"]
    assert [line.split()[0] for line in lines[3:7]] == ["0.5", "1", "1.5", "2"]


def test_cli_sweep_json_csv_and_plot(run_cli, write_model, tmp_path) -> None:
    path = write_model(TINY_YAML)
    p = run_cli("sweep", path, "--rates", "0.5,1", "--until", "500", "--json", "--csv", "out", "--plot", "load.png",
                "--workers", "1")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["label"] == "rate" and doc["values"] == [0.5, 1.0] and len(doc["points"]) == 2
    assert doc["points"][0]["classes"][0]["throughput"] == pytest.approx(0.5, rel=0.15)
    assert (tmp_path / "out" / "classes.csv").exists()
    assert (tmp_path / "load.png").stat().st_size > 10000


def test_cli_sweep_closed_users_and_errors(run_cli, write_model) -> None:
    closed = write_model(CLOSED.to_yaml(), "closed.yaml")
    p = run_cli("sweep", closed, "--users", "1:5:2", "--no-progress")
    assert p.returncode == 0, p.stderr
    assert [line.split()[0] for line in p.stdout.splitlines()[3:]] == ["1", "3", "5"]
    bad = run_cli("sweep", closed, "--rates", "1,2")
    assert bad.returncode == 2 and "no open class" in bad.stderr and "Traceback" not in bad.stderr
    bad = run_cli("sweep", closed, "--users", "5", "--class", "userz")
    assert bad.returncode == 2 and "did you mean 'users'" in bad.stderr
    bad = run_cli("sweep", closed, "--users", "1.5")
    assert bad.returncode == 2 and "not an integer" in bad.stderr
    bad = run_cli("sweep", closed)
    assert bad.returncode == 2 and "--rates" in bad.stderr
