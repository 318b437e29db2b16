"""Fixtures shared by every test: a private city cache and the real OSM extracts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: in CI (``CI`` set) derandomised, so a failure there replays exactly on any
# machine, and without the example database (nothing written into the checkout). Locally,
# Hypothesis's default: random examples, failures remembered in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SHARED_OSM = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osm"


def osm_extracts() -> list[Path]:
    """Every extract in ``../shared/data/osm`` (empty when the folder is absent)."""
    return sorted(SHARED_OSM.glob("*.osm*")) if SHARED_OSM.is_dir() else []


@pytest.fixture(scope="session", autouse=True)
def city_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep the tests' cities out of the user's cache, shared across the session."""
    folder = tmp_path_factory.mktemp("twin-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("TWIN_CACHE_DIR", str(folder))
    yield folder
    mp.undo()


@pytest.fixture(params=osm_extracts() or [None], ids=lambda p: p.name if p else "no-shared-data")
def osm_extract(request: pytest.FixtureRequest) -> Path:
    """Each real extract in turn; skips when ``../shared/data`` is absent."""
    if request.param is None:
        pytest.skip("../shared/data/osm is absent (a fresh clone has no shared data)")
    return request.param
