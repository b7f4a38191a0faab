"""The ``tiersim`` command line: ``tiersim run | check | sweep | analyze | draw | report MODEL``.

Each subcommand is one function decorated with :func:`subcommand`: it adds
its arguments to the parser it is given and returns the handler
``handler(args) -> exit code``. Errors in the user's input print one line,
``tiersim: error: ...``, and exit with code 2; never a traceback (set
``TIERSIM_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import ModelError, escape_controls

if TYPE_CHECKING:
    from .model import Model

__all__ = ["main", "subcommand", "entry"]

PROG = "tiersim"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2  # bad arguments, a missing or invalid model file
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]
_Setup = Callable[[argparse.ArgumentParser], Handler]
_SUBCOMMANDS: list[tuple[str, str, str, str, _Setup]] = []


def subcommand(name: str, help: str, description: str, epilog: str = "") -> Callable[[_Setup], _Setup]:
    """Registers ``setup(parser) -> handler`` as the subcommand ``name``.

    >>> @subcommand("hello", help="say hello", description="Says hello.")
    ... def _hello(parser):
    ...     parser.add_argument("--name", default="world")
    ...     return lambda args: print(f"hello {args.name}") or 0
    >>> main(["hello", "--name", "queue"])
    hello queue
    0
    >>> _ = _SUBCOMMANDS.pop()  # (the example unregisters itself)
    """

    def register(setup: _Setup) -> _Setup:
        _SUBCOMMANDS.append((name, help, description, epilog, setup))
        return setup

    return register


def _error(message: str) -> None:
    print(f"{PROG}: error: {escape_controls(message)}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {escape_controls(message)}", file=sys.stderr)


def _load(path: str) -> Model:
    from .io import load, loads

    if path == "-":
        return loads(sys.stdin.read(), source="<stdin>")
    return load(path)


def _time(text: str) -> float:
    """A finite time >= 0 (``nan`` and ``inf`` parse as floats but are not times)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a time, got {text!r}") from None
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a finite time >= 0, got {text!r}")
    return value


def _warmup(text: str) -> float | str:
    if text.lower() == "mser5":
        return "mser5"
    try:
        return _time(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected a finite time >= 0 or 'mser5', got {text!r}") from None


def _fraction(text: str) -> float:
    """``0.01`` or ``1%``."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.01 or 1%, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1 (0.01 or 1%), got {text!r}")
    return value


def _precision(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``run.precision`` override from --precision, --precision-metric, --confidence, --max-replications."""
    extra = {"metrics": args.precision_metric, "confidence": args.confidence,
             "max_replications": args.max_replications}
    if args.precision is None:
        if any(v is not None for v in extra.values()):
            parser.error("--precision-metric, --confidence and --max-replications need --precision "
                         "(the target relative half-width)")
        return None
    return {"relative": args.precision, **{k: v for k, v in extra.items() if v is not None}}


def _run_settings(parser: argparse.ArgumentParser, per_point: bool = False) -> argparse._ArgumentGroup:
    """The options every simulating command shares; they override the model's ``run`` section."""
    run = parser.add_argument_group("run settings (override the model's `run` section)")
    run.add_argument("--until", type=_time, metavar="T", help="simulated time per replication, in seconds")
    run.add_argument("--warmup", type=_warmup, metavar="W", help="warm-up time deleted from the statistics, or 'mser5'")
    run.add_argument("--replications", type=int, metavar="R",
                     help="independent replications" + (" per point" if per_point else ""))
    run.add_argument("--seed", type=int, metavar="S", help="random seed (the same seed gives the same results)")
    return run


def _model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file: .yaml, .yml, .json, or an LQN model .lqnx "
                                                     "('-' reads YAML from stdin)")


_RUN_EPILOG = """\
examples:
  tiersim run examples/models/mm1.yaml
  tiersim run shop.yaml --replications 20 --until 3600 --warmup mser5
  tiersim run shop.yaml --json > results.json
  tiersim run shop.yaml --csv out/        # stations.csv, pools.csv, classes.csv, steps.csv (+ windows.csv)
  tiersim run shop.yaml --precision 1%    # replications until each class's mean response is within 1%
  tiersim run shop.yaml --precision 2% --precision-metric classes.buy.response.p95 --max-replications 200
  tiersim run model.lqnx --lqxo model.lqxo  # an LQN model, results as LQN result XML

Options given here override the model's `run` section for this run only.
"""


