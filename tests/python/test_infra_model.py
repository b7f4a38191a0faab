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


def steps(model: dict[str, Any], cls: str | None = None) -> dict[str, dict[str, Any]]:
    c = model["classes"][0] if cls is None else next(c for c in model["classes"] if c["name"] == cls)
    return {s["id"]: s for s in c["steps"]}


def by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(x for x in items if x["name"] == name)


def walk(model: dict[str, Any], cls: str | None = None, choose: int = 0) -> list[dict[str, Any]]:
    """The steps one request walks when every choose takes option ``choose``."""
    st = steps(model, cls)
    c = model["classes"][0] if cls is None else next(c for c in model["classes"] if c["name"] == cls)
    order = [s["id"] for s in c["steps"]]
    out, sid = [], order[0]
    while sid != "exit":
        s = st[sid]
        out.append(s)
        if "choose" in s:
            sid = s["to"][min(choose, len(s["to"]) - 1)]
        elif "branch" in s:
            sid = s["under"]
        elif "fork" in s:
            sid = s["fork"][0]
        else:
            sid = s.get("next", order[order.index(sid) + 1] if order.index(sid) + 1 < len(order) else "exit")
    return out


def actions(path: list[dict[str, Any]]) -> list[str]:
    out = []
    for s in path:
        for key in ("visit", "acquire", "release", "delay", "choose", "branch", "fork", "join"):
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
    assert model.station_names == ["web1_cpu", "web2_cpu", "db1_cpu", "db1_disk"]
    assert model.pool_names == ["web1_threads", "web2_threads"]
    text = shop.describe()
    assert "web1_threads" in text and "tiers[0].threads" in text and "choose: round_robin over 2" in text
    graph = shop.describe(steps=True)
    assert "'web balance': choose round_robin -> ['web1 thread', 'web2 thread']" in graph
    assert "'web1>db1 read': visit db1_disk" in graph


# -- hardware ------------------------------------------------------------------------------


def test_cpu_cores_and_clock_become_a_ps_station_with_servers_and_speed() -> None:
    m = simple([Tier("app", server=Server(cpu=Cpu(cores=8, clock_ghz=3.0)))],
               Transaction("t", tier="app", cpu_ms=6), reference_clock_ghz=2.0)
    assert m["stations"] == [{"name": "app1_cpu", "discipline": "ps", "servers": 8, "speed": 1.5}]
    (visit,) = m["classes"][0]["steps"]
    assert visit["service"] == {"dist": "exponential", "mean": 0.006}  # reference work; speed scales it


def test_service_cv_chooses_the_distribution() -> None:
    for cv, expected in ((0, 0.006), (1, {"dist": "exponential", "mean": 0.006}),
                         (0.5, {"dist": "lognormal", "mean": 0.006, "cv": 0.5})):
        m = simple([Tier("app")], Transaction("t", tier="app", cpu_ms=6), service_cv=cv)
        assert m["classes"][0]["steps"][0]["service"] == expected


def test_disk_costs_raid_storage_cache_and_san() -> None:
    hdd = Disk(kind="hdd", rpm=10000, seek_ms=5, transfer_mb_s=100)
    assert hdd.io_ms(64, random=True) == pytest.approx(5 + 3 + 65536 / 100e6 * 1e3)
    assert hdd.io_ms(64, random=False) == pytest.approx(0.05 + 65536 / 100e6 * 1e3)
    ssd = Disk(kind="ssd", latency_ms=0.2, transfer_mb_s=1000)
    assert ssd.io_ms(64, random=True) == ssd.io_ms(64, random=False) == pytest.approx(0.2 + 0.065536)
    disk = Disk(kind="ssd", raid=6, cache_hit_ratio=0.25, cache_ms=0.05, san=San(hba_mbps=8000, switch_ms=0.1))
    m = simple([Tier("db", server=Server(disk=disk))], Transaction("t", tier="db", reads=[Read(kib=8)]))
    assert by_name(m["stations"], "db1_disk")["servers"] == 6
    st = steps(m)
    (cache,) = [s for s in st.values() if "choose" in s]
    assert cache["choose"] == "random" and cache["weights"] == [0.25, 0.75]
    hit, miss = (st[x] for x in cache["to"])
    assert hit["delay"] == pytest.approx(0.00005)
    assert miss["visit"] == "db1_hba" and st[miss["next"]]["delay"] == pytest.approx(0.0001)
    assert st[st[miss["next"]]["next"]]["visit"] == "db1_disk"


