# The bottleneck verdict (docs/guides/finding-bottlenecks.md): one definition for stations,
# pools and lock tables; the cause named with its ceiling, symptoms pointing to it, no
# threshold jumps; every *_before example names its documented kind and its *_after relieves it.
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

import tiersim
from tiersim import report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "models" / "infra"
SHORT = dict(until=200, warmup=20, replications=2, seed=5)


@lru_cache(maxsize=None)
def run_text(text: str, **kw: Any) -> dict[str, Any]:
    return tiersim.loads(text).run(progress=False, **{**SHORT, **kw}).to_dict()


def run_example(name: str, **changes: str) -> dict[str, Any]:
    text = (EXAMPLES / f"{name}.yaml").read_text()
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return run_text(text)


def resource(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in doc["resources"] if r["name"] == name)


# Each pair: the cause its *_before names (kind, name) as docs/guides/bottleneck-kinds.md
# documents it. The window-limited transfer is a response problem: nothing near a ceiling.
PAIRS = {
    "cpu": ("station", "app.cpu"),
    "memory": ("memory", "app.memory"),
    "disk_io": ("station", "db.disk"),
    "network_io": ("station", "gateway"),
    "app_threads": ("pool", "app.threads"),
    "app_connections": ("pool", "app.conn_db"),
    "app_hot_row": ("lock", "db_stock"),
}


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_each_before_names_its_documented_bottleneck(pair: str) -> None:
    kind, name = PAIRS[pair]
    b = run_example(f"{pair}_before")["bottleneck"]
    assert (b["kind"], b["station"], b["resource"]) == (kind, name, name)
    assert b["problem"] == "throughput"
    assert b["reason"]


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_each_after_relieves_it(pair: str) -> None:
    kind, name = PAIRS[pair]
    before, after = run_example(f"{pair}_before"), run_example(f"{pair}_after")
    b, a = before["bottleneck"], after["bottleneck"]
    assert a["station"] != name or a["problem"] == "response" or (
        a["saturation_throughput"] > 1.5 * b["saturation_throughput"])
    if kind == "memory":
        assert a["kind"] != "memory"
    else:
        # The remedy raised that resource's ceiling by half at least.
        assert resource(after, name)["ceiling"] > 1.5 * resource(before, name)["ceiling"]
    # ... and the users see it.
    assert after["classes"][0]["response"]["mean"] < before["classes"][0]["response"]["mean"]


def test_the_window_limited_transfer_is_a_response_problem_in_the_window() -> None:
    before, after = run_example("network_window_before"), run_example("network_window_after")
    b = before["bottleneck"]
    assert b["problem"] == "response"
    top = b["response"][0]
    assert top["kind"] == "delay" and "window" in top["name"] and top["share"] > 0.9
    assert "response-time problem" in b["reason"] and "window" in b["reason"]
    # Not the 1.6 %-busy WAN: it is the busiest station, with a ceiling 60x today's load.
    assert resource(before, "wan")["ceiling"] > 30 * before["classes"][0]["throughput"]
    assert after["classes"][0]["response"]["mean"] < before["classes"][0]["response"]["mean"] / 4


def test_the_report_names_a_pool_a_pool() -> None:
    doc = run_example("app_connections_before")
    text = report.format_report(doc)
    assert "Bottleneck: pool 'app.conn_db'" in text
    assert "station 'app.conn_db'" not in text


def test_the_hot_row_gives_the_same_verdict_at_280_and_300_per_second() -> None:
    # At 280/s the lock's key is 87 % busy, at 300/s 94 %: the old rule named app.cpu
    # (14 %, "saturates near 2000/s") below a 90 % threshold and the lock above it.
    low = run_example("app_hot_row_before")
    high = run_example("app_hot_row_before", **{"rps: 280": "rps: 300"})
    for doc in (low, high):
        assert (doc["bottleneck"]["kind"], doc["bottleneck"]["station"]) == ("lock", "db_stock")
    c_low, c_high = low["bottleneck"]["saturation_throughput"], high["bottleneck"]["saturation_throughput"]
    assert abs(c_low / c_high - 1) < 0.10
    # The ceiling is the lock's own holding time, 3 ms of CPU + an 8 KiB SSD write: ~1/3.12 ms.
    assert 300 < c_low < 345


def test_the_hot_rows_ceiling_is_its_holding_time() -> None:
    # Theory: one key held for S per order caps the order rate at 1/S (M/M/1 at rho -> 1).
    doc = run_example("app_hot_row_before")
    lock = resource(doc, "db_stock")
    hold = 0.00312  # 3 ms of DB CPU and the 8 KiB SSD write (~0.12 ms)
    assert lock["key_share"] == pytest.approx(1.0)
    assert lock["ceiling"] == pytest.approx(1 / hold, rel=0.05)
    assert lock["hottest_keys"][0] == 0