@subcommand(
    "run",
    help="simulate a model and report what it measured",
    description="Simulate a model file and print utilization, throughput, queue lengths and "
                "response times per station, pool and class, with 95% confidence intervals, "
                "and name the bottleneck.",
    epilog=_RUN_EPILOG,
)
def _run_command(parser: argparse.ArgumentParser) -> Handler:
    _model_argument(parser)
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the results document as JSON instead of the report")
    out.add_argument("--csv", metavar="DIR", help="also write stations.csv, pools.csv, classes.csv, steps.csv "
                                                  "(and windows.csv when the run has windows) to DIR")
    out.add_argument("--lqxo", metavar="FILE", help="also write the results as LQN result XML (an .lqnx model only)")
    out.add_argument("--no-progress", action="store_true", help="no progress bar (it shows only on a terminal)")
    run = _run_settings(parser)
    run.add_argument("--threads", type=int, metavar="N", help="worker threads (0: all cores)")
    run.add_argument("--max-completions", type=int, metavar="N", help="stop a replication after N completions")
    prec = parser.add_argument_group("precision (run.precision): add replications until the intervals are narrow")
    prec.add_argument("--precision", type=_fraction, metavar="REL",
                      help="target relative half-width, e.g. 0.01 or 1%%; every class's mean response by default")
    prec.add_argument("--precision-metric", action="append", metavar="METRIC",
                      help="a metric to make precise, e.g. classes.buy.response.p95 or stations.db.utilization "
                           "(repeat for several)")
    prec.add_argument("--confidence", type=_fraction, metavar="LEVEL", help="confidence level (default 95%%)")
    prec.add_argument("--max-replications", type=int, metavar="N", help="the budget of replications (default 1000)")

    def handle(args: argparse.Namespace) -> int:
        import warnings

        if args.lqxo and not args.model.lower().endswith((".lqnx", ".xml")):
            _error("--lqxo: the model must be an LQN model (.lqnx or .xml)")
            return EXIT_USAGE
        precision = _precision(parser, args)
        model = _load(args.model)
        with warnings.catch_warnings():
            # An interrupted run is reported below in one line, not as a Python warning.
            warnings.simplefilter("ignore", RuntimeWarning)
            results = model.run(until=args.until, warmup=args.warmup, replications=args.replications,
                                seed=args.seed, threads=args.threads, max_completions=args.max_completions,
                                precision=precision, progress=not args.no_progress)
        if args.csv:
            results.to_csv(args.csv)
        if args.lqxo:
            from .lqn import write_lqxo

            write_lqxo(results, args.model, args.lqxo)
        if args.json:
            sys.stdout.write(results.to_json(indent=2) + "\n")
            sat = results.saturation
            if sat.get("saturated"):
                where = f" at station {sat['station']!r}" if sat.get("station") else ""
                _warn(f"the model saturated{where}: {sat.get('reason') or 'the queue kept growing'}")
        else:
            sys.stdout.write(results.summary() + "\n")
        if results.run_info.get("interrupted"):
            _warn("interrupted: the results above cover only what was simulated before Ctrl-C")
            return EXIT_INTERRUPTED
        return EXIT_OK

    return handle


@subcommand(
    "check",
    help="check a model file without running it",
    description="Read and check a model file: every field, name and route. Prints one line and exits "
                "with 0 when the model can run, or the offending field and exit code 2 when it cannot.",
    epilog="example:\n  tiersim check shop.yaml",
)
def _check_command(parser: argparse.ArgumentParser) -> Handler:
    _model_argument(parser)

    def handle(args: argparse.Namespace) -> int:
        model = _load(args.model)
        model.check()

        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        print(f"{args.model}: ok (model {model.name!r}: {count(len(model.station_names), 'station', 'stations')}, "
              f"{count(len(model.pool_names), 'pool', 'pools')}, "
              f"{count(len(model.class_names), 'class', 'classes')})")
        if not model.has_run_length:
            print("note: the model sets neither run.until nor run.max_completions; "
                  f"give one when running, e.g. `{PROG} run {args.model} --until 1000`")
        return EXIT_OK

    return handle


