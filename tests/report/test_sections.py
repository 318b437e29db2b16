"""The report's system sections (people, traffic, street lighting, crime) and the lighting policy comparison.

Two short Helsinki runs: a night with every system but response (small
population), and an afternoon and night with street lighting alone under a
custom adaptive policy.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from tests.report.test_report import PNG_SIGNATURE, png_size
from twin.experiments import simulate
from twin.experiments.outputs import write_run
from twin.experiments.run import RunResult
from twin.scenario import Scenario, load_scenario
from twin.systems.population.report import pick_snapshots

#: Section heading → the figures it must link, in install order.
SECTIONS: dict[str, tuple[str, ...]] = {
    "## Street lighting": ("lighting_power", "lighting_policies"),
    "## Crime": ("crime_by_hour",),
    "## Traffic": ("traffic_delay",),
    "## People": ("people_activity", "people_density"),
}

EVERYTHING = """\
city: helsinki
run: {start: "2026-11-02T22:00:00", duration: 6h, warmup: 1h, seed: 2}
population: {size: 3000, zones: 24, walk_zones: 48, threads: 1}
traffic: {refresh_s: 900, collisions: {per_day: 40}}
lighting: {timezone: Europe/Helsinki}
crime: {per_day: 60}
"""

LIGHTING_ONLY = """\
city: helsinki
run: {start: "2026-11-02T12:00:00", duration: 20h, warmup: 1h, seed: 2}
lighting:
  timezone: Europe/Helsinki
  policy: {name: adaptive, params: {dim_level: 0.5, dim_from: "23:00"}}
"""


def _run(text: str, folder: Path) -> tuple[RunResult, str]:
    """Simulate the scenario ``text`` and write its report into ``folder``; the report's text."""
    path = folder / "scenario.yaml"
    path.write_text(text)
    result = simulate(load_scenario(path))
    report = write_run(result, folder / "run") / "report.md"
    return result, report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, str, Path]:
    folder = tmp_path_factory.mktemp("everything")
    result, text = _run(EVERYTHING, folder)
    return result, text, folder / "run"


@pytest.fixture(scope="module")
def lighting_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, str, Path]:
    folder = tmp_path_factory.mktemp("lighting")
    result, text = _run(LIGHTING_ONLY, folder)
    return result, text, folder / "run"


def _check_figures(folder: Path, text: str, names: tuple[str, ...]) -> None:
    for name in names:
        png = folder / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == PNG_SIGNATURE, f"{name}.png missing or not a PNG"
        width, height = png_size(png)
        assert 600 <= width <= 3000 and 300 <= height <= 2500, (name, width, height)
        assert f"](figures/{name}.png)" in text


def test_every_installed_system_has_its_section_once(everything: tuple[RunResult, str, Path]) -> None:
    _, text, folder = everything
    for heading, figures in SECTIONS.items():
        assert text.count(f"\n{heading}\n") == 1, heading
        _check_figures(folder, text, figures)
    # In the report's order, after the summary and before the scenario's appendix.
    positions = [text.index(f"\n{heading}\n") for heading in SECTIONS]
    assert text.index("## Summary") < positions[0]
    assert positions == sorted(positions) and positions[-1] < text.index("## Appendix: the scenario as resolved")
    assert not list(folder.rglob("*.tmp"))


def test_tables_carry_the_kpis(everything: tuple[RunResult, str, Path]) -> None:
    result, text, _ = everything
    people, traffic, crime = result.kpis["population"], result.kpis["traffic"], result.kpis["crime"]
    assert "| Mode | People | Trips | Person-km | Mean trip (min) |" in text
    assert f"| drive | {people['people']['drive']:,} | {people['trips']['drive']:,} |" in text
    assert f"Trips that found no way on (stuck): {people['stuck']:,}" in text
    assert f"| Signal policy | {traffic['policy']} |" in text
    assert f"| Collisions | {traffic['collisions']['total']:,} (" in text
    assert "| … with pedestrians |" in text and "Preemptions" not in text  # preemption is off
    assert f"| Crimes | {crime['crimes']:,} |" in text
    assert "| Guarded share (a police unit in reach) |" in text
    assert "### Energy per lighting policy" in text and "| dusk_to_dawn (this run) | defaults |" in text


