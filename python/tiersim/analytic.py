"""Queueing theory to check simulations against: closed-form stations, open networks, MVA, bounds.

Thin typed wrappers over the compiled ``tiersim._core.analytic``; every function
has the same name and argument order as its C++ counterpart in
``tiersim::analytic`` (``lam`` stands for the C++ ``lambda``, a Python keyword).
Results come back as frozen dataclasses. Times are in seconds and rates in jobs
per second. Invalid inputs (negative rates, ``c < 1``, NaN, shapes that do not
match) raise :class:`ValueError` naming the parameter and its value; an
overloaded infinite-buffer queue is not an error: it reports ``stable=False``
and infinite times.

>>> from tiersim import analytic
>>> m = analytic.mm1(0.8, 1.0)
>>> round(m.mean_response, 9), m.stable
(5.0, True)
>>> analytic.mm1(1.2, 1.0).mean_response
inf
>>> analytic.mmc(1.0, 2.0, 0)
Traceback (most recent call last):
...
ValueError: mmc: c = 0 is invalid; expected an integer >= 1
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._core import analytic as _a

__all__ = [
    "QueueMetrics",
    "PriorityClass",
    "PriorityResult",
    "JacksonResult",
    "MvaResult",
    "ApproxMvaResult",
    "MultiClassMvaResult",
    "Bounds",
    "MAX_MVA_LATTICE_POINTS",
    "erlang_b",
    "erlang_c",
    "mm1",
    "mmc",
    "mm1k",
    "mmck_loss",
    "mmck",
    "mg1",
    "mg1_ps",
    "priority_mg1",
    "kingman",
    "mm1_response_quantile",
    "solve_traffic",
    "open_jackson",
    "exact_mva",
    "exact_mva_ld",
    "exact_mva_multiclass",
    "schweitzer_mva",
    "schweitzer_mva_multiclass",
    "asymptotic_bounds",
    "open_saturation_rate",
]

MAX_MVA_LATTICE_POINTS: float = _a.MAX_MVA_LATTICE_POINTS
"""Largest population lattice ``prod(N_c + 1)`` :func:`exact_mva_multiclass` accepts."""

_R = TypeVar("_R")


def _from_core(cls: type[_R], obj: Any) -> _R:
    """Copies the same-named attributes of a core result into dataclass ``cls``."""
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        v = getattr(obj, f.name)
        if isinstance(v, np.ndarray):
            v = np.array(v)  # own the data rather than view the core object
        values[f.name] = v
    return cls(**values)


def _floats(values: Iterable[Any]) -> list[float]:
    return [float(v) for v in values]


def _bools(values: Iterable[Any]) -> list[bool]:
    return [bool(v) for v in values]


# --- result types --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state metrics of one station.

    An infinite-buffer queue with load >= 1 has ``stable=False``, utilization 1,
    throughput at its saturation rate and infinite times and lengths.
    """

    utilization: float
    """Busy fraction of each server, in [0, 1]."""
    throughput: float
    """Accepted jobs per second (arrivals minus losses)."""
    mean_wait: float
    """Mean time in queue before service, s."""
    mean_response: float
    """Mean time in the station (wait + service), s."""
    mean_queue_length: float
    """Mean number waiting, excluding those in service."""
    mean_in_system: float
    """Mean number present."""
    prob_wait: float
    """Probability an accepted arrival has to wait."""
    loss_probability: float
    """Probability an arrival is turned away (finite buffers; 0 otherwise)."""
    stable: bool
    """False when the queue grows without bound."""


class PriorityClass(NamedTuple):
    """One class of :func:`priority_mg1`: arrival rate (1/s), E[S] (s) and E[S²] (s²)."""

    lam: float
    mean: float
    second_moment: float


@dataclass(frozen=True)
class PriorityResult:
    """Per-class results of the non-preemptive priority M/G/1 queue (index 0 = highest)."""

    mean_wait: list[float]
    """Mean wait in queue per class, s; infinite for classes that are never served."""
    mean_response: list[float]
    """Mean wait plus mean service per class, s."""
    utilization: list[float]
    """Offered load ``lam * mean`` per class."""
    total_utilization: float
    """Sum of the per-class loads (may exceed 1)."""
    stable: bool
    """False when the total load is >= 1."""


