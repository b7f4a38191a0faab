"""The architecture drawn with Graphviz: tiers and services, stations, pools, lock
tables, links and routers, the calls between them with their rates, and after a
run each resource coloured by utilization with the bottleneck outlined.

:func:`diagram` takes a :class:`~tiersim.Model`, an infrastructure
:class:`~tiersim.infra.System` or a model file's plain data, and optionally the
:class:`~tiersim.Results` of a run; it returns a :class:`Diagram`, which shows
inline in Jupyter (``_repr_svg_``) and saves as SVG, PNG or PDF. The layout is
Graphviz's ``dot`` (Debian package ``graphviz``, installed by scripts/setup.sh);
building the DOT text needs nothing but this module.

Replicated resources are folded into one node with a count ("cpu ×64"), so a
tier of 64 servers reads like a tier of 2; after a run the node shows the mean
utilization over the copies and names the busiest.

>>> import tiersim
>>> m = tiersim.Model("mm1").station("cpu")
>>> _ = m.open_class("jobs", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
>>> d = diagram(m)
>>> '"station:cpu"' in d.source and "0.5/s" in d.source
True
"""

from __future__ import annotations

import html
import math
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .infra.system import System
    from .model import Model
    from .results import Results

__all__ = ["Diagram", "diagram", "utilization_color"]

_FONT = "Helvetica"
_BOTTLENECK = "#c00000"
# Utilization colour scale: green (idle) through yellow and orange to red (saturated).
_SCALE = [(0.0, (0xe5, 0xf5, 0xe0)), (0.5, (0xc7, 0xe9, 0xc0)), (0.7, (0xff, 0xed, 0xa0)),
          (0.85, (0xfd, 0xae, 0x6b)), (0.95, (0xfb, 0x6a, 0x4a)), (1.0, (0xde, 0x2d, 0x26))]
_NO_RESULTS_FILL = "#eef3fb"
_FOLD_AT = 3  # plain models: fold names that differ only by a number once there are this many


def utilization_color(u: float) -> str:
    """The fill colour of a resource that is busy a fraction ``u`` of the time.

    >>> utilization_color(0.0), utilization_color(1.0), utilization_color(2.0)
    ('#e5f5e0', '#de2d26', '#de2d26')
    """
    if not math.isfinite(u):
        return _NO_RESULTS_FILL
    u = min(max(u, 0.0), 1.0)
    for (u0, c0), (u1, c1) in zip(_SCALE, _SCALE[1:]):
        if u <= u1:
            t = 0.0 if u1 == u0 else (u - u0) / (u1 - u0)
            return "#" + "".join(f"{round(a + t * (b - a)):02x}" for a, b in zip(c0, c1))
    return "#%02x%02x%02x" % _SCALE[-1][1]


# -- the graph, before it is written as DOT ------------------------------------------


@dataclass
class _Node:
    id: str
    title: str
    detail: list[str] = field(default_factory=list)
    kind: str = "station"  # station | delay | pool | lock | link | router | external | client | service
    cluster: str | None = None
    members: list[str] = field(default_factory=list)  # core resource names folded into this node
    fraction: bool = True  # utilization is a fraction (not a mean number busy)


@dataclass
class _Graph:
    title: str
    nodes: dict[str, _Node] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)  # id -> label
    edges: dict[tuple[str, str], list[float | None]] = field(default_factory=dict)  # -> [rate/s, per request]
    via: dict[tuple[str, str], str] = field(default_factory=dict)  # edge -> the links it crosses

    def node(self, node: _Node) -> _Node:
        return self.nodes.setdefault(node.id, node)

    def edge(self, a: str, b: str, rate: float | None, per_request: float | None = None) -> None:
        if a == b:
            return
        cur = self.edges.setdefault((a, b), [0.0 if rate is not None else None,
                                              0.0 if per_request is not None else None])
        if rate is not None:
            cur[0] = (cur[0] or 0.0) + rate
        if per_request is not None:
            cur[1] = (cur[1] or 0.0) + per_request


_SHAPES = {"station": "box", "delay": "ellipse", "pool": "box3d", "lock": "note", "link": "cds",
           "router": "hexagon", "external": "component", "client": "house", "service": "box"}