def _load_values(integer: bool) -> Callable[[str], list[float] | list[int]]:
    """The argparse type of --rates / --users: ``10,20,30`` or ``start:stop:step`` (stop included), or both."""
    kind = "an integer" if integer else "a number"

    def number(text: str) -> float | int:
        try:
            value: float | int = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r}: expected {kind} > 0")
        return value

    def parse(text: str) -> list[float] | list[int]:
        values: list = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            if ":" in part:
                bits = part.split(":")
                if len(bits) != 3:
                    raise argparse.ArgumentTypeError(f"{part!r}: a range is start:stop:step, e.g. 10:150:20")
                start, stop, step = (number(b) for b in bits)
                n = int((stop - start) / step + 1e-9) + 1
                if n < 1 or n > 10000:
                    raise argparse.ArgumentTypeError(f"{part!r}: expected start <= stop and at most 10000 values")
                values += [start + i * step if integer else round(start + i * step, 12) for i in range(n)]
            else:
                values.append(number(part))
        if not values:
            raise argparse.ArgumentTypeError("no values given")
        return values

    return parse


_SWEEP_EPILOG = """\
examples:
  tiersim sweep examples/models/mm1.yaml --rates 20,40,60,80,90,95
  tiersim sweep examples/models/three_tier.yaml --users 10:150:20 --plot load.png
  tiersim sweep shop.yaml --rates 50:250:50 --class checkout --replications 10 --json > sweep.json
  tiersim sweep shop.yaml --users 10,50,100 --csv out/    # stations.csv, classes.csv, ... with a users column

--rates sets the arrival rate of the open class (with several open classes and
no --class, the total rate, keeping the class mix); --users sets the population
of the closed class. Each load is one point; points run in parallel, one per
core, and every point uses the model's seed, so the same command gives the
same numbers.
"""


@subcommand(
    "sweep",
    help="run a model at several loads and report the load curve",
    description="Run a model at increasing load — open arrival rates or closed numbers of users — "
                "and print, for each load, the throughput, the mean and p95 response time of each "
                "class and the utilization of the bottleneck: where throughput stops following the "
                "load, the bottleneck has saturated.",
    epilog=_SWEEP_EPILOG,
)
def _sweep_command(parser: argparse.ArgumentParser) -> Handler:
    _model_argument(parser)
    load = _load_options(parser, required=True)
    load.add_argument("--class", dest="cls", metavar="NAME", help="the class to load (default: all of its kind)")
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the sweep as JSON: one results document per point")
    out.add_argument("--csv", metavar="DIR", help="also write stations.csv, pools.csv, classes.csv, steps.csv, "
                                                  "bottlenecks.csv to DIR, with the load as first column")
    out.add_argument("--plot", metavar="FILE", help="also save response and throughput vs load to FILE "
                                                    "(.png, .svg, .pdf)")
    out.add_argument("--no-progress", action="store_true", help="no progress bar (it shows only on a terminal)")
    run = _run_settings(parser, per_point=True)
    run.add_argument("--workers", type=int, metavar="N", help="points run at once (default: one per core)")

    def handle(args: argparse.Namespace) -> int:
        import concurrent.futures
        import warnings

        from .sweep import load_sweep

        if args.workers is not None and args.workers < 1:
            _error(f"--workers: expected at least 1, got {args.workers}")
            return EXIT_USAGE
        model = _load(args.model)
        executor = None
        if args.workers is not None:
            executor = concurrent.futures.ThreadPoolExecutor(args.workers)
        try:
            with warnings.catch_warnings():
                # An interrupted sweep is reported below in one line, not as a Python warning.
                warnings.simplefilter("ignore", RuntimeWarning)
                result = load_sweep(model, rates=args.rates, users=args.users, cls=args.cls,
                                    replications=args.replications, until=args.until, warmup=args.warmup,
                                    seed=args.seed, executor=executor, progress=not args.no_progress)
        except KeyError as e:
            _error(str(e.args[0]) if e.args else str(e))
            return EXIT_USAGE
        finally:
            if executor is not None:
                # After Ctrl-C, points still running would keep shutdown() waiting: do not wait.
                executor.shutdown(wait=False, cancel_futures=True)
        if args.csv:
            result.to_csv(args.csv)
        if args.plot:
            from matplotlib.figure import Figure

            from . import plots

            fig = Figure(figsize=(13, 4.8), layout="constrained")
            left, right = fig.subplots(1, 2)
            plots.response_vs_load(result, percentile=95, ax=left)
            plots.throughput_vs_load(result, ax=right)
            fig.savefig(args.plot)
        if args.json:
            sys.stdout.write(result.to_json(indent=2) + "\n")
            saturated = [v for v, r in zip(result.values, result.points) if r.saturated]
            if saturated:
                _warn(f"the model saturated at {result.label} = {', '.join(map(str, saturated))}")
        else:
            sys.stdout.write(result.summary() + "\n")
        if result.interrupted:
            total = len(args.rates or args.users or [])
            _warn(f"interrupted: {len(result)} of {total} points had finished; the output above holds those")
            # Points still running on worker threads stop after their current replication; do not
            # wait for them (nor let a second Ctrl-C catch the interpreter tearing down under them).
            _exit_now_after(EXIT_INTERRUPTED)
            return EXIT_INTERRUPTED
        return EXIT_OK

    return handle


