# Hand-kept stub of the compiled module tiersim._core (python/src/module.cpp,
# bind_run.cpp, bind_analytic.cpp). Private: use the typed wrappers in tiersim
# (Model, load, Results, tiersim.analytic) instead.
from collections.abc import Callable, Sequence
from typing import ClassVar, final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__version__: str
"""The package version the module was built as (``TIERSIM_VERSION``)."""

class ModelError(ValueError):
    """An invalid model; ``str(e)`` is the message, prefixed by ``path`` when there is one."""

    path: str
    """The offending field, e.g. ``"classes[0].steps[1].service.mean"``; ``""`` for the document as a whole."""

def run_json(
    model_json: str,
    overrides_json: str = "{}",
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Runs a model (model-file JSON) and returns the results document as JSON.

    ``overrides_json`` is an object of ``run`` keys (until, warmup,
    replications, seed, threads, max_completions, max_in_system, batches,
    window, samples) that replace the model's own for this run.
    ``progress(done, total)`` is called on the calling thread, with the GIL,
    as replications finish; an exception it raises stops the run and is
    re-raised. Ctrl-C stops the run and returns what was measured, with
    ``run.interrupted`` set. Raises ModelError for an invalid model.
    """

def check_json(model_json: str, overrides_json: str = "{}") -> None:
    """Checks a model (model-file JSON, with the given run overrides) without running it; raises ModelError."""

def analyze_json(model_json: str, overrides_json: str = "{}") -> str:
    """Operational analysis of a model as JSON text: demands, bounds, MVA and caveats; no simulation.

    Raises ModelError naming the field for an invalid model.
    """

# -- tiersim._core.analytic -------------------------------------------------
# The submodule is declared as an instance of a namespace class so this stub
# stays one file; at run time it is a real module (pybind11 def_submodule).

@final
class _Analytic:
    """Queueing theory: closed-form stations, open networks, MVA, bounds (``tiersim._core.analytic``)."""

    MAX_MVA_LATTICE_POINTS: ClassVar[float]
    """Largest population lattice ``prod(N_c + 1)`` exact multi-class MVA accepts."""

    # -- result types (read-only attributes) --

    class QueueMetrics:
        """Steady-state metrics of one station (times in s, rates in 1/s)."""

        @property
        def utilization(self) -> float: ...
        @property
        def throughput(self) -> float: ...
        @property
        def mean_wait(self) -> float: ...
        @property
        def mean_response(self) -> float: ...
        @property
        def mean_queue_length(self) -> float: ...
        @property
        def mean_in_system(self) -> float: ...
        @property
        def prob_wait(self) -> float: ...
        @property
        def loss_probability(self) -> float: ...
        @property
        def stable(self) -> bool: ...

    class PriorityClass:
        """One class of a priority queue: rate (1/s), E[S] (s), E[S^2] (s^2)."""

        def __init__(self, lam: float, mean: float, second_moment: float) -> None: ...
        @property
        def lam(self) -> float: ...
        @property
        def mean(self) -> float: ...
        @property
        def second_moment(self) -> float: ...

    class PriorityResult:
        """Per-class results of non-preemptive priority M/G/1 (index 0 = highest priority)."""

        @property
        def mean_wait(self) -> list[float]: ...
        @property
        def mean_response(self) -> list[float]: ...
        @property
        def utilization(self) -> list[float]: ...
        @property
        def total_utilization(self) -> float: ...
        @property
        def stable(self) -> bool: ...

    class JacksonResult:
        """Results of an open Jackson network; arrays have one entry per station."""

        @property
        def arrival_rate(self) -> NDArray[np.float64]: ...
        @property
        def visit_ratio(self) -> NDArray[np.float64]: ...
        @property
        def utilization(self) -> NDArray[np.float64]: ...
        @property
        def mean_wait(self) -> NDArray[np.float64]: ...
        @property
        def mean_response(self) -> NDArray[np.float64]: ...
        @property
        def mean_in_system(self) -> NDArray[np.float64]: ...
        @property
        def total_arrival_rate(self) -> float: ...
        @property
        def end_to_end_response(self) -> float: ...
        @property
        def mean_in_network(self) -> float: ...
        @property
        def stable(self) -> bool: ...

    class MvaResult:
        """Exact single-class MVA: curves over n = 0..N, stations at N."""

        @property
        def throughput(self) -> list[float]: ...
        @property
        def response(self) -> list[float]: ...
        @property
        def queue_length(self) -> list[float]: ...
        @property
        def residence_time(self) -> list[float]: ...
        @property
        def utilization(self) -> list[float]: ...
        @property
        def marginal_probability(self) -> list[list[float]]: ...

    class ApproxMvaResult:
        """Single-class Schweitzer MVA at N."""

        @property
        def throughput(self) -> float: ...
        @property
        def response(self) -> float: ...
        @property
        def queue_length(self) -> list[float]: ...
        @property
        def residence_time(self) -> list[float]: ...
        @property
        def utilization(self) -> list[float]: ...
        @property
        def iterations(self) -> int: ...
        @property
        def converged(self) -> bool: ...

    class MultiClassMvaResult:
        """Multi-class MVA at N; matrices are classes x stations."""

        @property
        def throughput(self) -> NDArray[np.float64]: ...
        @property
        def response(self) -> NDArray[np.float64]: ...
        @property
        def queue_length(self) -> NDArray[np.float64]: ...
        @property
        def residence_time(self) -> NDArray[np.float64]: ...
        @property
        def utilization(self) -> NDArray[np.float64]: ...
        @property
        def iterations(self) -> int: ...
        @property
        def converged(self) -> bool: ...

    class Bounds:
        """Asymptotic bounds of a closed network at population N."""

        @property
        def throughput_upper(self) -> float: ...
        @property
        def throughput_lower(self) -> float: ...
        @property
        def response_lower(self) -> float: ...
        @property
        def response_upper(self) -> float: ...
        @property
        def n_star(self) -> float: ...
        @property
        def total_demand(self) -> float: ...
        @property
        def max_demand(self) -> float: ...
        @property
        def saturation_throughput(self) -> float: ...
        @property
        def bottleneck(self) -> int: ...

    # -- single stations --

    @staticmethod
    def erlang_b(c: int, a: float) -> float: ...
    @staticmethod
    def erlang_c(c: int, a: float) -> float: ...
    @staticmethod
    def mm1(lam: float, mu: float) -> _Analytic.QueueMetrics: ...
    @staticmethod
    def mmc(lam: float, mu: float, c: int) -> _Analytic.QueueMetrics: ...
    @staticmethod
    def mm1k(lam: float, mu: float, K: int) -> _Analytic.QueueMetrics: ...  # noqa: N803
    @staticmethod
    def mmck_loss(lam: float, mu: float, c: int) -> _Analytic.QueueMetrics: ...
    @staticmethod
    def mmck(lam: float, mu: float, c: int, K: int) -> _Analytic.QueueMetrics: ...  # noqa: N803
    @staticmethod
    def mg1(lam: float, mean_s: float, scv_s: float) -> _Analytic.QueueMetrics: ...
    @staticmethod
    def mg1_ps(lam: float, mean_s: float) -> _Analytic.QueueMetrics: ...
    @staticmethod
    def priority_mg1(classes: Sequence[_Analytic.PriorityClass]) -> _Analytic.PriorityResult: ...
    @staticmethod
    def kingman(rho: float, ca2: float, cs2: float, mean_s: float) -> float: ...
    @staticmethod
    def mm1_response_quantile(lam: float, mu: float, p: float) -> float: ...

    # -- open networks --

    @staticmethod
    def solve_traffic(P: ArrayLike, gamma: ArrayLike) -> NDArray[np.float64]: ...  # noqa: N803
    @staticmethod
    def open_jackson(
        P: ArrayLike,  # noqa: N803
        gamma: ArrayLike,
        mu: ArrayLike,
        servers: Sequence[int],
    ) -> _Analytic.JacksonResult: ...

    # -- closed networks (these release the GIL while they work) --

    @staticmethod
    def exact_mva(
        demands: Sequence[float], is_delay: Sequence[bool], think: float, population: int
    ) -> _Analytic.MvaResult: ...
    @staticmethod
    def exact_mva_ld(
        demands: Sequence[float],
        servers: Sequence[int],
        is_delay: Sequence[bool],
        think: float,
        population: int,
    ) -> _Analytic.MvaResult: ...
    @staticmethod
    def exact_mva_multiclass(
        demands: ArrayLike,
        is_delay: Sequence[bool],
        think: Sequence[float],
        population: Sequence[int],
    ) -> _Analytic.MultiClassMvaResult: ...
    @staticmethod
    def schweitzer_mva(
        demands: Sequence[float],
        is_delay: Sequence[bool],
        think: float,
        population: int,
        tolerance: float = 1e-10,
        max_iterations: int = 100000,
    ) -> _Analytic.ApproxMvaResult: ...
    @staticmethod
    def schweitzer_mva_multiclass(
        demands: ArrayLike,
        is_delay: Sequence[bool],
        think: Sequence[float],
        population: Sequence[int],
        tolerance: float = 1e-10,
        max_iterations: int = 100000,
    ) -> _Analytic.MultiClassMvaResult: ...

    # -- bounds --

    @staticmethod
    def asymptotic_bounds(
        demands: Sequence[float], servers: Sequence[int], think: float, population: int
    ) -> _Analytic.Bounds: ...
    @staticmethod
    def open_saturation_rate(demands: Sequence[float], servers: Sequence[int]) -> float: ...

analytic: _Analytic
"""The submodule ``tiersim._core.analytic``; the typed public layer is :mod:`tiersim.analytic`."""