class Diagram:
    """A drawing of the architecture: DOT text, rendered by Graphviz's ``dot`` on demand.

    Shown inline in Jupyter; :meth:`save` writes ``.svg``, ``.png`` or ``.pdf``.

    >>> d = Diagram('digraph { a -> b }')
    >>> d.source.count("->")
    1
    """

    def __init__(self, source: str) -> None:
        self.source = source
        """The Graphviz DOT text."""
        self._svg: str | None = None

    def render(self, format: str = "svg") -> bytes:
        """The drawing in ``format`` (anything ``dot -T`` knows: svg, png, pdf), as bytes.

        >>> Diagram('digraph { a -> b }').render("png")[:4]
        b'\\x89PNG'
        """
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("Graphviz's `dot` command is not installed (Debian: apt-get install graphviz; "
                               "scripts/setup.sh installs it); Diagram.source holds the DOT text")
        done = subprocess.run([dot, f"-T{format}"], input=self.source.encode(), capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def svg(self) -> str:
        """The drawing as SVG text (no XML prologue, ready to inline in HTML).

        >>> Diagram('digraph { a -> b }').svg()[:4]
        '<svg'
        """
        if self._svg is None:
            text = self.render("svg").decode()
            start = text.find("<svg")
            self._svg = (text[start:] if start >= 0 else text).strip()
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | Path, format: str | None = None) -> Path:
        """Writes the drawing to ``path``; the format is its suffix (.svg, .png, .pdf, .dot) unless given.

        >>> import tempfile, pathlib
        >>> out = Diagram('digraph { a -> b }').save(pathlib.Path(tempfile.mkdtemp()) / "ab.svg")
        >>> out.name, out.read_text().count("<svg")
        ('ab.svg', 1)
        """
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".") or "svg").lower()
        if fmt == "dot" or fmt == "gv":
            path.write_text(self.source)
        else:
            path.write_bytes(self.render(fmt))
        return path

    def __repr__(self) -> str:
        return f"<Diagram: {self.source.count(' -> ')} edges; .save(path) or display in Jupyter>"


# -- entry point -------------------------------------------------------------------


def diagram(model: Model | System | Mapping[str, Any], results: Results | Mapping[str, Any] | None = None,
            title: str | None = None) -> Diagram:
    """The architecture of ``model`` (a Model, an infra System or a model file's data), coloured by ``results``.

    Without results, nodes show their capacity and edges the offered rates
    (or visits per request for closed workloads). With the results of a run,
    each resource is filled by its utilization (green to red) and labelled
    with it, edges carry the measured rates, and the bottleneck named by the
    results is outlined in red with its throughput ceiling.

    >>> import tiersim
    >>> m = tiersim.Model("web").station("cpu", servers=2).station("disk")
    >>> _ = (m.open_class("q", tiersim.Exponential(rate=40.0))
    ...       .visit("cpu", tiersim.Exponential(mean=0.02)).visit("disk", tiersim.Exponential(mean=0.015)))
    >>> [line.strip() for line in diagram(m).source.splitlines() if "->" in line]
    ['"class:q" -> "station:cpu" [penwidth=1.81, label="40/s"];', '"station:cpu" -> "station:disk" [penwidth=1.81, label="40/s"];']
    """
    from .infra.system import System

    data = results.to_dict() if results is not None and hasattr(results, "to_dict") else results
    if isinstance(model, System):
        graph = _system_graph(model, data)
    else:
        spec = model.to_dict() if hasattr(model, "to_dict") else dict(model)
        if "system" in spec:
            from .infra.io import system_from_dict

            graph = _system_graph(system_from_dict(spec), data)
        else:
            graph = _model_graph(spec, data)
    if title:
        graph.title = title
    return Diagram(_dot(graph, data))


# -- plain models: stations, pools, classes' routes (and services) ---------------------


def _mean(dist: Any) -> float:
    from .distributions import distribution_from_dict

    try:
        return float(distribution_from_dict(dist).mean)
    except Exception:  # an unusual distribution only costs the label
        return math.nan


def _class_rate(cls: Mapping[str, Any], measured: Mapping[str, float]) -> float | None:
    name = cls.get("name")
    if name in measured and math.isfinite(measured[name]):
        return measured[name]
    if cls.get("type", "open") == "open":
        if "interarrival" in cls:
            m = _mean(cls["interarrival"])
            return 1.0 / m if m > 0 else None
        sched = cls.get("schedule") or []
        rates = [float(p.get("rate", 0)) for p in sched if isinstance(p, Mapping)]
        return max(rates) if rates else None
    return None


