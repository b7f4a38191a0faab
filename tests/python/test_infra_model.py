# The infrastructure vocabulary's API, its file format and what each component compiles to:
# the stations, pools and steps of the core model (no simulation needed for most of these).
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tiersim
from tiersim.infra import (
    AdmissionLimit,
    Batch,
    Cache,
    Call,
    Closed,
    Compression,
    ConnectionPool,
    Cpu,
    Disk,
    ExternalSystem,
    Link,
    Memory,
    Network,
    Nic,
    Open,
    Path as NetPath,
    Query,
    Read,
    Router,
    RowLocks,
    San,
    Server,
    System,
    Tier,
    Transaction,
    Write,
)
import tiersim.infra as infra

MINIMAL = """\
name: mini
run: {until: 100, replications: 2, seed: 3}
system:
  tiers:
    - name: web
      server: {cpu: {cores: 2}}
  transactions:
    - {name: hit, tier: web, cpu_ms: 10}
  workload: {type: open, rps: 50}
"""


def service(model: dict[str, Any], name: str) -> dict[str, Any]:
    return next(sv for sv in model.get("services", []) if sv["name"] == name)


def route(model: dict[str, Any], owner: str | None = None) -> list[dict[str, Any]]:
    """The steps of a class (by name; the first by default) or of an operation (``SERVICE.OPERATION``)."""
    if owner is not None and "." in owner:
        sv, op = owner.split(".", 1)
        return next(o for o in service(model, sv)["operations"] if o["name"] == op)["steps"]
    c = model["classes"][0] if owner is None else next(c for c in model["classes"] if c["name"] == owner)
    return c["steps"]


def steps(model: dict[str, Any], owner: str | None = None) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in route(model, owner)}


