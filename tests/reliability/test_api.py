"""The public Python API refuses bad arguments with one clear TwinError naming the argument,
as the command line does, instead of a traceback deep inside or a run that simulates nothing."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.city.osm_samples import grid_osm
from tests.experiments.conftest import small_scenario
from twin.city import City, load
from twin.errors import TwinError
from twin.experiments import simulate
from twin.scenario import Scenario
from twin.sim.model import CityModel

START = datetime(2026, 11, 2)


@pytest.fixture(scope="module")
def city() -> City:
    return load("synthetic:nodes=200,seed=1")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.model_validate(small_scenario(run={"duration": "2h", "warmup": "30m", "seed": 3}))


def _one_clear_line(exc: TwinError, names: str) -> None:
    text = str(exc)
    assert "\n" not in text and len(text) < 300, text
    assert names in text, text


def test_load_takes_a_path(tmp_path: Path) -> None:
    path = grid_osm(tmp_path / "grid.osm", size=4)
    from_path = load(path)
    from_text = load(str(path))
    assert from_path.drive.n_nodes == from_text.drive.n_nodes == 16 - 3
    assert from_path.source == str(path)


LOAD_CASES: list[tuple[str, Any, Any, str]] = [
    ("None", None, "drive", "city source: expected a string"),
    ("an int", 123, "drive", "got int 123"),
    ("a float", 1.5, "drive", "got float 1.5"),
    ("bytes", b"helsinki", "drive", "got bytes"),
    ("a list", ["helsinki"], "drive", "got list"),
    ("a NUL byte", "synthetic:nodes=100\0", "drive", "NUL"),
    ("an empty string", "  ", "drive", "empty city source"),
    ("a missing Path", Path("/nonexistent/city.osm"), "drive", "no such file"),
    ("a folder Path", Path("/"), "drive", "not a file"),
    ("network None", "synthetic:nodes=100", None, "unknown network type None"),
    ("network a list", "synthetic:nodes=100", ["drive"], "unknown network type"),
    ("network walk", "synthetic:nodes=100", "walk", "unknown network type 'walk'"),
]


@pytest.mark.parametrize(("source", "network", "expected"), [c[1:] for c in LOAD_CASES], ids=[c[0] for c in LOAD_CASES])
def test_load_refuses_what_is_not_a_source(source: Any, network: Any, expected: str) -> None:
    with pytest.raises(TwinError) as caught:
        load(source, network)
    _one_clear_line(caught.value, expected)


BAD_SEEDS: list[tuple[str, Any, str]] = [
    ("negative", -1, "seed: must be non-negative"),
    ("a string", "abc", "seed: expected a non-negative integer, got str"),
    ("a float", 1.5, "seed: expected a non-negative integer, got float"),
    ("a whole float", 2.0, "got float"),
    ("True", True, "got bool"),
    ("False", False, "got bool"),
    ("None", None, "got NoneType"),
    ("beyond 64 bits", 2**64, "seed: must fit in 64 bits"),
    ("a numpy float", np.float64(3), "got float64"),
]

MODEL_CASES: list[tuple[str, dict[str, Any], str]] = [
    *((f"seed {name}", {"seed": value}, expected) for name, value, expected in BAD_SEEDS),
    ("duration nan", {"duration_s": math.nan}, "duration_s: must be a finite number"),
    ("duration inf", {"duration_s": math.inf}, "duration_s: must be a finite number"),
    ("duration -inf", {"duration_s": -math.inf}, "duration_s: must be a finite number"),
    ("duration negative", {"duration_s": -60.0}, "duration_s: must be positive"),
    ("duration zero", {"duration_s": 0}, "duration_s: must be positive"),
    ("duration a string", {"duration_s": "1h"}, "duration_s: expected a number of seconds"),
    ("duration a huge int", {"duration_s": 10**400}, "duration_s: must be a finite number"),
    ("warmup nan", {"warmup_s": math.nan}, "warmup_s: must be a finite number"),
    ("warmup negative", {"warmup_s": -1.0}, "warmup_s: must be non-negative"),
    ("warmup as long as the run", {"warmup_s": 3600.0}, "warmup_s: must be shorter than duration_s"),
    ("start a string", {"start": "2026-11-02"}, "start: expected a datetime"),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES])
def test_city_model_refuses_bad_arguments(city: City, changes: dict[str, Any], expected: str) -> None:
    arguments = {"start": START, "seed": 1, "duration_s": 3600.0, **changes}
    with pytest.raises(TwinError) as caught:
        CityModel(city, **arguments)
    _one_clear_line(caught.value, expected)


def test_city_model_refuses_what_is_not_a_city() -> None:
    with pytest.raises(TwinError, match="city: expected a twin.city.City"):
        CityModel("synthetic:nodes=100", start=START, seed=1, duration_s=60.0)  # type: ignore[arg-type]


def test_good_arguments_still_work(city: City) -> None:
    model = CityModel(city, start=START, seed=np.int64(7), duration_s=600, warmup_s=0)
    model.run(sample_every=60)
    assert model.seed == 7 and isinstance(model.seed, int)
    assert model.now == 600.0, "the run simulated its whole duration"


RUN_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("sample_every zero", {"sample_every": 0}, "sample_every: must be positive"),
    ("sample_every nan", {"sample_every": math.nan}, "sample_every: must be a finite number"),
    ("sample_every inf", {"sample_every": math.inf}, "sample_every: must be a finite number"),
    ("until nan", {"until": math.nan}, "until: must be a finite number"),
    ("until negative", {"until": -5.0}, "until: must be non-negative"),
    ("progress_every zero", {"progress_every": 0.0, "on_progress": print}, "progress_every: must be positive"),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in RUN_CASES], ids=[c[0] for c in RUN_CASES])
def test_city_model_run_refuses_bad_arguments(city: City, changes: dict[str, Any], expected: str) -> None:
    model = CityModel(city, start=START, seed=1, duration_s=600.0)
    with pytest.raises(TwinError) as caught:
        model.run(**changes)
    _one_clear_line(caught.value, expected)
    assert model.now == 0.0, "nothing may run before the arguments are checked"


@pytest.mark.parametrize(("seed", "expected"), [c[1:] for c in BAD_SEEDS if c[1] is not None],
                         ids=[c[0] for c in BAD_SEEDS if c[1] is not None])
def test_simulate_refuses_bad_seeds(scenario: Scenario, seed: Any, expected: str) -> None:
    with pytest.raises(TwinError) as caught:
        simulate(scenario, seed)
    _one_clear_line(caught.value, expected)


SCENARIO_CASES: list[tuple[str, Any, str]] = [
    ("a path string", "scenarios/baseline.yaml", "load_scenario(path)"),
    ("a Path", Path("scenarios/baseline.yaml"), "load_scenario(path)"),
    ("a dict", small_scenario(), "Scenario.model_validate(data)"),
    ("None", None, "expected a validated scenario, got NoneType"),
]


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES])
def test_simulate_refuses_what_is_not_a_scenario(value: Any, expected: str) -> None:
    with pytest.raises(TwinError) as caught:
        simulate(value)
    _one_clear_line(caught.value, expected)


def test_simulate_refuses_a_city_that_is_not_one(scenario: Scenario) -> None:
    with pytest.raises(TwinError, match="city: expected a twin.city.City"):
        simulate(scenario, 1, city="synthetic:nodes=100")  # type: ignore[arg-type]
