"""Peak memory of a run, each measured in a fresh process: flat in the run
length (streaming statistics), and linear in the number of requests present
(each one is a slot in the customer table, a queue entry and an event).

    python bench/memory.py
"""
from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys
import tiersim as ts
kind, value = sys.argv[1], float(sys.argv[2])
m = ts.Model("m").station("cpu")
if kind == "length":
    m.open_class("q", ts.Exponential(rate=0.8)).visit("cpu", ts.Exponential(mean=1.0))
    r = m.run(until=value, warmup=100, replications=1, threads=1, seed=1, progress=False)
else:  # overloaded: the backlog grows until max_in_system requests are present
    m.open_class("q", ts.Exponential(rate=2.0)).visit("cpu", ts.Exponential(mean=1.0))
    r = m.run(until=1e12, replications=1, threads=1, seed=1, max_in_system=int(value), progress=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"events": r.run_info["events"], "peak_mib": peak, "saturated": r.saturated}))
"""


def measure(kind: str, value: float) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(value)], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def main() -> None:
    base = measure("length", 1e3)
    print("| run length (simulated s) | events | peak RSS (MiB) | growth over the shortest |")
    print("|---:|---:|---:|---:|")
    for until in (1e3, 1e5, 1e6, 1e7):
        m = measure("length", until)
        print(f"| {until:.0e} | {m['events']:,} | {m['peak_mib']:.1f} | {m['peak_mib'] - base['peak_mib']:+.1f} |")
    print()
    print("| requests present (max_in_system) | peak RSS (MiB) | bytes per request over 1,000 |")
    print("|---:|---:|---:|")
    small = measure("backlog", 1e3)
    for n in (1e3, 1e4, 1e5, 1e6):
        m = measure("backlog", n)
        per = (m["peak_mib"] - small["peak_mib"]) * 2**20 / (n - 1e3) if n > 1e3 else float("nan")
        print(f"| {int(n):,} | {m['peak_mib']:.1f} | {per:.0f} |")


if __name__ == "__main__":
    main()
