"""How long `import tiersim` and `tiersim --help` take, in fresh interpreters.

    python bench/import_time.py [--repeats 15]

Each measurement is a new process (nothing cached in memory but the OS's file
cache): the import is timed inside it with perf_counter, the command line from
outside (process start included). Prints the median and the range, and which
heavy modules the import loaded (pandas, matplotlib, tiersim.analysis should
not be among them: they load on first use). Run it with the interpreter of the
environment to measure (e.g. .venv/bin/python bench/import_time.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

PROBE = ("import sys, time; t = time.perf_counter(); import tiersim; d = time.perf_counter() - t; "
         "heavy = [m for m in ('pandas', 'matplotlib', 'numpy', 'tiersim.analysis', 'tiersim.results') "
         "if m in sys.modules]; print(d, ','.join(heavy))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    imports, helps, heavy = [], [], ""
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout.split()
        imports.append(float(out[0]))
        heavy = out[1] if len(out) > 1 else ""
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tiersim", "--help"], capture_output=True, check=True)
        helps.append(time.perf_counter() - t)
    for name, xs in (("import tiersim", imports), ("tiersim --help (whole process)", helps)):
        print(f"{name:32s} median {1000 * statistics.median(xs):6.0f} ms   "
              f"(min {1000 * min(xs):.0f}, max {1000 * max(xs):.0f}, {len(xs)} runs)")
    print(f"heavy modules loaded by the import: {heavy or 'none'}")


if __name__ == "__main__":
    main()
