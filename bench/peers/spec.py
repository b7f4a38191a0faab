"""The four shared peer-comparison models as plain data, their run lengths and their theory.

Every tool (tiersim, SimPy, Ciw) builds its model from these dicts, so the
parameters cannot drift apart. This module imports nothing heavy: the SimPy and
Ciw workers load it without pulling in tiersim. Theory is in ``theory()``,
which the parent process calls (it needs ``tiersim.analytic``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

WARMUP_FRACTION = 0.02
"""Share of the simulated horizon deleted as warm-up, the same for every tool."""

BATCHES = 20
"""Batch-means batches (over completion time after warm-up) for the 95% half-width."""

T_975 = {19: 2.093024}  # Student t quantile, 0.975, for BATCHES - 1 degrees of freedom


@dataclass(frozen=True)
class ModelSpec:
    """One benchmark model: its plain parameters and its run length."""

    name: str
    title: str
    kind: str  # "open" or "closed"
    params: dict[str, Any]
    customers: int  # customers (open) or user cycles (closed) wanted in a full run
    rate: float  # expected completions per unit time (for the horizon)

    def horizon(self, scale: float) -> float:
        """Simulated time so that about ``customers * scale`` complete."""
        return self.customers * scale / self.rate

    def warmup(self, scale: float) -> float:
        return WARMUP_FRACTION * self.horizon(scale)


def _mva_throughput(demands: list[float], think: float, population: int) -> float:
    """Exact MVA (single class, single-server stations); only used for the horizon."""
    q = [0.0] * len(demands)
    x = 0.0
    for n in range(1, population + 1):
        r = [d * (1.0 + qk) for d, qk in zip(demands, q)]
        x = n / (think + sum(r))
        q = [x * rk for rk in r]
    return x


# Open Jackson network with feedback = examples/models/jackson_feedback.yaml:
# cpu -> disk1 (0.5) | disk2 (0.3) | exit (0.2); each disk returns to the cpu.
_JACKSON: dict[str, Any] = {
    "gamma": 10.0,
    "stations": ["cpu", "disk1", "disk2"],
    "mean_service": [0.010, 0.025, 0.030],
    "servers": [1, 1, 1],
    "routing": [[0.0, 0.5, 0.3], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]],  # P[i][j]; the rest exits
    "entry": 0,
}

# Closed interactive system, 50 users, think Z = 5 s, then cpu and disk once each.
# Both stations are FCFS: SimPy has no processor-sharing resource, and with
# exponential service a single-server PS and FCFS station have the same mean
# response (BCMP), so exact MVA is the theory either way (the bundled
# examples/models/closed_network.yaml uses PS for its cpu).
_CLOSED: dict[str, Any] = {
    "population": 50,
    "think": 5.0,
    "stations": ["cpu", "disk"],
    "mean_service": [0.050, 0.080],
}

MODELS: dict[str, ModelSpec] = {
    "mm1": ModelSpec("mm1", "M/M/1 ρ=0.8", "open",
                     {"lam": 0.8, "mu": 1.0, "servers": 1}, 1_000_000, 0.8),
    "mm4": ModelSpec("mm4", "M/M/4 ρ=0.8", "open",
                     {"lam": 3.2, "mu": 1.0, "servers": 4}, 1_000_000, 3.2),
    "jackson": ModelSpec("jackson", "Jackson 3 st. feedback", "open",
                         _JACKSON, 200_000, _JACKSON["gamma"]),
    "closed": ModelSpec("closed", "closed 2 st. N=50 Z=5", "closed", _CLOSED, 500_000,
                        _mva_throughput(_CLOSED["mean_service"], _CLOSED["think"], _CLOSED["population"])),
}


def theory(spec: ModelSpec) -> dict[str, float]:
    """Mean response and throughput from tiersim.analytic (THEORY.md)."""
    from tiersim import analytic

    p = spec.params
    if spec.name in ("mm1", "mm4"):
        m = analytic.mmc(p["lam"], p["mu"], p["servers"])
        return {"mean_response": m.mean_response, "throughput": p["lam"]}
    if spec.name == "jackson":
        gamma = [0.0] * len(p["stations"])
        gamma[p["entry"]] = p["gamma"]
        j = analytic.open_jackson(p["routing"], gamma, [1.0 / s for s in p["mean_service"]], p["servers"])
        return {"mean_response": j.end_to_end_response, "throughput": p["gamma"]}
    if spec.name == "closed":
        r = analytic.exact_mva(p["mean_service"], [False] * len(p["stations"]), p["think"], p["population"])
        n = p["population"]
        return {"mean_response": r.response[n], "throughput": r.throughput[n]}
    raise KeyError(spec.name)


class BatchStats:
    """Streaming mean response with batch means over completion time; constant memory.

    ``record(start, end)`` counts a customer (or user cycle) completing at
    ``end`` if it completes after the warm-up. The SimPy models call it inline;
    the Ciw models feed it from the records after the run.
    """

    __slots__ = ("warmup", "horizon", "width", "sums", "counts")

    def __init__(self, warmup: float, horizon: float, batches: int = BATCHES) -> None:
        self.warmup = warmup
        self.horizon = horizon
        self.width = (horizon - warmup) / batches
        self.sums = [0.0] * batches
        self.counts = [0] * batches

    def record(self, start: float, end: float) -> None:
        if end < self.warmup:
            return
        b = int((end - self.warmup) / self.width)
        if b >= len(self.sums):  # end == horizon exactly
            b = len(self.sums) - 1
        self.sums[b] += end - start
        self.counts[b] += 1

    def result(self) -> dict[str, float]:
        n = sum(self.counts)
        mean = sum(self.sums) / n if n else math.nan
        means = [s / c for s, c in zip(self.sums, self.counts) if c]
        k = len(means)
        half = math.nan
        if k == BATCHES:
            avg = sum(means) / k
            var = sum((m - avg) ** 2 for m in means) / (k - 1)
            half = T_975[k - 1] * math.sqrt(var / k)
        return {"mean_response": mean, "ci95_half": half, "customers": n,
                "throughput": n / (self.horizon - self.warmup)}
