"""Build and run a model with only the lighting system (no scenario file)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from twin.city import City
from twin.sim.model import CityModel
from twin.systems.lighting import LightingSystem
from twin.systems.lighting.config import LightingConfig


def lighting_model(city: City, start: datetime, hours: float, *, warmup_h: float = 0.0, seed: int = 1,
                   before_run: Callable[[CityModel], None] | None = None, sample_every: float = 300.0,
                   **section: Any) -> tuple[CityModel, LightingSystem]:
    """Install lighting with the scenario section ``section`` on ``city`` and run it for ``hours``."""
    config = LightingConfig.model_validate({"timezone": "Europe/Helsinki", **section})
    model = CityModel(city, start=start, seed=seed, duration_s=hours * 3600.0, warmup_s=warmup_h * 3600.0)
    system = LightingSystem()
    model.install(system, config)
    if before_run is not None:
        before_run(model)
    model.run(sample_every=sample_every)
    return model, system


def kpis(model: CityModel) -> dict[str, Any]:
    """The lighting KPIs of a finished model."""
    system, config = model.systems[0]
    return system.kpis(model.bus.log.frame(), config, model)
