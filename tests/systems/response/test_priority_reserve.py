"""Priority reserve: units held back for priority 1, low-priority calls served later; no blocked queue."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.systems.response.line_city import install, line_city, response_config, script
from twin.errors import TwinError


def dispatch_times(events: pd.DataFrame) -> dict[int, float]:
    """Incident -> time of its (first) dispatch."""
    rows = events[events["kind"] == "UnitDispatched"]
    return rows.groupby("incident")["time"].min().to_dict()


def run(dispatch: dict, incidents: list[tuple[float, int, str]], stations: list[int], count: int,
        until: float = 4000.0) -> pd.DataFrame:
    city = line_city([1.0] * 21)
    model, system = install(city, response_config(city, stations, count, dispatch=dispatch))
    script(system, incidents)
    model.run(until=until)
    return model.bus.log.frame()


# Two ambulances (stations at nodes 2 and 10). A low-priority call takes one; a second
# low-priority call then finds only the reserve; a priority-1 call a moment later gets it.
INCIDENTS = [(0.0, 3, "p3"), (10.0, 9, "p3"), (20.0, 12, "p1")]


def test_reserve_holds_a_unit_for_priority_one_and_serves_the_rest_later() -> None:
    events = run({"name": "priority_reserve", "params": {"reserve": {"ambulance": 1}}}, INCIDENTS, [2, 10], 2)
    when = dispatch_times(events)
    assert when[0] == 0.0 and when[2] == 20.0  # the priority-1 call is not kept waiting
    queued = events[events["kind"] == "IncidentQueued"]
    assert list(queued["incident"]) == [1]
    # Incident 1 waits until both units are free again: the first to clear (t = 1030) leaves
    # just the reserve; the second (t = 20 + 60 + 1000) makes two available, and it goes.
    cleared = events[events["kind"] == "UnitCleared"].sort_values("time")["time"].tolist()
    assert when[1] == pytest.approx(cleared[1]) and when[1] > cleared[0]
    assert list(events[events["kind"] == "IncidentDequeued"]["incident"]) == [1]
    assert events[events["kind"] == "UnitOnScene"]["incident"].nunique() == 3


def test_closest_would_have_kept_the_priority_one_call_waiting() -> None:
    events = run({"name": "closest"}, INCIDENTS, [2, 10], 2)
    when = dispatch_times(events)
    assert when[1] == 10.0 and when[2] > 1000.0
    assert list(events[events["kind"] == "IncidentQueued"]["incident"]) == [2]


def test_a_declined_head_of_queue_does_not_block_the_others() -> None:
    # One ambulance that may drive at most 200 s. Incident 1 (priority 1, 18 hops away) can
    # never be served; incident 2 behind it in the queue must get the unit when it clears.
    incidents = [(0.0, 3, "p2"), (5.0, 20, "p1"), (10.0, 4, "p3")]
    events = run({"name": "closest", "params": {"max_travel_s": 200}}, incidents, [2], 1)
    when = dispatch_times(events)
    cleared = events[events["kind"] == "UnitCleared"]["time"].min()
    assert 1 not in when and when[2] == pytest.approx(cleared)


def test_a_unit_is_not_sent_twice_to_the_same_incident() -> None:
    # An incident needing two units when only one exists at first: the one that goes must not
    # be sent back to it as the "second" unit when it clears there.
    city = line_city([1.0] * 21)
    config = response_config(city, [2], 2)
    config = config.model_copy(update={"incident_types": {
        **config.incident_types,
        "p1": config.incident_types["p1"].model_copy(update={"units": {"ambulance": 2}})}})
    model, system = install(city, config)
    script(system, [(0.0, 15, "p3"), (1.0, 5, "p1")])
    model.run(until=6000.0)
    events = model.bus.log.frame()
    sent = events[(events["kind"] == "UnitDispatched") & (events["incident"] == 1)]
    assert len(sent) == 2 and sent["unit"].nunique() == 2


def test_a_reserve_as_large_as_the_fleet_is_refused() -> None:
    city = line_city([1.0] * 21)
    config = response_config(city, [2, 10], 2, dispatch={"name": "priority_reserve",
                                                          "params": {"reserve": {"ambulance": 2}}})
    with pytest.raises(TwinError, match="reserve.ambulance"):
        install(city, config)


@pytest.mark.parametrize("reserve", [{"ambulanse": 1}, {"ambulance": -1}, {"ambulance": 1.5}, [1]])
def test_bad_reserves_are_reported(reserve) -> None:
    city = line_city([1.0] * 21)
    with pytest.raises(ValueError, match="reserve"):
        response_config(city, [2, 10], 2, dispatch={"name": "priority_reserve", "params": {"reserve": reserve}})


def test_the_event_data_names_the_unit_type() -> None:
    events = run({"name": "priority_reserve"}, INCIDENTS, [2, 10], 2)  # default reserve: one ambulance
    data = events[events["kind"] == "IncidentQueued"]["data"].map(json.loads)
    assert [d["unit_type"] for d in data] == ["ambulance"]
