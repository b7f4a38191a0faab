"""The four peer-comparison models built through the tiersim Python API.

The same parameters (``spec.MODELS``), horizon and warm-up as the SimPy and
Ciw versions. ``run`` times ``tiersim.Model.run`` as a user calls it (model to
JSON, the compiled run, the results document back), one replication on one
thread, batch means for the 95% interval. Its runs take a fraction of a
second, so the wall time is the median of ``repeats`` identical runs.
``run_all_cores`` runs one replication per core in parallel (each of the full
horizon) and counts the customers of all of them.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import tiersim
from tiersim import Exponential

from spec import BATCHES, MODELS


def build(name: str) -> tiersim.Model:
    """The tiersim model of benchmark model ``name``."""
    p = MODELS[name].params
    m = tiersim.Model(name)
    if name in ("mm1", "mm4"):
        m.station("server", servers=p["servers"])
        m.open_class("customers", Exponential(rate=p["lam"])).visit("server", Exponential(rate=p["mu"]))
    elif name == "jackson":
        names = p["stations"]
        for station, c in zip(names, p["servers"]):
            m.station(station, servers=c)
        jobs = m.open_class("jobs", Exponential(rate=p["gamma"]))
        for i, (station, s) in enumerate(zip(names, p["mean_service"])):
            edges = [(names[j], prob) for j, prob in enumerate(p["routing"][i]) if prob > 0.0]
            rest = 1.0 - sum(prob for _, prob in edges)
            if rest > 1e-12:
                edges.append(("exit", rest))
            jobs.visit(station, Exponential(mean=s), next=edges[0][0] if len(edges) == 1 else edges)
    elif name == "closed":
        for station in p["stations"]:
            m.station(station)
        users = m.closed_class("users", p["population"], think=Exponential(mean=p["think"]))
        for station, s in zip(p["stations"], p["mean_service"]):
            users.visit(station, Exponential(mean=s))
    else:
        raise KeyError(name)
    return m


def _summary(doc: dict[str, Any], replications: int) -> dict[str, Any]:
    c = doc["classes"][0]
    lo, hi = c["response"]["ci95"]
    return {
        "mean_response": c["response"]["mean"],
        "ci95_half": (hi - lo) / 2.0,
        "throughput": c["throughput"],
        "customers": int(round(c["completions"] * replications)),  # completions are per replication
        "events": doc["run"]["events"],
        "core_wall_seconds": doc["run"]["wall_seconds"],
    }


def run(name: str, scale: float = 1.0, seed: int = 42, repeats: int = 5) -> dict[str, Any]:
    """One replication, one thread; the median wall time of ``repeats`` runs."""
    spec = MODELS[name]
    horizon, warmup = spec.horizon(scale), spec.warmup(scale)
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        m = build(name)
        r = m.run(until=horizon, warmup=warmup, replications=1, batches=BATCHES, seed=seed, threads=1,
                  progress=False)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return {**_summary(r.to_dict(), 1), "wall_seconds": statistics.median(walls), "walls": walls,
           "cpu_seconds": statistics.median(cpus), "cpus": cpus,
            "horizon": horizon, "warmup": warmup, "version": tiersim.__version__}


def run_all_cores(name: str, scale: float = 1.0, seed: int = 42, repeats: int = 3) -> dict[str, Any]:
    """One full-horizon replication per core, all cores; customers of all replications."""
    spec = MODELS[name]
    horizon, warmup = spec.horizon(scale), spec.warmup(scale)
    cores = os.cpu_count() or 1
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        r = build(name).run(until=horizon, warmup=warmup, replications=cores, seed=seed, threads=cores,
                            progress=False)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    out = {**_summary(r.to_dict(), cores), "wall_seconds": statistics.median(walls), "walls": walls,
           "cpu_seconds": statistics.median(cpus), "cpus": cpus,
           "threads": cores, "replications": cores, "horizon": horizon, "warmup": warmup,
           "version": tiersim.__version__}
    return out
