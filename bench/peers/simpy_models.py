"""The four peer-comparison models written in SimPy 4, the way its docs teach.

Stations are ``simpy.Resource`` objects, customers and users are generator
processes, a source process creates open arrivals. Each source of randomness
has its own ``random.Random`` stream. Statistics are collected inline in
constant memory (``spec.BatchStats``). ``run(name, scale, seed)`` returns the
mean response, throughput, customers counted and the simulation's wall time.
"""

from __future__ import annotations

import random
import time
from typing import Any

import simpy

from spec import MODELS, BatchStats


def _mmc(env: simpy.Environment, p: dict[str, Any], seed: int, stats: BatchStats) -> None:
    server = simpy.Resource(env, capacity=p["servers"])
    arrivals = random.Random(seed)
    services = random.Random(seed + 1)
    lam, mu = p["lam"], p["mu"]

    def customer(env: simpy.Environment):
        arrive = env.now
        with server.request() as req:
            yield req
            yield env.timeout(services.expovariate(mu))
        stats.record(arrive, env.now)

    def source(env: simpy.Environment):
        while True:
            yield env.timeout(arrivals.expovariate(lam))
            env.process(customer(env))

    env.process(source(env))


def _jackson(env: simpy.Environment, p: dict[str, Any], seed: int, stats: BatchStats) -> None:
    n = len(p["stations"])
    stations = [simpy.Resource(env, capacity=c) for c in p["servers"]]
    rates = [1.0 / s for s in p["mean_service"]]
    services = [random.Random(seed + 1 + i) for i in range(n)]
    arrivals = random.Random(seed)
    router = random.Random(seed + 100)
    # Cumulative routing probabilities per station; past the last one: exit.
    cumulative = []
    for row in p["routing"]:
        acc, cum = 0.0, []
        for j, prob in enumerate(row):
            if prob > 0.0:
                acc += prob
                cum.append((acc, j))
        cumulative.append(cum)

    def job(env: simpy.Environment):
        arrive = env.now
        k = p["entry"]
        while k is not None:
            with stations[k].request() as req:
                yield req
                yield env.timeout(services[k].expovariate(rates[k]))
            u = router.random()
            nxt = None
            for acc, j in cumulative[k]:
                if u < acc:
                    nxt = j
                    break
            k = nxt
        stats.record(arrive, env.now)

    def source(env: simpy.Environment):
        gamma = p["gamma"]
        while True:
            yield env.timeout(arrivals.expovariate(gamma))
            env.process(job(env))

    env.process(source(env))


def _closed(env: simpy.Environment, p: dict[str, Any], seed: int, stats: BatchStats) -> None:
    stations = [simpy.Resource(env, capacity=1) for _ in p["stations"]]
    rates = [1.0 / s for s in p["mean_service"]]
    services = [random.Random(seed + 1 + i) for i in range(len(stations))]
    thinking = random.Random(seed)
    think_rate = 1.0 / p["think"]

    def user(env: simpy.Environment):
        while True:
            yield env.timeout(thinking.expovariate(think_rate))
            start = env.now
            for k, station in enumerate(stations):
                with station.request() as req:
                    yield req
                    yield env.timeout(services[k].expovariate(rates[k]))
            stats.record(start, env.now)

    for _ in range(p["population"]):
        env.process(user(env))


_BUILDERS = {"mm1": _mmc, "mm4": _mmc, "jackson": _jackson, "closed": _closed}


def run(name: str, scale: float = 1.0, seed: int = 42) -> dict[str, Any]:
    """Simulates model ``name`` for ``scale`` times its full horizon; returns its results."""
    spec = MODELS[name]
    horizon, warmup = spec.horizon(scale), spec.warmup(scale)
    stats = BatchStats(warmup, horizon)
    t0, c0 = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    _BUILDERS[name](env, spec.params, seed, stats)
    env.run(until=horizon)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {**stats.result(), "wall_seconds": wall, "cpu_seconds": cpu, "horizon": horizon, "warmup": warmup,
            "version": simpy.__version__}
