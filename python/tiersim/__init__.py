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

from importlib.util import find_spec
from typing import Any

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
from .results import Results
from . import infra
from . import plots, variants
from .sweep import SweepResults, load_sweep, sweep

__version__: str = _core.__version__

# tiersim.analytic is its own module (written separately); it is imported on
# first use so `import tiersim` stays cheap and works without it.
_HAS_ANALYTIC = find_spec(f"{__name__}.analytic") is not None

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
] + (["analytic"] if _HAS_ANALYTIC else [])


def __getattr__(name: str) -> Any:
    if name == "analytic" and _HAS_ANALYTIC:
        import importlib

        return importlib.import_module(f"{__name__}.analytic")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
