# No doc or example points at a file that does not exist: markdown links, and paths written
# in the text (`examples/models/mm1.yaml`, `docs/background.md`, THEORY.md, ...) in the README,
# docs/, bench/README.md and every example (models, scripts, notebooks).
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_PATH = re.compile(r"(?<![\w/.<*-])((?:[\w.-]+/)*[\w.-]+\.(?:md|ya?ml|json|py|ipynb|sh|cpp|hpp|toml|lqnx|lqxo))\b")
# Written to show a user's own file or one the code creates, not ours: never looked up.
_NOT_OURS = re.compile(r"^(?:shop|model|m|my_model|results|sweep|three_tier|report|out|system)\.(?:ya?ml|json)$")


def sources() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for ext in ("yaml", "yml", "json", "py", "ipynb"):
        files += sorted((ROOT / "examples").rglob(f"*.{ext}"))
    return [f for f in files if f.exists() and ".ipynb_checkpoints" not in f.parts]


def references(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for target in _LINK.findall(text):
        # A link to a file has a dot or a slash (`[x](model)` in a notebook's code is an index).
        if not re.match(r"^(?:[a-z]+:|#)", target) and re.search(r"[./]", target):
            found.append(target.split("#")[0])
    for target in _PATH.findall(_LINK.sub(" ", text)):
        # A bare name counts when it is a path (has a /) or a document (.md); `shop.yaml` in a
        # command line is the user's file.
        if "/" in target or target.endswith(".md"):
            found.append(target)
    return [t for t in dict.fromkeys(found) if t and not _NOT_OURS.match(Path(t).name) or "/" in t]


def missing(path: Path) -> list[str]:
    out = []
    for target in references(path):
        # Relative to the file, the repository, or (for headers named in the docs) the include dir.
        places = [path.parent / target, ROOT / target, ROOT / "libsim" / "include" / "tiersim" / target]
        if not any(p.exists() for p in places):
            out.append(target)
    return out


def test_the_checker_sees_a_missing_file(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("See [the theory](THEORY.md), `examples/models/mm1.yaml` and docs/nowhere.md; "
                   "run `tiersim run shop.yaml`; [web](https://example.org).\n")
    assert missing(doc) == ["THEORY.md", "docs/nowhere.md"]


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_doc_or_example_names_exists(path: Path) -> None:
    assert missing(path) == [], f"{path.relative_to(ROOT)} names files that do not exist"
