"""The four peer-comparison models written in Ciw 3, the way its docs teach.

Each model is a ``ciw.create_network`` description run by
``Simulation.simulate_until_max_time``; results come from
``Simulation.get_all_records()``. Ciw draws from a global generator seeded by
``ciw.seed``. Ciw has no closed class: the closed network is a cycle
think -> cpu -> disk -> think through an infinite-server think node, filled
by one batch of N users arriving at time 0 and no arrivals after.

``wall_seconds`` times building the network and the simulation only; turning
the records into a mean response is timed apart as ``post_seconds`` (it
would only widen the gap).
"""

from __future__ import annotations

import time
from typing import Any

import ciw

from spec import MODELS, BatchStats


def _network(name: str, p: dict[str, Any]) -> ciw.Network:
    Exp = ciw.dists.Exponential
    if name in ("mm1", "mm4"):
        return ciw.create_network(
            arrival_distributions=[Exp(rate=p["lam"])],
            service_distributions=[Exp(rate=p["mu"])],
            number_of_servers=[p["servers"]],
        )
    if name == "jackson":
        n = len(p["stations"])
        arrivals: list[Any] = [None] * n
        arrivals[p["entry"]] = Exp(rate=p["gamma"])
        return ciw.create_network(
            arrival_distributions=arrivals,
            service_distributions=[Exp(rate=1.0 / s) for s in p["mean_service"]],
            number_of_servers=list(p["servers"]),
            routing=[list(row) for row in p["routing"]],
        )
    if name == "closed":
        k = len(p["stations"])
        # node 1 = think (infinite servers), nodes 2..k+1 = the stations in order
        routing = [[0.0] * (k + 1) for _ in range(k + 1)]
        for i in range(k + 1):
            routing[i][(i + 1) % (k + 1)] = 1.0
        return ciw.create_network(
            arrival_distributions=[ciw.dists.Sequential([0.0, float("inf")])] + [None] * k,
            batching_distributions=[ciw.dists.Deterministic(p["population"])]
            + [ciw.dists.Deterministic(1)] * k,
            service_distributions=[Exp(rate=1.0 / p["think"])] + [Exp(rate=1.0 / s) for s in p["mean_service"]],
            number_of_servers=[float("inf")] + [1] * k,
            routing=routing,
        )
    raise KeyError(name)


def _collect(name: str, p: dict[str, Any], records: list[Any], stats: BatchStats) -> None:
    if name in ("mm1", "mm4"):
        for r in records:
            stats.record(r.arrival_date, r.exit_date)
    elif name == "jackson":
        # End to end: from the customer's first arrival to its exit (destination -1).
        first: dict[int, float] = {}
        for r in records:
            start = first.setdefault(r.id_number, r.arrival_date)
            if r.destination == -1:
                stats.record(start, r.exit_date)
    elif name == "closed":
        # A cycle's response: arrival at the first station to exit from the last.
        first_node, last_node = 2, 1 + len(p["stations"])
        began: dict[int, float] = {}
        for r in records:
            if r.node == first_node:
                began[r.id_number] = r.arrival_date
            elif r.node == last_node and r.id_number in began:
                stats.record(began[r.id_number], r.exit_date)


def run(name: str, scale: float = 1.0, seed: int = 42) -> dict[str, Any]:
    """Simulates model ``name`` for ``scale`` times its full horizon; returns its results."""
    spec = MODELS[name]
    horizon, warmup = spec.horizon(scale), spec.warmup(scale)
    stats = BatchStats(warmup, horizon)
    t0, c0 = time.perf_counter(), time.process_time()
    ciw.seed(seed)
    sim = ciw.Simulation(_network(name, spec.params))
    sim.simulate_until_max_time(horizon)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    records = sim.get_all_records()
    _collect(name, spec.params, records, stats)
    post = time.perf_counter() - t1
    return {**stats.result(), "wall_seconds": wall, "cpu_seconds": cpu, "post_seconds": post, "records": len(records),
            "horizon": horizon, "warmup": warmup, "version": ciw.__version__}
