"""Small cities and installed populations shared by the population tests."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from twin.city import City, load
from twin.sim.model import CityModel
from twin.systems.population import PopulationSystem
from twin.systems.population.config import PopulationConfig

MONDAY = datetime(2026, 11, 2)


@pytest.fixture(scope="session")
def grid() -> City:
    """A 1,500-intersection synthetic city (about 4 × 4 km)."""
    return load("synthetic:nodes=1500,seed=3")


def install(city: City, start: datetime = MONDAY, seed: int = 1, days: float = 1.0,
            **config: object) -> tuple[CityModel, PopulationSystem]:
    """A model with only a population, installed (not run)."""
    model = CityModel(city, start=start, seed=seed, duration_s=days * 86400)
    system = PopulationSystem()
    settings = {"size": 3000, "zones": 24, "walk_zones": 48, "threads": 1, **config}
    model.install(system, PopulationConfig.model_validate(settings))
    return model, system


def state(system: PopulationSystem) -> np.ndarray:
    """Where everyone is: one row per person (node, phase, activity)."""
    p = system.people
    return np.column_stack([p.node, p.phase, p.activity])
