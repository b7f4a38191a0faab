#!/usr/bin/env python3
"""Writes docs/reference.md from the docstrings of tiersim's public API.

For every public function, class, method and property (the names in
``tiersim.__all__`` and in the ``__all__`` of each public module) it writes
the signature, the docstring's first paragraph and its ``>>>`` example,
grouped by module. tests/python/test_reference.py regenerates the page and
fails when the committed one differs, so the reference never drifts from
the code:

    python scripts/gen_reference.py            # rewrite docs/reference.md
    python scripts/gen_reference.py --check    # exit 1 if it is out of date
    python scripts/gen_reference.py --missing  # public callables without a >>> example

It documents the *installed* package: after editing python/, run
``pip install --no-build-isolation .`` first.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "reference.md"

# The public modules, in the order a reader meets them. A module named in
# tiersim.__all__ but missing here (a new subpackage) is added at the end.
MODULES = [
    "tiersim.model",
    "tiersim.io",
    "tiersim.results",
    "tiersim.errors",
    "tiersim.distributions",
    "tiersim.sweep",
    "tiersim.variants",
    "tiersim.analysis",
    "tiersim.plots",
    "tiersim.diagram",
    "tiersim.html_report",
    "tiersim.analytic",
]

WIDTH = 100  # longer signatures get one parameter per line

# -- what to document ----------------------------------------------------------


@dataclass
class Entry:
    """One documented object: a function, class, method, property or constant."""

    path: str  # the name a user types, e.g. "tiersim.Model.run"
    kind: str  # function | class | method | classmethod | staticmethod | property | data
    obj: Any
    owner: Any = None  # the class, for members
    members: list[Entry] = dataclasses.field(default_factory=list)

    @property
    def callable(self) -> bool:
        """Whether the reference promises this one an example (everything one calls)."""
        return self.kind in ("function", "class", "method", "classmethod", "staticmethod")


def public_modules() -> list[types.ModuleType]:
    """MODULES, then any module listed in tiersim.__all__ that MODULES does not name."""
    import tiersim

    names = list(MODULES)
    for name in tiersim.__all__:
        value = getattr(tiersim, name)
        if isinstance(value, types.ModuleType) and value.__name__ not in names:
            names.append(value.__name__)
    return [importlib.import_module(n) for n in names]


def exported_names() -> dict[int, str]:
    """id(obj) -> "tiersim.X" for the objects ``import tiersim`` exports directly."""
    import tiersim

    out = {}
    for name in tiersim.__all__:
        value = getattr(tiersim, name)
        if not isinstance(value, types.ModuleType) and (inspect.isclass(value) or inspect.isfunction(value)):
            out[id(value)] = f"tiersim.{name}"
    return out


def _defined_in(obj: Any, module: types.ModuleType) -> bool:
    """Defined in ``module`` or one of its private submodules (a package re-exporting its parts)."""
    where = getattr(obj, "__module__", None) or ""
    return where == module.__name__ or where.startswith(module.__name__ + ".")


def _members(cls: type, path: str) -> Iterator[Entry]:
    """The public methods and properties a class defines itself (inherited ones are documented on the base)."""
    for name, raw in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(raw, property):
            yield Entry(f"{path}.{name}", "property", raw, cls)
        elif isinstance(raw, functools.cached_property):
            yield Entry(f"{path}.{name}", "property", raw, cls)
        elif isinstance(raw, classmethod):
            yield Entry(f"{path}.{name}", "classmethod", getattr(cls, name), cls)
        elif isinstance(raw, staticmethod):
            yield Entry(f"{path}.{name}", "staticmethod", getattr(cls, name), cls)
        elif inspect.isfunction(raw) and raw.__qualname__.startswith(cls.__qualname__ + "."):
            yield Entry(f"{path}.{name}", "method", raw, cls)


def collect() -> list[tuple[types.ModuleType, list[Entry]]]:
    """Every module with its documented entries, in ``__all__`` order."""
    exported = exported_names()
    out = []
    for module in public_modules():
        entries = []
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType):
                continue
            path = exported.get(id(obj), f"{module.__name__}.{name}")
            if inspect.isclass(obj) and _defined_in(obj, module):
                entries.append(Entry(path, "class", obj, members=list(_members(obj, path))))
            elif inspect.isfunction(obj) and _defined_in(obj, module):
                entries.append(Entry(path, "function", obj))
            elif not callable(obj) or not hasattr(obj, "__module__") or _is_alias(obj):
                entries.append(Entry(path, "data", obj))
        out.append((module, entries))
    return out


def _is_alias(obj: Any) -> bool:
    """A typing construct (``Union[...]``), documented as data rather than as a callable."""
    return getattr(obj, "__module__", "") == "typing" or type(obj).__module__ == "typing"


def all_entries() -> Iterator[Entry]:
    """Every entry and member, flattened."""
    for _, entries in collect():
        for e in entries:
            yield e
            yield from e.members


def missing_examples() -> list[str]:
    """Paths of public callables whose docstring is missing or has no ``>>>`` example."""
    return [e.path for e in all_entries() if e.callable and not example(e)]


# -- text ---------------------------------------------------------------------------

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc):`(~?)([^`<]+?)(?:\s*<([^>]+)>)?`")


def _role(m: re.Match[str]) -> str:
    tilde, text, target = m.group(1), m.group(2).strip(), m.group(3)
    if target is None and tilde:
        text = text.rsplit(".", 1)[-1]
    return f"`{text}`"


def markdown(text: str) -> str:
    """reStructuredText roles and literals in a docstring as Markdown code spans."""
    text = _ROLE.sub(_role, text)
    return re.sub(r"``(.+?)``", r"`\1`", text)


def docstring(e: Entry) -> str:
    obj = e.obj.fget if isinstance(e.obj, property) else getattr(e.obj, "func", e.obj)
    if e.kind == "data":
        return ""
    doc = (inspect.getdoc(obj) if e.kind != "class" else inspect.cleandoc(e.obj.__doc__ or "")) or ""
    if e.kind == "class" and doc.startswith(e.obj.__name__ + "("):
        return ""  # the automatic docstring of a dataclass or NamedTuple
    return doc


def first_paragraph(doc: str) -> str:
    lines: list[str] = []
    for line in doc.splitlines():
        if not line.strip() or line.lstrip().startswith(">>>"):
            break
        lines.append(line.strip())
    return markdown(" ".join(lines))


def example(e: Entry) -> str:
    """The ``>>>`` lines of the docstring with their expected output, blocks separated by a blank line.

    Each block loses the indentation of its first prompt, so output keeps its own relative indentation.
    """
    blocks: list[list[str]] = []
    current: list[str] | None = None
    indent = 0
    for line in docstring(e).splitlines():
        stripped = line.strip()
        if current is None:
            if stripped.startswith(">>>"):
                indent = len(line) - len(line.lstrip())
                current = [line[indent:].rstrip()]
        elif not stripped:
            blocks.append(current)
            current = None
        else:
            current.append(line[indent:].rstrip() if line[:indent].isspace() or not indent else stripped)
    if current:
        blocks.append(current)
    return "\n\n".join("\n".join(b) for b in blocks)


# -- signatures ---------------------------------------------------------------------


def _annotation(a: Any) -> str:
    if isinstance(a, str):
        return a
    if isinstance(a, typing.ForwardRef):
        return a.__forward_arg__
    return inspect.formatannotation(a)


def _default(value: Any) -> str:
    text = repr(value)
    if re.search(r" at 0x[0-9a-f]+", text):
        text = getattr(value, "__qualname__", type(value).__name__)
    return text


def _parameters(sig: inspect.Signature, drop_first: bool) -> list[str]:
    params = list(sig.parameters.values())
    if drop_first and params:
        params = params[1:]
    out: list[str] = []
    star_done = False
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star_done:
            out.append("*")
            star_done = True
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        text = prefix + p.name
        if p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {_default(p.default)}" if p.annotation is not p.empty else f"={_default(p.default)}"
        out.append(text)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params) or params[i + 1].kind is not p.POSITIONAL_ONLY):
            out.append("/")
    return out


def signature(e: Entry) -> str:
    name = e.path.rsplit(".", 1)[-1]
    if e.kind == "data":
        text = _default(e.obj)
        if len(text) > 300:
            text = text[:297] + "..."
        return f"{name} = {text}"
    if e.kind == "property":
        fget: Any = e.obj.fget if isinstance(e.obj, property) else e.obj.func
        ret = inspect.signature(fget).return_annotation
        return f"{name}: {_annotation(ret)}" if ret is not inspect.Signature.empty else name
    target: Callable[..., Any] = e.obj
    drop_first = False
    if e.kind == "class":
        try:
            sig = inspect.signature(e.obj)
        except (TypeError, ValueError):
            return f"{name}(...)"
    else:
        drop_first = e.kind == "method"
        sig = inspect.signature(target)
    params = _parameters(sig, drop_first)
    ret = "" if sig.return_annotation is inspect.Signature.empty or e.kind == "class" else \
        f" -> {_annotation(sig.return_annotation)}"
    one_line = f"{name}({', '.join(params)}){ret}"
    if len(one_line) <= WIDTH:
        return one_line
    body = "".join(f"    {p},\n" for p in params)
    return f"{name}(\n{body}){ret}"


# -- the page -------------------------------------------------------------------------

HEADER = """\
<!-- Generated by scripts/gen_reference.py from the docstrings. Do not edit by hand:
     change the docstring, then run `python scripts/gen_reference.py`. -->