_ANALYZE_EPILOG = """\
examples:
  tiersim analyze examples/models/three_tier.yaml
  tiersim analyze shop.yaml --users 10:150:20 --plot out/     # also find the knee, save figures
  tiersim analyze shop.yaml --migrate 4 --json
  tiersim analyze day.yaml --at 09:30                       # a rate schedule at 09:30 (default: the peak)

It prints, in order: the operational analysis (demands, bounds, N*, MVA, and
why the model may depart from it), one simulation next to that theory, where
each class's response time goes, the bottleneck chain (fix the bottleneck,
find the next), and with --rates/--users the knee of the load curve.
"""


@subcommand(
    "analyze",
    help="find the bottleneck: theory, simulation, breakdown and what comes next",
    description="Analyse a model: service demands, asymptotic bounds, N* and MVA without simulating; "
                "then one simulation next to that theory, the response-time breakdown per resource "
                "(service vs waiting, pools included) and the chain of bottlenecks when each is "
                "fixed in turn. With --rates or --users, also sweep the load and find the knee.",
    epilog=_ANALYZE_EPILOG,
)
def _analyze_command(parser: argparse.ArgumentParser) -> Handler:
    _model_argument(parser)
    _load_options(parser, required=False)
    parser.add_argument("--migrate", type=int, default=3, metavar="N",
                        help="steps of the bottleneck chain (default 3; 0 to skip)")
    parser.add_argument("--at", metavar="TIME",
                        help="rate schedules: analyse the load at TIME — 'peak' (the default), 'HH:MM', seconds, "
                             "or 'mean' for the cycle's mean rate")
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print everything as one JSON document")
    out.add_argument("--plot", metavar="DIR", help="save utilization, breakdown (and knee) figures to DIR")
    out.add_argument("--no-progress", action="store_true", help="no progress bar")
    _run_settings(parser)

    def handle(args: argparse.Namespace) -> int:
        import json as _json
        from pathlib import Path

        from .analysis import (breakdown, compare, find_knee, format_breakdown, format_chain, format_comparison,
                               migrate, operational)
        from .sweep import load_sweep

        if args.migrate < 0:
            _error(f"--migrate: expected 0 or more, got {args.migrate}")
            return EXIT_USAGE
        model = _load(args.model)
        model, at_note = _analyse_at(model, args.at)
        settings = {"until": args.until, "warmup": args.warmup, "replications": args.replications,
                    "seed": args.seed}
        settings = {k: v for k, v in settings.items() if v is not None}
        theory = operational(model)
        results = model.run(progress=not args.no_progress, **settings)
        versus = compare(model, results)
        parts = breakdown(results)
        chain = migrate(model, steps=args.migrate) if args.migrate > 0 else None
        knee = None
        if args.rates or args.users:
            sweep = load_sweep(model, rates=args.rates, users=args.users, progress=not args.no_progress,
                               **settings)
            knee = find_knee(sweep)
        if args.plot:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from . import plots

            out = Path(args.plot)
            out.mkdir(parents=True, exist_ok=True)
            for name, draw in (("utilization.png", lambda: plots.utilization_bars(results)),
                               ("breakdown.png", lambda: plots.response_breakdown(results, by="resource"))):
                ax = draw()
                ax.figure.savefig(out / name, dpi=110, bbox_inches="tight")
                plt.close(ax.figure)
            if knee is not None:
                ax = knee.plot()
                ax.figure.savefig(out / "knee.png", dpi=110, bbox_inches="tight")
                plt.close(ax.figure)
        if args.json:
            doc = {"model": model.name, "at": at_note,
                   "analytic": {"bottleneck": theory.bottleneck, "bottleneck_kind": theory.bottleneck_kind,
                                "mva_method": theory.mva_method,
                                "layered": None if theory.layered is None else {
                                    "method": theory.layered.method, "bottleneck": theory.layered.bottleneck,
                                    "notes": theory.layered.notes,
                                    "classes": theory.layered.classes.to_dict(orient="records"),
                                    "resources": theory.layered.resources.to_dict(orient="records")},
                                "caveats": theory.caveats,
                                "classes": theory.classes.to_dict(orient="records"),
                                "demands": theory.demands.astype(object).where(theory.demands.notna(), None)
                                .to_dict(orient="records")},
                   "results": results.to_dict(),
                   "comparison": versus.to_dict(orient="records"),
                   "breakdown": parts.to_dict(orient="records"),
                   "chain": chain.to_dict(orient="records") if chain is not None else None,
                   "knee": None if knee is None else {"label": knee.label, "load": knee.load,
                                                      "throughput": knee.throughput,
                                                      "resource": knee.resource, "method": knee.method}}
            # Strict JSON: NaN and infinities (a ceiling nothing limits) become null.
            sys.stdout.write(_json.dumps(_finite(doc), indent=2, default=_plain_json, allow_nan=False) + "\n")
            return EXIT_OK
        lines = [at_note, ""] if at_note else []
        lines += [theory.summary(), "", results.summary(), "", "Simulation next to theory",
                 *format_comparison(versus), "",
                 "Where the response time goes (per request)", *format_breakdown(parts)]
        if chain is not None:
            lines += ["", "Bottleneck chain (relieve each bottleneck in turn: the change to make next)",
                      *format_chain(chain)]
        if knee is not None:
            lines += ["", f"Knee: throughput stops following load at {knee.label} = {knee.load:.4g} "
                          f"(plateau {knee.throughput:.4g}/s); first to saturate: {knee.resource!r}",
                      f"  method: {knee.method}"]
        sys.stdout.write("\n".join(lines) + "\n")
        return EXIT_OK

    return handle


