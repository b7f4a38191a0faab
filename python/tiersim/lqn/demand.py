"""One LQN activity (or phase) as tiersim steps: host demand in slices between calls.

lqsim cuts an activity's host demand D into slices between its requests
(user manual, "Slices"). With the default *stochastic* call order and Y
calls in all (Y = the sum of the calls' means), it runs a slice of mean
D/(Y+1), then makes call i with probability Y_i/(Y+1) and runs another
slice, or ends with probability 1/(Y+1): a geometric number of calls of
each kind, and a total demand of mean D. That is written here as a loop:

    slice --p=Y_i/(Y+1)--> call i --> slice ...   (--p=1/(Y+1)--> after)

With ``call-order="DETERMINISTIC"`` the activity makes exactly Y_i calls to
each destination, in the order written, with a slice of mean D/(Y+1)
before each call and one after the last.

A slice is exponential unless the activity gives ``host-demand-cvsq``:
0 is constant, below 1 a gamma (Erlang when 1/cv² is whole, else a
lognormal with that cv: tiersim has no gamma), above 1 a hyperexponential;
a bursty reference task (``scheduling="burst"``) draws Pareto slices with
shape k = sqrt(1/cv² + 1) + 1, as lqsim does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .document import Activity, Call

MAX_DETERMINISTIC_CALLS = 1000


def slice_distribution(mean: float, cvsq: float, bursty: bool = False) -> Any:
    """The distribution of one slice of the given mean (``None`` for no work)."""
    if mean <= 0:
        return None
    if bursty:
        shape = math.sqrt(1.0 / cvsq + 1.0) + 1.0 if cvsq > 0 else 2.0
        return {"dist": "pareto", "alpha": shape, "mean": mean}
    if cvsq == 1:
        return {"dist": "exponential", "mean": mean}
    if cvsq == 0:
        return mean
    if cvsq < 1:
        k = round(1.0 / cvsq)
        if abs(k - 1.0 / cvsq) < 1e-6:
            return {"dist": "erlang", "k": k, "mean": mean}
        return {"dist": "lognormal", "mean": mean, "cv": math.sqrt(cvsq)}
    return {"dist": "hyperexponential", "mean": mean, "scv": cvsq}


# How a call is written: (step key "call" or "send", "SERVICE.OPERATION", fan-out multiplier).
Target = Callable[[Call], tuple[str, str, int]]


def activity_steps(act: Activity, first: str, after: str, station: str, target: Target,
                   bursty: bool = False) -> list[dict[str, Any]]:
    """The steps of ``act``: the first has id ``first``, the last goes on to ``after``.

    ``after`` is a step id of the same route or ``exit``. Step ids are
    ``first`` and ``first`` followed by a suffix, so they are unique when
    activity names are.
    """
    steps: list[dict[str, Any]] = []
    head = first
    if act.think > 0:
        steps.append({"id": first, "delay": {"dist": "exponential", "mean": act.think}})
        head = f"{first} /work"
        steps[-1]["next"] = head
    calls = [(c, *target(c)) for c in act.calls if c.mean > 0]
    total = sum(c.mean * fan for c, _, _, fan in calls)

    def work(step_id: str, mean: float, nxt: Any) -> dict[str, Any]:
        dist = slice_distribution(mean, act.cvsq, bursty)
        if dist is None:
            return {"id": step_id, "delay": 0, "next": nxt}
        return {"id": step_id, "visit": station, "service": dist, "next": nxt}

    if not calls:
        steps.append(work(head, act.demand, after))
        return steps
    if not act.deterministic:
        share = act.demand / (total + 1.0)
        options = []
        for i, (c, kind, dest, fan) in enumerate(calls):
            call_id = f"{first} /{kind} {c.dest}" + (f" {i}" if i else "")
            options.append({"to": call_id, "p": c.mean * fan / (total + 1.0)})
            steps.append({"id": call_id, kind: dest, "next": head})
        options.append({"to": after, "p": 1.0 / (total + 1.0)})
        # The probabilities are written so that they sum to 1 exactly (the core checks 1e-9).
        options[-1]["p"] = 1.0 - sum(o["p"] for o in options[:-1])
        steps.insert(0 if act.think <= 0 else 1, work(head, share, options))
        return steps
    n = int(round(total))
    if n > MAX_DETERMINISTIC_CALLS:
        from ..errors import ModelError

        raise ModelError(f"activity {act.name!r}: {n} deterministic calls; at most "
                         f"{MAX_DETERMINISTIC_CALLS} are supported")
    share = act.demand / (n + 1.0)
    sequence = [(kind, dest, c.dest) for c, kind, dest, fan in calls for _ in range(int(c.mean) * fan)]
    step_id = head
    for k, (kind, dest, name) in enumerate(sequence):
        if share > 0:
            steps.append(work(step_id, share, f"{first} /{kind} {name} #{k + 1}"))
            step_id = f"{first} /{kind} {name} #{k + 1}"
        steps.append({"id": step_id, kind: dest, "next": f"{first} /slice {k + 2}"})
        step_id = f"{first} /slice {k + 2}"
    if share > 0:
        steps.append(work(step_id, share, after))
    else:
        steps.append({"id": step_id, "delay": 0, "next": after})
    return steps