@dataclass(frozen=True, eq=False)
class JacksonResult:
    """Per-station and end-to-end results of an open Jackson network."""

    arrival_rate: NDArray[np.float64]
    """Arrival rate at each station, 1/s."""
    visit_ratio: NDArray[np.float64]
    """Visits per external arrival, ``arrival_rate / total_arrival_rate``."""
    utilization: NDArray[np.float64]
    """Per-server utilization (1 for saturated stations)."""
    mean_wait: NDArray[np.float64]
    """Mean wait in queue per visit, s."""
    mean_response: NDArray[np.float64]
    """Mean response time per visit, s (M/M/c at each station)."""
    mean_in_system: NDArray[np.float64]
    """Mean number at each station."""
    total_arrival_rate: float
    """Sum of the external arrival rates, 1/s."""
    end_to_end_response: float
    """Mean time in the network, ``sum(visit_ratio * mean_response)``, s."""
    mean_in_network: float
    """Mean number in the network (Little: ``total_arrival_rate * end_to_end_response``)."""
    stable: bool
    """False when any station is saturated."""


@dataclass(frozen=True)
class MvaResult:
    """Exact single-class MVA: curves over the population n = 0..N and stations at N."""

    throughput: list[float]
    """X(n) for n = 0..N, jobs/s (X(0) = 0)."""
    response: list[float]
    """R(n) = n/X(n) - Z for n = 0..N, s, excluding think time (R(0) = 0)."""
    queue_length: list[float]
    """Mean jobs at each station at N."""
    residence_time: list[float]
    """Time per job at each station over all its visits at N, s."""
    utilization: list[float]
    """Per-server utilization at N (``X D_k / c_k``; ``X D_k`` at delay stations)."""
    marginal_probability: list[list[float]]
    """``[k][j]`` = P(j jobs at station k) at N (:func:`exact_mva_ld` only, else empty)."""


@dataclass(frozen=True)
class ApproxMvaResult:
    """Single-class Schweitzer MVA at population N."""

    throughput: float
    """X(N), jobs/s."""
    response: float
    """R(N), s, excluding think time."""
    queue_length: list[float]
    """Mean jobs at each station."""
    residence_time: list[float]
    """Time per job at each station, s."""
    utilization: list[float]
    """``X D_k`` per station."""
    iterations: int
    """Fixed-point iterations used."""
    converged: bool
    """False if ``max_iterations`` ran out before the tolerance was met."""


@dataclass(frozen=True, eq=False)
class MultiClassMvaResult:
    """Multi-class MVA at the full population; matrices are classes x stations."""

    throughput: NDArray[np.float64]
    """X_c per class, jobs/s."""
    response: NDArray[np.float64]
    """R_c per class, s, excluding think time."""
    queue_length: NDArray[np.float64]
    """Mean class-c jobs at station k."""
    residence_time: NDArray[np.float64]
    """Class-c time at station k, s; for a class with no jobs, what one would see."""
    utilization: NDArray[np.float64]
    """``X_c D_ck``."""
    iterations: int
    """Fixed-point iterations (0 for exact MVA)."""
    converged: bool
    """False if ``max_iterations`` ran out (always True for exact MVA)."""


@dataclass(frozen=True)
class Bounds:
    """Asymptotic bounds of a closed single-class network at population N."""

    throughput_upper: float
    """``min(N/(D+Z), 1/D_max)``, jobs/s."""
    throughput_lower: float
    """``N/(N D + Z)``, jobs/s."""
    response_lower: float
    """``max(D, N D_max - Z)``, s."""
    response_upper: float
    """``N D``, s."""
    n_star: float
    """``(D+Z)/D_max``: the population where the two throughput bounds meet."""
    total_demand: float
    """D, the sum of the demands, s."""
    max_demand: float
    """D_max, the largest demand per server, s."""
    saturation_throughput: float
    """``1/D_max``, jobs/s."""
    bottleneck: int
    """Index of the station with D_max (the first on ties)."""


