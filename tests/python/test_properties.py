# Property tests: hypothesis generates random valid models (stations of every
# discipline, nested pools, open and closed classes, branches and loops, every
# distribution family) and checks the laws every run must obey.
#
# How the checks stay sound on short runs. Every run starts empty (warmup 0),
# so the only boundary effect is the work still in the system at the end:
#   - Little per station, exact form: area under the number present =
#     sum of completed visits' residence + ages of the visits still present.
#     The results give both sides without a product of means:
#     L = area / T and sum_c X_c * residence_c,k = (sum of completed
#     residence) / T (steps' wait+service are totals / completions, X_c is
#     completions / T). So 0 <= L - sum_c X_c residence_c,k, and the excess is
#     the ages of the visits present at the end, over T: we allow 1 % plus
#     10 (L + 1) R / T (ten mean residences for each request present).
#   - Utilization law, same form: U c - sum_c X_c service_c,k >= 0 is the work
#     in progress at the end, over T.
#   - The classic L = X R (means across replications, so a product of means)
#     holds within 5 % plus the same end slack.
#   - Flow: arrivals - completions - losses is what is still inside: >= 0, at
#     most the population (closed) or run.max_in_system (open, always), and
#     for the stable models generated here a small multiple of X R.
# Models are generated stable: open load <= 55 % and closed load <= 25 % of
# every queueing station, pools sized well above their expected holding, nested
# pools always taken in one global order (no deadlock), so no run saturates.
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

import tiersim

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

UNTIL = 200.0
REPLICATIONS = 2
MAX_IN_SYSTEM = 100000

SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------- generation


def _log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log(lo), math.log(hi)).map(lambda x: round(math.exp(x), 6))


@st.composite
def distributions(draw: Any, mean: float) -> tuple[Any, float, float]:
    """A distribution of the given mean from a random family: (model data, mean, SCV bound for estimates)."""
    family = draw(st.sampled_from(["number", "deterministic", "exponential", "exponential_rate", "uniform",
                                   "erlang", "hyper_scv", "hyper_p", "lognormal", "pareto", "samples", "cdf"]))
    if family == "number":
        return mean, mean, 0.0
    if family == "deterministic":
        return {"dist": "deterministic", "value": mean}, mean, 0.0
    if family == "exponential":
        return {"dist": "exponential", "mean": mean}, mean, 1.0
    if family == "exponential_rate":
        rate = round(1 / mean, 6)
        return {"dist": "exponential", "rate": rate}, 1 / rate, 1.0
    if family == "uniform":
        w = draw(st.floats(0, 1))
        lo, hi = round(mean * (1 - w), 9), round(mean * (1 + w), 9)
        return {"dist": "uniform", "low": lo, "high": hi}, (lo + hi) / 2, 1 / 3
    if family == "erlang":
        return {"dist": "erlang", "k": draw(st.integers(1, 6)), "mean": mean}, mean, 1.0
    if family == "hyper_scv":
        scv = round(draw(st.floats(1, 5)), 3)
        return {"dist": "hyperexponential", "mean": mean, "scv": scv}, mean, scv
    if family == "hyper_p":
        p = round(draw(st.floats(0.1, 0.9)), 3)
        r = round(draw(st.floats(0.2, 1.0)), 3)
        m1 = mean * r
        m2 = (mean - p * m1) / (1 - p)
        m = p * m1 + (1 - p) * m2
        scv = 2 * (p * m1 ** 2 + (1 - p) * m2 ** 2) / m ** 2 - 1
        return {"dist": "hyperexponential", "p": p, "mean1": m1, "mean2": m2}, m, scv
    if family == "lognormal":
        cv = round(draw(st.floats(0.2, 2.0)), 3)
        return {"dist": "lognormal", "mean": mean, "cv": cv}, mean, cv * cv
    if family == "pareto":
        alpha = round(draw(st.floats(2.2, 4.0)), 3)
        return {"dist": "pareto", "alpha": alpha, "mean": mean}, mean, 1 / (alpha * (alpha - 2))
    if family == "samples":
        us = draw(st.lists(st.integers(0, 20), min_size=1, max_size=8))
        if sum(us) == 0:
            us[0] = 1
        xs = [round(u * mean * len(us) / sum(us), 9) for u in us]  # sample mean = mean
        m = sum(xs) / len(xs)
        var = sum((x - m) ** 2 for x in xs) / len(xs)
        return {"dist": "empirical", "samples": xs}, m, var / m ** 2
    # A piecewise-linear CDF through increasing points.
    n = draw(st.integers(2, 5))
    steps = draw(st.lists(st.floats(0.1, 1.0), min_size=n - 1, max_size=n - 1))
    xs = [0.0]
    for s in steps:
        xs.append(xs[-1] + s)
    fs = [0.0] + sorted(draw(st.lists(st.floats(0, 1), min_size=n - 2, max_size=n - 2))) + [1.0]
    fs = [round(f, 6) for f in fs]
    m1 = sum((fs[i] - fs[i - 1]) * (xs[i - 1] + xs[i]) / 2 for i in range(1, n))
    if m1 <= 0:
        return {"dist": "exponential", "mean": mean}, mean, 1.0
    scale = mean / m1
    xs = [round(x * scale, 9) for x in xs]
    for i in range(1, n):  # rounding must keep x strictly increasing
        if xs[i] <= xs[i - 1]:
            xs[i] = xs[i - 1] + 1e-9
    m1 = sum((fs[i] - fs[i - 1]) * (xs[i - 1] + xs[i]) / 2 for i in range(1, n))
    m2 = sum((fs[i] - fs[i - 1]) * (xs[i - 1] ** 2 + xs[i - 1] * xs[i] + xs[i] ** 2) / 3 for i in range(1, n))
    return {"dist": "empirical", "cdf": [[x, f] for x, f in zip(xs, fs)]}, m1, max(0.0, m2 - m1 * m1) / m1 ** 2


