"""Issue #6's engine targets from one run of tiersim_bench: each engine figure
divided by its hand-written limit measured in the same run, interleaved
repetitions, medians and the best repetition; then the M/M/1 gap split by the
hand loop with the engine's parts (BM_HandLoopMM1Parts).

    cmake --build build/bench --target tiersim_bench
    python bench/targets.py build/bench/bench/tiersim_bench [--repetitions 5] [--core 1]

Only the standard library: it runs where the benchmark runs.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SINGLE_CORE = ("Engine(MM1|Tandem10|ThreeTier)$"
               "|HandLoop(MM1/1048576/80|MM1Parts|Tandem/4194304/80|ThreeTier/1)")
TWO_CORES = "ReplicationsThreads"


def run_bench(binary: str, bench_filter: str, repetitions: int,
              core: int | None) -> dict[str, dict[str, float]]:
    """Runs the benchmarks; returns {name: {'median': x, 'best': y}} of each
    one's key counter over its repetitions."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [binary, f"--benchmark_filter={bench_filter}",
               f"--benchmark_repetitions={repetitions}",
               "--benchmark_enable_random_interleaving=true",
               f"--benchmark_out={out}", "--benchmark_out_format=json"]
        if core is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(core)] + cmd
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = json.loads(out.read_text())
    runs: dict[str, list[dict]] = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration":
            runs.setdefault(b["run_name"], []).append(b)
    if not runs:
        sys.exit("targets.py: the benchmark reported no runs (wrong filter or binary?)")
    summary = {}
    for name, reps in runs.items():
        key = "cycles_per_s" if "ThreeTier" in name else (
            "events_per_s" if "Replications" in name else "ns_per_event")
        xs = sorted(r[key] for r in reps)
        best = xs[-1] if key.endswith("_per_s") else xs[0]
        summary[name] = {"median": xs[len(xs) // 2], "best": best}
    return summary


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("binary", help="path to the tiersim_bench executable")
    p.add_argument("--repetitions", type=int, default=5)
    p.add_argument("--core", type=int, default=None,
                   help="pin the single-core benchmarks to this core (taskset)")
    args = p.parse_args()
    s = run_bench(args.binary, SINGLE_CORE, args.repetitions, args.core)
    s.update(run_bench(args.binary, TWO_CORES, args.repetitions, None))

    def ratio(engine: str, limit: str, stat: str) -> float:
        return s[engine][stat] / s[limit][stat]

    mm1, hand = "BM_EngineMM1", "BM_HandLoopMM1/1048576/80"
    tandem, hand_t = "BM_EngineTandem10", "BM_HandLoopTandem/4194304/80"
    tier, hand_3 = "BM_EngineThreeTier", "BM_HandLoopThreeTier/1"
    rep1, rep2 = "BM_ReplicationsThreads/1/real_time", "BM_ReplicationsThreads/2/real_time"
    print(f"{'target':44s} {'median':>18s} {'best repetition':>18s}")
    for label, engine, limit in [("M/M/1: engine / hand loop (<= 1.3)", mm1, hand),
                                 ("tandem of 10: engine / hand loop (<= 1.3)", tandem, hand_t)]:
        print(f"{label:44s} {ratio(engine, limit, 'median'):>10.2f} "
              f"({s[engine]['median']:.1f} ns) {ratio(engine, limit, 'best'):>10.2f} "
              f"({s[engine]['best']:.1f} ns)")
    print(f"{'3-tier: user cycles/s (>= 2.7 M)':44s} {s[tier]['median'] / 1e6:>16.2f} M "
          f"{s[tier]['best'] / 1e6:>16.2f} M")
    print(f"{'3-tier: hand loop / engine':44s} {ratio(hand_3, tier, 'median'):>18.2f} "
          f"{ratio(hand_3, tier, 'best'):>18.2f}")
    print(f"{'replications, 2 threads / 1 (>= 1.8)':44s} {ratio(rep2, rep1, 'median'):>18.2f} "
          f"{ratio(rep2, rep1, 'best'):>18.2f}")
    print("\nThe M/M/1 gap, hand loop = 1 (medians): the loop with the engine's parts")
    names = {1: "event set", 2: "+ customer records", 3: "+ areas and counters", 4: "+ histogram"}
    for level, what in names.items():
        print(f"  {level} {what:24s} {ratio(f'BM_HandLoopMM1Parts/{level}', hand, 'median'):.2f}")
    print(f"  engine {'':24s} {ratio(mm1, hand, 'median'):.2f}")


if __name__ == "__main__":
    main()