def _default_id(step: Mapping[str, Any], index: int) -> str:
    if "id" in step:
        return str(step["id"])
    for kind, fmt in (("visit", "{}"), ("acquire", "acquire {}"), ("release", "release {}"),
                      ("call", "call {}"), ("send", "send {}")):
        if kind in step:
            return fmt.format(step[kind])
    if "join" in step:
        return f"join {step['join']}"
    for kind in ("delay", "choose", "branch", "fork", "reply"):
        if kind in step:
            return f"{kind} {index}"
    return f"step {index}"


def _successors(steps: list[Mapping[str, Any]], ids: list[str], i: int) -> list[tuple[str, float]]:
    s = steps[i]
    if "choose" in s:
        to = list(s.get("to", []))
        w = [float(x) for x in s.get("weights", [])] if s.get("choose") == "random" and s.get("weights") else []
        total = sum(w) if w else 0.0
        return [(t, (w[k] / total) if total > 0 else 1.0 / len(to)) for k, t in enumerate(to)]
    if "branch" in s:
        return [(str(s["over"]), 0.5), (str(s["under"]), 0.5)]  # page-fault share unknown before a run
    if "fork" in s:
        return [(str(t), 1.0) for t in s["fork"]]
    nxt = s.get("next")
    if nxt is None:
        return [(ids[i + 1] if i + 1 < len(ids) else "exit", 1.0)]
    if isinstance(nxt, str):
        return [(nxt, 1.0)]
    return [(str(e["to"]), float(e.get("p", 0))) for e in nxt]


def _resource_of(step: Mapping[str, Any]) -> tuple[str, str] | None:
    if "visit" in step:
        return "station", str(step["visit"])
    if "acquire" in step:
        return "pool", str(step["acquire"])
    if "call" in step or "send" in step:
        return "operation", str(step.get("call") or step.get("send"))
    return None


def _calls_per_visit(step: Mapping[str, Any]) -> float:
    """A call or send step makes ``count`` calls, or ``mean`` on average; any other step one visit."""
    if "call" not in step and "send" not in step:
        return 1.0
    if "mean" in step:
        return float(step["mean"])
    return float(step.get("count", 1))


def _route_flows(steps: list[Mapping[str, Any]]) -> tuple[dict[tuple[str, str], float],
                                                            dict[tuple[tuple[str, str], tuple[str, str]], float]]:
    """Visits per request to each resource the route enters first, and resource-to-resource transitions."""
    ids = [_default_id(s, i) for i, s in enumerate(steps)]
    index = {sid: i for i, sid in enumerate(ids)}
    succ = [[(index[t], p) for t, p in _successors(steps, ids, i) if t in index] for i in range(len(steps))]
    fork_of = {i: index.get(str(s["join"])) for i, s in enumerate(steps) if "join" in s}
    branches = {i: len(s["fork"]) for i, s in enumerate(steps) if "fork" in s}
    inflow: list[list[tuple[int, float]]] = [[] for _ in steps]
    for i, out in enumerate(succ):
        for j, p in out:
            inflow[j].append((i, p))
    # Visits per request: v = e + P^T v (Gauss-Seidel; routes are listed mostly in order, so few sweeps).
    v = [0.0] * len(steps)
    for _ in range(2000):
        change = 0.0
        for j in range(len(steps)):
            if j in fork_of and fork_of[j] is not None:
                new = v[fork_of[j]]  # the branches meet again: the join passes once per fork
            else:
                new = (1.0 if j == 0 else 0.0) + sum(v[i] * p for i, p in inflow[j])
            change = max(change, abs(new - v[j]))
            v[j] = new
        if change < 1e-10:
            break
    resource = [_resource_of(s) for s in steps]

    def first_resources(start: list[tuple[int, float]]) -> dict[tuple[str, str], float]:
        out: dict[tuple[str, str], float] = defaultdict(float)
        stack = [(j, p, 0) for j, p in start]
        while stack:
            j, p, depth = stack.pop()
            if p < 1e-12 or depth > 500:
                continue
            if resource[j] is not None:
                out[resource[j]] += p * _calls_per_visit(steps[j])  # type: ignore[index]
                continue
            scale = 1.0
            if j in fork_of and fork_of[j] is not None:
                scale = 1.0 / branches.get(fork_of[j], 1)  # type: ignore[arg-type]
            stack += [(k, p * q * scale, depth + 1) for k, q in succ[j]]
        return out

    entry = dict(first_resources([(0, 1.0)])) if steps else {}
    trans: dict[tuple[tuple[str, str], tuple[str, str]], float] = defaultdict(float)
    for i, res in enumerate(resource):
        if res is None or v[i] <= 0:
            continue
        for nxt, p in first_resources(succ[i]).items():
            trans[(res, nxt)] += v[i] * p
    return entry, dict(trans)


