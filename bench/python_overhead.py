"""Python's overhead on a long run: the same model, seed and run length
started from C++ (bench/run_model.cpp) and from Python (tiersim.Model.run),
alternating, several times; prints the ratio of medians.

    cmake --build build/bench --target tiersim_run
    python bench/python_overhead.py build/bench/bench/tiersim_run [--until 400000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import tiersim as ts

HERE = Path(__file__).resolve().parent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runner", help="path to the tiersim_run executable")
    p.add_argument("--until", type=float, default=400000.0)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    model = ts.load(HERE.parent / "examples" / "models" / "mm1.yaml")
    overrides = {"until": args.until, "warmup": 100.0, "replications": 1, "threads": 1, "seed": 7}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        path.write_text(model.to_json())
        cpp, py, events = [], [], 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = subprocess.run([args.runner, str(path), json.dumps(overrides)], check=True,
                                 capture_output=True, text=True).stdout
            cpp.append(json.loads(out)["cpp_wall_seconds"])
            del t0
            t0 = time.perf_counter()
            r = model.run(progress=False, **overrides)
            py.append(time.perf_counter() - t0)
            events = r.run_info["events"]
            if json.loads(out)["run"]["events"] != events:
                raise SystemExit("the C++ and Python runs differ: not the same model or seed")
    c, q = statistics.median(cpp), statistics.median(py)
    print(f"events per run      {events:,}")
    print(f"C++ (median of {args.repeats})   {c:.3f} s  ({events / c / 1e6:.1f} M events/s)")
    print(f"Python (median)     {q:.3f} s  ({events / q / 1e6:.1f} M events/s)")
    print(f"Python / C++        {q / c:.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main()
