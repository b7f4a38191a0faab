# lqsim's regression models (../shared/lqn-suite, 30 of the 69 of layeredqueuing/V5) run as
# they are: each supported model is imported, simulated, and every throughput, utilization,
# service time and call wait (for an entry one call arc reaches) lqsim reports is checked
# against tiersim's within the two 95 % intervals;
# each unsupported model is refused with an error naming the LQN element.
#
# Agreement rule: |tiersim - lqsim| <= h_tiersim + h_lqsim, the 95 % half-widths (the two
# intervals overlap). Where lqsim gives no interval (it ran one block: 32-async-inf) its
# half-width is taken as 2 % of its value: lqsim's stored runs are long (hours of CPU) and
# the single-block estimates of this suite sit within 1 % of their analytic values (e.g.
# 32-async-inf: throughput 0.251456 against 1/(4 + 0.001) = 0.24994). Where tiersim's
# figure is derived without an interval (a reference task's busy time X*R, a task's
# throughput summed over entries) its half-width is taken as 2 % too. The seed is fixed,
# so the outcome is the same on every run.
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import tiersim
from tiersim import ModelError
from tiersim.lqn import read_lqxo
from tiersim.lqn.lqxo import results_by_lqn_name

ROOT = Path(__file__).resolve().parents[2]
SUITE = (ROOT / ".." / "shared" / "lqn-suite").resolve()

pytestmark = pytest.mark.skipif(not (SUITE / "models").is_dir(),
                                reason=f"the LQN suite is not at {SUITE} (../shared/lqn-suite)")

# Models tiersim runs, with the run length used here in multiples of the imported default
# (2000 of the slowest user's cycles, 5 replications): 10x gives tiersim intervals about as
# narrow as lqsim's stored ones, at a few seconds per model.
SUPPORTED = {
    "02-sanity": 10.0,
    "11-interlock": 10.0,
    "13-interlock": 10.0,
    "16-split-interlock": 10.0,
    "32-async-inf": 10.0,
    "42-activities": 10.0,
    "43-activities": 10.0,
    "55-replication": 10.0,
    "56-replication": 10.0,
    "75-distributions": 10.0,
    "76-distributions": 10.0,
    "87-fork": 10.0,
    "90-A01": 10.0,
    "90-B07": 10.0,
}

# Models tiersim refuses, and the LQN element the error must name.
REFUSED = {
    "61-semaphore": "semaphore='signal'",
    "62-semaphore": "<forwarding dest='app_signal'>",
    "65-buffer": "semaphore='signal'",
    "66-rwlock": "rwlock='r-unlock'",
    "67-rwlock": "rwlock='r-unlock'",
    "68-rwlock": "rwlock='r-unlock'",
    "69-rwlock": "<forwarding dest='reader_signal'>",
    "71-fair": "<group 'g1'>",
    "72-fair": "<group 'g1'>",
    "80-sync": "joins across entries",
    "81-sync": "joins across entries",
    "82-sync": "joins across entries",
    "83-sync": "joins across entries",
    "85-fork": "AND-fork to ['c1', 'c2']",
    "88-quorum": "quorum='2'",
    "89-quorum": "quorum='1'",
}

# Quantities not compared, with the reason.
CRITICAL = "P2 is critically loaded (rho = 0.25 x 4 / (1 + 0.001/4) = 0.9998): the number in the queue grows with the run length"
EXCLUDED = {
    "32-async-inf": {"task T2 utilization": CRITICAL, "entry E2 utilization": CRITICAL,
                     "entry E2 phase1-service-time": CRITICAL},
}

NO_INTERVAL = 0.02  # relative half-width where a side gives none (see the header)

# A further relative allowance, per model, with the reason. In the 90-* models a caller and
# the entry it calls share a processor: when the entry replies and goes on with a second
# phase, both reach the processor at the same instant, and tiersim emulates lqsim's order
# with a fair coin (tiersim/lqn/race.py). Runs 20x longer than the test's leave differences
# of up to 1.2 % (90-B07: e4 phase 2, 0.681 against lqsim's 0.673 +- 0.005), so the coin is
# close to, not exactly, what lqsim does.
RACE = 0.012
ALLOWANCE = {"90-A01": RACE, "90-B07": RACE}

Value = tuple[float, "float | None"]