def test_memory_is_an_overcommit_pool_and_a_page_fault_branch_before_cpu_work() -> None:
    srv = Server(cpu=Cpu(cores=4), memory=Memory(2048, page_kib=64), disk=Disk(kind="hdd", rpm=7200, seek_ms=8))
    m = simple([Tier("app", server=srv)], Transaction("t", tier="app", cpu_ms=10, mem_mb=300, cpu_after_ms=5))
    assert by_name(m["pools"], "app1_memory") == {"name": "app1_memory", "capacity": 2048, "on_full": "overcommit"}
    path = walk(m)
    assert actions(path) == ["acquire app1_memory", "branch app1_memory", "visit app1_cpu",
                             "branch app1_memory", "visit app1_cpu", "release app1_memory"]
    assert path[0]["tokens"] == 300
    page_in = steps(m)[path[1]["over"]]
    assert page_in["visit"] == "app1_disk"
    assert page_in["service"]["mean"] == pytest.approx(srv.disk.io_ms(64) / 1000)
    assert page_in["next"] == path[1]["under"]


def test_a_latch_is_a_capacity_one_pool_around_latched_cpu_work() -> None:
    m = simple([Tier("app", server=Server(memory=Memory(1024, latch_ms=0.5)))], Transaction("t", tier="app", cpu_ms=3))
    assert actions(walk(m)) == ["acquire app1_latch", "visit app1_cpu", "release app1_latch", "visit app1_cpu"]
    assert by_name(m["pools"], "app1_latch")["capacity"] == 1


def test_nic_link_router_and_latency_along_a_path() -> None:
    net = Network(links=[Link("lan", 1000, latency_ms=0.1, bonding=2)],
                  routers=[Router("core", 400, per_message_us=10, latency_ms=0.05)],
                  paths=[NetPath(("client", "web"), ["core"])], default=["core", "lan"])
    m = simple([Tier("web", server=Server(nic=Nic(100, per_message_us=20))), Tier("app")],
               Transaction("t", tier="web", reply_kib=50, calls=[Call("app", request_kib=10)]), network=net)
    assert by_name(m["stations"], "lan")["servers"] == 2
    acts = actions(walk(m))
    # client -> web: core only (its path); web -> app: web's NIC, then the default path (core,
    # lan); the empty reply app -> web: no NIC on app, core's per-message cost, both latencies
    # (an empty message takes no time on the lan); web -> client: web's NIC, core.
    assert acts == ["visit core", "delay", "visit web1_nic", "visit core", "delay", "visit lan", "delay",
                    "visit core", "delay", "delay", "visit web1_nic", "visit core", "delay"]
    st = walk(m)
    assert st[2]["service"]["mean"] == pytest.approx(20e-6 + 10 * 8192 / 100e6)
    assert st[-2]["service"]["mean"] == pytest.approx(50 * 8192 / 400e6 + 10e-6)
    assert st[-1]["delay"] == pytest.approx(0.00005)


def test_a_window_limits_one_transfer_and_streams_split_it() -> None:
    net = Network(links=[Link("wan", 1000, latency_ms=20)], default=["wan"], window_kib=64)
    tx = Transaction("get", tier="files", reply_kib=1024)
    m = simple([Tier("files")], tx, network=net)
    stall = [s for s in walk(m) if s["id"].endswith("window")]
    rtt = 0.040
    window_rate = 64 * 8192 / rtt  # bit/s
    rest_bits = (1024 - 64) * 8192
    assert len(stall) == 1
    assert stall[0]["delay"] == pytest.approx(rest_bits / window_rate - rest_bits / 1e9)
    net.streams = 4
    m4 = simple([Tier("files")], tx, network=net)
    forks = [s for s in steps(m4).values() if "fork" in s]
    assert len(forks) == 1 and len(forks[0]["fork"]) == 4
    stall4 = [s["delay"] for s in steps(m4).values() if s["id"].endswith("window")]
    rest4 = (256 - 64) * 8192
    assert stall4 == pytest.approx([rest4 / window_rate - rest4 / 1e9] * 4)