# API reference

Every public function and class of the `tiersim` Python package: its
signature, what it does (the first paragraph of its docstring) and an
example, grouped by module. The examples are doctests: they run as written,
and the test suite checks that this page matches the docstrings. For a
guided start see the [tutorial](tutorial.md); for the model file itself,
[the model format](model-format.md). Times are in seconds and rates per
second throughout.
"""


def _anchor(path: str, module: bool = False) -> str:
    """The id of an entry's heading; modules get their own prefix (``tiersim.sweep`` is also a function)."""
    return ("module-" if module else "") + path.replace(".", "-").lower()


def _link(path: str, module: bool = False) -> str:
    return f"[`{path}`](#{_anchor(path, module)})"


def render_entry(e: Entry, level: int) -> list[str]:
    out = [f'<a id="{_anchor(e.path)}"></a>', "", f"{'#' * level} `{e.path}`", ""]
    label = {"classmethod": "class method", "staticmethod": "static method"}.get(e.kind, e.kind)
    if e.kind in ("property", "data", "classmethod", "staticmethod"):
        out += [f"*{label}*", ""]
    out += ["```python", signature(e), "```", ""]
    doc = docstring(e)
    summary = first_paragraph(doc)
    if summary:
        out += [summary, ""]
    ex = example(e)
    if ex:
        out += ["```pycon", ex, "```", ""]
    return out


