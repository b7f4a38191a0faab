# The infrastructure guides run as written: every YAML block with a `system:` section is a complete
# infrastructure file that loads and runs (shortened), and the Python blocks run in order, from a
# copy of examples/models/infra.
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

import tiersim

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ["docs/guides/vocabulary.md", "docs/guides/bottleneck-kinds.md"]
_BLOCK = re.compile(r"^```(?P<lang>yaml|python)[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def blocks(doc: str, lang: str) -> list[tuple[int, str]]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start("code")) + 1, m.group("code"))
            for m in _BLOCK.finditer(text) if m.group("lang") == lang]


SYSTEM_BLOCKS = [(doc, line, code) for doc in GUIDES for line, code in blocks(doc, "yaml") if "system:" in code]


def test_the_vocabulary_guide_has_a_complete_example_per_component() -> None:
    text = "\n".join(code for doc, _, code in SYSTEM_BLOCKS if doc.endswith("vocabulary.md"))
    for key in ("cpu:", "memory:", "disk:", "san:", "nic:", "links:", "routers:", "paths:", "window_kib:",
                "streams:", "compression:", "servers:", "balancer:", "threads:", "mode: async", "io_mode: async",
                "connections:", "locks:", "cache:", "admission:", "externals:", "schedule:", "type: closed",
                "type: open", "reference_clock_ghz:", "times:"):
        assert key in text, key


@pytest.mark.parametrize("doc, line, code", SYSTEM_BLOCKS, ids=[f"{d.split('/')[-1]}:{n}" for d, n, _ in SYSTEM_BLOCKS])
def test_yaml_blocks_are_infrastructure_files_that_run(doc: str, line: int, code: str) -> None:
    model = tiersim.loads(code, source=f"{doc}:{line}")
    model.check()
    window = (yaml.safe_load(code).get("run") or {}).get("window")
    until = 3 * window if window else 30
    r = model.run(until=until, warmup=until / 10, replications=1, progress=False)
    assert not r.saturated and all(c > 0 for c in r.classes["completions"])


@pytest.mark.parametrize("doc", GUIDES)
def test_python_blocks_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples" / "models" / "infra", tmp_path / "examples" / "models" / "infra")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__main__"}
    found = blocks(doc, "python")
    assert found, f"{doc} has no python blocks"
    for line, code in found:
        code = code.replace("until=300, warmup=30, replications=4", "until=60, warmup=6, replications=1")
        try:
            exec(compile(code, f"{doc}:{line}", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"the block at {doc}:{line} failed: {type(e).__name__}: {e}") from e
