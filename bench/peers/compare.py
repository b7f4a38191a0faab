"""Peer comparison: the same four models in tiersim, SimPy and Ciw; one table.

Each tool runs each model in a fresh subprocess (this script with
``--worker``), so that its peak RSS is its own: the parent reads it from
``os.wait4``. Every run has the same horizon, warm-up and seed; the wall time
covers the simulation only, not the interpreter start or the imports. Then
the Python overhead of tiersim: the same long M/M/1 run through
``tiersim._core.run_json``, ``tiersim.Model.run`` and the ``tiersim run --json``
command line, against the run's own time measured inside the core.

    bench/peers/run.sh                 # full run (several minutes)
    bench/peers/run.sh --quick         # ~20x shorter smoke test
    bench/peers/run.sh --json out.json --models mm1,closed
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from spec import MODELS  # noqa: E402

QUICK_SCALE = 0.05

# Issue #6 targets: tiersim (one thread) customers/s over the peer's.
TARGETS = {("mm1", "simpy"): 75, ("mm1", "ciw"): 175}
DEFAULT_TARGET = {"simpy": 50, "ciw": 120}


def target(model: str, tool: str) -> int:
    return TARGETS.get((model, tool), DEFAULT_TARGET[tool])


# -- worker side ------------------------------------------------------------------------------


def worker(tool: str, model: str, scale: float, seed: int, repeats: int) -> None:
    """Runs one tool on one model and prints its results as one JSON line."""
    if tool == "theory":
        import spec

        print(json.dumps({name: spec.theory(MODELS[name]) for name in model.split(",")}))
        return
    if tool == "overhead":

        def go() -> dict[str, Any]:
            return overhead(int(model), seed, repeats)
    elif tool in ("tiersim", "tiersim-all"):
        import tiersim_models

        if tool == "tiersim":
            def go() -> dict[str, Any]:
                return tiersim_models.run(model, scale, seed, repeats=repeats)
        else:
            def go() -> dict[str, Any]:
                return tiersim_models.run_all_cores(model, scale, seed, repeats=max(1, (repeats + 1) // 2))
    elif tool == "simpy":
        import simpy_models

        def go() -> dict[str, Any]:
            return simpy_models.run(model, scale, seed)
    elif tool == "ciw":
        import ciw_models

        def go() -> dict[str, Any]:
            return ciw_models.run(model, scale, seed)
    else:
        raise SystemExit(f"unknown tool {tool!r}")
    # Linux: ru_maxrss in KiB. The baseline is the interpreter plus the imports.
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = go()
    out["baseline_kib"] = baseline
    print(json.dumps(out))


def spawn(tool: str, model: str, scale: float, seed: int, repeats: int) -> dict[str, Any]:
    """Runs a worker in a fresh process; adds its peak RSS (MiB) from wait4.

    Linux carries a process's peak RSS across exec, so the child's figure
    would include this process's own size at the fork: this process therefore
    never imports tiersim, numpy or a peer (theory and the overhead run are
    workers too) and stays near a bare interpreter's ~10 MiB.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, model,
           "--scale", repr(scale), "--seed", str(seed), "--repeats", str(repeats)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} {model} failed ({proc.returncode}):\n{stderr}")
    out = json.loads(stdout.strip().splitlines()[-1])
    if "baseline_kib" in out:
        out["peak_mib"] = usage.ru_maxrss / 1024.0
        out["run_mib"] = (usage.ru_maxrss - out.pop("baseline_kib")) / 1024.0
    return out


# -- Python overhead --------------------------------------------------------------------------


