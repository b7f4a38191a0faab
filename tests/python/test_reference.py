# docs/reference.md is generated from the docstrings (scripts/gen_reference.py): it must match them,
# every public callable must carry a >>> example (or be listed below, with the reason), and the
# examples it shows must run.
from __future__ import annotations

import difflib
import doctest
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference.md"

# Public callables allowed to have no >>> example, each with its reason. Keep it short: when an
# example is added, remove the name (test_exemptions_are_still_needed says which).
RESULT_TYPE = "a result type: returned by a documented function, never built by users"
EXEMPT: dict[str, str] = {
    "tiersim.analytic.QueueMetrics": RESULT_TYPE,
    "tiersim.analytic.PriorityClass": "a (lam, mean, second_moment) tuple; the priority_mg1 example shows it",
    "tiersim.analytic.PriorityResult": RESULT_TYPE,
    "tiersim.analytic.JacksonResult": RESULT_TYPE,
    "tiersim.analytic.MvaResult": RESULT_TYPE,
    "tiersim.analytic.ApproxMvaResult": RESULT_TYPE,
    "tiersim.analytic.MultiClassMvaResult": RESULT_TYPE,
    "tiersim.analytic.Bounds": RESULT_TYPE,
    "tiersim.analysis.Knee": RESULT_TYPE + " (find_knee's example shows it)",
    "tiersim.analysis.WhatIf": RESULT_TYPE + " (what_if's example shows it)",
    # Owned elsewhere and still without an example: to be added by their authors.
    "tiersim.analysis.operational": "to do (analysis); OperationalAnalysis's example calls it",
    "tiersim.analysis.OperationalAnalysis.summary": "to do (analysis)",
    "tiersim.analysis.Knee.plot": "to do (analysis): draws a figure",
    "tiersim.analysis.WhatIf.cheapest": "to do (analysis); what_if's example calls it",
    "tiersim.analysis.WhatIf.plot": "to do (analysis): draws a figure",
    "tiersim.SweepResults.to_dict": "to do (sweep)",
    "tiersim.SweepResults.to_json": "to do (sweep); SweepResults's example calls it",
    "tiersim.SweepResults.from_dict": "to do (sweep)",
    "tiersim.SweepResults.from_json": "to do (sweep); SweepResults's example calls it",
    "tiersim.SweepResults.to_csv": "to do (sweep)",
}
# Whole modules still being written, documented but not yet held to the rule: {"tiersim.x": "reason"}.
EXEMPT_MODULES: dict[str, str] = {}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "scripts" / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _exempt_module(path: str) -> bool:
    return any(path == m or path.startswith(m + ".") for m in EXEMPT_MODULES)


def test_reference_matches_the_docstrings(tmp_path: Path) -> None:
    out = tmp_path / "reference.md"
    assert gen.main(["--output", str(out)]) == 0
    fresh = out.read_text(encoding="utf-8")
    committed = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    if fresh != committed:
        diff = "".join(list(difflib.unified_diff(committed.splitlines(True), fresh.splitlines(True),
                                                 "docs/reference.md (committed)", "from the docstrings", n=1))[:60])
        pytest.fail(f"docs/reference.md is out of date: run python scripts/gen_reference.py\n{diff}")


def test_every_public_callable_has_an_example() -> None:
    missing = [p for p in gen.missing_examples() if p not in EXEMPT and not _exempt_module(p)]
    assert not missing, ("public callables without a >>> example in their docstring (add one, or list the "
                         f"name in EXEMPT in {Path(__file__).name} with the reason): {missing}")


def test_exemptions_are_still_needed() -> None:
    documented = {e.path for e in gen.all_entries()}
    missing = set(gen.missing_examples())
    unknown = sorted(set(EXEMPT) - documented)
    assert not unknown, f"EXEMPT names what the reference does not document: {unknown}"
    done = sorted(set(EXEMPT) - missing)
    assert not done, f"these now have examples: remove them from EXEMPT: {done}"
    finished = sorted(m for m in EXEMPT_MODULES if not any(p == m or p.startswith(m + ".") for p in missing))
    assert not finished, f"every callable of these modules has an example now: remove them from EXEMPT_MODULES: {finished}"


def test_reference_covers_everything_tiersim_exports() -> None:
    import tiersim

    text = REFERENCE.read_text(encoding="utf-8")
    for name in tiersim.__all__:
        assert f"| `tiersim.{name}` |" in text, name
    for module in gen.MODULES:
        assert f"## `{module}`" in text, module


def test_signatures_never_show_memory_addresses() -> None:
    # The page must be the same on every run and machine.
    assert " at 0x" not in gen.render()


def _doctests(module: str) -> list[doctest.DocTest]:
    """The examples the reference shows for the entries of ``module``, each run in its defining module."""
    finder = doctest.DocTestFinder(recurse=True, exclude_empty=True)
    tests: list[doctest.DocTest] = []
    for mod, entries in gen.collect():
        if mod.__name__ != module:
            continue
        for e in entries:
            if e.kind == "data":
                continue
            home = sys.modules[e.obj.__module__]
            tests += finder.find(e.obj, e.path, module=home, globs=vars(home))
    return tests


@pytest.mark.parametrize("module", [m.__name__ for m in gen.public_modules()])
def test_reference_examples_run(module: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tests = _doctests(module)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    try:
        for t in tests:
            runner.run(t)
    finally:
        plt.close("all")
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {module}"
