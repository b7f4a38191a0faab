"""tiersim: a discrete-event queueing simulator for multi-tier systems.

Describe stations, pools and request classes (in Python or in a YAML / JSON
model file), simulate, and see where throughput saturates and why.

>>> import tiersim
>>> m = tiersim.Model("mm1").station("cpu")
>>> _ = m.open_class("jobs", tiersim.Exponential(rate=0.5)).visit("cpu", tiersim.Exponential(mean=1.0))
>>> r = m.run(until=2000, replications=2, seed=1, progress=False)
>>> r.bottleneck["station"]
'cpu'
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if sys.argv[:1] == ["-m"] or sys.argv[0].endswith(("/tiersim", "\\tiersim", "tiersim.exe")):
    # The `tiersim` command (or `python -m tiersim`): Ctrl-C while the package
    # loads exits 130 with one line, not a traceback; cli.main() takes over.
    from .errors import _exit_130_on_ctrl_c

    _exit_130_on_ctrl_c()

from . import _core
from .distributions import (
    Deterministic,
    Distribution,
    DistributionLike,
    Empirical,
    Erlang,
    Exponential,
    Hyperexponential,
    Lognormal,
    Pareto,
    Uniform,
    distribution_from_dict,
)
from .errors import ModelError
from .io import load, loads
from .model import ClassBuilder, Model

if TYPE_CHECKING:  # loaded on first use (below), so `import tiersim` stays fast
    from . import analysis, analytic, diagram, html_report, infra, plots, variants
    from .results import Results
    from .sweep import SweepResults, load_sweep, sweep

__version__: str = _core.__version__

# Names whose modules pull in pandas, matplotlib or the analysis: imported on
# first use, so `import tiersim` (and so `tiersim --help`) does not pay for them.
# bench/import_time.py measures what is left.
_LAZY_ATTRIBUTES = {
    "Results": ("results", "Results"),
    "SweepResults": ("sweep", "SweepResults"),
    "load_sweep": ("sweep", "load_sweep"),
    "sweep": ("sweep", "sweep"),
}
_LAZY_MODULES = {"infra", "plots", "variants", "analytic", "analysis", "diagram", "html_report"}

__all__ = [
    "__version__",
    "Model",
    "ClassBuilder",
    "load",
    "loads",
    "Results",
    "ModelError",
    "infra",
    "Distribution",
    "DistributionLike",
    "Deterministic",
    "Exponential",
    "Uniform",
    "Erlang",
    "Hyperexponential",
    "Lognormal",
    "Pareto",
    "Empirical",
    "distribution_from_dict",
    "sweep",
    "load_sweep",
    "SweepResults",
    "variants",
    "plots",
    "analytic",
]


class _Package(type(_core)):  # type: ignore[misc]
    """The ``tiersim`` module object: ``tiersim.sweep`` stays the function :func:`tiersim.sweep.sweep`.

    Python binds a submodule to its package's attribute when it first loads it; since the
    sweep module loads on first use, from wherever, that would replace the function
    ``tiersim.sweep`` by the module ``tiersim.sweep`` depending on import order.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "sweep" and isinstance(value, type(_core)):
            value = value.sweep
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _LAZY_ATTRIBUTES:
        module, attr = _LAZY_ATTRIBUTES[name]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
