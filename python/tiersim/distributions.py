"""Service, interarrival, think and delay distributions as small value types.

Each class mirrors one ``{dist: ...}`` form of the model file: ``to_dict()``
gives that form, :func:`distribution_from_dict` reads it back. Parameters are
checked here only as far as a clear message needs; the compiled core is the
authority on what runs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Union

from .errors import ModelError

__all__ = [
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
    "distribution_to_data",
]


def _number(dist: str, param: str, value: Any) -> float:
    # numbers.Real: numpy scalars too (np.int64, np.float32), not only int and float.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ModelError(f"{dist}: {param} = {value!r} is invalid; expected a number")
    return float(value)


def _bad(dist: str, param: str, value: float, expected: str) -> ModelError:
    return ModelError(f"{dist}: {param} = {value:g} is invalid; expected {expected}")


def _positive(dist: str, param: str, value: Any) -> float:
    v = _number(dist, param, value)
    if not (math.isfinite(v) and v > 0):
        raise _bad(dist, param, v, "a finite number > 0")
    return v


def _non_negative(dist: str, param: str, value: Any) -> float:
    v = _number(dist, param, value)
    if not (math.isfinite(v) and v >= 0):
        raise _bad(dist, param, v, "a finite number >= 0")
    return v


class Distribution:
    """Base of the distribution family: a non-negative random variable.

    Every subclass has ``mean``, ``scv`` (squared coefficient of variation,
    variance / mean²) and ``to_dict()``; ``variance`` follows from them.

    >>> Exponential(mean=2.0).variance
    4.0
    """

    dist: ClassVar[str] = ""

    if TYPE_CHECKING:

        @property
        def mean(self) -> float: ...

        @property
        def scv(self) -> float: ...

    @property
    def variance(self) -> float:
        """Variance, ``scv * mean**2`` (infinite for a heavy-tailed Pareto).

        >>> Uniform(0, 1).variance
        0.08333333333333333
        """
        return self.scv * self.mean * self.mean

    def to_dict(self) -> dict[str, Any]:
        """The model-file form, ``{"dist": ..., ...}``.

        >>> Erlang(k=2, mean=1.0).to_dict()
        {'dist': 'erlang', 'k': 2, 'mean': 1.0}
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Deterministic(Distribution):
    """Always ``value``; a bare number in a model file means the same.

    >>> d = Deterministic(0.01)
    >>> d.mean, d.scv, d.to_dict()
    (0.01, 0.0, {'dist': 'deterministic', 'value': 0.01})
    """

    dist: ClassVar[str] = "deterministic"
    value: float

    def __post_init__(self) -> None:
        _non_negative(self.dist, "value", self.value)

    @property
    def mean(self) -> float:
        """The constant value."""
        return float(self.value)

    @property
    def scv(self) -> float:
        """Always 0."""
        return 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, "value": self.value}


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential with the given ``mean`` or ``rate`` (give exactly one).

    Both attributes are filled in; ``to_dict()`` keeps the form given.

    >>> Exponential(rate=4).mean
    0.25
    >>> Exponential(rate=4).to_dict()
    {'dist': 'exponential', 'rate': 4}
    >>> Exponential(mean=0.25) == Exponential(rate=4)
    True
    """

    dist: ClassVar[str] = "exponential"
    mean: float = None  # type: ignore[assignment]
    rate: float = field(default=None, compare=False)  # type: ignore[assignment]
    _given: str = field(default="mean", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.mean is None) == (self.rate is None):
            raise ModelError("exponential: give exactly one of mean or rate")
        if self.mean is not None:
            mean = _positive(self.dist, "mean", self.mean)
            object.__setattr__(self, "rate", 1.0 / mean)
        else:
            rate = _positive(self.dist, "rate", self.rate)
            object.__setattr__(self, "mean", 1.0 / rate)
            object.__setattr__(self, "_given", "rate")

    @property
    def scv(self) -> float:
        """Always 1."""
        return 1.0

    def to_dict(self) -> dict[str, Any]:
        key = self._given
        return {"dist": self.dist, key: getattr(self, key)}


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high]``.

    >>> Uniform(1, 3).mean
    2.0
    """

    dist: ClassVar[str] = "uniform"
    low: float
    high: float

    def __post_init__(self) -> None:
        low = _non_negative(self.dist, "low", self.low)
        high = _non_negative(self.dist, "high", self.high)
        if high < low:
            raise _bad(self.dist, "high", high, "high >= low")

    @property
    def mean(self) -> float:
        """``(low + high) / 2``."""
        return (self.low + self.high) / 2

    @property
    def scv(self) -> float:
        """``(high - low)² / 12 / mean²`` (0 when the mean is 0)."""
        m = self.mean
        return (self.high - self.low) ** 2 / 12 / (m * m) if m > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Erlang(Distribution):
    """Sum of ``k`` exponential phases with total ``mean`` (SCV = 1/k).

    >>> Erlang(k=4, mean=2.0).scv
    0.25
    """

    dist: ClassVar[str] = "erlang"
    k: int
    mean: float

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, numbers.Integral) or not 1 <= self.k <= 1_000_000:
            raise ModelError(f"erlang: k = {self.k!r} is invalid; expected an integer from 1 to 1000000")
        _positive(self.dist, "mean", self.mean)

    @property
    def scv(self) -> float:
        """``1 / k``."""
        return 1.0 / self.k

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, "k": self.k, "mean": self.mean}


