"""Compiles a :class:`~tiersim.infra.system.System` into the core model (plain data).

Every tier becomes a service of the core: its N servers are the service's N
replicas behind the tier's balancer, each with its own copy of the server's
resources (CPU, disk, NIC, memory, the tier's threads, its connection pools),
written once as the service's template. A transaction's work at a tier is an
operation of that service (one per call site), and each call a ``call`` step,
so the model grows with what was written, not with the number of servers.
Shared resources (admission limits, lock tables, links, routers, external
systems) are top-level stations and pools. See docs/guides/vocabulary.md,
"How it compiles".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from ._base import fail, join, number, suggest
from .hardware import Disk, transfer_ms
from .software import Compression
from .system import CLIENT, Network, System, Tier
from .transaction import Call, Io, Transaction
from .workload import Batch, Closed, Open

if TYPE_CHECKING:
    import pandas as pd

    from ..results import Results

__all__ = ["Compiled", "Element", "StepInfo", "check_system", "compile_system"]

_EXTERNAL_FIELDS = {"tier", "request_kib", "reply_kib", "times", "mode", "cache", "streams", "compress"}


# -- checking -------------------------------------------------------------------------------


def check_system(s: System) -> None:
    """Checks every component of ``s`` and every name it refers to (paths relative to the system)."""
    if not isinstance(s.name, str) or not s.name:
        raise fail("name", f"expected a non-empty name, got {s.name!r}")
    if s.reference_clock_ghz is not None:
        number(s.reference_clock_ghz, "reference_clock_ghz", low=0, low_open=True)
    number(s.service_cv, "service_cv", high=100)
    if not s.tiers:
        raise fail("tiers", "a system needs at least one tier")
    tiers: dict[str, int] = {}
    for i, t in enumerate(s.tiers):
        p = join("tiers", i)
        if not isinstance(t, Tier):
            raise fail(p, f"expected a Tier, got {type(t).__name__}")
        t.check(p)
        if t.name == CLIENT:
            raise fail(join(p, "name"), f"{CLIENT!r} is reserved for the users' side of the network")
        if t.name in tiers:
            raise fail(join(p, "name"), f"a second tier named {t.name!r}")
        tiers[t.name] = i
    externals: dict[str, int] = {}
    for i, e in enumerate(s.externals):
        p = join("externals", i)
        e.check(p)
        if e.name in tiers or e.name in externals or e.name == CLIENT:
            raise fail(join(p, "name"), f"{e.name!r} is already the name of a tier or external system")
        externals[e.name] = i
    targets = [*tiers, *externals]
    for i, t in enumerate(s.tiers):
        for k, c in enumerate(t.connections):
            if c.to not in targets:
                raise fail(join(join(join("tiers", i), "connections"), k) + ".to",
                           f"no tier or external system named {c.to!r}{suggest(c.to, targets)}")
    tables: dict[str, str] = {}
    for i, t in enumerate(s.tiers):
        for k, lk in enumerate(t.locks):
            if lk.name in tables:
                raise fail(join(join(join("tiers", i), "locks"), k) + ".name",
                           f"a second lock table named {lk.name!r} (also in tier {tables[lk.name]!r})")
            tables[lk.name] = t.name
    if s.network is not None:
        if not isinstance(s.network, Network):
            raise fail("network", f"expected a Network, got {type(s.network).__name__}")
        s.network.check("network")
        ends = [*targets, CLIENT]
        for i, pth in enumerate(s.network.paths):
            for k, end in enumerate(pth.between):
                if end not in ends:
                    raise fail(f"network.paths[{i}].between[{k}]",
                               f"no tier, external system or {CLIENT!r} named {end!r}{suggest(end, ends)}")
        clash = set(el.name for el in [*s.network.links, *s.network.routers])
        for nm in sorted(clash & (set(tiers) | set(externals))):
            raise fail("network", f"{nm!r} names both a network element and a tier or external system")
    if not s.transactions:
        raise fail("transactions", "a system needs at least one transaction")
    seen: dict[str, int] = {}
    for i, tx in enumerate(s.transactions):
        p = join("transactions", i)
        if not isinstance(tx, Transaction):
            raise fail(p, f"expected a Transaction, got {type(tx).__name__}")
        tx.check(p)
        if tx.name in seen:
            raise fail(join(p, "name"), f"a second transaction named {tx.name!r}")
        seen[tx.name] = i
        assert tx.root is not None
        _check_calls(s, tx.root, p, targets, tables, held=())
    if not s.workloads:
        raise fail("workload", "a system needs a workload: Open(rps=...), Closed(users=...) or Batch(jobs=...)")
    class_names: dict[str, str] = {}
    for i, wl in enumerate(s.workloads):
        p = "workload" if len(s.workloads) == 1 else join("workload", i)
        if not isinstance(wl, (Open, Closed, Batch)):
            raise fail(p, f"expected Open, Closed or Batch, got {type(wl).__name__}")
        wl.check(p)
        for k in (wl.mix or {}):
            if k not in seen:
                raise fail(join(join(p, "mix"), k), f"no transaction named {k!r}{suggest(k, seen)}")
        mix = _mix(s, wl)
        if not mix:
            raise fail(p, "every transaction of the mix has weight 0: nothing would run")
        for cname in _class_names(wl, mix):
            if cname in class_names:
                raise fail(join(p, "name"), f"two workloads both make a class {cname!r}; give them names")
            class_names[cname] = p
    if not isinstance(s.run_settings, dict):
        raise fail("run", "expected a mapping (until, warmup, replications, seed, ...)")


def _check_calls(s: System, c: Call, path: str, targets: list[str], tables: dict[str, str],
                 held: tuple[str, ...]) -> None:
    if c.tier not in targets:
        raise fail(join(path, "tier"), f"no tier or external system named {c.tier!r}{suggest(c.tier, targets)}")
    ext = s.external(c.tier)
    if ext is not None:
        defaults = Call(c.tier)
        for key in vars(c):
            if key not in _EXTERNAL_FIELDS and getattr(c, key) != getattr(defaults, key):
                raise fail(join(path, key), f"{c.tier!r} is an external system: a call to it takes its latency; "
                                            f"only {', '.join(sorted(_EXTERNAL_FIELDS - {'tier'}))} apply")
        return
    tier = s.tier(c.tier)
    srv = tier.server
    if (c.reads or c.writes) and srv.disk is None:
        key = "reads" if c.reads else "writes"
        raise fail(join(path, key), f"tier {tier.name!r} has no disk: give its server a Disk")
    if c.mem_mb > 0:
        if srv.memory is None:
            raise fail(join(path, "mem_mb"), f"tier {tier.name!r} has no memory: give its server a Memory")
        if srv.disk is None and srv.memory.page_in_ms is None:
            i = s.tiers.index(tier)
            raise fail(f"tiers[{i}].server.memory.page_in_ms",
                       "paging needs a disk on the server or a page_in_ms cost (a swap device of its own)")
    if c.lock is not None:
        if c.lock not in tables:
            raise fail(join(path, "lock"), f"no lock table named {c.lock!r}{suggest(c.lock, tables)}")
        if c.lock in held:
            raise fail(join(path, "lock"), f"this call is inside another call holding a row of {c.lock!r}; "
                                           "a request holds one row of a table at a time")
        held = (*held, c.lock)
    for i, sub in enumerate(c.calls):
        _check_calls(s, sub, join(join(path, "calls"), i), targets, tables, held)


def _mix(s: System, wl: Open | Closed | Batch) -> list[tuple[Transaction, float]]:
    weights = wl.mix if wl.mix is not None else {t.name: t.weight for t in s.transactions}
    return [(t, float(weights[t.name])) for t in s.transactions if weights.get(t.name, 0) > 0]


def _class_names(wl: Open | Closed | Batch, mix: list[tuple[Transaction, float]]) -> list[str]:
    if isinstance(wl, Open):
        return [f"{wl.name}.{t.name}" if wl.name else t.name for t, _ in mix]
    if len(mix) == 1 and wl.name is None:
        return [mix[0][0].name]
    return [wl.name or ("users" if isinstance(wl, Closed) else "batch")]


# -- the result of compiling -------------------------------------------------------------------


@dataclass
class Element:
    """One resource of the system and the station or pool it became.

    A server's resource is one template station or pool of its tier's service, named
    ``TIER.RESOURCE`` (each of the tier's ``replicas`` servers has its own copy); a
    shared one (a link, an admission limit, a lock table) is a top-level station or pool.

    >>> from tiersim.infra import *
    >>> s = System("s", tiers=[Tier("db", servers=2, server=Server(disk=Disk(raid=4)))],
    ...            transactions=[Transaction("q", tier="db", reads=[Read()])], workload=Open(rps=10))
    >>> el = s.compile().element("db", "disk")
    >>> el.kind, el.name, el.component, el.replicas
    ('station', 'db.disk', 'tiers[0].server.disk', 2)
    """

    component: str
    """Where it is defined, e.g. ``tiers[0].server.cpu``."""
    owner: str
    """The tier (``web``), ``network`` or external system it belongs to."""
    resource: str
    """What it is: ``cpu``, ``disk``, ``nic``, ``threads``, ``memory``, ``link``, ..."""
    kind: str
    """``station``, ``pool``, or ``service`` (the tier itself: its servers and balancer)."""
    name: str
    """The station or pool name in the core model's results (``app.cpu``, ``db_stock``)."""
    detail: str
    """How it was set up, in words."""
    replicas: int = 1
    """How many copies there are: the tier's servers for a server's resource, else 1."""
    service: Optional[str] = None
    """The service whose replicas each have a copy (the tier's name), or None for a shared resource."""


@dataclass
class StepInfo:
    """What a compiled step does, in the system's terms.

    >>> from tiersim.infra import *
    >>> s = System("s", tiers=[Tier("db", server=Server(disk=Disk()))],
    ...            transactions=[Transaction("q", tier="db", reads=[Read()])], workload=Open(rps=10))
    >>> s.compile().steps["db.q"]["read"]
    StepInfo(role='read', owner='db')
    """

    role: str
    owner: str


@dataclass
class Compiled:
    """A compiled system: the core model's plain data and the map back to the components.

    Made by :meth:`System.compile`.

    >>> from tiersim.infra import *
    >>> s = System("s", tiers=[Tier("web", servers=2, threads=8)],
    ...            transactions=[Transaction("hit", tier="web", cpu_ms=5)], workload=Open(rps=10))
    >>> c = s.compile()
    >>> svc = c.model["services"][0]
    >>> svc["name"], svc["replicas"], svc["balancer"], svc["threads"], svc["stations"]
    ('web', 2, 'round_robin', 8, [{'name': 'cpu', 'discipline': 'ps'}])
    >>> [st["id"] for st in svc["operations"][0]["steps"]], c.model["classes"][0]["steps"]
    (['cpu'], [{'id': 'web call', 'call': 'web.hit', 'next': 'exit'}])
    >>> [(e.owner, e.resource, e.name, e.replicas) for e in c.elements]
    [('web', 'servers', 'web', 2), ('web', 'cpu', 'web.cpu', 2), ('web', 'threads', 'web.threads', 2)]
    """

    system_name: str
    model: dict[str, Any]
    elements: list[Element] = field(default_factory=list)
    steps: dict[str, dict[str, StepInfo]] = field(default_factory=dict)
    """Per class and per operation (``SERVICE.OPERATION``), per step id: its role (``cpu``,
    ``page-in``, ``read``, ``call``, ...) and owner (the tier, ``network``, ...)."""
    classes: dict[str, str] = field(default_factory=dict)
    """Per class, what drives it, in words."""
    paging: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per operation: its page-fault checks, and its other visits to the disk (the mean, after
    the storage cache), per call: the report's paging share comes from them."""

    def element(self, owner: str, resource: str) -> Element:
        """The element of ``owner`` (``"db"``, ``"network"``, an external system) for ``resource``.

        >>> from tiersim.infra import *
        >>> s = System("s", tiers=[Tier("app", threads=16)],
        ...            transactions=[Transaction("t", tier="app", cpu_ms=5)], workload=Open(rps=10))
        >>> s.compile().element("app", "threads").name
        'app.threads'
        """
        for el in self.elements:
            if el.owner == owner and el.resource == resource:
                return el
        tier = next((el.owner for el in self.elements if el.kind == "service" and owner.startswith(el.owner)
                     and owner[len(el.owner):].isdigit()), None)
        if tier is not None:
            raise KeyError(f"no {resource!r} for {owner!r}: a tier's servers are the replicas of one service "
                           f"now; ask for owner {tier!r}")
        raise KeyError(f"no {resource!r} for {owner!r}")

    def describe(self, steps: bool = False) -> str:
        """The mapping as text: each resource, the station or pool it became, the classes and operations.

        >>> from tiersim.infra import *
        >>> s = System("s", tiers=[Tier("app", servers=4, threads=16)],
        ...            transactions=[Transaction("t", tier="app", cpu_ms=5)], workload=Closed(users=10, think_s=1))
        >>> print(s.compile().describe())
        system 's' -> core model 's': 1 services (1 operations), 0 stations, 0 pools, 1 classes
        <BLANKLINE>
        app:
          servers -> service app          4 server(s), round_robin   [tiers[0]]
          cpu     -> station app.cpu      x4 ps, 1 core(s), speed 1   [tiers[0].server.cpu]
          threads -> pool    app.threads  x4 16 threads (the service's thread pool)   [tiers[0].threads]
        <BLANKLINE>
        class 't' (closed, 10 users, think 1 s): 1 steps
        operation 'app.t': 1 steps
        """
        m = self.model
        services = m.get("services", [])
        ops = [(f"{sv['name']}.{op['name']}", op["steps"]) for sv in services for op in sv["operations"]]
        lines = [f"system {self.system_name!r} -> core model {m['name']!r}: {len(services)} services "
                 f"({len(ops)} operations), {len(m['stations'])} stations, {len(m.get('pools', []))} pools, "
                 f"{len(m['classes'])} classes", ""]
        width = max([len(e.name) for e in self.elements] + [1])
        rwidth = max([len(e.resource) for e in self.elements] + [1])
        kwidth = max([len(e.kind) for e in self.elements] + [1])
        owner = None
        for el in self.elements:
            if el.owner != owner:
                owner = el.owner
                lines.append(f"{owner}:")
            copies = f"x{el.replicas} " if el.service is not None and el.kind != "service" else ""
            lines.append(f"  {el.resource:<{rwidth}} -> {el.kind:<{kwidth}} {el.name:<{width}}  {copies}{el.detail}"
                         f"   [{el.component}]")
        lines.append("")
        routes = [(f"class {c['name']!r} ({self.classes.get(c['name'], c.get('type', 'open'))})", c["steps"])
                  for c in m["classes"]]
        routes += [(f"operation {name!r}", st) for name, st in ops]
        for title, st_list in routes:
            lines.append(f"{title}: {len(st_list)} steps")
            if steps:
                for st in st_list:
                    lines.append("  " + _step_text(st))
        return "\n".join(lines)

    def report(self, results: Results) -> pd.DataFrame:
        """One row per resource: owner, resource, station/pool name, replicas, utilization (the mean
        over a tier's servers), the busiest server's utilization, queue (the run queue for a CPU),
        wait, throughput, and a note (paging share, rejections, hot rows).

        Utilization of a memory pool is working sets / RAM (above 1 when overcommitted).

        >>> from tiersim.infra import *
        >>> s = System("s", tiers=[Tier("app", server=Server(memory=Memory(100, page_in_ms=5)),
        ...                             admission=AdmissionLimit(20))],
        ...            transactions=[Transaction("t", tier="app", cpu_ms=50, mem_mb=40)], workload=Open(rps=30))
        >>> c = s.compile()
        >>> rep = c.report(s.run(until=500, warmup=50, replications=2, seed=1))
        >>> rep[["resource", "name", "note"]].values.tolist()  # doctest: +ELLIPSIS
        [['admission', 'app_admission', 'rejections ... per replication'], ['cpu', 'app.cpu', ''], ['memory', 'app.memory', 'paging share ...%'], ['swap', 'app.swap', '']]
        """
        import pandas as pd

        data = results.to_dict()
        stations = {st["name"]: st for st in data.get("stations") or []}
        pools = {p["name"]: p for p in data.get("pools") or []}
        calls = {f"{sv['name']}.{op['name']}": float(op.get("throughput") or 0)
                 for sv in data.get("services") or [] for op in sv.get("operations") or []}
        rows = []
        for el in self.elements:
            src = stations.get(el.name) if el.kind == "station" else pools.get(el.name)
            if src is None:
                continue
            note = ""
            if el.resource == "memory":
                # Page-ins are the visits to the swap device, or to the disk beyond its reads and writes.
                ops = [(calls.get(op, 0.0), n) for op, n in self.paging.items() if op.split(".")[0] == el.owner]
                touched = sum(x * n[0] for x, n in ops)
                device = stations.get(f"{el.owner}.swap") or stations.get(f"{el.owner}.disk") or {}
                others = 0.0 if device.get("name", "").endswith(".swap") else sum(x * n[1] for x, n in ops)
                if touched > 0:
                    paged = max(float(device.get("throughput") or 0) - others, 0.0)
                    note = f"paging share {paged / touched:.1%}"
            elif el.kind == "pool" and src.get("on_full") == "reject":
                note = f"rejections {src.get('rejections', 0):g} per replication"
            elif el.kind == "pool" and src.get("hot_keys"):
                hot = src["hot_keys"][0]
                note = f"hottest row {hot['key']}: wait {_ms(hot.get('mean_wait'))}"
            util = src.get("utilization")
            rows.append({"owner": el.owner, "resource": el.resource, "name": el.name, "kind": el.kind,
                         "replicas": el.replicas, "utilization": util,
                         "utilization_max": src.get("utilization_max", util),
                         "queue": src.get("mean_queue_length"), "wait": src.get("mean_wait"),
                         "throughput": src.get("throughput"), "note": note})
        cols = ["owner", "resource", "name", "kind", "replicas", "utilization", "utilization_max", "queue", "wait",
                "throughput", "note"]
        return pd.DataFrame(rows, columns=cols)


def _ms(value: Any) -> str:
    return "-" if value is None else f"{float(value) * 1000:.3g} ms"


def _step_text(st: dict[str, Any]) -> str:
    sid = st["id"]
    for action in ("visit", "acquire", "release", "delay", "choose", "branch", "fork", "join", "call"):
        if action in st:
            break
    if action == "call":
        what = f"call {st['call']}" + (f" x{st['count']}" if "count" in st else "")
    elif action == "visit":
        what = f"visit {st['visit']} {_svc_text(st['service'])}"
    elif action in ("acquire", "release"):
        what = f"{action} {st[action]}" + (f" x{st['tokens']}" if "tokens" in st else "")
        if "key" in st:
            what += f" key {st['key']}"
    elif action == "delay":
        what = f"delay {_svc_text(st['delay'])}"
    elif action == "choose":
        what = f"choose {st['choose']} -> {st['to']}" + (f" weights {st['weights']}" if "weights" in st else "")
    elif action == "branch":
        what = f"branch {st['branch']} over -> {st['over']!r}, under -> {st['under']!r}"
    elif action == "fork":
        what = f"fork -> {st['fork']}"
    else:
        what = f"join {st['join']!r}"
    nxt = st.get("next")
    return f"{sid!r}: {what}" + (f" -> {nxt!r}" if nxt is not None else "")


def _svc_text(v: Any) -> str:
    if isinstance(v, dict):
        return f"{v.get('dist')} mean {float(v.get('mean', 0)) * 1000:.4g} ms"
    return f"{float(v) * 1000:.4g} ms"


# -- compiling ------------------------------------------------------------------------------

# The names of a server's own resources in its service's template (each replica has its copy).
_TEMPLATE_NAMES = ("cpu", "disk", "hba", "swap", "nic", "memory", "latch", "admission", "threads")


@dataclass
class _Ctx:
    """Where a route runs: a tier's service (``tier``) or the users' side (``tier`` None)."""

    endpoint: str
    tier: Optional[Tier] = None

    @property
    def threads(self) -> bool:
        return self.tier is not None and self.tier.threads is not None


class _Route:
    """The steps of one class or operation, built backwards (each step knows where it goes next)."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.steps: list[dict[str, Any]] = []
        self.info: dict[str, StepInfo] = {}
        self._ids: set[str] = {"exit"}
        self.checks = 0  # page-fault checks
        self.disk = 0.0  # mean visits to the disk by reads and writes

    def reserve(self, base: str) -> str:
        sid, k = base, 2
        while sid in self._ids:
            sid = f"{base} ({k})"
            k += 1
        self._ids.add(sid)
        return sid

    def add(self, base: str, action: dict[str, Any], next: str | None, role: str, owner: str,
            sid: str | None = None) -> str:
        sid = sid if sid is not None else self.reserve(base)
        step = {"id": sid, **action}
        if next is not None:
            step["next"] = next
        self.steps.append(step)
        self.info[sid] = StepInfo(role, owner)
        return sid

    def mark(self) -> tuple[int, set[str]]:
        return len(self.steps), set(self._ids)

    def undo(self, mark: tuple[int, set[str]]) -> None:
        n, ids = mark
        for st in self.steps[n:]:
            self.info.pop(st["id"], None)
        del self.steps[n:]
        self._ids = ids

    def ordered(self, entry: str) -> list[dict[str, Any]]:
        """The steps in reading order: depth first from ``entry``, options in the order given."""
        by_id = {st["id"]: st for st in self.steps}
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        stack = [entry]
        while stack:
            sid = stack.pop()
            if sid in seen or sid not in by_id:
                continue
            seen.add(sid)
            st = by_id[sid]
            out.append(st)
            succ: list[str] = []
            for key in ("to", "fork"):
                succ += list(st.get(key, []))
            for key in ("over", "under", "next"):
                if isinstance(st.get(key), str):
                    succ.append(st[key])
            stack.extend(reversed(succ))
        out += [st for st in self.steps if st["id"] not in seen]
        return out


def _round(x: float) -> float:
    return float(f"{x:.12g}")


def _words(*parts: str) -> str:
    return " ".join(p for p in parts if p)


class _Compiler:
    def __init__(self, system: System) -> None:
        self.s = system
        self.stations: list[dict[str, Any]] = []
        self.pools: list[dict[str, Any]] = []
        self.services: dict[str, dict[str, Any]] = {}
        self.elements: list[Element] = []
        self.infos: dict[str, dict[str, StepInfo]] = {}
        self._names: dict[str, str] = {}
        self._ops: dict[tuple[int, str], str] = {}
        self.paging: dict[str, tuple[int, float]] = {}
        self._tx = ""  # the transaction being compiled (operations are named after it)

    # resources

    def _claim(self, nm: str, component: str) -> None:
        if nm in self._names:
            raise fail(component, f"the resource name {nm!r} is also used by {self._names[nm]}; rename one of them")
        if nm in _TEMPLATE_NAMES or nm.startswith("conn_"):
            raise fail(component, f"{nm!r} is the name of a server's own resource in every tier's service; "
                                  "rename it")
        self._names[nm] = component

    def station(self, nm: str, component: str, owner: str, resource: str, detail: str, **spec: Any) -> str:
        self._claim(nm, component)
        self.stations.append({"name": nm, **spec})
        self.elements.append(Element(component, owner, resource, "station", nm, detail))
        return nm

    def pool(self, nm: str, component: str, owner: str, resource: str, detail: str, **spec: Any) -> str:
        self._claim(nm, component)
        self.pools.append({"name": nm, **spec})
        self.elements.append(Element(component, owner, resource, "pool", nm, detail))
        return nm

    def own(self, t: Tier, kind: str, local: str, component: str, resource: str, detail: str,
            **spec: Any) -> None:
        """A resource of every server of ``t``: a station or pool of its service's template."""
        self.services[t.name]["stations" if kind == "station" else "pools"].append({"name": local, **spec})
        self.elements.append(Element(component, t.name, resource, kind, f"{t.name}.{local}", detail, t.servers, t.name))

    def svc(self, ms: float) -> Any:
        mean = _round(ms / 1000.0)
        cv = self.s.service_cv
        if cv == 0:
            return mean
        if cv == 1:
            return {"dist": "exponential", "mean": mean}
        return {"dist": "lognormal", "mean": mean, "cv": cv}

    def resources(self) -> None:
        s = self.s
        ref = s.reference_clock_ghz
        for ti, t in enumerate(s.tiers):
            tp = f"tiers[{ti}]"
            srv = t.server
            sp = f"{tp}.server"
            if t.admission is not None and not t.admission.per_server:
                self.pool(f"{t.name}_admission", f"{tp}.admission", t.name, "admission",
                          f"reject beyond {t.admission.max_concurrent} requests in the tier",
                          capacity=t.admission.max_concurrent, on_full="reject")
            for lk_i, lk in enumerate(t.locks):
                hot = f", {lk.hot_fraction:.0%} of accesses on {lk.hot_rows} hot row(s)" if lk.hot_fraction else ""
                self.pool(f"{t.name}_{lk.name}", f"{tp}.locks[{lk_i}]", t.name, f"lock {lk.name}",
                          f"lock table of {lk.rows} rows{hot}", capacity=1, keys=lk.rows)
            svc: dict[str, Any] = {"name": t.name}
            if t.servers > 1:
                svc["replicas"] = t.servers
                svc["balancer"] = t.balancer
            if t.threads is not None:
                svc["threads"] = t.threads.size
            svc.update(stations=[], pools=[], operations=[])
            self.services[t.name] = svc
            self.elements.append(Element(tp, t.name, "servers", "service", t.name,
                                         f"{t.servers} server(s)" + (f", {t.balancer}" if t.servers > 1 else ""),
                                         t.servers, t.name))
            speed = srv.cpu.speed(ref)
            cpu: dict[str, Any] = {"discipline": "ps"}
            if srv.cpu.cores != 1:
                cpu["servers"] = srv.cpu.cores
            if speed != 1:
                cpu["speed"] = _round(speed)
            clock = f" @ {srv.cpu.clock_ghz:g} GHz" if srv.cpu.clock_ghz else ""
            self.own(t, "station", "cpu", f"{sp}.cpu", "cpu", f"ps, {srv.cpu.cores} core(s){clock}, speed {speed:.4g}",
                     **cpu)
            if srv.disk is not None:
                d = srv.disk
                st: dict[str, Any] = {"servers": d.raid} if d.raid != 1 else {}
                extra = f", cache hit {d.cache_hit_ratio:.0%}" if d.cache_hit_ratio else ""
                self.own(t, "station", "disk", f"{sp}.disk", "disk",
                         f"fcfs, {d.raid} spindle(s), {d.kind}, 8 KiB random read {d.io_ms(8, True):.3g} ms{extra}",
                         **st)
                if d.san is not None:
                    self.own(t, "station", "hba", f"{sp}.disk.san", "hba",
                             f"fcfs, {d.san.hba_mbps:g} Mbit/s + {d.san.per_io_us:g} us per I/O; "
                             f"switch hop {d.san.switch_ms:g} ms (delay steps)")
            if srv.memory is not None:
                mem = srv.memory
                self.own(t, "pool", "memory", f"{sp}.memory", "memory",
                         f"overcommit, {mem.size_mb} MiB; a page-in before CPU work with probability "
                         "(held - size)/held",
                         capacity=mem.size_mb, on_full="overcommit")
                if srv.disk is None and mem.page_in_ms is not None:
                    self.own(t, "station", "swap", f"{sp}.memory.page_in_ms", "swap",
                             f"fcfs, page-in {mem.page_in_ms:g} ms")
                if mem.latch_ms > 0:
                    self.own(t, "pool", "latch", f"{sp}.memory.latch_ms", "latch",
                             f"capacity 1, held for {mem.latch_ms:g} ms of CPU per request", capacity=1)
            if srv.nic is not None:
                nic = srv.nic
                st = {"servers": nic.bonding} if nic.bonding != 1 else {}
                self.own(t, "station", "nic", f"{sp}.nic", "nic",
                         f"fcfs, {nic.bonding} x {nic.bandwidth_mbps:g} Mbit/s, "
                         f"{nic.per_message_us:g} us per message", **st)
            if t.threads is not None:
                self.elements.append(Element(f"{tp}.threads", t.name, "threads", "pool", f"{t.name}.threads",
                                             f"{t.threads.size} threads (the service's thread pool)",
                                             t.servers, t.name))
            for ci, c in enumerate(t.connections):
                self.own(t, "pool", f"conn_{c.to}", f"{tp}.connections[{ci}]", f"connections to {c.to}",
                         f"{c.size} connections", capacity=c.size)
            if t.admission is not None and t.admission.per_server:
                self.own(t, "pool", "admission", f"{tp}.admission", "admission",
                         f"reject beyond {t.admission.max_concurrent} requests holding a thread of the server",
                         capacity=t.admission.max_concurrent, on_full="reject")
        for ei, e in enumerate(s.externals):
            self.station(e.name, f"externals[{ei}]", e.name, "external", f"delay, {e.latency_ms:g} ms per call",
                         discipline="delay")
            if e.concurrency is not None:
                self.pool(f"{e.name}_slots", f"externals[{ei}].concurrency", e.name, "concurrency",
                          f"at most {e.concurrency} calls at once", capacity=e.concurrency)
        net = s.network
        if net is not None:
            for li, lk in enumerate(net.links):
                st = {"servers": lk.bonding} if lk.bonding != 1 else {}
                self.station(lk.name, f"network.links[{li}]", "network", "link",
                             f"fcfs, {lk.bonding} x {lk.bandwidth_mbps:g} Mbit/s; latency {lk.latency_ms:g} ms "
                             "(delay steps)", **st)
            for ri, rt in enumerate(net.routers):
                self.station(rt.name, f"network.routers[{ri}]", "network", "router",
                             f"fcfs, {rt.capacity_mbps:g} Mbit/s, {rt.per_message_us:g} us per message; "
                             f"latency {rt.latency_ms:g} ms (delay steps)")

    # route fragments (each takes the continuation and returns the entry step id); a route
    # runs in one tier's service (or on the users' side), so "cpu", "disk", ... are its own

    def cpu_visit(self, r: _Route, cont: str, me: _Ctx, ms: float, base: str, role: str = "cpu") -> str:
        if ms <= 0 or me.tier is None:
            return cont
        return r.add(base, {"visit": "cpu", "service": self.svc(ms)}, cont, role, me.endpoint)

    def delay(self, r: _Route, cont: str, ms: float, base: str, owner: str, role: str) -> str:
        if ms <= 0:
            return cont
        return r.add(base, {"delay": _round(ms / 1000.0)}, cont, role, owner)

    def acquire(self, r: _Route, cont: str, pool: str, base: str, owner: str, tokens: int = 1,
                key: dict[str, Any] | None = None) -> str:
        action: dict[str, Any] = {"acquire": pool}
        if tokens != 1:
            action["tokens"] = tokens
        if key:
            action["key"] = key
        return r.add(base, action, cont, "acquire", owner)

    def release(self, r: _Route, cont: str, pool: str, base: str, owner: str, tokens: int = 1) -> str:
        action: dict[str, Any] = {"release": pool}
        if tokens != 1:
            action["tokens"] = tokens
        return r.add(base, action, cont, "release", owner)

    def fork(self, r: _Route, cont: str, base: str, owner: str,
             branches: list[Callable[[str], str]]) -> str:
        """Parallel branches, each built by ``branch(join_id)`` (and each adding steps); one needs no fork."""
        if len(branches) == 1:
            return branches[0](cont)
        fork_id = r.reserve(f"{base} fork")
        join_id = r.add(f"{base} join", {"join": fork_id}, cont, "join", owner)
        starts = [b(join_id) for b in branches]
        assert join_id not in starts, "a parallel branch without steps"
        return r.add("", {"fork": starts}, None, "fork", owner, sid=fork_id)

    def message(self, r: _Route, cont: str, label: str, src: _Ctx, dst: str, dst_ctx: _Ctx | None, kib: float,
                compress: Compression | None, streams: int | None, part: str = "all") -> str:
        """A message from ``src`` to ``dst``: compression at the sender, the transfer (the sender's
        NIC, then each element of the path, then the window stall; in parallel streams when asked),
        decompression at the receiver (``dst_ctx``). ``part`` is ``"send"`` for what happens on the
        sending server (compression, its NIC), ``"wire"`` for the rest, ``"all"`` for both."""
        net = self.s.network
        path = net.path(src.endpoint, dst) if net is not None else []
        nic = src.tier.server.nic if src.tier is not None else None
        wire = kib * compress.ratio if compress is not None else kib
        n = streams if streams is not None else (net.streams if net is not None else 1)
        small = net is not None and net.window_kib is not None and wire <= net.window_kib
        parallel = n > 1 and wire > 0 and not small and (bool(path) or nic is not None)
        each = wire / n if parallel else wire
        if part != "send" and dst_ctx is not None and compress is not None and kib > 0:
            cont = self.cpu_visit(r, cont, dst_ctx, kib * compress.decompress_us_per_kib / 1000,
                                  f"{label} decompress", "compress")
        hops: list[tuple[str, float, float, float]] = []  # station, ms, latency ms, rate Mbit/s
        if nic is not None:
            hops.append(("nic", nic.message_ms(each), 0.0, nic.bandwidth_mbps))
        if net is not None:
            for el_name in path:
                el = net.element(el_name)
                hops.append((el.name, el.message_ms(each), el.latency_ms, el.rate_mbps))
        stall = self.stall(hops, each) if part != "send" else 0.0
        mine = [h for h in hops if (h[0] == "nic") == (part == "send")] if part != "all" else hops
        if mine or stall > 0:
            owner = src.endpoint
            def one(c: str, k: int | None = None) -> str:
                lab = label if k is None else f"{label} {k}"
                c = self.delay(r, c, stall, f"{lab} window", owner, "window")
                for station, ms, latency, _ in reversed(mine):
                    c = self.delay(r, c, latency, f"{lab} {station} latency", "network", "latency")
                    if ms > 0:
                        own = src.endpoint if station == "nic" else "network"
                        c = r.add(f"{lab} {station}", {"visit": station, "service": self.svc(ms)}, c, "transfer", own)
                return c
            if parallel:
                cont = self.fork(r, cont, f"{label} streams", owner,
                                 [lambda c, k=k: one(c, k) for k in range(1, n + 1)])
            else:
                cont = one(cont)
        if part != "wire" and src.tier is not None and compress is not None and kib > 0:
            cont = self.cpu_visit(r, cont, src, kib * compress.cpu_us_per_kib / 1000, f"{label} compress", "compress")
        return cont

    def stall(self, hops: list[tuple[str, float, float, float]], kib: float) -> float:
        """The time a transfer of ``kib`` waits for acks: the first window goes out at once; the rest
        moves at window/RTT when that is below the bottleneck's rate."""
        net = self.s.network
        if not hops or net is None or net.window_kib is None or kib <= net.window_kib:
            return 0.0
        rtt_ms = 2 * sum(h[2] for h in hops)
        if rtt_ms <= 0:
            return 0.0
        window_mbps = net.window_kib * 1024 * 8 / 1e6 / (rtt_ms / 1000)
        bottleneck = min(h[3] for h in hops)
        rest = kib - net.window_kib
        if window_mbps >= bottleneck:
            return 0.0
        return transfer_ms(rest, window_mbps) - transfer_ms(rest, bottleneck)

    def disk_io(self, r: _Route, cont: str, me: _Ctx, disk: Disk, io: Io, base: str) -> str:
        owner = me.endpoint
        miss = r.add(base, {"visit": "disk", "service": self.svc(disk.io_ms(io.kib, io.random))},
                     cont, "read" if io.random else "sequential read", owner)
        if disk.san is not None:
            miss = self.delay(r, miss, disk.san.switch_ms, f"{base} switch", owner, "switch")
            miss = r.add(f"{base} hba", {"visit": "hba", "service": self.svc(disk.san.hba_ms(io.kib))},
                         miss, "hba", owner)
        h = disk.cache_hit_ratio
        r.disk += max(1 - h, 0.0)
        if h <= 0:
            return miss
        hit = r.add(f"{base} cache hit", {"delay": _round(disk.cache_ms / 1000)}, cont, "storage cache hit", owner)
        if h >= 1:
            return hit
        return r.add(f"{base} cache", {"choose": "random", "to": [hit, miss], "weights": [h, 1 - h]}, None,
                     "storage cache", owner)

    def cpu_burst(self, r: _Route, cont: str, c: Call, me: _Ctx, ms: float, label: str) -> str:
        """CPU work (split over ``c.parallel`` cores), preceded by the page-fault branch."""
        if ms <= 0:
            return cont
        assert me.tier is not None
        srv, owner, k = me.tier.server, me.endpoint, c.parallel
        work = self.fork(r, cont, _words(label, "cpu"), owner,
                         [lambda nxt, i=i: self.cpu_visit(r, nxt, me, ms / k,
                                                          _words(label, "cpu") + (f" {i}" if k > 1 else ""))
                          for i in range(1, k + 1)])
        if srv.memory is None or c.mem_mb <= 0:
            return work
        mem = srv.memory
        if srv.disk is not None:
            target = "disk"
            ms_in = mem.page_in_ms if mem.page_in_ms is not None else srv.disk.io_ms(mem.page_kib, True)
        else:
            target = "swap"
            ms_in = float(mem.page_in_ms or 0)
        r.checks += 1
        page_in = r.add(_words(label, "page-in"), {"visit": target, "service": self.svc(ms_in)}, work, "page-in",
                        owner)
        return r.add(_words(label, "page?"), {"branch": "memory", "over": page_in, "under": work}, None, "page?", owner)

    def call(self, r: _Route, c: Call, caller: _Ctx, label: str, cont: str) -> str:
        """``c`` made ``c.times`` times in a row from ``caller``'s route: one ``call`` step with a
        count when nothing else happens on the caller's side, else the caller's part once per call
        (``#n`` in the step ids)."""
        op = self.operation(c, caller) if self.s.external(c.tier) is None else None
        mark = r.mark()
        entry = self.one_call(r, c, caller, op, label, cont, c.times)
        if c.times == 1 or len(r.steps) == mark[0] + 1:
            return entry
        r.undo(mark)
        for k in reversed(range(c.times)):
            cont = self.one_call(r, c, caller, op, f"{label}#{k + 1}", cont, 1)
        return cont

    def one_call(self, r: _Route, c: Call, caller: _Ctx, op: str | None, label: str, cont: str, count: int) -> str:
        s = self.s
        net = s.network
        compress = c.compress if c.compress is not None else (net.compression if net is not None else None)
        owner = caller.endpoint
        after = cont
        released = c.mode == "async" and caller.threads
        if released:
            after = self.acquire(r, after, "threads", f"{label} reacquire thread", owner)
        ext = s.external(c.tier)
        if ext is not None:
            body = self.message(r, after, f"{label} reply", _Ctx(c.tier), caller.endpoint, caller, c.reply_kib,
                                compress, c.streams)
            if ext.concurrency is not None:
                body = self.release(r, body, f"{ext.name}_slots", f"{label} release slot", ext.name)
            body = r.add(f"{label} call", {"visit": ext.name, "service": self.svc(ext.latency_ms)}, body,
                         "external", ext.name)
            if ext.concurrency is not None:
                body = self.acquire(r, body, f"{ext.name}_slots", f"{label} slot", ext.name)
        else:
            assert op is not None
            t = s.tier(c.tier)
            body = self.message(r, after, f"{label} reply", _Ctx(t.name, t), caller.endpoint, caller, c.reply_kib,
                                compress, c.streams, part="wire")
            shared = t.admission is not None and not t.admission.per_server
            if shared:
                body = self.release(r, body, f"{t.name}_admission", f"{label} leave tier", t.name)
            action: dict[str, Any] = {"call": f"{t.name}.{op}"}
            if count > 1:
                action["count"] = count
            body = r.add(f"{label} call", action, body, "call", t.name)
            if shared:
                body = self.acquire(r, body, f"{t.name}_admission", f"{label} admission", t.name)
        body = self.message(r, body, f"{label} request", caller, c.tier, None, c.request_kib, compress, c.streams)
        if released:
            body = self.release(r, body, "threads", f"{label} release thread", owner)
        if c.cache is None or c.cache.hit_ratio <= 0:
            return body
        hit = r.add(f"{label} cache hit", {"delay": _round(c.cache.hit_ms / 1000)}, cont, "cache hit", owner)
        if c.cache.hit_ratio >= 1:
            return hit
        h = c.cache.hit_ratio
        return r.add(f"{label} cache", {"choose": "random", "to": [hit, body], "weights": [h, 1 - h]}, None,
                     "cache", owner)

    def operation(self, c: Call, caller: _Ctx) -> str:
        """The operation of ``c``'s tier that does ``c``'s work (one per call site), made on first use."""
        key = (id(c), caller.endpoint)
        if key in self._ops:
            return self._ops[key]
        t = self.s.tier(c.tier)
        svc = self.services[t.name]
        taken = {o["name"] for o in svc["operations"]}
        base = self._tx
        name, k = base, 2
        while name in taken:
            name = f"{base}#{k}"
            k += 1
        self._ops[key] = name
        op: dict[str, Any] = {"name": name, "steps": []}
        svc["operations"].append(op)  # before the body: the order of operations is the order of calls
        r = _Route(f"{t.name}.{name}")
        entry = self.server_part(r, c, t, caller)
        op["steps"] = r.ordered(entry)
        self.infos[r.owner] = r.info
        if r.checks:
            self.paging[r.owner] = (r.checks, r.disk)
        return name

    def server_part(self, r: _Route, c: Call, t: Tier, caller: _Ctx) -> str:
        """What one server of ``t`` does for ``c``, holding its thread: the operation's steps."""
        srv = t.server
        me = _Ctx(t.name, t)
        net = self.s.network
        compress = c.compress if c.compress is not None else (net.compression if net is not None else None)
        owner = t.name
        per_server = t.admission is not None and t.admission.per_server
        cont = self.message(r, "exit", "reply", me, caller.endpoint, caller, c.reply_kib, compress, c.streams,
                            part="send")
        # Releases, in the reverse order of the acquisitions below.
        if per_server:
            cont = self.release(r, cont, "admission", "leave", owner)
        if c.lock is not None:
            found = self.s.lock_table(c.lock)
            assert found is not None
            cont = self.release(r, cont, f"{found[0].name}_{c.lock}", f"unlock {c.lock}", owner)
        if srv.memory is not None and c.mem_mb > 0:
            cont = self.release(r, cont, "memory", "free memory", owner, tokens=c.mem_mb)
        cont = self.cpu_burst(r, cont, c, me, c.cpu_after_ms, "after")
        # Calls to other tiers, holding a connection to a tier from the first call to it to the last.
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        for i, sub in enumerate(c.calls):
            first.setdefault(sub.tier, i)
            last[sub.tier] = i
            if self.s.external(sub.tier) is None:
                self.operation(sub, me)  # made in the order of the calls (the steps are built backwards)
        for i in reversed(range(len(c.calls))):
            sub = c.calls[i]
            conn = t.connection_to(sub.tier)
            if conn is not None and last[sub.tier] == i:
                cont = self.release(r, cont, f"conn_{sub.tier}", f"return connection {sub.tier}", owner)
            cont = self.call(r, sub, me, sub.tier, cont)
            if conn is not None and first[sub.tier] == i:
                cont = self.acquire(r, cont, f"conn_{sub.tier}", f"connection {sub.tier}", owner)
        # Disk I/O (the thread is given back while it waits, with async I/O).
        ios = [(io, "write" if w else "read") for w, lst in ((False, c.reads), (True, c.writes))
               for io in lst for _ in range(io.count)]
        if ios:
            async_io = c.io_mode == "async" and me.threads
            if async_io:
                cont = self.acquire(r, cont, "threads", "thread after io", owner)
            assert srv.disk is not None
            for n in reversed(range(len(ios))):
                io, kind = ios[n]
                cont = self.disk_io(r, cont, me, srv.disk, io, kind + (f" {n + 1}" if len(ios) > 1 else ""))
            if async_io:
                cont = self.release(r, cont, "threads", "thread free for io", owner)
        cont = self.cpu_burst(r, cont, c, me, c.cpu_ms, "")
        if srv.memory is not None and srv.memory.latch_ms > 0:
            cont = self.release(r, cont, "latch", "unlatch", owner)
            cont = self.cpu_visit(r, cont, me, srv.memory.latch_ms, "latched cpu", "latched cpu")
            cont = self.acquire(r, cont, "latch", "latch", owner)
        # Acquisitions (the thread is the service's: taken before the first step, given back after the last).
        if srv.memory is not None and c.mem_mb > 0:
            cont = self.acquire(r, cont, "memory", "memory", owner, tokens=c.mem_mb)
        if c.lock is not None:
            tier_of_lock, lk = self.s.lock_table(c.lock)  # type: ignore[misc]
            key = {"hot_fraction": lk.hot_fraction, "hot_keys": lk.hot_rows} if lk.hot_fraction > 0 else None
            cont = self.acquire(r, cont, f"{tier_of_lock.name}_{c.lock}", f"lock {c.lock}", owner, key=key)
        if per_server:
            cont = self.acquire(r, cont, "admission", "admission", owner)
        if compress is not None and c.request_kib > 0 and compress.decompress_us_per_kib > 0:
            cont = self.cpu_visit(r, cont, me, c.request_kib * compress.decompress_us_per_kib / 1000,
                                  "request decompress", "compress")
        if cont == "exit":  # an operation needs a step: a call that does no work on the server
            cont = r.add("no work", {"delay": 0}, cont, "no work", owner)
        return cont

    # classes

    def transaction_route(self, r: _Route, tx: Transaction, prefix: str) -> str:
        assert tx.root is not None
        self._tx = tx.name
        return self.call(r, tx.root, _Ctx(CLIENT), f"{prefix}{tx.root.tier}", "exit")

    def classes(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        out: list[dict[str, Any]] = []
        words: dict[str, str] = {}
        for wl in self.s.workloads:
            mix = _mix(self.s, wl)
            names = _class_names(wl, mix)
            total = sum(w for _, w in mix)
            if isinstance(wl, Open):
                for (tx, w), cname in zip(mix, names):
                    share = w / total
                    r = _Route(cname)
                    entry = self.transaction_route(r, tx, "")
                    cls: dict[str, Any] = {"name": cname, "type": "open"}
                    if wl.rps is not None:
                        cls["interarrival"] = {"dist": "exponential", "rate": _round(wl.rps * share)}
                        words[cname] = f"open, {wl.rps * share:.4g} requests/s"
                    else:
                        assert wl.schedule is not None
                        cls["schedule"] = [{"from": s0, "rate": _round(rate * share)} for s0, rate in wl.schedule]
                        if wl.cycle_s is not None:
                            cls["cycle"] = wl.cycle_s
                        words[cname] = f"open, scheduled rate, mean {wl.mean_rps * share:.4g} requests/s"
                    cls["steps"] = r.ordered(entry)
                    out.append(cls)
                    self.infos[cname] = r.info
                continue
            cname = names[0]
            r = _Route(cname)
            if len(mix) == 1:
                entry = self.transaction_route(r, mix[0][0], "")
            else:
                starts = [self.transaction_route(r, tx, f"{tx.name}/") for tx, _ in mix]
                entry = r.add("mix", {"choose": "random", "to": starts, "weights": [_round(w) for _, w in mix]},
                              None, "mix", cname)
            if isinstance(wl, Closed):
                cls = {"name": cname, "type": "closed", "population": wl.users,
                       "think": {"dist": "exponential", "mean": wl.think_s} if wl.think_s > 0 else 0}
                words[cname] = f"closed, {wl.users} users, think {wl.think_s:g} s"
            else:
                cls = {"name": cname, "type": "batch", "jobs": wl.jobs}
                words[cname] = f"batch of {wl.jobs} jobs"
            cls["steps"] = r.ordered(entry)
            out.append(cls)
            self.infos[cname] = r.info
        return out, words


def compile_system(s: System) -> Compiled:
    """Checks ``s`` and compiles it (see the module doc)."""
    check_system(s)
    comp = _Compiler(s)
    comp.resources()
    classes, words = comp.classes()
    model: dict[str, Any] = {"name": s.name}
    if s.run_settings:
        model["run"] = dict(s.run_settings)
    model["stations"] = comp.stations
    if comp.pools:
        model["pools"] = comp.pools
    # A tier no transaction reaches has no operation: its service (and its servers' resources) is left out.
    idle = {name for name, svc in comp.services.items() if not svc["operations"]}
    services = [{k: v for k, v in svc.items() if v != [] or k == "operations"}
                for name, svc in comp.services.items() if name not in idle]
    if services:
        model["services"] = services
    model["classes"] = classes
    elements = [el for el in comp.elements if el.service not in idle]
    return Compiled(s.name, model, elements, comp.infos, words, comp.paging)
