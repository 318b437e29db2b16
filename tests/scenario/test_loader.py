"""Scenario files: extends and merging, and one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.errors import TwinError
from twin.scenario import load_scenario
from twin.scenario.loader import deep_merge
from twin.scenario.schema import parse_seconds

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def write(tmp: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp / name
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n{text}")
    return path


def test_baseline_and_malta_validate() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert base.name == "baseline" and base.city.source == "helsinki"
    assert base.run.duration == 86400 and base.run.warmup == 3600
    for section in ("population", "traffic", "lighting", "crime", "response"):  # the whole city
        assert getattr(base, section) is not None, section
    alone = load_scenario(SCENARIOS / "response_only.yaml")
    assert alone.population is None and alone.traffic is None and alone.crime is None
    malta = load_scenario(SCENARIOS / "malta.yaml")
    assert malta.city.source.endswith("shared/data/osm/malta.osm.pbf")
    assert malta.response.units["ambulance"].count == 14
    assert malta.response.units["fire"].turnout_s.mean_s == 80  # inherited from response_only.yaml


def test_deep_merge_replaces_leaves_and_merges_maps() -> None:
    assert deep_merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "e": 2}) == \
        {"a": {"b": 1, "c": [2]}, "d": 1, "e": 2}


@pytest.mark.parametrize("text", ["3600", "60m", "1h", "1h0m", "3600s"])
def test_durations(text: str) -> None:
    assert parse_seconds(text if not text.isdigit() else int(text)) == 3600


@pytest.mark.parametrize("body, message", [
    ("response:\n  unitz: {}\n", "response.unitz: unknown key; did you mean 'units'?"),
    ("response:\n  units:\n    ambulance: {count: -2}\n", "response.units.ambulance.count: "),
    ("run: {duration: 0}\n", "run.duration: "),
    ("run: {duration: 1h, warmup: 2h}\n", "warmup"),
    ("response:\n  units:\n    ambulance: {count: 0}\n", "needs ambulance units but the scenario has none"),
    ("response:\n  dispatch: {name: closestt}\n", "did you mean 'closest'"),
    ("city: nowhere:x\n", "city.source: unknown city source kind"),
    ("response:\n  arrivals: {per_day: many}\n", "response.arrivals.per_day"),
    ("response:\n  arrivals: {hour_profile: [1, 2]}\n", "response.arrivals.hour_profile"),
    ("run: {seeed: 3}\n", "run.seeed: unknown key; did you mean 'seed'?"),
    ("response:\n  incident_types:\n    x: {share: 1, priority: 1, units: {fire: 9}, on_scene: {mean_s: 60}}\n",
     "needs 9 fire units"),
])
def test_errors_name_file_path_and_problem(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(TwinError) as info:
        load_scenario(path)
    text = str(info.value)
    assert text.startswith(str(path.resolve()) if str(path.resolve()) in text else str(path))
    assert message in text
    assert "\n" not in text


def test_missing_file_bad_yaml_and_cycles(tmp_path: Path) -> None:
    with pytest.raises(TwinError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("run: [unclosed\n")
    with pytest.raises(TwinError, match="not valid YAML"):
        load_scenario(bad)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(TwinError, match="circular"):
        load_scenario(tmp_path / "a.yaml")


@pytest.mark.parametrize("path", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_a_dumped_scenario_validates_to_itself(path: str) -> None:
    """Workers, the result store and outputs/…/scenario.yaml all carry a scenario as its dump."""
    from twin.scenario import Scenario

    scenario = load_scenario(SCENARIOS / path)
    for mode in ("python", "json"):
        assert Scenario.model_validate(scenario.model_dump(mode=mode)) == scenario
