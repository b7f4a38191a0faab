# The infrastructure vocabulary against theory: each component compiled to the core and
# simulated with fixed seeds, compared with the queueing result it should reproduce,
# within the run's 95% interval (plus a small stated slack).
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tiersim import analytic
from tiersim.infra import (
    AdmissionLimit,
    Batch,
    Call,
    Closed,
    Cpu,
    Disk,
    ExternalSystem,
    Link,
    Memory,
    Network,
    Nic,
    Open,
    Read,
    RowLocks,
    Server,
    System,
    Tier,
    Transaction,
)


def station(r: Any, name: str) -> dict[str, Any]:
    return next(s for s in r.to_dict()["stations"] if s["name"] == name)


def pool(r: Any, name: str) -> dict[str, Any]:
    return next(p for p in r.to_dict()["pools"] if p["name"] == name)


def klass(r: Any, name: str) -> dict[str, Any]:
    return next(c for c in r.to_dict()["classes"] if c["name"] == name)


def covers(ci: list[float], theory: float, slack: float = 0.02) -> bool:
    """Theory lies in the interval widened by ``slack`` (relative) on each side."""
    lo, hi = ci
    return lo - slack * abs(theory) <= theory <= hi + slack * abs(theory)


def one_tier(server: Server, tx: Transaction, workload: Any, **tier: Any) -> System:
    return System("t", tiers=[Tier(tx.root.tier, server=server, **tier)], transactions=[tx], workload=workload)


# -- disks -------------------------------------------------------------------------------------

HDD = dict(kind="hdd", rpm=15000, seek_ms=4, transfer_mb_s=200)


@pytest.mark.parametrize("k", [1, 4])
def test_raid_of_k_disks_behaves_as_k_servers(k: int) -> None:
    s_io = Disk(**HDD).io_ms(8) / 1000  # seek 4 + half a rotation 2 + 8 KiB at 200 MB/s
    assert s_io == pytest.approx(0.004 + 0.002 + 8192 / 200e6)
    lam = 0.8 * k / s_io
    sysm = one_tier(Server(disk=Disk(**HDD, raid=k)), Transaction("read", tier="db", reads=[Read(kib=8)]),
                    Open(rps=lam))
    r = sysm.run(until=200, warmup=10, replications=6, seed=11)
    d = station(r, "db.disk")
    th = analytic.mmc(lam, 1 / s_io, k)
    assert d["servers"] == k
    assert covers(d["ci95"]["mean_wait"], th.mean_wait, 0.03)
    assert covers(d["ci95"]["mean_response"], th.mean_response, 0.02)


def test_a_storage_cache_hit_skips_the_disk() -> None:
    disk = Disk(kind="ssd", latency_ms=2, cache_hit_ratio=0.75, cache_ms=0.1)
    sysm = one_tier(Server(disk=disk), Transaction("read", tier="db", reads=[Read(kib=0)]), Open(rps=100))
    r = sysm.run(until=200, warmup=10, replications=4, seed=12)
    assert covers(station(r, "db.disk")["ci95"]["throughput"], 25.0, 0.02)
    # Mean response: 3/4 hits of 0.1 ms, 1/4 an M/M/1 (lambda 25, S 2 ms).
    th = 0.75 * 0.0001 + 0.25 * analytic.mm1(25, 500).mean_response
    assert covers(klass(r, "read")["response"]["ci95"], th, 0.03)


# -- row locks -------------------------------------------------------------------------------


def hot_row_system(hot_rows: int) -> System:
    # Each order holds one stock row for an exponential 100 ms of CPU on a machine with more
    # cores than ever busy: a row is a FCFS single server, i.e. an M/M/1 queue for its lock.
    return one_tier(Server(cpu=Cpu(cores=500)),
                    Transaction("order", tier="db", cpu_ms=100, lock="stock"), Open(rps=15),
                    locks=[RowLocks("stock", rows=1000, hot_fraction=0.4, hot_rows=hot_rows)])


