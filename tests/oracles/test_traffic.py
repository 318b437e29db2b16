"""Travel times of the traffic system, recomputed by hand from the volumes, the plan and the formulas.

One signalised crossroads: a primary road east–west, a residential street
north–south, 300 m arms. With a flat day and week every edge carries its daily
volume / 24 each hour, so the flows, Webster's cycle and green split, each
approach's delay (with its own phase's green) and the BPR term of each edge
follow on paper from the numbers in the scenario section. The formulas are
written out here again, not imported: a test that called the model's kernels
for its expected values would agree with any mistake in them.
"""

from __future__ import annotations

import pytest

from tests.oracles.small_city import drawn_city, edge_id, events_of, two_way
from tests.systems.traffic.helpers import traffic_model
from twin.city import City
from twin.sim.queries import EDGE_TRAVEL_TIME_S

FLAT = {"hour_profile": [1.0] * 24, "weekday_profile": [1.0] * 7}
PRIMARY_AADT, RESIDENTIAL_AADT = 24_000.0, 7_200.0
SATURATION_VPH = 1800.0
CAPACITY_VPH = {"primary": 1000.0, "residential": 600.0}
ARM_S = {"primary": 24.0, "residential": 30.0}
LOST_PER_PHASE_S, MIN_GREEN_S = 4.0, 10.0

SECTION = {
    "volumes": {"aadt_by_class": {"primary": PRIMARY_AADT, "residential": RESIDENTIAL_AADT}, **FLAT},
    "roads": {"lanes_by_class": {"primary": 1, "residential": 1},
              "capacity_per_lane_by_class": CAPACITY_VPH,
              "saturation_flow_by_class": {"primary": SATURATION_VPH, "residential": SATURATION_VPH}},
    "signals": {"name": "fixed_time", "params": {"lost_time_per_phase_s": LOST_PER_PHASE_S,
                                                 "min_green_s": MIN_GREEN_S, "min_cycle_s": 40,
                                                 "max_cycle_s": 120}},
    "collisions": {"enabled": False},
}


def crossroads() -> City:
    """Node 0 a signalised junction; 1 east, 2 west (primary), 3 north, 4 south (residential)."""
    points = [(0, 0), (300, 0), (-300, 0), (0, 300), (0, -300)]
    edges = (two_way(0, 1, ARM_S["primary"], "primary") + two_way(0, 2, ARM_S["primary"], "primary")
             + two_way(0, 3, ARM_S["residential"], "residential") + two_way(0, 4, ARM_S["residential"], "residential"))
    return drawn_city(points, edges, signal_nodes=[0])


def bpr(t0: float, v: float, c: float, alpha: float = 0.15, beta: float = 4.0) -> float:
    """BPR (1964): ``t0 (1 + α (v/c)^β)``."""
    return t0 * (1 + alpha * (v / c) ** beta)


def webster(c: float, g: float, q_vph: float, s_vph: float) -> float:
    """Webster (1958) mean delay per vehicle, seconds, for cycle ``c`` and effective green ``g``."""
    q, s = q_vph / 3600, s_vph / 3600
    lam = g / c
    x = q / (lam * s)
    return c * (1 - lam) ** 2 / (2 * (1 - lam * x)) + x**2 / (2 * q * (1 - x)) - 0.65 * (c / q**2) ** (1 / 3) * x ** (
        2 + 5 * lam)


def hand_plan() -> dict[str, float]:
    """Webster's cycle and the two greens, worked out from the volumes."""
    y_main = PRIMARY_AADT / 24 / SATURATION_VPH  # the critical lane group of each phase carries the class's flow
    y_cross = RESIDENTIAL_AADT / 24 / SATURATION_VPH
    lost = 2 * LOST_PER_PHASE_S
    cycle = (1.5 * lost + 5) / (1 - y_main - y_cross)  # 61.2 s, inside [40, 120]
    green_main = (cycle - lost) * y_main / (y_main + y_cross)
    green_cross = (cycle - lost) * y_cross / (y_main + y_cross)
    assert 40 < cycle < 120 and green_cross > MIN_GREEN_S  # no clipping: the plain formulas hold
    return {"cycle": cycle, "primary": green_main, "residential": green_cross}


