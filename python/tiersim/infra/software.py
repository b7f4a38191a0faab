"""Software resources: ThreadPool, ConnectionPool, RowLocks, Cache, AdmissionLimit,
ExternalSystem and Compression.

These are passive resources (pools of tokens held across steps) or choices
in the route; :mod:`tiersim.infra.compile` turns them into the core's pools,
``choose`` steps and delays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ._base import Component, fail, integer, join, name, number

__all__ = ["ThreadPool", "ConnectionPool", "RowLocks", "Cache", "AdmissionLimit", "ExternalSystem", "Compression"]


@dataclass
class ThreadPool(Component):
    """``size`` worker threads per server: the tier's service's ``threads`` (results:
    ``<tier>.threads``). A request holds one
    from arriving at the server until it replies — across synchronous calls to other
    tiers (the thread waits, its CPU stays idle) but not across asynchronous ones.

    >>> ThreadPool(50).size
    50
    """

    size: int

    def _check(self, path: str) -> None:
        integer(self.size, join(path, "size"))



@dataclass
class ConnectionPool(Component):
    """``size`` connections per server of this tier to tier ``to``: a pool ``conn_<to>`` of the
    tier's service (results: ``<tier>.conn_<to>``).
    A request takes one before its first call to ``to`` at this server and gives it
    back after its last (one connection per transaction, as a DB session).

    >>> ConnectionPool(20, to="db").to
    'db'
    """

    size: int
    to: str

    def _check(self, path: str) -> None:
        integer(self.size, join(path, "size"))
        name(self.to, join(path, "to"))

    def _plain(self) -> dict[str, Any]:
        return {"to": self.to, "size": self.size}


@dataclass
class RowLocks(Component):
    """A table of ``rows`` rows, each with an exclusive lock: a lock-table pool
    ``<tier>_<name>`` (``keys = rows``, capacity 1). A call with ``lock=name`` holds one
    row for its whole visit. ``hot_fraction`` of the accesses go to the first ``hot_rows``
    rows (every order decrements one stock row: ``hot_fraction=1, hot_rows=1``);
    splitting a hot row into k rows is ``hot_rows=k``.

    >>> RowLocks("stock", rows=10000, hot_fraction=0.4).hot_rows
    1
    """

    name: str
    rows: int
    hot_fraction: float = 0.0
    hot_rows: int = 1

    def _check(self, path: str) -> None:
        name(self.name, join(path, "name"))
        integer(self.rows, join(path, "rows"))
        number(self.hot_fraction, join(path, "hot_fraction"), high=1)
        integer(self.hot_rows, join(path, "hot_rows"))
        if self.hot_rows > self.rows:
            raise fail(join(path, "hot_rows"), f"{self.hot_rows} hot rows in a table of {self.rows}")



@dataclass
class Cache(Component):
    """A value cache in front of a call: a share ``hit_ratio`` of the calls is answered
    in ``hit_ms`` (a delay at the caller) and skips the callee entirely
    (a ``choose: random`` step weighted hit / miss).

    >>> Cache(hit_ratio=0.9).hit_ms
    0.1
    """

    hit_ratio: float
    hit_ms: float = 0.1

    def _check(self, path: str) -> None:
        number(self.hit_ratio, join(path, "hit_ratio"), high=1)
        number(self.hit_ms, join(path, "hit_ms"))



@dataclass
class AdmissionLimit(Component):
    """At most ``max_concurrent`` requests inside the tier (or inside each server, with
    ``per_server``): an ``on_full: reject`` pool. A request arriving when it is full is
    turned away at once and counted as a loss of its class and a rejection of the pool.

    >>> AdmissionLimit(200).per_server
    False
    """

    max_concurrent: int
    per_server: bool = False

    def _check(self, path: str) -> None:
        integer(self.max_concurrent, join(path, "max_concurrent"))
        if not isinstance(self.per_server, bool):
            raise fail(join(path, "per_server"), f"expected true or false, got {self.per_server!r}")



@dataclass
class ExternalSystem(Component):
    """A system outside the model (a payment gateway, a partner API): each call takes
    ``latency_ms`` (a ``delay`` station named ``name``), at most ``concurrency`` at a time
    (a pool ``<name>_slots``; unlimited when ``None``). Transactions call it like a tier.

    >>> ExternalSystem("payment", latency_ms=120, concurrency=10).concurrency
    10
    """

    name: str
    latency_ms: float
    concurrency: Optional[int] = None

    def _check(self, path: str) -> None:
        name(self.name, join(path, "name"))
        number(self.latency_ms, join(path, "latency_ms"), low=0, low_open=True)
        if self.concurrency is not None:
            integer(self.concurrency, join(path, "concurrency"))



@dataclass
class Compression(Component):
    """Compress messages: the sender spends ``cpu_us_per_kib`` of CPU per KiB (at the
    reference clock) and the bytes on the wire shrink to ``ratio`` of the original;
    the receiver spends ``decompress_us_per_kib`` per KiB. Trades CPU for bandwidth.

    >>> Compression(ratio=0.3, cpu_us_per_kib=20).decompress_us_per_kib
    0.0
    """

    ratio: float
    cpu_us_per_kib: float
    decompress_us_per_kib: float = 0.0

    def _check(self, path: str) -> None:
        number(self.ratio, join(path, "ratio"), low=0, low_open=True, high=1)
        number(self.cpu_us_per_kib, join(path, "cpu_us_per_kib"))
        number(self.decompress_us_per_kib, join(path, "decompress_us_per_kib"))