def all_steps(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of every class and operation."""
    out = [s for c in model["classes"] for s in c["steps"]]
    return out + [s for sv in model.get("services", []) for o in sv["operations"] for s in o["steps"]]


def by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(x for x in items if x["name"] == name)


def walk(model: dict[str, Any], owner: str | None = None, choose: int = 0) -> list[dict[str, Any]]:
    """The steps one request walks when every choose takes option ``choose``, into each call
    (``count`` times) and back."""
    order = route(model, owner)
    st = {s["id"]: s for s in order}
    ids = [s["id"] for s in order]
    out, sid = [], ids[0]
    while sid != "exit":
        s = st[sid]
        out.append(s)
        if "call" in s:
            for _ in range(s.get("count", 1)):
                out += walk(model, s["call"], choose)
        if "choose" in s:
            sid = s["to"][min(choose, len(s["to"]) - 1)]
        elif "branch" in s:
            sid = s["under"]
        elif "fork" in s:
            sid = s["fork"][0]
        else:
            sid = s.get("next", ids[ids.index(sid) + 1] if ids.index(sid) + 1 < len(ids) else "exit")
    return out


def actions(path: list[dict[str, Any]]) -> list[str]:
    out = []
    for s in path:
        for key in ("visit", "acquire", "release", "delay", "choose", "branch", "fork", "join", "call"):
            if key in s:
                out.append(f"{key} {s[key] if isinstance(s[key], str) else ''}".strip())
                break
    return out


def simple(tiers: list[Tier], tx: Transaction, **kw: Any) -> dict[str, Any]:
    return System("s", tiers=tiers, transactions=[tx], workload=kw.pop("workload", Open(rps=10)), **kw).compile().model


# -- the API reads like the planner's sentence ---------------------------------------------


def test_a_transaction_is_written_in_the_planners_terms() -> None:
    t = (Transaction("order")
         .at("web", cpu_ms=2)
         .at("app", cpu_ms=5, calls=[Query(cpu_ms=1, reads=[Read(kib=8)], times=3)])
         .reply(kib=20))
    assert t.to_dict() == {"name": "order", "tier": "web", "cpu_ms": 2, "reply_kib": 20, "calls": [
        {"tier": "app", "cpu_ms": 5, "calls": [{"tier": "db", "cpu_ms": 1, "reads": [{"kib": 8}], "times": 3}]}]}
    # Work given before the entry tier goes to the first .at().
    t2 = Transaction("order", request_kib=2).at("web", cpu_ms=2)
    assert t2.root is not None and t2.root.request_kib == 2


def test_the_compiled_step_graph_is_visible() -> None:
    shop = System("shop", tiers=[Tier("web", servers=2, threads=10), Tier("db", server=Server(disk=Disk()))],
                  transactions=[Transaction("t").at("web", cpu_ms=1).at("db", reads=[Read()])],
                  workload=Open(rps=5))
    model = shop.to_model()
    assert isinstance(model, tiersim.Model)
    assert model.station_names == [] and model.pool_names == []  # every resource belongs to a tier's service
    data = model.to_dict()
    assert [(sv["name"], sv.get("replicas", 1), sv.get("threads")) for sv in data["services"]] == [
        ("web", 2, 10), ("db", 1, None)]
    assert [st["name"] for st in service(data, "db")["stations"]] == ["cpu", "disk"]
    text = shop.describe()
    assert "web.threads" in text and "tiers[0].threads" in text and "2 server(s), round_robin" in text
    graph = shop.describe(steps=True)
    assert "class 't' (open, 5 requests/s): 1 steps\n  'web call': call web.t -> 'exit'" in graph
    assert "operation 'db.t': 1 steps\n  'read': visit disk" in graph


def test_a_tier_compiles_once_whatever_its_number_of_servers() -> None:
    def model(n: int) -> dict[str, Any]:
        tiers = [Tier("web", servers=n, threads=10, connections=[ConnectionPool(5, to="app")]),
                 Tier("app", servers=n, threads=10, balancer="shortest_queue"), Tier("db", servers=n)]
        tx = Transaction("t").at("web", cpu_ms=1).at("app", cpu_ms=1).at("db", cpu_ms=1)
        return simple(tiers, tx)

    small, large = model(2), model(500)
    assert all_steps(small) == all_steps(large)
    assert [sv["replicas"] for sv in large["services"]] == [500, 500, 500]
    assert len(json.dumps(large)) < len(json.dumps(small)) + 10


# -- hardware ------------------------------------------------------------------------------


def test_cpu_cores_and_clock_become_a_ps_station_with_servers_and_speed() -> None:
    m = simple([Tier("app", server=Server(cpu=Cpu(cores=8, clock_ghz=3.0)))],
               Transaction("t", tier="app", cpu_ms=6), reference_clock_ghz=2.0)
    assert service(m, "app")["stations"] == [{"name": "cpu", "discipline": "ps", "servers": 8, "speed": 1.5}]
    assert m["stations"] == []
    (visit,) = route(m, "app.t")
    assert visit["service"] == {"dist": "exponential", "mean": 0.006}  # reference work; speed scales it


def test_service_cv_chooses_the_distribution() -> None:
    for cv, expected in ((0, 0.006), (1, {"dist": "exponential", "mean": 0.006}),
                         (0.5, {"dist": "lognormal", "mean": 0.006, "cv": 0.5})):
        m = simple([Tier("app")], Transaction("t", tier="app", cpu_ms=6), service_cv=cv)
        assert route(m, "app.t")[0]["service"] == expected


def test_disk_costs_raid_storage_cache_and_san() -> None:
    hdd = Disk(kind="hdd", rpm=10000, seek_ms=5, transfer_mb_s=100)
    assert hdd.io_ms(64, random=True) == pytest.approx(5 + 3 + 65536 / 100e6 * 1e3)
    assert hdd.io_ms(64, random=False) == pytest.approx(0.05 + 65536 / 100e6 * 1e3)
    ssd = Disk(kind="ssd", latency_ms=0.2, transfer_mb_s=1000)
    assert ssd.io_ms(64, random=True) == ssd.io_ms(64, random=False) == pytest.approx(0.2 + 0.065536)
    disk = Disk(kind="ssd", raid=6, cache_hit_ratio=0.25, cache_ms=0.05, san=San(hba_mbps=8000, switch_ms=0.1))
    m = simple([Tier("db", server=Server(disk=disk))], Transaction("t", tier="db", reads=[Read(kib=8)]))
    assert by_name(service(m, "db")["stations"], "disk")["servers"] == 6
    st = steps(m, "db.t")
    (cache,) = [s for s in st.values() if "choose" in s]
    assert cache["choose"] == "random" and cache["weights"] == [0.25, 0.75]
    hit, miss = (st[x] for x in cache["to"])
    assert hit["delay"] == pytest.approx(0.00005)
    assert miss["visit"] == "hba" and st[miss["next"]]["delay"] == pytest.approx(0.0001)
    assert st[st[miss["next"]]["next"]]["visit"] == "disk"


def test_memory_is_an_overcommit_pool_and_a_page_fault_branch_before_cpu_work() -> None:
    srv = Server(cpu=Cpu(cores=4), memory=Memory(2048, page_kib=64), disk=Disk(kind="hdd", rpm=7200, seek_ms=8))
    m = simple([Tier("app", server=srv)], Transaction("t", tier="app", cpu_ms=10, mem_mb=300, cpu_after_ms=5))
    assert by_name(service(m, "app")["pools"], "memory") == {"name": "memory", "capacity": 2048,
                                                             "on_full": "overcommit"}
    path = walk(m)
    assert actions(path) == ["call app.t", "acquire memory", "branch memory", "visit cpu",
                             "branch memory", "visit cpu", "release memory"]
    assert path[1]["tokens"] == 300
    page_in = steps(m, "app.t")[path[2]["over"]]
    assert page_in["visit"] == "disk"
    assert page_in["service"]["mean"] == pytest.approx(srv.disk.io_ms(64) / 1000)
    assert page_in["next"] == path[2]["under"]


def test_a_latch_is_a_capacity_one_pool_around_latched_cpu_work() -> None:
    m = simple([Tier("app", server=Server(memory=Memory(1024, latch_ms=0.5)))], Transaction("t", tier="app", cpu_ms=3))
    assert actions(walk(m, "app.t")) == ["acquire latch", "visit cpu", "release latch", "visit cpu"]
    assert by_name(service(m, "app")["pools"], "latch")["capacity"] == 1


def test_nic_link_router_and_latency_along_a_path() -> None:
    net = Network(links=[Link("lan", 1000, latency_ms=0.1, bonding=2)],
                  routers=[Router("core", 400, per_message_us=10, latency_ms=0.05)],
                  paths=[NetPath(("client", "web"), ["core"])], default=["core", "lan"])
    m = simple([Tier("web", server=Server(nic=Nic(100, per_message_us=20))), Tier("app")],
               Transaction("t", tier="web", reply_kib=50, calls=[Call("app", request_kib=10)]), network=net)
    assert by_name(m["stations"], "lan")["servers"] == 2
    acts = actions(walk(m))
    # client -> web: core only (its path); web -> app: web's NIC, then the default path (core,
    # lan); app does no work; the empty reply app -> web: no NIC on app, core's per-message
    # cost, both latencies (an empty message takes no time on the lan); web -> client: web's
    # NIC (in web's operation, holding its thread), then core (back on the client's side).
    assert acts == ["visit core", "delay", "call web.t", "visit nic", "visit core", "delay", "visit lan", "delay",
                    "call app.t", "delay", "visit core", "delay", "delay", "visit nic", "visit core", "delay"]
    st = walk(m)
    assert st[3]["service"]["mean"] == pytest.approx(20e-6 + 10 * 8192 / 100e6)
    assert st[-2]["service"]["mean"] == pytest.approx(50 * 8192 / 400e6 + 10e-6)
    assert st[-1]["delay"] == pytest.approx(0.00005)


def test_a_window_limits_one_transfer_and_streams_split_it() -> None:
    net = Network(links=[Link("wan", 1000, latency_ms=20)], default=["wan"], window_kib=64)
    tx = Transaction("get", tier="files", reply_kib=1024)
    m = simple([Tier("files")], tx, network=net)
    stall = [s for s in all_steps(m) if s["id"].endswith("window")]
    rtt = 0.040
    window_rate = 64 * 8192 / rtt  # bit/s
    rest_bits = (1024 - 64) * 8192
    assert len(stall) == 1
    assert stall[0]["delay"] == pytest.approx(rest_bits / window_rate - rest_bits / 1e9)
    net.streams = 4
    m4 = simple([Tier("files")], tx, network=net)
    forks = [s for s in all_steps(m4) if "fork" in s]
    assert len(forks) == 1 and len(forks[0]["fork"]) == 4
    stall4 = [s["delay"] for s in all_steps(m4) if s["id"].endswith("window")]
    rest4 = (256 - 64) * 8192
    assert stall4 == pytest.approx([rest4 / window_rate - rest4 / 1e9] * 4)


def test_compression_costs_cpu_and_saves_bytes() -> None:
    tiers = [Tier("web", server=Server(nic=Nic(100))), Tier("app", server=Server(nic=Nic(100)))]
    tx = Transaction("t", tier="web", calls=[Call("app", reply_kib=100,
                                                  compress=Compression(0.25, cpu_us_per_kib=10,
                                                                       decompress_us_per_kib=2))])
    m = simple(tiers, tx)
    app, web = route(m, "app.t"), walk(m, "web.t")
    assert actions(app) == ["visit cpu", "visit nic"]
    assert app[0]["service"]["mean"] == pytest.approx(100 * 10e-6)   # compress at the sender
    assert app[1]["service"]["mean"] == pytest.approx(25 * 8192 / 100e6)  # a quarter of the bytes
    assert actions(web) == ["call app.t", "visit cpu", "visit nic", "visit cpu"]
    assert web[-1]["service"]["mean"] == pytest.approx(100 * 2e-6)    # decompress at the receiver


# -- tiers, pools, calls -------------------------------------------------------------------


def test_a_tier_is_a_service_whose_replicas_are_its_servers() -> None:
    tier = Tier("app", servers=3, balancer="shortest_queue", threads=8, connections=[ConnectionPool(4, to="db")],
                server=Server(cpu=Cpu(2), memory=Memory(512), disk=Disk(), nic=Nic()))
    m = simple([tier, Tier("db")], Transaction("t", tier="app", calls=[Call("db")]))
    app = service(m, "app")
    assert (app["replicas"], app["balancer"], app["threads"]) == (3, "shortest_queue", 8)
    assert [s["name"] for s in app["stations"]] == ["cpu", "disk", "nic"]
    assert [p["name"] for p in app["pools"]] == ["memory", "conn_db"]
    assert "balancer" not in service(m, "db") and "replicas" not in service(m, "db")
    assert not [s for s in all_steps(m) if "choose" in s]  # the balancer is the service's, not a step
    for balancer in ("round_robin", "random", "least_utilized"):
        lb = simple([Tier("app", servers=2, balancer=balancer)], Transaction("t", tier="app", cpu_ms=1))
        assert service(lb, "app")["balancer"] == balancer


def test_a_sync_call_holds_the_callers_thread_and_an_async_call_gives_it_back() -> None:
    tiers = [Tier("web", threads=10), Tier("app", threads=5)]
    sync = actions(walk(simple(tiers, Transaction("t", tier="web", cpu_ms=1, calls=[Call("app", cpu_ms=2)]))))
    assert sync == ["call web.t", "visit cpu", "call app.t", "visit cpu"]
    async_ = actions(walk(simple(tiers, Transaction("t", tier="web", cpu_ms=1,
                                                    calls=[Call("app", cpu_ms=2, mode="async")]))))
    assert async_ == ["call web.t", "visit cpu", "release threads", "call app.t", "visit cpu", "acquire threads"]


def test_async_io_gives_the_thread_back_during_the_reads() -> None:
    tier = Tier("db", threads=4, server=Server(disk=Disk()))
    acts = actions(walk(simple([tier], Transaction("t", tier="db", cpu_ms=1, io_mode="async",
                                                   reads=[Read(count=2)], writes=[Write(random=False)]))))
    assert acts == ["call db.t", "visit cpu", "release threads", "visit disk", "visit disk", "visit disk",
                    "acquire threads"]


def test_a_connection_is_held_from_the_first_call_to_a_tier_to_the_last() -> None:
    tiers = [Tier("app", connections=[ConnectionPool(3, to="db")]), Tier("db")]
    tx = Transaction("t", tier="app", calls=[Call("db", cpu_ms=1, times=2), Call("db", cpu_ms=2)])
    m = simple(tiers, tx)
    assert actions(walk(m)) == ["call app.t", "acquire conn_db", "call db.t", "visit cpu", "visit cpu",
                                "call db.t#2", "visit cpu", "release conn_db"]
    calls = [s for s in route(m, "app.t") if "call" in s]
    assert [(s["call"], s.get("count", 1)) for s in calls] == [("db.t", 2), ("db.t#2", 1)]
    assert [o["name"] for o in service(m, "db")["operations"]] == ["t", "t#2"]


def test_repeated_calls_with_work_on_the_callers_side_are_written_out_in_turn() -> None:
    net = Network(links=[Link("lan", 1000, latency_ms=0.1)], default=["lan"])
    tiers = [Tier("app"), Tier("db")]
    m = simple(tiers, Transaction("t", tier="app", calls=[Call("db", cpu_ms=1, times=3)]), network=net)
    calls = [s for s in route(m, "app.t") if "call" in s]
    assert [s["id"] for s in calls] == ["db#1 call", "db#2 call", "db#3 call"]
    assert {s["call"] for s in calls} == {"db.t"} and not any("count" in s for s in calls)


def test_row_locks_admission_cache_parallel_and_external_systems() -> None:
    tiers = [Tier("app", admission=AdmissionLimit(50), server=Server(cpu=Cpu(8))),
             Tier("db", admission=AdmissionLimit(20, per_server=True), servers=2,
                  locks=[RowLocks("stock", rows=1000, hot_fraction=0.3, hot_rows=2)])]
    tx = Transaction("t", tier="app", cpu_ms=8, parallel=4, calls=[
        Call("db", cpu_ms=1, lock="stock", cache=Cache(0.9, hit_ms=0.2)), Call("pay", mode="async")])
    m = simple(tiers, tx, externals=[ExternalSystem("pay", latency_ms=80, concurrency=5)])
    pools = {p["name"]: p for p in m["pools"]}
    assert pools["app_admission"] == {"name": "app_admission", "capacity": 50, "on_full": "reject"}
    assert by_name(service(m, "db")["pools"], "admission") == {"name": "admission", "capacity": 20,
                                                               "on_full": "reject"}
    assert "db_admission" not in pools
    assert pools["db_stock"] == {"name": "db_stock", "capacity": 1, "keys": 1000}
    assert pools["pay_slots"]["capacity"] == 5 and by_name(m["stations"], "pay")["discipline"] == "delay"
    assert actions(walk(m))[:3] == ["acquire app_admission", "call app.t", "fork"]
    st = steps(m, "app.t")
    (fork,) = [s for s in st.values() if "fork" in s]
    assert [st[b]["service"]["mean"] for b in fork["fork"]] == [0.002] * 4
    (lock,) = [s for s in route(m, "db.t") if s.get("acquire") == "db_stock"]
    assert lock["key"] == {"hot_fraction": 0.3, "hot_keys": 2}
    assert actions(route(m, "db.t")) == ["acquire admission", "acquire db_stock", "visit cpu", "release db_stock",
                                         "release admission"]
    cache = next(s for s in st.values() if s.get("choose") == "random")
    assert cache["weights"] == [0.9, pytest.approx(0.1)]
    assert st[cache["to"][0]]["delay"] == pytest.approx(0.0002)
    ext = [s for s in walk(m) if s.get("visit") == "pay"]
    assert ext[0]["service"] == {"dist": "exponential", "mean": 0.08}


# -- workloads -----------------------------------------------------------------------------


def test_an_open_mix_is_one_class_per_transaction_with_its_share_of_the_rate() -> None:
    txs = [Transaction("browse", tier="web", cpu_ms=1, weight=3), Transaction("buy", tier="web", cpu_ms=2)]
    s = System("s", tiers=[Tier("web")], transactions=txs, workload=Open(rps=100))
    classes = {c["name"]: c for c in s.compile().model["classes"]}
    assert classes["browse"]["interarrival"] == {"dist": "exponential", "rate": 75.0}
    assert classes["buy"]["interarrival"] == {"dist": "exponential", "rate": 25.0}
    s.workloads = [Open(schedule=[(0, 10), (3600, 40)], cycle_s=7200, mix={"buy": 1})]
    (c,) = s.compile().model["classes"]
    assert c["name"] == "buy" and c["schedule"] == [{"from": 0, "rate": 10.0}, {"from": 3600, "rate": 40.0}]
    assert c["cycle"] == 7200


def test_closed_and_batch_workloads_pick_transactions_at_random_from_the_mix() -> None:
    txs = [Transaction("browse", tier="web", cpu_ms=1, weight=3), Transaction("buy", tier="web", cpu_ms=2)]
    s = System("s", tiers=[Tier("web")], transactions=txs, workload=[Closed(users=20, think_s=2), Batch(jobs=100)])
    users, batch = s.compile().model["classes"]
    assert users["name"] == "users" and users["type"] == "closed" and users["population"] == 20
    assert users["think"] == {"dist": "exponential", "mean": 2}
    mix = users["steps"][0]
    assert mix["choose"] == "random" and mix["weights"] == [3.0, 1.0]
    assert batch == {**batch, "name": "batch", "type": "batch", "jobs": 100}


# -- the file format -------------------------------------------------------------------------


def test_an_infrastructure_file_loads_as_a_core_model(write_model: Any) -> None:
    path = write_model(MINIMAL, "mini.yaml")
    model = tiersim.load(path)
    assert service(model.to_dict(), "web")["stations"] == [{"name": "cpu", "discipline": "ps", "servers": 2}]
    assert model.run_settings == {"until": 100, "replications": 2, "seed": 3}
    assert tiersim.loads(MINIMAL) == model
    system = infra.load(path)
    assert system.to_model() == model
    assert infra.loads(system.to_yaml()) == system
    jpath = write_model(json.dumps(system.to_dict()), "mini.json")
    assert tiersim.load(jpath) == model
    r = model.run(progress=False)
    assert r.stations.loc[0, "name"] == "web.cpu"


def test_the_cli_runs_and_checks_an_infrastructure_file(write_model: Any, run_cli: Any) -> None:
    path = write_model(MINIMAL, "mini.yaml")
    out = run_cli("run", path, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["model"] == "mini" and doc["stations"][0]["name"] == "web.cpu"
    bad = write_model(MINIMAL.replace("cores: 2", "cores: 0"), "bad.yaml")
    out = run_cli("check", bad)
    assert out.returncode == 2
    assert "system.tiers[0].server.cpu.cores: 0 is out of range" in out.stderr


BAD = [
    ("tiers: [{name: web, servers: 0}]", "system.tiers[0].servers", "out of range"),
    ("tiers: [{name: web, sever: {}}]", "system.tiers[0].sever", "did you mean 'server'?"),
    ("tiers: [{name: web, balancer: fastest}]", "system.tiers[0].balancer", "expected round_robin, random"),
    ("tiers: [{name: web, server: {disk: {kind: tape}}}]", "system.tiers[0].server.disk.kind", "unknown value"),
    ("tiers: [{name: web, server: {disk: {kind: ssd, rpm: 5400}}}]", "system.tiers[0].server.disk.rpm",
     "an SSD has no rotation"),
    ("transactions: [{name: t, tier: wbe}]", "system.transactions[0].tier", "did you mean 'web'?"),
    ("transactions: [{name: t, tier: web, calls: [{tier: dbb}]}]", "system.transactions[0].calls[0].tier",
     "did you mean 'db'?"),
    ("transactions: [{name: t, tier: web, reads: [{kib: 8}]}]", "system.transactions[0].reads", "has no disk"),
    ("transactions: [{name: t, tier: db, mem_mb: 10}]", "system.transactions[0].mem_mb", "has no memory"),
    ("transactions: [{name: t, tier: web, lock: stok}]", "system.transactions[0].lock", "did you mean 'stock'?"),
    ("transactions: [{name: t, tier: web, lock: stock, calls: [{tier: db, lock: stock}]}]",
     "system.transactions[0].calls[0].lock", "one row of a table at a time"),
    ("transactions: [{name: t, tier: web, calls: [{tier: pay, cpu_ms: 3}]}]",
     "system.transactions[0].calls[0].cpu_ms", "external system"),
    ("transactions: [{name: t, tier: web, mode: later}]", "system.transactions[0].mode", "expected sync, async"),
    ("transactions: [{name: t, tier: web, reads: [{kb: 8}]}]", "system.transactions[0].reads[0].kb",
     "did you mean 'kib'?"),
    ("transactions: [{name: t}]", "system.transactions[0].tier", "required"),
    ("workload: {type: open, rps: 0}", "system.workload.rps", "out of range"),
    ("workload: {type: opne, rps: 1}", "system.workload.type", "did you mean 'open'?"),
    ("workload: {type: closed, users: 5, mix: {buy: 1}}", "system.workload.mix.buy", "no transaction named"),
    ("workload: {type: open, schedule: [{from_s: 10, rps: 1}]}", "system.workload.schedule[0].from_s",
     "starts at 0"),
    ("network: {links: [{name: lan, bandwidth_mbps: 100}], default: [lna]}", "system.network.default[0]",
     "did you mean 'lan'?"),
    ("network: {paths: [{between: [client, wbe], via: []}]}", "system.network.paths[0].between[1]",
     "did you mean 'web'?"),
    ("network: {links: [{name: cpu, bandwidth_mbps: 100}]}", "system.network.links[0]",
     "'cpu' is the name of a server's own resource"),
]

BASE = {
    "tiers": "tiers: [{name: web, server: {cpu: {cores: 2}}, locks: [{name: stock, rows: 10}]},"
             " {name: db, server: {disk: {kind: ssd}}}]",
    "transactions": "transactions: [{name: t, tier: web, cpu_ms: 1}]",
    "workload": "workload: {type: open, rps: 5}",
    "externals": "externals: [{name: pay, latency_ms: 10}]",
}


@pytest.mark.parametrize("section, path, message", BAD)
def test_a_bad_infrastructure_file_names_the_field(section: str, path: str, message: str) -> None:
    key = section.split(":", 1)[0]
    parts = dict(BASE)
    parts[key] = section
    text = "system:\n" + "".join(f"  {v}\n" for v in parts.values())
    with pytest.raises(tiersim.ModelError) as info:
        tiersim.loads(text)
    assert info.value.path == path, str(info.value)
    assert message in info.value.message


def test_python_built_components_check_their_fields_at_once() -> None:
    with pytest.raises(tiersim.ModelError, match="raid: 0 is out of range"):
        Disk(raid=0)
    with pytest.raises(tiersim.ModelError, match="hot_rows: 5 hot rows in a table of 2"):
        RowLocks("r", rows=2, hot_rows=5)
    with pytest.raises(tiersim.ModelError) as info:
        System("s", tiers=[Tier("web"), Tier("web")], transactions=[Transaction("t", tier="web")],
               workload=Open(rps=1)).to_model()
    assert info.value.path == "tiers[1].name"


def test_the_report_speaks_in_the_systems_terms() -> None:
    s = infra.loads(MINIMAL)
    r = s.run()
    rep = s.report(r)
    assert list(rep.columns) == ["owner", "resource", "name", "kind", "replicas", "utilization", "utilization_max",
                                 "queue", "wait", "throughput", "note"]
    row = rep.set_index("name").loc["web.cpu"]
    assert row["owner"] == "web" and row["resource"] == "cpu" and row["replicas"] == 1
    assert row["utilization"] == pytest.approx(50 * 0.010 / 2, rel=0.2)


def test_tiersim_exports_infra() -> None:
    assert tiersim.infra is infra and "infra" in tiersim.__all__
    assert Path(infra.__file__).parent.name == "infra"


def test_the_report_folds_a_tiers_servers_and_names_the_busiest() -> None:
    s = System("s", tiers=[Tier("web", servers=4, balancer="random", server=Server(cpu=Cpu(cores=1)))],
               transactions=[Transaction("t", tier="web", cpu_ms=20)], workload=Open(rps=100))
    c = s.compile()
    row = c.report(s.run(until=300, warmup=30, replications=2, seed=9)).set_index("name").loc["web.cpu"]
    assert row["replicas"] == 4
    assert row["utilization"] == pytest.approx(100 * 0.020 / 4, rel=0.1)  # the mean over the servers
    assert row["utilization_max"] > row["utilization"]                    # a random split is uneven
    with pytest.raises(KeyError, match="ask for owner 'web'"):
        c.element("web2", "cpu")


def test_a_tier_no_transaction_reaches_is_left_out() -> None:
    s = System("s", tiers=[Tier("web"), Tier("spare", servers=3)], transactions=[Transaction("t", tier="web", cpu_ms=1)],
               workload=Open(rps=10))
    c = s.compile()
    assert [sv["name"] for sv in c.model["services"]] == ["web"]
    assert {el.owner for el in c.elements} == {"web"}


def test_the_diagram_colours_a_tier_by_its_folded_rows() -> None:
    s = System("s", tiers=[Tier("web", servers=3, server=Server(cpu=Cpu(cores=1)), threads=5)],
               transactions=[Transaction("t", tier="web", cpu_ms=10)], workload=Open(rps=60))
    src = s.diagram(s.run(until=200, warmup=20, replications=1, seed=4)).source
    cpu = next(line for line in src.splitlines() if line.strip().startswith('"web:cpu"'))
    util = int(cpu.split("U ", 1)[1].split("%", 1)[0])
    assert "×3" in cpu and 17 <= util <= 23  # 60/s x 10 ms over 3 servers: 20%
