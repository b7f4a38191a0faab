"""LQN (layered queueing network) models in tiersim: import ``.lqnx``, export ``.lqxo``.

- :func:`load_lqnx` reads an LQN XML model file into a :class:`~tiersim.model.Model`
  (``tiersim.load`` and the command line call it for ``.lqnx`` and ``.xml`` files);
- :func:`model_dict` gives the tiersim model dict and the :class:`Mapping` of names;
- :func:`write_lqxo` writes a run's results as LQN result XML (``tiersim run --lqxo``);
- :func:`read_lqxo` reads an LQN result file (lqsim's or ours) into plain dicts.

See docs/guides/coming-from-lqn.md for how each LQN concept maps to tiersim's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .parse import parse, parse_file
from .translate import Mapping, translate

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["Mapping", "load_lqnx", "loads_lqnx", "model_dict", "parse", "read_lqxo", "write_lqxo"]


def model_dict(path_or_text: str | Path, source: str | None = None) -> tuple[dict[str, Any], Mapping]:
    """The tiersim model dict of an LQN model (a file path, or XML text) and its name mapping."""
    text = str(path_or_text)
    if isinstance(path_or_text, Path) or not text.lstrip().startswith("<"):
        p = Path(path_or_text)
        return translate(parse_file(p), source or str(p))
    return translate(parse(text, source or "<string>"), source or "<string>")


def loads_lqnx(text: str, source: str = "<string>") -> Model:
    from ..model import Model

    data, _ = translate(parse(text, source), source)
    return Model.from_dict(data)


def load_lqnx(path: str | Path) -> Model:
    from ..model import Model

    data, _ = model_dict(Path(path))
    return Model.from_dict(data)


def write_lqxo(results: Any, model: str | Path, out: str | Path | None = None) -> str:
    from .lqxo import write

    return write(results, model, out)


def read_lqxo(path: str | Path) -> dict[str, Any]:
    from .lqxo import read

    return read(path)
