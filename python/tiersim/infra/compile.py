"""Compiles a :class:`~tiersim.infra.system.System` into the core model (plain data).

Every resource becomes a station or a pool (one copy per server of a tier);
every transaction becomes a route. A call into a tier of N servers is a
``choose`` step (the balancer) into N copies of that tier's part of the route,
one per server, each using that server's stations and pools. Because the core
requires every step to be reached holding the same pool tokens, a copy that
holds its server's thread across a call needs copies of the callee's part
too: the route is a tree with one copy of each tier's part per combination
of servers above it (see docs/guides/vocabulary.md, "How it compiles").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from ..errors import ModelError
from ._base import fail, join, number, suggest
from .hardware import Disk, transfer_ms
from .software import Compression
from .system import CLIENT, Network, Server, System, Tier
from .transaction import Call, Io, Transaction
from .workload import Batch, Closed, Open

if TYPE_CHECKING:
    import pandas as pd

    from ..results import Results

__all__ = ["Compiled", "Element", "StepInfo", "check_system", "compile_system", "MAX_STEPS"]

MAX_STEPS = 200_000
"""Most steps one class may compile to (the per-server copies multiply; see the module doc)."""

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

    >>> from tiersim.infra import *
    >>> s = System("s", tiers=[Tier("db", server=Server(disk=Disk(raid=4)))],
    ...            transactions=[Transaction("q", tier="db", reads=[Read()])], workload=Open(rps=10))
    >>> el = s.compile().element("db1", "disk")
    >>> el.kind, el.name, el.component
    ('station', 'db1_disk', 'tiers[0].server.disk')
    """

    component: str
    """Where it is defined, e.g. ``tiers[0].server.cpu``."""
    owner: str
    """The server (``web1``), tier (``web``), ``network`` or external system it belongs to."""
    resource: str
    """What it is: ``cpu``, ``disk``, ``nic``, ``threads``, ``memory``, ``link``, ..."""
    kind: str
    """``station`` or ``pool``."""
    name: str
    """The station or pool name in the core model."""
    detail: str
    """How it was set up, in words."""


