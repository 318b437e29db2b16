"""``--set PATH=V1,V2,...``: dotted overrides of a scenario, and the grid they span.

``--set run.duration=12h,24h,48h --set run.warmup=0,1h`` is a grid of 3 × 2
variants of the scenario. Each variant is the scenario as
resolved (every default filled in) with the overrides deep-merged over it (the
same merge as ``extends``), validated again by the schema: overriding one field
leaves every other field, default or not, as it was. Paths are checked against the schema before
anything runs, with a did-you-mean for a misspelt key. Values are YAML
(``8``, ``2h``, ``true``, ``closest``, ``[1, 2]``); a comma inside brackets or
quotes does not split values, so ``--set 'city="synthetic:nodes=5000,seed=2"'``
is one value.
"""

from __future__ import annotations

import difflib
import itertools
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from twin.errors import TwinError
from twin.scenario.loader import _resolve_city_path, deep_merge, validate_scenario
from twin.scenario.schema import Scenario

#: Paths an override may not touch, and what to use instead.
RESERVED = {"run.seed": "--seed", "run.replications": "--reps", "name": "a scenario file's own name"}


@dataclass(frozen=True)
class Override:
    """One ``--set``: a dotted path (as typed), its keys (typed as the schema wants) and values."""

    path: str
    keys: tuple[Any, ...]
    values: tuple[Any, ...]


def split_values(text: str) -> list[str]:
    """Split ``text`` at commas outside brackets, braces and quotes."""
    items, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items]


def parse_set(text: str, data: dict[str, Any] | None = None) -> Override:
    """Parse and check one ``PATH=V1,V2,...``.

    Parameters
    ----------
    text : str
        As typed after ``--set``.
    data : dict, optional
        The validated scenario's ``model_dump()``: names of free-form entries
        (incident types) are checked against it.

    Raises
    ------
    TwinError
        ``--set PATH: ...`` for a missing ``=``, an unknown key (with a
        did-you-mean), a path into a list or past a single value, or an
        unreadable value.
    """
    path, sep, raw_values = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise TwinError(f"--set {text!r}: expected PATH=VALUE[,VALUE...], e.g. run.duration=12h,24h")
    if path in RESERVED:
        raise TwinError(f"--set {path}: not a sweep parameter; use {RESERVED[path]}")
    keys = check_path(path, data or {})
    values = []
    for item in split_values(raw_values):
        if not item:
            raise TwinError(f"--set {path}: empty value in {raw_values!r}")
        try:
            values.append(yaml.safe_load(item))
        except yaml.YAMLError as exc:
            raise TwinError(f"--set {path}: cannot read the value {item!r} ({getattr(exc, 'problem', exc)})") from None
    if len(set(map(repr, values))) != len(values):
        raise TwinError(f"--set {path}: a value is repeated in {raw_values!r}")
    return Override(path, keys, tuple(values))


def _unwrap(annotation: Any) -> Any:
    """Strip ``Optional``/``Annotated``; of a union, keep the model or mapping inside if there is one."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            structured = [a for a in options if _is_model(a) or typing.get_origin(a) is dict]
            if structured or len(options) == 1:
                annotation = (structured or options)[0]
                continue
        return annotation  # a model, a mapping, a list, or a plain value (a leaf)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unknown(path: str, where: str, part: str, known: list[str], what: str = "key") -> TwinError:
    close = difflib.get_close_matches(part, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else (f"; expected one of: {', '.join(known)}" if known else "")
    return TwinError(f"--set {path}: unknown {what} {part!r} in {where or 'the scenario'}{hint}")


def check_path(path: str, data: dict[str, Any]) -> tuple[Any, ...]:
    """Follow ``path`` through the scenario schema; return its keys typed as the schema wants.

    Mapping keys declared as integers (a target per priority: ``SECTION.targets_s.1``) become
    ints; free-form mappings of sections (``SECTION.incident_types.fire``) must name
    an entry the scenario ``data`` (a validated ``model_dump()``) already has.
    """
    parts = path.split(".")
    annotation: Any = Scenario
    node: Any = data
    keys: list[Any] = []
    for i, part in enumerate(parts):
        where = ".".join(parts[:i])
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if _is_model(annotation):
            fields = annotation.model_fields
            if part not in fields:
                raise _unknown(path, where, part, list(fields))
            key: Any = part
            annotation = fields[part].annotation
        elif origin is dict:
            key_type, annotation = typing.get_args(annotation)
            allowed = typing.get_args(key_type) if typing.get_origin(key_type) is typing.Literal else ()
            key = int(part) if part.lstrip("-").isdigit() and (key_type is int or any(
                isinstance(a, int) for a in allowed)) else part
            if allowed and key not in allowed:
                raise _unknown(path, where, part, [str(a) for a in allowed])
            existing = [str(k) for k in node] if isinstance(node, dict) else []
            # A new entry of models (an incident type) would lack its required fields: most likely a typo.
            if not allowed and _is_model(_unwrap(annotation)) and part not in existing:
                raise _unknown(path, where, part, existing, "entry")
        elif origin is list:
            raise TwinError(f"--set {path}: {where} is a list; set it whole, e.g. --set '{where}=[...]'")
        else:
            raise TwinError(f"--set {path}: {where} is a single value; it has no {part!r}")
        keys.append(key)
        node = node.get(key, node.get(str(key))) if isinstance(node, dict) else None
    return tuple(keys)


def grid(overrides: list[Override]) -> list[dict[str, Any]]:
    """Every combination of the overrides' values, the last ``--set`` varying fastest.

    Returns
    -------
    list of dict
        ``{path: value}`` per combination, in the order of ``overrides``.
    """
    paths = [o.path for o in overrides]
    if len(set(paths)) != len(paths):
        repeated = next(p for p in paths if paths.count(p) > 1)
        raise TwinError(f"--set {repeated}: given twice; list all its values in one --set")
    return [dict(zip(paths, combo)) for combo in itertools.product(*(o.values for o in overrides))]


def apply(resolved: dict[str, Any], overrides: list[Override], combination: dict[str, Any]) -> dict[str, Any]:
    """One combination's values deep-merged over a resolved scenario (which is not changed).

    Parameters
    ----------
    resolved : dict
        ``scenario.model_dump()``: every default filled in, so that overriding
        one field of a distribution keeps its other fields, and one entry of a
        mapping (``SECTION.targets_s.1``) keeps the other entries.
    """
    merged = dict(resolved)
    for override in overrides:
        nested: Any = combination[override.path]
        for key in reversed(override.keys):
            nested = {key: nested}
        merged = deep_merge(merged, nested)
    _resolve_city_path(merged, Path.cwd())  # a city file named on the command line is relative to here
    return merged


def variant(scenario: BaseModel, overrides: list[Override], combination: dict[str, Any],
            source: Path | str) -> BaseModel:
    """Validate one combination of overrides of ``scenario``.

    Raises
    ------
    TwinError
        Naming the file, the overrides and the dotted path, e.g. ``scenarios/baseline.yaml
        with run.seed=abc: run.seed: Input should be a valid integer ...``; every mistake,
        the whole-scenario checks' too.
    """
    label = f"{source} with " + ", ".join(f"{p}={v}" for p, v in combination.items())
    return validate_scenario(apply(scenario.model_dump(), overrides, combination), label, written=False)