def _load_drawable(path: str) -> tuple[object, Model | None]:
    """(what to draw, the model to run): an infrastructure file stays a System, drawn by tiers and
    servers even when it is too large to compile; a core model file is its Model."""
    from pathlib import Path

    if path != "-":
        import yaml

        from .infra.io import is_infrastructure

        text = Path(path).read_text(encoding="utf-8")
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            doc = None
        if isinstance(doc, dict) and is_infrastructure(doc):
            from .infra import load as load_system

            return load_system(path), None
    model = _load(path)
    return model, model


def _run_drawable(target: object, model: Model | None, args: argparse.Namespace, progress: bool):
    settings = {k: getattr(args, k) for k in ("until", "warmup", "replications", "seed")
                if getattr(args, k, None) is not None}
    if model is None:
        return target.run(progress=progress, **settings)  # type: ignore[attr-defined]
    return model.run(progress=progress, **settings)


_DRAW_EPILOG = """\
examples:
  tiersim draw examples/models/infra/shop.yaml -o shop.svg
  tiersim draw examples/models/three_tier.yaml -o three_tier.png --run   # coloured by utilization
  tiersim draw shop.yaml -o shop.dot                                      # the Graphviz source

Replicated servers are folded into one node with their count. With --run, the
model is simulated first (the run settings below apply) and every resource is
filled by its utilization, the bottleneck outlined with its throughput ceiling.
"""


@subcommand(
    "draw",
    help="draw the architecture (Graphviz), optionally coloured by a run",
    description="Draw a model's architecture: tiers and services with their replica counts, stations, "
                "pools, lock tables, links and routers, and the calls between them with their rates. "
                "With --run, simulate first and colour each resource by its utilization.",
    epilog=_DRAW_EPILOG,
)
def _draw_command(parser: argparse.ArgumentParser) -> Handler:
    _model_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE", required=True,
                        help="where to write: .svg, .png, .pdf, or .dot for the Graphviz text")
    parser.add_argument("--run", action="store_true", help="simulate first and colour by utilization")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    _run_settings(parser)

    def handle(args: argparse.Namespace) -> int:
        from .diagram import diagram

        target, model = _load_drawable(args.model)
        results = _run_drawable(target, model, args, not args.no_progress) if args.run else None
        try:
            path = diagram(target, results).save(args.output)  # type: ignore[arg-type]
        except RuntimeError as e:  # no Graphviz
            _error(str(e))
            return EXIT_FAILURE
        print(f"{path}: the architecture of {getattr(target, 'name', args.model)!r}"
              + (" coloured by utilization" if results is not None else ""))
        return EXIT_OK

    return handle