@st.composite
def blocks(draw: Any, n_stations: int, n_pools: int, depth: int, min_pool: int) -> list[tuple]:
    """A well-formed route body: visits, delays, and pool blocks (acquire, body, release).

    Pools nest only in increasing index order, so two classes can never wait
    for each other's pools in a cycle.
    """
    out: list[tuple] = []
    for _ in range(draw(st.integers(1, 3))):
        kinds = ["visit", "visit", "delay"]
        if depth < 2 and min_pool < n_pools:
            kinds.append("pool")
        kind = draw(st.sampled_from(kinds))
        if kind == "visit":
            out.append(("visit", draw(st.integers(0, n_stations - 1)), draw(_log_uniform(0.005, 0.05))))
        elif kind == "delay":
            out.append(("delay", draw(_log_uniform(0.005, 0.05))))
        else:
            pool = draw(st.integers(min_pool, n_pools - 1))
            tokens = draw(st.integers(1, 2))
            body = draw(blocks(n_stations, n_pools, depth + 1, pool + 1))
            out.append(("pool", pool, tokens, body))
    return out


@st.composite
def routes(draw: Any, ci: int, n_stations: int, n_pools: int) -> list[dict[str, Any]]:
    """Flat steps of one class with explicit ids, plus random loops and skips that keep holdings consistent."""
    body = draw(blocks(n_stations, n_pools, 0, 0))
    steps: list[dict[str, Any]] = []
    # (index in steps, list it belongs to, position in that list) of every visit/delay.
    branchable: list[tuple[int, list[int], int, str | None]] = []

    def emit(items: list[tuple], end_target: str | None) -> list[int]:
        """Appends the steps of `items`; returns the step index where each block starts."""
        starts: list[int] = []
        pending: list[tuple[int, int]] = []
        for pos, item in enumerate(items):
            starts.append(len(steps))
            sid = f"c{ci}s{len(steps)}"
            if item[0] == "visit":
                _, station, mean = item
                dist = draw(distributions(mean))
                steps.append({"id": sid, "visit": f"s{station}", "service": dist[0], "_mean": dist[1],
                              "_scv": dist[2]})
                pending.append((len(steps) - 1, pos))
            elif item[0] == "delay":
                dist = draw(distributions(item[1]))
                steps.append({"id": sid, "delay": dist[0], "_mean": dist[1], "_scv": dist[2]})
                pending.append((len(steps) - 1, pos))
            else:
                _, pool, tokens, inner = item
                steps.append({"id": sid, "acquire": f"p{pool}", "tokens": tokens})
                release_id = f"c{ci}rel{len(steps) - 1}"
                emit(inner, release_id)
                steps.append({"id": release_id, "release": f"p{pool}", "tokens": tokens})
        for index, pos in pending:
            branchable.append((index, starts, pos, end_target))
        return starts

    emit(body, "exit")

    # Default next: the following step; the last one exits. Add a loop back to
    # a block start at or before this one, or a skip to a later block start (or
    # the end of the list: its release, or exit). Same list = same holdings.
    for index, starts, pos, end_target in branchable:
        fall = steps[index + 1]["id"] if index + 1 < len(steps) else "exit"
        choice = draw(st.sampled_from(["none", "none", "loop", "skip"]))
        if choice == "loop":
            to = steps[starts[draw(st.integers(0, pos))]]["id"]
            p = round(draw(st.floats(0.05, 0.5)), 3)
        elif choice == "skip":
            targets = [steps[s]["id"] for s in starts[pos + 2:]] + [end_target]
            to = draw(st.sampled_from(targets))
            if to == fall:
                continue
            p = round(draw(st.floats(0.1, 0.6)), 3)
        else:
            continue
        steps[index]["next"] = [{"to": to, "p": p}, {"to": fall, "p": round(1 - p, 3)}]
    return steps