def test_compression_costs_cpu_and_saves_bytes() -> None:
    tiers = [Tier("web", server=Server(nic=Nic(100))), Tier("app", server=Server(nic=Nic(100)))]
    tx = Transaction("t", tier="web", calls=[Call("app", reply_kib=100,
                                                  compress=Compression(0.25, cpu_us_per_kib=10,
                                                                       decompress_us_per_kib=2))])
    path = walk(simple(tiers, tx))
    assert actions(path) == ["visit app1_cpu", "visit app1_nic", "visit web1_cpu"]
    assert path[0]["service"]["mean"] == pytest.approx(100 * 10e-6)   # compress at the sender
    assert path[1]["service"]["mean"] == pytest.approx(25 * 8192 / 100e6)  # a quarter of the bytes
    assert path[2]["service"]["mean"] == pytest.approx(100 * 2e-6)    # decompress at the receiver


# -- tiers, pools, calls -------------------------------------------------------------------


def test_each_server_gets_its_own_resources_and_the_balancer_is_a_choose_step() -> None:
    tier = Tier("app", servers=3, balancer="shortest_queue", threads=8, connections=[ConnectionPool(4, to="db")],
                server=Server(cpu=Cpu(2), memory=Memory(512), disk=Disk(), nic=Nic()))
    m = simple([tier, Tier("db")], Transaction("t", tier="app", calls=[Call("db")]))
    for i in (1, 2, 3):
        assert {f"app{i}_cpu", f"app{i}_disk", f"app{i}_nic"} <= {s["name"] for s in m["stations"]}
        assert {f"app{i}_threads", f"app{i}_memory", f"app{i}_conn_db"} <= {p["name"] for p in m["pools"]}
    (lb,) = [s for s in m["classes"][0]["steps"] if "choose" in s]
    assert lb["choose"] == "shortest_queue" and lb["by"] == ["app1_threads", "app2_threads", "app3_threads"]
    assert len(lb["to"]) == 3
    no_threads = simple([Tier("app", servers=2, balancer="shortest_queue")], Transaction("t", tier="app", cpu_ms=1))
    assert no_threads["classes"][0]["steps"][0]["by"] == ["app1_cpu", "app2_cpu"]


def test_a_sync_call_holds_the_callers_thread_and_an_async_call_gives_it_back() -> None:
    tiers = [Tier("web", threads=10), Tier("app", threads=5)]
    sync = actions(walk(simple(tiers, Transaction("t", tier="web", cpu_ms=1, calls=[Call("app", cpu_ms=2)]))))
    assert sync == ["acquire web1_threads", "visit web1_cpu", "acquire app1_threads", "visit app1_cpu",
                    "release app1_threads", "release web1_threads"]
    async_ = actions(walk(simple(tiers, Transaction("t", tier="web", cpu_ms=1,
                                                    calls=[Call("app", cpu_ms=2, mode="async")]))))
    assert async_ == ["acquire web1_threads", "visit web1_cpu", "release web1_threads", "acquire app1_threads",
                      "visit app1_cpu", "release app1_threads", "acquire web1_threads", "release web1_threads"]


def test_async_io_gives_the_thread_back_during_the_reads() -> None:
    tier = Tier("db", threads=4, server=Server(disk=Disk()))
    acts = actions(walk(simple([tier], Transaction("t", tier="db", cpu_ms=1, io_mode="async",
                                                   reads=[Read(count=2)], writes=[Write(random=False)]))))
    assert acts == ["acquire db1_threads", "visit db1_cpu", "release db1_threads", "visit db1_disk",
                    "visit db1_disk", "visit db1_disk", "acquire db1_threads", "release db1_threads"]


