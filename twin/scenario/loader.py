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
import os
import re
import reprlib
import stat
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from twin.city.sources import parse_source
from twin.errors import TwinError
from twin.scenario.budget import check_budget
from twin.scenario.schema import Scenario
from twin.scenario.systems import SYSTEMS, problems
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


#: Largest scenario file read, bytes. Scenarios are a few kilobytes (one listing a thousand
#: stations by position is some 60 kB); a megabyte of YAML is a mistake (the wrong file) or an attack.
MAX_FILE_BYTES = 1_000_000
#: Most values (mappings, lists and scalars) a file may hold once YAML's aliases are expanded.
#: An alias repeats what its anchor names without copying it, so 600 bytes of nested aliases
#: can stand for a billion values, which validation and error messages would then walk.
#: A scenario holds some hundreds; a thousand stations by position some 7,000. Reading
#: 50,000 takes about a second.
MAX_VALUES = 50_000
#: Deepest nesting of mappings and lists in a file (a scenario nests some 6 levels).
MAX_DEPTH = 50
#: Longest piece of a file an error message quotes, characters.
MAX_QUOTE = 200
#: Longest line of an error message, characters (the path and the problem around a quote).
MAX_LINE = 500
#: Most problems one error lists; the rest are counted.
MAX_PROBLEMS = 20

_QUOTER = reprlib.Repr()
_QUOTER.maxstring = _QUOTER.maxother = MAX_QUOTE
_QUOTER.maxlist = _QUOTER.maxtuple = _QUOTER.maxdict = _QUOTER.maxset = 6
_QUOTER.maxlevel = 3


def quote(value: Any) -> str:
    """``repr(value)`` cut to about :data:`MAX_QUOTE` characters, for error messages."""
    text = _QUOTER.repr(value)
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "…"


def _cap(line: str) -> str:
    """``line`` on one line (a newline inside it escaped), cut to :data:`MAX_LINE` characters."""
    line = line.replace("\r", "\\r").replace("\n", "\\n")
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + "… (cut)"


