"""Drones in a run on central Helsinki: exact timing, clearing calls, bad input refused at load."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from pyproj import Transformer

from tests.systems.drones.conftest import BASE, scenario_data
from twin.errors import TwinError
from twin.experiments.run import simulate
from twin.scenario.loader import validate_scenario


def _data(frame: pd.DataFrame, key: str) -> list:
    return [json.loads(d)[key] for d in frame["data"]]


def test_time_to_scene_is_delay_climb_distance_over_speed_descent(helsinki) -> None:
    aircraft = {"cruise_m_s": 16.0, "climb_s": 22.0, "descent_s": 27.0, "launch_delay_s": 35.0,
                "endurance_s": 100000.0}
    scenario = validate_scenario(scenario_data(aircraft=aircraft, clear_probability={}), "t.yaml")
    result = simulate(scenario, city=helsinki)
    ev = result.events
    calls = ev[ev["kind"] == "CallReceived"].set_index("incident")["time"]
    occurred = ev[ev["kind"] == "IncidentOccurred"].set_index("incident")
    launched = ev[ev["kind"] == "DroneLaunched"].set_index("incident")
    on_scene = ev[ev["kind"] == "DroneOnScene"].set_index("incident")["time"]
    assert len(on_scene) >= 5
    to_xy = Transformer.from_crs("EPSG:4326", helsinki.crs, always_xy=True)
    docks = [to_xy.transform(d["lon"], d["lat"]) for d in BASE["drones"]["docks"]]
    for incident, t in on_scene.items():
        dock = docks[_data(launched.loc[[incident]], "dock")[0]]
        scene = (occurred.loc[incident, "x"], occurred.loc[incident, "y"])
        expected = calls[incident] + 35.0 + 22.0 + math.dist(dock, scene) / 16.0 + 27.0
        assert t == pytest.approx(expected, abs=1e-6)


def test_cleared_calls_get_no_ground_unit(helsinki) -> None:
    everything = {name: 1.0 for name in ("medical_p2", "medical_p3", "crime_report", "traffic_collision")}
    scenario = validate_scenario(scenario_data(clear_probability=everything), "t.yaml")
    result = simulate(scenario, city=helsinki)
    ev = result.events
    assessed = ev[ev["kind"] == "IncidentAssessed"]
    cleared = assessed[[o == "cleared" for o in _data(assessed, "outcome")]]
    assert len(cleared) >= 5
    stood_down = 0
    for incident, t in zip(cleared["incident"], cleared["time"]):
        mine = ev[ev["incident"] == incident]
        later = mine[mine["time"] > t]
        assert not (later["kind"] == "UnitOnScene").any()
        assert not (later["kind"] == "UnitDispatched").any()
        dispatched = set(mine[(mine["kind"] == "UnitDispatched") & (mine["time"] <= t)]["unit"])
        arrived = set(mine[(mine["kind"] == "UnitOnScene") & (mine["time"] <= t)]["unit"])
        cleared_at = set(mine[(mine["kind"] == "UnitCleared") & (mine["time"] == t)]["unit"])
        assert dispatched - arrived == cleared_at  # every unit not yet there turned back at once
        stood_down += len(cleared_at)
    # And never a dispatch request for a call cleared before its dispatcher finished.
    requested = set(ev[ev["kind"] == "DispatchRequested"]["incident"])
    assert any(i not in requested for i in cleared["incident"])
    # Cleared calls no unit reached are neither response times nor unserved in the response KPIs.
    never_reached = [i for i in cleared["incident"] if not ((ev["incident"] == i) & (ev["kind"] == "UnitOnScene")).any()]
    response = result.kpis["response"]
    assert response["cleared_without_unit"] == len(never_reached) > 0
    assert response["unserved"] == 0
    assert result.kpis["drones"]["cleared"] == len(never_reached)


def test_units_stand_down_on_the_way(helsinki) -> None:
    # A slow launch: the units are already dispatched when the drone clears the call.
    slow = {"launch_delay_s": 240.0}
    everything = {name: 1.0 for name in ("medical_p2", "medical_p3", "crime_report", "traffic_collision")}
    scenario = validate_scenario(scenario_data(aircraft=slow, clear_probability=everything,
                                               launch={"name": "on_call", "params": {"recall": False}}), "t.yaml")
    ev = simulate(scenario, city=helsinki).events
    assessed = ev[ev["kind"] == "IncidentAssessed"]
    cleared = assessed[[o == "cleared" for o in _data(assessed, "outcome")]]
    turned = 0
    for incident, t in zip(cleared["incident"], cleared["time"]):
        mine = ev[ev["incident"] == incident]
        turned += int(((mine["kind"] == "UnitCleared") & (mine["time"] == t)).sum())
        assert not ((mine["kind"] == "UnitOnScene") & (mine["time"] > t)).any()
    assert turned >= 1


@pytest.mark.parametrize(("change", "words"), [
    ({"aircraft": {"cruise_m_s": 0}}, "drones.aircraft.cruise_m_s"),
    ({"aircraft": {"endurance_s": -5}}, "drones.aircraft.endurance_s"),
    ({"no_fly": [{"polygon": [[24.937, 60.167], [24.939, 60.167], [24.939, 60.169], [24.937, 60.169]]}]},
     "covers docks[0]"),
    ({"clear_probability": {"burglary": 0.5}}, "drones.clear_probability.burglary"),
])
def test_bad_input_refused_at_load(change, words) -> None:
    with pytest.raises(TwinError, match=words.replace("[", r"\[").replace(".", r"\.")):
        validate_scenario(scenario_data(**change), "bad.yaml")


def test_dock_off_the_map_names_the_dock(helsinki) -> None:
    docks = [*BASE["drones"]["docks"], {"lon": 25.2, "lat": 60.3}]
    scenario = validate_scenario(scenario_data(docks=docks), "t.yaml")
    with pytest.raises(TwinError, match=r"drones\.docks\[2\].*outside the map"):
        simulate(scenario, city=helsinki)


def test_end_to_end_kpis(helsinki) -> None:
    scenario = validate_scenario(scenario_data(), "t.yaml")
    kpis = simulate(scenario, city=helsinki).kpis["drones"]
    assert kpis["flights"] > 10
    assert 60 < kpis["eyes_on_scene_s"]["mean"] < 300
    assert 0 <= kpis["first_on_scene"] <= 1
    assert kpis["flight_hours"] > 0


def test_outside_operating_hours_nothing_flies(helsinki) -> None:
    scenario = validate_scenario(scenario_data(hours=[2, 4]), "t.yaml")  # the run is 08:00–14:00
    result = simulate(scenario, city=helsinki)
    kpis = result.kpis["drones"]
    assert kpis["flights"] == 0 and kpis["eyes_on_scene_s"]["mean"] is None and kpis["missed_launches"] == 0
    assert result.kpis["response"]["cleared_without_unit"] == 0


def test_recalled_before_take_off_never_flies(helsinki) -> None:
    # Launched after dispatch with a 20-minute delay: the first ground unit always arrives first.
    slow = {"launch_delay_s": 1200.0}
    scenario = validate_scenario(scenario_data(aircraft=slow, launch={"name": "after_dispatch"}), "t.yaml")
    ev = simulate(scenario, city=helsinki).events
    recalled = ev[ev["kind"] == "DroneRecalled"]
    assert len(recalled) > 5
    assert not (ev["kind"] == "DroneLaunched").any()
    assert not (ev["kind"] == "DroneOnScene").any()