@dataclass(frozen=True)
class Hyperexponential(Distribution):
    """Two-phase hyperexponential, for service times more variable than exponential.

    ``Hyperexponential(mean, scv)`` fits balanced means to a mean and an
    SCV >= 1; :meth:`from_phases` gives the branch probability and the two
    phase means directly. All five attributes are filled in either way.

    >>> h = Hyperexponential(mean=1.0, scv=4.0)
    >>> round(h.p, 4), h.to_dict()
    (0.8873, {'dist': 'hyperexponential', 'mean': 1.0, 'scv': 4.0})
    >>> Hyperexponential.from_phases(0.5, 1.0, 3.0).mean
    2.0
    """

    dist: ClassVar[str] = "hyperexponential"
    mean: float = None  # type: ignore[assignment]
    scv: float = None  # type: ignore[assignment]
    p: float = field(default=None, kw_only=True)  # type: ignore[assignment]
    mean1: float = field(default=None, kw_only=True)  # type: ignore[assignment]
    mean2: float = field(default=None, kw_only=True)  # type: ignore[assignment]
    _phases: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fitted = self.mean is not None or self.scv is not None
        phases = self.p is not None or self.mean1 is not None or self.mean2 is not None
        if fitted == phases:
            raise ModelError("hyperexponential: give either mean and scv, or p, mean1 and mean2")
        if fitted:
            mean = _positive(self.dist, "mean", self.mean)
            scv = _number(self.dist, "scv", self.scv)
            if not (math.isfinite(scv) and scv >= 1):
                raise _bad(self.dist, "scv", scv, "a number >= 1")
            p = 0.5 * (1 + math.sqrt((scv - 1) / (scv + 1)))
            object.__setattr__(self, "p", p)
            object.__setattr__(self, "mean1", mean / (2 * p))
            object.__setattr__(self, "mean2", mean / (2 * (1 - p)))
        else:
            p = _number(self.dist, "p", self.p)
            if not 0 <= p <= 1:
                raise _bad(self.dist, "p", p, "a probability in [0, 1]")
            m1 = _positive(self.dist, "mean1", self.mean1)
            m2 = _positive(self.dist, "mean2", self.mean2)
            mean = p * m1 + (1 - p) * m2
            second = 2 * (p * m1 * m1 + (1 - p) * m2 * m2)
            object.__setattr__(self, "mean", mean)
            object.__setattr__(self, "scv", (second - mean * mean) / (mean * mean))
            object.__setattr__(self, "_phases", True)

    @classmethod
    def from_phases(cls, p: float, mean1: float, mean2: float) -> Hyperexponential:
        """Phase 1 (mean ``mean1``) with probability ``p``, else phase 2 (mean ``mean2``).

        >>> Hyperexponential.from_phases(p=0.9, mean1=0.5, mean2=5.5).to_dict()
        {'dist': 'hyperexponential', 'p': 0.9, 'mean1': 0.5, 'mean2': 5.5}
        """
        return cls(p=p, mean1=mean1, mean2=mean2)

    def to_dict(self) -> dict[str, Any]:
        if self._phases:
            return {"dist": self.dist, "p": self.p, "mean1": self.mean1, "mean2": self.mean2}
        return {"dist": self.dist, "mean": self.mean, "scv": self.scv}