def _read_text(path: Path, where: str, missing: str) -> str:
    """The text of the regular file ``path``, refused before reading if it is anything else
    (a folder, a device such as ``/dev/zero``, a pipe) or larger than :data:`MAX_FILE_BYTES`."""
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise TwinError(missing) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise TwinError(f"{where}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise TwinError(f"{where}: is a folder, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise TwinError(f"{where}: is not a regular file (a device, pipe or socket); a scenario is a YAML file")
        if info.st_size > MAX_FILE_BYTES:
            raise TwinError(f"{where}: {info.st_size:,} bytes is too large for a scenario file "
                            f"(at most {MAX_FILE_BYTES:,})")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise TwinError(f"{where}: too large for a scenario file (at most {MAX_FILE_BYTES:,} bytes)")
    except OSError as exc:
        raise TwinError(f"{where}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TwinError(f"{where}: not UTF-8 text (byte {exc.start:,})") from None


#: libyaml's parser where PyYAML has it (some 20 times faster), else PyYAML's own.
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ScenarioLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader, refusing a mapping that names a key twice (YAML keeps the last silently)."""

    where = ""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # "<<: *base" merges keys that this mapping may then override
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = first_line.get(key)
                except TypeError:
                    continue  # an unhashable key: PyYAML's own error follows
                line = key_node.start_mark.line + 1
                if seen is not None:
                    raise TwinError(_cap(f"{self.where}:{line}: duplicate key {quote(key)} "
                                         f"(first at line {seen}; YAML would keep only the last)"))
                first_line[key] = line
        return super().construct_mapping(node, deep)


def _check_shape(text: str, where: str) -> None:
    """Refuse YAML nested deeper than :data:`MAX_DEPTH` or holding more than :data:`MAX_VALUES`
    values once its aliases are expanded, from the parser's events alone: before any node is
    built, and without recursion (libyaml's composer recurses in C, where a file of a million
    ``[`` would crash the interpreter rather than raise)."""
    open_nodes: list[list[Any]] = []  # per open list or mapping: [values, height, anchor, line]
    measured: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of the node it names
    anchors_open: set[str] = set()

    def add(values: int, height: int, line: int) -> None:
        if not open_nodes:
            return
        parent = open_nodes[-1]
        parent[0] += values
        parent[1] = max(parent[1], height + 1)
        if parent[0] > MAX_VALUES:
            raise TwinError(f"{where}:{line}: more than {MAX_VALUES:,} values once YAML's aliases are expanded "
                            f"(an alias repeats what it names): not a scenario")
        if len(open_nodes) + height > MAX_DEPTH:
            raise TwinError(f"{where}:{line}: nested more than {MAX_DEPTH} levels deep")

    for event in yaml.parse(text, Loader=_BaseLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in anchors_open:
                raise TwinError(f"{where}:{line}: an alias refers to a value that contains it")
            add(*measured.get(event.anchor, (1, 0)), line)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                measured[event.anchor] = (1, 0)
            add(1, 0, line)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(open_nodes) >= MAX_DEPTH:
                raise TwinError(f"{where}:{line}: nested more than {MAX_DEPTH} levels deep")
            open_nodes.append([1, 0, event.anchor, line])
            if event.anchor is not None:
                anchors_open.add(event.anchor)
        elif isinstance(event, yaml.CollectionEndEvent):
            values, height, anchor, _ = open_nodes.pop()
            if anchor is not None:
                anchors_open.discard(anchor)
                measured[anchor] = (values, height)
            add(values, height, line)


def _parse_yaml(text: str, where: str) -> Any:
    """The YAML document in ``text``: size and depth bounded before it is built, duplicate keys refused."""
    try:
        _check_shape(text, where)
        loader = _ScenarioLoader(text)
        loader.where = where
        try:
            node = loader.get_single_node()
            return None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where}:{mark.line + 1}" if mark else where
        raise TwinError(_cap(f"{at}: not valid YAML ({getattr(exc, 'problem', None) or exc})")) from None
    except RecursionError:
        raise TwinError(f"{where}: nested too deeply (at most {MAX_DEPTH} levels)") from None


def _read_yaml(path: Path, where: str | None = None, missing: str | None = None) -> dict[str, Any]:
    """One scenario file's mapping. ``where`` is what messages call it (default: the path)."""
    where = str(path) if where is None else where
    data = _parse_yaml(_read_text(path, where, missing or f"{where}: no such scenario file"), where)
    if data is None:
        raise TwinError(f"{where}: the file is empty; a scenario names at least one system's section "
                        f"({', '.join(SYSTEMS)})")
    if not isinstance(data, dict):
        raise TwinError(f"{where}: a scenario must be a mapping of sections, got {type(data).__name__}")
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
    try:
        if parsed.kind != "file" or Path(parsed.value).expanduser().is_absolute():
            return
        resolved = str((folder / parsed.value).resolve())
    except (OSError, ValueError, RuntimeError):
        return  # a NUL in the name, a loop of links: reported by validation with its path
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
        try:
            file = Path(block["file"]).expanduser()
            if not file.is_absolute():
                block["file"] = str((folder / file).resolve())
        except (OSError, ValueError, RuntimeError):
            pass  # a NUL in the name, a loop of links: reported by validation with its path
    for key, value in data.items():
        if key != "calibration":
            _resolve_calibration_files(value, folder)


@dataclass(frozen=True)
class Layer:
    """One file of a scenario's ``extends`` chain, as written (relative paths resolved).

    ``where`` is what messages call it: the file as given for the scenario itself, the
    chain for a file it extends (``scenarios/a.yaml -> scenarios/base.yaml``).
    """

    path: Path
    where: str
    data: dict[str, Any]


def read_layers(path: Path, where: str | None = None, _seen: tuple[Path, ...] = ()) -> list[Layer]:
    """The files of a scenario, itself first, then the file it extends, and so on.

    Raises
    ------
    TwinError
        A file that cannot be read or is not a scenario (naming it and the chain that
        led to it), an ``extends`` that names no file (naming the file that holds it),
        or a cycle.
    """
    where = str(path) if where is None else where
    try:
        resolved = path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise TwinError(f"{where}: cannot read ({exc})") from None
    if resolved in _seen:
        chain = " -> ".join(p.name for p in (*_seen, resolved))
        raise TwinError(f"{where}: extends: circular ({chain})")
    data = _read_yaml(resolved, where)
    _resolve_city_path(data, resolved.parent)
    _resolve_calibration_files(data, resolved.parent)
    parent = data.pop("extends", None)
    layer = Layer(resolved, where, data)
    if parent is None:
        return [layer]
    if not isinstance(parent, str) or not parent.strip() or "\0" in parent:
        raise TwinError(f"{where}: extends: must be a file name, got {quote(parent)}")
    shown = where.rsplit(" -> ", 1)[-1]
    target = resolved.parent / parent
    base_where = f"{where} -> {Path(shown).parent / parent}"
    missing = _cap(f"{where}: extends: no such file {quote(parent)} (looked for {target}: "
                   f"a path in extends is relative to the file that names it, {Path(shown).name})")
    try:
        bases = read_layers(target, base_where, (*_seen, resolved)) if target.exists() else None
    except (OSError, ValueError):
        bases = None
    if bases is None:
        raise TwinError(missing)
    return [layer, *bases]


def merge_layers(layers: list[Layer]) -> dict[str, Any]:
    """The scenario's mapping: each file merged over the file it extends (:func:`deep_merge`)."""
    data: dict[str, Any] = {}
    for layer in reversed(layers):
        data = deep_merge(data, layer.data)
    return data


def read_merged(path: Path) -> dict[str, Any]:
    """The scenario's raw mapping with every ``extends`` merged in."""
    return merge_layers(read_layers(path))


def _step(container: Any, part: Any) -> tuple[bool, Any]:
    """``(found, value)`` of ``part`` inside a mapping or list as written."""
    if isinstance(container, list) and isinstance(part, int) and -len(container) <= part < len(container):
        return True, container[part]
    if isinstance(container, dict):
        for key in (part, str(part)) if not isinstance(part, str) else (part,):
            try:
                if key in container:
                    return True, container[key]
            except TypeError:
                return False, None
    return False, None


def origin(layers: list[Layer], loc: tuple[Any, ...]) -> str:
    """What messages should call the file that wrote the value at ``loc``: the file (of the
    chain) holding the longest part of ``loc``, the scenario itself when several do."""
    best, where = -1, layers[0].where
    for layer in layers:
        current, depth = layer.data, 0
        for part in loc:
            found, current = _step(current, part)
            if not found:
                break
            depth += 1
        if depth > best:
            best, where = depth, layer.where
    return where if best > 0 else layers[0].where


def dotted(loc: tuple[Any, ...], data: Any = None) -> str:
    """``loc`` as a dotted path, list positions in brackets where ``data`` shows a list:
    ``response.units.police.stations[0].lon``."""
    text, current = "", data
    for part in loc:
        if isinstance(current, list) and isinstance(part, int):
            text += f"[{part}]"
        else:
            name = str(part)
            if not name or not name.isprintable() or name != name.strip():
                name = quote(name)  # an empty key, a newline or a control character: shown quoted
            if len(name) > MAX_QUOTE // 2:
                name = name[:MAX_QUOTE // 2] + "…"
            text += f".{name}" if text else name
        current = _step(current, part)[1]
    return text or "(top level)"


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


#: The tags pydantic adds to error locations for validators and union options
#: ("function-before[...]", "literal['auto']", "list[Station]", "[key]"), unlike a user's keys.
_TAG = re.compile(r"[a-z][a-z0-9_-]*\[.*\]|\[key\]|function-(after|before|wrap|plain)", re.DOTALL)


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and _TAG.fullmatch(part) is not None


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(p for p in loc if not _is_tag(p))


def _closest_options(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The errors without those of a union's options that the value is not at all, when
    another option of the same union got further: a station at ``lon: 200`` is a list of
    stations with a bad longitude, not "Input should be 'auto'"."""
    further: dict[tuple[Any, ...], set[str]] = {}
    for error in errors:
        loc = error["loc"]
        for k, part in enumerate(loc[:-1]):
            if _is_tag(part):
                further.setdefault(loc[:k], set()).add(part)
    kept = []
    for error in errors:
        loc = error["loc"]
        if loc and _is_tag(loc[-1]) and further.get(loc[:-1], set()) - {loc[-1]}:
            continue
        kept.append(error)
    return kept


def _describe(error: dict[str, Any], data: Any = None) -> tuple[str, str]:
    """The dotted path and the problem of one pydantic error (with a did-you-mean for an unknown key)."""
    loc = _clean_loc(error["loc"])
    path = dotted(loc, data)
    if error["type"] == "extra_forbidden" and loc:
        parent = _model_at(Scenario, loc[:-1]) if len(loc) > 1 else Scenario
        known = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(str(loc[-1])[:100], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; expected one of: {', '.join(known)}" if known else "")
        return path, f"unknown key{hint}"
    return path, error["msg"].removeprefix("Value error, ")


def _got(error: dict[str, Any], message: str) -> str:
    """``", got <input>"`` (cut short) when the message does not show the offending value already."""
    if "input" in error and error["type"] not in ("missing", "extra_forbidden") and not isinstance(error["input"], dict):
        shown = quote(error["input"])
        if shown not in message:
            return f", got {shown}"
    return ""


def format_error(path: Path | str, error: dict[str, Any]) -> str:
    """One line for one pydantic error: file, dotted path, problem (with did-you-mean)."""
    where, message = _describe(error)
    return _cap(f"{path}: {where}: {message}{_got(error, message)}")


#: How pydantic begins most of its messages; the options of a union share it.
_SHOULD = "Input should be "


def format_errors(path: Path | str, errors: list[dict[str, Any]], data: Any = None,
                  layers: list[Layer] | None = None) -> list[str]:
    """One line per field in error: file, dotted path, problem.

    A value that fits none of a union's options (``stations: 'auto'`` or a list)
    gets one error per option from pydantic, all at the same path: they become
    one line, ``Input should be 'auto' or a valid list, got 3``. With ``data`` (the
    scenario as validated) list positions show as ``[0]``; with ``layers`` (its
    ``extends`` chain) each line names the file that wrote the value.
    """
    by_path: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for error in _closest_options(errors):
        where = origin(layers, _clean_loc(error["loc"])) if layers else str(path)
        field, message = _describe(error, data)
        by_path.setdefault((where, field), []).append((message, error))
    lines = []
    for (where, field), found in by_path.items():
        text = found[0][0]
        for message, _ in found[1:]:
            if message in text:
                continue
            same = text.startswith(_SHOULD) and message.startswith(_SHOULD)
            text += f" or {message.removeprefix(_SHOULD)}" if same else f"; {message}"
        lines.append(_cap(f"{where}: {field}: {text}{_got(found[0][1], text)}"))
    return lines


def scenario_error(path: Path | str, lines: list[str]) -> TwinError:
    """One error for every mistake found in a scenario: the line itself if one, else a count, then one a line.

    ``lines`` are self-contained (``FILE: dotted.path: problem``) so that each can be read, or grepped,
    alone. Each is cut to :data:`MAX_LINE` characters and at most :data:`MAX_PROBLEMS` are listed.
    """
    lines = [_cap(line) for line in lines]
    if len(lines) == 1:
        return TwinError(lines[0])
    shown = lines[:MAX_PROBLEMS]
    more = [f"  … and {len(lines) - len(shown):,} more"] if len(lines) > len(shown) else []
    return TwinError("\n".join([f"{path}: {len(lines):,} problems", *(f"  {line}" for line in shown), *more]))


def validate_scenario(data: dict[str, Any], path: Path | str, *, written: bool = True,
                      layers: list[Layer] | None = None) -> BaseModel:
    """Validate a scenario mapping section by section, check it as a whole, and check that it can run.

    Parameters
    ----------
    data : dict
        The scenario, ``extends`` merged in.
    path : Path or str
        What to call it in messages (the file, or the file and the overrides).
    written : bool
        True for a scenario as a person wrote it (sections complete it from their
        defaults, e.g. ``response.incident_types``); False for a resolved dump.
    layers : list of Layer, optional
        The files it was read from (:func:`read_layers`), so that each invalid field
        names the file that wrote it.

    Raises
    ------
    TwinError
        Listing every invalid field, or else every problem the systems' checks find;
        or a scenario that configures no system; or one that cannot run on this machine
        (:func:`twin.scenario.budget.check_budget`).
    """
    try:
        scenario = Scenario.model_validate(data, context={AS_WRITTEN: written})
    except ValidationError as exc:
        raise scenario_error(path, format_errors(path, exc.errors(), data, layers)) from None
    found = problems(scenario)
    if found:
        # Rules that span sections are the scenario's as a whole: they name it, not one of its bases.
        lines = list(dict.fromkeys(f"{path}: {p.path}: {p.message}" for p in found))
        raise scenario_error(path, lines)
    if not any(getattr(scenario, section, None) is not None for section in SYSTEMS):
        raise TwinError(f"{path}: the scenario configures no system, so a run would simulate nothing: "
                        f"add a section ({', '.join(SYSTEMS)})")
    check_budget(scenario, str(path))
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
        (see :func:`validate_scenario`); a mistake in a file that the scenario
        extends names that file and the chain (``a.yaml -> base.yaml: run.duration: ...``).
    """
    path = Path(path)
    layers = read_layers(path)
    data = merge_layers(layers)
    data.setdefault("name", path.stem)
    return validate_scenario(data, path, layers=layers)