def _fold_key(name: str) -> str:
    return re.sub(r"\d+", "#", name)


def _model_graph(spec: Mapping[str, Any], data: Mapping[str, Any] | None) -> _Graph:
    g = _Graph(title=str(spec.get("name", "model")))
    stations = {s["name"]: s for s in spec.get("stations", [])}
    pools = {p["name"]: p for p in spec.get("pools", [])}
    services = {s["name"]: s for s in spec.get("services", []) or []}

    # Fold replicated resources (web1_cpu ... web64_cpu) into one node each.
    def folded(names: list[str]) -> dict[str, str]:
        groups: dict[str, list[str]] = defaultdict(list)
        for n in names:
            groups[_fold_key(n)].append(n)
        return {n: (k if len(members) >= _FOLD_AT else n) for k, members in groups.items() for n in members}

    st_node = folded(list(stations))
    pool_node = folded(list(pools))
    # Tier clusters from the names: resources sharing a prefix (web_cpu, web_threads) form a tier.
    prefix_count: dict[str, int] = defaultdict(int)
    for n in {*st_node.values(), *pool_node.values()}:
        prefix_count[re.split(r"[_.]", n, maxsplit=1)[0]] += 1

    def cluster_of(n: str) -> str | None:
        p = re.split(r"[_.]", n, maxsplit=1)[0]
        if "_" not in n and "." not in n or prefix_count[p] < 2:
            return None
        g.clusters.setdefault(f"tier {p}", p)
        return f"tier {p}"

    for name, st in stations.items():
        nid = f"station:{st_node[name]}"
        node = g.node(_Node(nid, st_node[name], kind="delay" if st.get("discipline") == "delay" else "station",
                            cluster=cluster_of(st_node[name]), fraction=st.get("discipline") != "delay"))
        node.members.append(name)
        if not node.detail:
            servers = int(st.get("servers", 1))
            disc = st.get("discipline", "fcfs")
            node.detail.append(disc if disc == "delay" else f"{disc}, {servers} server{'s' if servers != 1 else ''}")
    for name, p in pools.items():
        kind = "lock" if "keys" in p else "pool"
        nid = f"pool:{pool_node[name]}"
        node = g.node(_Node(nid, pool_node[name], kind=kind, cluster=cluster_of(pool_node[name])))
        node.members.append(name)
        if not node.detail:
            cap = p.get("capacity")
            node.detail.append(f"lock table, {p['keys']:,} keys" if kind == "lock"
                               else f"capacity {cap}" + (", rejects when full" if p.get("on_full") == "reject" else ""))
    for sname, sv in services.items():
        _service_nodes(g, sname, sv)
    for node in g.nodes.values():
        if len(node.members) > 1:
            node.detail.insert(0, f"×{len(node.members)}")

    def node_id(res: tuple[str, str], within: str | None = None) -> str | None:
        kind, name = res
        if kind == "station":
            if within and f"{within}.{name}" in g.nodes:
                return f"{within}.{name}"
            return f"station:{st_node[name]}" if name in st_node else None
        if kind == "pool":
            if within and f"{within}.{name}" in g.nodes:
                return f"{within}.{name}"
            return f"pool:{pool_node[name]}" if name in pool_node else None
        svc = name.split(".", 1)[0]
        return f"{svc}.threads" if f"{svc}.threads" in g.nodes else f"{svc}.op:{name.split('.', 1)[-1]}"

    measured = {c["name"]: float(c.get("throughput", math.nan)) for c in (data or {}).get("classes", []) or []}
    op_rate: dict[str, float | None] = {}  # calls per second into each SERVICE.OPERATION
    for cls in spec.get("classes", []):
        rate = _class_rate(cls, measured)
        cid = f"class:{cls['name']}"
        how = cls.get("type", "open")
        detail = [f"{how}, {_rate_text(rate)}" if rate is not None and how == "open" else how]
        if how == "closed":
            n = cls.get("population")
            detail = [f"closed, {n} user{'' if n == 1 else 's'}"]
        elif how == "batch":
            detail = [f"batch, {cls.get('jobs')} jobs"]
        g.node(_Node(cid, str(cls["name"]), detail, kind="client"))
        entry, trans = _route_flows(list(cls.get("steps", [])))
        for res, visits in entry.items():
            nid = node_id(res)
            if nid:
                g.edge(cid, nid, None if rate is None else rate * visits, visits)
        for (a, b), visits in trans.items():
            # After a call returns, the next step is the caller's: draw it from the class.
            na, nb = (cid if a[0] == "operation" else node_id(a)), node_id(b)
            if na and nb:
                g.edge(na, nb, None if rate is None else rate * visits, visits)
        for op, visits in _visits(entry, trans, "operation").items():
            op_rate[op] = None if rate is None or op_rate.get(op, 0.0) is None else op_rate.get(op, 0.0) + rate * visits
    # Operations call operations (never themselves): their rates follow the calls, tier by tier.
    entry_rates = dict(op_rate)
    op_flows = {f"{sname}.{op['name']}": (sname, _route_flows(list(op.get("steps", []))))
                for sname, sv in services.items() for op in sv.get("operations", []) or []}
    for _ in range(len(op_flows) + 1):
        rates: dict[str, float | None] = {}
        for op, (sname, (entry, trans)) in op_flows.items():
            r = op_rate.get(op)
            for callee, visits in _visits(entry, trans, "operation").items():
                rates[callee] = None if r is None or rates.get(callee, 0.0) is None else rates.get(callee, 0.0) + r * visits
        for op, r in rates.items():
            op_rate[op] = r if op not in entry_rates else (None if r is None or entry_rates[op] is None
                                                           else r + entry_rates[op])
        if not rates:
            break
    for op, (sname, (entry, trans)) in op_flows.items():
        r = op_rate.get(op)
        src = f"{sname}.threads" if f"{sname}.threads" in g.nodes else None
        for (a, b), visits in trans.items():
            # After a call returns, the operation goes on in its own thread: draw it from there.
            na, nb = (src if a[0] == "operation" else node_id(a, sname)), node_id(b, sname)
            if na and nb:
                g.edge(na, nb, None if r is None else r * visits, visits)
        for res, visits in entry.items():
            nb = node_id(res, sname)
            if src and nb:
                g.edge(src, nb, None if r is None else r * visits, visits)
    return g


