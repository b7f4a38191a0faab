"""Servers, tiers, the network and the whole System.

A :class:`System` is tiers of identical servers behind balancers, a network
between them, external systems, the transactions and the workload. It
compiles to one core model (:meth:`System.to_model`): every resource becomes a
station or a pool, every transaction a route — nothing is simulated twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from ._base import Component, choice, fail, join, name, number, integer, plain_fields, suggest, to_plain
from .hardware import Cpu, Disk, Link, Memory, Nic, Router
from .software import AdmissionLimit, Compression, ConnectionPool, ExternalSystem, RowLocks, ThreadPool
from .transaction import Transaction
from .workload import Batch, Closed, Open, Workload

if TYPE_CHECKING:
    import pandas as pd

    from ..model import Model
    from ..results import Results
    from .compile import Compiled

__all__ = ["Server", "Tier", "Path", "Network", "System", "BALANCERS", "CLIENT"]

BALANCERS = ["round_robin", "random", "shortest_queue", "least_utilized"]
CLIENT = "client"
"""The endpoint name of the users' side in network paths."""


def _typed(value: Any, kind: type | tuple[type, ...], path: str) -> None:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise fail(path, f"expected a {names}, got {type(value).__name__}")


@dataclass
class Server(Component):
    """One machine: its CPU, and optionally memory, a disk (or RAID set) and a NIC.

    >>> Server(cpu=Cpu(cores=4), disk=Disk(kind="ssd")).disk.kind
    'ssd'
    """

    cpu: Cpu = field(default_factory=Cpu)
    memory: Optional[Memory] = None
    disk: Optional[Disk] = None
    nic: Optional[Nic] = None

    def _check(self, path: str) -> None:
        _typed(self.cpu, Cpu, join(path, "cpu"))
        self.cpu.check(join(path, "cpu"))
        for key, kind in (("memory", Memory), ("disk", Disk), ("nic", Nic)):
            value = getattr(self, key)
            if value is not None:
                _typed(value, kind, join(path, key))
                value.check(join(path, key))

    def _plain(self) -> dict[str, Any]:
        return {"cpu": self.cpu.to_dict(), **plain_fields(self, skip=["cpu"])}


