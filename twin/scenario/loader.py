"""Read a scenario file: YAML, ``extends``, deep merge, validation, readable errors.

``extends: other.yaml`` (relative to the extending file) loads the other file
first and merges this one over it: mappings merge key by key, anything else
(numbers, strings, lists) is replaced. A relative city path is relative to the
file that names it. Every error names the file, the dotted path and the problem,
e.g. ``scenarios/big.yaml: response.units.ambulance.count: must be >= 0, got -2``.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from twin.city.sources import parse_source
from twin.errors import TwinError
from twin.scenario.schema import Scenario


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` merged over ``base`` (mappings recursively, other values replaced)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise TwinError(f"{path}: no such scenario file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise TwinError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TwinError(f"{path}: cannot read ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TwinError(f"{path}: a scenario must be a mapping of sections, got {type(data).__name__}")
    return data


def _resolve_city_path(data: dict[str, Any], folder: Path) -> None:
    city = data.get("city")
    source = city.get("source") if isinstance(city, dict) else city
    if not isinstance(source, str) or not source.strip():
        return
    try:
        parsed = parse_source(source)
    except TwinError:
        return  # reported by validation with its path
    if parsed.kind == "file" and not Path(parsed.value).expanduser().is_absolute():
        resolved = str((folder / parsed.value).resolve())
        if isinstance(city, dict):
            city["source"] = resolved
        else:
            data["city"] = resolved


def read_merged(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario's raw mapping with every ``extends`` merged in."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise TwinError(f"{path}: extends: circular ({chain})")
    data = _read_yaml(path)
    _resolve_city_path(data, path.parent)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise TwinError(f"{path}: extends: must be a file name, got {parent!r}")
    return deep_merge(read_merged(path.parent / parent, (*_seen, path)), data)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class found by following ``loc`` from ``model``."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        if isinstance(part, int) or part not in current.model_fields:
            return None
        current = current.model_fields[part].annotation
        # Unwrap Optional[...], Annotated[...], dict[str, X] and list[X] to the model inside.
        while True:
            args = [a for a in typing.get_args(current) if a is not type(None)]
            if isinstance(current, type) and issubclass(current, BaseModel):
                break
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if models:
                current = models[0]
                break
            if not args:
                return None
            current = args[-1]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds validator/union tags ("function-before[...]", "literal['auto']") to locations.
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in ("function-after",))))


def format_error(path: Path, error: dict[str, Any]) -> str:
    """One line for one pydantic error: file, dotted path, problem (with did-you-mean)."""
    loc = _clean_loc(error["loc"])
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        parent = _model_at(Scenario, loc[:-1]) if len(loc) > 1 else Scenario
        known = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; expected one of: {', '.join(known)}" if known else "")
        return f"{path}: {dotted}: unknown key{hint}"
    message = error["msg"].removeprefix("Value error, ")
    if ("input" in error and error["type"] != "missing" and not isinstance(error["input"], dict)
            and repr(error["input"]) not in message):
        message += f", got {error['input']!r}"
    return f"{path}: {dotted}: {message}"


def load_scenario(path: str | Path) -> BaseModel:
    """Load and validate a scenario file.

    Returns
    -------
    Scenario
        The validated scenario; ``name`` defaults to the file's stem.

    Raises
    ------
    TwinError
        Naming the file, the dotted path and the problem.
    """
    path = Path(path)
    data = read_merged(path)
    data.setdefault("name", path.stem)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise TwinError(format_error(path, errors[0]) + more) from None
