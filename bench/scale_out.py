"""Scaling out the bundled shop: every tier of examples/models/infra/shop.yaml with
2, 8, 64 and 256 servers at the same offered load (its 300 requests/s). Per size,
in a fresh process: the compile time (System -> core model data), the set-up time
(compile + a run of one simulated millisecond: the core reading and laying out the
model, and its report), peak memory, and events per second of simulation (from two
run lengths, so fixed costs cancel); then each as a ratio to the 2-server shop.

Issue 14's goal: set-up under a second and events/s within 1.5x of the 2-server
shop at 256 servers per tier.

    PYTHONPATH=python python bench/scale_out.py [--until 300] [--sizes 2,8,64,256] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
import tiersim as ts
import tiersim.infra as infra
path, servers, until = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
# import tiersim loads pandas and the results on first use: load them now, outside the timings.
import pandas  # noqa: E402,F401
import tiersim._core  # noqa: E402,F401
import tiersim.results  # noqa: E402,F401
t0 = time.perf_counter()
system = infra.load(path)
for tier in system.tiers:
    tier.servers = servers
compiled = system.compile()
model = ts.Model.from_dict(compiled.model)
t1 = time.perf_counter()
def run(length):
    start = time.perf_counter()
    r = model.run(until=length, warmup=0, replications=1, threads=1, seed=1, progress=False)
    return r, time.perf_counter() - start
tiny, tiny_s = run(0.001)   # set-up: the core reads, compiles and lays out the model (and reports)
short, short_s = run(until / 10)
long, long_s = run(until)
# Events per second of simulation alone: the difference of two run lengths cancels the fixed costs.
rate = (long.run_info["events"] - short.run_info["events"]) / (long_s - short_s)
print(json.dumps({"servers": servers, "compile_s": t1 - t0, "setup_s": t1 - t0 + tiny_s,
                  "events": long.run_info["events"], "events_per_s": rate,
                  "model_kib": len(json.dumps(compiled.model)) / 1024,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "throughput": float(long.classes["throughput"].sum())}))
"""


def measure(servers: int, until: float) -> dict:
    path = ROOT / "examples" / "models" / "infra" / "shop.yaml"
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(servers), str(until)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--until", type=float, default=300.0, help="simulated seconds of the long run (default 300)")
    ap.add_argument("--sizes", default="2,8,64,256", help="servers per tier (default 2,8,64,256)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved repetitions; each figure is the best (default 3)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    # Interleaved repetitions, each size's best (the machine is shared: the best is the least disturbed).
    runs: dict[int, list[dict]] = {n: [] for n in sizes}
    for _ in range(args.repeat):
        for n in sizes:
            runs[n].append(measure(n, args.until))
    rows = []
    for n in sizes:
        best = dict(runs[n][0])
        for key, pick in (("compile_s", min), ("setup_s", min), ("peak_mib", min), ("events_per_s", max)):
            best[key] = pick(r[key] for r in runs[n])
        rows.append(best)
    base = rows[0]
    print(f"shop.yaml, 300 requests/s, runs of {args.until / 10:g} and {args.until:g} simulated s, 1 replication, "
          f"1 thread, best of {args.repeat}")
    print("| servers per tier | model (KiB) | compile (s) | set-up incl. compile (s) | peak RSS (MiB) "
          f"| events/s | slowdown (events/s at {sizes[0]} / here) | set-up vs {sizes[0]} | memory vs {sizes[0]} "
          "| throughput (1/s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['servers']} | {r['model_kib']:.0f} | {r['compile_s']:.3f} | {r['setup_s']:.3f} "
              f"| {r['peak_mib']:.0f} | {r['events_per_s']:,.0f} | {base['events_per_s'] / r['events_per_s']:.2f}x "
              f"| {r['setup_s'] / base['setup_s']:.2f}x | {r['peak_mib'] / base['peak_mib']:.2f}x "
              f"| {r['throughput']:.1f} |")


if __name__ == "__main__":
    main()
