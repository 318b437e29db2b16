"""Read a scenario file: YAML, ``extends``, deep merge, validation, readable errors.

``extends: other.yaml`` (relative to the extending file) loads the other file
first and merges this one over it: mappings merge key by key, anything else
(numbers, strings, lists) is replaced. A relative city path is relative to the
file that names it, and so is a parameter file's (``calibration.file``).

A section may complete what a file writes from its defaults in the same way
(``response.incident_types`` merges by name over the default types, ``null``
removing one): the file is validated *as written* (:data:`twin.sim.config.AS_WRITTEN`).

The whole scenario is checked before anything runs: first every field of every
section (every mistake, not only the first), then, when the sections are valid,
the rules that span sections, which each system states in its ``check``
(:func:`twin.scenario.systems.problems`). Every mistake is one line naming the
file, the dotted path and the problem, e.g.
``scenarios/big.yaml: response.units.ambulance.count: must be >= 0, got -2``;
several come as one error whose first line counts them::

    scenarios/big.yaml: 2 problems
      scenarios/big.yaml: traffic.collisions.incident_type: the traffic system's collisions are ...
      scenarios/big.yaml: crime.targets.source: is 'population' but the scenario has no population section ...
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
from twin.scenario.systems import problems
from twin.sim.config import AS_WRITTEN


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


def _resolve_calibration_files(data: Any, folder: Path) -> None:
    """Make every relative ``calibration.file`` (a parameter file, :mod:`twin.calibration`)
    relative to the scenario file that names it, wherever the block sits."""
    if not isinstance(data, dict):
        return
    block = data.get("calibration")
    if isinstance(block, dict) and isinstance(block.get("file"), str):
        file = Path(block["file"]).expanduser()
        if not file.is_absolute():
            block["file"] = str((folder / file).resolve())
    for key, value in data.items():
        if key != "calibration":
            _resolve_calibration_files(value, folder)


def read_merged(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario's raw mapping with every ``extends`` merged in."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise TwinError(f"{path}: extends: circular ({chain})")
    data = _read_yaml(path)
    _resolve_city_path(data, path.parent)
    _resolve_calibration_files(data, path.parent)
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


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    """The dotted path and the problem of one pydantic error (with a did-you-mean for an unknown key)."""
    loc = _clean_loc(error["loc"])
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        parent = _model_at(Scenario, loc[:-1]) if len(loc) > 1 else Scenario
        known = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; expected one of: {', '.join(known)}" if known else "")
        return dotted, f"unknown key{hint}"
    return dotted, error["msg"].removeprefix("Value error, ")


def _got(error: dict[str, Any], message: str) -> str:
    """``", got <input>"`` when the message does not show the offending value already."""
    if ("input" in error and error["type"] not in ("missing", "extra_forbidden")
            and not isinstance(error["input"], dict) and repr(error["input"]) not in message):
        return f", got {error['input']!r}"
    return ""


def format_error(path: Path | str, error: dict[str, Any]) -> str:
    """One line for one pydantic error: file, dotted path, problem (with did-you-mean)."""
    dotted, message = _describe(error)
    return f"{path}: {dotted}: {message}{_got(error, message)}"


#: How pydantic begins most of its messages; the options of a union share it.
_SHOULD = "Input should be "


def format_errors(path: Path | str, errors: list[dict[str, Any]]) -> list[str]:
    """One line per field in error: file, dotted path, problem.

    A value that fits none of a union's options (``stations: 'auto'`` or a list)
    gets one error per option from pydantic, all at the same path: they become
    one line, ``Input should be 'auto' or a valid list, got 3``.
    """
    by_path: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for error in errors:
        dotted, message = _describe(error)
        by_path.setdefault(dotted, []).append((message, error))
    lines = []
    for dotted, found in by_path.items():
        text = found[0][0]
        for message, _ in found[1:]:
            if message in text:
                continue
            same = text.startswith(_SHOULD) and message.startswith(_SHOULD)
            text += f" or {message.removeprefix(_SHOULD)}" if same else f"; {message}"
        lines.append(f"{path}: {dotted}: {text}{_got(found[0][1], text)}")
    return lines


def scenario_error(path: Path | str, lines: list[str]) -> TwinError:
    """One error for every mistake found in a scenario: the line itself if one, else a count, then one a line.

    ``lines`` are self-contained (``FILE: dotted.path: problem``) so that each can be read, or grepped, alone.
    """
    if len(lines) == 1:
        return TwinError(lines[0])
    return TwinError(f"{path}: {len(lines)} problems\n" + "\n".join(f"  {line}" for line in lines))


def validate_scenario(data: dict[str, Any], path: Path | str, *, written: bool = True) -> BaseModel:
    """Validate a scenario mapping section by section, then check it as a whole.

    Parameters
    ----------
    data : dict
        The scenario, ``extends`` merged in.
    path : Path or str
        What to call it in messages (the file, or the file and the overrides).
    written : bool
        True for a scenario as a person wrote it (sections complete it from their
        defaults, e.g. ``response.incident_types``); False for a resolved dump.

    Raises
    ------
    TwinError
        Listing every invalid field, or else every problem the systems' checks find.
    """
    try:
        scenario = Scenario.model_validate(data, context={AS_WRITTEN: written})
    except ValidationError as exc:
        raise scenario_error(path, format_errors(path, exc.errors())) from None
    found = problems(scenario)
    if found:
        lines = list(dict.fromkeys(f"{path}: {p.path}: {p.message}" for p in found))
        raise scenario_error(path, lines)
    return scenario


def load_scenario(path: str | Path) -> BaseModel:
    """Load, validate and check a scenario file.

    Returns
    -------
    Scenario
        The validated scenario; ``name`` defaults to the file's stem.

    Raises
    ------
    TwinError
        Naming the file, and for each mistake the dotted path and the problem
        (see :func:`validate_scenario`).
    """
    path = Path(path)
    data = read_merged(path)
    data.setdefault("name", path.stem)
    return validate_scenario(data, path)
