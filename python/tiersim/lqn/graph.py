"""An entry's activity graph (``task-activities``) as one tiersim step graph.

Each activity becomes its steps (:func:`~tiersim.lqn.demand.activity_steps`),
whose first step carries the activity's name as id. What follows an
activity is the ``<precedence>`` whose join list (``pre``) names it:

- ``post``: the next activity; ``post-OR``: a zero-time step choosing one
  with the given probabilities (``OR-join``s need nothing: several
  activities simply go on to the same one);
- ``post-AND``: a ``fork`` whose branches must all meet at one ``pre-AND``
  (that becomes the matching ``join``) — LQN's "each branch of a join must
  originate from a common fork". A join whose branches come from different
  entries (a synchronisation server) or a branch that never joins is an
  error naming the activities;
- ``post-LOOP``: each branch repeated a geometric number of times with the
  given mean (a zero-time step deciding, before each pass, whether to go
  round again: probability n/(n+1)), one branch after the other, then the
  ``end`` activity. A loop body is the chain from its activity to the first
  activity with no successor.
- no successor: the end of the operation (or, in a loop body, of a pass).

The reply activity of the entry is followed by a ``reply: true`` step, also
inside a fork's branch (the branch replies for the request that forked it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ModelError
from .document import Activity, Precedence, Task

Emit = Callable[[Activity, str, str], list[dict[str, Any]]]  # (activity, first id, after) -> steps


class _Graph:
    def __init__(self, task: Task, where: str) -> None:
        self.task = task
        self.where = where
        self.succ: dict[str, int] = {}
        for i, p in enumerate(task.precedences):
            for a in p.pre:
                self._known(a)
                if a in self.succ:
                    raise self.error(f"activity {a!r} is in two join (pre) lists")
                self.succ[a] = i
            for a, _ in p.post:
                self._known(a)
            if p.loop_end is not None:
                self._known(p.loop_end)
            if p.post_kind == "or" and abs(sum(v for _, v in p.post) - 1.0) > 1e-6:
                raise self.error(f"the probabilities of <post-OR> after {p.pre} sum to "
                                 f"{sum(v for _, v in p.post):g}, not 1")

    def error(self, message: str) -> ModelError:
        return ModelError(f"{self.where}: {message}")

    def _known(self, name: str) -> None:
        if name not in self.task.activities:
            raise self.error(f"no activity {name!r} in task {self.task.name!r}")

    def prec(self, activity: str) -> Precedence | None:
        i = self.succ.get(activity)
        return None if i is None else self.task.precedences[i]

    def join_of(self, fork: Precedence, seen: frozenset[str] = frozenset()) -> Precedence | None:
        """The pre-AND precedence where every branch of the post-AND ``fork`` ends.

        ``None`` when no branch joins: LQN then joins them implicitly at the end
        of the task's cycle (the thread is free when every branch has ended).
        """
        joins: set[int] = set()
        for start, _ in fork.post:
            joins |= self._reach_join(start, seen)
        names = [a for a, _ in fork.post]
        if joins == {-1}:
            return None
        if len(joins) != 1:
            raise self.error(f"the AND-fork to {names} does not end in one AND-join: its branches "
                             f"join at different places or some never join (only nested fork/join "
                             f"graphs are supported)")
        return self.task.precedences[joins.pop()]

    def _reach_join(self, activity: str, seen: frozenset[str]) -> set[int]:
        """The indices of the pre-AND precedences that the branch from ``activity`` reaches."""
        if activity in seen:
            raise self.error(f"a cycle through activity {activity!r} (use post-LOOP for loops)")
        seen = seen | {activity}
        p = self.prec(activity)
        if p is None:
            return {-1}  # the branch ends here (an implicit join at the end of the cycle)
        if p.pre_kind == "and":
            return {self.succ[activity]}
        if p.post_kind == "and":
            nested = self.join_of(p, seen)
            return {-1} if nested is None else self._after_join(nested, seen)
        if p.post_kind == "loop":
            return {-1} if p.loop_end is None else self._reach_join(p.loop_end, seen)
        out: set[int] = set()
        for a, _ in p.post:
            out |= self._reach_join(a, seen)
        return out

    def _after_join(self, join: Precedence, seen: frozenset[str]) -> set[int]:
        out: set[int] = set()
        if join.post_kind in ("single", "or"):
            for a, _ in join.post:
                out |= self._reach_join(a, seen)
            return out
        raise self.error(f"the AND-join of {join.pre} is followed by a {join.post_kind}; "
                         "only a sequence or an OR-fork may follow a nested join")


def entry_steps(task: Task, entry_name: str, emit: Emit, reply: bool, where: str) -> list[dict[str, Any]]:
    """The steps of entry ``entry_name`` of ``task`` from its activity graph.

    ``reply``: insert ``reply: true`` after the entry's reply activities
    (False for a reference task, whose route is a class and replies to nobody).
    """
    g = _Graph(task, where)
    entry = next(e for e in task.entries if e.name == entry_name)
    assert entry.start is not None
    replies = set(entry.reply) if reply else set()
    steps: list[dict[str, Any]] = []
    done: dict[str, str] = {}  # activity -> the end it was emitted with
    made: set[str] = set()  # ids of the zero-time steps already made

    def post_label(i: int, end: str) -> str:
        """The step id that starts the fork list of precedence ``i``."""
        p = task.precedences[i]
        if p.post_kind == "single":
            return activity(p.post[0][0], end)
        if p.post_kind == "or":
            sid = f"or {i}"
            if sid not in made:
                made.add(sid)
                options = [{"to": activity(a, end), "p": v} for a, v in p.post]
                options[-1]["p"] = 1.0 - sum(o["p"] for o in options[:-1])
                steps.append({"id": sid, "delay": 0, "next": options})
            return sid
        if p.post_kind == "and":
            sid = f"fork {i}"
            if sid not in made:
                made.add(sid)
                join = g.join_of(p)
                jid = f"join {i}"
                if join is None and end != "exit":
                    raise ModelError(f"{where}: the branches of the AND-fork to {[a for a, _ in p.post]} "
                                     f"never join, inside a loop or another fork: not supported")
                heads = [activity(a, jid) for a, _ in p.post]
                steps.append({"id": sid, "fork": shuffled(sid, heads)})
                after_join = end if join is None else post_label(task.precedences.index(join), end)
                steps.append({"id": jid, "join": sid, "next": after_join})
            return sid
        # loop
        n = len(p.post)
        after = activity(p.loop_end, end) if p.loop_end else end
        for k, (a, count) in enumerate(p.post):
            did = f"loop {i}.{k}"
            nxt = f"loop {i}.{k + 1}" if k + 1 < n else after
            if did not in made:
                made.add(did)
                q = count / (1.0 + count)
                steps.append({"id": did, "delay": 0, "next": [{"to": activity(a, did), "p": q},
                                                              {"to": nxt, "p": 1.0 - q}]})
        return f"loop {i}.0"

    def shuffled(fork: str, heads: list[str]) -> list[str]:
        """Fork targets such that branches racing for one station start in random order.

        The engine starts a fork's branches in the order listed, so two that
        begin by visiting the same (FCFS) station would always queue in that
        order; lqsim serves simultaneous requests in either order with equal
        chance (42-activities: the reply waits for the other branch's slice
        half the time). Each racing branch but the last starts, with
        probability 1/2, behind a zero-time step; exact for two branches.
        """
        first = {h: next((x.get("visit") for x in steps if x.get("id") == h), None) for h in heads}
        out = list(heads)
        for station in {v for v in first.values() if v is not None}:
            racing = [k for k, h in enumerate(heads) if first[h] == station]
            for k in racing[:-1]:
                coin, later = f"{fork} /coin {k}", f"{fork} /later {k}"
                steps.append({"id": coin, "choose": "random", "to": [later, heads[k]], "weights": [0.5, 0.5]})
                steps.append({"id": later, "delay": 0, "next": heads[k]})
                out[k] = coin
        return out

    def activity(name: str, end: str) -> str:
        """Emits ``name`` (once) and returns its first step's id; ``end`` ends a path."""
        if name in done:
            if done[name] != end:
                raise ModelError(f"{where}: activity {name!r} is reached from two places that "
                                 f"continue differently (e.g. inside and outside a fork or loop)")
            return name
        done[name] = end
        p = g.prec(name)
        if p is not None and p.pre_kind == "and":
            # The branch ends here: it goes on to the join made by its fork.
            after = end
            if not end.startswith("join "):
                raise ModelError(f"{where}: the AND-join of {p.pre} has no matching AND-fork in "
                                 f"entry {entry_name!r} (joins across entries are not supported)")
        elif p is not None:
            after = post_label(g.succ[name], end)
        else:
            after = end
        if name in replies:
            rid = f"{name} /reply"
            steps.append({"id": rid, "reply": True, "next": after})
            after = rid
        steps.extend(emit(task.activities[name], name, after))
        return name

    first = activity(entry.start, "exit")
    # The route starts at the entry's first activity: put its first step first.
    head = next(s for s in steps if s.get("id") == first)
    return [head] + [s for s in steps if s is not head]
