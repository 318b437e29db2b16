"""Cities the traffic tests run on: central Helsinki (OSM, offline) and a small generated grid."""

from __future__ import annotations

import pytest

from twin.city import City, load


@pytest.fixture(scope="session")
def helsinki() -> City:
    """Central Helsinki's drive network (about 550 nodes, 117 signal nodes)."""
    return load("helsinki", "drive")


@pytest.fixture(scope="session")
def grid() -> City:
    """A 900-intersection synthetic grid: signals where arterials cross, on the junction node."""
    return load("synthetic:nodes=900,seed=2")
