"""Coverage-aware dispatch (``mexclp``) on a hand-made road, and the coverage tables behind it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.systems.response.line_city import HOP_S, install, line_city, response_config, script
from twin.systems.response.coverage import demand_points, expected_coverage
from twin.systems.response.dispatch import ClosestAvailable, Request

# 21 nodes; most people live at the west end (nodes 0-4). Stations at 2 (A), 10 (B), 18 (C),
# one ambulance each; coverage 90 s = 3 hops, so A covers 0-5, B 7-13, C 15-20.
WEIGHTS = [10.0] * 5 + [1.0] * 16
STATIONS = [2, 10, 18]


@pytest.fixture
def world():
    city = line_city(WEIGHTS)
    config = response_config(city, STATIONS, 3, dispatch={"name": "mexclp", "params": {"coverage_s": 90}})
    model, system = install(city, config)
    return model, system


def request(node: int, target_s: float, count: int = 1) -> Request:
    return Request(incident=0, node=node, priority=1, incident_type="p1", unit_type="ambulance", count=count,
                   elapsed_s=0.0, target_s=target_s)


def test_coverage_rows_from_stations_and_from_the_road(world) -> None:
    _, system = world
    coverage = system.coverage("ambulance", 90)
    assert coverage.radius_s == pytest.approx(90)
    np.testing.assert_array_equal(coverage.nodes, np.arange(21))  # small city: every node is a demand point
    assert list(np.flatnonzero(coverage.row(2))) == [0, 1, 2, 3, 4, 5]
    assert list(np.flatnonzero(coverage.row(18))) == [15, 16, 17, 18, 19, 20]
    # Off-station nodes (a unit driving home) come from a bounded search.
    assert list(np.flatnonzero(coverage.row(6))) == [3, 4, 5, 6, 7, 8, 9]
    units = system.units_of["ambulance"]
    losses = coverage.removal_losses(coverage.rows([u.position() for u in units]), 0.3)
    w = np.asarray(WEIGHTS) / sum(WEIGHTS)
    np.testing.assert_allclose(losses, 0.7 * np.array([w[0:6].sum(), w[7:14].sum(), w[15:21].sum()]))


def test_sends_the_unit_whose_absence_costs_least(world) -> None:
    _, system = world
    a, b, c = system.units_of["ambulance"]
    # Incident at node 5: A is 3 hops away, B 5, C 13. With a 300 s target A and B arrive in time;
    # A covers the crowded west end alone, so B goes although A is closer.
    chosen = system.policy.choose(request(5, 300), [a, b, c], system.router)
    assert [(u.uid, t) for u, t in chosen] == [(b.uid, 5 * HOP_S)]
    assert ClosestAvailable().choose(request(5, 300), [a, b, c], system.router)[0][0] is a


def test_equals_closest_when_only_one_arrives_in_time(world) -> None:
    _, system = world
    a, b, c = system.units_of["ambulance"]
    chosen = system.policy.choose(request(5, 100), [a, b, c], system.router)  # only A within 100 s
    assert [(u.uid, t) for u, t in chosen] == [(a.uid, 3 * HOP_S)]
    chosen = system.policy.choose(request(5, 60), [a, b, c], system.router)  # nobody in time: the closest
    assert [u.uid for u, _ in chosen] == [a.uid]


def test_several_units_one_at_a_time(world) -> None:
    _, system = world
    a, b, c = system.units_of["ambulance"]
    # All three in time (C: 390 s): C covers least, then B.
    chosen = system.policy.choose(request(5, 400, count=2), [a, b, c], system.router)
    assert [u.uid for u, _ in chosen] == [c.uid, b.uid]


def test_time_already_spent_counts_against_the_target(world) -> None:
    _, system = world
    a, b, c = system.units_of["ambulance"]
    late = Request(incident=0, node=5, priority=1, incident_type="p1", unit_type="ambulance", count=1,
                   elapsed_s=200.0, target_s=300.0)  # 100 s left: only A
    assert system.policy.choose(late, [a, b, c], system.router)[0][0] is a


def test_through_the_centre(world) -> None:
    model, system = world
    script(system, [(0.0, 5, "p1")])
    model.run(until=1.0)
    events = model.bus.log.frame()
    dispatched = events[events["kind"] == "UnitDispatched"]
    assert list(dispatched["unit"]) == [system.units_of["ambulance"][1].uid]


def test_demand_points_aggregate_large_cities() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 10_000, 20_000), rng.uniform(0, 5_000, 20_000)
    weight = rng.random(20_000)
    weight[:100] = 0.0
    nodes, w = demand_points(x, y, weight, max_points=500)
    assert 100 < len(nodes) <= 500
    assert len(np.unique(nodes)) == len(nodes) and np.all(weight[nodes] > 0)
    assert w.sum() == pytest.approx(1.0)
    small_nodes, small_w = demand_points(x[:300], y[:300], weight[:300], max_points=500)
    np.testing.assert_array_equal(small_nodes, np.arange(100, 300))  # small: every populated node
    assert expected_coverage(np.ones(len(small_w)), small_w, 0.3) == pytest.approx(0.7)


@pytest.mark.parametrize("params", [{"busy_fraction": 1.0}, {"coverage_s": -5}, {"max_demand_points": 0},
                                    {"radius": 3}])
def test_bad_parameters_are_reported(params) -> None:
    city = line_city(WEIGHTS)
    with pytest.raises(ValueError, match="mexclp|busy_fraction|coverage_s|max_demand_points"):
        response_config(city, STATIONS, 3, dispatch={"name": "mexclp", "params": params})