@dataclass
class StepInfo:
    """What a compiled step does, in the system's terms.

    >>> from tiersim.infra import *
    >>> s = System("s", tiers=[Tier("db", server=Server(disk=Disk()))],
    ...            transactions=[Transaction("q", tier="db", reads=[Read()])], workload=Open(rps=10))
    >>> s.compile().steps["q"]["db1 read"]
    StepInfo(role='read', owner='db1')
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
    >>> [st["id"] for st in c.model["classes"][0]["steps"]]
    ['web balance', 'web1 thread', 'web1 cpu', 'web1 release thread', 'web2 thread', 'web2 cpu', 'web2 release thread']
    >>> [(e.owner, e.resource, e.name) for e in c.elements][:3]
    [('web', 'balancer', 'web balancer'), ('web1', 'cpu', 'web1_cpu'), ('web1', 'threads', 'web1_threads')]
    """

    system_name: str
    model: dict[str, Any]
    elements: list[Element] = field(default_factory=list)
    steps: dict[str, dict[str, StepInfo]] = field(default_factory=dict)
    """Per class, per step id: its role (``cpu``, ``page-in``, ``read``, ``balance``, ...) and owner."""
    classes: dict[str, str] = field(default_factory=dict)
    """Per class, what drives it, in words."""

    def element(self, owner: str, resource: str) -> Element:
        """The element of ``owner`` (``"db1"``, ``"web"``, ``"network"``) for ``resource``.

        >>> from tiersim.infra import *
        >>> s = System("s", tiers=[Tier("app", threads=16)],
        ...            transactions=[Transaction("t", tier="app", cpu_ms=5)], workload=Open(rps=10))
        >>> s.compile().element("app1", "threads").name
        'app1_threads'
        """
        for el in self.elements:
            if el.owner == owner and el.resource == resource:
                return el
        raise KeyError(f"no {resource!r} for {owner!r}")

    def describe(self, steps: bool = False) -> str:
        """The mapping as text: each resource, the station or pool it became, and the classes.

        >>> from tiersim.infra import *
        >>> s = System("s", tiers=[Tier("app", threads=16)],
        ...            transactions=[Transaction("t", tier="app", cpu_ms=5)], workload=Closed(users=10, think_s=1))
        >>> print(s.compile().describe())
        system 's' -> core model 's': 1 stations, 1 pools, 1 classes
        <BLANKLINE>
        app1:
          cpu     -> station app1_cpu      ps, 1 core(s), speed 1   [tiers[0].server.cpu]
          threads -> pool    app1_threads  16 threads   [tiers[0].threads]
        <BLANKLINE>
        class 't' (closed, 10 users, think 1 s): 3 steps
        """
        m = self.model
        lines = [f"system {self.system_name!r} -> core model {m['name']!r}: {len(m['stations'])} stations, "
                 f"{len(m.get('pools', []))} pools, {len(m['classes'])} classes", ""]
        width = max([len(e.name) for e in self.elements] + [1])
        rwidth = max([len(e.resource) for e in self.elements] + [1])
        kwidth = max([len(e.kind) for e in self.elements] + [1])
        owner = None
        for el in self.elements:
            if el.owner != owner:
                owner = el.owner
                lines.append(f"{owner}:")
            lines.append(f"  {el.resource:<{rwidth}} -> {el.kind:<{kwidth}} {el.name:<{width}}  {el.detail}"
                         f"   [{el.component}]")
        lines.append("")
        for c in m["classes"]:
            n = len(c["steps"])
            lines.append(f"class {c['name']!r} ({self.classes.get(c['name'], c.get('type', 'open'))}): {n} steps")
            if steps:
                for st in c["steps"]:
                    lines.append("  " + _step_text(st))
        return "\n".join(lines)

    def report(self, results: Results) -> pd.DataFrame:
        """One row per resource: owner, resource, station/pool name, utilization, queue (the run
        queue for a CPU), wait, throughput, and a note (paging share, rejections, hot rows).

        Utilization of a memory pool is working sets / RAM (above 1 when overcommitted).

        >>> from tiersim.infra import *
        >>> s = System("s", tiers=[Tier("app", server=Server(memory=Memory(100, page_in_ms=5)),
        ...                             admission=AdmissionLimit(20))],
        ...            transactions=[Transaction("t", tier="app", cpu_ms=50, mem_mb=40)], workload=Open(rps=30))
        >>> c = s.compile()
        >>> rep = c.report(s.run(until=500, warmup=50, replications=2, seed=1))
        >>> rep[["resource", "name", "note"]].values.tolist()  # doctest: +ELLIPSIS
        [['admission', 'app_admission', 'rejections ... per replication'], ['cpu', 'app1_cpu', ''], ['memory', 'app1_memory', 'paging share ...%'], ['swap', 'app1_swap', '']]
        """
        import pandas as pd

        data = results.to_dict()
        stations = {st["name"]: st for st in data.get("stations") or []}
        pools = {p["name"]: p for p in data.get("pools") or []}
        visits: dict[tuple[str, str], float] = {}
        for c in data.get("classes") or []:
            info = self.steps.get(c["name"], {})
            for st in c.get("steps") or []:
                si = info.get(st["id"])
                if si is None or st.get("visits") is None:
                    continue
                key = (si.owner, si.role)
                visits[key] = visits.get(key, 0.0) + float(st["visits"]) * float(c.get("throughput") or 0)
        rows = []
        for el in self.elements:
            src = stations.get(el.name) if el.kind == "station" else pools.get(el.name)
            if src is None:
                continue
            note = ""
            if el.resource == "memory":
                touched = visits.get((el.owner, "page?"), 0.0)
                paged = visits.get((el.owner, "page-in"), 0.0)
                if touched > 0:
                    note = f"paging share {paged / touched:.1%}"
            elif el.kind == "pool" and src.get("on_full") == "reject":
                note = f"rejections {src.get('rejections', 0):g} per replication"
            elif el.kind == "pool" and src.get("hot_keys"):
                hot = src["hot_keys"][0]
                note = f"hottest row {hot['key']}: wait {_ms(hot.get('mean_wait'))}"
            rows.append({"owner": el.owner, "resource": el.resource, "name": el.name, "kind": el.kind,
                         "utilization": src.get("utilization"), "queue": src.get("mean_queue_length"),
                         "wait": src.get("mean_wait"), "throughput": src.get("throughput"), "note": note})
        cols = ["owner", "resource", "name", "kind", "utilization", "queue", "wait", "throughput", "note"]
        return pd.DataFrame(rows, columns=cols)


