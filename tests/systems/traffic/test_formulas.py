"""The traffic formulas: BPR, Webster's cycle and delay, gap-out, and the two signal policies."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from twin.kernels.traffic import bpr_time, gap_out_s, signal_delay, webster_cycle, webster_delay
from twin.systems.traffic.policies import Actuated, FixedTime, SignalContext, split_green


def test_bpr_function() -> None:
    assert bpr_time(10.0, 0.0, 1000.0, 0.15, 4.0) == 10.0
    assert bpr_time(10.0, 1000.0, 1000.0, 0.15, 4.0) == pytest.approx(11.5)  # 15 % slower at capacity
    assert bpr_time(10.0, 2000.0, 1000.0, 0.15, 4.0) == pytest.approx(10.0 * (1 + 0.15 * 16))
    assert bpr_time(10.0, 500.0, 1000.0, 0.15, 4.0) == pytest.approx(10.0 * (1 + 0.15 / 16))
    assert bpr_time(10.0, 500.0, 0.0, 0.15, 4.0) == 10.0  # no capacity given: free flow


def test_webster_optimal_cycle() -> None:
    # L = 8 s, Y = 0.5: (1.5 * 8 + 5) / 0.5 = 34 s.
    assert webster_cycle(8.0, 0.5) == pytest.approx(34.0)
    assert webster_cycle(12.0, 0.75) == pytest.approx((18 + 5) / 0.25)
    assert math.isinf(webster_cycle(8.0, 1.0))


def test_webster_delay_worked_example() -> None:
    # c = 60 s, g = 30 s, q = 720 veh/h, s = 1800 veh/h: lambda = 0.5, x = 0.8.
    c, g, q, s = 60.0, 30.0, 0.2, 0.5
    uniform = c * 0.25 / (2 * (1 - 0.4))            # 12.5 s
    random = 0.64 / (2 * q * 0.2)                    # 8.0 s
    correction = 0.65 * (c / q**2) ** (1 / 3) * 0.8 ** 4.5
    assert webster_delay(c, g, q, s) == pytest.approx(uniform + random - correction)
    assert webster_delay(c, g, q, s) == pytest.approx(17.77, abs=0.01)
    assert webster_delay(c, g, 0.0, s) == pytest.approx(c * 0.25 / 2)  # no traffic: the uniform term's limit
    assert math.isinf(webster_delay(c, g, 0.25, s))  # x = 1


def test_signal_delay_caps_and_grows_past_saturation() -> None:
    c, g, s = 60.0, 30.0, 0.5
    flows = np.linspace(0.01, 0.35, 60)  # up to x = 1.4
    delays = np.array([signal_delay(c, g, q, s, 0.95, 900.0) for q in flows])
    assert np.all(np.isfinite(delays)) and np.all(np.diff(delays) >= -1e-9)
    capped = webster_delay(c, g, 0.95 * 0.25, s)
    assert signal_delay(c, g, 0.3, s, 0.95, 900.0) == pytest.approx(capped + 0.2 * 900 / 2)  # x = 1.2


def test_gap_out_time() -> None:
    assert gap_out_s(0.0, 3.0) == 3.0
    assert gap_out_s(1e-9, 3.0) == pytest.approx(3.0)
    assert gap_out_s(0.5, 3.0) == pytest.approx(math.expm1(1.5) / 0.5)


def context(y: np.ndarray, flow_vph: np.ndarray | None = None, hour: int = 8) -> SignalContext:
    y = np.asarray(y, dtype=float)
    profile = {h: 1.0 for h in range(24)}
    return SignalContext(when=datetime(2026, 11, 2, hour), n_controllers=len(y), flow_ratio=y,
                         phase_flow_vph=y * 1800 if flow_vph is None else flow_vph,
                         flow_ratio_at=lambda hour: y * profile[int(hour) % 24])


def test_fixed_time_is_webster_clipped_with_proportional_greens() -> None:
    policy = FixedTime(min_cycle_s=30, max_cycle_s=120, lost_time_per_phase_s=4, min_green_s=5)
    y = np.array([[0.3, 0.2], [0.45, 0.35], [0.6, 0.5], [0.05, 0.0]])
    plan = policy.plan(context(y))
    expected = np.clip((1.5 * 8 + 5) / (1 - y.sum(axis=1)).clip(1e-9), 30, 120)
    expected[2] = 120  # Y = 1.1: oversaturated, longest cycle
    assert plan.cycle_s == pytest.approx(expected)
    assert plan.green_s.sum(axis=1) + plan.lost_s == pytest.approx(plan.cycle_s)
    assert plan.green_s[0, 0] / plan.green_s[0, 1] == pytest.approx(0.3 / 0.2)  # in proportion to y
    assert plan.green_s[3, 1] == pytest.approx(5.0)  # pedestrian phase: its minimum green


def test_fixed_time_plans_for_the_busiest_hour_of_each_period() -> None:
    policy = FixedTime(plan_hours=[0, 7, 10], min_cycle_s=20, max_cycle_s=200)
    assert policy.period_hours(8) == [7, 8, 9]
    assert policy.period_hours(23) == list(range(10, 24))
    base = np.array([[0.2, 0.2]])
    busiest = {7: 1.0, 8: 2.0, 9: 1.5}
    ctx = SignalContext(when=datetime(2026, 11, 2, 9, 30), n_controllers=1, flow_ratio=base * 1.5,
                        phase_flow_vph=base * 1800, flow_ratio_at=lambda h: base * busiest.get(int(h), 0.5))
    assert policy.plan(ctx).cycle_s[0] == pytest.approx(webster_cycle(8.0, 0.8))
    fixed = FixedTime(cycle_s=90).plan(ctx)
    assert fixed.cycle_s[0] == 90


def test_split_green_respects_minimum() -> None:
    greens = split_green(np.array([40.0]), 8.0, np.array([[0.5, 0.01]]), 10.0)
    assert greens[0] == pytest.approx([22.0, 10.0])


def test_actuated_extends_green_with_demand_up_to_the_maximum() -> None:
    policy = Actuated(min_green_s=8, max_green_s=40, unit_extension_s=3, lost_time_per_phase_s=4)
    y = np.array([[0.05, 0.05], [0.3, 0.25], [0.45, 0.35], [0.7, 0.6]])
    plan = policy.plan(context(y))
    assert np.all(np.diff(plan.cycle_s) > 0)  # busier signal, longer cycle
    assert plan.cycle_s[0] == pytest.approx(8 + 2 * 8)  # light traffic: minimum greens
    assert np.all(plan.green_s >= 8 - 1e-9) and np.all(plan.green_s <= 40 + 1e-9)
    assert plan.cycle_s[-1] == pytest.approx(8 + 80)  # oversaturated: both phases at max green
    # Fixed point: each green clears its queue and then gaps out.
    q = y * 1800 / 3600
    extension = np.expm1(q * 3) / q
    inner = plan.green_s[1]
    assert inner == pytest.approx(y[1] * plan.cycle_s[1] + extension[1] * (1 - y[1]), rel=1e-6)


def test_actuated_rests_in_green_at_a_pedestrian_crossing() -> None:
    policy = Actuated(min_green_s=10, pedestrian_call_interval_s=60)
    plan = policy.plan(context(np.array([[0.2, 0.0], [0.2, 0.1]])))
    assert plan.green_s[0] == pytest.approx([60.0, 10.0])  # vehicles keep green until a pedestrian calls
    assert plan.green_s[1, 0] < 60.0
    recall = Actuated(min_green_s=10, pedestrian_call_interval_s=0).plan(context(np.array([[0.2, 0.0]])))
    assert recall.green_s[0, 1] == pytest.approx(10.0) and recall.cycle_s[0] < plan.cycle_s[0]