@dataclass(frozen=True)
class Lognormal(Distribution):
    """Lognormal with the given ``mean`` and coefficient of variation ``cv``.

    >>> Lognormal(mean=0.02, cv=2.0).scv
    4.0
    """

    dist: ClassVar[str] = "lognormal"
    mean: float
    cv: float

    def __post_init__(self) -> None:
        _positive(self.dist, "mean", self.mean)
        _positive(self.dist, "cv", self.cv)

    @property
    def scv(self) -> float:
        """``cv²``."""
        return float(self.cv) ** 2

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, "mean": self.mean, "cv": self.cv}


@dataclass(frozen=True)
class Pareto(Distribution):
    """Pareto with shape ``alpha`` > 1 and the given ``mean``; heavy-tailed.

    The SCV is ``1 / (alpha (alpha - 2))``, infinite for ``alpha <= 2``.

    >>> Pareto(alpha=3, mean=1.5).scv
    0.3333333333333333
    >>> Pareto(alpha=1.5, mean=1.0).scv
    inf
    """

    dist: ClassVar[str] = "pareto"
    alpha: float
    mean: float

    def __post_init__(self) -> None:
        alpha = _number(self.dist, "alpha", self.alpha)
        if not (math.isfinite(alpha) and alpha > 1):
            raise _bad(self.dist, "alpha", alpha, "a number > 1")
        _positive(self.dist, "mean", self.mean)

    @property
    def scv(self) -> float:
        """``1 / (alpha (alpha - 2))``, or infinity when ``alpha <= 2``."""
        a = float(self.alpha)
        return 1.0 / (a * (a - 2)) if a > 2 else math.inf

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, "alpha": self.alpha, "mean": self.mean}


@dataclass(frozen=True)
class Empirical(Distribution):
    """A measured distribution: recorded ``samples`` (a trace), or a piecewise-linear ``cdf``.

    ``cdf`` is a list of ``(x, F)`` points with increasing ``x`` and ``F``
    rising from 0 to 1. Give exactly one of the two.

    >>> Empirical(samples=[1, 2, 3]).mean
    2.0
    >>> Empirical(cdf=[(0, 0), (2, 1)]).mean
    1.0
    >>> Empirical(cdf=[(0, 0), (2, 1)]).to_dict()
    {'dist': 'empirical', 'cdf': [[0, 0], [2, 1]]}
    """

    dist: ClassVar[str] = "empirical"
    samples: tuple[float, ...] | None = None
    cdf: tuple[tuple[float, float], ...] | None = None

    def __post_init__(self) -> None:
        if (self.samples is None) == (self.cdf is None):
            raise ModelError("empirical: give exactly one of samples or cdf")
        if self.samples is not None:
            samples = tuple(self.samples)
            if not samples:
                raise ModelError("empirical: samples is empty; expected at least one value")
            for v in samples:
                _non_negative(self.dist, "sample", v)
            object.__setattr__(self, "samples", samples)
        else:
            assert self.cdf is not None
            try:
                points = tuple((x, f) for x, f in self.cdf)
            except (TypeError, ValueError):
                raise ModelError("empirical: cdf must be a list of [x, F] pairs") from None
            if len(points) < 2:
                raise ModelError("empirical: cdf needs at least two points [x, F]")
            for i, (x, f) in enumerate(points):
                _non_negative(self.dist, "cdf x", x)
                if not 0 <= _number(self.dist, "cdf F", f) <= 1:
                    raise _bad(self.dist, "cdf F", f, "a value in [0, 1]")
                if i > 0 and not x > points[i - 1][0]:
                    raise _bad(self.dist, "cdf x", x, "strictly increasing x")
                if i > 0 and not f >= points[i - 1][1]:
                    raise _bad(self.dist, "cdf F", f, "non-decreasing F")
            if points[0][1] != 0:
                raise _bad(self.dist, "cdf F[0]", points[0][1], "0")
            if points[-1][1] != 1:
                raise _bad(self.dist, "cdf F[last]", points[-1][1], "1")
            object.__setattr__(self, "cdf", points)

    def _moments(self) -> tuple[float, float]:
        if self.samples is not None:
            n = len(self.samples)
            return sum(self.samples) / n, sum(v * v for v in self.samples) / n
        assert self.cdf is not None
        m1 = m2 = 0.0
        # Piecewise-uniform density between the points: exact first two moments.
        for (a, fa), (b, fb) in zip(self.cdf, self.cdf[1:]):
            w = fb - fa
            m1 += w * (a + b) / 2
            m2 += w * (a * a + a * b + b * b) / 3
        return m1, m2

    @property
    def mean(self) -> float:
        """Mean of the samples, or of the piecewise-linear CDF."""
        return float(self._moments()[0])

    @property
    def scv(self) -> float:
        """Variance / mean² (0 when the mean is 0)."""
        m1, m2 = self._moments()
        return max(0.0, m2 - m1 * m1) / (m1 * m1) if m1 > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        if self.samples is not None:
            return {"dist": self.dist, "samples": list(self.samples)}
        assert self.cdf is not None
        return {"dist": self.dist, "cdf": [[x, f] for x, f in self.cdf]}