def _ms(value: Any) -> str:
    return "-" if value is None else f"{float(value) * 1000:.3g} ms"


def _step_text(st: dict[str, Any]) -> str:
    sid = st["id"]
    for action in ("visit", "acquire", "release", "delay", "choose", "branch", "fork", "join"):
        if action in st:
            break
    if action == "visit":
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


@dataclass
class _Ctx:
    """Where a call comes from: the caller's endpoint, server and thread pool."""

    endpoint: str
    server: Optional[str] = None
    threads: Optional[str] = None


class _Route:
    """The steps of one class, built backwards (each step knows where it goes next)."""

    def __init__(self, cls: str) -> None:
        self.cls = cls
        self.steps: list[dict[str, Any]] = []
        self.info: dict[str, StepInfo] = {}
        self._ids: set[str] = {"exit"}

    def reserve(self, base: str) -> str:
        sid, k = base, 2
        while sid in self._ids:
            sid = f"{base} ({k})"
            k += 1
        self._ids.add(sid)
        if len(self._ids) > MAX_STEPS:
            raise ModelError(f"class {self.cls!r} compiles to more than {MAX_STEPS} steps: each tier's part of "
                             "the route is copied once per combination of servers held above it; use fewer "
                             "servers per tier, or asynchronous calls", path="tiers")
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


