# The Python blocks of the tutorial and the guides run as written, in order, from a copy of the
# repository's examples/, with matplotlib's Agg backend. A block right after an
# `<!-- not run ... -->` comment is skipped (it needs something the suite cannot start, e.g. a cluster).
# What a block prints is checked against the ```text block right after it (if any): words exactly,
# numbers to the digits shown (one unit in the last digit of slack), timings excepted.
from __future__ import annotations

import contextlib
import io
import math
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["docs/tutorial.md", "docs/guides/sweeps-and-clusters.md"]

_BLOCK = re.compile(r"(?P<skip><!--\s*not run[^>]*-->\s*\n)?^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$",
                    re.MULTILINE | re.DOTALL)


# The next fenced block after a python block, when it is ```text, shows what that block prints.
_OUTPUT = re.compile(r"(?:(?!^```).)*?^```text[ \t]*\n(?P<out>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
# Parts of an output that change from run to run or machine to machine: wall time, thread count.
_VOLATILE = re.compile(r"[\d.,]+ s wall|\d+ threads?\b")
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(line number, code, skipped) for each ```python block."""
    return [(text.count("\n", 0, m.start("code")) + 1, m.group("code"), bool(m.group("skip")))
            for m in _BLOCK.finditer(text)]


def expected_outputs(text: str) -> dict[int, str]:
    """Line number of a python block -> the ```text block that comes next, before any other block."""
    out = {}
    for m in _BLOCK.finditer(text):
        after = _OUTPUT.match(text, m.end())
        if after:
            out[text.count("\n", 0, m.start("code")) + 1] = after.group("out")
    return out


def _unit(token: str) -> float:
    """One unit in the last digit shown: 0.9188 -> 1e-4, 2.086e-07 -> 1e-10, 5,473,391 -> 1."""
    mantissa, _, exponent = token.lower().replace(",", "").partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def output_differences(expected: str, got: str) -> list[str]:
    """Where ``got`` departs from ``expected``: line by line, words exactly, numbers to the digits shown."""
    problems = []
    exp_lines = [line.rstrip() for line in expected.strip("\n").splitlines()]
    got_lines = [line.rstrip() for line in got.strip("\n").splitlines()]
    if len(exp_lines) != len(got_lines):
        problems.append(f"{len(exp_lines)} lines shown, {len(got_lines)} printed")
    for k, (e, g) in enumerate(zip(exp_lines, got_lines), start=1):
        e, g = _VOLATILE.sub("~", e), _VOLATILE.sub("~", g)
        if _NUMBER.sub("#", e).split() != _NUMBER.sub("#", g).split():
            problems.append(f"line {k}: shown {e.strip()!r}, printed {g.strip()!r}")
            continue
        for a, b in zip(_NUMBER.findall(e), _NUMBER.findall(g)):
            x, y = float(a.replace(",", "")), float(b.replace(",", ""))
            if not math.isclose(x, y, rel_tol=1e-9, abs_tol=_unit(a) * 1.0001):
                problems.append(f"line {k}: shown {a}, printed {b}  ({e.strip()!r})")
    return problems


def test_output_comparison_catches_a_stale_digit() -> None:
    assert output_differences("p99 0.9188", "p99 0.9188") == []
    assert output_differences("p99 0.9188", "p99 0.9189") == []  # one unit in the last digit
    assert output_differences("p99 0.9188", "p99 0.9185") == ["line 1: shown 0.9188, printed 0.9185  ('p99 0.9188')"]
    assert output_differences("5,473,391 events, 0.678 s wall, 2 threads", "5,473,391 events, 1.2 s wall, 1 thread") == []
    assert output_differences("X 2.086e-07", "X 2.087e-07") == []
    assert output_differences("X 2.086e-07", "X 2.096e-07") != []
    assert output_differences("a\nb", "a") == ["2 lines shown, 1 printed"]


def test_block_extraction_honours_the_not_run_marker() -> None:
    text = "a\n```python\nx = 1\n```\n<!-- not run: needs a cluster -->\n```python\ny = 2\n```\n```sh\nls\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n", False), (7, "y = 2\n", True)]


@pytest.mark.parametrize("doc", DOCS)
def test_doc_code_blocks_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = python_blocks(text)
    assert blocks, f"{doc} has no python blocks"
    shutil.copytree(ROOT / "examples" / "models", tmp_path / "examples" / "models")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__main__"}
    outputs = expected_outputs(text)
    stale: list[str] = []
    try:
        for line, code, skipped in blocks:
            if skipped:
                compile(code, f"{doc}:{line}", "exec")  # still valid Python
                continue
            printed = io.StringIO()
            try:
                with contextlib.redirect_stdout(printed):
                    exec(compile(code, f"{doc}:{line}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"the block at {doc}:{line} failed: {type(e).__name__}: {e}") from e
            if line in outputs:
                stale += [f"{doc}:{line}: {p}" for p in output_differences(outputs[line], printed.getvalue())]
                if stale and not any(s.startswith(f"{doc}:{line}:") for s in stale[:-1]):
                    stale.append(f"{doc}:{line}: printed:\n{printed.getvalue()}")
    finally:
        plt.close("all")
    assert not stale, "the output shown in the doc is not what its code prints:\n" + "\n".join(stale)
    # Every figure a block saves exists and is not empty.
    for name in re.findall(r'savefig\("([^"]+)"', text):
        path = tmp_path / name
        assert path.exists() and path.stat().st_size > 5000, name
