"""Fuzzing scenario files: whatever a file holds, loading it returns a scenario or raises TwinError, quickly.

The structures are drawn over the real schema (the pydantic JSON schema of
:data:`twin.scenario.Scenario`): real section and field names with values of the
right type and of every wrong one (nested mappings and lists, strings, numbers
including ``.inf``, ``.nan`` and huge ones, unknown keys), then written as YAML.
A second fuzz writes arbitrary text. Never another exception, never a long message.
"""

from __future__ import annotations

import math
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.errors import TwinError
from twin.scenario import Scenario, load_scenario

SCHEMA = Scenario.model_json_schema()
DEFS: dict[str, Any] = SCHEMA["$defs"]
#: Every field name the schema knows, at any depth.
NAMES = sorted({name for node in (SCHEMA, *DEFS.values()) for name in node.get("properties", {})})
#: Loading one fuzzed file takes well under this, seconds.
TIME_LIMIT_S = 5.0
LONGEST_LINE = 700

NUMBERS = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 0.001, 1e9, 1e12, 1e300, -1e300, 10**30, math.inf, -math.inf, math.nan]),
)
STRINGS = st.one_of(st.text(max_size=20), st.sampled_from(
    ["auto", "24h", "90m", "1e9", ".inf", "closest", "mexclp", "helsinki", "synthetic:nodes=1000",
     "synthetic:nodes=1000000", "poisson", "external", "../../x", "/dev/zero", "a\0b", "07:30", "24:00"]))
KEYS = st.one_of(st.sampled_from(NAMES), st.text(max_size=8), st.integers(min_value=0, max_value=4))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, STRINGS)
#: Anything at all, a few levels deep.
WILD = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                    max_leaves=12)


def guided(node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for a schema node: mostly of its own shape (real field names), sometimes anything."""
    if "$ref" in node:
        return guided(DEFS[node["$ref"].rsplit("/", 1)[-1]], depth)
    if "anyOf" in node:
        return st.one_of([guided(option, depth) for option in node["anyOf"]])
    kind = node.get("type")
    if "properties" in node:
        if depth > 4:
            return st.just({})
        fields = {name: st.deferred(lambda sub=sub: guided(sub, depth + 1)) for name, sub in node["properties"].items()}
        own = st.fixed_dictionaries({}, optional=fields)
        return st.one_of(own, st.tuples(own, st.dictionaries(KEYS, WILD, max_size=2)).map(lambda p: {**p[1], **p[0]}),
                         WILD)
    if "const" in node or "enum" in node:
        return st.one_of(st.sampled_from(node.get("enum", [node.get("const")])), SCALARS)
    if kind == "array":
        items = guided(node.get("items", {}), depth + 1) if depth < 5 else SCALARS
        return st.one_of(st.lists(items, max_size=30), WILD)
    if kind == "object":
        values = node.get("additionalProperties")
        inner = guided(values, depth + 1) if isinstance(values, dict) and depth < 5 else WILD
        return st.one_of(st.dictionaries(KEYS, inner, max_size=4), WILD)
    if kind in ("number", "integer"):
        return st.one_of(NUMBERS, SCALARS)
    if kind == "string":
        return st.one_of(STRINGS, SCALARS)
    return WILD


SCENARIOS = guided(SCHEMA)
FOLDER = Path(tempfile.mkdtemp(prefix="twin-fuzz-"))


def _load(path: Path) -> None:
    """Load ``path``: a scenario or a TwinError naming the file with short lines, in bounded time."""
    start = time.perf_counter()
    try:
        load_scenario(path)
    except TwinError as exc:
        text = str(exc)
        assert text.startswith(str(path)), text[:300]
        assert all(len(line) <= LONGEST_LINE for line in text.split("\n")), text[:300]
        lines = text.split("\n")
        assert len(lines) == 1 or (lines[0].endswith(" problems") and len(lines) <= 22), text[:300]
    assert time.perf_counter() - start < TIME_LIMIT_S


@settings(max_examples=100, deadline=timedelta(seconds=TIME_LIMIT_S),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(SCENARIOS)
def test_fuzzed_scenarios_load_or_raise_twin_error(data: Any) -> None:
    path = FOLDER / "fuzzed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    _load(path)


#: Characters YAML gives meaning to, and some it refuses.
YAML_TEXT = st.text(alphabet=st.one_of(st.sampled_from(list("abcr:-[]{},&*!|>'\"#%@`?\n\t .0123456789")),
                                       st.characters()), max_size=200)


@settings(max_examples=100, deadline=timedelta(seconds=TIME_LIMIT_S),
          suppress_health_check=[HealthCheck.too_slow])
@given(YAML_TEXT)
def test_arbitrary_text_loads_or_raises_twin_error(text: str) -> None:
    path = FOLDER / "text.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _load(path)
