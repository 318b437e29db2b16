"""The traffic scenarios load, run with emergency response and report their KPIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.experiments import simulate
from twin.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def test_traffic_variants_run_and_differ_only_where_they_should() -> None:
    results = {name: simulate(load_scenario(SCENARIOS / f"{name}.yaml"))
               for name in ("traffic", "traffic_actuated", "traffic_smart_crosswalks")}
    for result in results.values():
        traffic = result.kpis["traffic"]
        assert traffic["controllers"] > 0 and traffic["vehicle_km"] > 0
        assert traffic["travel_time_index"] > 1 and 0 < traffic["mean_speed_kmh"] < 60
        assert traffic["signal_delay_s"]["mean"] > 0
        assert result.kpis["response"]["all"]["incidents"] > 0
    plain, actuated, smart = (results[n].kpis["traffic"] for n in results)
    assert actuated["policy"] == "actuated" and plain["policy"] == "fixed_time"
    assert actuated["signal_delay_s"]["mean"] != pytest.approx(plain["signal_delay_s"]["mean"])
    assert actuated["collisions"] == plain["collisions"]  # signal timing does not move collisions
    assert smart["smart_crosswalks"] > 0
    assert smart["collisions"]["expected_per_day"] < plain["collisions"]["expected_per_day"] == pytest.approx(8.0)
    assert smart["collisions"]["total"] <= plain["collisions"]["total"]
