"""Relocation (move-up): idle units fill uncovered station areas; every incident is still served."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.systems.response.line_city import HOP_S, install, line_city, response_config, script
from twin.experiments import simulate
from twin.scenario import load_scenario
from twin.systems.response.agents import Status

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"

# 21 nodes, even population; stations A (node 2), B (10), C (18). Four ambulances:
# two at A, one each at B and C. Coverage 90 s = 3 hops around a station.
DMEXCLP = {"name": "dmexclp", "params": {"coverage_s": 90, "min_gain": 0.001}}


def relocations(events: pd.DataFrame) -> list[dict]:
    rows = events[events["kind"] == "UnitRelocated"]
    return [{"unit": int(u), "node": int(n), **json.loads(d)} for u, n, d in zip(rows["unit"], rows["node"], rows["data"])]


@pytest.fixture
def world():
    city = line_city([1.0] * 21)
    model, system = install(city, response_config(city, [2, 10, 18], 4, relocation=DMEXCLP))
    return model, system


def test_a_spare_unit_moves_into_the_uncovered_area(world) -> None:
    model, system = world
    script(system, [(0.0, 18, "p1")])  # C's only ambulance goes out: the east end is uncovered
    model.run(until=1.0)
    moves = relocations(model.bus.log.frame())
    assert len(moves) == 1
    move = moves[0]
    # One of A's two ambulances (not B's only one) moves to C.
    assert (move["from_station"], move["to_station"], move["unit_type"]) == (0, 2, "ambulance")
    assert move["node"] == 2 and move["travel_s"] == pytest.approx(16 * HOP_S)
    unit = system.units[move["unit"]]
    assert unit.station == 2 and unit.home == 18 and unit.status is Status.RELOCATING and unit.available
    assert unit.base_station == 0
    model.run(until=16 * HOP_S + 1)
    assert unit.status is Status.AT_STATION and unit.node == 18
    arrived = model.bus.log.frame()
    assert list(arrived[arrived["kind"] == "UnitAtStation"]["unit"]) == [unit.uid]


def test_a_relocating_unit_is_dispatched_from_where_it_is(world) -> None:
    model, system = world
    # At t = 100 the moving unit has passed node 5 on its way from A (2) to C (18).
    script(system, [(0.0, 18, "p1"), (100.0, 6, "p1")])
    model.run(until=101.0)
    events = model.bus.log.frame()
    mover = relocations(events)[0]["unit"]
    second = events[(events["kind"] == "UnitDispatched") & (events["incident"] == 1)]
    assert list(second["unit"]) == [mover] and list(second["node"]) == [5]
    assert system.units[mover].status is not Status.RELOCATING


def test_no_relocation_keeps_everyone_home() -> None:
    city = line_city([1.0] * 21)
    model, system = install(city, response_config(city, [2, 10, 18], 4))
    script(system, [(0.0, 18, "p1")])
    model.run(until=4000.0)
    assert relocations(model.bus.log.frame()) == []
    assert [u.station for u in system.units] == [u.base_station for u in system.units]


@pytest.mark.parametrize("dispatch", ["closest", "mexclp", "priority_reserve"])
def test_every_incident_is_served_with_relocation_on(dispatch: str) -> None:
    scenario = load_scenario(SCENARIOS / "relocation.yaml")
    response = scenario.response.model_copy(update={"dispatch": type(scenario.response.dispatch)(name=dispatch)})
    scenario = scenario.model_copy(update={"response": response})
    result = simulate(scenario, 1)
    events, system = result.events, result.model.systems[0][0]
    assert (events["kind"] == "UnitRelocated").sum() > 0
    # Every incident whose units were asked for more than 3 h before the end got all of them, each once.
    ready = events[(events["kind"] == "DispatchRequested") & (events["time"] < scenario.run.duration - 3 * 3600)]
    on_scene = events[events["kind"] == "UnitOnScene"]
    arrived = on_scene.groupby("incident")["unit"].agg(list).to_dict()
    kinds = events[events["kind"] == "IncidentOccurred"].set_index("incident")["data"].map(
        lambda d: json.loads(d)["incident_type"])
    for incident in ready["incident"]:
        needed = scenario.response.incident_types[kinds[incident]].units
        units = arrived.get(incident, [])
        assert len(units) == len(set(units)), f"incident {incident}: a unit came twice"
        got = pd.Series([system.units[u].unit_type for u in units]).value_counts().to_dict()
        assert got == dict(needed), f"incident {incident}: needed {dict(needed)}, got {got}"
    # Units only ever move between stations of their own type.
    for move in relocations(events):
        assert move["to_station"] in system.stations_of[move["unit_type"]]
        assert move["from_station"] in system.stations_of[move["unit_type"]]


def test_the_two_scenarios_differ_only_in_relocation() -> None:
    moving = load_scenario(SCENARIOS / "relocation.yaml")
    staying = load_scenario(SCENARIOS / "no_relocation.yaml")
    assert moving.response.relocation.name == "dmexclp" and staying.response.relocation.name == "none"
    assert moving.response.model_copy(update={"relocation": staying.response.relocation}) == staying.response
    assert moving.city == staying.city and moving.run == staying.run
