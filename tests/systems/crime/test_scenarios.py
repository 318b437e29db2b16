"""The crime scenarios run end to end: crimes reach emergency response and are served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from twin.experiments import RunResult, simulate
from twin.scenario import load_scenario
from twin.systems.response.kpis import incident_table

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


@pytest.fixture(scope="module")
def dusk_to_dawn() -> RunResult:
    """One run of ``scenarios/crime.yaml``."""
    return simulate(load_scenario(SCENARIOS / "crime.yaml"))


def test_crimes_become_calls_and_are_served_in_a_full_run(dusk_to_dawn: RunResult) -> None:
    result = dusk_to_dawn
    events = result.events
    committed = events[events["kind"] == "CrimeCommitted"]
    reported = events[events["kind"] == "IncidentReported"]
    assert len(committed) > 10
    assert len(reported) == len(committed)
    assert all(json.loads(d)["source"] == "crime" for d in reported["data"])
    table = incident_table(events)
    crime = table[table["incident_type"].isin(["crime_in_progress", "crime_report"])]
    # Every crime incident came from the crime system (the response's Poisson process has none).
    assert len(crime) == len(committed)
    assert sorted(crime["t_call"].round(6)) == sorted(committed["time"].round(6))
    assert crime["response"].notna().mean() > 0.9
    # The rest of the baseline is still drawn by the response system: 50.4 a day.
    assert 25 < len(table) - len(crime) < 80
    kpis = result.kpis["crime"]
    assert kpis["crimes"] == int((committed["time"] >= 3600).sum())
    assert list(kpis["by_hour"]) == [f"{h:02d}" for h in range(24)]
    assert sum(kpis["by_hour"].values()) == kpis["crimes"]
    assert kpis["calibration"]["per_day"] == 29.6
    assert kpis["mean_light_multiplier_night_outdoor"] is None or kpis["mean_light_multiplier_night_outdoor"] < 1
    assert {"crimes_so_far", "crime_rate_per_h"} <= set(result.timeseries.columns)
    assert result.timeseries["crimes_so_far"].iloc[-1] <= len(committed)


def test_adaptive_lighting_shares_the_crime_scale_and_keeps_streets_darker(dusk_to_dawn: RunResult) -> None:
    d2d = dusk_to_dawn.kpis["crime"]
    adaptive = simulate(load_scenario(SCENARIOS / "crime_adaptive_lighting.yaml")).kpis["crime"]
    assert adaptive["calibration"] == d2d["calibration"], "light is not part of the calibration"
    # Dimmed streets deter less: night-time outdoor crimes happen where the multiplier is higher.
    assert adaptive["mean_light_multiplier_night_outdoor"] > d2d["mean_light_multiplier_night_outdoor"]