def test_a_connection_is_held_from_the_first_call_to_a_tier_to_the_last() -> None:
    tiers = [Tier("app", connections=[ConnectionPool(3, to="db")]), Tier("db")]
    tx = Transaction("t", tier="app", calls=[Call("db", cpu_ms=1, times=2), Call("db", cpu_ms=2)])
    assert actions(walk(simple(tiers, tx))) == ["acquire app1_conn_db", "visit db1_cpu", "visit db1_cpu",
                                                "visit db1_cpu", "release app1_conn_db"]
    ids = [s["id"] for s in walk(simple(tiers, tx))]
    assert ids[1:4] == ["app1>db1#1 cpu", "app1>db1#2 cpu", "app1>db1#3 cpu"]


def test_per_server_copies_multiply_only_where_a_thread_is_held() -> None:
    tiers = [Tier("web", servers=2, threads=10), Tier("app", servers=3, threads=10)]
    tx = Transaction("t", tier="web", cpu_ms=1, calls=[Call("app", cpu_ms=1)])
    m = simple(tiers, tx)
    visits = [s for s in m["classes"][0]["steps"] if s.get("visit", "").startswith("app")]
    assert len(visits) == 6  # one app copy per web server holding its thread
    assert {s["id"] for s in visits} == {f"web{i}>app{j} cpu" for i in (1, 2) for j in (1, 2, 3)}


def test_row_locks_admission_cache_parallel_and_external_systems() -> None:
    tiers = [Tier("app", admission=AdmissionLimit(50), server=Server(cpu=Cpu(8))),
             Tier("db", admission=AdmissionLimit(20, per_server=True), servers=2,
                  locks=[RowLocks("stock", rows=1000, hot_fraction=0.3, hot_rows=2)])]
    tx = Transaction("t", tier="app", cpu_ms=8, parallel=4, calls=[
        Call("db", cpu_ms=1, lock="stock", cache=Cache(0.9, hit_ms=0.2)), Call("pay", mode="async")])
    m = simple(tiers, tx, externals=[ExternalSystem("pay", latency_ms=80, concurrency=5)])
    pools = {p["name"]: p for p in m["pools"]}
    assert pools["app_admission"] == {"name": "app_admission", "capacity": 50, "on_full": "reject"}
    assert pools["db1_admission"]["on_full"] == "reject" and "db_admission" not in pools
    assert pools["db_stock"] == {"name": "db_stock", "capacity": 1, "keys": 1000}
    assert pools["pay_slots"]["capacity"] == 5 and by_name(m["stations"], "pay")["discipline"] == "delay"
    st = steps(m)
    (fork,) = [s for s in st.values() if "fork" in s]
    assert [st[b]["service"]["mean"] for b in fork["fork"]] == [0.002] * 4
    (lock,) = [s for s in st.values() if s.get("acquire") == "db_stock"][:1]
    assert lock["key"] == {"hot_fraction": 0.3, "hot_keys": 2}
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
    assert model.station_names == ["web1_cpu"] and model.run_settings == {"until": 100, "replications": 2, "seed": 3}
    assert tiersim.loads(MINIMAL) == model
    system = infra.load(path)
    assert system.to_model() == model
    assert infra.loads(system.to_yaml()) == system
    jpath = write_model(json.dumps(system.to_dict()), "mini.json")
    assert tiersim.load(jpath) == model
    r = model.run(progress=False)
    assert r.stations.loc[0, "name"] == "web1_cpu"


def test_the_cli_runs_and_checks_an_infrastructure_file(write_model: Any, run_cli: Any) -> None:
    path = write_model(MINIMAL, "mini.yaml")
    out = run_cli("run", path, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["model"] == "mini" and doc["stations"][0]["name"] == "web1_cpu"
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
    ("network: {links: [{name: web1_cpu, bandwidth_mbps: 100}]}", "system.network.links[0]",
     "'web1_cpu' is also used by tiers[0].server.cpu"),
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
    assert list(rep.columns) == ["owner", "resource", "name", "kind", "utilization", "queue", "wait",
                                 "throughput", "note"]
    row = rep.set_index("name").loc["web1_cpu"]
    assert row["owner"] == "web1" and row["resource"] == "cpu"
    assert row["utilization"] == pytest.approx(50 * 0.010 / 2, rel=0.2)


def test_tiersim_exports_infra() -> None:
    assert tiersim.infra is infra and "infra" in tiersim.__all__
    assert Path(infra.__file__).parent.name == "infra"