def test_sections_appear_only_for_installed_systems(lighting_only: tuple[RunResult, str, Path]) -> None:
    _, text, folder = lighting_only
    assert text.count("\n## Street lighting\n") == 1
    _check_figures(folder, text, SECTIONS["## Street lighting"])
    for heading in ("## People", "## Traffic", "## Crime", "## Emergency response"):
        assert f"\n{heading}\n" not in text
    assert sorted(p.stem for p in (folder / "figures").glob("*.png")) == ["lighting_policies", "lighting_power"]


def test_no_system_sections_without_systems(tmp_path: Path) -> None:
    # A scenario file must configure a system; the Python API may still run the bare city.
    bare = Scenario.model_validate({"name": "empty", "city": "synthetic:nodes=400", "run": {"duration": 3600}})
    text = (write_run(simulate(bare), tmp_path / "run") / "report.md").read_text(encoding="utf-8")
    assert not any(f"\n{heading}\n" in text for heading in SECTIONS)
    assert "No system of this run has KPIs to report." in text


@pytest.mark.parametrize("fixture", ["everything", "lighting_only"])
def test_energy_by_policy_is_ordered_and_holds_the_runs_own(fixture: str, request: pytest.FixtureRequest) -> None:
    result, _, _ = request.getfixturevalue(fixture)
    lighting = result.kpis["lighting"]
    by_policy, own = lighting["energy_by_policy_kwh"], lighting["energy_by_policy_run"]
    assert lighting["dark_hours"] > 4  # the runs are nights
    assert by_policy["always_on"] >= by_policy["dusk_to_dawn"] >= by_policy["adaptive"] > 0
    # Computed the same way as the run's own energy: equal, not just close.
    assert by_policy[own] == lighting["kwh_per_night"]


def test_a_custom_policy_is_its_own_entry(lighting_only: tuple[RunResult, str, Path]) -> None:
    result, text, _ = lighting_only
    lighting = result.kpis["lighting"]
    by_policy = lighting["energy_by_policy_kwh"]
    assert lighting["energy_by_policy_run"] == "adaptive (this run)"
    assert set(by_policy) == {"always_on", "dusk_to_dawn", "adaptive", "adaptive (this run)"}
    # Daylight in the window, and without people the fallback motion leaves most streets dim:
    # every policy differs.
    assert by_policy["always_on"] > by_policy["dusk_to_dawn"] > by_policy["adaptive (this run)"] > by_policy["adaptive"]
    assert "| adaptive (this run) | dim_level=0.5, dim_from=23:00" in text


def test_density_snapshots_cover_the_run(everything: tuple[RunResult, str, Path]) -> None:
    result, _, _ = everything
    system = next(s for s, _ in result.model.systems if s.section == "population")
    times, counts = system.presence_snapshots()
    np.testing.assert_array_equal(times, np.arange(0, 6 * 3600 + 1, 3600.0)[:len(times)])
    assert len(times) >= 6 and counts.shape == (len(times), result.model.city.drive.n_nodes)
    assert counts.dtype == np.int32
    assert (counts.sum(axis=1) == 3000).all()  # everyone stands at some node


def test_pick_snapshots_prefers_the_usual_hours_then_spreads() -> None:
    hourly = np.arange(25) * 3600.0
    midnight = datetime(2026, 11, 2)
    assert pick_snapshots(hourly, midnight, 3600) == [3, 8, 13, 18]
    # A short morning run holds one preferred hour: four snapshots spread over it instead.
    assert pick_snapshots(hourly[:7], datetime(2026, 11, 2, 8), 3600) == [1, 3, 4, 6]
    assert pick_snapshots(hourly[:3], midnight, 0) == [0, 1, 2]
    assert pick_snapshots(hourly[:2], midnight, 7200) == []
