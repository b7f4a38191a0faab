"""Hardware components: Cpu, Memory, Disk (and its San path), Nic, Link, Router.

Units are the planner's: times in ms (µs for per-message overheads), sizes
in KiB (1024 bytes) and MiB, network rates in Mbit/s (10⁶ bits/s) and disk
transfer rates in MB/s (10⁶ bytes/s). Each component knows what one unit of
its work costs; :mod:`tiersim.infra.compile` turns it into stations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ._base import Component, choice, fail, integer, join, name, number

__all__ = ["Cpu", "Memory", "Disk", "San", "Nic", "Link", "Router", "transfer_ms"]


def transfer_ms(kib: float, mbps: float) -> float:
    """Time to push ``kib`` KiB through ``mbps`` Mbit/s, in ms.

    >>> round(transfer_ms(125, 1000), 6)   # 128,000 bytes = 1.024 Mbit at 1 Gbit/s
    1.024
    """
    return kib * 1024 * 8 / (mbps * 1e6) * 1e3


@dataclass
class Cpu(Component):
    """``cores`` cores time-sliced among runnable requests (a ``ps`` station, ``servers = cores``).

    CPU work in transactions is in ms at the system's reference clock; a CPU
    with ``clock_ghz`` runs it ``clock_ghz / reference_clock_ghz`` times as
    fast (the station's ``speed``). Its ``mean_queue_length`` is the run queue.

    >>> Cpu(cores=8, clock_ghz=3.0).speed(reference_ghz=1.5)
    2.0
    """

    cores: int = 1
    clock_ghz: Optional[float] = None

    def _check(self, path: str) -> None:
        integer(self.cores, join(path, "cores"), high=1_000_000)
        if self.clock_ghz is not None:
            number(self.clock_ghz, join(path, "clock_ghz"), low=0, low_open=True)

    def speed(self, reference_ghz: float | None) -> float:
        """Work done per unit time relative to the reference clock (1 when either is unknown).

        >>> Cpu(clock_ghz=3.0).speed(2.0), Cpu().speed(2.0)
        (1.5, 1.0)
        """
        if self.clock_ghz is None or reference_ghz is None:
            return 1.0
        return self.clock_ghz / reference_ghz



@dataclass
class Memory(Component):
    """``size_mb`` MiB of RAM shared by the working sets of the requests at a server.

    Compiles to an ``overcommit`` pool of ``size_mb`` tokens: each request
    holds its working set (the call's ``mem_mb``) while at the server. Before
    each burst of CPU work a ``branch`` pages in with probability
    (held − size)/held — the share of the working sets that does not fit.
    A page-in is a random read of ``page_kib`` at the server's disk (it queues
    with the data I/O), or, when ``page_in_ms`` is given, a visit of that
    cost to the disk (or to a station ``<server>_swap`` when the server has none).

    ``latch_ms`` > 0 adds a shared cache region guarded by a latch: every
    request at the server does ``latch_ms`` of its CPU work holding a
    capacity-1 pool ``<server>_latch`` (its wait is the contention cost).

    >>> Memory(size_mb=4096, page_kib=64).size_mb
    4096
    """

    size_mb: int
    page_kib: float = 64.0
    page_in_ms: Optional[float] = None
    latch_ms: float = 0.0

    def _check(self, path: str) -> None:
        integer(self.size_mb, join(path, "size_mb"), high=10**9)
        number(self.page_kib, join(path, "page_kib"), low=0, low_open=True)
        if self.page_in_ms is not None:
            number(self.page_in_ms, join(path, "page_in_ms"), low=0, low_open=True)
        number(self.latch_ms, join(path, "latch_ms"))



@dataclass
class San(Component):
    """A storage-network path in front of a disk: the server's HBA (a FCFS station
    ``<server>_hba``, ``per_io_us`` + size / ``hba_mbps`` per I/O) and a switch hop of ``switch_ms``.

    >>> San(hba_mbps=8000).switch_ms
    0.02
    """

    hba_mbps: float = 8000.0
    per_io_us: float = 20.0
    switch_ms: float = 0.02

    def _check(self, path: str) -> None:
        number(self.hba_mbps, join(path, "hba_mbps"), low=0, low_open=True)
        number(self.per_io_us, join(path, "per_io_us"))
        number(self.switch_ms, join(path, "switch_ms"))

    def hba_ms(self, kib: float) -> float:
        """HBA time of one I/O of ``kib`` KiB, ms.

        >>> round(San(hba_mbps=8000, per_io_us=20).hba_ms(64), 4)
        0.0855
        """
        return self.per_io_us / 1000 + transfer_ms(kib, self.hba_mbps)



_HDD = {"rpm": 7200.0, "seek_ms": 8.0, "transfer_mb_s": 150.0, "latency_ms": 0.0, "overhead_ms": 0.05}
_SSD = {"rpm": 0.0, "seek_ms": 0.0, "transfer_mb_s": 500.0, "latency_ms": 0.1, "overhead_ms": 0.0}


@dataclass
class Disk(Component):
    """A disk (or a RAID set of ``raid`` disks): a FCFS station with ``servers = raid``.

    The cost of one I/O of ``s`` KiB:

    - HDD random: ``seek_ms`` + half a rotation (30000/``rpm`` ms) + s/``transfer_mb_s``;
    - HDD sequential: ``overhead_ms`` + s/``transfer_mb_s`` (no seek, no rotation);
    - SSD (``kind="ssd"``), either way: ``latency_ms`` + s/``transfer_mb_s``.

    Unset fields take the kind's defaults (HDD 7200 rpm, 8 ms seek, 150 MB/s;
    SSD 0.1 ms, 500 MB/s). A RAID set serves ``raid`` I/Os at once, each on
    one spindle. A storage cache answers a share ``cache_hit_ratio`` of the
    reads in ``cache_ms`` without touching the disk. ``san`` puts an HBA and
    a switch hop in front.

    >>> round(Disk(kind="hdd", rpm=15000, seek_ms=4, transfer_mb_s=200).io_ms(8, random=True), 4)
    6.041
    >>> round(Disk(kind="ssd").io_ms(8, random=True), 4)
    0.1164
    """

    kind: str = "hdd"
    rpm: Optional[float] = None
    seek_ms: Optional[float] = None
    transfer_mb_s: Optional[float] = None
    latency_ms: Optional[float] = None
    overhead_ms: Optional[float] = None
    raid: int = 1
    cache_hit_ratio: float = 0.0
    cache_ms: float = 0.1
    san: Optional[San] = None

    def _check(self, path: str) -> None:
        choice(self.kind, join(path, "kind"), ["hdd", "ssd"])
        if self.rpm is not None:
            number(self.rpm, join(path, "rpm"), low=0, low_open=True)
        for f in ("seek_ms", "latency_ms", "overhead_ms"):
            if getattr(self, f) is not None:
                number(getattr(self, f), join(path, f))
        if self.transfer_mb_s is not None:
            number(self.transfer_mb_s, join(path, "transfer_mb_s"), low=0, low_open=True)
        integer(self.raid, join(path, "raid"), high=100_000)
        number(self.cache_hit_ratio, join(path, "cache_hit_ratio"), high=1)
        number(self.cache_ms, join(path, "cache_ms"))
        if self.kind == "ssd" and (self.rpm is not None or self.seek_ms is not None):
            raise fail(join(path, "rpm" if self.rpm is not None else "seek_ms"),
                       "an SSD has no rotation or seek; give latency_ms instead")
        if self.san is not None:
            if not isinstance(self.san, San):
                raise fail(join(path, "san"), f"expected a San, got {type(self.san).__name__}")
            self.san.check(join(path, "san"))

    def _get(self, field: str) -> float:
        value = getattr(self, field)
        if value is not None:
            return float(value)
        return (_SSD if self.kind == "ssd" else _HDD)[field]

    def io_ms(self, kib: float, random: bool = True) -> float:
        """Mean time of one I/O of ``kib`` KiB at one spindle, ms.

        >>> d = Disk(kind="hdd", rpm=7200, seek_ms=8, transfer_mb_s=150)
        >>> round(d.io_ms(8, random=True), 3), round(d.io_ms(1024, random=False), 3)
        (12.221, 7.041)
        """
        transfer = kib * 1024 / (self._get("transfer_mb_s") * 1e6) * 1e3
        if self.kind == "ssd":
            return self._get("latency_ms") + transfer
        if random:
            return self._get("seek_ms") + 30000.0 / self._get("rpm") + transfer
        return self._get("overhead_ms") + transfer



@dataclass
class Nic(Component):
    """A server's network interface: a FCFS station ``<server>_nic`` that every message the
    server sends queues at; ``per_message_us`` + size / ``bandwidth_mbps`` each.
    ``bonding`` interfaces serve that many messages at once.

    >>> round(Nic(bandwidth_mbps=100).message_ms(100), 3)
    8.192
    """

    bandwidth_mbps: float = 1000.0
    per_message_us: float = 0.0
    bonding: int = 1

    def _check(self, path: str) -> None:
        number(self.bandwidth_mbps, join(path, "bandwidth_mbps"), low=0, low_open=True)
        number(self.per_message_us, join(path, "per_message_us"))
        integer(self.bonding, join(path, "bonding"), high=1024)

    def message_ms(self, kib: float) -> float:
        """Time to send one message of ``kib`` KiB, ms.

        >>> round(Nic(bandwidth_mbps=1000, per_message_us=20).message_ms(10), 4)
        0.1019
        """
        return self.per_message_us / 1000 + transfer_ms(kib, self.bandwidth_mbps)



@dataclass
class Link(Component):
    """A network link (a switch port, a WAN circuit): a FCFS station named ``name`` with
    ``servers = bonding`` (each message travels on one member), plus ``latency_ms``
    of propagation per traversal (a ``delay`` step). Both directions share it.

    >>> round(Link("lan", bandwidth_mbps=1000, latency_ms=0.1).message_ms(20), 4)
    0.1638
    """

    name: str
    bandwidth_mbps: float
    latency_ms: float = 0.0
    bonding: int = 1
    per_message_us: float = 0.0

    def _check(self, path: str) -> None:
        name(self.name, join(path, "name"))
        number(self.bandwidth_mbps, join(path, "bandwidth_mbps"), low=0, low_open=True)
        number(self.latency_ms, join(path, "latency_ms"))
        integer(self.bonding, join(path, "bonding"), high=1024)
        number(self.per_message_us, join(path, "per_message_us"))

    @property
    def rate_mbps(self) -> float:
        """What one message can get: one member's bandwidth."""
        return float(self.bandwidth_mbps)

    @property
    def servers(self) -> int:
        return int(self.bonding)

    def message_ms(self, kib: float) -> float:
        """Time one message of ``kib`` KiB occupies a member link, ms.

        >>> round(Link("wan", bandwidth_mbps=100, latency_ms=20).message_ms(100), 3)
        8.192
        """
        return self.per_message_us / 1000 + transfer_ms(kib, self.bandwidth_mbps)



@dataclass
class Router(Component):
    """A router or gateway whose forwarding capacity all traffic crossing it shares:
    a FCFS station named ``name`` (``per_message_us`` + size / ``capacity_mbps`` per
    message), plus ``latency_ms`` of forwarding delay per traversal.

    >>> Router("core", capacity_mbps=1000, per_message_us=50).message_ms(0)
    0.05
    """

    name: str
    capacity_mbps: float
    per_message_us: float = 0.0
    latency_ms: float = 0.0

    def _check(self, path: str) -> None:
        name(self.name, join(path, "name"))
        number(self.capacity_mbps, join(path, "capacity_mbps"), low=0, low_open=True)
        number(self.per_message_us, join(path, "per_message_us"))
        number(self.latency_ms, join(path, "latency_ms"))

    @property
    def rate_mbps(self) -> float:
        return float(self.capacity_mbps)

    @property
    def servers(self) -> int:
        return 1

    def message_ms(self, kib: float) -> float:
        """Time one message of ``kib`` KiB occupies the router, ms.

        >>> round(Router("gw", capacity_mbps=100, per_message_us=50).message_ms(100), 3)
        8.242
        """
        return self.per_message_us / 1000 + transfer_ms(kib, self.capacity_mbps)