def overhead(customers: int, seed: int, repeats: int) -> dict[str, Any]:
    """A long M/M/1 run started three ways, all with the same model and run section.

    ``core`` is the run's wall time measured inside the compiled core
    (``run.wall_seconds``: the replication itself, no JSON in or out);
    ``run_json`` adds parsing the model and writing the results document;
    ``Model.run`` adds the Python wrapper (model to JSON, Results from JSON);
    the CLI adds the interpreter start, the imports and printing.
    """
    import tiersim
    from tiersim import _core

    import tiersim_models

    spec = MODELS["mm1"]
    scale = customers / spec.customers
    m = tiersim_models.build("mm1").set_run(until=spec.horizon(scale), warmup=spec.warmup(scale),
                                            replications=1, seed=seed, threads=1)
    text = json.dumps(m.to_dict())
    times: dict[str, list[float]] = {"run_json": [], "Model.run": [], "cli": []}
    core: dict[str, list[float]] = {"run_json": [], "Model.run": [], "cli": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mm1_long.json"
        path.write_text(text)
        cli = [sys.executable, "-m", "tiersim", "run", str(path), "--json", "--no-progress"]
        for _ in range(repeats):  # interleaved, so drifting machine load hits all three alike
            t0 = time.perf_counter()
            doc = json.loads(_core.run_json(text, "{}"))
            times["run_json"].append(time.perf_counter() - t0)
            core["run_json"].append(doc["run"]["wall_seconds"])

            t0 = time.perf_counter()
            r = m.run(progress=False)
            times["Model.run"].append(time.perf_counter() - t0)
            core["Model.run"].append(r.run_info["wall_seconds"])

            t0 = time.perf_counter()
            done = subprocess.run(cli, capture_output=True, text=True, check=True)
            times["cli"].append(time.perf_counter() - t0)
            core["cli"].append(json.loads(done.stdout)["run"]["wall_seconds"])
    med = {k: statistics.median(v) for k, v in times.items()}
    med_core = {k: statistics.median(v) for k, v in core.items()}
    ref = med_core["run_json"]
    return {
        "customers": customers, "repeats": repeats, "tiersim": tiersim.__version__,
        "events": doc["run"]["events"],
        "core_seconds": ref,
        "wall_seconds": med, "core_seconds_each": med_core, "all_walls": times,
        "ratio_to_core": {k: v / ref for k, v in med.items()},
    }


# -- table ------------------------------------------------------------------------------------


def _rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.0f} k"
    return f"{x:.0f}"


def _pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.2f}%"


