"""The model builder: the same plain data as a model file, written in Python.

A :class:`Model` holds its description as plain dicts and lists (exactly
what ``to_dict()`` returns and what a YAML file holds); the builder methods
only append to it. Checking is left to the compiled core, which names the
offending field in a :class:`~tiersim.errors.ModelError`.
"""

from __future__ import annotations

import copy
import json
import math
import warnings
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

from .distributions import DistributionLike, _plain, distribution_to_data
from .distributions import Exponential, Uniform  # noqa: F401  (the doctests use them)
from .errors import ModelError, translate_core_errors

if TYPE_CHECKING:
    from .results import Results

__all__ = ["Model", "ClassBuilder", "ServiceBuilder", "NextLike", "ProgressLike"]

NextLike = Union[str, Sequence[Union[tuple[str, float], Mapping[str, Any]]], None]
"""Where a step goes next: ``"exit"``, a step id, or ``[(to, p), ...]`` / ``[{"to": ..., "p": ...}, ...]``."""

ProgressLike = Union[bool, Callable[[int, int], None]]
"""``True`` for a progress bar, ``False`` for none, or a ``callback(done, total)``."""

_RUN_KEYS = ("until", "max_completions", "warmup", "replications", "seed", "threads", "max_in_system", "batches",
             "window", "samples", "precision")


def _next_data(next: NextLike) -> Any:
    if next is None or isinstance(next, str):
        return next
    if not isinstance(next, Sequence):
        raise TypeError(f"next: expected 'exit', a step id or a list of (to, p), got {type(next).__name__}")
    edges: list[dict[str, Any]] = []
    for i, edge in enumerate(next):
        if isinstance(edge, Mapping):
            edges.append(_plain(edge))
        elif isinstance(edge, (tuple, list)) and len(edge) == 2:
            edges.append({"to": edge[0], "p": edge[1]})
        else:
            raise TypeError(f"next[{i}]: expected a (to, p) pair or a {{'to': ..., 'p': ...}} dict, got {edge!r}")
    return edges


def _list_section(data: dict[str, Any], key: str) -> list[Any]:
    section = data.setdefault(key, [])
    if not isinstance(section, list):
        raise ModelError(f"expected a list, got {type(section).__name__}", path=key)
    return section