# --- single stations -----------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Erlang B: probability that c servers offered ``a = lam/mu`` erlangs are all busy.

    >>> from tiersim import analytic
    >>> round(analytic.erlang_b(5, 3.0), 4)
    0.1101
    """
    return float(_a.erlang_b(c, a))


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability of waiting in M/M/c with ``a = lam/mu`` erlangs (1 if a >= c).

    >>> from tiersim import analytic
    >>> round(analytic.erlang_c(3, 2.0), 6)
    0.444444
    """
    return float(_a.erlang_c(c, a))


def mm1(lam: float, mu: float) -> QueueMetrics:
    """M/M/1 with arrival rate ``lam`` and service rate ``mu`` (1/s).

    >>> from tiersim import analytic
    >>> m = analytic.mm1(0.8, 1.0)
    >>> round(m.mean_response, 9), round(m.mean_queue_length, 9)
    (5.0, 3.2)
    """
    return _from_core(QueueMetrics, _a.mm1(lam, mu))


def mmc(lam: float, mu: float, c: int) -> QueueMetrics:
    """M/M/c: ``c`` servers of rate ``mu`` each (Erlang C).

    >>> from tiersim import analytic
    >>> m = analytic.mmc(2.0, 1.0, 3)
    >>> round(m.prob_wait, 6), round(m.mean_response, 6)
    (0.444444, 1.444444)
    """
    return _from_core(QueueMetrics, _a.mmc(lam, mu, c))


def mm1k(lam: float, mu: float, K: int) -> QueueMetrics:  # noqa: N803 (K as in M/M/1/K)
    """M/M/1/K: at most ``K`` jobs in the system; arrivals finding it full are lost.

    >>> from tiersim import analytic
    >>> m = analytic.mm1k(1.0, 2.0, 2)
    >>> round(m.loss_probability * 7, 9), round(m.mean_response, 6)
    (1.0, 0.666667)
    """
    return _from_core(QueueMetrics, _a.mm1k(lam, mu, K))


def mmck_loss(lam: float, mu: float, c: int) -> QueueMetrics:
    """M/M/c/c Erlang loss system: no waiting room; loss probability is Erlang B.

    >>> from tiersim import analytic
    >>> round(analytic.mmck_loss(3.0, 1.0, 5).loss_probability, 6)
    0.110054
    """
    return _from_core(QueueMetrics, _a.mmck_loss(lam, mu, c))


def mmck(lam: float, mu: float, c: int, K: int) -> QueueMetrics:  # noqa: N803
    """M/M/c/K: ``c`` servers and at most ``K >= c`` jobs in the system.

    >>> from tiersim import analytic
    >>> m = analytic.mmck(2.0, 1.0, 3, 6)
    >>> round(m.loss_probability, 6), round(m.mean_response, 6)
    (0.04812, 1.208531)
    """
    return _from_core(QueueMetrics, _a.mmck(lam, mu, c, K))


def mg1(lam: float, mean_s: float, scv_s: float) -> QueueMetrics:
    """M/G/1 FCFS (Pollaczek-Khinchine); ``scv_s`` = Var[S]/E[S]² (0 for M/D/1).

    >>> from tiersim import analytic
    >>> round(analytic.mg1(0.8, 1.0, 0.0).mean_wait, 9)  # M/D/1
    2.0
    """
    return _from_core(QueueMetrics, _a.mg1(lam, mean_s, scv_s))


def mg1_ps(lam: float, mean_s: float) -> QueueMetrics:
    """M/G/1 processor sharing: ``R = E[S]/(1 - rho)`` whatever the service distribution.

    ``mean_wait`` is the slowdown ``R - E[S]``.

    >>> from tiersim import analytic
    >>> analytic.mg1_ps(0.5, 1.0).mean_response
    2.0
    """
    return _from_core(QueueMetrics, _a.mg1_ps(lam, mean_s))


def priority_mg1(
    classes: Sequence[PriorityClass | tuple[float, float, float]],
) -> PriorityResult:
    """Non-preemptive priority M/G/1 (Cobham); ``classes[0]`` has the highest priority.

    Each class is ``(lam, mean, second_moment)``; exponential service has
    ``second_moment = 2 * mean**2``. Under overload, classes above the saturated
    one keep their (exact) finite waits.

    >>> from tiersim import analytic
    >>> r = analytic.priority_mg1([(0.3, 1.0, 2.0), (0.3, 1.0, 2.0)])
    >>> [round(w, 6) for w in r.mean_wait]
    [0.857143, 2.142857]
    """
    core = [_a.PriorityClass(*(float(v) for v in PriorityClass(*k))) for k in classes]
    return _from_core(PriorityResult, _a.priority_mg1(core))


