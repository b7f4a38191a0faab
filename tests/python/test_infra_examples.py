# The infrastructure examples (examples/models/infra/): every file loads, compiles and runs
# (shortened), and each bottleneck's before/after pair shows the symptom and the remedy's
# improvement — the numbers docs/guides/bottleneck-kinds.md quotes, within wide margins.
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

import tiersim
import tiersim.infra as infra

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "models" / "infra"
FILES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
SHORT = dict(until=200, warmup=20, replications=2, seed=5)


@lru_cache(maxsize=None)
def run(name: str) -> tuple[dict[str, Any], Any]:
    """The results document of a shortened run of an example, and its report in system terms."""
    path = EXAMPLES / name
    system = infra.load(path)
    results = tiersim.load(path).run(progress=False, **SHORT)
    return results.to_dict(), system.report(results).set_index("name")


def station(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["stations"] if s["name"] == name)


def pool(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in doc["pools"] if p["name"] == name)


def response(doc: dict[str, Any], key: str = "p95") -> float:
    (c,) = doc["classes"]
    return float(c["response"][key])


def throughput(doc: dict[str, Any]) -> float:
    (c,) = doc["classes"]
    return float(c["throughput"])


def test_the_examples_are_all_there() -> None:
    kinds = ["cpu", "memory", "disk_io", "network_io", "app_threads", "app_connections", "app_hot_row"]
    for kind in kinds:
        assert f"{kind}_before.yaml" in FILES and f"{kind}_after.yaml" in FILES
    assert "shop.yaml" in FILES


@pytest.mark.parametrize("name", FILES)
def test_every_example_loads_as_a_system_and_as_a_core_model(name: str) -> None:
    path = EXAMPLES / name
    system = infra.load(path)
    model = tiersim.load(path)
    model.check()
    assert model.name == path.stem == system.name
    assert model == system.to_model()
    # The file round-trips through the objects.
    assert infra.loads(system.to_yaml()) == system
    assert "->" in system.describe()


@pytest.mark.parametrize("name", [f for f in FILES if f not in ("night_batch.yaml", "afternoon_peak.yaml")])
def test_every_example_runs_without_saturating(name: str) -> None:
    doc, _ = run(name)
    assert not doc["saturation"]["saturated"], doc["saturation"]["reason"]
    assert not doc["deadlock"]["detected"]
    for c in doc["classes"]:
        assert c["completions"] > 50 and c["losses"] == 0


def test_the_shop_is_healthy() -> None:
    doc, rep = run("shop.yaml")
    busy = [s["utilization"] for s in doc["stations"] if s["discipline"] != "delay"]
    assert max(busy) < 0.45
    assert {"browse", "order"} == {c["name"] for c in doc["classes"]}


def test_cpu_the_run_queue_grows_and_scale_up_or_out_removes_it() -> None:
    before, _ = run("cpu_before.yaml")
    cpu = station(before, "app.cpu")
    assert cpu["utilization"] > 0.9 and cpu["mean_queue_length"] > 5  # the run queue
    for after_name in ("cpu_after.yaml", "cpu_after_scale_out.yaml"):
        after, _ = run(after_name)
        queues = [s["mean_queue_length"] for s in after["stations"] if s["name"].startswith("app")]
        assert max(queues) < 1
        assert response(after) < 0.3 * response(before)
    assert station(run("cpu_after.yaml")[0], "app.cpu")["utilization"] < 0.65


def test_memory_overflow_pages_and_more_memory_stops_it() -> None:
    before, rep_b = run("memory_before.yaml")
    after, rep_a = run("memory_after.yaml")
    share = lambda rep: float(rep.loc["app.memory", "note"].split()[-1].rstrip("%")) / 100  # noqa: E731
    assert pool(before, "app.memory")["utilization"] > 1.5  # working sets well beyond the RAM
    assert share(rep_b) > 0.25 and station(before, "app.disk")["utilization"] > 0.4
    assert station(before, "app.cpu")["utilization"] < 0.6
    assert share(rep_a) < 0.02 and station(after, "app.disk")["utilization"] < 0.02
    assert throughput(after) > 1.08 * throughput(before)
    assert response(after) < 0.5 * response(before)


def test_disk_io_a_saturated_disk_and_a_raid_set_that_spreads_it() -> None:
    before, _ = run("disk_io_before.yaml")
    after, _ = run("disk_io_after.yaml")
    assert station(before, "db.disk")["utilization"] > 0.8
    assert max(station(before, n)["utilization"] for n in ("app.cpu", "db.cpu")) < 0.1
    assert station(after, "db.disk")["utilization"] < 0.3 and station(after, "db.disk")["servers"] == 4
    assert response(after) < 0.25 * response(before)


