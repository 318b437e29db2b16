"""Build a model with only the traffic system (no scenario file)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from twin.city import City
from twin.sim.model import CityModel
from twin.systems.traffic import TrafficSystem
from twin.systems.traffic.config import TrafficConfig

MONDAY = datetime(2026, 11, 2)


def traffic_model(city: City, *, hours: float = 24.0, seed: int = 1, start: datetime = MONDAY,
                  **section: Any) -> tuple[CityModel, TrafficSystem]:
    """Install traffic with the scenario section ``section`` on ``city`` (not yet run)."""
    config = TrafficConfig.model_validate(section)
    model = CityModel(city, start=start, seed=seed, duration_s=hours * 3600.0)
    system = TrafficSystem()
    model.install(system, config)
    return model, system
