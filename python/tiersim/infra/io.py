"""The infrastructure file format (YAML or JSON) and the objects it describes.

A file holds ``name``, an optional ``run`` section (the core's, passed
through) and ``system``: ``tiers``, ``externals``, ``network``,
``transactions`` and ``workload`` (see docs/guides/vocabulary.md). Errors
are :class:`~tiersim.errors.ModelError` with the field's path, e.g.
``system.tiers[1].servers``.

>>> s = loads('''
... name: one
... system:
...   tiers: [{name: web, server: {cpu: {cores: 2}}}]
...   transactions: [{name: hit, tier: web, cpu_ms: 10}]
...   workload: {type: open, rps: 50}
... ''')
>>> s.tiers[0].server.cpu.cores, s.workload.rps
(2, 50)
>>> loads("system: {tiers: [{name: web, servers: 0}]}")
Traceback (most recent call last):
...
tiersim.errors.ModelError: system.tiers[0].servers: 0 is out of range; expected an integer 1..10000
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ModelError
from ._base import fail, join, prefixed, suggest
from .hardware import Cpu, Disk, Link, Memory, Nic, Router, San
from .software import AdmissionLimit, Cache, Compression, ConnectionPool, ExternalSystem, RowLocks, ThreadPool
from .system import Network, Path, Server, System, Tier
from .transaction import Call, Io, Transaction
from .workload import Batch, Closed, Open

__all__ = ["load", "loads", "system_from_dict", "from_document", "model_from_document", "is_infrastructure"]

if TYPE_CHECKING:
    from ..model import Model

Reader = Callable[[Any, str], Any]


def _mapping(data: Any, path: str, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise fail(path, f"expected a mapping ({what}), got {type(data).__name__}")
    return data


def _list(data: Any, path: str, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise fail(path, f"expected a list of {what}, got {type(data).__name__}")
    return data


def _keys(data: Mapping[str, Any], path: str, allowed: list[str], required: list[str] = ()) -> None:  # type: ignore[assignment]
    for k in data:
        if k not in allowed:
            raise fail(join(path, str(k)), f"unknown key {k!r}{suggest(str(k), allowed)} (allowed: {', '.join(allowed)})")
    for k in required:
        if k not in data:
            raise fail(join(path, k), "required key is missing")


def _obj(cls: type, data: Any, path: str, nested: Mapping[str, Reader] | None = None,
         rename: Mapping[str, str] | None = None) -> Any:
    """A dataclass ``cls`` from a mapping: unknown keys, missing required keys and bad values
    are errors naming the field; ``nested`` converts a field's value first."""
    data = _mapping(data, path, cls.__name__)
    fs = [f for f in fields(cls)]
    allowed = [f.name for f in fs]
    required = [f.name for f in fs if f.default is MISSING and f.default_factory is MISSING]
    _keys(data, path, allowed, required)
    kwargs: dict[str, Any] = {}
    for k, v in data.items():
        reader = (nested or {}).get(k)
        kwargs[k] = reader(v, join(path, k)) if reader is not None and v is not None else v
    try:
        return cls(**kwargs)
    except ModelError as e:
        raise prefixed(e, path) from None


def _list_of(reader: Reader, what: str) -> Reader:
    return lambda data, path: [reader(x, join(path, i)) for i, x in enumerate(_list(data, path, what))]


def _one_or_int(cls: type, key: str) -> Reader:
    """``threads: 50`` as well as ``threads: {size: 50}``."""

    def read(data: Any, path: str) -> Any:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            try:
                return cls(**{key: data})
            except ModelError as e:
                raise ModelError(e.message, path=path) from None
        return _obj(cls, data, path)

    return read


def _disk(data: Any, path: str) -> Disk:
    return _obj(Disk, data, path, {"san": lambda d, p: _obj(San, d, p)})


def _server(data: Any, path: str) -> Server:
    return _obj(Server, data, path, {
        "cpu": _one_or_int(Cpu, "cores"),
        "memory": lambda d, p: _obj(Memory, d, p),
        "disk": _disk,
        "nic": lambda d, p: _obj(Nic, d, p),
    })


def _tier(data: Any, path: str) -> Tier:
    return _obj(Tier, data, path, {
        "server": _server,
        "threads": _one_or_int(ThreadPool, "size"),
        "admission": _one_or_int(AdmissionLimit, "max_concurrent"),
        "connections": _list_of(lambda d, p: _obj(ConnectionPool, d, p), "connection pools ({to, size})"),
        "locks": _list_of(lambda d, p: _obj(RowLocks, d, p), "lock tables ({name, rows, ...})"),
    })


