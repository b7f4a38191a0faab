# The layered solver (tiersim.layered) against the simulator on models with pools held
# across steps, and against exact MVA where the pools never bind. The errors asserted here
# are the ones docs/guides/finding-bottlenecks.md states.
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

import tiersim
from tiersim import _core
from tiersim.layered import NotApplicable, solve_layered
from tiersim.variants import with_population

ROOT = Path(__file__).resolve().parents[2]
THREE_TIER = ROOT / "examples" / "models" / "three_tier.yaml"
INFRA = ROOT / "examples" / "models" / "infra"


def analysis(model: Any) -> dict[str, Any]:
    return json.loads(_core.analyze_json(model._json_for_core()))


@lru_cache(maxsize=None)
def simulate(text: str, **run: Any) -> dict[str, Any]:
    return tiersim.loads(text).run(progress=False, **run).to_dict()


@pytest.mark.parametrize("users", [10, 50, 100, 150])
def test_three_tier_throughput_and_response_within_3_percent(users: int) -> None:
    # Thread pools of 20, 10 and 5 held across synchronous calls; from 100 users the
    # disk saturates and the queue moves up into the pools.
    model = with_population(tiersim.load(THREE_TIER), users)
    sol = solve_layered(analysis(model)["structure"])
    r = model.run(until=400, warmup=40, replications=4, seed=3, progress=False)
    c = r.classes.iloc[0]
    x, resp = float(sol.classes.loc[0, "throughput"]), float(sol.classes.loc[0, "response"])
    assert x == pytest.approx(float(c["throughput"]), rel=0.03)
    assert resp == pytest.approx(float(c["response_mean"]), rel=0.03)
    assert sol.bottleneck == "db_disk"


def test_where_pools_never_bind_it_is_exact_mva() -> None:
    text = THREE_TIER.read_text()
    for pool in ("capacity: 20", "capacity: 10", "capacity: 5"):
        assert pool in text
        text = text.replace(pool, "capacity: 500")
    model = tiersim.loads(text)
    a = analysis(model)
    sol = solve_layered(a["structure"])
    assert a["mva"]["method"].startswith("exact")
    assert float(sol.classes.loc[0, "throughput"]) == pytest.approx(a["mva"]["throughput"][0], rel=1e-6)
    assert float(sol.classes.loc[0, "response"]) == pytest.approx(a["mva"]["response"][0], rel=1e-6)


CLOSED_THREADS = """\
name: closed_threads
run: {until: 400, warmup: 40, replications: 4, seed: 2}
stations:
  - {name: cpu, servers: 4, discipline: ps}
  - {name: backend, discipline: delay}
pools:
  - {name: threads, capacity: 8}
classes:
  - name: users
    type: closed
    population: 60
    think: {dist: exponential, mean: 0.5}
    steps:
      - acquire: threads
      - {visit: cpu, service: {dist: exponential, mean: 0.01}}
      - {visit: backend, service: {dist: exponential, mean: 0.09}}
      - release: threads
"""


def test_a_thread_pool_that_binds_in_a_closed_model() -> None:
    # 8 threads each held 0.1 s (10 ms CPU + a 90 ms call): at most 80/s, while the CPU
    # could do 400/s; 60 users thinking 0.5 s ask for ~100/s.
    sol = solve_layered(analysis(tiersim.loads(CLOSED_THREADS))["structure"])
    assert (sol.bottleneck, sol.bottleneck_kind) == ("threads", "pool")
    ceiling = sol.resources.set_index("name").loc["threads", "ceiling"]
    assert ceiling == pytest.approx(80, rel=1e-6)
    doc = simulate(CLOSED_THREADS)
    c = doc["classes"][0]
    assert float(sol.classes.loc[0, "throughput"]) == pytest.approx(c["throughput"], rel=0.03)
    assert float(sol.classes.loc[0, "response"]) == pytest.approx(c["response"]["mean"], rel=0.05)
    # The simulation's verdict names the same pool, with the same ceiling.
    assert doc["bottleneck"]["station"] == "threads"
    assert doc["bottleneck"]["saturation_throughput"] == pytest.approx(ceiling, rel=0.05)


@pytest.mark.parametrize("name,pool", [("app_hot_row_before", "db_stock"),
                                       ("app_connections_before", "app1_conn_db"),
                                       ("app_threads_before", "app1_threads")])
def test_open_models_with_pools_within_10_percent(name: str, pool: str) -> None:
    # Open decomposition: M/G/C pools (Allen–Cunneen on the holding time's variability).
    text = (INFRA / f"{name}.yaml").read_text()
    model = tiersim.loads(text)
    sol = solve_layered(analysis(model)["structure"])
    assert sol.bottleneck == pool
    doc = simulate(text)
    c = doc["classes"][0]
    assert float(sol.classes.loc[0, "response"]) == pytest.approx(c["response"]["mean"], rel=0.10)
    sim_pool = next(p for p in doc["pools"] if p["name"] == pool)
    predicted = sol.resources.set_index("name").loc[pool]
    assert predicted["utilization"] == pytest.approx(sim_pool["utilization"], rel=0.03)
    assert predicted["wait"] == pytest.approx(sim_pool["mean_wait"], rel=0.15)
    assert predicted["ceiling"] == pytest.approx(doc["bottleneck"]["saturation_throughput"], rel=0.05)


def test_more_than_one_closed_class_is_out_of_its_class() -> None:
    text = CLOSED_THREADS.replace("classes:\n", "classes:\n  - {name: more, type: closed, population: 2, "
                                  "think: 1.0, steps: [{visit: cpu, service: 0.01}]}\n")
    with pytest.raises(NotApplicable, match="2 closed classes"):
        solve_layered(analysis(tiersim.loads(text))["structure"])