def kingman(rho: float, ca2: float, cs2: float, mean_s: float) -> float:
    """Kingman's G/G/1 approximate mean wait in queue, s (infinite when rho >= 1).

    >>> from tiersim import analytic
    >>> round(analytic.kingman(0.8, 1.0, 1.0, 1.0), 9)  # exact for M/M/1
    4.0
    """
    return float(_a.kingman(rho, ca2, cs2, mean_s))


def mm1_response_quantile(lam: float, mu: float, p: float) -> float:
    """p-quantile of the M/M/1 FCFS response time, ``-ln(1-p)/(mu-lam)`` s, for 0 <= p < 1.

    >>> from tiersim import analytic
    >>> round(analytic.mm1_response_quantile(0.8, 1.0, 0.99), 3)
    23.026
    """
    return float(_a.mm1_response_quantile(lam, mu, p))


# --- open networks -------------------------------------------------------------------------


def solve_traffic(P: ArrayLike, gamma: ArrayLike) -> NDArray[np.float64]:  # noqa: N803
    """Arrival rate at each station from ``lambda = gamma + P.T @ lambda``.

    ``P[i][j]`` is the probability a job leaving station i goes to j (rows sum
    to at most 1; the rest leaves); ``gamma`` holds the external arrival rates.
    Raises ValueError if some station can never reach an exit.

    >>> from tiersim import analytic
    >>> analytic.solve_traffic([[0.0, 1.0], [0.5, 0.0]], [1.0, 0.0]).round(9).tolist()
    [2.0, 2.0]
    """
    return np.array(
        _a.solve_traffic(np.asarray(P, dtype=float), np.asarray(gamma, dtype=float))
    )


def open_jackson(
    P: ArrayLike,  # noqa: N803
    gamma: ArrayLike,
    mu: ArrayLike,
    servers: Sequence[int],
) -> JacksonResult:
    """Open Jackson network: station i is M/M/c with rate ``mu[i]`` per server, ``servers[i]``.

    >>> from tiersim import analytic
    >>> r = analytic.open_jackson([[0, 1], [0, 0]], [1.0, 0.0], [2.0, 3.0], [1, 1])
    >>> round(r.end_to_end_response, 9), r.stable
    (1.5, True)
    """
    core = _a.open_jackson(
        np.asarray(P, dtype=float),
        np.asarray(gamma, dtype=float),
        np.asarray(mu, dtype=float),
        list(servers),
    )
    return _from_core(JacksonResult, core)


# --- closed networks -----------------------------------------------------------------------


def exact_mva(
    demands: Sequence[float], is_delay: Sequence[bool], think: float, population: int
) -> MvaResult:
    """Exact single-class MVA with single-server (or delay) stations.

    ``demands[k]`` is the total service demand per job at station k (visits x
    service time, s); ``is_delay[k]`` marks infinite-server stations; ``think``
    is the think time Z (s).

    >>> from tiersim import analytic
    >>> r = analytic.exact_mva([1.0, 0.5], [False, False], 0.0, 3)
    >>> [round(x, 4) for x in r.throughput]
    [0.0, 0.6667, 0.8571, 0.9333]
    """
    return _from_core(
        MvaResult, _a.exact_mva(_floats(demands), _bools(is_delay), think, population)
    )


def exact_mva_ld(
    demands: Sequence[float],
    servers: Sequence[int],
    is_delay: Sequence[bool],
    think: float,
    population: int,
) -> MvaResult:
    """Exact MVA for stations with ``servers[k]`` identical servers each.

    Also returns the marginal queue-length distribution of every station at N.
    Numerically stable for any population and server count.

    >>> from tiersim import analytic
    >>> r = analytic.exact_mva_ld([2.0], [4], [False], 0.0, 6)  # X(n) = min(n, 4)/2
    >>> [round(x, 9) for x in r.throughput]
    [0.0, 0.5, 1.0, 1.5, 2.0, 2.0, 2.0]
    """
    core = _a.exact_mva_ld(_floats(demands), list(servers), _bools(is_delay), think, population)
    return _from_core(MvaResult, core)