def visit_ratios(steps: list[dict[str, Any]]) -> np.ndarray:
    """Mean visits to each step per request: v = e_0 + P^T v."""
    n = len(steps)
    index = {s["id"]: i for i, s in enumerate(steps)}
    a = np.eye(n)
    for i, s in enumerate(steps):
        nxt = s.get("next") or [{"to": steps[i + 1]["id"] if i + 1 < n else "exit", "p": 1.0}]
        for e in nxt:
            if e["to"] != "exit":
                a[index[e["to"]], i] -= e["p"]
    rhs = np.zeros(n)
    rhs[0] = 1
    return np.linalg.solve(a, rhs)


@st.composite
def models(draw: Any) -> dict[str, Any]:
    """A random valid, stable model as plain data, with private `_`-keys for the checks."""
    n_st = draw(st.integers(1, 4))
    stations = []
    for k in range(n_st):
        disc = draw(st.sampled_from(["fcfs", "ps", "priority", "delay"]))
        s: dict[str, Any] = {"name": f"s{k}", "discipline": disc}
        if disc != "delay":
            s["servers"] = draw(st.integers(1, 4))
        s["speed"] = draw(st.sampled_from([0.5, 1.0, 1.5, 2.0]))
        if draw(st.integers(0, 3)) == 0:
            s["capacity"] = s.get("servers", 1) + draw(st.integers(0, 15))
        stations.append(s)
    n_pools = draw(st.integers(0, 2))
    n_cls = draw(st.integers(1, 3))
    classes = []
    for c in range(n_cls):
        closed = draw(st.booleans())
        steps = draw(routes(c, n_st, n_pools))
        cls: dict[str, Any] = {"name": f"k{c}", "type": "closed" if closed else "open",
                               "priority": draw(st.integers(0, 2)), "steps": steps}
        v = visit_ratios(steps)
        # Demand per server at each queueing station, per request.
        demand = np.zeros(n_st)
        for i, s in enumerate(steps):
            if "visit" in s:
                k = int(s["visit"][1:])
                if stations[k]["discipline"] != "delay":
                    demand[k] += v[i] * s["_mean"] / stations[k]["speed"] / stations[k]["servers"]
        cls["_visits"], cls["_demand"] = v, demand
        if closed:
            cls["population"] = draw(st.integers(1, 8))
        else:
            cls["_weight"] = draw(st.floats(0.2, 1.0))
        classes.append(cls)

    # Open rates: the busiest queueing station gets `rho` of open load.
    rho = draw(st.floats(0.1, 0.55))
    open_cls = [c for c in classes if c["type"] == "open"]
    load = sum(c["_weight"] * c["_demand"] for c in open_cls) if open_cls else np.zeros(n_st)
    scale = rho / load.max() if load.max() > 0 else 20.0
    for c in open_cls:
        rate = round(min(c["_weight"] * scale, 100.0), 6)  # at most ~20000 arrivals a replication
        dist = draw(distributions(round(1 / rate, 6)))
        c["interarrival"], c["_lambda"] = dist[0], 1 / dist[1]
    # Closed think times: together the closed classes use at most 25 % of any
    # station, since each user's throughput is at most 1 / think.
    closed_cls = [c for c in classes if c["type"] == "closed"]
    for c in closed_cls:
        z = max(0.05, c["population"] * c["_demand"].max() / (0.25 / len(closed_cls)))
        dist = draw(distributions(round(z * draw(st.floats(1.0, 2.0)), 6)))
        c["think"], c["_think"] = dist[0], dist[1]

    # Pools: capacity well above the expected tokens held (Little: rate x
    # holding time x tokens), with residence per visit estimated pessimistically.
    util = np.zeros(n_st)
    for c in classes:
        rate = c.get("_lambda", 0.0) or c.get("population", 0) / max(c.get("_think", 1.0), 1e-9)
        util += rate * c["_demand"]
    util = np.minimum(util, 0.85)
    pools = []
    for p in range(n_pools):
        need, single = 0.0, 1
        for c in classes:
            rate = c.get("_lambda") or c["population"] / c["_think"]
            v = c["_visits"]
            held = 0.0  # token-seconds per request
            open_acq: list[tuple[int, int]] = []  # (step index, tokens) of p's acquires being held
            for i, s in enumerate(c["steps"]):
                if s.get("acquire") == f"p{p}":
                    single = max(single, s["tokens"])
                    open_acq.append((i, s["tokens"]))
                elif s.get("release") == f"p{p}":
                    open_acq.pop()
                elif open_acq and "_mean" in s:
                    factor = 1.0
                    if "visit" in s:
                        k = int(s["visit"][1:])
                        if stations[k]["discipline"] != "delay":
                            factor = 1 + util[k] / (1 - util[k]) * (1 + s["_scv"]) / 2
                        factor /= stations[k]["speed"]
                    held += sum(t for _, t in open_acq) * v[i] * s["_mean"] * factor
            if c["type"] == "closed":
                need += min(rate * held, c["population"] * 2 * 2)
            else:
                need += rate * held
        cap = int(math.ceil(single + draw(st.floats(2.0, 4.0)) * need)) + 1
        pools.append({"name": f"p{p}", "capacity": cap})

    return {"name": "generated", "run": {"until": UNTIL, "warmup": 0, "replications": REPLICATIONS,
                                         "seed": draw(st.integers(0, 2 ** 31)), "threads": 2,
                                         "max_in_system": MAX_IN_SYSTEM},
            "stations": stations, "pools": pools, "classes": classes}