LOCK_TABLE = """\
name: cold_table
stations:
  - {name: cpu, servers: 16}
pools:
  - {name: rows, capacity: 1, keys: 1000}
classes:
  - name: updates
    interarrival: {dist: exponential, rate: 500}
    steps:
      - acquire: rows
      - {visit: cpu, service: {dist: exponential, mean: 0.01}}
      - release: rows
"""


def test_a_lock_table_is_judged_per_key() -> None:
    # 500/s over 1,000 uniform keys, each held 10 ms: 5 keys busy on average, each key
    # 0.5 % busy. Summed over keys the table read 500 % and was named with a ceiling of 100/s.
    doc = run_text(LOCK_TABLE, until=60, warmup=5)
    rows = next(p for p in doc["pools"] if p["name"] == "rows")
    assert rows["utilization"] < 0.01
    lock = resource(doc, "rows")
    assert lock["kind"] == "lock" and lock["key_share"] == pytest.approx(0.001)
    assert lock["utilization"] == pytest.approx(0.005, rel=0.1)
    assert lock["ceiling"] > 50_000
    # The cpu (16 cores, 5 busy: 31 %) is the busiest resource; the table is no bottleneck.
    assert doc["bottleneck"]["station"] == "cpu"
    assert doc["bottleneck"]["saturation_throughput"] == pytest.approx(1600, rel=0.05)


SYMPTOM = """\
name: threads_wait_for_the_db
stations:
  - {name: app_cpu, servers: 8}
  - {name: db_cpu, servers: 1}
pools:
  - {name: threads, capacity: 10}
classes:
  - name: web
    interarrival: {dist: exponential, rate: 95}
    steps:
      - acquire: threads
      - {visit: app_cpu, service: {dist: exponential, mean: 0.002}}
      - {visit: db_cpu, service: {dist: exponential, mean: 0.01}}
      - release: threads
"""


def test_a_pool_full_of_holders_waiting_downstream_is_a_symptom() -> None:
    # The db cpu is an M/M/1 at rho = 0.95 inside a pool of 10 threads: the threads are
    # nearly all held, waiting for the db. The verdict names the db and calls the pool
    # a symptom pointing to it.
    doc = run_text(SYMPTOM, until=400, warmup=40)
    b = doc["bottleneck"]
    assert (b["kind"], b["station"]) == ("station", "db_cpu")
    assert b["symptoms"] == ["threads"]
    threads = resource(doc, "threads")
    assert threads["role"] == "symptom" and threads["points_to"] == "station 'db_cpu'"
    assert threads["utilization"] > 0.5 and threads["waits_on_share"] > 0.5
    # Its own work (12 ms per request at 95/s over 10 threads) fills it to 11 %.
    assert threads["demand_utilization"] == pytest.approx(95 * 0.012 / 10, rel=0.15)
    assert b["saturation_throughput"] == pytest.approx(100, rel=0.05)
    text = report.format_report(doc)
    assert "Symptom: pool 'threads'" in text and "waiting for station 'db_cpu'" in text


MM1_ABOVE = """\
name: just_above
stations: [{name: cpu}]
classes:
  - name: jobs
    interarrival: {dist: exponential, rate: 1.01}
    steps:
      - {visit: cpu, service: {dist: exponential, mean: 1.0}}
"""


def test_an_open_model_just_above_capacity_is_saturated() -> None:
    # rho = 1.01: the backlog grows by ~0.01/s, too slowly to see in 20,000 s among the
    # random walk's swings. The prediction is the evidence.
    # Seed 2's backlog grew by 0.007/s, seed 5's by 0.03/s (seen): saturated either way,
    # and the reason says what the prediction is.
    for seed in (2, 5):
        doc = run_text(MM1_ABOVE, until=20000, warmup=0, replications=1, seed=seed)
        s = doc["saturation"]
        assert s["predicted_utilization"] == pytest.approx(1.01)
        assert s["saturated"] is True and s["station"] == "cpu"
        assert "the open load alone needs 101% of station 'cpu'" in s["reason"]
        assert doc["bottleneck"]["problem"] == "throughput"
    assert run_text(MM1_ABOVE, until=20000, warmup=0, replications=1, seed=2)["saturation"]["reason"].startswith(
        "predicted")


def test_a_pool_the_open_load_overfills_is_predicted_saturated() -> None:
    pytest.skip("since 3f47e01 the hot row's lock is taken inside a service operation, which the "
                "open prediction (class steps only) does not see yet (issue 15, what is left)")
    text = (EXAMPLES / "app_hot_row_before.yaml").read_text().replace("rps: 280", "rps: 330")
    doc = run_text(text, until=100, warmup=10)
    s = doc["saturation"]
    assert (s["predicted_kind"], s["predicted_station"]) == ("lock", "db_stock")
    assert s["predicted_utilization"] == pytest.approx(330 * 0.00312, rel=0.02)
    assert s["saturated"] is True