_REPORT_EPILOG = """\
examples:
  tiersim report examples/models/three_tier.yaml -o report.html
  tiersim report shop.yaml -o shop.html --users 10:150:20     # with the load curve

One self-contained HTML file (drawings inline, nothing fetched when opened): the
architecture coloured by the run, the verdict, the tables, the load curve when
--rates or --users is given, and the model itself.
"""


@subcommand(
    "report",
    help="simulate and write a self-contained HTML report",
    description="Simulate a model and write one self-contained HTML file: the architecture diagram "
                "coloured by utilization, the bottleneck verdict in a sentence, the tables of stations, "
                "pools and classes, the load curve when a sweep is asked for, and the model itself.",
    epilog=_REPORT_EPILOG,
)
def _report_command(parser: argparse.ArgumentParser) -> Handler:
    _model_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE", required=True, help="the HTML file to write")
    _load_options(parser, required=False)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    _run_settings(parser)

    def handle(args: argparse.Namespace) -> int:
        from pathlib import Path

        from .html_report import html_report

        target, model = _load_drawable(args.model)
        results = _run_drawable(target, model, args, not args.no_progress)
        sweep = None
        if args.rates or args.users:
            from .sweep import load_sweep

            base = model if model is not None else target.to_model()  # type: ignore[attr-defined]
            settings = {k: getattr(args, k) for k in ("until", "warmup", "replications", "seed")
                        if getattr(args, k) is not None}
            sweep = load_sweep(base, rates=args.rates, users=args.users, progress=not args.no_progress, **settings)
        Path(args.output).write_text(html_report(results, model=target, sweep=sweep), encoding="utf-8")
        print(f"{args.output}: report on {results.model!r} ({report_sentence(results)})")
        return EXIT_OK

    return handle


def report_sentence(results: object) -> str:
    from .report import bottleneck_sentence

    return bottleneck_sentence(results.to_dict()) or "no bottleneck named"  # type: ignore[attr-defined]


_HARD_EXIT: list[int] = []


def _exit_now_after(code: int) -> None:
    """Asks :func:`entry` (the installed command) to leave with ``code`` at once, skipping the wait
    for worker threads still inside the core. ``main()`` called from Python just returns the code."""
    _HARD_EXIT.append(code)


def entry() -> None:
    """The ``tiersim`` command and ``python -m tiersim``: :func:`main`, then exit with its code."""
    code = main()
    if _HARD_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _analyse_at(model: Model, at: str | None) -> tuple[Model, str]:
    """A model with rate schedules, taken at the time ``at`` (default the peak), and a line saying so."""
    from .variants import arrival_rate, at_time, peak_time
    from .windows import clock

    scheduled = any(isinstance(c, dict) and isinstance(c.get("schedule"), list)
                    for c in model.to_dict().get("classes") or [])
    if not scheduled:
        if at not in (None, "mean"):
            raise ModelError("--at: no class has a rate schedule, so the load is the same at every time")
        return model, ""
    if at == "mean":
        return model, "Analysed at the cycle's mean arrival rate (--at peak for the busiest time)"
    try:
        t = peak_time(model) if at in (None, "peak") else at
        moment = at_time(model, t)
        seconds = float(t) if not isinstance(t, str) else (
            3600.0 * int(t.split(":")[0]) + 60.0 * int(t.split(":")[1]) if ":" in t else float(t))
    except ValueError as e:
        raise ModelError(f"--at: {e}") from None
    what = "the peak" if at in (None, "peak") else f"{at}"
    return moment, (f"Analysed at {what}: t = {seconds:g} s ({clock(seconds)}), {arrival_rate(moment):.4g} "
                    f"requests/s (the cycle's mean: {arrival_rate(model):.4g}/s); --at mean, --at HH:MM "
                    f"for another time")


def _finite(value: object) -> object:
    """The document with every non-finite float replaced by None (JSON has no NaN)."""
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    try:
        import numpy as np

        if isinstance(value, np.floating):
            return float(value) if math.isfinite(float(value)) else None
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
    except ImportError:  # pragma: no cover
        pass
    return value


def _plain_json(value: object) -> object:
    """numpy and pandas scalars as plain JSON values (NaN as null)."""
    import math

    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(f) else f


