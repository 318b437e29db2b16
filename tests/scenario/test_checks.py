"""The whole scenario is checked before anything runs: every mistake, each with its file and path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from twin.errors import TwinError
from twin.experiments.overrides import parse_set, variant
from twin.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def write(tmp: Path, text: str, parent: str = "baseline.yaml", name: str = "s.yaml") -> Path:
    """A scenario file extending ``scenarios/<parent>`` (no ``extends`` if ``parent`` is empty)."""
    path = tmp / name
    path.write_text((f"extends: {SCENARIOS / parent}\n" if parent else "") + text)
    return path


def problems(path: Path) -> list[str]:
    """The lines of the error that loading ``path`` raises (the count line first if several)."""
    with pytest.raises(TwinError) as info:
        load_scenario(path)
    return str(info.value).split("\n")


# --- every mistake, each on a line of its own ---------------------------------------------------------


def test_two_cross_section_mistakes_are_both_named(tmp_path: Path) -> None:
    path = write(tmp_path, "traffic:\n  collisions: {incident_type: crash}\n"
                           "crime:\n  targets: {source: population}\npopulation: null\n")
    lines = problems(path)
    assert lines[0] == f"{path}: 2 problems"
    body = sorted(line.strip() for line in lines[1:])
    assert len(body) == 2
    assert body[0].startswith(f"{path}: crime.targets.source: is 'population' but the scenario has no population")
    assert body[1].startswith(f"{path}: traffic.collisions.incident_type: ")
    assert "'crash'" in body[1] and "response.incident_types" in body[1]


def test_every_field_error_is_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "run: {duration: 0, seeed: 3}\n"
                           "response:\n  units:\n    ambulance: {count: -2}\n  hospitals: 3\n")
    lines = problems(path)
    assert lines[0] == f"{path}: 4 problems"
    assert sorted(line.strip() for line in lines[1:]) == [
        f"{path}: response.hospitals: Input should be 'auto' or a valid list, got 3",
        f"{path}: response.units.ambulance.count: Input should be greater than or equal to 0, got -2",
        f"{path}: run.duration: Input should be greater than 0",
        f"{path}: run.seeed: unknown key; did you mean 'seed'?",
    ]


def test_field_errors_come_first_and_alone(tmp_path: Path) -> None:
    """The cross-section rules need valid sections: with a field error they are not run."""
    path = write(tmp_path, "run: {duration: 0}\ntraffic:\n  collisions: {incident_type: crash}\n")
    assert problems(path) == [f"{path}: run.duration: Input should be greater than 0"]


def test_two_incident_types_short_of_units_are_both_named(tmp_path: Path) -> None:
    path = write(tmp_path, "response:\n  units:\n    fire: {count: 0}\n"
                           "  incident_types:\n    gas_leak: {share: 0.1, priority: 1, units: {fire: 1}, "
                           "on_scene: {mean_s: 600}}\n")
    (line,) = problems(path)
    assert "incident type 'fire' needs fire units but the scenario has none" in line
    assert "incident type 'gas_leak' needs fire units but the scenario has none" in line


# --- the rules that span sections --------------------------------------------------------------------


@pytest.mark.parametrize("body, path, words", [
    ("traffic:\n  collisions: {incident_type: trafic_collision}\n", "traffic.collisions.incident_type",
     "did you mean 'traffic_collision'?"),
    ("response:\n  incident_types:\n    traffic_collision: {arrivals: poisson}\n",
     "response.incident_types.traffic_collision.arrivals", "set it to 'external'"),
    ("crime:\n  types:\n    burglary: {share: 0.1}\n", "crime.types.burglary", "not a type of response.incident_types"),
    ("response:\n  incident_types:\n    crime_report: {arrivals: poisson}\n",
     "response.incident_types.crime_report.arrivals", "(crime.types.crime_report)"),
    ("response:\n  incident_types:\n    crime_report: null\n", "crime.types.crime_report",
     "not a type of response.incident_types"),
    ("crime:\n  targets: {source: population}\npopulation: null\n", "crime.targets.source",
     "no population section"),
    ("response:\n  dispatch: {name: priority_reserve, params: {reserve: {fire: 2}}}\n",
     "response.dispatch.params.reserve.fire", "a reserve of 2 leaves none of the 2 fire units"),
])
def test_each_rule_names_its_path(tmp_path: Path, body: str, path: str, words: str) -> None:
    file = write(tmp_path, body)
    (line,) = problems(file)
    assert line.startswith(f"{file}: {path}: "), line
    assert words in line, line


@pytest.mark.parametrize("body", [
    "traffic:\n  collisions: {enabled: false, incident_type: crash}\n",  # nothing is reported
    "crime:\n  targets: {source: population}\n",                         # the baseline has people
    "response:\n  dispatch: {name: priority_reserve, params: {reserve: {fire: 1}}}\n",
])
def test_what_is_not_a_mistake(tmp_path: Path, body: str) -> None:
    load_scenario(write(tmp_path, body))


def test_reports_need_a_response_section_only_if_there_is_one(tmp_path: Path) -> None:
    path = write(tmp_path, "city: helsinki\ntraffic:\n  collisions: {incident_type: crash}\n"
                           "crime:\n  types:\n    burglary: {share: 0.1}\n", parent="")
    scenario = load_scenario(path)  # nobody serves the reports: nothing to disagree with
    assert scenario.response is None and scenario.traffic.collisions.incident_type == "crash"


def test_the_cli_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "traffic:\n  collisions: {incident_type: crash}\n"
                           "crime:\n  types:\n    burglary: {share: 0.1}\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", str(path), "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {path}: 2 problems\n")
    assert f"  {path}: traffic.collisions.incident_type: " in proc.stderr
    assert f"  {path}: crime.types.burglary: " in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and not (tmp_path / "outputs").exists()


def test_overrides_are_checked_too() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    override = parse_set("traffic.collisions.incident_type=crash", scenario.model_dump())
    with pytest.raises(TwinError, match=r"baseline.yaml with traffic.collisions.incident_type=crash: "
                                        r"traffic.collisions.incident_type: "):
        variant(scenario, [override], {override.path: "crash"}, "baseline.yaml")


# --- incident types: merged by name over the defaults ------------------------------------------------

DEFAULT_NAMES = ["medical_p1", "medical_p2", "medical_p3", "fire", "traffic_collision", "crime_in_progress",
                 "crime_report"]


def test_a_file_writes_only_what_changes(tmp_path: Path) -> None:
    path = write(tmp_path, "response:\n  incident_types:\n"
                           "    traffic_collision: {arrivals: poisson, on_scene: {mean_s: 900}}\n"
                           "    fire: null\n"
                           "    medical_p1: {units: {ambulance: 2}}\n"
                           "    gas_leak: {share: 0.02, priority: 1, units: {fire: 1}, on_scene: {mean_s: 1800}}\n"
                           "traffic: null\n", parent="response_only.yaml")
    types = load_scenario(path).response.incident_types
    assert list(types) == ["medical_p1", "medical_p2", "medical_p3", "traffic_collision", "crime_in_progress",
                           "crime_report", "gas_leak"]
    collision = types["traffic_collision"]
    assert collision.arrivals == "poisson" and collision.on_scene.mean_s == 900
    assert collision.on_scene.distribution == "lognormal" and collision.on_scene.cv == 0.5  # the default's
    assert collision.share == 0.1 and collision.units == {"police": 1, "ambulance": 1}
    assert types["medical_p1"].units == {"ambulance": 2} and types["medical_p1"].transport_probability == 0.85
    assert types["gas_leak"].units == {"fire": 1} and types["gas_leak"].arrivals == "poisson"


def test_null_removes_a_key_inside_a_type(tmp_path: Path) -> None:
    path = write(tmp_path, "response:\n  incident_types:\n"
                           "    traffic_collision: {units: {police: 2, ambulance: null}, transport_probability: 0}\n",
                 parent="response_only.yaml")
    assert load_scenario(path).response.incident_types["traffic_collision"].units == {"police": 2}


def test_no_table_is_the_default_table() -> None:
    types = load_scenario(SCENARIOS / "response_only.yaml").response.incident_types
    assert list(types) == DEFAULT_NAMES


def test_merge_and_removal_through_extends(tmp_path: Path) -> None:
    parent = write(tmp_path, "response:\n  incident_types:\n    fire: null\n"
                             "    medical_p2: {share: 0.3}\n", parent="response_only.yaml", name="parent.yaml")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {parent.name}\nresponse:\n  incident_types:\n"
                     "    medical_p2: {priority: 1}\n    crime_report: null\n")
    types = load_scenario(child).response.incident_types
    assert list(types) == ["medical_p1", "medical_p2", "medical_p3", "traffic_collision", "crime_in_progress"]
    assert types["medical_p2"].share == 0.3 and types["medical_p2"].priority == 1  # parent's and child's
    assert types["medical_p2"].transport_probability == 0.6  # the default's
    grandchild = tmp_path / "grandchild.yaml"
    grandchild.write_text("extends: child.yaml\nresponse:\n  incident_types:\n    fire: {share: 0.2}\n")
    fire = load_scenario(grandchild).response.incident_types["fire"]  # named again: over the default once more
    assert fire.share == 0.2 and fire.units == {"fire": 2} and fire.target_s == 410


def test_a_new_type_needs_its_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "response:\n  incident_types:\n    gas_leak: {share: 0.1}\n", parent="response_only.yaml")
    lines = problems(path)
    assert lines[0] == f"{path}: 3 problems"
    assert sorted(line.strip() for line in lines[1:]) == [
        f"{path}: response.incident_types.gas_leak.on_scene: Field required",
        f"{path}: response.incident_types.gas_leak.priority: Field required",
        f"{path}: response.incident_types.gas_leak.units: Field required",
    ]


def test_a_resolved_scenario_is_taken_as_it_is(tmp_path: Path) -> None:
    """A dump (run folder, workers, sweeps) is the whole table: removed types stay removed."""
    path = write(tmp_path, "response:\n  incident_types:\n    fire: null\n"
                           "    traffic_collision: {units: {ambulance: null}}\n", parent="response_only.yaml")
    scenario = load_scenario(path)
    for mode in ("python", "json"):
        again = Scenario.model_validate(scenario.model_dump(mode=mode))
        assert again == scenario
        assert "fire" not in again.response.incident_types
        assert again.response.incident_types["traffic_collision"].units == {"police": 1}
    alone = Scenario.model_validate({"response": {"incident_types": {
        "call": {"share": 1, "priority": 2, "units": {"ambulance": 1}, "on_scene": {"mean_s": 60}}}}})
    assert list(alone.response.incident_types) == ["call"]