def test_a_hot_row_waits_as_an_mm1_queue_and_splitting_it_cuts_the_wait_as_theory_says() -> None:
    one = hot_row_system(1).run(until=10000, warmup=500, replications=8, seed=21)
    four = hot_row_system(4).run(until=10000, warmup=500, replications=8, seed=22)
    hot = pool(one, "db_stock")["hot_keys"]
    assert hot[0]["key"] == 0
    # The hot row: lambda = 15 x 0.4 = 6/s, mu = 10/s -> W = rho/(mu - lambda) = 0.15 s.
    assert hot[0]["mean_wait"] == pytest.approx(analytic.mm1(6.0, 10.0).mean_wait, rel=0.08)
    # Split into 4 rows: each gets 1.5/s -> W = 0.15/8.5 = 17.6 ms, a cut of 8.5x.
    split = analytic.mm1(1.5, 10.0).mean_wait
    waits = [k["mean_wait"] for k in pool(four, "db_stock")["hot_keys"] if k["key"] < 4]
    assert len(waits) == 4
    for w in waits:
        assert w == pytest.approx(split, rel=0.15)
    assert np.mean(waits) == pytest.approx(split, rel=0.07)


# -- admission, external systems, latches ------------------------------------------------------


def test_an_admission_limit_rejects_the_fraction_mmck_predicts() -> None:
    # At most 6 requests in a tier with 2 cores (processor sharing of exponential work is the
    # same birth-death process as 2 FCFS servers): M/M/2/6.
    sysm = one_tier(Server(cpu=Cpu(cores=2)), Transaction("req", tier="app", cpu_ms=1000), Open(rps=2.2),
                    admission=AdmissionLimit(6))
    r = sysm.run(until=20000, warmup=500, replications=8, seed=31)
    th = analytic.mmck(2.2, 1.0, 2, 6)
    c = klass(r, "req")
    assert c["loss_probability"] == pytest.approx(th.loss_probability, rel=0.04)
    assert pool(r, "app_admission")["rejections"] == pytest.approx(c["losses"])
    assert covers(station(r, "app.cpu")["ci95"]["mean_in_system"], th.mean_in_system, 0.02)


def test_an_external_system_with_limited_concurrency_queues_as_erlang_c() -> None:
    # 4 slots, 100 ms each (exponential), 30 calls/s: M/M/4 with a = 3 erlangs.
    sysm = System("ext", tiers=[Tier("app", server=Server(cpu=Cpu(cores=64)))],
                  externals=[ExternalSystem("payment", latency_ms=100, concurrency=4)],
                  transactions=[Transaction("pay", tier="app", calls=[Call("payment")])], workload=Open(rps=30))
    r = sysm.run(until=4000, warmup=200, replications=6, seed=32)
    th = analytic.mmc(30, 10, 4)
    assert covers(pool(r, "payment_slots")["ci95"]["mean_wait"], th.mean_wait, 0.04)
    assert covers(klass(r, "pay")["response"]["ci95"], th.mean_response, 0.02)


def test_a_latch_is_a_single_server_queue_for_the_latched_work() -> None:
    # 2 ms of CPU under the latch per request, 250 requests/s, ample cores: M/M/1 at rho = 0.5.
    sysm = one_tier(Server(cpu=Cpu(cores=256), memory=Memory(1024, latch_ms=2)),
                    Transaction("get", tier="app", cpu_ms=1), Open(rps=250))
    r = sysm.run(until=400, warmup=20, replications=6, seed=33)
    assert covers(pool(r, "app.latch")["ci95"]["mean_wait"], analytic.mm1(250, 500).mean_wait, 0.04)


# -- memory ------------------------------------------------------------------------------------


def test_memory_overflow_pages_in_proportion_to_the_overflow() -> None:
    # 5 requests always in service, 30 MiB working sets in 100 MiB: 150 held, a third pages.
    sysm = one_tier(Server(cpu=Cpu(cores=64), memory=Memory(100, page_in_ms=10)),
                    Transaction("job", tier="app", cpu_ms=100, mem_mb=30), Closed(users=5, think_s=0))
    r = sysm.run(until=3000, warmup=100, replications=4, seed=41)
    rep = sysm.report(r).set_index("resource")
    share = float(rep.loc["memory", "note"].split()[-1].rstrip("%")) / 100
    assert share == pytest.approx(1 / 3, abs=0.012)
    assert rep.loc["memory", "utilization"] == pytest.approx(1.5, rel=0.01)
    assert station(r, "app.swap")["throughput"] == pytest.approx(klass(r, "job")["throughput"] / 3, rel=0.04)


# -- scale-up and bandwidth -------------------------------------------------------------------