def test_every_suite_model_is_either_run_or_refused() -> None:
    names = {p.stem for p in (SUITE / "models").glob("*.lqnx")}
    assert names == set(SUPPORTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unsupported_suite_models_are_refused_naming_the_element(name: str) -> None:
    with pytest.raises(ModelError) as e:
        tiersim.load(SUITE / "models" / f"{name}.lqnx")
    assert REFUSED[name] in str(e.value)
    assert f"{name}.lqnx" in str(e.value)


def _sum(values: list[Value | None]) -> Value | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    hws = [v[1] for v in present]
    hw = None if any(h is None for h in hws) else math.sqrt(sum(h * h for h in hws))  # type: ignore[operator]
    return sum(v[0] for v in present), hw


def _expected(lqsim: dict[str, dict[str, dict[str, Value]]], ours: dict[str, Any], model: Any
              ) -> list[tuple[str, Value, Value]]:
    """(quantity, tiersim, lqsim) for everything both report."""
    out: list[tuple[str, Value, Value]] = []
    reference = {e.name for t in model.tasks if t.is_reference for e in t.entries}
    phased = {e.name: e for t in model.tasks for e in t.entries}
    for kind, attrs in (("processors", ["utilization"]), ("tasks", ["throughput", "utilization"]),
                        ("entries", ["throughput", "phase1-service-time", "phase2-service-time"]),
                        ("calls", ["waiting"])):
        for name, theirs in lqsim.get(kind, {}).items():
            mine = ours[kind].get(name, {})
            for attr in attrs:
                want: Value | None = theirs.get(attr)
                if kind == "entries" and attr == "phase1-service-time" and name in reference:
                    # a reference entry's response covers all its phases
                    want = _sum([theirs.get(f"phase{k}-service-time") for k in (1, 2, 3)])
                elif kind == "entries" and attr == "phase2-service-time":
                    # tiersim's second phase runs from the reply to the end: LQN's phases 2 and 3
                    if name in reference:
                        continue
                    want = _sum([theirs.get(f"phase{k}-service-time") for k in (2, 3)])
                got = mine.get(attr)
                if want is None or got is None:
                    continue
                if kind == "entries" and attr == "phase1-service-time" and want[0] == 0 \
                        and not phased[name].phases:
                    continue
                out.append((f"{kind[:-1]} {name} {attr}", got, want))
    return out


def _agrees(got: Value, want: Value, allowance: float = 0.0) -> tuple[bool, float]:
    h_got = got[1] if got[1] is not None else NO_INTERVAL * abs(got[0])
    h_want = want[1] if want[1] is not None else NO_INTERVAL * abs(want[0])
    allowed = h_got + h_want + allowance * abs(want[0]) + 1e-9
    return abs(got[0] - want[0]) <= allowed, allowed


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_supported_suite_models_agree_with_lqsim(name: str) -> None:
    from tiersim.lqn.parse import parse_file

    path = SUITE / "models" / f"{name}.lqnx"
    model = tiersim.load(path)
    run = model.run_settings
    results = model.run(until=run["until"] * SUPPORTED[name], warmup=run["warmup"] * SUPPORTED[name],
                        progress=False)
    ours = results_by_lqn_name(results.to_dict(), path)
    lqsim = read_lqxo(SUITE / "results" / f"{name}.lqxo")
    checks = [c for c in _expected(lqsim, ours, parse_file(path)) if c[0] not in EXCLUDED.get(name, {})]
    assert len(checks) >= 4, f"too little to compare: {checks}"
    bad = []
    for what, got, want in checks:
        ok, allowed = _agrees(got, want, ALLOWANCE.get(name, 0.0))
        if not ok:
            bad.append(f"  {what}: tiersim {got[0]:.6g} ± {got[1] or 0:.3g}, lqsim {want[0]:.6g} "
                       f"± {want[1] or 0:.3g} (allowed {allowed:.3g})")
    assert not bad, f"{name}: {len(bad)} of {len(checks)} disagree:\n" + "\n".join(bad)


def test_run_writes_lqn_result_xml_that_reads_back(tmp_path: Path) -> None:
    from tiersim.cli import main

    out = tmp_path / "02-sanity.lqxo"
    assert main(["run", str(SUITE / "models" / "02-sanity.lqnx"), "--lqxo", str(out), "--no-progress",
                 "--until", "4000", "--replications", "3"]) == 0
    back = read_lqxo(out)
    lqsim = read_lqxo(SUITE / "results" / "02-sanity.lqxo")
    # the same elements carry results, each with an interval
    assert set(back["processors"]) == set(lqsim["processors"]) == {"client", "server"}
    assert set(back["entries"]) == set(lqsim["entries"])
    u, hw = back["processors"]["server"]["utilization"]
    assert hw is not None and abs(u - 0.5) < 0.05
    assert back["entries"]["server"]["phase1-service-time"][1] is not None
