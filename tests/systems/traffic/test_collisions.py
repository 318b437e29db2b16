"""Collisions: drawn from exposure, calibrated, published, served by response, lowered by smart crosswalks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.systems.traffic.helpers import traffic_model
from twin.city import City
from twin.experiments import simulate
from twin.scenario import load_scenario
from twin.systems.response.kpis import incident_table

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def collisions(events: pd.DataFrame) -> pd.DataFrame:
    rows = events[events["kind"] == "TrafficCollision"]
    data = pd.DataFrame([json.loads(d) for d in rows["data"]], index=rows.index)
    return pd.concat([rows[["time", "node", "x", "y"]], data], axis=1)


def test_collisions_are_reported_and_served_by_response() -> None:
    result = simulate(load_scenario(SCENARIOS / "traffic.yaml"))
    events = result.events
    drawn = collisions(events)
    reported = events[events["kind"] == "IncidentReported"]
    reported = reported[reported["data"].map(lambda d: json.loads(d)["source"]) == "traffic"]
    assert len(drawn) > 0 and len(reported) == len(drawn)
    assert np.array_equal(reported["time"].to_numpy(), drawn["time"].to_numpy())
    table = incident_table(events)
    served = table[table["incident_type"] == "traffic_collision"]
    assert len(served) == len(drawn)  # every collision is a call; none from response's own Poisson process
    assert served["response"].notna().all()
    assert sorted(served["t_call"]) == pytest.approx(sorted(drawn["time"]))
    kpis = result.kpis["traffic"]
    assert kpis["collisions"]["total"] == len(drawn[drawn["time"] >= result.model.warmup_s])
    assert kpis["collisions"]["expected_per_day"] == pytest.approx(8.0)


def test_same_seed_same_run_other_seed_other_collisions() -> None:
    scenario = load_scenario(SCENARIOS / "traffic_preemption.yaml")
    first, again, other = simulate(scenario, 3), simulate(scenario, 3), simulate(scenario, 4)
    pd.testing.assert_frame_equal(first.events, again.events)
    assert first.kpis == again.kpis
    assert not collisions(first.events)["time"].equals(collisions(other.events)["time"])


def test_calibrated_rate_gives_the_daily_count(grid: City) -> None:
    model, system = traffic_model(grid, hours=7 * 24, collisions={"per_day": 40})
    assert system.expected_per_day == pytest.approx(40.0)
    model.run()
    count = len(collisions(model.bus.log.frame()))
    assert abs(count - 7 * 40) < 4 * np.sqrt(7 * 40)  # Poisson: within four standard deviations
    kinds = set(collisions(model.bus.log.frame())["site"])
    assert kinds == {"link", "signal", "junction", "crossing"}


def test_collisions_follow_the_traffic_by_hour(grid: City) -> None:
    model, _ = traffic_model(grid, hours=3 * 24, collisions={"per_day": 100})
    model.run()
    hours = (collisions(model.bus.log.frame())["time"] // 3600 % 24).astype(int)
    night = hours.isin([1, 2, 3, 4]).sum()
    afternoon = hours.isin([15, 16, 17, 18]).sum()
    assert afternoon > 5 * night


def test_smart_crosswalks_remove_pedestrian_collisions_and_nothing_else(grid: City) -> None:
    section = {"collisions": {"per_day": 200, "crossing_pedestrian_rate_per_mev": 2.0}}
    base_model, base = traffic_model(grid, hours=48, **section)
    smart_model, smart = traffic_model(grid, hours=48, **section,
                                       smart_crosswalks={"share": 0.5, "pedestrian_risk_reduction": 1.0})
    assert smart.collision_scale == pytest.approx(base.collision_scale)  # calibrated before treatment
    assert smart.sites.smart.sum() == round(0.5 * (smart.sites.kind == 3).sum())
    for model in (base_model, smart_model):
        model.run()
    before, after = collisions(base_model.bus.log.frame()), collisions(smart_model.bus.log.frame())
    assert len(after) < len(before)
    assert not after["smart_crosswalk"].any()
    at_smart = set(smart.sites.node[smart.sites.smart])
    untreated = ~before["node"].isin(at_smart) | (before["site"] != "crossing")
    # Common random numbers: every collision away from the treated crossings happens as before.
    keep = ["time", "node", "site", "pedestrian"]
    pd.testing.assert_frame_equal(before.loc[untreated, keep].reset_index(drop=True),
                                  after[keep].reset_index(drop=True))
    # Busiest placement: the treated crossings are the riskiest ones.
    crossing = np.flatnonzero(smart.sites.kind == 3)
    daily = smart.sites.exposure(grid.drive, smart.layout, smart.roads.aadt)
    expected = smart.sites.base_risk[crossing] * daily[crossing]
    assert expected[smart.sites.smart[crossing]].min() >= expected[~smart.sites.smart[crossing]].max()


def test_collisions_can_be_switched_off(grid: City) -> None:
    model, _ = traffic_model(grid, hours=24, collisions={"enabled": False})
    model.run()
    assert len(collisions(model.bus.log.frame())) == 0
