"""Preemption: the signals an emergency trip passes, what it saves, what cross traffic pays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.systems.traffic.helpers import traffic_model
from twin.city import City
from twin.city.routing import Router
from twin.experiments import simulate
from twin.kernels.traffic import path_edges
from twin.scenario import load_scenario
from twin.sim.queries import EDGE_TRAVEL_TIME_S
from twin.systems.traffic.preemption import cross_delays, trip_preemption

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def test_a_trip_preempts_the_equipped_signals_on_its_route(grid: City) -> None:
    model, system = traffic_model(grid, preemption={"enabled": True, "equipped_share": 0.5})
    layout, net = system.layout, grid.drive
    router = Router(net, model.query(EDGE_TRAVEL_TIME_S, emergency=True))
    # Between the two signals farthest apart, the route passes several signals.
    sites = layout.site_node
    far = np.argmax(np.hypot(net.x[sites] - net.x[sites[0]], net.y[sites] - net.y[sites[0]]))
    origin, target = int(sites[0]), int(sites[far])
    trip = trip_preemption(router, origin, target, layout, system.equipped, system.delay_s, system.cross_delay_veh_s)
    _, path = router.route(origin, target)
    approaches = layout.edge_approach[path_edges(path, router.indptr, router.indices, router.weights,
                                                 net.forward.edge_id)]
    approaches = approaches[approaches >= 0]
    hit = approaches[system.equipped[layout.approach_controller[approaches]]]
    assert trip.signals == len(approaches) > 0
    assert trip.preempted == len(hit)
    assert trip.saved_s == pytest.approx(system.delay_s[hit].sum())
    assert trip.cross_delay_veh_s == pytest.approx(system.cross_delay_veh_s[hit].sum())
    none = trip_preemption(router, origin, target, layout, np.zeros(layout.n_controllers, dtype=bool),
                           system.delay_s, system.cross_delay_veh_s)
    assert none.signals == trip.signals and none.preempted == 0 and none.saved_s == 0.0


def test_cross_street_delay_is_the_deterministic_queue_estimate(grid: City) -> None:
    _, system = traffic_model(grid, preemption={"enabled": True, "lost_time_s": 20})
    layout, plan = system.layout, system.plan
    a = 0
    k, cross = layout.approach_controller[a], 1 - layout.approach_phase[a]
    q = system.phase_flow_vph[k, cross] / 3600
    x = system.flow_ratio[k, cross] / (plan.green_s[k, cross] / plan.cycle_s[k])
    expected = q * 20**2 / (2 * (1 - x))
    assert system.cross_delay_veh_s[a] == pytest.approx(expected)
    values = cross_delays(layout, plan, system.flow_ratio, system.phase_flow_vph, 40.0, 0.95)
    assert values == pytest.approx(4 * system.cross_delay_veh_s)  # quadratic in the lost time


def test_preemption_shortens_emergency_travel_and_costs_cross_traffic() -> None:
    plain = simulate(load_scenario(SCENARIOS / "traffic.yaml"))
    preempt = simulate(load_scenario(SCENARIOS / "traffic_preemption.yaml"))
    kpis = preempt.kpis["traffic"]["preemption"]
    assert kpis["enabled"] and kpis["trips"] > 0
    assert 0 < kpis["preemptions"] <= kpis["signals_passed"]
    assert kpis["cross_delay_veh_h"] > 0 and kpis["saved_per_trip_est"] > 0
    assert plain.kpis["traffic"]["preemption"]["preemptions"] == 0
    # Same volumes, plans and collisions; only the units' routes got faster.
    assert preempt.kpis["traffic"]["collisions"] == plain.kpis["traffic"]["collisions"]
    assert preempt.kpis["traffic"]["signal_delay_s"] == plain.kpis["traffic"]["signal_delay_s"]
    travel = {name: r.kpis["response"]["all"]["travel_s"]["mean"] for name, r in
              (("plain", plain), ("preempt", preempt))}
    assert travel["preempt"] < travel["plain"]
    assert {"signal_delay_s", "travel_time_index", "traffic_collisions_so_far", "preemptions_so_far"} <= set(
        preempt.timeseries.columns)


def test_only_lights_and_sirens_trips_route_through_preempted_signals() -> None:
    result = simulate(load_scenario(SCENARIOS / "traffic_preemption.yaml"))
    response = next(system for system, _ in result.model.systems if system.section == "response")
    emergency, routine = response.router_for(1), response.router_for(3)  # factors 1.25 and 1.0
    assert response.router_for(2) is emergency and routine is not emergency
    # Same roads and congestion; the routine times keep the signal delay that preemption removes.
    assert np.all(routine.weights >= emergency.weights) and routine.weights.sum() > emergency.weights.sum()