def _load_options(parser: argparse.ArgumentParser, required: bool) -> argparse._ArgumentGroup:
    """``--rates`` or ``--users``: the loads of a sweep, shared by ``sweep`` and ``analyze``."""
    load = parser.add_argument_group("load (give one)" if required else "load sweep (optional, give one)")
    which = load.add_mutually_exclusive_group(required=required)
    which.add_argument("--rates", type=_load_values(integer=False), metavar="LIST",
                       help="arrival rates per second: 10,20,30 or 10:100:10")
    which.add_argument("--users", type=_load_values(integer=True), metavar="LIST",
                       help="closed populations: 10,50,100 or 10:150:20")
    return load


def _version() -> str:
    try:
        from . import __version__

        return __version__
    except ImportError:
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse's usage errors, with the user's text escaped like every other message."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {escape_controls(message)}\n")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    """The top-level parser and the handler of each subcommand.

    >>> parser, handlers = build_parser()
    >>> sorted(handlers)
    ['analyze', 'check', 'draw', 'report', 'run', 'sweep']
    """
    parser = _Parser(
        prog=PROG,
        description=textwrap.fill("tiersim: a discrete-event queueing simulator for multi-tier systems. "
                                  "Describe stations, pools and request classes in a YAML or JSON model "
                                  "file, simulate it, and see where throughput saturates and why.", 79),
        epilog="examples:\n  tiersim run model.yaml\n  tiersim check model.yaml\n"
               "  tiersim sweep model.yaml --users 10:150:20\n"
               "  tiersim analyze model.yaml\n"
               "  tiersim draw model.yaml -o arch.svg --run\n"
               "  tiersim report model.yaml -o report.html\n\n"
               f"Run '{PROG} COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    handlers: dict[str, Handler] = {}
    for name, help_, description, epilog, setup in _SUBCOMMANDS:
        p = sub.add_parser(name, help=help_, description=textwrap.fill(description, 79), epilog=epilog,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        handlers[name] = setup(p)
    return parser, handlers


def _check_plot_target(args: argparse.Namespace) -> None:
    """``sweep --plot FILE``: refuse a format matplotlib cannot write before anything runs."""
    plot = getattr(args, "plot", None)
    if args.command != "sweep" or not plot:
        return
    suffix = os.path.splitext(plot)[1].lower().lstrip(".")
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        raise _UsageError(f"--plot {plot}: {'.' + suffix if suffix else 'no extension'} is not a figure "
                          f"format; use one of " + ", ".join("." + f for f in sorted(formats)))


class _UsageError(Exception):
    """A bad command-line value found after parsing; printed as one line, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns the exit code (0 ok, 2 bad input, 130 interrupted).

    Every path ends in one of those codes (1 for an internal error or a closed
    pipe) with at most one escaped ``tiersim: error:`` line; Ctrl-C at any
    point, also while a simulation catches it and returns partial results,
    exits 130.

    >>> main(["check", "no/such/model.yaml"])
    2
    """
    import signal
    import threading

    interrupted: list[int] = []
    previous = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum: int, frame: object) -> None:
            interrupted.append(signum)
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        parser, handlers = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        _check_plot_target(args)
        code = handlers[args.command](args)
        if interrupted and code == EXIT_OK:
            # The simulation caught Ctrl-C and returned what it had: not a success.
            _error("interrupted")
            return EXIT_INTERRUPTED
        return code
    except _UsageError as e:
        _error(str(e))
        return EXIT_USAGE
    except ModelError as e:
        hint = ""
        if e.path == "run.until" and args.command == "run" and args.until is None:
            hint = " (or give --until on the command line)"
        _error(str(e) + hint)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (e.g. `tiersim run m.yaml --json | head`): not an error of ours.
        # Point stdout at devnull so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except FileNotFoundError as e:
        _error(f"{e.filename}: {e.strerror or 'not found'}")
        return EXIT_USAGE
    except OSError as e:
        _error(f"{e.filename}: {e.strerror}" if e.filename else str(e))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except RecursionError:
        _error("the model is nested too deeply to read")
        return EXIT_USAGE
    except MemoryError:
        _error("out of memory reading or running the model")
        return EXIT_FAILURE
    except Exception as e:  # never a traceback unless asked for
        if os.environ.get("TIERSIM_DEBUG"):
            raise
        _error(f"internal error: {type(e).__name__}: {e} (set TIERSIM_DEBUG=1 for a traceback)")
        return EXIT_FAILURE
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
