"""Workloads in planner terms: requests per second (open, optionally following a daily
schedule), users with think time (closed), or a batch of jobs (its makespan).

Each workload drives a mix of transactions: ``mix`` maps transaction names to
relative weights (default: every transaction, with its own ``weight``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

from ._base import Component, fail, integer, join, name, number

__all__ = ["Open", "Closed", "Batch", "Workload"]

MixLike = Optional[Mapping[str, float]]


def _check_mix(mix: MixLike, path: str) -> None:
    if mix is None:
        return
    if not isinstance(mix, Mapping) or not mix:
        raise fail(path, "expected a mapping of transaction names to weights, e.g. {order: 1, browse: 4}")
    for k, v in mix.items():
        name(k, join(path, str(k)))
        number(v, join(path, str(k)))
    if not any(v > 0 for v in mix.values()):
        raise fail(path, "every weight is 0: no transaction would run")


def _common(out: dict[str, Any], wl: Any) -> dict[str, Any]:
    if wl.mix is not None:
        out["mix"] = dict(wl.mix)
    if wl.name is not None:
        out["name"] = wl.name
    return out


@dataclass
class Open(Component):
    """Requests arriving from outside (Poisson): ``rps`` per second, or a piecewise
    ``schedule`` of ``(from_s, rps)`` pieces repeating every ``cycle_s`` seconds
    (an afternoon peak). Each transaction of the mix becomes its own class with
    its share of the rate (Poisson splitting), named after the transaction.

    >>> Open(schedule=[(0, 20), (43200, 80)], cycle_s=86400).mean_rps
    50.0
    """

    rps: Optional[float] = None
    schedule: Optional[Sequence[tuple[float, float]]] = None
    cycle_s: Optional[float] = None
    mix: MixLike = None
    name: Optional[str] = None

    def __post_init__(self) -> None:
        if self.schedule is not None:
            self.schedule = [_piece(p) for p in self.schedule]
        self._check("")

    def _check(self, path: str) -> None:
        if (self.rps is None) == (self.schedule is None):
            raise fail(join(path, "rps"), "give exactly one of rps (a constant rate) or schedule")
        if self.rps is not None:
            number(self.rps, join(path, "rps"), low=0, low_open=True)
        if self.schedule is not None:
            pieces = list(self.schedule)
            if not pieces:
                raise fail(join(path, "schedule"), "needs at least one (from_s, rps) piece")
            prev = -1.0
            for i, (start, rate) in enumerate(pieces):
                p = join(join(path, "schedule"), i)
                number(start, join(p, "from_s"))
                number(rate, join(p, "rps"))
                if i == 0 and start != 0:
                    raise fail(join(p, "from_s"), "the first piece starts at 0")
                if start <= prev:
                    raise fail(join(p, "from_s"), "pieces must start in increasing order")
                prev = start
            if not any(r > 0 for _, r in pieces):
                raise fail(join(path, "schedule"), "every rate is 0: no request would arrive")
            if self.cycle_s is not None:
                number(self.cycle_s, join(path, "cycle_s"), low=prev, low_open=True)
        elif self.cycle_s is not None:
            raise fail(join(path, "cycle_s"), "cycle_s repeats a schedule; this workload has a constant rps")
        _check_mix(self.mix, join(path, "mix"))
        if self.name is not None:
            name(self.name, join(path, "name"))

    @property
    def mean_rps(self) -> float:
        """The long-run arrival rate (over a cycle, or the last piece's rate without one)."""
        if self.rps is not None:
            return float(self.rps)
        pieces = list(self.schedule or [])
        if self.cycle_s is None:
            return float(pieces[-1][1])
        total = 0.0
        for i, (start, rate) in enumerate(pieces):
            end = pieces[i + 1][0] if i + 1 < len(pieces) else self.cycle_s
            total += rate * (end - start)
        return total / self.cycle_s

    def _plain(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "open"}
        if self.rps is not None:
            out["rps"] = self.rps
        if self.schedule is not None:
            out["schedule"] = [{"from_s": s, "rps": r} for s, r in self.schedule]
        if self.cycle_s is not None:
            out["cycle_s"] = self.cycle_s
        return _common(out, self)


def _piece(p: Any) -> tuple[float, float]:
    if isinstance(p, Mapping):
        return (p.get("from_s"), p.get("rps"))  # type: ignore[return-value]
    if isinstance(p, (tuple, list)) and len(p) == 2:
        return (p[0], p[1])
    raise fail("schedule", f"expected (from_s, rps) pieces, got {p!r}")


@dataclass
class Closed(Component):
    """``users`` users, each thinking ``think_s`` seconds (exponential) between requests.
    With one transaction the class is named after it; with a mix, one class
    (``name``, default ``"users"``) picks a transaction at random per request.

    >>> Closed(users=100, think_s=1).to_dict()
    {'type': 'closed', 'users': 100, 'think_s': 1}
    """

    users: int
    think_s: float = 0.0
    mix: MixLike = None
    name: Optional[str] = None

    def _check(self, path: str) -> None:
        integer(self.users, join(path, "users"))
        number(self.think_s, join(path, "think_s"))
        _check_mix(self.mix, join(path, "mix"))
        if self.name is not None:
            name(self.name, join(path, "name"))

    def _plain(self) -> dict[str, Any]:
        return _common({"type": "closed", "users": self.users, "think_s": self.think_s}, self)


@dataclass
class Batch(Component):
    """A batch of ``jobs`` jobs, all started at once; the class reports its ``makespan``
    ("does the night batch finish by morning?"). Named like a closed mix (default ``"batch"``).

    >>> Batch(jobs=500).to_dict()
    {'type': 'batch', 'jobs': 500}
    """

    jobs: int
    mix: MixLike = None
    name: Optional[str] = None

    def _check(self, path: str) -> None:
        integer(self.jobs, join(path, "jobs"))
        _check_mix(self.mix, join(path, "mix"))
        if self.name is not None:
            name(self.name, join(path, "name"))

    def _plain(self) -> dict[str, Any]:
        return _common({"type": "batch", "jobs": self.jobs}, self)


Workload = Union[Open, Closed, Batch]
