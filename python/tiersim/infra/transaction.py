"""Transactions in the planner's terms: the work one request does at each tier.

A transaction is a call tree. Its root :class:`Call` runs at the entry tier
(the client calls it); each call does, in order: its CPU work (``cpu_ms``),
its disk I/O (``reads``, ``writes``), its calls to other tiers or external
systems (``calls``, one after the other), then ``cpu_after_ms`` of CPU (say,
rendering the reply), and replies with ``reply_kib``.

"2 ms web CPU, then app: 5 ms CPU and 3 queries, each 1 ms DB CPU + one
random 8 KiB read; 20 KiB reply" reads:

>>> t = (Transaction("order")
...      .at("web", cpu_ms=2)
...      .at("app", cpu_ms=5, calls=[Call("db", cpu_ms=1, reads=[Read(kib=8)], times=3)])
...      .reply(kib=20))
>>> t.root.tier, t.root.calls[0].tier, t.root.calls[0].calls[0].times, t.root.reply_kib
('web', 'app', 3, 20)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

from ._base import Component, choice, fail, integer, join, name, number, plain_fields
from .software import Cache, Compression

__all__ = ["Io", "Read", "Write", "Call", "Query", "Transaction"]


@dataclass
class Io(Component):
    """``count`` disk I/Os of ``kib`` KiB each, random (seek + rotation on an HDD) or sequential.

    >>> Io(kib=64, random=False).to_dict()
    {'kib': 64, 'random': False}
    """

    kib: float = 8.0
    random: bool = True
    count: int = 1

    def _check(self, path: str) -> None:
        number(self.kib, join(path, "kib"))
        if not isinstance(self.random, bool):
            raise fail(join(path, "random"), f"expected true or false, got {self.random!r}")
        integer(self.count, join(path, "count"), high=10_000)

    def _plain(self) -> dict[str, Any]:
        return {"kib": self.kib, **plain_fields(self, skip=["kib"])}


Read = Io
"""A read: ``Read(kib=8)`` is one random 8 KiB read."""
Write = Io
"""A write, costed as a read of the same size (listed under ``writes`` for readability)."""

_MODES = ["sync", "async"]


@dataclass
class Call(Component):
    """The work one request does at ``tier`` (a tier or an external system's name).

    - ``cpu_ms``: CPU work before the calls, at the reference clock; split over
      ``parallel`` cores at once (fork/join) when ``parallel`` > 1.
    - ``reads`` / ``writes``: disk I/O at the server's disk, after the CPU work.
    - ``calls``: calls to other tiers, in order; ``cpu_after_ms`` of CPU follows them.
    - ``mem_mb``: working set held in the server's memory during the visit.
    - ``request_kib`` / ``reply_kib``: message sizes to and from the caller.
    - ``times``: the call is made this many times in a row (3 queries).
    - ``mode``: how the caller waits for this call — ``"sync"`` keeps the
      caller's thread, ``"async"`` releases it and takes one back afterwards.
    - ``io_mode``: the same for this call's own disk I/O (async I/O).
    - ``lock``: a row-lock table name; one row is held for the whole visit.
    - ``cache``: a value cache in front of the call (a hit skips it).
    - ``streams``: split each message into this many parallel streams.
    - ``compress``: compress this call's messages.

    >>> Call("db", cpu_ms=1, reads=[Read(kib=8)], times=3).to_dict()
    {'tier': 'db', 'cpu_ms': 1, 'reads': [{'kib': 8}], 'times': 3}
    """

    tier: str
    cpu_ms: float = 0.0
    parallel: int = 1
    mem_mb: int = 0
    reads: list[Io] = field(default_factory=list)
    writes: list[Io] = field(default_factory=list)
    io_mode: str = "sync"
    lock: Optional[str] = None
    cpu_after_ms: float = 0.0
    request_kib: float = 0.0
    reply_kib: float = 0.0
    times: int = 1
    mode: str = "sync"
    cache: Optional[Cache] = None
    streams: Optional[int] = None
    compress: Optional[Compression] = None
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Shared lists (``[Call(...)] * 3``) are fine: calls are never mutated in place.
        self.reads = list(self.reads)
        self.writes = list(self.writes)
        self.calls = list(self.calls)
        self._check("")

    def _check(self, path: str) -> None:
        """Checks this call's own fields (not the names it refers to) and those of its calls."""
        name(self.tier, join(path, "tier"))
        for f in ("cpu_ms", "cpu_after_ms", "request_kib", "reply_kib"):
            number(getattr(self, f), join(path, f))
        integer(self.mem_mb, join(path, "mem_mb"), low=0, high=10**9)
        integer(self.times, join(path, "times"), high=1000)
        integer(self.parallel, join(path, "parallel"), high=1024)
        choice(self.mode, join(path, "mode"), _MODES)
        choice(self.io_mode, join(path, "io_mode"), _MODES)
        if self.lock is not None:
            name(self.lock, join(path, "lock"))
        if self.streams is not None:
            integer(self.streams, join(path, "streams"), high=256)
        for key, kind in (("cache", Cache), ("compress", Compression)):
            value = getattr(self, key)
            if value is not None:
                if not isinstance(value, kind):
                    raise fail(join(path, key), f"expected a {kind.__name__}, got {type(value).__name__}")
                value.check(join(path, key))
        for key in ("reads", "writes"):
            for i, io in enumerate(getattr(self, key)):
                if not isinstance(io, Io):
                    raise fail(join(join(path, key), i), f"expected an Io (Read/Write), got {type(io).__name__}")
                io.check(join(join(path, key), i))
        for i, call in enumerate(self.calls):
            if not isinstance(call, Call):
                raise fail(join(join(path, "calls"), i), f"expected a Call, got {type(call).__name__}")
            call.check(join(join(path, "calls"), i))

    def walk(self, path: str = "") -> Iterator[tuple[str, Call]]:
        """This call and every call below it, with their paths, depth first.

        >>> [(p, c.tier) for p, c in Call("web", calls=[Call("app", calls=[Call("db")])]).walk()]
        [('', 'web'), ('calls[0]', 'app'), ('calls[0].calls[0]', 'db')]
        """
        yield path, self
        for i, call in enumerate(self.calls):
            yield from call.walk(join(join(path, "calls"), i))



def Query(tier: str = "db", **work: Any) -> Call:  # noqa: N802 - reads as a component
    """A call to the database tier: ``Query(cpu_ms=1, reads=[Read(kib=8)])``.

    >>> Query(cpu_ms=1).tier
    'db'
    """
    return Call(tier, **work)


class Transaction(Component):
    """A named kind of request: the root :class:`Call` at its entry tier, and its share of
    the workload mix (``weight``, relative to the other transactions).

    Build it with keywords (``Transaction("order", tier="web", cpu_ms=2, calls=[...])``)
    or by chaining: each :meth:`at` is called synchronously by the one before.

    >>> Transaction("browse", tier="web", cpu_ms=3, weight=4).to_dict()
    {'name': 'browse', 'weight': 4, 'tier': 'web', 'cpu_ms': 3}
    """

    def __init__(self, name: str, tier: str | None = None, *, weight: float = 1.0, **work: Any) -> None:
        self.name = name
        self.weight = weight
        self.root: Call | None = Call(tier, **work) if tier is not None else None
        self._pending: dict[str, Any] = {}
        if tier is None and work:
            Call("pending", **work)  # checks the keywords now; the first at() takes them
            self._pending = dict(work)
        self._tail = self.root

    def at(self, tier: str, **work: Any) -> Transaction:
        """Adds a call to ``tier``, made by the previous :meth:`at`; the first one is the entry call
        (and takes the work given to the constructor without a tier). Returns self.

        >>> t = Transaction("t", reply_kib=4).at("web", cpu_ms=1).at("app", cpu_ms=5)
        >>> t.root.tier, t.root.reply_kib, t.root.calls[0].cpu_ms
        ('web', 4, 5)
        """
        if self.root is None:
            call = Call(tier, **{**self._pending, **work})
            self._pending = {}
            self.root = call
        else:
            call = Call(tier, **work)
            assert self._tail is not None
            self._tail.calls.append(call)
        self._tail = call
        return self

    def reply(self, kib: float) -> Transaction:
        """Sets the size of the reply to the client; returns self.

        >>> Transaction("t", tier="web").reply(kib=20).root.reply_kib
        20
        """
        self._need_root("reply").reply_kib = kib
        return self

    def request(self, kib: float) -> Transaction:
        """Sets the size of the client's request; returns self.

        >>> Transaction("t", tier="web").request(kib=2).root.request_kib
        2
        """
        self._need_root("request").request_kib = kib
        return self

    def _need_root(self, what: str) -> Call:
        if self.root is None:
            raise fail("tier", f"{what}(): give the entry tier first (Transaction(name, tier=...) or .at(tier))")
        return self.root

    def _check(self, path: str) -> None:
        name(self.name, join(path, "name"))
        number(self.weight, join(path, "weight"))
        if self.root is None:
            raise fail(join(path, "tier"), f"transaction {self.name!r} has no entry tier")
        self.root.check(path)

    def _plain(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.weight != 1.0:
            out["weight"] = self.weight
        if self.root is not None:
            out.update(self.root.to_dict())
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Transaction) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Transaction({self.to_dict()!r})"
