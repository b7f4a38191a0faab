"""An LQN :class:`~tiersim.lqn.document.Document` as a tiersim model dict (with services).

=========================  ==============================================================
LQN                        tiersim
=========================  ==============================================================
processor                  station (multiplicity -> servers; fcfs / ps / inf -> fcfs /
                           ps / delay; speed-factor -> speed). A processor hosting one
                           (non-reference) task is a template station of that task's
                           service, one per replica; any other is a top-level station.
task                       service (multiplicity -> threads, inf -> unlimited;
                           replication -> replicas, random balancer)
entry                      operation: phase 1, ``reply: true``, phases 2 and 3; or the
                           entry's activity graph (see :mod:`tiersim.lqn.graph`)
host demand                visits to the processor in slices (:mod:`tiersim.lqn.demand`)
synch-call / asynch-call   ``call`` / ``send`` steps (fan-out multiplies the calls)
reference task             closed class: population = multiplicity (x replication),
                           think = exponential think-time; route = its entry's steps
open-arrival-rate          open class (Poisson) whose route calls the entry
=========================  ==============================================================

:func:`translate` also returns a :class:`Mapping` from LQN names to tiersim
names, which the result writer (:mod:`tiersim.lqn.lqxo`) uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelError
from .demand import activity_steps
from .document import Activity, Call, Document, Entry, Task
from .graph import entry_steps
from .race import let_the_caller_race, racing_entries
from .support import PROCESSOR_SCHEDULING, check

# The run section written into an imported model (LQN files carry no run length; the
# command line's --until and friends override it). Its length comes from the model's
# own time scale: CYCLES times the longest cycle of a user (think time plus the host
# demand of everything one request reaches, queueing ignored) or between open arrivals.
CYCLES = 2000
REPLICATIONS = 5


def default_run(doc: Document) -> dict[str, Any]:
    """A run section long enough for a few thousand cycles of the slowest workload."""
    entries = doc.entries()
    memo: dict[str, float] = {}

    def demand(entry: str, depth: int = 0) -> float:
        if entry in memo or depth > 50:
            return memo.get(entry, 0.0)
        e = entries[entry]
        task = doc.task(e.task)
        acts = list(e.phases.values()) or list(task.activities.values())
        total = 0.0
        for a in acts:
            total += a.demand + a.think
            for c in a.calls:
                if c.dest in entries:
                    total += c.mean * task.fan_out.get(entries[c.dest].task, 1) * demand(c.dest, depth + 1)
        memo[entry] = total
        return total

    cycles = [t.think + demand(t.entries[0].name) for t in doc.tasks if t.is_reference]
    cycles += [1.0 / e.open_rate for e in entries.values() if e.open_rate > 0]
    cycle = max([c for c in cycles if c > 0], default=1.0)
    until = float(f"{CYCLES * cycle:.2g}")
    return {"until": until, "warmup": until / 20, "replications": REPLICATIONS, "seed": 1}


@dataclass
class Mapping:
    """Where each LQN element's results are in tiersim's results."""

    # processor -> (station name in results, replicas of it, whether it is a template station)
    processors: dict[str, tuple[str, int]] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)  # task -> service
    classes: dict[str, str] = field(default_factory=dict)  # reference task -> class
    operations: dict[str, tuple[str, str]] = field(default_factory=dict)  # entry -> (service, operation)
    open_classes: dict[str, str] = field(default_factory=dict)  # entry -> its open class


def ident(name: str) -> str:
    """An LQN name as a tiersim service, operation or station name ('.' separates those in calls)."""
    return name.replace(".", "_")


def _station(proc: Any, name: str) -> dict[str, Any]:
    st: dict[str, Any] = {"name": name, "discipline": PROCESSOR_SCHEDULING[proc.scheduling]}
    if proc.multiplicity is None:
        st["discipline"] = "delay"
    elif st["discipline"] != "delay" and proc.multiplicity != 1:
        st["servers"] = proc.multiplicity
    if proc.speed != 1.0:
        st["speed"] = proc.speed
    return st


def translate(doc: Document, source: str = "<lqn>") -> tuple[dict[str, Any], Mapping]:
    """The tiersim model dict of ``doc`` and where its results will be."""
    check(doc, source)
    m = Mapping()
    entries = doc.entries()
    racing = racing_entries(doc)
    stations: list[dict[str, Any]] = []
    template: dict[str, dict[str, Any]] = {}  # task -> its processor as a template station
    for p in doc.processors:
        own = len(p.tasks) == 1 and not p.tasks[0].is_reference
        if own:
            template[p.tasks[0].name] = _station(p, ident(p.name))
            m.processors[p.name] = (f"{ident(p.tasks[0].name)}.{ident(p.name)}", p.replication)
        else:
            stations.append(_station(p, ident(p.name)))
            m.processors[p.name] = (ident(p.name), 1)

    def target_of(task: Task):  # type: ignore[no-untyped-def]
        def target(c: Call) -> tuple[str, str, int]:
            callee = doc.task(entries[c.dest].task)
            fan = task.fan_out.get(callee.name, 1) if callee.replication > 1 else 1
            return ("call" if c.sync else "send", f"{ident(callee.name)}.{ident(c.dest)}", fan)

        return target

    def steps_of(task: Task, entry: Entry, reply: bool) -> list[dict[str, Any]]:
        where = f"{source}: entry {entry.name!r}"
        bursty = task.scheduling == "burst"
        target = target_of(task)

        def emit(act: Activity, first: str, after: str) -> list[dict[str, Any]]:
            return activity_steps(act, first, after, ident(task.processor), target, bursty)

        if entry.start is not None:
            out = entry_steps(task, entry.name, emit, reply, where)
            return let_the_caller_race(out) if entry.name in racing else out
        # Phase 1, the reply (when later phases follow), phases 2 and 3.
        parts: list[Activity | str] = [entry.phases[k] for k in sorted(entry.phases)]
        if reply and any(k > 1 for k in entry.phases):
            parts.insert(1 if 1 in entry.phases else 0, f"{entry.name} /reply")
        out: list[dict[str, Any]] = []
        for k, part in enumerate(parts):
            nxt = "exit"
            if k + 1 < len(parts):
                after = parts[k + 1]
                nxt = after if isinstance(after, str) else after.name
            if isinstance(part, str):
                out.append({"id": part, "reply": True, "next": nxt})
            else:
                out += emit(part, part.name, nxt)
        return let_the_caller_race(out) if entry.name in racing else out

    services: list[dict[str, Any]] = []
    classes: list[dict[str, Any]] = []
    for task in doc.tasks:
        if task.is_reference:
            entry = task.entries[0]
            cls: dict[str, Any] = {"name": task.name, "type": "closed",
                                   "population": task.multiplicity * task.replication,  # type: ignore[operator]
                                   "steps": steps_of(task, entry, reply=False)}
            if task.think > 0:
                cls["think"] = {"dist": "exponential", "mean": task.think}
            classes.append(cls)
            m.classes[task.name] = task.name
            m.operations[entry.name] = ("", task.name)
            continue
        svc: dict[str, Any] = {"name": ident(task.name)}
        if task.replication > 1:
            svc["replicas"] = task.replication
        if task.multiplicity is not None:
            svc["threads"] = task.multiplicity
        if task.name in template:
            svc["stations"] = [template[task.name]]
        svc["operations"] = [{"name": ident(e.name), "steps": steps_of(task, e, reply=True)} for e in task.entries]
        services.append(svc)
        m.services[task.name] = ident(task.name)
        for e in task.entries:
            m.operations[e.name] = (ident(task.name), ident(e.name))
            if e.open_rate > 0:
                name = f"{e.name} (open arrivals)"
                classes.append({"name": name, "type": "open",
                                "interarrival": {"dist": "exponential", "rate": e.open_rate},
                                "steps": [{"call": f"{ident(task.name)}.{ident(e.name)}"}]})
                m.open_classes[e.name] = name
    if not classes:
        raise ModelError(f"{source}: no workload: the model has no reference task and no open arrivals")
    model: dict[str, Any] = {"name": doc.name, "run": default_run(doc)}
    if stations:
        model["stations"] = stations
    if services:
        model["services"] = services
    model["classes"] = classes
    return model, m
