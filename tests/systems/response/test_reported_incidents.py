"""Incidents reported by other systems become calls like any other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from twin.city import load
from twin.sim.events import IncidentReported
from twin.sim.model import CityModel
from twin.systems.response import ResponseSystem
from twin.systems.response.config import ResponseConfig
from twin.systems.response.kpis import incident_table


def test_reported_collisions_are_served_and_poisson_skips_external_types() -> None:
    base = ResponseConfig().model_dump()
    base["incident_types"]["traffic_collision"]["arrivals"] = "external"
    config = ResponseConfig.model_validate(base)
    city = load("synthetic:nodes=900,seed=2")
    model = CityModel(city, start=datetime(2026, 11, 2), seed=4, duration_s=6 * 3600)
    system = ResponseSystem()
    model.install(system, config)

    def reporter() -> Any:
        for node in (10, 200, 500):
            yield model.env.timeout(1800)
            model.publish(IncidentReported(time=model.now, node=node, incident_type="traffic_collision",
                                           source="test"))

    model.env.process(reporter())
    model.run()
    table = incident_table(model.bus.log.frame())
    collisions = table[table["incident_type"] == "traffic_collision"]
    assert len(collisions) == 3, "only the three reported collisions, none from the Poisson process"
    assert collisions["response"].notna().all()
    assert sorted(collisions["t_call"].round()) == [1800, 3600, 5400]
    assert len(table) > 3
