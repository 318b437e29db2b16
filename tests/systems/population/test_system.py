"""The population in whole runs: scenario, bus, queries, reporters, KPIs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from twin.experiments import simulate
from twin.experiments.run import build_model
from twin.scenario.schema import Scenario
from twin.scenario.systems import SYSTEMS
from twin.sim.events import EvacuationOrdered
from twin.sim.queries import PEOPLE_PER_NODE
from twin.systems.population import PopulationSystem


def scenario(**population: Any) -> Scenario:
    return Scenario.model_validate({
        "city": "synthetic:nodes=900,seed=4",
        "run": {"start": "2026-11-03T00:00:00", "duration": "1d", "warmup": "1h", "seed": 5,
                "sample_every": "30m"},
        "population": {"size": 2000, "zones": 16, "walk_zones": 40, **population},
    })


def test_registered_and_absent_when_not_configured() -> None:
    assert SYSTEMS["population"] is PopulationSystem
    model = build_model(Scenario.model_validate({"city": "synthetic:nodes=400,seed=1",
                                                 "run": {"duration": "1h"}}), 1)
    assert not model.systems and not model.has_query(PEOPLE_PER_NODE)


def test_a_day_with_an_evacuation_order() -> None:
    plan = scenario()
    model = build_model(plan, plan.run.seed)
    system = next(s for s, _ in model.systems if isinstance(s, PopulationSystem))
    net = model.city.drive
    shelter = int(np.argmin(np.hypot(net.x - net.x.mean(), net.y - net.y.mean())))
    ring = [(net.x.min(), net.y.min()), (net.x.max(), net.y.min()), (net.x.mean(), net.y.max())]

    def order() -> Any:
        yield model.env.timeout(10 * 3600 + 30)
        model.publish(EvacuationOrdered(time=model.now, node=shelter, polygon=tuple(ring)))

    model.env.process(order())
    model.run(sample_every=plan.run.sample_every)
    events = model.bus.log.frame()
    kinds = list(events["kind"])
    assert kinds.count("EvacuationOrdered") == kinds.count("PeopleDirected") == kinds.count("ShelterReached") == 1

    series = model.timeseries()
    columns = ["people_moving", "people_driving", "people_walking", "people_at_home", "people_at_work",
               "people_at_other", "people_sheltered"]
    assert set(columns) <= set(series.columns)
    at_rest = series[["people_at_home", "people_at_work", "people_at_other", "people_sheltered"]].sum(axis=1)
    assert ((at_rest + series["people_moving"]) == 2000).all()
    assert (series["people_driving"] + series["people_walking"] == series["people_moving"]).all()

    kpis = system.kpis(events, plan.population, model)
    (evacuation,) = kpis["evacuations"]
    assert evacuation["people"] > 0 and evacuation["shelter_node"] == shelter
    assert evacuation["clearance_s"] <= evacuation["bound_s"] + plan.population.tick_s
    assert kpis["stuck"] == 0 and kpis["trips"]["drive"] > 0 and kpis["person_km"]["walk"] > 0

    per_node = model.query(PEOPLE_PER_NODE)
    assert per_node.sum() == 2000 and not per_node.flags.writeable
    assert (model.query(PEOPLE_PER_NODE, mode="drive") + model.query(PEOPLE_PER_NODE, mode="walk") == per_node).all()
    assert per_node[shelter] >= evacuation["people"] - kpis["people"]["walk"]
    with pytest.raises(ValueError, match="unknown mode"):
        model.query(PEOPLE_PER_NODE, mode="cycle")


def test_same_seed_same_run_and_kpis_through_simulate() -> None:
    first = simulate(scenario(size=500), 3)
    second = simulate(scenario(size=500), 3)
    assert first.kpis["population"] == second.kpis["population"]
    assert first.timeseries.equals(second.timeseries)
    other = simulate(scenario(size=500), 4)
    assert other.kpis["population"] != first.kpis["population"]
