"""Layered services from Python: the builder, the results tables and the report, checked
against theory (the C++ suite checks the engine's semantics in depth)."""
from __future__ import annotations

import tiersim as ts
from tiersim.report import format_report


def _replicated(replicas: int, rate: float) -> ts.Model:
    m = ts.Model("scale-out")
    app = m.service("app", replicas=replicas, threads=4).station("cpu")
    app.operation("handle").visit("cpu", ts.Exponential(mean=1.0))
    m.open_class("users", ts.Exponential(rate=rate)).call("app.handle")
    return m


def test_random_balancing_over_replicas_gives_each_an_mm1() -> None:
    r = _replicated(3, 2.1).run(until=20000, warmup=500, replications=8, seed=11, progress=False)
    # Each replica is an M/M/1 at rate 0.7 (thread pools of 4 never bind at this load).
    theory = 1 / (1.0 - 0.7)
    ops = r.operations.set_index("operation")
    lo, hi = ops.loc["handle", ["response_lo", "response_hi"]]
    half = (hi - lo) / 2
    assert abs(ops.loc["handle", "response"] - theory) <= 2 * half, (ops.loc["handle"], theory)
    assert half < 0.05 * theory
    cpu = r.stations.set_index("name").loc["app.cpu"]
    assert abs(cpu["utilization"] - 0.7) < 0.02
    reps = r.replicas
    assert sorted(reps[reps.kind == "station"]["replica"].tolist()) == [0, 1, 2]
    assert (reps[reps.kind == "station"]["resource"] == "cpu").all()


def test_the_report_lists_services_and_folds_replicas() -> None:
    r = _replicated(5, 2.0).run(until=500, warmup=50, replications=2, seed=3, progress=False)
    text = format_report(r.to_dict())
    assert "app.cpu x5" in text
    assert "Services" in text and "app.handle" in text


def test_builder_round_trips_through_the_model_file() -> None:
    m = _replicated(2, 1.0)
    back = ts.loads(m.to_yaml())
    assert back.to_dict() == m.to_dict()
    back.check()


def test_a_reply_in_a_class_is_refused_with_its_path() -> None:
    m = ts.Model("bad").station("cpu")
    m.open_class("q", 1.0).visit("cpu", 0.1).reply()
    try:
        m.check()
    except ts.ModelError as e:
        assert e.path == "classes[0].steps[1].reply"
        assert "only an operation's steps can reply" in str(e)
    else:
        raise AssertionError("a reply in a class was accepted")


def test_analyze_sees_the_demand_inside_services_and_scales_a_tier_out(tmp_path) -> None:
    from tiersim.analysis import migrate, operational

    m = ts.Model("tiers")
    m.service("app", replicas=2).station("cpu").operation("op").visit("cpu", ts.Exponential(mean=0.01)) \
        .call("db.q", count=2)
    m.service("db").station("disk").operation("q").visit("disk", ts.Exponential(mean=0.004))
    m.open_class("users", ts.Exponential(rate=50)).call("app.op")
    a = operational(m)
    d = a.demands.set_index("station")
    # 2 calls of 4 ms at the db; 10 ms split over 2 app replicas.
    assert abs(d.loc["db.disk", "demand"] - 0.008) < 1e-12
    assert abs(d.loc["app[0].cpu", "demand"] - 0.005) < 1e-12
    chain = migrate(m, steps=1)
    assert chain.loc[1, "bottleneck"] != chain.loc[0, "bottleneck"] or chain.loc[1, "ceiling_throughput"] > \
        chain.loc[0, "ceiling_throughput"]