def _visits(entry: Mapping[tuple[str, str], float], trans: Mapping[tuple[tuple[str, str], tuple[str, str]], float],
            kind: str) -> dict[str, float]:
    """Visits per request to each resource of ``kind`` (calls per request, for operations)."""
    out: dict[str, float] = defaultdict(float)
    for (k, name), v in entry.items():
        if k == kind:
            out[name] += v
    for (_, (k, name)), v in trans.items():
        if k == kind:
            out[name] += v
    return dict(out)


def _service_nodes(g: _Graph, name: str, sv: Mapping[str, Any]) -> None:
    """A layered service: a cluster with its replica count, its template's stations and pools, its threads."""
    replicas = int(sv.get("replicas", 1))
    label = f"service {name} ×{replicas} replica{'s' if replicas != 1 else ''}"
    if replicas > 1 and sv.get("balancer"):
        label += f" ({sv['balancer']})"
    cid = f"service {name}"
    g.clusters[cid] = label
    threads = sv.get("threads")
    g.node(_Node(f"{name}.threads", "threads", [f"{threads} per replica" if threads else "unlimited"],
                 kind="pool", cluster=cid, members=[f"{name}.threads"]))
    for st in sv.get("stations", []) or []:
        servers = int(st.get("servers", 1))
        disc = st.get("discipline", "fcfs")
        g.node(_Node(f"{name}.{st['name']}", str(st["name"]),
                     [disc if disc == "delay" else f"{disc}, {servers} server{'s' if servers != 1 else ''}"],
                     kind="delay" if disc == "delay" else "station", cluster=cid,
                     members=[f"{name}.{st['name']}"], fraction=disc != "delay"))
    for p in sv.get("pools", []) or []:
        g.node(_Node(f"{name}.{p['name']}", str(p["name"]), [f"capacity {p.get('capacity')}"], kind="pool",
                     cluster=cid, members=[f"{name}.{p['name']}"]))


# -- infrastructure systems: tiers of servers, network, externals ----------------------


