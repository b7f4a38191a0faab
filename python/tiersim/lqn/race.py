"""Who goes first when a reply frees the caller and the callee goes on, on one processor.

When an entry replies and goes on with a second phase, two requests may
reach the same processor at the same instant: the callee's next slice, and
the caller's own next slice (when the caller runs on that processor too and
its activity has host demand after the call). tiersim's engine always
serves the callee's first; lqsim serves them in either order with equal
chance. The suite shows it: in 90-B07 the phase-2 waits of e3 and e4 on the
shared processor p1 are 0.172 and 0.173, half of the caller's slice (1.5/4.5
= 0.333), and with the callee always first they are 0.003 (both phases'
throughputs and utilizations move with them).

To run LQN models as lqsim does, such an entry's reply goes on, with
probability 1/2, through a zero-time step (``delay: 0``), which lets the
caller's slice reach the processor first. Where the caller runs elsewhere, or
resumes with a call rather than a slice (16-split-interlock's client), the
callee is first in lqsim too, and nothing is added. (Branches of a fork
racing for one processor get the same coin: see graph.py's ``shuffled``.)
"""

from __future__ import annotations

from typing import Any

from .document import Document


def racing_entries(doc: Document) -> set[str]:
    """Entries whose callers resume on the entry's own processor with host demand still to run."""
    entries = doc.entries()
    out: set[str] = set()
    for caller in doc.tasks:
        acts = list(caller.activities.values()) + [a for e in caller.entries for a in e.phases.values()]
        for act in acts:
            if act.demand <= 0:
                continue
            for call in act.calls:
                target = entries.get(call.dest)
                if call.sync and target is not None and doc.task(target.task).processor == caller.processor:
                    out.add(call.dest)
    return out


def let_the_caller_race(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps where each reply followed by a visit goes on, half the time, through a zero-time step."""
    by_id = {s.get("id"): s for s in steps}
    out = list(steps)
    for s in steps:
        nxt = s.get("next")
        if not s.get("reply") or not isinstance(nxt, str) or "visit" not in by_id.get(nxt, {}):
            continue
        race = f"{s['id']} /caller first"
        s["next"] = [{"to": race, "p": 0.5}, {"to": nxt, "p": 0.5}]
        out.append({"id": race, "delay": 0, "next": nxt})
    return out