def table(results: dict[str, Any]) -> str:
    head = ["model (theory R)", "tool", "wall s", "CPU s", "customers/s", "tiersim speed-up (wall)",
            "speed-up (CPU time)", "speed-up all cores (wall)", "mean R", "\\|rel err\\|", "±95% (rel)",
            "peak MiB", "run MiB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for name, res in results["models"].items():
        th = res["theory"]["mean_response"]
        ts = res["runs"].get("tiersim")
        ta = res["runs"].get("tiersim-all")
        for tool, r in res["runs"].items():
            label = {"tiersim": "tiersim", "tiersim-all": f"tiersim ×{r.get('threads', '')} threads",
                     "simpy": f"SimPy {r['version']}", "ciw": f"Ciw {r['version']}"}[tool]
            s1 = s_cpu = s_all = "—"
            if tool in ("simpy", "ciw"):
                if ts:
                    s1 = f"**{ts['rate'] / r['rate']:.0f}×** (≥{target(name, tool)})"
                    s_cpu = f"{ts['cpu_rate'] / r['cpu_rate']:.0f}×"
                if ta:
                    s_all = f"{ta['rate'] / r['rate']:.0f}×"
            cells = [f"{MODELS[name].title} ({th:.4g})", label, f"{r['wall_seconds']:.3f}",
                     f"{r['cpu_seconds']:.3f}", _rate(r["rate"]), s1, s_cpu, s_all, f"{r['mean_response']:.4g}",
                     _pct(r["rel_error"]), _pct(r["ci95_half"] / th), f"{r['peak_mib']:.0f}", f"{r['run_mib']:.0f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> list[str]:
    out = []
    for name, res in results["models"].items():
        ts = res["runs"].get("tiersim")
        for tool in ("simpy", "ciw"):
            r = res["runs"].get(tool)
            if not ts or not r:
                continue
            ratio, goal = ts["rate"] / r["rate"], target(name, tool)
            cpu_ratio = ts["cpu_rate"] / r["cpu_rate"]
            out.append(f"{MODELS[name].title} vs {'SimPy' if tool == 'simpy' else 'Ciw'}: "
                       f"{ratio:.0f}× (target ≥{goal}×) {'met' if ratio >= goal else 'MISSED'}"
                       f" — by CPU time {cpu_ratio:.0f}×")
    return out


def overhead_table(o: dict[str, Any]) -> str:
    lines = ["| started through | wall s (median) | ÷ core run | core run s inside it |", "|---|---|---|---|"]
    lines.append(f"| core's own timing of the replication (`run.wall_seconds`) | {o['core_seconds']:.3f} | 1.000 | — |")
    for k, label in (("run_json", "`tiersim._core.run_json`"), ("Model.run", "`tiersim.Model.run`"),
                     ("cli", "`python -m tiersim run --json` (a new process)")):
        lines.append(f"| {label} | {o['wall_seconds'][k]:.3f} | {o['ratio_to_core'][k]:.3f} | "
                     f"{o['core_seconds_each'][k]:.3f} |")
    return "\n".join(lines)


def _commit() -> str:
    """The work tree's commit, '+dirty' when it has changes (the installed tiersim may differ)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"scale every run length by {QUICK_SCALE}")
    ap.add_argument("--scale", type=float, default=None, help="scale every run length (default 1, or the quick one)")
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma list of {', '.join(MODELS)}")
    ap.add_argument("--tools", default="tiersim,tiersim-all,simpy,ciw", help="comma list of tools")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeats", type=int, default=5, help="tiersim runs per model (the median is kept)")
    ap.add_argument("--overhead-customers", type=int, default=None,
                    help="M/M/1 customers for the Python-overhead run (default 10M, quick 500k; 0 skips it)")
    ap.add_argument("--json", metavar="PATH", help="also write all results as JSON ('-' for stdout)")
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    scale = args.scale if args.scale is not None else (QUICK_SCALE if args.quick else 1.0)
    if args.worker:
        worker(args.worker[0], args.worker[1], scale, args.seed, args.repeats)
        return 0

    tools = [t for t in args.tools.split(",") if t]
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODELS:
            ap.error(f"--models: unknown model {m!r} (expected {', '.join(MODELS)})")
    results: dict[str, Any] = {
        "command": " ".join(["bench/peers/run.sh", *(argv if argv is not None else sys.argv[1:])]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "processor": platform.processor()},
        "commit": _commit(), "scale": scale, "seed": args.seed, "load_average_start": os.getloadavg(), "models": {},
    }
    theories = spawn("theory", ",".join(models), scale, args.seed, 1)
    for name in models:
        ms = MODELS[name]
        th = theories[name]
        entry: dict[str, Any] = {"theory": th, "horizon": ms.horizon(scale), "warmup": ms.warmup(scale), "runs": {}}
        results["models"][name] = entry
        # tiersim's runs last a fraction of a second and the peers' tens of
        # seconds; on a shared machine the load drifts, so tiersim is timed
        # both before and after the peers and the median of all its runs kept.
        order = [t for t in tools if t.startswith("tiersim")] + [t for t in tools if not t.startswith("tiersim")]
        if any(not t.startswith("tiersim") for t in tools):
            order += [t for t in tools if t.startswith("tiersim")]
        for tool in order:
            print(f"# {name}: {tool} ...", file=sys.stderr, flush=True)
            r = spawn(tool, name, scale, args.seed, args.repeats)
            if tool in entry["runs"]:  # the second tiersim round: pool its timings with the first
                first = entry["runs"][tool]
                first["walls"] += r["walls"]
                first["cpus"] += r["cpus"]
                first["wall_seconds"] = statistics.median(first["walls"])
                first["cpu_seconds"] = statistics.median(first["cpus"])
                first["peak_mib"] = max(first["peak_mib"], r["peak_mib"])
                first["run_mib"] = max(first["run_mib"], r["run_mib"])
                r = first
            r["rate"] = r["customers"] / r["wall_seconds"]
            r["cpu_rate"] = r["customers"] / r["cpu_seconds"] if r.get("cpu_seconds") else float("nan")
            r["rel_error"] = abs(r["mean_response"] - th["mean_response"]) / th["mean_response"]
            entry["runs"][tool] = r
            print(f"#   {r['wall_seconds']:.3f} s, {_rate(r['rate'])} customers/s, R = {r['mean_response']:.4g} "
                  f"(theory {th['mean_response']:.4g}), peak {r['peak_mib']:.0f} MiB", file=sys.stderr, flush=True)
        entry["runs"] = {t: entry["runs"][t] for t in tools if t in entry["runs"]}

    n_over = args.overhead_customers
    if n_over is None:
        n_over = 500_000 if scale < 1.0 else 10_000_000
    if n_over > 0:
        print(f"# Python overhead: M/M/1, {n_over} customers ...", file=sys.stderr, flush=True)
        results["overhead"] = spawn("overhead", str(n_over), scale, args.seed, 5)

    results["load_average_end"] = os.getloadavg()
    load = f"load average {results['load_average_start'][0]:.1f} at the start, {results['load_average_end'][0]:.1f} at the end"
    print(f"## Peer comparison — scale {scale:g}, seed {args.seed}, {results['date']}, {os.cpu_count()} cores, {load}\n")
    print(table(results))
    print()
    for line in verdicts(results):
        print(f"- {line}")
    if "overhead" in results:
        o = results["overhead"]
        print(f"\nPython overhead, M/M/1 {o['customers']:,} customers, one thread, median of {o['repeats']}:\n")
        print(overhead_table(o))
    if args.json:
        text = json.dumps(results, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