@pytest.mark.parametrize("clock", [2.0, 4.0])
def test_doubling_the_clock_halves_the_cpu_demand(clock: float) -> None:
    sysm = System("clock", reference_clock_ghz=2.0,
                  tiers=[Tier("app", server=Server(cpu=Cpu(cores=1, clock_ghz=clock)))],
                  transactions=[Transaction("req", tier="app", cpu_ms=8)], workload=Open(rps=60))
    r = sysm.run(until=1000, warmup=50, replications=6, seed=51)
    cpu = station(r, "app.cpu")
    s = 0.008 * 2.0 / clock
    assert cpu["mean_service"] == pytest.approx(s, rel=0.015)
    assert covers(cpu["ci95"]["mean_response"], analytic.mg1_ps(60, s).mean_response, 0.02)


@pytest.mark.parametrize("mbps", [100.0, 200.0])
def test_doubling_the_bandwidth_halves_the_transfer_time(mbps: float) -> None:
    # A 100 KiB reply: 819,200 bits take 8.19 ms at 100 Mbit/s, 4.10 ms at 200, at the NIC
    # and again at the link.
    sysm = System("bw", tiers=[Tier("web", server=Server(nic=Nic(bandwidth_mbps=mbps)))],
                  network=Network(links=[Link("wan", bandwidth_mbps=mbps, latency_ms=5)], default=["wan"]),
                  transactions=[Transaction("page", tier="web", reply_kib=100)], workload=Open(rps=40))
    r = sysm.run(until=1000, warmup=50, replications=6, seed=52)
    t = 100 * 1024 * 8 / (mbps * 1e6)
    for name in ("web.nic", "wan"):
        st = station(r, name)
        assert st["mean_service"] == pytest.approx(t, rel=0.015)
    # Two M/M/1 queues in tandem (Burke), and 5 ms of latency each way (the empty request
    # still crosses the link).
    th = 2 * analytic.mm1(40, 1 / t).mean_response + 2 * 0.005
    assert covers(klass(r, "page")["response"]["ci95"], th, 0.02)


# -- threads: synchronous vs asynchronous I/O --------------------------------------------------


def io_system(io_mode: str, raid: int) -> System:
    # 4 threads; 2 ms of CPU then one 10 ms read (an SSD with 10 ms latency: a slow SAN array).
    return one_tier(Server(cpu=Cpu(cores=16), disk=Disk(kind="ssd", latency_ms=10, raid=raid)),
                    Transaction("req", tier="app", cpu_ms=2, reads=[Read(kib=0)], io_mode=io_mode),
                    Closed(users=100, think_s=0.1), threads=4)


def test_async_io_raises_throughput_when_threads_are_the_limit() -> None:
    sync = io_system("sync", raid=16).run(until=300, warmup=20, replications=4, seed=61)
    async_ = io_system("async", raid=16).run(until=300, warmup=20, replications=4, seed=62)
    x_sync, x_async = klass(sync, "req")["throughput"], klass(async_, "req")["throughput"]
    # Sync: each of the 4 threads is held for 2 + 10 ms, nothing else queues: X = 4/0.012.
    assert x_sync == pytest.approx(4 / 0.012, rel=0.02)
    assert pool(sync, "app.threads")["utilization"] > 0.99
    # Async: a thread is held only for the CPU work, so the 4 threads act as 4 servers for it:
    # a product-form closed network (4-server CPU, 16-server disk, think 0.1 s).
    mva = analytic.exact_mva_ld([0.002, 0.010], [4, 16], [False, False], 0.1, 100)
    assert covers(klass(async_, "req")["throughput_ci95"], float(mva.throughput[-1]), 0.02)
    assert x_async > 2.5 * x_sync


def test_async_io_does_nothing_when_the_disk_is_the_limit() -> None:
    sync = io_system("sync", raid=1).run(until=300, warmup=20, replications=4, seed=63)
    async_ = io_system("async", raid=1).run(until=300, warmup=20, replications=4, seed=64)
    for r in (sync, async_):
        assert klass(r, "req")["throughput"] == pytest.approx(100.0, rel=0.02)  # 1 / 10 ms
        assert station(r, "app.disk")["utilization"] > 0.99


# -- batch makespan -----------------------------------------------------------------------------


