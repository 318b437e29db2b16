"""KPIs of the crime, traffic, lighting and population systems in experiments: directions, labels,
the headline, and a comparison of two street-lighting policies with crime by hour and energy per night."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.experiments.conftest import write_scenario
from twin.cli import main
from twin.experiments.tables import runs_frame, summarise
from twin.present.kpis import direction, format_value, headline_keys, label, measure, regression_keys, unit
from twin.systems.crime.kpis import hour_coverage
from twin.systems.lighting import LightingSystem
from twin.systems.lighting.config import LightingConfig


@pytest.mark.parametrize(("key", "expected"), [
    ("crime.crimes", "lower"),
    ("crime.per_day", "lower"),
    ("crime.by_hour.03", "lower"),
    ("crime.by_type.crime_report", "lower"),
    ("crime.night.crimes", "lower"),
    ("crime.night.outdoor", "lower"),
    ("crime.night.share", "neutral"),
    ("crime.outdoor_share", "neutral"),
    ("crime.mean_guardianship", "neutral"),
    ("crime.calibration.per_day", "neutral"),
    ("traffic.collisions.per_day", "lower"),
    ("traffic.collisions.pedestrian", "lower"),
    ("traffic.collisions.by_site.signal", "lower"),
    ("traffic.collisions.expected_per_day", "neutral"),
    ("traffic.signal_delay_s.mean", "lower"),
    ("traffic.signal_delay_veh_h", "lower"),
    ("traffic.travel_time_index", "lower"),
    ("traffic.mean_speed_kmh", "higher"),
    ("traffic.vehicle_km", "neutral"),
    ("traffic.controllers", "neutral"),
    ("traffic.mean_cycle_s", "neutral"),
    ("traffic.preemption.preemptions", "neutral"),
    ("traffic.preemption.cross_delay_veh_h", "lower"),
    ("traffic.preemption.cross_delay_veh_h_per_day", "lower"),
    ("lighting.kwh_per_night", "lower"),
    ("lighting.cost_per_night", "lower"),
    ("lighting.energy_kwh", "lower"),
    ("lighting.energy_by_policy_kwh.adaptive", "lower"),
    ("lighting.lights", "neutral"),
    ("lighting.installed_kw", "neutral"),
    ("lighting.mean_level_night", "neutral"),
    ("population.people.walk", "neutral"),
    ("population.trips.drive", "neutral"),
    ("population.person_km.drive", "neutral"),
    ("population.mean_trip_min.walk", "lower"),
    ("population.stuck", "lower"),
])
def test_directions_of_system_kpis(key: str, expected: str) -> None:
    assert direction(key) == expected


def test_labels_and_units_of_system_kpis() -> None:
    assert label("crime.per_day") == "Crimes per day" and measure("crime.per_day") == "crimes/day"
    assert label("crime.by_hour.22") == "Crimes 22:00–22:59"
    assert label("traffic.collisions.by_site.junction") == "Collisions, junction"
    assert label("lighting.cost_per_night") == "Lighting cost per night"
    euros = LightingSystem.label_context(LightingConfig(currency="EUR"))
    assert label("lighting.cost_per_night", euros) == "Lighting cost per night (EUR)"
    assert measure("lighting.cost_per_night") == "money/night" and measure("lighting.cost_per_night", euros) == "EUR/night"
    assert label("response.by_priority.p1.response_s.p90") == "P1 response, p90"
    assert label("response.by_type.medical_p1.turnout_s.mean") == "medical p1 turnout, mean"
    assert label("response.all.within_target") == "All within target" and unit("response.all.within_target") == "share"
    assert label("lighting.energy_by_policy_kwh.dusk_to_dawn") == "Lighting energy per night if dusk to dawn (kWh)"
    # Times print as min:s and differ in seconds; shares in %; anything else as a number.
    assert unit("traffic.signal_delay_s.mean") == "s" and format_value("traffic.signal_delay_s.mean", 75) == "1:15"
    assert unit("lighting.mean_level_night") == "share" and format_value("lighting.mean_level_night", 0.7) == "70.0 %"
    assert unit("lighting.kwh_per_night") == "count" and measure("lighting.kwh_per_night") == "kWh/night"
    assert format_value("lighting.kwh_per_night", -12.5, signed=True) == "-12.50"
    assert format_value("crime.crimes", 0.003, signed=True) == "+0.003"  # an interval's end just off zero
    assert label("nobody.knows") == "nobody.knows" and direction("nobody.knows") == "neutral"


def test_headline_adds_system_kpis_only_when_present() -> None:
    response_only = ["response.unserved", "response.all.incidents"]
    assert headline_keys(response_only) == ["response.unserved"]
    keys = ["lighting.cost_per_night", "crime.by_hour.01", "lighting.kwh_per_night", "traffic.collisions.per_day",
            "crime.night.crimes", "crime.per_day", "traffic.signal_delay_s.mean", "response.unserved",
            "traffic.preemption.cross_delay_veh_h_per_day", "lighting.lights"]
    # Systems in install order (response, lighting, crime, traffic), each in its declared order.
    assert headline_keys(keys) == [
        "response.unserved", "lighting.kwh_per_night", "lighting.cost_per_night", "crime.per_day",
        "crime.night.crimes", "traffic.collisions.per_day", "traffic.signal_delay_s.mean",
        "traffic.preemption.cross_delay_veh_h_per_day"]


def test_regression_checks_headlines_and_incident_counts() -> None:
    keys = ["response.unserved", "response.all.incidents", "response.by_priority.p2.incidents",
            "response.by_type.fire.incidents", "crime.per_day", "crime.crimes"]
    assert regression_keys(keys) == ["response.unserved", "crime.per_day", "response.all.incidents",
                                     "response.by_priority.p2.incidents"]


def test_non_numeric_kpis_are_left_out_of_runs_and_summaries() -> None:
    kpis = {"lighting": {"policy": "adaptive", "currency": "EUR", "kwh_per_night": 12.0,
                         "outages": {"mean_repair_s": None}, "energy_by_policy_run": "adaptive"},
            "traffic": {"policy": "fixed_time", "preemption": {"enabled": True}},
            "population": {"evacuations": [{"order": 1, "people": 3}], "stuck": 0},
            "crime": {"night": {"crimes": 4, "hours": "18:00-06:00"}}}
    record = {"seed": 1, "scenario_hash": "h", "timings_s": {"total": 0.1}, "kpis": kpis}
    runs = runs_frame([{"replication": 0}, {"replication": 1}], [record, record])
    kpi_columns = set(runs.columns) - {"replication", "seed", "scenario_hash", "run_s"}
    assert kpi_columns == {"lighting.kwh_per_night", "traffic.preemption.enabled", "population.stuck",
                           "crime.night.crimes"}
    summary = summarise(runs).set_index("kpi")
    assert summary.loc["lighting.kwh_per_night", "mean"] == 12.0
    assert summary.loc["lighting.kwh_per_night", "direction"] == "lower"


def _coverage(start: str, warmup_h: float, duration_h: float) -> np.ndarray:
    return hour_coverage(datetime.fromisoformat(start), warmup_h * 3600, duration_h * 3600)


def test_hour_coverage_counts_the_measured_window_per_clock_hour() -> None:
    day = _coverage("2026-11-02T00:00", 1, 24)
    assert day[0] == 0 and (day[1:] == 1).all()
    night = _coverage("2026-11-02T20:00", 0.5, 10)
    assert night[20] == 0.5 and night[21] == night[5] == 1 and night[6] == night[12] == 0 and night.sum() == 9.5
    assert (_coverage("2026-11-02T06:30", 0, 48) == 2).all()


def test_compare_lighting_policies_shows_crime_by_hour_and_energy_per_night(tmp_path: Path) -> None:
    """Dusk to dawn against adaptive dimming, over an evening and a night with crime and a small population."""
    common = {"run": {"start": "2026-11-02T20:00:00", "duration": "10h", "warmup": "30m", "seed": 3,
                      "sample_every": "15m"},
              "crime": {"per_day": 60}, "population": {"size": 2000, "zones": 16, "walk_zones": 64},
              # Crimes come from the crime system, not from response's own arrivals as well.
              "response__incident_types": {"crime_report": {"arrivals": "external"},
                                           "crime_in_progress": {"arrivals": "external"}}}
    a = write_scenario(tmp_path, "dusk_to_dawn", lighting={"policy": {"name": "dusk_to_dawn"}}, **common)
    b = write_scenario(tmp_path, "adaptive", lighting={"policy": {"name": "adaptive"}}, **common)
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--reps", "3", "--processes", "2", "--out", str(out),
                 "--no-store"]) == 0
    diffs = pd.read_csv(out / "differences.csv").set_index("kpi")
    energy = diffs.loc["lighting.kwh_per_night"]
    assert energy["direction"] == "lower" and energy["diff_high"] < 0 and energy["verdict"] == "better"
    assert diffs.loc["lighting.cost_per_night", "label"] == "Lighting cost per night (EUR)"
    assert "lighting.policy" not in diffs.index and "lighting.currency" not in diffs.index

    by_hour = pd.read_csv(out / "crime_by_hour.csv")
    assert list(by_hour["hour"]) == list(range(24))
    measured = by_hour.set_index("hour")
    assert math.isnan(measured.loc[12, "a_mean"])  # noon is outside the window: no value, not zero
    assert measured.loc[[21, 22, 23, 0, 1], "a_mean"].notna().all()
    assert (out / "figures" / "crime_by_hour.png").stat().st_size > 0

    report = (out / "report.md").read_text()
    assert "## Crimes per hour of the day" in report and "figures/crime_by_hour.png" in report
    assert "3 replications" in report and "Night crimes (18:00–06:00)" in report
    assert "Day crimes" not in report  # the window has no day hours
    energy_table = report.split("## Street-lighting energy")[1].split("## How to read")[0]
    assert "| Policy | dusk_to_dawn | adaptive |" in energy_table
    assert "Lighting energy per night (kWh)" in energy_table and "better" in energy_table
    assert "costs in EUR" in energy_table
