"""Build and run a model with only the crime system, other systems stood in for by queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd

from twin.city import City
from twin.sim.model import CityModel
from twin.sim.queries import Query
from twin.systems.crime import CrimeSystem
from twin.systems.crime.config import CrimeConfig
from twin.systems.crime.kpis import crime_table

MONDAY = datetime(2026, 11, 2)


def crime_model(city: City, days: float, *, seed: int = 1, start: datetime = MONDAY,
                queries: dict[Query, Callable[[CityModel], Callable[..., Any]]] | None = None,
                **section: Any) -> tuple[CityModel, CrimeSystem]:
    """Install crime with the scenario section ``section`` and run it for ``days``.

    ``queries`` stand in for other systems: a declared query → a factory that
    gets the model and returns the query's provider.
    """
    config = CrimeConfig.model_validate(section)
    model = CityModel(city, start=start, seed=seed, duration_s=days * 86400.0)
    for query, factory in (queries or {}).items():
        model.provide(query, factory(model))
    system = CrimeSystem()
    model.install(system, config)
    model.run(sample_every=3600.0)
    return model, system


def crimes(model: CityModel) -> pd.DataFrame:
    """The run's crimes, one row each (see :func:`twin.systems.crime.kpis.crime_table`)."""
    return crime_table(model.bus.log.frame())
