"""An approximate layered solver: queueing theory for models with pools held across steps.

Threads, connections and row locks are *passive* resources: a request holds a
token while it visits other stations (and waits for them), so the classical
product-form solvers (MVA, Jackson) do not apply. This solver uses the
decomposition that layered queueing solvers build on — a pool is a
*flow-equivalent server* (FES, Chandy–Herzog–Woo / Norton's theorem for
queueing networks) for the part of the route it holds:

1. The steps a pool holds (its *region*) are solved on their own as a closed
   network with n = 1 … C requests inside (C the pool's capacity), by exact
   MVA with load-dependent stations; that gives the region's throughput
   X_p(n). Pools nested inside the region are FES centres of the region,
   solved the same way first (recursively).
2. Outside, the pool is one load-dependent centre whose rate with j requests
   present is X_p(min(j, C)): at most C are inside, the rest wait for a token.
3. The whole route is then one closed network (a closed class: N users,
   think time Z) solved by exact load-dependent MVA; or, for open classes, an
   open decomposition where each centre is an M/M/c (stations) or an M/M/C
   whose service time is the holding time (pools), its queue the wait for a
   token.

Multi-server stations are load-dependent centres with rate min(j, c)/D; the
speed factors are already in the service times. Stations visited both inside
and outside a region, and open load on a closed model, are coupled by the
usual mixed-network approximation: the closed requests see a station's
service stretched by 1/(1 − U_other). A lock table is a pool of capacity
capacity / (hottest key's share): exact for one hot row, the right ceiling
for a uniform table.

What it leaves out, and what it costs (docs/guides/finding-bottlenecks.md has
the validation figures): several closed classes (solved one at a time by the
simulation only), rejecting pools (the rejections), paging (branches are taken
at probability 0), fork/join regions (branches in series, an upper estimate),
non-exponential service (the FES and M/M/c assume exponential).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["LayeredSolution", "solve_layered", "NotApplicable"]


class NotApplicable(ValueError):
    """The model is outside the solver's class (the message says why)."""


@dataclass
class _Centre:
    """A load-dependent centre: rate(j) requests per second with j present."""

    name: str
    kind: str  # "station", "pool", "lock"
    demand: float = 0.0  # stations: seconds of work per entry into the enclosing network
    servers: int = 1
    fes: list[float] | None = None  # pools: the region's throughput with 1..C inside (per entry)
    capacity: int = 0
    stretch: float = 1.0

    def rate(self, j: int) -> float:
        if self.fes is not None:
            return self.fes[min(j, len(self.fes)) - 1]
        return min(j, self.servers) / (self.demand * self.stretch)


def _ld_mva(centres: Sequence[_Centre], think: float,
            population: int) -> tuple[list[float], list[float], list[list[float]]]:
    """Exact single-class MVA with load-dependent centres (Reiser–Lavenberg with marginals).

    Returns the throughput X(n) for n = 1..population, each centre's residence
    time per entry and its queue-length distribution, both at n = population.
    """
    k = len(centres)
    # p[i][j]: probability of j requests at centre i (with n requests in the network).
    p = [[1.0] + [0.0] * population for _ in range(k)]
    xs: list[float] = []
    residence = [0.0] * k
    rates = [[c.rate(j) for j in range(1, population + 1)] for c in centres]
    for n in range(1, population + 1):
        for i in range(k):
            residence[i] = sum(j / rates[i][j - 1] * p[i][j - 1] for j in range(1, n + 1))
        x = n / (think + sum(residence))
        xs.append(x)
        for i in range(k):
            new = [0.0] * (population + 1)
            for j in range(1, n + 1):
                new[j] = x / rates[i][j - 1] * p[i][j - 1]
            new[0] = max(0.0, 1.0 - sum(new[1:]))
            p[i] = new
    return xs, residence, p


def _erlang_c(c: int, a: float) -> float:
    """Probability of waiting in an M/M/c queue with offered load a = λ·S (a < c)."""
    if a <= 0:
        return 0.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho + rho * b)


