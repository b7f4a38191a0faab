"""Shared checks for the infrastructure vocabulary: numbers, names and field paths.

Every component checks its own fields with these helpers and raises
:class:`~tiersim.errors.ModelError` whose ``path`` names the field, e.g.
``tiers[1].server.disk.raid``; the file reader prefixes ``system.``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, fields
from typing import Any

from ..errors import ModelError

__all__ = ["join", "fail", "number", "integer", "name", "choice", "suggest", "plain_fields", "prefixed"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def join(prefix: str, field: str | int) -> str:
    """``join("tiers[1]", "servers") == "tiers[1].servers"``; an int makes an index.

    >>> join("tiers", 1), join("tiers[1]", "servers"), join("", "name")
    ('tiers[1]', 'tiers[1].servers', 'name')
    """
    if isinstance(field, int):
        return f"{prefix}[{field}]"
    return f"{prefix}.{field}" if prefix else field


def fail(path: str, message: str) -> ModelError:
    """The error to raise for the field at ``path``."""
    return ModelError(message, path=path)


def prefixed(error: ModelError, prefix: str) -> ModelError:
    """``error`` with ``prefix`` put in front of its path."""
    if not prefix:
        return error
    path = f"{prefix}.{error.path}" if error.path and not error.path.startswith("[") else prefix + error.path
    return ModelError(error.message, path=path)


def number(value: Any, path: str, *, low: float | None = 0.0, low_open: bool = False,
           high: float | None = None, high_open: bool = False) -> float:
    """A finite number within the bounds (``low`` inclusive unless ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(path, f"expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise fail(path, f"{value!r} is not a finite number")
    if low is not None and (v <= low if low_open else v < low):
        raise fail(path, f"{value:g} is out of range; expected a number {'>' if low_open else '>='} {low:g}")
    if high is not None and (v >= high if high_open else v > high):
        raise fail(path, f"{value:g} is out of range; expected a number {'<' if high_open else '<='} {high:g}")
    return v


def integer(value: Any, path: str, *, low: int = 1, high: int = 100_000_000) -> int:
    """An integer in ``[low, high]`` (a float with an integral value is accepted)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(path, f"expected an integer, got {value!r}")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise fail(path, f"{value!r} is not an integer")
    v = int(value)
    if v < low or v > high:
        raise fail(path, f"{v} is out of range; expected an integer {low}..{high}")
    return v


def name(value: Any, path: str) -> str:
    """A component name: a letter, then letters, digits, ``_`` or ``-``."""
    if not isinstance(value, str) or not value:
        raise fail(path, f"expected a non-empty name, got {value!r}")
    if not _NAME.match(value):
        raise fail(path, f"{value!r} is not a valid name; use a letter followed by letters, digits, '_' or '-'")
    return value


def suggest(value: str, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when a close option exists, else ``""``."""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def choice(value: Any, path: str, options: Iterable[str]) -> str:
    """One of ``options``, with a suggestion when it is not."""
    opts = list(options)
    if value not in opts:
        shown = value if isinstance(value, str) else repr(value)
        raise fail(path, f"unknown value {shown!r}{suggest(str(value), opts)} (expected {', '.join(opts)})")
    return str(value)


def plain_fields(obj: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The dataclass fields of ``obj`` as plain data: required ones always, others when not at their default."""
    out: dict[str, Any] = {}
    skipped = set(skip)
    for f in fields(obj):
        if f.name in skipped:
            continue
        value = getattr(obj, f.name)
        if f.default is not MISSING:
            if value == f.default:
                continue
        elif f.default_factory is not MISSING:
            if value == f.default_factory():
                continue
        out[f.name] = to_plain(value)
    return out


def to_plain(value: Any) -> Any:
    """Nested components, lists and tuples as dicts and lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


class Component:
    """Base of the vocabulary's value types: checks its fields when made, gives its plain data.

    Subclasses (dataclasses) implement ``_check(path)`` and may override ``_plain()``.
    """

    def __post_init__(self) -> None:
        self._check("")

    def _check(self, path: str) -> None:  # pragma: no cover - every component overrides it
        raise NotImplementedError

    def check(self, path: str = "") -> None:
        """Checks every field; raises ``ModelError`` whose path is ``path`` + the field's name."""
        self._check(path)

    def _plain(self) -> dict[str, Any]:
        return plain_fields(self)

    def to_dict(self) -> dict[str, Any]:
        """The component as plain data, as in an infrastructure file (defaults left out)."""
        return self._plain()
