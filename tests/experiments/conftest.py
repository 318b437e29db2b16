"""Small scenarios on a generated city, and one local process pool shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from twin.experiments.executors import ExecutorHandle, local_processes

ROOT = Path(__file__).resolve().parents[2]


def small_scenario(**changes: object) -> dict:
    """A scenario that runs in a fraction of a second: 1,500 intersections, 8 hours, ~60 incidents."""
    data = {
        "city": "synthetic:nodes=1500,seed=3",
        "run": {"duration": "8h", "warmup": "30m", "seed": 3, "sample_every": "15m"},
        "response": {"arrivals": {"per_day": 200},
                     "units": {"police": {"count": 8}, "ambulance": {"count": 3}, "fire": {"count": 4}}},
    }
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return data


def write_scenario(folder: Path, name: str, **changes: object) -> Path:
    """Write :func:`small_scenario` with ``changes`` (``a__b=value`` sets ``a.b``) to ``folder/name.yaml``."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(small_scenario(**changes), sort_keys=False))
    return path


@pytest.fixture(scope="session")
def pool() -> Iterator[ExecutorHandle]:
    """Two local worker processes, started once for the session."""
    with local_processes(2) as handle:
        yield handle
