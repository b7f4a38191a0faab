"""The corpus of bad models in tests/data/invalid: each is rejected, from
Python and from the CLI, with an error naming the field and what is wrong.

Each file's first line reads ``# expect: <field path> | <words in the message>``.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tiersim as ts

CORPUS = sorted((Path(__file__).resolve().parents[1] / "data" / "invalid").glob("*.yaml"))


def _expectation(path: Path) -> tuple[str, str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name}: first line must be '# expect: path | words'"
    field, words = first[len("# expect:"):].split("|", 1)
    return field.strip(), words.strip()


def test_the_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_python_raises_a_model_error_naming_the_field(path: Path) -> None:
    field, words = _expectation(path)
    with pytest.raises(ts.ModelError) as info:
        ts.load(path).check()
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path == field, str(err)
    assert words in str(err)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_cli_exits_2_with_one_clear_line(path: Path) -> None:
    field, words = _expectation(path)
    out = subprocess.run([sys.executable, "-m", "tiersim", "run", str(path), "--until", "10"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("tiersim: error:")
    assert words in lines[0] and field in lines[0]
    assert "Traceback" not in out.stderr
