"""Scaling out the bundled shop: every tier of examples/models/infra/shop.yaml with
2, 8, 64 and 256 servers at the same offered load (its 300 requests/s). Per size,
in a fresh process: the compile time (System -> core model data), the set-up time
(compile + the core reading and setting up the model: a run of one simulated
millisecond), peak memory, and events per second of a run; then each as a ratio to
the 2-server shop.

Issue 14's goal: set-up under a second and events/s within 1.5x of the 2-server
shop at 256 servers per tier.

    PYTHONPATH=python python bench/scale_out.py [--until 60] [--sizes 2,8,64,256]
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
t0 = time.perf_counter()
system = infra.load(path)
for tier in system.tiers:
    tier.servers = servers
compiled = system.compile()
model = ts.Model.from_dict(compiled.model)
t1 = time.perf_counter()
model.run(until=0.001, warmup=0, replications=1, threads=1, seed=1, progress=False)
t2 = time.perf_counter()
r = model.run(until=until, warmup=0, replications=1, threads=1, seed=1, progress=False)
t3 = time.perf_counter()
setup = t2 - t1
events = r.run_info["events"]
steps = len(json.dumps(compiled.model))
print(json.dumps({"servers": servers, "compile_s": t1 - t0, "setup_s": t2 - t0, "core_setup_s": setup,
                  "run_s": t3 - t2, "events": events, "events_per_s": events / max(t3 - t2 - setup, 1e-9),
                  "model_kib": steps / 1024,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "throughput": float(r.classes["throughput"].sum())}))
"""


def measure(servers: int, until: float) -> dict:
    path = ROOT / "examples" / "models" / "infra" / "shop.yaml"
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(servers), str(until)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--until", type=float, default=60.0, help="simulated seconds per run (default 60)")
    ap.add_argument("--sizes", default="2,8,64,256", help="servers per tier (default 2,8,64,256)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    rows = [measure(n, args.until) for n in sizes]
    base = rows[0]
    print(f"shop.yaml, 300 requests/s, {args.until:g} simulated s, 1 replication, 1 thread")
    print("| servers per tier | model (KiB) | compile (s) | set-up incl. compile (s) | peak RSS (MiB) "
          "| events/s | events/s vs 2 servers | set-up vs 2 | memory vs 2 | throughput (1/s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['servers']} | {r['model_kib']:.0f} | {r['compile_s']:.3f} | {r['setup_s']:.3f} "
              f"| {r['peak_mib']:.0f} | {r['events_per_s']:,.0f} | {base['events_per_s'] / r['events_per_s']:.2f}x slower "
              f"| {r['setup_s'] / base['setup_s']:.2f}x | {r['peak_mib'] / base['peak_mib']:.2f}x "
              f"| {r['throughput']:.1f} |")


if __name__ == "__main__":
    main()
