"""Reading model files (YAML or JSON) into a :class:`~tiersim.model.Model`.

A file with a top-level ``system`` key is an infrastructure file (see
:mod:`tiersim.infra`); it is compiled to the core model it describes.

Problems with the document itself (syntax, a repeated key, a top level that
is not a mapping) raise :class:`~tiersim.errors.ModelError` with path ``""``
and the line and column in the message; the core checks the content.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import ModelError
from .model import Model, json_ready

__all__ = ["load", "loads"]

LQN_SUFFIXES = (".lqnx", ".xml")  # LQN's XML models, imported by tiersim.lqn


class _ModelLoader(yaml.SafeLoader):
    """SafeLoader that reads ``1e-3`` as a number and rejects repeated keys."""


# YAML 1.1 (PyYAML) reads 1e-3 as a string; YAML 1.2 and JSON read a number.
_ModelLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _construct_mapping(loader: _ModelLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)  # type: ignore[no-untyped-call]
        try:
            repeated = key in seen
        except TypeError:
            continue  # an unhashable key; construct_mapping reports it
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in the same mapping (first on line "
                f"{seen[key].start_mark.line + 1})", key_node.start_mark)
        seen[key] = key_node
    return loader.construct_mapping(node, deep=True)


_ModelLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# Limits on a document, checked before it is expanded: a model is a few KB;
# a recorded trace of samples may reach a few MB.
MAX_TEXT_BYTES = 16 * 1024 * 1024
MAX_VALUES = 2_000_000  # values in the document once YAML aliases are expanded
MAX_DEPTH = 64  # nesting of lists and mappings (a model needs about 8)


def _check_size(text: str, source: str) -> None:
    if len(text) > MAX_TEXT_BYTES:
        raise ModelError(f"{source}: is {len(text) / 2**20:.1f} MB; a model file may be at most "
                         f"{MAX_TEXT_BYTES // 2**20} MB")


def _check_nodes(root: yaml.Node, source: str) -> None:
    """Counts the values ``root`` expands to (an alias counts its whole target
    each time) and its depth, without expanding anything: a "billion laughs"
    document is refused in microseconds instead of filling memory."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in size:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
            if len(stack) > 4 * MAX_VALUES:
                break
            continue
        size[key] = 1 + sum(size.get(id(c), 1) for c in children)
        depth[key] = 1 + max((depth.get(id(c), 0) for c in children), default=0)
        mark = node.start_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}"
        if size[key] > MAX_VALUES:
            raise ModelError(f"{where}: the document expands to more than {MAX_VALUES:,} values "
                             "(YAML aliases repeated inside each other?); a model holds far fewer")
        if depth[key] > MAX_DEPTH:
            raise ModelError(f"{where}: lists and mappings nested more than {MAX_DEPTH} levels deep; "
                             "a model needs about 8")


def _parse_yaml(text: str, source: str) -> Any:
    _check_size(text, source)
    loader = _ModelLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, source)
        return loader.construct_document(node)
    except RecursionError:
        raise ModelError(f"{source}: lists and mappings nested too deeply to read; a model needs "
                         "about 8 levels") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        what = e.problem or e.context or "invalid YAML"
        raise ModelError(f"{where}: YAML syntax error: {what}") from None
    except yaml.YAMLError as e:
        raise ModelError(f"{source}: YAML syntax error: {e}") from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


def _parse_json(text: str, source: str) -> Any:
    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise ModelError(f"{source}: key {k!r} appears twice in the same object")
            out[k] = v
        return out

    _check_size(text, source)
    try:
        return json.loads(text, object_pairs_hook=no_repeats)
    except json.JSONDecodeError as e:
        raise ModelError(f"{source}:{e.lineno}:{e.colno}: JSON syntax error: {e.msg}") from None
    except RecursionError:
        raise ModelError(f"{source}: lists and objects nested too deeply to read; a model needs "
                         "about 8 levels") from None


_MODEL_KEYS = frozenset({"name", "run", "stations", "pools", "classes", "services", "system"})


def _to_model(data: Any, source: str) -> Model:
    if data is None:
        raise ModelError(f"{source}: the model is empty")
    if not isinstance(data, dict):
        raise ModelError(f"{source}: the model must be a mapping with stations and classes, "
                         f"not a {type(data).__name__}")
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise ModelError(f"{source}: top-level key {bad[0]!r} is not a string")
    if data and not set(data) & _MODEL_KEYS:
        # Some other file that happens to parse as a mapping (a .env, a config):
        # say so without quoting its content back.
        raise ModelError(f"{source}: not a model file: none of its {len(data)} top-level key(s) is one of "
                         + ", ".join(sorted(_MODEL_KEYS)))
    # Dates, binary, sets, non-string keys, NaN, nesting: refused at their field.
    data = json_ready(data, "")
    if "system" in data:
        # An infrastructure file (tiers, servers, transactions): compiled to the core model.
        from .infra.io import model_from_document

        return model_from_document(data, source)
    return Model.from_dict(data)


def loads(text: str, format: Literal["yaml", "json"] = "yaml", source: str = "<string>") -> Model:
    """Reads a model from YAML or JSON text; ``source`` names it in messages.

    >>> m = loads('''
    ... name: mm1
    ... stations: [{name: cpu}]
    ... classes:
    ...   - name: q
    ...     interarrival: {dist: exponential, rate: 0.5}
    ...     steps: [{visit: cpu, service: 1e-3}]
    ... ''')
    >>> m.name, m.to_dict()["classes"][0]["steps"][0]["service"]
    ('mm1', 0.001)
    >>> loads("stations: [", source="bad.yaml")
    Traceback (most recent call last):
    ...
    tiersim.errors.ModelError: bad.yaml:1:12: YAML syntax error: expected the node content, but found '<stream end>'
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ModelError(f"{source}: not a text file (byte {e.start} is not UTF-8)") from None
    if not isinstance(text, str):
        raise TypeError(f"loads() takes the model's text (str), not {type(text).__name__}; "
                        "use load() for a path or Model.from_dict() for a dict")
    if format == "yaml":
        data = _parse_yaml(text, source)
    elif format == "json":
        data = _parse_json(text, source)
    else:
        raise ValueError(f"format must be 'yaml' or 'json', not {format!r}")
    return _to_model(data, source)


def load(path: str | os.PathLike[str]) -> Model:
    """Reads a model file: ``.json`` as JSON, anything else (``.yaml``, ``.yml``) as YAML.

    Raises ``FileNotFoundError`` for a missing file and
    :class:`~tiersim.errors.ModelError` for a file that is not a model.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "m.yaml").write_text("name: tiny\\nstations: [{name: cpu}]\\nclasses: []\\n")
    >>> load(d / "m.yaml").station_names
    ['cpu']
    """
    p = Path(path)
    # An LQN model (.lqnx, .xml) is imported by tiersim.lqn (docs/guides/coming-from-lqn.md).
    if p.suffix.lower() in LQN_SUFFIXES and p.is_file():
        from .lqn import load_lqnx

        return load_lqnx(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(2, "model file not found", str(p)) from None
    except IsADirectoryError:
        raise IsADirectoryError(21, "is a directory, not a model file", str(p)) from None
    except UnicodeDecodeError as e:
        raise ModelError(f"{p}: not a text file (byte {e.start} is not UTF-8)") from None
    fmt: Literal["yaml", "json"] = "json" if p.suffix.lower() == ".json" else "yaml"
    return loads(text, format=fmt, source=str(p))
