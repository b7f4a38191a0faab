"""What tiersim can run of an LQN model: every refusal is a ModelError naming the element.

Parsing (:mod:`tiersim.lqn.parse`) already refuses elements with no
counterpart at all (semaphores, reader/writer locks, forwarding, quorum
joins, fair-share groups); this module checks the combinations: schedulings,
replication, calls to entries that exist, reference tasks.
"""

from __future__ import annotations

from ..errors import ModelError
from .document import Document, Task

PROCESSOR_SCHEDULING = {"fcfs": "fcfs", "ps": "ps", "inf": "delay", "delay": "delay"}
TASK_SCHEDULING = {"fcfs", "inf", "ref", "burst"}

_WHAT = {"hol": "head-of-line priority", "pri": "pre-emptive priority", "ppr": "pre-emptive priority",
         "cfs": "completely fair (share) scheduling", "rand": "random order", "ps-hol": "priority PS",
         "ps-ppr": "priority PS", "semaphore": "a semaphore task", "rwlock": "a reader/writer lock task",
         "sync": "a synchronization task", "poll": "polled scheduling", "timeout": "a timeout task",
         "retry": "a retry task"}


def check(doc: Document, source: str) -> None:
    """Raises ModelError for the first part of ``doc`` that tiersim cannot run."""

    def error(where: str, message: str) -> ModelError:
        return ModelError(f"{source}: {where}: {message}")

    entries = doc.entries()
    names: set[str] = set()
    for p in doc.processors:
        if p.scheduling not in PROCESSOR_SCHEDULING:
            raise error(f"processor {p.name!r} scheduling={p.scheduling!r}",
                        f"{_WHAT.get(p.scheduling, 'this scheduling')} is not supported "
                        f"(supported: fcfs, ps, inf)")
        hosts_one = len(p.tasks) == 1 and not p.tasks[0].is_reference
        if p.replication > 1 and not (hosts_one and p.tasks[0].replication == p.replication):
            raise error(f"processor {p.name!r} replication={p.replication}",
                        "a replicated processor must host exactly one task, replicated as often")
        for t in p.tasks:
            if t.scheduling not in TASK_SCHEDULING:
                raise error(f"task {t.name!r} scheduling={t.scheduling!r}",
                            f"{_WHAT.get(t.scheduling, 'this scheduling')} is not supported "
                            f"(supported: fcfs, inf, ref, burst)")
            if t.replication > 1 and not t.is_reference and p.replication != t.replication:
                raise error(f"task {t.name!r} replication={t.replication}",
                            f"its processor {p.name!r} must be replicated as often (it is not a "
                            f"processor of its own per replica)")
            for e in t.entries:
                if e.name in names:
                    raise error(f"entry {e.name!r}", "two entries have this name")
                names.add(e.name)
            _check_task(t, doc, entries, error)


def _check_task(t: Task, doc: Document, entries: dict, error) -> None:  # type: ignore[no-untyped-def]
    if t.is_reference:
        if t.multiplicity is None:
            raise error(f"task {t.name!r}", "a reference task needs a finite multiplicity (its users)")
        if len(t.entries) != 1:
            raise error(f"task {t.name!r}", "a reference task with several entries is not supported")
        host = next(p for p in doc.processors if p.name == t.processor)
        if t.replication > 1 and host.multiplicity is not None:
            raise error(f"task {t.name!r} replication={t.replication}",
                        "a replicated reference task is supported only on an infinite (inf) processor")
        for e in t.entries:
            if e.open_rate > 0:
                raise error(f"entry {e.name!r}", "open arrivals to a reference task's entry")
    elif t.think > 0:
        raise error(f"task {t.name!r} think-time", "only a reference task has a think time")
    acts = list(t.activities.values()) + [a for e in t.entries for a in e.phases.values()]
    for a in acts:
        for c in a.calls:
            target = entries.get(c.dest)
            if target is None:
                raise error(f"activity {a.name!r} call to {c.dest!r}", "no entry of that name")
            callee = doc.task(target.task)
            if callee.is_reference:
                raise error(f"activity {a.name!r} call to {c.dest!r}", "a reference task cannot be called")
            if callee.name == t.name:
                raise error(f"activity {a.name!r} call to {c.dest!r}", "a task calling itself")
            if a.deterministic and c.mean != int(c.mean):
                raise error(f"activity {a.name!r} call to {c.dest!r} calls-mean={c.mean:g}",
                            "call-order DETERMINISTIC needs a whole number of calls")
            fan = t.fan_out.get(callee.name, 1)
            if callee.replication > 1 and t.replication * fan < callee.replication:
                raise error(f"task {t.name!r} <fan-out dest={callee.name!r}>",
                            f"{callee.name!r} has {callee.replication} replicas: the fan-out "
                            f"times {t.name!r}'s replicas must cover them")
    _check_joins(t, error)
    for e in t.entries:
        if e.phases and e.start is not None:
            raise error(f"entry {e.name!r}", "given both by phases and by an activity graph")
        if not e.phases and e.start is None:
            raise error(f"entry {e.name!r}", "has neither phases nor an activity bound to it")


def _check_joins(t: Task, error) -> None:  # type: ignore[no-untyped-def]
    """An AND-join whose branches no single entry reaches synchronises entries: refused."""
    nexts: dict[str, list[str]] = {}
    for p in t.precedences:
        after = [a for a, _ in p.post] + ([p.loop_end] if p.loop_end else [])
        for a in p.pre:
            nexts.setdefault(a, []).extend(after)
    reach: dict[str, set[str]] = {}
    for e in t.entries:
        if e.start is None:
            continue
        seen, work = {e.start}, [e.start]
        while work:
            for b in nexts.get(work.pop(), []):
                if b not in seen:
                    seen.add(b)
                    work.append(b)
        reach[e.name] = seen
    for p in t.precedences:
        if p.pre_kind == "and" and reach and not any(set(p.pre) <= r for r in reach.values()):
            froms = sorted(e for e, r in reach.items() if r & set(p.pre))
            raise error(f"task {t.name!r} <pre-AND> of {p.pre}",
                        f"joins activities of different entries ({', '.join(froms)}): joins across "
                        f"entries (synchronisation servers) are not supported")
