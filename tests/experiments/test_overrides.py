"""``--set``: parsing, the grid, merging over the resolved scenario, and errors with a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.experiments.conftest import write_scenario
from twin.cli import main
from twin.errors import TwinError
from twin.experiments.overrides import grid, parse_set, split_values, variant
from twin.scenario import load_scenario


@pytest.fixture
def scenario(tmp_path: Path):
    return load_scenario(write_scenario(tmp_path, "small"))


def test_grid_is_every_combination_last_set_fastest(scenario) -> None:
    data = scenario.model_dump()
    sets = [parse_set("response.units.ambulance.count=2,3,5", data),
            parse_set("response.call_handling.dispatchers=1,2", data)]
    combos = grid(sets)
    assert len(combos) == 6
    assert combos[0] == {"response.units.ambulance.count": 2, "response.call_handling.dispatchers": 1}
    assert combos[1] == {"response.units.ambulance.count": 2, "response.call_handling.dispatchers": 2}
    assert combos[-1] == {"response.units.ambulance.count": 5, "response.call_handling.dispatchers": 2}


def test_an_override_keeps_every_other_field(scenario) -> None:
    data = scenario.model_dump()
    turnout = parse_set("response.units.ambulance.turnout_s.mean_s=30", data)
    target = parse_set("response.targets_s.1=400", data)
    changed = variant(scenario, [turnout, target], grid([turnout, target])[0], "small.yaml")
    response = changed.response
    assert response.units["ambulance"].turnout_s.mean_s == 30
    assert response.units["ambulance"].turnout_s.distribution == "fixed"  # the default's, not lognormal
    assert response.targets_s == {1: 400.0, 2: 900.0, 3: 1800.0}
    assert response.units["police"].count == 8 and len(response.incident_types) == 7
    assert scenario.response.units["ambulance"].turnout_s.mean_s == 60  # the base is unchanged


def test_values_are_yaml_and_commas_in_quotes_or_brackets_do_not_split() -> None:
    assert split_values("8, 10,12") == ["8", "10", "12"]
    assert split_values("'synthetic:nodes=2000,seed=2',helsinki") == ["'synthetic:nodes=2000,seed=2'", "helsinki"]
    assert split_values("[1, 2],[3]") == ["[1, 2]", "[3]"]
    override = parse_set("run.duration=2h,90m")
    assert override.values == ("2h", "90m")


@pytest.mark.parametrize(("text", "message"), [
    ("response.units.ambulanse.count=8", "unknown key 'ambulanse' in response.units; did you mean 'ambulance'?"),
    ("respons.units.ambulance.count=8", "unknown key 'respons' in the scenario; did you mean 'response'?"),
    ("response.call_handling.dispachers=2", "did you mean 'dispatchers'?"),
    ("response.incident_types.medical_p11.share=1", "unknown entry 'medical_p11'"),
    ("response.arrivals.hour_profile.3=1", "is a list; set it whole"),
    ("response.arrivals.per_day.x=3", "is a single value"),
    ("run.seed=1,2", "use --seed"),
    ("response.units.ambulance.count", "expected PATH=VALUE"),
    ("response.units.ambulance.count=2,,3", "empty value"),
])
def test_bad_paths_are_named(text: str, message: str, scenario) -> None:
    with pytest.raises(TwinError, match=None) as error:
        parse_set(text, scenario.model_dump())
    assert message in str(error.value) and str(error.value).startswith("--set ")


def test_a_value_of_the_wrong_type_names_the_file_the_override_and_the_field(scenario) -> None:
    override = parse_set("response.units.ambulance.count=3,lots", scenario.model_dump())
    variant(scenario, [override], grid([override])[0], "small.yaml")
    with pytest.raises(TwinError) as error:
        variant(scenario, [override], grid([override])[1], "small.yaml")
    assert str(error.value).startswith("small.yaml with response.units.ambulance.count=lots: "
                                       "response.units.ambulance.count: Input should be a valid integer")


def test_sweep_with_a_bad_set_exits_2_with_one_line_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, "small")
    out, store = tmp_path / "out", tmp_path / "store"
    for bad, expected in [("response.units.ambulanse.count=2,3", "did you mean 'ambulance'?"),
                          ("response.units.ambulance.count=2,abc", "Input should be a valid integer")]:
        code = main(["sweep", str(path), "--set", bad, "--reps", "2", "--out", str(out), "--store", str(store)])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith("error: ") and expected in err and err.count("\n") == 1
    assert not out.exists() and not store.exists()