class ClassBuilder:
    """Adds the steps of one request class; every method returns the builder.

    Made by :meth:`Model.open_class` or :meth:`Model.closed_class`. Steps run
    in the order added unless ``next`` says otherwise; the last step exits.
    ``builder.model`` leads back to the model.

    >>> m = Model("shop").station("web").pool("threads", capacity=8)
    >>> c = (m.open_class("buy", interarrival=Exponential(rate=5))
    ...       .acquire("threads")
    ...       .visit("web", Exponential(mean=0.01))
    ...       .release("threads"))
    >>> [s.get("visit") or s.get("acquire") or s.get("release") for s in c.to_dict()["steps"]]
    ['threads', 'web', 'threads']
    """

    def __init__(self, model: Model, data: dict[str, Any]) -> None:
        self._model = model
        self._data = data

    @property
    def model(self) -> Model:
        """The model this class belongs to."""
        return self._model

    @property
    def name(self) -> str:
        """The class name."""
        return str(self._data.get("name", ""))

    def _add(self, step: dict[str, Any], id: str | None, next: NextLike) -> ClassBuilder:
        if id is not None:
            step = {"id": id, **step}
        if next is not None:
            step["next"] = _next_data(next)
        _list_section(self._data, "steps").append(step)
        return self

    def visit(self, station: str, service: DistributionLike, id: str | None = None,
              next: NextLike = None) -> ClassBuilder:
        """Visits ``station`` for ``service`` work (time = work / station speed).

        ``id`` defaults to the station name; ``next`` is ``"exit"``, a step id
        or a list of ``(to, p)`` branches.

        >>> m = Model().station("cpu").station("disk")
        >>> c = (m.open_class("q", interarrival=2.0)
        ...       .visit("cpu", 0.5, next=[("disk", 0.3), ("exit", 0.7)])
        ...       .visit("disk", Exponential(mean=0.2), next="cpu"))
        >>> c.to_dict()["steps"][0]["next"]
        [{'to': 'disk', 'p': 0.3}, {'to': 'exit', 'p': 0.7}]
        """
        return self._add({"visit": station, "service": distribution_to_data(service)}, id, next)

    def acquire(self, pool: str, tokens: int = 1, id: str | None = None, next: NextLike = None) -> ClassBuilder:
        """Takes ``tokens`` from ``pool``, waiting while it has too few.

        ``id`` defaults to ``"acquire <pool>"``.

        >>> Model().pool("conn", 4).open_class("q", 1.0).acquire("conn", tokens=2).to_dict()["steps"]
        [{'acquire': 'conn', 'tokens': 2}]
        """
        step: dict[str, Any] = {"acquire": pool}
        if tokens != 1:
            step["tokens"] = tokens
        return self._add(step, id, next)

    def release(self, pool: str, tokens: int = 1, id: str | None = None, next: NextLike = None) -> ClassBuilder:
        """Gives ``tokens`` back to ``pool``. ``id`` defaults to ``"release <pool>"``.

        >>> Model().pool("conn", 4).open_class("q", 1.0).release("conn").to_dict()["steps"]
        [{'release': 'conn'}]
        """
        step: dict[str, Any] = {"release": pool}
        if tokens != 1:
            step["tokens"] = tokens
        return self._add(step, id, next)

    def delay(self, duration: DistributionLike, id: str | None = None, next: NextLike = None) -> ClassBuilder:
        """Waits ``duration`` without holding a station (a network hop, a sleep).

        ``id`` defaults to ``"delay <index>"`` (the step's position in the list).

        >>> Model().open_class("q", 1.0).delay(Uniform(0, 1)).to_dict()["steps"]
        [{'delay': {'dist': 'uniform', 'low': 0, 'high': 1}}]
        """
        return self._add({"delay": distribution_to_data(duration)}, id, next)

    def call(self, operation: str, count: int | None = None, mean: float | None = None,
             key: Mapping[str, Any] | None = None, id: str | None = None, next: NextLike = None) -> ClassBuilder:
        """Calls ``operation`` (``"SERVICE.OPERATION"``) and waits for its reply.

        Once by default; ``count`` calls in turn, or a geometric number with ``mean`` (LQN's
        default). ``key`` (``{"hot_fraction": h, "hot_keys": k}``) feeds a key balancer.
        ``id`` defaults to ``"call SERVICE.OPERATION"``.

        >>> Model().open_class("q", 1.0).call("db.query", mean=2.5).to_dict()["steps"]
        [{'call': 'db.query', 'mean': 2.5}]
        """
        return self._add(_call_step("call", operation, count, mean, key), id, next)

    def send(self, operation: str, count: int | None = None, mean: float | None = None,
             key: Mapping[str, Any] | None = None, id: str | None = None, next: NextLike = None) -> ClassBuilder:
        """Starts ``operation`` without waiting for it (an asynchronous call); options as :meth:`call`.

        >>> Model().open_class("q", 1.0).send("log.write").to_dict()["steps"]
        [{'send': 'log.write'}]
        """
        return self._add(_call_step("send", operation, count, mean, key), id, next)

    def reply(self, id: str | None = None, next: NextLike = None) -> ClassBuilder:
        """In an operation: the caller resumes here; the steps after it are the second phase,
        still holding the thread. ``id`` defaults to ``"reply"``.

        >>> Model().service("db").operation("write").reply().to_dict()["steps"]
        [{'reply': True}]
        """
        return self._add({"reply": True}, id, next)

    def to_dict(self) -> dict[str, Any]:
        """A copy of this class's plain data.

        >>> Model().open_class("q", 1.0).to_dict()
        {'name': 'q', 'type': 'open', 'interarrival': 1.0, 'steps': []}
        """
        return copy.deepcopy(self._data)

    def __repr__(self) -> str:
        steps = self._data.get("steps")
        n = len(steps) if isinstance(steps, list) else 0
        return f"<ClassBuilder {self.name!r} ({self._data.get('type', 'open')}, {n} steps)>"


def _station_data(name: str, servers: int, discipline: str, speed: float, capacity: int | None) -> dict[str, Any]:
    """A station's plain data, defaults left out (the model's own and a service's template alike)."""
    st: dict[str, Any] = {"name": name}
    if discipline != "fcfs":
        st["discipline"] = discipline
    if servers != 1:
        st["servers"] = servers
    if speed != 1.0:
        st["speed"] = speed
    if capacity is not None:
        st["capacity"] = capacity
    return st