def _path(data: Any, path: str) -> Path:
    return _obj(Path, data, path, {"between": lambda d, p: _list(d, p, "two endpoints"),
                                   "via": lambda d, p: _list(d, p, "link or router names")})


def _network(data: Any, path: str) -> Network:
    return _obj(Network, data, path, {
        "links": _list_of(lambda d, p: _obj(Link, d, p), "links"),
        "routers": _list_of(lambda d, p: _obj(Router, d, p), "routers"),
        "paths": _list_of(_path, "paths ({between: [a, b], via: [...]})"),
        "default": lambda d, p: _list(d, p, "link or router names"),
        "compression": lambda d, p: _obj(Compression, d, p),
    })


def _io(data: Any, path: str) -> Io:
    return _obj(Io, data, path)


def _call_nested() -> dict[str, Reader]:
    return {
        "reads": _list_of(_io, "I/Os ({kib, random, count})"),
        "writes": _list_of(_io, "I/Os ({kib, random, count})"),
        "calls": _list_of(_call, "calls ({tier, cpu_ms, ...})"),
        "cache": lambda d, p: _obj(Cache, d, p),
        "compress": lambda d, p: _obj(Compression, d, p),
    }


def _call(data: Any, path: str) -> Call:
    return _obj(Call, data, path, _call_nested())


_CALL_KEYS = [f.name for f in fields(Call)]


def _transaction(data: Any, path: str) -> Transaction:
    data = _mapping(data, path, "a transaction: name, tier and its work")
    _keys(data, path, ["name", "weight", *_CALL_KEYS], ["name", "tier"])
    work = {k: v for k, v in data.items() if k not in ("name", "weight")}
    root = _call(work, path)
    tx = Transaction(data["name"] if isinstance(data["name"], str) else str(data["name"]),
                     weight=data.get("weight", 1.0))
    tx.root = root
    tx._tail = root
    try:
        if not isinstance(data["name"], str):
            raise fail("name", f"expected a name, got {data['name']!r}")
        tx.check()
    except ModelError as e:
        raise prefixed(e, path) from None
    return tx


def _workload(data: Any, path: str) -> Open | Closed | Batch:
    data = _mapping(data, path, "a workload: type open, closed or batch")
    kind = data.get("type", "open")
    kinds: dict[str, type] = {"open": Open, "closed": Closed, "batch": Batch}
    if kind not in kinds:
        raise fail(join(path, "type"), f"unknown workload type {kind!r}{suggest(str(kind), kinds)} "
                                       "(expected open, closed or batch)")
    rest = {k: v for k, v in data.items() if k != "type"}
    nested: dict[str, Reader] = {"mix": lambda d, p: dict(_mapping(d, p, "transaction name: weight"))}
    if kind == "open":
        def schedule(d: Any, p: str) -> list[tuple[Any, Any]]:
            out = []
            for i, piece in enumerate(_list(d, p, "pieces ({from_s, rps})")):
                pp = join(p, i)
                piece = _mapping(piece, pp, "{from_s, rps}")
                _keys(piece, pp, ["from_s", "rps"], ["from_s", "rps"])
                out.append((piece["from_s"], piece["rps"]))
            return out

        nested["schedule"] = schedule
    return _obj(kinds[kind], rest, path, nested)


def _external(data: Any, path: str) -> ExternalSystem:
    return _obj(ExternalSystem, data, path)


_SYSTEM_KEYS = ["tiers", "externals", "network", "transactions", "workload", "reference_clock_ghz", "service_cv"]


