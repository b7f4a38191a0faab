"""Reading LQN's XML (``.lqnx``) into a :class:`~tiersim.lqn.document.Document`.

Only the structure is read here; whether tiersim can run it is decided in
:mod:`tiersim.lqn.support`. Results already in the file (``result-*``
elements of an ``.lqxo``) and output options (``service-time-distribution``
histograms) are ignored. A number that is not a number (an LQX or SPEX
variable such as ``$n``) is an error naming the element.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import ModelError
from .document import Activity, Call, Document, Entry, Precedence, Processor, Task

# Children that describe output, not the model: skipped wherever they appear.
_IGNORED = {"service-time-distribution", "histogram-bin", "result-conf-95", "result-conf-99",
            "solver-params", "pragma", "run-control", "plot-control"}


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, where: str, message: str) -> ModelError:
        return ModelError(f"{self.source}: {where}: {message}")

    def number(self, el: ET.Element, attr: str, where: str, default: float | None = None,
               minimum: float = 0.0) -> float:
        text = el.get(attr)
        if text is None:
            if default is None:
                raise self.error(where, f"missing attribute {attr!r}")
            return default
        try:
            value = float(text)
        except ValueError:
            raise self.error(where, f"{attr}={text!r} is not a number (LQX and SPEX variables are "
                                    f"not supported: substitute the values first, e.g. with lqn2xml)") from None
        if not value >= minimum or value == float("inf"):
            raise self.error(where, f"{attr}={text!r}: expected a number >= {minimum:g}")
        return value

    def integer(self, el: ET.Element, attr: str, where: str, default: int = 1) -> int:
        value = self.number(el, attr, where, float(default), minimum=1.0)
        if value != int(value):
            raise self.error(where, f"{attr}={el.get(attr)!r}: expected an integer")
        return int(value)

    def unknown(self, child: ET.Element, where: str) -> ModelError:
        return self.error(where, f"element <{child.tag}> is not supported by tiersim's LQN import")

    @staticmethod
    def skip(child: ET.Element) -> bool:
        return child.tag in _IGNORED or child.tag.startswith("result-")

    # -- the document ---------------------------------------------------------------------

    def document(self, root: ET.Element) -> Document:
        if root.tag != "lqn-model":
            raise self.error("<" + root.tag + ">", "not an LQN model (the root element must be <lqn-model>)")
        doc = Document(name=root.get("name") or Path(self.source).stem)
        for child in root:
            if child.tag == "processor":
                doc.processors.append(self.processor(child))
            elif child.tag in ("lqx", "spex"):
                raise self.error(f"<{child.tag}>", "LQX/SPEX programs are not supported: "
                                                   "run one solution of the model (lqn2xml expands it)")
            elif not self.skip(child):
                raise self.unknown(child, "lqn-model")
        if not doc.processors:
            raise self.error("lqn-model", "no <processor>: the model is empty")
        return doc

    def processor(self, el: ET.Element) -> Processor:
        name = el.get("name") or ""
        where = f"processor {name!r}"
        scheduling = el.get("scheduling", "fcfs")
        inf = scheduling == "inf" or el.get("multiplicity") == "inf"
        p = Processor(name=name, scheduling=scheduling,
                      multiplicity=None if inf else self.integer(el, "multiplicity", where),
                      replication=self.integer(el, "replication", where),
                      speed=self.number(el, "speed-factor", where, 1.0))
        if p.speed <= 0:
            raise self.error(where, "speed-factor must be > 0")
        for child in el:
            if child.tag == "task":
                p.tasks.append(self.task(child, name))
            elif child.tag == "group":
                raise self.error(f"{where} <group {child.get('name', '')!r}>",
                                 "groups (fair-share scheduling, scheduling='cfs') are not supported")
            elif not self.skip(child):
                raise self.unknown(child, where)
        for attr in ("quantum",):
            if el.get(attr) is not None and scheduling not in ("ps",):
                pass  # a quantum only matters to lqsim's round-robin PS; tiersim's PS is exact
        return p

    def task(self, el: ET.Element, processor: str) -> Task:
        name = el.get("name") or ""
        where = f"task {name!r}"
        scheduling = el.get("scheduling", "fcfs")
        inf = scheduling == "inf" or el.get("multiplicity") == "inf"
        t = Task(name=name, processor=processor, scheduling=scheduling,
                 multiplicity=None if inf else self.integer(el, "multiplicity", where),
                 replication=self.integer(el, "replication", where),
                 think=self.number(el, "think-time", where, 0.0))
        if el.get("queue-length") not in (None, "0"):
            raise self.error(where, "queue-length (a bounded task queue) is not supported")
        for child in el:
            if child.tag == "entry":
                t.entries.append(self.entry(child, t))
            elif child.tag == "task-activities":
                self.task_activities(child, t)
            elif child.tag == "fan-out":
                t.fan_out[child.get("dest") or ""] = self.integer(child, "value", f"{where} <fan-out>")
            elif child.tag == "fan-in":
                self.integer(child, "value", f"{where} <fan-in>")  # checked for form only
            elif not self.skip(child):
                raise self.unknown(child, where)
        if not t.entries:
            raise self.error(where, "a task needs at least one <entry>")
        return t

    def entry(self, el: ET.Element, task: Task) -> Entry:
        name = el.get("name") or ""
        where = f"entry {name!r}"
        e = Entry(name=name, task=task.name, open_rate=self.number(el, "open-arrival-rate", where, 0.0))
        for attr, what in (("semaphore", "semaphore entries (signal/wait)"),
                           ("rwlock", "reader/writer lock entries")):
            if el.get(attr):
                raise self.error(f"{where} {attr}={el.get(attr)!r}", f"{what} are not supported")
        for child in el:
            if child.tag == "entry-phase-activities":
                for a in child:
                    if a.tag != "activity":
                        if not self.skip(a):
                            raise self.unknown(a, where)
                        continue
                    act = self.activity(a, f"{where} activity {a.get('name', '')!r}")
                    act.phase = self.integer(a, "phase", f"{where} activity {act.name!r}")
                    if act.phase > 3:
                        raise self.error(f"{where} activity {act.name!r}", "phase must be 1, 2 or 3")
                    if act.phase in e.phases:
                        raise self.error(where, f"phase {act.phase} is given twice")
                    e.phases[act.phase] = act
            elif child.tag == "forwarding":
                raise self.error(f"{where} <forwarding dest={child.get('dest')!r}>",
                                 "forwarding is not supported (tiersim's calls reply to their caller)")
            elif child.tag in ("service", "call"):
                raise self.error(f"{where} <{child.tag}>", "the pre-phase-activities form of entries "
                                 "is not supported; convert the model with lqn2xml")
            elif not self.skip(child):
                raise self.unknown(child, where)
        return e

    def activity(self, el: ET.Element, where: str) -> Activity:
        a = Activity(name=el.get("name") or "",
                     demand=self.number(el, "host-demand-mean", where, 0.0),
                     cvsq=self.number(el, "host-demand-cvsq", where, 1.0),
                     think=self.number(el, "think-time", where, 0.0))
        order = (el.get("call-order") or "STOCHASTIC").upper()
        if order not in ("STOCHASTIC", "DETERMINISTIC"):
            raise self.error(where, f"call-order={el.get('call-order')!r}: expected STOCHASTIC or DETERMINISTIC")
        a.deterministic = order == "DETERMINISTIC"
        for child in el:
            if child.tag in ("synch-call", "asynch-call"):
                dest = child.get("dest") or ""
                a.calls.append(Call(dest=dest, sync=child.tag == "synch-call",
                                    mean=self.number(child, "calls-mean", f"{where} <{child.tag} dest={dest!r}>")))
            elif child.tag == "forwarding":
                raise self.error(f"{where} <forwarding>", "forwarding is not supported")
            elif not self.skip(child):
                raise self.unknown(child, where)
        return a

    def task_activities(self, el: ET.Element, task: Task) -> None:
        where = f"task {task.name!r} <task-activities>"
        by_entry = {e.name: e for e in task.entries}
        for child in el:
            if child.tag == "activity":
                a = self.activity(child, f"task {task.name!r} activity {child.get('name', '')!r}")
                if a.name in task.activities:
                    raise self.error(where, f"activity {a.name!r} is defined twice")
                task.activities[a.name] = a
                bound = child.get("bound-to-entry")
                if bound:
                    if bound not in by_entry:
                        raise self.error(where, f"activity {a.name!r} is bound to {bound!r}, "
                                                f"not an entry of this task")
                    by_entry[bound].start = a.name
            elif child.tag == "precedence":
                task.precedences.append(self.precedence(child, where))
            elif child.tag == "reply-entry":
                entry = child.get("name") or ""
                if entry not in by_entry:
                    raise self.error(where, f"<reply-entry name={entry!r}>: not an entry of this task")
                by_entry[entry].reply += [r.get("name") or "" for r in child if r.tag == "reply-activity"]
            elif not self.skip(child):
                raise self.unknown(child, where)

    def precedence(self, el: ET.Element, where: str) -> Precedence:
        pre_kind = post_kind = ""
        pre: list[str] = []
        post: list[tuple[str, float]] = []
        loop_end = None
        for child in el:
            names = [a.get("name") or "" for a in child if a.tag == "activity"]
            if child.tag in ("pre", "pre-AND", "pre-OR"):
                pre_kind = {"pre": "single", "pre-AND": "and", "pre-OR": "or"}[child.tag]
                pre = names
                if child.get("quorum") not in (None, "0"):
                    raise self.error(f"{where} <pre-AND quorum={child.get('quorum')!r}> on {names}",
                                     "quorum joins are not supported")
            elif child.tag in ("post", "post-AND", "post-OR", "post-LOOP"):
                post_kind = {"post": "single", "post-AND": "and", "post-OR": "or", "post-LOOP": "loop"}[child.tag]
                attr = {"or": "prob", "loop": "count"}.get(post_kind)
                for a in child:
                    if a.tag != "activity":
                        continue
                    value = 1.0 if attr is None else self.number(
                        a, attr, f"{where} <{child.tag}> activity {a.get('name')!r}")
                    post.append((a.get("name") or "", value))
                loop_end = child.get("end")
            elif child.tag == "pre-QUORUM":
                raise self.error(f"{where} <pre-QUORUM>", "quorum joins are not supported")
            elif not self.skip(child):
                raise self.unknown(child, where)
        if not pre_kind or not post_kind:
            raise self.error(where, "a <precedence> needs a pre (join) list and a post (fork) list")
        return Precedence(pre_kind, pre, post_kind, post, loop_end)


def parse(text: str | bytes, source: str = "<string>") -> Document:
    """Parses LQN XML text; ``source`` names it in messages."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        line, col = e.position
        raise ModelError(f"{source}:{line}:{col + 1}: XML syntax error: {e.msg if hasattr(e, 'msg') else e}") from None
    return _Reader(source).document(root)


def parse_file(path: str | Path) -> Document:
    p = Path(path)
    return parse(p.read_bytes(), source=str(p))