def _mmc_wait(c: int, lam: float, s: float) -> float:
    a = lam * s
    if a >= c:
        return math.inf
    return _erlang_c(c, a) * s / (c - a)


@dataclass(frozen=True)
class LayeredSolution:
    """The layered solver's predictions.

    ``classes``: name, throughput, response. ``resources``: one row per station
    and pool with ``utilization`` (per unit of capacity; a lock table's hottest
    key), ``wait`` (per request: waiting for it), ``holding`` (pools: seconds held
    per acquisition), ``ceiling`` (the total throughput at which it is full:
    c/D for a station, the pool's region throughput with every token taken for a
    pool). ``bottleneck`` is the resource with the lowest ceiling. ``method``
    names the approximation, ``notes`` what it leaves out for this model.
    """

    classes: pd.DataFrame
    resources: pd.DataFrame
    bottleneck: str
    bottleneck_kind: str
    method: str
    notes: list[str] = field(default_factory=list)


_MVA_LIMIT = 2000  # tokens or users beyond which a region's curve is extended, not solved


def _held(s: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(h[0] for h in s["held"])


def solve_layered(structure: Mapping[str, Any]) -> LayeredSolution:
    """Solves the compiled structure of a model (``analyze_json()["structure"]``).

    Raises :class:`NotApplicable` naming why for a model outside its class
    (more than one closed class, batch classes).
    """
    stations = {s["name"]: s for s in structure["stations"]}
    pools = {p["name"]: p for p in structure["pools"]}
    classes = list(structure["classes"])
    notes: list[str] = []
    if structure.get("services"):
        raise NotApplicable("services (calls between tiers): their layered predictions are not "
                            "implemented here yet; the simulation's verdict covers them")
    if any(c["type"] == "batch" for c in classes):
        raise NotApplicable("batch classes: the layered solver covers open and closed classes")
    closed = [c for c in classes if c["type"] == "closed"]
    if len(closed) > 1:
        raise NotApplicable(f"{len(closed)} closed classes: the layered solver covers one closed class "
                            "(with any open classes)")
    if any(p["on_full"] == "reject" for p in pools.values()):
        notes.append("rejecting pools (admission limits) are treated as waiting pools: rejections are not predicted")
    if any(s["kind"] == "branch" for c in classes for s in c["steps"]):
        notes.append("paging branches are taken at probability 0 (memory is not modelled)")
    if any(s["kind"] == "fork" for c in classes for s in c["steps"]):
        notes.append("parallel branches are counted in series (an upper estimate of response)")
    if any(p.get("keys") and (p.get("key_share") or 1) < 1 and (p.get("key_share") or 1) * p["keys"] > 1.5
           for p in pools.values()):
        notes.append("a lock table with hot keys is a pool of capacity / (hottest key's share): "
                     "its ceiling is right, its mean wait an upper estimate")

    def capacity(name: str) -> int:
        p = pools[name]
        if p.get("keys"):
            return max(1, round(p["capacity"] / float(p.get("key_share") or 1.0)))
        return int(p["capacity"])

    def waiting_pool(name: str) -> bool:
        return pools[name]["on_full"] != "overcommit"

    # Utilization each station gets from the open classes (λ × visits × S / c).
    open_load = {n: 0.0 for n in stations}
    for c in classes:
        if c["type"] == "open":
            for s in c["steps"]:
                if s["kind"] == "visit" and stations[s["target"]]["servers"]:
                    open_load[s["target"]] += (c["arrival_rate"] * s["visits"] * s["mean"]
                                               / stations[s["target"]]["servers"])
    util = dict(open_load)
    pool_info: dict[str, dict[str, float]] = {}
    ceilings: dict[str, float] = {}
    result_rows: list[dict[str, Any]] = []

    if closed:
        c = closed[0]
        steps = c["steps"]
        n_users, think = int(c["population"]), float(c["think"] or 0.0)
        if n_users <= 0:
            raise NotApplicable("a closed class of 0 users")
        x = 0.0
        for _ in range(20):
            regions: dict[str, tuple[_Centre, list[float], float]] = {}
            own_time: dict[str, float] = {}  # per pool: seconds of own work per acquisition

            def build(prefix: tuple[str, ...], entries: float) -> tuple[list[_Centre], float]:
                """The centres and pure delay of the part of the route `prefix` holds, per entry."""
                centres: dict[str, _Centre] = {}
                delay = 0.0
                for s in steps:
                    if _held(s) != prefix:
                        continue  # outside this region, or inside a nested pool (its FES covers it)
                    v = s["visits"] / entries
                    if s["kind"] == "delay" or (s["kind"] == "visit" and not stations[s["target"]]["servers"]):
                        delay += v * s["mean"]
                    elif s["kind"] == "visit":
                        st = stations[s["target"]]
                        cen = centres.setdefault(s["target"], _Centre(s["target"], "station",
                                                                      servers=int(st["servers"])))
                        cen.demand += v * s["mean"]
                    elif s["kind"] == "acquire" and waiting_pool(s["target"]):
                        q = s["target"]
                        acq = sum(t["visits"] for t in steps
                                  if t["kind"] == "acquire" and t["target"] == q and _held(t) == prefix)
                        xs = region(prefix + (q,), acq)
                        kind = "lock" if pools[q].get("keys") else "pool"
                        # (For a pool centre, `demand` is its acquisitions per entry here.)
                        centres.setdefault(q, _Centre(q, kind, demand=acq / entries,
                                                      fes=[xi * entries / acq for xi in xs],
                                                      capacity=capacity(q)))
                for cen in centres.values():
                    if cen.fes is None:
                        # Work other requests put on this station while ours are here.
                        mine = x * cen.demand * entries / cen.servers
                        other = min(0.95, max(0.0, util[cen.name] - mine))
                        cen.stretch = 1.0 / (1.0 - other)
                return list(centres.values()), delay

            def region(prefix: tuple[str, ...], entries: float) -> list[float]:
                """The region's throughput (entries per second) with 1..C requests inside."""
                centres, delay = build(prefix, entries)
                cap = capacity(prefix[-1])
                top_n = min(cap, max(n_users, 1), _MVA_LIMIT)
                if centres:
                    xs, _, _ = _ld_mva(centres, delay, top_n)
                else:
                    xs = [n / delay if delay > 0 else math.inf for n in range(1, top_n + 1)]
                # Its own ceiling, as the simulation's verdict defines it: every token held
                # for the region's own work (service and delays, no waiting), in entries/s.
                own = delay + sum(cen.demand for cen in centres if cen.fes is None) + sum(
                    own_time[cen.name] * cen.demand for cen in centres if cen.fes)
                own_time[prefix[-1]] = own
                ceiling = cap / own if own > 0 else math.inf
                regions[prefix[-1]] = (centres[0] if centres else _Centre(prefix[-1], "pool"), xs, ceiling)
                return xs

            top, delay = build((), 1.0)
            xs, residence, marg = _ld_mva(top, think + delay, n_users)
            x_new = xs[-1]
            new_util = dict(open_load)
            for s in steps:
                if s["kind"] == "visit" and stations[s["target"]]["servers"]:
                    new_util[s["target"]] += x_new * s["visits"] * s["mean"] / stations[s["target"]]["servers"]
            done = abs(x_new - x) <= 1e-7 * max(1.0, x_new)
            x, util = x_new, new_util
            if done:
                break
        result_rows.append({"name": c["name"], "type": "closed", "throughput": x, "response": n_users / x - think})
        # Open classes beside it (a mixed network): each visit an M/M/c at the station's total
        # utilization, open and closed; their pools, if any, are not solved (noted).
        for o in classes:
            if o["type"] != "open":
                continue
            response = 0.0
            for s in o["steps"]:
                if s["kind"] == "delay" or (s["kind"] == "visit" and not stations[s["target"]]["servers"]):
                    response += s["visits"] * s["mean"]
                elif s["kind"] == "visit":
                    cs, rho = int(stations[s["target"]]["servers"]), min(util[s["target"]], 0.999999)
                    response += s["visits"] * (s["mean"] + _erlang_c(cs, cs * rho) * s["mean"] / (cs * (1 - rho)))
                elif s["kind"] == "acquire" and waiting_pool(s["target"]):
                    notes.append(f"open class {o['name']!r}: its wait for pool {s['target']!r} is not predicted")
            result_rows.append({"name": o["name"], "type": "open", "throughput": o["arrival_rate"],
                                "response": response})
        # Pools: holders and waiters from the outer centres' distributions (Little's law for
        # their holding time); nested pools by their region's share.
        for cen, r, p in zip(top, residence, marg):
            if cen.fes is None:
                continue
            cap = len(cen.fes)
            present = sum(j * pj for j, pj in enumerate(p))
            holders = sum(min(j, cap) * pj for j, pj in enumerate(p))
            acq = sum(s["visits"] for s in steps if s["kind"] == "acquire" and s["target"] == cen.name)
            pool_info[cen.name] = {"holding": holders / (x * acq), "wait": (present - holders) / x, "held": holders}
        for name, (_, xs, ceiling) in regions.items():
            acq = sum(s["visits"] for s in steps if s["kind"] == "acquire" and s["target"] == name)
            ceilings[name] = ceiling / acq if acq > 0 else math.inf
            if name not in pool_info:  # nested: held at most as long as its region takes at light load
                hold = 1.0 / xs[0] if xs and xs[0] > 0 else math.nan
                pool_info[name] = {"holding": hold, "wait": math.nan, "held": x * acq * hold}
        method = "layered: pools as flow-equivalent servers, exact load-dependent MVA (one closed class)"
        demand: dict[str, float] = {}
        for s in steps:
            if s["kind"] == "visit" and stations[s["target"]]["servers"]:
                demand[s["target"]] = demand.get(s["target"], 0.0) + s["visits"] * s["mean"]
        for name, d in demand.items():
            ceilings[name] = stations[name]["servers"] * (1 - min(0.99, open_load[name])) / d
    else:
        method = "layered: open decomposition, M/G/c stations and M/G/C pools held for their regions (Allen–Cunneen)"
        waits: dict[str, float] = {}

        # FCFS stations: M/G/c by Allen–Cunneen, the M/M/c wait times (1 + SCV)/2 of their
        # service mix; PS stations are insensitive to it (M/G/1-PS = M/M/1-PS).
        scv: dict[str, float] = {}
        for name, st in stations.items():
            m1 = m2 = 0.0
            for c in classes:
                for s in c["steps"]:
                    if s["kind"] == "visit" and s["target"] == name:
                        w = c["arrival_rate"] * s["visits"]
                        m1 += w * s["mean"]
                        m2 += w * (s.get("variance", s["mean"] ** 2) + s["mean"] ** 2)
            total_w = sum(c["arrival_rate"] * s["visits"] for c in classes for s in c["steps"]
                          if s["kind"] == "visit" and s["target"] == name)
            if m1 > 0 and st.get("discipline", "fcfs") == "fcfs":
                mean = m1 / total_w
                scv[name] = max(0.0, m2 / total_w / mean**2 - 1)
            else:
                scv[name] = 1.0

        def residence(s: Mapping[str, Any]) -> float:
            if s["kind"] == "delay" or not stations[s["target"]]["servers"]:
                return float(s["mean"])
            rho, cs = open_load[s["target"]], int(stations[s["target"]]["servers"])
            if rho >= 1:
                return math.inf
            factor = (1 + scv[s["target"]]) / 2
            return s["mean"] + factor * _erlang_c(cs, cs * rho) * s["mean"] / (cs * (1 - rho))

        names = {s["target"] for c in classes for s in c["steps"] if s["kind"] == "acquire"
                 and waiting_pool(s["target"])}
        depth = {q: max(len(_held(s)) for c in classes for s in c["steps"]
                        if s["kind"] == "acquire" and s["target"] == q) for q in names}
        for q in sorted(names, key=lambda n: -depth[n]):  # innermost first
            rate = hold_sum = own_sum = var_sum = 0.0
            for c in classes:
                lam = c["arrival_rate"]
                for s in c["steps"]:
                    if q not in _held(s):
                        if s["kind"] == "acquire" and s["target"] == q:
                            rate += lam * s["visits"]
                        continue
                    if s["kind"] in ("visit", "delay"):
                        hold_sum += lam * s["visits"] * residence(s)
                        own_sum += lam * s["visits"] * s["mean"]
                        var_sum += lam * s["visits"] * s.get("variance", s["mean"] ** 2)
                    elif s["kind"] == "acquire" and s["target"] in waits:
                        hold_sum += lam * s["visits"] * waits[s["target"]]
            hold = hold_sum / rate if rate > 0 else 0.0
            own = own_sum / rate if rate > 0 else 0.0
            # The holding time's variability (its parts taken as independent, their counts
            # as fixed) scales the M/M/C wait as Allen–Cunneen does for M/G/c.
            hold_scv = (var_sum / rate) / hold**2 if hold > 0 else 1.0
            waits[q] = (_mmc_wait(capacity(q), rate, hold) * (1 + hold_scv) / 2) if hold > 0 else 0.0
            pool_info[q] = {"holding": hold, "wait": waits[q], "held": rate * hold}
            total = sum(c["arrival_rate"] for c in classes)
            ceilings[q] = capacity(q) / own * total / rate if own > 0 else math.inf
        for c in classes:
            response = 0.0
            for s in c["steps"]:
                if s["kind"] in ("visit", "delay"):
                    response += s["visits"] * residence(s)
                elif s["kind"] == "acquire" and s["target"] in waits:
                    response += s["visits"] * waits[s["target"]]
            result_rows.append({"name": c["name"], "type": "open", "throughput": c["arrival_rate"],
                                "response": response})
        x = sum(c["arrival_rate"] for c in classes)
        for name, st in stations.items():
            if st["servers"] and open_load[name] > 0:
                ceilings[name] = x / open_load[name]

    rows = []
    for name, st in stations.items():
        if st["servers"]:
            rows.append({"name": name, "kind": "station", "utilization": util.get(name, 0.0),
                         "wait": math.nan, "holding": math.nan, "ceiling": ceilings.get(name, math.inf)})
    for name, p in pools.items():
        if not waiting_pool(name):
            continue
        info = pool_info.get(name, {})
        held = info.get("held", 0.0)
        share = float(p.get("key_share") or 1.0) if p.get("keys") else 1.0
        utilization = held * share / p["capacity"] if p.get("keys") else held / p["capacity"]
        rows.append({"name": name, "kind": "lock" if p.get("keys") else "pool", "utilization": utilization,
                     "wait": info.get("wait", math.nan), "holding": info.get("holding", math.nan),
                     "ceiling": ceilings.get(name, math.inf)})
    resources = pd.DataFrame(rows, columns=["name", "kind", "utilization", "wait", "holding", "ceiling"])
    best = None
    if len(resources):
        # The lowest ceiling; first of equals (a tie within 1e-9).
        low = float(resources["ceiling"].min())
        best = resources[resources["ceiling"] <= low * (1 + 1e-9)].iloc[0]
    return LayeredSolution(
        classes=pd.DataFrame(result_rows, columns=["name", "type", "throughput", "response"]),
        resources=resources,
        bottleneck="" if best is None else str(best["name"]),
        bottleneck_kind="" if best is None else str(best["kind"]),
        method=method, notes=notes)