def public(model: dict[str, Any]) -> dict[str, Any]:
    """The model data without the generator's private `_` keys."""
    if isinstance(model, dict):
        return {k: public(v) for k, v in model.items() if not k.startswith("_")}
    if isinstance(model, list):
        return [public(x) for x in model]
    return model


# ---------------------------------------------------------------- checks


def check_laws(model: dict[str, Any], r: tiersim.Results) -> None:
    stations, classes, steps = r.stations, r.classes.set_index("name"), r.steps
    T = r.run_info["simulated_time"]
    assert T == pytest.approx(UNTIL)
    assert not r.saturated, r.saturation
    assert not (r.to_dict().get("deadlock") or {}).get("detected", False), r.to_dict().get("deadlock")

    # Class throughput x per-request step figures, summed per station. Step
    # figures are per completed request: a class whose every request was lost
    # has none, so stations it visits cannot be attributed and are skipped.
    x_visits = {s["name"]: 0.0 for s in model["stations"]}
    x_service = dict(x_visits)
    x_residence = dict(x_visits)
    unattributed = set()
    for _, row in steps[steps["kind"] == "visit"].iterrows():
        x = classes.loc[row["class"], "throughput"]
        if not math.isfinite(x) or not math.isfinite(row["visits"]):
            unattributed.add(row["target"])
            continue
        x_visits[row["target"]] += x * row["visits"]
        x_service[row["target"]] += x * row["service"]
        x_residence[row["target"]] += x * row["residence"]

    for _, s in stations.iterrows():
        name, delay = s["name"], s["discipline"] == "delay"
        c = 1 if delay else int(s["servers"])
        U, X, L, R = s["utilization"], s["throughput"], s["mean_in_system"], s["mean_response"]
        assert U >= 0 and L >= 0 and X >= 0, s.to_dict()
        if not delay:
            assert U <= 1 + 1e-9, s.to_dict()
        assert s["mean_queue_length"] >= -1e-9 and s["mean_queue_length"] <= L + 1e-9
        if name in unattributed:
            continue
        # Forced flow: each completion at the station is some class's visit.
        assert X == pytest.approx(x_visits[name], rel=1e-9, abs=1e-12), name
        completions = X * T
        # Utilization law and Little, exact forms: the excess is what is still in
        # service / present at the end, so it is >= 0 and small relative to T.
        busy, work = U * c, x_service[name]
        assert busy >= work * (1 - 1e-9) - 1e-12, (name, busy, work)
        assert busy <= work * 1.01 + (c + L) * 10 * (work / max(X, 1e-12)) / T + 1e-9, (name, busy, work)
        resid = x_residence[name]
        assert L >= resid * (1 - 1e-9) - 1e-12, (name, L, resid)
        if completions >= 100:
            assert L <= resid * 1.01 + (L + 1) * 10 * R / T, (name, L, resid)
            # Classic Little's law with means across replications.
            assert L == pytest.approx(X * R, rel=0.05, abs=(L + 1) * 20 * R / T), (name, L, X, R)

    for _, p in r.pools.iterrows():
        assert -1e-9 <= p["utilization"] <= 1 + 1e-9, p.to_dict()
        assert p["mean_held"] <= p["capacity"] + 1e-9

    # Flow conservation per class, and every loss counted at a station too.
    assert classes["losses"].sum() == pytest.approx(stations["losses"].sum(), abs=1e-9)
    spec = {c["name"]: c for c in model["classes"]}
    for name, c in classes.iterrows():
        inside = c["arrivals"] - c["completions"] - c["losses"]
        assert inside >= -1e-9, (name, c.to_dict())
        if c["type"] == "closed":
            assert inside <= spec[name]["population"] + 1e-9, (name, inside)
        else:
            assert inside <= MAX_IN_SYSTEM
            # Stable: what is inside at the end is about lambda x response.
            xr = c["throughput"] * c["response_mean"] if c["completions"] > 0 else 0.0
            assert inside <= 10 * xr + 20, (name, inside, xr)
        assert c["loss_probability"] >= 0 and c["loss_probability"] <= 1

    # Routing follows the probabilities: measured visits per request match the
    # traffic equations (lost requests cut routes short, so only loss-free classes).
    for name, c in classes.iterrows():
        if c["losses"] > 0 or c["completions"] < 300:
            continue
        v = spec[name]["_visits"]
        rows = steps[steps["class"] == name].reset_index(drop=True)
        for i, row in rows.iterrows():
            assert row["visits"] == pytest.approx(v[i], rel=0.1, abs=0.05), (name, row["id"], v[i])


