"""``python -m tiersim``: the same as the ``tiersim`` command."""

from .cli import entry

entry()
