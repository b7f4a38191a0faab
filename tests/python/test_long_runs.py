# Memory stays flat: statistics are streaming, so a run 20 times longer must
# not need more memory, and an overloaded open model stops at
# run.max_in_system instead of growing until the machine runs out.
# Each check runs in a fresh interpreter so the peak RSS is the run's own.
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# Peak RSS (ru_maxrss, KiB on Linux) after a warm-up run, then after the runs
# under test. The warm-up pays for imports, the thread pool and first-touch
# allocations so the difference is what the long run alone added.
_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    import tiersim

    def peak_kib():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def mm1(warmup=0.0):
        m = tiersim.Model("mm1").station("cpu")
        m.open_class("jobs", tiersim.Exponential(rate=0.9)).visit("cpu", tiersim.Exponential(mean=1.0))
        return m

    case = sys.argv[1]
    out = {}
    if case == "length":
        short = float(sys.argv[2])
        for warmup in (0, "mser5"):  # the MSER-5 pilot keeps its series bounded too
            mm1().run(until=short, warmup=warmup, replications=1, threads=1, progress=False)
        out["short_kib"] = peak_kib()
        t0 = time.perf_counter()
        r = mm1().run(until=20 * short, warmup=0, replications=1, threads=1, progress=False)
        r2 = mm1().run(until=20 * short, warmup="mser5", replications=1, threads=1, progress=False)
        out["long_seconds"] = time.perf_counter() - t0
        out["long_kib"] = peak_kib()
        out["completions"] = float(r.classes["completions"][0])
        out["events"] = r.run_info["events"] + r2.run_info["events"]
    else:
        mm1().run(until=100, replications=1, threads=1, progress=False)
        out["before_kib"] = peak_kib()
        m = tiersim.Model("overload").station("cpu")
        m.open_class("jobs", tiersim.Exponential(rate=2.0)).visit("cpu", tiersim.Exponential(mean=1.0))
        t0 = time.perf_counter()
        r = m.run(until=1e12, max_in_system=20000, replications=2, threads=1, progress=False)
        out["seconds"] = time.perf_counter() - t0
        out["after_kib"] = peak_kib()
        out["saturation"] = r.saturation
        out["simulated_time"] = r.run_info["simulated_time"]
    print(json.dumps(out))
""")


def _run(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is in KiB on Linux only")
def test_a_twenty_times_longer_run_needs_no_more_memory() -> None:
    # M/M/1 at rho = 0.9: 50k completions, then 1M (and the same with MSER-5).
    # Keeping even 8 bytes per completion would add ~8 MB per long run.
    out = _run("length", "55000")
    assert out["completions"] > 900_000
    growth_mib = (out["long_kib"] - out["short_kib"]) / 1024
    assert growth_mib < 5, out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is in KiB on Linux only")
def test_an_overloaded_open_model_stops_saturated_in_bounded_memory() -> None:
    # lambda = 2 > mu = 1: the backlog grows by one per unit time and would
    # never stop before until = 1e12; run.max_in_system = 20000 stops it.
    out = _run("saturated")
    assert out["saturation"]["saturated"] is True, out
    assert out["saturation"]["station"] == "cpu", out
    assert out["simulated_time"] < 1e6, out  # stopped long before `until`
    assert out["seconds"] < 10, out
    # 20000 requests present at most: a few MB of customers, queues and events.
    assert (out["after_kib"] - out["before_kib"]) / 1024 < 50, out