def system_from_dict(data: Any, name: str = "system", run: Mapping[str, Any] | None = None,
                     path: str = "system") -> System:
    """A :class:`System` from the ``system`` section of an infrastructure file; errors name
    the field under ``path``.

    >>> doc = {"name": "one", "run": {"until": 100},
    ...        "system": {"tiers": [{"name": "web"}],
    ...                   "transactions": [{"name": "hit", "tier": "web", "cpu_ms": 10}],
    ...                   "workload": {"type": "open", "rps": 50}}}
    >>> system_from_dict(doc["system"], name="one").tiers[0].name
    'web'
    >>> system_from_dict({"tiers": [{"name": "web", "threads": 0}]})
    Traceback (most recent call last):
    ...
    tiersim.errors.ModelError: system.tiers[0].threads: 0 is out of range; expected an integer 1..100000000
    """
    data = _mapping(data, path, "tiers, transactions, workload, ...")
    _keys(data, path, _SYSTEM_KEYS, ["tiers"])
    tiers = _list_of(_tier, "tiers ({name, servers, server, ...})")(data["tiers"], join(path, "tiers"))
    _keys(data, path, _SYSTEM_KEYS, ["transactions", "workload"])
    externals = _list_of(_external, "external systems")(data.get("externals") or [], join(path, "externals"))
    network = _network(data["network"], join(path, "network")) if data.get("network") is not None else None
    txs = _list_of(_transaction, "transactions")(data["transactions"], join(path, "transactions"))
    wl = data["workload"]
    if isinstance(wl, list):
        workloads: Any = [_workload(w, join(join(path, "workload"), i)) for i, w in enumerate(wl)]
    else:
        workloads = _workload(wl, join(path, "workload"))
    system = System(name=name, tiers=tiers, transactions=txs, workload=workloads, network=network,
                    externals=externals, reference_clock_ghz=data.get("reference_clock_ghz"),
                    service_cv=data.get("service_cv", 1.0), run=run)
    try:
        system.check()
    except ModelError as e:
        if e.path in ("name", "run") or e.path.startswith("run."):
            raise
        raise prefixed(e, path) from None
    return system


def is_infrastructure(data: Any) -> bool:
    """Whether a parsed document is an infrastructure file (it has a top-level ``system``).

    >>> is_infrastructure({"system": {}}), is_infrastructure({"stations": [], "classes": []})
    (True, False)
    """
    return isinstance(data, Mapping) and "system" in data


def from_document(data: Any, source: str = "<string>") -> System:
    """A :class:`System` from a whole parsed file: ``{name, run, system}``.

    >>> doc = {"name": "one", "run": {"until": 100},
    ...        "system": {"tiers": [{"name": "web"}],
    ...                   "transactions": [{"name": "hit", "tier": "web", "cpu_ms": 10}],
    ...                   "workload": {"type": "open", "rps": 50}}}
    >>> s = from_document(doc)
    >>> s.name, s.run_settings
    ('one', {'until': 100})
    """
    if not isinstance(data, Mapping):
        raise ModelError(f"{source}: an infrastructure file is a mapping with name, run and system")
    _keys(data, "", ["name", "run", "system"], ["system"])
    name = data.get("name", "system")
    if not isinstance(name, str) or not name:
        raise fail("name", f"expected a non-empty name, got {name!r}")
    run = data.get("run")
    if run is not None and not isinstance(run, Mapping):
        raise fail("run", f"expected a mapping (until, warmup, replications, seed, ...), got {type(run).__name__}")
    return system_from_dict(data["system"], name=name, run=dict(run) if run else None)


def model_from_document(data: Any, source: str = "<string>") -> Model:
    """The core :class:`~tiersim.Model` an infrastructure file compiles to (what ``tiersim.load`` returns).

    >>> doc = {"name": "one", "run": {"until": 100},
    ...        "system": {"tiers": [{"name": "web"}],
    ...                   "transactions": [{"name": "hit", "tier": "web", "cpu_ms": 10}],
    ...                   "workload": {"type": "open", "rps": 50}}}
    >>> [sv["name"] for sv in model_from_document(doc).to_dict()["services"]]
    ['web']
    """
    system = from_document(data, source)
    try:
        return system.to_model()
    except ModelError as e:
        raise prefixed(e, "system") from None


def loads(text: str, format: Literal["yaml", "json"] = "yaml", source: str = "<string>") -> System:
    """A :class:`System` from the text of an infrastructure file (YAML or JSON).

    >>> loads('{"system": {"tiers": [{"name": "web"}], "transactions": [{"name": "t", "tier": "web"}],'
    ...       ' "workload": {"type": "closed", "users": 5}}}', format="json").workload
    Closed(users=5, think_s=0.0, mix=None, name=None)
    """
    from ..io import _parse_json, _parse_yaml

    data = _parse_yaml(text, source) if format == "yaml" else _parse_json(text, source)
    if data is None:
        raise ModelError(f"{source}: the file is empty")
    return from_document(data, source)


def load(path: str | os.PathLike[str]) -> System:
    """A :class:`System` from an infrastructure file (``.json`` as JSON, anything else as YAML).

    ``tiersim.load`` reads the same file into the core model it compiles to.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "one.yaml"
    >>> _ = p.write_text("system: {tiers: [{name: web}], transactions: [{name: t, tier: web}],"
    ...                  " workload: {type: batch, jobs: 10}}")
    >>> load(p).workload.jobs
    10
    """
    p = FilePath(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(2, "infrastructure file not found", str(p)) from None
    return loads(text, format="json" if p.suffix.lower() == ".json" else "yaml", source=str(p))