@settings(max_examples=150, **SETTINGS)
@given(models())
def test_generated_models_run_and_obey_the_laws(model: dict[str, Any]) -> None:
    m = tiersim.Model.from_dict(public(model))
    r = m.run(progress=False)  # a valid model: no exception at all
    check_laws(model, r)


# ---------------------------------------------------------------- bad input

JUNK = [None, True, -1, 0, 0.5, 3, 1e9, 10 ** 400, 2 ** 64, "", "x", "exit", "s0", "p0", [], {}, [1, 2],
        {"dist": "x"}]


@st.composite
def mutated(draw: Any) -> dict[str, Any]:
    """A generated model with one value replaced or one key removed."""
    data = public(draw(models()))
    data["run"] = {}
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for k, v in items:
            paths.append((node, k))
            walk(v)

    walk(data)
    node, key = draw(st.sampled_from(paths))
    if isinstance(node, dict) and draw(st.booleans()):
        del node[key]
    else:
        node[key] = copy.deepcopy(draw(st.sampled_from(JUNK)))
    return data


@settings(max_examples=150, **SETTINGS)
@given(mutated())
def test_mutated_models_fail_only_with_model_error(data: dict[str, Any]) -> None:
    try:
        m = tiersim.Model.from_dict(data)
        r = m.run(until=20, warmup=0, replications=1, threads=1, max_in_system=5000, progress=False)
    except tiersim.ModelError as e:
        assert str(e), "a ModelError must say what is wrong"
        return
    assert r.run_info["replications"] == 1