def _call_step(kind: str, operation: str, count: int | None, mean: float | None,
               key: Mapping[str, Any] | None) -> dict[str, Any]:
    step: dict[str, Any] = {kind: operation}
    if count is not None:
        step["count"] = count
    if mean is not None:
        step["mean"] = mean
    if key is not None:
        step["key"] = dict(key)
    return step


class ServiceBuilder:
    """Adds a service's per-replica stations and pools and its operations.

    Made by :meth:`Model.service`. ``station`` and ``pool`` return the service builder;
    ``operation`` returns a builder for the operation's steps (as a class's, plus
    :meth:`ClassBuilder.reply`).

    >>> m = Model("shop")
    >>> db = m.service("db", replicas=4, threads=8, balancer="round_robin").station("cpu", servers=2)
    >>> _ = db.operation("query").visit("cpu", Exponential(mean=0.002))
    >>> _ = m.open_class("users", Exponential(rate=100)).call("db.query")
    >>> m.to_dict()["services"][0]["operations"][0]["steps"]
    [{'visit': 'cpu', 'service': {'dist': 'exponential', 'mean': 0.002}}]
    """

    def __init__(self, model: Model, data: dict[str, Any]) -> None:
        self._model = model
        self._data = data

    @property
    def model(self) -> Model:
        """The model this service belongs to."""
        return self._model

    def station(self, name: str, servers: int = 1, discipline: str = "fcfs", speed: float = 1.0,
                capacity: int | None = None) -> ServiceBuilder:
        """Adds a station every replica has its own copy of (arguments as :meth:`Model.station`).

        >>> Model().service("app").station("cpu", servers=8, discipline="ps").to_dict()["stations"]
        [{'name': 'cpu', 'discipline': 'ps', 'servers': 8}]
        """
        _list_section(self._data, "stations").append(_station_data(name, servers, discipline, speed, capacity))
        return self

    def pool(self, name: str, capacity: int) -> ServiceBuilder:
        """Adds a pool every replica has its own copy of (connections to the next tier, memory).

        >>> Model().service("app").pool("conns", 20).to_dict()["pools"]
        [{'name': 'conns', 'capacity': 20}]
        """
        _list_section(self._data, "pools").append({"name": name, "capacity": capacity})
        return self

    def operation(self, name: str) -> ClassBuilder:
        """Adds an operation (an LQN entry) and returns the builder of its steps.

        >>> Model().service("db").operation("query").to_dict()
        {'name': 'query', 'steps': []}
        """
        data: dict[str, Any] = {"name": name, "steps": []}
        _list_section(self._data, "operations").append(data)
        return ClassBuilder(self._model, data)

    def to_dict(self) -> dict[str, Any]:
        """A copy of this service's plain data.

        >>> Model().service("db", threads=4).to_dict()
        {'name': 'db', 'threads': 4, 'operations': []}
        """
        return copy.deepcopy(self._data)