class _Compiler:
    def __init__(self, system: System) -> None:
        self.s = system
        self.stations: list[dict[str, Any]] = []
        self.pools: list[dict[str, Any]] = []
        self.elements: list[Element] = []
        self._names: dict[str, str] = {}
        self.servers: dict[str, tuple[Tier, Server, int]] = {}

    # resources

    def _claim(self, nm: str, component: str) -> None:
        if nm in self._names:
            raise fail(component, f"the resource name {nm!r} is also used by {self._names[nm]}; rename one of them")
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
            if t.admission is not None and not t.admission.per_server:
                self.pool(f"{t.name}_admission", f"{tp}.admission", t.name, "admission",
                          f"reject beyond {t.admission.max_concurrent} requests in the tier",
                          capacity=t.admission.max_concurrent, on_full="reject")
            for lk_i, lk in enumerate(t.locks):
                hot = f", {lk.hot_fraction:.0%} of accesses on {lk.hot_rows} hot row(s)" if lk.hot_fraction else ""
                self.pool(f"{t.name}_{lk.name}", f"{tp}.locks[{lk_i}]", t.name, f"lock {lk.name}",
                          f"lock table of {lk.rows} rows{hot}", capacity=1, keys=lk.rows)
            if t.servers > 1:
                self.elements.append(Element(f"{tp}.balancer", t.name, "balancer", "choose", f"{t.name} balancer",
                                             f"choose: {t.balancer} over {t.servers} servers"))
            for i, sn in enumerate(t.server_names):
                self.servers[sn] = (t, srv, ti)
                sp = f"{tp}.server"
                speed = srv.cpu.speed(ref)
                cpu = {"discipline": "ps"}
                if srv.cpu.cores != 1:
                    cpu["servers"] = srv.cpu.cores
                if speed != 1:
                    cpu["speed"] = _round(speed)
                clock = f" @ {srv.cpu.clock_ghz:g} GHz" if srv.cpu.clock_ghz else ""
                self.station(f"{sn}_cpu", f"{sp}.cpu", sn, "cpu",
                             f"ps, {srv.cpu.cores} core(s){clock}, speed {speed:.4g}", **cpu)
                if srv.disk is not None:
                    d = srv.disk
                    st: dict[str, Any] = {}
                    if d.raid != 1:
                        st["servers"] = d.raid
                    extra = f", cache hit {d.cache_hit_ratio:.0%}" if d.cache_hit_ratio else ""
                    self.station(f"{sn}_disk", f"{sp}.disk", sn, "disk",
                                 f"fcfs, {d.raid} spindle(s), {d.kind}, 8 KiB random read "
                                 f"{d.io_ms(8, True):.3g} ms{extra}", **st)
                    if d.san is not None:
                        self.station(f"{sn}_hba", f"{sp}.disk.san", sn, "hba",
                                     f"fcfs, {d.san.hba_mbps:g} Mbit/s + {d.san.per_io_us:g} us per I/O; "
                                     f"switch hop {d.san.switch_ms:g} ms (delay steps)")
                if srv.memory is not None:
                    mem = srv.memory
                    self.pool(f"{sn}_memory", f"{sp}.memory", sn, "memory",
                              f"overcommit, {mem.size_mb} MiB; a page-in before CPU work with probability "
                              f"(held - size)/held", capacity=mem.size_mb, on_full="overcommit")
                    if srv.disk is None and mem.page_in_ms is not None:
                        self.station(f"{sn}_swap", f"{sp}.memory.page_in_ms", sn, "swap",
                                     f"fcfs, page-in {mem.page_in_ms:g} ms")
                    if mem.latch_ms > 0:
                        self.pool(f"{sn}_latch", f"{sp}.memory.latch_ms", sn, "latch",
                                  f"capacity 1, held for {mem.latch_ms:g} ms of CPU per request", capacity=1)
                if srv.nic is not None:
                    nic = srv.nic
                    st = {"servers": nic.bonding} if nic.bonding != 1 else {}
                    self.station(f"{sn}_nic", f"{sp}.nic", sn, "nic",
                                 f"fcfs, {nic.bonding} x {nic.bandwidth_mbps:g} Mbit/s, "
                                 f"{nic.per_message_us:g} us per message", **st)
                if t.threads is not None:
                    self.pool(f"{sn}_threads", f"{tp}.threads", sn, "threads",
                              f"{t.threads.size} threads", capacity=t.threads.size)
                for ci, c in enumerate(t.connections):
                    self.pool(f"{sn}_conn_{c.to}", f"{tp}.connections[{ci}]", sn, f"connections to {c.to}",
                              f"{c.size} connections", capacity=c.size)
                if t.admission is not None and t.admission.per_server:
                    self.pool(f"{sn}_admission", f"{tp}.admission", sn, "admission",
                              f"reject beyond {t.admission.max_concurrent} requests in the server",
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

    # route fragments (each takes the continuation and returns the entry step id)

    def cpu_visit(self, r: _Route, cont: str, server: str, ms: float, base: str, role: str = "cpu") -> str:
        if ms <= 0:
            return cont
        return r.add(base, {"visit": f"{server}_cpu", "service": self.svc(ms)}, cont, role, server)

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

    def hops(self, src_server: str | None, path: list[str]) -> bool:
        """Whether a message from ``src_server`` along ``path`` crosses any station."""
        return bool(path) or (src_server is not None and self.servers[src_server][1].nic is not None)

    def transfer(self, r: _Route, cont: str, label: str, src_server: str | None, path: list[str],
                 kib: float) -> str:
        """One stream of ``kib`` KiB: the sender's NIC, each element of the path, and the window stall."""
        net = self.s.network
        hops: list[tuple[str, float, float, float]] = []  # station, ms, latency ms, rate Mbit/s
        if src_server is not None:
            nic = self.servers[src_server][1].nic
            if nic is not None:
                hops.append((f"{src_server}_nic", nic.message_ms(kib), 0.0, nic.bandwidth_mbps))
        if net is not None:
            for el_name in path:
                el = net.element(el_name)
                hops.append((el.name, el.message_ms(kib), el.latency_ms, el.rate_mbps))
        if not hops:
            return cont
        owner = src_server or CLIENT
        if net is not None and net.window_kib is not None and kib > net.window_kib:
            # The first window goes out at once; the rest moves at window/RTT when that is
            # below the bottleneck's rate: the stall is the time lost waiting for acks.
            rtt_ms = 2 * sum(h[2] for h in hops)
            if rtt_ms > 0:
                window_mbps = net.window_kib * 1024 * 8 / 1e6 / (rtt_ms / 1000)
                bottleneck = min(h[3] for h in hops)
                rest = kib - net.window_kib
                if window_mbps < bottleneck:
                    stall = transfer_ms(rest, window_mbps) - transfer_ms(rest, bottleneck)
                    cont = self.delay(r, cont, stall, f"{label} window", owner, "window")
        for station, ms, latency, _ in reversed(hops):
            cont = self.delay(r, cont, latency, f"{label} {station} latency", "network", "latency")
            if ms > 0:
                own = src_server if station.endswith("_nic") and src_server else "network"
                cont = r.add(f"{label} {station}", {"visit": station, "service": self.svc(ms)}, cont,
                             "transfer", own)
        return cont

    def message(self, r: _Route, cont: str, label: str, src: str, src_server: str | None, dst: str,
                dst_server: str | None, kib: float, compress: Compression | None, streams: int | None) -> str:
        """A message from ``src`` to ``dst``: compression at the sender, the transfer (in parallel
        streams when asked), decompression at the receiver."""
        net = self.s.network
        path = net.path(src, dst) if net is not None else []
        if compress is not None and kib > 0 and dst_server is not None:
            cont = self.cpu_visit(r, cont, dst_server, kib * compress.decompress_us_per_kib / 1000,
                                  f"{label} decompress", "compress")
        wire = kib * compress.ratio if compress is not None else kib
        n = streams if streams is not None else (net.streams if net is not None else 1)
        small = net is not None and net.window_kib is not None and wire <= net.window_kib
        if n > 1 and wire > 0 and not small and self.hops(src_server, path):
            cont = self.fork(r, cont, f"{label} streams", src_server or CLIENT,
                             [lambda c, k=k: self.transfer(r, c, f"{label} {k}", src_server, path, wire / n)
                              for k in range(1, n + 1)])
        else:
            cont = self.transfer(r, cont, label, src_server, path, wire)
        if compress is not None and kib > 0 and src_server is not None:
            cont = self.cpu_visit(r, cont, src_server, kib * compress.cpu_us_per_kib / 1000,
                                  f"{label} compress", "compress")
        return cont

    def disk_io(self, r: _Route, cont: str, server: str, disk: Disk, io: Io, base: str) -> str:
        miss = r.add(base, {"visit": f"{server}_disk", "service": self.svc(disk.io_ms(io.kib, io.random))},
                     cont, "read" if io.random else "sequential read", server)
        if disk.san is not None:
            miss = self.delay(r, miss, disk.san.switch_ms, f"{base} switch", server, "switch")
            miss = r.add(f"{base} hba", {"visit": f"{server}_hba", "service": self.svc(disk.san.hba_ms(io.kib))},
                         miss, "hba", server)
        h = disk.cache_hit_ratio
        if h <= 0:
            return miss
        hit = r.add(f"{base} cache hit", {"delay": _round(disk.cache_ms / 1000)}, cont, "storage cache hit", server)
        if h >= 1:
            return hit
        return r.add(f"{base} cache", {"choose": "random", "to": [hit, miss], "weights": [h, 1 - h]}, None,
                     "storage cache", server)

    def cpu_burst(self, r: _Route, cont: str, c: Call, server: str, srv: Server, ms: float, label: str) -> str:
        """CPU work (split over ``c.parallel`` cores), preceded by the page-fault branch."""
        if ms <= 0:
            return cont
        k = c.parallel
        work = self.fork(r, cont, f"{label} cpu", server,
                         [lambda nxt, i=i: self.cpu_visit(r, nxt, server, ms / k,
                                                          f"{label} cpu" + (f" {i}" if k > 1 else ""))
                          for i in range(1, k + 1)])
        if srv.memory is None or c.mem_mb <= 0:
            return work
        mem = srv.memory
        if srv.disk is not None:
            target = f"{server}_disk"
            ms_in = mem.page_in_ms if mem.page_in_ms is not None else srv.disk.io_ms(mem.page_kib, True)
        else:
            target = f"{server}_swap"
            ms_in = float(mem.page_in_ms or 0)
        page_in = r.add(f"{label} page-in", {"visit": target, "service": self.svc(ms_in)}, work, "page-in", server)
        return r.add(f"{label} page?", {"branch": f"{server}_memory", "over": page_in, "under": work}, None,
                     "page?", server)

    def call(self, r: _Route, c: Call, caller: _Ctx, prefix: str, numbers: list[int], total: int,
             cont: str) -> str:
        """``c`` made ``c.times`` times in a row; ``numbers`` are the instances' positions among the
        caller's calls (shown as ``#n`` in step ids when the caller makes more than one)."""
        for k in reversed(range(c.times)):
            suffix = f"#{numbers[k]}" if total > 1 else ""
            cont = self.one_call(r, c, caller, prefix, suffix, cont)
        return cont

    def one_call(self, r: _Route, c: Call, caller: _Ctx, prefix: str, suffix: str, cont: str) -> str:
        s = self.s
        net = s.network
        label = f"{prefix}{c.tier}{suffix}"
        compress = c.compress if c.compress is not None else (net.compression if net is not None else None)
        after = cont
        released = c.mode == "async" and caller.threads is not None
        if released:
            assert caller.threads is not None and caller.server is not None
            after = self.acquire(r, after, caller.threads, f"{label} reacquire thread", caller.server)
        ext = s.external(c.tier)
        if ext is not None:
            body = self.message(r, after, f"{label} reply", c.tier, None, caller.endpoint, caller.server,
                                c.reply_kib, compress, c.streams)
            if ext.concurrency is not None:
                body = self.release(r, body, f"{ext.name}_slots", f"{label} release slot", ext.name)
            body = r.add(f"{label} call", {"visit": ext.name, "service": self.svc(ext.latency_ms)}, body,
                         "external", ext.name)
            if ext.concurrency is not None:
                body = self.acquire(r, body, f"{ext.name}_slots", f"{label} slot", ext.name)
        else:
            t = s.tier(c.tier)
            entries = [self.server_visit(r, c, t, sn, caller, f"{prefix}{sn}{suffix}", compress, after)
                       for sn in t.server_names]
            if len(entries) == 1:
                body = entries[0]
            else:
                action: dict[str, Any] = {"choose": t.balancer, "to": entries}
                if t.balancer == "shortest_queue":
                    action["by"] = [f"{sn}_threads" if t.threads is not None else f"{sn}_cpu"
                                    for sn in t.server_names]
                body = r.add(f"{label} balance", action, None, "balance", t.name)
            if t.admission is not None and not t.admission.per_server:
                body = self.acquire(r, body, f"{t.name}_admission", f"{label} admission", t.name)
        body = self.message(r, body, f"{label} request", caller.endpoint, caller.server, c.tier, None,
                            c.request_kib, compress, c.streams)
        if released:
            assert caller.threads is not None and caller.server is not None
            body = self.release(r, body, caller.threads, f"{label} release thread", caller.server)
        if c.cache is None or c.cache.hit_ratio <= 0:
            return body
        owner = caller.server or CLIENT
        hit = r.add(f"{label} cache hit", {"delay": _round(c.cache.hit_ms / 1000)}, cont, "cache hit", owner)
        if c.cache.hit_ratio >= 1:
            return hit
        h = c.cache.hit_ratio
        return r.add(f"{label} cache", {"choose": "random", "to": [hit, body], "weights": [h, 1 - h]}, None,
                     "cache", owner)

    def server_visit(self, r: _Route, c: Call, t: Tier, sn: str, caller: _Ctx, label: str,
                     compress: Compression | None, after: str) -> str:
        srv = t.server
        threads = f"{sn}_threads" if t.threads is not None else None
        me = _Ctx(t.name, sn, threads)
        cont = self.message(r, after, f"{label} reply", t.name, sn, caller.endpoint, caller.server,
                            c.reply_kib, compress, c.streams)
        # Releases, in the reverse order of the acquisitions below.
        if t.admission is not None and not t.admission.per_server:
            cont = self.release(r, cont, f"{t.name}_admission", f"{label} leave tier", t.name)
        if t.admission is not None and t.admission.per_server:
            cont = self.release(r, cont, f"{sn}_admission", f"{label} leave", sn)
        if threads is not None:
            cont = self.release(r, cont, threads, f"{label} release thread", sn)
        if c.lock is not None:
            found = self.s.lock_table(c.lock)
            assert found is not None
            lock_pool = f"{found[0].name}_{c.lock}"
            cont = self.release(r, cont, lock_pool, f"{label} unlock {c.lock}", sn)
        if srv.memory is not None and c.mem_mb > 0:
            cont = self.release(r, cont, f"{sn}_memory", f"{label} free memory", sn, tokens=c.mem_mb)
        cont = self.cpu_burst(r, cont, c, sn, srv, c.cpu_after_ms, f"{label} after")
        # Calls to other tiers, holding a connection to a tier from the first call to it to the last.
        instances = [sum(x.times for x in c.calls[:i]) for i in range(len(c.calls))]
        total = sum(x.times for x in c.calls)
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        for i, sub in enumerate(c.calls):
            first.setdefault(sub.tier, i)
            last[sub.tier] = i
        for i in reversed(range(len(c.calls))):
            sub = c.calls[i]
            conn = t.connection_to(sub.tier)
            if conn is not None and last[sub.tier] == i:
                cont = self.release(r, cont, f"{sn}_conn_{sub.tier}", f"{label} return connection {sub.tier}", sn)
            numbers = [instances[i] + k + 1 for k in range(sub.times)]
            cont = self.call(r, sub, me, f"{label}>", numbers, total, cont)
            if conn is not None and first[sub.tier] == i:
                cont = self.acquire(r, cont, f"{sn}_conn_{sub.tier}", f"{label} connection {sub.tier}", sn)
        # Disk I/O (the thread is given back while it waits, with async I/O).
        ios = [(io, "write" if w else "read") for w, lst in ((False, c.reads), (True, c.writes))
               for io in lst for _ in range(io.count)]
        if ios:
            async_io = c.io_mode == "async" and threads is not None
            if async_io:
                assert threads is not None
                cont = self.acquire(r, cont, threads, f"{label} thread after io", sn)
            assert srv.disk is not None
            for n in reversed(range(len(ios))):
                io, kind = ios[n]
                cont = self.disk_io(r, cont, sn, srv.disk, io, f"{label} {kind}" + (f" {n + 1}" if len(ios) > 1 else ""))
            if async_io:
                assert threads is not None
                cont = self.release(r, cont, threads, f"{label} thread free for io", sn)
        cont = self.cpu_burst(r, cont, c, sn, srv, c.cpu_ms, label)
        if srv.memory is not None and srv.memory.latch_ms > 0:
            latch = f"{sn}_latch"
            cont = self.release(r, cont, latch, f"{label} unlatch", sn)
            cont = self.cpu_visit(r, cont, sn, srv.memory.latch_ms, f"{label} latched cpu", "latched cpu")
            cont = self.acquire(r, cont, latch, f"{label} latch", sn)
        # Acquisitions.
        if srv.memory is not None and c.mem_mb > 0:
            cont = self.acquire(r, cont, f"{sn}_memory", f"{label} memory", sn, tokens=c.mem_mb)
        if c.lock is not None:
            tier_of_lock, lk = self.s.lock_table(c.lock)  # type: ignore[misc]
            key = {"hot_fraction": lk.hot_fraction, "hot_keys": lk.hot_rows} if lk.hot_fraction > 0 else None
            cont = self.acquire(r, cont, f"{tier_of_lock.name}_{c.lock}", f"{label} lock {c.lock}", sn, key=key)
        if threads is not None:
            cont = self.acquire(r, cont, threads, f"{label} thread", sn)
        if t.admission is not None and t.admission.per_server:
            cont = self.acquire(r, cont, f"{sn}_admission", f"{label} admission", sn)
        if compress is not None and c.request_kib > 0 and compress.decompress_us_per_kib > 0:
            cont = self.cpu_visit(r, cont, sn, c.request_kib * compress.decompress_us_per_kib / 1000,
                                  f"{label} request decompress", "compress")
        return cont

    # classes

    def transaction_route(self, r: _Route, tx: Transaction, prefix: str) -> str:
        assert tx.root is not None
        return self.call(r, tx.root, _Ctx(CLIENT), prefix, [1], 1, "exit")

    def classes(self) -> tuple[list[dict[str, Any]], dict[str, dict[str, StepInfo]], dict[str, str]]:
        out: list[dict[str, Any]] = []
        infos: dict[str, dict[str, StepInfo]] = {}
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
                    infos[cname] = r.info
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
            infos[cname] = r.info
        return out, infos, words


def compile_system(s: System) -> Compiled:
    """Checks ``s`` and compiles it (see the module doc)."""
    check_system(s)
    comp = _Compiler(s)
    comp.resources()
    classes, infos, words = comp.classes()
    model: dict[str, Any] = {"name": s.name}
    if s.run_settings:
        model["run"] = dict(s.run_settings)
    model["stations"] = comp.stations
    if comp.pools:
        model["pools"] = comp.pools
    model["classes"] = classes
    return Compiled(s.name, model, comp.elements, infos, words)