def render() -> str:
    import tiersim

    modules = collect()
    lines = [HEADER]
    lines += ["## Contents", ""]
    for module, entries in modules:
        lines.append(f"- {_link(module.__name__, module=True)}: " + ", ".join(
            f"[`{e.path.rsplit('.', 1)[-1]}`](#{_anchor(e.path)})" for e in entries if e.kind != "data"))
    lines.append("")

    # What `import tiersim` gives, and where each name is described.
    documented = {id(e.obj): e.path for _, entries in modules for e in entries}
    lines += ["## `import tiersim`", "", first_paragraph(inspect.getdoc(tiersim) or ""), "",
              "| name | described under |", "|---|---|"]
    for name in tiersim.__all__:
        value = getattr(tiersim, name)
        if isinstance(value, types.ModuleType):
            where = _link(value.__name__, module=True)
        elif id(value) in documented:
            where = _link(documented[id(value)])
        else:
            where = f"a `{type(value).__name__}`"  # e.g. __version__: its value would date the page
        lines.append(f"| `tiersim.{name}` | {where} |")
    lines.append("")

    for module, entries in modules:
        lines += [f'<a id="{_anchor(module.__name__, module=True)}"></a>', "", f"## `{module.__name__}`", ""]
        intro = first_paragraph(inspect.getdoc(module) or "")
        if intro:
            lines += [intro, ""]
        for e in entries:
            lines += render_entry(e, 3)
            for m in e.members:
                lines += render_entry(m, 4)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/reference.md is out of date")
    parser.add_argument("--missing", action="store_true", help="list public callables without a >>> example")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="where to write (default docs/reference.md)")
    args = parser.parse_args(argv)
    if args.missing:
        for path in missing_examples():
            print(path)
        return 0
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run python scripts/gen_reference.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