class Model:
    """A queueing model: stations, pools and request classes, plus how to run it.

    ``station`` and ``pool`` return the model (so calls chain); ``open_class``
    and ``closed_class`` return a :class:`ClassBuilder` for the class's steps.

    >>> m = Model("mm1").station("server")
    >>> _ = m.open_class("jobs", interarrival=Exponential(rate=0.5)).visit("server", Exponential(mean=1.0))
    >>> r = m.run(until=2000, warmup=100, replications=2, seed=1, progress=False)
    >>> bool(0.3 < r.stations.loc[0, "utilization"] < 0.7)
    True
    """

    def __init__(self, name: str = "model") -> None:
        self._data: dict[str, Any] = {"name": name, "stations": [], "pools": [], "classes": []}

    # -- building ---------------------------------------------------------

    def station(self, name: str, servers: int = 1, discipline: str = "fcfs", speed: float = 1.0,
                capacity: int | None = None) -> Model:
        """Adds an active resource and returns the model.

        ``discipline`` is ``"fcfs"``, ``"ps"`` (processor sharing, a CPU),
        ``"priority"`` or ``"delay"`` (infinitely many servers; ``servers`` is
        not used). Service time is work / ``speed``; ``capacity`` caps the
        requests present (arrivals beyond it are lost).

        >>> Model().station("db", servers=4, discipline="ps", capacity=100).to_dict()["stations"]
        [{'name': 'db', 'discipline': 'ps', 'servers': 4, 'capacity': 100}]
        """
        _list_section(self._data, "stations").append(_station_data(name, servers, discipline, speed, capacity))
        return self

    def pool(self, name: str, capacity: int) -> Model:
        """Adds a passive resource of ``capacity`` tokens (threads, connections, a lock) and returns the model.

        >>> Model().pool("lock", 1).to_dict()["pools"]
        [{'name': 'lock', 'capacity': 1}]
        """
        _list_section(self._data, "pools").append({"name": name, "capacity": capacity})
        return self

    def service(self, name: str, replicas: int = 1, threads: int | None = None, balancer: str = "random",
                keys: int | None = None) -> ServiceBuilder:
        """Adds a service (a tier of ``replicas`` identical servers) and returns its builder.

        Each call of one of its operations takes one of the picked replica's ``threads`` (unlimited
        when ``None``) from its start to its end. ``balancer`` is ``"random"``, ``"round_robin"``,
        ``"shortest_queue"``, ``"least_utilized"`` or ``"key"`` (with a key space of ``keys``).

        >>> Model().service("app", replicas=40, threads=50, balancer="shortest_queue").to_dict()
        {'name': 'app', 'replicas': 40, 'balancer': 'shortest_queue', 'threads': 50, 'operations': []}
        """
        data: dict[str, Any] = {"name": name}
        if replicas != 1:
            data["replicas"] = replicas
        if balancer != "random":
            data["balancer"] = balancer
        if keys is not None:
            data["keys"] = keys
        if threads is not None:
            data["threads"] = threads
        data["operations"] = []
        _list_section(self._data, "services").append(data)
        return ServiceBuilder(self, data)

    def open_class(self, name: str, interarrival: DistributionLike, priority: int = 0) -> ClassBuilder:
        """Adds requests arriving from outside, one every ``interarrival``; returns its builder.

        >>> Model().open_class("web", Exponential(rate=100)).to_dict()["interarrival"]
        {'dist': 'exponential', 'rate': 100}
        """
        data: dict[str, Any] = {"name": name, "type": "open", "interarrival": distribution_to_data(interarrival)}
        return self._add_class(data, priority)

    def closed_class(self, name: str, population: int, think: DistributionLike, priority: int = 0) -> ClassBuilder:
        """Adds ``population`` users who each think for ``think``, then send a request; returns its builder.

        >>> Model().closed_class("users", 50, think=Exponential(mean=5)).to_dict()["population"]
        50
        """
        data: dict[str, Any] = {"name": name, "type": "closed", "population": population,
                                "think": distribution_to_data(think)}
        return self._add_class(data, priority)

    def _add_class(self, data: dict[str, Any], priority: int) -> ClassBuilder:
        if priority != 0:
            data["priority"] = priority
        data["steps"] = []
        _list_section(self._data, "classes").append(data)
        return ClassBuilder(self, data)

    def get_class(self, name: str) -> ClassBuilder:
        """The builder of an existing class, e.g. to add steps to a loaded model.

        >>> m = Model()
        >>> _ = m.open_class("q", 1.0)
        >>> m.get_class("q").visit("cpu", 0.1).name
        'q'
        """
        for data in _list_section(self._data, "classes"):
            if isinstance(data, dict) and data.get("name") == name:
                return ClassBuilder(self, data)
        raise KeyError(f"no class named {name!r}")

    def set_run(self, until: float | None = None, warmup: float | str | None = None,
                replications: int | None = None, seed: int | None = None, threads: int | None = None,
                max_completions: int | None = None, max_in_system: int | None = None,
                batches: int | None = None, window: float | None = None,
                samples: int | None = None) -> Model:
        """Sets keys of the model's ``run`` section (those given) and returns the model.

        >>> Model().set_run(until=1000, replications=5).to_dict()["run"]
        {'until': 1000, 'replications': 5}
        """
        given = _run_dict(until=until, warmup=warmup, replications=replications, seed=seed, threads=threads,
                          max_completions=max_completions, max_in_system=max_in_system, batches=batches,
                          window=window, samples=samples)
        run = self._data.setdefault("run", {})
        if not isinstance(run, dict):
            raise ModelError(f"expected a mapping, got {type(run).__name__}", path="run")
        run.update(given)
        return self

    # -- reading ----------------------------------------------------------

    @property
    def name(self) -> str:
        """The model name.

        >>> Model("web").name
        'web'
        """
        return str(self._data.get("name", "model"))

    @property
    def run_settings(self) -> dict[str, Any]:
        """A copy of the ``run`` section (empty when none is set).

        >>> Model().set_run(seed=7).run_settings
        {'seed': 7}
        """
        run = self._data.get("run")
        return dict(run) if isinstance(run, Mapping) else {}

    def _names(self, key: str) -> list[str]:
        items = self._data.get(key)
        if not isinstance(items, list):
            return []
        return [str(x.get("name")) for x in items if isinstance(x, Mapping)]

    @property
    def station_names(self) -> list[str]:
        """Names of the stations, in order.

        >>> Model().station("a").station("b").station_names
        ['a', 'b']
        """
        return self._names("stations")

    @property
    def pool_names(self) -> list[str]:
        """Names of the pools, in order.

        >>> Model().pool("threads", 10).pool_names
        ['threads']
        """
        return self._names("pools")

    @property
    def class_names(self) -> list[str]:
        """Names of the request classes, in order.

        >>> m = Model(); _ = m.closed_class("users", 5, 1.0); m.class_names
        ['users']
        """
        return self._names("classes")

    # -- plain data -------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as plain data, in the model-file format (a deep copy).

        Empty ``pools`` and ``run`` sections are left out.

        >>> Model("m").station("cpu").to_dict()
        {'name': 'm', 'stations': [{'name': 'cpu'}], 'classes': []}
        """
        out: dict[str, Any] = {}
        order = ["name", "run", "stations", "pools", "services", "classes"]
        for key in order + [k for k in self._data if k not in order]:
            if key not in self._data:
                continue
            value = self._data[key]
            if key in ("pools", "run") and (value == [] or value == {}):
                continue
            out[key] = copy.deepcopy(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        """A model from plain data in the model-file format (copied, not checked).

        Call :meth:`check` or :meth:`run` to have the core check it.

        >>> m = Model("m").station("cpu")
        >>> Model.from_dict(m.to_dict()) == m
        True
        """
        if not isinstance(data, Mapping):
            raise ModelError(f"the model must be a mapping (name, stations, classes, ...), got {type(data).__name__}")
        model = cls.__new__(cls)
        model._data = _plain(data)
        return model

    def to_json(self, indent: int | None = None) -> str:
        """The model as JSON text (the form the core reads).

        >>> Model("m").to_json()
        '{"name": "m", "stations": [], "classes": []}'
        """
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_yaml(self) -> str:
        """The model as YAML text, keys in model-file order.

        Distributions, route branches and lists of numbers are written inline.

        >>> m = Model("m").station("cpu", servers=2)
        >>> _ = m.open_class("q", Exponential(rate=2)).visit("cpu", 0.4, next=[("cpu", 0.1), ("exit", 0.9)])
        >>> print(m.to_yaml(), end="")
        name: m
        stations:
        - name: cpu
          servers: 2
        classes:
        - name: q
          type: open
          interarrival: {dist: exponential, rate: 2}
          steps:
          - visit: cpu
            service: 0.4
            next:
            - {to: cpu, p: 0.1}
            - {to: exit, p: 0.9}
        """
        import yaml

        class Dumper(yaml.SafeDumper):
            pass

        def leaf(value: Any) -> bool:
            return not isinstance(value, (dict, list))

        def represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
            inline = all(leaf(v) or (isinstance(v, list) and all(map(leaf, v))) for v in data.values()) and (
                "dist" in data or set(data) <= {"to", "p"})
            return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=inline)

        def represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
            inline = all(leaf(v) for v in data) or all(isinstance(v, list) and all(map(leaf, v)) for v in data)
            return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline and bool(data))

        Dumper.add_representer(dict, represent_dict)
        Dumper.add_representer(list, represent_list)
        return yaml.dump(self.to_dict(), Dumper=Dumper, sort_keys=False, allow_unicode=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        return (f"<Model {self.name!r}: {count(len(self.station_names), 'station', 'stations')}, "
                f"{count(len(self.pool_names), 'pool', 'pools')}, "
                f"{count(len(self.class_names), 'class', 'classes')}>")

    # -- checking and running ---------------------------------------------

    def check(self) -> None:
        """Has the core check the model; raises :class:`ModelError` naming the field.

        A ``run`` section with neither ``until`` nor ``max_completions`` is not
        an error here: :meth:`run` (or ``tiersim run --until``) can still give
        the run its length.

        >>> Model().station("cpu").open_class("q", 1.0).visit("cpu", 0.5).model.check()
        >>> try:
        ...     Model().station("cpu").open_class("q", 1.0).visit("dsik", 0.5).model.check()
        ... except ModelError as e:
        ...     print(e.path)
        classes[0].steps[0].visit
        """
        from . import _core

        with translate_core_errors():
            _core.check_json(self._json_for_core())

    @property
    def has_run_length(self) -> bool:
        """Whether the ``run`` section sets ``until`` or ``max_completions``.

        >>> Model().has_run_length, Model().set_run(until=100).has_run_length
        (False, True)
        """
        run = self.run_settings
        return bool(run.get("until") or run.get("max_completions"))

    def run(self, until: float | None = None, warmup: float | str | None = None,
            replications: int | None = None, seed: int | None = None, threads: int | None = None,
            max_completions: int | None = None, max_in_system: int | None = None,
            batches: int | None = None, window: float | None = None, samples: int | None = None,
            precision: float | Mapping[str, Any] | None = None, progress: ProgressLike = True) -> Results:
        """Simulates the model and returns its :class:`~tiersim.results.Results`.

        Arguments given override the model's ``run`` section for this run
        only. ``warmup`` may be ``"mser5"``. ``window`` adds per-window time
        series (:attr:`Results.windows`); ``samples`` keeps that many response
        times per class and replication (:attr:`Results.samples`). ``precision``
        runs replications until the 95% interval of every class's mean response
        is within that fraction of the mean (``precision=0.01``), or takes the
        ``run.precision`` mapping (``relative``, ``confidence``, ``metrics`` such as
        ``"classes.buy.response.p95"``, ``max_replications``); what it reached is
        :attr:`Results.precision`. ``progress=True`` shows a tqdm bar
        when there is more than one replication and stderr is a terminal (or
        in a notebook); a callable receives ``(done, total)`` replications
        instead.

        >>> m = Model("mm1").station("cpu")
        >>> _ = m.open_class("q", Exponential(rate=0.5)).visit("cpu", Exponential(mean=1.0))
        >>> r = m.run(until=1000, replications=2, seed=3, progress=False)
        >>> r.run_info["replications"]
        2
        """
        from . import _core

        overrides = _run_dict(until=until, warmup=warmup, replications=replications, seed=seed, threads=threads,
                              max_completions=max_completions, max_in_system=max_in_system, batches=batches,
                              window=window, samples=samples,
                              precision=dict(precision) if isinstance(precision, Mapping) else precision)
        overrides = json_ready(overrides, "run")
        text = self._json_for_core()
        total = overrides.get("replications", self.run_settings.get("replications", 1))
        callback, close = _progress_callback(progress, total, self.name)
        try:
            with translate_core_errors():
                out = _core.run_json(text, json.dumps(overrides), callback)
        finally:
            close()
        # Imported only now (pandas comes with it): the simulation starts at once, and a Ctrl-C
        # that arrives while the core runs stops the run rather than an import.
        from .results import Results

        results = Results.from_json(out)
        results.source = self  # what Results.diagram() and Results.to_html() draw
        if results.run_info.get("interrupted"):
            warnings.warn("the run was interrupted; the results cover only what was simulated",
                          RuntimeWarning, stacklevel=2)
        return results

    def diagram(self, results: Results | None = None) -> Any:
        """The architecture drawn with Graphviz (a :class:`tiersim.diagram.Diagram`, shown inline in Jupyter).

        With ``results``, each resource is coloured by its utilization and the bottleneck outlined.

        >>> m = Model("mm1").station("cpu")
        >>> _ = m.open_class("q", Exponential(rate=0.5)).visit("cpu", Exponential(mean=1.0))
        >>> '"class:q" -> "station:cpu"' in m.diagram().source
        True
        """
        from .diagram import diagram

        return diagram(self, results)

    def _json_for_core(self, data: dict[str, Any] | None = None) -> str:
        data = self.to_dict() if data is None else data
        return json.dumps(json_ready(data, ""), allow_nan=False)


_MAX_DEPTH = 64  # a model is ~8 levels deep; far deeper is an attack or a bug


def json_ready(value: Any, path: str) -> Any:
    """A copy of plain model data that JSON can carry, or a :class:`ModelError` naming the field.

    numpy (and other ``numbers``) integers and reals become ``int`` and
    ``float``; NaN, infinity, dates, bytes, sets, non-string keys and any
    other object are refused at their field path, as is nesting deeper than
    64 levels. Iterative, so no document can exhaust the stack.

    >>> import numpy as np
    >>> json_ready({"servers": np.int64(4), "speed": np.float32(0.5)}, "stations[0]")
    {'servers': 4, 'speed': 0.5}
    >>> json_ready({"until": float("nan")}, "run")
    Traceback (most recent call last):
    ...
    tiersim.errors.ModelError: run.until: nan is not a finite number
    """
    import numbers

    def convert(v: Any, at: str) -> tuple[Any, bool]:  # (value, is a container)
        if v is None or isinstance(v, (bool, str)):
            return v, False
        if isinstance(v, numbers.Integral):  # int, numpy integers
            return int(v), False
        if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
            f = float(v)
            if not math.isfinite(f):
                raise ModelError(f"{f!r} is not a finite number", path=at)
            return f, False
        if type(v).__module__ == "numpy" and hasattr(v, "item") and getattr(v, "shape", None) == ():
            return convert(v.item(), at)  # numpy bool
        if isinstance(v, Mapping):
            return {}, True
        if isinstance(v, (list, tuple)):
            return [], True
        raise ModelError(f"{_describe_value(v)} cannot be a model value; expected a number, a string, "
                         f"true/false, a list or a mapping", path=at)

    root, container = convert(value, path)
    if not container:
        return root
    work = [(value, root, path, 1)]
    while work:
        src, dst, at, depth = work.pop()
        if depth > _MAX_DEPTH:
            raise ModelError(f"is nested more than {_MAX_DEPTH} levels deep", path=at)
        items = src.items() if isinstance(src, Mapping) else enumerate(src)
        for k, v in items:
            if isinstance(src, Mapping):
                if not isinstance(k, str):
                    raise ModelError(f"the key {_describe_value(k)} is not a string (quote it)", path=at)
                sub = f"{at}.{k}" if at else k
            else:
                sub = f"{at}[{k}]"
            out, is_container = convert(v, sub)
            if isinstance(dst, dict):
                dst[k] = out
            else:
                dst.append(out)
            if is_container:
                work.append((v, out, sub, depth + 1))
    return root


def _describe_value(v: Any) -> str:
    import datetime

    if isinstance(v, (datetime.date, datetime.datetime)):
        return f"a date ({v.isoformat()}: YAML reads an unquoted date as one)"
    if isinstance(v, (bytes, bytearray)):
        return "binary data (a YAML !!binary value)"
    if isinstance(v, (set, frozenset)):
        return "a set (a YAML !!set value)"
    return f"{type(v).__name__} {_short_repr(v)}"


def _short_repr(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _run_dict(**kwargs: Any) -> dict[str, Any]:
    return {k: kwargs[k] for k in _RUN_KEYS if kwargs.get(k) is not None}


def _progress_callback(progress: ProgressLike, total: Any,
                       name: str) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """The callback handed to the core, and a function that closes any bar."""
    if callable(progress):
        return progress, lambda: None
    if not progress or not isinstance(total, int) or isinstance(total, bool) or total <= 1:
        return None, lambda: None
    from tqdm.auto import tqdm

    # disable=None: no bar when stderr is not a terminal (logs, CI, pipes).
    bar = tqdm(total=total, desc=name, unit="rep", disable=None, file=sys.stderr, leave=False)

    def update(done: int, all_: int) -> None:
        if bar.total != all_:
            bar.total = all_
        bar.n = done
        bar.refresh()

    return update, bar.close