def test_below_capacity_nothing_is_predicted_saturated() -> None:
    doc = run_text(MM1_ABOVE.replace("rate: 1.01", "rate: 0.9"), until=5000, warmup=100, replications=2)
    assert doc["saturation"]["saturated"] is False


def test_a_connection_pool_waiting_for_a_saturated_db_cpu_points_to_it() -> None:
    # docs/guides/finding-bottlenecks.md: app_connections_before with a 1-core database at 90/s.
    doc = run_example("app_connections_before", **{"cores: 16": "cores: 1", "rps: 340": "rps: 90"})
    b = doc["bottleneck"]
    assert (b["kind"], b["station"]) == ("station", "db.cpu")
    conns = resource(doc, "app.conn_db")
    # Its holders wait in their calls to the db tier (where db.cpu queues).
    assert conns["role"] == "symptom" and conns["points_to"].startswith("call 'db.")
    assert conns["waits_on_share"] > 0.5
    assert b["saturation_throughput"] == pytest.approx(100, rel=0.05)  # 1 core / (5 x 2 ms)


def test_the_knee_of_an_open_sweep_is_the_hot_rows_ceiling() -> None:
    # One definition in sweeps too: the knee of the hot-row model is the lock's 1 / 3.12 ms,
    # not app.cpu's 2,000/s (the busiest station).
    from tiersim.analysis import find_knee
    from tiersim.sweep import load_sweep

    model = tiersim.load(EXAMPLES / "app_hot_row_before.yaml")
    s = load_sweep(model, rates=[150, 200, 250, 290], until=120, warmup=20, replications=2, seed=3,
                   progress=False)
    knee = find_knee(s)
    assert knee.resource == "db_stock"
    assert knee.load == pytest.approx(320, rel=0.05)


def test_three_tiers_thread_pools_point_down_the_chain_to_the_disk() -> None:
    # examples/models/three_tier.yaml at 100 users: the disk saturates and the queue moves up
    # into the pools; each pool's holders wait mostly for the pool below it.
    doc = tiersim.load(ROOT / "examples" / "models" / "three_tier.yaml").run(
        until=300, warmup=30, replications=2, seed=5, progress=False).to_dict()
    b = doc["bottleneck"]
    assert (b["kind"], b["station"]) == ("station", "db_disk")
    assert set(b["symptoms"]) == {"web_threads", "app_threads", "db_threads"}
    assert resource(doc, "web_threads")["points_to"] == "pool 'app_threads'"
    assert resource(doc, "app_threads")["points_to"] == "pool 'db_threads'"
    assert resource(doc, "db_threads")["points_to"] == "station 'db_disk'"


LAYERED = """\
name: layered
services:
  - name: db
    replicas: 2
    threads: 4
    stations:
      - {name: cpu, servers: 1}
    operations:
      - name: query
        steps:
          - {visit: cpu, service: {dist: exponential, mean: 0.01}}
  - name: app
    threads: APP_THREADS
    stations:
      - {name: cpu, servers: 4}
    operations:
      - name: page
        steps:
          - {visit: cpu, service: {dist: exponential, mean: 0.004}}
          - {delay: {dist: exponential, mean: REMOTE}, id: remote}
          - {call: db.query, count: 2}
classes:
  - name: users
    interarrival: {dist: exponential, rate: 95}
    steps:
      - {call: app.page}
"""


def test_services_a_saturated_db_is_the_cause_and_the_callers_threads_its_symptom() -> None:
    # 95 pages/s x 2 queries x 10 ms over 2 replicas: each db cpu ~95% busy (ceiling 100/s).
    # App threads held across the calls fill up while their holders wait in the calls.
    doc = run_text(LAYERED.replace("APP_THREADS", "40").replace("REMOTE", "0.001"),
                   until=300, warmup=30, seed=2)
    b = doc["bottleneck"]
    assert (b["kind"], b["station"]) == ("station", "db.cpu")
    assert b["saturation_throughput"] == pytest.approx(100, rel=0.05)
    app = resource(doc, "app.threads")
    assert app["role"] == "symptom" and app["points_to"] == "call 'db.query'"
    assert resource(doc, "db.threads")["points_to"] == "station 'db.cpu'"


def test_services_threads_held_across_a_remote_wait_are_the_cause() -> None:
    # 8 app threads each held ~4 ms + 80 ms remote + 2 x 10 ms queries ~ 104 ms: ceiling ~77/s,
    # below the db's 100/s; at 60/s the app threads, not a cpu, are named.
    doc = run_text(LAYERED.replace("APP_THREADS", "8").replace("REMOTE", "0.08").replace("rate: 95", "rate: 60"),
                   until=300, warmup=30, seed=2)
    b = doc["bottleneck"]
    assert (b["kind"], b["station"]) == ("pool", "app.threads")
    app = resource(doc, "app.threads")
    assert app["role"] == "cause"
    assert b["saturation_throughput"] == pytest.approx(8 / 0.1044, rel=0.10)