def makespan_ctmc(n: int, s_cpu: float, cores: int, s_disk: float, spindles: int) -> float:
    """Expected time for n jobs, all starting at the CPU, to pass CPU then disk (exponential
    services): absorption time of the Markov chain on (jobs at CPU, jobs at disk)."""
    states = [(i, j) for i in range(n + 1) for j in range(n + 1 - i) if i + j > 0]
    index = {st: k for k, st in enumerate(states)}
    a = np.zeros((len(states), len(states)))
    b = np.ones(len(states))
    for (i, j), k in index.items():
        r_cpu = min(i, cores) / s_cpu
        r_disk = min(j, spindles) / s_disk
        a[k, k] = r_cpu + r_disk
        if r_cpu:
            a[k, index[(i - 1, j + 1)]] -= r_cpu
        if r_disk and (i, j - 1) in index:
            a[k, index[(i, j - 1)]] -= r_disk
    return float(np.linalg.solve(a, b)[index[(n, 0)]])


def test_a_batch_makespan_matches_the_closed_network() -> None:
    sysm = one_tier(Server(cpu=Cpu(cores=2), disk=Disk(kind="ssd", latency_ms=8)),
                    Transaction("job", tier="app", cpu_ms=10, reads=[Read(kib=0)]), Batch(jobs=30))
    r = sysm.run(replications=300, seed=71)
    c = klass(r, "job")
    th = makespan_ctmc(30, 0.010, 2, 0.008, 1)
    assert c["unfinished"] == 0
    assert covers(c["makespan_ci95"], th, 0.01)
    # Past the start the disk is the bottleneck: the makespan is near N x 8 ms plus the lead-in.
    assert 30 * 0.008 < th < 30 * 0.008 + 0.03


# -- a 3-tier system against MVA and a layered argument ----------------------------------------


def three_tier(app_threads: int, users: int, think: float) -> System:
    return System(
        "three_tier",
        tiers=[
            Tier("web", servers=2, balancer="random", server=Server(cpu=Cpu(cores=4)), threads=1000),
            Tier("app", server=Server(cpu=Cpu(cores=4)), threads=app_threads),
            Tier("db", server=Server(cpu=Cpu(cores=2), disk=Disk(kind="ssd", latency_ms=8)), threads=1000),
        ],
        transactions=[Transaction("order").at("web", cpu_ms=2).at(
            "app", cpu_ms=10, calls=[Call("db", cpu_ms=5, reads=[Read(kib=0)], times=2)])],
        workload=Closed(users=users, think_s=think))


def test_three_tiers_with_ample_thread_pools_agree_with_mva() -> None:
    # Demands per request: web 2 ms split over 2 random servers, app 10, db CPU 2 x 5, disk 2 x 8.
    r = three_tier(1000, users=50, think=1.0).run(until=600, warmup=50, replications=6, seed=81)
    mva = analytic.exact_mva_ld([0.001, 0.001, 0.010, 0.010, 0.016], [4, 4, 4, 2, 1], [False] * 5, 1.0, 50)
    c = klass(r, "order")
    assert covers(c["throughput_ci95"], float(mva.throughput[-1]), 0.01)
    assert covers(c["response"]["ci95"], float(mva.response[-1]), 0.03)


def test_a_binding_thread_pool_is_a_closed_network_of_its_threads() -> None:
    # 3 app threads held across both DB calls, and far more demand than they can serve: the
    # threads always busy, the app CPU, DB CPU and disk below them form a closed network of
    # 3 customers, so the system's throughput is MVA's X(3) of that sub-network.
    r = three_tier(3, users=100, think=0.2).run(until=600, warmup=50, replications=6, seed=82)
    sub = analytic.exact_mva_ld([0.010, 0.010, 0.016], [4, 2, 1], [False] * 3, 0.0, 3)
    assert pool(r, "app.threads")["utilization"] > 0.995
    assert covers(klass(r, "order")["throughput_ci95"], float(sub.throughput[3]), 0.01)
    # With ample threads the same users get close to the disk's 62.5/s: the pool, not the
    # disk, is what limits here.
    ample = analytic.exact_mva_ld([0.001, 0.001, 0.010, 0.010, 0.016], [4, 4, 4, 2, 1], [False] * 5, 0.2, 100)
    assert float(ample.throughput[-1]) > 61
    assert klass(r, "order")["throughput"] < 0.92 * float(ample.throughput[-1])
