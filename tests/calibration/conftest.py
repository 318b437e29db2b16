"""A small synthetic city and a short scenario with crime and traffic on it."""

from __future__ import annotations

from typing import Any

import pytest

from twin.city import City, load
from twin.scenario.schema import Scenario

SOURCE = "synthetic:nodes=400,seed=1"


@pytest.fixture(scope="module")
def city() -> City:
    return load(SOURCE)


def scenario(**sections: Any) -> Scenario:
    """Six hours of a Monday on the small city, with ``sections`` (e.g. ``crime={...}``)."""
    return Scenario.model_validate({
        "name": "calibration-test", "city": SOURCE,
        "run": {"start": "2026-11-02T00:00:00", "duration": 6 * 3600, "warmup": 0, "seed": 1},
        **sections,
    })
