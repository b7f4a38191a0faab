"""The LQN model as read from an ``.lqnx`` file: plain dataclasses, no behaviour.

Names follow LQN's XML (``lqn-core.xsd``): a processor hosts tasks, a task
offers entries, an entry's work is given either by phases (one activity per
phase) or by an activity graph of the task (``task-activities``) that starts
at the activity ``bound-to-entry`` and replies at its ``reply-activity``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Call:
    """A request from an activity: ``synch-call`` (``sync``) or ``asynch-call``."""

    dest: str  # entry name
    mean: float
    sync: bool


@dataclass
class Activity:
    name: str
    demand: float = 0.0  # host-demand-mean
    cvsq: float = 1.0  # host-demand-cvsq
    think: float = 0.0  # think-time
    deterministic: bool = False  # call-order="DETERMINISTIC"
    phase: int = 0  # 1..3 for phase activities, 0 in an activity graph
    calls: list[Call] = field(default_factory=list)


@dataclass
class Precedence:
    """One ``<precedence>``: a join list (``pre``) leading to a fork list (``post``).

    ``pre_kind`` is ``single``, ``and`` or ``or``; ``post_kind`` is ``single``,
    ``and``, ``or`` or ``loop``. ``post`` holds ``(activity, probability or
    loop count)``; ``loop_end`` is the activity run after a loop.
    """

    pre_kind: str
    pre: list[str]
    post_kind: str
    post: list[tuple[str, float]]
    loop_end: str | None = None


@dataclass
class Entry:
    name: str
    task: str = ""
    open_rate: float = 0.0
    phases: dict[int, Activity] = field(default_factory=dict)  # phase-specified entries
    start: str | None = None  # first activity, for graph-specified entries
    reply: list[str] = field(default_factory=list)  # its reply-activity names


@dataclass
class Task:
    name: str
    processor: str
    scheduling: str = "fcfs"
    multiplicity: int | None = 1  # None: infinite (scheduling="inf")
    replication: int = 1
    think: float = 0.0
    entries: list[Entry] = field(default_factory=list)
    activities: dict[str, Activity] = field(default_factory=dict)  # task-activities
    precedences: list[Precedence] = field(default_factory=list)
    fan_out: dict[str, int] = field(default_factory=dict)  # destination task -> fan-out

    @property
    def is_reference(self) -> bool:
        return self.scheduling in ("ref", "burst")


@dataclass
class Processor:
    name: str
    scheduling: str = "fcfs"
    multiplicity: int | None = 1  # None: infinite
    replication: int = 1
    speed: float = 1.0
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Document:
    name: str
    processors: list[Processor] = field(default_factory=list)

    @property
    def tasks(self) -> list[Task]:
        return [t for p in self.processors for t in p.tasks]

    def entries(self) -> dict[str, Entry]:
        return {e.name: e for t in self.tasks for e in t.entries}

    def task(self, name: str) -> Task:
        return next(t for t in self.tasks if t.name == name)
