# The Python blocks of the tutorial and the guides run as written, in order, from a copy of the
# repository's examples/, with matplotlib's Agg backend. A block right after an
# `<!-- not run ... -->` comment is skipped (it needs something the suite cannot start, e.g. a cluster).
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["docs/tutorial.md", "docs/guides/sweeps-and-clusters.md"]

_BLOCK = re.compile(r"(?P<skip><!--\s*not run[^>]*-->\s*\n)?^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$",
                    re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(line number, code, skipped) for each ```python block."""
    return [(text.count("\n", 0, m.start("code")) + 1, m.group("code"), bool(m.group("skip")))
            for m in _BLOCK.finditer(text)]


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
    try:
        for line, code, skipped in blocks:
            if skipped:
                compile(code, f"{doc}:{line}", "exec")  # still valid Python
                continue
            try:
                exec(compile(code, f"{doc}:{line}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"the block at {doc}:{line} failed: {type(e).__name__}: {e}") from e
    finally:
        plt.close("all")
    # Every figure a block saves exists and is not empty.
    for name in re.findall(r'savefig\("([^"]+)"', text):
        path = tmp_path / name
        assert path.exists() and path.stat().st_size > 5000, name