DistributionLike = Union[Distribution, Mapping[str, Any], float, int]
"""Anything accepted where a distribution goes: an object, its dict form, or a number."""

_BY_NAME: dict[str, type[Distribution]] = {
    cls.dist: cls
    for cls in (Deterministic, Exponential, Uniform, Erlang, Hyperexponential, Lognormal, Pareto, Empirical)
}


def distribution_from_dict(data: Mapping[str, Any] | float | int) -> Distribution:
    """Reads the model-file form of a distribution (a dict or a bare number).

    >>> distribution_from_dict({"dist": "exponential", "rate": 2})
    Exponential(mean=0.5, rate=2)
    >>> distribution_from_dict(0.01)
    Deterministic(value=0.01)
    >>> d = Lognormal(mean=1.0, cv=0.5)
    >>> distribution_from_dict(d.to_dict()) == d
    True
    """
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return Deterministic(data)
    if not isinstance(data, Mapping):
        raise ModelError(f"expected a number or a mapping with 'dist', got {type(data).__name__}")
    params = dict(data)
    name = params.pop("dist", None)
    if name is None:
        raise ModelError("missing 'dist' (one of " + ", ".join(_BY_NAME) + ")")
    cls = _BY_NAME.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelError(f"unknown distribution {name!r}; expected one of " + ", ".join(_BY_NAME), path="dist")
    if cls is Empirical and "cdf" in params and isinstance(params["cdf"], Sequence):
        params["cdf"] = [tuple(p) if isinstance(p, Sequence) else p for p in params["cdf"]]
    try:
        return cls(**params)
    except TypeError:
        allowed = [f for f in cls.__dataclass_fields__ if not f.startswith("_")]  # type: ignore[attr-defined]
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ModelError(
                f"{name}: unknown parameter {unknown[0]!r}; expected " + ", ".join(allowed), path=unknown[0]
            ) from None
        raise ModelError(f"{name}: missing parameters; expected " + ", ".join(allowed)) from None


def distribution_to_data(value: DistributionLike) -> Any:
    """The plain-data form stored in a model: a dict, or a bare number kept as is.

    Dicts are copied, not checked; the core checks them when the model runs.

    >>> distribution_to_data(Exponential(mean=1.0))
    {'dist': 'exponential', 'mean': 1.0}
    >>> distribution_to_data(0.005)
    0.005
    """
    if isinstance(value, Distribution):
        return value.to_dict()
    if isinstance(value, Mapping):
        return _plain(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise TypeError(
        f"expected a distribution (e.g. Exponential(mean=1.0)), its dict form or a number, "
        f"got {type(value).__name__}"
    )


def _plain(value: Any) -> Any:
    """A deep copy of nested mappings and sequences as dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