def _system_graph(system: System, data: Mapping[str, Any] | None) -> _Graph:
    from .infra.system import CLIENT

    g = _Graph(title=system.name)
    entry_node: dict[str, str] = {}  # tier or external -> the node calls point at
    for t in system.tiers:
        servers = list(t.server_names)
        n = len(servers)
        cid = f"tier {t.name}"
        g.clusters[cid] = (f"{t.name} tier ×{n} servers" + (f" ({t.balancer})" if n > 1 else "")) if n > 1 \
            else f"{t.name} tier, 1 server"
        s = t.server

        def per_server(res: str, title: str, detail: list[str], kind: str = "station", core: str = "") -> str:
            nid = f"{t.name}:{res}"
            # The tier is one service: its servers' copies are one folded row, TIER.RESOURCE.
            g.node(_Node(nid, title, ([f"×{n}"] if n > 1 else []) + detail, kind=kind, cluster=cid,
                         members=[f"{t.name}.{core or res}"]))
            return nid

        if t.admission is not None:
            a = t.admission
            if a.per_server:
                per_server("admission", "admission", [f"{a.max_concurrent} at once"], "pool")
            else:
                g.node(_Node(f"{t.name}:admission", "admission", [f"{a.max_concurrent} at once, tier-wide"],
                             kind="pool", cluster=cid, members=[f"{t.name}_admission"]))
        if t.threads is not None:
            per_server("threads", "threads", [f"{t.threads.size} per server"], "pool")
        cores = s.cpu.cores
        clock = f" @ {s.cpu.clock_ghz:g} GHz" if s.cpu.clock_ghz else ""
        entry_node[t.name] = per_server("cpu", "CPU", [f"{cores} core{'s' if cores != 1 else ''}{clock}"])
        if t.threads is not None:
            entry_node[t.name] = f"{t.name}:threads"
        if s.memory is not None:
            per_server("memory", "memory", [f"{s.memory.size_mb:,} MiB"], "pool")
        if s.disk is not None:
            d = s.disk
            per_server("disk", "disk", [d.kind + (f", RAID ×{d.raid}" if d.raid > 1 else "")
                                        + (f", cache {d.cache_hit_ratio:.0%}" if d.cache_hit_ratio else "")])
        if s.nic is not None:
            per_server("nic", "NIC", [f"{s.nic.bandwidth_mbps:g} Mbit/s"])
        for c in t.connections:
            per_server(f"conn_{c.to}", f"connections to {c.to}", [f"{c.size} per server"], "pool")
        for lk in t.locks:
            hot = f", {lk.hot_fraction:.0%} on {lk.hot_rows} hot" if lk.hot_fraction else ""
            g.node(_Node(f"{t.name}:lock {lk.name}", f"lock table {lk.name}", [f"{lk.rows:,} rows{hot}"],
                         kind="lock", cluster=cid, members=[f"{t.name}_{lk.name}"]))
    for e in system.externals:
        nid = f"external:{e.name}"
        detail = [f"{e.latency_ms:g} ms per call"] + ([f"at most {e.concurrency} at once"] if e.concurrency else [])
        g.node(_Node(nid, e.name, detail, kind="external",
                     members=[f"{e.name}_slots"] if e.concurrency else [e.name], fraction=bool(e.concurrency)))
        entry_node[e.name] = nid
    net = system.network
    if net is not None:
        g.clusters["network"] = "network"
        for lk in net.links:
            g.node(_Node(f"net:{lk.name}", lk.name, [f"link {lk.bandwidth_mbps:g} Mbit/s"]
                         + ([f"{lk.latency_ms:g} ms"] if lk.latency_ms else []), kind="link", cluster="network",
                         members=[lk.name]))
        for rt in net.routers:
            g.node(_Node(f"net:{rt.name}", rt.name, [f"router {rt.capacity_mbps:g} Mbit/s"], kind="router",
                         cluster="network", members=[rt.name]))

    # Inside a tier: requests take a thread, then the CPU, which uses the rest of the server.
    for t in system.tiers:
        first = entry_node[t.name]
        cpu = f"{t.name}:cpu"
        if first != cpu:
            g.edge(first, cpu, None)
        for res in ("memory", "disk", "nic"):
            if f"{t.name}:{res}" in g.nodes:
                g.edge(cpu, f"{t.name}:{res}", None)

    def connect(a_tier: str, a_node: str, b_tier: str, rate: float | None, per_request: float) -> None:
        """A call: from the caller (through its connection pool to the callee, if any) to the callee.

        The client's path goes through its links and routers as nodes; calls between tiers
        name the links they cross on the edge instead (a shared LAN would otherwise look like a hub).
        """
        hops = [a_node]
        if f"{a_tier}:conn_{b_tier}" in g.nodes:
            hops.append(f"{a_tier}:conn_{b_tier}")
        path = [] if net is None else [x for x in net.path(a_tier, b_tier) if f"net:{x}" in g.nodes]
        if a_tier == CLIENT:
            hops += [f"net:{x}" for x in path]
            path = []
        hops.append(entry_node[b_tier])
        for k, (x, y) in enumerate(zip(hops, hops[1:])):
            g.edge(x, y, rate, per_request)
            if path and k == len(hops) - 2:
                g.via[(x, y)] = ", ".join(path)

    measured = {c["name"]: float(c.get("throughput", math.nan)) for c in (data or {}).get("classes", []) or []}
    txs = {tx.name: tx for tx in system.transactions}
    for w_i, w in enumerate(system.workloads):
        mix = dict(w.mix) if isinstance(getattr(w, "mix", None), Mapping) else {n: tx.weight for n, tx in txs.items()}
        total = sum(float(x) for x in mix.values()) or 1.0
        kind = type(w).__name__.lower()
        label = getattr(w, "name", None) or ("clients" if len(system.workloads) == 1 else f"workload {w_i + 1}")
        if kind == "open":
            detail = [f"open, {_rate_text(w.rps)}" if w.rps else "open, scheduled rate"]
        elif kind == "closed":
            detail = [f"closed, {w.users} user{'' if w.users == 1 else 's'}"
                      + (f", think {w.think_s:g} s" if w.think_s else "")]
        else:
            detail = [f"batch, {w.jobs} jobs"]
        cid = f"client:{label}"
        g.node(_Node(cid, label, detail, kind="client"))
        for name, weight in mix.items():
            tx = txs.get(name)
            if tx is None or tx.root is None or not weight:
                continue
            share = float(weight) / total
            rate: float | None = None
            for cname, x in measured.items():  # a class per transaction, named after it
                if (cname == name or cname.endswith(f" {name}") or cname.endswith(f"_{name}")) and math.isfinite(x):
                    rate = x
                    break
            if rate is None and kind == "open" and w.rps:
                rate = float(w.rps) * share

            def walk(call: Any, caller: str, caller_node: str, r: float | None, per: float) -> None:
                r = None if r is None else r * call.times
                per = per * call.times
                if call.tier not in entry_node:
                    return
                connect(caller, caller_node, call.tier, r, per)
                here = f"{call.tier}:cpu" if f"{call.tier}:cpu" in g.nodes else entry_node[call.tier]
                if call.lock:
                    lid = f"{call.tier}:lock {call.lock}"
                    if lid in g.nodes:
                        g.edge(here, lid, r, per)
                for sub in call.calls:
                    walk(sub, call.tier, here, r, per)

            walk(tx.root, CLIENT, cid, rate, 1.0)
    return g