def exact_mva_multiclass(
    demands: ArrayLike,
    is_delay: Sequence[bool],
    think: Sequence[float],
    population: Sequence[int],
) -> MultiClassMvaResult:
    """Exact multi-class MVA; ``demands`` is classes x stations, think and population per class.

    Raises ValueError when ``prod(N_c + 1)`` exceeds :data:`MAX_MVA_LATTICE_POINTS`.

    >>> from tiersim import analytic
    >>> r = analytic.exact_mva_multiclass([[0.3, 0.2], [0.3, 0.2]], [False, False],
    ...                                   [1.0, 1.0], [2, 3])
    >>> round(float(r.throughput.sum()), 6)  # same as one class of 5 jobs
    2.528011
    """
    core = _a.exact_mva_multiclass(
        np.asarray(demands, dtype=float), _bools(is_delay), _floats(think), list(population)
    )
    return _from_core(MultiClassMvaResult, core)


def schweitzer_mva(
    demands: Sequence[float],
    is_delay: Sequence[bool],
    think: float,
    population: int,
    tolerance: float = 1e-10,
    max_iterations: int = 100000,
) -> ApproxMvaResult:
    """Schweitzer's approximate MVA, single class (fast for any population).

    Iterates until no queue length moves by more than ``tolerance * population``.
    Typically a few percent from exact in throughput; response time errs most
    (up to about 10%) near the knee of the throughput curve.

    >>> from tiersim import analytic
    >>> r = analytic.schweitzer_mva([0.05, 0.04, 0.025], [False] * 3, 1.0, 20)
    >>> r.converged, round(r.throughput, 2)
    (True, 15.22)
    """
    core = _a.schweitzer_mva(
        _floats(demands), _bools(is_delay), think, population, tolerance, max_iterations
    )
    return _from_core(ApproxMvaResult, core)


def schweitzer_mva_multiclass(
    demands: ArrayLike,
    is_delay: Sequence[bool],
    think: Sequence[float],
    population: Sequence[int],
    tolerance: float = 1e-10,
    max_iterations: int = 100000,
) -> MultiClassMvaResult:
    """Schweitzer's approximate MVA, multi-class; ``demands`` is classes x stations.

    >>> from tiersim import analytic
    >>> r = analytic.schweitzer_mva_multiclass([[0.5, 0.2, 0.1], [0.1, 0.3, 0.6]],
    ...                                        [False] * 3, [1.0, 2.5], [6, 8])
    >>> r.converged, r.throughput.round(3).tolist()
    (True, [1.484, 1.209])
    """
    core = _a.schweitzer_mva_multiclass(
        np.asarray(demands, dtype=float),
        _bools(is_delay),
        _floats(think),
        list(population),
        tolerance,
        max_iterations,
    )
    return _from_core(MultiClassMvaResult, core)


# --- bounds --------------------------------------------------------------------------------


def asymptotic_bounds(
    demands: Sequence[float], servers: Sequence[int], think: float, population: int
) -> Bounds:
    """Asymptotic bounds of a closed network; the bottleneck is the largest ``D_k / c_k``.

    >>> from tiersim import analytic
    >>> b = analytic.asymptotic_bounds([0.2, 0.5, 0.3], [1, 2, 1], 1.0, 10)
    >>> b.bottleneck, round(b.throughput_upper, 4), round(b.n_star, 4)
    (2, 3.3333, 6.6667)
    """
    return _from_core(
        Bounds, _a.asymptotic_bounds(_floats(demands), list(servers), think, population)
    )


def open_saturation_rate(demands: Sequence[float], servers: Sequence[int]) -> float:
    """Largest arrival rate an open network sustains, ``1 / max(D_k / c_k)`` jobs/s.

    >>> from tiersim import analytic
    >>> analytic.open_saturation_rate([0.8, 0.1], [4, 1])
    5.0
    """
    return float(_a.open_saturation_rate(_floats(demands), list(servers)))