def test_network_io_a_shared_gateway_and_a_dedicated_network() -> None:
    before, _ = run("network_io_before.yaml")
    after, _ = run("network_io_after.yaml")
    assert station(before, "gateway")["utilization"] > 0.8
    assert max(s["utilization"] for s in before["stations"] if s["name"].endswith(".cpu")) < 0.2
    assert station(after, "gateway")["utilization"] < 0.5
    assert {"lan_web_app", "lan_app_db"} <= {s["name"] for s in after["stations"]}
    assert response(after) < 0.3 * response(before)


def test_network_window_a_window_limited_transfer_and_parallel_streams() -> None:
    before, _ = run("network_window_before.yaml")
    after, _ = run("network_window_after.yaml")
    assert station(before, "wan")["utilization"] < 0.05  # the bandwidth is not the limit
    assert response(before, "mean") > 4.5
    assert response(after, "mean") < 0.2 * response(before, "mean")


def test_application_threads_held_across_a_sync_call_and_async_calls() -> None:
    before, _ = run("app_threads_before.yaml")
    after, _ = run("app_threads_after.yaml")
    assert pool(before, "app.threads")["utilization"] > 0.85 and pool(before, "app.threads")["mean_wait"] > 0.02
    assert station(before, "app.cpu")["utilization"] < 0.35  # the CPU stays idle
    assert pool(after, "app.threads")["utilization"] < 0.15
    assert response(after, "mean") < 0.75 * response(before, "mean")


def test_application_connection_pool_too_small_and_enlarged() -> None:
    before, _ = run("app_connections_before.yaml")
    after, _ = run("app_connections_after.yaml")
    assert pool(before, "app.conn_db")["utilization"] > 0.8
    assert station(before, "db.cpu")["utilization"] < 0.3
    assert pool(after, "app.conn_db")["utilization"] < 0.3
    assert response(after, "mean") < 0.7 * response(before, "mean")


def test_application_hot_row_and_its_split() -> None:
    before, _ = run("app_hot_row_before.yaml")
    after, _ = run("app_hot_row_after.yaml")
    hot_b = pool(before, "db_stock")["hot_keys"][0]
    assert hot_b["key"] == 0 and hot_b["mean_wait"] > 0.01
    assert station(before, "db.cpu")["utilization"] < 0.1
    assert max(k["mean_wait"] for k in pool(after, "db_stock")["hot_keys"]) < 0.002
    assert response(after) < 0.4 * response(before)


def test_the_night_batch_makespan_is_its_disk_demand() -> None:
    r = tiersim.load(EXAMPLES / "night_batch.yaml").run(progress=False, replications=1)
    (c,) = r.to_dict()["classes"]
    # 30,000 jobs x 20 reads x 12.2 ms over 4 spindles: the disk-bound makespan.
    disk_ms = infra.Disk(kind="hdd", rpm=7200, seek_ms=8).io_ms(8)
    assert c["makespan"] == pytest.approx(30000 * 20 * disk_ms / 1000 / 4, rel=0.03)
    assert c["unfinished"] == 0


def test_the_afternoon_peak_shows_in_the_hourly_windows() -> None:
    r = tiersim.load(EXAMPLES / "afternoon_peak.yaml").run(progress=False, replications=1)
    w = r.windows
    util = w[(w["name"] == "reports.cpu") & (w["metric"] == "utilization")].set_index("window_start")["value"]
    assert len(util) == 24
    assert util.loc[3 * 3600] == pytest.approx(0.1, abs=0.03)   # 03:00
    assert util.loc[15 * 3600] == pytest.approx(0.75, abs=0.05)  # 15:00, the peak
    queue = w[(w["name"] == "reports.cpu") & (w["metric"] == "mean_queue_length")].set_index("window_start")["value"]
    assert queue.loc[15 * 3600] > 0.5 > queue.loc[3 * 3600]


def test_an_example_runs_from_the_command_line(run_cli: Any) -> None:
    out = run_cli("run", EXAMPLES / "disk_io_before.yaml", "--until", "100", "--warmup", "10", "--replications", "2")
    assert out.returncode == 0, out.stderr
    assert "db.disk" in out.stdout and "Bottleneck: station 'db.disk'" in out.stdout