# -- DOT -----------------------------------------------------------------------------


def _rate_text(rate: float | None) -> str:
    if rate is None or not math.isfinite(rate):
        return ""
    from .report import format_number

    return f"{format_number(rate, 3)}/s"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utilizations(data: Mapping[str, Any] | None) -> dict[str, tuple[float, float, str]]:
    """Per core resource name: (utilization, max over replicas, busiest replica or '')."""
    out: dict[str, tuple[float, float, str]] = {}
    for key in ("stations", "pools"):
        for r in (data or {}).get(key, []) or []:
            try:
                u = float(r.get("utilization"))
            except (TypeError, ValueError):
                continue
            umax = r.get("utilization_max")
            out[str(r["name"])] = (u, float(umax) if isinstance(umax, (int, float)) else u,
                                   str(r.get("busiest_replica") or ""))
    return out


def _bottleneck(data: Mapping[str, Any] | None) -> tuple[str, float | None]:
    b = (data or {}).get("bottleneck") or {}
    name = b.get("resource") or b.get("station") or b.get("pool") or ""
    ceiling = b.get("saturation_throughput")
    return str(name), float(ceiling) if isinstance(ceiling, (int, float)) and math.isfinite(ceiling) else None


def _dot(g: _Graph, data: Mapping[str, Any] | None) -> str:
    util = _utilizations(data)
    bname, ceiling = _bottleneck(data)
    lines = [f"digraph {_q(g.title)} {{",
             f"  graph [rankdir=LR, compound=true, fontname={_q(_FONT)}, fontsize=12, nodesep=0.25, ranksep=0.5,"
             f" labelloc=t, label={_q(g.title + (' — utilization after the run' if data else ''))}];",
             f"  node [fontname={_q(_FONT)}, fontsize=10, style=\"rounded,filled\", fillcolor={_q(_NO_RESULTS_FILL)},"
             " color=\"#4a5a70\", penwidth=1];",
             f"  edge [fontname={_q(_FONT)}, fontsize=9, color=\"#55606e\", arrowsize=0.7];"]
    by_cluster: dict[str | None, list[str]] = defaultdict(list)
    for node in g.nodes.values():
        attrs = {"shape": _SHAPES.get(node.kind, "box")}
        rows = [f"<b>{html.escape(node.title)}</b>"] + [html.escape(d) for d in node.detail]
        if node.kind in ("client",):
            attrs["fillcolor"] = "#ffffff"
        if node.kind == "delay" or (node.kind == "external" and not node.fraction):
            attrs["style"] = "rounded,filled,dashed"
        members = [m for m in node.members if m in util]
        if members and node.fraction:
            us = [util[m][0] for m in members]
            mean = sum(us) / len(us)
            peak_i = max(range(len(members)), key=lambda k: util[members[k]][1])
            peak, busiest = util[members[peak_i]][1], util[members[peak_i]][2] or members[peak_i]
            if busiest.isdigit():  # a service's busiest replica comes as its number
                busiest = f"replica {busiest}"
            attrs["fillcolor"] = utilization_color(mean)
            if len(members) > 1 or util[members[0]][2]:
                rows.append(f"U {mean:.0%} mean, max {peak:.0%} ({html.escape(busiest)})")
            else:
                rows.append(f"U {mean:.0%}")
        elif members:
            rows.append(f"{util[members[0]][0]:.3g} busy on average")
        if bname and (bname in node.members or node.id.endswith(f":{bname}") or node.id == bname):
            attrs["color"] = _BOTTLENECK
            attrs["penwidth"] = "3"
            # Black on the fill (red on a red node would vanish); the red outline marks it.
            rows.append("<b>BOTTLENECK</b>" + (f"<b>: ceiling ≈ {html.escape(_rate_text(ceiling))}</b>" if ceiling else ""))
        label = "<" + "<br/>".join(rows) + ">"
        attr_text = ", ".join(f"{k}={_q(v)}" for k, v in attrs.items())
        by_cluster[node.cluster].append(f"{_q(node.id)} [label={label}, {attr_text}];")
    for cid, items in by_cluster.items():
        if cid is None:
            lines += [f"  {x}" for x in items]
            continue
        lines.append(f"  subgraph {_q('cluster_' + cid)} {{")
        lines.append(f"    label={_q(g.clusters.get(cid, cid))}; style=\"rounded,dashed\"; color=\"#8a96a8\";"
                     " fontsize=11; margin=10;")
        lines += [f"    {x}" for x in items]
        lines.append("  }")
    for (a, b), (rate, per) in g.edges.items():
        if a not in g.nodes or b not in g.nodes:
            continue
        # Label the calls between tiers (and every edge of an untiered model); inside a tier
        # the edges only show the order of use.
        same_tier = g.nodes[a].cluster is not None and g.nodes[a].cluster == g.nodes[b].cluster
        crosses = not same_tier or g.nodes[a].kind == "client"
        label = ""
        if crosses:
            if rate is not None and rate > 0:
                label = _rate_text(rate)
            elif per is not None and abs(per - 1.0) > 1e-9:
                label = f"×{per:.3g} per request"
        width = 1.0
        if rate is not None and rate > 0:
            width = 1.0 + min(2.0, math.log10(1.0 + rate) / 2)
        attrs = [f"penwidth={width:.2f}"]
        if label and (a, b) in g.via:
            label += f" via {g.via[(a, b)]}"
        if label:
            attrs.append(f"label={_q(label)}")
        if not crosses:
            attrs.append("color=\"#9aa3ae\"")
        lines.append(f"  {_q(a)} -> {_q(b)} [{', '.join(attrs)}];")
    if data:
        lines.append("  legend [shape=plaintext, style=\"\", label=<<table border=\"0\" cellspacing=\"2\">"
                     "<tr><td colspan=\"5\">utilization</td></tr><tr>"
                     + "".join(f"<td bgcolor=\"{utilization_color(u)}\">{u:.0%}</td>" for u in (0.2, 0.5, 0.7, 0.85, 1.0))
                     + "</tr></table>>];")
    lines.append("}")
    return "\n".join(lines) + "\n"