def test_each_approach_waits_by_its_own_green_plus_bpr_on_every_edge() -> None:
    city = crossroads()
    model, system = traffic_model(city, hours=1, **SECTION)
    plan = hand_plan()
    flow = {"primary": PRIMARY_AADT / 24, "residential": RESIDENTIAL_AADT / 24}
    delay = {road: webster(plan["cycle"], plan[road], flow[road], SATURATION_VPH) for road in flow}
    assert delay["primary"] != pytest.approx(delay["residential"], rel=0.05)  # the phases can be told apart

    times = model.query(EDGE_TRAVEL_TIME_S)
    arms = {1: "primary", 2: "primary", 3: "residential", 4: "residential"}
    for arm, road in arms.items():
        congested = bpr(ARM_S[road], flow[road], CAPACITY_VPH[road])
        # Into the junction: an approach, congestion plus the signal; out of it: congestion only.
        assert times[edge_id(city, arm, 0)] == pytest.approx(congested + delay[road], rel=1e-9), (arm, road)
        assert times[edge_id(city, 0, arm)] == pytest.approx(congested, rel=1e-9), (arm, road)

    # The plan the policy chose is Webster's, and the state event's mean delay is the flow-weighted mean.
    assert system.plan.cycle_s[0] == pytest.approx(plan["cycle"], rel=1e-9)
    assert sorted(system.plan.green_s[0]) == pytest.approx(sorted([plan["primary"], plan["residential"]]), rel=1e-9)
    state = events_of(model.bus.log.frame(), "TrafficState").iloc[0]
    mean = (flow["primary"] * delay["primary"] + flow["residential"] * delay["residential"]) / sum(flow.values())
    assert state["mean_signal_delay_s"] == pytest.approx(mean, rel=1e-9)


def test_preempted_emergency_trips_keep_the_congestion_and_lose_the_signal_delay() -> None:
    city = crossroads()
    model, _ = traffic_model(city, hours=1, preemption={"enabled": True, "equipped_share": 1.0}, **SECTION)
    times = model.query(EDGE_TRAVEL_TIME_S, emergency=True)
    flow = {"primary": PRIMARY_AADT / 24, "residential": RESIDENTIAL_AADT / 24}
    for arm, road in {1: "primary", 2: "primary", 3: "residential", 4: "residential"}.items():
        congested = bpr(ARM_S[road], flow[road], CAPACITY_VPH[road])
        assert times[edge_id(city, arm, 0)] == pytest.approx(congested, rel=1e-9)


@pytest.mark.parametrize("ratio,factor", [(1.0, 1.15), (0.5, 1 + 0.15 / 16), (2.0, 1 + 0.15 * 16), (0.0, 1.0)])
def test_bpr_on_a_loaded_street(ratio: float, factor: float) -> None:
    """Standard BPR (α = 0.15, β = 4): at volume = capacity a street is 15 % slower than free flow."""
    city = drawn_city([(0, 0), (500, 0)], two_way(0, 1, 40.0, "secondary"))
    section = {"volumes": {"aadt_by_class": {"secondary": ratio * 24 * 800.0}, **FLAT},
               "roads": {"lanes_by_class": {"secondary": 2}, "capacity_per_lane_by_class": {"secondary": 400.0}},
               "collisions": {"enabled": False}}
    model, system = traffic_model(city, hours=1, **section)
    assert (system.config.bpr.alpha, system.config.bpr.beta) == (0.15, 4.0)  # the defaults are the 1964 manual's
    assert model.query(EDGE_TRAVEL_TIME_S) == pytest.approx([40.0 * factor] * 2, rel=1e-9)
