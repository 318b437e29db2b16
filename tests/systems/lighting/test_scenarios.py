"""The lighting scenarios run end to end with emergency response, and their KPIs appear."""

from __future__ import annotations

from pathlib import Path

from twin.experiments import simulate
from twin.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def test_lighting_scenarios_run_with_response_and_report_kpis() -> None:
    results = {name: simulate(load_scenario(SCENARIOS / f"lighting_{name}.yaml"))
               for name in ("dusk_to_dawn", "adaptive")}
    for name, result in results.items():
        assert set(result.kpis) >= {"response", "lighting"}
        lighting = result.kpis["lighting"]
        assert lighting["policy"] == name
        for key in ("kwh_per_night", "cost_per_night", "mean_level_night", "lit_km_share", "outages"):
            assert lighting[key] is not None, key
        assert lighting["kwh_per_night"] > 0 and 0 < lighting["lit_km_share"] <= 1
        assert {"light_level_mean", "lights_on", "lighting_kw"} <= set(result.timeseries.columns)
        assert result.kpis["response"]["all"]["incidents"] > 0
    adaptive, d2d = results["adaptive"].kpis["lighting"], results["dusk_to_dawn"].kpis["lighting"]
    assert adaptive["kwh_per_night"] < d2d["kwh_per_night"]
    assert adaptive["mean_level_night"] < d2d["mean_level_night"]
    # Lighting does not disturb the response system's random streams (common random numbers).
    assert results["adaptive"].kpis["response"] == results["dusk_to_dawn"].kpis["response"]
