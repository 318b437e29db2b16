"""The response system's wiring, worked out by hand on the straight road of ``line_city``.

Nodes 500 m apart, ``HOP_S`` = 30 s a hop both ways; call handling and
turnout take no time. So a unit at node ``a`` sent to node ``b`` has a network
time of ``|a − b| × 30`` s, and every expected time below is that product,
divided by the priority's lights-and-sirens factor where the unit drives to a
call, and undivided where it drives home.
"""

from __future__ import annotations

import pytest

from tests.oracles.small_city import events_of
from tests.systems.response.line_city import HOP_S, install, line_city, response_config, script


def run(incidents: list[tuple[float, int, str]], *, stations: list[int], count: int, until: float,
        **update) -> tuple:
    city = line_city([1.0] * 21)
    config = response_config(city, stations, count)
    if update:
        config = config.model_copy(update=update)
    model, system = install(city, config)
    script(system, incidents)
    model.run(until=until)
    return model.bus.log.frame(), system


def test_a_priority_one_call_queued_after_a_priority_three_is_served_first() -> None:
    # One ambulance, busy at node 3 until t = 30 + 1000. Meanwhile a P3 (t = 10) and then a P1 (t = 20) wait.
    events, _ = run([(0.0, 3, "p2"), (10.0, 5, "p3"), (20.0, 7, "p1")], stations=[2], count=1, until=6000.0)
    sent = events_of(events, "UnitDispatched").sort_values("time")
    assert sent["incident"].tolist() == [0, 2, 1]
    cleared = events_of(events, "UnitCleared").sort_values("time")["time"].tolist()
    first_clear = 1 * HOP_S + 1000.0
    assert cleared[0] == pytest.approx(first_clear)
    when = sent.set_index("incident")["time"]
    assert when[2] == pytest.approx(first_clear)  # P1 the moment the unit clears ...
    assert when[1] == pytest.approx(first_clear + 4 * HOP_S + 1000.0)  # ... P3 after P1's drive and work
    # The unit leaves for each call from where it cleared: network times 4 hops, then 2.
    assert sent.set_index("incident")["travel_s"].to_dict() == {0: 1 * HOP_S, 2: 4 * HOP_S, 1: 2 * HOP_S}


def test_waiting_calls_of_one_priority_are_served_first_come_first_served() -> None:
    events, _ = run([(0.0, 3, "p2"), (10.0, 9, "p3"), (20.0, 5, "p3"), (30.0, 7, "p3")], stations=[2], count=1,
                    until=9000.0)
    assert events_of(events, "UnitDispatched").sort_values("time")["incident"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("factors", [{1: 1.25, 2: 0.8, 3: 1.0}, {1: 2.0, 2: 1.5, 3: 0.5}])
def test_lights_and_sirens_divide_the_drive_to_the_call_and_nothing_else(factors: dict[int, float]) -> None:
    # One unit at node 2; a call 5 hops away (node 7) of each priority, each after it is home again.
    incidents = [(0.0, 7, "p1"), (5000.0, 7, "p2"), (10000.0, 7, "p3")]
    events, _ = run(incidents, stations=[2], count=1, until=15000.0, lights_and_sirens=factors)
    network_s = 5 * HOP_S
    sent = events_of(events, "UnitDispatched").set_index("incident")
    en_route = events_of(events, "UnitEnRoute").set_index("incident")["time"]
    on_scene = events_of(events, "UnitOnScene").set_index("incident")["time"]
    cleared = events_of(events, "UnitCleared").set_index("incident")["time"]
    home = events_of(events, "UnitAtStation").sort_values("time")["time"].to_numpy()
    for incident, priority in enumerate((1, 2, 3)):
        assert sent.loc[incident, "travel_s"] == network_s  # dispatch reports network seconds
        assert on_scene[incident] - en_route[incident] == pytest.approx(network_s / factors[priority], rel=1e-12)
        # Driving home is not an emergency: the network time, whatever the priority was.
        assert home[incident] - cleared[incident] == pytest.approx(network_s, rel=1e-12)


def test_travel_time_scale_multiplies_every_drive() -> None:
    events, _ = run([(0.0, 7, "p1")], stations=[2], count=1, until=5000.0,
                    lights_and_sirens={1: 1.25, 2: 1.0, 3: 1.0}, travel_time_scale=2.0)
    drive = events_of(events, "UnitOnScene")["time"].iloc[0] - events_of(events, "UnitEnRoute")["time"].iloc[0]
    assert drive == pytest.approx(5 * HOP_S * 2.0 / 1.25, rel=1e-12)
    back = events_of(events, "UnitAtStation")["time"].iloc[0] - events_of(events, "UnitCleared")["time"].iloc[0]
    assert back == pytest.approx(5 * HOP_S * 2.0, rel=1e-12)
