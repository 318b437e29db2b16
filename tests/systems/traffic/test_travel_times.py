"""The ``edge_travel_time_s`` query: never below free flow, emergency never above normal,
preemption only at equipped signals, refreshed on a schedule."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from tests.systems.traffic.helpers import traffic_model
from twin.city import City
from twin.city.routing import Router
from twin.kernels.dijkstra import dijkstra
from twin.sim.queries import EDGE_TRAVEL_TIME_S


def test_times_are_at_least_free_flow_and_emergency_at_most_normal(helsinki: City) -> None:
    model, _ = traffic_model(helsinki, hours=24, preemption={"enabled": True, "equipped_share": 0.5})
    free = helsinki.drive.edge_time
    for hour in (3, 8, 17):
        model.run(until=hour * 3600.0)
        normal = model.query(EDGE_TRAVEL_TIME_S)
        emergency = model.query(EDGE_TRAVEL_TIME_S, emergency=True)
        assert normal.shape == emergency.shape == free.shape and normal.dtype == np.float64
        assert np.all(normal >= free) and np.all(emergency >= free)
        assert np.all(emergency <= normal)
        assert not normal.flags.writeable
    assert np.any(normal > free)  # signals and congestion cost something


def test_preemption_removes_signal_delay_only_at_equipped_signals(helsinki: City) -> None:
    model, system = traffic_model(helsinki, preemption={"enabled": True, "equipped_share": 0.5})
    layout = system.layout
    assert 0 < system.equipped.sum() < layout.n_controllers
    normal = model.query(EDGE_TRAVEL_TIME_S)
    emergency = model.query(EDGE_TRAVEL_TIME_S, emergency=True)
    saved = normal - emergency
    equipped_edges = layout.approach_edge[system.equipped[layout.approach_controller]]
    others = np.setdiff1d(np.arange(len(normal)), equipped_edges)
    assert np.all(saved[others] == 0)
    expected = system.delay_s[system.equipped[layout.approach_controller]]
    assert saved[equipped_edges] == pytest.approx(expected)
    assert np.all(expected > 0)
    # The congestion stays: what is left is at least the BPR time, i.e. the free-flow time or more.
    assert np.all(emergency[equipped_edges] >= helsinki.drive.edge_time[equipped_edges])


def test_without_preemption_emergency_equals_normal(helsinki: City) -> None:
    model, _ = traffic_model(helsinki, preemption={"enabled": False, "equipped_share": 1.0})
    assert np.array_equal(model.query(EDGE_TRAVEL_TIME_S), model.query(EDGE_TRAVEL_TIME_S, emergency=True))


def test_times_refresh_on_schedule_not_per_query(helsinki: City) -> None:
    model, _ = traffic_model(helsinki, hours=10, refresh_s=1800)
    night = model.query(EDGE_TRAVEL_TIME_S)
    assert model.query(EDGE_TRAVEL_TIME_S) is night  # same period, same array
    model.run(until=1799.0)
    assert model.query(EDGE_TRAVEL_TIME_S) is night
    model.run(until=8.5 * 3600)  # the morning peak
    peak = model.query(EDGE_TRAVEL_TIME_S)
    assert peak is not night and peak.sum() > night.sum()
    states = model.bus.log.frame().query("kind == 'TrafficState'")
    assert list(states["time"]) == [1800.0 * i for i in range(len(states))]


def test_routing_with_free_flow_landmarks_stays_exact(grid: City) -> None:
    """Routing reuses free-flow landmarks as lower bounds, which holds because times ≥ free flow."""
    model, _ = traffic_model(grid, start=datetime(2026, 11, 2, 8))
    weights = model.query(EDGE_TRAVEL_TIME_S, emergency=True)
    router = Router(grid.drive, weights, landmarks_from=Router(grid.drive))
    rng = np.random.default_rng(3)
    for source, target in rng.integers(0, grid.drive.n_nodes, size=(20, 2)):
        dist, _ = dijkstra(router.indptr, router.indices, router.weights, int(source))
        assert router.route(int(source), int(target))[0] == pytest.approx(dist[target])