@dataclass
class Tier(Component):
    """``servers`` identical servers behind a ``balancer`` (``round_robin``, ``random``,
    ``shortest_queue`` or ``least_utilized``): one service of the core with a replica per
    server, each with its own copy of every station and pool (results: ``web.cpu``,
    ``web.threads``, ... over all replicas). Scale out with ``servers``.

    ``threads`` (a :class:`ThreadPool` or its size), ``connections`` (pools to
    other tiers), ``admission`` (an :class:`AdmissionLimit`) and ``locks`` (row-lock
    tables living in this tier) are optional.

    >>> t = Tier("app", servers=3, server=Server(cpu=Cpu(cores=8)), threads=50)
    >>> t.server_names, t.threads.size
    (['app1', 'app2', 'app3'], 50)
    """

    name: str
    server: Server = field(default_factory=Server)
    servers: int = 1
    balancer: str = "round_robin"
    threads: Optional[ThreadPool] = None
    connections: list[ConnectionPool] = field(default_factory=list)
    admission: Optional[AdmissionLimit] = None
    locks: list[RowLocks] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.threads, int) and not isinstance(self.threads, bool):
            self.threads = ThreadPool(self.threads)
        if isinstance(self.admission, int) and not isinstance(self.admission, bool):
            self.admission = AdmissionLimit(self.admission)
        if isinstance(self.connections, ConnectionPool):
            self.connections = [self.connections]
        if isinstance(self.locks, RowLocks):
            self.locks = [self.locks]
        self.connections = list(self.connections)
        self.locks = list(self.locks)
        self._check("")

    def _check(self, path: str) -> None:
        name(self.name, join(path, "name"))
        _typed(self.server, Server, join(path, "server"))
        self.server.check(join(path, "server"))
        integer(self.servers, join(path, "servers"), high=10_000)
        choice(self.balancer, join(path, "balancer"), BALANCERS)
        if self.threads is not None:
            _typed(self.threads, ThreadPool, join(path, "threads"))
            self.threads.check(join(path, "threads"))
        if self.admission is not None:
            _typed(self.admission, AdmissionLimit, join(path, "admission"))
            self.admission.check(join(path, "admission"))
        seen: set[str] = set()
        for i, c in enumerate(self.connections):
            p = join(join(path, "connections"), i)
            _typed(c, ConnectionPool, p)
            c.check(p)
            if c.to in seen:
                raise fail(join(p, "to"), f"a second connection pool to {c.to!r}")
            seen.add(c.to)
        for i, lk in enumerate(self.locks):
            p = join(join(path, "locks"), i)
            _typed(lk, RowLocks, p)
            lk.check(p)

    @property
    def server_names(self) -> list[str]:
        """``[<name>1, <name>2, ...]``: the prefix of each server's stations and pools."""
        return [f"{self.name}{i}" for i in range(1, self.servers + 1)]

    def connection_to(self, tier: str) -> ConnectionPool | None:
        """This tier's connection pool to ``tier``, or ``None``.

        >>> Tier("app", connections=[ConnectionPool(20, to="db")]).connection_to("db").size
        20
        """
        return next((c for c in self.connections if c.to == tier), None)

    def _plain(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.servers != 1:
            out["servers"] = self.servers
        if self.balancer != "round_robin":
            out["balancer"] = self.balancer
        out["server"] = self.server.to_dict()
        if self.threads is not None:
            out["threads"] = self.threads.size
        if self.connections:
            out["connections"] = to_plain(self.connections)
        if self.admission is not None:
            out["admission"] = self.admission.to_dict()
        if self.locks:
            out["locks"] = to_plain(self.locks)
        return out


@dataclass
class Path(Component):
    """The network elements (links and routers, by name, in order) between two endpoints
    (tier names, external system names, or ``"client"``); used in both directions.

    >>> Path(("client", "web"), ["internet", "edge"]).via
    ['internet', 'edge']
    """

    between: tuple[str, str]
    via: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.between = tuple(self.between)  # type: ignore[assignment]
        self.via = list(self.via)
        self._check("")

    def _check(self, path: str) -> None:
        if len(self.between) != 2:
            raise fail(join(path, "between"), f"expected two endpoints, got {list(self.between)!r}")
        for i, end in enumerate(self.between):
            name(end, join(join(path, "between"), i))
        for i, v in enumerate(self.via):
            name(v, join(join(path, "via"), i))

    def _plain(self) -> dict[str, Any]:
        return {"between": list(self.between), "via": list(self.via)}


@dataclass
class Network(Component):
    """Links and routers, and which of them each pair of endpoints crosses.

    ``paths`` name the elements between two endpoints; every other pair crosses
    ``default``. ``window_kib`` limits a transfer: its first window goes out at
    once, the rest at window/RTT (RTT = twice the latencies on its path) when
    that is below the path's bandwidth — the difference is a stall (a delay
    step). ``streams`` splits each message larger than the window (every
    message, without a window) into that many parallel streams (fork/join),
    each with its own window. ``compression`` applies to every message (a
    call's own ``compress`` overrides it).

    >>> net = Network(links=[Link("lan", 1000, latency_ms=0.1)], default=["lan"])
    >>> net.path("web", "app")
    ['lan']
    """

    links: list[Link] = field(default_factory=list)
    routers: list[Router] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    default: list[str] = field(default_factory=list)
    window_kib: Optional[float] = None
    streams: int = 1
    compression: Optional[Compression] = None

    def __post_init__(self) -> None:
        self.links, self.routers, self.default = list(self.links), list(self.routers), list(self.default)
        self.paths = [p if isinstance(p, Path) else Path(*p) for p in self.paths]
        self._check("")

    def _check(self, path: str) -> None:
        seen: dict[str, str] = {}
        for key, kind in (("links", Link), ("routers", Router)):
            for i, el in enumerate(getattr(self, key)):
                p = join(join(path, key), i)
                _typed(el, kind, p)
                el.check(p)
                if el.name in seen:
                    raise fail(join(p, "name"), f"{el.name!r} is already the name of a {seen[el.name]}")
                seen[el.name] = key[:-1]
        names = list(seen)
        for i, p in enumerate(self.paths):
            pp = join(join(path, "paths"), i)
            _typed(p, Path, pp)
            p.check(pp)
            for k, v in enumerate(p.via):
                if v not in seen:
                    raise fail(join(join(pp, "via"), k), f"no link or router named {v!r}{suggest(v, names)}")
        for k, v in enumerate(self.default):
            if not isinstance(v, str) or v not in seen:
                raise fail(join(join(path, "default"), k), f"no link or router named {v!r}{suggest(str(v), names)}")
        if self.window_kib is not None:
            number(self.window_kib, join(path, "window_kib"), low=0, low_open=True)
        integer(self.streams, join(path, "streams"), high=256)
        if self.compression is not None:
            _typed(self.compression, Compression, join(path, "compression"))
            self.compression.check(join(path, "compression"))

    def element(self, element_name: str) -> Link | Router:
        """The link or router called ``element_name`` (``KeyError`` if none).

        >>> Network(routers=[Router("gw", 100)]).element("gw").capacity_mbps
        100
        """
        for el in [*self.links, *self.routers]:
            if el.name == element_name:
                return el
        raise KeyError(element_name)

    def path(self, a: str, b: str) -> list[str]:
        """Element names crossed from ``a`` to ``b`` (a path listed as ``(b, a)`` is walked backwards).

        >>> net = Network(links=[Link("wan", 100), Link("lan", 1000)], routers=[Router("gw", 500)],
        ...               paths=[Path(("client", "web"), ["wan", "gw"])], default=["lan"])
        >>> net.path("client", "web"), net.path("web", "client"), net.path("web", "db")
        (['wan', 'gw'], ['gw', 'wan'], ['lan'])
        """
        for p in self.paths:
            if tuple(p.between) == (a, b):
                return list(p.via)
            if tuple(p.between) == (b, a):
                return list(reversed(p.via))
        return list(self.default)



class System:
    """Tiers, network, external systems, transactions and workload(s): one core model.

    ``reference_clock_ghz`` is the clock at which transactions' CPU times are
    given (default: each CPU's own, so every CPU runs at speed 1).
    ``service_cv`` is the coefficient of variation of every service time
    (1: exponential, 0: constant, other: lognormal). ``run`` is the core
    model's ``run`` section, passed through.

    >>> from tiersim.infra import Cpu, Open
    >>> s = System("one", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
    ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
    >>> s.to_model()
    <Model 'one': 0 stations, 0 pools, 1 class>
    """

    def __init__(self, name: str = "system", tiers: Iterable[Tier] = (),
                 transactions: Iterable[Transaction] = (),
                 workload: Workload | Sequence[Workload] | None = None,
                 network: Network | None = None, externals: Iterable[ExternalSystem] = (),
                 reference_clock_ghz: float | None = None, service_cv: float = 1.0,
                 run: Mapping[str, Any] | None = None) -> None:
        self.name = name
        self.tiers = list(tiers)
        self.transactions = list(transactions)
        if workload is None:
            self.workloads: list[Workload] = []
        elif isinstance(workload, (Open, Closed, Batch)):
            self.workloads = [workload]
        else:
            self.workloads = list(workload)
        self.network = network
        self.externals = list(externals)
        self.reference_clock_ghz = reference_clock_ghz
        self.service_cv = service_cv
        self.run_settings: dict[str, Any] = dict(run or {})

    # -- lookups -------------------------------------------------------------

    def tier(self, tier_name: str) -> Tier:
        """The tier called ``tier_name`` (``KeyError`` if none).

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> s.tier("web").server.cpu.cores
        2
        """
        for t in self.tiers:
            if t.name == tier_name:
                return t
        raise KeyError(f"no tier named {tier_name!r}")

    def external(self, ext_name: str) -> ExternalSystem | None:
        """The external system called ``ext_name``, or ``None``.

        >>> System(externals=[ExternalSystem("pay", latency_ms=100)]).external("pay").latency_ms
        100
        """
        return next((e for e in self.externals if e.name == ext_name), None)

    def lock_table(self, table: str) -> tuple[Tier, RowLocks] | None:
        """The tier holding the row-lock table ``table`` and the table, or ``None``.

        >>> s = System(tiers=[Tier("db", locks=[RowLocks("stock", rows=100)])])
        >>> tier, table = s.lock_table("stock"); tier.name, table.rows
        ('db', 100)
        """
        for t in self.tiers:
            for lk in t.locks:
                if lk.name == table:
                    return t, lk
        return None

    @property
    def workload(self) -> Workload | None:
        """The first workload (most systems have one)."""
        return self.workloads[0] if self.workloads else None

    # -- checking ------------------------------------------------------------

    def check(self) -> None:
        """Checks every component and every cross reference; raises ``ModelError`` naming the field.

        >>> System("s", tiers=[Tier("web")], transactions=[Transaction("t", tier="wbe")],
        ...        workload=Open(rps=1)).check()
        Traceback (most recent call last):
        ...
        tiersim.errors.ModelError: transactions[0].tier: no tier or external system named 'wbe'; did you mean 'web'?
        """
        from .compile import check_system

        check_system(self)

    # -- compiling and running ----------------------------------------------

    def compile(self) -> Compiled:
        """The core model as plain data, with the map from components to stations and pools.

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> c = s.compile()
        >>> c.model["services"][0]["stations"], c.element("web", "cpu").component
        ([{'name': 'cpu', 'discipline': 'ps', 'servers': 2}], 'tiers[0].server.cpu')
        """
        from .compile import compile_system

        return compile_system(self)

    def to_model(self) -> Model:
        """The core :class:`tiersim.Model` this system compiles to.

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> s.to_model()
        <Model 's': 0 stations, 0 pools, 1 class>
        """
        from ..model import Model

        return Model.from_dict(self.compile().model)

    def describe(self, steps: bool = False) -> str:
        """Which station or pool each resource became; with ``steps``, every class's step graph.

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> print(s.describe(steps=True))
        system 's' -> core model 's': 1 services (1 operations), 0 stations, 0 pools, 1 classes
        <BLANKLINE>
        web:
          servers -> service web      1 server(s)   [tiers[0]]
          cpu     -> station web.cpu  x1 ps, 2 core(s), speed 1   [tiers[0].server.cpu]
        <BLANKLINE>
        class 'hit' (open, 50 requests/s): 1 steps
          'web call': call web.hit -> 'exit'
        operation 'web.hit': 1 steps
          'cpu': visit cpu exponential mean 10 ms -> 'exit'
        """
        return self.compile().describe(steps=steps)

    def run(self, **overrides: Any) -> Results:
        """Simulates the compiled model; keywords as :meth:`tiersim.Model.run` (``until``, ``seed``, ...).

        No progress bar unless ``progress=True``.

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> r = s.run(until=200, warmup=10, replications=2, seed=1)
        >>> abs(float(r.stations.loc[0, "utilization"]) - 0.25) < 0.02   # 50/s x 10 ms / 2 cores
        True
        """
        overrides.setdefault("progress", False)
        results = self.to_model().run(**overrides)
        results.source = self  # Results.diagram() draws the system, not the compiled model
        return results

    def diagram(self, results: Results | None = None) -> Any:
        """The architecture drawn with Graphviz: tiers with their server counts, resources, network, calls.

        A :class:`tiersim.diagram.Diagram` (inline in Jupyter, ``.save("arch.svg")``); with
        ``results``, each resource is coloured by utilization and the bottleneck outlined.

        >>> s = System("s", tiers=[Tier("web", servers=64, server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> "web tier ×64 servers (round_robin)" in s.diagram().source
        True
        """
        from ..diagram import diagram

        return diagram(self, results)

    def report(self, results: Results) -> pd.DataFrame:
        """The results in the system's terms: one row per tier/server resource (see :meth:`Compiled.report`).

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> rep = s.report(s.run(until=200, replications=2, seed=1))
        >>> rep[["owner", "resource", "name", "kind"]].values.tolist()
        [['web', 'cpu', 'web.cpu', 'station']]
        """
        return self.compile().report(results)

    # -- plain data ----------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The infrastructure file's content: ``{name, run, system: {...}}``.

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> s.to_dict()["system"]["tiers"]
        [{'name': 'web', 'server': {'cpu': {'cores': 2}}}]
        """
        sysd: dict[str, Any] = {}
        if self.reference_clock_ghz is not None:
            sysd["reference_clock_ghz"] = self.reference_clock_ghz
        if self.service_cv != 1.0:
            sysd["service_cv"] = self.service_cv
        sysd["tiers"] = [t.to_dict() for t in self.tiers]
        if self.externals:
            sysd["externals"] = [e.to_dict() for e in self.externals]
        if self.network is not None:
            sysd["network"] = self.network.to_dict()
        sysd["transactions"] = [t.to_dict() for t in self.transactions]
        if len(self.workloads) == 1:
            sysd["workload"] = self.workloads[0].to_dict()
        elif self.workloads:
            sysd["workload"] = [w.to_dict() for w in self.workloads]
        out: dict[str, Any] = {"name": self.name}
        if self.run_settings:
            out["run"] = dict(self.run_settings)
        out["system"] = sysd
        return out

    def to_yaml(self) -> str:
        """The infrastructure file as YAML text (read back by :func:`tiersim.infra.loads`).

        >>> s = System("s", tiers=[Tier("web", server=Server(cpu=Cpu(cores=2)))],
        ...            transactions=[Transaction("hit", tier="web", cpu_ms=10)], workload=Open(rps=50))
        >>> print(s.to_yaml(), end="")
        name: s
        system:
          tiers:
          - name: web
            server:
              cpu: {cores: 2}
          transactions:
          - {name: hit, tier: web, cpu_ms: 10}
          workload: {type: open, rps: 50}
        """
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None, width=100)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, System) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"<System {self.name!r}: {len(self.tiers)} tiers, {len(self.transactions)} transactions, "
                f"{len(self.workloads)} workload(s)>")

