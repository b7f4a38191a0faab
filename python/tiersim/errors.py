"""The one exception tiersim raises for a model that cannot run.

The compiled core raises its own ``_core.ModelError``; every public wrapper
translates it into :class:`ModelError` with :func:`translate_core_errors`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ModelError", "translate_core_errors"]


class ModelError(ValueError):
    """A model (or model file) that cannot run.

    ``path`` names the offending field in the model's plain-data form, e.g.
    ``"classes[0].steps[1].service.mean"``; it is ``""`` when the problem is
    the document as a whole (a syntax error, a top level that is not a
    mapping). ``message`` is the explanation alone and ``str(error)`` reads
    ``"path: message"``.

    >>> e = ModelError("expected a number > 0", path="stations[0].speed")
    >>> str(e)
    'stations[0].speed: expected a number > 0'
    >>> e.path, isinstance(e, ValueError)
    ('stations[0].speed', True)
    >>> str(ModelError("the document is empty"))
    'the document is empty'
    """

    path: str
    message: str

    def __init__(self, message: str, path: str = "") -> None:
        # Messages quote names and keys from the model: their control
        # characters (a newline forging a second line, an ANSI escape clearing
        # the terminal) are shown escaped, never acted upon.
        self.path = escape_controls(path)
        self.message = escape_controls(message)
        super().__init__(f"{self.path}: {self.message}" if self.path else self.message)

    def __reduce__(self) -> tuple[type[ModelError], tuple[str, str]]:
        # Keeps ``path`` when the error crosses a process boundary (pickling).
        return (type(self), (self.message, self.path))


def escape_controls(text: str) -> str:
    r"""``text`` with control characters (C0, DEL, C1, and other non-printable
    ones such as bidi overrides) written as Python escapes; printable text,
    accents and all, is unchanged.

    >>> escape_controls("cpu\n\x1b[2Jé")
    'cpu\\n\\x1b[2Jé'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _exit_130_on_ctrl_c() -> None:
    """Until ``cli.main()`` installs its own handler: Ctrl-C prints one line and exits 130."""
    import os
    import signal

    def handler(signum: int, frame: object) -> None:
        os.write(2, b"tiersim: error: interrupted\n")
        os._exit(130)

    signal.signal(signal.SIGINT, handler)


def _from_core(error: BaseException) -> ModelError:
    path = str(getattr(error, "path", "") or "")
    text = str(error)
    prefix = f"{path}: "
    message = text[len(prefix):] if path and text.startswith(prefix) else text
    return ModelError(message, path=path)


@contextmanager
def translate_core_errors() -> Iterator[None]:
    """Re-raise ``_core.ModelError`` raised inside the block as :class:`ModelError`.

    >>> with translate_core_errors():
    ...     pass
    """
    from . import _core

    try:
        yield
    except _core.ModelError as error:
        raise _from_core(error) from None
